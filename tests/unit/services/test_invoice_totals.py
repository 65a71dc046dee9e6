"""Invoice totals: per-line rounding, half up, then summed (Xero's method, reference section 4.8)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from app.services.invoice_totals import LineInput, document_totals
from app.services.money import format_money, parse_money, round_money, tax_on_exclusive


def lines(*amounts: str, rate: str) -> list[LineInput]:
    return [LineInput(D(1), D(amount), D(rate)) for amount in amounts]


def test_three_lines_at_ten_percent_gst_tax_each_line() -> None:
    totals = document_totals(lines("10.05", "10.05", "10.05", rate="10"))
    assert [line.tax_amount for line in totals.lines] == [D("1.01")] * 3
    assert totals.subtotal == D("30.15")
    assert totals.tax_total == D("3.03")
    assert totals.total == D("33.18")
    # Taxing the summed total instead would have given 3.02: the vector tells the two methods apart.
    assert tax_on_exclusive(totals.subtotal, D("10")) == D("3.02")


def test_more_gst_vectors() -> None:
    # 0.05 at 10% is 0.005 -> rounds half up to 0.01 per line; the summed 0.15 would tax to 0.02.
    totals = document_totals(lines("0.05", "0.05", "0.05", rate="10"))
    assert totals.tax_total == D("0.03")
    assert totals.total == D("0.18")
    # 12.35 x 3 at 10%: 1.235 -> 1.24 each, 3.72; the sum 37.05 would tax to 3.71 (3.705 -> 3.71).
    totals = document_totals(lines("12.35", "12.35", "12.35", rate="10"))
    assert totals.tax_total == D("3.72")
    # GST free lines carry no tax.
    assert document_totals(lines("99.99", rate="0")).tax_total == D("0.00")


def test_xero_exclusive_vector_at_fifteen_percent() -> None:
    totals = document_totals(lines("25.06", "25.61", "25.63", rate="15"))
    assert [line.tax_amount for line in totals.lines] == [D("3.76"), D("3.84"), D("3.84")]
    assert (totals.subtotal, totals.tax_total, totals.total) == (D("76.30"), D("11.44"), D("87.74"))


def test_xero_inclusive_vector_at_twelve_and_a_half_percent() -> None:
    totals = document_totals(lines("177.00", "-79.00", rate="12.5"), amounts_include_tax=True)
    assert [line.tax_amount for line in totals.lines] == [D("19.67"), D("-8.78")]
    assert (totals.subtotal, totals.tax_total, totals.total) == (D("87.11"), D("10.89"), D("98.00"))


def test_xero_single_line_vector() -> None:
    totals = document_totals(lines("1800.00", rate="12.5"))
    assert (totals.tax_total, totals.total) == (D("225.00"), D("2025.00"))


def test_quantity_times_price_is_rounded_before_tax() -> None:
    totals = document_totals([LineInput(D("2.5"), D("33.333"), D("10"))])
    assert totals.lines[0].line_amount == D("83.33")
    assert totals.lines[0].tax_amount == D("8.33")


def test_rounding_is_half_up_not_bankers() -> None:
    assert round_money(D("0.125")) == D("0.13")
    assert round_money(D("0.135")) == D("0.14")
    assert round_money(D("-0.125")) == D("-0.13")


@pytest.mark.parametrize(
    ("typed", "value"), [("$1,234.50", D("1234.50")), ("12", D("12")), (" -3.1 ", D("-3.1"))]
)
def test_parse_money(typed: str, value: D) -> None:
    assert parse_money(typed) == value


@pytest.mark.parametrize("typed", ["", "abc", "1.2.3", "NaN", "Infinity"])
def test_parse_money_refuses_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(ValueError):
        parse_money(typed)


def test_format_money() -> None:
    assert format_money(D("1234.5")) == "$1,234.50"
    assert format_money(D("-12")) == "-$12.00"
