"""Placeholder: being written (issue 6)."""

from django.http import Http404


def queue(request, *args, **kwargs):
    raise Http404


def batch(request, *args, **kwargs):
    raise Http404


def exports(request, *args, **kwargs):
    raise Http404


def export_download(request, *args, **kwargs):
    raise Http404
