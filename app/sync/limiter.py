"""Keeping one connection under the package's limits, on a clock tests and benchmarks can speed up.

Xero counts calls per organisation in *fixed* windows: "Requests are counted against a fixed window which
will reset at different times for each tenant" (../shared/reference/xero.md 2.1), 60 a minute and 5 in
progress at once. Spacing calls a second apart would stay under the minute limit but waste most of every
window that starts with a burst, so ``XeroLimiter`` mirrors the fixed window instead: up to 60 calls as
fast as they come, then a wait until the window it counted from has passed. Its window opens when it sends
the first call, a little before Xero's opens (Xero's starts when the call arrives), so it waits a small
margin beyond it. Xero's ``X-MinLimit-Remaining`` on each answer corrects the count (another program
using the same organisation spends the same budget), and a 429 blocks every caller until its
``Retry-After`` has passed.

``SyncClock`` is where the engine and the limiter read the time and wait: ``SystemClock`` in production,
``ScaledClock`` when the sandbox's clock is sped up (the benchmark), so both sides agree on what a minute is.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

from app.integrations.http import retry_after_seconds
from app.services.progress import CancelToken


class SyncClock(Protocol):
    """The time as the sync sees it, and a way to wait that a cancel can cut short."""

    def now(self) -> dt.datetime: ...

    def sleep(self, seconds: float, cancel: CancelToken | None = None) -> bool:
        """Wait ``seconds`` of this clock's time; True when cut short by ``cancel``."""
        ...


class SystemClock:
    """Real time."""

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def sleep(self, seconds: float, cancel: CancelToken | None = None) -> bool:
        if seconds <= 0:
            return bool(cancel and cancel.cancelled)
        if cancel is None:
            time.sleep(seconds)
            return False
        return cancel.wait(seconds)


class ScaledClock:
    """Time running ``speed`` times faster than the wall clock from ``start`` (the sandbox's ``speed``)."""

    def __init__(self, start: dt.datetime, speed: float) -> None:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self._start = start
        self._speed = speed
        self._monotonic = time.monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=(time.monotonic() - self._monotonic) * self._speed)

    def sleep(self, seconds: float, cancel: CancelToken | None = None) -> bool:
        return SystemClock().sleep(seconds / self._speed, cancel)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a passing fault (5xx, timeout, dropped connection) is retried.

    Waits grow ``first_wait`` x 2^n up to ``longest_wait`` (clock seconds); after ``attempts`` tries the
    item waits for the next sync (it is not lost: it stays due, and a write whose fate was unknown is
    looked up first).
    """

    attempts: int = 6
    first_wait: float = 1.0
    longest_wait: float = 30.0

    def wait_before(self, attempt: int) -> float:
        """The wait before retry number ``attempt`` (1 for the first retry)."""
        return float(min(self.longest_wait, self.first_wait * (2 ** max(0, attempt - 1))))


@dataclass(frozen=True)
class RateLimits:
    """The limits the client keeps to: Xero's 60 calls a minute and 5 in progress (xero.md 2.1).

    ``concurrent`` is 4 by default, one under Xero's 5, as Xero's own advice for a client is "at most 4
    in flight" (xero.md 7); ``margin`` is how long past its own window's end the limiter waits.
    """

    per_minute: int = 60
    concurrent: int = 4
    window: float = 60.0
    margin: float = 1.0


class XeroLimiter:
    """A per-connection ``RequestLimiter`` (``app.integrations.http``) for Xero's fixed windows.

    Thread-safe: every request of the connection takes a ``slot()`` for as long as it is in flight.
    ``cancel`` (set by the engine for the length of a run) cuts a wait short; the slot then raises
    ``app.services.progress.Cancelled``. ``waited`` is the clock time spent waiting, for the summary.
    """

    def __init__(self, clock: SyncClock | None = None, limits: RateLimits | None = None) -> None:
        self.clock: SyncClock = clock or SystemClock()
        self.limits = limits or RateLimits()
        self.cancel: CancelToken | None = None
        self.waited = 0.0
        self.calls = 0
        self._lock = threading.Condition()
        self._in_flight = 0
        self._window_start: dt.datetime | None = None
        self._window_count = 0
        self._blocked_until: dt.datetime | None = None

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        self._enter()
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1
                self._lock.notify_all()

    def wait_for_turn(self) -> None:
        """Wait until a call may go, without taking a slot: a write calls it before noting its request
        as in flight, so a cancel during a long wait leaves nothing to look up at the next run."""
        with self._lock:
            self._wait_locked(for_slot=False)

    def _wait_locked(self, *, for_slot: bool) -> None:
        """Hold the caller (lock held) until the windows, a 429 and, ``for_slot``, the calls in flight
        allow one more; raises ``Cancelled`` when the run is cancelled meanwhile."""
        while True:
            if self.cancel is not None:
                self.cancel.raise_if_cancelled()
            if for_slot and self._in_flight >= self.limits.concurrent:
                # Woken when a call ends; the timeout keeps a cancel responsive.
                self._lock.wait(0.2)
                continue
            wait = self._wait_needed_locked()
            if wait <= 0:
                return
            self._lock.release()
            try:
                cut_short = self.clock.sleep(wait, self.cancel)
            finally:
                self._lock.acquire()
            if not cut_short:
                self.waited += wait

    def _enter(self) -> None:
        with self._lock:
            self._wait_locked(for_slot=True)
            now = self.clock.now()
            if self._window_start is None or now >= self._window_start + self._window():
                self._window_start = now
                self._window_count = 0
            self._window_count += 1
            self._in_flight += 1
            self.calls += 1

    def _window(self) -> dt.timedelta:
        return dt.timedelta(seconds=self.limits.window)

    def _wait_needed_locked(self) -> float:
        """Clock seconds to wait before the next call may go, or 0."""
        now = self.clock.now()
        if self._blocked_until is not None:
            if now < self._blocked_until:
                return (self._blocked_until - now).total_seconds()
            self._blocked_until = None
        if self._window_start is not None and self._window_count >= self.limits.per_minute:
            end = self._window_start + self._window() + dt.timedelta(seconds=self.limits.margin)
            if now < end:
                return (end - now).total_seconds()
        return 0.0

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        """Learn from each answer: Xero's own count of the minute, and a 429's ``Retry-After``."""
        with self._lock:
            now = self.clock.now()
            if status == 429:
                problem = (headers.get("X-Rate-Limit-Problem") or "").lower()
                seconds = retry_after_seconds(headers, now=now)
                if problem == "day":
                    return  # the engine stops the run; nothing to wait for here
                if seconds is None:
                    seconds = 1.0  # "concurrent" comes without Retry-After: try again shortly
                until = now + dt.timedelta(seconds=seconds)
                if self._blocked_until is None or until > self._blocked_until:
                    self._blocked_until = until
                if problem == "minute":
                    # Xero's window ends then: count afresh from there.
                    self._window_start = until - self._window()
                    self._window_count = self.limits.per_minute
                return
            remaining = headers.get("X-MinLimit-Remaining")
            if remaining is not None and remaining.strip().isdigit() and self._window_start is not None:
                used_by_xero = self.limits.per_minute - int(remaining)
                # Xero counts every caller of this organisation: trust the larger count.
                self._window_count = max(self._window_count, used_by_xero)
