"""Supplier invoices once accepted and job expenses go to Xero as bills; drafts and purchase orders never."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from app.models import Expense, PurchaseOrder, PurchaseOrderStatus, SupplierInvoice, SyncRecordType, TaxRate
from app.services.suppliers import (
    SupplierInvoiceDraft,
    SupplierInvoiceLineDraft,
    accept_supplier_invoice,
    create_supplier_invoice,
)
from tests.integration.sync.conftest import TODAY, Books, Business, XeroHolds, money


def _bill(books: Books, supplier: int, number: str, *, accept: bool) -> int:
    with books.factory() as session, session.begin():
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        bill = create_supplier_invoice(
            session,
            SupplierInvoiceDraft(
                supplier_id=supplier,
                number=number,
                date=TODAY,
                due_date=TODAY,
                lines=[
                    SupplierInvoiceLineDraft("Copper pipe 15 mm x 30 m", Decimal(30), Decimal("8.20"), gst),
                    SupplierInvoiceLineDraft("Solder and flux", Decimal(1), Decimal("19.95"), gst),
                ],
            ),
        )
        if accept:
            accept_supplier_invoice(session, bill)
        return bill.id


def test_accepted_supplier_invoices_go_as_bills_drafts_and_purchase_orders_never(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    supplier = business.supplier("Reece Plumbing Centre", abn="51 824 753 556")
    accepted = _bill(books, supplier, "INV-88213", accept=True)
    draft = _bill(books, supplier, "INV-88214", accept=False)
    with books.factory() as session, session.begin():
        session.add(
            PurchaseOrder(
                number="PO-300",
                supplier_id=supplier,
                date=TODAY,
                status=PurchaseOrderStatus.SENT,
                total=Decimal(500),
            )
        )

    plan = books.engine().preview()
    assert [(c.key.record_type, c.key.local_id) for c in plan.changes] == [
        (SyncRecordType.SUPPLIER_INVOICE, accepted)
    ]
    assert any("purchase order(s) are never sent" in note for note in plan.notes)

    summary = books.sync()

    assert summary.exit_code == 0, summary.lines()
    [bill] = xero_holds.invoices("INV-88213", type_="ACCPAY")
    assert bill["Contact"]["Name"] == "Reece Plumbing Centre" and bill["Status"] == "AUTHORISED"
    assert [line["AccountCode"] for line in bill["LineItems"]] == [
        "310",
        "310",
    ]  # default supplier invoice account
    assert {line["TaxType"] for line in bill["LineItems"]} == {"INPUT"}
    with books.factory() as session:
        local = session.get(SupplierInvoice, accepted)
        assert local is not None and money(bill["Total"]) == local.total
    assert not xero_holds.invoices("INV-88214", type_="ACCPAY")
    assert not [d for d in xero_holds.all("Invoice") if d.get("InvoiceNumber") == "PO-300"]
    assert books.link(SyncRecordType.SUPPLIER_INVOICE, draft) is None
    assert books.sync().nothing_to_do

    with books.factory() as session, session.begin():
        late = session.get(SupplierInvoice, draft)
        assert late is not None
        accept_supplier_invoice(session, late)
    books.sync()
    assert len(xero_holds.invoices("INV-88214", type_="ACCPAY")) == 1


def test_expenses_go_as_bills_from_their_supplier_to_their_own_or_the_default_expense_account(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    supplier = business.supplier("Hire Hub Equipment")
    customer = business.customer("Pinecrest School")
    job = business.job(customer)
    with books.factory() as session, session.begin():
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        default = Expense(
            job_id=job,
            supplier_id=supplier,
            date=TODAY,
            description="Scissor lift hire",
            tax_rate=gst,
            amount=Decimal("180.00"),
            tax_amount=Decimal("18.00"),
            total=Decimal("198.00"),
        )
        own = Expense(
            job_id=job,
            supplier_id=supplier,
            date=TODAY,
            description="Skip bin",
            tax_rate=gst,
            amount=Decimal("300.00"),
            tax_amount=Decimal("30.00"),
            total=Decimal("330.00"),
            account_code="473",
            account_name="Repairs and Maintenance",
        )
        session.add_all([default, own])
        session.flush()
        ids = (default.id, own.id)

    summary = books.sync()

    assert summary.sent[SyncRecordType.EXPENSE] == 2, summary.lines()
    first = xero_holds.invoice(f"LB-EXP-{ids[0]}", type_="ACCPAY")
    second = xero_holds.invoice(f"LB-EXP-{ids[1]}", type_="ACCPAY")
    assert first["Contact"]["Name"] == "Hire Hub Equipment"
    assert first["LineItems"][0]["AccountCode"] == "429"  # the default supplier expense account
    assert second["LineItems"][0]["AccountCode"] == "473"  # the expense's own
    assert (money(first["Total"]), money(second["Total"])) == (Decimal("198.00"), Decimal("330.00"))
    assert len(xero_holds.contacts("Hire Hub Equipment")) == 1


def test_an_expense_without_a_supplier_is_a_bill_from_sundry_suppliers(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    job = business.job(business.customer("Harbourview Apartments"))
    with books.factory() as session, session.begin():
        tolls = [
            Expense(
                job_id=job,
                date=TODAY,
                description=f"Tolls to site {n}",
                amount=Decimal("9.09"),
                tax_amount=Decimal("0.91"),
                total=Decimal("10.00"),
                tax_rate=session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one(),
            )
            for n in (1, 2)
        ]
        session.add_all(tolls)
    first = books.sync()
    second = books.sync()

    assert first.exit_code == 0 and first.sent[SyncRecordType.EXPENSE] == 2, first.lines()
    assert second.nothing_to_do
    sundry = xero_holds.contacts("Sundry Suppliers")
    assert len(sundry) == 1
    bills = [d for d in xero_holds.invoices(type_="ACCPAY") if d["InvoiceNumber"].startswith("LB-EXP-")]
    assert len(bills) == 2 and {b["Contact"]["ContactID"] for b in bills} == {sundry[0]["ContactID"]}
