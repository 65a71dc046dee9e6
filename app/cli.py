"""Command line: ``ledgerbridge [--db URL] [--demo] [--reset-demo] [command]``; no command opens the window.

Later commands (sandbox, connect, status, sync, import-customers, settings) register a sub-parser in
``_build_parser`` and a handler taking the parsed arguments and the open ``Runtime``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app import __version__
from app.config import AppPaths, database_url
from app.db import Database, DatabaseError, open_database
from app.logs import configure_logging

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNAVAILABLE = 2


@dataclass
class Runtime:
    """What a command needs: the folders, the open database, and whether this is the demo business."""

    paths: AppPaths
    database: Database
    demo: bool


class UsageError(Exception):
    """A mistake on the command line or in its input; printed as one line, exit 2."""


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ledgerbridge",
        description="LedgerBridge keeps your jobs, invoices and payments in step with your accounting "
        "package. "
        "With no command it opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"LedgerBridge {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database to open, as a SQLAlchemy URL (e.g. sqlite:///C:/books/ledgerbridge.db or "
        "postgresql+psycopg://user@host/ledgerbridge); default: LEDGERBRIDGE_DB, else a file in your "
        "data folder",
    )
    parser.add_argument(
        "--demo", action="store_true", help="use the demo business (its own database, created on first use)"
    )
    parser.add_argument(
        "--reset-demo", action="store_true", help="start the demo business over from scratch (implies --demo)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log more detail")
    commands = parser.add_subparsers(dest="command", metavar="command")
    gui = commands.add_parser("gui", help="open the window (the default)")
    gui.set_defaults(handler=_run_gui)
    sandbox = commands.add_parser(
        "sandbox",
        help="serve LedgerBridge's local emulators of the accounting packages on 127.0.0.1 (demo and tests)",
        description="Serve the sandbox until Ctrl+C. The first line printed is JSON with its base URL (what "
        "--sandbox takes) and each package's endpoints; requests are logged after it.",
    )
    sandbox.add_argument("--port", type=int, default=0, help="port to listen on (default: a free one)")
    sandbox.add_argument(
        "--state", metavar="FILE", help="the sandbox's state file (default: sandbox.db in your data folder)"
    )
    sandbox.set_defaults(handler=_run_sandbox)
    parser.set_defaults(handler=_run_gui)
    return parser


def _open_runtime(args: argparse.Namespace, paths: AppPaths) -> Runtime:
    from app.services.demo import prepare_demo_database

    demo = bool(args.demo or args.reset_demo)
    url = database_url(paths, args.db, demo=demo)
    if demo:
        database = prepare_demo_database(url, reset=bool(args.reset_demo), paths=paths)
    else:
        database = open_database(url)
        _ensure_reference_data(database)
    return Runtime(paths=paths, database=database, demo=demo)


def _ensure_reference_data(database: Database) -> None:
    from app.services.reference_data import ensure_reference_data

    with database.session_factory() as session, session.begin():
        ensure_reference_data(session)


def _run_gui(args: argparse.Namespace, runtime: Runtime) -> int:
    from app.views.application import run_gui

    return run_gui(runtime.database, paths=runtime.paths, demo=runtime.demo)


def _run_sandbox(args: argparse.Namespace, runtime: Runtime) -> int:
    from pathlib import Path

    from app.integrations.sandbox.console import serve_until_interrupted

    state = Path(args.state) if args.state else runtime.paths.sandbox_state_file
    return serve_until_interrupted(state, port=args.port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _build_parser()
    args = parser.parse_args(argv)
    paths = AppPaths.default()
    try:
        paths.ensure()
    except OSError as exc:
        print(f"ledgerbridge: cannot create the folder {exc.filename}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    configure_logging(paths.log_file, verbose=args.verbose, to_stderr=args.handler is not _run_gui)
    handler: Callable[[argparse.Namespace, Runtime], int] = args.handler
    try:
        runtime = _open_runtime(args, paths)
    except DatabaseError as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    try:
        return handler(args, runtime)
    except UsageError as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    finally:
        runtime.database.dispose()


def gui_main() -> int:
    """Entry point of the windowed launcher (``ledgerbridge-gui``): same options, window only."""
    return main(sys.argv[1:])
