"""The baseline of bench/city.py: a bare Django view doing one query, served by the same gunicorn
configuration as the portal (`gunicorn bench.baseline_wsgi --config guichet/gunicorn.conf.py`).

Bench only: the production settings with this module as the URL configuration and no middleware,
so that the figure is Django + one PostgreSQL query and nothing of the portal. Never a production URL.
"""

import os

import django
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.http import HttpResponse
from django.urls import path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
django.setup(set_prefix=False)
settings.ROOT_URLCONF = __name__
settings.MIDDLEWARE = []


def one_query(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (value,) = cursor.fetchone()
    return HttpResponse(f"ok {value}", content_type="text/plain")


urlpatterns = [path("", one_query)]
application = WSGIHandler()
