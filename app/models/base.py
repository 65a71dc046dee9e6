"""Declarative base, shared column types and naming conventions for every table."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import DateTime, Dialect, Enum, MetaData, Numeric, String, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Stable constraint names so Alembic batch migrations on SQLite can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

#: Money: two decimal places, large enough for any trade business's invoice.
Money = Numeric(14, 2, asdecimal=True)
#: Quantities and unit prices may carry more precision than the rounded line amount.
Quantity = Numeric(14, 4, asdecimal=True)
#: Tax rates as a percentage, e.g. 10.0000.
Percentage = Numeric(7, 4, asdecimal=True)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        return value.astimezone(dt.UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        Decimal: Money,
        dt.datetime: UTCDateTime(),
        str: String(255),
        # Enums are stored by value as plain strings (no PostgreSQL ENUM types to migrate).
        enum.Enum: Enum(
            enum.Enum, native_enum=False, length=32, values_callable=lambda e: [m.value for m in e]
        ),
    }


class AccountReference:
    """Columns that point into the accounting package's chart of accounts.

    The package's own account id is what is posted; code and name are kept for display, so a screen can
    say "200 - Sales" even before the chart is refreshed. All three are empty when nothing is chosen.
    """

    income_account_id: Mapped[str | None] = mapped_column(String(64), default=None)
    income_account_code: Mapped[str | None] = mapped_column(String(32), default=None)
    income_account_name: Mapped[str | None] = mapped_column(String(150), default=None)

    @property
    def income_account_label(self) -> str:
        if not self.income_account_id:
            return ""
        if self.income_account_code:
            return f"{self.income_account_code} - {self.income_account_name or ''}".rstrip(" -")
        return self.income_account_name or self.income_account_id


class Timestamps:
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Revisioned:
    """A syncable record: every change that matters to the package bumps ``revision`` (the outbox)."""

    revision: Mapped[int] = mapped_column(default=1)
