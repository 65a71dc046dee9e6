"""The Sync Log: what was sent to or received from the package, filtered, and exported to CSV."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from app.models import (
    AccountingPackage,
    SyncDirection,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecordType,
)

#: The most recent attempts a screen loads at once; older ones are reached by narrowing the dates.
DEFAULT_LIMIT = 5000


@dataclass(frozen=True)
class SyncLogFilter:
    record_type: SyncRecordType | None = None
    direction: SyncDirection | None = None
    outcome: SyncOutcome | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None  # inclusive
    package: AccountingPackage | None = None
    unresolved_failures_only: bool = False


@dataclass(frozen=True)
class SyncLogRow:
    """One attempt, as the Sync Log shows it."""

    id: int
    at: dt.datetime
    package: AccountingPackage
    record_type: SyncRecordType
    local_id: int | None
    record_label: str
    direction: SyncDirection
    action: str
    outcome: SyncOutcome
    message: str
    remote_id: str | None
    resolved_at: dt.datetime | None

    @property
    def outcome_text(self) -> str:
        if self.outcome is SyncOutcome.FAILED and self.resolved_at is not None:
            return "Failed, since fixed"
        return self.outcome.label

    @property
    def can_retry(self) -> bool:
        return self.outcome is SyncOutcome.FAILED and self.resolved_at is None and self.local_id is not None


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of ``day`` on this computer's clock, in UTC (the log is read in local days)."""
    return dt.datetime.combine(day, dt.time.min).astimezone().astimezone(dt.UTC)


def _unresolved_failure() -> ColumnElement[bool]:
    """An attempt that failed and that no later attempt for the same record has put right (the journal
    sets ``resolved_at`` then)."""
    return and_(SyncJournalEntry.outcome == SyncOutcome.FAILED, SyncJournalEntry.resolved_at.is_(None))


def _query(criteria: SyncLogFilter) -> Select[SyncJournalEntry]:
    query = select(SyncJournalEntry)
    if criteria.package is not None:
        query = query.where(SyncJournalEntry.package == criteria.package)
    if criteria.record_type is not None:
        query = query.where(SyncJournalEntry.record_type == criteria.record_type)
    if criteria.direction is not None:
        query = query.where(SyncJournalEntry.direction == criteria.direction)
    if criteria.outcome is not None:
        query = query.where(SyncJournalEntry.outcome == criteria.outcome)
    if criteria.unresolved_failures_only:
        query = query.where(_unresolved_failure())
    if criteria.date_from is not None:
        query = query.where(SyncJournalEntry.at >= _local_midnight_utc(criteria.date_from))
    if criteria.date_to is not None:
        day_after = criteria.date_to + dt.timedelta(days=1)
        query = query.where(SyncJournalEntry.at < _local_midnight_utc(day_after))
    return query.order_by(SyncJournalEntry.at.desc(), SyncJournalEntry.id.desc())


def sync_log(session: Session, criteria: SyncLogFilter, *, limit: int = DEFAULT_LIMIT) -> list[SyncLogRow]:
    """The attempts matching ``criteria``, newest first (one query)."""
    return [
        SyncLogRow(
            id=entry.id,
            at=entry.at,
            package=entry.package,
            record_type=entry.record_type,
            local_id=entry.local_id,
            record_label=entry.record_label,
            direction=entry.direction,
            action=entry.action,
            outcome=entry.outcome,
            message=entry.message,
            remote_id=entry.remote_id,
            resolved_at=entry.resolved_at,
        )
        for entry in session.scalars(_query(criteria).limit(limit))
    ]


def unresolved_failure_count(session: Session, package: AccountingPackage) -> int:
    """How many of ``package``'s failures are still to fix, whenever they happened: what the Sync Log
    shows with "Only failures still to fix" for that package (one COUNT).

    No index fits it (``ix_sync_journal_record`` leads with the package only, so every attempt of the
    package is read): about 0.1 s for 100,000 attempts on SQLite, so read it off the GUI thread.
    """
    query = (
        select(func.count())
        .select_from(SyncJournalEntry)
        .where(SyncJournalEntry.package == package, _unresolved_failure())
    )
    return session.scalar(query) or 0


CSV_HEADER = ("When", "Package", "Record", "Type", "Direction", "Action", "Outcome", "Message", "Package id")


def export_sync_log_csv(rows: list[SyncLogRow], path: Path) -> int:
    """Write the rows to a CSV file a spreadsheet opens (UTF-8 with BOM); returns how many were written."""
    with path.open("w", newline="", encoding="utf-8-sig") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for row in rows:
            writer.writerow(
                (
                    row.at.astimezone().strftime("%Y-%m-%d %H:%M:%S"),
                    row.package.label,
                    row.record_label,
                    row.record_type.label,
                    row.direction.label,
                    row.action,
                    row.outcome_text,
                    row.message,
                    row.remote_id or "",
                )
            )
    return len(rows)
