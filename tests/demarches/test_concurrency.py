"""A double click on "Envoyer la demande", for real: two requests at once make one request, one reference."""

import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from demarches.enums import RequestStatus
from demarches.models import Request, RequestEvent
from tests.demarches.factories import fill, publish, simple_demarche
from tests.helpers import login

CLICKS = 4


@pytest.mark.django_db(transaction=True)
def test_simultaneous_submissions_of_a_draft_make_one_request_with_one_reference(citizen, town):
    demarche = simple_demarche()
    publish(demarche)
    draft = fill(user=citizen, demarche=demarche, answers={"nom": "Martin", "moment": "matin"})
    url = reverse("demarches:submit", args=[draft.pk])
    clients = [login(Client(), citizen) for _click in range(CLICKS)]
    barrier = threading.Barrier(CLICKS)
    results: list[tuple[int, str]] = []
    errors: list[BaseException] = []

    def click(client: Client) -> None:
        try:
            barrier.wait()
            response = client.post(url)
            results.append((response.status_code, response.url))
        except BaseException as error:  # reported by the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=click, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    acknowledgement = reverse("demarches:acknowledgement", args=[draft.pk])
    assert results == [(302, acknowledgement)] * CLICKS
    sent = Request.objects.get(pk=draft.pk)
    assert sent.status == RequestStatus.SUBMITTED
    assert Request.objects.filter(reference=sent.reference).count() == 1
    assert Request.objects.exclude(reference="").count() == 1
    assert RequestEvent.objects.filter(request=sent).count() == 1
