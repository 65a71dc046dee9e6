"""Refreshing: rotation saved before use, a crash before saving recovered through Xero's grace period,
``invalid_grant`` putting the connection in "needs reconnecting" with a plain sentence."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from app.config import PackageSettings
from app.db import Database
from app.integrations.base import NeedsReconnecting
from app.integrations.connections import open_xero
from app.integrations.sandbox.server import SandboxServer
from app.integrations.secrets import SecretStore
from app.models import ConnectionStatus
from app.services.connections import ConnectionBook, ConnectionInfo
from tests.integration.connections.conftest import (
    DEMO_COMPANY,
    cli_env,
    connect_through_consent,
    keyring_value,
    run_cli,
)
from tests.integration.connections.crashing_keyring import BACKEND as CRASHING_BACKEND
from tests.integration.connections.crashing_keyring import CRASH_EXIT_CODE

GRACE_PERIOD = 30 * 60  # seconds (xero.md 1.3)


def connected(book: ConnectionBook) -> ConnectionInfo:
    info = book.find("xero")
    assert info is not None
    return info


def test_a_refresh_rotates_the_token_and_saves_it_before_the_access_token_is_used(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook, sandbox: SandboxServer
) -> None:
    connect_through_consent(xero, store, book)
    info = connected(book)
    first = keyring_value(info.secret_key)
    renewals: list[str | None] = []

    class Watch:
        """Records what the keyring holds at the moment the renewal is reported (after the save)."""

        def call_succeeded(self, at: dt.datetime) -> None:
            pass

        def refresh_token_renewed(self, at: dt.datetime) -> None:
            renewals.append(keyring_value(info.secret_key))

        def needs_reconnecting(self, reason: str) -> None:
            raise AssertionError(reason)

    # A fresh process knows no access token: its first call renews the sign-in.
    provider = open_xero(xero, info, store=store, events=Watch())
    try:
        assert provider.organisation().name == DEMO_COMPANY
        second = keyring_value(info.secret_key)
        assert second not in (None, first)
        assert renewals == [second]

        # Past the access token's 30 minutes the sandbox answers 401; the provider renews once and retries.
        sandbox.clock.advance(GRACE_PERIOD + 60)
        assert len(provider.accounts()) > 0
        third = keyring_value(info.secret_key)
        assert third not in (None, first, second)
        assert renewals == [second, third]
    finally:
        provider.close()


def test_two_threads_needing_a_token_at_once_refresh_once(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    connect_through_consent(xero, store, book)
    info = connected(book)
    renewed: list[dt.datetime] = []

    class Count:
        def call_succeeded(self, at: dt.datetime) -> None:
            pass

        def refresh_token_renewed(self, at: dt.datetime) -> None:
            renewed.append(at)

        def needs_reconnecting(self, reason: str) -> None:
            raise AssertionError(reason)

    provider = open_xero(xero, info, store=store, events=Count())
    start = threading.Barrier(4)
    names: list[str] = []

    def work() -> None:
        start.wait()
        names.append(provider.organisation().name)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    provider.close()
    assert names == [DEMO_COMPANY] * 4
    assert len(renewed) == 1


def test_a_crash_between_refresh_and_save_recovers_through_the_grace_period(
    sandbox: SandboxServer, sqlite_database: Database, xero: PackageSettings, store: SecretStore
) -> None:
    book = ConnectionBook(sqlite_database.session_factory)
    connect_through_consent(xero, store, book)
    info = connected(book)
    before = keyring_value(info.secret_key)
    args = ("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "status")

    # The process gets the rotated token from Xero, then dies while saving it: the keyring keeps the old one.
    crashed = run_cli(*args, env=cli_env(PYTHON_KEYRING_BACKEND=CRASHING_BACKEND))
    assert crashed.returncode == CRASH_EXIT_CODE, crashed.stderr
    assert keyring_value(info.secret_key) == before

    # Within Xero's 30-minute grace period the old token still renews: the next run carries on.
    sandbox.clock.advance(GRACE_PERIOD - 5 * 60)
    recovered = run_cli(*args)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert f"Xero: {DEMO_COMPANY} (sandbox) - Connected" in recovered.stdout
    assert keyring_value(info.secret_key) not in (None, before)
    assert connected(book).status is ConnectionStatus.CONNECTED


def test_after_the_grace_period_invalid_grant_means_needs_reconnecting_in_plain_words(
    sandbox: SandboxServer, sqlite_database: Database, xero: PackageSettings, store: SecretStore
) -> None:
    book = ConnectionBook(sqlite_database.session_factory)
    connect_through_consent(xero, store, book)
    args = ("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "status")
    crashed = run_cli(*args, env=cli_env(PYTHON_KEYRING_BACKEND=CRASHING_BACKEND))
    assert crashed.returncode == CRASH_EXIT_CODE

    sandbox.clock.advance(GRACE_PERIOD + 60)
    status = run_cli(*args)
    assert status.returncode == 2
    assert "Needs reconnecting" in status.stdout
    assert "Xero no longer accepts LedgerBridge's sign-in" in status.stdout
    assert "Reconnect to Demo Company (AU)" in status.stdout
    assert "Traceback" not in status.stdout + status.stderr
    assert "invalid_grant" not in status.stdout

    info = connected(book)
    assert info.status is ConnectionStatus.NEEDS_RECONNECTING
    assert info.status_message.startswith("Xero no longer accepts LedgerBridge's sign-in")


def test_a_consent_unused_for_60_days_needs_reconnecting(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook, sandbox: SandboxServer
) -> None:
    connect_through_consent(xero, store, book)
    info = connected(book)
    sandbox.clock.advance(dt.timedelta(days=61).total_seconds())
    provider = open_xero(xero, info, store=store, events=book.events_for("xero"))
    try:
        with pytest.raises(NeedsReconnecting) as refused:
            provider.accounts()
    finally:
        provider.close()
    message = str(refused.value)
    assert message == connected(book).status_message
    assert "Reconnect" in message and "settings are kept" in message
    assert connected(book).status is ConnectionStatus.NEEDS_RECONNECTING
    assert not connected(book).healthy(dt.datetime.now(dt.UTC))


def test_a_missing_keyring_entry_needs_reconnecting(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook, keyring_file: Path
) -> None:
    connect_through_consent(xero, store, book)
    info = connected(book)
    store.delete(info.secret_key, sandbox=True)
    provider = open_xero(xero, info, store=store, events=book.events_for("xero"))
    with pytest.raises(NeedsReconnecting, match="missing from this computer's keyring"):
        provider.organisation()
    provider.close()
    assert connected(book).status is ConnectionStatus.NEEDS_RECONNECTING


def test_the_access_token_is_renewed_ahead_of_expiry_by_the_keep_alive(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    result = connect_through_consent(xero, store, book)
    info = connected(book)
    now = [dt.datetime.now(dt.UTC)]
    provider = open_xero(xero, info, store=store, events=book.events_for("xero"), tokens=result.tokens,
                         clock=lambda: now[0])
    try:
        expires = provider.credentials.expires_at
        assert expires is not None
        now[0] = expires - dt.timedelta(minutes=10)
        assert provider.credentials.refresh_if_due() is False
        assert keyring_value(info.secret_key) == result.tokens.refresh_token
        now[0] = expires - dt.timedelta(seconds=90)  # inside the two-minute margin
        assert provider.credentials.refresh_if_due() is True
        assert keyring_value(info.secret_key) != result.tokens.refresh_token
        assert provider.credentials.access_token() != result.tokens.access_token
        renewed = connected(book).refresh_token_renewed_at
        assert renewed == now[0]
    finally:
        provider.close()
