"""The family file's sources for the démarches' prefill registry (demarches.prefill).

`household.children`: one block per child of the applicant household (or, when
the applicant is the person themselves, of the households they are a responsible
adult of), for a repeated group of a procedure's form ("Enfants concernés").
"""

from django.utils.translation import gettext_lazy as _

from demarches import prefill
from famille.models import Child, Household
from guichet.accounts.enums import PartyKind


def household_children(user, party) -> list[dict] | None:
    """The children as blocks: first name, last name, birth date (ISO), school and class."""
    households = Household.objects.for_user(user)
    if party is not None and party.kind == PartyKind.HOUSEHOLD:
        households = households.filter(party=party)
    children = (
        Child.objects.filter(memberships__household__in=households)
        .select_related("school")
        .distinct()
        .order_by("birth_date", "first_name", "pk")
    )
    blocks = [
        {
            "child.first_name": child.first_name,
            "child.last_name": child.last_name,
            "child.birth_date": child.birth_date.isoformat(),
            "child.school": child.school.name if child.school else "",
            "child.school_level": child.get_school_level_display() if child.school_level else "",
        }
        for child in children
    ]
    return blocks or None


prefill.register("household.children", household_children, label=_("Enfants du foyer"))
