"""Mon espace › Mes associations: the members' pages of an association's account.

Every association comes through a selector scoped to the user: someone else's association (or
one the user has left) is not found, and answers 404. Writes go through `associations.services`,
which check the role again (the board edits the profile and the members).
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from associations import forms, perms, selectors, services
from associations.exceptions import AssociationError
from associations.views.common import (
    CURRENT_ASSOCIATION_SESSION_KEY,
    current_association,
    member_association,
    member_trail,
    or_404,
)
from guichet.accounts.enums import PartyRole


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The user's associations, the one they work on first, and how to register a new one."""
    associations = list(selectors.associations_for_user(user=request.user))
    current = current_association(request)
    return render(
        request,
        "associations/home.html",
        {"associations": associations, "current": current, "trail": member_trail()},
    )


@require_http_methods(["GET", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = forms.AssociationForm(
        request.POST if request.method == "POST" else None, initial={"city": user.city}
    )
    if request.method == "POST" and form.is_valid():
        try:
            association = services.create_association(actor=user, **form.cleaned_data)
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            request.session[CURRENT_ASSOCIATION_SESSION_KEY] = association.pk
            messages.success(
                request,
                _(
                    "L'espace de votre association est ouvert. Le service de la vie associative va la vérifier ; "
                    "déposez ses documents dans son coffre-fort pour aller plus vite."
                ),
            )
            return redirect("associations:association", association.pk)
    return render(
        request,
        "associations/association_form.html",
        {"form": form, "creating": True, "trail": member_trail(None, (_("Inscrire une association"), ""))},
    )


@require_GET
def association(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    return render(
        request,
        "associations/association.html",
        {
            "file": selectors.association_file(user=request.user, association=association),
            "association": association,
            "rule_form": forms.SubsidyRuleForm(
                initial={"board_only": "1" if association.subsidies_board_only else "0"}
            ),
            "is_current": current_association(request) == association,
            "trail": member_trail(association),
        },
    )


@require_POST
def switch(request: HttpRequest, pk: int) -> HttpResponse:
    """Work on this association from now on: the booking forms and Mon espace start with it."""
    association = member_association(request, pk)
    request.session[CURRENT_ASSOCIATION_SESSION_KEY] = association.pk
    messages.success(
        request, _("Vous agissez maintenant pour « %(name)s ».") % {"name": association.party.name}
    )
    return redirect("associations:association", association.pk)


@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    initial = {
        "name": association.party.name,
        "rna": association.rna,
        "siret": association.siret,
        **{name: getattr(association, name) for name in services.PROFILE_FIELDS},
    }
    form = forms.AssociationForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.update_association(
                actor=request.user, association=association, **form.cleaned_data
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            if updated.status != association.status:
                messages.warning(
                    request,
                    _(
                        "Les numéros de l'association ont changé : le service de la vie associative va la vérifier à nouveau."
                    ),
                )
            else:
                messages.success(request, _("Les informations de l'association sont enregistrées."))
            return redirect("associations:association", association.pk)
    return render(
        request,
        "associations/association_form.html",
        {
            "form": form,
            "association": association,
            "creating": False,
            "may_edit": perms.is_board_member(request.user, association),
            "trail": member_trail(association, (_("Modifier les informations"), "")),
        },
    )


@require_http_methods(["GET", "POST"])
def logo(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    form = forms.LogoForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_logo(
                actor=request.user,
                association=association,
                image=None if form.cleaned_data["remove"] else form.cleaned_data["logo"],
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Le logo est enregistré."))
            return redirect("associations:association", association.pk)
    return render(
        request,
        "associations/logo.html",
        {"form": form, "association": association, "trail": member_trail(association, (_("Logo"), ""))},
    )


@require_http_methods(["GET", "POST"])
def bank(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    initial = {
        "holder": association.bank_account_holder or association.party.name,
        "iban": association.iban,
        "bic": association.bic,
    }
    form = forms.BankDetailsForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.set_bank_details(
                actor=request.user,
                association=association,
                holder=data["holder"],
                iban=data["iban"],
                bic=data["bic"],
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Les coordonnées bancaires sont enregistrées."))
            return redirect("associations:association", association.pk)
    return render(
        request,
        "associations/bank.html",
        {
            "form": form,
            "association": association,
            "trail": member_trail(association, (_("Coordonnées bancaires"), "")),
        },
    )


@require_POST
def subsidy_rule(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    form = forms.SubsidyRuleForm(request.POST)
    if form.is_valid():
        try:
            services.set_subsidy_rule(
                actor=request.user, association=association, board_only=form.cleaned_data["board_only"]
            )
        except AssociationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("La règle des demandes de subvention est enregistrée."))
    else:
        messages.error(request, _("Choisissez qui envoie les demandes de subvention."))
    return redirect("associations:association", association.pk)


# Members ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    form = forms.InviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            invitation, _token = services.invite_member(
                actor=request.user, association=association, **form.cleaned_data
            )
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request,
                _("Invitation envoyée à %(email)s : elle est valable 14 jours.")
                % {"email": invitation.email},
            )
            return redirect("associations:association", association.pk)
    return render(
        request,
        "associations/invite.html",
        {
            "form": form,
            "association": association,
            "trail": member_trail(association, (_("Inviter un membre"), "")),
        },
    )


@require_POST
def invitation_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    invitation = or_404(selectors.invitation_for_user, user=request.user, pk=pk)
    try:
        services.revoke_invitation(actor=request.user, invitation=invitation)
    except AssociationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("L'invitation est annulée."))
    return redirect("associations:association", invitation.association_id)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """Whoever holds the link sees who invites them; accepting needs the invited address's account."""
    invitation = selectors.invitation_for_token(token=token)
    problem = (
        selectors.invitation_problem(invitation=invitation, user=request.user)
        if invitation is not None
        else _("Ce lien d'invitation n'est pas valable.")
    )
    if request.method == "POST" and not problem:
        try:
            association = services.accept_invitation(actor=request.user, token=token)
        except AssociationError as error:
            problem = error.message
        else:
            request.session[CURRENT_ASSOCIATION_SESSION_KEY] = association.pk
            messages.success(request, _("Bienvenue dans « %(name)s ».") % {"name": association.party.name})
            return redirect("associations:association", association.pk)
    return render(
        request,
        "associations/invitation.html",
        {
            "invitation": invitation,
            "problem": problem,
            "role": PartyRole(invitation.role).label if invitation is not None else "",
            "trail": member_trail(None, (_("Invitation"), "")),
        },
        status=200,
    )


@require_http_methods(["GET", "POST"])
def member(request: HttpRequest, pk: int, user_pk: int) -> HttpResponse:
    """A member's role, changed or withdrawn by the board."""
    association = member_association(request, pk)
    member = or_404(selectors.member_for_user, user=request.user, association=association, member_pk=user_pk)
    form = forms.RoleForm(request.POST if request.method == "POST" else None, initial={"role": member.role})
    if request.method == "POST":
        try:
            if "remove" in request.POST:
                services.remove_member(actor=request.user, association=association, member=member.user)
                messages.success(
                    request, _("%(name)s ne fait plus partie de l'association.") % {"name": member.user}
                )
                return redirect("associations:association", association.pk)
            if form.is_valid():
                services.change_role(
                    actor=request.user,
                    association=association,
                    member=member.user,
                    role=form.cleaned_data["role"],
                )
                messages.success(request, _("Le rôle de %(name)s est enregistré.") % {"name": member.user})
                return redirect("associations:association", association.pk)
        except AssociationError as error:
            form.add_error(None, error.message)
    return render(
        request,
        "associations/member.html",
        {
            "form": form,
            "association": association,
            "member": member,
            "may_manage": perms.is_board_member(request.user, association),
            "trail": member_trail(association, (str(member.user), "")),
        },
    )


@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    association = member_association(request, pk)
    form = forms.ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_association(actor=request.user, association=association)
        except AssociationError as error:
            form.add_error(None, error.message)
        else:
            if request.session.get(CURRENT_ASSOCIATION_SESSION_KEY) == association.pk:
                del request.session[CURRENT_ASSOCIATION_SESSION_KEY]
            messages.success(request, _("Vous avez quitté « %(name)s ».") % {"name": association.party.name})
            return redirect(reverse("associations:home"))
    return render(
        request,
        "associations/leave.html",
        {
            "form": form,
            "association": association,
            "trail": member_trail(association, (_("Quitter l'association"), "")),
        },
    )
