"""A test-only upload view, written as coffre/uploadhandler.py tells the pages to write theirs.

Only used by tests marked `@pytest.mark.urls("tests.coffre.urls")`: the project's
URLconf has no vault URL yet.
"""

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import path
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from coffre import selectors, services, uploadhandler
from coffre.exceptions import VaultError
from coffre.models import DocumentType
from guichet.urls import urlpatterns as project_urlpatterns


@csrf_exempt
@require_POST
def upload(request: HttpRequest, owner_pk: int) -> HttpResponse:
    uploadhandler.install(request)
    return _upload(request, owner_pk)


@csrf_protect
def _upload(request: HttpRequest, owner_pk: int) -> HttpResponse:
    owner = get_object_or_404(selectors.owners_for_user(user=request.user), pk=owner_pk)
    document_type = get_object_or_404(DocumentType, code=request.POST.get("type", ""))
    try:
        upload = uploadhandler.uploaded_file(request, "file")
        if upload is None:
            return JsonResponse({"error": "Aucun fichier."}, status=400)
        version = services.store_document(
            actor=request.user,
            owner=owner,
            uploaded=upload,
            document_type=document_type,
            title=request.POST.get("title", ""),
        )
    except VaultError as error:
        return JsonResponse({"error": error.message}, status=400)
    return JsonResponse({"version": version.pk, "mime_type": version.mime_type, "filename": version.filename})


# The project's URLs too: error pages and layouts reverse them.
urlpatterns = [
    path("coffre-test/<int:owner_pk>/depot/", upload, name="coffre_test_upload"),
    *project_urlpatterns,
]
