"""Customers become Xero contacts when their first invoice goes, matched first with the one matcher."""

from __future__ import annotations

from app.integrations.sandbox.xero.seed import SeedContact
from app.models import Customer, SyncRecordType, SyncState
from app.services.customers import CustomerDetails, save_customer
from tests.integration.sync.conftest import Books, Business, XeroHolds, in_xero


def test_a_contact_carrying_our_customer_number_is_linked_not_created_again(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Greenway Landscaping")
    # An earlier install sent this customer already: the contact carries our customer number.
    contact = in_xero(
        books,
        "PUT",
        "/Contacts",
        {"Contacts": [{"Name": "Greenway Landscapes", "ContactNumber": f"LBC-{customer}"}]},
    )["Contacts"][0]
    invoice = business.invoice(customer)

    summary = books.sync()

    assert summary.linked[SyncRecordType.CUSTOMER] == 1 and summary.sent[SyncRecordType.CUSTOMER] == 0
    assert xero_holds.invoice(business.number(invoice))["Contact"]["ContactID"] == contact["ContactID"]
    assert not xero_holds.contacts("Greenway Landscaping")


def test_matching_by_account_number_and_by_name(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    books.sandbox.add_xero_contacts(
        [
            SeedContact("Summit Roofing Co", account_number="ACC-2207"),
            SeedContact("Tidewater Kitchen Pty Ltd", email="hello@tidewaterkitchen.example"),
        ]
    )
    by_number = business.customer("Summit Roofing", account_number="ACC-2207")
    by_name = business.customer("Tidewater Kitchen")
    contacts_before = len(xero_holds.contacts())
    first = business.invoice(by_number)
    second = business.invoice(by_name)

    summary = books.sync()

    assert summary.exit_code == 0, [r.message for r in books.engine().journal.open_failures()]
    assert summary.linked[SyncRecordType.CUSTOMER] == 2
    assert xero_holds.invoice(business.number(first))["Contact"]["Name"] == "Summit Roofing Co"
    assert xero_holds.invoice(business.number(second))["Contact"]["Name"] == "Tidewater Kitchen Pty Ltd"
    assert len(xero_holds.contacts()) == contacts_before
    journal = books.engine().journal.entries()
    assert any("same account number" in row.message for row in journal)
    assert any("same name" in row.message for row in journal)


def test_a_match_that_another_key_contradicts_waits_for_review_and_nothing_is_created(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    books.sandbox.add_xero_contacts([SeedContact("Bright Sparks Electrical", tax_number="51 824 753 556")])
    customer = business.customer("Bright Sparks Electrical", abn="53 004 085 616")
    invoice = business.invoice(customer)
    other = business.invoice(business.customer("Unrelated Customer"))

    summary = books.sync()

    assert summary.exit_code == 1
    assert summary.needs_review == 1 and summary.failed[SyncRecordType.INVOICE] == 1
    link = books.link(SyncRecordType.CUSTOMER, customer)
    assert link is not None and link.state is SyncState.NEEDS_REVIEW and "ABNs differ" in link.message
    invoice_link = books.link(SyncRecordType.INVOICE, invoice)
    assert invoice_link is not None and "Import from Accounting Package" in invoice_link.message
    assert not xero_holds.invoices(business.number(invoice))
    assert len(xero_holds.contacts("Bright Sparks Electrical")) == 1  # never "Name (2)"
    assert xero_holds.invoices(business.number(other))  # the others still go


def test_an_edited_customer_updates_its_contact(
    books: Books, business: Business, xero_holds: XeroHolds
) -> None:
    customer = business.customer("Riverbend Nursery", email="old@riverbend.example")
    business.invoice(customer)
    books.sync()

    with books.factory() as session, session.begin():
        row = session.get(Customer, customer)
        assert row is not None
        details = CustomerDetails.of(row)
        details.email = "accounts@riverbend.example"
        save_customer(session, details, row)
    summary = books.sync()

    assert summary.sent[SyncRecordType.CUSTOMER] == 1, summary.lines()
    contact = xero_holds.contacts("Riverbend Nursery")
    assert len(contact) == 1 and contact[0]["EmailAddress"] == "accounts@riverbend.example"
    assert books.sync().nothing_to_do
