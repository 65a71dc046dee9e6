"""``ledgerbridge settings show|export|import|suggest`` in their own processes, connected to the sandbox."""

from __future__ import annotations

import json
from pathlib import Path

from app.db import Database
from app.integrations.sandbox.server import SandboxServer
from app.models import SettingsAccountRole
from app.services.accounting_settings import load_settings
from tests.integration.connections.conftest import play_user as allow_access
from tests.integration.connections.conftest import run_cli, start_cli_connect


def _connect(sandbox: SandboxServer, database: Database) -> tuple[str, ...]:
    base = ("--db", database.url, "--sandbox", sandbox.base_url)
    cli = start_cli_connect(*base, "connect", "xero", "--no-browser")
    allow_access(cli.address)
    code, _out, err = cli.finish()
    assert code == 0, err
    return base


def test_suggest_save_show_export_and_import(
    sandbox: SandboxServer, sqlite_database: Database, keyring_file: Path, tmp_path: Path
) -> None:
    base = _connect(sandbox, sqlite_database)

    before = run_cli(*base, "settings", "show")
    assert before.returncode == 1  # nothing chosen yet: Save would refuse
    assert "chart of accounts never refreshed" in before.stdout
    assert "! Choose the Default Labour Income Account." in before.stdout

    suggested = run_cli(*base, "settings", "suggest")
    assert suggested.returncode == 0, suggested.stderr
    assert "Chart of accounts refreshed: 64 accounts (3 archived)" in suggested.stderr
    assert "Default Labour Income Account: 200 - Sales\n" in suggested.stdout
    assert "Default Payment Method from Accounts: EFT\n" in suggested.stdout
    with sqlite_database.session_factory() as session:
        assert load_settings(session).saved.account(SettingsAccountRole.LABOUR_INCOME) is None  # not saved

    saved = run_cli(*base, "settings", "suggest", "--save")
    assert saved.returncode == 0, saved.stderr
    assert saved.stdout.endswith("Suggestions saved.\n")
    shown = run_cli(*base, "settings", "show")
    assert shown.returncode == 0, shown.stdout
    assert (
        "  Account Number To Receive Payments:" in shown.stdout
        and "090 - Business Bank Account" in shown.stdout
    )
    assert "!" not in shown.stdout

    exported = tmp_path / "settings.json"
    assert run_cli(*base, "settings", "export", str(exported)).returncode == 0
    document = json.loads(exported.read_text(encoding="utf-8"))
    assert document["accounts"]["rounding"]["code"] == "860"

    # Import validates exactly as Save does: a bank account as labour income is refused, nothing changes.
    document["accounts"]["labour_income"] = {"code": "090"}
    document["push_work_undertaken"] = True
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps(document), encoding="utf-8")
    refused = run_cli(*base, "settings", "import", str(wrong))
    assert refused.returncode == 1
    assert "! 090 - Business Bank Account is a bank account; the Default Labour Income Account takes" in (
        refused.stderr
    )
    with sqlite_database.session_factory() as session:
        assert not load_settings(session).saved.push_work_undertaken

    document["accounts"]["labour_income"] = {"code": "260", "name": "Other Revenue"}
    right = tmp_path / "right.json"
    right.write_text(json.dumps(document), encoding="utf-8")
    imported = run_cli(*base, "settings", "import", str(right))
    assert imported.returncode == 0, imported.stderr
    assert "Default Labour Income Account:" in imported.stdout and "260 - Other Revenue" in imported.stdout
    with sqlite_database.session_factory() as session:
        snapshot = load_settings(session)
    assert snapshot.saved.push_work_undertaken
    labour = snapshot.chart.find(snapshot.saved.account(SettingsAccountRole.LABOUR_INCOME))
    assert labour is not None and labour.code == "260"


def test_suggest_needs_a_connection_and_a_bad_file_is_refused_in_a_sentence(
    sqlite_database: Database, tmp_path: Path
) -> None:
    offline = run_cli("--db", sqlite_database.url, "settings", "suggest")
    assert offline.returncode == 2
    assert "not connected" in offline.stderr and "ledgerbridge connect xero" in offline.stderr
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json", encoding="utf-8")
    refused = run_cli("--db", sqlite_database.url, "settings", "import", str(garbage))
    assert refused.returncode == 2
    assert "is not JSON" in refused.stderr and "Traceback" not in refused.stderr
