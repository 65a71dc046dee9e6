"""Opening the database: engine settings per dialect, sessions, and Alembic migrations at start-up."""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import URL
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.models.base import utcnow

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

SessionFactory = Callable[[], Session]


class DatabaseError(Exception):
    """A database problem the user can act on; ``str()`` is a sentence for them."""


class DatabaseTooNewError(DatabaseError):
    pass


def parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"'{url}' is not a database address (try sqlite:///path/to/file.db)") from exc
    return parsed


def create_database_engine(url: str) -> Engine:
    """An engine for ``url``. SQLite gets WAL (the GUI reads while a worker writes) and foreign keys."""
    parsed = parse_url(url)
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            folder = Path(database).expanduser().resolve().parent
            if not folder.is_dir():
                raise DatabaseError(f"The folder {folder} does not exist, so the database cannot be created.")
        # Wait for another writer rather than failing at once ("database is locked").
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ArgumentError, ImportError) as exc:
        raise DatabaseError(
            f"LedgerBridge cannot use the database '{parsed.render_as_string()}': {exc}"
        ) from exc
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _configure_sqlite)
    return engine


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()


def sqlite_file(engine: Engine) -> Path | None:
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def alembic_config(engine: Engine, script_location: Path = MIGRATIONS_DIR) -> Config:
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str:
    script = ScriptDirectory(str(MIGRATIONS_DIR))
    head = script.get_current_head()
    assert head is not None
    return head


def migrate(engine: Engine, *, script_location: Path = MIGRATIONS_DIR) -> Path | None:
    """Bring the schema to this version's head. Returns the backup copy made first, if any.

    A SQLite file is copied before any migration runs, so a failed upgrade never costs the books. A
    database stamped with a revision this version does not know was written by a newer LedgerBridge and
    is refused rather than damaged.
    """
    script = ScriptDirectory(str(script_location))
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise DatabaseError(f"LedgerBridge cannot open the database: {exc.orig}") from exc
    head = script.get_current_head()
    if current == head:
        return None
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise DatabaseTooNewError(
            "This database was written by a newer version of LedgerBridge "
            f"(schema {current}). Install the newer version to open it; nothing was changed."
        )
    backup = None
    path = sqlite_file(engine)
    if current is not None and path is not None and path.exists():
        backup = path.with_name(f"{path.stem}.before-{head}-{utcnow():%Y%m%d%H%M%S}{path.suffix}")
        with engine.connect() as connection:
            # Fold the WAL into the main file so the copy is complete.
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copy2(path, backup)
        logger.info("Copied the database to %s before migrating from %s to %s", backup, current, head)
    command.upgrade(alembic_config(engine, script_location), "head")
    return backup


@dataclass
class Database:
    """An open, migrated database: the engine and the factory for short sessions."""

    engine: Engine
    session_factory: sessionmaker[Session]

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(url: str, *, run_migrations: bool = True) -> Database:
    engine = create_database_engine(url)
    try:
        if run_migrations:
            migrate(engine)
    except Exception:
        engine.dispose()
        raise
    # expire_on_commit=False: objects handed to the GUI stay readable after their session closes.
    return Database(engine=engine, session_factory=sessionmaker(engine, expire_on_commit=False))
