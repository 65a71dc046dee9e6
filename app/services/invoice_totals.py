"""Invoice totals: each line's amount and tax rounded to cents, then summed (Xero's method)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from app.services.money import ZERO, round_money, tax_in_inclusive, tax_on_exclusive


@dataclass(frozen=True)
class LineInput:
    quantity: Decimal
    unit_price: Decimal
    tax_rate_percent: Decimal


@dataclass(frozen=True)
class LineTotal:
    line_amount: Decimal  # as entered: excluding tax, or including it for tax-inclusive documents
    tax_amount: Decimal


@dataclass(frozen=True)
class DocumentTotals:
    lines: tuple[LineTotal, ...]
    subtotal: Decimal  # excluding tax
    tax_total: Decimal
    total: Decimal


def line_total(line: LineInput, *, amounts_include_tax: bool = False) -> LineTotal:
    amount = round_money(line.quantity * line.unit_price)
    if amounts_include_tax:
        tax = tax_in_inclusive(amount, line.tax_rate_percent)
    else:
        tax = tax_on_exclusive(amount, line.tax_rate_percent)
    return LineTotal(line_amount=amount, tax_amount=tax)


def document_totals(lines: Iterable[LineInput], *, amounts_include_tax: bool = False) -> DocumentTotals:
    """Totals of a document, taxed line by line then summed.

    >>> t = document_totals([LineInput(Decimal(1), Decimal("10.05"), Decimal(10))] * 3)
    >>> (t.subtotal, t.tax_total, t.total)
    (Decimal('30.15'), Decimal('3.03'), Decimal('33.18'))
    """
    computed = tuple(line_total(line, amounts_include_tax=amounts_include_tax) for line in lines)
    tax_total = sum((line.tax_amount for line in computed), ZERO)
    gross = sum((line.line_amount for line in computed), ZERO)
    if amounts_include_tax:
        subtotal, total = gross - tax_total, gross
    else:
        subtotal, total = gross, gross + tax_total
    return DocumentTotals(lines=computed, subtotal=subtotal, tax_total=tax_total, total=total)
