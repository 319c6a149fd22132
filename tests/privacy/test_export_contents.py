"""The ZIP of "Télécharger mes données" holds every row the person owns, and their documents byte for byte.

For every model the personal-data registry declares, this file says which rows a person owns (a query of
the database, written here, independent of the exporters) and where the export lists them; or why the
model has no rows of a person's to export (the town's configuration, a secret, a part of another row).
A model the registry declares and this file does not know fails the first test.
"""

import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import reverse

from associations.equipment import models as equipment
from associations.models import Association, AssociationInvitation
from associations.rooms import models as rooms
from associations.subsidies import models as subsidies
from coffre import models as coffre
from coffre import services as coffre_services
from demarches import models as demarches
from famille import models as famille
from famille import services as famille_services
from guichet.accounts import models as accounts
from guichet.accounts import registry
from guichet.audit import models as audit
from guichet.audit.selectors import party_ids_for
from guichet.franceconnect.models import FranceConnectIdentity
from guichet.notify import models as notify
from guichet.portal.models import NewsItem
from guichet.privacy.exports import VAULT_FILE, data_file
from guichet.privacy.models import DeletionRequest
from guichet.retention import models as retention
from regie import models as regie
from regie import services as regie_services
from regie.services import LineDraft
from tests.associations.factories import make_association
from tests.factories import ServiceFactory, make_agent, person_party
from tests.famille.factories import activity_at
from tests.helpers import login
from tests.privacy.conftest import NOW
from tests.privacy.factories import citizen
from tests.security.helpers import reauthenticate

pytestmark = pytest.mark.django_db

Owned = Callable[[object], object]  # user → the queryset of the rows they own


def parties(user):
    return accounts.Party.objects.filter(memberships__user=user)


def requests(user):
    return demarches.Request.objects.filter(applicant__in=parties(user))


def households(user):
    return famille.Household.objects.filter(party__memberships__user=user)


def vault_documents(user):
    return coffre.Document.objects.filter(owner_id__in=coffre.vault_party_ids(user))


def own_room(user) -> Q:
    return Q(party__person=user) | Q(requested_by=user)


# model → (the rows the person owns, where the export lists them: app, then keys; a list at each level)
EXPORTED: dict[type, tuple[Owned, tuple[str, ...]]] = {
    get_user_model(): (lambda u: get_user_model().objects.filter(pk=u.pk), ("accounts", "profil")),
    accounts.PartyMembership: (
        lambda u: accounts.PartyMembership.objects.filter(user=u),
        ("accounts", "titulaires"),
    ),
    accounts.AgentMembership: (
        lambda u: accounts.AgentMembership.objects.filter(user=u),
        ("accounts", "services"),
    ),
    audit.AuditEvent: (
        lambda u: audit.AuditEvent.objects.for_owner(party_ids_for(user=u)),
        ("audit", "événements"),
    ),
    notify.Notification: (lambda u: notify.Notification.objects.filter(user=u), ("notify", "notifications")),
    notify.Delivery: (
        lambda u: notify.Delivery.objects.filter(notification__user=u),
        ("notify", "notifications", "envois"),
    ),
    notify.NotificationPreference: (
        lambda u: notify.NotificationPreference.objects.filter(user=u),
        ("notify", "préférences"),
    ),
    coffre.Document: (vault_documents, ("coffre", "documents")),
    coffre.DocumentVersion: (
        lambda u: coffre.DocumentVersion.objects.filter(document__in=vault_documents(u)),
        ("coffre", "documents", "versions"),
    ),
    coffre.Grant: (
        lambda u: coffre.Grant.objects.filter(document__in=vault_documents(u)),
        ("coffre", "documents", "partages"),
    ),
    demarches.Request: (requests, ("demarches", "demandes")),
    demarches.RequestEvent: (
        lambda u: demarches.RequestEvent.objects.filter(request__in=requests(u)),
        ("demarches", "demandes", "historique"),
    ),
    demarches.RequestMessage: (
        lambda u: demarches.RequestMessage.objects.filter(request__in=requests(u)),
        ("demarches", "demandes", "messages"),
    ),
    demarches.RequestAttachment: (
        lambda u: demarches.RequestAttachment.objects.filter(request__in=requests(u)),
        ("demarches", "demandes", "documents"),
    ),
    demarches.DemarcheRevision: (
        lambda u: demarches.DemarcheRevision.objects.filter(created_by=u),
        ("demarches", "versions_publiées"),
    ),
    famille.Household: (households, ("famille", "foyers")),
    famille.ChildHousehold: (
        lambda u: famille.ChildHousehold.objects.filter(household__in=households(u)),
        ("famille", "foyers", "enfants"),
    ),
    famille.AuthorisedPickup: (
        lambda u: famille.AuthorisedPickup.objects.filter(child__memberships__household__in=households(u)),
        ("famille", "foyers", "enfants", "personnes_autorisées"),
    ),
    famille.FamilyDocument: (
        lambda u: famille.FamilyDocument.objects.filter(household__in=households(u)),
        ("famille", "foyers", "documents"),
    ),
    famille.QuotientFamilial: (
        lambda u: famille.QuotientFamilial.objects.filter(household__in=households(u)),
        ("famille", "foyers", "quotients"),
    ),
    famille.Enrolment: (
        lambda u: famille.Enrolment.objects.filter(household__in=households(u)),
        ("famille", "foyers", "inscriptions"),
    ),
    famille.Booking: (
        lambda u: famille.Booking.objects.filter(household__in=households(u)),
        ("famille", "foyers", "réservations"),
    ),
    regie.Invoice: (
        lambda u: regie.Invoice.objects.filter(payer__in=parties(u)).exclude(number=None),
        ("regie", "factures"),
    ),
    regie.InvoiceLine: (
        lambda u: regie.InvoiceLine.objects.filter(invoice__payer__in=parties(u)).exclude(
            invoice__number=None
        ),
        ("regie", "factures", "lignes"),
    ),
    regie.Payment: (lambda u: regie.Payment.objects.filter(payer__in=parties(u)), ("regie", "paiements")),
    regie.Refund: (
        lambda u: regie.Refund.objects.filter(payment__payer__in=parties(u)),
        ("regie", "remboursements"),
    ),
    regie.Mandate: (lambda u: regie.Mandate.objects.filter(payer__in=parties(u)), ("regie", "mandats")),
    regie.CreditNote: (
        lambda u: regie.CreditNote.objects.filter(invoice__payer__in=parties(u)),
        ("regie", "avoirs"),
    ),
    Association: (
        lambda u: Association.objects.filter(party__memberships__user=u),
        ("associations", "associations"),
    ),
    AssociationInvitation: (
        lambda u: AssociationInvitation.objects.filter(invited_by=u),
        ("associations", "invitations_envoyées"),
    ),
    subsidies.Application: (
        lambda u: subsidies.Application.objects.filter(association__party__memberships__user=u),
        ("subsidies", "demandes_de_subvention"),
    ),
    subsidies.FinancialReport: (
        lambda u: subsidies.FinancialReport.objects.filter(
            application__association__party__memberships__user=u
        ),
        ("subsidies", "demandes_de_subvention", "compte_rendu"),
    ),
    rooms.Booking: (lambda u: rooms.Booking.objects.filter(own_room(u)), ("rooms", "réservations")),
    rooms.BookingSeries: (lambda u: rooms.BookingSeries.objects.filter(own_room(u)), ("rooms", "séries")),
    equipment.Loan: (
        lambda u: equipment.Loan.objects.filter(Q(created_by=u) | Q(cancelled_by=u)),
        ("equipment", "prêts_de_matériel"),
    ),
    equipment.LoanLine: (
        lambda u: equipment.LoanLine.objects.filter(Q(loan__created_by=u) | Q(loan__cancelled_by=u)),
        ("equipment", "prêts_de_matériel", "matériel"),
    ),
    DeletionRequest: (
        lambda u: DeletionRequest.objects.filter(user=u),
        ("privacy", "demandes_de_suppression"),
    ),
    FranceConnectIdentity: (
        lambda u: FranceConnectIdentity.objects.filter(user=u),
        ("franceconnect", "identité_certifiée"),
    ),
    retention.RetentionRule: (
        lambda u: retention.RetentionRule.objects.filter(updated_by=u),
        ("retention", "règles_modifiées"),
    ),
}

TOWN = "The town's configuration or its own records, the same for everyone: no row is a person's."
NOT_EXPORTED: dict[type, str] = {
    **dict.fromkeys(
        [
            accounts.Service,
            accounts.Town,
            accounts.DailyLogins,
            audit.AuditSeal,
            audit.AuditCheckpoint,
            NewsItem,
            coffre.DocumentType,
            demarches.Demarche,
            demarches.FormPage,
            demarches.FormField,
            demarches.ServiceSpace,
            demarches.Label,
            demarches.LetterTemplate,
            famille.Site,
            famille.SchoolYear,
            famille.Activity,
            famille.ActivitySite,
            famille.RequiredDocument,
            famille.Session,
            famille.TariffRule,
            famille.TariffBracket,
            famille.Closure,
            famille.BillingRun,
            regie.ProcessedWebhookEvent,
            regie.Discrepancy,
            regie.DirectDebitBatch,
            rooms.Room,
            rooms.OpeningHours,
            rooms.RoomPhoto,
            equipment.Item,
            subsidies.Campaign,
            subsidies.Criterion,
            subsidies.Score,
            retention.RetentionOverride,
            retention.RetentionRun,
        ],
        TOWN,
    ),
    accounts.Party: "Listed with the memberships (accounts.titulaires: id, kind, name), one per party.",
    famille.Child: "Listed through the household's children (famille.foyers[].enfants), one per membership.",
    famille.ChildHealth: "One to one with the child: its fields are in the child's entry (allergies, pai…).",
    coffre.DataKey: "The vault's wrapped data key: a secret, never handed out.",
    coffre.ReminderSent: "A mark that an expiry reminder went (the reminder itself is a notification).",
    coffre.ShreddingLog: "Ids of shredded vaults, for restores: written when an account is erased.",
    demarches.RequestNote: "The agents' internal notes on a request; doubtful, see the report of issue 9.",
    demarches.ExportJob: "An agent's export of their service's requests, deleted a day after.",
    famille.HouseholdInvitation: "Addressed to another adult (their address); shown on the family page.",
    famille.ChildShareInvitation: "Addressed to another adult (their address); shown on the family page.",
    famille.BillingLine: "What each invoice line was computed from; the invoices are in regie.factures.",
    famille.TaxCertificate: "The certificate itself is a document of the household's vault.",
    regie.PaymentAllocation: "Which invoices a payment settled: in each invoice's balance (reste_à_payer).",
    regie.Receipt: "The receipt's PDF, e-mailed and downloadable from the payment's page.",
    regie.DirectDebitItem: "A line of the bank file of a mandate, listed with the mandate.",
    regie.Reminder: "A mark that a payment reminder went (the reminder itself is a notification).",
    rooms.SeriesConflict: "A date of a weekly series not asked for: part of the series.",
    rooms.Settlement: "The agent's settlement of a deposit, reflected in the booking (caution_retenue).",
    rooms.FeedKey: "The key of a calendar feed: a secret, never handed out.",
}


def count_at(data, path: tuple[str, ...]) -> int:
    """How many entries the export has at `path` (lists flattened, a dict is one entry, None none)."""
    if data is None:
        return 0
    if isinstance(data, list):
        return sum(count_at(item, path) for item in data)
    if not path:
        return 1
    return count_at(data.get(path[0]), path[1:])


def test_every_model_the_registry_declares_is_exported_or_says_why_not():
    declared = set(registry.declared_models())

    assert sorted(m._meta.label for m in declared - set(EXPORTED) - set(NOT_EXPORTED)) == []
    assert sorted(m._meta.label for m in (set(EXPORTED) | set(NOT_EXPORTED)) - declared) == []
    assert set(EXPORTED) & set(NOT_EXPORTED) == set()


@pytest.fixture
def rich_citizen(clock, town, document_types, client):
    """A citizen with something of nearly every kind: vault, requests, family, rooms, an association, invoices
    and a payment, a mandate."""
    person = citizen(today=NOW.date(), first_name="Camille", last_name="Martin", email="camille@exemple.fr")
    user = person.user
    make_association(user, name="Les Amis du Parc")
    regie = ServiceFactory(name="Régie unique", slug="regie")
    agent = make_agent(regie)
    payer = person_party(user)

    def bill(days: int):
        return regie_services.issue_invoice(
            actor=None,
            payer=payer,
            lines=[LineDraft(label="Cantine", service=regie, unit_price_cents=1250, quantity=2)],
            due_date=NOW.date() + timedelta(days=days),
        )

    paid, _to_pay = bill(30), bill(60)
    regie_services.record_counter_payment(
        actor=agent, payer=payer, invoices=[paid], method="cash", amount_cents=2500
    )
    regie_services.sign_mandate(
        actor=user,
        payer=payer,
        holder_name="Camille Martin",
        iban="FR7630006000011234567890189",
        bic="AGRIFRPP",
    )
    # A document shared with a service, a person allowed to fetch the child, an enrolment.
    coffre_services.share_document(
        actor=user,
        document=person.documents[0][0].document,
        service=regie,
        note="Pour la cantine",
        until=NOW.date() + timedelta(days=30),
    )
    famille_services.add_pickup(
        actor=user, child=person.child, name="Mamie", relationship="", phone="0600000000"
    )
    activity, site = activity_at(
        service=ServiceFactory(slug="enfance"), slug="centre-de-loisirs", capacity=10
    )
    year = famille.SchoolYear.objects.create(
        name="2026-2027",
        start_date=NOW.date() - timedelta(days=60),
        end_date=NOW.date() + timedelta(days=200),
    )
    famille_services.request_enrolment(
        actor=user,
        household=person.household,
        child=person.child,
        activity=activity,
        site=site,
        school_year=year,
    )
    login(client, user)
    reauthenticate(client)
    return person


def test_the_zip_holds_every_row_the_person_owns_and_their_documents_byte_for_byte(
    client, rich_citizen, capsys
):
    user = rich_citizen.user

    response = client.post(reverse("privacy:export"))

    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    data = {
        declaration.app_label: json.loads(archive.read(data_file(declaration.app_label)))
        for declaration in registry.declarations()
    }
    counts = {}
    for model, (owned, path) in EXPORTED.items():
        in_database = owned(user).distinct().count()
        in_export = count_at(data[path[0]], path[1:])
        counts[model._meta.label] = in_database
        assert in_export == in_database, f"{model._meta.label}: {in_export} exported, {in_database} owned"
    # The person has rows of most kinds, so the comparison says something.
    assert sum(1 for count in counts.values() if count) >= 22, counts

    # The vault: every document as it was sent, byte for byte.
    vault = zipfile.ZipFile(io.BytesIO(archive.read(VAULT_FILE)))
    sent = {
        version.blob_name: hashlib.sha256(content).hexdigest() for version, content in rich_citizen.documents
    }
    in_zip = {
        name: hashlib.sha256(vault.read(name)).hexdigest()
        for name in vault.namelist()
        if name.startswith("documents/")
    }
    # (One version each here: the export holds each document's current version.)
    current = coffre.DocumentVersion.objects.filter(document__owner=person_party(user))
    assert len(in_zip) == current.count() == 3
    assert set(sent.values()) <= set(in_zip.values())
    assert sorted(in_zip.values()) == sorted(current.values_list("sha256", flat=True))
    manifest = json.loads(vault.read("manifest.json"))
    assert manifest

    with capsys.disabled():
        print(
            f"\n[export] {sum(counts.values())} rows of {sum(1 for c in counts.values() if c)} models exported "
            f"(of {len(EXPORTED)} exported models, {len(NOT_EXPORTED)} explained); {len(in_zip)} documents, "
            f"{len(archive.read(VAULT_FILE))} bytes of vault; {counts}"
        )
