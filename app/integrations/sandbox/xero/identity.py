"""Xero's identity server, emulated: consent page, token endpoint, revocation and ``/connections``.

Behaviour per ../shared/reference/xero.md sections 1 and 5 (items 1-5): PKCE S256 required, the client
id and redirect URI matched exactly (a mismatch is an error page, never a redirect), single-use codes
that expire after 5 minutes, 30-minute access tokens, rotating refresh tokens whose predecessor keeps
working for a 30-minute grace period, refresh tokens lapsing after 60 days unused, revocation removing
all of the user's connections to the app.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import html
import json
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.store import SandboxStore
from app.integrations.sandbox.web import Handler, Router, WebRequest, WebResponse
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.apps import (
    DEMO_USER_EMAIL,
    DEMO_USER_ID,
    DEMO_USER_NAME,
    REGISTERED_APPS,
    RegisteredApp,
    scope_problem,
)
from app.integrations.sandbox.xero.tables import (
    XeroAuthorizationCode,
    XeroConnection,
    XeroConsentRequest,
    XeroOrganisation,
    XeroRefreshToken,
)

logger = logging.getLogger(__name__)

ACCESS_TOKEN_LIFETIME = dt.timedelta(minutes=30)
ID_TOKEN_LIFETIME = dt.timedelta(minutes=5)
CODE_LIFETIME = dt.timedelta(minutes=5)
CONSENT_PAGE_LIFETIME = dt.timedelta(minutes=15)
REFRESH_GRACE_PERIOD = dt.timedelta(minutes=30)
REFRESH_IDLE_LIMIT = dt.timedelta(days=60)

LOGIN_PREFIX = "/xero/login"
IDENTITY_PREFIX = "/xero/identity"
API_PREFIX = "/xero/api"
AUTHORIZE_PATH = f"{LOGIN_PREFIX}/identity/connect/authorize"
TOKEN_PATH = f"{IDENTITY_PREFIX}/connect/token"
REVOCATION_PATH = f"{IDENTITY_PREFIX}/connect/revocation"

SCOPE_WORDING = {
    "offline_access": "Stay connected when you are not using the app",
    "openid": "Know who you are in Xero",
    "profile": "View your name",
    "email": "View your email address",
    "accounting.settings": "View and manage your organisation settings (chart of accounts, tax rates)",
    "accounting.settings.read": "View your organisation settings",
    "accounting.contacts": "View and manage your contacts",
    "accounting.contacts.read": "View your contacts",
    "accounting.invoices": "View and manage your invoices, credit notes and items",
    "accounting.invoices.read": "View your invoices, credit notes and items",
    "accounting.payments": "View and manage your payments",
    "accounting.payments.read": "View your payments",
}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def pkce_challenge(verifier: str) -> str:
    """BASE64URL(SHA256(verifier)) without padding (RFC 7636, method S256)."""
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


class TokenSigner:
    """Signs and checks the emulator's JWTs (HS256 with a key kept in the state file)."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def sign(self, claims: dict[str, Any]) -> str:
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signature = hmac.new(self._key, f"{header}.{payload}".encode("ascii"), hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    def claims(self, token: str) -> dict[str, Any] | None:
        """The token's claims if its signature is ours, else None (expiry is the caller's business)."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        expected = hmac.new(self._key, f"{parts[0]}.{parts[1]}".encode("ascii"), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(expected, _b64url_decode(parts[2])):
                return None
            claims = json.loads(_b64url_decode(parts[1]))
        except ValueError:
            return None
        return claims if isinstance(claims, dict) else None


@dataclass(frozen=True)
class AccessGrant:
    """What a valid access token lets its bearer do."""

    client_id: str
    user_id: str
    scopes: frozenset[str]
    auth_event_id: str


class XeroIdentity:
    """The emulated login.xero.com and identity.xero.com, and ``/connections`` on api.xero.com."""

    def __init__(self, store: SandboxStore, clock: SandboxClock, base_url: Callable[[], str]) -> None:
        self._store = store
        self._clock = clock
        self._base_url = base_url
        self._signer: TokenSigner | None = None
        self.router: Router[Handler] = Router()
        self.router.add("GET", AUTHORIZE_PATH, self.authorize_page)
        self.router.add("POST", AUTHORIZE_PATH, self.consent_answer)
        self.router.add("POST", TOKEN_PATH, self.token)
        self.router.add("POST", REVOCATION_PATH, self.revoke)
        self.router.add("GET", f"{IDENTITY_PREFIX}/.well-known/openid-configuration", self.discovery)
        self.connections_router: Router[Handler] = Router(API_PREFIX, ignore_case=True)
        self.connections_router.add("GET", "/connections", self.list_connections)
        self.connections_router.add("DELETE", "/connections/{connection_id}", self.delete_connection)

    # ----- keys and tokens -----------------------------------------------------------------------

    def signer(self, session: Session | None = None) -> TokenSigner:
        """The signer with this state file's key (made on first use); pass the open session inside one."""
        if self._signer is None:
            if session is None:
                with self._store.transaction() as own_session:
                    key = self._signing_key(own_session)
            else:
                key = self._signing_key(session)
            self._signer = TokenSigner(bytes.fromhex(key))
        return self._signer

    def _signing_key(self, session: Session) -> str:
        key = self._store.setting(session, "xero.signing_key")
        if key is None:
            key = secrets.token_hex(32)
            self._store.put_setting(session, "xero.signing_key", key)
        return key

    def forget_keys(self) -> None:
        self._signer = None

    def authenticate(self, request: WebRequest) -> AccessGrant | WebResponse:
        """The grant behind the request's bearer token, or Xero's 401 body."""
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return wire.unauthorized("AuthenticationUnsuccessful")
        claims = self.signer().claims(token.strip())
        if claims is None or "exp" not in claims:
            return wire.unauthorized("TokenInvalid: signature validation failed")
        expires = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
        if self._clock.now() >= expires:
            return wire.unauthorized(f"TokenExpired: token expired at {expires:%m/%d/%Y %H:%M:%S}")
        scope = claims.get("scope", [])
        return AccessGrant(
            client_id=str(claims.get("client_id")),
            user_id=str(claims.get("sub")),
            scopes=frozenset(scope if isinstance(scope, list) else str(scope).split()),
            auth_event_id=str(claims.get("authentication_event_id")),
        )

    def _issue_tokens(
        self, session: Session, *, client_id: str, user_id: str, scope: str, auth_event_id: str
    ) -> dict[str, Any]:
        now = self._clock.now()
        issuer = self._base_url() + IDENTITY_PREFIX
        epoch = int(now.timestamp())
        session_id = hashlib.sha256(f"{user_id}:{auth_event_id}".encode()).hexdigest()[:32]
        signer = self.signer(session)
        access = signer.sign(
            {
                "nbf": epoch,
                "exp": epoch + int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                "iss": issuer,
                "aud": f"{issuer}/resources",
                "client_id": client_id,
                "sub": user_id,
                "auth_time": epoch,
                "xero_userid": user_id,
                "global_session_id": session_id,
                "sid": session_id,
                "jti": secrets.token_hex(16),
                "authentication_event_id": auth_event_id,
                "scope": scope.split(),
            }
        )
        body: dict[str, Any] = {}
        scopes = scope.split()
        if "openid" in scopes:
            given, _, family = DEMO_USER_NAME.partition(" ")
            body["id_token"] = signer.sign(
                {
                    "nbf": epoch,
                    "exp": epoch + int(ID_TOKEN_LIFETIME.total_seconds()),
                    "iss": issuer,
                    "aud": client_id,
                    "iat": epoch,
                    "auth_time": epoch,
                    "sub": user_id,
                    "xero_userid": user_id,
                    "email": DEMO_USER_EMAIL,
                    "given_name": given,
                    "family_name": family,
                    "global_session_id": session_id,
                    "sid": session_id,
                }
            )
        body.update(
            {
                "access_token": access,
                "expires_in": int(ACCESS_TOKEN_LIFETIME.total_seconds()),
                "token_type": "Bearer",
            }
        )
        if "offline_access" in scopes:
            refresh = secrets.token_urlsafe(32)
            session.add(
                XeroRefreshToken(
                    token_digest=digest(refresh),
                    client_id=client_id,
                    user_id=user_id,
                    scope=scope,
                    auth_event_id=auth_event_id,
                    issued_utc=now,
                    last_used_utc=now,
                )
            )
            body["refresh_token"] = refresh
        body["scope"] = scope
        return body

    # ----- authorize and consent ------------------------------------------------------------------

    def authorize_page(self, request: WebRequest) -> WebResponse:
        client_id = request.arg("client_id", ignore_case=False) or ""
        redirect_uri = request.arg("redirect_uri", ignore_case=False) or ""
        app = REGISTERED_APPS.get(client_id)
        # Xero shows an error page (never a redirect) when the authorize URL itself is wrong: the redirect
        # URI cannot be trusted until it matches one registered for the client, character for character.
        if app is None:
            return _error_page("unauthorized_client", "Unknown client or client not enabled")
        if redirect_uri not in app.redirect_uris:
            return _error_page("unauthorized_client", "Invalid redirect_uri")
        if request.arg("response_type", ignore_case=False) != "code":
            return _error_page("unsupported_response_type", "Response type not supported")
        scope = " ".join((request.arg("scope", ignore_case=False) or "").split())
        problem_text = scope_problem(app, scope)
        if problem_text is not None:
            return _error_page("invalid_scope", problem_text)
        challenge = request.arg("code_challenge", ignore_case=False) or ""
        method = request.arg("code_challenge_method", ignore_case=False) or "plain"
        if not challenge:
            return _error_page("invalid_request", "code challenge required")
        if method != "S256":
            return _error_page("invalid_request", "Transform algorithm not supported")
        if not 43 <= len(challenge) <= 128:
            return _error_page("invalid_request", "Invalid code_challenge")
        request_id = secrets.token_urlsafe(24)
        with self._store.transaction() as session:
            session.add(
                XeroConsentRequest(
                    request_id=request_id,
                    client_id=client_id,
                    redirect_uri=redirect_uri,
                    scope=scope,
                    state=request.arg("state", ignore_case=False),
                    code_challenge=challenge,
                    created_utc=self._clock.now(),
                )
            )
            organisations = list(
                session.scalars(select(XeroOrganisation).order_by(XeroOrganisation.position))
            )
        return WebResponse.html(200, _consent_page(app, scope, request_id, organisations))

    def consent_answer(self, request: WebRequest) -> WebResponse:
        form = request.form()
        request_id = (form.get("request_id") or [""])[0]
        decision = (form.get("decision") or [""])[0]
        chosen = form.get("tenant") or []
        now = self._clock.now()
        with self._store.transaction() as session:
            pending = session.get(XeroConsentRequest, request_id)
            if pending is None or pending.answered or now > pending.created_utc + CONSENT_PAGE_LIFETIME:
                return _error_page(
                    "invalid_request", "This sign-in page has expired. Start connecting again."
                )
            app = REGISTERED_APPS[pending.client_id]
            organisations = list(
                session.scalars(select(XeroOrganisation).order_by(XeroOrganisation.position))
            )
            if decision == "cancel":
                pending.answered = True
                return WebResponse.redirect(
                    _with_query(pending.redirect_uri, {"error": "access_denied", "state": pending.state})
                )
            if decision != "allow":
                return _error_page("invalid_request", "Choose Allow access or Cancel.")
            known = {o.tenant_id for o in organisations}
            selected = [t for t in chosen if t in known]
            if not selected:
                page = _consent_page(
                    app,
                    pending.scope,
                    request_id,
                    organisations,
                    message="Select at least one organisation to connect.",
                )
                return WebResponse.html(200, page)
            pending.answered = True
            auth_event_id = wire.new_id()
            for tenant_id in selected:
                self._connect(session, pending.client_id, tenant_id, auth_event_id, now)
            code = secrets.token_urlsafe(32)
            session.add(
                XeroAuthorizationCode(
                    code_digest=digest(code),
                    client_id=pending.client_id,
                    redirect_uri=pending.redirect_uri,
                    scope=pending.scope,
                    code_challenge=pending.code_challenge,
                    user_id=DEMO_USER_ID,
                    auth_event_id=auth_event_id,
                    issued_utc=now,
                )
            )
            location = _with_query(
                pending.redirect_uri,
                {
                    "code": code,
                    "scope": pending.scope,
                    "state": pending.state,
                    "session_state": secrets.token_urlsafe(16),
                },
            )
        return WebResponse.redirect(location)

    def _connect(
        self, session: Session, client_id: str, tenant_id: str, auth_event_id: str, now: dt.datetime
    ) -> None:
        existing = session.scalar(
            select(XeroConnection).where(
                XeroConnection.client_id == client_id,
                XeroConnection.user_id == DEMO_USER_ID,
                XeroConnection.tenant_id == tenant_id,
            )
        )
        if existing is None:
            session.add(
                XeroConnection(
                    connection_id=wire.new_id(),
                    client_id=client_id,
                    user_id=DEMO_USER_ID,
                    tenant_id=tenant_id,
                    auth_event_id=auth_event_id,
                    created_utc=now,
                    updated_utc=now,
                )
            )
            return
        existing.auth_event_id = auth_event_id
        existing.updated_utc = now
        existing.active = True

    # ----- token endpoint -------------------------------------------------------------------------

    def _client_of(self, request: WebRequest, form: dict[str, list[str]]) -> RegisteredApp | None:
        client_id = (form.get("client_id") or [""])[0]
        header = request.headers.get("Authorization") or ""
        if not client_id and header.lower().startswith("basic "):
            try:
                client_id = base64.b64decode(header[6:].strip()).decode("utf-8").partition(":")[0]
            except ValueError:
                return None
        # A PKCE app has no secret: whatever secret a library sends along is not checked (public client).
        return REGISTERED_APPS.get(client_id)

    def token(self, request: WebRequest) -> WebResponse:
        form = request.form()
        app = self._client_of(request, form)
        if app is None:
            return _token_error("invalid_client")
        grant_type = (form.get("grant_type") or [""])[0]
        if grant_type == "authorization_code":
            return self._exchange_code(app, form)
        if grant_type == "refresh_token":
            return self._refresh(app, form)
        return _token_error("unsupported_grant_type")

    def _exchange_code(self, app: RegisteredApp, form: dict[str, list[str]]) -> WebResponse:
        code = (form.get("code") or [""])[0]
        redirect_uri = (form.get("redirect_uri") or [""])[0]
        verifier = (form.get("code_verifier") or [""])[0]
        now = self._clock.now()
        with self._store.transaction() as session:
            row = session.get(XeroAuthorizationCode, digest(code)) if code else None
            if row is None or row.client_id != app.client_id:
                return _token_error("invalid_grant")
            if row.used or now > row.issued_utc + CODE_LIFETIME:
                row.used = True
                return _token_error("invalid_grant")
            row.used = True
            if redirect_uri != row.redirect_uri:
                return _token_error("invalid_grant")
            if (
                not verifier
                or not 43 <= len(verifier) <= 128
                or not hmac.compare_digest(pkce_challenge(verifier), row.code_challenge)
            ):
                return _token_error("invalid_grant")
            body = self._issue_tokens(
                session,
                client_id=app.client_id,
                user_id=row.user_id,
                scope=row.scope,
                auth_event_id=row.auth_event_id,
            )
        return _token_reply(body)

    def _refresh(self, app: RegisteredApp, form: dict[str, list[str]]) -> WebResponse:
        token = (form.get("refresh_token") or [""])[0]
        requested_scope = set((form.get("scope") or [""])[0].split())
        now = self._clock.now()
        with self._store.transaction() as session:
            row = session.get(XeroRefreshToken, digest(token)) if token else None
            if row is None or row.client_id != app.client_id or row.revoked:
                return _token_error("invalid_grant")
            if now > row.last_used_utc + REFRESH_IDLE_LIMIT:
                return _token_error("invalid_grant")
            if row.rotated_utc is not None and now > row.rotated_utc + REFRESH_GRACE_PERIOD:
                return _token_error("invalid_grant")
            if requested_scope and not requested_scope <= set(row.scope.split()):
                # Asking for more than was granted on refresh fails the grant (pyxero#296).
                return _token_error("invalid_grant")
            if row.rotated_utc is None:
                row.rotated_utc = now
            row.last_used_utc = now
            body = self._issue_tokens(
                session,
                client_id=app.client_id,
                user_id=row.user_id,
                scope=row.scope,
                auth_event_id=row.auth_event_id,
            )
        return _token_reply(body)

    def revoke(self, request: WebRequest) -> WebResponse:
        form = request.form()
        app = self._client_of(request, form)
        if app is None:
            return _token_error("invalid_client")
        token = (form.get("token") or [""])[0]
        with self._store.transaction() as session:
            row = session.get(XeroRefreshToken, digest(token)) if token else None
            if row is not None and row.client_id == app.client_id:
                # Revoking removes every connection the user gave this app, and every refresh token.
                for other in session.scalars(
                    select(XeroRefreshToken).where(
                        XeroRefreshToken.client_id == app.client_id, XeroRefreshToken.user_id == row.user_id
                    )
                ):
                    other.revoked = True
                for connection in session.scalars(
                    select(XeroConnection).where(
                        XeroConnection.client_id == app.client_id, XeroConnection.user_id == row.user_id
                    )
                ):
                    connection.active = False
        return WebResponse(200)

    def discovery(self, request: WebRequest) -> WebResponse:
        base = self._base_url()
        return WebResponse.json(
            200,
            {
                "issuer": base + IDENTITY_PREFIX,
                "authorization_endpoint": base + AUTHORIZE_PATH,
                "token_endpoint": base + TOKEN_PATH,
                "revocation_endpoint": base + REVOCATION_PATH,
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "scopes_supported": sorted(SCOPE_WORDING),
            },
        )

    # ----- connections ----------------------------------------------------------------------------

    def active_connection(
        self, session: Session, grant: AccessGrant, tenant_id: str
    ) -> XeroConnection | None:
        return session.scalar(
            select(XeroConnection).where(
                XeroConnection.client_id == grant.client_id,
                XeroConnection.user_id == grant.user_id,
                XeroConnection.tenant_id == tenant_id,
                XeroConnection.active.is_(True),
            )
        )

    def list_connections(self, request: WebRequest) -> WebResponse:
        grant = self.authenticate(request)
        if isinstance(grant, WebResponse):
            return grant
        auth_event = request.arg("authEventId")
        with self._store.transaction() as session:
            query = (
                select(XeroConnection, XeroOrganisation)
                .join(XeroOrganisation, XeroOrganisation.tenant_id == XeroConnection.tenant_id)
                .where(
                    XeroConnection.client_id == grant.client_id,
                    XeroConnection.user_id == grant.user_id,
                    XeroConnection.active.is_(True),
                )
                .order_by(XeroConnection.created_utc, XeroOrganisation.position)
            )
            if auth_event:
                query = query.where(XeroConnection.auth_event_id == auth_event)
            rows = session.execute(query).all()
            body = [
                {
                    "id": connection.connection_id,
                    "authEventId": connection.auth_event_id,
                    "tenantId": connection.tenant_id,
                    "tenantType": "ORGANISATION",
                    "tenantName": organisation.name,
                    "createdDateUtc": wire.connection_time(connection.created_utc),
                    "updatedDateUtc": wire.connection_time(connection.updated_utc),
                }
                for connection, organisation in rows
            ]
        return WebResponse.json(200, body)

    def delete_connection(self, request: WebRequest) -> WebResponse:
        grant = self.authenticate(request)
        if isinstance(grant, WebResponse):
            return grant
        with self._store.transaction() as session:
            connection = session.get(XeroConnection, request.params["connection_id"].lower())
            if (
                connection is None
                or not connection.active
                or connection.client_id != grant.client_id
                or connection.user_id != grant.user_id
            ):
                return WebResponse(404)
            connection.active = False
            connection.updated_utc = self._clock.now()
        return WebResponse(204)


def _token_error(error: str) -> WebResponse:
    return WebResponse.json(400, {"error": error}, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _token_reply(body: dict[str, Any]) -> WebResponse:
    return WebResponse.json(200, body, {"Cache-Control": "no-store", "Pragma": "no-cache"})


def _with_query(uri: str, values: dict[str, str | None]) -> str:
    query = urlencode({k: v for k, v in values.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{query}"


_PAGE_STYLE = """
body{font-family:Segoe UI,Helvetica,Arial,sans-serif;background:#f5f7f9;margin:0;color:#1e3140}
main{max-width:520px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;
box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:22px;margin:0 0 8px} .brand{color:#13b5ea;font-weight:700;font-size:26px;margin-bottom:20px}
ul{padding-left:20px} label{display:block;margin:6px 0} .who{color:#59687a;font-size:14px}
.message{color:#c9302c;font-weight:600} .buttons{margin-top:24px;display:flex;gap:12px}
button{font-size:16px;padding:10px 20px;border-radius:4px;border:1px solid #13b5ea;cursor:pointer}
button.allow{background:#13b5ea;color:#fff} button.cancel{background:#fff;color:#13b5ea}
.error{color:#c9302c} .note{margin-top:28px;color:#8a96a3;font-size:12px}
"""
SANDBOX_NOTE = "LedgerBridge sandbox: a stand-in for Xero on this computer. Nothing here reaches Xero."


def _consent_page(
    app: RegisteredApp,
    scope: str,
    request_id: str,
    organisations: list[XeroOrganisation],
    *,
    message: str = "",
) -> str:
    name = html.escape(app.name)
    permissions = "".join(
        f"<li>{html.escape(SCOPE_WORDING[s])}</li>" for s in scope.split() if s in SCOPE_WORDING
    )
    choices = "".join(
        f'<label><input type="checkbox" name="tenant" value="{html.escape(o.tenant_id)}"'
        f"{' checked' if index == 0 else ''}> {html.escape(o.name)}</label>"
        for index, o in enumerate(organisations)
    )
    notice = f'<p class="message">{html.escape(message)}</p>' if message else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Xero | Authorise {name}</title>
<style>{_PAGE_STYLE}</style></head>
<body><main>
<div class="brand">xero</div>
<h1>{name} wants access to your Xero organisation</h1>
<p class="who">Signed in as {html.escape(DEMO_USER_NAME)} ({html.escape(DEMO_USER_EMAIL)})</p>
<p>{name} will be able to:</p>
<ul>{permissions}</ul>
<form method="post" action="{AUTHORIZE_PATH}">
<input type="hidden" name="request_id" value="{html.escape(request_id)}">
<fieldset><legend>Organisations to connect</legend>{choices}</fieldset>
{notice}
<div class="buttons">
<button class="allow" type="submit" name="decision" value="allow">Allow access</button>
<button class="cancel" type="submit" name="decision" value="cancel">Cancel</button>
</div>
</form>
<p class="note">{SANDBOX_NOTE}</p>
</main></body></html>
"""


def _error_page(error: str, description: str) -> WebResponse:
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Xero | Error</title>
<style>{_PAGE_STYLE}</style></head>
<body><main>
<div class="brand">xero</div>
<h1>Sorry, something went wrong</h1>
<p class="error">Error: {html.escape(error)}</p>
<p>{html.escape(description)}</p>
<p class="note">{SANDBOX_NOTE}</p>
</main></body></html>
"""
    return WebResponse.html(400, page)
