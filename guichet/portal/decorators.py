from functools import wraps

from django.core.exceptions import PermissionDenied

from guichet.accounts import services


def agent_required(view):
    """Back-office views: an agent or an administrator whose second factor is verified.

    The 2FA middleware already sends the others away; this is the second lock,
    so that a view moved out of /agent/ by mistake stays closed.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not services.requires_second_factor(user) or not user.is_verified():
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper
