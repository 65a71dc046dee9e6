"""The benchmarks still run: each one, at its smallest, in its own process, as a developer would start it.

Benchmarks print figures and are not tests (timings are never asserted), but one that no longer starts
(a renamed helper, a removed option) is only found when somebody needs its figures. This runs each at a
size that takes seconds and checks it finishes and prints the figure it exists for.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CASES = {
    "startup": (["--runs", "1"], "peak RSS"),
    "chart_refresh": (["--accounts", "200", "--runs", "1"], "longest stall"),
    "import_customers": (["--runs", "1", "--sizes", "200", "--skip-end-to-end"], "peak memory"),
    "sandbox_lookups": (
        ["--contacts", "50", "--invoices", "50", "--credit-notes", "20", "--calls", "3"],
        "median",
    ),
    "sync": (["--invoices", "60", "--skip-gui", "--skip-limited", "--skip-latency"], "ms per invoice"),
    "sync_gui": (["--invoices", "40", "--customers", "5", "--skip-latency"], "longest stall"),
    "table_sort": (["--rows", "200", "--runs", "1"], "median over the columns"),
}


@pytest.mark.skipif(sys.platform == "win32", reason="the sync benchmarks are POSIX only")
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_benchmark_runs_and_prints_its_figures(name: str, tmp_path: Path) -> None:
    options, expected = CASES[name]
    environment = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "LEDGERBRIDGE_HOME": str(tmp_path / "home"),
        "PYTHONPATH": str(ROOT),
    }
    finished = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{name}.py"), *options],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = finished.stdout + finished.stderr
    assert finished.returncode == 0, output[-3000:]
    assert expected.lower() in finished.stdout.lower(), finished.stdout[-3000:]
