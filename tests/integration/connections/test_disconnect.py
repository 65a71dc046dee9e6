"""Disconnect revokes at Xero, forgets the keyring entry and the connection; Reconnect keeps the settings."""

from __future__ import annotations

import datetime as dt

import pytest
import requests
from sqlalchemy import select

from app.config import PackageSettings
from app.db import Database
from app.integrations.base import NotConfigured
from app.integrations.connections import disconnect_xero, open_xero
from app.integrations.sandbox.server import SandboxServer
from app.integrations.secrets import SecretStore
from app.models import (
    AccountingPackage,
    AccountingSettings,
    ConnectionStatus,
    ReferenceField,
    SettingsAccount,
    SettingsAccountRole,
)
from app.services.connections import ConnectionBook
from tests.integration.connections.conftest import DEMO_COMPANY, connect_through_consent, keyring_value


def refresh_at_sandbox(xero: PackageSettings, refresh_token: str) -> requests.Response:
    """What Xero answers to a refresh with this token (the raw token endpoint, as any client would)."""
    return requests.post(
        xero.endpoints.token,
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": xero.client_id or "",
        },
        timeout=30,
    )


def test_disconnect_revokes_forgets_the_secret_and_keeps_the_settings(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook, sandbox: SandboxServer
) -> None:
    result = connect_through_consent(xero, store, book)
    info = book.find("xero")
    assert info is not None
    refresh_token = keyring_value(info.secret_key)
    assert refresh_token is not None

    removed = disconnect_xero(xero, store=store, book=book)
    assert removed is not None and removed.tenant_name == DEMO_COMPANY
    assert book.find("xero") is None
    assert keyring_value(info.secret_key) is None
    # Revoked at Xero: the refresh token is refused, and the access token no longer lists the organisation.
    refused = refresh_at_sandbox(xero, refresh_token)
    assert refused.status_code == 400
    assert refused.json() == {"error": "invalid_grant"}
    listing = requests.get(
        xero.endpoints.connections,
        headers={"Authorization": f"Bearer {result.tokens.access_token}", "Accept": "application/json"},
        timeout=30,
    )
    organisations_listed = listing.json() if listing.status_code == 200 else []
    assert organisations_listed == []
    # Disconnecting again is harmless.
    assert disconnect_xero(xero, store=store, book=book) is None


def test_reconnect_after_disconnect_keeps_settings_and_start_date(
    sqlite_database: Database, xero: PackageSettings, store: SecretStore
) -> None:
    book = ConnectionBook(sqlite_database.session_factory)
    connect_through_consent(xero, store, book)
    chosen_start = dt.date(2026, 7, 1)
    with sqlite_database.session_factory() as session, session.begin():
        settings = session.scalars(select(AccountingSettings)).one()
        settings.reference_field = ReferenceField.PURCHASE_ORDER_NUMBER
        settings.invoice_start_date = chosen_start
        settings.accounts.append(
            SettingsAccount(role=SettingsAccountRole.ROUNDING, account_id="acc-860", account_code="860",
                            account_name="Rounding")
        )
    first = book.find("xero")
    assert first is not None

    disconnect_xero(xero, store=store, book=book)
    with sqlite_database.session_factory() as session:
        assert session.scalars(select(AccountingSettings)).one().invoice_start_date == chosen_start

    again = connect_through_consent(xero, store, book)
    assert not again.reconnected  # the old connection was removed; this is a new one
    second = book.find("xero")
    assert second is not None and second.tenant_id == first.tenant_id
    assert second.secret_key != first.secret_key
    with sqlite_database.session_factory() as session:
        settings = session.scalars(select(AccountingSettings)).one()
        assert settings.package is AccountingPackage.XERO
        assert settings.reference_field is ReferenceField.PURCHASE_ORDER_NUMBER
        assert settings.invoice_start_date == chosen_start
        rounding = settings.account_for(SettingsAccountRole.ROUNDING)
        assert rounding is not None and rounding.label == "860 - Rounding"


def test_reconnecting_a_connection_that_needs_it_restores_it_in_place(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook, sandbox: SandboxServer
) -> None:
    connect_through_consent(xero, store, book)
    before = book.find("xero")
    assert before is not None
    book.events_for("xero").needs_reconnecting("Xero no longer accepts LedgerBridge's sign-in.")
    assert (book.find("xero") or before).status is ConnectionStatus.NEEDS_RECONNECTING

    result = connect_through_consent(xero, store, book)
    assert result.reconnected
    after = book.find("xero")
    assert after is not None
    assert after.status is ConnectionStatus.CONNECTED and after.status_message == ""
    assert after.connected_at == before.connected_at
    assert after.consent_renewed_at > before.consent_renewed_at
    assert after.secret_key == before.secret_key
    provider = open_xero(xero, after, store=store, events=book.events_for("xero"))
    try:
        assert provider.organisation().name == DEMO_COMPANY
    finally:
        provider.close()


def test_a_sandbox_connection_is_not_used_against_the_real_xero(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook, paths: object
) -> None:
    from app.config import AppPaths, xero_settings

    connect_through_consent(xero, store, book)
    info = book.find("xero")
    assert info is not None
    assert isinstance(paths, AppPaths)
    production = xero_settings(paths)
    with pytest.raises(NotConfigured, match="made with LedgerBridge's sandbox"):
        open_xero(production, info, store=store, events=book.events_for("xero"))
    with pytest.raises(NotConfigured):
        disconnect_xero(production, store=store, book=book)
    assert book.find("xero") is not None
