"""Customer import tests: the sandbox on loopback and a connected XeroProvider (the connection tests'
fixtures, reused: they also take turns on the fixed redirect ports when tests run in parallel)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import PackageSettings
from app.db import Database
from app.integrations.connections import open_xero
from app.integrations.secrets import SecretStore
from app.integrations.xero import XeroProvider
from app.services.connections import ConnectionBook
from tests.integration.connections import conftest as connections
from tests.integration.connections.conftest import connect_through_consent

# The connection tests' fixtures, under their own names so pytest finds them here too.
_redirect_ports_to_ourselves = connections._redirect_ports_to_ourselves
keyring_file = connections.keyring_file
sandbox = connections.sandbox
store = connections.store
xero = connections.xero


@pytest.fixture
def db_book(database: Database) -> ConnectionBook:
    return ConnectionBook(database.session_factory)


@pytest.fixture
def provider(xero: PackageSettings, store: SecretStore, db_book: ConnectionBook) -> Iterator[XeroProvider]:
    """Connected to Demo Company (AU) through the consent page, on the test's database (both dialects)."""
    result = connect_through_consent(xero, store, db_book)
    info = db_book.find("xero")
    assert info is not None
    opened = open_xero(xero, info, store=store, events=db_book.events_for("xero"), tokens=result.tokens)
    yield opened
    opened.close()
