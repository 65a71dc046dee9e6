"""Xero: the consent's client, the organisations a token may use, and ``XeroProvider``.

Facts from ../shared/reference/xero.md: PKCE public client (1.2); 30-minute access tokens and rotating
refresh tokens with a 30-minute grace period (1.3); ``/connections`` lists the organisations and every API
call names one in ``xero-tenant-id`` (1.4); granular scopes for apps created after 2 March 2026 (1.5);
``Accept: application/json`` or the answer is XML (2.4); 429 with ``Retry-After`` and
``X-Rate-Limit-Problem`` (2.1); error bodies (2.2, 2.3).

The endpoints and the client id come from configuration (``app.config.PackageSettings``): production
Xero and the sandbox run exactly the same code.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import requests

from app.config import PackageSettings
from app.integrations.base import (
    Account,
    AccountKind,
    CallAllowance,
    Clock,
    Conflict,
    ConnectionEvents,
    Contact,
    ContactDraft,
    ContactPage,
    CreditNoteStyle,
    DailyLimitReached,
    Document,
    DocumentKind,
    DocumentLine,
    DocumentRef,
    DocumentStatus,
    IdempotencyStyle,
    Item,
    ItemDraft,
    NeedsReconnecting,
    NotConfigured,
    NotFound,
    Organisation,
    OutcomeUnknown,
    PackageKind,
    PaymentDraft,
    ProviderCapabilities,
    RateLimited,
    RejectedByPackage,
    RemoteAllocation,
    RemoteDocument,
    RemotePayment,
    RemoteRef,
    RequestKeyReused,
    TaxRate,
    Tenant,
    Transient,
    WriteOutcome,
    utc_now,
)
from app.integrations.http import SAFE_METHODS, HttpClient, retry_after_seconds
from app.integrations.oauth import OAuthClient, RefreshingCredentials, require_safe_transport

logger = logging.getLogger(__name__)

SERVICE = "Xero"
#: Granular scopes, as a Xero app created on or after 2 March 2026 must ask (xero.md 1.5). Items need
#: accounting.invoices or accounting.settings; Accounts, TaxRates and Organisation need accounting.settings.
XERO_SCOPES = (
    "offline_access",
    "accounting.contacts",
    "accounting.invoices",
    "accounting.payments",
    "accounting.settings",
)
#: Contacts page size: Xero clamps pageSize to 1-1000 (xero.md 3.3).
CONTACTS_PAGE_SIZE = 1000
PAYMENTS_PAGE_SIZE = 1000
#: Xero's page size for invoices and credit notes is 100 unless asked otherwise (pageSize up to 1,000).
DOCUMENTS_PAGE_SIZE = 100

XERO_CAPABILITIES = ProviderCapabilities(
    max_batch=50,
    idempotency=IdempotencyStyle.HEADER,
    idempotency_window=dt.timedelta(minutes=6),
    lines_need_items=False,
    line_tax_amount_settable=True,
    credit_note_style=CreditNoteStyle.DOCUMENT,
    updates_need_version=False,
    payments_editable=False,
)

# Xero account Type -> neutral kind (xero.md 4.1). BANK is refined by BankAccountType, CURRENT and CURRLIAB
# by SystemAccount (DEBTORS / CREDITORS).
_ACCOUNT_KINDS = {
    "BANK": AccountKind.BANK,
    "CURRENT": AccountKind.CURRENT_ASSET,
    "PREPAYMENT": AccountKind.CURRENT_ASSET,
    "FIXED": AccountKind.FIXED_ASSET,
    "INVENTORY": AccountKind.INVENTORY,
    "NONCURRENT": AccountKind.OTHER_ASSET,
    "CURRLIAB": AccountKind.CURRENT_LIABILITY,
    "PAYG": AccountKind.CURRENT_LIABILITY,
    "LIABILITY": AccountKind.OTHER_LIABILITY,
    "TERMLIAB": AccountKind.LONG_TERM_LIABILITY,
    "EQUITY": AccountKind.EQUITY,
    "REVENUE": AccountKind.REVENUE,
    "SALES": AccountKind.REVENUE,
    "OTHERINCOME": AccountKind.OTHER_INCOME,
    "DIRECTCOSTS": AccountKind.DIRECT_COSTS,
    "EXPENSE": AccountKind.EXPENSE,
    "OVERHEADS": AccountKind.EXPENSE,
    "DEPRECIATN": AccountKind.OTHER_EXPENSE,
}

_MS_DATE = re.compile(r"/Date\((-?\d+)([+-]\d{4})?\)/")


def parse_xero_datetime(value: Any) -> dt.datetime | None:
    """Xero's JSON dates: ``/Date(1518685950940+0000)/`` (epoch ms), or ISO text; always UTC-aware."""
    if not isinstance(value, str) or not value:
        return None
    match = _MS_DATE.fullmatch(value.strip())
    if match:
        return dt.datetime.fromtimestamp(int(match.group(1)) / 1000, dt.UTC)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_xero_date(value: Any) -> dt.date | None:
    moment = parse_xero_datetime(value)
    return moment.date() if moment else None


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def xero_oauth_client(settings: PackageSettings, *, scopes: tuple[str, ...] = XERO_SCOPES) -> OAuthClient:
    """The consent client for ``settings``; refuses, saying how to set one, when no client id is set."""
    if not settings.client_id:
        raise NotConfigured(settings.how_to_set_client_id())
    return OAuthClient(
        service=SERVICE,
        client_id=settings.client_id,
        authorize_url=settings.endpoints.authorize,
        token_url=settings.endpoints.token,
        revocation_url=settings.endpoints.revocation,
        scopes=scopes,
        redirect_ports=settings.redirect_ports,
        redirect_path=settings.redirect_path,
    )


def _problem_text(response: requests.Response) -> str:
    """The plain reason in a Xero error body (validation messages first, then Message / Detail)."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    messages: list[str] = []
    for element in body.get("Elements") or []:
        if isinstance(element, dict):
            for error in element.get("ValidationErrors") or []:
                if isinstance(error, dict) and error.get("Message"):
                    messages.append(str(error["Message"]))
    if messages:
        return " ".join(dict.fromkeys(messages))
    for key in ("Message", "Detail", "Title"):
        if body.get(key):
            return str(body[key])
    return ""


def list_tenants(
    http: HttpClient, connections_url: str, access_token: str, *, auth_event_id: str | None = None
) -> list[Tenant]:
    """The organisations the token may use (``GET /connections``, Bearer only, no tenant header).

    With ``auth_event_id`` (from the access token's claims), only those chosen in that consent.
    """
    require_safe_transport(connections_url)
    params = {"authEventId": auth_event_id} if auth_event_id else None
    response = http.send(
        "GET",
        connections_url,
        params=params,
        headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json"},
    )
    if response.status_code == 401:
        raise NeedsReconnecting("Xero did not accept LedgerBridge's sign-in. Connect again.")
    if response.status_code >= 500:
        raise Transient(f"Xero could not list the organisations (HTTP {response.status_code}); try again.")
    if response.status_code != 200:
        raise RejectedByPackage(
            _problem_text(response)
            or f"Xero refused to list the organisations (HTTP {response.status_code}).",
            status=response.status_code,
        )
    tenants: list[Tenant] = []
    for entry in response.json() or []:
        if not isinstance(entry, dict) or entry.get("tenantType", "ORGANISATION") != "ORGANISATION":
            continue
        name = str(entry.get("tenantName") or "")
        tenants.append(Tenant(id=str(entry["tenantId"]), name=name, link_id=entry.get("id")))
    return tenants


class XeroProvider:
    """One Xero organisation, reached with a connection's credentials.

    Attributes: ``kind``, ``tenant``, ``capabilities``, ``allowance`` (the calls Xero says are left, from
    the last answer). Errors are ``app.integrations.base`` errors; a 401 renews the sign-in once and
    retries once.
    """

    kind = PackageKind.XERO
    capabilities = XERO_CAPABILITIES

    def __init__(
        self,
        settings: PackageSettings,
        tenant: Tenant,
        credentials: RefreshingCredentials,
        *,
        events: ConnectionEvents,
        http: HttpClient | None = None,
        clock: Clock = utc_now,
    ) -> None:
        for url in (settings.endpoints.api, settings.endpoints.connections):
            require_safe_transport(url)
        self.settings = settings
        self._tenant = tenant
        self.credentials = credentials
        self._events = events
        self.http = http or HttpClient(SERVICE)
        self._clock = clock
        self._allowance: CallAllowance | None = None

    @property
    def tenant(self) -> Tenant:
        return self._tenant

    @property
    def allowance(self) -> CallAllowance | None:
        return self._allowance

    def close(self) -> None:
        self.http.close()

    # -- health --------------------------------------------------------------------------------------------

    def check(self) -> Tenant:
        """Renew the sign-in if due and confirm the organisation is still connected (``/connections``)."""
        token = self.credentials.access_token()
        tenants = list_tenants(self.http, self.settings.endpoints.connections, token)
        found = next((tenant for tenant in tenants if tenant.id == self._tenant.id), None)
        if found is None:
            reason = (
                f"The Xero organisation {self._tenant.name} is no longer connected to LedgerBridge (it was "
                "disconnected in Xero). Reconnect to carry on; your settings are kept."
            )
            self._events.needs_reconnecting(reason)
            raise NeedsReconnecting(reason)
        self._tenant = found
        self._events.call_succeeded(self._clock())
        return found

    # -- reference data ------------------------------------------------------------------------------------

    def organisation(self) -> Organisation:
        body = self._call("GET", "/Organisation")
        entries = body.get("Organisations") or []
        if not entries:
            raise RejectedByPackage("Xero returned no organisation details.")
        entry = entries[0]
        return Organisation(
            tenant_id=str(entry.get("OrganisationID") or self._tenant.id),
            name=str(entry.get("Name") or self._tenant.name),
            country_code=str(entry.get("CountryCode") or ""),
            base_currency=str(entry.get("BaseCurrency") or ""),
            period_lock_date=parse_xero_date(entry.get("PeriodLockDate")),
            is_demo=entry.get("Class") == "DEMO",
        )

    def accounts(self) -> list[Account]:
        """Every account, archived ones included (settings pointing at them must be flagged)."""
        body = self._call("GET", "/Accounts")
        accounts: list[Account] = []
        for entry in body.get("Accounts") or []:
            status = entry.get("Status")
            if status == "DELETED":
                continue
            xero_type = str(entry.get("Type") or "")
            kind = _ACCOUNT_KINDS.get(xero_type, AccountKind.OTHER_ASSET)
            system = entry.get("SystemAccount") or None
            if xero_type == "BANK" and entry.get("BankAccountType") == "CREDITCARD":
                kind = AccountKind.CREDIT_CARD
            elif system == "DEBTORS":
                kind = AccountKind.RECEIVABLE
            elif system == "CREDITORS":
                kind = AccountKind.PAYABLE
            accounts.append(
                Account(
                    remote_id=str(entry["AccountID"]),
                    code=str(entry.get("Code") or ""),
                    name=str(entry.get("Name") or ""),
                    kind=kind,
                    package_type=xero_type,
                    active=status != "ARCHIVED",
                    tax_code=entry.get("TaxType") or None,
                    accepts_payments=xero_type == "BANK" or bool(entry.get("EnablePaymentsToAccount")),
                    system_role=system,
                    description=str(entry.get("Description") or ""),
                )
            )
        return accounts

    def tax_rates(self) -> list[TaxRate]:
        body = self._call("GET", "/TaxRates")
        rates: list[TaxRate] = []
        for entry in body.get("TaxRates") or []:
            if entry.get("Status") == "DELETED":
                continue
            rate = _decimal(entry.get("EffectiveRate"))
            if rate is None:
                rate = _decimal(entry.get("DisplayTaxRate")) or Decimal("0")
            rates.append(
                TaxRate(
                    code=str(entry.get("TaxType") or ""),
                    name=str(entry.get("Name") or ""),
                    rate=rate,
                    active=entry.get("Status", "ACTIVE") == "ACTIVE",
                    for_sales=bool(entry.get("CanApplyToRevenue", True)),
                    for_purchases=bool(entry.get("CanApplyToExpenses", True)),
                )
            )
        return rates

    def items(self) -> list[Item]:
        body = self._call("GET", "/Items")
        items: list[Item] = []
        for entry in body.get("Items") or []:
            sales = entry.get("SalesDetails") or {}
            items.append(
                Item(
                    remote_id=str(entry["ItemID"]),
                    code=str(entry.get("Code") or ""),
                    name=str(entry.get("Name") or ""),
                    description=str(entry.get("Description") or ""),
                    sale_price=_decimal(sales.get("UnitPrice")),
                    income_account_code=sales.get("AccountCode") or None,
                    tax_code=sales.get("TaxType") or None,
                    sold=bool(entry.get("IsSold", True)),
                    purchased=bool(entry.get("IsPurchased", False)),
                )
            )
        return items

    # -- contacts ------------------------------------------------------------------------------------------

    def contacts(
        self, *, include_archived: bool = False, modified_since: dt.datetime | None = None
    ) -> Iterator[ContactPage]:
        """Contacts page by page at Xero's largest page size (1,000), in Xero's stable default order."""
        page = 1
        while True:
            params: dict[str, str | int] = {"page": page, "pageSize": CONTACTS_PAGE_SIZE}
            if include_archived:
                params["includeArchived"] = "true"
            body = self._call("GET", "/Contacts", params=params, headers=_since_header(modified_since))
            entries = body.get("Contacts") or []
            pagination = body.get("pagination") or {}
            page_count = pagination.get("pageCount") if isinstance(pagination, dict) else None
            yield ContactPage(
                contacts=tuple(_contact(entry) for entry in entries),
                page=page,
                page_count=int(page_count) if page_count is not None else None,
            )
            if len(entries) < CONTACTS_PAGE_SIZE or (page_count is not None and page >= int(page_count)):
                return
            page += 1

    # -- sync: writes (issue 4) ----------------------------------------------------------------------------
    #
    # Every batch write goes out with ``summarizeErrors=false`` so each element answers for itself (a
    # bad element otherwise fails the whole call while the good ones are saved and their ids lost,
    # xero.md 3.1), an ``Idempotency-Key`` (3.2), and ``unitdp=4`` where unit amounts are sent, so a unit
    # price with four places is not rounded to two before the line is priced (3.4/4.4).

    def create_contacts(self, contacts: Sequence[ContactDraft], *, request_key: str) -> list[WriteOutcome]:
        """``PUT /Contacts``: create only; a name or contact number already taken is refused, not merged."""
        body = {"Contacts": [_contact_body(draft) for draft in contacts]}
        answer = self._write("PUT", "/Contacts", body, request_key)
        return _outcomes(answer, "Contacts", "ContactID", [draft.key for draft in contacts])

    def update_contacts(self, contacts: Sequence[ContactDraft], *, request_key: str) -> list[WriteOutcome]:
        """``POST /Contacts`` with each ContactID: fields left out are kept (xero.md 4.2)."""
        if any(draft.ref is None for draft in contacts):
            raise ValueError("update_contacts needs each contact's ref")
        body = {"Contacts": [_contact_body(draft) for draft in contacts]}
        answer = self._write("POST", "/Contacts", body, request_key)
        return _outcomes(answer, "Contacts", "ContactID", [draft.key for draft in contacts])

    def create_items(self, items: Sequence[ItemDraft], *, request_key: str) -> list[WriteOutcome]:
        body = {"Items": [_item_body(item) for item in items]}
        answer = self._write("PUT", "/Items", body, request_key, unitdp=True)
        return _outcomes(answer, "Items", "ItemID", [item.key for item in items])

    def create_documents(
        self, kind: DocumentKind, documents: Sequence[Document], *, request_key: str
    ) -> list[WriteOutcome]:
        """``PUT /Invoices`` (or ``/CreditNotes``): create only, so a number Xero already holds is refused
        ("Invoice # must be unique.") rather than the invoice being made twice."""
        shape = _SHAPES[kind]
        if any(document.kind is not kind or document.ref is not None for document in documents):
            raise ValueError("create_documents takes new documents of one kind")
        body = {shape.collection: [_document_body(document) for document in documents]}
        answer = self._write("PUT", "/" + shape.collection, body, request_key, unitdp=True)
        return _outcomes(answer, shape.collection, shape.id_field, [d.key for d in documents])

    def update_documents(
        self, kind: DocumentKind, documents: Sequence[Document], *, request_key: str
    ) -> list[WriteOutcome]:
        """``POST /Invoices`` with each InvoiceID and its lines' LineItemIDs (a line sent without its id is
        replaced, one not sent is deleted: xero.md 4.4). The status is not sent, so a paid invoice stays
        paid and Xero judges only the fields that changed."""
        shape = _SHAPES[kind]
        if any(document.kind is not kind or document.ref is None for document in documents):
            raise ValueError("update_documents takes documents of one kind that Xero holds")
        body = {shape.collection: [_document_body(document) for document in documents]}
        answer = self._write("POST", "/" + shape.collection, body, request_key, unitdp=True)
        return _outcomes(answer, shape.collection, shape.id_field, [d.key for d in documents])

    def void_documents(
        self, kind: DocumentKind, documents: Sequence[DocumentRef], *, request_key: str
    ) -> list[WriteOutcome]:
        """A status-only ``POST`` per document ``{"InvoiceID":..,"Status":"VOIDED"}``: lines untouched."""
        shape = _SHAPES[kind]
        body = {
            shape.collection: [
                {shape.id_field: document.ref.remote_id, "Status": "VOIDED"} for document in documents
            ]
        }
        answer = self._write("POST", "/" + shape.collection, body, request_key)
        return _outcomes(answer, shape.collection, shape.id_field, [d.key for d in documents])

    def allocate_credit(
        self, credit_note: RemoteRef, document: RemoteRef, amount: Decimal, on: dt.date, *, request_key: str
    ) -> RemoteRef:
        """``PUT /CreditNotes/{id}/Allocations`` (a separate call from creating the note, xero.md 4.6)."""
        body = {
            "Allocations": [
                {"Invoice": {"InvoiceID": document.remote_id}, "Amount": amount, "Date": on.isoformat()}
            ]
        }
        answer = self._write("PUT", f"/CreditNotes/{credit_note.remote_id}/Allocations", body, request_key)
        entries = answer.get("Allocations") or []
        if not entries or not isinstance(entries[0], dict):
            raise OutcomeUnknown(
                "Xero's answer to the credit allocation was empty, so it is not known whether it was made.",
                answered=True,
            )
        problem = _element_problem(entries[0])
        if problem:
            raise RejectedByPackage(problem, status=200)
        return RemoteRef(str(entries[0].get("AllocationID") or ""))

    def remove_allocation(self, credit_note: RemoteRef, allocation: RemoteRef) -> None:
        """``DELETE /CreditNotes/{id}/Allocations/{AllocationID}`` (xero.md 4.6): the credit goes back on the
        note and the invoice is owing again. Deleting is idempotent: one already gone answers 404."""
        try:
            self._call("DELETE", f"/CreditNotes/{credit_note.remote_id}/Allocations/{allocation.remote_id}")
        except NotFound:
            logger.info("Allocation %s was already removed", allocation.remote_id)

    def create_payments(self, payments: Sequence[PaymentDraft], *, request_key: str) -> list[WriteOutcome]:
        """``PUT /Payments``: each against its invoice, to an account by code, with our Reference."""
        body = {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": payment.document.remote_id},
                    "Account": {"Code": payment.account_code},
                    "Date": payment.date.isoformat(),
                    "Amount": payment.amount,
                    "Reference": payment.reference,
                }
                for payment in payments
            ]
        }
        answer = self._write("PUT", "/Payments", body, request_key)
        return _outcomes(answer, "Payments", "PaymentID", [payment.key for payment in payments])

    def delete_payment(self, ref: RemoteRef, *, request_key: str) -> None:
        """``POST /Payments/{id}`` with ``{"Status":"DELETED"}``: payments are never edited, only deleted."""
        self._call(
            "POST", f"/Payments/{ref.remote_id}", json={"Status": "DELETED"}, idempotency_key=request_key
        )

    # -- sync: reads ---------------------------------------------------------------------------------------

    def find_documents(
        self, kind: DocumentKind, numbers: Sequence[str], *, contact_ids: Sequence[str] = ()
    ) -> list[RemoteDocument]:
        """By number: ``InvoiceNumbers=`` (chunks of 50: longer lists overflow the URL, xero.md 3.3), paged
        so the lines come back too. Bills add ``ContactIDs=``: their numbers are not unique (4.4)."""
        shape = _SHAPES[kind]
        wanted = list(dict.fromkeys(number for number in numbers if number))
        found: list[RemoteDocument] = []
        for start in range(0, len(wanted), 50):
            chunk = wanted[start : start + 50]
            params: dict[str, str | int] = {}
            if kind is DocumentKind.CREDIT_NOTE:
                params["where"] = " OR ".join(f'CreditNoteNumber=="{_quoted(n)}"' for n in chunk)
            else:
                params["where"] = f'Type=="{shape.xero_type}"'
                params["InvoiceNumbers"] = ",".join(chunk)
                if contact_ids:
                    params["ContactIDs"] = ",".join(dict.fromkeys(contact_ids))
            params.update({"page": 1, "pageSize": 100, "unitdp": 4})
            body = self._call("GET", "/" + shape.collection, params=params)
            for entry in body.get(shape.collection) or []:
                if isinstance(entry, dict):
                    found.append(_remote_document(entry, kind))
        return found

    def get_document(self, kind: DocumentKind, ref: RemoteRef) -> RemoteDocument:
        shape = _SHAPES[kind]
        body = self._call("GET", f"/{shape.collection}/{ref.remote_id}", params={"unitdp": 4})
        entries = body.get(shape.collection) or []
        if not entries:
            raise NotFound("Xero could not find that record.", status=404)
        return _remote_document(entries[0], kind)

    def payments_changed(self, since: dt.datetime | None) -> Iterator[tuple[RemotePayment, ...]]:
        """``GET /Payments`` with ``If-Modified-Since`` (xero.md 3.3, 4.5), a page of 1,000 at a time in
        Xero's default order (UpdatedDateUTC, then id). Deleted payments come too, marked deleted."""
        headers = _since_header(since)
        page = 1
        while True:
            body = self._call(
                "GET", "/Payments", params={"page": page, "pageSize": PAYMENTS_PAGE_SIZE}, headers=headers
            )
            entries = [entry for entry in body.get("Payments") or [] if isinstance(entry, dict)]
            yield tuple(_remote_payment(entry) for entry in entries)
            if len(entries) < PAYMENTS_PAGE_SIZE:
                return
            page += 1

    def documents_voided(
        self, kind: DocumentKind, since: dt.datetime | None
    ) -> Iterator[tuple[RemoteDocument, ...]]:
        """``GET /Invoices?Statuses=VOIDED,DELETED`` (credit notes: ``where=Status==...``, as /CreditNotes
        has no Statuses filter) with ``If-Modified-Since``, a page of 100 at a time in Xero's default order
        (UpdatedDateUTC). Only what changed status comes back, so the check costs a call when nothing did."""
        shape = _SHAPES[kind]
        params: dict[str, str | int] = {"pageSize": DOCUMENTS_PAGE_SIZE}
        if kind is DocumentKind.CREDIT_NOTE:
            params["where"] = f'Type=="{shape.xero_type}" AND (Status=="VOIDED" OR Status=="DELETED")'
        else:
            params["where"] = f'Type=="{shape.xero_type}"'
            params["Statuses"] = "VOIDED,DELETED"
        headers = _since_header(since)
        page = 1
        while True:
            body = self._call("GET", "/" + shape.collection, params={**params, "page": page}, headers=headers)
            entries = [entry for entry in body.get(shape.collection) or [] if isinstance(entry, dict)]
            yield tuple(_remote_document(entry, kind) for entry in entries)
            if len(entries) < DOCUMENTS_PAGE_SIZE:
                return
            page += 1

    def _write(
        self, method: str, path: str, body: dict[str, Any], request_key: str, *, unitdp: bool = False
    ) -> dict[str, Any]:
        params: dict[str, str | int] = {"summarizeErrors": "false"}
        if unitdp:
            params["unitdp"] = 4
        return self._call(method, path, params=params, json=_wire(body), idempotency_key=request_key)

    # -- the one way every API call goes -------------------------------------------------------------------

    def _call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        url = self.settings.endpoints.api.rstrip("/") + path
        extra = dict(headers or {})
        if idempotency_key:
            if len(idempotency_key) > 128:  # Xero's limit (xero.md 3.2)
                raise ValueError("an Idempotency-Key is at most 128 characters")
            extra["Idempotency-Key"] = idempotency_key
        response: requests.Response | None = None
        for attempt in (1, 2):
            token = self.credentials.access_token()
            response = self.http.send(
                method,
                url,
                params=params,
                json=json,
                headers={
                    **extra,
                    "Authorization": f"Bearer {token}",
                    "xero-tenant-id": self._tenant.id,
                    "Accept": "application/json",
                },
            )
            self._note_allowance(response)
            if response.status_code == 401 and attempt == 1:
                # TokenExpired: renew once (unless another thread already did) and retry once.
                self.credentials.refresh(rejected_access_token=token)
                continue
            break
        assert response is not None
        if 200 <= response.status_code < 300:
            self._events.call_succeeded(self._clock())
            if not response.content:
                return {}
            try:
                body = response.json()
            except ValueError:
                raise Transient("Xero sent an answer LedgerBridge could not read; try again.") from None
            return body if isinstance(body, dict) else {"items": body}
        raise self._error(method, response)

    def _note_allowance(self, response: requests.Response) -> None:
        day = response.headers.get("X-DayLimit-Remaining")
        minute = response.headers.get("X-MinLimit-Remaining")
        if day is None and minute is None:
            return
        with contextlib.suppress(ValueError):
            self._allowance = CallAllowance(
                day_remaining=int(day) if day is not None else None,
                minute_remaining=int(minute) if minute is not None else None,
                observed_at=self._clock(),
            )

    def _error(self, method: str, response: requests.Response) -> Exception:
        status = response.status_code
        text = _problem_text(response)
        name = self._tenant.name
        if status == 401:
            reason = (
                "Xero did not accept LedgerBridge's sign-in even after renewing it. Reconnect to carry on; "
                "your settings are kept."
            )
            self.credentials.forget()
            self._events.needs_reconnecting(reason)
            return NeedsReconnecting(reason)
        if status == 403:
            if "AuthenticationUnsuccessful" in text:
                reason = (
                    f"LedgerBridge no longer has access to the Xero organisation {name} (it was disconnected "
                    "in Xero). Reconnect to carry on; your settings are kept."
                )
                self._events.needs_reconnecting(reason)
                return NeedsReconnecting(reason)
            return RejectedByPackage(
                f"Xero refused: the connection does not allow this ({text or 'forbidden'}). Reconnecting "
                "grants the permissions LedgerBridge asks for.",
                status=status,
            )
        if status == 404:
            return NotFound(text or "Xero could not find that record.", status=status)
        if status == 429:
            problem = response.headers.get("X-Rate-Limit-Problem", "").lower()
            seconds = retry_after_seconds(response.headers) or 60.0
            if problem == "day":
                resumes = self._clock() + dt.timedelta(seconds=seconds)
                return DailyLimitReached(
                    "Xero's daily limit reached, sync resumes at "
                    f"{resumes.astimezone():%H:%M on %d %b}.",
                    retry_after=seconds,
                    resumes_at=resumes,
                )
            return RateLimited(
                f"Xero asked LedgerBridge to slow down ({problem or 'rate limit'}); waiting {seconds:.0f} s.",
                retry_after=seconds,
                problem=problem,
            )
        if status in (409, 412):
            return Conflict(text or "The record changed in Xero since LedgerBridge read it.")
        if status == 400 and "Idempotency Key" in text and "different request" in text:
            return RequestKeyReused(text, status=status)
        if 400 <= status < 500:
            return RejectedByPackage(text or f"Xero refused the request (HTTP {status}).", status=status)
        if status == 503:
            return Transient(f"Xero is unavailable for now ({text or 'maintenance'}); LedgerBridge will try "
                             "again.")
        if method not in SAFE_METHODS:
            return OutcomeUnknown(
                f"Xero had a problem ({text or f'HTTP {status}'}), so it is not known whether the change was "
                "made; LedgerBridge checks before sending it again.",
                answered=True,
            )
        return Transient(f"Xero had a problem ({text or f'HTTP {status}'}); LedgerBridge will try again.")


def _contact(entry: Mapping[str, Any]) -> Contact:
    phones = entry.get("Phones") or []
    phone = ""
    for candidate in phones:
        if isinstance(candidate, dict) and candidate.get("PhoneNumber"):
            phone = " ".join(
                str(candidate.get(part) or "")
                for part in ("PhoneCountryCode", "PhoneAreaCode", "PhoneNumber")
                if candidate.get(part)
            )
            if candidate.get("PhoneType") == "DEFAULT":
                break
    address = ""
    for candidate in entry.get("Addresses") or []:
        if not isinstance(candidate, dict):
            continue
        parts = [
            str(candidate.get(key) or "").strip()
            for key in ("AddressLine1", "AddressLine2", "AddressLine3", "AddressLine4", "City", "Region",
                        "PostalCode", "Country")
        ]
        text = ", ".join(part for part in parts if part)
        if text:
            address = text
            if candidate.get("AddressType") == "STREET":
                break
    return Contact(
        ref=RemoteRef(str(entry["ContactID"])),
        name=str(entry.get("Name") or ""),
        first_name=str(entry.get("FirstName") or ""),
        last_name=str(entry.get("LastName") or ""),
        email=str(entry.get("EmailAddress") or ""),
        phone=phone,
        contact_number=str(entry.get("ContactNumber") or ""),
        account_number=str(entry.get("AccountNumber") or ""),
        tax_number=str(entry.get("TaxNumber") or ""),
        address=address,
        is_customer=bool(entry.get("IsCustomer")),
        is_supplier=bool(entry.get("IsSupplier")),
        active=entry.get("ContactStatus", "ACTIVE") == "ACTIVE",
        updated_at=parse_xero_datetime(entry.get("UpdatedDateUTC")),
    )


# -- sync: the wire shapes ---------------------------------------------------------------------------------


class _Shape:
    """Where one kind of document lives in Xero's API."""

    def __init__(self, collection: str, id_field: str, number_field: str, xero_type: str) -> None:
        self.collection = collection
        self.id_field = id_field
        self.number_field = number_field
        self.xero_type = xero_type


_SHAPES = {
    DocumentKind.INVOICE: _Shape("Invoices", "InvoiceID", "InvoiceNumber", "ACCREC"),
    DocumentKind.SUPPLIER_BILL: _Shape("Invoices", "InvoiceID", "InvoiceNumber", "ACCPAY"),
    DocumentKind.CREDIT_NOTE: _Shape("CreditNotes", "CreditNoteID", "CreditNoteNumber", "ACCRECCREDIT"),
}
_KIND_OF_TYPE = {
    "ACCREC": DocumentKind.INVOICE,
    "ACCPAY": DocumentKind.SUPPLIER_BILL,
    "ACCRECCREDIT": DocumentKind.CREDIT_NOTE,
}
_STATUSES = {
    "DRAFT": DocumentStatus.DRAFT,
    "SUBMITTED": DocumentStatus.DRAFT,
    "AUTHORISED": DocumentStatus.OPEN,
    "PAID": DocumentStatus.PAID,
    "VOIDED": DocumentStatus.VOIDED,
    "DELETED": DocumentStatus.DELETED,
}


def _since_header(since: dt.datetime | None) -> dict[str, str]:
    """``If-Modified-Since`` in UTC with its "Z": the contract types the header as an RFC 3339 date-time,
    and Xero's own SDK (xero-node) sends it so."""
    if since is None:
        return {}
    return {"If-Modified-Since": since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def _wire(value: Any) -> Any:
    """``value`` with every Decimal as a JSON number (a float prints a 2- or 4-place amount exactly)."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: _wire(inner) for key, inner in value.items()}
    if isinstance(value, list | tuple):
        return [_wire(inner) for inner in value]
    return value


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _contact_body(draft: ContactDraft) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if draft.ref is not None:
        body["ContactID"] = draft.ref.remote_id
    body["Name"] = draft.name
    for field_name, value in (
        ("ContactNumber", draft.contact_number),
        ("AccountNumber", draft.account_number),
        ("FirstName", draft.first_name),
        ("LastName", draft.last_name),
        ("EmailAddress", draft.email),
        ("TaxNumber", draft.tax_number),
    ):
        if value or draft.ref is not None:
            body[field_name] = value
    if draft.phone:
        body["Phones"] = [{"PhoneType": "DEFAULT", "PhoneNumber": draft.phone}]
    if draft.address:
        # The invoice address is always the contact's POBOX address (xero.md 4.4).
        lines = [part.strip() for part in draft.address.replace("\n", ",").split(",") if part.strip()]
        address: dict[str, str] = {"AddressType": "POBOX"}
        for number, line in enumerate(lines[:4], start=1):
            address[f"AddressLine{number}"] = line[:500]
        body["Addresses"] = [address]
    return body


def _item_body(item: ItemDraft) -> dict[str, Any]:
    body: dict[str, Any] = {"Code": item.code, "Name": item.name or item.code, "IsSold": True}
    if item.description:
        body["Description"] = item.description
    sales: dict[str, Any] = {}
    if item.sale_price is not None:
        sales["UnitPrice"] = item.sale_price
    if item.income_account_code:
        sales["AccountCode"] = item.income_account_code
    if item.tax_code:
        sales["TaxType"] = item.tax_code
    if sales:
        body["SalesDetails"] = sales
    body["IsPurchased"] = False
    return body


def _line_body(line: DocumentLine) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if line.line_id:
        body["LineItemID"] = line.line_id
    if line.item_code:
        body["ItemCode"] = line.item_code
    body["Description"] = line.description
    if line.quantity is not None:
        body["Quantity"] = line.quantity
    if line.unit_amount is not None:
        body["UnitAmount"] = line.unit_amount
    if line.account_code:
        body["AccountCode"] = line.account_code
    if line.tax_code:
        body["TaxType"] = line.tax_code
    if line.tax_amount is not None:
        body["TaxAmount"] = line.tax_amount
    return body


def _document_body(document: Document) -> dict[str, Any]:
    shape = _SHAPES[document.kind]
    body: dict[str, Any] = {}
    if document.ref is not None:
        body[shape.id_field] = document.ref.remote_id
    body["Type"] = shape.xero_type
    body["Contact"] = {"ContactID": document.contact.remote_id}
    body[shape.number_field] = document.number
    body["Date"] = document.date.isoformat()
    if document.due_date is not None and document.kind is not DocumentKind.CREDIT_NOTE:
        body["DueDate"] = document.due_date.isoformat()
    if document.kind is not DocumentKind.SUPPLIER_BILL:
        # Reference is for sales documents only (xero.md 4.4); sent even when empty so a cleared one clears.
        body["Reference"] = document.reference
    body["LineAmountTypes"] = "Inclusive" if document.amounts_include_tax else "Exclusive"
    if document.ref is None:
        body["Status"] = "AUTHORISED"
    body["LineItems"] = [_line_body(line) for line in document.lines]
    return body


def _element_problem(element: Mapping[str, Any]) -> str | None:
    errors = [
        str(error.get("Message"))
        for error in element.get("ValidationErrors") or []
        if isinstance(error, dict) and error.get("Message")
    ]
    if errors:
        return " ".join(dict.fromkeys(errors))
    if element.get("StatusAttributeString") == "ERROR" or element.get("HasErrors") is True:
        return "Xero refused it without saying why."
    return None


def _outcomes(
    answer: Mapping[str, Any], collection: str, id_field: str, keys: list[str]
) -> list[WriteOutcome]:
    """One outcome per key, from the answer's elements (Xero answers them in the order sent)."""
    elements = [entry for entry in answer.get(collection) or [] if isinstance(entry, dict)]
    if len(elements) != len(keys):
        raise OutcomeUnknown(
            f"Xero answered {len(elements)} of {len(keys)} records sent, so it is not known which were "
            "saved; LedgerBridge checks before sending them again.",
            answered=True,
        )
    outcomes: list[WriteOutcome] = []
    for key, element in zip(keys, elements, strict=True):
        problem = _element_problem(element)
        if problem is not None:
            outcomes.append(WriteOutcome(key, problem=problem))
            continue
        remote_id = element.get(id_field)
        if not remote_id:
            outcomes.append(WriteOutcome(key, problem=f"Xero's answer has no {id_field}."))
            continue
        line_ids = tuple(
            str(line.get("LineItemID") or "")
            for line in element.get("LineItems") or []
            if isinstance(line, dict)
        )
        total = _decimal(element.get("Total"))
        outcomes.append(WriteOutcome(key, ref=RemoteRef(str(remote_id)), line_ids=line_ids, total=total))
    return outcomes


def _remote_payment(entry: Mapping[str, Any], *, document_id: str | None = None) -> RemotePayment:
    invoice = entry.get("Invoice") if isinstance(entry.get("Invoice"), dict) else None
    note = entry.get("CreditNote") if isinstance(entry.get("CreditNote"), dict) else None
    kind: DocumentKind | None = None
    number = ""
    if invoice is not None:
        kind = _KIND_OF_TYPE.get(str(invoice.get("Type") or "ACCREC"))
        document_id = document_id or str(invoice.get("InvoiceID") or "")
        number = str(invoice.get("InvoiceNumber") or "")
    elif note is not None:
        kind = DocumentKind.CREDIT_NOTE
        document_id = document_id or str(note.get("CreditNoteID") or "")
        number = str(note.get("CreditNoteNumber") or "")
    elif document_id is not None:
        kind = DocumentKind.INVOICE
    account = entry.get("Account") if isinstance(entry.get("Account"), dict) else {}
    assert isinstance(account, dict)
    return RemotePayment(
        ref=RemoteRef(str(entry.get("PaymentID") or "")),
        document_id=document_id or "",
        amount=_decimal(entry.get("Amount")) or Decimal("0"),
        date=parse_xero_date(entry.get("Date")) or dt.date(1970, 1, 1),
        account_code=str(account.get("Code") or ""),
        reference=str(entry.get("Reference") or ""),
        deleted=str(entry.get("Status") or "AUTHORISED") == "DELETED",
        updated_at=parse_xero_datetime(entry.get("UpdatedDateUTC")),
        document_kind=kind,
        document_number=number,
    )


def _remote_document(entry: Mapping[str, Any], kind: DocumentKind) -> RemoteDocument:
    shape = _SHAPES[kind]
    remote_id = str(entry.get(shape.id_field) or "")
    contact = entry.get("Contact") if isinstance(entry.get("Contact"), dict) else {}
    assert isinstance(contact, dict)
    total = _decimal(entry.get("Total")) or Decimal("0")
    if kind is DocumentKind.CREDIT_NOTE:
        due = _decimal(entry.get("RemainingCredit"))
        paid = _decimal(entry.get("AppliedAmount"))
    else:
        due = _decimal(entry.get("AmountDue"))
        paid = _decimal(entry.get("AmountPaid"))
    allocations = tuple(
        RemoteAllocation(
            ref=RemoteRef(str(allocation.get("AllocationID") or "")),
            document_id=str((allocation.get("Invoice") or {}).get("InvoiceID") or ""),
            amount=_decimal(allocation.get("Amount")) or Decimal("0"),
            date=parse_xero_date(allocation.get("Date")),
        )
        for allocation in entry.get("Allocations") or []
        if isinstance(allocation, dict)
    )
    return RemoteDocument(
        ref=RemoteRef(remote_id),
        kind=_KIND_OF_TYPE.get(str(entry.get("Type") or ""), kind),
        number=str(entry.get(shape.number_field) or ""),
        contact_id=str(contact.get("ContactID") or ""),
        total=total,
        amount_due=due if due is not None else total,
        amount_paid=paid or Decimal("0"),
        status=_STATUSES.get(str(entry.get("Status") or ""), DocumentStatus.DRAFT),
        updated_at=parse_xero_datetime(entry.get("UpdatedDateUTC")),
        reference=str(entry.get("Reference") or ""),
        date=parse_xero_date(entry.get("Date")),
        line_ids=tuple(
            str(line.get("LineItemID") or "")
            for line in entry.get("LineItems") or []
            if isinstance(line, dict)
        ),
        payments=tuple(
            _remote_payment(payment, document_id=remote_id)
            for payment in entry.get("Payments") or []
            if isinstance(payment, dict)
        ),
        allocations=allocations,
    )
