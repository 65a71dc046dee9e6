"""The emulated Xero identity server: consent page, PKCE, codes, tokens, rotation, revocation, connections."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
import requests

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SECOND_TENANT_ID
from tests.integration.sandbox.consent import (
    CLIENT_ID,
    REDIRECT_URI,
    authorize_params,
    connect,
    exchange,
    new_verifier,
    open_consent,
    redirect_query,
    refresh,
)


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_consent_page_names_the_app_offers_both_organisations_and_redirects_with_code_and_state(
    xero: dict[str, Any],
) -> None:
    verifier = new_verifier()
    page = open_consent(xero, verifier, state="abc123")
    assert "LedgerBridge" in page.response.text
    assert set(page.organisations) == {"Demo Company (AU)", "Kookaburra Catering Pty Ltd"}
    assert set(page.buttons) == {"Allow access", "Cancel"}
    query = redirect_query(page.press("Allow access", ["Demo Company (AU)"]))
    assert query["state"] == "abc123"
    assert page.response.url.startswith(xero["authorize"])
    reply = exchange(xero, query["code"], verifier)
    assert reply.status_code == 200
    token = reply.json()
    assert token["expires_in"] == 1800
    assert token["token_type"] == "Bearer"
    assert token["refresh_token"]
    assert "id_token" not in token  # openid was not asked for
    assert reply.headers["Cache-Control"] == "no-store"
    claims = jwt_claims(token["access_token"])
    assert claims["client_id"] == CLIENT_ID
    assert claims["exp"] - claims["nbf"] == 1800
    assert claims["authentication_event_id"]


def test_redirect_location_is_the_registered_uri_exactly(xero: dict[str, Any]) -> None:
    verifier = new_verifier()
    page = open_consent(xero, verifier, redirect_uri="http://localhost:53684/callback")
    response = page.press("Allow access")
    assert response.headers["Location"].startswith("http://localhost:53684/callback?code=")


def test_cancel_redirects_with_access_denied(xero: dict[str, Any]) -> None:
    page = open_consent(xero, new_verifier(), state="s-1")
    query = redirect_query(page.press("Cancel"))
    assert query == {"error": "access_denied", "state": "s-1"}


def test_allow_with_no_organisation_ticked_asks_again(xero: dict[str, Any]) -> None:
    page = open_consent(xero, new_verifier())
    response = page.press("Allow access", [])
    assert response.status_code == 200
    assert "Select at least one organisation" in response.text


def test_a_consent_page_answers_once(xero: dict[str, Any]) -> None:
    page = open_consent(xero, new_verifier())
    assert page.press("Allow access").status_code == 302
    again = page.press("Allow access")
    assert again.status_code == 400
    assert "expired" in again.text


@pytest.mark.parametrize(
    ("override", "error"),
    [
        ({"client_id": "someone-else"}, "unauthorized_client"),
        ({"redirect_uri": "http://localhost:53685/callback"}, "unauthorized_client"),
        ({"redirect_uri": "http://localhost:53682/callback/"}, "unauthorized_client"),
        ({"redirect_uri": "http://127.0.0.1:53682/callback"}, "unauthorized_client"),
        ({"redirect_uri": "http://LOCALHOST:53682/callback"}, "unauthorized_client"),
        ({"code_challenge": ""}, "invalid_request"),
        ({"code_challenge_method": "plain"}, "invalid_request"),
        ({"scope": "offline_access accounting.transactions accounting.settings"}, "invalid_scope"),
        ({"scope": "offline_access accounting.reports.read"}, "invalid_scope"),
        ({"response_type": "token"}, "unsupported_response_type"),
    ],
)
def test_authorize_refuses_with_an_error_page_never_a_redirect(
    xero: dict[str, Any], override: dict[str, str], error: str
) -> None:
    params = authorize_params(new_verifier(), **override)
    response = requests.get(xero["authorize"], params=params, allow_redirects=False, timeout=10)
    assert response.status_code == 400
    assert "Location" not in response.headers
    assert f"Error: {error}" in response.text


def test_code_is_single_use(xero: dict[str, Any]) -> None:
    verifier = new_verifier()
    query = redirect_query(open_consent(xero, verifier).press("Allow access"))
    assert exchange(xero, query["code"], verifier).status_code == 200
    again = exchange(xero, query["code"], verifier)
    assert again.status_code == 400
    assert again.json() == {"error": "invalid_grant"}


def test_code_expires_after_five_minutes(sandbox: SandboxServer, xero: dict[str, Any]) -> None:
    verifier = new_verifier()
    query = redirect_query(open_consent(xero, verifier).press("Allow access"))
    sandbox.clock.advance(5 * 60 + 1)
    reply = exchange(xero, query["code"], verifier)
    assert (reply.status_code, reply.json()) == (400, {"error": "invalid_grant"})


def test_wrong_verifier_or_redirect_fails_the_exchange(xero: dict[str, Any]) -> None:
    verifier = new_verifier()
    query = redirect_query(open_consent(xero, verifier).press("Allow access"))
    assert exchange(xero, query["code"], new_verifier()).json() == {"error": "invalid_grant"}
    verifier = new_verifier()
    query = redirect_query(open_consent(xero, verifier).press("Allow access"))
    wrong = exchange(xero, query["code"], verifier, redirect_uri="http://localhost:53683/callback")
    assert wrong.json() == {"error": "invalid_grant"}


def test_token_endpoint_refuses_unknown_clients_and_grants(xero: dict[str, Any]) -> None:
    unknown = requests.post(xero["token"], data={"grant_type": "refresh_token", "client_id": "x"}, timeout=10)
    assert (unknown.status_code, unknown.json()) == (400, {"error": "invalid_client"})
    grant = requests.post(xero["token"], data={"grant_type": "password", "client_id": CLIENT_ID}, timeout=10)
    assert (grant.status_code, grant.json()) == (400, {"error": "unsupported_grant_type"})


def test_openid_scope_adds_an_id_token(xero: dict[str, Any]) -> None:
    token = connect(xero, scope="openid profile email offline_access accounting.settings")
    claims = jwt_claims(token["id_token"])
    assert claims["aud"] == CLIENT_ID
    assert claims["email"]


def test_no_offline_access_no_refresh_token(xero: dict[str, Any]) -> None:
    token = connect(xero, scope="accounting.settings")
    assert "refresh_token" not in token


def test_refresh_rotates_and_the_old_token_has_a_30_minute_grace_period(
    sandbox: SandboxServer, xero: dict[str, Any]
) -> None:
    first = connect(xero)
    second = refresh(xero, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    sandbox.clock.advance(29 * 60)
    # A client that never saw the answer retries with the old token: still fine inside the grace period.
    retried = refresh(xero, first["refresh_token"])
    assert retried.status_code == 200
    sandbox.clock.advance(2 * 60)
    late = refresh(xero, first["refresh_token"])
    assert (late.status_code, late.json()) == (400, {"error": "invalid_grant"})
    assert refresh(xero, second["refresh_token"]).status_code == 200


def test_refresh_token_unused_for_60_days_lapses(sandbox: SandboxServer, xero: dict[str, Any]) -> None:
    token = connect(xero)
    sandbox.clock.advance(60 * 24 * 3600 + 60)
    assert refresh(xero, token["refresh_token"]).json() == {"error": "invalid_grant"}


def test_refresh_asking_for_more_scope_than_granted_fails(xero: dict[str, Any]) -> None:
    token = connect(xero, scope="offline_access accounting.settings")
    reply = requests.post(
        xero["token"],
        data={
            "grant_type": "refresh_token",
            "client_id": CLIENT_ID,
            "refresh_token": token["refresh_token"],
            "scope": "offline_access accounting.settings accounting.payments",
        },
        timeout=10,
    )
    assert reply.json() == {"error": "invalid_grant"}


def bearer(token: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_connections_lists_what_was_connected_and_answers_both_spellings(xero: dict[str, Any]) -> None:
    token = connect(xero, ["Demo Company (AU)", "Kookaburra Catering Pty Ltd"])
    response = requests.get(xero["connections"], headers=bearer(token), timeout=10)
    assert response.status_code == 200
    connections = response.json()
    assert [c["tenantName"] for c in connections] == ["Demo Company (AU)", "Kookaburra Catering Pty Ltd"]
    assert {c["tenantId"] for c in connections} == {DEMO_COMPANY_TENANT_ID, SECOND_TENANT_ID}
    assert all(c["tenantType"] == "ORGANISATION" for c in connections)
    assert {c["authEventId"] for c in connections} == {
        jwt_claims(token["access_token"])["authentication_event_id"]
    }
    capital = requests.get(
        xero["connections"].replace("/connections", "/Connections"), headers=bearer(token), timeout=10
    )
    assert capital.json() == connections


def test_connections_filter_by_auth_event(xero: dict[str, Any]) -> None:
    connect(xero, ["Kookaburra Catering Pty Ltd"])
    token = connect(xero, ["Demo Company (AU)"])
    event = jwt_claims(token["access_token"])["authentication_event_id"]
    everything = requests.get(xero["connections"], headers=bearer(token), timeout=10).json()
    this_time = requests.get(
        xero["connections"], headers=bearer(token), params={"authEventId": event}, timeout=10
    ).json()
    assert len(everything) == 2
    assert [c["tenantName"] for c in this_time] == ["Demo Company (AU)"]


def test_reconnecting_keeps_the_connection_and_moves_its_updated_date(
    sandbox: SandboxServer, xero: dict[str, Any]
) -> None:
    first = connect(xero)
    before = requests.get(xero["connections"], headers=bearer(first), timeout=10).json()[0]
    sandbox.clock.advance(120)
    second = connect(xero)
    after = requests.get(xero["connections"], headers=bearer(second), timeout=10).json()[0]
    assert after["id"] == before["id"]
    assert after["createdDateUtc"] == before["createdDateUtc"]
    assert after["updatedDateUtc"] != before["updatedDateUtc"]


def test_delete_connection_disconnects_that_tenant(xero: dict[str, Any]) -> None:
    token = connect(xero, ["Demo Company (AU)", "Kookaburra Catering Pty Ltd"])
    connections = requests.get(xero["connections"], headers=bearer(token), timeout=10).json()
    demo = next(c for c in connections if c["tenantId"] == DEMO_COMPANY_TENANT_ID)
    deleted = requests.delete(f"{xero['connections']}/{demo['id']}", headers=bearer(token), timeout=10)
    assert deleted.status_code == 204
    again = requests.delete(f"{xero['connections']}/{demo['id']}", headers=bearer(token), timeout=10)
    assert again.status_code == 404
    remaining = requests.get(xero["connections"], headers=bearer(token), timeout=10).json()
    assert [c["tenantId"] for c in remaining] == [SECOND_TENANT_ID]
    refused = requests.get(
        xero["api"] + "/Organisation",
        headers={**bearer(token), "xero-tenant-id": DEMO_COMPANY_TENANT_ID, "Accept": "application/json"},
        timeout=10,
    )
    assert refused.status_code == 403


def test_revocation_removes_every_connection_and_refresh_token(xero: dict[str, Any]) -> None:
    token = connect(xero)
    revoked = requests.post(
        xero["revoke"], data={"token": token["refresh_token"], "client_id": CLIENT_ID}, timeout=10
    )
    assert (revoked.status_code, revoked.content) == (200, b"")
    assert refresh(xero, token["refresh_token"]).json() == {"error": "invalid_grant"}
    assert requests.get(xero["connections"], headers=bearer(token), timeout=10).json() == []


def test_redirect_uri_constant_is_registered() -> None:
    from app.integrations.sandbox.xero.apps import DEMO_REDIRECT_URIS

    assert REDIRECT_URI in DEMO_REDIRECT_URIS
    assert len(DEMO_REDIRECT_URIS) == 3
