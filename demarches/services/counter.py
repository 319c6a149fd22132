"""Counter mode: an agent starts a request for a citizen who came to the town hall.

    start_counter_request(*, actor, demarche, applicant_user, consent_statement) -> Request

The citizen has an account (the agent finds it by its e-mail address); the
request is theirs (their own party is the applicant) and shows in their "Mes
demandes", marked "Déposée au guichet". The agent then fills and submits it
through the ordinary services (`save_page_answers`, `submit_request`), which let
an agent of the procedure's service fill a counter draft (`perms.can_fill`).
The agent never reaches the citizen's vault: the documents a form asks for are
added by the citizen from their account, who then sends the request themself.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from demarches import engine, perms
from demarches.enums import Channel, DemarcheStatus
from demarches.exceptions import NotFillable
from demarches.models import Demarche, Request
from guichet import audit
from guichet.accounts.models import Party, User

CONSENT_MAX_LENGTH = Request._meta.get_field("consent_statement").max_length


@transaction.atomic
def start_counter_request(
    *, actor, demarche: Demarche, applicant_user: User, consent_statement: str
) -> Request:
    """A draft of `demarche` for `applicant_user` (their own party), filed at the counter by `actor`, an
    agent of the procedure's service, who records the citizen's consent (what they agreed to, and when).

    Refused without consent, for someone without an active account, for the agent
    themself, and for a procedure not open online or not for a private person.
    Prefilled from the citizen's profile, never the agent's.
    """
    demarche = Demarche.objects.select_related("current_revision", "service").get(pk=demarche.pk)
    if not perms.is_service_agent(actor, demarche.service_id):
        raise PermissionDenied
    statement = " ".join((consent_statement or "").split())
    if not statement:
        raise NotFillable(
            _(
                "Sans le consentement de la personne, vous ne pouvez pas faire la démarche à sa place : "
                "recueillez son accord, puis décrivez-le."
            )
        )
    if len(statement) > CONSENT_MAX_LENGTH:
        raise NotFillable(
            _("Décrivez le consentement en %(max)d caractères au plus.") % {"max": CONSENT_MAX_LENGTH}
        )
    if applicant_user is None or not applicant_user.is_active:
        raise NotFillable(_("Ce compte n'est pas actif : la démarche ne peut pas être faite en son nom."))
    if applicant_user.pk == actor.pk:
        raise NotFillable(_("Pour vous-même, faites la démarche depuis votre propre compte, en ligne."))
    if demarche.is_link or demarche.status != DemarcheStatus.PUBLISHED or demarche.current_revision is None:
        raise NotFillable(_("Cette démarche n'est pas ouverte en ligne pour le moment."))
    applicant = Party.objects.get(person=applicant_user)
    if not demarche.allows(applicant):
        raise NotFillable(
            _("Cette démarche n'est pas proposée aux particuliers : elle ne se fait pas au guichet.")
        )
    revision = demarche.current_revision
    request = Request.objects.create(
        demarche=demarche,
        revision=revision,
        applicant=applicant,
        created_by=actor,
        channel=Channel.COUNTER,
        consent_statement=statement,
        consent_recorded_at=timezone.now(),
        answers=engine.prefill_answers(revision.form, user=applicant_user, party=applicant),
    )
    audit.record(
        actor=actor,
        action="demarches.request.counter",
        target=request,
        owner=applicant,
        service=demarche.service_id,
    )
    return request
