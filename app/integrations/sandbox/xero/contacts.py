"""Contacts (reference section 4.2): unique active names and contact numbers, upserts, archiving."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from app.integrations.sandbox.web import WebResponse
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
)
from app.integrations.sandbox.xero.records import Document, contact_name_key, contact_number_key

_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

#: Fields a client may write; IsCustomer and IsSupplier are Xero's to set (writes are ignored).
WRITABLE = (
    "ContactNumber",
    "AccountNumber",
    "ContactStatus",
    "Name",
    "FirstName",
    "LastName",
    "CompanyNumber",
    "EmailAddress",
    "ContactPersons",
    "BankAccountDetails",
    "TaxNumber",
    "AccountsReceivableTaxType",
    "AccountsPayableTaxType",
    "DefaultCurrency",
    "SalesDefaultAccountCode",
    "PurchasesDefaultAccountCode",
    "PaymentTerms",
    "Website",
    "SalesDefaultLineAmountType",
    "PurchasesDefaultLineAmountType",
)
LIMITS = {
    "Name": 255,
    "FirstName": 255,
    "LastName": 255,
    "EmailAddress": 255,
    "ContactNumber": 50,
    "AccountNumber": 50,
    "TaxNumber": 50,
    "CompanyNumber": 50,
}
SUMMARY_DROPS = (
    "Addresses",
    "Phones",
    "ContactPersons",
    "ContactGroups",
    "PaymentTerms",
    "BatchPayments",
    "Balances",
    "HasAttachments",
)


def register(routes: AccountingRoutes) -> None:
    routes.add("GET", "/Contacts", get_contacts, "contacts")
    routes.add("PUT", "/Contacts", create_contacts, "contacts")
    routes.add("POST", "/Contacts", update_or_create_contacts, "contacts")
    routes.add("GET", "/Contacts/{contact}", get_contact, "contacts")
    routes.add("POST", "/Contacts/{contact}", update_contact, "contacts")


def is_guid(text: str) -> bool:
    return bool(_GUID.match(text))


def find_contact(call: ApiCall, handle: str) -> Document | None:
    """A contact by ContactID, else by ContactNumber (``GET /Contacts/{ContactNumber}``)."""
    if is_guid(handle):
        return call.records.get("Contact", handle)
    return by_number(call, handle)


def by_number(call: ApiCall, number: Any) -> Document | None:
    """The contact whose ContactNumber is ``number`` exactly (the last changed, should two hold it)."""
    key = contact_number_key(number)
    # Not text: compared with every contact's, as given (a JSON number matches no text number).
    candidates = call.records.all("Contact") if key is None else call.records.matching("Contact", keys=[key])
    matches = [c for c in candidates if c.get("ContactNumber") == number]
    return matches[-1] if matches else None


def by_name(call: ApiCall, name: str) -> Document | None:
    """The active contact called ``name`` (without regard to case; the first changed, should two be)."""
    candidates = call.records.matching("Contact", folded_keys=[contact_name_key(name)])
    return next(
        (
            c
            for c in candidates
            if str(c.get("Name", "")).lower() == name.lower() and c.get("ContactStatus") == "ACTIVE"
        ),
        None,
    )


def contact_summary(contact: Document) -> Document:
    """How a contact appears inside an invoice, credit note or payment."""
    summary: Document = {"ContactID": contact["ContactID"], "Name": contact.get("Name", "")}
    if contact.get("ContactNumber"):
        summary["ContactNumber"] = contact["ContactNumber"]
    summary["ContactPersons"] = []
    summary["HasValidationErrors"] = False
    return summary


def get_contacts(call: ApiCall) -> WebResponse:
    documents = call.records.all("Contact", modified_since=modified_since(call.request))
    ids = {i.lower() for i in id_list(call, "IDs")}
    if ids:
        documents = [d for d in documents if d["ContactID"].lower() in ids]
    if not call.flag("includeArchived") and not ids:
        documents = [d for d in documents if d.get("ContactStatus") != "ARCHIVED"]
    term = (call.request.arg("searchTerm") or "").strip().lower()
    if term:
        fields = ("Name", "FirstName", "LastName", "ContactNumber", "EmailAddress")
        documents = [d for d in documents if any(term in str(d.get(f) or "").lower() for f in fields)]
    documents = filtered(call, documents)
    documents, pagination = page_of(call, documents)
    if call.flag("summaryOnly"):
        documents = [{k: v for k, v in d.items() if k not in SUMMARY_DROPS} for d in documents]
    extra: dict[str, Any] = {} if pagination is None else {"pagination": pagination}
    return call.ok("Contacts", documents, **extra)


def get_contact(call: ApiCall) -> WebResponse:
    contact = find_contact(call, call.request.params["contact"])
    if contact is None:
        return wire.not_found()
    return call.ok("Contacts", [with_balances(call, contact)])


def with_balances(call: ApiCall, contact: Document) -> Document:
    """A single contact's read carries its outstanding and overdue balances."""
    today = call.now.date()
    receivable = {"Outstanding": Decimal(0), "Overdue": Decimal(0)}
    payable = {"Outstanding": Decimal(0), "Overdue": Decimal(0)}
    for invoice in call.records.matching("Invoice", contact_keys=[str(contact["ContactID"]).lower()]):
        if (invoice.get("Contact") or {}).get("ContactID") != contact["ContactID"]:
            continue
        if invoice.get("Status") != "AUTHORISED":
            continue
        side = receivable if invoice.get("Type") == "ACCREC" else payable
        due = Decimal(str(invoice.get("AmountDue", 0)))
        side["Outstanding"] += due
        due_date = wire.stored_date(invoice.get("DueDate"))
        if due_date is not None and due_date < today:
            side["Overdue"] += due
    return dict(contact, Balances={"AccountsReceivable": receivable, "AccountsPayable": payable})


def _merge_typed(existing: list[Document], updates: Any, type_key: str) -> list[Document]:
    """Addresses and phones are merged by their type (POBOX, STREET; DEFAULT, MOBILE, ...)."""
    if not isinstance(updates, list):
        return existing
    merged = {str(item.get(type_key)): dict(item) for item in existing}
    order = [str(item.get(type_key)) for item in existing]
    for update in updates:
        if not isinstance(update, dict):
            continue
        kind = str(update.get(type_key) or "")
        if kind not in merged:
            order.append(kind)
            merged[kind] = {}
        merged[kind].update(update)
    return [merged[kind] for kind in order]


def _problems(call: ApiCall, candidate: Document, own_id: str | None) -> list[str]:
    problems: list[str] = []
    name = str(candidate.get("Name") or "").strip()
    if not name:
        problems.append("The contact name must be specified.")
    for field, limit in LIMITS.items():
        value = candidate.get(field)
        if value is not None and len(str(value)) > limit:
            problems.append(f"{field} must not be more than {limit} characters long.")
    email = str(candidate.get("EmailAddress") or "").strip()
    if email and not _EMAIL.match(email):
        problems.append("Email address must be valid.")
    status = candidate.get("ContactStatus", "ACTIVE")
    if status not in {"ACTIVE", "ARCHIVED", "GDPRREQUEST"}:
        problems.append(f"'{status}' is not a valid contact status.")
    number = str(candidate.get("ContactNumber") or "")
    # Only the contacts that could clash are read: those of this name or this number.
    names = [contact_name_key(name)] if name and status == "ACTIVE" else []
    numbers = [number] if number else []
    for other in call.records.matching("Contact", keys=numbers, folded_keys=names):
        if other["ContactID"] == own_id:
            continue
        if (
            name
            and status == "ACTIVE"
            and other.get("ContactStatus", "ACTIVE") == "ACTIVE"
            and str(other.get("Name", "")).strip().lower() == name.lower()
        ):
            problems.append(
                f"The contact name {name} is already assigned to another contact. The contact name must be "
                "unique across all active contacts."
            )
        if number and other.get("ContactNumber") == number:
            problems.append(
                "Another contact has this contact number. Please enter a different contact number."
            )
    return list(dict.fromkeys(problems))


def save_contact(call: ApiCall, element: Document, *, existing: Document | None) -> Document:
    """Create (``existing`` None) or update a contact from a submitted element; raises Refused."""
    if existing is None:
        document: Document = {
            "ContactID": wire.new_id(),
            "ContactStatus": "ACTIVE",
            "Name": "",
            "EmailAddress": "",
            "BankAccountDetails": "",
            "Addresses": [{"AddressType": "STREET"}, {"AddressType": "POBOX"}],
            "Phones": [
                {"PhoneType": "DEFAULT"},
                {"PhoneType": "DDI"},
                {"PhoneType": "FAX"},
                {"PhoneType": "MOBILE"},
            ],
            "IsSupplier": False,
            "IsCustomer": False,
            "ContactPersons": [],
            "HasAttachments": False,
            "HasValidationErrors": False,
        }
    else:
        document = dict(existing)
    for field in WRITABLE:
        if field in element:
            document[field] = element[field]
    if "Addresses" in element:
        document["Addresses"] = _merge_typed(
            document.get("Addresses", []), element["Addresses"], "AddressType"
        )
    if "Phones" in element:
        document["Phones"] = _merge_typed(document.get("Phones", []), element["Phones"], "PhoneType")
    if isinstance(document.get("Name"), str):
        document["Name"] = document["Name"].strip()
    problems = _problems(call, document, existing["ContactID"] if existing else None)
    if problems:
        raise Refused(*problems)
    if existing is not None and document == existing:
        return existing
    return call.records.save("Contact", document["ContactID"], document, now=call.now)


def _existing_for(call: ApiCall, element: Document, *, create_only: bool) -> Document | None:
    contact_id = element.get("ContactID")
    if contact_id:
        if create_only:
            raise Refused("A contact ID cannot be given when creating a contact with PUT.")
        found = call.records.get("Contact", str(contact_id))
        if found is None:
            raise Refused(f"Contact with ContactID {contact_id} could not be found.")
        return found
    number = element.get("ContactNumber")
    if number and not create_only:
        return find_contact(call, str(number))
    return None


def create_contacts(call: ApiCall) -> WebResponse:
    return run_batch(
        call,
        "Contacts",
        call.elements("Contacts"),
        lambda e: save_contact(call, e, existing=_existing_for(call, e, create_only=True)),
        error_flag="HasValidationErrors",
    )


def update_or_create_contacts(call: ApiCall) -> WebResponse:
    return run_batch(
        call,
        "Contacts",
        call.elements("Contacts"),
        lambda e: save_contact(call, e, existing=_existing_for(call, e, create_only=False)),
        error_flag="HasValidationErrors",
    )


def update_contact(call: ApiCall) -> WebResponse:
    existing = find_contact(call, call.request.params["contact"])
    if existing is None:
        return wire.not_found()
    return run_batch(
        call,
        "Contacts",
        call.elements("Contacts")[:1],
        lambda e: save_contact(call, e, existing=existing),
        error_flag="HasValidationErrors",
    )
