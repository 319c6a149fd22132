"""Placeholder: being written (issue 6)."""

from django.http import Http404


def detail(request, *args, **kwargs):
    raise Http404


def attachment(request, *args, **kwargs):
    raise Http404


def status(request, *args, **kwargs):
    raise Http404


def request_information(request, *args, **kwargs):
    raise Http404


def message(request, *args, **kwargs):
    raise Http404


def note(request, *args, **kwargs):
    raise Http404


def assign(request, *args, **kwargs):
    raise Http404


def labels(request, *args, **kwargs):
    raise Http404


def letter(request, *args, **kwargs):
    raise Http404
