"""The applicant's pages of a draft: one page at a time, "Vérifiez vos réponses", sending it, the
acknowledgement. The filling itself (saving each page, documents from the vault or a new file) is
`demarches.views.filling`'s, shared with the agent's pages at the counter.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from coffre import uploadhandler
from demarches import engine, services
from demarches.exceptions import IllegalTransition, RequestIncomplete, SubmissionRefused
from demarches.models import Request
from demarches.views.common import applicant_of, request_or_404, resume_url, trail
from demarches.views.filling import APPLICANT, fill_page, review_context

# One page ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@uploadhandler.encrypting_uploads
def page(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:request", obj.pk)
    try:
        filled = fill_page(request, obj, number, links=APPLICANT, who=applicant_of(request, obj))
    except engine.PageNotFound:
        raise Http404 from None
    if filled.saved_later:
        if filled.valid:
            messages.success(request, _("Votre brouillon est enregistré. Reprenez-le quand vous voulez."))
        else:
            messages.warning(
                request,
                _(
                    "Votre brouillon est enregistré, sans les réponses de la page « %(page)s » "
                    "qui étaient à corriger."
                )
                % {"page": filled.spec.title},
            )
        return redirect("demarches:requests")
    if filled.go_to:
        return redirect(filled.go_to)
    back_url = reverse("demarches:demarche", args=[obj.demarche.slug])
    return render(request, "demarches/request/page.html", filled.context(links=APPLICANT, back_url=back_url))


# Check your answers, send ------------------------------------------------------------------------


def _review(request: HttpRequest, obj: Request, *, errors=None, refusal=None) -> HttpResponse:
    context = review_context(
        obj, links=APPLICANT, who=applicant_of(request, obj), errors=errors, refusal=refusal
    )
    context["trail"] = trail((_("Vérifiez vos réponses"), ""))
    return render(request, "demarches/request/review.html", context)


@require_GET
def review(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Vérifiez vos réponses": every answer with a "Modifier" link to its page, then "Envoyer"."""
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:request", obj.pk)
    return _review(request, obj)


@require_POST
@uploadhandler.encrypting_uploads
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Send the draft. A second click (or a second tab) finds it sent and goes to the acknowledgement;
    another app's refusal (demarches.hooks) shows the check page again with its reason."""
    obj = request_or_404(request, pk)
    try:
        services.submit_request(actor=request.user, request=obj)
    except IllegalTransition:
        return redirect("demarches:acknowledgement", obj.pk)
    except SubmissionRefused as error:
        return _review(request, obj, refusal=error.messages[0])
    except RequestIncomplete as error:
        if error.errors:
            return _review(request, obj, errors=error.errors)
        messages.error(request, error.messages[0])
        return redirect("demarches:review", obj.pk)
    return redirect("demarches:acknowledgement", obj.pk)


@require_GET
def acknowledgement(request: HttpRequest, pk: int) -> HttpResponse:
    obj = request_or_404(request, pk)
    if obj.is_draft:
        return redirect("demarches:review", obj.pk)
    return render(
        request,
        "demarches/request/acknowledgement.html",
        {
            "obj": obj,
            "processing_days": obj.expected_days,
            "fee_cents": obj.form.fee_cents,
            # The acknowledgement goes to whoever sent it (a household's other guardian may be reading);
            # started at the counter by an agent, to the applicant's accounts (`receipts.recipients`).
            "acknowledged_to": request.user.email
            if obj.created_by_id == request.user.pk or obj.is_counter
            else "",
        },
    )


@require_GET
def resume(request: HttpRequest, pk: int) -> HttpResponse:
    """Take a draft up again where it needs an answer (from "Mes demandes")."""
    obj = request_or_404(request, pk)
    if not obj.is_draft:
        return redirect("demarches:request", obj.pk)
    return redirect(resume_url(request, obj))
