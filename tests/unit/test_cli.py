"""The command line: user mistakes are one line on stderr with exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not a database address"),
        ("nosuchdb://host/x", "cannot use the database"),
        ("sqlite:////no/such/folder/books.db", "does not exist"),
    ],
)
def test_bad_db_url_is_a_one_line_error(url: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--db", url, "gui"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


def test_bad_db_url_from_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, "LEDGERBRIDGE_HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, str(ROOT / "main.py"), "--db", "oops://"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ledgerbridge: ")
    assert "Traceback" not in result.stderr


def test_help_lists_the_global_options(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--db", "--demo", "--reset-demo"):
        assert option in out
