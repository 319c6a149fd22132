"""Hooks: how other apps extend the démarches without the démarches importing them.

Like the prefill registry (demarches/prefill.py), each hook is registered at import
time by the app that knows the data, from its AppConfig.ready():

    # associations/subsidies/apps.py
    from demarches import hooks

    hooks.register_submit_check("subsidies", subsidies.submit_check)
    hooks.request_submitted.connect(subsidies.on_submitted)
    hooks.register_decision_check("subsidies", subsidies.decision_check)
    hooks.register_letter_context("subvention", subsidies.letter_context)

Submit checks    `func(actor, request) -> str | None`: a French refusal, or None. Run by
                 `services.submit_request` once the draft's row is locked and before anything
                 is written: the request stays a draft and the "check your answers" page shows
                 the refusal (it asks the checks too, so that the person knows before sending).
request_submitted a Signal sent by `submit_request` INSIDE its transaction, once the request is
                 submitted (status, reference, answers pointing at the service's copies):
                 `receiver(sender=Request, request=, actor=, **kwargs)`. A receiver's writes
                 commit or roll back with the submission; an exception refuses it.
Decision checks  `func(actor, request, status) -> str | None`, run by
                 `services.change_status` before it moves anything: a French refusal (an
                 IllegalTransition for the agent) or None. Each check decides which of its
                 requests and which moves concern it.
Letter contexts  `func(request) -> dict` of plain values (strings, dates, dicts and lists of
                 them, never a model) merged into the decision letter's context, under the
                 variables declared at registration (the registration's name by default):
                 `{"subvention": {"montant_accorde": "1 500,00 €"}}` lets a letter template print
                 {{ subvention.montant_accorde }}; `letters.check_template` accepts those
                 variables. A request the hook does not concern gets {}.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import django.dispatch

# Sent with `request` (the submitted Request, locked) and `actor` (who sent it).
request_submitted = django.dispatch.Signal()

_submit_checks: dict[str, Callable[..., str | None]] = {}
_decision_checks: dict[str, Callable[..., str | None]] = {}


@dataclass(frozen=True)
class LetterContext:
    name: str
    func: Callable[..., dict[str, Any]]
    variables: tuple[str, ...]


_letter_contexts: dict[str, LetterContext] = {}


# Submit checks ------------------------------------------------------------------------------------


def register_submit_check(name: str, func: Callable[..., str | None]) -> None:
    """Add (or replace) a check of a draft about to be sent: `func(actor, request)` → refusal or None."""
    _submit_checks[name] = func


def unregister_submit_check(name: str) -> None:
    _submit_checks.pop(name, None)


def submit_refusal(*, actor, request) -> str | None:
    """The first refusal of the registered checks (in registration order), or None."""
    for func in list(_submit_checks.values()):
        refusal = func(actor, request)
        if refusal:
            return str(refusal)
    return None


# Decision checks ----------------------------------------------------------------------------------


def register_decision_check(name: str, func: Callable[..., str | None]) -> None:
    """Add (or replace) a check of an agent's move: `func(actor, request, status)` → refusal or None."""
    _decision_checks[name] = func


def unregister_decision_check(name: str) -> None:
    _decision_checks.pop(name, None)


def decision_refusal(*, actor, request, status: str) -> str | None:
    for func in list(_decision_checks.values()):
        refusal = func(actor, request, status)
        if refusal:
            return str(refusal)
    return None


# Letter contexts ----------------------------------------------------------------------------------


def register_letter_context(
    name: str, func: Callable[..., dict[str, Any]], *, variables: tuple[str, ...] | None = None
) -> None:
    """Add (or replace) values of the decision letters: `func(request)` → {variable: plain value}.

    `variables` are the names it may fill (the registration's name by default); any other key
    it returns is left out, so that a hook never shadows the letter's own variables.
    """
    _letter_contexts[name] = LetterContext(name=name, func=func, variables=tuple(variables or (name,)))


def unregister_letter_context(name: str) -> None:
    _letter_contexts.pop(name, None)


def letter_variables() -> tuple[str, ...]:
    """The variables the registered letter contexts add, in registration order."""
    return tuple(variable for context in _letter_contexts.values() for variable in context.variables)


def letter_context(request) -> dict[str, Any]:
    """The registered contexts' values for this request, each under its declared variables."""
    result: dict[str, Any] = {}
    for context in list(_letter_contexts.values()):
        values = context.func(request) or {}
        result.update({key: value for key, value in values.items() if key in context.variables})
    return result
