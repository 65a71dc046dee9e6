"""The sandbox's own SQLite file: its tables (separate from the app's), engine and sessions.

Several processes may serve the same state file at once (the window's in-process sandbox and a
``--demo`` command started beside it), so nothing the emulators promise lives only in memory except
rate-limit counters and held responses: tokens, codes, connections, records and idempotency replays are
rows here, written in short transactions. SQLite runs in WAL mode with a busy timeout.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    String,
    Text,
    TypeDecorator,
    create_engine,
    event,
    inspect,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.schema import CreateColumn


class UTCTime(TypeDecorator[dt.datetime]):
    """A UTC timestamp, stored without zone and read back timezone-aware."""

    impl = DateTime()
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


class SandboxBase(DeclarativeBase):
    """Tables of the sandbox's state file (never mixed with the app's ``app.models``)."""

    type_annotation_map = {dt.datetime: UTCTime(), str: String(255)}


class SandboxSetting(SandboxBase):
    """Small facts about the state file itself (its token-signing key, what was seeded)."""

    __tablename__ = "sandbox_setting"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def _configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (the pysqlite recipe for BEGIN IMMEDIATE).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
    finally:
        cursor.close()


def _add_missing_columns(connection: Connection) -> None:
    """Columns and indexes added to a table since a state file was made (``create_all`` makes only
    missing tables). A state file outlives the version that made it (``ledgerbridge sandbox --state``),
    and every column added since is nullable, so adding it leaves the rows as they were; whatever fills it
    in for the rows already there runs after (``xero.records.ensure_index_keys``)."""
    inspector = inspect(connection)
    for table in SandboxBase.metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name in present:
                continue
            if not column.nullable or column.primary_key:
                raise RuntimeError(f"cannot add column {table.name}.{column.name} to an existing state file")
            definition = CreateColumn(column).compile(dialect=connection.dialect)
            connection.exec_driver_sql(f'ALTER TABLE "{table.name}" ADD COLUMN {definition}')
        for index in table.indexes:
            index.create(connection, checkfirst=True)


class SandboxStore:
    """The state file: ``transaction()`` gives a Session inside one committed (or rolled back) unit.

    Writes are also serialised inside the process, so two request threads never interleave a read-then-
    write (a payment checking the amount still due, an invoice number being given out).
    """

    def __init__(self, state_file: Path) -> None:
        state_file = Path(state_file)
        state_file.parent.mkdir(parents=True, exist_ok=True)
        self.state_file = state_file
        self.engine = create_engine(f"sqlite:///{state_file}", connect_args={"timeout": 30})
        event.listen(self.engine, "connect", _configure_sqlite)
        event.listen(self.engine, "begin", self._begin_immediate)
        self._sessions: Callable[[], Session] = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock()
        with self.engine.begin() as connection:
            SandboxBase.metadata.create_all(connection)
            _add_missing_columns(connection)

    @staticmethod
    def _begin_immediate(connection: Any) -> None:
        # Take SQLite's write lock at the start of each transaction, so two processes serving the same file
        # cannot both read an invoice's amount due and then both pay it.
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        with self._write_lock, self._sessions() as session, session.begin():
            yield session

    def setting(self, session: Session, name: str) -> str | None:
        return session.scalar(select(SandboxSetting.value).where(SandboxSetting.name == name))

    def put_setting(self, session: Session, name: str, value: str) -> None:
        row = session.get(SandboxSetting, name)
        if row is None:
            session.add(SandboxSetting(name=name, value=value))
        else:
            row.value = value

    def wipe(self) -> None:
        """Drop every row of every sandbox table (the emulators seed themselves again afterwards)."""
        with self._write_lock, self.engine.begin() as connection:
            for table in reversed(SandboxBase.metadata.sorted_tables):
                connection.execute(table.delete())

    def dispose(self) -> None:
        self.engine.dispose()
