"""Sync tests: a database connected to the sandbox's Demo Company (AU), a refreshed chart, saved settings,
the business's records made through the services, and a view of what Xero holds.

The connection goes through the sandbox's real consent page and token endpoint (as a browser would), but
without LedgerBridge's loopback listener, so these tests do not queue for the three redirect ports.
Every request LedgerBridge sends is checked against Xero's OpenAPI contract (``ContractRequests``).
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from requests.adapters import HTTPAdapter
from sqlalchemy import select

from app.config import AppPaths, xero_settings
from app.db import Database
from app.integrations.connections import new_secret_key
from app.integrations.oauth import TokenSet
from app.integrations.sandbox.clock import SandboxClock
from app.integrations.sandbox.rate_limits import RateLimits as SandboxLimits
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.records import Records
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_NAME, DEMO_COMPANY_TENANT_ID, ChartAccount
from app.integrations.secrets import SecretStore
from app.integrations.xero import XeroProvider
from app.models import (
    AccountingPackage,
    Customer,
    Invoice,
    Job,
    JobType,
    LineKind,
    Material,
    PaymentMethod,
    SettingsAccountRole,
    Supplier,
    SyncRecord,
    SyncRecordType,
    TaxRate,
)
from app.services.accounting_settings import SettingsDraft, load_settings, save_settings, suggest_accounts
from app.services.connections import ConnectionBook, ConnectionInfo
from app.services.invoices import InvoiceDraft, LineDraft, approve_invoice, create_invoice
from app.services.jobs import JobDetails, create_job
from app.sync.chart_refresh import ChartOfAccountsRefresh
from app.sync.engine import SyncEngine, SyncOptions
from app.sync.limiter import RateLimits, RetryPolicy
from app.sync.provider import open_xero_for_sync
from app.sync.summary import SyncSummary
from tests.integration.connections import conftest as connections
from tests.integration.sandbox.consent import connect as consent
from tests.integration.sandbox.contract import load_contract

keyring_file = connections.keyring_file
store = connections.store

TODAY = dt.date.today()
START = TODAY - dt.timedelta(days=30)
#: Quick retries for tests: the policy's shape is what matters, not how long it waits.
QUICK_RETRY = RetryPolicy(attempts=6, first_wait=0.05, longest_wait=0.5)
#: The sandbox without its rate limits (tests that are not about limits make many calls quickly).
NO_LIMITS = SandboxLimits(concurrent=50, per_minute=1_000_000, per_day=10_000_000, app_per_minute=10_000_000)


# -- the sandbox -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def seeded_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo organisations seeded once; each test gets a copy (seeding takes most of a second)."""
    path = tmp_path_factory.mktemp("sync-sandbox") / "sandbox.db"
    SandboxServer(path).stop()
    return path


@pytest.fixture
def sandbox(seeded_state: Path, tmp_path: Path) -> Iterator[SandboxServer]:
    state = tmp_path / "sandbox.db"
    shutil.copyfile(seeded_state, state)
    with SandboxServer(state, clock=SandboxClock()) as server:
        yield server


# -- every request checked against Xero's contract ---------------------------------------------------------

_CONTRACT_BASE = "http://xero.contract/xero/api/api.xro/2.0"
_GUID = re.compile(r"^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$")


@pytest.fixture(scope="session")
def contract() -> OpenAPI:
    spec = dict(load_contract("xero_accounting.yaml"), servers=[{"url": _CONTRACT_BASE}])
    return OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))


@dataclass
class ContractRequests:
    """Validates each Accounting API request LedgerBridge sends against the contract (openapi-core), as it
    leaves: also the ones whose answer never comes back (a dropped connection, a timeout)."""

    openapi: OpenAPI
    api_base: str
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)

    def check(self, request: requests.PreparedRequest) -> None:
        url = str(request.url)
        if not url.startswith(self.api_base):
            return  # the identity server (token refresh, /connections) has its own contract
        copy = request.copy()
        parts = urlsplit(url)
        contract = urlsplit(_CONTRACT_BASE)
        copy.url = urlunsplit((contract.scheme, contract.netloc, parts.path, parts.query, ""))
        with warnings.catch_warnings():
            # openapi-core does not check OAuth2 security schemes and says so with a UserWarning.
            warnings.simplefilter("ignore", UserWarning)
            try:
                self.openapi.validate_request(RequestsOpenAPIRequest(copy))
            except Exception as exc:  # any validation error is a finding
                self.problems.append(f"{request.method} {parts.path}: {exc}")
        self.checked += 1
        path = parts.path[len(urlsplit(self.api_base).path) :]
        template = "/".join("{id}" if _GUID.match(part) else part for part in path.split("/"))
        self.seen.add(f"{request.method} {template}")


class _CheckingAdapter(HTTPAdapter):
    """The session's transport, checking each request against the contract before it is sent."""

    def __init__(self, checker: ContractRequests) -> None:
        super().__init__()
        self.checker = checker

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        self.checker.check(request)
        return super().send(request, *args, **kwargs)


# -- a connected database ----------------------------------------------------------------------------------


@dataclass
class Books:
    """A database connected to Demo Company (AU) in the sandbox, with settings saved and the chart cached."""

    database: Database
    sandbox: SandboxServer
    provider: XeroProvider
    connection: ConnectionInfo
    requests: ContractRequests
    paths: AppPaths
    options: SyncOptions = field(default_factory=lambda: SyncOptions(retry=QUICK_RETRY))

    @property
    def factory(self) -> Any:
        return self.database.session_factory

    def engine(self, options: SyncOptions | None = None) -> SyncEngine:
        return SyncEngine(self.connection, self.factory, self.provider, options=options or self.options)

    def sync(self, options: SyncOptions | None = None, **kwargs: Any) -> SyncSummary:
        summary = self.engine(options).run(**kwargs)
        assert not self.requests.problems, self.requests.problems
        return summary

    def settings(self, **changes: Any) -> None:
        """Change the accounting settings through the settings service (validated, as the screen does)."""
        with self.factory() as session, session.begin():
            snapshot = load_settings(session, AccountingPackage.XERO)
            draft = snapshot.saved.copy()
            for name, value in changes.items():
                if isinstance(name, str) and hasattr(draft, name):
                    setattr(draft, name, value)
            save_settings(session, AccountingPackage.XERO, draft)

    def link(self, record_type: SyncRecordType, local_id: int) -> SyncRecord | None:
        with self.factory() as session:
            return session.scalars(
                select(SyncRecord).where(
                    SyncRecord.record_type == record_type, SyncRecord.local_id == local_id
                )
            ).one_or_none()


def connect_books(
    database: Database, sandbox: SandboxServer, store: SecretStore, paths: AppPaths, contract: OpenAPI
) -> tuple[XeroProvider, ConnectionInfo, ContractRequests]:
    """Consent on the sandbox's page (as a browser would), keep the refresh token, record the connection."""
    settings = xero_settings(paths, sandbox.base_url)
    answer = consent(sandbox.endpoints()["xero"])
    now = dt.datetime.now(dt.UTC)
    tokens = TokenSet.from_response(answer, now)
    assert tokens.refresh_token
    book = ConnectionBook(database.session_factory)
    secret_key = new_secret_key("xero")
    store.save(secret_key, tokens.refresh_token, sandbox=True)
    book.save_connected(
        package="xero",
        tenant_id=DEMO_COMPANY_TENANT_ID,
        tenant_name=DEMO_COMPANY_NAME,
        secret_key=secret_key,
        scope=tokens.scope,
        sandbox=True,
        at=now,
    )
    info = book.find("xero")
    assert info is not None
    provider = open_xero_for_sync(
        settings,
        info,
        store=store,
        events=book.events_for("xero"),
        limits=RateLimits(per_minute=1_000_000, concurrent=4),
        timeout=(5.0, 5.0),
    )
    checker = ContractRequests(contract, settings.endpoints.api)
    provider.http.session.mount("http://", _CheckingAdapter(checker))
    return provider, info, checker


def save_suggested_settings(database: Database, *, start: dt.date = START, **changes: Any) -> None:
    """The obvious account for every role (what 'Suggest accounts' offers), the EFT method for payments
    made in Xero, and the invoice start date."""
    with database.session_factory() as session, session.begin():
        snapshot = load_settings(session, AccountingPackage.XERO)
        draft: SettingsDraft = snapshot.saved.copy()
        for role, account in suggest_accounts(draft, snapshot.chart).items():
            draft.accounts[role] = account.remote_id
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
        draft.default_payment_method_id = eft.id
        draft.invoice_start_date = start
        for name, value in changes.items():
            setattr(draft, name, value)
        save_settings(session, AccountingPackage.XERO, draft)
        missing = [role for role in SettingsAccountRole if not draft.accounts.get(role)]
        assert not missing, f"no suggestion for {missing}"


@pytest.fixture
def books(
    sqlite_database: Database, sandbox: SandboxServer, store: SecretStore, paths: AppPaths, contract: OpenAPI
) -> Iterator[Books]:
    yield from _books(sqlite_database, sandbox, store, paths, contract)


@pytest.fixture
def books_on_each_database(
    database: Database, sandbox: SandboxServer, store: SecretStore, paths: AppPaths, contract: OpenAPI
) -> Iterator[Books]:
    """The same on SQLite and, when configured, PostgreSQL."""
    yield from _books(database, sandbox, store, paths, contract)


def _books(
    sqlite_database: Database, sandbox: SandboxServer, store: SecretStore, paths: AppPaths, contract: OpenAPI
) -> Iterator[Books]:
    sandbox.configure_xero_limits(NO_LIMITS)
    # The business's own income and bad debts accounts (Xero's standard chart has neither).
    sandbox.add_xero_accounts(
        [
            ChartAccount("205", "Labour Income", "REVENUE", "OUTPUT"),
            ChartAccount("206", "Materials Income", "REVENUE", "OUTPUT"),
            ChartAccount("684", "Bad Debts", "EXPENSE", "INPUT"),
        ]
    )
    provider, info, checker = connect_books(sqlite_database, sandbox, store, paths, contract)
    try:
        ChartOfAccountsRefresh(sqlite_database.session_factory, provider).run()
        save_suggested_settings(sqlite_database)
        yield Books(sqlite_database, sandbox, provider, info, checker, paths)
    finally:
        provider.close()


# -- the business's records --------------------------------------------------------------------------------


@dataclass
class Business:
    """Makes the business's records through the same services the screens use."""

    database: Database

    def _tax(self, session: Any, name: str = "GST 10%") -> TaxRate:
        return session.scalars(select(TaxRate).where(TaxRate.name == name)).one()

    def customer(self, name: str, **fields: Any) -> int:
        with self.database.session_factory() as session, session.begin():
            customer = Customer(name=name, **fields)
            session.add(customer)
            session.flush()
            return customer.id

    def supplier(self, name: str, **fields: Any) -> int:
        with self.database.session_factory() as session, session.begin():
            supplier = Supplier(name=name, **fields)
            session.add(supplier)
            session.flush()
            return supplier.id

    def job_type(self, name: str, income_code: str | None = None) -> int:
        with self.database.session_factory() as session, session.begin():
            job_type = JobType(name=name, income_account_code=income_code, income_account_id=income_code)
            session.add(job_type)
            session.flush()
            return job_type.id

    def material(self, code: str, name: str, price: str, income_code: str | None = None) -> int:
        with self.database.session_factory() as session, session.begin():
            material = Material(
                code=code,
                name=name,
                unit_price=Decimal(price),
                tax_rate=self._tax(session),
                income_account_code=income_code,
                income_account_id=income_code,
            )
            session.add(material)
            session.flush()
            return material.id

    def job(self, customer_id: int, job_type_id: int | None = None, **details: Any) -> int:
        with self.database.session_factory() as session, session.begin():
            return create_job(
                session, JobDetails(customer_id=customer_id, job_type_id=job_type_id, **details)
            ).id

    def invoice(
        self,
        customer_id: int,
        lines: list[tuple[str, str, str]] | None = None,
        *,
        date: dt.date = TODAY,
        job_id: int | None = None,
        approve: bool = True,
        kinds: list[LineKind] | None = None,
        materials: list[int | None] | None = None,
        tax: str = "GST 10%",
    ) -> int:
        """``lines``: (description, quantity, unit price); GST 10% unless ``tax`` says otherwise."""
        lines = lines or [("Labour", "2", "110.00")]
        with self.database.session_factory() as session, session.begin():
            rate = self._tax(session, tax)
            drafts = [
                LineDraft(
                    description=text,
                    quantity=Decimal(quantity),
                    unit_price=Decimal(price),
                    tax_rate=rate,
                    kind=(kinds[i] if kinds else LineKind.LABOUR),
                    material_id=(materials[i] if materials else None),
                )
                for i, (text, quantity, price) in enumerate(lines)
            ]
            invoice = create_invoice(
                session,
                InvoiceDraft(
                    customer_id=customer_id,
                    date=date,
                    due_date=date + dt.timedelta(days=14),
                    job_id=job_id,
                    lines=drafts,
                ),
            )
            if approve:
                approve_invoice(session, invoice)
            return invoice.id

    def many_invoices(self, count: int, *, customers: int = 20, lines: int = 2) -> list[int]:
        """``count`` approved invoices spread over ``customers`` new customers, in one transaction."""
        with self.database.session_factory() as session, session.begin():
            rate = self._tax(session)
            people = [Customer(name=f"Bulk Customer {n:03d} Pty Ltd") for n in range(customers)]
            session.add_all(people)
            session.flush()
            ids = []
            for n in range(count):
                drafts = [
                    LineDraft(
                        f"Line {k} of job {n}", Decimal(1 + k), Decimal(f"{50 + n % 97}.{n % 100:02d}"), rate
                    )
                    for k in range(lines)
                ]
                invoice = create_invoice(
                    session,
                    InvoiceDraft(
                        customer_id=people[n % customers].id,
                        date=TODAY,
                        due_date=TODAY + dt.timedelta(days=14),
                        lines=drafts,
                    ),
                )
                approve_invoice(session, invoice)
                ids.append(invoice.id)
            return ids

    def get(self, model: Any, record_id: int) -> Any:
        with self.database.session_factory() as session:
            found = session.get(model, record_id)
            assert found is not None
            session.expunge(found)
            return found

    def number(self, invoice_id: int) -> str:
        with self.database.session_factory() as session:
            invoice = session.get(Invoice, invoice_id)
            assert invoice is not None
            return invoice.number

    def job_number(self, job_id: int) -> str:
        with self.database.session_factory() as session:
            job = session.get(Job, job_id)
            assert job is not None
            return job.number


@pytest.fixture
def business(sqlite_database: Database) -> Business:
    return Business(sqlite_database)


# -- what Xero holds ---------------------------------------------------------------------------------------


@dataclass
class XeroHolds:
    """Reads the sandbox's records for Demo Company (AU) directly: what Xero holds, to assert on."""

    sandbox: SandboxServer

    def all(self, kind: str) -> list[dict[str, Any]]:
        with self.sandbox.store.transaction() as session:
            return Records(session, DEMO_COMPANY_TENANT_ID).all(kind)

    def invoices(self, number: str | None = None, *, type_: str = "ACCREC") -> list[dict[str, Any]]:
        return [
            d
            for d in self.all("Invoice")
            if d.get("Type") == type_ and (number is None or d.get("InvoiceNumber") == number)
        ]

    def invoice(self, number: str, *, type_: str = "ACCREC") -> dict[str, Any]:
        found = [d for d in self.invoices(number, type_=type_) if d.get("Status") != "DELETED"]
        assert len(found) == 1, f"{len(found)} invoices numbered {number} in Xero"
        return found[0]

    def contacts(self, name: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.all("Contact") if name is None or c.get("Name") == name]

    def payments(self, invoice_id: str) -> list[dict[str, Any]]:
        return [
            p
            for p in self.all("Payment")
            if (p.get("Invoice") or {}).get("InvoiceID", "").lower() == invoice_id.lower()
        ]

    def credit_notes(self, number: str | None = None) -> list[dict[str, Any]]:
        return [c for c in self.all("CreditNote") if number is None or c.get("CreditNoteNumber") == number]


@pytest.fixture
def xero_holds(sandbox: SandboxServer) -> XeroHolds:
    return XeroHolds(sandbox)


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def in_xero(books: Books, method: str, path: str, body: Any = None) -> dict[str, Any]:
    """Do something in Xero itself (as the bookkeeper would there), over its API as any app would."""
    response = requests.request(
        method,
        books.provider.settings.endpoints.api.rstrip("/") + path,
        json=body,
        headers={
            "Authorization": f"Bearer {books.provider.credentials.access_token()}",
            "xero-tenant-id": books.provider.tenant.id,
            "Accept": "application/json",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text[:500]
    answer: dict[str, Any] = response.json()
    return answer
