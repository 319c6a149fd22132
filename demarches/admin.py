"""Administrators build procedures here: the entry, its pages (inline), each page's fields
(inline), a group's fields (inline on the group), a preview as citizens will see it,
publishing (a frozen revision) and duplicating. The admin lives under /admin/, which
the foundation's middleware opens only to staff with a verified second factor.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import formats
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demarches import conditions, engine, selectors, services
from demarches.enums import DemarcheKind, FieldKind
from demarches.exceptions import CannotPublish
from demarches.models import Demarche, DemarcheRevision, FormField, FormPage, Label, LetterTemplate
from demarches.schema import build_schema, schema_errors

# Inlines ---------------------------------------------------------------------------------------


class FormPageInline(admin.TabularInline):
    model = FormPage
    fields = ["order", "title"]
    extra = 0
    show_change_link = True
    ordering = ["order", "pk"]
    verbose_name_plural = gettext_lazy("Pages du formulaire (modifiez une page pour ses champs)")


class RevisionInline(admin.TabularInline):
    """Read-only: versions are made by publishing, never edited."""

    model = DemarcheRevision
    fields = ["number", "published_at", "created_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    ordering = ["-number"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class UniqueKeysFormSet(forms.BaseInlineFormSet):
    """Two new fields of the same formset cannot share a key (the database would refuse the second)."""

    def clean(self) -> None:
        super().clean()
        seen: set[str] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            key = form.cleaned_data.get("key")
            if key and key in seen:
                raise ValidationError(_("La clé « %(key)s » est utilisée deux fois.") % {"key": key})
            if key:
                seen.add(key)


class FormFieldInline(admin.TabularInline):
    """A page's own fields (a group's fields are edited on the group)."""

    model = FormField
    fk_name = "page"
    formset = UniqueKeysFormSet
    fields = ["order", "key", "kind", "label", "required"]
    extra = 0
    show_change_link = True
    ordering = ["order", "pk"]
    verbose_name_plural = gettext_lazy("Champs de la page (modifiez un champ pour ses options)")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(parent__isnull=True)


class ChildFieldInline(admin.TabularInline):
    model = FormField
    fk_name = "parent"
    formset = UniqueKeysFormSet
    fields = ["order", "key", "kind", "label", "required"]
    extra = 1
    show_change_link = True
    ordering = ["order", "pk"]
    verbose_name = gettext_lazy("champ du groupe")
    verbose_name_plural = gettext_lazy("Champs de chaque bloc du groupe")


class LetterTemplateInline(admin.StackedInline):
    """The letter sent with each decision of the procedure (one per outcome), generated as a PDF.

    LetterTemplate.clean() compiles the subject and the body (demarches.letters), so a
    broken tag or an unknown variable shows on its field here, before any decision meets it.
    """

    model = LetterTemplate
    fields = ["outcome", "subject", "body"]
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 12, "cols": 80})}}
    extra = 0
    max_num = len(LetterTemplate.OUTCOMES)
    ordering = ["outcome"]
    verbose_name_plural = gettext_lazy("Modèles de courrier des décisions (un par décision)")


# Procedures ------------------------------------------------------------------------------------


@admin.register(Demarche)
class DemarcheAdmin(admin.ModelAdmin):
    list_display = ["title", "theme", "service", "kind", "status", "position", "published_version"]
    list_filter = ["theme", "status", "service", "kind", "for_person", "for_household", "for_association"]
    list_select_related = ["service", "current_revision"]
    list_editable = ["position"]
    search_fields = ["title", "slug", "summary"]
    ordering = ["position", "title"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["required_document_types"]
    readonly_fields = ["publication_state"]
    inlines = [FormPageInline, LetterTemplateInline, RevisionInline]
    actions = ["publish", "duplicate"]
    change_form_template = "demarches/admin/demarche_change_form.html"
    fieldsets = [
        (
            None,
            {"fields": ["title", "slug", "service", "theme", "kind", "link_url_name", "status", "position"]},
        ),
        (gettext_lazy("Public"), {"fields": ["for_person", "for_household", "for_association"]}),
        (
            gettext_lazy("Page de présentation"),
            {
                "fields": [
                    "summary",
                    "description",
                    "what_to_prepare",
                    "processing_days",
                    "fee_cents",
                    "required_document_types",
                ]
            },
        ),
        (
            gettext_lazy("Instruction"),
            {
                "fields": [
                    "is_declarative",
                    ("silence_rule", "silence_days"),
                    ("information_days", "information_reminder_days"),
                    "escalation_days",
                ],
                "description": gettext_lazy(
                    "Comment le service instruit les demandes : décision implicite en cas de silence, "
                    "délais laissés au demandeur pour compléter sa demande, alerte du responsable en cas de retard. "
                    "Le délai de traitement annoncé se règle dans « Page de présentation »."
                ),
            },
        ),
        (gettext_lazy("Publication"), {"fields": ["publication_state"]}),
    ]

    @admin.display(description=gettext_lazy("version publiée"), ordering="current_revision__number")
    def published_version(self, obj: Demarche) -> str:
        return str(obj.current_revision.number) if obj.current_revision_id else "—"

    @admin.display(description=gettext_lazy("état de la publication"))
    def publication_state(self, obj: Demarche) -> str:
        if obj.pk is None:
            return "—"
        if obj.kind == DemarcheKind.LINK:
            url = obj.link_url()
            return (
                _("Lien vers %(url)s.") % {"url": url}
                if url
                else _("La page liée n'existe pas encore : l'entrée reste cachée du catalogue.")
            )
        if obj.current_revision_id is None:
            return _("Jamais publiée : les habitants ne peuvent pas encore la remplir.")
        revision = obj.current_revision
        state = _("Version %(number)d publiée le %(date)s.") % {
            "number": revision.number,
            "date": formats.date_format(revision.published_at, "j F Y à H:i"),
        }
        if selectors.has_unpublished_changes(demarche=obj):
            state += " " + _(
                "Le formulaire a été modifié depuis : publiez pour l'appliquer aux nouvelles demandes."
            )
        return state

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "<path:object_id>/apercu/",
                self.admin_site.admin_view(self.preview_view),
                name=f"{info[0]}_{info[1]}_preview",
            ),
            path(
                "<path:object_id>/publier/",
                self.admin_site.admin_view(self.publish_view),
                name=f"{info[0]}_{info[1]}_publish",
            ),
            *super().get_urls(),
        ]

    def _object_or_404(self, request: HttpRequest, object_id: str) -> Demarche:
        demarche = self.get_object(request, unquote(object_id))
        if demarche is None:
            raise Http404
        return demarche

    def preview_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Every page of the editable form as a citizen will see it; nothing can be sent."""
        demarche = self._object_or_404(request, object_id)
        if not self.has_view_permission(request, demarche):
            raise PermissionDenied
        schema = build_schema(demarche)
        labels, value_labels = schema.labels(), schema.value_labels()
        pages = []
        for page in schema.pages:
            try:
                form = engine.PageForm(schema=schema, page=page, preview=True, heading_level=3)
                problem = ""
            except (ValueError, KeyError, re.error):
                form, problem = (
                    None,
                    _("Cette page ne peut pas être affichée : corrigez les erreurs signalées."),
                )
            pages.append(
                {
                    "page": page,
                    "form": form,
                    "problem": problem,
                    "condition": conditions.describe(page.condition, labels, value_labels),
                }
            )
        context = {
            "demarche": demarche,
            "pages": pages,
            "problems": schema_errors(schema) if demarche.kind == DemarcheKind.FORM else [],
            "documents": list(demarche.required_document_types.all()),
            "change_url": reverse("admin:demarches_demarche_change", args=[demarche.pk]),
        }
        return TemplateResponse(request, "demarches/admin/preview.html", context)

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponse(status=405, headers={"Allow": "POST"})
        demarche = self._object_or_404(request, object_id)
        if not self.has_change_permission(request, demarche):
            raise PermissionDenied
        self._publish_one(request, demarche)
        return HttpResponseRedirect(reverse("admin:demarches_demarche_change", args=[demarche.pk]))

    def _publish_one(self, request: HttpRequest, demarche: Demarche) -> None:
        before = demarche.current_revision_id
        try:
            revision = services.publish_demarche(actor=request.user, demarche=demarche)
        except CannotPublish as error:
            self.message_user(
                request,
                format_html(
                    "{} {}",
                    _("« %(title)s » n'est pas publiée :") % {"title": demarche.title},
                    " ".join(error.messages),
                ),
                messages.ERROR,
            )
            return
        if revision is None:
            message = _("« %(title)s » est publiée (lien).") % {"title": demarche.title}
        elif revision.pk == before:
            message = _(
                "« %(title)s » : aucun changement depuis la version %(number)d, qui reste en ligne."
            ) % {
                "title": demarche.title,
                "number": revision.number,
            }
        else:
            message = _(
                "« %(title)s » : version %(number)d publiée ; les nouvelles demandes l'utilisent."
            ) % {
                "title": demarche.title,
                "number": revision.number,
            }
        self.message_user(request, message, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Publier (figer une nouvelle version du formulaire)"), permissions=["change"]
    )
    def publish(self, request: HttpRequest, queryset) -> None:
        for demarche in queryset:
            self._publish_one(request, demarche)

    @admin.action(
        description=gettext_lazy("Dupliquer (copie en brouillon, avec ses pages et champs)"),
        permissions=["add"],
    )
    def duplicate(self, request: HttpRequest, queryset) -> None:
        for demarche in queryset:
            copy = services.duplicate_demarche(actor=request.user, demarche=demarche)
            self.message_user(
                request,
                format_html(
                    '{} <a href="{}">{}</a>',
                    _("Copie créée en brouillon :"),
                    reverse("admin:demarches_demarche_change", args=[copy.pk]),
                    copy.title,
                ),
                messages.SUCCESS,
            )


# Labels ----------------------------------------------------------------------------------------


@admin.register(Label)
class LabelAdmin(admin.ModelAdmin):
    """The labels agents put on requests (À examiner, Complet, Urgent…), in the order they are offered."""

    list_display = ["name", "tone", "position"]
    list_editable = ["position"]
    ordering = ["position", "name"]
    search_fields = ["name"]
    fields = ["name", "tone", "position"]


# Pages and fields ------------------------------------------------------------------------------


@admin.register(FormPage)
class FormPageAdmin(admin.ModelAdmin):
    list_display = ["title", "demarche", "order"]
    list_filter = ["demarche__theme", "demarche__status"]
    list_select_related = ["demarche"]
    search_fields = ["title", "demarche__title"]
    ordering = ["demarche__position", "demarche__title", "order", "pk"]
    fields = ["demarche", "order", "title", "intro", "condition"]
    inlines = [FormFieldInline]

    def get_readonly_fields(self, request, obj=None):
        # A page stays with its procedure: its fields' keys are unique within that procedure.
        return ["demarche"] if obj is not None else []


@admin.register(FormField)
class FormFieldAdmin(admin.ModelAdmin):
    list_display = ["key", "label", "kind", "page", "required", "order"]
    list_filter = ["kind", "required", "demarche__theme"]
    list_select_related = ["page", "demarche"]
    search_fields = ["key", "label", "demarche__title"]
    ordering = ["demarche__position", "page__order", "order", "pk"]
    raw_id_fields = ["page", "parent"]
    fieldsets = [
        (
            None,
            {"fields": ["page", "parent", "order", "key", "kind", "label", "hint", "required", "condition"]},
        ),
        (gettext_lazy("Choix"), {"fields": ["choices", "display"]}),
        (
            gettext_lazy("Contrôles"),
            {
                "fields": [
                    ("min_value", "max_value"),
                    ("min_length", "max_length"),
                    ("min_date", "max_date"),
                    ("min_items", "max_items"),
                    "pattern",
                    "pattern_message",
                    "balance_with",
                ]
            },
        ),
        (gettext_lazy("Pré-remplissage et documents"), {"fields": ["prefill", "document_type"]}),
    ]

    def get_inlines(self, request, obj=None):
        return [ChildFieldInline] if obj is not None and obj.kind == FieldKind.GROUP else []
