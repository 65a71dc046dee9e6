"""Connecting to Xero through its consent page: page, Allow, redirect to our listener, PKCE code exchange.

The sandbox is real HTTP on loopback; the test plays the user with a tiny browser (browser.py).
"""

from __future__ import annotations

import datetime as dt
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from app.config import PackageSettings
from app.db import Database
from app.integrations.connections import (
    ConnectionRefused,
    TenantNotChosen,
    choose_tenant_by_name,
    open_xero,
)
from app.integrations.oauth import ConsentDeclined
from app.integrations.secrets import MAX_SECRET_CHARS, SecretStore
from app.models import AccountingPackage, AccountingSettings, Connection, ConnectionStatus
from app.services.connections import ConnectionBook
from tests.integration.connections.conftest import (
    DEMO_COMPANY,
    SECOND_ORGANISATION,
    connect_through_consent,
    keyring_value,
    play_user,
    start_connect,
)


def test_the_whole_consent_connects_and_the_token_works(
    database: Database, xero: PackageSettings, store: SecretStore
) -> None:
    book = ConnectionBook(database.session_factory)
    run = start_connect(xero, store, book)
    address = run.address()
    query = parse_qs(urlsplit(address).query)
    # What Xero's PKCE flow asks for (xero.md 1.2): S256 challenge, state, an exact localhost redirect.
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 20
    assert query["redirect_uri"][0] in xero.redirect_uris
    assert "offline_access" in query["scope"][0].split()

    page, answer = play_user(address)
    assert page.form is not None
    assert page.form.organisations == [DEMO_COMPANY, SECOND_ORGANISATION]
    assert "Allow access" in [button[0] for button in page.form.buttons]
    # The browser ended on our listener, which told the user to go back to LedgerBridge.
    assert answer.status_code == 200
    assert urlsplit(answer.url).hostname == "localhost"
    assert urlsplit(answer.url).port in xero.redirect_ports
    assert "return to LedgerBridge" in answer.text

    result = run.result()
    assert result.tenant.name == DEMO_COMPANY
    assert not result.reconnected
    assert run.chooser_saw == []  # one organisation ticked: nothing to choose

    with database.session_factory() as session:
        row = session.scalars(select(Connection)).one()
        settings = session.scalars(select(AccountingSettings)).one()
    assert row.package is AccountingPackage.XERO
    assert row.tenant_name == DEMO_COMPANY
    assert row.tenant_id == result.tenant.id
    assert row.status is ConnectionStatus.CONNECTED
    assert row.sandbox is True
    assert "accounting.settings" in row.scope.split()
    # The invoice start date defaults to the day of the first connect.
    assert settings.invoice_start_date == dt.datetime.now(dt.UTC).astimezone().date()

    stored = keyring_value(row.secret_key)
    assert stored == result.tokens.refresh_token
    assert stored is not None and 0 < len(stored) <= MAX_SECRET_CHARS

    info = book.find("xero")
    assert info is not None
    provider = open_xero(xero, info, store=store, events=book.events_for("xero"), tokens=result.tokens)
    try:
        assert provider.organisation().name == DEMO_COMPANY
        assert provider.check().name == DEMO_COMPANY
    finally:
        provider.close()
    assert (book.find("xero") or info).last_successful_call_at is not None


def test_the_listener_moves_to_the_next_registered_port_when_one_is_busy(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    busy = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Reuse past TIME_WAIT left by earlier tests; a *listening* socket still keeps the port from others.
    busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        busy.bind(("127.0.0.1", xero.redirect_ports[0]))
        busy.listen(1)
    except OSError:
        busy.close()
        pytest.skip("the first redirect port is taken by something else on this machine")
    try:
        run = start_connect(xero, store, book)
        address = run.address()
        redirect = parse_qs(urlsplit(address).query)["redirect_uri"][0]
        assert urlsplit(redirect).port == xero.redirect_ports[1]
        play_user(address)
        assert run.result().tenant.name == DEMO_COMPANY
    finally:
        busy.close()


def test_cancel_on_the_consent_page_connects_nothing(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    run = start_connect(xero, store, book)
    _page, answer = play_user(run.address(), button="Cancel")
    assert "not connected" in answer.text
    with pytest.raises(ConsentDeclined, match="not connected"):
        run.result()
    assert book.find("xero") is None


def test_an_answer_with_another_state_is_ignored_and_the_real_one_still_counts(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    run = start_connect(xero, store, book)
    address = run.address()
    redirect = parse_qs(urlsplit(address).query)["redirect_uri"][0]
    forged = requests.get(f"{redirect}?code=stolen&state=not-ours", timeout=10)
    assert forged.status_code == 400
    assert "not for LedgerBridge" in forged.text
    other_path = requests.get(redirect.replace("/callback", "/favicon.ico"), timeout=10)
    assert other_path.status_code == 404
    play_user(address)
    assert run.result().tenant.name == DEMO_COMPANY


def test_with_two_organisations_the_user_chooses(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    result = connect_through_consent(
        xero,
        store,
        book,
        organisations=[DEMO_COMPANY, SECOND_ORGANISATION],
        choose=choose_tenant_by_name("kookaburra catering pty ltd "),
    )
    assert result.tenant.name == SECOND_ORGANISATION
    info = book.find("xero")
    assert info is not None and info.tenant_name == SECOND_ORGANISATION


def test_a_name_matching_no_organisation_is_refused_listing_the_names(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    run = start_connect(xero, store, book, choose=choose_tenant_by_name("Nobody Pty Ltd"))
    play_user(run.address(), organisations=[DEMO_COMPANY, SECOND_ORGANISATION])
    with pytest.raises(TenantNotChosen) as refused:
        run.result()
    assert [tenant.name for tenant in refused.value.tenants] == [DEMO_COMPANY, SECOND_ORGANISATION]
    assert book.find("xero") is None


def test_connecting_another_organisation_while_connected_is_refused(
    xero: PackageSettings, store: SecretStore, book: ConnectionBook
) -> None:
    first = connect_through_consent(xero, store, book)
    run = start_connect(xero, store, book)
    play_user(run.address(), organisations=[SECOND_ORGANISATION])
    with pytest.raises(ConnectionRefused, match=f"Disconnect it first to connect {SECOND_ORGANISATION}"):
        run.result()
    info = book.find("xero")
    assert info is not None and info.tenant_id == first.tenant.id
