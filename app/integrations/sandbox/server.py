"""The sandbox server: the packages' emulators on 127.0.0.1, with faults and a clock tests control.

``SandboxServer(state_file).start()`` serves in background threads and returns once it is listening;
``base_url`` is what ``--sandbox`` takes. Each real host is a path prefix of the base URL (Xero's
login.xero.com is ``{base}/xero/login``, identity.xero.com ``{base}/xero/identity``, api.xero.com
``{base}/xero/api``), so a client reaches the sandbox by configuration alone.

Tests steer it through Python methods here or, from another process, the loopback-only control
endpoints under ``{base}/_sandbox/``:

=========================================  ==========================================================
``POST /_sandbox/faults``                  add a fault: ``{"kind":"500","times":2,"path":"/Invoices"}``
``GET /_sandbox/faults``                   the faults still armed
``DELETE /_sandbox/faults``                clear every fault
``POST /_sandbox/clock``                   ``{"advance": seconds}`` and/or ``{"speed": factor}``
``GET /_sandbox/clock``                    ``{"now": ISO time, "speed": factor}``
``GET /_sandbox/held``                     ``{"held": n}``, answers held after their commit
``POST /_sandbox/release``                 release every held answer
``POST /_sandbox/limits``                  ``{"concurrent":5,"per_minute":60,"per_day":1000}``
``POST /_sandbox/reset``                   wipe the state file and seed the demo organisations again
``POST /_sandbox/xero/contacts``           ``{"contacts":[{"name":..,"email":..}]}`` into Demo Company (AU);
                                           and any ``SeedContact`` field (``contact_number``, ``archived``)
``POST /_sandbox/xero/accounts``           ``{"accounts":[{"code":..,"name":..,"type":..}]}`` into its chart
``POST /_sandbox/xero/lock-date``          ``{"date":"2026-06-30"}`` (or null) as its period lock date
=========================================  ==========================================================
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.faults import Fault, FaultKind, FaultPlan, HeldResponses
from app.integrations.sandbox.rate_limits import RateLimits
from app.integrations.sandbox.store import SandboxStore
from app.integrations.sandbox.web import Headers, WebRequest, WebResponse
from app.integrations.sandbox.xero.emulator import XeroSandbox
from app.integrations.sandbox.xero.seed import (
    ChartAccount,
    SeedContact,
    add_accounts,
    add_demo_contacts,
    contact_from_mapping,
    set_period_lock_date,
)

logger = logging.getLogger(__name__)

HOST = "127.0.0.1"
CONTROL_PREFIX = "/_sandbox"
#: How long an idle keep-alive connection is kept open by the server.
IDLE_CONNECTION_SECONDS = 30


class SandboxServer:
    """The sandbox on loopback. Usable as a context manager (``with SandboxServer(path) as server:``).

    Attributes: ``clock`` (the ``SandboxClock`` everything reads), ``store`` (the state file),
    ``faults`` (``FaultPlan``), ``held`` (``HeldResponses``), ``xero`` (the Xero emulator).
    """

    def __init__(
        self,
        state_file: Path,
        port: int = 0,
        clock: SandboxClock | None = None,
        *,
        xero_limits: RateLimits | None = None,
    ) -> None:
        self.state_file = Path(state_file)
        self.port = port
        self.clock = clock or SandboxClock()
        self.store = SandboxStore(self.state_file)
        self.faults = FaultPlan()
        self.held = HeldResponses()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.xero = XeroSandbox(self.store, self.clock, lambda: self.base_url, xero_limits)

    # ----- life cycle -----------------------------------------------------------------------------

    def start(self) -> SandboxServer:
        if self._httpd is not None:
            return self
        httpd = _HTTPServer((HOST, self.port), _Handler)
        httpd.sandbox = self
        self._httpd = httpd
        self.port = int(httpd.server_address[1])
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever, args=(0.05,), name="sandbox-http", daemon=True
        )
        self._thread.start()
        logger.info("Sandbox listening on %s (state in %s)", self.base_url, self.state_file)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        self._stopping.set()
        self.held.stop()
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.store.dispose()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def endpoints(self) -> dict[str, Any]:
        """The first line ``ledgerbridge sandbox`` prints: the base URL and each package's endpoints."""
        return {"base": self.base_url, "xero": self.xero.endpoints(self.base_url)}

    # ----- what tests steer -----------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        return self.faults.add(fault)

    def clear_faults(self) -> None:
        self.faults.clear()

    def release_held(self) -> int:
        """Let every held answer go; returns how many were held."""
        return self.held.release_all()

    def wait_for_held(self, count: int = 1, timeout: float = 10.0) -> bool:
        return self.held.wait_for(count, timeout)

    def configure_xero_limits(self, limits: RateLimits) -> None:
        self.xero.limiter.configure(limits)

    def add_xero_contacts(self, contacts: list[SeedContact]) -> list[str]:
        """Add contacts to Demo Company (AU) (the demo business's customers), in one transaction; returns
        their ContactIDs. Names already there are skipped (see ``add_demo_contacts``)."""
        return add_demo_contacts(self.store, self.clock.now(), contacts)

    def add_xero_accounts(self, accounts: list[ChartAccount]) -> list[str]:
        """Add accounts to Demo Company (AU)'s chart (e.g. a big one for a benchmark); returns their ids."""
        return add_accounts(self.store, self.clock.now(), accounts)

    def set_xero_lock_date(self, lock: dt.date | None) -> None:
        """Set (or clear) Demo Company (AU)'s period lock date."""
        set_period_lock_date(self.store, lock)

    def reset(self) -> None:
        """Forget everything: tokens, connections, records; the demo organisations are seeded again."""
        self.faults.clear()
        self.held.release_all()
        self.store.wipe()
        self.xero.reset()

    # ----- serving --------------------------------------------------------------------------------

    def _serve(self, request: WebRequest) -> tuple[WebResponse | None, Fault | None]:
        """The answer to ``request`` and the fault (if any) that strikes after its commit."""
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request), None
        if not request.path.startswith(self.xero.prefix + "/"):
            return WebResponse.text(404, "Not Found"), None
        in_api = self.xero.is_api(request)
        before = self.faults.take(request, after_commit=False, default_scope=in_api)
        if before is not None:
            return self.xero.fault_response(before, request), None
        response = self.xero.handle(request)
        return response, self.faults.take(request, after_commit=True, default_scope=in_api)

    def _control(self, request: WebRequest) -> WebResponse:
        if request.client_host not in {"127.0.0.1", "::1"} and not request.client_host.startswith("127."):
            return WebResponse.text(403, "The sandbox is steered from this computer only.")
        action = request.path[len(CONTROL_PREFIX) :].rstrip("/")
        try:
            payload: Any = json.loads(request.body.decode("utf-8")) if request.body.strip() else {}
        except ValueError:
            return WebResponse.json(400, {"error": "the body must be JSON"})
        try:
            return self._control_action(request.method, action, payload)
        except (KeyError, TypeError, ValueError) as exc:
            return WebResponse.json(400, {"error": str(exc)})

    def _control_action(self, method: str, action: str, payload: Any) -> WebResponse:
        if action == "/faults" and method == "POST":
            fault = self.add_fault(Fault.from_json(payload))
            return WebResponse.json(201, fault.to_json())
        if action == "/faults" and method == "GET":
            return WebResponse.json(200, {"faults": [f.to_json() for f in self.faults.list()]})
        if action == "/faults" and method == "DELETE":
            self.clear_faults()
            return WebResponse(204)
        if action == "/clock" and method == "POST":
            if "speed" in payload:
                self.clock.set_speed(float(payload["speed"]))
            if "advance" in payload:
                self.clock.advance(float(payload["advance"]))
            return self._clock_reply()
        if action == "/clock" and method == "GET":
            return self._clock_reply()
        if action == "/held" and method == "GET":
            return WebResponse.json(200, {"held": self.held.count})
        if action == "/release" and method == "POST":
            return WebResponse.json(200, {"released": self.release_held()})
        if action == "/limits" and method == "POST":
            current = self.xero.limiter.limits
            self.configure_xero_limits(
                RateLimits(
                    concurrent=int(payload.get("concurrent", current.concurrent)),
                    per_minute=int(payload.get("per_minute", current.per_minute)),
                    per_day=int(payload.get("per_day", current.per_day)),
                    app_per_minute=int(payload.get("app_per_minute", current.app_per_minute)),
                )
            )
            return WebResponse.json(200, vars(self.xero.limiter.limits))
        if action == "/reset" and method == "POST":
            self.reset()
            return WebResponse(204)
        if action == "/xero/accounts" and method == "POST":
            accounts = [
                ChartAccount(
                    code=str(a["code"]),
                    name=str(a["name"]),
                    type=str(a.get("type", "REVENUE")),
                    tax_type=str(a.get("tax_type", "OUTPUT")),
                    archived=bool(a.get("archived", False)),
                )
                for a in payload["accounts"]
            ]
            return WebResponse.json(201, {"AccountIDs": self.add_xero_accounts(accounts)})
        if action == "/xero/lock-date" and method == "POST":
            lock = payload.get("date")
            self.set_xero_lock_date(None if lock is None else dt.date.fromisoformat(str(lock)))
            return WebResponse(204)
        if action == "/xero/contacts" and method == "POST":
            added = self.add_xero_contacts([contact_from_mapping(c) for c in payload["contacts"]])
            return WebResponse.json(201, {"ContactIDs": added})
        return WebResponse.text(404, "Not Found")

    def _clock_reply(self) -> WebResponse:
        return WebResponse.json(200, {"now": self.clock.now().isoformat(), "speed": self.clock.speed})

    def _after_commit(self, fault: Fault) -> bool:
        """Apply a fault that strikes after the commit; False when the answer must not be sent."""
        if fault.kind is FaultKind.SLOW:
            self._stopping.wait(fault.seconds)
            return True
        if fault.kind is FaultKind.HOLD:
            self.held.hold()
            return not self._stopping.is_set()
        return fault.kind is not FaultKind.DROP


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    sandbox: SandboxServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "LedgerBridgeSandbox/1.0"
    timeout = IDLE_CONNECTION_SECONDS
    # An answer goes out as two writes (head, then body). With Nagle's algorithm on, the body waits for
    # the client to acknowledge the head, which a keep-alive client delays by up to 40 ms (delayed ACK):
    # ~40 ms added to most calls. Sent at once instead, as a real server would.
    disable_nagle_algorithm = True
    server: _HTTPServer

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def _handle(self) -> None:
        started = time.monotonic()
        sandbox = self.server.sandbox
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        request = WebRequest.build(
            self.command, self.path, Headers(self.headers.items()), body, client_host=self.client_address[0]
        )
        response: WebResponse | None = None
        try:
            try:
                response, fault = sandbox._serve(request)
            except Exception:
                logger.exception("Sandbox failed on %s %s", request.method, request.path)
                response, fault = WebResponse.text(500, "The sandbox failed; see its log."), None
            send = True if fault is None else sandbox._after_commit(fault)
            if not send or response is None:
                self._drop()
                logger.info(
                    "%s %s -> dropped after commit (%s)",
                    request.method,
                    request.path,
                    fault.kind.value if fault else "",
                )
                return
            self._send(response)
            logger.info(
                "%s %s -> %d (%.0f ms)",
                request.method,
                request.path,
                response.status,
                (time.monotonic() - started) * 1000,
            )
        finally:
            if response is not None:
                for finished in response.on_finished:
                    finished()

    def _send(self, response: WebResponse) -> None:
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
            self.wfile.flush()
        except OSError:
            # The client gave up (e.g. its timeout passed while the answer was slow): nothing to send to.
            self.close_connection = True

    def _drop(self) -> None:
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def log_message(self, format: str, *args: Any) -> None:
        # Requests are logged once, by _handle, without the query string's values or any header.
        return
