"""One sync per package at a time, across processes: a lease row with a heartbeat and an expiry.

A run takes the package's ``SyncLease`` row when it is free, expired, or held by a process on this
computer that no longer exists (a killed run: its lease is taken over at once rather than after the
expiry). While it runs, a heartbeat thread pushes ``expires_at`` forward; at the end the row is deleted.
Taking and renewing are single conditional statements, so two processes racing for the lease cannot both
win, on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Result, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.models import AccountingPackage, SyncLease

logger = logging.getLogger(__name__)

#: A lease not renewed for this long is free for the next run.
LEASE_DURATION = dt.timedelta(seconds=60)
HEARTBEAT_EVERY = dt.timedelta(seconds=15)


class LeaseHeld(Exception):
    """Another sync of the package is running. ``str()`` says who and since when."""


class LeaseLost(Exception):
    """This run's lease expired or was taken over (e.g. the computer slept); the run must stop."""


@dataclass(frozen=True)
class Holder:
    """Who holds a lease: ``host:pid:run``; the pid lets a run on the same computer see a dead holder."""

    host: str
    pid: int
    run: str

    def __str__(self) -> str:
        return f"{self.host}:{self.pid}:{self.run}"

    @classmethod
    def parse(cls, text: str) -> Holder | None:
        parts = text.rsplit(":", 2)
        if len(parts) != 3 or not parts[1].isdigit():
            return None
        return cls(parts[0], int(parts[1]), parts[2])

    @classmethod
    def this_process(cls, run: str) -> Holder:
        return cls(socket.gethostname()[:60], os.getpid(), run[:36])


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this computer."""
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        try:
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        finally:
            kernel32.CloseHandle(handle)
        return code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class SyncLeaseHolder:
    """Takes, renews and gives up one package's lease. Use as a context manager around a run."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        package: AccountingPackage,
        *,
        run_id: str | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        duration: dt.timedelta = LEASE_DURATION,
        heartbeat_every: dt.timedelta = HEARTBEAT_EVERY,
    ) -> None:
        self._session_factory = session_factory
        self._package = package
        self.holder = Holder.this_process(run_id or str(uuid.uuid4()))
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._duration = duration
        self._heartbeat_every = heartbeat_every
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = threading.Event()

    # -- taking and giving up ---------------------------------------------------------------------------

    def acquire(self) -> None:
        """Take the lease or raise ``LeaseHeld`` saying who has it."""
        now = self._clock()
        me = str(self.holder)
        expires = now + self._duration
        with self._session_factory() as session, session.begin():
            current = session.scalar(select(SyncLease).where(SyncLease.package == self._package))
            if current is None:
                session.add(
                    SyncLease(
                        package=self._package,
                        holder=me,
                        acquired_at=now,
                        heartbeat_at=now,
                        expires_at=expires,
                    )
                )
                try:
                    session.flush()
                except IntegrityError:
                    raise LeaseHeld(self._held_message(None)) from None
                return
            free = current.expires_at <= now or current.holder == me or self._holder_is_dead(current.holder)
            if not free:
                raise LeaseHeld(self._held_message(current))
            # Conditional on the holder read, so of two runs taking over at once only one wins.
            taken = session.execute(
                update(SyncLease)
                .where(SyncLease.package == self._package, SyncLease.holder == current.holder)
                .values(holder=me, acquired_at=now, heartbeat_at=now, expires_at=expires)
                .execution_options(synchronize_session=False)
            )
            if _rowcount(taken) != 1:
                raise LeaseHeld(self._held_message(None))
            if current.holder != me:
                logger.info("Took over the %s sync lease from %s", self._package.label, current.holder)

    def _holder_is_dead(self, holder_text: str) -> bool:
        holder = Holder.parse(holder_text)
        return holder is not None and holder.host == self.holder.host and not process_alive(holder.pid)

    def _held_message(self, current: SyncLease | None) -> str:
        if current is None:
            return f"Another {self._package.label} sync has just started; this one was not run."
        since = current.acquired_at.astimezone()
        return (
            f"Another {self._package.label} sync is running (since {since:%H:%M:%S}); this one was not run. "
            "It will be picked up at the next sync."
        )

    def renew(self) -> None:
        """Push the expiry forward; raise ``LeaseLost`` if the lease is no longer ours."""
        now = self._clock()
        with self._session_factory() as session, session.begin():
            renewed = session.execute(
                update(SyncLease)
                .where(SyncLease.package == self._package, SyncLease.holder == str(self.holder))
                .values(heartbeat_at=now, expires_at=now + self._duration)
                .execution_options(synchronize_session=False)
            )
        if _rowcount(renewed) != 1:
            self.lost.set()
            raise LeaseLost(
                f"This {self._package.label} sync lost its turn (another sync took over); it stopped."
            )

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)
        self._thread = None
        with self._session_factory() as session, session.begin():
            session.execute(
                delete(SyncLease).where(
                    SyncLease.package == self._package, SyncLease.holder == str(self.holder)
                )
            )

    # -- heartbeat ---------------------------------------------------------------------------------------

    def start_heartbeat(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._beat, name="sync-lease-heartbeat", daemon=True)
        self._thread.start()

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat_every.total_seconds()):
            try:
                self.renew()
            except LeaseLost:
                logger.warning("The %s sync lease was lost", self._package.label)
                return
            except Exception:  # a passing database hiccup: try again at the next beat
                logger.exception("Could not renew the %s sync lease", self._package.label)

    def check(self) -> None:
        """Raise ``LeaseLost`` when the heartbeat found the lease gone (called between steps)."""
        if self.lost.is_set():
            raise LeaseLost(
                f"This {self._package.label} sync lost its turn (another sync took over); it stopped."
            )

    def __enter__(self) -> SyncLeaseHolder:
        self.acquire()
        self.start_heartbeat()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE changed (an UPDATE's result is a ``CursorResult``)."""
    return cast(CursorResult[Any], result).rowcount
