"""Mon espace › Ma famille: the parents' pages of the family file (part F1).

Every object comes through a selector scoped to the user: someone else's
household, child, invitation or document is not found, and answers 404.
Writes go through `famille.services`, which check the role again.
"""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from famille import selectors, services
from famille.exceptions import FamilleError
from famille.forms import family as forms
from famille.models import Child, Household
from famille.services.family import INVITATION_DAYS
from regie.forms import euros_initial


def _or_404(selector: Callable[..., Any], **kwargs) -> Any:
    try:
        return selector(**kwargs)
    except ObjectDoesNotExist:
        raise Http404 from None


def _household(request: HttpRequest, pk: int) -> Household:
    return _or_404(selectors.household_for_user, user=request.user, pk=pk)


def _child(request: HttpRequest, pk: int) -> tuple[Child, Household]:
    return _or_404(selectors.child_for_user, user=request.user, pk=pk)


def _trail(household: Household | None = None, *pages: tuple[str, str]) -> list[tuple[str, str]]:
    trail = [
        (_("Mon espace"), reverse("portal:dashboard")),
        (_("Ma famille"), reverse("famille:family_home")),
    ]
    if household is not None:
        trail[-1] = (_("Ma famille"), reverse("famille:household", args=[household.pk]))
    trail.extend(pages)
    trail[-1] = (trail[-1][0], "")
    return trail


def _child_trail(child: Child, household: Household, page: str = "") -> list[tuple[str, str]]:
    pages = [(f"{child.first_name} {child.last_name}", reverse("famille:child", args=[child.pk]))]
    if page:
        pages.append((page, ""))
    return _trail(household, *pages)


# The household ------------------------------------------------------------------------------


@require_GET
def family_home(request: HttpRequest) -> HttpResponse:
    """ "Ma famille": straight to the user's family file, else how to open one."""
    household = selectors.households_for_user(user=request.user).first()
    if household is not None:
        return redirect("famille:household", household.pk)
    return render(request, "famille/family/home.html", {"trail": _trail()})


@require_http_methods(["GET", "POST"])
def household_create(request: HttpRequest) -> HttpResponse:
    if selectors.households_for_user(user=request.user).exists():
        return redirect("famille:family_home")
    user = request.user
    initial = {
        "name": _("Famille %(name)s") % {"name": user.last_name} if user.last_name else "",
        "address": user.address_line,
        "postal_code": user.postal_code,
        "city": user.city,
        "phone": user.phone,
    }
    form = forms.HouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            household = services.create_household(actor=user, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Votre dossier famille est ouvert. Ajoutez maintenant vos enfants."))
            return redirect("famille:household", household.pk)
    return render(
        request,
        "famille/family/household_form.html",
        {
            "form": form,
            "creating": True,
            "trail": _trail(None, (_("Ouvrir mon dossier famille"), "")),
        },
    )


@require_GET
def household(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    return render(
        request,
        "famille/family/household.html",
        {
            "file": selectors.family_file(household=household),
            "household": household,
            "invitation_days": INVITATION_DAYS,
            "trail": _trail(household),
        },
    )


@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    initial = {
        "name": household.party.name,
        "address": household.address,
        "postal_code": household.postal_code,
        "city": household.city,
        "phone": household.phone,
        "email": household.email,
    }
    form = forms.HouseholdForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_household(actor=request.user, household=household, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Les coordonnées du foyer sont enregistrées."))
            return redirect("famille:household", household.pk)
    return render(
        request,
        "famille/family/household_form.html",
        {
            "form": form,
            "household": household,
            "creating": False,
            "trail": _trail(household, (_("Coordonnées du foyer"), "")),
        },
    )


# The second responsible adult ---------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def adult_invite(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    form = forms.InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_adult(actor=request.user, household=household, email=form.cleaned_data["email"])
        except FamilleError as error:
            form.add_error("email", error.message)
        else:
            messages.success(
                request,
                _("L'invitation est envoyée. Elle reste valable %(days)d jours.") % {"days": INVITATION_DAYS},
            )
            return redirect("famille:household", household.pk)
    return render(
        request,
        "famille/family/invite.html",
        {
            "form": form,
            "household": household,
            "trail": _trail(household, (_("Inviter l'autre responsable"), "")),
        },
    )


@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _or_404(selectors.invitation_for_user, user=request.user, pk=pk)
    try:
        services.revoke_invitation(actor=request.user, invitation=invitation)
    except FamilleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("L'invitation est annulée : son lien ne fonctionne plus."))
    return redirect("famille:household", invitation.household_id)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the invitation e-mail: join the household as its second responsible adult."""
    invitation = selectors.invitation_for_token(token=token)
    if invitation is None:
        raise Http404
    problem = selectors.invitation_problem(invitation=invitation, user=request.user)
    if request.method == "POST" and problem is None:
        try:
            household = services.accept_invitation(actor=request.user, token=token)
        except FamilleError as error:
            problem = error.message
        else:
            messages.success(request, _("Vous êtes maintenant responsable légal de ce foyer."))
            return redirect("famille:household", household.pk)
    return render(
        request,
        "famille/family/invitation.html",
        {
            "invitation": invitation,
            "problem": problem,
            "kind": "household",
            "trail": _trail(None, (_("Invitation"), "")),
        },
        status=200,
    )


# Children -----------------------------------------------------------------------------------


def _child_initial(child: Child) -> dict:
    return {
        "first_name": child.first_name,
        "last_name": child.last_name,
        "birth_date": child.birth_date,
        "school": child.school_id,
        "school_level": child.school_level,
        "image_rights": child.image_rights,
    }


@require_http_methods(["GET", "POST"])
def child_add(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    guardian = request.user
    form = forms.ChildForm(request.POST or None, initial={"last_name": guardian.last_name})
    if request.method == "POST" and form.is_valid():
        try:
            child = services.add_child(actor=request.user, household=household, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s est ajouté(e) au dossier famille.") % {"name": child.first_name},
            )
            return redirect("famille:child", child.pk)
    return render(
        request,
        "famille/family/child_form.html",
        {
            "form": form,
            "household": household,
            "child": None,
            "trail": _trail(household, (_("Ajouter un enfant"), "")),
        },
    )


@require_GET
def child(request: HttpRequest, pk: int) -> HttpResponse:
    child, household = _child(request, pk)
    file = selectors.family_file(household=household)
    documents = next(entry for entry in file.child_documents if entry.child.pk == child.pk)
    return render(
        request,
        "famille/family/child.html",
        {
            "child": child,
            "household": household,
            "health": getattr(child, "health", None),
            "documents": documents,
            "missing": [state.as_missing() for state in file.household_documents if state.blocks]
            + documents.missing,
            "shares": [share for share in file.shares if share.child_id == child.pk],
            "trail": _child_trail(child, household),
        },
    )


@require_http_methods(["GET", "POST"])
def child_edit(request: HttpRequest, pk: int) -> HttpResponse:
    child, household = _child(request, pk)
    form = forms.ChildForm(request.POST or None, initial=_child_initial(child))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_child(actor=request.user, child=child, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("La fiche de l'enfant est enregistrée."))
            return redirect("famille:child", child.pk)
    return render(
        request,
        "famille/family/child_form.html",
        {
            "form": form,
            "household": household,
            "child": child,
            "trail": _child_trail(child, household, _("Modifier")),
        },
    )


@require_http_methods(["GET", "POST"])
def child_health(request: HttpRequest, pk: int) -> HttpResponse:
    child, household = _child(request, pk)
    health = getattr(child, "health", None)
    initial = (
        {
            "allergies": health.allergies,
            "medical_notes": health.medical_notes,
            "has_pai": health.has_pai,
            "pai_details": health.pai_details,
        }
        if health
        else {}
    )
    form = forms.HealthForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_child_health(actor=request.user, child=child, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Les informations médicales sont enregistrées."))
            return redirect("famille:child", child.pk)
    return render(
        request,
        "famille/family/health_form.html",
        {
            "form": form,
            "child": child,
            "household": household,
            "trail": _child_trail(child, household, _("Santé et PAI")),
        },
    )


@require_http_methods(["GET", "POST"])
def child_pickups(request: HttpRequest, pk: int) -> HttpResponse:
    child, household = _child(request, pk)
    form = forms.PickupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_pickup(actor=request.user, child=child, **form.cleaned_data)
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("La personne est ajoutée."))
            return redirect("famille:child_pickups", child.pk)
    return render(
        request,
        "famille/family/pickups.html",
        {
            "form": form,
            "child": child,
            "household": household,
            "pickups": list(child.authorised_pickups.all()),
            "trail": _child_trail(child, household, _("Personnes autorisées")),
        },
    )


@require_POST
def pickup_remove(request: HttpRequest, pk: int) -> HttpResponse:
    pickup = _or_404(selectors.pickup_for_user, user=request.user, pk=pk)
    child_pk = pickup.child_id
    try:
        services.remove_pickup(actor=request.user, pickup=pickup)
    except FamilleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("La personne n'est plus autorisée à récupérer l'enfant."))
    return redirect("famille:child_pickups", child_pk)


# Alternating custody ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def child_share(request: HttpRequest, pk: int) -> HttpResponse:
    child, household = _child(request, pk)
    form = forms.ShareChildForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.share_child(
                actor=request.user, child=child, household=household, email=form.cleaned_data["email"]
            )
        except FamilleError as error:
            form.add_error("email", error.message)
        else:
            messages.success(request, _("Le lien de partage est envoyé à l'autre parent."))
            return redirect("famille:child", child.pk)
    return render(
        request,
        "famille/family/share.html",
        {
            "form": form,
            "child": child,
            "household": household,
            "trail": _child_trail(child, household, _("Garde alternée")),
        },
    )


@require_POST
def child_share_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = _or_404(selectors.child_share_for_user, user=request.user, pk=pk)
    try:
        services.revoke_child_share(actor=request.user, invitation=invitation)
    except FamilleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Le partage est annulé : son lien ne fonctionne plus."))
    return redirect("famille:child", invitation.child_id)


@require_http_methods(["GET", "POST"])
def child_share_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of the sharing e-mail: add the child to the user's own family file."""
    invitation = selectors.child_share_for_token(token=token)
    if invitation is None:
        raise Http404
    problem = selectors.invitation_problem(invitation=invitation, user=request.user)
    own = selectors.households_for_user(user=request.user).first()
    if problem is None and own is None:
        problem = _("Créez d'abord votre dossier famille, puis ouvrez de nouveau le lien reçu par courriel.")
    if request.method == "POST" and problem is None:
        try:
            household = services.accept_child_share(actor=request.user, token=token)
        except FamilleError as error:
            problem = error.message
        else:
            messages.success(
                request,
                _("%(name)s figure maintenant dans votre dossier famille.")
                % {"name": invitation.child.first_name},
            )
            return redirect("famille:household", household.pk)
    return render(
        request,
        "famille/family/invitation.html",
        {
            "invitation": invitation,
            "problem": problem,
            "kind": "child",
            "needs_household": own is None,
            "trail": _trail(None, (_("Partage d'une fiche d'enfant"), "")),
        },
    )


# Documents ----------------------------------------------------------------------------------


@require_GET
def documents(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    return render(
        request,
        "famille/family/documents.html",
        {
            "file": selectors.family_file(household=household, with_health=False),
            "household": household,
            "trail": _trail(household, (_("Documents"), "")),
        },
    )


def _give(request: HttpRequest, household: Household, requirement, child: Child | None) -> HttpResponse:
    vault_documents = selectors.vault_documents_for(
        user=request.user, household=household, document_type_id=requirement.document_type_id
    )
    form = forms.DocumentChoiceForm(request.POST or None, documents=vault_documents)
    if request.method == "POST" and form.is_valid():
        try:
            services.give_document(
                actor=request.user,
                household=household,
                requirement=requirement,
                child=child,
                document=form.cleaned_data["document"],
            )
        except FamilleError as error:
            form.add_error("document", error.message)
        else:
            messages.success(request, _("Le document est transmis ; un agent va le vérifier."))
            return redirect("famille:documents", household.pk)
    return render(
        request,
        "famille/family/document_give.html",
        {
            "form": form,
            "household": household,
            "requirement": requirement,
            "child": child,
            "has_documents": vault_documents.exists(),
            "trail": _trail(
                household,
                (_("Documents"), reverse("famille:documents", args=[household.pk])),
                (requirement.document_type.label, ""),
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def document_give(request: HttpRequest, pk: int, requirement_pk: int) -> HttpResponse:
    household = _household(request, pk)
    requirement = _or_404(selectors.requirement_for, pk=requirement_pk, for_child=False)
    return _give(request, household, requirement, None)


@require_http_methods(["GET", "POST"])
def child_document_give(request: HttpRequest, pk: int, requirement_pk: int, child_pk: int) -> HttpResponse:
    household = _household(request, pk)
    requirement = _or_404(selectors.requirement_for, pk=requirement_pk, for_child=True)
    child = _or_404(selectors.household_child, household=household, pk=child_pk)
    return _give(request, household, requirement, child)


# Quotient familial --------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def quotient(request: HttpRequest, pk: int) -> HttpResponse:
    household = _household(request, pk)
    file = selectors.family_file(household=household, with_health=False)
    certificates = selectors.caf_certificates_for(user=request.user, household=household)
    pending = file.pending_quotient
    initial = (
        {
            "value": pending.value,
            "monthly_income": euros_initial(pending.monthly_income_cents)
            if pending.monthly_income_cents
            else "",
            "dependants": pending.dependants,
            "document": pending.caf_document_id,
        }
        if pending
        else {}
    )
    form = forms.QuotientForm(request.POST or None, documents=certificates, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.declare_quotient(
                actor=request.user,
                household=household,
                value=data["value"],
                monthly_income_cents=data["monthly_income"],
                dependants=data["dependants"],
                caf_document=data["document"],
            )
        except FamilleError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Votre quotient familial est transmis ; un agent va le vérifier."))
            return redirect("famille:quotient", household.pk)
    return render(
        request,
        "famille/family/quotient.html",
        {
            "form": form,
            "file": file,
            "household": household,
            "has_certificates": certificates.exists(),
            "trail": _trail(household, (_("Quotient familial"), "")),
        },
    )
