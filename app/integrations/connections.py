"""Connect, disconnect and open a connection: the steps, with the database side passed in.

The window and the command line both call these; the database side is a ``ConnectionBook`` (implemented
by ``app.services.connections.ConnectionBook``), so this layer never imports the models.

Connect: consent (``oauth.ConsentFlow``) -> the organisations chosen on Xero's page -> the user picks one
-> the refresh token goes to the keyring -> the connection is recorded. Reconnect is the same steps for a
connection that already exists: its settings and links are untouched. Disconnect revokes the consent at
the package, forgets the keyring entry and removes the connection; settings and links stay for Reconnect.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.config import PackageSettings
from app.integrations.base import (
    Clock,
    ConnectionEvents,
    IntegrationError,
    NoConnectionEvents,
    NotConfigured,
    Tenant,
    utc_now,
)
from app.integrations.http import HttpClient
from app.integrations.oauth import (
    DEFAULT_CONSENT_TIMEOUT,
    ConsentError,
    ConsentFlow,
    RefreshingCredentials,
    TokenSet,
    revoke,
)
from app.integrations.secrets import SecretStore
from app.integrations.xero import SERVICE, XeroProvider, list_tenants, xero_oauth_client

logger = logging.getLogger(__name__)

XERO = "xero"


class StoredConnection(Protocol):
    """A connection as the database holds it (no secret: ``secret_key`` names the keyring entry)."""

    @property
    def package(self) -> str: ...

    @property
    def tenant_id(self) -> str: ...

    @property
    def tenant_name(self) -> str: ...

    @property
    def secret_key(self) -> str: ...

    @property
    def sandbox(self) -> bool: ...


class ConnectionBook(Protocol):
    """The database side of connections."""

    def find(self, package: str) -> StoredConnection | None: ...

    def save_connected(
        self,
        *,
        package: str,
        tenant_id: str,
        tenant_name: str,
        secret_key: str,
        scope: str,
        sandbox: bool,
        at: dt.datetime,
    ) -> StoredConnection: ...

    def remove(self, package: str) -> None: ...

    def events_for(self, package: str) -> ConnectionEvents: ...


class TenantNotChosen(IntegrationError):
    """Several organisations were connected and none could be chosen (no terminal, no ``--tenant``).

    ``tenants`` lists them, so the caller can name them.
    """

    def __init__(self, message: str, tenants: Sequence[Tenant]) -> None:
        super().__init__(message)
        self.tenants = tuple(tenants)


class ConnectionRefused(IntegrationError):
    """Connecting would replace another connection of the same package."""


TenantChooser = Callable[[Sequence[Tenant]], Tenant]


@dataclass(frozen=True)
class Connected:
    """The result of a completed connect: the organisation, and whether it was a reconnect."""

    tenant: Tenant
    reconnected: bool
    #: The tokens of this consent; the access token is good for the next 30 minutes (memory only).
    tokens: TokenSet


def new_secret_key(package: str) -> str:
    """The name of a new connection's keyring entry (not a secret)."""
    return f"{package}/{uuid.uuid4().hex}"


def choose_tenant_by_name(name: str) -> TenantChooser:
    """A chooser for ``--tenant NAME`` (case and surrounding spaces ignored)."""

    def choose(tenants: Sequence[Tenant]) -> Tenant:
        wanted = name.strip().casefold()
        for tenant in tenants:
            if tenant.name.strip().casefold() == wanted:
                return tenant
        names = ", ".join(tenant.name for tenant in tenants)
        raise TenantNotChosen(f"No organisation called '{name}' was connected. Connected: {names}.", tenants)

    return choose


def connect_xero(
    settings: PackageSettings,
    *,
    store: SecretStore,
    book: ConnectionBook,
    choose: TenantChooser,
    show_address: Callable[[str], None],
    timeout: float = DEFAULT_CONSENT_TIMEOUT,
    cancel: threading.Event | None = None,
    http: HttpClient | None = None,
    clock: Clock = utc_now,
) -> Connected:
    """Connect (or reconnect) LedgerBridge to a Xero organisation through Xero's consent page.

    ``show_address`` receives the address to open (the caller opens the browser, or prints it).
    ``choose`` picks the organisation when the user connected more than one.
    """
    client = xero_oauth_client(settings)
    store.check_available(sandbox=settings.sandbox, package_label=SERVICE)
    existing = book.find(XERO)
    http = http or HttpClient(SERVICE)
    with ConsentFlow(client, clock=clock).start() as pending:
        show_address(pending.url)
        tokens = pending.wait(timeout=timeout, cancel=cancel)
    event = tokens.claims.get("authentication_event_id")
    tenants = list_tenants(
        http, settings.endpoints.connections, tokens.access_token, auth_event_id=str(event) if event else None
    )
    if not tenants:
        raise ConsentError(
            "No Xero organisation was chosen on Xero's page, so LedgerBridge is not connected. Connect "
            "again and tick the organisation to use."
        )
    tenant = tenants[0] if len(tenants) == 1 else choose(tenants)
    if existing is not None and existing.tenant_id != tenant.id:
        raise ConnectionRefused(
            f"LedgerBridge is connected to the Xero organisation {existing.tenant_name}. Disconnect it first "
            f"to connect {tenant.name} instead."
        )
    secret_key = existing.secret_key if existing is not None else new_secret_key(XERO)
    assert tokens.refresh_token is not None
    # The keyring first: a connection is only recorded once its sign-in is safely kept.
    store.save(secret_key, tokens.refresh_token, sandbox=settings.sandbox)
    book.save_connected(
        package=XERO,
        tenant_id=tenant.id,
        tenant_name=tenant.name,
        secret_key=secret_key,
        scope=tokens.scope,
        sandbox=settings.sandbox,
        at=clock(),
    )
    where = " (sandbox)" if settings.sandbox else ""
    logger.info("Connected to the Xero organisation %s%s", tenant.name, where)
    return Connected(tenant=tenant, reconnected=existing is not None, tokens=tokens)


def _check_same_place(settings: PackageSettings, stored: StoredConnection) -> None:
    if stored.sandbox and not settings.sandbox:
        raise NotConfigured(
            f"The connection to {stored.tenant_name} was made with LedgerBridge's sandbox. Run LedgerBridge "
            "with --demo, or with --sandbox and the sandbox's address, to use it."
        )
    if settings.sandbox and not stored.sandbox:
        raise NotConfigured(
            f"The connection to {stored.tenant_name} is to the real Xero; LedgerBridge is running against "
            "the sandbox now. Run it without --sandbox to use that connection."
        )


def open_xero(
    settings: PackageSettings,
    stored: StoredConnection,
    *,
    store: SecretStore,
    events: ConnectionEvents,
    http: HttpClient | None = None,
    clock: Clock = utc_now,
    tokens: TokenSet | None = None,
) -> XeroProvider:
    """A provider for a stored Xero connection. ``tokens`` (just after connecting) saves one refresh."""
    _check_same_place(settings, stored)
    client = xero_oauth_client(settings)
    credentials = RefreshingCredentials(
        client,
        secret_key=stored.secret_key,
        sandbox=stored.sandbox,
        store=store,
        events=events,
        clock=clock,
        initial=tokens,
        package_label=SERVICE,
        tenant_name=stored.tenant_name,
    )
    tenant = Tenant(id=stored.tenant_id, name=stored.tenant_name)
    return XeroProvider(settings, tenant, credentials, events=events, http=http, clock=clock)


def disconnect_xero(
    settings: PackageSettings,
    *,
    store: SecretStore,
    book: ConnectionBook,
    force: bool = False,
) -> StoredConnection | None:
    """Revoke the consent at Xero, forget the keyring entry, remove the connection. Settings stay.

    Returns the connection removed (None if there was none). If Xero cannot be reached, nothing is
    removed unless ``force`` (then the consent stays in Xero until removed there, under Connected apps).
    """
    stored = book.find(XERO)
    if stored is None:
        return None
    try:
        _check_same_place(settings, stored)
        client = xero_oauth_client(settings)
        refresh_token = store.load(stored.secret_key, sandbox=stored.sandbox)
        if refresh_token:
            revoke(client, refresh_token)
    except IntegrationError:
        if not force:
            raise
        logger.warning("Removing the Xero connection without revoking it at Xero (forced)")
    store.delete(stored.secret_key, sandbox=stored.sandbox)
    book.remove(XERO)
    logger.info("Disconnected from the Xero organisation %s", stored.tenant_name)
    return stored


__all__ = [
    "Connected",
    "ConnectionBook",
    "ConnectionRefused",
    "NoConnectionEvents",
    "StoredConnection",
    "TenantNotChosen",
    "choose_tenant_by_name",
    "connect_xero",
    "disconnect_xero",
    "new_secret_key",
    "open_xero",
]
