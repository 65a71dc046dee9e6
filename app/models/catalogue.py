"""What the business sells and how it is paid: job types, materials, tax rates, payment methods."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import AccountReference, Base, Percentage, Quantity, Timestamps
from app.models.enums import PaymentMethodKind


class TaxRate(Base):
    """A tax rate as the business uses it, e.g. "GST 10%" or "GST Free"."""

    __tablename__ = "tax_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    rate: Mapped[Decimal] = mapped_column(Percentage)
    is_default: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"TaxRate({self.name!r}, {self.rate}%)"


class JobType(AccountReference, Timestamps, Base):
    """A kind of job (e.g. "Plumbing - Maintenance"); its income code applies to its labour."""

    __tablename__ = "job_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(default="")
    active: Mapped[bool] = mapped_column(default=True)


class Material(AccountReference, Timestamps, Base):
    """A material or supply the business sells; its income code overrides the job type's."""

    __tablename__ = "materials"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(255))
    unit_price: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    unit_cost: Mapped[Decimal] = mapped_column(Quantity, default=Decimal("0"))
    tax_rate_id: Mapped[int | None] = mapped_column(ForeignKey("tax_rates.id"), default=None)
    active: Mapped[bool] = mapped_column(default=True)

    tax_rate: Mapped[TaxRate | None] = relationship()


class PaymentMethod(Base):
    """How a customer pays. Card methods post to the credit card clearing account unless mapped."""

    __tablename__ = "payment_methods"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[PaymentMethodKind] = mapped_column(default=PaymentMethodKind.OTHER)
    # The package's account this method's payments are deposited to (issue: Payments & Tax mapping).
    account_id: Mapped[str | None] = mapped_column(String(64), default=None)
    account_code: Mapped[str | None] = mapped_column(String(32), default=None)
    account_name: Mapped[str | None] = mapped_column(String(150), default=None)
    active: Mapped[bool] = mapped_column(default=True)

    @property
    def is_card(self) -> bool:
        return self.kind is PaymentMethodKind.CREDIT_CARD
