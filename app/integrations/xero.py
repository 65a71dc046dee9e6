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
from collections.abc import Iterator, Mapping
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
    ContactPage,
    CreditNoteStyle,
    DailyLimitReached,
    IdempotencyStyle,
    Item,
    NeedsReconnecting,
    NotConfigured,
    NotFound,
    Organisation,
    OutcomeUnknown,
    PackageKind,
    ProviderCapabilities,
    RateLimited,
    RejectedByPackage,
    RemoteRef,
    TaxRate,
    Tenant,
    Transient,
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
            headers = {}
            if modified_since is not None:
                # "A UTC timestamp (yyyy-mm-ddThh:mm:ss)" (xero.md 3.3)
                headers["If-Modified-Since"] = modified_since.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S")
            body = self._call("GET", "/Contacts", params=params, headers=headers)
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
        if 400 <= status < 500:
            return RejectedByPackage(text or f"Xero refused the request (HTTP {status}).", status=status)
        if status == 503:
            return Transient(f"Xero is unavailable for now ({text or 'maintenance'}); LedgerBridge will try "
                             "again.")
        if method not in SAFE_METHODS:
            return OutcomeUnknown(
                f"Xero had a problem ({text or f'HTTP {status}'}), so it is not known whether the change was "
                "made; LedgerBridge checks before sending it again."
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
