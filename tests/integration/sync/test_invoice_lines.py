"""The lines an invoice reaches Xero with, as the Accounts Integration settings ask."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from app.integrations.xero import XERO_CAPABILITIES
from app.models import Invoice, LineKind, ReferenceField, SyncRecordType
from tests.integration.sync.conftest import Books, Business, XeroHolds, money


def _lines(held: dict) -> list[tuple[str, str, Decimal, Decimal]]:
    return [
        (
            line["Description"],
            line.get("AccountCode", ""),
            money(line["LineAmount"]),
            money(line["TaxAmount"]),
        )
        for line in held["LineItems"]
    ]


def test_each_line_posts_to_its_override_its_material_its_job_type_or_the_default(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Parkside Strata")
    job_type = business.job_type("Gas fitting", income_code="260")
    copper = business.material("PIPE-CU15", "Copper pipe 15 mm", "14.50", income_code="200")
    tap = business.material("TAP-01", "Mixer tap", "120.00")  # no income code of its own
    job = business.job(customer, job_type)
    plain_job = business.job(customer)
    on_job = business.invoice(
        customer,
        [("Labour", "2", "110.00"), ("Copper pipe", "3", "14.50"), ("Mixer tap", "1", "120.00")],
        job_id=job,
        kinds=[LineKind.LABOUR, LineKind.MATERIAL, LineKind.MATERIAL],
        materials=[None, copper, tap],
    )
    defaults = business.invoice(
        customer,
        [("Labour", "1", "110.00"), ("Mixer tap", "1", "120.00")],
        job_id=plain_job,
        kinds=[LineKind.LABOUR, LineKind.MATERIAL],
        materials=[None, tap],
    )
    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, defaults)
        assert invoice is not None
        invoice.lines[0].income_account_code = "270"  # the line's own override
        invoice.revision += 1

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    accounts = [line[1] for line in _lines(xero_holds.invoice(business.number(on_job)))]
    # labour: the job type's; copper: its material's; the tap: the job type's (a material without one)
    assert accounts == ["260", "200", "260"]
    accounts = [line[1] for line in _lines(xero_holds.invoice(business.number(defaults)))]
    # the override, then (no job type, no material code) the default materials income account
    assert accounts == ["270", "206"]


def test_summarised_lines_one_per_account_and_tax_rate_keep_their_ids_across_edits(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    books.settings(push_individual_lines=False)
    customer = business.customer("Hillcrest Vets")
    # Three lines of 10.05 at 10%: taxed per line 3.03, where taxing the sum would give 3.02.
    invoice_id = business.invoice(
        customer,
        [
            ("Labour", "1", "10.05"),
            ("Labour", "1", "10.05"),
            ("Labour", "1", "10.05"),
            ("Parts", "1", "50.00"),
        ],
        kinds=[LineKind.LABOUR, LineKind.LABOUR, LineKind.LABOUR, LineKind.MATERIAL],
    )
    business.invoice(customer, [("Freight", "1", "20.00")], tax="GST Free")

    books.sync()

    held = xero_holds.invoice(business.number(invoice_id))
    assert _lines(held) == [
        ("Labour", "205", Decimal("30.15"), Decimal("3.03")),
        ("Materials", "206", Decimal("50.00"), Decimal("5.00")),
    ]
    assert money(held["Total"]) == business.get(Invoice, invoice_id).total == Decimal("88.18")
    ids = [line["LineItemID"] for line in held["LineItems"]]

    with books.factory() as session, session.begin():
        invoice = session.get(Invoice, invoice_id)
        assert invoice is not None
        invoice.lines[3].unit_price = Decimal("60.00")
        from app.services.invoices import recalculate

        recalculate(invoice)
        invoice.revision += 1
    books.sync()

    held = xero_holds.invoice(business.number(invoice_id))
    assert [line["LineItemID"] for line in held["LineItems"]] == ids
    assert money(held["Total"]) == Decimal("99.18")


def test_where_xero_would_total_differently_a_rounding_line_makes_the_totals_equal(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    # A package that does not take a line's tax amount prices a summarised line on its sum: 30.15 at 10%
    # is 3.02 there, 3.03 here (per line). The rounding line carries the cent.
    books.provider.capabilities = dataclasses.replace(XERO_CAPABILITIES, line_tax_amount_settable=False)
    books.settings(push_individual_lines=False)
    customer = business.customer("Northside Physio")
    invoice_id = business.invoice(
        customer, [("Labour", "1", "10.05"), ("Labour", "1", "10.05"), ("Labour", "1", "10.05")]
    )

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    held = xero_holds.invoice(business.number(invoice_id))
    assert _lines(held) == [
        ("Labour", "205", Decimal("30.15"), Decimal("3.02")),
        ("Rounding", "860", Decimal("0.01"), Decimal("0.00")),
    ]
    assert money(held["Total"]) == business.get(Invoice, invoice_id).total == Decimal("33.18")


def test_lines_as_items_create_the_item_codes_once_and_reuse_xeros_own(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    books.settings(push_lines_as_items=True)
    customer = business.customer("Willow Childcare")
    job_type = business.job_type("Hot water")
    heater = business.material("HWS-250E", "Hot water unit 250 L electric", "1450.00")  # already in Xero
    valve = business.material("VALVE-TPR", "Tempering valve", "95.00")
    job = business.job(customer, job_type)
    kinds = [LineKind.LABOUR, LineKind.MATERIAL, LineKind.MATERIAL, LineKind.OTHER]
    lines = [
        ("Labour", "3", "110.00"),
        ("Heater", "1", "1450.00"),
        ("Valve", "1", "95.00"),
        ("Disposal", "1", "40"),
    ]
    first = business.invoice(customer, lines, job_id=job, kinds=kinds, materials=[None, heater, valve, None])
    second = business.invoice(customer, lines[2:3], job_id=job, kinds=[LineKind.MATERIAL], materials=[valve])
    items_before = {item["Code"] for item in xero_holds.all("Item")}

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    held = xero_holds.invoice(business.number(first))
    assert [line.get("ItemCode") for line in held["LineItems"]] == [
        f"LAB-{job_type}",
        "HWS-250E",
        "VALVE-TPR",
        None,
    ]
    assert money(held["Total"]) == business.get(Invoice, first).total
    assert xero_holds.invoice(business.number(second))["LineItems"][0]["ItemCode"] == "VALVE-TPR"
    created = {item["Code"] for item in xero_holds.all("Item")} - items_before
    assert created == {f"LAB-{job_type}", "VALVE-TPR"}  # HWS-250E was Xero's already: reused


def test_work_undertaken_goes_as_a_description_line(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    books.settings(push_work_undertaken=True)
    customer = business.customer("Lakeside Bowls Club")
    job = business.job(
        customer, work_undertaken="Cleared the blocked sewer line and replaced the inspection cap."
    )
    invoice_id = business.invoice(customer, job_id=job)

    books.sync()

    held = xero_holds.invoice(business.number(invoice_id))
    first = held["LineItems"][0]
    assert first["Description"] == "Cleared the blocked sewer line and replaced the inspection cap."
    assert money(first["LineAmount"]) == 0 and "AccountCode" not in first
    assert money(held["Total"]) == business.get(Invoice, invoice_id).total


def test_the_reference_field_carries_what_the_settings_choose(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Maple Street Medical")
    job = business.job(
        customer,
        site_address="12 Maple Street\nNewtown NSW 2042",
        customer_po_number="PO-7731",
        client_work_order_number="WO-55",
    )
    expected = {
        ReferenceField.JOB_NUMBER: business.job_number(job),
        ReferenceField.PURCHASE_ORDER_NUMBER: "PO-7731",
        ReferenceField.SITE_ADDRESS: "12 Maple Street, Newtown NSW 2042",
        ReferenceField.CLIENT_WORK_ORDER_NUMBER: "WO-55",
    }
    for field, reference in expected.items():
        books.settings(reference_field=field)
        invoice_id = business.invoice(customer, job_id=job)
        summary = books.sync()
        assert summary.sent[SyncRecordType.INVOICE] == 1
        assert xero_holds.invoice(business.number(invoice_id))["Reference"] == reference
