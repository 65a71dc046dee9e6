"""Xero's API gateway, emulated: token, tenant and scope checks, error bodies, formats; chart."""

from __future__ import annotations

from typing import Any

import requests

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SECOND_TENANT_ID
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.consent import connect


def test_missing_or_bad_token_gets_401_with_xeros_body(xero: dict[str, Any]) -> None:
    headers = {"Accept": "application/json", "xero-tenant-id": DEMO_COMPANY_TENANT_ID}
    missing = requests.get(xero["api"] + "/Accounts", headers=headers, timeout=10)
    garbage = requests.get(
        xero["api"] + "/Accounts", headers={**headers, "Authorization": "Bearer x.y.z"}, timeout=10
    )
    for response in (missing, garbage):
        assert response.status_code == 401
        body = response.json()
        assert body["Type"] is None
        assert body["Title"] == "Unauthorized"
        assert body["Status"] == 401


def test_expired_token_gets_401_token_expired(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.clock.advance(30 * 60)
    response = api.get("/Accounts")
    assert response.status_code == 401
    assert response.json()["Detail"].startswith("TokenExpired: token expired at ")


def test_missing_wrong_or_unconnected_tenant_gets_403_authentication_unsuccessful(api: XeroSession) -> None:
    for tenant in ("", "not-a-guid", "00000000-0000-0000-0000-000000000000", SECOND_TENANT_ID):
        response = api.get("/Accounts", headers={"xero-tenant-id": tenant})
        assert response.status_code == 403, tenant
        body = response.json()
        assert (body["Title"], body["Status"], body["Detail"]) == (
            "Forbidden",
            403,
            "AuthenticationUnsuccessful",
        )


def test_scope_that_does_not_cover_the_call_gets_403(xero: dict[str, Any]) -> None:
    session = XeroSession(
        xero, connect(xero, scope="offline_access accounting.settings.read"), DEMO_COMPANY_TENANT_ID
    )
    assert session.get("/Accounts").status_code == 200
    refused = session.put("/Accounts", {"Code": "299", "Name": "Read Only", "Type": "REVENUE"})
    assert refused.status_code == 403
    assert refused.json()["Detail"] == "AuthorizationUnsuccessful"


def test_unknown_record_gets_404_with_xeros_text(api: XeroSession) -> None:
    response = api.get("/Accounts/6f6f3e4b-3d5c-4c33-9a4e-3d2b1c0a9f8e")
    assert response.status_code == 404
    assert response.text == "The resource you're looking for cannot be found"


def test_every_answer_past_the_token_check_carries_the_limit_headers(api: XeroSession) -> None:
    first = api.get("/Organisation")
    second = api.get("/Accounts/6f6f3e4b-3d5c-4c33-9a4e-3d2b1c0a9f8e")
    assert int(first.headers["X-MinLimit-Remaining"]) == 59
    assert int(second.headers["X-MinLimit-Remaining"]) == 58
    assert int(second.headers["X-DayLimit-Remaining"]) == 998
    assert int(second.headers["X-AppMinLimit-Remaining"]) == 9998


def test_without_accept_json_the_answer_is_xml(api: XeroSession) -> None:
    response = api.get("/Organisation", headers={"Accept": "*/*"})
    assert response.headers["Content-Type"].startswith("text/xml")
    assert response.text.startswith("<Response><Id>")
    assert "<Name>Demo Company (AU)</Name>" in response.text


def test_organisation_is_demo_company_au(api: XeroSession) -> None:
    body = api.get("/Organisation").json()
    assert body["Status"] == "OK"
    assert body["DateTimeUTC"].startswith("/Date(")
    organisation = body["Organisations"][0]
    assert organisation["OrganisationID"] == DEMO_COMPANY_TENANT_ID
    assert (organisation["Name"], organisation["CountryCode"], organisation["BaseCurrency"]) == (
        "Demo Company (AU)",
        "AU",
        "AUD",
    )


def test_chart_holds_the_standard_au_accounts(api: XeroSession) -> None:
    accounts = api.get("/Accounts").json()["Accounts"]
    by_code = {a["Code"]: a for a in accounts}
    assert (by_code["200"]["Name"], by_code["200"]["Type"], by_code["200"]["Class"]) == (
        "Sales",
        "REVENUE",
        "REVENUE",
    )
    assert by_code["260"]["Name"] == "Other Revenue"
    assert by_code["860"]["SystemAccount"] == "ROUNDING"
    assert by_code["820"]["SystemAccount"] == "GST"
    assert by_code["092"]["BankAccountType"] == "CREDITCARD"
    assert any(a["Status"] == "ARCHIVED" for a in accounts)
    assert {a["Type"] for a in accounts} >= {
        "BANK",
        "REVENUE",
        "EXPENSE",
        "DIRECTCOSTS",
        "CURRLIAB",
        "EQUITY",
    }


def test_accounts_where_and_order(api: XeroSession) -> None:
    banks = api.get("/Accounts", params={"where": 'Status=="ACTIVE" AND Type=="BANK"'}).json()["Accounts"]
    assert [a["Code"] for a in banks] == ["090", "091", "092"]
    named = api.get("/Accounts", params={"where": 'Name.StartsWith("Travel")', "order": "Code DESC"}).json()
    assert [a["Code"] for a in named["Accounts"]] == ["494", "493"]
    bad = api.get("/Accounts", params={"where": 'Type=="BANK" AND'})
    assert bad.status_code == 400
    assert bad.json()["Type"] == "QueryParseException"


def test_create_update_archive_and_delete_an_account(api: XeroSession) -> None:
    created = api.put(
        "/Accounts", {"Code": "215", "Name": "Service Agreements", "Type": "REVENUE", "TaxType": "OUTPUT"}
    )
    assert created.status_code == 200, created.text
    account = created.json()["Accounts"][0]
    assert (account["Status"], account["Class"]) == ("ACTIVE", "REVENUE")
    duplicate = api.put("/Accounts", {"Code": "215", "Name": "Sales", "Type": "REVENUE"})
    assert duplicate.status_code == 400
    messages = [e["Message"] for e in duplicate.json()["Elements"][0]["ValidationErrors"]]
    assert messages == ["Please enter a unique Code.", "Please enter a unique Name."]
    archived = api.post(f"/Accounts/{account['AccountID']}", {"Accounts": [{"Status": "ARCHIVED"}]})
    assert archived.json()["Accounts"][0]["Status"] == "ARCHIVED"
    deleted = api.delete(f"/Accounts/{account['AccountID']}")
    assert deleted.json()["Accounts"][0]["Status"] == "DELETED"


def test_system_and_bank_accounts_are_protected(api: XeroSession) -> None:
    accounts = {a["Code"]: a for a in api.get("/Accounts").json()["Accounts"]}
    rounding = api.post(f"/Accounts/{accounts['860']['AccountID']}", {"Accounts": [{"Status": "ARCHIVED"}]})
    assert rounding.status_code == 400
    bank = api.post(f"/Accounts/{accounts['090']['AccountID']}", {"Accounts": [{"Name": "Renamed"}]})
    assert bank.status_code == 400


def test_accounts_if_modified_since(sandbox: SandboxServer, api: XeroSession) -> None:
    sandbox.clock.advance(5)
    since = sandbox.clock.now().replace(microsecond=0, tzinfo=None).isoformat()
    assert api.get("/Accounts", headers={"If-Modified-Since": since}).json()["Accounts"] == []
    api.put("/Accounts", {"Code": "216", "Name": "Maintenance Contracts", "Type": "REVENUE"})
    changed = api.get("/Accounts", headers={"If-Modified-Since": since}).json()["Accounts"]
    assert [a["Code"] for a in changed] == ["216"]
