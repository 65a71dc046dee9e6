"""When the background sync runs: changes within 10 s (debounced), pulls every 15 minutes, fewer when
Xero's day budget runs low."""

from __future__ import annotations

import datetime as dt

from app.integrations.base import CallAllowance
from app.sync.schedule import SyncSchedule

T0 = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def test_a_burst_of_changes_goes_in_one_run_within_ten_seconds() -> None:
    schedule = SyncSchedule(pull_every=None)
    assert schedule.due(at(0)) is None
    for second in range(0, 9):  # an approval, then edits every second
        schedule.changed(at(second))
        assert schedule.due(at(second)) is None
    assert schedule.due(at(9.5)) is None
    run = schedule.due(at(10))
    assert run is not None and not run.pull
    schedule.ran(at(11), pulled=False, started=at(10))
    assert schedule.due(at(30)) is None


def test_a_quiet_change_goes_after_two_seconds_and_one_made_during_a_run_waits_for_the_next() -> None:
    schedule = SyncSchedule(pull_every=None)
    schedule.changed(at(0))
    assert schedule.due(at(1.9)) is None and schedule.due(at(2)) is not None
    schedule.changed(at(2.5))  # made while the run is going
    schedule.ran(at(3), pulled=False, started=at(2))
    assert schedule.due(at(4.5)) is not None


def test_pulls_every_fifteen_minutes_fewer_when_the_day_budget_is_low_none_at_the_end() -> None:
    schedule = SyncSchedule()
    run = schedule.due(at(0))
    assert run is not None and run.pull
    schedule.ran(at(1), pulled=True)
    assert schedule.due(at(14 * 60)) is None
    assert schedule.due(at(15 * 60 + 1)) is not None
    low = CallAllowance(day_remaining=150)
    assert schedule.due(at(30 * 60), low) is None and schedule.due(at(61 * 60), low) is not None
    spent = CallAllowance(day_remaining=20)
    assert schedule.due(at(10 * 3600), spent) is None
    schedule.changed(at(10 * 3600))
    push = schedule.due(at(10 * 3600 + 10), spent)
    assert push is not None and not push.pull  # pushes still go
    assert SyncSchedule(pull_every=None).due(at(10**6)) is None
    assert schedule.next_check_in(at(10 * 3600), spent) <= dt.timedelta(seconds=10)
