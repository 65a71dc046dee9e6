"""Exactly once, proved: a sync killed at the worst moment, then run again, creates nothing twice and loses
nothing; the same with Xero's idempotency window over; a crash between pushing a payment and storing its id;
and a 1,000-invoice push through 429 bursts, 500s, timeouts and connections dropped after the commit.

The killed syncs are real ``ledgerbridge sync`` processes, killed with SIGKILL while the sandbox holds the
answer to a batch it has already committed.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.integrations.sandbox.faults import Fault, FaultKind
from app.models import (
    Invoice,
    Payment,
    PaymentMethod,
    SyncDirection,
    SyncJournalEntry,
    SyncOutcome,
    SyncRecord,
    SyncRecordType,
)
from app.services.invoices import record_payment
from app.sync.engine import SyncOptions
from tests.integration.connections.conftest import ROOT, cli_env
from tests.integration.sync.conftest import QUICK_RETRY, TODAY, Books, Business, XeroHolds

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")

IDEMPOTENCY_WINDOW_SECONDS = 360


def _start_sync(books: Books) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "main.py"),
            "--db",
            books.database.url,
            "--sandbox",
            books.sandbox.base_url,
            "sync",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=cli_env(),
        cwd=ROOT,
    )


def _run_sync(books: Books) -> tuple[int, str]:
    process = _start_sync(books)
    out, err = process.communicate(timeout=240)
    return process.returncode, out + err


def _linked(books: Books, record_type: SyncRecordType) -> dict[int, str]:
    with books.factory() as session:
        return {
            link.local_id: link.remote_id or ""
            for link in session.scalars(
                select(SyncRecord).where(
                    SyncRecord.record_type == record_type, SyncRecord.remote_id.is_not(None)
                )
            )
        }


def _wait_until(condition: object, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.01)
    pytest.fail(f"timed out waiting for {what}")


def _kill_while_a_committed_batch_is_held(books: Books, *, after_linked: int) -> None:
    """Start ``ledgerbridge sync``; once ``after_linked`` invoices are linked, hold the next invoice batch's
    answer after Xero has committed it, and kill the process while it waits for that answer."""
    process = _start_sync(books)
    try:
        _wait_until(
            lambda: len(_linked(books, SyncRecordType.INVOICE)) >= after_linked or process.poll() is not None,
            timeout=120,
            what=f"{after_linked} invoices to be linked",
        )
        assert process.poll() is None, process.communicate()
        books.sandbox.add_fault(Fault(FaultKind.HOLD, times=1, method="PUT", path="/Invoices$"))
        assert books.sandbox.wait_for_held(1, timeout=60), "no invoice batch reached the sandbox"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
        books.sandbox.release_held()


def _assert_exactly_once(books: Books, business: Business, xero_holds: XeroHolds, ids: list[int]) -> None:
    numbers = {invoice_id: business.number(invoice_id) for invoice_id in ids}
    held = Counter(
        d["InvoiceNumber"] for d in xero_holds.invoices() if d["InvoiceNumber"] in set(numbers.values())
    )
    duplicates = {number: count for number, count in held.items() if count > 1}
    lost = [number for number in numbers.values() if held[number] == 0]
    assert duplicates == {} and lost == []
    by_number = {d["InvoiceNumber"]: d["InvoiceID"] for d in xero_holds.invoices()}
    linked = _linked(books, SyncRecordType.INVOICE)
    assert {invoice_id: linked.get(invoice_id) for invoice_id in ids} == {
        invoice_id: by_number[number] for invoice_id, number in numbers.items()
    }


def _journal_count(books: Books, action: str, outcome: SyncOutcome | None = None) -> int:
    with books.factory() as session:
        query = select(func.count()).select_from(SyncJournalEntry).where(SyncJournalEntry.action == action)
        if outcome is not None:
            query = query.where(SyncJournalEntry.outcome == outcome)
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize("window", ["within the idempotency window", "after the idempotency window"])
def test_a_sync_killed_after_xero_committed_a_batch_then_run_again_creates_each_invoice_once(
    books: Books, business: Business, xero_holds: XeroHolds, window: str
) -> None:
    ids = business.many_invoices(500, customers=25)

    _kill_while_a_committed_batch_is_held(books, after_linked=100)

    linked_before = len(_linked(books, SyncRecordType.INVOICE))
    in_xero_before = len(xero_holds.invoices()) - 40  # the sandbox's own seeded sales invoices
    assert linked_before >= 100
    assert in_xero_before >= linked_before + 50, "a committed batch should be in Xero but not recorded here"
    if window.startswith("after"):
        books.sandbox.clock.advance(IDEMPOTENCY_WINDOW_SECONDS + 60)

    code, output = _run_sync(books)

    assert code == 0, output
    _assert_exactly_once(books, business, xero_holds, ids)
    # The batch whose answer was lost was found by looking it up, not sent again.
    assert _journal_count(books, "look up", SyncOutcome.SUCCEEDED) >= 50


def test_a_crash_after_a_payment_is_pushed_before_its_id_is_stored_leaves_one_payment_each_side(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Kestrel Joinery"), [("Labour", "4", "110.00")])
    books.sync()
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        assert invoice is not None
        payment_id = record_payment(session, invoice, amount=Decimal("150.00"), date=TODAY, method=eft).id
    books.sandbox.add_fault(Fault(FaultKind.HOLD, times=1, method="PUT", path="/Payments$"))
    process = _start_sync(books)
    try:
        assert books.sandbox.wait_for_held(1, timeout=60), "the payment never reached the sandbox"
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        process.communicate(timeout=30)
        books.sandbox.release_held()
    xero_id = xero_holds.invoice(business.number(invoice_id))["InvoiceID"]
    assert len(xero_holds.payments(xero_id)) == 1
    assert payment_id not in _linked(books, SyncRecordType.PAYMENT)  # pushed, but its id not stored

    code, output = _run_sync(books)

    assert code == 0, output
    assert [p["Reference"] for p in xero_holds.payments(xero_id)] == [f"LB-P{payment_id}"]
    with books.factory() as session:
        here = list(session.scalars(select(Payment).where(Payment.invoice_id == invoice_id)))
    assert [(p.id, p.deleted) for p in here] == [(payment_id, False)]
    assert _linked(books, SyncRecordType.PAYMENT) == {
        payment_id: xero_holds.payments(xero_id)[0]["PaymentID"]
    }


def test_a_payment_whose_answer_was_lost_is_looked_up_not_sent_twice(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    invoice_id = business.invoice(business.customer("Marlin Bay Charters"), [("Labour", "2", "110.00")])
    books.sync()
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        assert invoice is not None
        payment_id = record_payment(session, invoice, amount=Decimal("20.00"), date=TODAY, method=eft).id
    books.sandbox.add_fault(Fault(FaultKind.DROP, times=1, method="PUT", path="/Payments$"))

    # Without the payments check, only the look-up by invoice, our Reference and the amount can find it.
    summary = books.sync(SyncOptions(retry=QUICK_RETRY, pull_payments=False))

    assert summary.linked[SyncRecordType.PAYMENT] == 1 and summary.sent[SyncRecordType.PAYMENT] == 0
    xero_id = xero_holds.invoice(business.number(invoice_id))["InvoiceID"]
    assert [p["Reference"] for p in xero_holds.payments(xero_id)] == [f"LB-P{payment_id}"]


def test_a_thousand_invoices_through_rate_limits_server_errors_timeouts_and_dropped_answers(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    ids = business.many_invoices(1000, customers=40)
    for fault in (
        Fault(FaultKind.RATE_LIMITED, times=3, method="PUT", path="/Invoices$", retry_after=1),
        Fault(FaultKind.SERVER_ERROR, times=2, method="PUT", path="/Invoices$"),
        Fault(FaultKind.UNAVAILABLE, times=1, method="PUT", path="/Invoices$"),
        Fault(FaultKind.SLOW, times=2, method="PUT", path="/Invoices$", seconds=6.0),  # past the 5 s timeout
        Fault(FaultKind.DROP, times=2, method="PUT", path="/Invoices$"),
        Fault(FaultKind.RATE_LIMITED, times=2, method="PUT", path="/Contacts$", retry_after=1),
        Fault(FaultKind.DROP, times=1, method="PUT", path="/Contacts$"),
    ):
        books.sandbox.add_fault(fault)

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    assert books.sandbox.faults.list() == []  # every fault struck
    _assert_exactly_once(books, business, xero_holds, ids)
    assert summary.sent[SyncRecordType.INVOICE] + summary.linked[SyncRecordType.INVOICE] == 1000
    assert summary.linked[SyncRecordType.INVOICE] >= 4 * 50  # the four batches whose answers were lost
    # 40 contacts, each once, though one contact batch's answer was dropped.
    names = Counter(c["Name"] for c in xero_holds.contacts() if c["Name"].startswith("Bulk Customer"))
    assert len(names) == 40 and set(names.values()) == {1}
    # The journal tells the story: retries for each fault, look-ups for the lost answers, one success each.
    assert _journal_count(books, "create", SyncOutcome.RETRYING) >= 5 * 50
    assert _journal_count(books, "look up", SyncOutcome.SUCCEEDED) >= 4 * 50
    with books.factory() as session:
        succeeded = Counter(
            session.scalars(
                select(SyncJournalEntry.local_id).where(
                    SyncJournalEntry.record_type == SyncRecordType.INVOICE,
                    SyncJournalEntry.direction == SyncDirection.PUSH,
                    SyncJournalEntry.outcome == SyncOutcome.SUCCEEDED,
                )
            )
        )
        assert set(succeeded) == set(ids) and set(succeeded.values()) == {1}
        assert (
            session.scalar(
                select(func.count())
                .select_from(SyncJournalEntry)
                .where(SyncJournalEntry.outcome == SyncOutcome.FAILED, SyncJournalEntry.resolved_at.is_(None))
            )
            == 0
        )
