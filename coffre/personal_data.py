"""What the vault holds about a person, how it is exported and erased (personal-data registry).

The documents' bytes are personal data too, but encrypted and exported as
files by the vault's ZIP export; this registry's export lists what is known
about them (titles, dates, fingerprints) for the RGPD export.
"""

from django.db.models import Prefetch
from django.utils import timezone

from coffre import services
from coffre.models import (
    DataKey,
    Document,
    DocumentType,
    DocumentVersion,
    Grant,
    ReminderSent,
    ShreddingLog,
    vault_party_ids,
)
from guichet.accounts import registry
from guichet.accounts.models import Party


def export(user) -> dict:
    """Metadata of the documents of every vault the user may open (their own, household, association)."""
    documents = (
        Document.objects.filter(owner_id__in=vault_party_ids(user))
        .select_related("document_type")
        .prefetch_related("versions", Prefetch("grants", queryset=Grant.objects.select_related("service")))
        .order_by("owner_id", "pk")
    )
    return {
        "documents": [
            {
                "titulaire": document.owner_id,
                "type": document.document_type.code,
                "intitulé": document.title,
                "date_émission": document.issue_date.isoformat() if document.issue_date else None,
                "fin_validité": document.expiry_date.isoformat() if document.expiry_date else None,
                "versions": [
                    {
                        "version": version.number,
                        "fichier": version.filename,
                        "type_fichier": version.mime_type,
                        "taille": version.size,
                        "sha256": version.sha256,
                        "déposé_le": timezone.localtime(version.created_at).isoformat(),
                        "version_en_cours": version.pk == document.current_version_id,
                    }
                    for version in sorted(document.versions.all(), key=lambda v: v.number)
                ],
                "partages": [
                    {
                        "service": grant.service.name,
                        "motif": grant.purpose,
                        "motif_indiqué": grant.note,
                        "partagé_le": timezone.localtime(grant.created_at).isoformat(),
                        "jusqu_au": timezone.localtime(grant.expires_at).isoformat(),
                        "retiré_le": timezone.localtime(grant.revoked_at).isoformat()
                        if grant.revoked_at
                        else None,
                    }
                    for grant in sorted(document.grants.all(), key=lambda g: (g.created_at, g.pk))
                ],
            }
            for document in documents
        ]
    }


def erase(user) -> None:
    """Crypto-shred the person's own vault. Household and association vaults stay with their
    other members; the person's access to them ends with their memberships."""
    for party in Party.objects.filter(person=user):
        services.shred(actor=None, owner=party)


registry.declare(
    app_label="coffre",
    personal_fields={
        # What a person calls and dates their papers, and the name of the file they sent.
        Document: ("owner", "title", "issue_date", "expiry_date"),
        # The digest of what the person sent (the export lists it so they can check their files).
        DocumentVersion: ("filename", "uploaded_by", "sha256"),
        # Who shared what with which service, and why (a reference such as demarches.request:12,
        # or the owner's own words when they shared from their vault).
        Grant: ("purpose", "note", "granted_by", "revoked_by"),
        # A copy of the document's expiry date, to send each reminder once.
        ReminderSent: ("expiry_date",),
        # The party's data key: deleting it is the crypto-shredding.
        DataKey: ("party",),
        DocumentType: (),
        ShreddingLog: (),
    },
    exporter=export,
    eraser=erase,
    not_personal={
        DocumentType: dict.fromkeys(
            ("code", "label"), "The administrators' catalogue of document kinds, the same for everyone."
        ),
        DocumentVersion: {
            "blob_name": "128 random bits naming a ciphertext file: nothing of the person or the file's name.",
            "wrapped_content_key": "A random content key, wrapped by the owner's data key: no information.",
        },
        DataKey: {
            "wrapped_key": "A random data key, wrapped by the master key: no information; deleted at shredding.",
            "kek_id": "Which master key wraps it, an identifier of the town's configuration.",
        },
    },
)
