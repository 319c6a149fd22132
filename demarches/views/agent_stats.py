"""Placeholder: being written (issue 6)."""

from django.http import Http404


def stats(request, *args, **kwargs):
    raise Http404


def stats_csv(request, *args, **kwargs):
    raise Http404
