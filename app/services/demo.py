"""The demo business: a separate database seeded from a fixed random seed, dates relative to today."""

from __future__ import annotations

import datetime as dt
import logging
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import AppPaths
from app.db import Database, open_database, sqlite_file
from app.models import Base, Customer, SequenceKind
from app.services.numbering import get_sequence
from app.services.reference_data import ensure_reference_data

logger = logging.getLogger(__name__)

DEMO_SEED = 20261127
DEMO_INVOICE_PREFIX = "LB-"


def prepare_demo_database(url: str, *, reset: bool, paths: AppPaths) -> Database:
    """Open the demo database, wiping it first when ``reset``, and seed it if it is new."""
    if reset:
        _wipe(url)
    database = open_database(url)
    with database.session_factory() as session, session.begin():
        if session.scalar(select(Customer.id).limit(1)) is None:
            seed_demo_business(session, today=dt.date.today())
    return database


def _wipe(url: str) -> None:
    database = open_database(url, run_migrations=False)
    try:
        path = sqlite_file(database.engine)
        if path is not None:
            database.dispose()
            for suffix in ("", "-wal", "-shm"):
                candidate = path.with_name(path.name + suffix)
                candidate.unlink(missing_ok=True)
        else:
            with database.engine.begin() as connection:
                Base.metadata.drop_all(connection)
                connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    finally:
        database.dispose()


def seed_demo_business(session: Session, *, today: dt.date, seed: int = DEMO_SEED) -> None:
    """Fill an empty database with the demo trades business."""
    rng = random.Random(seed)
    ensure_reference_data(session)
    invoices = get_sequence(session, SequenceKind.INVOICE)
    invoices.prefix = DEMO_INVOICE_PREFIX
    invoices.next_number = 5001
    del rng
    session.flush()
