"""Payments (reference section 4.5): only against AUTHORISED documents, never more than is due, and
"cannot be modified, only created and deleted" (deleting gives the amount back to the document)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from app.integrations.sandbox.web import WebResponse
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.accounting import (
    AccountingRoutes,
    ApiCall,
    Refused,
    filtered,
    modified_since,
    page_of,
    run_batch,
)
from app.integrations.sandbox.xero.invoices import (
    CREDIT_NOTE,
    INVOICE,
    DocumentKind,
    dec,
    organisation_today,
    settle,
)
from app.integrations.sandbox.xero.records import Document
from app.integrations.sandbox.xero.settings import find_account

PAYMENT_TYPES = {
    "ACCREC": "ACCRECPAYMENT",
    "ACCPAY": "ACCPAYPAYMENT",
    "ACCRECCREDIT": "ARCREDITPAYMENT",
    "ACCPAYCREDIT": "APCREDITPAYMENT",
}


def register(routes: AccountingRoutes) -> None:
    routes.add("GET", "/Payments", get_payments, "payments")
    routes.add("PUT", "/Payments", create_payments, "payments")
    routes.add("POST", "/Payments", create_payment, "payments")
    routes.add("GET", "/Payments/{payment_id}", get_payment, "payments")
    routes.add("POST", "/Payments/{payment_id}", delete_payment, "payments")


def get_payments(call: ApiCall) -> WebResponse:
    documents = filtered(call, call.records.all("Payment", modified_since=modified_since(call.request)))
    documents, pagination = page_of(call, documents)
    extra: dict[str, Any] = {} if pagination is None else {"pagination": pagination}
    return call.ok("Payments", documents, **extra)


def get_payment(call: ApiCall) -> WebResponse:
    payment = call.records.get("Payment", call.request.params["payment_id"])
    if payment is None:
        return wire.not_found()
    return call.ok("Payments", [payment])


def _document_for(call: ApiCall, element: Document) -> tuple[DocumentKind, Document]:
    invoice_ref = element.get("Invoice")
    note_ref = element.get("CreditNote")
    if isinstance(invoice_ref, dict) and (invoice_ref.get("InvoiceID") or invoice_ref.get("InvoiceNumber")):
        kind, reference = INVOICE, invoice_ref
    elif element.get("InvoiceNumber"):
        kind, reference = INVOICE, {"InvoiceNumber": element["InvoiceNumber"]}
    elif isinstance(note_ref, dict) and (note_ref.get("CreditNoteID") or note_ref.get("CreditNoteNumber")):
        kind, reference = CREDIT_NOTE, note_ref
    elif element.get("CreditNoteNumber"):
        kind, reference = CREDIT_NOTE, {"CreditNoteNumber": element["CreditNoteNumber"]}
    else:
        raise Refused("You must specify an Invoice or a Credit Note for the payment")
    document_id = reference.get(kind.id_field)
    found = call.records.get(kind.kind, str(document_id)) if document_id else None
    if found is None and reference.get(kind.number_field):
        found = call.records.find(kind.kind, str(reference[kind.number_field]))
    if found is None:
        raise Refused(f"{kind.noun} could not be found")
    return kind, found


def _document_summary(kind: DocumentKind, document: Document) -> Document:
    summary: Document = {
        "Type": document["Type"],
        kind.id_field: document[kind.id_field],
        kind.number_field: document.get(kind.number_field, ""),
        "Contact": document["Contact"],
        "HasErrors": False,
    }
    if kind is INVOICE:
        summary.update(
            {
                "Payments": [],
                "CreditNotes": [],
                "Prepayments": [],
                "Overpayments": [],
                "IsDiscounted": False,
                "LineItems": [],
            }
        )
    return summary


def save_payment(call: ApiCall, element: Document) -> Document:
    """Record a payment against an invoice (or a refund of a credit note); raises Refused."""
    if element.get("PaymentID"):
        raise Refused("Payments cannot be modified, only created and deleted.")
    kind, document = _document_for(call, element)
    account_ref = element.get("Account")
    if not account_ref and element.get("Code"):
        account_ref = {"Code": element["Code"]}
    if not account_ref or not (
        isinstance(account_ref, dict) and (account_ref.get("AccountID") or account_ref.get("Code"))
    ):
        raise Refused("You must specify and Account code or Account ID for the payment")
    account = find_account(call, account_ref)
    if account is None or account.get("Status") != "ACTIVE":
        raise Refused("Account could not be found")
    if account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
        raise Refused("Payments can only be made to a bank account or an account with payments enabled.")
    if document.get("Status") != "AUTHORISED":
        raise Refused("Payments can only be made against authorised documents.")
    try:
        amount = wire.cents(wire.read_money(element.get("Amount"), field="Amount"))
    except wire.BadValue as exc:
        raise Refused(str(exc)) from exc
    if amount <= 0:
        raise Refused("The payment amount must be greater than zero.")
    outstanding = dec(document["AmountDue"] if kind is INVOICE else document["RemainingCredit"])
    if amount > outstanding:
        raise Refused("The payment amount exceeds the amount outstanding on this document.")
    try:
        paid_on = wire.read_date(element["Date"]) if element.get("Date") else organisation_today(call.now)
    except wire.BadValue as exc:
        raise Refused(str(exc)) from exc
    payment_id = wire.new_id()
    reference = str(element.get("Reference") or "")
    date_text = wire.msdate(paid_on)
    document.setdefault("Payments", []).append(
        {
            "PaymentID": payment_id,
            "Date": date_text,
            "Amount": amount,
            "Reference": reference,
            "CurrencyRate": Decimal(1),
            "HasAccount": False,
            "HasValidationErrors": False,
        }
    )
    settle(document, kind)
    call.records.save(
        kind.kind,
        document[kind.id_field],
        document,
        now=call.now,
        key=document.get(kind.number_field) or None,
    )
    payment: Document = {
        "PaymentID": payment_id,
        "Date": date_text,
        "BankAmount": amount,
        "Amount": amount,
        "Reference": reference,
        "CurrencyRate": Decimal(1),
        "PaymentType": PAYMENT_TYPES[document["Type"]],
        "Status": "AUTHORISED",
        "HasAccount": True,
        "IsReconciled": bool(element.get("IsReconciled", False)),
        "Account": {
            "AccountID": account["AccountID"],
            "Code": account.get("Code", ""),
            "Name": account.get("Name", ""),
        },
        ("Invoice" if kind is INVOICE else "CreditNote"): _document_summary(kind, document),
        "HasValidationErrors": False,
    }
    return call.records.save("Payment", payment_id, payment, now=call.now)


def create_payments(call: ApiCall) -> WebResponse:
    return run_batch(
        call,
        "Payments",
        call.elements("Payments"),
        lambda e: save_payment(call, e),
        error_flag="HasValidationErrors",
    )


def create_payment(call: ApiCall) -> WebResponse:
    """``POST /Payments``: one payment (a bare object or the usual envelope)."""
    return run_batch(
        call,
        "Payments",
        call.elements("Payments")[:1],
        lambda e: save_payment(call, e),
        error_flag="HasValidationErrors",
    )


def delete_payment(call: ApiCall) -> WebResponse:
    """``POST /Payments/{id}`` with ``{"Status":"DELETED"}``: the only change a payment accepts."""
    payment = call.records.get("Payment", call.request.params["payment_id"])
    if payment is None:
        return wire.not_found()

    def delete(element: Document) -> Document:
        if str(element.get("Status", "")).upper() != "DELETED":
            raise Refused("Payments cannot be modified, only created and deleted.")
        current = call.records.get("Payment", payment["PaymentID"])
        assert current is not None
        if current.get("Status") == "DELETED":
            raise Refused("This payment has already been deleted.")
        kind = INVOICE if "Invoice" in current else CREDIT_NOTE
        summary = current["Invoice" if kind is INVOICE else "CreditNote"]
        document = call.records.get(kind.kind, summary[kind.id_field])
        if document is not None:
            document["Payments"] = [
                p for p in document.get("Payments", []) if p["PaymentID"] != current["PaymentID"]
            ]
            settle(document, kind)
            call.records.save(
                kind.kind,
                document[kind.id_field],
                document,
                now=call.now,
                key=document.get(kind.number_field) or None,
            )
        current["Status"] = "DELETED"
        return call.records.save("Payment", current["PaymentID"], current, now=call.now)

    return run_batch(
        call, "Payments", call.elements("Payments")[:1], delete, error_flag="HasValidationErrors"
    )
