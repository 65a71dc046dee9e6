"""``ledgerbridge sandbox``: serve the sandbox in the foreground until Ctrl+C.

The first line printed is one JSON object (``SandboxServer.endpoints()``) so a script or a test can read
the base URL and endpoints; every request is logged after it.
"""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from app.integrations.sandbox.server import SandboxServer

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_UNAVAILABLE = 2


def serve_until_interrupted(state_file: Path, port: int = 0, *, out: TextIO | None = None) -> int:
    """Serve on 127.0.0.1:``port`` with state in ``state_file``; returns the exit code once stopped."""
    out = out or sys.stdout
    server = SandboxServer(state_file, port=port)
    try:
        server.start()
    except OSError as exc:
        server.stop()
        print(f"ledgerbridge: the sandbox cannot listen on 127.0.0.1:{port}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    print(json.dumps(server.endpoints()), file=out, flush=True)
    request_log = logging.StreamHandler(out)
    request_log.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    request_log.setLevel(logging.INFO)
    sandbox_logger = logging.getLogger("app.integrations.sandbox")
    sandbox_logger.addHandler(request_log)
    sandbox_logger.setLevel(logging.INFO)
    stop = threading.Event()
    previous = _stop_on_terminate(stop)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
        sandbox_logger.removeHandler(request_log)
        server.stop()
    print("Sandbox stopped.", file=out, flush=True)
    return EXIT_OK


def _stop_on_terminate(stop: threading.Event) -> Any:
    """Stop cleanly on SIGTERM too (a test or a service manager ending the process)."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
