"""The Xero emulator: identity server, ``/connections`` and the Accounting API behind Xero's gateway.

The gateway checks, in Xero's order: the bearer token (401), the ``xero-tenant-id`` header and the
user's connection to that organisation (403 AuthenticationUnsuccessful), the token's scopes (403), the
rate limits (429 with ``X-Rate-Limit-Problem``), then replays or records an ``Idempotency-Key`` and runs
the call in one transaction. Every Accounting API answer past the token check carries
``X-DayLimit-Remaining``, ``X-MinLimit-Remaining`` and ``X-AppMinLimit-Remaining``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import delete

from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.faults import Fault, FaultKind
from app.integrations.sandbox.rate_limits import LimitVerdict, RateLimiter, RateLimits
from app.integrations.sandbox.store import SandboxStore
from app.integrations.sandbox.web import WebRequest, WebResponse
from app.integrations.sandbox.xero import contacts, invoices, payments, settings, wire
from app.integrations.sandbox.xero.accounting import API_BASE, AccountingRoutes, ApiCall, Needs, Unreadable
from app.integrations.sandbox.xero.apps import DEMO_CLIENT_ID, allows
from app.integrations.sandbox.xero.identity import (
    API_PREFIX,
    AUTHORIZE_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
    AccessGrant,
    XeroIdentity,
)
from app.integrations.sandbox.xero.records import Records, ensure_index_keys
from app.integrations.sandbox.xero.seed import seed_demo_organisations
from app.integrations.sandbox.xero.tables import XeroIdempotentReply, XeroOrganisation
from app.integrations.sandbox.xero.xml import to_xml

logger = logging.getLogger(__name__)

IDEMPOTENCY_WINDOW = dt.timedelta(seconds=360)
IDEMPOTENCY_KEY_LIMIT = 128
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


class XeroSandbox:
    """Everything under ``{base}/xero``: login, identity and api hosts, each a path prefix."""

    prefix = "/xero"

    def __init__(
        self,
        store: SandboxStore,
        clock: SandboxClock,
        base_url: Callable[[], str],
        limits: RateLimits | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._base_url = base_url
        self.identity = XeroIdentity(store, clock, base_url)
        self.limiter = RateLimiter(clock, limits)
        self.routes = AccountingRoutes()
        for module in (settings, contacts, invoices, payments):
            module.register(self.routes)
        ensure_index_keys(store)
        seed_demo_organisations(store, clock.now())

    def endpoints(self, base_url: str) -> dict[str, str]:
        return {
            "authorize": base_url + AUTHORIZE_PATH,
            "token": base_url + TOKEN_PATH,
            "revoke": base_url + REVOCATION_PATH,
            "connections": base_url + API_PREFIX + "/connections",
            "api": base_url + API_BASE,
            "client_id": DEMO_CLIENT_ID,
        }

    def reset(self) -> None:
        """Back to the freshly seeded demo organisations (the state file was wiped by the caller)."""
        self.identity.forget_keys()
        self.limiter.reset()
        ensure_index_keys(self._store)
        seed_demo_organisations(self._store, self._clock.now())

    def is_api(self, request: WebRequest) -> bool:
        """Whether a fault without a path applies: the API host, not the sign-in pages or tokens."""
        return request.path.lower().startswith(API_PREFIX)

    def handle(self, request: WebRequest) -> WebResponse:
        for router in (self.identity.router, self.identity.connections_router):
            route, known = router.match(request)
            if route is not None:
                return route.handler(request)
            if known:
                return WebResponse.text(405, "Method Not Allowed")
        if request.path.lower().startswith(API_BASE.lower()):
            return self._accounting(request)
        return wire.not_found()

    def fault_response(self, fault: Fault, request: WebRequest) -> WebResponse:
        """Xero's answer for a fault that replaces the call."""
        if fault.kind is FaultKind.RATE_LIMITED:
            response = wire.rate_limited_body()
            tenant = request.headers.get("xero-tenant-id") or ""
            snapshot = self.limiter.snapshot(tenant.lower())
            minute = 0 if fault.problem == "minute" else snapshot.minute_remaining
            day = 0 if fault.problem == "day" else snapshot.day_remaining
            app = 0 if fault.problem == "appminute" else snapshot.app_minute_remaining
            _limit_headers(response, LimitVerdict(False, minute, day, app, fault.problem, fault.retry_after))
            return response
        if fault.kind is FaultKind.UNAVAILABLE:
            return wire.unavailable()
        return wire.server_error()

    # ----- the Accounting API gateway -------------------------------------------------------------

    def _accounting(self, request: WebRequest) -> WebResponse:
        grant = self.identity.authenticate(request)
        if isinstance(grant, WebResponse):
            return grant
        tenant_id = (request.headers.get("xero-tenant-id") or "").strip().lower()
        if not _UUID.match(tenant_id):
            return wire.forbidden()
        with self._store.transaction() as session:
            organisation = session.get(XeroOrganisation, tenant_id)
            if organisation is None or self.identity.active_connection(session, grant, tenant_id) is None:
                return wire.forbidden()
        route, known = self.routes.router.match(request)
        if route is None:
            return wire.not_found() if not known else WebResponse.text(405, "Method Not Allowed")
        needs: Needs = route.meta
        if not allows(set(grant.scopes), needs.area, write=needs.write):
            return wire.forbidden("AuthorizationUnsuccessful")
        verdict = self.limiter.enter(tenant_id)
        if not verdict.allowed:
            response = wire.rate_limited_body()
            _limit_headers(response, verdict)
            return response
        try:
            response = self._run(request, route.handler, grant, tenant_id)
        except BaseException:
            self.limiter.leave(tenant_id)
            raise
        # Counted as in progress until the answer has gone (or been dropped): a held answer still counts.
        response.on_finished.append(lambda: self.limiter.leave(tenant_id))
        _limit_headers(response, verdict)
        return response

    def _run(
        self,
        request: WebRequest,
        handler: Callable[[ApiCall], WebResponse],
        grant: AccessGrant,
        tenant_id: str,
    ) -> WebResponse:
        key = request.headers.get("Idempotency-Key") if request.method in {"PUT", "POST", "PATCH"} else None
        if key is not None and not 0 < len(key) <= IDEMPOTENCY_KEY_LIMIT:
            return wire.bad_request(
                f"Idempotency Key must be between 1 and {IDEMPOTENCY_KEY_LIMIT} characters long."
            )
        request_digest = hashlib.sha256(
            b"\n".join([request.method.encode(), request.raw_target.encode(), request.body])
        ).hexdigest()
        now = self._clock.now()
        with self._store.transaction() as session:
            if key is not None:
                kept = session.get(XeroIdempotentReply, (grant.client_id, key))
                if kept is not None and now - kept.created_utc < IDEMPOTENCY_WINDOW:
                    if kept.request_digest != request_digest:
                        return wire.bad_request(f"Idempotency Key: {key} is used with a different request.")
                    replay = WebResponse(kept.status, kept.body.encode("utf-8"))
                    replay.headers.set("Content-Type", kept.content_type)
                    return replay
                if kept is not None:
                    session.execute(
                        delete(XeroIdempotentReply).where(
                            XeroIdempotentReply.client_id == grant.client_id, XeroIdempotentReply.key == key
                        )
                    )
            organisation = session.get(XeroOrganisation, tenant_id)
            assert organisation is not None
            call = ApiCall(
                request=request,
                session=session,
                organisation=organisation,
                records=Records(session, tenant_id),
                now=now,
                client_id=grant.client_id,
            )
            try:
                response = handler(call)
            except Unreadable as unreadable:
                response = unreadable.response
            response = _negotiate(request, response)
            if key is not None:
                session.add(
                    XeroIdempotentReply(
                        client_id=grant.client_id,
                        key=key,
                        request_digest=request_digest,
                        status=response.status,
                        content_type=response.headers.get("Content-Type") or "",
                        body=response.body.decode("utf-8"),
                        created_utc=now,
                    )
                )
        return response


def _limit_headers(response: WebResponse, verdict: LimitVerdict) -> None:
    response.headers.set("X-DayLimit-Remaining", str(verdict.day_remaining))
    response.headers.set("X-MinLimit-Remaining", str(verdict.minute_remaining))
    response.headers.set("X-AppMinLimit-Remaining", str(verdict.app_minute_remaining))
    if verdict.problem is not None:
        response.headers.set("X-Rate-Limit-Problem", verdict.problem)
    # Xero sends Retry-After for the minute and day limits only (developer.xero.com, API limits).
    if verdict.retry_after is not None and verdict.problem in {"minute", "day"}:
        response.headers.set("Retry-After", str(verdict.retry_after))


def _negotiate(request: WebRequest, response: WebResponse) -> WebResponse:
    """JSON when the client accepts it; otherwise XML, Xero's default (reference 2.4)."""
    accept = (request.headers.get("Accept") or "").lower()
    content_type = (response.headers.get("Content-Type") or "").lower()
    if "application/json" in accept or not content_type.startswith("application/json"):
        return response
    payload: Any = _json_or_none(response.body)
    if payload is None:
        return response
    converted = WebResponse.text(response.status, to_xml(payload), "text/xml; charset=utf-8")
    for name, value in response.headers.items():
        if name.lower() != "content-type":
            converted.headers.set(name, value)
    return converted


def _json_or_none(body: bytes) -> Any:
    import json
    from decimal import Decimal

    try:
        return json.loads(body.decode("utf-8"), parse_float=Decimal)
    except ValueError:
        return None
