"""XeroProvider against the sandbox: reference data as neutral records, Xero's bad days as our errors."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.config import PackageSettings
from app.integrations.base import (
    AccountClass,
    AccountKind,
    DailyLimitReached,
    NeedsReconnecting,
    NotFound,
    PackageKind,
    RateLimited,
    Transient,
)
from app.integrations.connections import open_xero
from app.integrations.http import HttpClient
from app.integrations.sandbox.faults import Fault, FaultKind
from app.integrations.sandbox.server import SandboxServer
from app.integrations.secrets import SecretStore
from app.integrations.xero import XeroProvider
from app.services.connections import ConnectionBook
from tests.integration.connections.conftest import DEMO_COMPANY, connect_through_consent


@pytest.fixture
def provider(xero: PackageSettings, store: SecretStore, book: ConnectionBook) -> Iterator[XeroProvider]:
    result = connect_through_consent(xero, store, book)
    info = book.find("xero")
    assert info is not None
    opened = open_xero(
        xero, info, store=store, events=book.events_for("xero"), tokens=result.tokens,
        http=HttpClient("Xero", timeout=(5.0, 1.0)),
    )
    yield opened
    opened.close()


def test_reference_data_comes_back_as_neutral_records(provider: XeroProvider) -> None:
    assert provider.kind is PackageKind.XERO
    assert provider.capabilities.max_batch == 50
    organisation = provider.organisation()
    assert organisation.name == DEMO_COMPANY
    assert organisation.country_code == "AU" and organisation.base_currency == "AUD"

    accounts = provider.accounts()
    by_code = {account.code: account for account in accounts}
    assert len(by_code) == len(accounts)
    banks = [account for account in accounts if account.kind is AccountKind.BANK]
    assert banks and all(account.accepts_payments for account in banks)
    revenue = [account for account in accounts if account.kind.account_class is AccountClass.REVENUE]
    assert any(account.package_type in ("REVENUE", "SALES") for account in revenue)
    assert any(not account.active for account in accounts), "archived accounts are kept, marked inactive"
    assert any(account.system_role == "ROUNDING" for account in accounts)
    assert all(account.label.startswith(account.code) for account in accounts if account.code)

    rates = provider.tax_rates()
    gst = next(rate for rate in rates if rate.code == "OUTPUT")
    assert gst.rate == 10 and gst.for_sales
    items = provider.items()
    assert items and all(item.code for item in items)
    assert provider.allowance is not None and provider.allowance.day_remaining is not None


def test_a_burst_of_429s_is_rate_limited_with_the_wait(
    provider: XeroProvider, sandbox: SandboxServer
) -> None:
    sandbox.add_fault(
        Fault(FaultKind.RATE_LIMITED, times=1, path="/Accounts", problem="minute", retry_after=22)
    )
    with pytest.raises(RateLimited) as limited:
        provider.accounts()
    assert limited.value.retry_after == 22 and limited.value.problem == "minute"
    assert provider.accounts()  # the burst is over


def test_the_daily_limit_stops_with_when_it_resumes(provider: XeroProvider, sandbox: SandboxServer) -> None:
    sandbox.add_fault(Fault(FaultKind.RATE_LIMITED, times=1, path="/Items", problem="day", retry_after=3600))
    with pytest.raises(DailyLimitReached, match="Xero's daily limit reached, sync resumes at") as stopped:
        provider.items()
    assert not isinstance(stopped.value, RateLimited)
    assert stopped.value.retry_after == 3600 and stopped.value.resumes_at is not None


@pytest.mark.parametrize(
    "kind", [FaultKind.SERVER_ERROR, FaultKind.UNAVAILABLE, FaultKind.SLOW, FaultKind.DROP]
)
def test_xeros_bad_days_on_a_read_are_transient(
    provider: XeroProvider, sandbox: SandboxServer, kind: FaultKind
) -> None:
    sandbox.add_fault(Fault(kind, times=1, path="/TaxRates", seconds=3.0))
    with pytest.raises(Transient) as failed:
        provider.tax_rates()
    assert "Traceback" not in str(failed.value)
    sandbox.clear_faults()


def test_an_unknown_record_is_not_found(provider: XeroProvider) -> None:
    with pytest.raises(NotFound):
        provider._call("GET", "/Invoices/00000000-0000-0000-0000-000000000000")


def test_an_organisation_disconnected_in_xero_needs_reconnecting(
    provider: XeroProvider, xero: PackageSettings, book: ConnectionBook
) -> None:
    import requests

    token = provider.credentials.access_token()
    link = provider.check().link_id  # the /connections entry of this organisation
    assert link
    deleted = requests.delete(f"{xero.endpoints.connections}/{link}",
                              headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert deleted.status_code == 204
    with pytest.raises(NeedsReconnecting, match="disconnected in Xero"):
        provider.organisation()
    info = book.find("xero")
    assert info is not None and not info.connected


def test_contacts_come_page_by_page_at_xeros_largest_page_size(
    provider: XeroProvider, sandbox: SandboxServer
) -> None:
    from app.integrations.sandbox.xero.seed import SeedContact

    sandbox.add_xero_contacts(
        [SeedContact(name=f"Paging Test Customer {n:04d}", email=f"p{n}@example.com", tax_number="")
         for n in range(1100)]
    )
    # The fixture's 1 s read timeout is for the slow-answer faults; a page of 1,000 contacts on a busy
    # machine may take longer than that, which is not what this test is about.
    provider.http.timeout = (5.0, 30.0)
    pages = list(provider.contacts())
    assert len(pages) >= 2
    assert len(pages[0].contacts) == 1000
    assert [page.page for page in pages] == list(range(1, len(pages) + 1))
    contacts = [contact for page in pages for contact in page.contacts]
    ids = [contact.ref.remote_id for contact in contacts]
    assert len(ids) == len(set(ids)), "no contact twice across pages"
    added = [contact for contact in contacts if contact.name.startswith("Paging Test Customer")]
    assert len(added) == 1100
    assert added[0].email.endswith("@example.com") and added[0].active
