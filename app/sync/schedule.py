"""When the background sync runs (no Qt: the window asks it from a timer, the engine does the work).

Issue 4 "When": a change due to sync (approve, edit, void, payment) reaches the package within 10 seconds,
debounced (a burst of changes goes in one run); pulls (payments, statuses) run every 15 minutes by default,
can be switched off, and run on Sync now. Xero's Starter tier allows 1,000 calls a day (../shared/reference/
xero.md 2.1): when ``X-DayLimit-Remaining`` runs low the pulls are stretched, and below the reserve they
wait for the next day, so what is left goes to pushes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.integrations.base import CallAllowance

PUSH_WITHIN = dt.timedelta(seconds=10)
QUIET = dt.timedelta(seconds=2)
PULL_EVERY = dt.timedelta(minutes=15)
#: Below this many calls left today, pulls run four times less often.
LOW_BUDGET = 200
#: Below this, pulls wait: the rest of the day's calls are kept for sending.
RESERVE = 50


@dataclass(frozen=True)
class ScheduledRun:
    """A run the schedule asks for: pushes always, pulls when they are due."""

    pull: bool
    reason: str


class SyncSchedule:
    """Decides when the next background run is due. Call ``changed()`` when a record becomes due,
    ``due(now, allowance)`` from a timer, and ``ran(now, pulled=...)`` after each run.

    ``pull_every`` None switches the periodic pulls off (Sync now still pulls).
    """

    def __init__(
        self,
        *,
        push_within: dt.timedelta = PUSH_WITHIN,
        quiet: dt.timedelta = QUIET,
        pull_every: dt.timedelta | None = PULL_EVERY,
        low_budget: int = LOW_BUDGET,
        reserve: int = RESERVE,
    ) -> None:
        self.push_within = push_within
        self.quiet = quiet
        self.pull_every = pull_every
        self.low_budget = low_budget
        self.reserve = reserve
        self._first_change: dt.datetime | None = None
        self._last_change: dt.datetime | None = None
        self._last_pull: dt.datetime | None = None

    def changed(self, now: dt.datetime) -> None:
        """A record became due to sync (approved, edited, voided, paid...)."""
        if self._first_change is None:
            self._first_change = now
        self._last_change = now

    def push_due_at(self) -> dt.datetime | None:
        """When the waiting changes go: once changes stop for ``quiet``, and never later than
        ``push_within`` after the first of them."""
        if self._first_change is None or self._last_change is None:
            return None
        return min(self._last_change + self.quiet, self._first_change + self.push_within)

    def pull_interval(self, allowance: CallAllowance | None) -> dt.timedelta | None:
        """How often to pull with this much of the day's budget left (None: not today)."""
        if self.pull_every is None:
            return None
        left = allowance.day_remaining if allowance is not None else None
        if left is not None and left < self.reserve:
            return None
        if left is not None and left < self.low_budget:
            return self.pull_every * 4
        return self.pull_every

    def pull_due_at(self, allowance: CallAllowance | None) -> dt.datetime | None:
        interval = self.pull_interval(allowance)
        if interval is None:
            return None
        if self._last_pull is None:
            return dt.datetime.min.replace(tzinfo=dt.UTC)
        return self._last_pull + interval

    def due(self, now: dt.datetime, allowance: CallAllowance | None = None) -> ScheduledRun | None:
        """The run due now, if any."""
        push_at = self.push_due_at()
        pull_at = self.pull_due_at(allowance)
        pull = pull_at is not None and now >= pull_at
        if pull:
            return ScheduledRun(pull=True, reason="payments check")
        if push_at is not None and now >= push_at:
            return ScheduledRun(pull=False, reason="changes to send")
        return None

    def next_check_in(self, now: dt.datetime, allowance: CallAllowance | None = None) -> dt.timedelta:
        """How long a timer may sleep before ``due`` can change (at most a minute)."""
        moments = [m for m in (self.push_due_at(), self.pull_due_at(allowance)) if m is not None]
        if not moments:
            return dt.timedelta(minutes=1)
        return max(dt.timedelta(0), min(dt.timedelta(minutes=1), min(moments) - now))

    def ran(self, now: dt.datetime, *, pulled: bool, started: dt.datetime | None = None) -> None:
        """A run finished. Changes made after it ``started`` stay waiting for the next one."""
        begun = started or now
        if self._last_change is not None and self._last_change <= begun:
            self._first_change = None
            self._last_change = None
        elif self._first_change is not None and self._first_change <= begun:
            self._first_change = self._last_change
        if pulled:
            self._last_pull = now
