"""The sandbox's clock: real time, moved on or sped up by tests.

Everything in the sandbox that depends on time (token and code expiry, the refresh-token grace period,
rate-limit windows, idempotency replay, ``UpdatedDateUTC``) reads this clock, so a test can cross a
30-minute grace period or a one-minute rate-limit window without waiting for it.
"""

from __future__ import annotations

import datetime as dt
import threading
import time


class SandboxClock:
    """UTC time that runs ``speed`` times faster than the wall clock, plus whatever ``advance`` added.

    ``now()`` never goes backwards: changing the speed re-anchors the clock at the current reading.
    """

    def __init__(self, start: dt.datetime | None = None, *, speed: float = 1.0) -> None:
        if start is not None and start.tzinfo is None:
            raise ValueError("the sandbox clock needs a timezone-aware start")
        self._lock = threading.Lock()
        self._anchor = (start or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
        self._anchor_monotonic = time.monotonic()
        self._speed = self._checked_speed(speed)

    @staticmethod
    def _checked_speed(speed: float) -> float:
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        return float(speed)

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> dt.datetime:
        with self._lock:
            return self._now_locked()

    def _now_locked(self) -> dt.datetime:
        elapsed = (time.monotonic() - self._anchor_monotonic) * self._speed
        return self._anchor + dt.timedelta(seconds=elapsed)

    def advance(self, seconds: float) -> dt.datetime:
        """Move the clock on by ``seconds`` (never back) and return the new time."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._anchor = self._now_locked() + dt.timedelta(seconds=seconds)
            self._anchor_monotonic = time.monotonic()
            return self._anchor

    def set_speed(self, speed: float) -> None:
        """Run ``speed`` times faster than real time from now on (1.0 is real time)."""
        checked = self._checked_speed(speed)
        with self._lock:
            self._anchor = self._now_locked()
            self._anchor_monotonic = time.monotonic()
            self._speed = checked
