"""Progress and cancellation for long work, shared by the engine, the CLI and the GUI's workers.

Long work takes a ``ProgressReporter`` and a ``CancelToken``; it calls ``report(done, total, text)`` as it
goes and ``cancel.raise_if_cancelled()`` between steps, so cancelling is cooperative and always leaves the
database consistent (a step is either done and committed, or not started).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


class Cancelled(Exception):
    """The user cancelled; not an error. ``str()`` says so in plain words."""

    def __init__(
        self, message: str = "Cancelled. What was finished before cancelling has been kept."
    ) -> None:
        super().__init__(message)


class CancelToken:
    """Thread-safe flag set by whoever wants the work to stop."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()

    def wait(self, seconds: float) -> bool:
        """Sleep up to ``seconds``, waking at once on cancel; True if cancelled."""
        return self._event.wait(seconds)


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    text: str


ProgressReporter = Callable[[int, int, str], None]


def ignore_progress(done: int, total: int, text: str) -> None:
    """A reporter for callers that do not show progress."""
