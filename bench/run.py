"""`make bench`: run every benchmark of this folder in turn (never part of `make test`).

Each benchmark is a script `bench/<name>.py` that prints its own figures; this
runner migrates the database first and stops at the first one that fails. `city.py`
(the whole portal at a town's size, on its own database, writing bench/results/) runs
first; `--quick` is handed to every bench (BENCH_ARGS=--quick with make).
"""

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def main() -> int:
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, check=True)
    scripts = sorted(HERE.glob("*.py"), key=lambda script: (script.name != "city.py", script.name))
    for script in scripts:
        if script.name in {
            "run.py",
            "__init__.py",
            "locustfile.py",
            "baseline_wsgi.py",
        } or script.name.startswith("_"):
            continue
        print(f"== {script.stem}", flush=True)
        result = subprocess.run([sys.executable, str(script), *sys.argv[1:]], cwd=ROOT, check=False)
        if result.returncode:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
