"""The authorization matrix's rows for the equipment pages (tests/test_authorization_matrix.py runs them).

`world(users, associations)` builds this area's objects through its services and returns them; the
rows read them as `w["associations"]["equipment"][key]`. `associations` is the core world
(tests/associations/matrix.py): the CITIZEN presides its verified association, the OTHER_CITIZEN
another one, the AGENT is an agent of the vie associative service.

Each role runs every row on a world of its own, in order: each move (POST) has a loan of its own
in the state it needs, so that one move never changes what another row finds.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from associations.equipment import services
from tests.associations.equipment.factories import ItemFactory
from tests.matrix import (
    ADMIN,
    AGENT,
    AGENT_OTHER_SERVICE,
    ANONYMOUS,
    CITIZEN,
    LOGIN,
    OTHER_CITIZEN,
    PUBLIC,
    SIGNED_IN,
    Row,
    everyone,
    named,
)

# A loan of the CITIZEN's association: its members only; anyone else's is a 404 (agents included:
# they reach loans through the back-office).
MEMBER_OBJECT = {**everyone(404), ANONYMOUS: LOGIN, CITIZEN: 200}
MEMBER_MOVE = {**MEMBER_OBJECT, CITIZEN: 302}
# The back-office: the vie associative service's agents; citizens, other services' agents and
# administrators who are agents of no service get a 403.
EQUIPMENT_AGENT = {
    ANONYMOUS: LOGIN,
    CITIZEN: 403,
    OTHER_CITIZEN: 403,
    AGENT_OTHER_SERVICE: 403,
    AGENT: 200,
    ADMIN: 403,
}
AGENT_MOVE = {**EQUIPMENT_AGENT, AGENT: 302}


def loan(name: str, key: str):
    return lambda w: reverse(f"associations:{name}", args=[w["associations"]["equipment"][key].pk])


ROWS: dict[str, Row] = {
    "associations:equipment": Row(named("associations:equipment"), PUBLIC),
    "associations:equipment_loans": Row(named("associations:equipment_loans"), SIGNED_IN),
    # Without a verified association of their own, the page explains what to do (200 too).
    "associations:equipment_request": Row(named("associations:equipment_request"), SIGNED_IN),
    "associations:equipment_loan": Row(loan("equipment_loan", "loan"), MEMBER_OBJECT),
    "associations:equipment_loan_cancel": Row(
        loan("equipment_loan_cancel", "to_cancel"), MEMBER_MOVE, method="post"
    ),
    "associations:agent_loans": Row(named("associations:agent_loans"), EQUIPMENT_AGENT),
    "associations:agent_equipment_stock": Row(named("associations:agent_equipment_stock"), EQUIPMENT_AGENT),
    "associations:agent_loan": Row(loan("agent_loan", "loan"), EQUIPMENT_AGENT),
    "associations:agent_loan_approve": Row(
        loan("agent_loan_approve", "to_approve"), AGENT_MOVE, method="post"
    ),
    "associations:agent_loan_refuse": Row(
        loan("agent_loan_refuse", "to_refuse"), AGENT_MOVE, method="post", data={"reason": "Stock réservé."}
    ),
    "associations:agent_loan_hand_over": Row(
        loan("agent_loan_hand_over", "to_hand_over"), AGENT_MOVE, method="post"
    ),
    "associations:agent_loan_return": Row(loan("agent_loan_return", "out"), EQUIPMENT_AGENT),
    "associations:agent_loan_write_off": Row(
        loan("agent_loan_write_off", "to_write_off"), AGENT_MOVE, method="post"
    ),
}


def world(users: dict, associations: dict) -> dict:
    citizen, agent, association = users[CITIZEN], users[AGENT], associations["association"]
    chairs = ItemFactory(chairs=True)
    start = timezone.localdate() + timedelta(days=10)

    def ask(count: int):
        return services.request_loan(
            actor=citizen,
            association=association,
            start_date=start,
            end_date=start + timedelta(days=1),
            quantities={chairs: count},
            purpose="Fête de quartier",
        )

    def out(count: int):
        lent = ask(count)
        services.approve_loan(actor=agent, loan=lent)
        return services.hand_over_loan(actor=agent, loan=lent)

    to_hand_over = ask(5)
    services.approve_loan(actor=agent, loan=to_hand_over)
    to_write_off = out(5)
    line = to_write_off.lines.get()
    services.record_return(actor=agent, loan=to_write_off, counts={line.pk: services.ReturnCount(returned=3)})
    # A loan of the other association, so that lists have someone else's row too.
    services.request_loan(
        actor=users[OTHER_CITIZEN],
        association=associations["other_association"],
        start_date=start,
        end_date=start,
        quantities={chairs: 5},
        purpose="Tournoi",
    )
    return {
        "chairs": chairs,
        "loan": ask(10),
        "to_cancel": ask(5),
        "to_approve": ask(5),
        "to_refuse": ask(5),
        "to_hand_over": to_hand_over,
        "out": out(5),
        "to_write_off": to_write_off,
    }
