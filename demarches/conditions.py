"""Conditions that show a page or a field depending on earlier answers.

A condition is a small JSON structure:

    {"field": "copy_type", "op": "equals", "value": "plurilingual"}
    {"field": "has_children", "op": "equals", "value": true}
    {"field": "reasons", "op": "contains", "value": "noise"}
    {"field": "company_siret", "op": "answered"}
    {"all": [condition, condition, …]}      every one holds (and)
    {"any": [condition, condition, …]}      at least one holds (or)

A bare list is read as "all". Operators: equals, not_equals, contains, answered,
not_answered. A field that is hidden has no answer, so conditions about it see
"not answered". Values are compared as stored: the choice's code, true/false for
yes/no, a number, an ISO date.
"""

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _

from demarches.enums import ConditionOp

OPS = frozenset(ConditionOp.values)
NEEDS_VALUE = frozenset({ConditionOp.EQUALS, ConditionOp.NOT_EQUALS, ConditionOp.CONTAINS})


def is_empty(value: Any) -> bool:
    """No answer: None, an empty string, list or mapping (False and 0 are answers)."""
    return value is None or value == "" or value == [] or value == {}


def _as_bool(value: Any) -> bool:
    # Yes/no: true, "true", "oui" are the same answer.
    return value if isinstance(value, bool) else str(value).strip().lower() in {"true", "oui", "yes", "1"}


def _same(answer: Any, expected: Any) -> bool:
    if isinstance(answer, bool) or isinstance(expected, bool):
        return _as_bool(answer) == _as_bool(expected)
    if isinstance(answer, int | float) and not isinstance(expected, bool):
        try:
            return float(answer) == float(str(expected).replace(",", "."))
        except ValueError:
            return False
    return str(answer) == str(expected)


def evaluate(condition: Any, answers: Mapping[str, Any]) -> bool:
    """Whether the condition holds for these answers. No condition always holds."""
    if condition is None or condition == {} or condition == []:
        return True
    if isinstance(condition, list):
        return all(evaluate(part, answers) for part in condition)
    if "all" in condition:
        return all(evaluate(part, answers) for part in condition["all"])
    if "any" in condition:
        return any(evaluate(part, answers) for part in condition["any"])
    answer = answers.get(condition["field"])
    op = condition["op"]
    if op == ConditionOp.ANSWERED:
        return not is_empty(answer)
    if op == ConditionOp.NOT_ANSWERED:
        return is_empty(answer)
    expected = condition.get("value")
    if op == ConditionOp.EQUALS:
        return not is_empty(answer) and _same(answer, expected)
    if op == ConditionOp.NOT_EQUALS:
        return is_empty(answer) or not _same(answer, expected)
    if op == ConditionOp.CONTAINS:
        if isinstance(answer, list):
            return any(_same(item, expected) for item in answer)
        if isinstance(answer, str):
            return str(expected).casefold() in answer.casefold()
        return False
    raise ValueError(f"unknown condition operator {op!r}")


def referenced_keys(condition: Any) -> Iterator[str]:
    """Every field key the condition reads."""
    if not condition:
        return
    if isinstance(condition, list):
        for part in condition:
            yield from referenced_keys(part)
    elif "all" in condition or "any" in condition:
        for part in condition.get("all") or condition.get("any") or []:
            yield from referenced_keys(part)
    elif "field" in condition:
        yield condition["field"]


def structure_errors(condition: Any) -> list[str]:
    """What is wrong with the condition's shape, in French, for the administrator."""
    if condition is None or condition == {} or condition == []:
        return []
    if isinstance(condition, list):
        return [error for part in condition for error in structure_errors(part)]
    if not isinstance(condition, dict):
        return [
            _(
                'Une condition est un objet JSON, par exemple {"field": "cle", "op": "equals", "value": "oui"}.'
            )
        ]
    for combinator in ("all", "any"):
        if combinator in condition:
            parts = condition[combinator]
            if not isinstance(parts, list) or not parts or len(condition) != 1:
                return [
                    _("« %(key)s » attend une liste de conditions, et rien d'autre.") % {"key": combinator}
                ]
            return [error for part in parts for error in structure_errors(part)]
    errors = []
    unknown = set(condition) - {"field", "op", "value"}
    if unknown:
        errors.append(
            _("Clés inconnues dans une condition : %(keys)s.") % {"keys": ", ".join(sorted(unknown))}
        )
    if not isinstance(condition.get("field"), str) or not condition.get("field"):
        errors.append(_("Une condition doit indiquer la clé du champ (« field »)."))
    op = condition.get("op")
    if op not in OPS:
        errors.append(
            _("Opérateur de condition inconnu : « %(op)s ». Choisissez parmi : %(ops)s.")
            % {"op": op, "ops": ", ".join(sorted(OPS))}
        )
    elif op in NEEDS_VALUE and "value" not in condition:
        errors.append(_("L'opérateur « %(op)s » attend une valeur (« value »).") % {"op": op})
    return errors


def describe(condition: Any, labels: Mapping[str, str], value_labels: Mapping[str, Mapping[str, str]]) -> str:
    """The condition in plain French, for a hint: « Type de copie » est « Extrait plurilingue »."""
    if not condition:
        return ""
    if isinstance(condition, list):
        condition = {"all": condition}
    if "all" in condition or "any" in condition:
        joiner = _(" et ") if "all" in condition else _(" ou ")
        return joiner.join(
            describe(part, labels, value_labels) for part in condition.get("all") or condition["any"]
        )
    key = condition["field"]
    label = labels.get(key, key)
    op = condition["op"]
    value = condition.get("value")
    if isinstance(value, bool):
        shown = _("Oui") if value else _("Non")
    else:
        shown = value_labels.get(key, {}).get(str(value), str(value))
    if op == ConditionOp.ANSWERED:
        return _("« %(label)s » est renseigné") % {"label": label}
    if op == ConditionOp.NOT_ANSWERED:
        return _("« %(label)s » n'est pas renseigné") % {"label": label}
    if op == ConditionOp.EQUALS:
        return _("la réponse à « %(label)s » est « %(value)s »") % {"label": label, "value": shown}
    if op == ConditionOp.NOT_EQUALS:
        return _("la réponse à « %(label)s » n'est pas « %(value)s »") % {"label": label, "value": shown}
    return _("la réponse à « %(label)s » comprend « %(value)s »") % {"label": label, "value": shown}
