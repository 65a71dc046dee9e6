"""Accounting records of one organisation, kept as Xero JSON documents in the state file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import Row, func, insert, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.integrations.sandbox.store import SandboxStore
from app.integrations.sandbox.web import dump_json
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.tables import XeroRecord

Document = dict[str, Any]


#: At most this many values go into one ``IN (...)``; a longer list reads the records unnarrowed (SQLite's
#: limit on parameters in one statement is 32,766 since 3.32, 999 before).
MOST_KEYS = 500
#: Documents kept under their number (``lookup_key``, exact; ``folded_key``, without case) and their contact.
NUMBERED = {"Invoice": "InvoiceNumber", "CreditNote": "CreditNoteNumber"}


def load_document(text: str) -> Document:
    document = json.loads(text, parse_float=Decimal)
    assert isinstance(document, dict)
    return document


@dataclass(frozen=True)
class IndexKeys:
    """The indexed columns a record is found by (see ``XeroRecord``)."""

    lookup: str | None
    folded: str | None = None
    contact: str | None = None


def contact_number_key(value: Any) -> str | None:
    """A ContactNumber as kept in ``lookup_key``: only a text one is found by number (Xero's numbers are
    text; a number sent as a JSON number compares unequal to every text one)."""
    return value if isinstance(value, str) and value else None


def contact_name_key(value: Any) -> str:
    """A contact's name as kept in ``folded_key``: trimmed, lower case (names clash whatever their case)."""
    return str(value).strip().lower()


def index_keys(kind: str, document: Document, key: str | None) -> IndexKeys:
    """The keys ``document`` is kept under. ``key`` is the caller's exact handle (a code, number or tax
    type; None for a deleted account); a contact's is its ContactNumber, whatever is passed. The keys only
    narrow a look-up: whoever reads through them still checks the document itself."""
    if kind == "Contact":
        return IndexKeys(
            contact_number_key(document.get("ContactNumber")), contact_name_key(document.get("Name", ""))
        )
    number_field = NUMBERED.get(kind)
    if number_field is None:
        return IndexKeys(key)
    number = document.get(number_field)
    contact = document.get("Contact")
    contact_id = contact.get("ContactID") if isinstance(contact, dict) else None
    return IndexKeys(
        key,
        None if number is None else str(number).lower(),
        str(contact_id).lower() if contact_id else None,
    )


class Records:
    """Read and write one organisation's records of every kind (``Account``, ``Invoice``, ...)."""

    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session = session
        self.tenant_id = tenant_id
        self._next_sequence: int | None = None

    def _row(self, kind: str, record_id: str) -> XeroRecord | None:
        return self.session.get(XeroRecord, (self.tenant_id, kind, record_id.lower()))

    def get(self, kind: str, record_id: str) -> Document | None:
        row = self._row(kind, record_id)
        return None if row is None else load_document(row.document)

    def find(self, kind: str, key: str) -> Document | None:
        """The record whose code / number / tax type is ``key`` (exact), preferring the newest."""
        rows = self._keyed(kind, XeroRecord.lookup_key, [key])
        return load_document(max(rows, key=lambda row: row.sequence).document) if rows else None

    def all_with_key(self, kind: str, key: str) -> list[Document]:
        """Every record of ``kind`` whose code / number / tax type is ``key`` (exact), through the lookup
        index: what a uniqueness check reads, however many records the organisation holds."""
        return [load_document(row.document) for row in self._keyed(kind, XeroRecord.lookup_key, [key])]

    def all(self, kind: str, *, modified_since: dt.datetime | None = None) -> list[Document]:
        """Every record of ``kind`` in Xero's default order: UpdatedDateUTC, then creation."""
        query = select(XeroRecord.document).where(
            XeroRecord.tenant_id == self.tenant_id, XeroRecord.kind == kind
        )
        if modified_since is not None:
            # Second precision, at or after (reference 5.13).
            query = query.where(XeroRecord.updated_utc >= modified_since.replace(microsecond=0))
        query = query.order_by(XeroRecord.updated_utc, XeroRecord.sequence)
        return [load_document(text) for text in self.session.scalars(query)]

    def matching(
        self,
        kind: str,
        *,
        keys: Collection[str] = (),
        folded_keys: Collection[str] = (),
        contact_keys: Collection[str] = (),
        modified_since: dt.datetime | None = None,
    ) -> list[Document]:
        """The records of ``kind`` kept under any of ``keys`` (``lookup_key``), ``folded_keys`` or
        ``contact_keys``, in Xero's default order (as ``all``), read through their indexes.

        A narrowing, not a filter: the caller still checks each document (a list longer than ``MOST_KEYS``
        reads every record of the kind instead).
        """
        wanted = [
            (column, list(dict.fromkeys(values)))
            for column, values in (
                (XeroRecord.lookup_key, keys),
                (XeroRecord.folded_key, folded_keys),
                (XeroRecord.contact_key, contact_keys),
            )
            if values
        ]
        if sum(len(values) for _, values in wanted) > MOST_KEYS:
            return self.all(kind, modified_since=modified_since)
        rows = {row.record_id: row for column, values in wanted for row in self._keyed(kind, column, values)}
        since = None if modified_since is None else modified_since.replace(microsecond=0)
        ordered = sorted(
            (row for row in rows.values() if since is None or row.updated_utc >= since),
            key=lambda row: (row.updated_utc, row.sequence),
        )
        return [load_document(row.document) for row in ordered]

    def _keyed(
        self, kind: str, column: InstrumentedAttribute[str | None], values: list[str]
    ) -> list[Row[Any]]:
        """The rows of ``kind`` whose ``column`` is one of ``values``. One column per statement and no
        ORDER BY, so that SQLite reads them through that column's index: asked to sort by UpdatedDateUTC
        or sequence, its planner, having no statistics, would rather walk every record of the kind in
        that order (the callers sort the few rows found)."""
        query = select(
            XeroRecord.record_id, XeroRecord.updated_utc, XeroRecord.sequence, XeroRecord.document
        ).where(XeroRecord.tenant_id == self.tenant_id, XeroRecord.kind == kind, column.in_(values))
        return list(self.session.execute(query))

    def count(self, kind: str) -> int:
        return int(
            self.session.scalar(
                select(func.count()).where(XeroRecord.tenant_id == self.tenant_id, XeroRecord.kind == kind)
            )
            or 0
        )

    def _stamp(self, kind: str, document: Document, now: dt.datetime) -> None:
        document["UpdatedDateUTC"] = wire.msdate(now)
        if "UpdatedDateUTCString" in document or kind in {"Invoice", "CreditNote", "Payment"}:
            document["UpdatedDateUTCString"] = wire.iso_utc_string(now)

    def _take_sequence(self, count: int) -> int:
        """The first of ``count`` creation numbers, in this organisation's order."""
        if self._next_sequence is None:
            highest = self.session.scalar(
                select(func.max(XeroRecord.sequence)).where(XeroRecord.tenant_id == self.tenant_id)
            )
            self._next_sequence = (highest or 0) + 1
        first = self._next_sequence
        self._next_sequence += count
        return first

    def add_all(
        self, kind: str, documents: Sequence[tuple[str, Document, str | None]], *, now: dt.datetime
    ) -> None:
        """Insert new records in one statement: ``(record_id, document, key)`` each, stamped ``now``, in the
        order given. For seeding many at once; the ids must not be taken yet."""
        first = self._take_sequence(len(documents))
        rows = []
        for offset, (record_id, document, key) in enumerate(documents):
            self._stamp(kind, document, now)
            keys = index_keys(kind, document, key)
            rows.append(
                {
                    "tenant_id": self.tenant_id,
                    "kind": kind,
                    "record_id": record_id.lower(),
                    "lookup_key": keys.lookup,
                    "folded_key": keys.folded,
                    "contact_key": keys.contact,
                    "updated_utc": now,
                    "sequence": first + offset,
                    "document": dump_json(document),
                }
            )
        if rows:
            self.session.execute(insert(XeroRecord), rows)

    def save(
        self,
        kind: str,
        record_id: str,
        document: Document,
        *,
        now: dt.datetime,
        key: str | None = None,
        touch: bool = True,
    ) -> Document:
        """Insert or replace a record; ``touch`` stamps ``UpdatedDateUTC`` (and its ISO twin if present).
        ``key`` is its exact handle (see ``index_keys``)."""
        row = self._row(kind, record_id)
        if touch or row is None:
            self._stamp(kind, document, now)
        updated = now if (touch or row is None) else row.updated_utc
        text = dump_json(document)
        keys = index_keys(kind, document, key)
        if row is None:
            sequence = self._take_sequence(1)
            self.session.add(
                XeroRecord(
                    tenant_id=self.tenant_id,
                    kind=kind,
                    record_id=record_id.lower(),
                    lookup_key=keys.lookup,
                    folded_key=keys.folded,
                    contact_key=keys.contact,
                    updated_utc=updated,
                    sequence=sequence,
                    document=text,
                )
            )
        else:
            row.lookup_key = keys.lookup
            row.folded_key = keys.folded
            row.contact_key = keys.contact
            row.updated_utc = updated
            row.document = text
        return document


#: Which keys ``index_keys`` gives; a state file whose ``xero.record_keys`` setting differs (or is missing,
#: as in files made before contacts and documents had more than one key) has its keys worked out again.
RECORD_KEYS_VERSION = "2"
RECORD_KEYS_SETTING = "xero.record_keys"


def rebuild_index_keys(session: Session) -> int:
    """Work out again the keys of every contact, invoice and credit note in the state file (any
    organisation) from its document; returns how many rows changed. Invoices and credit notes keep the
    rule every save follows: their number, if they have one, is their ``lookup_key``."""
    changed: list[dict[str, Any]] = []
    query = select(
        XeroRecord.tenant_id,
        XeroRecord.kind,
        XeroRecord.record_id,
        XeroRecord.lookup_key,
        XeroRecord.folded_key,
        XeroRecord.contact_key,
        XeroRecord.document,
    ).where(XeroRecord.kind.in_(["Contact", *NUMBERED]))
    for tenant_id, kind, record_id, lookup, folded, contact, text in session.execute(query):
        document = load_document(text)
        number_field = NUMBERED.get(kind)
        key = (document.get(number_field) or None) if number_field else None
        keys = index_keys(kind, document, None if key is None else str(key))
        if (keys.lookup, keys.folded, keys.contact) != (lookup, folded, contact):
            changed.append(
                {
                    "tenant_id": tenant_id,
                    "kind": kind,
                    "record_id": record_id,
                    "lookup_key": keys.lookup,
                    "folded_key": keys.folded,
                    "contact_key": keys.contact,
                }
            )
    if changed:
        # Bulk UPDATE by primary key: one statement run for every changed row.
        session.execute(update(XeroRecord), changed)
    return len(changed)


def ensure_index_keys(store: SandboxStore) -> None:
    """Bring the keys of a state file made by an earlier version up to date (once; a fresh file has
    nothing to work out). The columns and indexes themselves are added by ``SandboxStore``."""
    with store.transaction() as session:
        if store.setting(session, RECORD_KEYS_SETTING) == RECORD_KEYS_VERSION:
            return
        rebuild_index_keys(session)
        store.put_setting(session, RECORD_KEYS_SETTING, RECORD_KEYS_VERSION)
