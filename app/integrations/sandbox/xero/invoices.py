"""Invoices, credit notes and allocations (reference sections 4.4, 4.6, 4.8 and 5).

Both documents share one set of rules: totals recomputed with Xero's per-line tax rounding, Xero's own
numbers (``INV-0001``, ``CN-0001``) when none is given, the status-transition table, line-item replace /
delete semantics by ``LineItemID``, and the limits on editing a document that has money applied to it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Collection
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.integrations.sandbox.web import Headers, WebRequest, WebResponse
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.accounting import (
    AccountingRoutes,
    ApiCall,
    Refused,
    filtered,
    id_list,
    modified_since,
    page_of,
    run_batch,
    where_pins,
)
from app.integrations.sandbox.xero.contacts import by_name, by_number, contact_summary, is_guid
from app.integrations.sandbox.xero.records import Document, Records
from app.integrations.sandbox.xero.settings import ACCOUNT_CLASS
from app.integrations.sandbox.xero.tables import XeroOrganisation

ZERO = Decimal("0.00")
#: The organisation's time zone (Sydney, standard time): "today" for a default Date.
ORGANISATION_OFFSET = dt.timedelta(hours=10)
PRIVATE_PREFIX = "_"

TRANSITIONS = {
    "DRAFT": {"DRAFT", "SUBMITTED", "AUTHORISED", "DELETED"},
    "SUBMITTED": {"SUBMITTED", "AUTHORISED", "DRAFT", "DELETED"},
    "AUTHORISED": {"AUTHORISED", "VOIDED"},
    "PAID": {"PAID"},
    "VOIDED": set(),
    "DELETED": set(),
}
#: What may still change on a sales invoice with a payment or credit applied (reference 4.4).
PAID_EDITABLE = {
    "Reference",
    "DueDate",
    "InvoiceNumber",
    "BrandingThemeID",
    "Contact",
    "Url",
    "Status",
    "LineItems",
    "ExpectedPaymentDate",
    "PlannedPaymentDate",
    "SentToContact",
}
PAID_LINE_EDITABLE = {"Description", "AccountCode", "AccountID", "Tracking", "LineItemID"}
MONEY_APPLIED = "This document cannot be edited as it has a payment or credit note allocated to it."
TAX_CLASS_FLAGS = {
    "ASSET": "CanApplyToAssets",
    "EQUITY": "CanApplyToEquity",
    "EXPENSE": "CanApplyToExpenses",
    "LIABILITY": "CanApplyToLiabilities",
    "REVENUE": "CanApplyToRevenue",
}


@dataclass(frozen=True)
class DocumentKind:
    kind: str
    collection: str
    id_field: str
    number_field: str
    sales_type: str
    purchase_type: str
    prefix: str
    noun: str


INVOICE = DocumentKind(
    "Invoice", "Invoices", "InvoiceID", "InvoiceNumber", "ACCREC", "ACCPAY", "INV-", "Invoice"
)
CREDIT_NOTE = DocumentKind(
    "CreditNote",
    "CreditNotes",
    "CreditNoteID",
    "CreditNoteNumber",
    "ACCRECCREDIT",
    "ACCPAYCREDIT",
    "CN-",
    "Credit Note",
)


def register(routes: AccountingRoutes) -> None:
    routes.add("GET", "/Invoices", get_invoices, "invoices")
    routes.add("PUT", "/Invoices", lambda call: save_batch(call, INVOICE, create_only=True), "invoices")
    routes.add("POST", "/Invoices", lambda call: save_batch(call, INVOICE, create_only=False), "invoices")
    routes.add("GET", "/Invoices/{handle}", lambda call: get_one(call, INVOICE), "invoices")
    routes.add("POST", "/Invoices/{handle}", lambda call: update_one(call, INVOICE), "invoices")
    routes.add("GET", "/CreditNotes", get_credit_notes, "invoices")
    routes.add(
        "PUT", "/CreditNotes", lambda call: save_batch(call, CREDIT_NOTE, create_only=True), "invoices"
    )
    routes.add(
        "POST", "/CreditNotes", lambda call: save_batch(call, CREDIT_NOTE, create_only=False), "invoices"
    )
    routes.add("GET", "/CreditNotes/{handle}", lambda call: get_one(call, CREDIT_NOTE), "invoices")
    routes.add("POST", "/CreditNotes/{handle}", lambda call: update_one(call, CREDIT_NOTE), "invoices")
    routes.add("PUT", "/CreditNotes/{handle}/Allocations", allocate_credit_note, "invoices")
    routes.add("DELETE", "/CreditNotes/{handle}/Allocations/{allocation_id}", delete_allocation, "invoices")


# ----- reading ---------------------------------------------------------------------------------------


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def organisation_today(now: dt.datetime) -> dt.date:
    return (now + ORGANISATION_OFFSET).date()


def find_document(call: ApiCall, kind: DocumentKind, handle: str) -> Document | None:
    """A document by its id, or (as Xero allows in the path) by its number."""
    if is_guid(handle):
        found = call.records.get(kind.kind, handle)
        if found is not None:
            return found
    return call.records.find(kind.kind, handle)


def public(call: ApiCall, document: Document, *, lines: bool = True) -> Document:
    """The document as a client sees it: no private fields, unit amounts at the asked precision."""
    result = {k: v for k, v in document.items() if not k.startswith(PRIVATE_PREFIX)}
    if not lines:
        result.pop("LineItems", None)
        return result
    places = call.unit_places
    result["LineItems"] = [
        dict(line, UnitAmount=round(dec(line["UnitAmount"]), places)) if "UnitAmount" in line else line
        for line in document.get("LineItems", [])
    ]
    return result


def _listing(call: ApiCall, kind: DocumentKind, documents: list[Document]) -> WebResponse:
    statuses = {s.upper() for s in id_list(call, "Statuses")}
    summary_only = call.flag("summaryOnly")
    if statuses:
        documents = [d for d in documents if d.get("Status") in statuses]
    documents = filtered(call, documents)
    if (statuses or summary_only) and call.request.arg("page") is None:
        # Filtering by Statuses or asking for summaries forces paging (reference 3.3).
        call.request.query["page"] = ["1"]
    page, pagination = page_of(call, documents)
    # Unpaged multi-document reads leave the lines out; paged reads carry them (reference 3.3).
    with_lines = pagination is not None and not summary_only
    result = [public(call, d, lines=with_lines) for d in page]
    if summary_only:
        for document in result:
            for field in ("Payments", "CreditNotes", "Prepayments", "Overpayments", "HasAttachments"):
                document.pop(field, None)
    extra: dict[str, Any] = {} if pagination is None else {"pagination": pagination}
    return call.ok(kind.collection, result, **extra)


def _documents(
    call: ApiCall, kind: DocumentKind, *, numbers: Collection[str] = (), contacts: Collection[str] = ()
) -> list[Document]:
    """The documents a read could answer with, in Xero's default order: only those under the numbers or
    contacts asked for (``InvoiceNumbers``, ``ContactIDs``, or a ``where`` that pins the number or
    contact), through their indexes, when the call asks for some; else every one. The caller still
    applies each filter."""
    since = modified_since(call.request)
    if numbers:
        return call.records.matching(kind.kind, keys=numbers, modified_since=since)
    pinned_numbers = where_pins(call, kind.number_field)
    if pinned_numbers is not None:
        return call.records.matching(kind.kind, folded_keys=pinned_numbers, modified_since=since)
    pinned_contacts = where_pins(call, "Contact.ContactID")
    if contacts or pinned_contacts is not None:
        return call.records.matching(
            kind.kind, contact_keys=contacts or pinned_contacts or (), modified_since=since
        )
    return call.records.all(kind.kind, modified_since=since)


def get_invoices(call: ApiCall) -> WebResponse:
    ids = {i.lower() for i in id_list(call, "IDs")}
    numbers = set(id_list(call, "InvoiceNumbers"))
    contacts = {i.lower() for i in id_list(call, "ContactIDs")}
    documents = _documents(call, INVOICE, numbers=numbers, contacts=contacts)
    if ids:
        documents = [d for d in documents if d["InvoiceID"].lower() in ids]
    if numbers:
        documents = [d for d in documents if d.get("InvoiceNumber") in numbers]
    if contacts:
        documents = [d for d in documents if d["Contact"]["ContactID"].lower() in contacts]
    if call.flag("createdByMyApp"):
        documents = [d for d in documents if d.get("_createdBy") == call.client_id]
    term = (call.request.arg("searchTerm") or "").strip().lower()
    if term:
        documents = [
            d
            for d in documents
            if term in str(d.get("InvoiceNumber") or "").lower()
            or term in str(d.get("Reference") or "").lower()
        ]
    return _listing(call, INVOICE, documents)


def get_credit_notes(call: ApiCall) -> WebResponse:
    return _listing(call, CREDIT_NOTE, _documents(call, CREDIT_NOTE))


def get_one(call: ApiCall, kind: DocumentKind) -> WebResponse:
    document = find_document(call, kind, call.request.params["handle"])
    if document is None:
        return wire.not_found()
    return call.ok(kind.collection, [public(call, document)])


# ----- writing ---------------------------------------------------------------------------------------


def save_batch(call: ApiCall, kind: DocumentKind, *, create_only: bool) -> WebResponse:
    def save(element: Document) -> Document:
        existing = _existing_for(call, kind, element, create_only=create_only)
        return public(call, save_document(call, kind, element, existing=existing))

    return run_batch(call, kind.collection, call.elements(kind.collection), save, error_flag="HasErrors")


def update_one(call: ApiCall, kind: DocumentKind) -> WebResponse:
    existing = find_document(call, kind, call.request.params["handle"])
    if existing is None:
        return wire.not_found()

    def save(element: Document) -> Document:
        return public(call, save_document(call, kind, element, existing=existing))

    return run_batch(call, kind.collection, call.elements(kind.collection)[:1], save, error_flag="HasErrors")


def _existing_for(
    call: ApiCall, kind: DocumentKind, element: Document, *, create_only: bool
) -> Document | None:
    document_id = element.get(kind.id_field)
    if document_id:
        if create_only:
            raise Refused(f"{kind.noun}ID cannot be given when creating with PUT; use POST to update.")
        found = call.records.get(kind.kind, str(document_id))
        if found is None:
            raise Refused(f"{kind.noun} with {kind.id_field} {document_id} could not be found.")
        return found
    return None


def _resolve_contact(call: ApiCall, reference: Any) -> Document:
    if not isinstance(reference, dict) or not reference:
        raise Refused("A Contact must be specified for this type of transaction")
    contact: Document | None = None
    contact_id = reference.get("ContactID")
    if contact_id:
        contact = call.records.get("Contact", str(contact_id))
        if contact is None:
            raise Refused(f"The contact with ContactID {contact_id} could not be found.")
    else:
        number = reference.get("ContactNumber")
        name = str(reference.get("Name") or "").strip()
        if number:
            contact = by_number(call, number)
        if contact is None and name:
            contact = by_name(call, name)
        if contact is None and name:
            # A contact given by a new name is created with the document, as Xero does.
            from app.integrations.sandbox.xero.contacts import save_contact

            contact = save_contact(
                call, {"Name": name, **({"ContactNumber": number} if number else {})}, existing=None
            )
        if contact is None:
            raise Refused("A Contact must be specified for this type of transaction")
    if contact.get("ContactStatus") == "ARCHIVED":
        raise Refused(
            "The contact with the specified contact details has been archived. The contact must be "
            "un-archived before creating new invoices or credit notes."
        )
    return contact


def _read_date(value: Any) -> dt.date:
    try:
        return wire.read_date(value)
    except wire.BadValue as exc:
        raise Refused(str(exc)) from exc


def _account_for_line(call: ApiCall, line: Document) -> Document | None:
    account_id = line.get("AccountID")
    code = line.get("AccountCode")
    account: Document | None
    if account_id:
        account = call.records.get("Account", str(account_id))
        shown = account_id
    elif code:
        account = call.records.find("Account", str(code))
        shown = code
    else:
        return None
    if account is None or account.get("Status") != "ACTIVE" or account.get("Type") == "BANK":
        raise Refused(f"Account code '{shown}' is not a valid code for this document.")
    return account


def _build_lines(
    call: ApiCall,
    document_type: str,
    submitted: list[Any],
    previous: list[Document],
    amount_types: str,
    status: str,
) -> list[Document]:
    sales = document_type in {"ACCREC", "ACCRECCREDIT"}
    places = call.unit_places
    by_id = {line["LineItemID"].lower(): line for line in previous if line.get("LineItemID")}
    lines: list[Document] = []
    problems: list[str] = []
    for raw in submitted:
        if not isinstance(raw, dict):
            problems.append("Each line item must be an object.")
            continue
        line_id = str(raw.get("LineItemID") or "").lower()
        base = dict(by_id[line_id]) if line_id in by_id else {}
        if line_id in by_id:
            # An existing line is updated by what is sent; its computed amounts are worked out again.
            for computed in ("LineAmount", "TaxAmount"):
                if computed not in raw:
                    base.pop(computed, None)
        line: Document = {**base, **raw}
        line["LineItemID"] = by_id[line_id]["LineItemID"] if line_id in by_id else wire.new_id()
        try:
            lines.append(
                _price_line(
                    call,
                    line,
                    sales=sales,
                    places=places,
                    amount_types=amount_types,
                    status=status,
                    document_type=document_type,
                )
            )
        except Refused as refusal:
            problems.extend(refusal.messages)
    if problems:
        raise Refused(*dict.fromkeys(problems))
    return lines


def _price_line(
    call: ApiCall,
    line: Document,
    *,
    sales: bool,
    places: int,
    amount_types: str,
    status: str,
    document_type: str,
) -> Document:
    item_code = line.get("ItemCode")
    if item_code:
        item = call.records.find("Item", str(item_code))
        if item is None:
            raise Refused(f"Item code '{item_code}' is not valid")
        details = item.get("SalesDetails" if sales else "PurchaseDetails") or {}
        line.setdefault(
            "Description", item.get("Description" if sales else "PurchaseDescription") or item["Name"]
        )
        if "UnitAmount" not in line and details.get("UnitPrice") is not None:
            line["UnitAmount"] = details["UnitPrice"]
        if not line.get("AccountCode") and not line.get("AccountID") and details.get("AccountCode"):
            line["AccountCode"] = details["AccountCode"]
        if not line.get("TaxType") and details.get("TaxType"):
            line["TaxType"] = details["TaxType"]
        line["Item"] = {"ItemID": item["ItemID"], "Name": item.get("Name", ""), "Code": item["Code"]}
    description = str(line.get("Description") or "").strip()
    has_amount = line.get("UnitAmount") is not None or line.get("Quantity") is not None
    if not description and not has_amount:
        raise Refused("Description must be specified for each line item.")
    try:
        quantity = wire.read_money(line.get("Quantity", 1 if has_amount else 0), field="Quantity")
        unit = round(wire.read_money(line.get("UnitAmount", 0), field="UnitAmount"), places)
    except wire.BadValue as exc:
        raise Refused(str(exc)) from exc
    if not sales and (line.get("DiscountRate") or line.get("DiscountAmount")):
        raise Refused("Discounts are not supported on bills and credit notes.")
    if document_type == "ACCRECCREDIT" and (line.get("DiscountRate") or line.get("DiscountAmount")):
        raise Refused("Discounts are not supported on bills and credit notes.")
    gross = quantity * unit
    discount = ZERO
    if line.get("DiscountRate") is not None:
        rate = dec(line["DiscountRate"])
        amount = wire.cents(gross * (Decimal(100) - rate) / Decimal(100))
        discount = wire.cents(gross) - amount
    elif line.get("DiscountAmount") is not None:
        discount = wire.cents(dec(line["DiscountAmount"]))
        amount = wire.cents(gross - discount)
    else:
        amount = wire.cents(gross)
    if abs(amount) > Decimal("9999999999.99"):
        raise Refused("The line amount must be less than 10,000,000,000.")
    account = _account_for_line(call, line)
    if account is None and status in {"SUBMITTED", "AUTHORISED"} and amount != 0:
        raise Refused("An account code must be specified for each line item before it can be approved.")
    if account is not None:
        line["AccountCode"] = account.get("Code", "")
        line["AccountID"] = account["AccountID"]
    tax_type = line.get("TaxType") or (account or {}).get("TaxType") or ("OUTPUT" if sales else "INPUT")
    tax_rate = call.records.find("TaxRate", str(tax_type))
    if tax_rate is None or tax_rate.get("Status") != "ACTIVE":
        raise Refused(f"The TaxType code '{tax_type}' does not exist or cannot be used with this account.")
    if account is not None:
        flag = TAX_CLASS_FLAGS.get(ACCOUNT_CLASS.get(str(account.get("Type")), ""))
        if flag and tax_rate.get(flag) is False:
            raise Refused(
                f"The TaxType code '{tax_type}' cannot be used with account code '{account.get('Code')}'."
            )
    percent = dec(tax_rate.get("EffectiveRate"))
    if amount_types == "NoTax":
        tax = ZERO
    elif "TaxAmount" in line and line["TaxAmount"] is not None:
        # The computed tax may be overridden by the client (reference 4.4).
        tax = wire.cents(dec(line["TaxAmount"]))
    elif amount_types == "Inclusive":
        tax = wire.cents(amount * percent / (Decimal(100) + percent))
    else:
        tax = wire.cents(amount * percent / Decimal(100))
    priced: Document = {
        "LineItemID": line["LineItemID"],
        "Description": description,
        "Quantity": quantity,
        "UnitAmount": unit,
        "TaxType": tax_type,
        "TaxAmount": tax,
        "LineAmount": amount,
        "Tracking": line.get("Tracking") or [],
    }
    for optional in ("ItemCode", "Item", "AccountCode", "AccountID"):
        if line.get(optional):
            priced[optional] = line[optional]
    if line.get("DiscountRate") is not None:
        priced["DiscountRate"] = dec(line["DiscountRate"])
    if line.get("DiscountAmount") is not None:
        priced["DiscountAmount"] = discount
    priced["_discount"] = discount
    return priced


def recompute(document: Document, kind: DocumentKind) -> None:
    """Totals from the lines (per-line tax, summed), then what is due or remaining."""
    lines = document.get("LineItems", [])
    amount_types = document.get("LineAmountTypes", "Exclusive")
    line_total = sum((dec(line["LineAmount"]) for line in lines), ZERO)
    tax_total = sum((dec(line["TaxAmount"]) for line in lines), ZERO)
    discount_total = sum((dec(line.get("_discount")) for line in lines), ZERO)
    for line in lines:
        line.pop("_discount", None)
    if amount_types == "Inclusive":
        document["SubTotal"] = wire.cents(line_total - tax_total)
        document["Total"] = wire.cents(line_total)
    else:
        document["SubTotal"] = wire.cents(line_total)
        document["Total"] = wire.cents(line_total + tax_total)
    document["TotalTax"] = wire.cents(tax_total)
    if discount_total:
        document["TotalDiscount"] = wire.cents(discount_total)
    else:
        document.pop("TotalDiscount", None)
    if kind is INVOICE:
        document["IsDiscounted"] = bool(discount_total)
    settle(document, kind)


def settle(document: Document, kind: DocumentKind) -> None:
    """What is still due (invoice) or left to allocate (credit note), and PAID when nothing is."""
    total = dec(document.get("Total"))
    paid = sum((dec(p["Amount"]) for p in document.get("Payments", [])), ZERO)
    if kind is INVOICE:
        credited = sum((dec(c.get("AppliedAmount")) for c in document.get("CreditNotes", [])), ZERO)
        document["AmountPaid"] = wire.cents(paid)
        document["AmountCredited"] = wire.cents(credited)
        outstanding = wire.cents(total - paid - credited)
        document["AmountDue"] = outstanding
        dates = [p["Date"] for p in document.get("Payments", [])] + [
            c["Date"] for c in document.get("CreditNotes", []) if c.get("Date")
        ]
    else:
        allocated = sum((dec(a["Amount"]) for a in document.get("Allocations", [])), ZERO)
        outstanding = wire.cents(total - allocated - paid)
        document["RemainingCredit"] = outstanding
        document["AppliedAmount"] = wire.cents(allocated + paid)
        dates = [a["Date"] for a in document.get("Allocations", [])] + [
            p["Date"] for p in document.get("Payments", [])
        ]
    status = document.get("Status")
    if status == "AUTHORISED" and outstanding == 0:
        document["Status"] = "PAID"
        latest = max(dates, key=lambda d: wire.parse_msdate(d)) if dates else document["Date"]
        document["FullyPaidOnDate"] = latest
    elif status == "PAID" and outstanding != 0:
        document["Status"] = "AUTHORISED"
        document.pop("FullyPaidOnDate", None)


def _money_applied(document: Document, kind: DocumentKind) -> bool:
    if document.get("Payments"):
        return True
    if kind is INVOICE:
        return bool(document.get("CreditNotes"))
    return bool(document.get("Allocations"))


def _check_paid_edit(kind: DocumentKind, existing: Document, element: Document) -> None:
    """Only a few fields of a sales document with money applied may change; nothing on a bill."""
    sales = existing.get("Type") in {"ACCREC", "ACCRECCREDIT"}
    for field, value in element.items():
        if field in {kind.id_field} or value == existing.get(field):
            continue
        if field == "Status":
            continue
        if field == "LineItems":
            if not sales:
                raise Refused(MONEY_APPLIED)
            _check_paid_lines(existing.get("LineItems", []), value)
            continue
        if field in {"Date", "DueDate", "ExpectedPaymentDate", "PlannedPaymentDate"} and _same_date(
            value, existing.get(field)
        ):
            continue
        if (
            field == "Contact"
            and isinstance(value, dict)
            and value.get("ContactID", "").lower() == str(existing["Contact"]["ContactID"]).lower()
        ):
            continue
        if not sales and field not in {"PlannedPaymentDate"}:
            raise Refused(MONEY_APPLIED)
        if sales and field not in PAID_EDITABLE:
            raise Refused(MONEY_APPLIED)
        if field == "Contact" and (existing.get("CreditNotes") or existing.get("Allocations")):
            raise Refused(MONEY_APPLIED)


def _same_date(value: Any, stored: Any) -> bool:
    if stored is None or value is None:
        return bool(value == stored)
    try:
        return wire.read_date(value) == wire.parse_msdate(stored).date()
    except (wire.BadValue, ValueError):
        return False


def _check_paid_lines(existing: list[Document], submitted: Any) -> None:
    if not isinstance(submitted, list):
        raise Refused(MONEY_APPLIED)
    by_id = {line["LineItemID"].lower(): line for line in existing}
    if len(submitted) != len(existing):
        raise Refused(MONEY_APPLIED)
    for line in submitted:
        old = by_id.get(str((line or {}).get("LineItemID") or "").lower())
        if old is None:
            raise Refused(MONEY_APPLIED)
        for field, value in line.items():
            if field in PAID_LINE_EDITABLE:
                continue
            if field in {
                "Quantity",
                "UnitAmount",
                "LineAmount",
                "TaxAmount",
                "DiscountRate",
                "DiscountAmount",
            }:
                if dec(value) != dec(old.get(field)):
                    raise Refused(MONEY_APPLIED)
            elif value != old.get(field):
                raise Refused(MONEY_APPLIED)


def _next_number(call: ApiCall, kind: DocumentKind) -> str:
    organisation: XeroOrganisation = call.organisation
    while True:
        if kind is INVOICE:
            number = organisation.next_invoice_number
            organisation.next_invoice_number += 1
        else:
            number = organisation.next_credit_note_number
            organisation.next_credit_note_number += 1
        candidate = f"{kind.prefix}{number:04d}"
        if call.records.find(kind.kind, candidate) is None:
            return candidate


def _number_taken(call: ApiCall, kind: DocumentKind, number: str, own_id: str | None) -> bool:
    """Whether another sales document of this kind holds ``number`` (case as given; a voided one still
    holds its number, a deleted one gives it up). Every save keys a document by its number, so only the
    documents holding this number are read."""
    for other in call.records.all_with_key(kind.kind, number):
        if other.get(kind.number_field) != number or other[kind.id_field] == own_id:
            continue
        if other.get("Type") == kind.sales_type and other.get("Status") != "DELETED":
            return True
    return False


def save_document(
    call: ApiCall, kind: DocumentKind, element: Document, *, existing: Document | None
) -> Document:
    """Create or update an invoice or credit note from a submitted element; raises Refused."""
    if existing is not None and existing.get("Status") in {"VOIDED", "DELETED"}:
        raise Refused(f"{kind.noun} not of valid status for modification")
    document: Document = dict(existing) if existing else {}
    document_type = str(element.get("Type") or document.get("Type") or "")
    if document_type not in {kind.sales_type, kind.purchase_type}:
        raise Refused(f"{kind.noun} Type must be {kind.sales_type} or {kind.purchase_type}")
    if existing is not None and document_type != existing.get("Type"):
        raise Refused(f"The {kind.noun} Type cannot be changed")
    current = str(existing.get("Status")) if existing else None
    status = str(element.get("Status") or current or "DRAFT").upper()
    if existing is None and status not in {"DRAFT", "SUBMITTED", "AUTHORISED"}:
        raise Refused(f"{kind.noun} not of valid status for creation")
    if existing is not None and status != current:
        assert current is not None
        if _money_applied(existing, kind) and status in {"VOIDED", "DELETED"}:
            raise Refused(MONEY_APPLIED)
        if status not in TRANSITIONS[current]:
            raise Refused(f"{kind.noun} not of valid status for modification")
    if existing is not None and _money_applied(existing, kind):
        _check_paid_edit(kind, existing, element)

    problems: list[str] = []
    contact = _resolve_contact(call, element.get("Contact") or document.get("Contact"))
    if existing is None:
        document = {
            "Type": document_type,
            kind.id_field: wire.new_id(),
        }
    document["Type"] = document_type
    document["Contact"] = contact_summary(contact)

    today = organisation_today(call.now)
    issued = (
        _read_date(element["Date"])
        if element.get("Date")
        else (wire.stored_date(document.get("Date")) or today)
    )
    document["Date"] = wire.msdate(issued)
    document["DateString"] = wire.iso_date_string(issued)
    if element.get("DueDate"):
        due = _read_date(element["DueDate"])
        document["DueDate"] = wire.msdate(due)
        document["DueDateString"] = wire.iso_date_string(due)
    elif "DueDate" not in document and kind is INVOICE and status in {"SUBMITTED", "AUTHORISED"}:
        # Approving without a due date applies the organisation's sales terms (14 days after the date).
        due = issued + dt.timedelta(days=14)
        document["DueDate"] = wire.msdate(due)
        document["DueDateString"] = wire.iso_date_string(due)
    for optional_date in ("ExpectedPaymentDate", "PlannedPaymentDate"):
        if element.get(optional_date):
            document[optional_date] = wire.msdate(_read_date(element[optional_date]))

    amount_types = str(element.get("LineAmountTypes") or document.get("LineAmountTypes") or "Exclusive")
    if amount_types not in {"Exclusive", "Inclusive", "NoTax"}:
        problems.append(f"'{amount_types}' is not a valid LineAmountTypes value.")
    document["LineAmountTypes"] = amount_types
    sales = document_type == kind.sales_type
    number = element.get(kind.number_field)
    if number is not None:
        number = str(number).strip()
        if len(number) > 255:
            problems.append(f"{kind.noun} number must not be more than 255 characters long.")
        if sales and number and _number_taken(call, kind, number, document.get(kind.id_field)):
            problems.append(
                "Invoice # must be unique." if kind is INVOICE else "Credit Note # must be unique."
            )
        document[kind.number_field] = number
    if sales and element.get("Reference") is not None:
        document["Reference"] = str(element["Reference"])
    for passthrough in ("Url", "BrandingThemeID", "SentToContact"):
        if passthrough in element:
            document[passthrough] = element[passthrough]
    if element.get("SentToContact") and status not in {"AUTHORISED", "PAID"}:
        problems.append("SentToContact can only be set on approved documents.")
    if "CurrencyCode" in element and element["CurrencyCode"] not in {"AUD", None, ""}:
        problems.append("The organisation does not use multi-currency: documents must be in AUD.")

    submitted_lines = element.get("LineItems")
    if submitted_lines is not None:
        if not isinstance(submitted_lines, list):
            problems.append("LineItems must be a list.")
        elif not submitted_lines:
            problems.append("One or more line items must be specified")
        else:
            try:
                document["LineItems"] = _build_lines(
                    call, document_type, submitted_lines, document.get("LineItems", []), amount_types, status
                )
            except Refused as refusal:
                problems.extend(refusal.messages)
    elif existing is None:
        problems.append("One or more line items must be specified")
    elif status in {"SUBMITTED", "AUTHORISED"} and status != current:
        # Approving re-checks the lines kept from the draft.
        try:
            document["LineItems"] = _build_lines(
                call,
                document_type,
                [dict(line) for line in document.get("LineItems", [])],
                document.get("LineItems", []),
                amount_types,
                status,
            )
        except Refused as refusal:
            problems.extend(refusal.messages)

    lock = call.organisation.period_lock_date
    if lock is not None and status not in {"DRAFT", "DELETED"} and issued <= lock.date():
        problems.append(
            f"The document date cannot be before the period lock date, currently set at {lock:%d %b %Y}."
        )
    if problems:
        raise Refused(*dict.fromkeys(problems))

    if existing is None:
        if sales and not document.get(kind.number_field):
            document[kind.number_field] = _next_number(call, kind)
        document.setdefault(kind.number_field, "")
        if kind is INVOICE:
            document.setdefault("Reference", "")
            for listed in ("Payments", "CreditNotes", "Prepayments", "Overpayments"):
                document.setdefault(listed, [])
            document["AmountPaid"] = ZERO
            document["AmountCredited"] = ZERO
            document["SentToContact"] = bool(document.get("SentToContact", False))
        else:
            if sales:
                document.setdefault("Reference", "")
            document.setdefault("Allocations", [])
            document.setdefault("Payments", [])
        document["CurrencyCode"] = "AUD"
        document["CurrencyRate"] = Decimal("1")
        document["HasAttachments"] = False
        document["HasErrors"] = False
        document["_createdBy"] = call.client_id
    document["Status"] = status
    recompute(document, kind)
    _mark_contact(call, contact, document_type)
    saved = call.records.save(
        kind.kind,
        document[kind.id_field],
        document,
        now=call.now,
        key=document.get(kind.number_field) or None,
    )
    return saved


def _mark_contact(call: ApiCall, contact: Document, document_type: str) -> None:
    """A contact becomes a customer or supplier once it has such a document (not a change clients see)."""
    flag = "IsCustomer" if document_type in {"ACCREC", "ACCRECCREDIT"} else "IsSupplier"
    if contact.get(flag):
        return
    contact = dict(contact, **{flag: True})
    call.records.save("Contact", contact["ContactID"], contact, now=call.now, touch=False)


# ----- allocations -----------------------------------------------------------------------------------


def allocation_invoice_summary(invoice: Document) -> Document:
    return {
        "InvoiceID": invoice["InvoiceID"],
        "InvoiceNumber": invoice.get("InvoiceNumber", ""),
        "Type": invoice["Type"],
        "Payments": [],
        "CreditNotes": [],
        "Prepayments": [],
        "Overpayments": [],
        "HasErrors": False,
        "IsDiscounted": False,
        "LineItems": [],
    }


def allocate_credit_note(call: ApiCall) -> WebResponse:
    note = find_document(call, CREDIT_NOTE, call.request.params["handle"])
    if note is None:
        return wire.not_found()

    def allocate(element: Document) -> Document:
        current = call.records.get("CreditNote", note["CreditNoteID"])
        assert current is not None
        if current.get("Status") != "AUTHORISED":
            if current.get("Status") == "PAID":
                raise Refused("Credit Note cannot be allocated as amount is greater than amount outstanding")
            raise Refused("Only AUTHORISED credit notes can be allocated.")
        reference = element.get("Invoice") or {}
        invoice_id = reference.get("InvoiceID") if isinstance(reference, dict) else None
        invoice = call.records.get("Invoice", str(invoice_id)) if invoice_id else None
        if invoice is None and isinstance(reference, dict) and reference.get("InvoiceNumber"):
            invoice = call.records.find("Invoice", str(reference["InvoiceNumber"]))
        if invoice is None:
            raise Refused("The invoice to allocate to could not be found.")
        expected_type = "ACCREC" if current["Type"] == "ACCRECCREDIT" else "ACCPAY"
        if invoice["Type"] != expected_type:
            raise Refused(
                "A credit note can only be allocated to an invoice of the same kind (sales or bills)."
            )
        if invoice["Contact"]["ContactID"] != current["Contact"]["ContactID"]:
            raise Refused("The credit note and the invoice must be for the same contact.")
        if invoice.get("Status") == "PAID":
            raise Refused("The invoice you are trying to allocate to has already been paid off")
        if invoice.get("Status") != "AUTHORISED":
            raise Refused("Credit notes can only be allocated to AUTHORISED invoices.")
        try:
            amount = wire.cents(wire.read_money(element.get("Amount"), field="Amount"))
        except wire.BadValue as exc:
            raise Refused(str(exc)) from exc
        if amount <= 0:
            raise Refused("The allocation amount must be greater than zero.")
        if amount > dec(current["RemainingCredit"]) or amount > dec(invoice["AmountDue"]):
            raise Refused("Credit Note cannot be allocated as amount is greater than amount outstanding")
        when = (
            _read_date(element["Date"])
            if element.get("Date")
            else max(wire.parse_msdate(current["Date"]).date(), wire.parse_msdate(invoice["Date"]).date())
        )
        allocation_id = wire.new_id()
        date_text = wire.msdate(when)
        current.setdefault("Allocations", []).append(
            {
                "AllocationID": allocation_id,
                "Amount": amount,
                "Date": date_text,
                "Invoice": allocation_invoice_summary(invoice),
            }
        )
        settle(current, CREDIT_NOTE)
        invoice.setdefault("CreditNotes", []).append(
            {
                "CreditNoteID": current["CreditNoteID"],
                "CreditNoteNumber": current.get("CreditNoteNumber", ""),
                "AllocationID": allocation_id,
                "AppliedAmount": amount,
                "Date": date_text,
                "Total": current["Total"],
                "HasErrors": False,
            }
        )
        settle(invoice, INVOICE)
        call.records.save(
            "Invoice", invoice["InvoiceID"], invoice, now=call.now, key=invoice.get("InvoiceNumber") or None
        )
        call.records.save(
            "CreditNote",
            current["CreditNoteID"],
            current,
            now=call.now,
            key=current.get("CreditNoteNumber") or None,
        )
        return {
            "AllocationID": allocation_id,
            "Amount": amount,
            "Date": date_text,
            "Invoice": allocation_invoice_summary(invoice),
            "CreditNote": {
                "CreditNoteID": current["CreditNoteID"],
                "CreditNoteNumber": current.get("CreditNoteNumber", ""),
                "Type": current["Type"],
                "RemainingCredit": current["RemainingCredit"],
            },
            "IsDeleted": False,
        }

    return run_batch(call, "Allocations", call.elements("Allocations"), allocate, error_flag=None)


def delete_allocation(call: ApiCall) -> WebResponse:
    note = find_document(call, CREDIT_NOTE, call.request.params["handle"])
    if note is None:
        return wire.not_found()
    wanted = call.request.params["allocation_id"].lower()
    allocation = next((a for a in note.get("Allocations", []) if a["AllocationID"].lower() == wanted), None)
    if allocation is None:
        return wire.not_found()
    note["Allocations"] = [a for a in note["Allocations"] if a is not allocation]
    settle(note, CREDIT_NOTE)
    invoice = call.records.get("Invoice", allocation["Invoice"]["InvoiceID"])
    if invoice is not None:
        invoice["CreditNotes"] = [
            c for c in invoice.get("CreditNotes", []) if str(c.get("AllocationID", "")).lower() != wanted
        ]
        settle(invoice, INVOICE)
        call.records.save(
            "Invoice", invoice["InvoiceID"], invoice, now=call.now, key=invoice.get("InvoiceNumber") or None
        )
    call.records.save(
        "CreditNote", note["CreditNoteID"], note, now=call.now, key=note.get("CreditNoteNumber") or None
    )
    # Answered as one bare Allocation with IsDeleted (xero-python#159), not in the usual envelope.
    return WebResponse.json(
        200,
        {
            "AllocationID": allocation["AllocationID"],
            "Amount": allocation["Amount"],
            "Date": allocation["Date"],
            "Invoice": {"InvoiceID": allocation["Invoice"]["InvoiceID"]},
            "IsDeleted": True,
        },
    )


# ----- seeding ---------------------------------------------------------------------------------------


def seed_invoices(
    session: Session, organisation: XeroOrganisation, now: dt.datetime, rng: random.Random
) -> None:
    """About forty sales invoices and a few bills, dated 30 to 150 days back, some paid, one voided."""
    from app.integrations.sandbox.xero.payments import save_payment

    records = Records(session, organisation.tenant_id)
    contacts = [c for c in records.all("Contact") if c.get("ContactStatus") == "ACTIVE"]
    suppliers = [c for c in contacts if str(c.get("EmailAddress", "")).startswith("accounts@")][:10]
    customers = [c for c in contacts if c not in suppliers]
    rng.shuffle(customers)
    jobs = [
        ("Blocked drain cleared, CCTV inspection", "200", Decimal("385.00")),
        ("Hot water unit replaced", "200", Decimal("1890.00")),
        ("Switchboard upgrade", "200", Decimal("1250.00")),
        ("Split system service", "200", Decimal("220.00")),
        ("Leaking tap repaired", "200", Decimal("165.00")),
        ("Call-out, after hours", "260", Decimal("145.00")),
    ]

    def call_at(moment: dt.datetime) -> ApiCall:
        request = WebRequest.build("PUT", "/seed", Headers(), b"", client_host="127.0.0.1")
        return ApiCall(request, session, organisation, records, moment, "seed")

    for index in range(40):
        days_back = rng.randint(30, 150)
        moment = now - dt.timedelta(days=days_back, hours=rng.randint(0, 8))
        call = call_at(moment)
        description, account, price = rng.choice(jobs)
        lines: list[Document] = [
            {
                "Description": description,
                "Quantity": 1,
                "UnitAmount": price,
                "AccountCode": account,
                "TaxType": "OUTPUT",
            }
        ]
        if rng.random() < 0.5:
            lines.append({"ItemCode": "LAB-STD", "Quantity": rng.choice([1, 2, 3, 1.5])})
        status = "DRAFT" if index % 13 == 5 else "AUTHORISED"
        issued = organisation_today(moment)
        invoice = save_document(
            call,
            INVOICE,
            {
                "Type": "ACCREC",
                "Contact": {"ContactID": customers[index % len(customers)]["ContactID"]},
                "Date": issued.isoformat(),
                "DueDate": (issued + dt.timedelta(days=14)).isoformat(),
                "Reference": f"Job {4100 + index}",
                "Status": status,
                "LineItems": lines,
            },
            existing=None,
        )
        if index == 7:
            voided = records.get("Invoice", invoice["InvoiceID"])
            save_document(call, INVOICE, {"Status": "VOIDED"}, existing=voided)
        elif status == "AUTHORISED" and days_back > 45 and rng.random() < 0.7:
            paid_on = moment + dt.timedelta(days=rng.randint(3, 20))
            save_payment(
                call_at(paid_on),
                {
                    "Invoice": {"InvoiceID": invoice["InvoiceID"]},
                    "Account": {"Code": "090"},
                    "Date": organisation_today(paid_on).isoformat(),
                    "Amount": invoice["AmountDue"],
                    "Reference": f"Deposit {rng.randint(100000, 999999)}",
                },
            )
    for index in range(6):
        moment = now - dt.timedelta(days=rng.randint(20, 120))
        supplier = suppliers[index % len(suppliers)]
        save_document(
            call_at(moment),
            INVOICE,
            {
                "Type": "ACCPAY",
                "Contact": {"ContactID": supplier["ContactID"]},
                "InvoiceNumber": f"{rng.randint(10000, 99999)}",
                "Date": organisation_today(moment).isoformat(),
                "DueDate": (organisation_today(moment) + dt.timedelta(days=30)).isoformat(),
                "Status": "AUTHORISED",
                "LineAmountTypes": "Inclusive",
                "LineItems": [
                    {
                        "Description": "Materials",
                        "Quantity": 1,
                        "UnitAmount": Decimal(rng.randint(80, 900)),
                        "AccountCode": "310",
                        "TaxType": "INPUT",
                    }
                ],
            },
            existing=None,
        )
