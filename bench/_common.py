"""Helpers shared by the benchmarks of this folder: Django set-up, a small HTTP client with cookies
and CSRF tokens, and the production processes (gunicorn with guichet/gunicorn.conf.py, a Celery
worker) started on a free 127.0.0.1 port. Not a benchmark itself (the runner skips `_*.py`)."""

import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def setup_django() -> None:
    # Run as a script, this folder comes first on the path, and this file is named like the app.
    sys.path[:] = [str(ROOT), *(p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
    import django

    django.setup()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def source_address(index: int) -> str:
    """A loopback address of its own per parent (Linux routes all of 127.0.0.0/8 to lo)."""
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


class Parent:
    """Just enough of a browser over http.client: cookies, CSRF token, no redirect followed."""

    def __init__(self, port: int, address: str, email: str, child_id: int):
        self.port, self.address, self.email, self.child_id = port, address, email, child_id
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=600, source_address=(self.address, 0)
        )
        self.connection.connect()

    def request(self, method: str, path: str, *, body=None, headers=None) -> tuple[int, dict, bytes]:
        if self.connection is None:
            self.connect()
        all_headers = {"Host": f"127.0.0.1:{self.port}", **(headers or {})}
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            self.connection.request(method, path, body=body, headers=all_headers)
            response = self.connection.getresponse()
            content = response.read()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = None
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        if response.headers.get("Connection", "").lower() == "close":
            self.connection.close()
            self.connection = None
        return response.status, dict(response.headers), content

    def csrf_token(self, path: str) -> str:
        status, _headers, content = self.request("GET", path)
        assert status == 200, (path, status)
        return CSRF_INPUT.search(content.decode()).group(1)

    def post_form(self, path: str, fields: list[tuple[str, object]]) -> tuple[int, dict, bytes]:
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def wait_for(port: int, path: str, process: subprocess.Popen, seconds: int = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped at start")
        try:
            probe = Parent(port, "127.0.0.1", "", 0)
            status = probe.request("GET", path)[0]
            probe.close()
            if status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"gunicorn did not answer within {seconds} s")


def production_env(port: int) -> dict:
    """The environment of production (DEBUG off) but plain HTTP on 127.0.0.1; collects the static
    files first when they are not (production serves the collected, hashed files)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "guichet.settings",
        "DJANGO_DEBUG": "false",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
    }
    if not (ROOT / "var" / "static" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return env


def start_web(
    port: int, env: dict, log, *, app: str = "guichet.wsgi", probe: str = "/compte/login/"
) -> subprocess.Popen:
    """gunicorn with the production configuration (its access log nowhere: a line a request)."""
    web = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", app, "--config", "guichet/gunicorn.conf.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    wait_for(port, probe, web)
    return web


def start_worker(env: dict, log) -> subprocess.Popen:
    """A Celery worker as docker-compose.yml runs it (concurrency 2)."""
    command = ["celery", "--app", "guichet", "worker", "--loglevel", "WARNING", "--concurrency", "2"]
    return subprocess.Popen(
        [sys.executable, "-m", *command, "--without-heartbeat", "--without-gossip", "--without-mingle"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=log,
    )


def stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def drain_queue(seconds: float = 120) -> tuple[int, float]:
    """Wait for the worker to run the tasks the storm queued (a waiting booking queues a promotion
    check): returns how many are left and how long it took. Nothing to wait for without a broker."""
    from django.conf import settings

    if not os.environ.get("REDIS_URL"):
        return 0, 0.0
    import redis

    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    started = time.monotonic()
    while True:
        left = client.llen("celery") + client.hlen("unacked")
        if not left or time.monotonic() - started > seconds:
            return left, time.monotonic() - started
        time.sleep(0.5)


def percentiles(values: list[float]) -> str:
    if len(values) < 2:
        return "n/a"
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return (
        f"p50 {statistics.median(values) * 1000:7.0f} ms   p95 {cuts[94] * 1000:7.0f} ms   "
        f"p99 {cuts[98] * 1000:7.0f} ms   max {max(values) * 1000:7.0f} ms"
    )
