"""Every template auto-escapes what people type: `<script>` is fed into every text field of every form of
the portal, as each role, through the forms themselves (each page of the authorization matrix that the role
may open is read, and each of its POST forms is sent back with markup in every text box and text area), and
is then never found raw: not on the page that answers the form (an error shown with what was typed, or the
page a success leads to), nor on any page of the matrix afterwards, as any role, while its escaped form is
shown there. The forms come from the pages, so a new form is fed as soon as its page has its row.

test_escaping.py does the same from the other side: markup written into every text column of every row."""

import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.test import Client

from tests.helpers import login
from tests.matrix import ADMIN, AGENT, AGENT_OTHER_SERVICE, ANONYMOUS, CITIZEN, OTHER_CITIZEN, ROLES
from tests.test_authorization_matrix import MATRIX

# Text boxes: what a person types freely. E-mail, number and date inputs are checked by the browser and
# the form alike, yet they are fed too: a form must escape what it refuses.
TEXT_INPUTS = {"text", "search", "tel", "url", "email", ""}
NOT_FED = (
    "/compte/logout/",  # signing out would end the role's session, and has no text field
    "/i18n/",  # the language switch: a select
)
RAW = re.compile(r"<script>f(\d+)</script>|<b>f(\d+)</b>")
ESCAPED = re.compile(r"&lt;script&gt;f(\d+)&lt;/script&gt;|&lt;b&gt;f(\d+)&lt;/b&gt;")
# The role that feeds first is the one that owns the most: the others then see what it typed.
FEEDING_ORDER = [CITIZEN, AGENT, ADMIN, OTHER_CITIZEN, AGENT_OTHER_SERVICE, ANONYMOUS]


class FormParser(HTMLParser):
    """The POST forms of a page: action and fields (name, kind, value, maxlength)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        if tag == "form":
            method = attributes.get("method", "get").lower()
            self._form = {"action": attributes.get("action", ""), "post": method == "post", "fields": []}
            self.forms.append(self._form)
        elif tag == "option" and self._select is not None:
            # The selected option, else the first that is not the empty choice.
            value = attributes.get("value", "")
            if self._select["value"] in (None, "") or "selected" in attributes:
                self._select["value"] = value
        elif self._form is None or "name" not in attributes or "disabled" in attributes:
            return
        elif tag == "input":
            kind = attributes.get("type", "").lower()
            # A choice: the first radio of a group is taken, and every checkbox.
            if kind == "radio" and any(field["name"] == attributes["name"] for field in self._form["fields"]):
                return
            if kind in ("submit", "button", "reset", "image", "file", "password"):
                return
            self._form["fields"].append(
                {
                    "name": attributes["name"],
                    "kind": "text" if kind in TEXT_INPUTS else kind,
                    "value": attributes.get("value", "on" if kind in ("checkbox", "radio") else ""),
                    "maxlength": int(attributes["maxlength"])
                    if attributes.get("maxlength", "").isdigit()
                    else None,
                }
            )
        elif tag == "textarea":
            self._textarea = {"name": attributes["name"], "kind": "text", "value": "", "maxlength": None}
            if attributes.get("maxlength", "").isdigit():
                self._textarea["maxlength"] = int(attributes["maxlength"])
            self._form["fields"].append(self._textarea)
        elif tag == "select":
            self._select = {"name": attributes["name"], "kind": "select", "value": None, "maxlength": None}
            self._form["fields"].append(self._select)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def payload(marker: int, room: int | None) -> str:
    text = f"<script>f{marker}</script>"
    return text if room is None or len(text) <= room else f"<b>f{marker}</b>"


def body_of(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return (
        content.decode("utf-8", "replace") if response.get("Content-Type", "").startswith("text/html") else ""
    )


def markers(pattern: re.Pattern, text: str) -> set[int]:
    return {int(next(group for group in match.groups() if group)) for match in pattern.finditer(text)}


def signed_in_client(world: dict, role: str) -> Client:
    client = Client(raise_request_exception=False)
    if role != ANONYMOUS:
        login(client, world["users"][role])
    return client


def test_markup_typed_into_every_form_is_never_shown_raw(world):
    fed: dict[int, str] = {}  # marker → "role: form action field"
    raw, errors, forms_sent = defaultdict(set), {}, set()

    def look(response, where: str) -> str:
        text = body_of(response)
        if response.status_code >= 500:
            errors[where] = response.status_code
        for marker in markers(RAW, text):
            raw[fed.get(marker, marker)].add(where)
        return text

    for role in FEEDING_ORDER:
        user = world["users"].get(role)
        for key, row in MATRIX.items():
            if row.method != "get" or row.expect[role] != 200:
                continue
            client = signed_in_client(world, role)
            page_url = row.url(world)
            page = client.get(page_url)
            parser = FormParser()
            parser.feed(body_of(page))
            for form in parser.forms:
                action = urlsplit(urljoin(f"http://testserver{page_url}", form["action"] or page_url))
                target = action.path + (f"?{action.query}" if action.query else "")
                texts = [field for field in form["fields"] if field["kind"] == "text"]
                if (
                    not form["post"]
                    or not texts
                    or action.netloc != "testserver"
                    or target.startswith(NOT_FED)
                ):
                    continue
                if (role, target) in forms_sent:
                    continue  # the same form on several pages (the search box of the layout)
                forms_sent.add((role, target))
                refused: set[str] = set()
                # Markup in every text field; then once more with the page's own values in the fields that
                # refused it (a postal code, a date), so that the form goes through and keeps the rest.
                for _attempt in range(2):
                    data = defaultdict(list)
                    for field in form["fields"]:
                        if field["kind"] == "text" and field["name"] not in refused | {"csrfmiddlewaretoken"}:
                            marker = len(fed) + 1
                            fed[marker] = f"{role}: {target} {field['name']}"
                            data[field["name"]].append(payload(marker, field["maxlength"]))
                        elif field["value"] is not None:
                            data[field["name"]].append(field["value"])
                    if user is not None:
                        login(client, user)  # a form sent before may have changed the session
                    answer = client.post(target, dict(data), follow=True)
                    text = look(answer, f"{role}: POST {target} (from {key})")
                    refused = {
                        field["name"]
                        for field in texts
                        if re.search(rf'id="id_{re.escape(field["name"])}_error"', text)
                    }
                    if not refused:
                        break

    # Everything typed, wherever it was kept, on every page of the matrix, as every role.
    shown = set()
    for role in ROLES:
        for key, row in MATRIX.items():
            if row.method != "get":
                continue
            response = signed_in_client(world, role).get(row.url(world))
            shown |= markers(ESCAPED, look(response, f"{role}: {key}"))

    assert dict(raw) == {}
    assert errors == {}
    # The forms were found and fed, as every role that has some, and what they kept is shown, escaped.
    roles_that_fed = {where.split(":")[0] for where in fed.values()}
    assert roles_that_fed >= {CITIZEN, AGENT, ADMIN, OTHER_CITIZEN, AGENT_OTHER_SERVICE, ANONYMOUS}
    assert len(forms_sent) > 60, sorted(forms_sent)
    assert len(shown) > 40, sorted(fed[marker] for marker in shown)
    print(
        f"\n{len(forms_sent)} forms sent, {len(fed)} fields fed, {len(shown)} shown again on the matrix's pages"
    )
