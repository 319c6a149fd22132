"""Factories and real files for the vault's tests (the pages' tests may use them too).

Documents are made through the vault's own code path (`store_document_from_file`),
so every document in a test is really encrypted in the storage of the test.
"""

import io
import struct
import zlib

import factory

from coffre import services
from coffre.enums import ValidityRule
from coffre.models import DocumentType, DocumentVersion
from guichet.accounts.enums import PartyKind, PartyRole
from guichet.accounts.models import Party, PartyMembership, User
from tests.factories import UserFactory, person_party


class DocumentTypeFactory(factory.django.DjangoModelFactory):
    """A type open to every kind of owner; `code` is get-or-create, so seeded codes are reused."""

    class Meta:
        model = DocumentType
        django_get_or_create = ["code"]

    class Params:
        days = factory.Trait(validity_rule=ValidityRule.DAYS, validity_days=90)
        end_date = factory.Trait(validity_rule=ValidityRule.END_DATE)

    code = factory.Sequence(lambda n: f"type-test-{n}")
    label = factory.Sequence(lambda n: f"Type de test {n}")
    validity_rule = ValidityRule.NONE
    validity_days = None
    for_person = True
    for_household = True
    for_association = True


def make_household(*guardians: User, name: str = "Foyer Test") -> Party:
    party = Party.objects.create(kind=PartyKind.HOUSEHOLD, name=name)
    for user in guardians:
        PartyMembership.objects.create(user=user, party=party, role=PartyRole.GUARDIAN)
    return party


def make_association(*, president: User | None = None, members: tuple[User, ...] = ()) -> Party:
    party = Party.objects.create(kind=PartyKind.ASSOCIATION, name="Association Test")
    if president is not None:
        PartyMembership.objects.create(user=president, party=party, role=PartyRole.PRESIDENT)
    for user in members:
        PartyMembership.objects.create(user=user, party=party, role=PartyRole.MEMBER)
    return party


# Real files ---------------------------------------------------------------------------------


def pdf_bytes(size: int = 4096, *, marker: bytes = b"") -> bytes:
    """A small but well-formed PDF, padded with a comment (and `marker`) up to about `size` bytes."""
    body = (
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >> endobj\n"
    )
    trailer = b"trailer << /Root 1 0 R >>\n%%EOF\n"
    padding = size - len(body) - len(trailer)
    if padding > 0:
        filler = (b"% " + marker + b" ") if marker else b"% remplissage "
        line = (filler * (80 // len(filler) + 1))[:79] + b"\n"
        body += (line * (padding // 80 + 1))[:padding]
    return body + trailer


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real PNG (grey pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x80" * width for _row in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """The first bytes of a JFIF JPEG, enough for the type check."""
    return (
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 200 + b"\xff\xd9"
    )


def store(
    *,
    user: User | None = None,
    owner: Party | None = None,
    content: bytes | None = None,
    filename: str = "document.pdf",
    document_type: DocumentType | None = None,
    title: str = "Mon document",
    **kwargs,
) -> DocumentVersion:
    """Store a document through the vault's own path; by default a PDF in a new user's own vault."""
    user = user or UserFactory()
    owner = owner or person_party(user)
    return services.store_document_from_file(
        actor=user,
        owner=owner,
        source=io.BytesIO(pdf_bytes() if content is None else content),
        filename=filename,
        document_type=document_type or DocumentTypeFactory(),
        title=title,
        **kwargs,
    )


def read_back(*, actor: User, version: DocumentVersion) -> bytes:
    stream = services.open_plaintext(actor=actor, version=version)
    try:
        return b"".join(stream)
    finally:
        stream.close()
