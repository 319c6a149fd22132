"""What the subsidies export of a person (their associations' requests and reports) and what their
erasure leaves (the association's and the town's records; who acted reads as unknown once the account goes)."""

import pytest

from associations.subsidies import services
from associations.subsidies.models import Application, FinancialReport
from guichet.accounts import registry
from tests.associations.subsidies.factories import draft, grant, report_document, submitted
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_export_lists_the_requests_of_the_users_associations_and_their_report(world):
    granted = grant(
        agent=world.agent,
        application=submitted(actor=world.president, campaign=world.campaign, association=world.association),
        amount=120_000,
        motivation="Projet retenu.",
    )
    services.file_report(
        actor=world.treasurer,
        application=granted,
        actual_expenses_cents=210_000,
        actual_income_cents=200_000,
        comment="Un peu plus cher que prévu.",
        document=report_document(actor=world.treasurer, association=world.association),
    )

    (entry,) = registry.export_user_data(world.treasurer)["subsidies"]["demandes_de_subvention"]

    assert (entry["campagne"], entry["montant_demandé_centimes"], entry["montant_accordé_centimes"]) == (
        2027,
        150_000,
        120_000,
    )
    assert (entry["commencée_par_vous"], entry["motif_de_la_décision"]) == (False, "Projet retenu.")
    assert entry["compte_rendu"]["commentaire"] == "Un peu plus cher que prévu."
    assert entry["compte_rendu"]["transmis_par_vous"] is True
    assert registry.export_user_data(world.president)["subsidies"]["demandes_de_subvention"][0][
        "commencée_par_vous"
    ]
    assert registry.export_user_data(UserFactory())["subsidies"] == {"demandes_de_subvention": []}


def test_erasure_keeps_the_records_and_their_links_go_when_the_account_does(world):
    application = draft(actor=world.member, campaign=world.campaign, association=world.association)

    registry.erase_user_data(world.member)

    assert Application.objects.filter(pk=application.pk).exists()
    world.member.delete()
    assert Application.objects.get(pk=application.pk).created_by is None
    assert not FinancialReport.objects.exists()
