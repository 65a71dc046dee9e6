"""Where LedgerBridge keeps its files and which database it opens.

Paths come from platformdirs (on Windows: %LOCALAPPDATA%\\LedgerBridge). ``LEDGERBRIDGE_HOME`` moves every
file under one folder, which is how tests and portable installs keep the user's real data out of reach.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import PlatformDirs

APP_NAME = "LedgerBridge"
ENV_HOME = "LEDGERBRIDGE_HOME"
ENV_DB = "LEDGERBRIDGE_DB"


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
