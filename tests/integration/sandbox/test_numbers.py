"""Invoice and credit note numbers in the sandbox: which are taken, checked through the lookup index."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.tables import XeroRecord
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.test_records import first, messages, new_customer

LINE = {"Description": "Service", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}


def put_document(
    api: XeroSession, collection: str, contact_id: str, number: str, *, kind: str, status: str = "AUTHORISED"
) -> Any:
    field = "InvoiceNumber" if collection == "Invoices" else "CreditNoteNumber"
    body = {
        "Type": kind,
        "Contact": {"ContactID": contact_id},
        "Date": "2026-10-01",
        "DueDate": "2026-10-31",
        "Status": status,
        field: number,
        "LineItems": [LINE],
    }
    return api.put(f"/{collection}", {collection: [body]})


def test_a_voided_invoice_keeps_its_number_and_a_deleted_one_gives_it_up(api: XeroSession) -> None:
    contact_id = new_customer(api)
    voided = first(put_document(api, "Invoices", contact_id, "LB-9001", kind="ACCREC"), "Invoices")
    api.post(f"/Invoices/{voided['InvoiceID']}", {"Invoices": [{"Status": "VOIDED"}]})
    assert messages(put_document(api, "Invoices", contact_id, "LB-9001", kind="ACCREC")) == [
        "Invoice # must be unique."
    ]
    deleted = first(
        put_document(api, "Invoices", contact_id, "LB-9002", kind="ACCREC", status="DRAFT"), "Invoices"
    )
    assert (
        first(
            api.post(f"/Invoices/{deleted['InvoiceID']}", {"Invoices": [{"Status": "DELETED"}]}), "Invoices"
        )["Status"]
        == "DELETED"
    )
    again = first(put_document(api, "Invoices", contact_id, "LB-9002", kind="ACCREC"), "Invoices")
    assert again["InvoiceID"] != deleted["InvoiceID"]
    # The new holder of the number is the one found by it.
    assert first(api.get("/Invoices/LB-9002"), "Invoices")["InvoiceID"] == again["InvoiceID"]


def test_numbers_are_compared_exactly_and_only_among_sales_documents_of_one_kind(api: XeroSession) -> None:
    contact_id = new_customer(api)
    first(put_document(api, "Invoices", contact_id, "LB-7001", kind="ACCREC"), "Invoices")
    # The emulator compares numbers as given: another case is another number.
    assert put_document(api, "Invoices", contact_id, "lb-7001", kind="ACCREC").status_code == 200
    # A supplier bill's number neither blocks nor is blocked by a sales invoice's.
    assert put_document(api, "Invoices", contact_id, "LB-7001", kind="ACCPAY").status_code == 200
    first(put_document(api, "Invoices", contact_id, "SUP-7002", kind="ACCPAY"), "Invoices")
    assert put_document(api, "Invoices", contact_id, "SUP-7002", kind="ACCREC").status_code == 200
    # Credit note numbers are their own sequence: an invoice's number is free for a credit note.
    note = first(put_document(api, "CreditNotes", contact_id, "LB-7001", kind="ACCRECCREDIT"), "CreditNotes")
    assert messages(put_document(api, "CreditNotes", contact_id, "LB-7001", kind="ACCRECCREDIT")) == [
        "Credit Note # must be unique."
    ]
    api.post(f"/CreditNotes/{note['CreditNoteID']}", {"CreditNotes": [{"Status": "VOIDED"}]})
    assert messages(put_document(api, "CreditNotes", contact_id, "LB-7001", kind="ACCRECCREDIT")) == [
        "Credit Note # must be unique."
    ]
    assert put_document(api, "CreditNotes", contact_id, "LB-7001", kind="ACCPAYCREDIT").status_code == 200


def test_renumbering_frees_the_old_number_and_a_document_keeps_its_own(api: XeroSession) -> None:
    contact_id = new_customer(api)
    invoice = first(put_document(api, "Invoices", contact_id, "LB-8001", kind="ACCREC"), "Invoices")
    path = f"/Invoices/{invoice['InvoiceID']}"
    assert first(api.post(path, {"Invoices": [{"InvoiceNumber": "LB-8001"}]}), "Invoices")[
        "InvoiceNumber"
    ] == ("LB-8001")
    assert first(api.post(path, {"Invoices": [{"InvoiceNumber": "LB-8002"}]}), "Invoices")[
        "InvoiceNumber"
    ] == ("LB-8002")
    assert put_document(api, "Invoices", contact_id, "LB-8001", kind="ACCREC").status_code == 200
    assert messages(put_document(api, "Invoices", contact_id, "LB-8002", kind="ACCREC")) == [
        "Invoice # must be unique."
    ]


def test_every_document_is_kept_under_its_number(sandbox: SandboxServer, api: XeroSession) -> None:
    """The number check reads only the lookup index, so every saved or seeded document must be indexed."""
    contact_id = new_customer(api)
    invoice = first(put_document(api, "Invoices", contact_id, "LB-6001", kind="ACCREC"), "Invoices")
    api.post(f"/Invoices/{invoice['InvoiceID']}", {"Invoices": [{"InvoiceNumber": "LB-6002"}]})
    first(put_document(api, "CreditNotes", contact_id, "LB-6003", kind="ACCRECCREDIT"), "CreditNotes")
    fields = {"Invoice": "InvoiceNumber", "CreditNote": "CreditNoteNumber"}
    with sandbox.store.transaction() as session:
        rows = session.execute(
            select(XeroRecord.kind, XeroRecord.lookup_key, XeroRecord.document).where(
                XeroRecord.kind.in_(fields)
            )
        ).all()
    kept = [(key, json.loads(text).get(fields[kind]) or None) for kind, key, text in rows]
    assert len(kept) > 40  # the seeded invoices are among them
    assert [pair for pair in kept if pair[0] != pair[1]] == []
    assert ("LB-6002", "LB-6002") in kept and ("LB-6001", "LB-6001") not in kept
