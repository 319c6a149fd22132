"""The démarches' demo data: the catalogue and a back-office in every state, seeded idempotently
through the real services."""

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains

from demarches import demo
from demarches.enums import Channel, EventKind, RequestStatus, SilenceRule
from demarches.models import Demarche, LetterTemplate, Request, RequestEvent
from guichet.accounts import demo as accounts_demo
from guichet.accounts.enums import AgentRole
from guichet.accounts.models import AgentMembership, DailyLogins, LoginAudience, User
from guichet.audit.models import AuditEvent
from tests.helpers import login

pytestmark = pytest.mark.django_db

S = RequestStatus


def test_the_demo_seeds_a_back_office_in_every_state_through_the_services_once(
    django_capture_on_commit_callbacks, client
):
    """One test, one seed: seeding goes through every service and takes tens of seconds."""
    accounts_demo.seed()
    # The acknowledgements' and letters' PDFs (Celery, once committed) are not this test's subject.
    with django_capture_on_commit_callbacks(execute=False):
        demo.seed()

    # Requests in every state, through the services: their timeline ends at their status.
    requests = list(
        Request.objects.exclude(status=S.DRAFT).select_related("demarche").prefetch_related("events")
    )
    assert 20 <= len(requests) <= 40
    statuses = Counter(request.status for request in requests)
    assert set(statuses) == {
        S.SUBMITTED,
        S.IN_REVIEW,
        S.AWAITING_INFORMATION,
        S.ACCEPTED,
        S.REFUSED,
        S.CLOSED,
    }
    assert sum(request.is_overdue() for request in requests) >= 3
    assert sum(request.channel == Channel.COUNTER for request in requests) >= 3
    assert sum(request.assignee_id is not None for request in requests) >= 5
    assert Request.objects.filter(labels__isnull=False).distinct().count() >= 5
    assert len({request.demarche.service_id for request in requests}) == 4
    for request in requests:
        moves = [
            event for event in request.events.all() if event.kind in (EventKind.SUBMITTED, EventKind.STATUS)
        ]
        assert moves[0].kind == EventKind.SUBMITTED, request
        assert moves[-1].to_status == request.status, request
        assert AuditEvent.objects.filter(
            action="demarches.request.submit", target_id=str(request.pk)
        ).exists()
        assert timezone.localdate(request.submitted_at) == timezone.localdate()
    # The demo citizen has a request waiting for their answer.
    assert Request.objects.filter(
        applicant__person__email="citoyen@demo.guichet.fr", status=S.AWAITING_INFORMATION
    ).exists()
    # A decision reopened by a manager, as the workflow allows managers only.
    reopen = RequestEvent.objects.get(from_status=S.ACCEPTED, to_status=S.IN_REVIEW)
    membership = AgentMembership.objects.get(user=reopen.actor, service=reopen.request.demarche.service)
    assert membership.role == AgentRole.MANAGER

    # Instruction settings, a manager in every service, and a plain agent with requests assigned.
    assert LetterTemplate.objects.filter(demarche__slug="acte-de-naissance").count() == 2
    numbering = Demarche.objects.get(slug="certificat-de-numerotage")
    assert (numbering.silence_rule, numbering.silence_days) == (SilenceRule.ACCEPT, 30)
    for slug in ("etat-civil", "police-municipale", "ccas", "urbanisme"):
        assert AgentMembership.objects.filter(service__slug=slug, role=AgentRole.MANAGER).exists()
    colleague = AgentMembership.objects.get(user__email="instructeur.etat-civil@demo.guichet.fr")
    assert colleague.role == AgentRole.AGENT
    assert Request.objects.filter(assignee=colleague.user).exists()

    # A year of sign-ins, about 3,000 family sign-ins a week; today's are real ones only.
    today = timezone.localdate()
    last_week = DailyLogins.objects.filter(
        audience=LoginAudience.FAMILY, day__gt=today - timedelta(days=8), day__lt=today
    ).aggregate(total=Sum("count"))["total"]
    assert 2_500 <= last_week <= 3_500
    assert not DailyLogins.objects.filter(day=today).exists()

    # The statistics page shows it.
    response = login(client, User.objects.get(email="agent.etat-civil@demo.guichet.fr")).get(
        reverse("demarches:agent_stats")
    )
    assertContains(response, '<th scope="row">Demander un acte de naissance</th>', html=True)
    assertContains(response, "Connexions au guichet par semaine")

    # Seeding again changes nothing, and leaves the administrators' own choices alone.
    Demarche.objects.filter(slug="certificat-de-numerotage").update(
        silence_rule=SilenceRule.NONE, silence_days=None
    )
    LetterTemplate.objects.filter(demarche__slug="acte-de-naissance", outcome=S.REFUSED).delete()
    counts = (
        Request.objects.count(),
        RequestEvent.objects.count(),
        LetterTemplate.objects.count(),
        DailyLogins.objects.count(),
        User.objects.count(),
    )
    demo.seed()
    assert (
        Request.objects.count(),
        RequestEvent.objects.count(),
        LetterTemplate.objects.count(),
        DailyLogins.objects.count(),
        User.objects.count(),
    ) == counts
    assert Demarche.objects.get(slug="certificat-de-numerotage").silence_rule == SilenceRule.NONE
