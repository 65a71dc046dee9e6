"""What the sandbox finds by name, ContactNumber, document number and contact, now read through its indexes:
the same contacts and documents as reading every record did, Xero's refusals word for word, and every one
of those reads going through an index (checked on SQLite's query plans, not on timings)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.where import pinned_texts
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.test_records import first, messages, new_customer, pay, sales_invoice

NAME_TAKEN = (
    "The contact name {} is already assigned to another contact. The contact name must be unique across all "
    "active contacts."
)
NUMBER_TAKEN = "Another contact has this contact number. Please enter a different contact number."
ARCHIVED = (
    "The contact with the specified contact details has been archived. The contact must be un-archived "
    "before creating new invoices or credit notes."
)
LINE = {"Description": "Service", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}


def contact(api: XeroSession, **fields: Any) -> dict[str, Any]:
    return first(api.put("/Contacts", {"Contacts": [fields]}), "Contacts")


def change(api: XeroSession, contact_id: str, **fields: Any) -> Any:
    return api.post(f"/Contacts/{contact_id}", {"Contacts": [fields]})


def invoice_for(api: XeroSession, reference: dict[str, Any], **fields: Any) -> Any:
    body = {"Type": "ACCREC", "Contact": reference, "Date": "2026-10-01", "LineItems": [LINE], **fields}
    return api.put("/Invoices", {"Invoices": [body]})


def credit_note(api: XeroSession, contact_id: str, number: str, **fields: Any) -> dict[str, Any]:
    body = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-10-01",
        "CreditNoteNumber": number,
        "Status": "AUTHORISED",
        "LineItems": [LINE],
        **fields,
    }
    return first(api.put("/CreditNotes", {"CreditNotes": [body]}), "CreditNotes")


def all_contacts(api: XeroSession) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = api.get("/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    return found


# ----- contact saves: name and ContactNumber clashes ---------------------------------------------------


def test_a_name_clashes_whatever_its_case_and_spaces_and_says_the_name_as_sent(api: XeroSession) -> None:
    contact(api, Name="Lookup Plumbing Pty Ltd")
    refused = api.put("/Contacts", {"Contacts": [{"Name": "  LOOKUP plumbing pty ltd "}]})
    assert messages(refused) == [NAME_TAKEN.format("LOOKUP plumbing pty ltd")]
    other = contact(api, Name="Lookup Electrical")
    assert messages(change(api, other["ContactID"], Name="lookup plumbing PTY LTD")) == [
        NAME_TAKEN.format("lookup plumbing PTY LTD")
    ]


def test_only_active_contacts_clash_by_name(api: XeroSession) -> None:
    old = contact(api, Name="Archived Name Co")
    assert first(change(api, old["ContactID"], ContactStatus="ARCHIVED"), "Contacts")["ContactStatus"] == (
        "ARCHIVED"
    )
    # An archived contact's name is free for an active one ...
    active = contact(api, Name="archived name co")
    # ... and a contact saved archived does not clash with the active one.
    assert contact(api, Name="Archived Name Co", ContactStatus="ARCHIVED")["ContactStatus"] == "ARCHIVED"
    # Bringing the old one back now clashes with the new holder of the name.
    assert messages(change(api, old["ContactID"], ContactStatus="ACTIVE")) == [
        NAME_TAKEN.format("Archived Name Co")
    ]
    # Once the holder is archived too, it may come back.
    change(api, active["ContactID"], ContactStatus="ARCHIVED")
    assert (
        first(change(api, old["ContactID"], ContactStatus="ACTIVE"), "Contacts")["ContactStatus"] == "ACTIVE"
    )


def test_numbers_clash_exactly_and_even_with_an_archived_contact(api: XeroSession) -> None:
    holder = contact(api, Name="Numbered Lookup Co", ContactNumber="LB-LOOK-1")
    change(api, holder["ContactID"], ContactStatus="ARCHIVED")
    assert messages(
        api.put("/Contacts", {"Contacts": [{"Name": "Another Co", "ContactNumber": "LB-LOOK-1"}]})
    ) == [NUMBER_TAKEN]
    # Another case is another number.
    assert contact(api, Name="Lower Case Co", ContactNumber="lb-look-1")["ContactNumber"] == "lb-look-1"


def test_a_contact_never_clashes_with_itself_and_a_change_frees_its_old_name_and_number(
    api: XeroSession,
) -> None:
    saved = contact(api, Name="Self Co", ContactNumber="LB-SELF-1")
    kept = first(change(api, saved["ContactID"], Name="SELF CO", ContactNumber="LB-SELF-1"), "Contacts")
    assert (kept["Name"], kept["ContactNumber"]) == ("SELF CO", "LB-SELF-1")
    change(api, saved["ContactID"], Name="Renamed Self Co", ContactNumber="LB-SELF-2")
    freed = contact(api, Name="Self Co", ContactNumber="LB-SELF-1")
    assert freed["ContactID"] != saved["ContactID"]
    assert messages(api.put("/Contacts", {"Contacts": [{"Name": "renamed self co"}]})) == [
        NAME_TAKEN.format("renamed self co")
    ]
    assert messages(
        api.put("/Contacts", {"Contacts": [{"Name": "Third Co", "ContactNumber": "LB-SELF-2"}]})
    ) == [NUMBER_TAKEN]


def test_one_contact_holding_both_the_name_and_the_number_gives_both_refusals(api: XeroSession) -> None:
    contact(api, Name="Both Taken Co", ContactNumber="LB-BOTH-1")
    refused = api.put("/Contacts", {"Contacts": [{"Name": "both taken co", "ContactNumber": "LB-BOTH-1"}]})
    assert messages(refused) == [NAME_TAKEN.format("both taken co"), NUMBER_TAKEN]


def test_contacts_in_one_batch_clash_with_those_saved_before_them(api: XeroSession) -> None:
    response = api.put(
        "/Contacts",
        {
            "Contacts": [
                {"Name": "Batch Co", "ContactNumber": "LB-BATCH-1"},
                {"Name": "BATCH CO"},
                {"Name": "Batch Two Co", "ContactNumber": "LB-BATCH-1"},
            ]
        },
        params={"summarizeErrors": "false"},
    )
    results = response.json()["Contacts"]
    assert [r["StatusAttributeString"] for r in results] == ["OK", "ERROR", "ERROR"]
    assert [m["Message"] for m in results[1]["ValidationErrors"]] == [NAME_TAKEN.format("BATCH CO")]
    assert [m["Message"] for m in results[2]["ValidationErrors"]] == [NUMBER_TAKEN]


def test_post_by_contact_number_updates_the_contact_holding_it(api: XeroSession) -> None:
    saved = contact(api, Name="Upsert Co", ContactNumber="LB-UPSERT-1")
    updated = first(
        api.post(
            "/Contacts", {"Contacts": [{"ContactNumber": "LB-UPSERT-1", "EmailAddress": "a@upsert.example"}]}
        ),
        "Contacts",
    )
    assert (updated["ContactID"], updated["EmailAddress"]) == (saved["ContactID"], "a@upsert.example")
    # Another case is another number: a new contact (which needs a name).
    assert messages(api.post("/Contacts", {"Contacts": [{"ContactNumber": "lb-upsert-1"}]})) == [
        "The contact name must be specified."
    ]


# ----- contacts found by ContactNumber or name --------------------------------------------------------


def test_get_contact_by_number_is_exact_and_follows_a_change_of_number(api: XeroSession) -> None:
    saved = contact(api, Name="Path Number Co", ContactNumber="LB-PATH-1")
    assert first(api.get("/Contacts/LB-PATH-1"), "Contacts")["ContactID"] == saved["ContactID"]
    assert api.get("/Contacts/lb-path-1").status_code == 404
    change(api, saved["ContactID"], ContactNumber="LB-PATH-2")
    assert api.get("/Contacts/LB-PATH-1").status_code == 404
    assert first(api.get("/Contacts/LB-PATH-2"), "Contacts")["ContactID"] == saved["ContactID"]


def test_an_invoice_finds_its_contact_by_number_exactly(api: XeroSession) -> None:
    saved = contact(api, Name="Invoice Number Co", ContactNumber="LB-INV-C1")
    found = first(invoice_for(api, {"ContactNumber": "LB-INV-C1"}), "Invoices")
    assert found["Contact"]["ContactID"] == saved["ContactID"]
    assert found["Contact"]["ContactNumber"] == "LB-INV-C1"
    # Another case finds nothing; without a name there is nothing to create either.
    assert messages(invoice_for(api, {"ContactNumber": "lb-inv-c1"})) == [
        "A Contact must be specified for this type of transaction"
    ]
    # The number wins over a name that is another contact's.
    other = contact(api, Name="Invoice Name Co")
    both = first(invoice_for(api, {"ContactNumber": "LB-INV-C1", "Name": "Invoice Name Co"}), "Invoices")
    assert both["Contact"]["ContactID"] == saved["ContactID"] != other["ContactID"]


def test_an_invoice_finds_its_contact_by_name_without_case_among_active_contacts(api: XeroSession) -> None:
    saved = contact(api, Name="Invoice By Name Co")
    before = len(all_contacts(api))
    found = first(invoice_for(api, {"Name": "  invoice BY name co "}), "Invoices")
    assert found["Contact"]["ContactID"] == saved["ContactID"]
    assert len(all_contacts(api)) == before
    # An archived contact is not found by name: a new contact of that name is made with the invoice.
    change(api, saved["ContactID"], ContactStatus="ARCHIVED")
    fresh = first(invoice_for(api, {"Name": "Invoice By Name Co"}), "Invoices")
    assert fresh["Contact"]["ContactID"] != saved["ContactID"]
    assert len(all_contacts(api)) == before + 1
    # ... while by number the archived contact is found, and refused.
    change(api, saved["ContactID"], ContactNumber="LB-ARCH-1")
    assert messages(invoice_for(api, {"ContactNumber": "LB-ARCH-1"})) == [ARCHIVED]


def test_an_unknown_number_and_name_make_a_contact_found_by_both_afterwards(api: XeroSession) -> None:
    made = first(invoice_for(api, {"ContactNumber": "LB-NEW-1", "Name": "Made With Invoice Co"}), "Invoices")
    contact_id = made["Contact"]["ContactID"]
    assert first(api.get("/Contacts/LB-NEW-1"), "Contacts")["Name"] == "Made With Invoice Co"
    again = first(invoice_for(api, {"Name": "MADE WITH INVOICE CO"}), "Invoices")
    assert again["Contact"]["ContactID"] == contact_id


def test_a_renamed_contact_is_found_by_its_new_name_only(api: XeroSession) -> None:
    saved = contact(api, Name="Before Rename Co")
    change(api, saved["ContactID"], Name="After Rename Co")
    renamed = first(invoice_for(api, {"Name": "after rename co"}), "Invoices")
    assert renamed["Contact"]["ContactID"] == saved["ContactID"]
    old_name = first(invoice_for(api, {"Name": "Before Rename Co"}), "Invoices")
    assert old_name["Contact"]["ContactID"] != saved["ContactID"]


# ----- balances ----------------------------------------------------------------------------------------


def balances(api: XeroSession, contact_id: str) -> dict[str, Any]:
    found: dict[str, Any] = first(api.get(f"/Contacts/{contact_id}"), "Contacts")["Balances"]
    return found


def test_balances_count_the_contacts_own_approved_documents_and_follow_a_change_of_contact(
    api: XeroSession,
) -> None:
    mine = new_customer(api, "Balance Mine Co")
    theirs = new_customer(api, "Balance Theirs Co")
    paid_in_part = sales_invoice(api, mine)  # 110.00, due 2026-10-31
    sales_invoice(api, mine, status="DRAFT")
    sales_invoice(api, theirs)
    assert pay(api, paid_in_part["InvoiceID"], 10).status_code == 200
    bill = {
        "Type": "ACCPAY",
        "Contact": {"ContactID": mine},
        "Date": "2026-10-01",
        "DueDate": "2026-10-15",
        "Status": "AUTHORISED",
        "LineItems": [{"Description": "Materials", "Quantity": 1, "UnitAmount": 50, "AccountCode": "310"}],
    }
    assert api.put("/Invoices", {"Invoices": [bill]}).status_code == 200
    own = balances(api, mine)
    assert own["AccountsReceivable"]["Outstanding"] == 100.0
    assert own["AccountsPayable"]["Outstanding"] == 55.0
    assert balances(api, theirs)["AccountsReceivable"]["Outstanding"] == 110.0
    # A draft moved to the other contact, then approved, counts for that contact only.
    moved = sales_invoice(api, mine, status="DRAFT")
    api.post(
        f"/Invoices/{moved['InvoiceID']}",
        {"Invoices": [{"Contact": {"ContactID": theirs}, "Status": "AUTHORISED"}]},
    )
    assert balances(api, mine)["AccountsReceivable"]["Outstanding"] == 100.0
    assert balances(api, theirs)["AccountsReceivable"]["Outstanding"] == 220.0


# ----- documents by number -----------------------------------------------------------------------------


def numbers_of(response: Any, collection: str, field: str) -> list[str]:
    assert response.status_code == 200, response.text
    return [d[field] for d in response.json()[collection]]


def test_invoice_numbers_find_exactly_those_invoices_deleted_or_not(api: XeroSession) -> None:
    contact_id = new_customer(api, "Numbers Lookup Co")
    kept = sales_invoice(api, contact_id, InvoiceNumber="LB-FIND-1")
    sales_invoice(api, contact_id, InvoiceNumber="LB-FIND-2")
    deleted = sales_invoice(api, contact_id, status="DRAFT", InvoiceNumber="LB-FIND-3")
    api.post(f"/Invoices/{deleted['InvoiceID']}", {"Invoices": [{"Status": "DELETED"}]})
    asked = {"InvoiceNumbers": "LB-FIND-1,LB-FIND-3,lb-find-2,LB-NOPE", "where": 'Type=="ACCREC"'}
    found = api.get("/Invoices", params=asked).json()["Invoices"]
    assert sorted((i["InvoiceNumber"], i["Status"]) for i in found) == [
        ("LB-FIND-1", "AUTHORISED"),
        ("LB-FIND-3", "DELETED"),
    ]
    # A renumbered invoice is found by its new number only.
    api.post(f"/Invoices/{kept['InvoiceID']}", {"Invoices": [{"InvoiceNumber": "LB-FIND-4"}]})
    assert (
        numbers_of(api.get("/Invoices", params={"InvoiceNumbers": "LB-FIND-1"}), "Invoices", "InvoiceNumber")
        == []
    )
    assert numbers_of(
        api.get("/Invoices", params={"InvoiceNumbers": "LB-FIND-4"}), "Invoices", "InvoiceNumber"
    ) == ["LB-FIND-4"]
    # Bills too (their numbers need not be unique), narrowed by contact as the sync client asks.
    other = new_customer(api, "Numbers Supplier Co")
    for supplier in (contact_id, other):
        api.put(
            "/Invoices",
            {
                "Invoices": [
                    {
                        "Type": "ACCPAY",
                        "Contact": {"ContactID": supplier},
                        "InvoiceNumber": "SUP-FIND-1",
                        "LineItems": [{"Description": "x"}],
                    }
                ]
            },
        )
    bills = api.get(
        "/Invoices",
        params={"InvoiceNumbers": "SUP-FIND-1", "ContactIDs": other.upper(), "where": 'Type=="ACCPAY"'},
    ).json()["Invoices"]
    assert [b["Contact"]["ContactID"] for b in bills] == [other]


def test_a_long_list_of_invoice_numbers_finds_the_same_invoices(api: XeroSession) -> None:
    contact_id = new_customer(api, "Long List Co")
    sales_invoice(api, contact_id, InvoiceNumber="LB-LONG-1")
    sales_invoice(api, contact_id, InvoiceNumber="LB-LONG-2")
    wanted = ["LB-LONG-1", *(f"LB-ABSENT-{n}" for n in range(600)), "LB-LONG-2"]
    found = api.get("/Invoices", params={"InvoiceNumbers": ",".join(wanted)})
    assert numbers_of(found, "Invoices", "InvoiceNumber") == ["LB-LONG-1", "LB-LONG-2"]


def test_invoice_numbers_read_in_xeros_order_and_since_a_moment(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    contact_id = new_customer(api, "Order Lookup Co")
    older = sales_invoice(api, contact_id, status="DRAFT", InvoiceNumber="LB-ORDER-1")
    sales_invoice(api, contact_id, InvoiceNumber="LB-ORDER-2")
    sandbox.clock.advance(2)
    since = sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    api.post(f"/Invoices/{older['InvoiceID']}", {"Invoices": [{"Reference": "changed"}]})
    both = api.get("/Invoices", params={"InvoiceNumbers": "LB-ORDER-1,LB-ORDER-2"})
    assert numbers_of(both, "Invoices", "InvoiceNumber") == ["LB-ORDER-2", "LB-ORDER-1"]
    changed = api.get(
        "/Invoices", params={"InvoiceNumbers": "LB-ORDER-1,LB-ORDER-2"}, headers={"If-Modified-Since": since}
    )
    assert numbers_of(changed, "Invoices", "InvoiceNumber") == ["LB-ORDER-1"]


def test_credit_notes_by_where_on_their_number_compare_without_case(api: XeroSession) -> None:
    contact_id = new_customer(api, "Credit Lookup Co")
    credit_note(api, contact_id, "CN-LOOK-1")
    voided = credit_note(api, contact_id, "CN-LOOK-2")
    api.post(f"/CreditNotes/{voided['CreditNoteID']}", {"CreditNotes": [{"Status": "VOIDED"}]})
    credit_note(api, contact_id, "CN-LOOK-3")

    def where(text: str) -> list[str]:
        answer = api.get("/CreditNotes", params={"where": text, "page": 1, "pageSize": 100, "unitdp": 4})
        return sorted(numbers_of(answer, "CreditNotes", "CreditNoteNumber"))

    # As the sync client asks after an ambiguous failure.
    assert where(
        'CreditNoteNumber=="cn-look-1" OR CreditNoteNumber=="CN-LOOK-2" OR CreditNoteNumber=="CN-NOPE"'
    ) == [
        "CN-LOOK-1",
        "CN-LOOK-2",
    ]
    assert where(
        'Type=="ACCRECCREDIT" AND (creditnotenumber=="CN-LOOK-3" || CreditNoteNumber=="CN-LOOK-1")'
    ) == [
        "CN-LOOK-1",
        "CN-LOOK-3",
    ]
    # A filter that leaves the number free is read in full.
    assert where('CreditNoteNumber=="CN-LOOK-1" OR Status=="VOIDED"') == ["CN-LOOK-1", "CN-LOOK-2"]
    look = [n for n in where('NOT CreditNoteNumber=="CN-LOOK-1"') if n.startswith("CN-LOOK")]
    assert look == ["CN-LOOK-2", "CN-LOOK-3"]
    assert where('CreditNoteNumber=="CN-LOOK-1" AND CreditNoteNumber=="CN-LOOK-3"') == []
    assert api.get("/CreditNotes", params={"where": 'CreditNoteNumber=="CN-LOOK-1" OR'}).status_code == 400


def test_invoices_by_where_on_number_or_contact(api: XeroSession) -> None:
    contact_id = new_customer(api, "Where Lookup Co")
    sales_invoice(api, contact_id, InvoiceNumber="LB-WHERE-1")
    sales_invoice(api, contact_id, InvoiceNumber="LB-WHERE-2")
    by_number = api.get("/Invoices", params={"where": 'InvoiceNumber=="lb-where-2"'})
    assert numbers_of(by_number, "Invoices", "InvoiceNumber") == ["LB-WHERE-2"]
    by_contact = api.get("/Invoices", params={"where": f'Contact.ContactID==guid("{contact_id.upper()}")'})
    assert numbers_of(by_contact, "Invoices", "InvoiceNumber") == ["LB-WHERE-1", "LB-WHERE-2"]


@pytest.mark.parametrize(
    ("text", "path", "pinned"),
    [
        ('CreditNoteNumber=="CN-1"', "CreditNoteNumber", {"cn-1"}),
        ('CreditNoteNumber=="CN-1" OR CreditNoteNumber="cn-2"', "creditnotenumber", {"cn-1", "cn-2"}),
        ('Type=="ACCREC" AND (InvoiceNumber=="A" OR InvoiceNumber=="B")', "InvoiceNumber", {"a", "b"}),
        ('InvoiceNumber=="A" AND InvoiceNumber=="B"', "InvoiceNumber", set()),
        ('InvoiceNumber=="A" OR Status=="PAID"', "InvoiceNumber", None),
        ('NOT InvoiceNumber=="A"', "InvoiceNumber", None),
        ('InvoiceNumber!="A"', "InvoiceNumber", None),
        ('InvoiceNumber.StartsWith("A")', "InvoiceNumber", None),
        ("InvoiceNumber==5", "InvoiceNumber", None),
        ('Contact.ContactID==guid("ABC")', "Contact.ContactID", {"abc"}),
        ('Type=="ACCREC"', "InvoiceNumber", None),
    ],
)
def test_where_pins_a_field_only_when_every_match_must_hold_one_of_the_texts(
    text: str, path: str, pinned: set[str] | None
) -> None:
    assert pinned_texts(text, path) == (None if pinned is None else frozenset(pinned))


# ----- every one of those reads goes through an index -------------------------------------------------


@contextmanager
def record_reads(sandbox: SandboxServer) -> Iterator[list[tuple[str, Any]]]:
    """The SELECTs on xero_record the sandbox runs meanwhile, with their parameters."""
    reads: list[tuple[str, Any]] = []

    def seen(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM xero_record" in statement:
            reads.append((statement, parameters))

    event.listen(sandbox.store.engine, "before_cursor_execute", seen)
    try:
        yield reads
    finally:
        event.remove(sandbox.store.engine, "before_cursor_execute", seen)


def walks_many(plan: str) -> bool:
    """Whether a query-plan line reads more than the rows under one key: a scan, or a search on the
    organisation and kind alone (every contact or every invoice). The one read of the highest creation
    number is a single step of its index."""
    if "xero_record" not in plan:
        return False
    if "ix_xero_record_sequence" in plan:
        return False
    return plan.startswith("SCAN") or plan.rstrip(")").endswith(("(tenant_id=?", "(tenant_id=? AND kind=?"))


def test_look_ups_by_name_number_and_contact_read_through_an_index(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    saved = contact(api, Name="Indexed Co", ContactNumber="LB-IDX-1")
    with record_reads(sandbox) as reads:
        contact(api, Name="Indexed Two Co", ContactNumber="LB-IDX-2")
        change(api, saved["ContactID"], EmailAddress="a@indexed.example")
        api.post(
            "/Contacts", {"Contacts": [{"ContactNumber": "LB-IDX-1", "Website": "https://indexed.example"}]}
        )
        invoice = first(
            invoice_for(api, {"ContactNumber": "LB-IDX-1"}, InvoiceNumber="LB-IDX-INV"), "Invoices"
        )
        invoice_for(api, {"Name": "indexed two co"})
        api.get("/Contacts/LB-IDX-1")
        api.get(f"/Contacts/{saved['ContactID']}")
        api.get(
            "/Invoices",
            params={"InvoiceNumbers": "LB-IDX-INV,INV-0001", "where": 'Type=="ACCREC"', "page": 1},
        )
        api.get("/Invoices", params={"ContactIDs": saved["ContactID"]})
        api.get(f"/Invoices/{invoice['InvoiceNumber']}")
        credit_note(api, saved["ContactID"], "CN-IDX-1")
        api.get(
            "/CreditNotes", params={"where": 'CreditNoteNumber=="CN-IDX-1" OR CreditNoteNumber=="CN-0001"'}
        )
    assert len(reads) > 20
    walked = []
    with sqlite3.connect(sandbox.state_file) as raw:
        for statement, parameters in reads:
            plan = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
            walked += [(line, statement) for line in plan if walks_many(line)]
    assert walked == []


def test_the_plan_check_sees_a_read_of_every_contact(sandbox: SandboxServer, api: XeroSession) -> None:
    """The check above can fail: a listing reads every contact, and it says so."""
    with record_reads(sandbox) as reads:
        api.get("/Contacts")
    with sqlite3.connect(sandbox.state_file) as raw:
        plans = [
            row[3]
            for statement, parameters in reads
            for row in raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        ]
    assert any(walks_many(line) for line in plans)
