"""One sync per package at a time, across processes: the lease row, its heartbeat and its expiry."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import AccountingPackage, SyncLease
from app.sync.lease import Holder, LeaseHeld, LeaseLost, SyncLeaseHolder

XERO = AccountingPackage.XERO


def _lease(database: Database) -> SyncLease | None:
    with database.session_factory() as session:
        return session.scalars(select(SyncLease)).one_or_none()


def _plant(database: Database, holder: str, *, expires_in: dt.timedelta) -> None:
    now = dt.datetime.now(dt.UTC)
    with database.session_factory() as session, session.begin():
        session.add(
            SyncLease(
                package=XERO, holder=holder, acquired_at=now, heartbeat_at=now, expires_at=now + expires_in
            )
        )


def test_a_second_sync_is_refused_while_the_first_holds_the_lease(database: Database) -> None:
    first = SyncLeaseHolder(database.session_factory, XERO, run_id="first")
    second = SyncLeaseHolder(database.session_factory, XERO, run_id="second")
    with first:
        with pytest.raises(LeaseHeld, match="Another Xero sync is running"):
            second.acquire()
        lease = _lease(database)
        assert lease is not None and lease.holder == str(first.holder)
    assert _lease(database) is None  # given up at the end
    with second:
        assert _lease(database) is not None


def test_a_killed_runs_lease_is_taken_over_at_once_on_the_same_computer(database: Database) -> None:
    finished = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(finished.stdout)
    me = Holder.this_process("x")
    _plant(database, f"{me.host}:{dead_pid}:killed-run", expires_in=dt.timedelta(minutes=5))

    taker = SyncLeaseHolder(database.session_factory, XERO, run_id="next")
    taker.acquire()

    lease = _lease(database)
    assert lease is not None and lease.holder == str(taker.holder)


def test_a_lease_held_elsewhere_waits_for_its_expiry(database: Database) -> None:
    _plant(database, "another-pc:4242:their-run", expires_in=dt.timedelta(minutes=5))
    with pytest.raises(LeaseHeld):
        SyncLeaseHolder(database.session_factory, XERO).acquire()

    with database.session_factory() as session, session.begin():
        lease = session.scalars(select(SyncLease)).one()
        lease.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    taker = SyncLeaseHolder(database.session_factory, XERO)
    taker.acquire()
    lease_now = _lease(database)
    assert lease_now is not None and lease_now.holder == str(taker.holder)


def test_the_heartbeat_renews_and_a_lease_taken_over_is_reported_lost(database: Database) -> None:
    holder = SyncLeaseHolder(database.session_factory, XERO, duration=dt.timedelta(seconds=30))
    holder.acquire()
    first = _lease(database)
    assert first is not None
    holder.renew()
    renewed = _lease(database)
    assert renewed is not None and renewed.expires_at >= first.expires_at

    with database.session_factory() as session, session.begin():
        session.scalars(select(SyncLease)).one().holder = "another-pc:1:took-over"
    with pytest.raises(LeaseLost):
        holder.renew()
    with pytest.raises(LeaseLost):
        holder.check()
