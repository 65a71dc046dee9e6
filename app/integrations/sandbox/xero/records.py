"""Accounting records of one organisation, kept as Xero JSON documents in the state file."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.integrations.sandbox.web import dump_json
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.tables import XeroRecord

Document = dict[str, Any]


def load_document(text: str) -> Document:
    document = json.loads(text, parse_float=Decimal)
    assert isinstance(document, dict)
    return document


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
        row = self.session.scalar(
            select(XeroRecord)
            .where(
                XeroRecord.tenant_id == self.tenant_id, XeroRecord.kind == kind, XeroRecord.lookup_key == key
            )
            .order_by(XeroRecord.sequence.desc())
            .limit(1)
        )
        return None if row is None else load_document(row.document)

    def all_with_key(self, kind: str, key: str) -> list[Document]:
        """Every record of ``kind`` whose code / number / tax type is ``key`` (exact), through the lookup
        index: what a uniqueness check reads, however many records the organisation holds."""
        query = select(XeroRecord.document).where(
            XeroRecord.tenant_id == self.tenant_id, XeroRecord.kind == kind, XeroRecord.lookup_key == key
        )
        return [load_document(text) for text in self.session.scalars(query)]

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
            rows.append(
                {
                    "tenant_id": self.tenant_id,
                    "kind": kind,
                    "record_id": record_id.lower(),
                    "lookup_key": key,
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
        """Insert or replace a record; ``touch`` stamps ``UpdatedDateUTC`` (and its ISO twin if present)."""
        row = self._row(kind, record_id)
        if touch or row is None:
            self._stamp(kind, document, now)
        updated = now if (touch or row is None) else row.updated_utc
        text = dump_json(document)
        if row is None:
            sequence = self._take_sequence(1)
            self.session.add(
                XeroRecord(
                    tenant_id=self.tenant_id,
                    kind=kind,
                    record_id=record_id.lower(),
                    lookup_key=key,
                    updated_utc=updated,
                    sequence=sequence,
                    document=text,
                )
            )
        else:
            row.lookup_key = key
            row.updated_utc = updated
            row.document = text
        return document
