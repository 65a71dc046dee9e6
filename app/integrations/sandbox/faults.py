"""Faults a test can switch on: what a real package does on a bad day, on demand.

Some faults answer *instead of* the request (a burst of 429s, a 500 or 503 body); the others strike
*after* the request was processed and its write committed, which is where clients lose track of what
happened: an answer so slow that the client gives up, a connection dropped before any answer, or an answer
held until the test releases it (so it can stop the client at exactly that moment).
"""

from __future__ import annotations

import enum
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from app.integrations.sandbox.web import WebRequest


class FaultKind(enum.StrEnum):
    RATE_LIMITED = "429"
    SERVER_ERROR = "500"
    UNAVAILABLE = "503"
    SLOW = "slow"
    DROP = "drop"
    HOLD = "hold"

    @property
    def strikes_after_commit(self) -> bool:
        return self in {FaultKind.SLOW, FaultKind.DROP, FaultKind.HOLD}


@dataclass
class Fault:
    """One fault rule: ``kind`` hits the next ``times`` requests whose method and path match.

    ``path`` is a regular expression searched in the request path (e.g. ``"/Invoices"``); ``None`` matches
    every request of the emulator's API (not its sign-in pages). ``times=None`` keeps hitting until cleared.
    ``problem`` and ``retry_after`` shape a 429 (``minute``, ``day``, ``concurrent``, ``appminute``);
    ``seconds`` is how long a slow answer waits, in real seconds.
    """

    kind: FaultKind
    times: int | None = 1
    method: str | None = None
    path: str | None = None
    problem: str = "minute"
    retry_after: int = 30
    seconds: float = 5.0
    hits: int = field(default=0, compare=False)

    def matches(self, request: WebRequest, *, default_scope: bool) -> bool:
        """Whether the fault applies; a fault without a path applies where ``default_scope`` says."""
        if self.method is not None and self.method.upper() != request.method:
            return False
        if self.path is None:
            return default_scope
        return re.search(self.path, request.path, re.IGNORECASE) is not None

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> Fault:
        """A fault from the control endpoint's JSON body (same names as the fields)."""
        times = payload.get("times", 1)
        return cls(
            kind=FaultKind(str(payload["kind"])),
            times=None if times is None else int(times),
            method=payload.get("method"),
            path=payload.get("path"),
            problem=str(payload.get("problem", "minute")),
            retry_after=int(payload.get("retry_after", 30)),
            seconds=float(payload.get("seconds", 5.0)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "times": self.times,
            "method": self.method,
            "path": self.path,
            "problem": self.problem,
            "retry_after": self.retry_after,
            "seconds": self.seconds,
            "hits": self.hits,
        }


class FaultPlan:
    """The faults switched on, in the order they were added; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def take(self, request: WebRequest, *, after_commit: bool, default_scope: bool = True) -> Fault | None:
        """The first fault of the phase that matches ``request``, counted as used once."""
        with self._lock:
            for fault in self._faults:
                if fault.kind.strikes_after_commit != after_commit:
                    continue
                if not fault.matches(request, default_scope=default_scope):
                    continue
                fault.hits += 1
                if fault.times is not None and fault.hits >= fault.times:
                    self._faults.remove(fault)
                return fault
        return None


class HeldResponses:
    """Answers held after their commit until a test releases them (or the server stops)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._held = 0
        self._generation = 0
        self._stopping = False

    @property
    def count(self) -> int:
        with self._condition:
            return self._held

    def hold(self) -> None:
        """Block the calling request thread until ``release_all`` or ``stop``."""
        with self._condition:
            generation = self._generation
            self._held += 1
            self._condition.notify_all()
            try:
                while self._generation == generation and not self._stopping:
                    self._condition.wait()
            finally:
                self._held -= 1
                self._condition.notify_all()

    def wait_for(self, count: int = 1, timeout: float = 10.0) -> bool:
        """Wait until at least ``count`` answers are held; False on timeout."""
        with self._condition:
            return self._condition.wait_for(lambda: self._held >= count, timeout=timeout)

    def release_all(self) -> int:
        with self._condition:
            released = self._held
            self._generation += 1
            self._condition.notify_all()
            return released

    def stop(self) -> None:
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
