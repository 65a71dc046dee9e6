"""Rate limits on the sandbox clock, Idempotency-Key replay, and every fault a test can switch on."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import requests

from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.faults import Fault, FaultKind
from app.integrations.sandbox.rate_limits import RateLimits
from app.integrations.sandbox.server import SandboxServer
from tests.integration.sandbox.conftest import XeroSession


def new_contact(name: str) -> dict[str, Any]:
    return {"Contacts": [{"Name": name}]}


def contact_count(api: XeroSession, name: str) -> int:
    return len(api.get("/Contacts", params={"where": f'Name=="{name}"'}).json()["Contacts"])


# ----- rate limits -------------------------------------------------------------------------------------


def test_minute_limit_answers_429_until_the_window_moves_on(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.configure_xero_limits(RateLimits(per_minute=3))
    answers = [api.get("/Organisation") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["X-MinLimit-Remaining"] for a in answers] == ["2", "1", "0", "0"]
    limited = answers[-1]
    assert limited.headers["X-Rate-Limit-Problem"] == "minute"
    retry_after = int(limited.headers["Retry-After"])
    assert 1 <= retry_after <= 60
    sandbox.clock.advance(retry_after - 2)
    assert api.get("/Organisation").status_code == 429
    sandbox.clock.advance(2)
    again = api.get("/Organisation")
    assert again.status_code == 200
    assert again.headers["X-MinLimit-Remaining"] == "2"


def test_day_limit_says_day_and_how_long_to_wait(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.configure_xero_limits(RateLimits(per_day=2))
    assert [api.get("/Organisation").status_code for _ in range(2)] == [200, 200]
    limited = api.get("/Organisation")
    assert limited.status_code == 429
    assert limited.headers["X-Rate-Limit-Problem"] == "day"
    assert limited.headers["X-DayLimit-Remaining"] == "0"
    assert int(limited.headers["Retry-After"]) > 23 * 3600
    sandbox.clock.advance(24 * 3600)
    # The access token lapsed meanwhile; the limit itself has reset.
    assert api.get("/Organisation").status_code == 401


def test_limits_are_counted_per_organisation(sandbox: SandboxServer, xero: dict[str, Any]) -> None:
    from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SECOND_TENANT_ID
    from tests.integration.sandbox.consent import connect

    token = connect(xero, ["Demo Company (AU)", "Kookaburra Catering Pty Ltd"])
    demo = XeroSession(xero, token, DEMO_COMPANY_TENANT_ID)
    second = XeroSession(xero, token, SECOND_TENANT_ID)
    sandbox.configure_xero_limits(RateLimits(per_minute=1))
    assert demo.get("/Organisation").status_code == 200
    assert demo.get("/Organisation").status_code == 429
    assert second.get("/Organisation").status_code == 200


def test_a_sixth_call_while_five_are_in_progress_is_refused_as_concurrent(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    sandbox.add_fault(Fault(FaultKind.HOLD, times=5, path="/Organisation"))
    statuses: list[int] = []

    def call() -> None:
        statuses.append(
            requests.get(api.url("/Organisation"), headers=dict(api.http.headers), timeout=20).status_code
        )

    workers = [threading.Thread(target=call) for _ in range(5)]
    for worker in workers:
        worker.start()
    try:
        assert sandbox.wait_for_held(5, timeout=10)
        sixth = api.get("/Accounts")
        assert sixth.status_code == 429
        assert sixth.headers["X-Rate-Limit-Problem"] == "concurrent"
        assert "Retry-After" not in sixth.headers
    finally:
        sandbox.release_held()
        for worker in workers:
            worker.join(timeout=20)
    assert statuses == [200] * 5
    assert api.get("/Accounts").status_code == 200


def test_sped_up_clock_runs_faster_than_the_wall_clock() -> None:
    clock = SandboxClock(speed=3600)
    before = clock.now()
    time.sleep(0.02)
    assert (clock.now() - before).total_seconds() >= 60
    clock.set_speed(1)
    with pytest.raises(ValueError):
        clock.advance(-1)


# ----- idempotency -------------------------------------------------------------------------------------


def test_idempotency_key_replays_the_first_answer_and_creates_nothing_twice(api: XeroSession) -> None:
    headers = {"Idempotency-Key": "lb-contacts-7f3a"}
    first = api.put("/Contacts", new_contact("Replay Electrical"), headers=headers)
    second = api.put("/Contacts", new_contact("Replay Electrical"), headers=headers)
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert contact_count(api, "Replay Electrical") == 1
    # Replays still count against the limits.
    assert int(second.headers["X-MinLimit-Remaining"]) == int(first.headers["X-MinLimit-Remaining"]) - 1


def test_idempotency_key_with_a_different_request_is_refused(api: XeroSession) -> None:
    api.put("/Contacts", new_contact("First Body"), headers={"Idempotency-Key": "lb-key-1"})
    other = api.put("/Contacts", new_contact("Second Body"), headers={"Idempotency-Key": "lb-key-1"})
    assert other.status_code == 400
    assert other.json()["Message"] == "Idempotency Key: lb-key-1 is used with a different request."
    assert contact_count(api, "Second Body") == 0


def test_errors_are_replayed_too_and_keys_lapse_after_six_minutes(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    body = {"Invoices": [{"Type": "ACCREC", "Contact": {"Name": "Lapse Test"}, "LineItems": []}]}
    headers = {"Idempotency-Key": "lb-invoice-1"}
    refused = api.put("/Invoices", body, headers=headers)
    assert refused.status_code == 400
    assert api.put("/Invoices", body, headers=headers).json() == refused.json()
    sandbox.clock.advance(361)
    fresh = api.put("/Contacts", new_contact("After The Window"), headers=headers)
    assert fresh.status_code == 200


def test_idempotency_key_limits(api: XeroSession) -> None:
    too_long = api.put("/Contacts", new_contact("Long Key"), headers={"Idempotency-Key": "k" * 129})
    assert too_long.status_code == 400
    ignored_on_get = api.get("/Organisation", headers={"Idempotency-Key": "lb-get"})
    assert (
        api.get("/Organisation", headers={"Idempotency-Key": "lb-get"}).json()["Id"]
        != ignored_on_get.json()["Id"]
    )


# ----- faults ------------------------------------------------------------------------------------------


def test_429_burst_then_normal_answers(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.add_fault(Fault(FaultKind.RATE_LIMITED, times=3, problem="minute", retry_after=7))
    answers = [api.get("/Organisation") for _ in range(4)]
    assert [a.status_code for a in answers] == [429, 429, 429, 200]
    assert answers[0].headers["Retry-After"] == "7"
    assert answers[0].headers["X-Rate-Limit-Problem"] == "minute"


def test_500_and_503_replace_the_call_so_nothing_is_written(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.add_fault(Fault(FaultKind.SERVER_ERROR, method="PUT", path="/Contacts"))
    assert api.put("/Contacts", new_contact("Never Written")).status_code == 500
    sandbox.add_fault(Fault(FaultKind.UNAVAILABLE, method="PUT"))
    assert api.put("/Contacts", new_contact("Never Written")).status_code == 503
    assert contact_count(api, "Never Written") == 0


def test_slow_answer_past_the_client_timeout_was_still_committed(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    sandbox.add_fault(Fault(FaultKind.SLOW, seconds=3, method="PUT"))
    with pytest.raises(requests.exceptions.ReadTimeout):
        api.http.put(
            api.url("/Contacts"),
            json=new_contact("Slow Answer Pty Ltd"),
            timeout=0.3,
            headers={"Idempotency-Key": "lb-slow-1"},
        )
    assert contact_count(api, "Slow Answer Pty Ltd") == 1
    # The retry with the same key gets the committed answer instead of a second contact.
    retry = api.put("/Contacts", new_contact("Slow Answer Pty Ltd"), headers={"Idempotency-Key": "lb-slow-1"})
    assert retry.status_code == 200
    assert contact_count(api, "Slow Answer Pty Ltd") == 1


def test_connection_dropped_after_the_commit(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.add_fault(Fault(FaultKind.DROP, method="PUT", path="/Contacts"))
    with pytest.raises(requests.exceptions.ConnectionError):
        api.put("/Contacts", new_contact("Dropped Answer Co"))
    assert contact_count(api, "Dropped Answer Co") == 1


def test_answer_held_after_the_commit_until_released(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.add_fault(Fault(FaultKind.HOLD, method="PUT"))
    result: dict[str, requests.Response] = {}
    worker = threading.Thread(
        target=lambda: result.update(
            answer=api.http.put(api.url("/Contacts"), json=new_contact("Held Answer Ltd"), timeout=20)
        )
    )
    worker.start()
    try:
        assert sandbox.wait_for_held(1, timeout=10)
        # Committed while the client still waits: this is the moment a test can kill the client.
        assert contact_count(api, "Held Answer Ltd") == 1
        assert "answer" not in result
    finally:
        assert sandbox.release_held() == 1
        worker.join(timeout=20)
    assert result["answer"].status_code == 200


def test_faults_and_clock_are_steered_over_http_from_loopback(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    control = sandbox.base_url + "/_sandbox"
    added = requests.post(
        f"{control}/faults", json={"kind": "503", "times": 1, "path": "/Organisation"}, timeout=10
    )
    assert added.status_code == 201
    assert [f["kind"] for f in requests.get(f"{control}/faults", timeout=10).json()["faults"]] == ["503"]
    assert api.get("/Organisation").status_code == 503
    assert requests.get(f"{control}/faults", timeout=10).json()["faults"] == []
    before = requests.get(f"{control}/clock", timeout=10).json()["now"]
    moved = requests.post(f"{control}/clock", json={"advance": 3600}, timeout=10).json()["now"]
    assert moved > before
    assert api.get("/Organisation").status_code == 401  # an hour later the access token has lapsed
    requests.post(f"{control}/faults", json={"kind": "hold", "path": "/connections"}, timeout=10)
    held = threading.Thread(target=lambda: requests.get(api.endpoints["connections"], timeout=20))
    held.start()
    assert sandbox.wait_for_held(1, timeout=10)
    assert requests.get(f"{control}/held", timeout=10).json() == {"held": 1}
    assert requests.post(f"{control}/release", timeout=10).json() == {"released": 1}
    held.join(timeout=20)
    limits = requests.post(f"{control}/limits", json={"per_day": 5}, timeout=10).json()
    assert (limits["per_day"], limits["per_minute"]) == (5, 60)
    assert requests.delete(f"{control}/faults", timeout=10).status_code == 204
