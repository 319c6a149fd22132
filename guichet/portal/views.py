import re
from pathlib import PurePosixPath

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from guichet.accounts import selectors as account_selectors
from guichet.accounts.models import Town
from guichet.portal import agent_tools, dashboard, selectors
from guichet.portal.decorators import agent_required
from guichet.portal.models import NewsTopic
from guichet.public_files import public_storage
from guichet.retention import selectors as retention_selectors

PUBLIC_TYPES = {".png": "image/png", ".jpg": "image/jpeg"}

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@login_not_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", {"news": selectors.latest_news()})


@require_GET
def my_space(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/dashboard.html", {"cards": dashboard.cards_for(request.user)})


@agent_required
@require_GET
def agent_home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/agent/home.html",
        {
            "agent_services": account_selectors.agent_services(request.user),
            "agent_tools": agent_tools.tools_for(request.user),
        },
    )


@login_not_required
@require_GET
def legal_page(request: HttpRequest, page: str) -> HttpResponse:
    return render(request, f"portal/pages/{page}.html")


@login_not_required
@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: the town's own text, then who, what, how long, the rights and where to use them."""
    schedule = retention_selectors.load_schedule()
    return render(
        request,
        "portal/pages/privacy.html",
        {"schedule": schedule, "sections": retention_selectors.processing_register(schedule)},
    )


@login_not_required
@require_GET
def processing_register(request: HttpRequest) -> HttpResponse:
    """The register of processing activities (RGPD, art. 30), generated from what is configured."""
    schedule = retention_selectors.load_schedule()
    trail = [
        (_("Accueil"), reverse("portal:home")),
        (_("Données personnelles"), reverse("portal:privacy")),
        (_("Registre des traitements"), ""),
    ]
    return render(
        request,
        "portal/pages/processing_register.html",
        {"sections": retention_selectors.processing_register(schedule), "schedule": schedule, "trail": trail},
    )


@login_not_required
@require_GET
def retention_schedule(request: HttpRequest) -> HttpResponse:
    """How long each kind of data is kept, as the administrators set it, and when it was last applied."""
    trail = [
        (_("Accueil"), reverse("portal:home")),
        (_("Données personnelles"), reverse("portal:privacy")),
        (_("Durées de conservation"), ""),
    ]
    return render(
        request,
        "portal/pages/retention_schedule.html",
        {
            "schedule": retention_selectors.load_schedule(),
            "last_run": retention_selectors.last_run(),
            "trail": trail,
        },
    )


@login_not_required
@require_GET
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/help.html")


@login_not_required
@require_GET
def news_list(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("rubrique", "")
    if topic not in NewsTopic.values:
        topic = ""
    return render(
        request,
        "portal/news_list.html",
        {
            "page_obj": selectors.news_page(page=request.GET.get("page"), topic=topic),
            "topics": NewsTopic.choices,
            "topic": topic,
        },
    )


@login_not_required
@require_GET
def news_detail(request: HttpRequest, slug: str) -> HttpResponse:
    return render(request, "portal/news_detail.html", {"item": selectors.news_item(slug=slug)})


def _css_colour(value: str, *, default: str) -> str:
    # Written into a stylesheet, where HTML escaping protects nothing: only "#rrggbb" gets through.
    return value if HEX_COLOUR.fullmatch(value or "") else default


@login_not_required
@require_GET
@cache_control(public=True, max_age=300)
def theme_css(request: HttpRequest) -> HttpResponse:
    """The town's colours as CSS variables: a stylesheet, since the CSP forbids inline styles."""
    town = Town.current()
    colours = {
        name: _css_colour(
            getattr(town, f"{name}_color"), default=Town._meta.get_field(f"{name}_color").default
        )
        for name in ("primary", "secondary")
    }
    return render(request, "portal/theme.css", {"colours": colours}, content_type="text/css; charset=utf-8")


@login_not_required
@require_GET
def public_media(request: HttpRequest, path: str) -> FileResponse:
    """A public image (an association's logo, a room's photo) from the public storage, as it is.

    Only that storage's files, by a path it produced (no "..", no absolute path); the type
    comes from the extension, which `guichet.public_files.check_image` set from the content.
    """
    storage = public_storage()
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or pure.suffix.lower() not in PUBLIC_TYPES:
        raise Http404
    try:
        handle = storage.open(str(pure), "rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        raise Http404 from None
    response = FileResponse(handle, content_type=PUBLIC_TYPES[pure.suffix.lower()])
    # Names are random and never reused: a file under a name never changes.
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
