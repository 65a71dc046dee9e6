"""The client's limiter mirrors Xero's fixed one-minute windows: bursts of 60, then the rest of the window."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from app.services.progress import Cancelled, CancelToken
from app.sync.limiter import RateLimits, RetryPolicy, XeroLimiter


class StepClock:
    """A clock that moves only when someone waits on it (a test's stand-in for time)."""

    def __init__(self) -> None:
        self.moment = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
        self.slept: list[float] = []

    def now(self) -> dt.datetime:
        return self.moment

    def sleep(self, seconds: float, cancel: CancelToken | None = None) -> bool:
        self.slept.append(seconds)
        self.moment += dt.timedelta(seconds=seconds)
        return False


def _calls(limiter: XeroLimiter, count: int) -> None:
    for _ in range(count):
        with limiter.slot():
            pass


def test_sixty_calls_go_at_once_then_the_61st_waits_for_the_window_and_its_margin() -> None:
    clock = StepClock()
    limiter = XeroLimiter(clock, RateLimits(per_minute=60, margin=1.0))
    _calls(limiter, 60)
    assert clock.slept == []
    _calls(limiter, 1)
    assert clock.slept == [61.0]
    _calls(limiter, 59)
    assert len(clock.slept) == 1 and limiter.calls == 120


def test_a_429_holds_every_call_until_retry_after_and_xeros_own_count_is_trusted() -> None:
    clock = StepClock()
    limiter = XeroLimiter(clock, RateLimits(per_minute=60, margin=0.0))
    _calls(limiter, 1)
    limiter.observe(429, {"Retry-After": "22", "X-Rate-Limit-Problem": "minute"})
    _calls(limiter, 1)
    assert clock.slept == [22.0]
    limiter.observe(200, {"X-MinLimit-Remaining": "0"})  # another app used this organisation's minute
    _calls(limiter, 1)
    assert len(clock.slept) == 2
    limiter.observe(429, {"X-Rate-Limit-Problem": "day", "Retry-After": "30000"})
    _calls(limiter, 1)
    assert len(clock.slept) == 2  # the day limit stops the run (the engine's business), no 8-hour wait


def test_no_more_than_the_concurrent_limit_in_flight() -> None:
    limiter = XeroLimiter(StepClock(), RateLimits(per_minute=1000, concurrent=2))
    inside = threading.Semaphore(0)
    release = threading.Event()
    peak = []

    def call() -> None:
        with limiter.slot():
            inside.release()
            release.wait(5)

    threads = [threading.Thread(target=call) for _ in range(3)]
    for thread in threads:
        thread.start()
    assert inside.acquire(timeout=5) and inside.acquire(timeout=5)
    assert not inside.acquire(timeout=0.3)  # the third waits its turn
    peak.append(limiter.calls)
    release.set()
    for thread in threads:
        thread.join(5)
    assert peak == [2] and limiter.calls == 3


def test_retry_waits_grow_to_a_ceiling() -> None:
    policy = RetryPolicy(attempts=6, first_wait=1.0, longest_wait=10.0)
    assert [policy.wait_before(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 8.0, 10.0]


def test_waiting_for_a_turn_takes_no_slot_and_a_cancel_cuts_it_short() -> None:
    clock = StepClock()
    limiter = XeroLimiter(clock, RateLimits(per_minute=2, margin=0.0))
    _calls(limiter, 2)
    limiter.wait_for_turn()  # the window is spent: waits for it to pass
    assert clock.slept == [60.0] and limiter.calls == 2
    _calls(limiter, 2)
    cancel = CancelToken()
    cancel.cancel()
    limiter.cancel = cancel
    with pytest.raises(Cancelled):
        limiter.wait_for_turn()
    assert clock.slept == [60.0] and limiter.calls == 4
