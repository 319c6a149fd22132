"""What the equipment loans give in an RGPD export, and what an erasure takes away."""

from datetime import date

from associations.equipment import personal_data, services
from associations.equipment.enums import DeliveryMode, LoanStatus
from guichet.accounts import registry
from tests.associations.equipment.factories import handed_over, request, returned

JUNE_12 = date(2026, 6, 12)


def delivered(world, actor, **changes):
    details = {
        "delivery_mode": DeliveryMode.DELIVERY,
        "delivery_address": "3 rue des Lilas, 77100 Villebelle",
        "contact_name": "Lucas Dupont",
        "contact_phone": "06 11 22 33 44",
        "note": "Sonner deux fois.",
    }
    details.update(changes)
    return request(world.association, actor, {world.chairs: 10}, JUNE_12, **details)


def test_the_export_holds_the_loans_the_user_asked_for_or_cancelled(world):
    mine = delivered(world, world.president)
    cancelled = request(world.association, world.member, {world.tables: 2}, JUNE_12, purpose="AG")
    services.cancel_loan(actor=world.president, loan=cancelled)
    request(world.association, world.member, {world.tables: 1}, JUNE_12, purpose="Autre")

    export = registry.export_user_data(world.president)["equipment"]["prêts_de_matériel"]

    assert [entry["prêt"] for entry in export] == [mine.reference, cancelled.reference]
    first = export[0]
    assert (first["adresse_de_livraison"], first["téléphone"], first["précisions"]) == (
        "3 rue des Lilas, 77100 Villebelle",
        "06 11 22 33 44",
        "Sonner deux fois.",
    )
    assert first["matériel"] == [{"article": "Chaise pliante", "quantité": 10}]
    assert (export[1]["demandé_par_vous"], export[1]["annulé_par_vous"]) == (False, True)


def test_the_erasure_takes_the_contact_away_and_the_address_of_finished_loans(world):
    under_way = delivered(world, world.president)
    finished = handed_over(delivered(world, world.president), world.agent)
    returned(finished, world.agent, {})
    someone_else = delivered(world, world.member)

    registry.erase_user_data(world.president)

    under_way.refresh_from_db()
    finished.refresh_from_db()
    someone_else.refresh_from_db()
    assert (under_way.contact_name, under_way.contact_phone, under_way.note) == ("", "", "")
    assert under_way.delivery_address == "3 rue des Lilas, 77100 Villebelle"
    assert finished.status == LoanStatus.RETURNED
    assert finished.delivery_address == personal_data.ERASED_ADDRESS
    assert finished.contact_phone == ""
    assert someone_else.contact_phone == "06 11 22 33 44"
