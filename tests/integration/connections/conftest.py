"""Connection tests: the sandbox on loopback, a keyring file in the test's folder, consent driven by hand.

The keyring is keyrings.alt's file backend, chosen with ``PYTHON_KEYRING_BACKEND`` and kept under the
test's temporary folder (``XDG_DATA_HOME``), so a ``ledgerbridge`` subprocess shares it.
"""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from app.config import AppPaths, PackageSettings, xero_settings
from app.db import Database
from app.integrations.base import Tenant
from app.integrations.connections import Connected, connect_xero
from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.server import SandboxServer
from app.integrations.secrets import SERVICE_NAME, SecretStore
from app.services.connections import ConnectionBook
from tests.integration.connections.browser import ConsentPage, answer_consent, open_consent_page

ROOT = Path(__file__).resolve().parents[3]
DEMO_COMPANY = "Demo Company (AU)"
SECOND_ORGANISATION = "Kookaburra Catering Pty Ltd"
PLAINTEXT_KEYRING = "keyrings.alt.file.PlaintextKeyring"


@pytest.fixture(autouse=True)
def _redirect_ports_to_ourselves() -> Iterator[None]:
    """One connection test at a time across test processes (pytest -n): the three registered redirect
    ports are fixed, so four consents at once would find them all taken."""
    from keyring.backends import fail

    shared = Path(tempfile.gettempdir()) / "ledgerbridge-tests"
    locks = SecretStore(demo_file=shared / "unused", lock_dir=shared, backend=fail.Keyring())
    with locks.exclusive("consent-redirect-ports", wait_seconds=900):
        yield


@pytest.fixture
def keyring_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Select the keyrings.alt file backend, kept in this test's folder; returns its file."""
    import keyring.core

    home = tmp_path / "keyring"
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", PLAINTEXT_KEYRING)
    monkeypatch.setenv("XDG_DATA_HOME", str(home))
    monkeypatch.setenv("LOCALAPPDATA", str(home))
    keyring.core.init_backend()
    return home / "python_keyring" / "keyring_pass.cfg"


def keyring_value(key: str) -> str | None:
    import keyring

    value = keyring.get_password(SERVICE_NAME, key)
    return value if isinstance(value, str) else None


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[SandboxServer]:
    with SandboxServer(tmp_path / "sandbox.db", clock=SandboxClock()) as server:
        yield server


@pytest.fixture
def xero(paths: AppPaths, sandbox: SandboxServer) -> PackageSettings:
    """The sandbox's Xero, reached by configuration only."""
    return xero_settings(paths, sandbox.base_url)


@pytest.fixture
def store(paths: AppPaths, keyring_file: Path) -> SecretStore:
    secret_store = SecretStore.for_paths(paths)
    assert secret_store.backend_name == PLAINTEXT_KEYRING
    return secret_store


@pytest.fixture
def book(sqlite_database: Database) -> ConnectionBook:
    return ConnectionBook(sqlite_database.session_factory)


@dataclass
class ConsentRun:
    """A connect running in a thread while the test plays the user at the consent page."""

    thread: threading.Thread
    addresses: queue.Queue[str]
    outcome: dict[str, Any]
    chooser_saw: list[list[str]]

    def address(self) -> str:
        return self.addresses.get(timeout=30)

    def result(self) -> Connected:
        self.thread.join(timeout=60)
        assert not self.thread.is_alive(), "connect did not finish"
        if "error" in self.outcome:
            raise self.outcome["error"]
        result: Connected = self.outcome["result"]
        return result


def start_connect(
    settings: PackageSettings,
    store: SecretStore,
    book: ConnectionBook,
    *,
    choose: Callable[[Sequence[Tenant]], Tenant] | None = None,
    timeout: float = 60.0,
) -> ConsentRun:
    addresses: queue.Queue[str] = queue.Queue()
    outcome: dict[str, Any] = {}
    saw: list[list[str]] = []

    def chooser(tenants: Sequence[Tenant]) -> Tenant:
        saw.append([tenant.name for tenant in tenants])
        return choose(tenants) if choose else tenants[0]

    def run() -> None:
        try:
            outcome["result"] = connect_xero(
                settings, store=store, book=book, choose=chooser, show_address=addresses.put, timeout=timeout
            )
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run, name="connect", daemon=True)
    thread.start()
    return ConsentRun(thread, addresses, outcome, saw)


def play_user(
    address: str, *, button: str = "Allow access", organisations: list[str] | None = None
) -> tuple[ConsentPage, requests.Response]:
    """Open the consent page as a browser would, tick, press the button, follow the redirect."""
    with requests.Session() as browser:
        page = open_consent_page(browser, address)
        assert page.status == 200, page.text[:300]
        answer = answer_consent(browser, page, button=button, organisations=organisations)
    return page, answer


def connect_through_consent(
    settings: PackageSettings,
    store: SecretStore,
    book: ConnectionBook,
    *,
    organisations: list[str] | None = None,
    choose: Callable[[Sequence[Tenant]], Tenant] | None = None,
) -> Connected:
    run = start_connect(settings, store, book, choose=choose)
    play_user(run.address(), organisations=organisations)
    return run.result()


# -- the command line in its own process -------------------------------------------------------------------


def cli_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONUNBUFFERED": "1"}
    env.pop("LEDGERBRIDGE_XERO_CLIENT_ID", None)  # production is unconfigured unless a test says otherwise
    return {**env, **extra}


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "main.py"), *args],
        capture_output=True,
        text=True,
        env=env or cli_env(),
        cwd=ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


@dataclass
class CliConnect:
    process: subprocess.Popen[str]
    address: str

    def finish(self, timeout: float = 60) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err


def start_cli_connect(*args: str, env: dict[str, str] | None = None) -> CliConnect:
    """Start ``ledgerbridge ... connect xero --no-browser ...`` and read the address it prints."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "main.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env or cli_env(),
        cwd=ROOT,
    )
    assert process.stdout is not None
    prefix = "Open this address to connect: "
    line = process.stdout.readline()
    if not line.startswith(prefix):
        process.kill()
        _out, err = process.communicate(timeout=30)
        pytest.fail(f"ledgerbridge did not print the address; got {line!r}; stderr: {err}")
    return CliConnect(process, line[len(prefix):].strip())
