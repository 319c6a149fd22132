"""Deleting many rows without holding a long transaction (Django only: every layer may use it).

    delete_in_batches(queryset, *, batch_size=1000) -> Iterator[int]

Deletes what `queryset` matches a batch at a time, in id order, each batch
committed on its own, and yields how many rows each batch deleted: a failure
half-way still reports what was done, and a second run finds nothing more.
"""

from collections.abc import Iterator

from django.db import models, transaction


def delete_in_batches(queryset: models.QuerySet, *, batch_size: int = 1000) -> Iterator[int]:
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if ids:
                queryset.model.objects.filter(pk__in=ids).delete()
        if ids:
            yield len(ids)
        if len(ids) < batch_size:
            return
