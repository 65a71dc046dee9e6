"""``ledgerbridge import-customers`` in its own process against the sandbox: --dry-run, no terminal,
--yes, and a second run that proposes nothing."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from app.config import PackageSettings
from app.db import Database
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import SeedContact
from app.integrations.secrets import SecretStore
from app.models import Customer, SyncRecord
from app.services.connections import ConnectionBook
from app.services.customers import CustomerDetails, save_customer
from tests.integration.connections.conftest import connect_through_consent, run_cli


def _count(database: Database, table: type[Customer] | type[SyncRecord]) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def test_dry_run_then_no_terminal_then_yes_then_nothing_more(
    sandbox: SandboxServer,
    sqlite_database: Database,
    store: SecretStore,
    keyring_file: Path,
    xero: PackageSettings,
) -> None:
    book = ConnectionBook(sqlite_database.session_factory)
    connect_through_consent(xero, store, book)
    with sqlite_database.session_factory() as session, session.begin():
        save_customer(session, CustomerDetails(name="Smith & Sons Plumbing Pty Ltd"))
        save_customer(session, CustomerDetails(name="Jones Electrical", email="admin@books.example"))
    sandbox.add_xero_contacts(
        [
            SeedContact("Smith and Sons Plumbing"),
            SeedContact("Harbour Cafe", email="admin@books.example"),
            SeedContact("Brand New Bakery"),
        ]
    )
    common = ("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "import-customers")

    dry = run_cli(*common, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    lines = dry.stdout.splitlines()
    assert "link      Smith and Sons Plumbing -> Smith & Sons Plumbing Pty Ltd  (same name)" in lines
    assert any(line.startswith("create    Brand New Bakery  (no customer matches)") for line in lines)
    conflict = next(line for line in lines if line.startswith("conflict  Harbour Cafe"))
    assert "have nothing in common" in conflict
    last = lines[-1]
    assert last.startswith("create: ") and ", link: 1, update: 0, skip: 0, conflict: 1" in last
    creates = int(last.split(",")[0].removeprefix("create: "))
    assert creates == sum(1 for line in lines if line.startswith("create "))
    assert "Read " in dry.stderr and "Traceback" not in dry.stderr
    assert (_count(sqlite_database, Customer), _count(sqlite_database, SyncRecord)) == (2, 0)

    unattended = run_cli(*common)  # no terminal to ask at: behaves as --dry-run
    assert unattended.returncode == 0
    assert unattended.stdout.splitlines()[-1] == last
    assert "run with --yes to apply" in unattended.stderr
    assert _count(sqlite_database, SyncRecord) == 0

    applied = run_cli(*common, "--yes")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.splitlines()[-1] == last
    assert f"Imported: {creates:,} new customers, 1 customer linked, 0 customers updated." in applied.stderr
    assert _count(sqlite_database, Customer) == 2 + creates
    assert _count(sqlite_database, SyncRecord) == creates + 1  # the conflict is left for the bookkeeper

    again = run_cli(*common, "--yes")
    assert again.returncode == 0, again.stderr
    assert again.stdout.splitlines()[-1] == f"create: 0, link: 0, update: 0, skip: {creates + 1}, conflict: 1"
    assert _count(sqlite_database, Customer) == 2 + creates


def test_dry_run_and_yes_together_are_refused(sqlite_database: Database) -> None:
    result = run_cli("--db", sqlite_database.url, "import-customers", "--dry-run", "--yes")
    assert result.returncode == 2
    assert "cannot be used together" in result.stderr


def test_without_a_connection_it_says_how_to_connect(sqlite_database: Database) -> None:
    result = run_cli("--db", sqlite_database.url, "import-customers", "--dry-run")
    assert result.returncode == 2
    assert "ledgerbridge connect xero" in result.stderr
    assert "Traceback" not in result.stderr


def _run_at_a_terminal(args: list[str], answer: bytes) -> tuple[int, str]:
    """Run the command with a terminal for its input and output; answer its question with ``answer``."""
    import os
    import pty
    import select
    import subprocess
    import sys
    import time

    from tests.integration.connections.conftest import ROOT, cli_env

    master, slave = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *args],
        stdin=slave,
        stdout=slave,
        stderr=slave,  # input() writes its question to standard error when it is a terminal
        env=cli_env(),
        cwd=ROOT,
    )
    os.close(slave)
    seen = b""
    answered = False
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the command ended and closed its terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"[y/N]" in seen:
                os.write(master, answer)
                answered = True
        elif process.poll() is not None:
            break
    os.close(master)
    return process.wait(timeout=30), seen.decode(errors="replace")


def test_at_a_terminal_it_asks_and_applies_only_on_yes(
    sandbox: SandboxServer,
    sqlite_database: Database,
    store: SecretStore,
    keyring_file: Path,
    xero: PackageSettings,
) -> None:
    connect_through_consent(xero, store, ConnectionBook(sqlite_database.session_factory))
    sandbox.add_xero_contacts([SeedContact("Brand New Bakery")])
    common = ["--db", sqlite_database.url, "--sandbox", sandbox.base_url, "import-customers"]

    code, screen = _run_at_a_terminal(common, b"n\n")
    assert code == 0 and "Apply these changes? Conflicts are left for you to settle. [y/N]" in screen
    assert _count(sqlite_database, SyncRecord) == 0

    code, screen = _run_at_a_terminal(common, b"y\n")
    assert code == 0, screen[-500:]
    assert _count(sqlite_database, SyncRecord) > 0
    assert _count(sqlite_database, Customer) == _count(sqlite_database, SyncRecord)
