"""The count of failures still to fix (the status bar's "N to fix"): the same rule as the Sync Log's
"Only failures still to fix", for one package, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

from app.db import Database
from app.models import AccountingPackage, SyncDirection, SyncJournalEntry, SyncOutcome, SyncRecordType
from app.services.sync_log import SyncLogFilter, sync_log, unresolved_failure_count

XERO, QBO = AccountingPackage.XERO, AccountingPackage.QUICKBOOKS_ONLINE


def attempt(
    package: AccountingPackage, outcome: SyncOutcome, *, resolved: bool = False, days_ago: int = 0
) -> SyncJournalEntry:
    now = dt.datetime.now(dt.UTC)
    return SyncJournalEntry(
        run_id="run-1",
        package=package,
        tenant_id="t-1",
        at=now - dt.timedelta(days=days_ago),
        record_type=SyncRecordType.INVOICE,
        local_id=7,
        record_label="Invoice INV-1007 (Harbourside Cafe)",
        direction=SyncDirection.PUSH,
        action="create",
        outcome=outcome,
        message="Xero does not accept account 999 on this document.",
        resolved_at=now if resolved else None,
    )


def test_failures_to_fix_are_counted_as_the_sync_log_shows_them(database: Database) -> None:
    with database.session_factory() as session, session.begin():
        session.add_all(
            [
                attempt(XERO, SyncOutcome.FAILED),
                attempt(XERO, SyncOutcome.FAILED, days_ago=400),  # however old
                attempt(XERO, SyncOutcome.FAILED, resolved=True),  # a later attempt succeeded
                attempt(XERO, SyncOutcome.RETRYING),
                attempt(XERO, SyncOutcome.SKIPPED),
                attempt(XERO, SyncOutcome.SUCCEEDED),
                attempt(QBO, SyncOutcome.FAILED),  # another package's
            ]
        )
    with database.session_factory() as session:
        assert unresolved_failure_count(session, XERO) == 2
        assert unresolved_failure_count(session, QBO) == 1
        assert unresolved_failure_count(session, AccountingPackage.MYOB_ESSENTIALS) == 0
        shown = sync_log(session, SyncLogFilter(package=XERO, unresolved_failures_only=True))
        assert len(shown) == unresolved_failure_count(session, XERO)
