"""Locust users of bench/city.py: each GETs one page of the portal, logged in by a session cookie.

    BENCH_CONFIG=var/bench-city.json BENCH_PAGE=home locust -f bench/locustfile.py --headless …

bench/city.py logs the users in first (through the real login form, and the TOTP step for agents)
and writes their session cookies and each page's path per user into BENCH_CONFIG; BENCH_PAGE
names the page of this run ("baseline" for the bare view of bench/baseline_wsgi.py).
"""

import itertools
import json
import os

from locust import constant, task
from locust.contrib.fasthttp import FastHttpUser

CONFIG = json.loads(open(os.environ["BENCH_CONFIG"], encoding="utf-8").read())  # noqa: SIM115
PAGE = os.environ["BENCH_PAGE"]
SESSIONS = itertools.cycle(CONFIG["pages"][PAGE])


class PageUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        session = next(SESSIONS)
        self.path = session["path"]
        self.headers = {"Cookie": f"sessionid={session['cookie']}"} if session["cookie"] else {}

    @task
    def page(self) -> None:
        with self.client.get(self.path, headers=self.headers, name=PAGE, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
