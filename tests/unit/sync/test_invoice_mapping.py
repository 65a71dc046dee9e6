"""Invoice lines as Xero receives them: accounts, tax codes, summarising, rounding (no database, no HTTP)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from app.integrations.base import RemoteRef
from app.integrations.base import TaxRate as PackageRate
from app.models import Invoice, InvoiceLine, Job, JobType, LineKind, Material, ReferenceField, TaxRate
from app.services.invoices import recalculate
from app.sync.invoice_mapping import (
    AccountChoice,
    InvoiceRules,
    MappingProblem,
    TaxCodes,
    income_account_for,
    map_invoice,
    package_total,
)

GST = TaxRate(id=1, name="GST 10%", rate=D("10"))
FREE = TaxRate(id=2, name="GST Free", rate=D("0"))
EXCLUDED = TaxRate(id=3, name="BAS Excluded", rate=D("0"))
FIFTEEN = TaxRate(id=4, name="GST 15%", rate=D("15"))
XERO_AU = [
    PackageRate("OUTPUT", "GST on Income", D("10"), for_purchases=False),
    PackageRate("INPUT", "GST on Expenses", D("10"), for_sales=False),
    PackageRate("EXEMPTOUTPUT", "GST Free Income", D("0"), for_purchases=False),
    PackageRate("EXEMPTEXPENSES", "GST Free Expenses", D("0"), for_sales=False),
    PackageRate("CAPEXINPUT", "GST on Capital", D("10"), for_sales=False),
    PackageRate("EXEMPTCAPITAL", "GST Free Capital", D("0"), for_sales=False),
    PackageRate("EXEMPTEXPORT", "GST Free Exports", D("0"), for_purchases=False),
    PackageRate("GSTONIMPORTS", "GST on Imports", D("0"), for_sales=False),
    PackageRate("INPUTTAXED", "Input Taxed", D("0")),
    PackageRate("BASEXCLUDED", "BAS Excluded", D("0")),
    PackageRate("OUTPUT15", "Sales 15%", D("15"), for_purchases=False),
]
TAXES = TaxCodes.match([GST, FREE, EXCLUDED, FIFTEEN], XERO_AU)
RULES = InvoiceRules(
    individual_lines=True,
    lines_as_items=False,
    work_undertaken=False,
    reference_field=ReferenceField.JOB_NUMBER,
    labour_income=AccountChoice("205", "Labour Income"),
    materials_income=AccountChoice("206", "Materials Income"),
    rounding=AccountChoice("860", "Rounding"),
)
CONTACT = RemoteRef("c0ffee00-0000-4000-8000-000000000001")


def invoice(
    *lines: tuple[str, str, TaxRate], kind: LineKind = LineKind.LABOUR, job: Job | None = None
) -> Invoice:
    made = Invoice(id=7, number="LB-5001", date=dt.date(2026, 7, 1), due_date=dt.date(2026, 7, 15), job=job)
    made.lines = [
        InvoiceLine(
            position=i, kind=kind, description=f"Line {i}", quantity=D(q), unit_price=D(p), tax_rate=rate
        )
        for i, (q, p, rate) in enumerate(lines)
    ]
    recalculate(made)
    return made


def test_tax_codes_are_matched_by_rate_then_name_never_to_a_special_purpose_rate() -> None:
    assert TAXES.for_sales(GST) == "OUTPUT" and TAXES.for_purchases(GST) == "INPUT"
    assert TAXES.for_sales(FREE) == "EXEMPTOUTPUT" and TAXES.for_purchases(FREE) == "EXEMPTEXPENSES"
    assert TAXES.for_sales(EXCLUDED) == "BASEXCLUDED" and TAXES.for_purchases(EXCLUDED) == "BASEXCLUDED"
    assert TAXES.for_sales(None) == "EXEMPTOUTPUT"
    with pytest.raises(MappingProblem, match="no tax rate for purchases like 'GST 15%'"):
        TAXES.for_purchases(FIFTEEN)


def test_xeros_fifteen_percent_vector_individual_lines_carry_their_tax() -> None:
    sent = map_invoice(
        invoice(("1", "25.06", FIFTEEN), ("1", "25.61", FIFTEEN), ("1", "25.63", FIFTEEN)),
        contact=CONTACT,
        rules=RULES,
        taxes=TAXES,
    )
    assert [line.tax_amount for line in sent.document.lines] == [D("3.76"), D("3.84"), D("3.84")]
    assert sent.total == D("87.74") == package_total(sent.document.lines, TAXES)
    assert sent.rounding == 0


def test_summarised_lines_keep_per_line_tax_so_xeros_total_is_ours() -> None:
    rules = InvoiceRules(**{**RULES.__dict__, "individual_lines": False})
    made = invoice(("1", "10.05", GST), ("1", "10.05", GST), ("1", "10.05", GST), ("2", "12.35", FREE))
    sent = map_invoice(made, contact=CONTACT, rules=rules, taxes=TAXES, line_ids={"a:205|t:OUTPUT": "line-1"})
    lines = sent.document.lines
    assert [(x.account_code, x.tax_code, x.unit_amount, x.tax_amount) for x in lines] == [
        ("205", "OUTPUT", D("30.15"), D("3.03")),  # taxing the sum would give 3.02
        ("205", "EXEMPTOUTPUT", D("24.70"), D("0.00")),
    ]
    assert lines[0].line_id == "line-1" and lines[1].line_id is None  # ids kept under account and tax
    assert sent.line_keys == ("a:205|t:OUTPUT", "a:205|t:EXEMPTOUTPUT")
    assert package_total(lines, TAXES) == made.total == D("57.88")


def test_without_settable_tax_amounts_a_rounding_line_evens_the_totals() -> None:
    rules = InvoiceRules(**{**RULES.__dict__, "individual_lines": False, "tax_amount_settable": False})
    made = invoice(("1", "10.05", GST), ("1", "10.05", GST), ("1", "10.05", GST))
    sent = map_invoice(made, contact=CONTACT, rules=rules, taxes=TAXES)
    assert sent.rounding == D("0.01")
    rounding = sent.document.lines[-1]
    assert (rounding.description, rounding.account_code, rounding.unit_amount) == (
        "Rounding",
        "860",
        D("0.01"),
    )
    assert package_total(sent.document.lines, TAXES) == made.total == D("33.18")

    no_rounding_account = InvoiceRules(**{**rules.__dict__, "rounding": None})
    with pytest.raises(MappingProblem, match="Default Rounding Account"):
        map_invoice(made, contact=CONTACT, rules=no_rounding_account, taxes=TAXES)


def test_the_income_account_is_the_lines_then_the_materials_then_the_job_types_then_the_default() -> None:
    job = Job(number="J2401", job_type=JobType(name="Gas", income_account_code="260"))
    made = invoice(("1", "10", GST), ("1", "10", GST), job=job)
    line, other = made.lines
    assert income_account_for(line, RULES).code == "260"
    line.material = Material(code="TAP", name="Tap", income_account_code="200")
    assert income_account_for(line, RULES).code == "200"
    line.income_account_code = "270"
    assert income_account_for(line, RULES).code == "270"
    job.job_type = None
    other.kind = LineKind.MATERIAL
    assert income_account_for(other, RULES).code == "206"
    other.kind = LineKind.OTHER
    assert income_account_for(other, RULES).code == "205"
    with pytest.raises(MappingProblem, match="Default Labour Income Account"):
        income_account_for(other, InvoiceRules(**{**RULES.__dict__, "labour_income": None}))


def test_work_undertaken_is_a_description_only_first_line() -> None:
    rules = InvoiceRules(**{**RULES.__dict__, "work_undertaken": True})
    job = Job(number="J2401", work_undertaken="Replaced the tempering valve.")
    sent = map_invoice(invoice(("1", "10", GST), job=job), contact=CONTACT, rules=rules, taxes=TAXES)
    first = sent.document.lines[0]
    assert (first.description, first.quantity, first.unit_amount) == (
        "Replaced the tempering valve.",
        None,
        None,
    )
    assert sent.document.reference == "J2401"
