from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from coffre import crypto
from coffre.services import REMINDER_DAYS, SHARE_MAX_DAYS


@login_not_required
@require_GET
def about(request: HttpRequest) -> HttpResponse:
    """How the vault protects documents, in plain French, for anyone before they use it."""
    return render(
        request,
        "coffre/about.html",
        {
            "quota_bytes": settings.COFFRE_QUOTA_BYTES,
            "max_file_bytes": settings.COFFRE_MAX_FILE_BYTES,
            "chunk_kib": crypto.CHUNK_SIZE // 1024,
            "reminder_days": sorted(REMINDER_DAYS, reverse=True),
            "share_max_days": SHARE_MAX_DAYS,
        },
    )
