"""The authorization matrix's rows for the subsidies pages (tests/test_authorization_matrix.py runs them).

`world(users, associations)` builds this area's objects through its services and returns them; the
rows read them as `w["associations"]["subsidies"][key]`. `associations` is the core world
(tests/associations/matrix.py): the CITIZEN presides its verified association, the OTHER_CITIZEN
another one, the AGENT is an agent of the vie associative service.

The world: an open campaign; the CITIZEN's association was granted a subsidy in it and filed its
financial report; a third association's request waits for the service (the agent's forms are posted
empty: the page again with its errors, nothing changed).
"""

from django.urls import reverse

from associations import services as association_services
from associations.subsidies import services
from tests.associations.conftest import seed_document_types
from tests.associations.subsidies.factories import (
    grant,
    make_campaign,
    report_document,
    submitted,
    subsidy_demarche,
)
from tests.factories import UserFactory
from tests.matrix import (
    ADMIN,
    AGENT,
    AGENT_OTHER_SERVICE,
    ANONYMOUS,
    CITIZEN,
    LOGIN,
    OTHER_CITIZEN,
    Row,
    everyone,
)

# The CITIZEN's association's pages: its president gets them, anyone else 404 (agents reach subsidies
# through the back-office; the OTHER_CITIZEN presides another association).
MEMBER_PAGE = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
MEMBER_MOVE = {**MEMBER_PAGE, CITIZEN: 302}
# The back-office: the vie associative service's agents; citizens, other services' agents and
# administrators who are agents of no service get a 403.
SUBSIDIES_AGENT = {
    ANONYMOUS: LOGIN,
    CITIZEN: 403,
    OTHER_CITIZEN: 403,
    AGENT_OTHER_SERVICE: 403,
    AGENT: 200,
    ADMIN: 403,
}
AGENT_MOVE = {**SUBSIDIES_AGENT, AGENT: 302}


def _core(w: dict, key: str):
    return w["associations"]["core"][key]


def _mine(w: dict, key: str):
    return w["associations"]["subsidies"][key]


def member_url(name: str, *keys: str):
    return lambda w: reverse(
        f"associations:{name}", args=[_core(w, "association").pk, *(_mine(w, key).pk for key in keys)]
    )


def agent_url(name: str, key: str):
    return lambda w: reverse(f"associations:{name}", args=[_mine(w, key).pk])


def named(name: str):
    return lambda w: reverse(f"associations:{name}")


ROWS: dict[str, Row] = {
    "associations:association_subsidies": Row(member_url("association_subsidies"), MEMBER_PAGE),
    # Its request of the campaign exists already: back to the subsidies page, with the message.
    "associations:subsidy_start": Row(member_url("subsidy_start", "campaign"), MEMBER_MOVE, method="post"),
    "associations:subsidy_report": Row(member_url("subsidy_report", "granted"), MEMBER_PAGE),
    "associations:agent_subsidies": Row(named("agent_subsidies"), SUBSIDIES_AGENT),
    "associations:agent_subsidy": Row(agent_url("agent_subsidy", "waiting"), SUBSIDIES_AGENT),
    # Posted empty: the page again with the errors.
    "associations:agent_subsidy_scores": Row(
        agent_url("agent_subsidy_scores", "waiting"), SUBSIDIES_AGENT, method="post"
    ),
    "associations:agent_subsidy_opinion": Row(
        agent_url("agent_subsidy_opinion", "waiting"), SUBSIDIES_AGENT, method="post"
    ),
    "associations:agent_subsidy_decision": Row(
        agent_url("agent_subsidy_decision", "waiting"), SUBSIDIES_AGENT, method="post"
    ),
    "associations:agent_subsidy_reports": Row(named("agent_subsidy_reports"), SUBSIDIES_AGENT),
    "associations:agent_subsidy_report_check": Row(
        agent_url("agent_subsidy_report_check", "granted"), AGENT_MOVE, method="post"
    ),
    "associations:agent_subsidy_report_document": Row(
        agent_url("agent_subsidy_report_document", "granted"), SUBSIDIES_AGENT
    ),
}


def world(users: dict, associations: dict) -> dict:
    seed_document_types()
    agent, citizen = users[AGENT], users[CITIZEN]
    campaign = make_campaign(demarche=subsidy_demarche())
    association = associations["association"]
    granted = grant(
        agent=agent,
        application=submitted(actor=citizen, campaign=campaign, association=association),
    )
    services.file_report(
        actor=citizen,
        application=granted,
        actual_expenses_cents=200_000,
        actual_income_cents=200_000,
        comment="",
        document=report_document(actor=citizen, association=association),
    )
    third = association_services.verify_association(
        actor=agent,
        association=association_services.create_association(
            actor=UserFactory(), name="Chorale de la Matrice", rna="W751000003", purpose="Chanter."
        ),
    )
    waiting = submitted(actor=third.party.memberships.get().user, campaign=campaign, association=third)
    return {"campaign": campaign, "granted": granted, "waiting": waiting}
