"""The authorization matrix's rows for the associations' space and its sub-apps.

The core world: the CITIZEN is the president of a verified association, the OTHER_CITIZEN of
another; the AGENT is an agent of the vie associative service (AGENT_OTHER_SERVICE is not).
Each sub-app adds its own rows and objects (tests/associations/<app>/matrix.py).
"""

from django.conf import settings
from django.urls import reverse

from associations import services
from guichet.accounts.enums import PartyRole
from guichet.accounts.models import AgentMembership, PartyMembership
from tests.associations.equipment import matrix as equipment
from tests.associations.factories import png_upload
from tests.associations.rooms import matrix as rooms
from tests.associations.subsidies import matrix as subsidies
from tests.factories import ServiceFactory, UserFactory
from tests.matrix import (
    AGENT,
    ANONYMOUS,
    CITIZEN,
    LOGIN,
    OTHER_CITIZEN,
    SIGNED_IN,
    Row,
    everyone,
    named,
)

SUB_APPS = {"subsidies": subsidies, "rooms": rooms, "equipment": equipment}


def association_url(name: str, key: str = "association", *more) -> "callable":
    return lambda w: reverse(name, args=[w["associations"]["core"][key].pk, *more])


def member_url(name: str) -> "callable":
    """A page about a plain member of the CITIZEN's association."""
    return lambda w: reverse(
        name, args=[w["associations"]["core"]["association"].pk, w["associations"]["core"]["member"].pk]
    )


# The CITIZEN's association: its president gets it, anyone else 404 (the OTHER_CITIZEN presides another).
MEMBER_PAGE = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
# The vie associative service's back-office: its agents only (an administrator is an agent of no service).
ASSOCIATIONS_AGENT = {**everyone(403), ANONYMOUS: LOGIN, AGENT: 200}

ROWS: dict[str, Row] = {
    "associations:home": Row(named("associations:home"), SIGNED_IN),
    "associations:create": Row(named("associations:create"), SIGNED_IN),
    "associations:association": Row(association_url("associations:association"), MEMBER_PAGE),
    "associations:switch": Row(
        association_url("associations:switch"),
        {**MEMBER_PAGE, CITIZEN: 302},
        method="post",
    ),
    "associations:edit": Row(association_url("associations:edit"), MEMBER_PAGE),
    "associations:logo": Row(association_url("associations:logo"), MEMBER_PAGE),
    "associations:bank": Row(association_url("associations:bank"), MEMBER_PAGE),
    # Nothing chosen: back to the association's page with the error.
    "associations:subsidy_rule": Row(
        association_url("associations:subsidy_rule"),
        {**MEMBER_PAGE, CITIZEN: 302},
        method="post",
    ),
    "associations:invite": Row(association_url("associations:invite"), MEMBER_PAGE),
    "associations:member": Row(member_url("associations:member"), MEMBER_PAGE),
    "associations:leave": Row(association_url("associations:leave"), MEMBER_PAGE),
    # An invitation of the CITIZEN's association: revoked, back to its page.
    "associations:invitation_revoke": Row(
        association_url("associations:invitation_revoke", "invitation"),
        {**MEMBER_PAGE, CITIZEN: 302},
        method="post",
    ),
    # Whoever holds the link sees the page; it says what stops them (not the invited address).
    "associations:invitation_accept": Row(
        lambda w: reverse(
            "associations:invitation_accept", args=[w["associations"]["core"]["invitation_token"]]
        ),
        SIGNED_IN,
    ),
    "associations:agent_associations": Row(named("associations:agent_associations"), ASSOCIATIONS_AGENT),
    "associations:agent_association": Row(
        association_url("associations:agent_association"), ASSOCIATIONS_AGENT
    ),
    # Verified already: back to its page with the message.
    "associations:agent_verify": Row(
        association_url("associations:agent_verify"), {**ASSOCIATIONS_AGENT, AGENT: 302}, method="post"
    ),
    # No reason given: the page again with the error.
    "associations:agent_suspend": Row(
        association_url("associations:agent_suspend"), ASSOCIATIONS_AGENT, method="post"
    ),
}


def rows() -> dict[str, Row]:
    result = dict(ROWS)
    for module in SUB_APPS.values():
        result.update(module.ROWS)
    return result


def core_world(users: dict) -> dict:
    service = ServiceFactory(name="Vie associative", slug=settings.ASSOCIATIONS_SERVICE_SLUG)
    AgentMembership.objects.get_or_create(user=users[AGENT], service=service)
    agent = users[AGENT]

    def verified(user, name: str, rna: str):
        association = services.create_association(
            actor=user, name=name, rna=rna, purpose="Animer le quartier."
        )
        return services.verify_association(actor=agent, association=association)

    association = verified(users[CITIZEN], "Les Amis du Parc", "W751000001")
    other = verified(users[OTHER_CITIZEN], "Club de la Matrice", "W751000002")
    association = services.set_logo(actor=users[CITIZEN], association=association, image=png_upload())
    member = UserFactory(email="membre.matrice@exemple.fr")
    PartyMembership.objects.create(user=member, party=association.party, role=PartyRole.MEMBER)
    invitation, token = services.invite_member(
        actor=users[CITIZEN], association=association, email="nouveau@exemple.fr"
    )
    return {
        "service": service,
        "association": association,
        "other_association": other,
        "invitation": invitation,
        "invitation_token": token,
        "member": member,
    }


def world(users: dict) -> dict:
    core = core_world(users)
    return {"core": core, **{name: module.world(users, core) for name, module in SUB_APPS.items()}}
