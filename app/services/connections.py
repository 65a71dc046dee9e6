"""The database side of connections: recording them, their health, and removing them on disconnect.

``ConnectionBook`` is what ``app.integrations.connections`` needs from the database (it is passed in, so
the integrations layer never imports the models). ``ConnectionRecorder`` records what a provider reports
while it works: successful calls, renewed refresh tokens, a consent that is gone.

The health shown to the bookkeeper (DESIGN.md "Connections and secrets"): organisation, connected since,
last successful call, payments last checked, refresh token last renewed, and a warning before the package
drops an unused consent (Xero: refresh tokens unused for 60 days, ../shared/reference/xero.md 1.3).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.models import AccountingPackage, AccountingSettings, Connection, ConnectionStatus
from app.models.base import utcnow

logger = logging.getLogger(__name__)

#: How long each package keeps a refresh token that is not used (QuickBooks: rolling 100 days,
#: quickbooks_myob.md A1; MYOB consent lasts 12 months, B2).
UNUSED_CONSENT_LAPSES_AFTER = {
    AccountingPackage.XERO: dt.timedelta(days=60),
    AccountingPackage.QUICKBOOKS_ONLINE: dt.timedelta(days=100),
    AccountingPackage.MYOB_ACCOUNTRIGHT: dt.timedelta(days=365),
    AccountingPackage.MYOB_ESSENTIALS: dt.timedelta(days=365),
}
#: Warn when the consent would lapse within this (issue 3: "within 15 days").
CONSENT_WARNING = dt.timedelta(days=15)
#: ``last_successful_call_at`` is written at most this often (a sync makes thousands of calls).
CALL_RECORD_INTERVAL = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class ConnectionInfo:
    """A connection as stored, detached from any session."""

    package: str
    tenant_id: str
    tenant_name: str
    secret_key: str
    sandbox: bool
    status: ConnectionStatus
    status_message: str
    scope: str
    connected_at: dt.datetime
    consent_renewed_at: dt.datetime
    last_successful_call_at: dt.datetime | None
    payments_last_checked_at: dt.datetime | None
    refresh_token_renewed_at: dt.datetime | None

    @classmethod
    def of(cls, row: Connection) -> ConnectionInfo:
        return cls(
            package=row.package.value,
            tenant_id=row.tenant_id,
            tenant_name=row.tenant_name,
            secret_key=row.secret_key,
            sandbox=row.sandbox,
            status=row.status,
            status_message=row.status_message,
            scope=row.scope,
            connected_at=row.connected_at,
            consent_renewed_at=row.consent_renewed_at,
            last_successful_call_at=row.last_successful_call_at,
            payments_last_checked_at=row.payments_last_checked_at,
            refresh_token_renewed_at=row.refresh_token_renewed_at,
        )

    @property
    def package_label(self) -> str:
        return AccountingPackage(self.package).label

    @property
    def connected(self) -> bool:
        return self.status is ConnectionStatus.CONNECTED

    def consent_lapses_at(self) -> dt.datetime:
        """When the package drops the consent if LedgerBridge does not use it before then."""
        last_used = max(self.refresh_token_renewed_at or self.consent_renewed_at, self.consent_renewed_at)
        return last_used + UNUSED_CONSENT_LAPSES_AFTER[AccountingPackage(self.package)]

    def warnings(self, now: dt.datetime) -> list[str]:
        """What the bookkeeper should know about, in plain sentences (empty when all is well)."""
        if not self.connected:
            return [self.status_message or f"{self.package_label} needs reconnecting."]
        lapses = self.consent_lapses_at()
        if lapses - now <= CONSENT_WARNING:
            return [
                f"{self.package_label} drops LedgerBridge's access on {lapses.astimezone():%d %b %Y} unless "
                "LedgerBridge is used before then (open it or run a sync)."
            ]
        return []

    def healthy(self, now: dt.datetime) -> bool:
        return not self.warnings(now)


class ConnectionRecorder:
    """Records what a provider reports about one connection (``app.integrations.base.ConnectionEvents``).

    Each report is a short transaction of its own, on the caller's thread. If the connection has been
    removed meanwhile (disconnected), the report changes nothing.
    """

    def __init__(self, session_factory: sessionmaker[Session], package: str) -> None:
        self._session_factory = session_factory
        self._package = AccountingPackage(package)
        self._lock = threading.Lock()
        self._last_call_recorded: dt.datetime | None = None

    def _update(self, **values: object) -> None:
        with self._session_factory() as session, session.begin():
            session.execute(update(Connection).where(Connection.package == self._package).values(**values))

    def call_succeeded(self, at: dt.datetime) -> None:
        with self._lock:
            if self._last_call_recorded and at - self._last_call_recorded < CALL_RECORD_INTERVAL:
                return
            self._last_call_recorded = at
        self._update(last_successful_call_at=at)

    def refresh_token_renewed(self, at: dt.datetime) -> None:
        # A renewal proves the consent is alive: clear any earlier "needs reconnecting".
        self._update(refresh_token_renewed_at=at, status=ConnectionStatus.CONNECTED, status_message="")

    def needs_reconnecting(self, reason: str) -> None:
        logger.warning("%s needs reconnecting: %s", self._package.label, reason)
        self._update(status=ConnectionStatus.NEEDS_RECONNECTING, status_message=reason)

    def payments_checked(self, at: dt.datetime) -> None:
        self._update(payments_last_checked_at=at)


class ConnectionBook:
    """The connections in the database (``app.integrations.connections.ConnectionBook``)."""

    def __init__(
        self, session_factory: sessionmaker[Session], *, clock: Callable[[], dt.datetime] = utcnow
    ) -> None:
        self._session_factory = session_factory
        self._clock = clock

    def find(self, package: str) -> ConnectionInfo | None:
        with self._session_factory() as session:
            row = session.scalar(select(Connection).where(Connection.package == AccountingPackage(package)))
            return ConnectionInfo.of(row) if row else None

    def all(self) -> list[ConnectionInfo]:
        with self._session_factory() as session:
            rows = session.scalars(select(Connection).order_by(Connection.package))
            return [ConnectionInfo.of(row) for row in rows]

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
    ) -> ConnectionInfo:
        """Record a completed consent: a new connection, or the same one reconnected.

        The first connect of a package also creates its accounting settings, with the invoice start date
        set to that day (DESIGN.md: "The start date defaults to the day of the first connect").
        """
        kind = AccountingPackage(package)
        with self._session_factory() as session, session.begin():
            row = session.scalar(select(Connection).where(Connection.package == kind))
            if row is None:
                row = Connection(package=kind, connected_at=at)
                session.add(row)
            row.tenant_id = tenant_id
            row.tenant_name = tenant_name
            row.secret_key = secret_key
            row.scope = scope
            row.sandbox = sandbox
            row.status = ConnectionStatus.CONNECTED
            row.status_message = ""
            row.consent_renewed_at = at
            row.refresh_token_renewed_at = at
            settings = session.scalar(select(AccountingSettings).where(AccountingSettings.package == kind))
            if settings is None:
                settings = AccountingSettings(package=kind)
                session.add(settings)
            if settings.invoice_start_date is None:
                settings.invoice_start_date = at.astimezone().date()
            session.flush()
            return ConnectionInfo.of(row)

    def remove(self, package: str) -> None:
        """Forget the connection. Its accounting settings, cached chart and record links stay."""
        with self._session_factory() as session, session.begin():
            session.execute(delete(Connection).where(Connection.package == AccountingPackage(package)))

    def events_for(self, package: str) -> ConnectionRecorder:
        return ConnectionRecorder(self._session_factory, package)
