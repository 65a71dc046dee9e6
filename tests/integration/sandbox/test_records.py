"""Xero's business rules in the sandbox: contacts, invoices, payments, credit notes, reading and seeding."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SeedContact
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.consent import connect


def first(response: Any, key: str) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()[key][0]
    return document


def messages(response: Any) -> list[str]:
    assert response.status_code == 400, response.text
    return [m["Message"] for e in response.json()["Elements"] for m in e["ValidationErrors"]]


def new_customer(api: XeroSession, name: str = "Rules Test Pty Ltd") -> str:
    return str(first(api.put("/Contacts", {"Contacts": [{"Name": name}]}), "Contacts")["ContactID"])


def sales_invoice(
    api: XeroSession, contact_id: str, *lines: dict[str, Any], status: str = "AUTHORISED", **fields: Any
) -> dict[str, Any]:
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-10-01",
        "DueDate": "2026-10-31",
        "Status": status,
        "LineItems": list(lines)
        or [{"Description": "Service", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}],
        **fields,
    }
    return first(api.put("/Invoices", {"Invoices": [body]}), "Invoices")


def pay(api: XeroSession, invoice_id: str, amount: Any, **fields: Any) -> Any:
    return api.put(
        "/Payments",
        {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice_id},
                    "Account": {"Code": "090"},
                    "Date": "2026-10-05",
                    "Amount": amount,
                    **fields,
                }
            ]
        },
    )


# ----- seed --------------------------------------------------------------------------------------------


def test_demo_company_is_seeded_like_a_real_organisation(api: XeroSession) -> None:
    contacts = api.get("/Contacts", params={"includeArchived": "true"}).json()["Contacts"]
    assert 280 <= len(contacts) <= 320
    assert any(c["ContactStatus"] == "ARCHIVED" for c in contacts)
    tax_types = {t["TaxType"] for t in api.get("/TaxRates").json()["TaxRates"]}
    assert {"OUTPUT", "INPUT", "EXEMPTOUTPUT", "EXEMPTEXPENSES", "BASEXCLUDED"} <= tax_types
    assert len(api.get("/Items").json()["Items"]) >= 3
    invoices = api.get("/Invoices", params={"where": 'Type=="ACCREC"'}).json()["Invoices"]
    assert len(invoices) >= 30
    assert all(i["InvoiceNumber"].startswith("INV-") for i in invoices)
    today = dt.datetime.now(dt.UTC).date()
    dates = [dt.datetime.fromtimestamp(int(i["Date"][6:-7]) / 1000, dt.UTC).date() for i in invoices]
    assert max(dates) <= today - dt.timedelta(days=29)
    assert {"PAID", "AUTHORISED", "DRAFT", "VOIDED"} <= {i["Status"] for i in invoices}
    customers = [c for c in contacts if c["IsCustomer"]]
    assert customers


def test_demo_contacts_hook_adds_the_demo_business_customers(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    added = sandbox.add_xero_contacts(
        [
            SeedContact(name="Bondi Beach Cafe", email="hello@bondibeachcafe.example.com"),
            SeedContact(name="Bondi Beach Cafe", email="duplicate@example.com"),
            SeedContact(
                name="Marrickville Dental Group", email="frontdesk@mdg.example.com", phone="02 5550 1111"
            ),
        ]
    )
    assert len(added) == 2
    found = api.get("/Contacts", params={"searchTerm": "bondi beach cafe"}).json()["Contacts"]
    assert [c["EmailAddress"] for c in found] == ["hello@bondibeachcafe.example.com"]


def test_state_survives_a_restart_and_reset_starts_over(seeded_state: Path, tmp_path: Path) -> None:
    import shutil

    state = tmp_path / "kept.db"
    shutil.copyfile(seeded_state, state)
    with SandboxServer(state) as server:
        xero = server.endpoints()["xero"]
        token = connect(xero)
        XeroSession(xero, token, DEMO_COMPANY_TENANT_ID).put("/Contacts", {"Contacts": [{"Name": "Kept Co"}]})
    with SandboxServer(state) as server:
        xero = server.endpoints()["xero"]
        # Tokens and records were kept in the state file (the port is new; only base URLs differ).
        again = XeroSession(xero, token, DEMO_COMPANY_TENANT_ID)
        assert len(again.get("/Contacts", params={"where": 'Name=="Kept Co"'}).json()["Contacts"]) == 1
        server.reset()
        assert again.get("/Organisation").status_code == 401
        fresh = XeroSession(xero, connect(xero), DEMO_COMPANY_TENANT_ID)
        assert fresh.get("/Contacts", params={"where": 'Name=="Kept Co"'}).json()["Contacts"] == []


# ----- contacts ----------------------------------------------------------------------------------------


def test_contact_names_are_unique_among_active_contacts_and_numbers_unique(api: XeroSession) -> None:
    contact_id = new_customer(api, "Unique Name Co")
    assert messages(api.put("/Contacts", {"Contacts": [{"Name": "unique name co"}]})) == [
        "The contact name unique name co is already assigned to another contact. The contact name must be "
        "unique across all active contacts."
    ]
    api.post(f"/Contacts/{contact_id}", {"Contacts": [{"ContactNumber": "LB-42"}]})
    assert messages(api.put("/Contacts", {"Contacts": [{"Name": "Other Co", "ContactNumber": "LB-42"}]})) == [
        "Another contact has this contact number. Please enter a different contact number."
    ]
    archived = first(
        api.post(f"/Contacts/{contact_id}", {"Contacts": [{"ContactStatus": "ARCHIVED"}]}), "Contacts"
    )
    assert archived["ContactStatus"] == "ARCHIVED"
    assert api.put("/Contacts", {"Contacts": [{"Name": "Unique Name Co"}]}).status_code == 200


def test_is_customer_is_set_by_xero_not_by_writes(api: XeroSession) -> None:
    created = first(api.put("/Contacts", {"Contacts": [{"Name": "Flag Co", "IsCustomer": True}]}), "Contacts")
    assert created["IsCustomer"] is False
    sales_invoice(api, created["ContactID"], status="DRAFT")
    assert first(api.get(f"/Contacts/{created['ContactID']}"), "Contacts")["IsCustomer"] is True


def test_post_updates_and_keeps_omitted_fields_and_merges_phones(api: XeroSession) -> None:
    contact_id = first(
        api.put("/Contacts", {"Contacts": [{"Name": "Merge Co", "EmailAddress": "a@merge.example"}]}),
        "Contacts",
    )["ContactID"]
    updated = first(
        api.post(
            "/Contacts",
            {
                "Contacts": [
                    {
                        "ContactID": contact_id,
                        "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "0491 570 110"}],
                    }
                ]
            },
        ),
        "Contacts",
    )
    assert updated["EmailAddress"] == "a@merge.example"
    phones = {p["PhoneType"]: p.get("PhoneNumber") for p in updated["Phones"]}
    assert phones["MOBILE"] == "0491 570 110"
    assert set(phones) == {"DEFAULT", "DDI", "FAX", "MOBILE"}


def test_summarize_errors_false_answers_each_element(api: XeroSession) -> None:
    new_customer(api, "Taken Name")
    response = api.put(
        "/Contacts",
        {"Contacts": [{"Name": "Fresh One"}, {"Name": "Taken Name"}, {"Name": "Fresh Two"}]},
        params={"summarizeErrors": "false"},
    )
    assert response.status_code == 200
    results = response.json()["Contacts"]
    assert [r["StatusAttributeString"] for r in results] == ["OK", "ERROR", "OK"]
    assert results[1]["HasValidationErrors"] is True


def test_without_summarize_errors_one_bad_element_fails_the_call_but_good_ones_are_saved(
    api: XeroSession,
) -> None:
    response = api.put("/Contacts", {"Contacts": [{"Name": "Saved Anyway"}, {"Name": ""}]})
    assert response.status_code == 400
    assert response.json()["Type"] == "ValidationException"
    assert len(api.get("/Contacts", params={"where": 'Name=="Saved Anyway"'}).json()["Contacts"]) == 1


def test_contacts_paging_ids_search_and_modified_since(sandbox: SandboxServer, api: XeroSession) -> None:
    page = api.get("/Contacts", params={"page": 3}).json()
    assert page["pagination"]["pageSize"] == 100
    assert len(page["Contacts"]) == page["pagination"]["itemCount"] - 200
    assert api.get("/Contacts", params={"page": 1, "pageSize": 5000}).json()["pagination"]["pageSize"] == 1000
    sandbox.clock.advance(2)
    since = sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    contact_id = new_customer(api, "Modified Since Co")
    changed = api.get("/Contacts", headers={"If-Modified-Since": since}).json()["Contacts"]
    assert [c["ContactID"] for c in changed] == [contact_id]
    by_ids = api.get("/Contacts", params={"IDs": contact_id}).json()["Contacts"]
    assert [c["Name"] for c in by_ids] == ["Modified Since Co"]


# ----- invoices ----------------------------------------------------------------------------------------


def test_tax_is_rounded_per_line_then_summed(api: XeroSession) -> None:
    contact_id = new_customer(api)
    lines = [
        {"Description": d, "Quantity": 1, "UnitAmount": a, "AccountCode": "200"}
        for d, a in (("a", "25.05"), ("b", "25.15"), ("c", "25.25"))
    ]
    invoice = sales_invoice(api, contact_id, *lines)
    # 10% GST per line: 2.51 + 2.52 + 2.53 = 7.56 (on the total it would be 7.55).
    assert [Decimal(str(line["TaxAmount"])) for line in invoice["LineItems"]] == [
        Decimal("2.51"),
        Decimal("2.52"),
        Decimal("2.53"),
    ]
    assert (
        Decimal(str(invoice["SubTotal"])),
        Decimal(str(invoice["TotalTax"])),
        Decimal(str(invoice["Total"])),
    ) == (Decimal("75.45"), Decimal("7.56"), Decimal("83.01"))
    inclusive = sales_invoice(
        api,
        contact_id,
        {"Description": "x", "Quantity": 1, "UnitAmount": 110, "AccountCode": "200"},
        LineAmountTypes="Inclusive",
    )
    assert (inclusive["SubTotal"], inclusive["TotalTax"], inclusive["Total"]) == (100.0, 10.0, 110.0)


def test_invoice_numbers_are_given_and_must_be_unique(api: XeroSession) -> None:
    contact_id = new_customer(api)
    given = sales_invoice(api, contact_id)
    assert given["InvoiceNumber"].startswith("INV-")
    duplicate = api.put(
        "/Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "InvoiceNumber": given["InvoiceNumber"],
                    "LineItems": [{"Description": "x"}],
                }
            ]
        },
    )
    assert messages(duplicate) == ["Invoice # must be unique."]
    bill_number = "SUP-100"
    for _ in range(2):  # supplier bill numbers need not be unique
        assert (
            api.put(
                "/Invoices",
                {
                    "Invoices": [
                        {
                            "Type": "ACCPAY",
                            "Contact": {"ContactID": contact_id},
                            "InvoiceNumber": bill_number,
                            "LineItems": [{"Description": "x"}],
                        }
                    ]
                },
            ).status_code
            == 200
        )


def test_invoice_line_validation_messages(api: XeroSession) -> None:
    contact_id = new_customer(api)
    body = {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Status": "AUTHORISED"}
    assert messages(api.put("/Invoices", {"Invoices": [dict(body, LineItems=[{"ItemCode": "NOPE"}])]})) == [
        "Item code 'NOPE' is not valid"
    ]
    archived = api.put(
        "/Invoices",
        {"Invoices": [dict(body, LineItems=[{"Description": "x", "UnitAmount": 5, "AccountCode": "210"}])]},
    )
    assert messages(archived) == ["Account code '210' is not a valid code for this document."]
    bill = api.put(
        "/Invoices",
        {
            "Invoices": [
                dict(
                    body,
                    Type="ACCPAY",
                    LineItems=[
                        {"Description": "x", "UnitAmount": 5, "AccountCode": "310", "DiscountRate": 10}
                    ],
                )
            ]
        },
    )
    assert "Discounts are not supported" in messages(bill)[0]
    item_line = first(
        api.put("/Invoices", {"Invoices": [dict(body, LineItems=[{"ItemCode": "CALLOUT"}])]}), "Invoices"
    )["LineItems"][0]
    assert (item_line["UnitAmount"], item_line["AccountCode"], item_line["Description"]) == (
        88.0,
        "200",
        "Call-out fee within 20 km",
    )


def test_status_transitions_follow_xeros_table(api: XeroSession) -> None:
    contact_id = new_customer(api)
    draft = sales_invoice(api, contact_id, status="DRAFT")
    path = f"/Invoices/{draft['InvoiceID']}"
    assert first(api.post(path, {"Invoices": [{"Status": "SUBMITTED"}]}), "Invoices")["Status"] == "SUBMITTED"
    assert (
        first(api.post(path, {"Invoices": [{"Status": "AUTHORISED"}]}), "Invoices")["Status"] == "AUTHORISED"
    )
    assert messages(api.post(path, {"Invoices": [{"Status": "DRAFT"}]})) == [
        "Invoice not of valid status for modification"
    ]
    assert messages(api.post(path, {"Invoices": [{"Status": "DELETED"}]})) == [
        "Invoice not of valid status for modification"
    ]
    assert first(api.post(path, {"Invoices": [{"Status": "VOIDED"}]}), "Invoices")["Status"] == "VOIDED"
    assert messages(api.post(path, {"Invoices": [{"Reference": "late"}]})) == [
        "Invoice not of valid status for modification"
    ]
    deleted = sales_invoice(api, contact_id, status="DRAFT")
    assert (
        first(
            api.post(f"/Invoices/{deleted['InvoiceNumber']}", {"Invoices": [{"Status": "DELETED"}]}),
            "Invoices",
        )["Status"]
        == "DELETED"
    )


def test_line_items_are_updated_by_id_and_dropped_when_left_out(api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(
        api,
        contact_id,
        {"Description": "keep", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"},
        {"Description": "drop", "Quantity": 1, "UnitAmount": 20, "AccountCode": "200"},
        status="DRAFT",
    )
    keep = invoice["LineItems"][0]
    updated = first(
        api.post(
            f"/Invoices/{invoice['InvoiceID']}",
            {
                "Invoices": [
                    {
                        "LineItems": [
                            {"LineItemID": keep["LineItemID"], "UnitAmount": 15},
                            {"Description": "new", "Quantity": 2, "UnitAmount": 5, "AccountCode": "200"},
                        ]
                    }
                ]
            },
        ),
        "Invoices",
    )
    assert [(line["Description"], line["LineAmount"]) for line in updated["LineItems"]] == [
        ("keep", 15.0),
        ("new", 10.0),
    ]
    assert updated["LineItems"][0]["LineItemID"] == keep["LineItemID"]
    status_only = first(
        api.post(f"/Invoices/{invoice['InvoiceID']}", {"Invoices": [{"Status": "AUTHORISED"}]}), "Invoices"
    )
    assert len(status_only["LineItems"]) == 2


def test_a_paid_invoice_keeps_its_amounts_and_cannot_be_voided(api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)
    assert pay(api, invoice["InvoiceID"], 50).status_code == 200
    path = f"/Invoices/{invoice['InvoiceID']}"
    line_id = invoice["LineItems"][0]["LineItemID"]
    assert first(api.post(path, {"Invoices": [{"Reference": "PO 9"}]}), "Invoices")["Reference"] == "PO 9"
    assert (
        first(
            api.post(
                path, {"Invoices": [{"LineItems": [{"LineItemID": line_id, "Description": "Renamed"}]}]}
            ),
            "Invoices",
        )["LineItems"][0]["Description"]
        == "Renamed"
    )
    money_applied = "This document cannot be edited as it has a payment or credit note allocated to it."
    assert messages(
        api.post(path, {"Invoices": [{"LineItems": [{"LineItemID": line_id, "UnitAmount": 1}]}]})
    ) == [money_applied]
    assert messages(api.post(path, {"Invoices": [{"Status": "VOIDED"}]})) == [money_applied]


# ----- payments ----------------------------------------------------------------------------------------


def test_payments_pay_off_the_invoice_and_deleting_one_gives_it_back(api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)  # 110.00 with GST
    assert messages(pay(api, invoice["InvoiceID"], 110.01)) == [
        "The payment amount exceeds the amount outstanding on this document."
    ]
    part = first(pay(api, invoice["InvoiceID"], 60, Reference="LB-1"), "Payments")
    assert part["PaymentType"] == "ACCRECPAYMENT"
    rest = first(pay(api, invoice["InvoiceID"], 50), "Payments")
    paid = first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")
    assert (paid["Status"], paid["AmountDue"], paid["AmountPaid"]) == ("PAID", 0.0, 110.0)
    assert paid["FullyPaidOnDate"].startswith("/Date(")
    deleted = first(
        api.post(f"/Payments/{rest['PaymentID']}", {"Payments": [{"Status": "DELETED"}]}), "Payments"
    )
    assert deleted["Status"] == "DELETED"
    back = first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")
    assert (back["Status"], back["AmountDue"]) == ("AUTHORISED", 50.0)
    assert "FullyPaidOnDate" not in back
    assert messages(api.post(f"/Payments/{part['PaymentID']}", {"Payments": [{"Amount": 1}]})) == [
        "Payments cannot be modified, only created and deleted."
    ]


def test_payments_need_an_authorised_document_and_an_account(api: XeroSession) -> None:
    contact_id = new_customer(api)
    draft = sales_invoice(api, contact_id, status="DRAFT")
    assert messages(pay(api, draft["InvoiceID"], 10)) == [
        "Payments can only be made against authorised documents."
    ]
    approved = sales_invoice(api, contact_id)
    no_account = api.put(
        "/Payments", {"Payments": [{"Invoice": {"InvoiceID": approved["InvoiceID"]}, "Amount": 5}]}
    )
    assert messages(no_account) == ["You must specify and Account code or Account ID for the payment"]
    card = api.put(
        "/Payments",
        {
            "Payments": [
                {"Invoice": {"InvoiceID": approved["InvoiceID"]}, "Account": {"Code": "640"}, "Amount": 5}
            ]
        },
    )
    assert card.status_code == 200  # an account with payments enabled (card clearing)


def test_payments_read_incrementally_and_by_where(sandbox: SandboxServer, api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)
    sandbox.clock.advance(2)
    since = sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%S")
    payment = first(pay(api, invoice["InvoiceID"], 10, Reference="LB-INC-1"), "Payments")
    changed = api.get("/Payments", headers={"If-Modified-Since": since}).json()["Payments"]
    assert [p["PaymentID"] for p in changed] == [payment["PaymentID"]]
    invoices = api.get("/Invoices", headers={"If-Modified-Since": since}).json()["Invoices"]
    assert [i["InvoiceID"] for i in invoices] == [invoice["InvoiceID"]]  # a payment bumps the invoice
    by_reference = api.get("/Payments", params={"where": 'Reference=="LB-INC-1"'}).json()["Payments"]
    assert len(by_reference) == 1


# ----- credit notes ------------------------------------------------------------------------------------


def test_credit_note_allocation_rules(api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)  # 110.00
    note = first(
        api.put(
            "/CreditNotes",
            {
                "CreditNotes": [
                    {
                        "Type": "ACCRECCREDIT",
                        "Contact": {"ContactID": contact_id},
                        "Date": "2026-10-02",
                        "Status": "AUTHORISED",
                        "LineItems": [
                            {
                                "Description": "Goodwill",
                                "Quantity": 1,
                                "UnitAmount": 150,
                                "AccountCode": "200",
                            }
                        ],
                    }
                ]
            },
        ),
        "CreditNotes",
    )
    assert note["CreditNoteNumber"].startswith("CN-")
    assert note["RemainingCredit"] == 165.0
    path = f"/CreditNotes/{note['CreditNoteID']}/Allocations"
    too_much = api.put(
        path,
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 120, "Date": "2026-10-03"}
            ]
        },
    )
    assert messages(too_much) == [
        "Credit Note cannot be allocated as amount is greater than amount outstanding"
    ]
    allocated = first(
        api.put(
            path,
            {
                "Allocations": [
                    {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 110, "Date": "2026-10-03"}
                ]
            },
        ),
        "Allocations",
    )
    credited = first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")
    assert (credited["Status"], credited["AmountCredited"], credited["AmountDue"]) == ("PAID", 110.0, 0.0)
    again = api.put(
        path,
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 5, "Date": "2026-10-03"}
            ]
        },
    )
    assert messages(again) == ["The invoice you are trying to allocate to has already been paid off"]
    removed = api.delete(f"{path}/{allocated['AllocationID']}")
    assert removed.json()["IsDeleted"] is True
    assert first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")["AmountDue"] == 110.0
    assert first(api.get(f"/CreditNotes/{note['CreditNoteID']}"), "CreditNotes")["RemainingCredit"] == 165.0


def test_draft_credit_notes_cannot_be_allocated_and_a_fully_used_one_is_paid(api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)
    draft = first(
        api.put(
            "/CreditNotes",
            {
                "CreditNotes": [
                    {
                        "Type": "ACCRECCREDIT",
                        "Contact": {"ContactID": contact_id},
                        "LineItems": [
                            {"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}
                        ],
                    }
                ]
            },
        ),
        "CreditNotes",
    )
    refused = api.put(
        f"/CreditNotes/{draft['CreditNoteID']}/Allocations",
        {"Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 11}]},
    )
    assert messages(refused) == ["Only AUTHORISED credit notes can be allocated."]
    approved = first(
        api.post(f"/CreditNotes/{draft['CreditNoteID']}", {"CreditNotes": [{"Status": "AUTHORISED"}]}),
        "CreditNotes",
    )
    assert approved["Status"] == "AUTHORISED"
    api.put(
        f"/CreditNotes/{draft['CreditNoteID']}/Allocations",
        {"Allocations": [{"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 11}]},
    )
    assert first(api.get(f"/CreditNotes/{draft['CreditNoteID']}"), "CreditNotes")["Status"] == "PAID"


# ----- reading -----------------------------------------------------------------------------------------


def test_invoice_reads_page_filter_and_leave_lines_out_when_unpaged(api: XeroSession) -> None:
    unpaged = api.get("/Invoices").json()
    assert "pagination" not in unpaged
    assert all("LineItems" not in i for i in unpaged["Invoices"])
    paged = api.get("/Invoices", params={"page": 1, "pageSize": 10}).json()
    assert paged["pagination"]["pageSize"] == 10
    assert all(i["LineItems"] for i in paged["Invoices"])
    statuses = api.get("/Invoices", params={"Statuses": "PAID"}).json()
    assert statuses["pagination"]["page"] == 1
    assert {i["Status"] for i in statuses["Invoices"]} == {"PAID"}
    number = unpaged["Invoices"][0]["InvoiceNumber"]
    by_number = api.get("/Invoices", params={"InvoiceNumbers": number}).json()["Invoices"]
    assert [i["InvoiceNumber"] for i in by_number] == [number]
    dated = api.get(
        "/Invoices",
        params={"where": "Date >= DateTime(2000, 01, 01) AND AmountDue > 0", "order": "Date DESC"},
    ).json()["Invoices"]
    assert dated and all(i["AmountDue"] > 0 for i in dated)
    stamps = [int(i["Date"][6:-7]) for i in dated]
    assert stamps == sorted(stamps, reverse=True)
    mine = api.get("/Invoices", params={"createdByMyApp": "true"}).json()["Invoices"]
    assert mine == []


def test_unit_amounts_keep_four_places_only_when_asked(api: XeroSession) -> None:
    contact_id = new_customer(api)
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "LineItems": [{"Description": "x", "Quantity": 3, "UnitAmount": "1.2345", "AccountCode": "200"}],
    }
    four = first(api.put("/Invoices", {"Invoices": [body]}, params={"unitdp": 4}), "Invoices")
    assert four["LineItems"][0]["UnitAmount"] == 1.2345
    assert four["LineItems"][0]["LineAmount"] == 3.70
    two = first(api.get(f"/Invoices/{four['InvoiceID']}"), "Invoices")
    assert two["LineItems"][0]["UnitAmount"] == 1.23


def test_a_big_chart_can_be_added_for_benchmarks(sandbox: SandboxServer, api: XeroSession) -> None:
    control = sandbox.base_url + "/_sandbox/xero/accounts"
    accounts = [
        {"code": f"B{n:04d}", "name": f"Bench account {n}", "type": "EXPENSE", "tax_type": "INPUT"}
        for n in range(500)
    ]
    import requests

    added = requests.post(control, json={"accounts": accounts}, timeout=30)
    assert added.status_code == 201
    assert len(added.json()["AccountIDs"]) == 500
    chart = api.get("/Accounts").json()["Accounts"]
    assert sum(1 for a in chart if a["Code"].startswith("B")) == 500


def test_documents_in_a_locked_period_are_refused(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.set_xero_lock_date(dt.date(2026, 9, 30))
    assert first(api.get("/Organisation"), "Organisations")["PeriodLockDate"].startswith("/Date(")
    contact_id = new_customer(api)
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-09-15",
        "Status": "AUTHORISED",
        "LineItems": [{"Description": "x", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}],
    }
    refused = api.put("/Invoices", {"Invoices": [body]})
    assert messages(refused) == [
        "The document date cannot be before the period lock date, currently set at 30 Sep 2026."
    ]
    assert api.put("/Invoices", {"Invoices": [dict(body, Date="2026-10-01")]}).status_code == 200


def test_the_demo_business_accounts_exist_here_with_the_same_ids(api: XeroSession) -> None:
    from app.services.demo_data import DEMO_EXPENSE_ACCOUNTS, DEMO_INCOME_ACCOUNTS

    chart = {a["Code"]: a for a in api.get("/Accounts").json()["Accounts"]}
    for code, account in {**DEMO_INCOME_ACCOUNTS, **DEMO_EXPENSE_ACCOUNTS}.items():
        assert chart[code]["AccountID"] == account.account_id
        assert (chart[code]["Name"], chart[code]["Type"], chart[code]["Status"]) == (
            account.name,
            account.type,
            "ACTIVE",
        )


def test_two_sandboxes_on_one_state_file_share_tokens_and_records(seeded_state: Path, tmp_path: Path) -> None:
    import shutil

    state = tmp_path / "shared.db"
    shutil.copyfile(seeded_state, state)
    with SandboxServer(state) as window, SandboxServer(state) as command:
        token = connect(window.endpoints()["xero"])
        in_window = XeroSession(window.endpoints()["xero"], token, DEMO_COMPANY_TENANT_ID)
        in_command = XeroSession(command.endpoints()["xero"], token, DEMO_COMPANY_TENANT_ID)
        in_window.put("/Contacts", {"Contacts": [{"Name": "Seen Everywhere Pty Ltd"}]})
        found = in_command.get("/Contacts", params={"where": 'Name=="Seen Everywhere Pty Ltd"'}).json()[
            "Contacts"
        ]
        assert len(found) == 1
        assert (
            in_command.put("/Contacts", {"Contacts": [{"Name": "Seen Everywhere Pty Ltd"}]}).status_code
            == 400
        )
