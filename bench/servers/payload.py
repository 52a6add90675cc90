"""The request-size peers' shared ground: a contact import of any size, as action and route.

The payload is a realistic bulk write, a list of records (``Contact``: a name, an email, two
tags) under one field, and the reply is small (the number of contacts), so what grows with the
request is reading, parsing and validating the body, not encoding the answer. Both peers take
the same JSON body and decode it into the same ``Contact`` Struct; the action's body limit is
raised to ``PAYLOAD_LIMIT`` (the default is 1 MiB) so the largest measured body is accepted.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import post
from litestar.params import JSONBody

from authstage import action

__all__ = [
    "PAYLOAD_LIMIT",
    "Contact",
    "ContactImport",
    "import_contacts",
    "import_route",
    "payload_body",
]

#: The size-growth action's body limit: 4 MiB, above the largest body measured (1 MB).
PAYLOAD_LIMIT = 4 << 20

Text = Annotated[str, msgspec.Meta(max_length=200)]


class Contact(msgspec.Struct, forbid_unknown_fields=True):
    """One record of the import."""

    name: Text
    email: Text
    tags: list[Text]


class ContactImport(msgspec.Struct, forbid_unknown_fields=True):
    """``{"source": str, "contacts": [Contact, ...]}``: the body of both size peers."""

    source: Text
    contacts: list[Contact]


@action(public=True, name="bench.import_contacts", max_body_size=PAYLOAD_LIMIT)
async def import_contacts(source: Text, contacts: list[Contact]) -> int:
    """Accept an import; the number of contacts read."""
    return len(contacts)


@post("/contacts", status_code=200)
async def import_route(data: JSONBody[ContactImport]) -> int:
    """The same import as a hand-written route taking the Struct."""
    return len(data.contacts)


def _contact(i: int) -> Contact:
    return Contact(
        name=f"Contact {i:07d}", email=f"contact{i:07d}@example.com", tags=["customer", "news"]
    )


def payload_body(size: int) -> tuple[bytes, int]:
    """A JSON import of about ``size`` bytes (at least one contact) and its number of contacts.

    Every contact encodes to the same length (fixed-width numbers), so the count is exact
    arithmetic; the body is within one contact (~90 bytes) of ``size``.
    """
    empty = len(msgspec.json.encode(ContactImport(source="growth", contacts=[])))
    one = len(msgspec.json.encode(_contact(0))) + 1  # with its comma
    count = max(1, round((size - empty + 1) / one))
    body = ContactImport(source="growth", contacts=[_contact(i) for i in range(count)])
    return msgspec.json.encode(body), count
