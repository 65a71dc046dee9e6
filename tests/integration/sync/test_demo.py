"""As a new user would try it: connect the demo to the sandbox, accept the suggested settings, sync twice."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from app.config import AppPaths
from tests.integration.connections import conftest as connections
from tests.integration.connections.conftest import cli_env, play_user, run_cli, start_cli_connect

# The demo's consent uses LedgerBridge's own loopback listener: take turns on the three redirect ports.
_redirect_ports_to_ourselves = connections._redirect_ports_to_ourselves
keyring_file = connections.keyring_file


def test_demo_connect_suggest_then_sync_sends_the_due_invoices_and_then_nothing(
    paths: AppPaths, keyring_file: Path, tmp_path: Path
) -> None:
    cli = start_cli_connect("--demo", "connect", "xero", "--no-browser", env=cli_env())
    play_user(cli.address)
    code, _out, err = cli.finish()
    assert code == 0, err

    suggest = run_cli("--demo", "settings", "suggest", "--save")
    assert suggest.returncode == 0, suggest.stdout + suggest.stderr
    # The start date defaults to the day of the first connect, when no demo invoice is dated yet: move it
    # back four weeks, as a bookkeeper would, so the demo's recent invoices are due. (The demo could
    # seed this date itself; see the sync report.)
    exported = run_cli("--demo", "settings", "export", "-")
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    document["invoice_start_date"] = (dt.date.today() - dt.timedelta(days=28)).isoformat()
    settings_file = tmp_path / "settings.json"
    settings_file.write_text(json.dumps(document), encoding="utf-8")
    imported = run_cli("--demo", "settings", "import", str(settings_file))
    assert imported.returncode == 0, imported.stdout + imported.stderr

    first = run_cli("--demo", "sync", timeout=300)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Sent to Xero:" in first.stdout and "invoice" in first.stdout.split("Sent to Xero:")[1]

    second = run_cli("--demo", "sync", timeout=300)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing to send" in second.stdout
