"""What every new business starts with: Australian tax rates, the usual payment methods, number sequences."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import PaymentMethod, PaymentMethodKind, TaxRate
from app.services.numbering import ensure_sequences

DEFAULT_TAX_RATES: tuple[tuple[str, Decimal, bool], ...] = (
    ("GST 10%", Decimal("10"), True),
    ("GST Free", Decimal("0"), False),
    ("BAS Excluded", Decimal("0"), False),
)

DEFAULT_PAYMENT_METHODS: tuple[tuple[str, PaymentMethodKind], ...] = (
    ("Cash", PaymentMethodKind.CASH),
    ("EFT", PaymentMethodKind.EFT),
    ("Credit Card", PaymentMethodKind.CREDIT_CARD),
    ("Cheque", PaymentMethodKind.CHEQUE),
)


def ensure_reference_data(session: Session) -> None:
    """Add the defaults a new database lacks; never changes what the business has edited."""
    if session.scalar(select(TaxRate.id).limit(1)) is None:
        for name, rate, is_default in DEFAULT_TAX_RATES:
            session.add(TaxRate(name=name, rate=rate, is_default=is_default))
    if session.scalar(select(PaymentMethod.id).limit(1)) is None:
        for name, kind in DEFAULT_PAYMENT_METHODS:
            session.add(PaymentMethod(name=name, kind=kind))
    ensure_sequences(session)
    session.flush()


def default_tax_rate(session: Session) -> TaxRate | None:
    return session.scalars(select(TaxRate).order_by(TaxRate.is_default.desc(), TaxRate.id).limit(1)).first()
