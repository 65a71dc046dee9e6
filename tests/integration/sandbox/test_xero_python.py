"""Fidelity (b): Xero's official Python SDK, pointed at the sandbox's base URLs, works unchanged.

The consent is driven over HTTP like a browser; the token then goes to xero-python the way its starter
app hands over a requests-oauthlib token. Only base URLs are configured: the API classes take
``base_url``, the token endpoints are class attributes of ``TokenApi``.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from xero_python.accounting import AccountingApi
from xero_python.accounting.models import (
    Account,
    Contact,
    Contacts,
    Invoice,
    Invoices,
    LineAmountTypes,
    LineItem,
    Payment,
    Payments,
)
from xero_python.api_client import ApiClient
from xero_python.api_client.configuration import Configuration
from xero_python.api_client.oauth2 import OAuth2Token, TokenApi
from xero_python.exceptions import AccountingBadRequestException
from xero_python.identity import IdentityApi

from app.integrations.sandbox.server import SandboxServer
from tests.integration.sandbox.consent import CLIENT_ID, connect


@pytest.fixture
def xero_client(
    sandbox: SandboxServer, xero: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> tuple[ApiClient, dict[str, Any]]:
    monkeypatch.setattr(TokenApi, "refresh_token_url", xero["token"])
    monkeypatch.setattr(TokenApi, "revoke_token_url", xero["revoke"])
    token = connect(xero)
    stored: dict[str, Any] = {}

    def save(new_token: dict[str, Any]) -> None:
        stored.clear()
        stored.update(new_token)

    # xero-python is written for apps with a secret and will not refresh without one; a PKCE app has none,
    # so it gets a placeholder, which the identity server ignores for a public client (as Xero's does).
    client = ApiClient(
        Configuration(oauth2_token=OAuth2Token(client_id=CLIENT_ID, client_secret="no-secret-pkce-app")),
        oauth2_token_saver=save,
        oauth2_token_getter=lambda: dict(stored),
        pool_threads=1,
    )
    # As requests-oauthlib hands a token over: scope as a list, expiry as a timestamp.
    client.set_oauth2_token(
        dict(
            token,
            scope=token["scope"].split(),
            expires_at=dt.datetime.now().timestamp() + token["expires_in"],
        )
    )
    return client, stored


def test_xero_python_lists_accounts_creates_a_contact_and_invoice_applies_a_payment_and_reads_back(
    sandbox: SandboxServer, xero: dict[str, Any], xero_client: tuple[ApiClient, dict[str, Any]]
) -> None:
    client, _ = xero_client
    identity = IdentityApi(client, base_url=sandbox.base_url + "/xero/api")
    connections = identity.get_connections()
    tenant = next(c for c in connections if c.tenant_name == "Demo Company (AU)")
    tenant_id = str(tenant.tenant_id)
    accounting = AccountingApi(client, base_url=xero["api"])

    accounts = accounting.get_accounts(tenant_id, where='Status=="ACTIVE"').accounts
    codes = {a.code: a for a in accounts}
    assert codes["200"].name == "Sales"
    assert str(codes["090"].type) == "AccountType.BANK"
    assert isinstance(codes["200"].updated_date_utc, dt.datetime)

    created = accounting.create_contacts(
        tenant_id,
        Contacts(contacts=[Contact(name="Harbourview Body Corporate", email_address="bc@example.com")]),
    ).contacts[0]
    assert created.contact_id

    invoice = Invoice(
        type="ACCREC",
        contact=Contact(contact_id=created.contact_id),
        date=dt.date(2026, 10, 1),
        due_date=dt.date(2026, 10, 15),
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[
            LineItem(description="Blocked drain", quantity=1.0, unit_amount=385.0, account_code="200"),
            LineItem(
                description="Call-out", quantity=1.0, unit_amount=88.0, account_code="200", tax_type="OUTPUT"
            ),
        ],
        reference="Job 7001",
        status="AUTHORISED",
    )
    saved = accounting.create_invoices(
        tenant_id, Invoices(invoices=[invoice]), summarize_errors=False
    ).invoices[0]
    assert saved.invoice_number.startswith("INV-")
    assert Decimal(str(saved.total)) == Decimal("520.30")
    assert saved.date == dt.date(2026, 10, 1)

    payment = Payment(
        invoice=Invoice(invoice_id=saved.invoice_id),
        account=Account(code="090"),
        date=dt.date(2026, 10, 10),
        amount=520.30,
        reference="LB-PAY-7001",
    )
    paid = accounting.create_payments(tenant_id, Payments(payments=[payment])).payments[0]
    assert paid.payment_id

    read_back = accounting.get_invoice(tenant_id, saved.invoice_id).invoices[0]
    assert str(read_back.status) == "PAID"
    assert Decimal(str(read_back.amount_due)) == Decimal("0")
    assert read_back.payments[0].payment_id == paid.payment_id
    assert read_back.contact.name == "Harbourview Body Corporate"
    assert accounting.get_payment(tenant_id, paid.payment_id).payments[0].reference == "LB-PAY-7001"
    found = accounting.get_contacts(tenant_id, i_ds=[created.contact_id]).contacts
    assert [c.name for c in found] == ["Harbourview Body Corporate"]


def test_xero_python_reports_validation_errors_and_refreshes_through_the_sandbox(
    sandbox: SandboxServer, xero: dict[str, Any], xero_client: tuple[ApiClient, dict[str, Any]]
) -> None:
    client, stored = xero_client
    tenant_id = str(
        IdentityApi(client, base_url=sandbox.base_url + "/xero/api").get_connections()[0].tenant_id
    )
    accounting = AccountingApi(client, base_url=xero["api"])
    with pytest.raises(AccountingBadRequestException) as refused:
        accounting.create_invoices(
            tenant_id,
            Invoices(
                invoices=[Invoice(type="ACCREC", contact=Contact(name="Walk-in Customer"), line_items=[])]
            ),
        )
    assert refused.value.reason == "One or more line items must be specified"

    old_refresh = stored["refresh_token"]
    new_token = client.refresh_oauth2_token()
    assert new_token["refresh_token"] != old_refresh
    assert accounting.get_organisations(tenant_id).organisations[0].name == "Demo Company (AU)"
