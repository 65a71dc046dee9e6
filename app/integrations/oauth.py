"""OAuth 2 for a desktop app: authorisation code + PKCE, a one-shot loopback listener, rotating refresh.

The consent (``ConsentFlow.start`` -> ``PendingConsent``):
  1. bind a listener on the first free of the registered loopback ports (Xero matches redirect URIs
     exactly, so a business registers all three: ../shared/reference/xero.md 1.2);
  2. build the authorize address through requests-oauthlib with PKCE S256 and a random ``state``;
  3. the caller shows / opens it; the user signs in and presses Allow access;
  4. the listener takes the one redirect whose ``state`` matches, answers the browser, and closes;
  5. the code is exchanged at once (codes are single use and short-lived) for a ``TokenSet``.

Afterwards ``RefreshingCredentials`` keeps the access token in memory only, and renews it ahead of expiry.
A refresh is serialised (``SecretStore.exclusive``: threads and processes) and the rotated refresh token is
written to the keyring *before* the new access token is used, so a crash at any point leaves a usable token
in the keyring: the new one, or the old one still inside the package's grace period (Xero: 30 minutes).

requests-oauthlib logs whole tokens at DEBUG ("Obtained token ..."); its loggers are held at INFO here so
``--verbose`` never writes a token to the log file.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import errno
import hmac
import json
import logging
import os
import selectors
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from oauthlib.oauth2 import InvalidGrantError, OAuth2Error
from requests_oauthlib import OAuth2Session

from app.integrations.base import (
    Clock,
    ConnectionEvents,
    IntegrationError,
    NeedsReconnecting,
    RateLimited,
    Transient,
    utc_now,
)
from app.integrations.http import DEFAULT_TIMEOUT, retry_after_seconds, without_query
from app.integrations.secrets import SecretStore

logger = logging.getLogger(__name__)

for _name in ("requests_oauthlib", "oauthlib"):
    # These log tokens and request bodies at DEBUG; never let them reach the log file.
    logging.getLogger(_name).setLevel(logging.INFO)

# oauthlib refuses http:// token endpoints. LedgerBridge makes its own, stricter check instead
# (``require_safe_transport``: https, or http to this computer only, which is where the sandbox listens), so
# production and sandbox run the same code and only the configured addresses differ.
os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")

#: Refresh when less than this is left of the access token (xero.md 7: "less than 120 s").
REFRESH_MARGIN = dt.timedelta(seconds=120)
#: How long to wait for the user to sign in and press Allow access.
DEFAULT_CONSENT_TIMEOUT = 600.0
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
#: A browser connection that sends no complete request within this is dropped.
CLIENT_IDLE_SECONDS = 10.0


class ConsentError(IntegrationError):
    """The consent did not complete (declined, timed out, cancelled, refused by the package)."""


class ConsentDeclined(ConsentError):
    pass


class ConsentTimedOut(ConsentError):
    pass


class ConsentCancelled(ConsentError):
    pass


def require_safe_transport(url: str) -> None:
    """Refuse to send a secret anywhere but over https, or over http to this computer (the sandbox)."""
    parts = urlsplit(url)
    if parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        return
    raise IntegrationError(
        f"LedgerBridge will not send a sign-in to {without_query(url)}: only https addresses (or the "
        "sandbox on this computer) are allowed."
    )


@dataclass(frozen=True)
class TokenSet:
    """What a token endpoint answered. Tokens are left out of ``repr`` so they never reach a log."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: dt.datetime
    scope: str = ""
    #: The token endpoint's ``id_token`` claims are not used; the access token's claims may be (Xero's
    #: ``authentication_event_id`` names the organisations chosen in this consent).
    claims: dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_response(cls, token: dict[str, Any], now: dt.datetime) -> TokenSet:
        access = str(token.get("access_token") or "")
        if not access:
            raise IntegrationError("The package's sign-in answer had no access token.")
        expires_in = float(token.get("expires_in") or 1800)
        refresh = token.get("refresh_token")
        scope = token.get("scope") or ""
        if isinstance(scope, list | tuple):
            scope = " ".join(str(part) for part in scope)
        return cls(
            access_token=access,
            refresh_token=str(refresh) if refresh else None,
            expires_at=now + dt.timedelta(seconds=expires_in),
            scope=str(scope),
            claims=_jwt_claims(access),
        )


def _duration(seconds: float) -> str:
    if seconds >= 120:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds:.0f} second" + ("" if round(seconds) == 1 else "s")


def _jwt_claims(token: str) -> dict[str, Any]:
    """The (unverified) claims of a JWT access token; {} for an opaque token."""
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


# --------------------------------------------------------------------------------------------------------
# The loopback listener
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallbackAnswer:
    """The query of the redirect the listener accepted: a ``code``, or an ``error`` (e.g. access_denied)."""

    code: str | None = field(default=None, repr=False)
    error: str | None = None
    error_description: str | None = None
    #: Every query parameter (QuickBooks sends ``realmId``, MYOB ``businessId`` here).
    params: dict[str, str] = field(default_factory=dict, repr=False)


_PAGE = (
    '<!doctype html><html><head><meta charset="utf-8"><title>LedgerBridge</title></head>'
    '<body style="font-family:sans-serif;max-width:40em;margin:4em auto">'
    "<h1>{title}</h1><p>{text}</p></body></html>"
)


class LoopbackListener:
    """A one-shot HTTP listener on this computer for the consent redirect.

    Binds ``127.0.0.1`` (and ``::1`` where this computer has IPv6, since browsers may resolve
    ``localhost`` to either) on the first port of ``ports`` free on both. ``wait`` answers requests until
    one reaches ``path`` with the expected ``state``; others get a short page and are otherwise ignored.
    """

    def __init__(self, ports: Sequence[int], path: str = "/callback") -> None:
        self.ports = tuple(ports)
        self.path = path
        self.port: int | None = None
        self._sockets: list[socket.socket] = []

    @property
    def redirect_uri(self) -> str:
        if self.port is None:
            raise RuntimeError("the listener is not open")
        return f"http://localhost:{self.port}{self.path}"

    def open(self) -> int:
        for port in self.ports:
            sockets = self._bind(port)
            if sockets:
                self._sockets = sockets
                self.port = port
                logger.info("Waiting for the consent redirect on port %s", port)
                return port
        raise ConsentError(
            "LedgerBridge needs one of the ports " + ", ".join(str(p) for p in self.ports) + " on this "
            "computer to receive the answer from the sign-in page, and all are in use. Close the program "
            "using them (or another LedgerBridge that is connecting) and try again."
        )

    @staticmethod
    def _bind(port: int) -> list[socket.socket]:
        bound: list[socket.socket] = []
        for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
            try:
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError:
                continue  # no IPv6 on this computer
            try:
                if sys.platform == "win32":
                    # Never share the port with another program (SO_REUSEADDR would on Windows).
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
                else:
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind((host, port))
                sock.listen(8)
                sock.setblocking(False)
            except OSError as exc:
                sock.close()
                if family == socket.AF_INET6 and exc.errno in (errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT):
                    continue  # IPv6 present but no ::1: IPv4 alone will do
                for other in bound:
                    other.close()
                return []
            bound.append(sock)
        return bound

    def wait(
        self, state: str, *, timeout: float = DEFAULT_CONSENT_TIMEOUT, cancel: threading.Event | None = None
    ) -> CallbackAnswer:
        """Serve until the redirect with ``state`` arrives. Connections are read without blocking, so a
        browser's speculative connection that sends nothing never holds up the real answer."""
        if not self._sockets:
            raise RuntimeError("the listener is not open")
        deadline = time.monotonic() + timeout
        mismatched = 0
        clients: dict[socket.socket, tuple[bytearray, float]] = {}
        with selectors.DefaultSelector() as selector:
            for listening in self._sockets:
                selector.register(listening, selectors.EVENT_READ, data=None)
            try:
                while True:
                    if cancel is not None and cancel.is_set():
                        raise ConsentCancelled("Connecting was cancelled.")
                    now = time.monotonic()
                    if now >= deadline:
                        extra = (
                            " An answer for another sign-in attempt arrived and was ignored."
                            if mismatched
                            else ""
                        )
                        raise ConsentTimedOut(
                            f"No answer came from the sign-in page within {_duration(timeout)}, so "
                            f"LedgerBridge stopped waiting.{extra} Start connecting again when ready."
                        )
                    for client, (_buffer, since) in list(clients.items()):
                        if now - since > CLIENT_IDLE_SECONDS:
                            selector.unregister(client)
                            del clients[client]
                            client.close()
                    for key, _events in selector.select(timeout=min(deadline - now, 0.2)):
                        sock: socket.socket = key.fileobj  # type: ignore[assignment]
                        if key.data is None:  # a listening socket: a browser is connecting
                            try:
                                connection, _address = sock.accept()
                            except (BlockingIOError, InterruptedError):
                                continue
                            connection.setblocking(False)
                            clients[connection] = (bytearray(), now)
                            selector.register(connection, selectors.EVENT_READ, data="client")
                            continue
                        buffer = clients[sock][0]
                        try:
                            chunk = sock.recv(4096)
                        except (BlockingIOError, InterruptedError):
                            continue
                        except OSError:
                            chunk = b""
                        buffer += chunk
                        complete = b"\r\n\r\n" in buffer or b"\n\n" in buffer or len(buffer) > 65536
                        if chunk and not complete:
                            continue
                        selector.unregister(sock)
                        del clients[sock]
                        answer = self._answer(sock, bytes(buffer), state)
                        if isinstance(answer, CallbackAnswer):
                            return answer
                        if answer == "mismatch":
                            mismatched += 1
            finally:
                for client in clients:
                    client.close()

    def _answer(self, connection: socket.socket, request: bytes, state: str) -> CallbackAnswer | str | None:
        """Answer one request and close it. Returns the answer, "mismatch", or None for anything else."""
        with connection:
            connection.setblocking(True)
            connection.settimeout(5.0)
            request_line = request.split(b"\n", 1)[0].decode("latin-1").strip()
            fields = request_line.split()
            if len(fields) != 3 or fields[0] != "GET":
                return None
            parts = urlsplit(fields[1])
            if parts.path != self.path:
                self._respond(connection, 404, "Not here", "This address is only for the sign-in answer.")
                return None
            params = {name: values[0] for name, values in parse_qs(parts.query).items() if values}
            if not hmac.compare_digest(params.get("state", ""), state):
                logger.warning("Ignored a consent redirect whose state did not match this attempt")
                self._respond(
                    connection,
                    400,
                    "This answer was not for LedgerBridge",
                    "It does not match the connection LedgerBridge is waiting for, so it was ignored. "
                    "Start connecting again from LedgerBridge.",
                )
                return "mismatch"
            if "error" in params:
                self._respond(
                    connection,
                    200,
                    "LedgerBridge was not connected",
                    "You can close this tab and return to LedgerBridge.",
                )
                return CallbackAnswer(
                    error=params["error"], error_description=params.get("error_description"), params=params
                )
            if not params.get("code"):
                self._respond(connection, 400, "Something is missing", "The answer carried no code.")
                return None
            self._respond(
                connection,
                200,
                "LedgerBridge received the answer",
                "You can close this tab and return to LedgerBridge, which finishes connecting.",
            )
            return CallbackAnswer(code=params["code"], params=params)

    @staticmethod
    def _respond(connection: socket.socket, status: int, title: str, text: str) -> None:
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        body = _PAGE.format(title=title, text=text).encode("utf-8")
        head = (
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
        ).encode("ascii")
        with contextlib.suppress(OSError):
            connection.sendall(head + body)

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()
        self._sockets = []


# --------------------------------------------------------------------------------------------------------
# Token endpoint calls
# --------------------------------------------------------------------------------------------------------


def _check_token_response(service: str) -> Callable[[requests.Response], requests.Response]:
    """A requests-oauthlib compliance hook: statuses oauthlib would misread become our errors."""

    def hook(response: requests.Response) -> requests.Response:
        if response.status_code == 429:
            seconds = retry_after_seconds(response.headers) or 60.0
            raise RateLimited(
                f"{service} asked LedgerBridge to wait before signing in again.",
                retry_after=seconds,
                problem=response.headers.get("X-Rate-Limit-Problem", ""),
            )
        if response.status_code >= 500:
            raise Transient(f"{service}'s sign-in service is unavailable (HTTP {response.status_code}); "
                            "try again shortly.")
        return response

    return hook


def _token_call(service: str, call: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return call()
    except Warning as changed:
        # oauthlib raises (not warns) "Scope has changed" when the package granted other scopes than asked
        # (granular scopes, partial consent); the token is still good, and is carried on the exception.
        token = getattr(changed, "token", None)
        if not isinstance(token, dict):
            raise
        logger.info("The package granted different scopes than requested")
        return token
    except requests.exceptions.Timeout:
        raise Transient(f"{service}'s sign-in service did not answer in time; try again.") from None
    except requests.exceptions.ConnectionError:
        raise Transient(f"{service}'s sign-in service could not be reached. Check the internet "
                        "connection and try again.") from None


@dataclass(frozen=True)
class OAuthClient:
    """A registered public client (no secret) of one package's identity server."""

    service: str
    client_id: str
    authorize_url: str
    token_url: str
    revocation_url: str
    scopes: tuple[str, ...]
    redirect_ports: tuple[int, ...]
    redirect_path: str = "/callback"
    timeout: tuple[float, float] = DEFAULT_TIMEOUT


class ConsentFlow:
    """Starts a consent: ``start()`` binds the listener and returns the ``PendingConsent`` to show."""

    def __init__(self, client: OAuthClient, *, clock: Clock = utc_now) -> None:
        self.client = client
        self.clock = clock

    def start(self) -> PendingConsent:
        for url in (self.client.authorize_url, self.client.token_url):
            require_safe_transport(url)
        listener = LoopbackListener(self.client.redirect_ports, self.client.redirect_path)
        listener.open()
        try:
            session = OAuth2Session(
                self.client.client_id,
                redirect_uri=listener.redirect_uri,
                scope=list(self.client.scopes),
                pkce="S256",
            )
            url, state = session.authorization_url(self.client.authorize_url)
        except Exception:
            listener.close()
            raise
        return PendingConsent(self.client, listener, session, url, state, self.clock)


class PendingConsent:
    """A consent waiting for the user. ``url`` is the address to open; ``wait()`` returns the tokens.

    Attributes: ``url``, ``redirect_uri``, ``callback`` (the accepted redirect's parameters, after wait).
    """

    def __init__(
        self,
        client: OAuthClient,
        listener: LoopbackListener,
        session: OAuth2Session,
        url: str,
        state: str,
        clock: Clock,
    ) -> None:
        self.client = client
        self.url = url
        self.redirect_uri = listener.redirect_uri
        self.callback: CallbackAnswer | None = None
        self._listener = listener
        self._session = session
        self._state = state
        self._clock = clock

    def wait(
        self, *, timeout: float = DEFAULT_CONSENT_TIMEOUT, cancel: threading.Event | None = None
    ) -> TokenSet:
        try:
            answer = self._listener.wait(self._state, timeout=timeout, cancel=cancel)
        finally:
            self._listener.close()
        self.callback = answer
        service = self.client.service
        if answer.error == "access_denied":
            raise ConsentDeclined(f"Access was not allowed on {service}'s page, so LedgerBridge is not "
                                  "connected.")
        if answer.error:
            detail = f" ({answer.error_description})" if answer.error_description else ""
            raise ConsentError(f"{service} refused the connection: {answer.error}{detail}.")
        assert answer.code is not None
        code = answer.code
        self._session.register_compliance_hook("access_token_response", _check_token_response(service))
        try:
            token = _token_call(
                service,
                lambda: self._session.fetch_token(
                    self.client.token_url,
                    code=code,
                    include_client_id=True,
                    timeout=self.client.timeout,
                ),
            )
        except OAuth2Error as exc:
            raise ConsentError(
                f"{service} did not accept the sign-in answer ({exc.error}). Start connecting again."
            ) from None
        tokens = TokenSet.from_response(token, self._clock())
        if not tokens.refresh_token:
            raise ConsentError(f"{service} gave no refresh token, so LedgerBridge could not stay connected.")
        logger.info("%s consent completed; scopes: %s", service, tokens.scope or "(not stated)")
        return tokens

    def close(self) -> None:
        self._listener.close()
        self._session.close()

    def __enter__(self) -> PendingConsent:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------------------------------------
# Keeping the access token fresh
# --------------------------------------------------------------------------------------------------------


class RefreshingCredentials:
    """A connection's access token, in memory only, renewed from the refresh token in the keyring.

    ``access_token()`` refreshes when less than ``REFRESH_MARGIN`` is left; ``refresh_if_due()`` is for a
    keep-alive timer (an unused Xero refresh token lapses after 60 days). ``invalid_grant`` reports the
    connection as needing reconnecting and raises ``NeedsReconnecting``.
    """

    def __init__(
        self,
        client: OAuthClient,
        *,
        secret_key: str,
        sandbox: bool,
        store: SecretStore,
        events: ConnectionEvents,
        clock: Clock = utc_now,
        initial: TokenSet | None = None,
        package_label: str = "the accounting package",
        tenant_name: str = "",
    ) -> None:
        self.client = client
        self.secret_key = secret_key
        self.sandbox = sandbox
        self._store = store
        self._events = events
        self._clock = clock
        self._package_label = package_label
        self._tenant_name = tenant_name
        self._lock = threading.Lock()
        self._access: str | None = initial.access_token if initial else None
        self._expires_at: dt.datetime | None = initial.expires_at if initial else None
        self.scope = initial.scope if initial else ""

    @property
    def expires_at(self) -> dt.datetime | None:
        return self._expires_at

    def _due(self) -> bool:
        return self._access is None or self._expires_at is None or (
            self._expires_at - self._clock() <= REFRESH_MARGIN
        )

    def access_token(self) -> str:
        with self._lock:
            if self._due():
                self._refresh_locked()
            assert self._access is not None
            return self._access

    def refresh(self, *, rejected_access_token: str | None = None) -> None:
        """Refresh now; with ``rejected_access_token``, only if no other thread has already replaced it."""
        with self._lock:
            if rejected_access_token is not None and self._access != rejected_access_token:
                return
            self._refresh_locked()

    def refresh_if_due(self) -> bool:
        with self._lock:
            if not self._due():
                return False
            self._refresh_locked()
            return True

    def forget(self) -> None:
        with self._lock:
            self._access = None
            self._expires_at = None

    def _needs_reconnecting(self, reason: str) -> NeedsReconnecting:
        self._access = None
        self._expires_at = None
        self._events.needs_reconnecting(reason)
        return NeedsReconnecting(reason)

    def _refresh_locked(self) -> None:
        service = self.client.service
        where = f" to {self._tenant_name}" if self._tenant_name else ""
        require_safe_transport(self.client.token_url)
        with self._store.exclusive(self.secret_key):
            # Read inside the lock: another process may have rotated the token since we last looked.
            stored = self._store.load(self.secret_key, sandbox=self.sandbox)
            if not stored:
                raise self._needs_reconnecting(
                    f"LedgerBridge's sign-in to {service} is missing from this computer's keyring. "
                    f"Reconnect{where} to carry on."
                )
            session = OAuth2Session(
                self.client.client_id, auto_refresh_kwargs={"client_id": self.client.client_id}
            )
            session.register_compliance_hook("refresh_token_response", _check_token_response(service))
            try:
                token = _token_call(
                    service,
                    lambda: session.refresh_token(
                        self.client.token_url, refresh_token=stored, timeout=self.client.timeout
                    ),
                )
            except InvalidGrantError:
                raise self._needs_reconnecting(
                    f"{service} no longer accepts LedgerBridge's sign-in (it was revoked, or unused for "
                    f"too long). Reconnect{where} to carry on; your settings are kept."
                ) from None
            except OAuth2Error as exc:
                raise self._needs_reconnecting(
                    f"{service} refused to renew LedgerBridge's sign-in ({exc.error}). "
                    f"Reconnect{where} to carry on; your settings are kept."
                ) from None
            finally:
                session.close()
            now = self._clock()
            tokens = TokenSet.from_response(token, now)
            # The rotated refresh token is saved before anything else happens: if this fails (or the process
            # dies here) the old one, still in the keyring, works through the package's grace period.
            self._store.save(self.secret_key, tokens.refresh_token or stored, sandbox=self.sandbox)
            self._access = tokens.access_token
            self._expires_at = tokens.expires_at
            self.scope = tokens.scope or self.scope
        logger.info("Renewed the %s sign-in; the access token is good until %s", service,
                    tokens.expires_at.isoformat(timespec="seconds"))
        self._events.refresh_token_renewed(now)


def revoke(client: OAuthClient, refresh_token: str, *, session: requests.Session | None = None) -> None:
    """Revoke a refresh token at the package (Xero: ends every connection of that consent).

    A token the package no longer knows counts as revoked.
    """
    require_safe_transport(client.revocation_url)
    http = session or requests.Session()
    try:
        response = http.post(
            client.revocation_url,
            data={"token": refresh_token, "token_type_hint": "refresh_token", "client_id": client.client_id},
            headers={"Accept": "application/json"},
            timeout=client.timeout,
        )
    except requests.exceptions.RequestException:
        raise Transient(f"{client.service} could not be reached to end the connection. Check the internet "
                        "connection and try again.") from None
    finally:
        if session is None:
            http.close()
    if response.status_code in (200, 204):
        return
    if response.status_code == 400:
        logger.info("%s says the token was already revoked or unknown", client.service)
        return
    if response.status_code == 429:
        raise RateLimited(f"{client.service} asked LedgerBridge to wait before disconnecting.",
                          retry_after=retry_after_seconds(response.headers) or 60.0)
    raise Transient(f"{client.service} could not end the connection (HTTP {response.status_code}); "
                    "try again shortly.")
