"""Opening a connection's provider for syncing: the package's client with the per-connection limiter.

The window and the command line both open the provider they hand to ``SyncEngine`` here, so every sync
of a connection goes through one ``XeroLimiter`` on the same ``SyncClock`` as the engine.
"""

from __future__ import annotations

from app.config import PackageSettings
from app.integrations.base import Clock, ConnectionEvents
from app.integrations.connections import StoredConnection, open_xero
from app.integrations.http import DEFAULT_TIMEOUT, HttpClient
from app.integrations.secrets import SecretStore
from app.integrations.xero import SERVICE, XeroProvider
from app.sync.limiter import RateLimits, SyncClock, SystemClock, XeroLimiter


def open_xero_for_sync(
    settings: PackageSettings,
    stored: StoredConnection,
    *,
    store: SecretStore,
    events: ConnectionEvents,
    clock: SyncClock | None = None,
    limits: RateLimits | None = None,
    timeout: tuple[float, float] = DEFAULT_TIMEOUT,
) -> XeroProvider:
    """A Xero provider whose every call waits its turn in a ``XeroLimiter`` (Xero's 60 a minute and
    5 at once, xero.md 2.1), timed on ``clock`` (the engine's)."""
    sync_clock = clock or SystemClock()
    limiter = XeroLimiter(sync_clock, limits)
    http = HttpClient(SERVICE, limiter=limiter, timeout=timeout)
    provider_clock: Clock = sync_clock.now
    return open_xero(settings, stored, store=store, events=events, http=http, clock=provider_clock)


def limit_calls(provider: XeroProvider, clock: SyncClock | None = None) -> XeroProvider:
    """``provider`` with its calls waiting their turn in a ``XeroLimiter`` on ``clock`` (installed once).

    For a provider opened elsewhere, e.g. the window's one open provider (``PackageAccess.provider``):
    every call it makes, for a sync or anything else, then shares one limiter, as Xero counts them all.
    """
    if not isinstance(provider.http.limiter, XeroLimiter):
        provider.http.limiter = XeroLimiter(clock or SystemClock())
    return provider
