"""Test set-up: offscreen Qt, every file under a temporary LEDGERBRIDGE_HOME, a fresh database per test.

Database tests take the ``db_url`` fixture, which runs them on SQLite and, when LEDGERBRIDGE_TEST_PG_URL
names a PostgreSQL server (as .ci/run does), on a brand-new PostgreSQL database as well.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from sqlalchemy import create_engine, make_url, text

from app.config import AppPaths
from app.db import Database, open_database

PG_URL = os.environ.get("LEDGERBRIDGE_TEST_PG_URL", "")
REQUIRE_PG = os.environ.get("LEDGERBRIDGE_REQUIRE_PG") == "1"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("LEDGERBRIDGE_HOME", str(home))
    monkeypatch.delenv("LEDGERBRIDGE_DB", raising=False)
    return home


@pytest.fixture
def paths() -> AppPaths:
    return AppPaths.default().ensure()


def _new_postgres_database() -> tuple[str, str]:
    admin_url = make_url(PG_URL)
    name = f"lbtest_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.set(database=name).render_as_string(hide_password=False), name


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(make_url(PG_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database: a SQLite file, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'books.db'}"
        return
    if not PG_URL:
        if REQUIRE_PG:
            pytest.fail("LEDGERBRIDGE_REQUIRE_PG is set but LEDGERBRIDGE_TEST_PG_URL is not")
        pytest.skip("PostgreSQL not configured (set LEDGERBRIDGE_TEST_PG_URL)")
    url, name = _new_postgres_database()
    try:
        yield url
    finally:
        _drop_postgres_database(name)


@pytest.fixture
def database(db_url: str) -> Iterator[Database]:
    """A migrated database with the reference data every business starts with."""
    from app.services.reference_data import ensure_reference_data

    db = open_database(db_url)
    with db.session_factory() as session, session.begin():
        ensure_reference_data(session)
    try:
        yield db
    finally:
        db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    """The same on SQLite only, for tests (mostly GUI) that do not depend on the dialect."""
    from app.services.reference_data import ensure_reference_data

    db = open_database(f"sqlite:///{tmp_path / 'books.db'}")
    with db.session_factory() as session, session.begin():
        ensure_reference_data(session)
    try:
        yield db
    finally:
        db.dispose()
