"""The démarches' refusals, each with a French message for the person who caused it."""

from django.core.exceptions import ValidationError


class DemarcheError(ValidationError):
    """Base of the démarches' refusals; `messages` holds the French explanations."""


class CannotPublish(DemarcheError):
    """The editable form has problems (listed) or the procedure cannot be published."""


class NotFillable(DemarcheError):
    """The procedure is not open to this applicant (closed, a link, wrong audience, not a member)."""


class RequestIncomplete(DemarcheError):
    """Submission refused: answers missing or invalid; `errors` are the engine's AnswerErrors."""

    def __init__(self, message, *, errors=()):
        super().__init__(message)
        self.errors = list(errors)


class IllegalTransition(DemarcheError):
    """The request's status does not allow this step."""


class SubmissionRefused(DemarcheError):
    """Another app's submit check refused the draft (demarches.hooks): it stays a draft, the message says why."""
