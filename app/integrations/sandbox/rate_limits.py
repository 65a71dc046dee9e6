"""Per-tenant rate limits on fixed windows, as the packages count them, on the sandbox clock.

Xero: "Requests are counted against a fixed window which will reset at different times for each tenant"
(developer.xero.com, OAuth 2.0 API limits): a window opens with a tenant's first call and lasts a minute
(or a day); calls turned away with 429 are not counted. Counters live in memory: a restarted sandbox
starts with fresh windows, as a client that waited long enough would see anyway.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass, field

from app.integrations.sandbox.clock import SandboxClock

MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class RateLimits:
    """The limits in force. Defaults are Xero's Starter tier: 5 at once, 60 a minute, 1,000 a day."""

    concurrent: int = 5
    per_minute: int = 60
    per_day: int = 1000
    app_per_minute: int = 10_000


@dataclass
class _Window:
    length: dt.timedelta
    start: dt.datetime | None = None
    count: int = 0

    def roll(self, now: dt.datetime) -> None:
        if self.start is None or now >= self.start + self.length:
            self.start = now
            self.count = 0

    def seconds_left(self, now: dt.datetime) -> int:
        if self.start is None:
            return 0
        return max(1, math.ceil((self.start + self.length - now).total_seconds()))


@dataclass
class _TenantCounters:
    minute: _Window = field(default_factory=lambda: _Window(MINUTE))
    day: _Window = field(default_factory=lambda: _Window(DAY))
    in_flight: int = 0


@dataclass(frozen=True)
class LimitVerdict:
    """Whether a call may go ahead, what is left, and (when refused) which limit and how long to wait."""

    allowed: bool
    minute_remaining: int
    day_remaining: int
    app_minute_remaining: int
    problem: str | None = None
    retry_after: int | None = None


class RateLimiter:
    """Counts calls per tenant (and app-wide per minute); ``enter`` and ``leave`` bracket each call."""

    def __init__(self, clock: SandboxClock, limits: RateLimits | None = None) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._limits = limits or RateLimits()
        self._tenants: dict[str, _TenantCounters] = {}
        self._app_minute = _Window(MINUTE)

    @property
    def limits(self) -> RateLimits:
        return self._limits

    def configure(self, limits: RateLimits) -> None:
        with self._lock:
            self._limits = limits

    def reset(self) -> None:
        with self._lock:
            self._tenants.clear()
            self._app_minute = _Window(MINUTE)

    def enter(self, tenant: str) -> LimitVerdict:
        """Count a call for ``tenant`` if every limit allows it; an allowed call must ``leave`` later."""
        now = self._clock.now()
        with self._lock:
            limits = self._limits
            counters = self._tenants.setdefault(tenant, _TenantCounters())
            counters.minute.roll(now)
            counters.day.roll(now)
            self._app_minute.roll(now)

            def verdict(allowed: bool, problem: str | None = None, retry: int | None = None) -> LimitVerdict:
                return LimitVerdict(
                    allowed=allowed,
                    minute_remaining=max(0, limits.per_minute - counters.minute.count),
                    day_remaining=max(0, limits.per_day - counters.day.count),
                    app_minute_remaining=max(0, limits.app_per_minute - self._app_minute.count),
                    problem=problem,
                    retry_after=retry,
                )

            if counters.in_flight >= limits.concurrent:
                return verdict(False, "concurrent")
            if counters.day.count >= limits.per_day:
                return verdict(False, "day", counters.day.seconds_left(now))
            if counters.minute.count >= limits.per_minute:
                return verdict(False, "minute", counters.minute.seconds_left(now))
            if self._app_minute.count >= limits.app_per_minute:
                return verdict(False, "appminute", self._app_minute.seconds_left(now))
            counters.minute.count += 1
            counters.day.count += 1
            self._app_minute.count += 1
            counters.in_flight += 1
            return verdict(True)

    def leave(self, tenant: str) -> None:
        with self._lock:
            counters = self._tenants.get(tenant)
            if counters is not None and counters.in_flight > 0:
                counters.in_flight -= 1

    def snapshot(self, tenant: str) -> LimitVerdict:
        """What is left for ``tenant`` without counting a call."""
        now = self._clock.now()
        with self._lock:
            limits = self._limits
            counters = self._tenants.setdefault(tenant, _TenantCounters())
            minute = (
                limits.per_minute - counters.minute.count
                if counters.minute.start and (now < counters.minute.start + MINUTE)
                else limits.per_minute
            )
            day = (
                limits.per_day - counters.day.count
                if counters.day.start and (now < counters.day.start + DAY)
                else limits.per_day
            )
            app = (
                limits.app_per_minute - self._app_minute.count
                if self._app_minute.start and (now < self._app_minute.start + MINUTE)
                else limits.app_per_minute
            )
            return LimitVerdict(True, max(0, minute), max(0, day), max(0, app))
