"""``ledgerbridge connect xero`` and ``ledgerbridge status`` in their own processes, against the sandbox."""

from __future__ import annotations

from pathlib import Path

from app.config import AppPaths
from app.db import Database, open_database
from app.integrations.sandbox.server import SandboxServer
from app.services.connections import ConnectionBook
from tests.integration.connections.conftest import (
    DEMO_COMPANY,
    SECOND_ORGANISATION,
    cli_env,
    keyring_value,
    play_user,
    run_cli,
    start_cli_connect,
)


def test_with_two_organisations_no_terminal_and_no_tenant_connect_exits_2_listing_them(
    sandbox: SandboxServer, sqlite_database: Database, keyring_file: Path
) -> None:
    cli = start_cli_connect("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "connect", "xero",
                            "--no-browser")
    play_user(cli.address, organisations=[DEMO_COMPANY, SECOND_ORGANISATION])
    code, _out, err = cli.finish()
    assert code == 2
    assert "--tenant NAME" in err
    assert f"  {DEMO_COMPANY}\n" in err and f"  {SECOND_ORGANISATION}\n" in err
    assert "Traceback" not in err
    assert ConnectionBook(sqlite_database.session_factory).find("xero") is None


def test_connect_with_tenant_exits_0_and_status_is_healthy(
    sandbox: SandboxServer, sqlite_database: Database, keyring_file: Path
) -> None:
    cli = start_cli_connect("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "connect", "xero",
                            "--no-browser", "--tenant", SECOND_ORGANISATION)
    assert cli.address.startswith(sandbox.base_url + "/xero/login/")
    play_user(cli.address, organisations=[DEMO_COMPANY, SECOND_ORGANISATION])
    code, out, err = cli.finish()
    assert code == 0, err
    assert f"Connected to the Xero organisation {SECOND_ORGANISATION}." in out

    book = ConnectionBook(sqlite_database.session_factory)
    info = book.find("xero")
    assert info is not None and info.tenant_name == SECOND_ORGANISATION
    connected_token = keyring_value(info.secret_key)

    status = run_cli("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"Xero: {SECOND_ORGANISATION} (sandbox) - Connected" in status.stdout
    assert "Last successful call:        never" not in status.stdout
    # The status check renewed the sign-in (access tokens live only in memory, so each process refreshes)
    # and the rotated refresh token replaced the old one in the keyring.
    assert keyring_value(info.secret_key) not in (None, connected_token)


def test_status_with_no_connection_exits_2(sqlite_database: Database) -> None:
    status = run_cli("--db", sqlite_database.url, "status")
    assert status.returncode == 2
    assert "ledgerbridge connect xero" in status.stdout


def test_production_without_a_client_id_refuses_saying_how_to_set_one(
    sqlite_database: Database, paths: AppPaths
) -> None:
    result = run_cli("--db", sqlite_database.url, "connect", "xero", "--no-browser", timeout=60)
    assert result.returncode == 2
    assert "LEDGERBRIDGE_XERO_CLIENT_ID" in result.stderr
    assert str(paths.config_file) in result.stderr
    assert "Open this address" not in result.stdout
    assert "Traceback" not in result.stderr


def test_production_client_id_from_the_config_file_is_used_with_xeros_own_address(
    sqlite_database: Database, paths: AppPaths
) -> None:
    paths.config_file.write_text('[xero]\nclient_id = "ABC123DEF"\n', encoding="utf-8")
    cli = start_cli_connect("--db", sqlite_database.url, "connect", "xero", "--no-browser", "--timeout", "1")
    assert cli.address.startswith("https://login.xero.com/identity/connect/authorize?")
    assert "client_id=ABC123DEF" in cli.address
    code, _out, err = cli.finish()
    # Nobody answers within the second: a clean timeout, not a traceback.
    assert code == 2
    assert "No answer came from the sign-in page" in err
    assert "Traceback" not in err


def test_demo_starts_the_sandbox_picks_the_demo_company_and_shares_its_state(
    paths: AppPaths, keyring_file: Path
) -> None:
    cli = start_cli_connect("--demo", "connect", "xero", "--no-browser", env=cli_env())
    play_user(cli.address, organisations=[DEMO_COMPANY, SECOND_ORGANISATION])
    code, out, err = cli.finish()
    assert code == 0, err
    assert f"Connected to the Xero organisation {DEMO_COMPANY}." in out
    assert paths.sandbox_state_file.exists()

    # A second process starts its own sandbox on another port over the same state file: still connected.
    status = run_cli("--demo", "status")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"Xero: {DEMO_COMPANY} (sandbox) - Connected" in status.stdout

    database = open_database(f"sqlite:///{paths.demo_database_file}")
    try:
        info = ConnectionBook(database.session_factory).find("xero")
    finally:
        database.dispose()
    assert info is not None and info.sandbox


NO_KEYRING = "keyring.backends.fail.Keyring"


def test_with_no_keyring_at_all_a_sandbox_connection_uses_the_labelled_demo_file(
    sandbox: SandboxServer, sqlite_database: Database, paths: AppPaths
) -> None:
    env = cli_env(PYTHON_KEYRING_BACKEND=NO_KEYRING)
    cli = start_cli_connect("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "connect", "xero",
                            "--no-browser", env=env)
    play_user(cli.address)
    code, _out, err = cli.finish()
    assert code == 0, err
    demo_files = list(paths.data_dir.glob("*NOT-SECURE*"))
    assert len(demo_files) == 1
    assert "DEMO ONLY" in demo_files[0].read_text(encoding="utf-8")
    status = run_cli("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "status", env=env)
    assert status.returncode == 0, status.stdout + status.stderr
    assert "demo-only file" in status.stdout


def test_with_no_keyring_at_all_a_real_connection_is_refused_before_any_consent(
    sqlite_database: Database, paths: AppPaths
) -> None:
    env = cli_env(PYTHON_KEYRING_BACKEND=NO_KEYRING, LEDGERBRIDGE_XERO_CLIENT_ID="REAL-APP")
    result = run_cli("--db", sqlite_database.url, "connect", "xero", "--no-browser", env=env)
    assert result.returncode == 2
    assert "no keyring" in result.stderr and "--demo" in result.stderr
    assert "Open this address" not in result.stdout
    assert not list(paths.data_dir.glob("*NOT-SECURE*"))


def test_status_offline_reports_what_is_recorded_without_asking_xero(
    sandbox: SandboxServer, sqlite_database: Database, keyring_file: Path
) -> None:
    cli = start_cli_connect("--db", sqlite_database.url, "--sandbox", sandbox.base_url, "connect", "xero",
                            "--no-browser")
    play_user(cli.address)
    assert cli.finish()[0] == 0
    info = ConnectionBook(sqlite_database.session_factory).find("xero")
    assert info is not None
    before = keyring_value(info.secret_key)
    # Offline, and without --sandbox: nothing is asked of any Xero, the recorded health is printed.
    status = run_cli("--db", sqlite_database.url, "status", "--offline")
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"Xero: {DEMO_COMPANY} (sandbox) - Connected" in status.stdout
    assert keyring_value(info.secret_key) == before
    # Online without the sandbox's address, the sandbox connection cannot be checked: said, exit 2.
    online = run_cli("--db", sqlite_database.url, "status")
    assert online.returncode == 2
    assert "made with LedgerBridge's sandbox" in online.stdout
