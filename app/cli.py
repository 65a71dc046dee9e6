"""Command line: ``ledgerbridge [--db URL] [--demo] [--reset-demo] [command]``; no command opens the window.

Later commands (sandbox, connect, status, sync, import-customers, settings) register a sub-parser in
``_build_parser`` and a handler taking the parsed arguments and the open ``Runtime``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

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
    """What a command needs: the folders, the open database, and whether this is the demo business.

    ``sandbox_url`` is ``--sandbox``; in the demo, ``package_sandbox_url()`` starts the sandbox in-process
    on first use (on a free port, with the state file the window shares).
    """

    paths: AppPaths
    database: Database
    demo: bool
    sandbox_url: str | None = None
    _demo_sandbox: Any = field(default=None, repr=False)

    def package_sandbox_url(self) -> str | None:
        """Where the accounting packages are reached when not the real ones: ``--sandbox``, else (demo) the
        in-process sandbox; None means the real packages."""
        if self.sandbox_url is None and self.demo:
            from app.integrations.sandbox.server import SandboxServer

            server = SandboxServer(self.paths.sandbox_state_file, port=0)
            server.start()
            self._demo_sandbox = server
            self.sandbox_url = server.base_url
            logger.info("Started the demo sandbox at %s", self.sandbox_url)
        return self.sandbox_url

    def close(self) -> None:
        if self._demo_sandbox is not None:
            self._demo_sandbox.stop()
            self._demo_sandbox = None
        self.database.dispose()


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
    parser.add_argument(
        "--sandbox",
        metavar="URL",
        help="reach the accounting packages through LedgerBridge's sandbox at URL (the 'base' that "
        "'ledgerbridge sandbox' prints) instead of the real ones",
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
    _add_connection_commands(commands)
    _add_settings_command(commands)
    _add_import_customers_command(commands)
    _add_sync_command(commands)
    parser.set_defaults(handler=_run_gui)
    return parser


def _open_runtime(args: argparse.Namespace, paths: AppPaths) -> Runtime:
    from app.services.demo import prepare_demo_database

    demo = bool(args.demo or args.reset_demo)
    url = database_url(paths, args.db, demo=demo)
    if demo:
        if args.reset_demo:
            _forget_demo_secrets(paths, url)
        database = prepare_demo_database(url, reset=bool(args.reset_demo), paths=paths)
    else:
        database = open_database(url)
        _ensure_reference_data(database)
    return Runtime(paths=paths, database=database, demo=demo, sandbox_url=args.sandbox or None)


def _forget_demo_secrets(paths: AppPaths, url: str) -> None:
    """Starting the demo over also forgets its sign-ins: the keyring entries of its connections and the
    demo-only secret file, so nothing of the old demo lingers."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from app.db import create_database_engine, sqlite_file
    from app.integrations.secrets import SecretStore, SecretStoreError
    from app.models import Connection

    store = SecretStore.for_paths(paths)
    engine = create_database_engine(url)
    try:
        path = sqlite_file(engine)
        if path is None or path.exists():
            with engine.connect() as connection:
                rows = connection.execute(select(Connection.secret_key, Connection.sandbox)).all()
            for secret_key, sandbox in rows:
                try:
                    store.delete(secret_key, sandbox=sandbox)
                except SecretStoreError as exc:
                    logger.warning("Could not forget the demo's sign-in %s: %s", secret_key, exc)
    except SQLAlchemyError:
        logger.info("The old demo database had no connections to forget")
    finally:
        engine.dispose()
    store.demo_file.unlink(missing_ok=True)


def _ensure_reference_data(database: Database) -> None:
    from app.services.reference_data import ensure_reference_data

    with database.session_factory() as session, session.begin():
        ensure_reference_data(session)


def _run_gui(args: argparse.Namespace, runtime: Runtime) -> int:
    from app.views.application import run_gui

    # The window reaches the packages as the commands do: --sandbox, else (demo) the in-process sandbox.
    return run_gui(
        runtime.database, paths=runtime.paths, demo=runtime.demo, sandbox_url=runtime.package_sandbox_url
    )


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
        runtime.close()


def gui_main() -> int:
    """Entry point of the windowed launcher (``ledgerbridge-gui``): same options, window only."""
    return main(sys.argv[1:])


# --------------------------------------------------------------------------------------------------------
# connect, status
# --------------------------------------------------------------------------------------------------------

DEMO_ORGANISATION = "Demo Company (AU)"


def _add_connection_commands(commands: Any) -> None:
    connect = commands.add_parser(
        "connect",
        help="connect to your accounting package (opens its consent page)",
        description="Connect LedgerBridge to your accounting package: sign in on its page, press Allow "
        "access, and LedgerBridge receives the answer on this computer. Connecting again reconnects.",
    )
    connect.add_argument("package", choices=["xero"], help="the accounting package")
    connect.add_argument(
        "--no-browser", action="store_true", help="print the address to open instead of opening a browser"
    )
    connect.add_argument("--tenant", metavar="NAME", help="the organisation to use, when you connect several")
    connect.add_argument(
        "--timeout", metavar="SECONDS", type=float, default=600.0, help="how long to wait for Allow access"
    )
    connect.set_defaults(handler=_run_connect)
    status = commands.add_parser(
        "status",
        help="show each connection and its health (exit 0 when all are connected and healthy)",
    )
    status.add_argument(
        "--offline", action="store_true", help="report what is recorded, without asking the package"
    )
    status.set_defaults(handler=_run_status)


def _interactive_chooser(tenants: Sequence[Any]) -> Any:
    print("You connected more than one organisation. Which one should LedgerBridge use?")
    for number, tenant in enumerate(tenants, start=1):
        print(f"  {number}. {tenant.name}")
    while True:
        try:
            answer = input(f"Number (1-{len(tenants)}): ").strip()
        except EOFError:
            answer = ""
        if answer.isdigit() and 1 <= int(answer) <= len(tenants):
            return tenants[int(answer) - 1]
        if not answer:
            from app.integrations.connections import TenantNotChosen

            raise TenantNotChosen("No organisation was chosen.", tenants)


def _run_connect(args: argparse.Namespace, runtime: Runtime) -> int:
    import webbrowser

    from app.config import ConfigFileError, xero_settings
    from app.integrations.base import IntegrationError
    from app.integrations.connections import TenantNotChosen, choose_tenant_by_name, connect_xero
    from app.integrations.secrets import SecretStore
    from app.services.connections import ConnectionBook

    def choose(tenants: Sequence[Any]) -> Any:
        if args.tenant:
            return choose_tenant_by_name(args.tenant)(tenants)
        if runtime.demo:
            demo = next((tenant for tenant in tenants if tenant.name == DEMO_ORGANISATION), None)
            if demo is not None:
                return demo
        if sys.stdin.isatty() and sys.stdout.isatty():
            return _interactive_chooser(tenants)
        raise TenantNotChosen("More than one organisation was connected.", tenants)

    def show_address(url: str) -> None:
        print(f"Open this address to connect: {url}", flush=True)
        if not args.no_browser:
            webbrowser.open(url)

    try:
        settings = xero_settings(runtime.paths, runtime.package_sandbox_url())
        result = connect_xero(
            settings,
            store=SecretStore.for_paths(runtime.paths),
            book=ConnectionBook(runtime.database.session_factory),
            choose=choose,
            show_address=show_address,
            timeout=args.timeout,
        )
    except TenantNotChosen as exc:
        print(f"ledgerbridge: {exc} Run again with --tenant NAME, one of:", file=sys.stderr)
        for tenant in exc.tenants:
            print(f"  {tenant.name}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except (IntegrationError, ConfigFileError) as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        print("ledgerbridge: Connecting was cancelled.", file=sys.stderr)
        return EXIT_UNAVAILABLE
    verb = "Reconnected" if result.reconnected else "Connected"
    print(f"{verb} to the Xero organisation {result.tenant.name}.")
    return EXIT_OK


def _when(moment: Any) -> str:
    return "never" if moment is None else f"{moment.astimezone():%d %b %Y %H:%M}"


def _run_status(args: argparse.Namespace, runtime: Runtime) -> int:
    from app.config import ConfigFileError, xero_settings
    from app.integrations.base import IntegrationError
    from app.integrations.connections import open_xero
    from app.integrations.secrets import SecretStore
    from app.models.base import utcnow
    from app.services.connections import ConnectionBook

    book = ConnectionBook(runtime.database.session_factory)
    connections = book.all()
    if not connections:
        print("LedgerBridge is not connected to an accounting package. Connect with: "
              "ledgerbridge connect xero")
        return EXIT_UNAVAILABLE
    store = SecretStore.for_paths(runtime.paths)
    all_healthy = True
    for info in connections:
        problem = None
        if not args.offline and info.connected and info.package == "xero":
            try:
                sandbox_url = runtime.package_sandbox_url() if info.sandbox else runtime.sandbox_url
                provider = open_xero(
                    xero_settings(runtime.paths, sandbox_url),
                    info,
                    store=store,
                    events=book.events_for(info.package),
                )
                try:
                    provider.check()
                finally:
                    provider.close()
            except (IntegrationError, ConfigFileError) as exc:
                problem = str(exc)
            info = book.find(info.package) or info
        now = utcnow()
        where = " (sandbox)" if info.sandbox else ""
        print(f"{info.package_label}: {info.tenant_name}{where} - {info.status.label}")
        print(f"  Connected since:             {_when(info.connected_at)}")
        print(f"  Last successful call:        {_when(info.last_successful_call_at)}")
        print(f"  Payments last checked:       {_when(info.payments_last_checked_at)}")
        print(f"  Refresh token last renewed:  {_when(info.refresh_token_renewed_at)}")
        print(f"  Access lapses if unused on:  {info.consent_lapses_at().astimezone():%d %b %Y}")
        print(f"  Sign-in kept in:             {store.where(sandbox=info.sandbox)}")
        warnings = info.warnings(now)
        if problem and problem not in warnings:
            warnings.insert(0, problem)
        for warning in warnings:
            print(f"  ! {warning}")
        all_healthy = all_healthy and not warnings
    return EXIT_OK if all_healthy else EXIT_UNAVAILABLE


# --------------------------------------------------------------------------------------------------------
# import-customers
# --------------------------------------------------------------------------------------------------------


def _add_import_customers_command(commands: Any) -> None:
    command = commands.add_parser(
        "import-customers",
        help="import customers from the connected accounting package",
        description="Read the package's customer contacts, match them with your customers, and print what "
        "would happen to each, then a last line with the count per action. --yes applies everything but "
        "the conflicts; with neither --yes nor --dry-run it asks at a terminal, and changes nothing "
        "without one.",
    )
    command.add_argument("--dry-run", action="store_true", help="print what would happen; change nothing")
    command.add_argument("--yes", action="store_true", help="apply all but the conflicts without asking")
    command.add_argument("--include-suppliers", action="store_true", help="also offer supplier-only contacts")
    command.add_argument("--include-archived", action="store_true", help="also offer archived contacts")
    command.set_defaults(handler=_run_import_customers)


def _run_import_customers(args: argparse.Namespace, runtime: Runtime) -> int:
    from contextlib import closing

    from app.config import ConfigFileError
    from app.integrations.base import IntegrationError
    from app.services.errors import RuleError
    from app.sync.customer_import import (
        CustomerImport,
        ImportOptions,
        apply_import,
        open_connected_provider,
    )

    if args.dry_run and args.yes:
        raise UsageError("--dry-run and --yes cannot be used together.")
    factory = runtime.database.session_factory
    options = ImportOptions(include_suppliers=args.include_suppliers, include_archived=args.include_archived)
    # --sandbox as given (a connection to the real package is then refused), else the demo's own sandbox.
    sandbox = runtime.sandbox_url if runtime.sandbox_url is not None else runtime.package_sandbox_url
    try:
        with closing(open_connected_provider(factory, runtime.paths, sandbox_url=sandbox)) as provider:
            plan = CustomerImport(factory, provider, options).propose(
                report=lambda done, total, text: print(text, file=sys.stderr, flush=True)
            )
    except (IntegrationError, ConfigFileError) as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    for action in plan.actions:
        print(action.describe())
    print(plan.summary_line(), flush=True)
    decisions = plan.default_decisions()
    if not any(decision.choice.writes for decision in decisions):
        return EXIT_OK
    apply = bool(args.yes)
    if not args.yes and not args.dry_run:
        if sys.stdin.isatty() and sys.stdout.isatty():
            try:
                answer = input("Apply these changes? Conflicts are left for you to settle. [y/N] ")
            except EOFError:
                answer = ""
            apply = answer.strip().casefold() in ("y", "yes")
        else:
            print("No terminal to confirm at: run with --yes to apply.", file=sys.stderr)
    if not apply:
        print("Nothing was changed.", file=sys.stderr)
        return EXIT_OK
    try:
        result = apply_import(factory, plan, decisions)
    except RuleError as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(result.sentence(), file=sys.stderr)
    return EXIT_OK


# --------------------------------------------------------------------------------------------------------
# settings
# --------------------------------------------------------------------------------------------------------


def _add_settings_command(commands: Any) -> None:
    settings = commands.add_parser(
        "settings",
        help="show, export, import or suggest the Accounts Integration settings",
        description="The Accounts Integration settings, for support and automation. 'show' prints them "
        "(exit 1 when Save would refuse them); 'export FILE' writes them as JSON ('-' for the screen); "
        "'import FILE' reads such a file and saves it, validated exactly as the window's Save; 'suggest' "
        "refreshes the chart of accounts and prints the obvious account for each empty setting, and "
        "--save saves them when the settings are then complete.",
    )
    actions = settings.add_subparsers(dest="settings_action", metavar="action", required=True)
    actions.add_parser("show", help="print the settings and any problem with them")
    export = actions.add_parser("export", help="write the settings to a JSON file")
    export.add_argument("file", metavar="FILE", help="where to write ('-' for the screen)")
    load = actions.add_parser("import", help="read settings from a JSON file and save them")
    load.add_argument("file", metavar="FILE", help="the file to read ('-' for standard input)")
    suggest = actions.add_parser("suggest", help="suggest the obvious account for each empty setting")
    suggest.add_argument("--save", action="store_true", help="save the suggestions (if Save accepts them)")
    suggest.add_argument(
        "--offline", action="store_true", help="use the chart as last refreshed, without asking the package"
    )
    settings.set_defaults(handler=_run_settings)


def _print_settings(runtime: Runtime) -> list[Any]:
    from app.models import SettingsAccountRole
    from app.services.accounting_settings import load_settings, settings_problems

    with runtime.database.session_factory() as session:
        snapshot = load_settings(session)
    saved, chart = snapshot.saved, snapshot.chart
    refreshed = (
        f"chart of accounts refreshed {_when(chart.refreshed_at)} ({len(chart.accounts):,} accounts)"
        if not chart.empty
        else "chart of accounts never refreshed"
    )
    print(f"Accounting settings for {snapshot.package_label}; {refreshed}")
    methods = {method.id: method.name for method in snapshot.payment_methods}
    method = methods.get(saved.default_payment_method_id or -1, "not chosen")
    start = f"{saved.invoice_start_date:%d %b %Y}" if saved.invoice_start_date else "not set"
    rows: list[tuple[str, str]] = [
        ("Value for the Invoice's Reference field", saved.reference_field.label),
        ("Invoice start date", start),
    ]
    for role in SettingsAccountRole:
        remote_id = saved.account(role)
        account = chart.find(remote_id)
        stored = snapshot.stored.get(role)
        shown = account.label if account else stored.label if stored else "not chosen"
        rows.append((role.label, shown))
    rows += [
        ("Default Payment Method from Accounts", method),
        ("Push Individual Invoice Lines", "yes" if saved.push_individual_lines else "no"),
        ("Push Invoice Lines as Items", "yes" if saved.push_lines_as_items else "no"),
        ("Push Invoice Work Undertaken", "yes" if saved.push_work_undertaken else "no"),
        ("Relax Restrictions on Selection of Accounts", "yes" if saved.relax_account_restrictions else "no"),
    ]
    width = max(len(label) for label, _value in rows) + 1
    for label, value in rows:
        print(f"  {label + ':':<{width}} {value}")
    problems: list[Any] = settings_problems(saved, chart, snapshot.payment_methods, snapshot.stored)
    for flag in snapshot.flags:
        if flag.field is None:
            print(f"  ! {flag.message}")
    for problem in problems:
        print(f"  ! {problem}")
    return problems


def _refresh_chart(runtime: Runtime) -> None:
    """Refresh the chart of accounts through the stored connection (for ``settings suggest``)."""
    from app.config import xero_settings
    from app.integrations.connections import open_xero
    from app.integrations.secrets import SecretStore
    from app.services.connections import ConnectionBook
    from app.sync.chart_refresh import ChartOfAccountsRefresh

    book = ConnectionBook(runtime.database.session_factory)
    info = book.find("xero")
    if info is None:
        raise UsageError(
            "LedgerBridge is not connected to an accounting package, so there is no chart of accounts to "
            "suggest from. Connect first: ledgerbridge connect xero"
        )
    sandbox_url = runtime.package_sandbox_url() if info.sandbox else runtime.sandbox_url
    provider = open_xero(
        xero_settings(runtime.paths, sandbox_url),
        info,
        store=SecretStore.for_paths(runtime.paths),
        events=book.events_for(info.package),
    )
    try:
        result = ChartOfAccountsRefresh(runtime.database.session_factory, provider).run()
    finally:
        provider.close()
    print(f"Chart of accounts refreshed: {result.summary()}", file=sys.stderr)


def _run_settings(args: argparse.Namespace, runtime: Runtime) -> int:
    import json
    from pathlib import Path

    from app.config import ConfigFileError
    from app.integrations.base import IntegrationError
    from app.services.accounting_settings import (
        SettingsRefused,
        draft_from_document,
        load_settings,
        save_settings,
        settings_document,
        suggest_accounts,
        suggest_payment_method,
    )
    from app.services.errors import RuleError

    factory = runtime.database.session_factory
    action = args.settings_action
    if action == "show":
        return EXIT_FAILED if _print_settings(runtime) else EXIT_OK
    if action == "export":
        with factory() as session:
            text = json.dumps(settings_document(load_settings(session)), indent=2) + "\n"
        if args.file == "-":
            sys.stdout.write(text)
        else:
            Path(args.file).write_text(text, encoding="utf-8")
            print(f"Settings written to {args.file}.")
        return EXIT_OK
    if action == "import":
        try:
            raw = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
            document = json.loads(raw)
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise UsageError(f"{args.file} is not JSON: {exc}") from None
        try:
            with factory() as session, session.begin():
                snapshot = load_settings(session)
                save_settings(session, snapshot.package, draft_from_document(document, snapshot))
        except SettingsRefused as refused:
            print("ledgerbridge: the settings were not saved:", file=sys.stderr)
            for problem in refused.problems:
                print(f"  ! {problem}", file=sys.stderr)
            return EXIT_FAILED
        except RuleError as refusal:
            print(f"ledgerbridge: the settings were not saved: {refusal}", file=sys.stderr)
            return EXIT_FAILED
        print("Settings imported and saved.")
        _print_settings(runtime)
        return EXIT_OK
    # suggest
    if not args.offline:
        try:
            _refresh_chart(runtime)
        except (IntegrationError, ConfigFileError) as exc:
            print(f"ledgerbridge: {exc}", file=sys.stderr)
            return EXIT_UNAVAILABLE
    with factory() as session:
        snapshot = load_settings(session)
    if snapshot.chart.empty:
        raise UsageError("The chart of accounts was never refreshed; run without --offline while connected.")
    draft = snapshot.saved.copy()
    suggestions = suggest_accounts(draft, snapshot.chart)
    for role, account in suggestions.items():
        print(f"{role.label}: {account.label}")
        draft.accounts[role] = account.remote_id
    if draft.default_payment_method_id is None:
        method = suggest_payment_method(snapshot.payment_methods)
        if method is not None:
            print(f"Default Payment Method from Accounts: {method.name}")
            draft.default_payment_method_id = method.id
    if draft == snapshot.saved:
        print("Nothing to suggest: every setting with an obvious account is already chosen.")
    if not args.save:
        return EXIT_OK
    try:
        with factory() as session, session.begin():
            save_settings(session, snapshot.package, draft)
    except SettingsRefused as refused:
        print("ledgerbridge: the suggestions were not saved; still to choose:", file=sys.stderr)
        for problem in refused.problems:
            print(f"  ! {problem}", file=sys.stderr)
        return EXIT_FAILED
    print("Suggestions saved.")
    return EXIT_OK


# --------------------------------------------------------------------------------------------------------
# sync
# --------------------------------------------------------------------------------------------------------


def _add_sync_command(commands: Any) -> None:
    sync = commands.add_parser(
        "sync",
        help="sync with the accounting package now, without the window (exit 0 all synced, 1 some items "
        "failed, 2 could not sync)",
        description="Send what is due (approved invoices, edits, voids, payments, credit notes, accepted "
        "supplier invoices, expenses) and bring in the payments made in the package, then print a summary. "
        "Exit code: 0 everything synced, 1 some items failed (see the Sync Log), 2 could not sync at all.",
    )
    sync.add_argument(
        "--dry-run",
        action="store_true",
        help="list what would be sent, with accounts and totals; send nothing",
    )
    sync.set_defaults(handler=_run_sync)


def _run_sync(args: argparse.Namespace, runtime: Runtime) -> int:
    from app.config import ConfigFileError, xero_settings
    from app.integrations.base import IntegrationError
    from app.integrations.secrets import SecretStore
    from app.services.connections import ConnectionBook
    from app.services.progress import CancelToken
    from app.sync.engine import SyncEngine
    from app.sync.provider import open_xero_for_sync

    book = ConnectionBook(runtime.database.session_factory)
    info = book.find("xero")
    if info is None:
        print("ledgerbridge: not connected to an accounting package. Connect with: ledgerbridge connect xero",
              file=sys.stderr)
        return EXIT_UNAVAILABLE
    if not info.connected:
        print(f"ledgerbridge: {info.status_message or 'Xero needs reconnecting.'}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    try:
        sandbox_url = runtime.package_sandbox_url() if info.sandbox else runtime.sandbox_url
        provider = open_xero_for_sync(
            xero_settings(runtime.paths, sandbox_url),
            info,
            store=SecretStore.for_paths(runtime.paths),
            events=book.events_for(info.package),
        )
    except (IntegrationError, ConfigFileError) as exc:
        print(f"ledgerbridge: {exc}", file=sys.stderr)
        return EXIT_UNAVAILABLE
    shown: list[str] = []

    def report(done: int, total: int, text: str) -> None:
        if text and (not shown or shown[-1] != text):
            shown.append(text)
            print(f"{text}...", file=sys.stderr, flush=True)

    try:
        engine = SyncEngine(info, runtime.database.session_factory, provider)
        if args.dry_run:
            for line in engine.preview().lines():
                print(line)
            return EXIT_OK
        summary = engine.run(report, CancelToken())
    except KeyboardInterrupt:
        print("ledgerbridge: the sync was interrupted; what was sent is kept, the rest goes next time.",
              file=sys.stderr)
        return EXIT_FAILED
    finally:
        provider.close()
    for line in summary.lines():
        print(line)
    return summary.exit_code
