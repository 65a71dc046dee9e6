"""``ledgerbridge sandbox``: its first line is the JSON of endpoints; it serves until told to stop."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import requests

from app.config import AppPaths


def start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", "from app.cli import main; raise SystemExit(main())", "sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def first_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    """The JSON the command prints first (or, if it printed something else, a failure that shows why)."""
    assert process.stdout is not None
    line = process.stdout.readline()
    try:
        endpoints: dict[str, Any] = json.loads(line)
    except ValueError:
        process.kill()
        _, err = process.communicate(timeout=20)
        raise AssertionError(f"first line {line!r}; stderr: {err}") from None
    return endpoints


def test_sandbox_command_prints_its_endpoints_first_then_logs_requests(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    process = start("--state", str(state))
    try:
        first = first_line(process)
        base = first["base"]
        assert base.startswith("http://127.0.0.1:")
        xero = first["xero"]
        assert xero == {
            "authorize": f"{base}/xero/login/identity/connect/authorize",
            "token": f"{base}/xero/identity/connect/token",
            "revoke": f"{base}/xero/identity/connect/revocation",
            "connections": f"{base}/xero/api/connections",
            "api": f"{base}/xero/api/api.xro/2.0",
            "client_id": "ledgerbridge-demo",
        }
        assert requests.get(xero["connections"], timeout=10).status_code == 401
        assert process.stdout is not None
        logged = process.stdout.readline()
        assert "GET /xero/api/connections -> 401" in logged
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Sandbox stopped." in out
    assert state.exists()


def test_sandbox_state_defaults_to_the_data_folder() -> None:
    process = start()
    try:
        first_line(process)
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
    assert (AppPaths.default().data_dir / "sandbox.db").exists()
