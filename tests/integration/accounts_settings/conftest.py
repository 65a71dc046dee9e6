"""Accounts Integration settings against the sandbox: the connection fixtures, a connected provider and a
refreshed chart, and a way to change the chart in Xero as the bookkeeper would there (its own API)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests

from app.config import PackageSettings
from app.db import Database
from app.integrations.connections import open_xero
from app.integrations.secrets import SecretStore
from app.integrations.xero import XeroProvider
from app.services.connections import ConnectionBook
from app.sync.chart_refresh import ChartOfAccountsRefresh, ChartRefreshResult
from tests.integration.connections import conftest as connections
from tests.integration.connections.conftest import connect_through_consent

# The connection tests' fixtures: one consent at a time on the redirect ports, the keyring file, the sandbox.
_redirect_ports_to_ourselves = connections._redirect_ports_to_ourselves
keyring_file = connections.keyring_file
sandbox = connections.sandbox
xero = connections.xero
store = connections.store


@dataclass
class ConnectedBooks:
    """A database connected to the sandbox's Demo Company (AU), with its provider open."""

    database: Database
    provider: XeroProvider

    def refresh(self) -> ChartRefreshResult:
        return ChartOfAccountsRefresh(self.database.session_factory, self.provider).run()


@pytest.fixture
def connected(database: Database, xero: PackageSettings, store: SecretStore) -> Iterator[ConnectedBooks]:
    book = ConnectionBook(database.session_factory)
    result = connect_through_consent(xero, store, book)
    info = book.find("xero")
    assert info is not None
    provider = open_xero(xero, info, store=store, events=book.events_for("xero"), tokens=result.tokens)
    try:
        yield ConnectedBooks(database, provider)
    finally:
        provider.close()


def in_xero(provider: XeroProvider, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """Do something in Xero itself (archive, rename or delete an account), over its API as any app would."""
    response = requests.request(
        method,
        provider.settings.endpoints.api.rstrip("/") + path,
        json=body,
        headers={
            "Authorization": f"Bearer {provider.credentials.access_token()}",
            "xero-tenant-id": provider.tenant.id,
            "Accept": "application/json",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    answer: dict[str, Any] = response.json()
    return answer
