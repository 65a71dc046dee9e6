"""Connection health as the bookkeeper sees it: renewals, calls, and the warning before consent lapses."""

from __future__ import annotations

import datetime as dt

from app.db import Database
from app.models import ConnectionStatus
from app.services.connections import CONSENT_WARNING, ConnectionBook

NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)


def connect(book: ConnectionBook, at: dt.datetime) -> None:
    book.save_connected(package="xero", tenant_id="t-1", tenant_name="Demo Company (AU)", secret_key="xero/k",
                        scope="offline_access", sandbox=True, at=at)


def test_a_consent_about_to_lapse_is_warned_about_and_a_renewal_clears_it(database: Database) -> None:
    book = ConnectionBook(database.session_factory)
    connect(book, NOW - dt.timedelta(days=50))
    info = book.find("xero")
    assert info is not None
    # Xero drops a refresh token unused for 60 days: 10 days left is inside the 15-day warning.
    assert info.consent_lapses_at() == NOW + dt.timedelta(days=10)
    assert dt.timedelta(days=15) == CONSENT_WARNING
    warnings = info.warnings(NOW)
    assert len(warnings) == 1 and "drops LedgerBridge's access on" in warnings[0]
    assert not info.healthy(NOW)

    book.events_for("xero").refresh_token_renewed(NOW)
    renewed = book.find("xero")
    assert renewed is not None and renewed.healthy(NOW)
    assert renewed.consent_lapses_at() == NOW + dt.timedelta(days=60)


def test_needs_reconnecting_shows_its_sentence_until_a_renewal(database: Database) -> None:
    book = ConnectionBook(database.session_factory)
    connect(book, NOW)
    events = book.events_for("xero")
    events.needs_reconnecting("Xero no longer accepts LedgerBridge's sign-in. Reconnect to carry on.")
    info = book.find("xero")
    assert info is not None and info.status is ConnectionStatus.NEEDS_RECONNECTING
    assert info.warnings(NOW) == ["Xero no longer accepts LedgerBridge's sign-in. Reconnect to carry on."]
    events.refresh_token_renewed(NOW + dt.timedelta(minutes=1))
    info = book.find("xero")
    assert info is not None and info.connected and info.status_message == ""


def test_successful_calls_are_recorded_at_most_once_a_minute(database: Database) -> None:
    book = ConnectionBook(database.session_factory)
    connect(book, NOW)
    events = book.events_for("xero")
    events.call_succeeded(NOW)
    events.call_succeeded(NOW + dt.timedelta(seconds=30))
    info = book.find("xero")
    assert info is not None and info.last_successful_call_at == NOW
    events.call_succeeded(NOW + dt.timedelta(seconds=61))
    info = book.find("xero")
    assert info is not None and info.last_successful_call_at == NOW + dt.timedelta(seconds=61)
    events.payments_checked(NOW + dt.timedelta(minutes=5))
    info = book.find("xero")
    assert info is not None and info.payments_last_checked_at == NOW + dt.timedelta(minutes=5)


def test_reports_about_a_removed_connection_change_nothing(database: Database) -> None:
    book = ConnectionBook(database.session_factory)
    connect(book, NOW)
    events = book.events_for("xero")
    book.remove("xero")
    events.needs_reconnecting("gone")
    events.call_succeeded(NOW)
    assert book.find("xero") is None
    assert book.all() == []
