"""Two uploads at once into one vault: the quota holds (real threads, real transactions)."""

import threading

import pytest
from django.db import connection

from coffre import services
from coffre.exceptions import QuotaExceeded
from coffre.models import DataKey, DocumentVersion
from coffre.uploads import EncryptedUpload
from tests.coffre.factories import DocumentTypeFactory, pdf_bytes, store
from tests.coffre.helpers import blob_files
from tests.factories import UserFactory, person_party

pytestmark = pytest.mark.django_db(transaction=True)


def race(*, user, owner, document_type, size: int, racers: int = 2) -> list[str]:
    """Encrypt `racers` uploads, then store them all at the same instant; returns each outcome."""
    barrier = threading.Barrier(racers)
    outcomes: list[str] = []

    def upload(number: int) -> None:
        try:
            uploaded = EncryptedUpload(original_name=f"{number}.pdf")
            uploaded.write(pdf_bytes(size))
            uploaded.finish()
            barrier.wait(timeout=10)
            services.store_document(
                actor=user, owner=owner, uploaded=uploaded, document_type=document_type, title=str(number)
            )
            outcomes.append("stored")
        except QuotaExceeded:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(number,)) for number in range(racers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(outcomes)


@pytest.mark.parametrize("round_", range(3))
def test_two_uploads_racing_for_the_last_free_space_only_one_wins(round_, settings, vault_dir):
    settings.COFFRE_QUOTA_BYTES = 100_000
    user = UserFactory()
    owner = person_party(user)
    document_type = DocumentTypeFactory()
    store(user=user, owner=owner, content=pdf_bytes(40_000), document_type=document_type)

    outcomes = race(user=user, owner=owner, document_type=document_type, size=50_000)

    assert outcomes == ["refused", "stored"]
    assert services.used_bytes(owner_id=owner.pk) == 90_000
    assert DocumentVersion.objects.count() == 2
    assert len(blob_files(vault_dir)) == 2  # the loser's blob is gone


def test_first_uploads_racing_into_a_new_vault_share_one_data_key_and_the_quota(settings, vault_dir):
    settings.COFFRE_QUOTA_BYTES = 100_000
    user = UserFactory()
    owner = person_party(user)

    outcomes = race(user=user, owner=owner, document_type=DocumentTypeFactory(), size=60_000, racers=3)

    assert outcomes == ["refused", "refused", "stored"]
    assert DataKey.objects.filter(party=owner).count() == 1
    assert len(blob_files(vault_dir)) == 1
