"""Where LedgerBridge keeps its files and which database it opens.

Paths come from platformdirs (on Windows: %LOCALAPPDATA%\\LedgerBridge). ``LEDGERBRIDGE_HOME`` moves every
file under one folder, which is how tests and portable installs keep the user's real data out of reach.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from platformdirs import PlatformDirs

APP_NAME = "LedgerBridge"
ENV_HOME = "LEDGERBRIDGE_HOME"
ENV_DB = "LEDGERBRIDGE_DB"
ENV_XERO_CLIENT_ID = "LEDGERBRIDGE_XERO_CLIENT_ID"
CONFIG_FILE_NAME = "ledgerbridge.toml"


@dataclass(frozen=True)
class AppPaths:
    """The folders LedgerBridge writes to."""

    data_dir: Path
    log_dir: Path
    config_dir: Path

    @classmethod
    def default(cls) -> AppPaths:
        home = os.environ.get(ENV_HOME)
        if home:
            root = Path(home)
            return cls(data_dir=root / "data", log_dir=root / "logs", config_dir=root / "config")
        dirs = PlatformDirs(APP_NAME, appauthor=False)
        return cls(
            data_dir=Path(dirs.user_data_dir),
            log_dir=Path(dirs.user_log_dir),
            config_dir=Path(dirs.user_config_dir),
        )

    def ensure(self) -> AppPaths:
        for folder in (self.data_dir, self.log_dir, self.config_dir):
            folder.mkdir(parents=True, exist_ok=True)
        return self

    @property
    def database_file(self) -> Path:
        return self.data_dir / "ledgerbridge.db"

    @property
    def demo_database_file(self) -> Path:
        return self.data_dir / "ledgerbridge-demo.db"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "ledgerbridge.log"

    @property
    def config_file(self) -> Path:
        return self.config_dir / CONFIG_FILE_NAME

    @property
    def sandbox_state_file(self) -> Path:
        """The sandbox's own SQLite file, shared by the window and ``--demo`` commands."""
        return self.data_dir / "sandbox.db"

    @property
    def lock_dir(self) -> Path:
        """Lock files that serialise work across processes (e.g. refreshing a connection's tokens)."""
        return self.data_dir / "locks"


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def database_url(paths: AppPaths, explicit: str | None = None, *, demo: bool = False) -> str:
    """The database to open: ``--db``, else (demo) the demo file, else ``LEDGERBRIDGE_DB``, else the default.

    The demo business always lives in its own file beside the real one, so trying the demo can never touch
    the business's books.
    """
    if explicit:
        return explicit
    if demo:
        return sqlite_url(paths.demo_database_file)
    from_env = os.environ.get(ENV_DB)
    if from_env:
        return from_env
    return sqlite_url(paths.database_file)


# --------------------------------------------------------------------------------------------------------
# Accounting packages: where LedgerBridge reaches them, and as which registered app
# --------------------------------------------------------------------------------------------------------

#: The loopback redirect ports a business registers with its Xero app, tried in this order. Xero matches
#: redirect URIs exactly and refuses 127.0.0.1 (../shared/reference/xero.md 1.2), hence "localhost".
REDIRECT_PORTS = (53682, 53683, 53684)
REDIRECT_PATH = "/callback"
#: The client id the sandbox registers for the demo (a public PKCE client: no secret).
SANDBOX_CLIENT_ID = "ledgerbridge-demo"


class ConfigFileError(Exception):
    """The configuration file cannot be read; ``str()`` says which file and why."""


@dataclass(frozen=True)
class PackageEndpoints:
    """The addresses of one package's identity server and API."""

    authorize: str
    token: str
    revocation: str
    #: Lists the tenants a token may use (Xero ``/connections``); "" where the package has none.
    connections: str
    api: str


XERO_PRODUCTION = PackageEndpoints(
    authorize="https://login.xero.com/identity/connect/authorize",
    token="https://identity.xero.com/connect/token",
    revocation="https://identity.xero.com/connect/revocation",
    connections="https://api.xero.com/connections",
    api="https://api.xero.com/api.xro/2.0",
)


def xero_sandbox_endpoints(base_url: str) -> PackageEndpoints:
    """The sandbox's Xero endpoints under its base URL (the value ``--sandbox`` takes)."""
    base = base_url.rstrip("/")
    return PackageEndpoints(
        authorize=f"{base}/xero/login/identity/connect/authorize",
        token=f"{base}/xero/identity/connect/token",
        revocation=f"{base}/xero/identity/connect/revocation",
        connections=f"{base}/xero/api/connections",
        api=f"{base}/xero/api/api.xro/2.0",
    )


@dataclass(frozen=True)
class PackageSettings:
    """Where and as whom LedgerBridge reaches one package. Only this differs between sandbox and production.

    ``client_id`` is None when none is configured; connecting then refuses with ``how_to_set_client_id``.
    """

    package: str
    endpoints: PackageEndpoints
    client_id: str | None
    sandbox: bool
    config_file: Path
    redirect_ports: tuple[int, ...] = REDIRECT_PORTS
    redirect_path: str = REDIRECT_PATH

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        return tuple(f"http://localhost:{port}{self.redirect_path}" for port in self.redirect_ports)

    def how_to_set_client_id(self) -> str:
        ports = ", ".join(str(port) for port in self.redirect_ports)
        return (
            "LedgerBridge has no Xero client id yet. Register an app at developer.xero.com "
            "(grant type 'Auth Code with PKCE', redirect URIs http://localhost:PORT/callback for ports "
            f"{ports}), then set {ENV_XERO_CLIENT_ID} or put client_id under [xero] in {self.config_file}. "
            "To try LedgerBridge without Xero, run it with --demo."
        )


def read_config_file(paths: AppPaths) -> dict[str, Any]:
    """The configuration file as a table (empty when there is none)."""
    path = paths.config_file
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigFileError(f"LedgerBridge cannot read its configuration file {path}: {exc}") from exc


def xero_settings(paths: AppPaths, sandbox_url: str | None = None) -> PackageSettings:
    """Production Xero by default; the sandbox's Xero (and its demo client) when ``sandbox_url`` is given.

    The production client id comes from ``LEDGERBRIDGE_XERO_CLIENT_ID``, else ``[xero] client_id`` in the
    configuration file.
    """
    if sandbox_url:
        return PackageSettings(
            package="xero",
            endpoints=xero_sandbox_endpoints(sandbox_url),
            client_id=SANDBOX_CLIENT_ID,
            sandbox=True,
            config_file=paths.config_file,
        )
    client_id = os.environ.get(ENV_XERO_CLIENT_ID, "").strip()
    if not client_id:
        section = read_config_file(paths).get("xero", {})
        configured = section.get("client_id", "") if isinstance(section, dict) else ""
        client_id = str(configured).strip()
    return PackageSettings(
        package="xero",
        endpoints=XERO_PRODUCTION,
        client_id=client_id or None,
        sandbox=False,
        config_file=paths.config_file,
    )
