"""The one-shot loopback listener, over real sockets: ports, state check, errors, timeout, cancel."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from app.integrations.base import IntegrationError
from app.integrations.oauth import (
    CallbackAnswer,
    ConsentCancelled,
    ConsentError,
    ConsentTimedOut,
    LoopbackListener,
    TokenSet,
    require_safe_transport,
)


def free_ports(count: int) -> list[int]:
    """Ports free right now (the OS picks them), so these tests never touch the registered ones."""
    sockets = []
    for _ in range(count):
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sockets.append(sock)
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


@pytest.fixture
def listener() -> Iterator[LoopbackListener]:
    opened = LoopbackListener(free_ports(3))
    opened.open()
    yield opened
    opened.close()


def wait_in_thread(listener: LoopbackListener, state: str, **kwargs: object) -> tuple[threading.Thread, dict]:
    outcome: dict[str, object] = {}

    def run() -> None:
        try:
            outcome["answer"] = listener.wait(state, **kwargs)  # type: ignore[arg-type]
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_the_redirect_uri_names_localhost_and_the_callback_path(listener: LoopbackListener) -> None:
    assert listener.redirect_uri == f"http://localhost:{listener.port}/callback"


def test_the_first_free_port_is_taken(listener: LoopbackListener) -> None:
    ports = free_ports(2)
    busy = socket.socket()
    busy.bind(("127.0.0.1", ports[0]))
    busy.listen(1)
    try:
        second = LoopbackListener(ports)
        assert second.open() == ports[1]
        second.close()
    finally:
        busy.close()


def test_all_ports_busy_is_a_plain_refusal() -> None:
    ports = free_ports(2)
    held = []
    for port in ports:
        sock = socket.socket()
        sock.bind(("127.0.0.1", port))
        sock.listen(1)
        held.append(sock)
    try:
        with pytest.raises(ConsentError, match="all are in use"):
            LoopbackListener(ports).open()
    finally:
        for sock in held:
            sock.close()


def test_the_matching_answer_is_taken_after_others_are_turned_away(listener: LoopbackListener) -> None:
    thread, outcome = wait_in_thread(listener, "right-state", timeout=30)
    base = f"http://127.0.0.1:{listener.port}"
    assert requests.get(f"{base}/", timeout=10).status_code == 404
    assert requests.get(f"{base}/callback?code=x&state=wrong", timeout=10).status_code == 400
    assert requests.get(f"{base}/callback?state=right-state", timeout=10).status_code == 400  # no code
    answer = requests.get(f"{base}/callback?code=the-code&state=right-state&realmId=42", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    thread.join(10)
    result = outcome["answer"]
    assert isinstance(result, CallbackAnswer)
    assert result.code == "the-code" and result.error is None
    assert result.params["realmId"] == "42"
    assert "the-code" not in repr(result)


def test_an_error_answer_is_returned_for_the_caller_to_explain(listener: LoopbackListener) -> None:
    thread, outcome = wait_in_thread(listener, "s", timeout=30)
    requests.get(f"http://127.0.0.1:{listener.port}/callback?error=access_denied&state=s", timeout=10)
    thread.join(10)
    result = outcome["answer"]
    assert isinstance(result, CallbackAnswer) and result.error == "access_denied" and result.code is None


def test_nobody_answering_times_out_cleanly(listener: LoopbackListener) -> None:
    with pytest.raises(ConsentTimedOut, match="No answer came"):
        listener.wait("s", timeout=0.3)


def test_a_forged_answer_before_the_timeout_is_mentioned(listener: LoopbackListener) -> None:
    thread, outcome = wait_in_thread(listener, "s", timeout=1.5)
    requests.get(f"http://127.0.0.1:{listener.port}/callback?code=x&state=forged", timeout=10)
    thread.join(10)
    error = outcome["error"]
    assert isinstance(error, ConsentTimedOut)
    assert "another sign-in attempt" in str(error)


def test_cancel_stops_waiting(listener: LoopbackListener) -> None:
    cancel = threading.Event()
    thread, outcome = wait_in_thread(listener, "s", timeout=60, cancel=cancel)
    cancel.set()
    thread.join(10)
    assert not thread.is_alive()
    assert isinstance(outcome["error"], ConsentCancelled)


def test_a_slow_silent_client_does_not_block_the_listener(listener: LoopbackListener) -> None:
    thread, outcome = wait_in_thread(listener, "s", timeout=30)
    silent = socket.create_connection(("127.0.0.1", listener.port))  # connects, sends nothing
    try:
        # Well under the listener's idle limit for the silent connection (10 s): it must not be waited on.
        answer = requests.get(f"http://127.0.0.1:{listener.port}/callback?code=c&state=s", timeout=4)
        assert answer.status_code == 200
    finally:
        silent.close()
    thread.join(10)
    assert isinstance(outcome["answer"], CallbackAnswer)


def test_secrets_go_only_over_https_or_to_this_computer() -> None:
    require_safe_transport("https://identity.xero.com/connect/token")
    require_safe_transport("http://127.0.0.1:5000/xero/identity/connect/token")
    require_safe_transport("http://localhost:5000/x")
    with pytest.raises(IntegrationError, match="only https"):
        require_safe_transport("http://identity.example.com/connect/token")


def test_a_token_set_never_shows_its_tokens() -> None:
    import datetime as dt

    tokens = TokenSet.from_response(
        {"access_token": "AT-secret", "refresh_token": "RT-secret", "expires_in": 1800, "scope": "a b"},
        dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    )
    assert tokens.expires_at == dt.datetime(2026, 1, 1, 0, 30, tzinfo=dt.UTC)
    assert "secret" not in repr(tokens) and "secret" not in str(tokens)
    assert tokens.scope == "a b"
