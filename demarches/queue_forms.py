"""Input of the agents' queue: its filters (a GET form), batch actions and exports, French messages.

The choices come from the agent's scope (`selectors.queues.agent_scope`), read
once per page: an id outside it is refused like any unknown choice, and no
field costs a query of its own.
"""

from dataclasses import replace

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demarches.enums import ExportFormat, RequestStatus
from demarches.selectors.queues import (
    ASSIGNEE_ME,
    ASSIGNEE_NOBODY,
    DEFAULT_TAB,
    SORTS,
    TAB_KEYS,
    TABS,
    AgentScope,
    QueueFilters,
)

# At most this many requests in one batch (two pages of the queue).
BATCH_MAX = 100


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class HiddenDateInput(DateInput):
    input_type = "hidden"


def _id_choices(objects, label=str) -> list[tuple[str, str]]:
    return [(str(item.pk), label(item)) for item in objects]


def _int_or_none(value: str) -> int | None:
    return int(value) if value else None


class QueueFilterForm(forms.Form):
    """The queue's filters; every field optional. The tab and the sort come from links, kept hidden."""

    q = forms.CharField(
        label=gettext_lazy("Rechercher"),
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "Référence, nom du demandeur ou mot d'une réponse ; le début d'un mot suffit."
        ),
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    service = forms.ChoiceField(label=gettext_lazy("Service"), required=False)
    demarche = forms.ChoiceField(label=gettext_lazy("Démarche"), required=False)
    statut = forms.ChoiceField(
        label=gettext_lazy("Statut"),
        required=False,
        choices=[
            ("", gettext_lazy("Tous les statuts")),
            *[(value, label) for value, label in RequestStatus.choices if value != RequestStatus.DRAFT],
        ],
    )
    du = forms.DateField(label=gettext_lazy("Déposée à partir du"), required=False, widget=DateInput())
    au = forms.DateField(label=gettext_lazy("Déposée jusqu'au"), required=False, widget=DateInput())
    agent = forms.ChoiceField(label=gettext_lazy("Agent chargé"), required=False)
    etiquette = forms.ChoiceField(label=gettext_lazy("Étiquette"), required=False)
    onglet = forms.CharField(required=False, widget=forms.HiddenInput)
    tri = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, scope: AgentScope, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope = scope
        several = len(scope.services) > 1
        self.fields["service"].choices = [("", _("Tous mes services")), *_id_choices(scope.services)]
        self.fields["demarche"].choices = [
            ("", _("Toutes les démarches")),
            *_id_choices(
                scope.demarches,
                lambda demarche: f"{demarche.title} ({demarche.service.name})" if several else demarche.title,
            ),
        ]
        self.fields["agent"].choices = [
            ("", _("Tout le monde")),
            (ASSIGNEE_ME, _("Moi")),
            (ASSIGNEE_NOBODY, _("Personne")),
            *_id_choices(
                [colleague for colleague in scope.colleagues if colleague.pk != user.pk],
                lambda colleague: colleague.get_full_name() or colleague.email,
            ),
        ]
        self.fields["etiquette"].choices = [("", _("Toutes les étiquettes")), *_id_choices(scope.labels)]

    def clean_onglet(self) -> str:
        # From a link: an unknown tab is the default one, not an error shown about a hidden field.
        tab = self.cleaned_data["onglet"]
        return tab if tab in TAB_KEYS else DEFAULT_TAB

    def clean_tri(self) -> str:
        sort = self.cleaned_data["tri"]
        return sort if sort.removeprefix("-") in SORTS else ""

    def clean(self):
        data = super().clean()
        if data.get("du") and data.get("au") and data["du"] > data["au"]:
            self.add_error("au", _("Cette date est avant la date de début : inversez-les."))
        return data

    def filters(self) -> QueueFilters:
        """The filters typed (the defaults for an unbound form); call once the form is valid."""
        if not self.is_bound:
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            tab=data["onglet"],
            q=data["q"].strip(),
            service_id=_int_or_none(data["service"]),
            demarche_id=_int_or_none(data["demarche"]),
            status=data["statut"],
            submitted_from=data["du"],
            submitted_to=data["au"],
            assignee=data["agent"],
            label_id=_int_or_none(data["etiquette"]),
            sort=data["tri"],
        )


def filter_params(filters: QueueFilters) -> dict[str, str]:
    """The address parameters of these filters (those set only): the inverse of QueueFilterForm."""
    params = {
        "onglet": filters.tab if filters.tab != DEFAULT_TAB else "",
        "q": filters.q,
        "service": filters.service_id or "",
        "demarche": filters.demarche_id or "",
        "statut": filters.status,
        "du": filters.submitted_from.isoformat() if filters.submitted_from else "",
        "au": filters.submitted_to.isoformat() if filters.submitted_to else "",
        "agent": filters.assignee,
        "etiquette": filters.label_id or "",
        "tri": filters.sort,
    }
    return {key: str(value) for key, value in params.items() if value}


def describe_filters(filters: QueueFilters, scope: AgentScope) -> list[str]:
    """The filters in words, for the export form ("Onglet : À traiter", "Recherche : « dupont »")."""
    names = {
        "service": {service.pk: service.name for service in scope.services},
        "demarche": {demarche.pk: demarche.title for demarche in scope.demarches},
        "agent": {str(user.pk): user.get_full_name() or user.email for user in scope.colleagues},
        "label": {label.pk: label.name for label in scope.labels},
    }
    lines = [_("Onglet : %(tab)s") % {"tab": dict(TABS)[filters.tab]}]
    if filters.q:
        lines.append(_("Recherche : « %(q)s »") % {"q": filters.q})
    if filters.service_id:
        lines.append(_("Service : %(name)s") % {"name": names["service"].get(filters.service_id, "?")})
    if filters.demarche_id:
        lines.append(_("Démarche : %(name)s") % {"name": names["demarche"].get(filters.demarche_id, "?")})
    if filters.status:
        lines.append(_("Statut : %(name)s") % {"name": RequestStatus(filters.status).label})
    if filters.submitted_from:
        lines.append(_("Déposée à partir du %(day)s") % {"day": filters.submitted_from.strftime("%d/%m/%Y")})
    if filters.submitted_to:
        lines.append(_("Déposée jusqu'au %(day)s") % {"day": filters.submitted_to.strftime("%d/%m/%Y")})
    if filters.assignee == ASSIGNEE_ME:
        lines.append(_("Agent chargé : moi"))
    elif filters.assignee == ASSIGNEE_NOBODY:
        lines.append(_("Agent chargé : personne"))
    elif filters.assignee:
        lines.append(_("Agent chargé : %(name)s") % {"name": names["agent"].get(filters.assignee, "?")})
    if filters.label_id:
        lines.append(_("Étiquette : %(name)s") % {"name": names["label"].get(filters.label_id, "?")})
    return lines


class IdsField(forms.Field):
    """The ids of the requests ticked in the queue (checkboxes of the same name)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": gettext_lazy("Cochez au moins un dossier dans la liste."),
        "invalid": gettext_lazy("La sélection de dossiers n'est pas valide : cochez-les à nouveau."),
        "too_many": gettext_lazy("Cochez au plus %(max)d dossiers à la fois."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            ids = sorted({int(item) for item in values})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(item <= 0 for item in ids):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if len(ids) > BATCH_MAX:
            raise forms.ValidationError(
                self.error_messages["too_many"], code="too_many", params={"max": BATCH_MAX}
            )
        return ids


class BatchForm(forms.Form):
    """An action on the requests ticked in the queue."""

    ASSIGN_ME = "m_attribuer"
    ASSIGN = "attribuer"
    LABEL = "etiqueter"
    REVIEW = "instruire"

    demandes = IdsField(label=gettext_lazy("Dossiers cochés"))
    action = forms.ChoiceField(
        label=gettext_lazy("Action"),
        choices=[
            ("", gettext_lazy("Choisissez une action")),
            (ASSIGN_ME, gettext_lazy("M'attribuer les dossiers")),
            (ASSIGN, gettext_lazy("Attribuer à un ou une collègue")),
            (LABEL, gettext_lazy("Ajouter une étiquette")),
            (REVIEW, gettext_lazy("Passer en instruction")),
        ],
        error_messages={"required": gettext_lazy("Choisissez l'action à appliquer aux dossiers cochés.")},
    )
    collegue = forms.ChoiceField(
        label=gettext_lazy("Collègue"),
        required=False,
        help_text=gettext_lazy("Pour « Attribuer à un ou une collègue »."),
    )
    etiquette = forms.ChoiceField(
        label=gettext_lazy("Étiquette"),
        required=False,
        help_text=gettext_lazy("Pour « Ajouter une étiquette »."),
    )
    # Where the agent was: the queue's filters, to go back to them.
    retour = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, scope: AgentScope, **kwargs):
        # Its own ids: the queue's filter form, on the same page, has an "etiquette" field too.
        kwargs.setdefault("auto_id", "lot_%s")
        super().__init__(*args, **kwargs)
        self.scope = scope
        self.fields["collegue"].choices = [
            ("", _("Choisissez")),
            *_id_choices(scope.colleagues, lambda colleague: colleague.get_full_name() or colleague.email),
        ]
        self.fields["etiquette"].choices = [("", _("Choisissez")), *_id_choices(scope.labels)]

    def clean(self):
        data = super().clean()
        action = data.get("action")
        if action == self.ASSIGN and not data.get("collegue"):
            self.add_error("collegue", _("Choisissez le ou la collègue à qui attribuer les dossiers."))
        if action == self.LABEL and not data.get("etiquette"):
            self.add_error("etiquette", _("Choisissez l'étiquette à ajouter aux dossiers."))
        return data

    @property
    def colleague(self):
        wanted = self.cleaned_data.get("collegue")
        return next((user for user in self.scope.colleagues if str(user.pk) == wanted), None)

    @property
    def label(self):
        wanted = self.cleaned_data.get("etiquette")
        return next((label for label in self.scope.labels if str(label.pk) == wanted), None)


class ExportForm(QueueFilterForm):
    """An export of the queue's requests: the service and the format shown, the queue's filters kept hidden."""

    export_service = forms.ChoiceField(
        label=gettext_lazy("Service"),
        error_messages={"required": gettext_lazy("Choisissez le service dont exporter les demandes.")},
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format du fichier"),
        choices=ExportFormat.choices,
        initial=ExportFormat.CSV,
        widget=forms.RadioSelect,
    )

    field_order = ["export_service", "format"]

    def __init__(self, *args, scope: AgentScope, user, **kwargs):
        super().__init__(*args, scope=scope, user=user, **kwargs)
        self.fields["export_service"].choices = [("", _("Choisissez")), *_id_choices(scope.services)]
        if len(scope.services) == 1:
            self.fields["export_service"].initial = str(scope.services[0].pk)
        for name, form_field in self.fields.items():
            if name in ("du", "au"):
                form_field.widget = HiddenDateInput()
            elif name not in ("export_service", "format"):
                form_field.widget = forms.HiddenInput()

    def filters(self) -> QueueFilters:
        # The service chosen here is the export's: the queue's own service filter gives way to it.
        return replace(super().filters(), service_id=None)

    @property
    def service(self):
        wanted = self.cleaned_data.get("export_service")
        return next((service for service in self.scope.services if str(service.pk) == wanted), None)
