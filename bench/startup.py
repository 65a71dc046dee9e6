"""Start-up of ``python main.py --demo``: time from process start to the main window shown, and peak RSS.

Each run is a fresh process, offscreen (QT_QPA_PLATFORM=offscreen), with LEDGERBRIDGE_HOME in a temporary
folder: the first run creates and seeds the demo database, the later runs open the one it left. The app
prints the moment its window is exposed when LEDGERBRIDGE_EXIT_AFTER_SHOW=1, then quits.

"Process start" is the kernel's start time of the child (from /proc, to one clock tick) and, as a
cross-check, the moment just before it was spawned; peak RSS and CPU time are the child's own, from
``wait4``. Wall times stretch when other work shares the machine: the load average is printed, and the
CPU time is the steadier figure. POSIX only, like this machine.

    python bench/startup.py [--runs N] [--importtime]

Targets (foundation issue): 1.5 s and 250 MB.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 1.5
TARGET_MB = 250
SHOWN = re.compile(r"window shown at unix time (\d+\.\d+)")


def process_start_time(pid: int) -> float | None:
    """When the kernel started ``pid``, as unix time, to one clock tick (10 ms); None off Linux.

    psutil's create_time adds the boot time, which /proc/stat gives in whole seconds, so it can be
    up to a second out; the process's age on the uptime clock is exact to the tick.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        uptime = float(Path("/proc/uptime").read_text().split()[0])
    except OSError:
        return None
    now = time.time()
    # Field 22 (starttime, in clock ticks since boot) comes after the command name in parentheses.
    ticks = int(stat.rsplit(")", 1)[1].split()[19])
    age = uptime - ticks / os.sysconf("SC_CLK_TCK")
    return now - age


@dataclass
class Run:
    label: str
    since_spawn: float  # seconds from just before spawning to the window shown
    since_start: float | None  # seconds from the kernel's process start time to the window shown
    cpu_seconds: float  # user + system time of the whole run (to the window, then a prompt exit)
    peak_rss_mb: float
    exit_code: int
    importtime: str = ""


def run_once(label: str, home: Path, *, importtime: bool) -> Run:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        "LEDGERBRIDGE_HOME": str(home),
        "LEDGERBRIDGE_EXIT_AFTER_SHOW": "1",
    }
    env.pop("LEDGERBRIDGE_DB", None)
    command = [sys.executable, *(["-X", "importtime"] if importtime else []), str(REPO / "main.py"), "--demo"]
    with tempfile.TemporaryFile("w+") as errors:
        spawned = time.time()
        child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors, text=True, cwd=REPO)
        started = process_start_time(child.pid)
        watchdog = threading.Timer(120, child.kill)
        watchdog.start()
        try:
            assert child.stdout is not None
            stdout = child.stdout.read()
            # wait4 reaps this child alone and gives its own resource usage (peak RSS included).
            _, status, usage = os.wait4(child.pid, 0)
        finally:
            watchdog.cancel()
        child.returncode = os.waitstatus_to_exitcode(status)
        child.stdout.close()
        errors.seek(0)
        stderr = errors.read()
    match = SHOWN.search(stdout)
    if child.returncode != 0 or match is None:
        raise SystemExit(f"{label}: exit code {child.returncode}, no window reported\n{stderr[-2000:]}")
    shown = float(match.group(1))
    # ru_maxrss: kilobytes on Linux, bytes on macOS.
    peak_mb = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(
        label=label,
        since_spawn=shown - spawned,
        since_start=shown - started if started is not None else None,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak_mb,
        exit_code=child.returncode,
        importtime=stderr if importtime else "",
    )


def print_importtime(text: str, top: int = 15) -> None:
    rows = []
    for line in text.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print(f"  slowest imports (cumulative, of {len(rows)}):")
    for micros, name in sorted(rows, reverse=True)[:top]:
        print(f"    {micros / 1e6:6.3f} s {name}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs on the existing demo after the first")
    parser.add_argument("--importtime", action="store_true", help="show the slowest imports of a later run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="lb-startup-") as folder:
        home = Path(folder) / "home"
        runs = [run_once("first run (creates and seeds the demo)", home, importtime=False)]
        for number in range(1, args.runs + 1):
            runs.append(run_once(f"run {number + 1} (demo already there)", home, importtime=False))
        if args.importtime:
            traced = run_once("with -X importtime", home, importtime=True)
    print(f"python main.py --demo, offscreen, on {os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    print(f"{'':40s} {'start->shown':>12s} {'spawn->shown':>12s} {'CPU':>8s} {'peak RSS':>10s}")
    for run in runs:
        start = f"{run.since_start:.3f} s" if run.since_start is not None else "n/a"
        print(
            f"{run.label:40s} {start:>12s} {run.since_spawn:10.3f} s {run.cpu_seconds:6.2f} s "
            f"{run.peak_rss_mb:7.1f} MB"
        )
    later = runs[1:]
    if later:
        median = statistics.median(r.since_start or r.since_spawn for r in later)
        peak = max(r.peak_rss_mb for r in later)
        verdict = "within" if median <= TARGET_SECONDS and peak <= TARGET_MB else "OVER"
        print(
            f"later runs: median {median:.3f} s, peak RSS {peak:.1f} MB "
            f"({verdict} the {TARGET_SECONDS} s / {TARGET_MB} MB target)"
        )
    first = runs[0]
    print(f"first run: {first.since_start or first.since_spawn:.3f} s, peak RSS {first.peak_rss_mb:.1f} MB")
    if args.importtime:
        print_importtime(traced.importtime)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
