"""``ledgerbridge sync [--dry-run]``: a summary, and exit 0 all synced, 1 some failed, 2 could not sync."""

from __future__ import annotations

import pytest

from app.cli import main
from app.db import Database
from tests.integration.sync.conftest import Books, Business, XeroHolds


def _sync(books: Books, *extra: str) -> list[str]:
    return ["--db", books.database.url, "--sandbox", books.sandbox.base_url, "sync", *extra]


def test_sync_sends_what_is_due_then_nothing_and_exits_0(
    books: Books, business: Business, xero_holds: XeroHolds, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = business.customer("Seaview Motel")
    invoice = business.invoice(customer)

    assert main(_sync(books, "--dry-run")) == 0
    dry = capsys.readouterr().out
    assert (
        "Create: Invoice" in dry and "Seaview Motel" in dry and "Seaview Motel" in dry.split("contacts")[-1]
    )
    assert not xero_holds.invoices(business.number(invoice))  # a dry run sends nothing

    assert main(_sync(books)) == 0
    out = capsys.readouterr().out
    assert "Sent to Xero: 1 customer, 1 invoice." in out
    assert len(xero_holds.invoices(business.number(invoice))) == 1

    assert main(_sync(books)) == 0
    assert "nothing to send" in capsys.readouterr().out


def test_sync_exits_1_when_an_item_fails(
    books: Books, business: Business, capsys: pytest.CaptureFixture[str]
) -> None:
    customer = business.customer("Ocean Grove Pool Supplies")
    job_type = business.job_type("Pool fencing", income_code="999")
    business.invoice(customer, job_id=business.job(customer, job_type))

    assert main(_sync(books)) == 1
    assert "Failed: 1 invoice" in capsys.readouterr().out


def test_sync_exits_2_when_it_cannot_sync(
    books: Books, sqlite_database: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    books.sandbox.stop()  # Xero cannot be reached
    assert main(_sync(books)) == 2
    assert "Could not sync with Xero" in capsys.readouterr().out


def test_sync_without_a_connection_exits_2(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sync"]) == 2
    assert "not connected" in capsys.readouterr().err
