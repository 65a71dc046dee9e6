"""What the sync engine remembers: each record's counterpart in the package, the journal, leases, cursors.

Keyed by package and tenant (organisation / company file), never by the ``connections`` row, so
disconnecting and reconnecting to the same organisation carries on with the same links and history.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, utcnow
from app.models.connections import AccountingPackage


class SyncRecordType(enum.StrEnum):
    CUSTOMER = "customer"
    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    SUPPLIER = "supplier"
    SUPPLIER_INVOICE = "supplier_invoice"
    EXPENSE = "expense"
    MATERIAL = "material"  # an item code in the package
    JOB_TYPE = "job_type"  # the labour item code of a job type

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class SyncState(enum.StrEnum):
    """Where one record stands with the package, in the words the lists show."""

    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"

    @property
    def label(self) -> str:
        return {
            SyncState.WAITING: "Waiting",
            SyncState.SENT: "Sent",
            SyncState.FAILED: "Failed",
            SyncState.NEEDS_REVIEW: "Needs review",
        }[self]


class SyncRecord(Base):
    """One local record and its counterpart in the package.

    ``remote_id`` is empty until the package has the record. ``pushed_revision`` is the record's
    ``revision`` that the package holds (0: none yet), so the record is due when its revision is higher.
    ``detail`` keeps package specifics as JSON text (e.g. the line ids of an invoice's lines).
    """

    __tablename__ = "sync_records"
    __table_args__ = (
        UniqueConstraint("package", "tenant_id", "record_type", "local_id"),
        Index("ix_sync_records_remote", "package", "tenant_id", "record_type", "remote_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage]
    tenant_id: Mapped[str] = mapped_column(String(64))
    record_type: Mapped[SyncRecordType]
    local_id: Mapped[int]
    remote_id: Mapped[str | None] = mapped_column(String(64), default=None)
    remote_version: Mapped[str | None] = mapped_column(String(64), default=None)
    pushed_revision: Mapped[int] = mapped_column(default=0)
    state: Mapped[SyncState] = mapped_column(default=SyncState.WAITING)
    #: The package's reason, in plain words, when the last attempt failed.
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    last_attempt_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    pushed_at: Mapped[dt.datetime | None] = mapped_column(default=None)
    detail: Mapped[str] = mapped_column(Text, default="")


class SyncDirection(enum.StrEnum):
    PUSH = "push"  # from LedgerBridge to the package
    PULL = "pull"  # from the package to LedgerBridge

    @property
    def label(self) -> str:
        return "To the package" if self is SyncDirection.PUSH else "From the package"


class SyncOutcome(enum.StrEnum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"  # a passing fault: the engine tries again (429, 5xx, timeout)
    SKIPPED = "skipped"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class SyncJournalEntry(Base):
    """One attempt to move one record, as the Sync Log shows it. Never edited, except ``resolved_at``:
    set when a later attempt for the same record succeeds, so an error clears itself."""

    __tablename__ = "sync_journal"
    __table_args__ = (
        Index("ix_sync_journal_record", "package", "record_type", "local_id"),
        Index("ix_sync_journal_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    package: Mapped[AccountingPackage]
    tenant_id: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    record_type: Mapped[SyncRecordType]
    local_id: Mapped[int | None] = mapped_column(default=None)
    #: How the bookkeeper knows the record, e.g. "Invoice LB-5001 (Harbour Plumbing)".
    record_label: Mapped[str] = mapped_column(String(255), default="")
    direction: Mapped[SyncDirection]
    #: What was attempted: create, update, void, delete, allocate, link, look up, ...
    action: Mapped[str] = mapped_column(String(30))
    outcome: Mapped[SyncOutcome]
    message: Mapped[str] = mapped_column(Text, default="")
    remote_id: Mapped[str | None] = mapped_column(String(64), default=None)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(default=None)


class SyncLease(Base):
    """Who is syncing a package now. One sync per package at a time, across processes: a run takes the
    lease if it is free or expired, renews ``expires_at`` with each heartbeat, and gives it up at the end;
    a killed run's lease simply lapses."""

    __tablename__ = "sync_leases"

    package: Mapped[AccountingPackage] = mapped_column(primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime]


class SyncCursor(Base):
    """How far an incremental pull has read one resource (e.g. Xero's If-Modified-Since)."""

    __tablename__ = "sync_cursors"
    __table_args__ = (UniqueConstraint("package", "tenant_id", "resource"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    package: Mapped[AccountingPackage]
    tenant_id: Mapped[str] = mapped_column(String(64))
    resource: Mapped[str] = mapped_column(String(50))
    since: Mapped[dt.datetime | None] = mapped_column(default=None)
    #: Free-form position where a timestamp is not enough (a page, a change token).
    position: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
