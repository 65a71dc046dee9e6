"""Money arithmetic: Decimal only, rounded half up to cents, tax per line as Xero does.

Xero: "Xero calculates tax on a per line basis, rounding to two decimal places, and then sums the tax
totals of each line" (../shared/reference/xero.md section 4.8). Taxing the summed total can differ by cents;
we never do it.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal("100")


def round_money(value: Decimal) -> Decimal:
    """Round to cents, halves away from zero (ROUND_HALF_UP in Decimal's sense)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def tax_on_exclusive(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """Tax on an amount that excludes tax, e.g. 10.05 at 10% -> 1.01."""
    return round_money(amount * rate_percent / HUNDRED)


def tax_in_inclusive(amount: Decimal, rate_percent: Decimal) -> Decimal:
    """The tax contained in an amount that includes tax, e.g. 177.00 at 12.5% -> 19.67."""
    return round_money(amount * rate_percent / (HUNDRED + rate_percent))


def parse_money(text: str) -> Decimal:
    """Read an amount typed by a person ("$1,234.50", "12") or raise ValueError with a plain message."""
    cleaned = text.strip().replace(",", "").replace("$", "")
    if not cleaned:
        raise ValueError("Enter an amount.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"'{text}' is not an amount.") from None
    if not value.is_finite():
        raise ValueError(f"'{text}' is not an amount.")
    return value


def format_money(value: Decimal) -> str:
    """1234.5 -> "$1,234.50"; negative amounts as "-$12.00"."""
    rounded = round_money(value)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"
