"""The database: migrations from empty to head, the pre-migration copy, refusing a newer schema."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect, text

from app.db import (
    MIGRATIONS_DIR,
    DatabaseTooNewError,
    alembic_config,
    create_database_engine,
    current_revision,
    head_revision,
    migrate,
    open_database,
)
from app.models import Base


def test_migrations_from_empty_to_head_match_the_models(db_url: str) -> None:
    engine = create_database_engine(db_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        # Nothing in the models is missing from the migrations (autogenerate finds no difference).
        from alembic.autogenerate import compare_metadata
        from alembic.runtime.migration import MigrationContext

        with engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert diff == []
    finally:
        engine.dispose()


def test_downgrade_to_empty_and_up_again(db_url: str) -> None:
    engine = create_database_engine(db_url)
    try:
        migrate(engine)
        command.downgrade(alembic_config(engine), "base")
        assert "customers" not in inspect(engine).get_table_names()
        migrate(engine)
        assert "customers" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    database = open_database(f"sqlite:///{tmp_path / 'books.db'}")
    try:
        with database.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        database.dispose()


def test_a_database_from_a_newer_version_is_refused_untouched(db_url: str) -> None:
    database = open_database(db_url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
    database.dispose()
    with pytest.raises(DatabaseTooNewError, match="newer version of LedgerBridge"):
        open_database(db_url)
    engine = create_database_engine(db_url)
    try:
        assert current_revision(engine) == "9999_from_the_future"
    finally:
        engine.dispose()


NEXT_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "0999_test_next"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("nickname", sa.String(50), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("nickname")
"""


def test_sqlite_file_is_copied_before_migrating_and_data_survives(tmp_path: Path) -> None:
    """A database one version behind is copied first, then upgraded; the older app then refuses it."""
    newer = tmp_path / "newer_migrations"
    shutil.copytree(MIGRATIONS_DIR, newer, ignore=shutil.ignore_patterns("__pycache__"))
    (newer / "versions" / "0999_test_next.py").write_text(NEXT_REVISION.format(head=head_revision()))
    path = tmp_path / "books.db"
    engine = create_database_engine(f"sqlite:///{path}")
    try:
        assert migrate(engine) is None  # a new database: nothing to copy
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO tax_rates (name, rate, is_default, active) VALUES ('GST 10%', 10, 1, 1)")
            )
        backup = migrate(engine, script_location=newer)
        assert backup is not None and backup.exists()
        assert current_revision(engine) == "0999_test_next"
        copy = create_database_engine(f"sqlite:///{backup}")
        assert current_revision(copy) == head_revision()
        with copy.connect() as connection:
            assert connection.execute(text("SELECT name FROM tax_rates")).scalars().all() == ["GST 10%"]
        copy.dispose()
        with engine.connect() as connection:
            assert connection.execute(text("SELECT name FROM tax_rates")).scalars().all() == ["GST 10%"]
    finally:
        engine.dispose()
    with pytest.raises(DatabaseTooNewError):
        open_database(f"sqlite:///{path}")
