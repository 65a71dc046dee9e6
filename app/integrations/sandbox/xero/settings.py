"""Organisation, Accounts, TaxRates and Items (reference sections 4.1, 4.3 and 4.7)."""

from __future__ import annotations

from typing import Any

from app.integrations.sandbox.web import WebResponse
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.accounting import (
    AccountingRoutes,
    ApiCall,
    Refused,
    filtered,
    modified_since,
    run_batch,
)
from app.integrations.sandbox.xero.records import Document

ACCOUNT_CLASS = {
    "BANK": "ASSET",
    "CURRENT": "ASSET",
    "FIXED": "ASSET",
    "INVENTORY": "ASSET",
    "NONCURRENT": "ASSET",
    "PREPAYMENT": "ASSET",
    "CURRLIAB": "LIABILITY",
    "LIABILITY": "LIABILITY",
    "TERMLIAB": "LIABILITY",
    "PAYG": "LIABILITY",
    "DEPRECIATN": "EXPENSE",
    "DIRECTCOSTS": "EXPENSE",
    "EXPENSE": "EXPENSE",
    "OVERHEADS": "EXPENSE",
    "REVENUE": "REVENUE",
    "SALES": "REVENUE",
    "OTHERINCOME": "REVENUE",
    "EQUITY": "EQUITY",
}
ACCOUNT_WRITABLE = (
    "Code",
    "Name",
    "Type",
    "BankAccountNumber",
    "Description",
    "BankAccountType",
    "CurrencyCode",
    "TaxType",
    "EnablePaymentsToAccount",
    "ShowInExpenseClaims",
    "ReportingCode",
    "AddToWatchlist",
)


def register(routes: AccountingRoutes) -> None:
    routes.add("GET", "/Organisation", get_organisation, "settings")
    routes.add("GET", "/Organisation/Actions", get_organisation_actions, "settings")
    routes.add("GET", "/Accounts", get_accounts, "settings")
    routes.add("PUT", "/Accounts", create_account, "settings")
    routes.add("GET", "/Accounts/{account_id}", get_account, "settings")
    routes.add("POST", "/Accounts/{account_id}", update_account, "settings")
    routes.add("DELETE", "/Accounts/{account_id}", delete_account, "settings")
    routes.add("GET", "/TaxRates", get_tax_rates, "settings")
    routes.add("GET", "/TaxRates/{tax_type}", get_tax_rate, "settings")
    routes.add("GET", "/Items", get_items, "items")
    routes.add("PUT", "/Items", create_items, "items")
    routes.add("POST", "/Items", update_or_create_items, "items")
    routes.add("GET", "/Items/{item_id}", get_item, "items")
    routes.add("POST", "/Items/{item_id}", update_item, "items")
    routes.add("DELETE", "/Items/{item_id}", delete_item, "items")


# ----- Organisation ------------------------------------------------------------------------------------


def get_organisation(call: ApiCall) -> WebResponse:
    document = call.records.get("Organisation", call.tenant_id)
    return call.ok("Organisations", [document] if document else [])


def get_organisation_actions(call: ApiCall) -> WebResponse:
    names = (
        "UseMulticurrency",
        "CreateApprovedInvoice",
        "ApproveInvoices",
        "CreateApprovedBill",
        "ApproveBills",
        "CreateApprovedCreditNote",
        "ApproveCreditNotes",
        "CreateDraftInvoice",
        "CreateContacts",
        "ApplyPayments",
    )
    return call.ok("Actions", [{"Name": name, "Status": "ALLOWED"} for name in names])


# ----- Accounts ----------------------------------------------------------------------------------------


def find_account(call: ApiCall, reference: Any) -> Document | None:
    """An account by ``{"AccountID":..}`` / ``{"Code":..}`` or by a bare code."""
    if isinstance(reference, dict):
        account_id = reference.get("AccountID")
        if account_id:
            return call.records.get("Account", str(account_id))
        code = reference.get("Code")
        return call.records.find("Account", str(code)) if code else None
    if reference:
        return call.records.find("Account", str(reference))
    return None


def get_accounts(call: ApiCall) -> WebResponse:
    documents = call.records.all("Account", modified_since=modified_since(call.request))
    return call.ok("Accounts", filtered(call, documents))


def get_account(call: ApiCall) -> WebResponse:
    document = call.records.get("Account", call.request.params["account_id"])
    if document is None:
        return wire.not_found()
    return call.ok("Accounts", [document])


def _account_problems(call: ApiCall, account: Document, *, existing: Document | None) -> list[str]:
    problems: list[str] = []
    account_type = account.get("Type")
    if account_type not in ACCOUNT_CLASS:
        problems.append(
            "Please select a valid Account Type." if account_type else "Please select an Account Type."
        )
    code = (account.get("Code") or "").strip()
    if not code and account_type != "BANK":
        problems.append("Please enter a Code.")
    if len(code) > 10:
        problems.append("The Code must be 10 characters or less.")
    name = (account.get("Name") or "").strip()
    if not name:
        problems.append("Please enter a Name.")
    if len(name) > 150:
        problems.append("The Name must be 150 characters or less.")
    own_id = existing.get("AccountID") if existing else None
    others = [
        other
        for other in call.records.all("Account")
        if other.get("AccountID") != own_id and other.get("Status") != "DELETED"
    ]
    if code and any((other.get("Code") or "").lower() == code.lower() for other in others):
        problems.append("Please enter a unique Code.")
    if name and any((other.get("Name") or "").lower() == name.lower() for other in others):
        problems.append("Please enter a unique Name.")
    if account_type == "BANK" and not (account.get("BankAccountNumber") or "").strip():
        problems.append("Please enter a Bank Account Number.")
    tax_type = account.get("TaxType")
    if tax_type and call.records.find("TaxRate", str(tax_type)) is None:
        problems.append(f"The TaxType code '{tax_type}' does not exist or cannot be used with this account.")
    return problems


def create_account(call: ApiCall) -> WebResponse:
    elements = call.elements("Accounts")
    account = elements[0]
    problems = _account_problems(call, account, existing=None)
    if problems:
        return wire.validation_exception([dict(account, ValidationErrors=[{"Message": m} for m in problems])])
    document: Document = {"AccountID": wire.new_id()}
    for name in ACCOUNT_WRITABLE:
        if name in account:
            document[name] = account[name]
    document["Status"] = "ACTIVE"
    document["Class"] = ACCOUNT_CLASS[str(account["Type"])]
    document.setdefault("TaxType", "BASEXCLUDED" if account["Type"] == "BANK" else "INPUT")
    document.setdefault("EnablePaymentsToAccount", False)
    document.setdefault("ShowInExpenseClaims", False)
    document.setdefault("Description", "")
    if account["Type"] == "BANK":
        document.setdefault("BankAccountType", "BANK")
        document.setdefault("CurrencyCode", "AUD")
    else:
        document.setdefault("BankAccountType", "")
    document.setdefault("ReportingCode", _default_reporting_code(document["Class"]))
    document["ReportingCodeName"] = document["ReportingCode"]
    document["HasAttachments"] = False
    document["AddToWatchlist"] = bool(document.get("AddToWatchlist", False))
    saved = call.records.save(
        "Account", document["AccountID"], document, now=call.now, key=document.get("Code")
    )
    return call.ok("Accounts", [saved])


def _default_reporting_code(account_class: str) -> str:
    return {"ASSET": "ASS", "LIABILITY": "LIA", "EXPENSE": "EXP", "REVENUE": "REV", "EQUITY": "EQU"}[
        account_class
    ]


def update_account(call: ApiCall) -> WebResponse:
    existing = call.records.get("Account", call.request.params["account_id"])
    if existing is None:
        return wire.not_found()
    change = call.elements("Accounts")[0]
    status = change.get("Status")
    edits = {k: v for k, v in change.items() if k in ACCOUNT_WRITABLE and v != existing.get(k)}
    problems: list[str] = []
    if status is not None and status not in {"ACTIVE", "ARCHIVED"}:
        problems.append("Account status must be ACTIVE or ARCHIVED.")
    if status == "ARCHIVED" and existing.get("SystemAccount"):
        problems.append("System accounts cannot be archived.")
    if existing.get("Type") == "BANK" and edits:
        # Bank accounts can only be archived or restored through the API (reference 4.1).
        problems.append("Bank accounts cannot be updated through the API.")
    if existing.get("SystemAccount") and ("Type" in edits or "Code" in edits):
        problems.append("The Type and Code of a system account cannot be changed.")
    if not problems and edits:
        problems = _account_problems(call, dict(existing, **edits), existing=existing)
    if problems:
        return wire.validation_exception([dict(change, ValidationErrors=[{"Message": m} for m in problems])])
    document = dict(existing, **edits)
    if status:
        document["Status"] = status
    document["Class"] = ACCOUNT_CLASS.get(str(document.get("Type")), document.get("Class"))
    saved = call.records.save(
        "Account", document["AccountID"], document, now=call.now, key=document.get("Code")
    )
    return call.ok("Accounts", [saved])


def delete_account(call: ApiCall) -> WebResponse:
    existing = call.records.get("Account", call.request.params["account_id"])
    if existing is None:
        return wire.not_found()
    problems: list[str] = []
    if existing.get("SystemAccount"):
        problems.append("System accounts cannot be deleted.")
    elif _account_used(call, existing):
        problems.append("This account cannot be deleted because it has transactions. Archive it instead.")
    if problems:
        return wire.validation_exception(
            [dict(existing, ValidationErrors=[{"Message": m} for m in problems])]
        )
    existing["Status"] = "DELETED"
    saved = call.records.save("Account", existing["AccountID"], existing, now=call.now, key=None)
    return call.ok("Accounts", [saved])


def _account_used(call: ApiCall, account: Document) -> bool:
    code = account.get("Code")
    account_id = account.get("AccountID")
    for kind in ("Invoice", "CreditNote"):
        for document in call.records.all(kind):
            for line in document.get("LineItems", []):
                if (code and line.get("AccountCode") == code) or line.get("AccountID") == account_id:
                    return True
    return any((p.get("Account") or {}).get("AccountID") == account_id for p in call.records.all("Payment"))


# ----- TaxRates ----------------------------------------------------------------------------------------


def get_tax_rates(call: ApiCall) -> WebResponse:
    return call.ok("TaxRates", filtered(call, call.records.all("TaxRate")))


def get_tax_rate(call: ApiCall) -> WebResponse:
    document = call.records.find("TaxRate", call.request.params["tax_type"])
    if document is None:
        return wire.not_found()
    return call.ok("TaxRates", [document])


# ----- Items -------------------------------------------------------------------------------------------

ITEM_FIELDS = (
    "Code",
    "Name",
    "Description",
    "PurchaseDescription",
    "IsSold",
    "IsPurchased",
    "SalesDetails",
    "PurchaseDetails",
    "InventoryAssetAccountCode",
    "IsTrackedAsInventory",
)


def get_items(call: ApiCall) -> WebResponse:
    documents = call.records.all("Item", modified_since=modified_since(call.request))
    return call.ok("Items", [_item_out(call, d) for d in filtered(call, documents)])


def get_item(call: ApiCall) -> WebResponse:
    document = _find_item(call, call.request.params["item_id"])
    if document is None:
        return wire.not_found()
    return call.ok("Items", [_item_out(call, document)])


def _find_item(call: ApiCall, handle: str) -> Document | None:
    return call.records.get("Item", handle) or call.records.find("Item", handle)


def _item_out(call: ApiCall, document: Document) -> Document:
    places = call.unit_places
    result = dict(document)
    for details in ("SalesDetails", "PurchaseDetails"):
        part = result.get(details)
        if isinstance(part, dict) and "UnitPrice" in part:
            result[details] = dict(part, UnitPrice=round(part["UnitPrice"], places))
    return result


def _save_item(call: ApiCall, element: Document, *, existing: Document | None, create_only: bool) -> Document:
    if existing is None and element.get("ItemID"):
        existing = call.records.get("Item", str(element["ItemID"]))
        if existing is None:
            raise Refused(f"Item with ItemID {element['ItemID']} could not be found")
    code = str(element.get("Code") or (existing or {}).get("Code") or "").strip()
    if existing is None and not create_only:
        match = call.records.find("Item", code) if code else None
        existing = match
    problems: list[str] = []
    if not code:
        problems.append("Item code must be specified")
    if len(code) > 30:
        problems.append("Item code must not be more than 30 characters long")
    name = element.get("Name", (existing or {}).get("Name"))
    if name is not None and len(str(name)) > 50:
        problems.append("Item name must not be more than 50 characters long")
    clash = call.records.find("Item", code) if code else None
    if clash is not None and (existing is None or clash["ItemID"] != existing["ItemID"]):
        problems.append(f"Item code '{code}' already exists")
    for details in ("SalesDetails", "PurchaseDetails"):
        part = element.get(details)
        if isinstance(part, dict):
            account_code = part.get("AccountCode")
            if account_code and find_account(call, str(account_code)) is None:
                problems.append(f"Account code '{account_code}' is not a valid code for this item.")
            tax_type = part.get("TaxType")
            if tax_type and call.records.find("TaxRate", str(tax_type)) is None:
                problems.append(f"The TaxType code '{tax_type}' is not valid.")
    if problems:
        raise Refused(*problems)
    document: Document = dict(existing) if existing else {"ItemID": wire.new_id()}
    for field in ITEM_FIELDS:
        if field in element:
            document[field] = element[field]
    document["Code"] = code
    document.setdefault("Name", code)
    document.setdefault("IsSold", True)
    document.setdefault("IsPurchased", True)
    document.setdefault("IsTrackedAsInventory", False)
    for flag, details, description in (
        ("IsSold", "SalesDetails", "Description"),
        ("IsPurchased", "PurchaseDetails", "PurchaseDescription"),
    ):
        if document.get(flag) is False:
            # Setting IsSold/IsPurchased to false nulls the matching description and details (OAS).
            document.pop(details, None)
            document.pop(description, None)
        else:
            document.setdefault(details, {})
    return call.records.save("Item", document["ItemID"], document, now=call.now, key=code)


def create_items(call: ApiCall) -> WebResponse:
    return run_batch(
        call,
        "Items",
        call.elements("Items"),
        lambda e: _item_out(call, _save_item(call, e, existing=None, create_only=True)),
        error_flag=None,
    )


def update_or_create_items(call: ApiCall) -> WebResponse:
    return run_batch(
        call,
        "Items",
        call.elements("Items"),
        lambda e: _item_out(call, _save_item(call, e, existing=None, create_only=False)),
        error_flag=None,
    )


def update_item(call: ApiCall) -> WebResponse:
    existing = _find_item(call, call.request.params["item_id"])
    if existing is None:
        return wire.not_found()
    return run_batch(
        call,
        "Items",
        call.elements("Items")[:1],
        lambda e: _item_out(call, _save_item(call, e, existing=existing, create_only=False)),
        error_flag=None,
    )


def delete_item(call: ApiCall) -> WebResponse:
    existing = _find_item(call, call.request.params["item_id"])
    if existing is None:
        return wire.not_found()
    code = existing.get("Code")
    for kind in ("Invoice", "CreditNote"):
        for document in call.records.all(kind):
            if document.get("Status") in {"DELETED", "VOIDED"}:
                continue
            if any(line.get("ItemCode") == code for line in document.get("LineItems", [])):
                return wire.validation_exception(
                    [
                        dict(
                            existing,
                            ValidationErrors=[
                                {"Message": "This item cannot be deleted as it is used on transactions."}
                            ],
                        )
                    ]
                )
    row_id = existing["ItemID"]
    from app.integrations.sandbox.xero.tables import XeroRecord

    row = call.session.get(XeroRecord, (call.tenant_id, "Item", row_id.lower()))
    if row is not None:
        call.session.delete(row)
    return WebResponse(204)
