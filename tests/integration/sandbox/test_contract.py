"""Fidelity (a): the sandbox's answers against Xero's OpenAPI contracts and the reference's error shapes.

One walk drives every operation of the endpoints the sandbox serves, including the refusals the contract
documents (400), and validates each answer with openapi-core; ``x-is-msdate`` fields must be
``/Date(ms+0000)/``. Statuses the contract leaves out (401, 403, 404, 429, 5xx) and the token endpoint are
checked against reference sections 1.2 and 2.2.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from openapi_core.validation.response.exceptions import InvalidData
from openapi_schema_validator import OAS30Validator

from app.integrations.sandbox.faults import Fault, FaultKind
from app.integrations.sandbox.rate_limits import RateLimits
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SECOND_TENANT_ID
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.consent import CLIENT_ID, connect, refresh
from tests.integration.sandbox.contract import ContractChecker, load_contract


@pytest.fixture(scope="module")
def contracts() -> tuple[dict[str, Any], dict[str, Any]]:
    return load_contract("xero_accounting.yaml"), load_contract("xero-identity.yaml")


@pytest.fixture
def checker(sandbox: SandboxServer, contracts: tuple[dict[str, Any], dict[str, Any]]) -> ContractChecker:
    accounting, identity = contracts
    return ContractChecker(
        accounting, identity, sandbox.endpoints()["xero"]["api"], sandbox.base_url + "/xero/api"
    )


#: Every operation (method, contract path, status) the walk must have validated.
EXPECTED = {
    ("GET", "/Organisation", 200),
    ("GET", "/Organisation/Actions", 200),
    ("GET", "/Accounts", 200),
    ("PUT", "/Accounts", 200),
    ("PUT", "/Accounts", 400),
    ("GET", "/Accounts/{AccountID}", 200),
    ("POST", "/Accounts/{AccountID}", 200),
    ("POST", "/Accounts/{AccountID}", 400),
    ("DELETE", "/Accounts/{AccountID}", 200),
    ("DELETE", "/Accounts/{AccountID}", 400),
    ("GET", "/TaxRates", 200),
    ("GET", "/TaxRates/{TaxType}", 200),
    ("GET", "/Items", 200),
    ("PUT", "/Items", 200),
    ("PUT", "/Items", 400),
    ("POST", "/Items", 200),
    ("GET", "/Items/{ItemID}", 200),
    ("POST", "/Items/{ItemID}", 200),
    ("POST", "/Items/{ItemID}", 400),
    ("DELETE", "/Items/{ItemID}", 204),
    ("DELETE", "/Items/{ItemID}", 400),
    ("GET", "/Contacts", 200),
    ("PUT", "/Contacts", 200),
    ("PUT", "/Contacts", 400),
    ("POST", "/Contacts", 200),
    ("POST", "/Contacts", 400),
    ("GET", "/Contacts/{ContactID}", 200),
    ("GET", "/Contacts/{ContactNumber}", 200),
    ("POST", "/Contacts/{ContactID}", 200),
    ("POST", "/Contacts/{ContactID}", 400),
    ("GET", "/Invoices", 200),
    ("PUT", "/Invoices", 200),
    ("PUT", "/Invoices", 400),
    ("POST", "/Invoices", 200),
    ("POST", "/Invoices", 400),
    ("GET", "/Invoices/{InvoiceID}", 200),
    ("POST", "/Invoices/{InvoiceID}", 200),
    ("POST", "/Invoices/{InvoiceID}", 400),
    ("GET", "/Payments", 200),
    ("PUT", "/Payments", 200),
    ("PUT", "/Payments", 400),
    ("POST", "/Payments", 200),
    ("POST", "/Payments", 400),
    ("GET", "/Payments/{PaymentID}", 200),
    ("POST", "/Payments/{PaymentID}", 200),
    ("POST", "/Payments/{PaymentID}", 400),
    ("GET", "/CreditNotes", 200),
    ("PUT", "/CreditNotes", 200),
    ("PUT", "/CreditNotes", 400),
    ("POST", "/CreditNotes", 200),
    ("POST", "/CreditNotes", 400),
    ("GET", "/CreditNotes/{CreditNoteID}", 200),
    ("POST", "/CreditNotes/{CreditNoteID}", 200),
    ("POST", "/CreditNotes/{CreditNoteID}", 400),
    ("PUT", "/CreditNotes/{CreditNoteID}/Allocations", 200),
    ("PUT", "/CreditNotes/{CreditNoteID}/Allocations", 400),
    ("DELETE", "/CreditNotes/{CreditNoteID}/Allocations/{AllocationID}", 200),
    ("GET", "/Connections", 200),
    ("DELETE", "/Connections/{id}", 204),
    ("DELETE", "/Connections/{id}", 404),
}


def line(amount: str, account: str = "200", **extra: Any) -> dict[str, Any]:
    return {
        "Description": "Service call",
        "Quantity": 1,
        "UnitAmount": amount,
        "AccountCode": account,
        **extra,
    }


def test_every_documented_answer_validates_against_the_contract(
    sandbox: SandboxServer, xero: dict[str, Any], checker: ContractChecker
) -> None:
    # The walk makes more calls than Xero's 60 a minute; the limits have their own tests.
    sandbox.configure_xero_limits(RateLimits(per_minute=1000))
    api = XeroSession(
        xero, connect(xero, ["Demo Company (AU)", "Kookaburra Catering Pty Ltd"]), DEMO_COMPANY_TENANT_ID
    )
    check = checker.check
    # Organisation, accounts, tax rates
    check(api.get("/Organisation"))
    check(api.get("/Organisation/Actions"))
    accounts = api.get("/Accounts")
    check(accounts)
    by_code = {a["Code"]: a for a in accounts.json()["Accounts"]}
    check(api.get(f"/Accounts/{by_code['200']['AccountID']}"))
    created = api.put("/Accounts", {"Code": "280", "Name": "Maintenance Contracts", "Type": "REVENUE"})
    check(created)
    new_account = created.json()["Accounts"][0]["AccountID"]
    check(api.put("/Accounts", {"Code": "280", "Name": "Maintenance Contracts", "Type": "REVENUE"}))
    check(api.post(f"/Accounts/{new_account}", {"Accounts": [{"Description": "Yearly contracts"}]}))
    check(api.post(f"/Accounts/{by_code['860']['AccountID']}", {"Accounts": [{"Status": "ARCHIVED"}]}))
    check(api.delete(f"/Accounts/{new_account}"))
    check(api.delete(f"/Accounts/{by_code['860']['AccountID']}"))
    check(api.get("/TaxRates"))
    check(api.get("/TaxRates/OUTPUT"))
    check(
        api.get(
            "/Accounts",
            headers={"If-Modified-Since": "2020-01-01T00:00:00"},
            params={"where": 'Type=="BANK"'},
        )
    )

    # Items
    check(api.get("/Items"))
    item = api.put(
        "/Items",
        {
            "Items": [
                {
                    "Code": "GAS-CERT",
                    "Name": "Gas compliance certificate",
                    "SalesDetails": {"UnitPrice": 95, "AccountCode": "200"},
                }
            ]
        },
    )
    check(item)
    item_id = item.json()["Items"][0]["ItemID"]
    check(api.put("/Items", {"Items": [{"Code": "GAS-CERT", "Name": "Again"}]}))
    check(api.post("/Items", {"Items": [{"Code": "GAS-CERT", "Description": "Certificate of compliance"}]}))
    check(api.get(f"/Items/{item_id}"))
    check(api.post(f"/Items/{item_id}", {"Items": [{"Code": "GAS-CERT", "Name": "Gas certificate"}]}))
    check(api.post(f"/Items/{item_id}", {"Items": [{"Code": "CALLOUT"}]}))
    check(api.delete(f"/Items/{item_id}"))
    used_item = next(i for i in api.get("/Items").json()["Items"] if i["Code"] == "LAB-STD")
    check(api.delete(f"/Items/{used_item['ItemID']}"))

    # Contacts
    check(api.get("/Contacts", params={"page": 1}))
    check(api.get("/Contacts", params={"summaryOnly": "true", "searchTerm": "pty"}))
    contact = api.put(
        "/Contacts",
        {
            "Contacts": [
                {
                    "Name": "Seaside Strata Pty Ltd",
                    "ContactNumber": "LB-1001",
                    "EmailAddress": "accounts@seaside.example.com",
                }
            ]
        },
    )
    check(contact)
    contact_id = contact.json()["Contacts"][0]["ContactID"]
    check(api.put("/Contacts", {"Contacts": [{"Name": "Seaside Strata Pty Ltd"}]}))
    check(api.post("/Contacts", {"Contacts": [{"ContactID": contact_id, "FirstName": "Dana"}]}))
    check(api.post("/Contacts", {"Contacts": [{"Name": ""}]}))
    mixed = api.post(
        "/Contacts",
        {"Contacts": [{"Name": "Another Strata Co"}, {"Name": "Seaside Strata Pty Ltd"}]},
        params={"summarizeErrors": "false"},
    )
    assert [c["StatusAttributeString"] for c in mixed.json()["Contacts"]] == ["OK", "ERROR"]
    check(mixed)
    check(api.get(f"/Contacts/{contact_id}"))
    check(api.get("/Contacts/LB-1001"))
    check(
        api.post(
            f"/Contacts/{contact_id}",
            {"Contacts": [{"Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "0491 570 006"}]}]},
        )
    )
    check(api.post(f"/Contacts/{contact_id}", {"Contacts": [{"EmailAddress": "not an address"}]}))

    # Invoices
    invoice = api.put(
        "/Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": contact_id},
                    "Date": "2026-10-01",
                    "DueDate": "2026-10-15",
                    "Reference": "Job 5001",
                    "Status": "AUTHORISED",
                    "LineItems": [line("250.00"), line("100.00", ItemCode="CALLOUT", DiscountRate=10)],
                }
            ]
        },
    )
    check(invoice)
    invoice_id = invoice.json()["Invoices"][0]["InvoiceID"]
    check(
        api.put(
            "/Invoices",
            {"Invoices": [{"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": []}]},
        )
    )
    check(
        api.post(
            "/Invoices",
            {
                "Invoices": [
                    {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": [line("80.00")]}
                ]
            },
        )
    )
    check(
        api.post(
            "/Invoices",
            {
                "Invoices": [
                    {
                        "Type": "ACCREC",
                        "Contact": {"ContactID": contact_id},
                        "LineItems": [line("80.00", account="999")],
                    }
                ]
            },
        )
    )
    check(api.get("/Invoices", params={"page": 1, "pageSize": 10}))
    check(api.get("/Invoices", params={"Statuses": "AUTHORISED,PAID", "where": 'Type=="ACCREC"'}))
    check(api.get("/Invoices"))
    check(api.get(f"/Invoices/{invoice_id}", params={"unitdp": 4}))
    check(api.post(f"/Invoices/{invoice_id}", {"Invoices": [{"Reference": "Job 5001 / PO 77"}]}))
    check(api.post(f"/Invoices/{invoice_id}", {"Invoices": [{"Status": "DRAFT"}]}))

    # Payments
    payment = api.put(
        "/Payments",
        {
            "Payments": [
                {
                    "Invoice": {"InvoiceID": invoice_id},
                    "Account": {"Code": "090"},
                    "Date": "2026-10-10",
                    "Amount": 100,
                    "Reference": "LB-PAY-1",
                }
            ]
        },
    )
    check(payment)
    payment_id = payment.json()["Payments"][0]["PaymentID"]
    check(
        api.put(
            "/Payments",
            {
                "Payments": [
                    {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Amount": 100000}
                ]
            },
        )
    )
    check(
        api.post(
            "/Payments", {"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": "090"}, "Amount": 10}
        )
    )
    check(api.post("/Payments", {"Invoice": {"InvoiceID": invoice_id}, "Amount": 10}))
    check(api.get("/Payments", params={"where": 'Status=="AUTHORISED"', "page": 1}))
    check(api.get(f"/Payments/{payment_id}"))
    check(api.post(f"/Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]}))
    check(api.post(f"/Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]}))

    # Credit notes and allocations
    note = api.put(
        "/CreditNotes",
        {
            "CreditNotes": [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"ContactID": contact_id},
                    "Date": "2026-10-12",
                    "Status": "AUTHORISED",
                    "LineItems": [line("50.00")],
                }
            ]
        },
    )
    check(note)
    note_id = note.json()["CreditNotes"][0]["CreditNoteID"]
    check(
        api.put(
            "/CreditNotes",
            {
                "CreditNotes": [
                    {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "LineItems": [line("5.00")]}
                ]
            },
        )
    )
    check(
        api.post(
            "/CreditNotes",
            {
                "CreditNotes": [
                    {
                        "Type": "ACCRECCREDIT",
                        "Contact": {"ContactID": contact_id},
                        "LineItems": [line("5.00")],
                    }
                ]
            },
        )
    )
    check(
        api.post(
            "/CreditNotes",
            {"CreditNotes": [{"Type": "ACCRECCREDIT", "Contact": {"Name": ""}, "LineItems": [line("5.00")]}]},
        )
    )
    check(api.get("/CreditNotes", params={"page": 1}))
    check(api.get(f"/CreditNotes/{note_id}"))
    check(api.post(f"/CreditNotes/{note_id}", {"CreditNotes": [{"Reference": "Goodwill"}]}))
    check(api.post(f"/CreditNotes/{note_id}", {"CreditNotes": [{"Status": "DRAFT"}]}))
    allocation = api.put(
        f"/CreditNotes/{note_id}/Allocations",
        {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": 20, "Date": "2026-10-13"}]},
    )
    check(allocation)
    allocation_id = allocation.json()["Allocations"][0]["AllocationID"]
    check(
        api.put(
            f"/CreditNotes/{note_id}/Allocations",
            {"Allocations": [{"Invoice": {"InvoiceID": invoice_id}, "Amount": 5000, "Date": "2026-10-13"}]},
        )
    )
    check(api.delete(f"/CreditNotes/{note_id}/Allocations/{allocation_id}"))

    # Connections (the identity contract spells the path /Connections)
    connections_url = xero["connections"].replace("/connections", "/Connections")
    listed = api.http.get(connections_url, timeout=10)
    check(listed)
    second = next(c for c in listed.json() if c["tenantId"] == SECOND_TENANT_ID)
    check(api.http.delete(f"{connections_url}/{second['id']}", timeout=10))
    check(api.http.delete(f"{connections_url}/{second['id']}", timeout=10))

    missing = EXPECTED - checker.seen
    assert not missing, sorted(missing)
    assert checker.checked >= len(EXPECTED)


def test_the_check_itself_refuses_an_answer_that_breaks_the_contract(
    api: XeroSession, checker: ContractChecker
) -> None:
    response = api.get("/Accounts")
    body = response.json()
    body["Accounts"][0]["Status"] = "SLEEPING"
    broken = requests.Response()
    broken.status_code = 200
    broken.headers.update(response.headers)
    broken._content = requests.compat.json.dumps(body).encode()  # type: ignore[attr-defined]
    broken.request = response.request
    with pytest.raises(InvalidData):
        checker.check(broken)
    body = response.json()
    body["Accounts"][0]["UpdatedDateUTC"] = "2026-01-01T00:00:00"
    broken._content = requests.compat.json.dumps(body).encode()  # type: ignore[attr-defined]
    with pytest.raises(AssertionError, match="is not /Date"):
        checker.check(broken)


def problem_shape(response: requests.Response, status: int, title: str) -> dict[str, Any]:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert (body["Title"], body["Status"]) == (title, status)
    assert isinstance(body["Detail"], str) and body["Detail"]
    return body


def test_answers_the_contract_leaves_out_have_the_reference_shapes(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    expired = requests.get(
        api.url("/Accounts"),
        headers={"Authorization": "Bearer nonsense", "Accept": "application/json"},
        timeout=10,
    )
    assert problem_shape(expired, 401, "Unauthorized")["Type"] is None
    forbidden = problem_shape(
        api.get("/Accounts", headers={"xero-tenant-id": SECOND_TENANT_ID}), 403, "Forbidden"
    )
    assert forbidden["Detail"] == "AuthenticationUnsuccessful"
    missing = api.get("/Invoices/0b1a4c57-9a43-4b5d-8a3e-2f6c1d7e9b80")
    assert (missing.status_code, missing.text) == (404, "The resource you're looking for cannot be found")

    sandbox.add_fault(Fault(FaultKind.SERVER_ERROR))
    error = problem_shape(api.get("/Accounts"), 500, "An error occurred")
    assert error["Detail"].startswith("An error occurred in Xero.")
    sandbox.add_fault(Fault(FaultKind.UNAVAILABLE))
    assert (
        problem_shape(api.get("/Accounts"), 503, "Service Unavailable")["Detail"]
        == "The Organisation is offline"
    )

    sandbox.configure_xero_limits(RateLimits(per_minute=4))
    sandbox.clock.advance(61)  # a fresh minute window
    answers = [api.get("/Organisation") for _ in range(5)]
    limited = answers[-1]
    assert [a.status_code for a in answers] == [200, 200, 200, 200, 429]
    assert limited.headers["X-Rate-Limit-Problem"] == "minute"
    assert 0 < int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-MinLimit-Remaining"] == "0"
    assert limited.text.startswith("oauth_problem=rate%20limit%20exceeded")


def test_token_endpoint_bodies_match_the_identity_contract(
    xero: dict[str, Any], contracts: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    schema = contracts[1]["components"]["schemas"]["AccessToken"]
    validator = OAS30Validator(dict(schema, additionalProperties=True))
    token = connect(xero, scope="openid profile email offline_access accounting.settings")
    validator.validate(token)
    assert set(token) == {"id_token", "access_token", "expires_in", "token_type", "refresh_token", "scope"}
    assert isinstance(token["expires_in"], int)
    rotated = refresh(xero, token["refresh_token"]).json()
    validator.validate(rotated)
    bad = requests.post(
        xero["token"],
        data={"grant_type": "refresh_token", "client_id": CLIENT_ID, "refresh_token": "unknown"},
        timeout=10,
    )
    assert (bad.status_code, bad.json()) == (400, {"error": "invalid_grant"})
