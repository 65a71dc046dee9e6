"""Syncing from the window: how long the GUI thread stalls while a large sync runs, and how soon an
approved invoice is in Xero.

Everything goes through the real window (``app.views.application.build_main_window``: its one
``SyncController``, its ``PackageAccess`` and the limiter every window sync has), shown offscreen with
the start-up objects set aside as ``run_gui`` does. The sandbox runs in its own process; the sandbox
process, the connected books and the business's invoices come from ``bench/sync.py`` (loaded from its
file), which measures the engine itself.

1. **Stall** (sandbox limits off; the client's limiter on, as in the window): ``--invoices`` approved
   invoices of 3 lines (default 2,000 over 100 customers) waiting; Sync now pressed on the Sync Log while
   a 5 ms heartbeat ``QTimer`` on the GUI thread records the longest gap between two beats, from the press
   until the screen has read the log again. Then the same with the Invoices screen showing (it reads its
   list again after the sync). Target: no gap over 100 ms.
2. **Approve -> in Xero** (the sandbox with Xero's limits: 60 a minute, 5 at once): drafts approved on
   the Invoices screen (``approve_selected``, what the Approve button does), one at a time, then a burst
   of five a second apart; the window's controller sends them on its schedule (2 s quiet, within 10 s).
   A thread reads the sandbox's state every 20 ms to see when each invoice is in Xero. Target: 10 s.

    python bench/sync_gui.py [--invoices 2000] [--customers 100] [--skip-stall] [--skip-latency]

POSIX only (as bench/sync.py).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TARGET_STALL_MS = 100
TARGET_APPROVE_SECONDS = 10.0
HEARTBEAT_MS = 5


def engine_bench() -> ModuleType:
    """bench/sync.py, for its sandbox process, books and invoices."""
    spec = importlib.util.spec_from_file_location("bench_sync", REPO / "bench" / "sync.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


class Heartbeat:
    """A timer on the GUI thread; ``longest`` is the longest gap between two beats beyond the interval,
    ``stalls`` the gaps over 50 ms with what the sync was doing then."""

    def __init__(self) -> None:
        from PySide6.QtCore import QElapsedTimer, QTimer

        self.clock = QElapsedTimer()
        self.timer = QTimer()
        self.timer.setInterval(HEARTBEAT_MS)
        self.timer.timeout.connect(self._beat)
        self.beats = 0
        self.longest = 0.0
        self.doing = ""
        self.stalls: list[tuple[float, str]] = []

    def start(self) -> None:
        self.clock.start()
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()

    def _beat(self) -> None:
        gap = self.clock.nsecsElapsed() / 1e6
        self.clock.restart()
        self.beats += 1
        late = gap - HEARTBEAT_MS
        self.longest = max(self.longest, late)
        if late > 50:
            self.stalls.append((late, self.doing))


def run_until(condition: Any, timeout: float) -> bool:
    """Run the GUI's event loop (as app.exec does) until ``condition()`` or ``timeout`` seconds."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    check = QTimer()
    check.setInterval(10)
    check.timeout.connect(lambda: loop.quit() if condition() else None)
    QTimer.singleShot(int(timeout * 1000), loop.quit)
    check.start()
    if not condition():
        loop.exec()
    check.stop()
    return bool(condition())


def settle(seconds: float) -> None:
    deadline = time.perf_counter() + seconds
    run_until(lambda: time.perf_counter() >= deadline, seconds + 1)


def open_window(bench: ModuleType, books: Any, sandbox: Any) -> Any:
    from app.config import AppPaths
    from app.views.application import (
        WindowPackageAccess,
        build_main_window,
        ensure_application,
        set_aside_startup_objects,
    )

    ensure_application()
    paths = AppPaths.default().ensure()
    access = WindowPackageAccess(paths, lambda: sandbox.base)
    window = build_main_window(books.database, paths=paths, demo=False, access=access)
    window.resize(1280, 800)
    window.show()
    settle(0.2)
    set_aside_startup_objects()  # as run_gui does once the window is shown
    return window, access


def stall(args: argparse.Namespace, bench: ModuleType, home: Path) -> None:
    print(
        f"\n1. GUI thread while Sync now sends {args.invoices:,} invoices x 3 lines from the window "
        f"({HEARTBEAT_MS} ms heartbeat; sandbox limits off, the window's limiter on)"
    )
    from app.views.application import window_sync

    sandbox = bench.start_sandbox(home / "sandbox.db")
    try:
        sandbox.control("POST", "/limits", {"concurrent": 1000, "per_minute": 10**9, "per_day": 10**9})
        books = bench.prepare(home, sandbox, args.invoices, customers=args.customers)
        window, access = open_window(bench, books, sandbox)
        sync = window_sync(window)
        assert sync is not None

        def measure(label: str, press: Any) -> None:
            heartbeat = Heartbeat()
            results: list[Any] = []
            sync.progress.connect(lambda d, t, text: setattr(heartbeat, "doing", f"{text} {d}/{t}"))
            sync.finished.connect(results.append)
            heartbeat.start()
            started = time.perf_counter()
            press()
            run_until(lambda: bool(results), 3600)
            seconds = time.perf_counter() - started
            settle(0.3)  # the screen reads itself again after the sync: still under the heartbeat
            heartbeat.stop()
            sync.progress.disconnect()
            sync.finished.disconnect(results.append)
            result = results[0] if results else None
            lines = result.lines() if hasattr(result, "lines") else [repr(result)]
            print(f"   {label}: {lines[0]} in {seconds:.1f} s")
            if heartbeat.stalls:
                worst = sorted(heartbeat.stalls, reverse=True)[:3]
                print("      gaps over 50 ms: " + "; ".join(f"{ms:.0f} ms ({what})" for ms, what in worst))
            verdict = "met" if heartbeat.longest <= TARGET_STALL_MS else "NOT met"
            print(
                f"      {heartbeat.beats:,} beats; longest stall {heartbeat.longest:.0f} ms "
                f"(target {TARGET_STALL_MS} ms: {verdict})"
            )

        log = window.show_page("Sync Log")
        measure("Sync Log showing, Sync now pressed", log.sync_button.click)
        bench.add_invoices(books.database, args.invoices, args.customers, prefix="Second")
        invoices = window.show_page("Invoices")
        settle(0.2)
        measure(f"Invoices showing ({2 * args.invoices:,} invoices listed)", sync.sync_now)
        held = bench.xero_numbers(home / "sandbox.db")
        ours = bench.local_numbers(books.database)
        twice = [n for n in ours if held[n] > 1]
        missing = [n for n in ours if held[n] == 0]
        print(f"   Xero holds {len(ours) - len(missing):,} of {len(ours):,}; {len(twice)} more than once")
        del invoices
        sync.shutdown()
        window.close()
        access.close()
        books.database.dispose()
    finally:
        sandbox.stop()


def latency(args: argparse.Namespace, bench: ModuleType, home: Path) -> None:
    print("\n2. Approve on the Invoices screen -> in Xero (Xero's limits on: 60 a minute, 5 at once)")
    import datetime as dt
    from decimal import Decimal

    from sqlalchemy import select

    from app.models import Customer, TaxRate
    from app.services.invoices import InvoiceDraft, LineDraft, create_invoice
    from app.views.application import window_sync

    state = home / "sandbox.db"
    sandbox = bench.start_sandbox(state)
    try:
        books = bench.prepare(home, sandbox, 0, customers=1)
        drafts: list[tuple[int, str]] = []
        with books.database.session_factory() as session, session.begin():
            gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
            customer = session.scalars(select(Customer)).first()
            assert customer is not None
            for n in range(10):
                invoice = create_invoice(
                    session,
                    InvoiceDraft(
                        customer.id,
                        dt.date.today(),
                        dt.date.today() + dt.timedelta(days=14),
                        lines=[LineDraft(f"Labour {n}", Decimal(1), Decimal("110"), gst)],
                    ),
                )
                drafts.append((invoice.id, invoice.number))
        window, access = open_window(bench, books, sandbox)
        sync = window_sync(window)
        assert sync is not None
        sync.start()
        view = window.show_page("Invoices")
        # The first sync of the day (payments checked) is behind us, as in a window open for a while.
        finished: list[Any] = []
        sync.finished.connect(finished.append)
        sync.sync_now()
        run_until(lambda: bool(finished), 120)

        seen: dict[str, float] = {}
        stop = threading.Event()

        def watch() -> None:
            while not stop.is_set():
                moment = time.perf_counter()
                for number, count in bench.xero_numbers(state).items():
                    if count:
                        seen.setdefault(number, moment)
                stop.wait(0.02)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()

        def approve(invoice_id: int) -> float:
            view.select_id(invoice_id)
            approved = time.perf_counter()
            assert view.approve_selected()
            return approved

        single: list[float] = []
        for invoice_id, number in drafts[:5]:
            approved = approve(invoice_id)
            run_until(lambda number=number: number in seen, 60)
            single.append(seen.get(number, float("inf")) - approved)
            settle(1.0)
        burst_started: dict[str, float] = {}
        for invoice_id, number in drafts[5:]:
            burst_started[number] = approve(invoice_id)
            settle(1.0)
        run_until(lambda: all(number in seen for number in burst_started), 60)
        burst = [seen.get(number, float("inf")) - at for number, at in burst_started.items()]
        stop.set()
        watcher.join(5)
        for label, delays in (("one at a time", single), ("five, a second apart", burst)):
            verdict = "met" if max(delays) <= TARGET_APPROVE_SECONDS else "NOT met"
            print(
                f"   {label}: {', '.join(f'{d:.1f}' for d in delays)} s; median "
                f"{statistics.median(delays):.1f} s, longest {max(delays):.1f} s "
                f"(target {TARGET_APPROVE_SECONDS:.0f} s: {verdict})"
            )
        sync.shutdown()
        window.close()
        access.close()
        books.database.dispose()
    finally:
        sandbox.stop()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=2_000, help="invoices per sync in part 1")
    parser.add_argument("--customers", type=int, default=100, help="customers they are spread over")
    parser.add_argument("--skip-stall", action="store_true")
    parser.add_argument("--skip-latency", action="store_true")
    args = parser.parse_args()
    bench = engine_bench()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for section, skip in ((stall, args.skip_stall), (latency, args.skip_latency)):
        if skip:
            continue
        with bench.fresh_home() as home:
            section(args, bench, home)
    return 0


if __name__ == "__main__":
    sys.exit(main())
