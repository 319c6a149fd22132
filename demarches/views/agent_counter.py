"""Placeholder: being written (issue 6)."""

from django.http import Http404


def counter(request, *args, **kwargs):
    raise Http404


def counter_page(request, *args, **kwargs):
    raise Http404


def counter_review(request, *args, **kwargs):
    raise Http404


def counter_submit(request, *args, **kwargs):
    raise Http404
