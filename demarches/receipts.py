"""The acknowledgement of a submitted request: a PDF with the town's letterhead, e-mailed once.

Rendered by WeasyPrint through `regie.pdf.render_pdf`: the template is a Django
template (every answer autoescaped) and its URL fetcher refuses anything but the
project's own static files, so an answer written as markup prints as text and
cannot make the renderer read a local or remote file. Call from Celery only.
"""

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from demarches import engine, selectors, services
from demarches.enums import RequestStatus
from demarches.models import Request
from guichet.accounts.models import Town, User
from regie.pdf import logo_data_uri, render_pdf


def render_acknowledgement_pdf(request: Request) -> bytes:
    """The acknowledgement of receipt: reference, procedure, service, date, and the answers."""
    request = (
        Request.objects.select_related("demarche__service", "revision", "applicant")
        .exclude(status=RequestStatus.DRAFT)
        .get(pk=request.pk)
    )
    town = Town.current()
    schema = request.form
    context = {
        "town": town,
        "logo": logo_data_uri(town),
        "request": request,
        "demarche": request.demarche,
        "service": request.demarche.service,
        "applicant": request.applicant,
        "submitted_at": timezone.localtime(request.submitted_at),
        "processing_days": schema.processing_days,
        "fee_cents": schema.fee_cents,
        "pages": engine.summarise(
            schema, request.answers, document_labels=selectors.attachment_titles(request=request)
        ),
    }
    return render_pdf("demarches/pdf/acknowledgement.html", context)


def recipients(request: Request) -> list[User]:
    """Who the acknowledgement goes to: the person who sent the request, when they act for the
    applicant (a household's other guardian reads it in their own space); otherwise, as for a request
    filed at the counter by an agent, the applicant's own accounts, never the agent's."""
    users = [user for user in services.applicant_users(request) if user.email]
    sender = [user for user in users if user.pk == request.created_by_id]
    return sender or users


def _email(request: Request, pdf: bytes, to: list[User]) -> EmailMessage:
    context = {"request": request, "town": Town.current(), "processing_days": request.form.processing_days}
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Accusé de réception de votre demande %(reference)s") % {"reference": request.reference}
        body = render_to_string("demarches/email/acknowledgement.txt", context)
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[user.email for user in to],
        # RFC 3834: no out-of-office replies back to the town.
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach(f"accuse-de-reception-{request.reference}.pdf", pdf, "application/pdf")
    return message


def send_acknowledgement(*, request_id: int) -> Request | None:
    """E-mail the acknowledgement and its PDF to the applicant (see `recipients`), once, however often
    it runs.

    The request's row stays locked while rendering and sending, so a duplicate
    task waits, then finds it acknowledged. Nobody to write to (accounts deleted
    or without an address): it is marked acknowledged all the same.
    """
    with transaction.atomic():
        request = (
            Request.objects.select_for_update(of=("self",))
            .select_related("demarche__service", "revision")
            .exclude(status=RequestStatus.DRAFT)
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.acknowledged_at is not None:
            return request
        to = recipients(request)
        if to:
            _email(request, render_acknowledgement_pdf(request), to).send(using="default")
        request.acknowledged_at = timezone.now()
        request.save(update_fields=["acknowledged_at"])
    return request
