"""One of the processes of the two-process numbering test (tests/integration/test_numbering.py).

Usage: python numbering_worker.py DATABASE_URL BARRIER_DIR NAME DESKTOP_COUNT DEVICE_COUNT

Opens the (already migrated) database, says it is ready by creating ``BARRIER_DIR/ready-NAME``, waits for
``BARRIER_DIR/go``, then as fast as it can: registers a device called NAME (a block from every sequence),
issues DESKTOP_COUNT job numbers from the desktop sequence and DEVICE_COUNT job numbers from its device
(interleaved, each in its own transaction, as separate app instances would), and prints what it was given
as JSON on stdout.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app.db import open_database
from app.models import MobileDevice, SequenceKind
from app.services.numbering import issue_number, register_device

BARRIER_TIMEOUT_SECONDS = 120


def wait_for_the_start(barrier: Path, name: str) -> None:
    (barrier / f"ready-{name}").touch()
    deadline = time.monotonic() + BARRIER_TIMEOUT_SECONDS
    while not (barrier / "go").exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{name}: nobody said go within {BARRIER_TIMEOUT_SECONDS} s")
        time.sleep(0.002)  # a spin on a file, in a test helper process; not a timing under test


def main(argv: list[str]) -> int:
    url, barrier_dir, name, desktop_count, device_count = argv
    database = open_database(url, run_migrations=False)
    try:
        with database.engine.connect() as connection:  # connect before the start, not after it
            connection.exec_driver_sql("SELECT 1")
        wait_for_the_start(Path(barrier_dir), name)
        with database.session_factory() as session, session.begin():
            device_id = register_device(session, name).id
        desktop: list[str] = []
        device: list[str] = []
        wanted_desktop, wanted_device = int(desktop_count), int(device_count)
        while len(desktop) < wanted_desktop or len(device) < wanted_device:
            # Spread the device's numbers evenly through the desktop's, so its block allocations race
            # the other process's desktop numbers rather than all coming at the start.
            from_device = len(device) < wanted_device and (
                len(desktop) >= wanted_desktop or len(device) * wanted_desktop <= len(desktop) * wanted_device
            )
            with database.session_factory() as session, session.begin():
                if from_device:
                    held_by = session.get(MobileDevice, device_id)
                    assert held_by is not None
                    device.append(issue_number(session, SequenceKind.JOB, held_by))
                else:
                    desktop.append(issue_number(session, SequenceKind.JOB))
        json.dump({"device_id": device_id, "desktop": desktop, "device": device}, sys.stdout)
    finally:
        database.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
