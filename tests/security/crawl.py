"""A small crawler for the attack tests: same site, bounded; checks every response it gets.

`Crawler(client).crawl(start_paths, required=[…])` visits every required path (the matrix's URLs),
then follows links (<a href>) and redirects, and fetches the assets the pages name (stylesheets,
scripts, images); `post(path, data)` sends one form. Each response goes through `check_response`,
which returns what is wrong with it (an empty list when nothing is).
"""

import re
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

from django.urls import Resolver404, resolve

HOST = "testserver"
PERMISSIONS_OFF = ("camera=()", "microphone=()", "geolocation=()", "payment=()")
# A <script> without src that the browser does not run: data blocks (Django's json_script, allauth's).
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json"}
# Asked for, never changed by a GET, yet no page to crawl into: downloads are fetched, not parsed.
NOT_FOLLOWED = ("/compte/logout/",)


class PageParser(HTMLParser):
    """Links, assets, and what a strict CSP would block: inline styles, handlers, inline scripts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.assets: list[str] = []
        self.inline_styles: list[str] = []
        self.handlers: list[str] = []
        self.javascript_urls: list[str] = []
        self.scripts: list[dict] = []  # {"src":…, "nonce":…, "type":…}
        self.style_elements = 0
        self.has_portal_layout = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name == "style":
                self.inline_styles.append(f"<{tag} style={value!r}>")
            elif name.startswith("on"):
                self.handlers.append(f"<{tag} {name}={value!r}>")
            elif name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.javascript_urls.append(f"<{tag} {name}={value!r}>")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        elif tag == "link" and attributes.get("href") and attributes.get("rel") in ("stylesheet", "icon"):
            self.assets.append(attributes["href"])
        elif tag == "img" and attributes.get("src"):
            self.assets.append(attributes["src"])
        elif tag == "script":
            self.scripts.append(
                {
                    "src": attributes.get("src"),
                    "nonce": attributes.get("nonce"),
                    "type": attributes.get("type"),
                }
            )
            if attributes.get("src"):
                self.assets.append(attributes["src"])
        elif tag == "style":
            self.style_elements += 1
        elif tag == "meta" and attributes.get("name") == "htmx-config":
            self.has_portal_layout = True


def directives(policy: str) -> dict[str, list[str]]:
    found = {}
    for part in policy.split(";"):
        name, _space, values = part.strip().partition(" ")
        if name:
            found[name] = values.split()
    return found


def is_public(response) -> bool:
    return "public" in {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")}


def cookie_problems(response) -> list[str]:
    problems = []
    for name, morsel in response.cookies.items():
        if not morsel.value and (morsel["max-age"] == 0 or "1970" in str(morsel["expires"])):
            continue  # a deletion: no value to protect (Django's delete_cookie sets no flags)
        if not morsel["secure"]:
            problems.append(f"cookie {name} without Secure")
        if name in ("sessionid", "csrftoken", "messages", "django_language") and not morsel["httponly"]:
            problems.append(f"cookie {name} without HttpOnly")
        if str(morsel["samesite"]).lower() not in ("lax", "strict"):
            problems.append(f"cookie {name} without SameSite")
    return problems


def check_response(response, *, path: str, signed_in: bool, body: str | None) -> list[str]:
    """What is wrong with one response of the portal in production (HTTPS) settings."""
    problems = []
    if response.status_code >= 500:
        problems.append(f"answers {response.status_code}")
    policy = response.get("Content-Security-Policy", "")
    if not policy:
        problems.append("no Content-Security-Policy")
    else:
        problems += policy_problems(policy, is_html=body is not None)
    expected = {
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Strict-Transport-Security": "max-age=63072000; includeSubDomains; preload",
    }
    for header, value in expected.items():
        if response.get(header) != value:
            problems.append(f"{header}: {response.get(header)!r}")
    if not all(feature in response.get("Permissions-Policy", "") for feature in PERMISSIONS_OFF):
        problems.append(f"Permissions-Policy: {response.get('Permissions-Policy')!r}")
    personal = signed_in or path.startswith(("/agent/", "/admin/")) or bool(response.cookies)
    cache = response.get("Cache-Control", "")
    if is_public(response):
        if response.cookies:
            problems.append("a public (cacheable) response sets a cookie")
    elif personal and "no-store" not in cache:
        problems.append(f"personal response without no-store: {cache!r}")
    problems += cookie_problems(response)
    if body is not None:
        problems += html_problems(body, policy)
    return problems


def policy_problems(policy: str, *, is_html: bool) -> list[str]:
    """No inline or eval'd script anywhere; inline styles only in a sandboxed file that is no page
    (the vault's previews: the browser's own PDF or image viewer styles itself)."""
    found = directives(policy)
    scripts = found.get("script-src", found.get("default-src", []))
    problems = []
    if "'unsafe-inline'" in scripts or "'unsafe-eval'" in scripts or "unsafe-eval" in policy:
        problems.append(f"CSP lets scripts run inline or eval: {policy}")
    styles = found.get("style-src", found.get("default-src", []))
    if "'unsafe-inline'" in styles and (is_html or "sandbox" not in found or scripts != ["'none'"]):
        problems.append(f"CSP allows inline styles on a page: {policy}")
    return problems


def html_problems(body: str, policy: str) -> list[str]:
    parser = PageParser()
    parser.feed(body)
    problems = []
    nonce_values = [
        value for value in directives(policy).get("script-src", []) if value.startswith("'nonce-")
    ]
    nonce = nonce_values[0][len("'nonce-") : -1] if nonce_values else None
    if parser.has_portal_layout and nonce is None:
        problems.append("a page of the portal's layout without a nonce in its CSP")
    for script in parser.scripts:
        if script["src"]:
            if urlsplit(script["src"]).netloc not in ("", HOST):
                problems.append(f"a script from elsewhere: {script['src']}")
            if script["nonce"] is not None and script["nonce"] != nonce:
                problems.append("a script with a nonce that is not this response's")
        elif (script["type"] or "").lower() not in DATA_SCRIPT_TYPES and (
            nonce is None or script["nonce"] != nonce
        ):
            problems.append("an inline script the CSP would block")
    if parser.style_elements:
        problems.append(f"{parser.style_elements} <style> element(s)")
    problems += [f"inline style {item}" for item in parser.inline_styles[:3]]
    problems += [f"inline handler {item}" for item in parser.handlers[:3]]
    problems += [f"javascript: URL {item}" for item in parser.javascript_urls[:3]]
    return problems


@dataclass
class Crawler:
    client: object
    signed_in: bool
    max_pages: int = 400
    max_per_route: int = 3
    checked: int = 0
    required_checked: int = 0
    statuses: Counter = field(default_factory=Counter)
    problems: dict = field(default_factory=dict)
    seen: set = field(default_factory=set)
    per_route: Counter = field(default_factory=Counter)

    def crawl(self, start_paths: list[str], *, required: list[str] = ()) -> "Crawler":
        """Visit every `required` path (uncapped), then follow links from them and from `start_paths`."""
        queue = deque(start_paths)
        required = [path for path in dict.fromkeys(required) if path not in self.seen]
        self.seen |= set(required)  # each visited once, here, even if a page names it as an asset first
        for path in required:
            self.required_checked += 1
            for found, kind in self._visit(path):
                if kind == "asset":
                    if self._admit(found, is_asset=True):
                        self._visit(found, asset=True)
                else:
                    queue.append(found)
        pages = 0
        while queue and pages < self.max_pages:
            path = queue.popleft()
            if not self._admit(path):
                continue
            pages += 1
            for found, kind in self._visit(path):
                if kind == "asset":
                    if self._admit(found, is_asset=True):
                        self._visit(found, asset=True)
                else:
                    queue.append(found)
        return self

    def _admit(self, path: str, *, is_asset: bool = False) -> bool:
        if path in self.seen or path.startswith(NOT_FOLLOWED):
            return False
        if not is_asset:
            try:
                route = resolve(urlsplit(path).path).route
            except Resolver404:
                route = path
            if self.per_route[route] >= self.max_per_route:
                return False
            self.per_route[route] += 1
        self.seen.add(path)
        return True

    def post(self, path: str, data: dict) -> None:
        """Send one form (a POST of the matrix) and check its answer like any other."""
        self._check(self.client.post(path, data, secure=True), path=f"POST {path}")

    def _visit(self, path: str, *, asset: bool = False) -> list[tuple[str, str]]:
        response, body = self._check(self.client.get(path, secure=True), path=path)
        found = []
        if response.status_code in (301, 302, 303, 307, 308):
            found.append((response["Location"], "link"))
        elif body is not None and not asset:
            parser = PageParser()
            parser.feed(body)
            found += [(link, "link") for link in parser.links]
            found += [(link, "asset") for link in parser.assets]
        return [(local, kind) for link, kind in found if (local := self._local(path, link)) is not None]

    def _check(self, response, *, path: str):
        self.checked += 1
        self.statuses[response.status_code] += 1
        is_html = response.get("Content-Type", "").startswith("text/html")
        # Read to the end: the test client closes a streamed response once consumed (calling close()
        # here would fire request_finished, which closes the test's database connection).
        content = b"".join(response.streaming_content) if response.streaming else response.content
        body = content.decode("utf-8", "replace") if is_html else None
        problems = check_response(
            response, path=path.removeprefix("POST "), signed_in=self.signed_in, body=body
        )
        if response.status_code >= 500 and getattr(response, "exc_info", None):
            problems.append(repr(response.exc_info[1]))
        if problems:
            self.problems[path] = problems
        return response, body

    @staticmethod
    def _local(base: str, link: str) -> str | None:
        link = link.strip()
        if not link or link.startswith(("#", "mailto:", "tel:", "data:", "javascript:")):
            return None
        absolute = urljoin(f"https://{HOST}{base}", urldefrag(link).url)
        parts = urlsplit(absolute)
        if parts.netloc != HOST or not re.match(r"^https?$", parts.scheme):
            return None
        return parts.path + (f"?{parts.query}" if parts.query else "")
