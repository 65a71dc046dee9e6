"""The sync journal: every attempt to move a record, as the Sync Log shows it, and the words it uses.

The engine writes through ``JournalWriter`` (in the same transaction as the links it records, so the
journal never claims what the database does not hold). A success clears the record's earlier failures
(``resolved_at``): an error clears itself when a later attempt succeeds.

The Sync Log screen reads through ``SyncJournal`` (over ``app.services.sync_log``): ``entries(filter)``,
``open_failures()``, ``retry_targets(rows)`` for "Retry" (records to pass to ``SyncEngine.run(only=...)``)
and ``export_csv``. ``plain_reason`` turns a package's message into words a bookkeeper can act on.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from app.models import (
    AccountingPackage,
    SyncDirection,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecordType,
)
from app.models.base import utcnow
from app.services.sync_log import DEFAULT_LIMIT, SyncLogFilter, SyncLogRow, export_sync_log_csv, sync_log

#: Journal actions, in the bookkeeper's words.
CREATE = "create"
UPDATE = "update"
VOID = "void"
DELETE = "delete"
ALLOCATE = "allocate"
LINK = "link"
LOOK_UP = "look up"
PAY = "record payment"
MATCH = "match"
RUN = "sync"


@dataclass(frozen=True)
class RecordKey:
    """A local record the sync moves: its type and id."""

    record_type: SyncRecordType
    local_id: int


# -- plain words --------------------------------------------------------------------------------------------

_MONEY_APPLIED = re.compile(
    r"cannot be edited as it has a payment or credit note allocated|has payments or credit notes allocated",
    re.IGNORECASE,
)
_REWORDED: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(r"Invoice # must be unique", re.IGNORECASE),
        "Xero already has an invoice with this number that LedgerBridge did not send. Give the invoice "
        "another number here, or remove the other one in Xero, then sync again.",
    ),
    (
        re.compile(r"Account code '([^']*)' is not a valid code", re.IGNORECASE),
        "Xero does not accept account {0} on this document (it may be archived, deleted or a bank account). "
        "Choose another account in Accounts Integration, or refresh the chart of accounts.",
    ),
    (
        re.compile(r"The TaxType code '([^']*)' (?:does not exist|cannot be used)", re.IGNORECASE),
        "Xero does not accept the tax rate {0} here. Refresh the chart of accounts, or choose the tax rate "
        "again on the line.",
    ),
    (
        re.compile(
            r"document date cannot be before the period lock date, currently set at (.+?)\.?$", re.IGNORECASE
        ),
        "Xero's books are locked up to {0}, so Xero refuses a document dated then. Ask your accountant to "
        "move the lock date in Xero, or date the document after it.",
    ),
    (
        re.compile(r"has been archived.*un-archived", re.IGNORECASE),
        "The customer's contact is archived in Xero. Restore it in Xero (Contacts), then sync again.",
    ),
    (
        re.compile(r"payment amount exceeds the amount outstanding", re.IGNORECASE),
        "Xero says the invoice owes less than this payment: a payment may already be recorded there. "
        "Check the invoice in Xero; the next payments check brings Xero's payments here.",
    ),
    (
        re.compile(r"Payments can only be made against authorised documents", re.IGNORECASE),
        "Xero only takes payments on approved invoices, and this one is not approved (or is voided) there.",
    ),
    (
        re.compile(r"invoice you are trying to allocate to has already been paid off", re.IGNORECASE),
        "Xero shows the invoice as paid already, so the credit cannot be applied to it. Check the payments "
        "on the invoice in Xero; the credit is tried again at each sync.",
    ),
    (
        re.compile(r"cannot be allocated as amount is greater than amount outstanding", re.IGNORECASE),
        "Xero says the invoice owes less than this credit (a payment may be recorded there). Check the "
        "invoice in Xero; the credit is tried again at each sync.",
    ),
    (
        re.compile(r"Item code '([^']*)' is not valid", re.IGNORECASE),
        "Xero has no item with code {0}. Turn 'Push Invoice Lines as Items' off and on again, or create "
        "the item in Xero.",
    ),
    (
        re.compile(r"contact name (.+) is already assigned to another contact", re.IGNORECASE),
        "Xero already has a contact called {0}. Match the customer to it in Customers -> Import from "
        "Accounting Package, then sync again.",
    ),
)


def plain_reason(message: str, *, voiding: bool = False) -> str:
    """The package's message in words a bookkeeper can act on (the original when not recognised)."""
    text = message.strip()
    if _MONEY_APPLIED.search(text) or (voiding and "not of valid status for modification" in text):
        if voiding:
            return (
                "Xero holds a payment or credit against this invoice, so it cannot be voided: remove the "
                "payment in Xero first (the void is tried again at each sync)."
            )
        return (
            "Xero does not allow changing the amounts of an invoice that has a payment or credit note "
            "applied. Remove the payment in Xero first, or raise a credit note here instead (this change is "
            "tried again at each sync)."
        )
    for pattern, words in _REWORDED:
        found = pattern.search(text)
        if found:
            return words.format(*found.groups())
    return text


# -- writing ------------------------------------------------------------------------------------------------


@dataclass
class _Pending:
    record_type: SyncRecordType
    local_id: int | None
    record_label: str
    direction: SyncDirection
    action: str
    outcome: SyncOutcome
    message: str
    remote_id: str | None
    at: dt.datetime


class JournalWriter:
    """Collects one run's journal rows and writes them in the caller's transaction (``flush``)."""

    def __init__(self, run_id: str, package: AccountingPackage, tenant_id: str) -> None:
        self.run_id = run_id
        self.package = package
        self.tenant_id = tenant_id
        self._pending: list[_Pending] = []
        self.counts: dict[SyncOutcome, int] = {outcome: 0 for outcome in SyncOutcome}

    def add(
        self,
        record_type: SyncRecordType,
        local_id: int | None,
        label: str,
        *,
        action: str,
        outcome: SyncOutcome,
        message: str = "",
        remote_id: str | None = None,
        direction: SyncDirection = SyncDirection.PUSH,
        at: dt.datetime | None = None,
    ) -> None:
        self._pending.append(
            _Pending(
                record_type,
                local_id,
                label[:255],
                direction,
                action[:30],
                outcome,
                message,
                remote_id,
                at or utcnow(),
            )
        )
        self.counts[outcome] += 1

    def flush(self, session: Session) -> None:
        """Write the collected rows; a success resolves the same record's earlier failures."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        session.add_all(
            SyncJournalEntry(
                run_id=self.run_id,
                package=self.package,
                tenant_id=self.tenant_id,
                at=row.at,
                record_type=row.record_type,
                local_id=row.local_id,
                record_label=row.record_label,
                direction=row.direction,
                action=row.action,
                outcome=row.outcome,
                message=row.message,
                remote_id=row.remote_id,
            )
            for row in pending
        )
        succeeded: dict[SyncRecordType, set[int]] = {}
        for row in pending:
            if row.outcome is SyncOutcome.SUCCEEDED and row.local_id is not None:
                succeeded.setdefault(row.record_type, set()).add(row.local_id)
        session.flush()
        now = utcnow()
        for record_type, ids in succeeded.items():
            ordered = sorted(ids)
            for start in range(0, len(ordered), 500):
                session.execute(
                    update(SyncJournalEntry)
                    .where(
                        SyncJournalEntry.package == self.package,
                        SyncJournalEntry.record_type == record_type,
                        SyncJournalEntry.local_id.in_(ordered[start : start + 500]),
                        SyncJournalEntry.outcome.in_([SyncOutcome.FAILED, SyncOutcome.RETRYING]),
                        SyncJournalEntry.resolved_at.is_(None),
                    )
                    .values(resolved_at=now)
                    .execution_options(synchronize_session=False)
                )


# -- reading (the Sync Log) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SyncJournal:
    """One package's journal for the Sync Log screen, over ``app.services.sync_log`` (its filter, rows and
    CSV export); each call is one short read."""

    session_factory: sessionmaker[Session]
    package: AccountingPackage

    def entries(
        self, criteria: SyncLogFilter | None = None, *, limit: int = DEFAULT_LIMIT
    ) -> list[SyncLogRow]:
        """Newest first."""
        wanted = replace(criteria or SyncLogFilter(), package=self.package)
        with self.session_factory() as session:
            return sync_log(session, wanted, limit=limit)

    def open_failures(self) -> list[SyncLogRow]:
        """Failures no later attempt has cleared: what the bookkeeper still has to look at."""
        return self.entries(SyncLogFilter(unresolved_failures_only=True))

    def export_csv(self, rows: list[SyncLogRow], path: Path) -> int:
        return export_sync_log_csv(rows, path)

    @staticmethod
    def retry_targets(rows: Iterable[SyncLogRow]) -> list[RecordKey]:
        """The records to send again for "Retry" on these rows (pass to ``SyncEngine.run(only=...)``)."""
        keys: dict[RecordKey, None] = {}
        for row in rows:
            if row.can_retry and row.direction is SyncDirection.PUSH and row.local_id is not None:
                keys[RecordKey(row.record_type, row.local_id)] = None
        return list(keys)
