"""HttpClient over real loopback sockets: network faults as errors, the limiter hooks, safe logging."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import threading
from collections.abc import Iterator, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from app.integrations.base import OutcomeUnknown, Transient
from app.integrations.http import HttpClient, retry_after_seconds, without_query


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self._reply()

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self._reply()

    def _reply(self) -> None:
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-MinLimit-Remaining", "59")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@contextlib.contextmanager
def misbehaving_server(*, answer: bool) -> Iterator[str]:
    """Accepts, reads the request, then either never answers or drops the connection."""
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(4)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        listening.settimeout(0.1)
        while not stop.is_set():
            try:
                connection, _ = listening.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            connection.recv(65536)
            if answer:
                held.append(connection)  # keep it open, say nothing
            else:
                connection.close()  # drop it after the request went out

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listening.getsockname()[1]}"
    finally:
        stop.set()
        listening.close()
        thread.join(5)
        for connection in held:
            connection.close()


def closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    sock.close()
    return port


def test_a_refused_connection_is_transient_never_unknown() -> None:
    client = HttpClient("Xero")
    with pytest.raises(Transient, match="Xero could not be reached") as raised:
        client.send("POST", f"http://127.0.0.1:{closed_port()}/Invoices", json={"a": 1})
    assert not isinstance(raised.value, OutcomeUnknown)


def test_no_answer_in_time_is_transient_for_a_read_and_unknown_for_a_write() -> None:
    client = HttpClient("Xero", timeout=(2.0, 0.3))
    with misbehaving_server(answer=True) as url:
        with pytest.raises(Transient, match="did not answer in time") as read:
            client.send("GET", f"{url}/Invoices")
        assert not isinstance(read.value, OutcomeUnknown)
        with pytest.raises(OutcomeUnknown, match="not known whether the change was made"):
            client.send("PUT", f"{url}/Invoices", json={"Invoices": []})


def test_a_connection_dropped_after_sending_a_write_is_unknown() -> None:
    client = HttpClient("Xero", timeout=(2.0, 5.0))
    with misbehaving_server(answer=False) as url:
        with pytest.raises(OutcomeUnknown, match="connection to Xero dropped"):
            client.send("POST", f"{url}/Payments", json={"Payments": []})
        with pytest.raises(Transient) as read:
            client.send("GET", f"{url}/Payments")
        assert not isinstance(read.value, OutcomeUnknown)


class RecordingLimiter:
    def __init__(self) -> None:
        self.events: list[str] = []
        self.observed: list[tuple[int, str | None]] = []

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        self.events.append("enter")
        yield
        self.events.append("leave")

    def observe(self, status: int, headers: Mapping[str, str]) -> None:
        self.events.append("observe")
        self.observed.append((status, headers.get("X-MinLimit-Remaining")))


def test_every_request_goes_through_the_limiter(server: str) -> None:
    limiter = RecordingLimiter()
    client = HttpClient("Xero", limiter=limiter)
    assert client.send("GET", f"{server}/Accounts").json() == {"ok": True}
    assert client.send("POST", f"{server}/Contacts", json={}).status_code == 200
    assert limiter.events == ["enter", "observe", "leave"] * 2
    assert limiter.observed == [(200, "59"), (200, "59")]


def test_logs_never_carry_headers_or_query_strings(server: str, caplog: pytest.LogCaptureFixture) -> None:
    client = HttpClient("Xero")
    with caplog.at_level(logging.DEBUG):
        client.send(
            "GET",
            f"{server}/Accounts",
            headers={"Authorization": "Bearer SECRET-ACCESS-TOKEN"},
            params={"code": "SECRET-CODE"},
        )
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "/Accounts" in text
    assert "SECRET" not in text


def test_retry_after_as_seconds_or_a_date() -> None:
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds({"Retry-After": "22"}) == 22.0
    assert retry_after_seconds({"Retry-After": "Fri, 27 Nov 2026 12:01:30 GMT"}, now=now) == 90.0
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None


def test_without_query_drops_what_may_be_secret() -> None:
    assert without_query("http://localhost:53682/callback?code=abc&state=x#f") == "http://localhost:53682/callback"
