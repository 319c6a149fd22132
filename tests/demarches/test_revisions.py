"""Publishing freezes a revision; requests keep theirs whatever the form becomes."""

import pytest
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction

from demarches import engine, services
from demarches.enums import DemarcheStatus, RequestStatus
from demarches.exceptions import CannotPublish, IllegalTransition, NotFillable, RequestIncomplete
from demarches.models import DemarcheRevision, FormField, Request, RevisionFrozen
from guichet.audit.models import AuditEvent
from tests.coffre.factories import make_association
from tests.demarches.factories import DemarcheFactory, add_field, add_page, publish, simple_demarche
from tests.demarches.helpers import TODAY
from tests.factories import UserFactory, make_admin, person_party

pytestmark = pytest.mark.django_db


def test_publishing_freezes_the_editable_form_into_revision_1():
    demarche = simple_demarche()

    revision = publish(demarche)

    assert (revision.number, demarche.status, demarche.current_revision) == (
        1,
        DemarcheStatus.PUBLISHED,
        revision,
    )
    schema = revision.form
    assert [page.title for page in schema.pages] == ["Identité", "Rendez-vous"]
    assert schema.get("date_souhaitee").condition == {"field": "moment", "op": "equals", "value": "soir"}
    assert (
        AuditEvent.objects.filter(action="demarches.demarche.publish", target_id=str(demarche.pk)).count()
        == 1
    )


def test_publishing_an_unchanged_form_keeps_the_current_revision():
    demarche = simple_demarche()
    first = publish(demarche)

    again = publish(demarche)

    assert again == first
    assert DemarcheRevision.objects.filter(demarche=demarche).count() == 1


def test_a_form_with_problems_is_not_published_and_every_problem_is_listed():
    demarche = DemarcheFactory()
    add_page(
        demarche,
        "Page",
        {"key": "choix", "kind": "single_choice", "choices": ["seul | Une seule option"]},
        {"key": "detail", "kind": "short_text", "condition": {"field": "inconnu", "op": "answered"}},
    )

    with pytest.raises(CannotPublish) as refused:
        services.publish_demarche(actor=None, demarche=demarche)

    assert refused.value.messages == [
        "Page 1 « Page », champ « choix » : Un choix unique ou multiple doit proposer au moins deux options.",
        "Page 1 « Page », champ « detail » : la condition porte sur « inconnu », qui n'est pas demandé avant ce champ.",
    ]
    demarche.refresh_from_db()
    assert (demarche.status, demarche.current_revision) == (DemarcheStatus.DRAFT, None)


def test_only_administrators_who_may_change_procedures_publish():
    demarche = simple_demarche()

    with pytest.raises(PermissionDenied):
        services.publish_demarche(actor=UserFactory(), demarche=demarche)
    assert services.publish_demarche(actor=make_admin(), demarche=demarche).created_by is not None


def test_a_revision_has_no_update_path():
    revision = publish(simple_demarche())

    with pytest.raises(RevisionFrozen):
        revision.save()
    with pytest.raises(RevisionFrozen):
        DemarcheRevision.objects.filter(pk=revision.pk).update(schema={})
    with pytest.raises(DatabaseError, match="frozen"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE demarches_demarcherevision SET schema = '{}' WHERE id = %s", [revision.pk])


def test_editing_a_published_procedure_does_not_change_a_request_filled_against_the_old_revision():
    demarche = simple_demarche()
    first = publish(demarche)
    user = UserFactory()
    party = person_party(user)
    request = services.start_request(actor=user, demarche=demarche, applicant=party)
    request = services.save_page_answers(
        actor=user, request=request, page_number=1, page_answers={"nom": "Martin"}
    )
    request = services.save_page_answers(
        actor=user, request=request, page_number=2, page_answers={"moment": "matin"}
    )

    # The administrators rename a question and add a required one, then publish.
    FormField.objects.filter(demarche=demarche, key="nom").update(label="Nom de famille")
    add_field(
        demarche.pages.get(title="Identité"),
        {"key": "prenom", "kind": "short_text", "label": "Prénom"},
        order=20,
    )
    second = publish(demarche)

    assert second.number == 2 and demarche.current_revision == second
    request.refresh_from_db()
    assert request.revision == first
    assert engine.validate_answers(request.form, request.answers) == []
    rows = engine.summarise(request.form, request.answers)[0].rows
    assert [(row.label, row.value) for row in rows] == [("Nom", "Martin")]
    # The new revision asks the new question; the old answers are not enough there.
    assert [error.name for error in engine.validate_answers(second.form, request.answers)] == ["prenom"]
    # And the request is submitted against its own revision.
    submitted = services.submit_request(actor=user, request=request, today=TODAY)
    assert (submitted.status, submitted.revision) == (RequestStatus.SUBMITTED, first)
    # A new request uses the new revision.
    assert services.start_request(actor=user, demarche=demarche, applicant=party).revision == second


def test_starting_a_request_prefills_it_from_the_profile():
    demarche = simple_demarche()
    publish(demarche)
    user = UserFactory(last_name="Durand")

    request = services.start_request(actor=user, demarche=demarche, applicant=person_party(user))

    assert (request.status, request.reference, request.answers) == (
        RequestStatus.DRAFT,
        "",
        {"nom": "Durand"},
    )


def test_a_request_is_started_only_for_a_party_the_user_acts_for_and_an_allowed_audience():
    demarche = simple_demarche()
    publish(demarche)
    user, stranger = UserFactory(), UserFactory()

    with pytest.raises(PermissionDenied):
        services.start_request(actor=stranger, demarche=demarche, applicant=person_party(user))
    with pytest.raises(NotFillable, match="ce demandeur"):
        services.start_request(actor=user, demarche=demarche, applicant=make_association(president=user))
    draft = DemarcheFactory()
    with pytest.raises(NotFillable, match="pas ouverte"):
        services.start_request(actor=user, demarche=draft, applicant=person_party(user))


def test_an_incomplete_request_is_not_submitted():
    demarche = simple_demarche()
    publish(demarche)
    user = UserFactory(last_name="")
    request = services.start_request(actor=user, demarche=demarche, applicant=person_party(user))
    request = services.save_page_answers(
        actor=user, request=request, page_number=2, page_answers={"moment": "soir"}
    )

    with pytest.raises(RequestIncomplete) as refused:
        services.submit_request(actor=user, request=request, today=TODAY)

    assert [(error.page, error.name) for error in refused.value.errors] == [(1, "nom"), (2, "date_souhaitee")]
    request.refresh_from_db()
    assert (request.status, request.reference) == (RequestStatus.DRAFT, "")


def test_submitting_gives_a_gapless_yearly_reference_once():
    demarche = simple_demarche()
    publish(demarche)
    user = UserFactory(last_name="Martin")
    party = person_party(user)
    references = []
    for _ in range(3):
        request = services.start_request(actor=user, demarche=demarche, applicant=party)
        request = services.save_page_answers(
            actor=user, request=request, page_number=2, page_answers={"moment": "matin"}
        )
        references.append(services.submit_request(actor=user, request=request, today=TODAY).reference)

    year = references[0][3:7]
    assert references == [f"GN-{year}-000001", f"GN-{year}-000002", f"GN-{year}-000003"]
    # A second click on "submit" is refused: one request, one reference.
    with pytest.raises(IllegalTransition):
        services.submit_request(actor=user, request=request, today=TODAY)
    assert Request.objects.filter(reference=references[-1]).count() == 1
    with pytest.raises(IllegalTransition):
        services.save_page_answers(actor=user, request=request, page_number=1, page_answers={"nom": "Autre"})


def test_hidden_answers_are_dropped_when_a_draft_page_is_saved():
    demarche = simple_demarche()
    publish(demarche)
    user = UserFactory(last_name="Martin")
    request = services.start_request(actor=user, demarche=demarche, applicant=person_party(user))
    request = services.save_page_answers(
        actor=user,
        request=request,
        page_number=2,
        page_answers={"moment": "soir", "date_souhaitee": "2026-04-01"},
    )

    request = services.save_page_answers(
        actor=user, request=request, page_number=2, page_answers={"moment": "matin"}
    )

    assert request.answers == {"nom": "Martin", "moment": "matin"}


def test_duplicating_copies_pages_fields_and_groups_as_a_draft():
    demarche = simple_demarche(title="Inscription")
    page = add_page(
        demarche,
        "Enfants",
        {
            "key": "enfants",
            "kind": "group",
            "label": "Enfant",
            "children": [{"key": "prenom_enfant", "kind": "short_text"}],
        },
    )
    publish(demarche)

    copy = services.duplicate_demarche(actor=None, demarche=demarche)

    assert (copy.title, copy.slug, copy.status, copy.current_revision) == (
        "Inscription (copie)",
        f"{demarche.slug}-copie",
        DemarcheStatus.DRAFT,
        None,
    )
    assert list(copy.pages.values_list("title", flat=True)) == ["Identité", "Rendez-vous", "Enfants"]
    group = FormField.objects.get(demarche=copy, key="enfants")
    assert group.page.demarche == copy and group.page != page
    assert list(group.children.values_list("key", "page")) == [("prenom_enfant", group.page_id)]
    assert (
        FormField.objects.filter(demarche=demarche).count()
        == FormField.objects.filter(demarche=copy).count()
        == 5
    )
    assert services.duplicate_demarche(actor=None, demarche=demarche).slug == f"{demarche.slug}-copie-2"
