"""Durations of the retention schedule in any template, without the view knowing of them.

    {% load retention %}
    {% retention_duration "coffre.expired_documents" %}   → "3 mois"
    {% retention_sentence "audit.events" %}               → "Suppression 1 an après leur enregistrement."

Each tag reads its one rule (one query), unless the view gave the page the whole `schedule`.
"""

from django import template

from guichet.retention import selectors

register = template.Library()


def _line(context, code: str) -> selectors.ScheduleLine:
    schedule = context.get("schedule")
    if isinstance(schedule, selectors.Schedule):
        return schedule.line(code)
    return selectors.line_of(code)


@register.simple_tag(takes_context=True)
def retention_duration(context, code: str) -> str:
    return _line(context, code).duration


@register.simple_tag(takes_context=True)
def retention_sentence(context, code: str) -> str:
    return _line(context, code).sentence
