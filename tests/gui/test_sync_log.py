"""The Sync Log screen: filters, the package's message, retry of a failed row, CSV export."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app.db import Database
from app.models import (
    AccountingPackage,
    SyncDirection,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecordType,
)
from app.services.sync_log import SyncLogRow
from app.views.sync_log_view import SyncLogView

NOW = dt.datetime.now(dt.UTC)


def entry(
    label: str,
    outcome: SyncOutcome,
    *,
    days_ago: int = 0,
    record_type: SyncRecordType = SyncRecordType.INVOICE,
    direction: SyncDirection = SyncDirection.PUSH,
    message: str = "",
    local_id: int | None = 1,
    resolved: bool = False,
) -> SyncJournalEntry:
    return SyncJournalEntry(
        run_id="run-1",
        package=AccountingPackage.XERO,
        tenant_id="t",
        at=NOW - dt.timedelta(days=days_ago),
        record_type=record_type,
        local_id=local_id,
        record_label=label,
        direction=direction,
        action="create",
        outcome=outcome,
        message=message,
        resolved_at=NOW if resolved else None,
    )


@pytest.fixture
def journal(sqlite_database: Database) -> Database:
    with sqlite_database.session_factory() as session, session.begin():
        session.add_all(
            [
                entry("Invoice LB-5001 (Harbour Plumbing)", SyncOutcome.SUCCEEDED),
                entry(
                    "Invoice LB-5002 (Ryde Clinic)",
                    SyncOutcome.FAILED,
                    message="Account code '999' is not a valid code for this document.",
                    local_id=2,
                ),
                entry(
                    "Invoice LB-4000 (Old Co)",
                    SyncOutcome.FAILED,
                    days_ago=40,
                    message="Old failure",
                    local_id=3,
                    resolved=True,
                ),
                entry(
                    "Payment for LB-5001",
                    SyncOutcome.SUCCEEDED,
                    record_type=SyncRecordType.PAYMENT,
                    direction=SyncDirection.PULL,
                ),
            ]
        )
    return sqlite_database


def shown(view: SyncLogView) -> list[str]:
    return [view.proxy.index(r, 1).data() for r in range(view.proxy.rowCount())]


def test_lists_every_attempt_with_the_packages_message(qtbot, qtmodeltester, journal: Database) -> None:  # type: ignore[no-untyped-def]
    view = SyncLogView(journal.session_factory)
    qtbot.addWidget(view)
    view.refresh()
    qtmodeltester.check(view.model)
    assert len(shown(view)) == 4
    row = next(r for r in range(4) if view.proxy.index(r, 1).data().startswith("Invoice LB-5002"))
    assert view.proxy.index(row, 5).data() == "Failed"
    assert view.proxy.index(row, 5).data(Qt.ItemDataRole.ForegroundRole).name() == "#b00020"
    assert "not a valid code" in view.proxy.index(row, 6).data()
    old = next(r for r in range(4) if view.proxy.index(r, 1).data().startswith("Invoice LB-4000"))
    assert view.proxy.index(old, 5).data() == "Failed, since fixed"


def test_filters_by_type_direction_outcome_date_and_attention(qtbot, journal: Database) -> None:  # type: ignore[no-untyped-def]
    view = SyncLogView(journal.session_factory)
    qtbot.addWidget(view)
    view.refresh()
    view.type_box.setCurrentIndex(view.type_box.findData(SyncRecordType.PAYMENT))
    assert shown(view) == ["Payment for LB-5001"]
    view.type_box.setCurrentIndex(0)
    view.direction_box.setCurrentIndex(view.direction_box.findData(SyncDirection.PUSH))
    assert len(shown(view)) == 3
    view.outcome_box.setCurrentIndex(view.outcome_box.findData(SyncOutcome.FAILED))
    assert len(shown(view)) == 2
    view.period_box.setCurrentIndex(view.period_box.findText("Last 30 days"))
    assert shown(view) == ["Invoice LB-5002 (Ryde Clinic)"]
    view.period_box.setCurrentIndex(0)
    view.outcome_box.setCurrentIndex(0)
    view.attention_check.setChecked(True)
    assert shown(view) == ["Invoice LB-5002 (Ryde Clinic)"]
    view.attention_check.setChecked(False)
    view.filter_edit.setText("valid code")
    assert shown(view) == ["Invoice LB-5002 (Ryde Clinic)"]


def test_retry_is_offered_only_for_unfixed_failures_and_calls_the_engine(qtbot, journal: Database) -> None:  # type: ignore[no-untyped-def]
    retried: list[SyncLogRow] = []

    def retry(row: SyncLogRow) -> str:
        retried.append(row)
        return f"{row.record_label} will be sent again now."

    view = SyncLogView(journal.session_factory)
    qtbot.addWidget(view)
    view.refresh()
    view.attention_check.setChecked(True)
    view.table.selectRow(0)
    assert not view.retry_button.isEnabled()  # nothing connected yet
    view.set_retry(retry)
    view.table.selectRow(0)
    assert view.retry_button.isEnabled()
    view.retry_button.click()
    assert [r.local_id for r in retried] == [2]
    assert view.message.text() == "Invoice LB-5002 (Ryde Clinic) will be sent again now."
    view.attention_check.setChecked(False)
    fixed = next(r for r in range(4) if view.proxy.index(r, 1).data().startswith("Invoice LB-4000"))
    view.table.selectRow(fixed)
    assert not view.retry_button.isEnabled()


def test_export_writes_the_rows_shown(qtbot, journal: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "log.csv"
    view = SyncLogView(journal.session_factory, choose_export_path=lambda: target)
    qtbot.addWidget(view)
    view.refresh()
    view.outcome_box.setCurrentIndex(view.outcome_box.findData(SyncOutcome.FAILED))
    view.export_button.click()
    with target.open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert rows[0][:3] == ["When", "Package", "Record"]
    assert sorted(r[2] for r in rows[1:]) == ["Invoice LB-4000 (Old Co)", "Invoice LB-5002 (Ryde Clinic)"]
    assert "Saved 2 rows" in view.message.text()


def test_an_unwritable_export_says_so(qtbot, journal: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = SyncLogView(journal.session_factory, choose_export_path=lambda: tmp_path / "missing" / "log.csv")
    qtbot.addWidget(view)
    view.refresh()
    view.export_button.click()
    assert view.message.is_refusal
    assert "could not be saved" in view.message.text()
