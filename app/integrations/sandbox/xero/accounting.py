"""The Accounting API's common ground: one call's context, body reading, listing, batches and errors.

Resource handlers (``settings.py``, ``contacts.py``, ``invoices.py``, ``payments.py``) take an ``ApiCall``
and answer a ``WebResponse``; ``emulator.py`` has already checked the token, tenant, scope, rate limits and
idempotency, and runs each call in one transaction of the state file.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.integrations.sandbox.web import Router, WebRequest, WebResponse
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.records import Document, Records
from app.integrations.sandbox.xero.tables import XeroOrganisation
from app.integrations.sandbox.xero.where import WhereError, apply_order, parse_where, pinned_texts

API_BASE = "/xero/api/api.xro/2.0"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000


class Refused(Exception):
    """One element cannot be saved; ``messages`` are Xero's validation messages for it."""

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)


class Unreadable(Exception):
    """The request body or a parameter cannot be read at all (400 PostDataInvalid / QueryParse)."""

    def __init__(self, response: WebResponse) -> None:
        super().__init__("unreadable request")
        self.response = response


@dataclass
class ApiCall:
    """One Accounting API call: the request, the organisation and its records, the time."""

    request: WebRequest
    session: Session
    organisation: XeroOrganisation
    records: Records
    now: dt.datetime
    client_id: str

    @property
    def tenant_id(self) -> str:
        return self.organisation.tenant_id

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.request.arg(name)
        if value is None:
            return default
        return value.strip().lower() == "true"

    @property
    def summarize_errors(self) -> bool:
        """``summarizeErrors`` (default true): one bad element fails the whole call with 400."""
        return self.flag("summarizeErrors", True)

    @property
    def unit_places(self) -> int:
        return 4 if (self.request.arg("unitdp") or "").strip() == "4" else 2

    def ok(self, key: str, items: list[Document], **extra: Any) -> WebResponse:
        return WebResponse.json(200, wire.envelope(self.now, key, items, **extra))

    def elements(self, key: str) -> list[Document]:
        """The documents in the body: ``{"Invoices":[...]}``, or one bare object as some calls send."""
        if not self.request.body.strip():
            raise Unreadable(wire.post_data_invalid("The request body is empty."))
        try:
            payload = self.request.json()
        except ValueError as exc:
            raise Unreadable(wire.post_data_invalid(f"The request body is not valid JSON: {exc}")) from exc
        if isinstance(payload, dict) and key in payload:
            payload = payload[key]
        elif isinstance(payload, dict):
            lowered = {k.lower(): v for k, v in payload.items()}
            payload = lowered.get(key.lower(), [payload])
        if isinstance(payload, dict):
            payload = [payload]
        if not isinstance(payload, list) or not all(isinstance(e, dict) for e in payload):
            raise Unreadable(wire.post_data_invalid(f"Expected a list of {key}."))
        return payload


def modified_since(request: WebRequest) -> dt.datetime | None:
    """The ``If-Modified-Since`` header: ISO (UTC unless it says otherwise) or an HTTP date."""
    text = (request.headers.get("If-Modified-Since") or "").strip()
    if not text:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError) as exc:
            raise Unreadable(
                wire.post_data_invalid(f"'{text}' is not a valid If-Modified-Since value.")
            ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def query_parse_error(message: str) -> WebResponse:
    return WebResponse.json(400, {"ErrorNumber": 16, "Type": "QueryParseException", "Message": message})


def filtered(call: ApiCall, documents: list[Document], *, default_order: str | None = None) -> list[Document]:
    """``where`` and ``order`` applied to ``documents``."""
    where = call.request.arg("where")
    order = call.request.arg("order") or default_order
    try:
        if where and where.strip():
            predicate = parse_where(where)
            documents = [d for d in documents if predicate(d)]
        if order and order.strip():
            documents = apply_order(documents, order)
    except WhereError as exc:
        raise Unreadable(query_parse_error(str(exc))) from exc
    return documents


def where_pins(call: ApiCall, path: str) -> frozenset[str] | None:
    """The texts (lower case) the call's ``where`` pins field ``path`` to (see ``pinned_texts``), or None:
    what a read may look up through an index before ``filtered`` applies the whole filter."""
    where = call.request.arg("where")
    if not where or not where.strip():
        return None
    try:
        return pinned_texts(where, path)
    except WhereError:
        return None  # ``filtered`` answers it with Xero's QueryParseException


def page_of(call: ApiCall, documents: list[Document]) -> tuple[list[Document], dict[str, int] | None]:
    """The requested page and the ``pagination`` object, or everything and None when no page was asked."""
    page_text = call.request.arg("page")
    if page_text is None:
        return documents, None
    try:
        page = max(1, int(page_text))
        size_text = call.request.arg("pageSize")
        size = DEFAULT_PAGE_SIZE if size_text is None else int(size_text)
    except ValueError as exc:
        raise Unreadable(query_parse_error("page and pageSize must be whole numbers")) from exc
    size = min(MAX_PAGE_SIZE, max(1, size))
    count = len(documents)
    pagination = {"page": page, "pageSize": size, "pageCount": math.ceil(count / size), "itemCount": count}
    return documents[(page - 1) * size : page * size], pagination


def id_list(call: ApiCall, name: str) -> list[str]:
    value = call.request.arg(name)
    return [part.strip() for part in value.split(",") if part.strip()] if value else []


def echo_with_errors(element: Document, messages: list[str], *, flag: str | None) -> Document:
    """The submitted element sent back with its ``ValidationErrors`` (and ``HasErrors`` or similar)."""
    echo = dict(element)
    echo["StatusAttributeString"] = "ERROR"
    if flag:
        echo[flag] = True
    echo["ValidationErrors"] = [{"Message": message} for message in messages]
    return echo


def run_batch(
    call: ApiCall,
    key: str,
    elements: list[Document],
    save_one: Callable[[Document], Document],
    *,
    error_flag: str | None,
) -> WebResponse:
    """Save each element; Xero's two ways of answering a batch with failures (reference 3.1, 5.12).

    With ``summarizeErrors`` (the default), one bad element makes the whole answer a 400 while the good
    ones stay saved (xero-ruby#247). With ``summarizeErrors=false`` the answer is 200 and every element
    says ``OK`` or ``ERROR`` with its own messages.
    """
    results: list[Document] = []
    failures: list[Document] = []
    for element in elements:
        savepoint = call.session.begin_nested()
        try:
            saved = save_one(element)
        except Refused as refusal:
            savepoint.rollback()
            echo = echo_with_errors(element, refusal.messages, flag=error_flag)
            failures.append(echo)
            results.append(echo)
            continue
        savepoint.commit()
        if not call.summarize_errors:
            saved = dict(saved)
            saved["StatusAttributeString"] = "OK"
            if error_flag:
                saved[error_flag] = False
        results.append(saved)
    if failures and call.summarize_errors:
        return wire.validation_exception(failures)
    return call.ok(key, results)


def money(value: Decimal | int | None) -> Decimal:
    return wire.cents(Decimal(value or 0))


ApiHandler = Callable[[ApiCall], WebResponse]


@dataclass(frozen=True)
class Needs:
    """What a route needs: its scope area (``apps.AREA_SCOPES``) and whether it writes."""

    area: str
    write: bool


class AccountingRoutes:
    """The Accounting API's routes, each with the scope area it needs."""

    def __init__(self) -> None:
        self.router: Router[ApiHandler] = Router(API_BASE, ignore_case=True)

    def add(self, method: str, template: str, handler: ApiHandler, area: str) -> None:
        self.router.add(method, template, handler, Needs(area, method.upper() != "GET"))
