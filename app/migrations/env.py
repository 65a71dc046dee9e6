"""Alembic environment: runs on the engine app.db hands over (never reads alembic.ini for a URL)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine, create_engine

from app.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if not isinstance(engine, Engine):
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,  # SQLite cannot ALTER most things; batch mode copies the table.
            compare_type=True,
        )
        context.run_migrations()


run_migrations_online()
