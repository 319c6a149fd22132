"""The catalogue and each procedure's start page: public; starting a request needs an account."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from coffre import uploadhandler
from demarches import engine, forms, selectors, services
from demarches.enums import Theme
from demarches.exceptions import NotFillable
from demarches.models import Demarche
from demarches.views.common import page_url


@login_not_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """Every procedure, by theme, with a search and filters that work without JavaScript (GET)."""
    form = forms.CatalogueSearchForm(request.GET or None)
    filters = form.filters() if form.is_bound else {"query": "", "theme": "", "audience": ""}
    entries = selectors.catalogue(**filters)
    order = {theme: position for position, theme in enumerate(Theme.values)}
    themes = [
        (Theme(theme).label, list(group))
        for theme, group in groupby(
            sorted(entries, key=lambda entry: order[entry.theme]), key=lambda e: e.theme
        )
    ]
    return render(
        request,
        "demarches/catalogue.html",
        {
            "form": form,
            "themes": themes,
            "count": len(entries),
            "filtered": any(filters.values()),
        },
    )


def _form_or_404(slug: str) -> Demarche:
    try:
        return selectors.published_form(slug=slug)
    except Demarche.DoesNotExist:
        raise Http404 from None


def _start_page(request: HttpRequest, demarche: Demarche, form: forms.ApplicantForm | None) -> HttpResponse:
    user = request.user
    return render(
        request,
        "demarches/demarche.html",
        {
            "demarche": demarche,
            "documents": list(demarche.required_document_types.order_by("position", "label")),
            "prepare": [line.strip() for line in demarche.what_to_prepare.splitlines() if line.strip()],
            "form": form,
            "drafts": selectors.drafts_of(user=user, demarche=demarche) if user.is_authenticated else [],
            "trail": [
                (_("Démarches en ligne"), reverse("demarches:catalogue")),
                (demarche.title, ""),
            ],
        },
    )


@login_not_required
@require_GET
def demarche(request: HttpRequest, slug: str) -> HttpResponse:
    """What the procedure is, what to prepare, how long, the fee, who may apply, and "Commencer"."""
    demarche = _form_or_404(slug)
    form = None
    if request.user.is_authenticated:
        form = forms.ApplicantForm(parties=selectors.applicants_for(user=request.user, demarche=demarche))
    return _start_page(request, demarche, form)


@require_POST
@uploadhandler.encrypting_uploads
def start(request: HttpRequest, slug: str) -> HttpResponse:
    """Start a draft for the chosen applicant, then its first page."""
    demarche = _form_or_404(slug)
    parties = selectors.applicants_for(user=request.user, demarche=demarche)
    data = request.POST
    if len(parties) == 1 and not data.get("applicant"):
        # Only one possible applicant: nothing to choose.
        data = {"applicant": parties[0].pk}
    form = forms.ApplicantForm(data, parties=parties)
    if form.is_valid():
        try:
            draft = services.start_request(actor=request.user, demarche=demarche, applicant=form.party())
        except NotFillable as error:
            form.add_error(None, error.messages[0])
        else:
            first = engine.first_page(draft.form, draft.answers)
            if first is None:
                return redirect("demarches:review", draft.pk)
            messages.info(
                request, _("Votre brouillon est créé : vos réponses sont enregistrées à chaque page.")
            )
            return redirect(page_url(draft, first.number))
    return _start_page(request, demarche, form)
