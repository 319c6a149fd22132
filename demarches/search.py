"""The agents' full-text search over requests: reference, applicant's name and answers.

PostgreSQL's `simple` configuration over text folded here (lower case, accents
removed), so « Léa » finds « LEA » and a reference's pieces match as typed; the
words of a query are ANDed, each as a prefix (« dup » finds « Dupont »).
"""

import re
import unicodedata
from typing import Any

from django.contrib.postgres.search import SearchQuery

# Words of a query: letters and digits (a reference's dashes and an e-mail's dots split it).
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without accents: « État civil » and « etat civil » match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _values(value: Any):
    if isinstance(value, dict):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _values(item)
    elif value is not None and not isinstance(value, bool):
        yield str(value)


def document_text(request) -> str:
    """What a request is found by, folded: its reference, the applicant's name, every answer."""
    parts = [request.reference, request.applicant.name, *_values(request.answers)]
    return " ".join(_WORD.findall(fold(" ".join(part for part in parts if part))))


def query(text: str) -> SearchQuery | None:
    """The PostgreSQL query for what an agent typed, or None when it holds no word."""
    words = _WORD.findall(fold(text))[:12]
    if not words:
        return None
    return SearchQuery(" & ".join(f"{word}:*" for word in words), search_type="raw", config="simple")
