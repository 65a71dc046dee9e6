"""One protocol for every accounting package, the neutral records it speaks, and its errors.

Four packages sit behind it: Xero, QuickBooks Online, MYOB AccountRight Live and MYOB Essentials (the last
two through the MYOB Business API). Where they differ in kind rather than in spelling, the difference is a
``ProviderCapabilities`` field the sync engine reads, not a branch on the package's name:

- QuickBooks invoice lines post through *items* (there is no account-based sales line), Xero and MYOB post
  straight to accounts (../shared/reference/quickbooks_myob.md A10, B6).
- A credit note is its own document in Xero (ACCRECCREDIT) and QuickBooks (CreditMemo), but a negative
  invoice plus a CreditSettlement in MYOB (B5).
- Updates need the record's current version in QuickBooks (SyncToken) and MYOB (RowVersion); Xero updates by
  id alone. ``RemoteRef.version`` carries it.
- Replays: Xero's ``Idempotency-Key`` header (about 6 minutes), QuickBooks' ``requestid`` query parameter,
  nothing in MYOB; after an ambiguous failure the engine looks the record up before creating it again.
- The company to work in is chosen after consent: a Xero organisation (``/connections``), a QuickBooks
  company (``realmId`` on the redirect), a MYOB company file (``businessId`` on the redirect). All three are
  a ``Tenant``.

Errors form a small taxonomy (STYLE.md rule 8). ``str()`` of every ``IntegrationError`` is a sentence a
bookkeeper can act on, and never contains a token.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, Protocol, TypeVar, runtime_checkable

T = TypeVar("T")

#: Where providers read the time (tests pass a fixed or moved-on clock). Always timezone-aware UTC.
Clock = Callable[[], dt.datetime]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class PackageKind(enum.StrEnum):
    """The accounting packages LedgerBridge keeps in step with. Values are stored in the database."""

    XERO = "xero"
    QUICKBOOKS_ONLINE = "quickbooks_online"
    MYOB_ACCOUNTRIGHT = "myob_accountright"
    MYOB_ESSENTIALS = "myob_essentials"

    @property
    def label(self) -> str:
        return {
            PackageKind.XERO: "Xero",
            PackageKind.QUICKBOOKS_ONLINE: "QuickBooks Online",
            PackageKind.MYOB_ACCOUNTRIGHT: "MYOB AccountRight Live",
            PackageKind.MYOB_ESSENTIALS: "MYOB Essentials",
        }[self]

    @property
    def tenant_word(self) -> str:
        """What the package calls the books a connection works in."""
        if self is PackageKind.XERO:
            return "organisation"
        if self is PackageKind.QUICKBOOKS_ONLINE:
            return "company"
        return "company file"


# --------------------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------------------


class IntegrationError(Exception):
    """A known problem talking to a package. ``str()`` is a plain sentence, free of secrets."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class NotConfigured(IntegrationError):
    """LedgerBridge is not set up to reach this package (e.g. no client id registered)."""


class AuthExpired(IntegrationError):
    """The package no longer accepts LedgerBridge's sign-in (401 even after a refresh)."""


class NeedsReconnecting(AuthExpired):
    """The consent is gone (``invalid_grant``, revoked, organisation disconnected, no stored secret).

    Only going through the package's consent page again (Reconnect) helps. The connection is marked
    "needs reconnecting" with ``message`` when this is raised.
    """


class RateLimited(IntegrationError):
    """The package asked us to slow down (429). Pause ``retry_after`` seconds and carry on; never fail."""

    def __init__(self, message: str, *, retry_after: float, problem: str = "") -> None:
        super().__init__(message)
        self.retry_after = retry_after
        #: The package's own word for the limit hit (Xero ``X-Rate-Limit-Problem``: minute, concurrent...).
        self.problem = problem


class DailyLimitReached(IntegrationError):
    """The day's call budget is spent: stop the run and say when it can resume.

    Not a ``RateLimited``: a caller that sleeps on ``RateLimited`` must not sleep for hours.
    """

    def __init__(self, message: str, *, retry_after: float, resumes_at: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.resumes_at = resumes_at


class RejectedByPackage(IntegrationError):
    """The package refused the request; ``message`` is its reason in plain words.

    ``field`` names the offending field when the package says which one.
    """

    def __init__(self, message: str, *, field: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


class NotFound(RejectedByPackage):
    """The record is not in the package (deleted there, or never created)."""


class Conflict(IntegrationError):
    """The record changed in the package since we read it (MYOB RowVersion, QuickBooks SyncToken)."""


class Transient(IntegrationError):
    """Worth retrying later: the network, a timeout, the package's 5xx or maintenance."""


class OutcomeUnknown(Transient):
    """A write may or may not have been applied (timeout after sending, connection dropped mid-answer).

    The engine must look the record up in the package before sending it again. ``answered`` is True when
    the package did answer (a 5xx after taking the write in): a package that keeps an idempotency key's
    answer would only replay that error, so the next attempt goes out under a fresh key.
    """

    def __init__(self, message: str, *, answered: bool = False) -> None:
        super().__init__(message)
        self.answered = answered


class RequestKeyReused(RejectedByPackage):
    """The package already saw this idempotency key with a different request (Xero: "Idempotency Key: K
    is used with a different request."). Nothing was done; look the records up and send under a new key."""


# --------------------------------------------------------------------------------------------------------
# What a connection is made of
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tenant:
    """The books a connection works in: a Xero organisation, a QuickBooks company, a MYOB company file."""

    id: str
    name: str
    #: The package's id for the *link* to this tenant, where it differs from ``id`` (Xero's
    #: ``/connections`` entry id, used to disconnect one organisation).
    link_id: str | None = None


class IdempotencyStyle(enum.StrEnum):
    HEADER = "header"  # Xero: Idempotency-Key header, replayed for about 6 minutes
    QUERY = "query"  # QuickBooks: ?requestid=
    NONE = "none"  # MYOB: look up by number before re-posting


class CreditNoteStyle(enum.StrEnum):
    DOCUMENT = "document"  # Xero ACCRECCREDIT + Allocation, QuickBooks CreditMemo
    NEGATIVE_INVOICE = "negative_invoice"  # MYOB: negative sale + CreditSettlement


@dataclass(frozen=True)
class ProviderCapabilities:
    """How a package differs in kind, for the sync engine to plan by (not by the package's name)."""

    #: Most documents one write request may carry (Xero ~50, QuickBooks batch 30, MYOB one).
    max_batch: int
    idempotency: IdempotencyStyle
    #: How long the package replays a repeated key; after that a repeat creates again.
    idempotency_window: dt.timedelta | None
    #: True when invoice lines must name an item (QuickBooks); else lines post to accounts.
    lines_need_items: bool
    #: True when a line's tax amount may be sent so the package's total equals ours (Xero).
    line_tax_amount_settable: bool
    credit_note_style: CreditNoteStyle
    #: True when updates need ``RemoteRef.version`` (QuickBooks SyncToken, MYOB RowVersion).
    updates_need_version: bool
    #: True when a recorded payment can be edited; otherwise it is deleted and recorded again.
    payments_editable: bool


# --------------------------------------------------------------------------------------------------------
# Reference data: organisation, chart of accounts, tax rates, items
# --------------------------------------------------------------------------------------------------------


class AccountClass(enum.StrEnum):
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    EXPENSE = "expense"


class AccountKind(enum.StrEnum):
    """An account's type in the bookkeeper's words, common to the packages.

    Each package's own type is kept beside it (``Account.package_type``); this is what settings filter on
    (bank accounts for payments, revenue for income codes, expense for supplier accounts...).
    """

    BANK = "bank"
    CREDIT_CARD = "credit_card"
    RECEIVABLE = "receivable"
    CURRENT_ASSET = "current_asset"
    FIXED_ASSET = "fixed_asset"
    INVENTORY = "inventory"
    OTHER_ASSET = "other_asset"
    PAYABLE = "payable"
    CURRENT_LIABILITY = "current_liability"
    LONG_TERM_LIABILITY = "long_term_liability"
    OTHER_LIABILITY = "other_liability"
    EQUITY = "equity"
    REVENUE = "revenue"
    OTHER_INCOME = "other_income"
    DIRECT_COSTS = "direct_costs"
    EXPENSE = "expense"
    OTHER_EXPENSE = "other_expense"

    @property
    def account_class(self) -> AccountClass:
        return _KIND_CLASS[self]

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


_KIND_CLASS = {
    AccountKind.BANK: AccountClass.ASSET,
    AccountKind.CREDIT_CARD: AccountClass.LIABILITY,
    AccountKind.RECEIVABLE: AccountClass.ASSET,
    AccountKind.CURRENT_ASSET: AccountClass.ASSET,
    AccountKind.FIXED_ASSET: AccountClass.ASSET,
    AccountKind.INVENTORY: AccountClass.ASSET,
    AccountKind.OTHER_ASSET: AccountClass.ASSET,
    AccountKind.PAYABLE: AccountClass.LIABILITY,
    AccountKind.CURRENT_LIABILITY: AccountClass.LIABILITY,
    AccountKind.LONG_TERM_LIABILITY: AccountClass.LIABILITY,
    AccountKind.OTHER_LIABILITY: AccountClass.LIABILITY,
    AccountKind.EQUITY: AccountClass.EQUITY,
    AccountKind.REVENUE: AccountClass.REVENUE,
    AccountKind.OTHER_INCOME: AccountClass.REVENUE,
    AccountKind.DIRECT_COSTS: AccountClass.EXPENSE,
    AccountKind.EXPENSE: AccountClass.EXPENSE,
    AccountKind.OTHER_EXPENSE: AccountClass.EXPENSE,
}


@dataclass(frozen=True)
class Organisation:
    """The tenant's own details (Xero ``/Organisation``, QuickBooks CompanyInfo, MYOB company file)."""

    tenant_id: str
    name: str
    country_code: str = ""
    base_currency: str = ""
    #: Documents dated on or before this are refused by the package (Xero PeriodLockDate).
    period_lock_date: dt.date | None = None
    is_demo: bool = False


@dataclass(frozen=True)
class Account:
    """One account of the chart. ``remote_id`` is the package's id; ``code`` what people see and post by."""

    remote_id: str
    code: str
    name: str
    kind: AccountKind
    #: The package's own type, e.g. Xero "REVENUE", QuickBooks "Income/ServiceFeeIncome", MYOB "Income".
    package_type: str
    active: bool = True
    tax_code: str | None = None
    #: True when payments may be recorded to it (Xero: BANK, or EnablePaymentsToAccount).
    accepts_payments: bool = False
    #: The package's system role, e.g. Xero SystemAccount "ROUNDING", "GST", "DEBTORS".
    system_role: str | None = None
    description: str = ""

    @property
    def label(self) -> str:
        return f"{self.code} - {self.name}" if self.code else self.name


@dataclass(frozen=True)
class TaxRate:
    """A tax rate as the package names it. ``code`` is what a line carries (Xero TaxType, MYOB code UID)."""

    code: str
    name: str
    rate: Decimal
    active: bool = True
    for_sales: bool = True
    for_purchases: bool = True


@dataclass(frozen=True)
class Item:
    """An item (product or service) of the package; QuickBooks needs one on every sales line."""

    remote_id: str
    code: str
    name: str
    description: str = ""
    sale_price: Decimal | None = None
    income_account_code: str | None = None
    tax_code: str | None = None
    sold: bool = True
    purchased: bool = False
    active: bool = True


# --------------------------------------------------------------------------------------------------------
# Contacts and documents (customer import, sync)
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RemoteRef:
    """A record in the package: its id and, where updates need it, its current version."""

    remote_id: str
    version: str | None = None


@dataclass(frozen=True)
class Contact:
    """A contact (customer, supplier or both) as the package holds it."""

    ref: RemoteRef
    name: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    #: Where LedgerBridge keeps its own customer id in the package (Xero ContactNumber, MYOB Card ID).
    contact_number: str = ""
    account_number: str = ""
    #: ABN (Xero TaxNumber, MYOB SellingDetails.ABN).
    tax_number: str = ""
    address: str = ""
    is_customer: bool = False
    is_supplier: bool = False
    active: bool = True
    updated_at: dt.datetime | None = None


@dataclass(frozen=True)
class ContactPage:
    """One page of contacts, so an import can show progress and honour Cancel between pages."""

    contacts: tuple[Contact, ...]
    page: int
    #: Pages in all when the package says (Xero's ``pagination.pageCount``), else None.
    page_count: int | None = None


@dataclass(frozen=True)
class ContactDraft:
    """A contact to create or update. ``key`` is the caller's own id for matching outcomes."""

    key: str
    name: str
    ref: RemoteRef | None = None
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    contact_number: str = ""
    account_number: str = ""
    tax_number: str = ""
    address: str = ""


class DocumentKind(enum.StrEnum):
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    SUPPLIER_BILL = "supplier_bill"


class DocumentStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"  # Xero AUTHORISED, MYOB Open
    PAID = "paid"
    VOIDED = "voided"
    DELETED = "deleted"


@dataclass(frozen=True)
class DocumentLine:
    """One line as it is sent. ``line_id`` keeps a line's identity across edits (Xero LineItemID).

    A line with no ``quantity`` and no ``unit_amount`` is a description-only line (Xero allows it).
    """

    description: str
    quantity: Decimal | None
    unit_amount: Decimal | None
    account_code: str | None = None
    tax_code: str | None = None
    #: Sent only where the package allows it (``line_tax_amount_settable``), so its total equals ours.
    tax_amount: Decimal | None = None
    item_code: str | None = None
    line_id: str | None = None


@dataclass(frozen=True)
class Document:
    """An invoice, credit note or supplier bill to create (``ref`` None) or update.

    Documents are sent approved (Xero AUTHORISED): LedgerBridge only sends what the business has approved.
    """

    key: str
    kind: DocumentKind
    number: str
    contact: RemoteRef
    date: dt.date
    due_date: dt.date | None
    reference: str
    lines: tuple[DocumentLine, ...]
    amounts_include_tax: bool = False
    ref: RemoteRef | None = None


@dataclass(frozen=True)
class DocumentRef:
    """A document already in the package, named by the caller's ``key`` (for voids)."""

    key: str
    ref: RemoteRef
    number: str = ""


@dataclass(frozen=True)
class RemotePayment:
    """A payment as the package holds it. ``document_kind`` says what it pays (only customer invoices'
    payments come back into LedgerBridge)."""

    ref: RemoteRef
    document_id: str
    amount: Decimal
    date: dt.date
    account_code: str
    reference: str
    deleted: bool = False
    updated_at: dt.datetime | None = None
    document_kind: DocumentKind | None = DocumentKind.INVOICE
    document_number: str = ""


@dataclass(frozen=True)
class RemoteAllocation:
    """Credit applied from a credit note to a document."""

    ref: RemoteRef
    document_id: str
    amount: Decimal
    date: dt.date | None = None


@dataclass(frozen=True)
class RemoteDocument:
    """A document as the package holds it, for look-ups after an ambiguous failure and status pulls.

    ``line_ids`` are its lines' ids in the package's order; ``payments`` and ``allocations`` are filled
    where the read carries them (a single document, or a paged list).
    """

    ref: RemoteRef
    kind: DocumentKind
    number: str
    contact_id: str
    total: Decimal
    amount_due: Decimal
    amount_paid: Decimal
    status: DocumentStatus
    updated_at: dt.datetime | None = None
    reference: str = ""
    date: dt.date | None = None
    line_ids: tuple[str, ...] = ()
    payments: tuple[RemotePayment, ...] = ()
    allocations: tuple[RemoteAllocation, ...] = ()


@dataclass(frozen=True)
class PaymentDraft:
    """A payment to record against a document. ``reference`` is ours, so it can be found again."""

    key: str
    document: RemoteRef
    amount: Decimal
    date: dt.date
    account_code: str
    reference: str


@dataclass(frozen=True)
class ItemDraft:
    """An item (product or service code) to create in the package, for invoice lines sent as items."""

    key: str
    code: str
    name: str
    description: str = ""
    sale_price: Decimal | None = None
    income_account_code: str | None = None
    tax_code: str | None = None


@dataclass(frozen=True)
class WriteOutcome:
    """What happened to one element of a write: created/updated (``ref``) or refused (``problem``).

    ``line_ids`` are the saved document's line ids in the order the lines were sent (Xero LineItemIDs).
    """

    key: str
    ref: RemoteRef | None = None
    problem: str | None = None
    #: The package's field at fault, when it says.
    field: str | None = None
    line_ids: tuple[str, ...] = ()
    total: Decimal | None = None

    @property
    def ok(self) -> bool:
        return self.ref is not None and self.problem is None


@dataclass(frozen=True)
class Changes(Generic[T]):
    """Records changed since a cursor, and the cursor to ask from next time (opaque to the caller)."""

    records: tuple[T, ...]
    cursor: str | None


@dataclass(frozen=True)
class CallAllowance:
    """The calls the package says are left (Xero ``X-DayLimit-Remaining`` / ``X-MinLimit-Remaining``)."""

    day_remaining: int | None = None
    minute_remaining: int | None = None
    observed_at: dt.datetime = field(default_factory=utc_now)


# --------------------------------------------------------------------------------------------------------
# The protocol
# --------------------------------------------------------------------------------------------------------


class ConnectionEvents(Protocol):
    """What a provider reports about its connection's health, for the database side to record.

    Implemented outside this layer (``app/services/connections.py``); called on the thread doing the call.
    """

    def call_succeeded(self, at: dt.datetime) -> None: ...

    def refresh_token_renewed(self, at: dt.datetime) -> None: ...

    def needs_reconnecting(self, reason: str) -> None: ...


class NoConnectionEvents:
    """Records nothing (used while connecting, before the connection exists)."""

    def call_succeeded(self, at: dt.datetime) -> None:
        pass

    def refresh_token_renewed(self, at: dt.datetime) -> None:
        pass

    def needs_reconnecting(self, reason: str) -> None:
        pass


@runtime_checkable
class ReferenceDataSource(Protocol):
    """Refresh Chart of Accounts: the organisation, accounts (archived included), tax rates, items."""

    def organisation(self) -> Organisation: ...

    def accounts(self) -> list[Account]: ...

    def tax_rates(self) -> list[TaxRate]: ...

    def items(self) -> list[Item]: ...


@runtime_checkable
class ContactSource(Protocol):
    """Contacts page by page, at the largest page size the package allows."""

    def contacts(
        self, *, include_archived: bool = False, modified_since: dt.datetime | None = None
    ) -> Iterator[ContactPage]: ...


class SyncTarget(Protocol):
    """The writes and reads of a sync (issue 4).

    Every write takes the caller's deterministic ``request_key`` (sent as the package's idempotency key
    where it has one) and answers one ``WriteOutcome`` per element, in the order sent: one refused element
    never fails the others. A write whose fate is unknown raises ``OutcomeUnknown``; the caller then looks
    the records up (``find_documents``, ``get_document``, ``contacts``, ``items``) before sending again.
    Batches are homogeneous (one kind, all creates or all updates) and at most ``max_batch`` long.
    """

    def create_contacts(self, contacts: Sequence[ContactDraft], *, request_key: str) -> list[WriteOutcome]:
        ...

    def update_contacts(self, contacts: Sequence[ContactDraft], *, request_key: str) -> list[WriteOutcome]:
        ...

    def create_items(self, items: Sequence[ItemDraft], *, request_key: str) -> list[WriteOutcome]: ...

    def create_documents(
        self, kind: DocumentKind, documents: Sequence[Document], *, request_key: str
    ) -> list[WriteOutcome]: ...

    def update_documents(
        self, kind: DocumentKind, documents: Sequence[Document], *, request_key: str
    ) -> list[WriteOutcome]: ...

    def void_documents(
        self, kind: DocumentKind, documents: Sequence[DocumentRef], *, request_key: str
    ) -> list[WriteOutcome]: ...

    def find_documents(
        self, kind: DocumentKind, numbers: Sequence[str], *, contact_ids: Sequence[str] = ()
    ) -> list[RemoteDocument]:
        """Documents of ``kind`` with these numbers (and, for bills, from these contacts), lines included."""
        ...

    def get_document(self, kind: DocumentKind, ref: RemoteRef) -> RemoteDocument:
        """One document with its lines, payments and allocations; ``NotFound`` when it is not there."""
        ...

    def allocate_credit(
        self, credit_note: RemoteRef, document: RemoteRef, amount: Decimal, on: dt.date, *, request_key: str
    ) -> RemoteRef:
        """Apply ``amount`` of a credit note to a document; answers the allocation's id."""
        ...

    def remove_allocation(self, credit_note: RemoteRef, allocation: RemoteRef) -> None:
        """Take a credit note's allocation off its document (a note is voided only once unallocated)."""
        ...

    def create_payments(self, payments: Sequence[PaymentDraft], *, request_key: str) -> list[WriteOutcome]:
        ...

    def delete_payment(self, ref: RemoteRef, *, request_key: str) -> None: ...

    def documents_voided(
        self, kind: DocumentKind, since: dt.datetime | None
    ) -> Iterator[tuple[RemoteDocument, ...]]:
        """Documents of ``kind`` voided or deleted in the package since ``since`` (all when None), page by
        page, oldest change first."""
        ...

    def payments_changed(self, since: dt.datetime | None) -> Iterator[tuple[RemotePayment, ...]]:
        """Payments created, changed or deleted since ``since`` (all when None), page by page, oldest
        first."""
        ...


class Provider(ReferenceDataSource, ContactSource, Protocol):
    """A connected provider: one package, one tenant, an authorised session.

    Reference data and contacts serve the settings and the customer import; a provider the sync engine
    can use is also a ``SyncTarget`` (``SyncProvider``).
    """

    @property
    def kind(self) -> PackageKind: ...

    @property
    def tenant(self) -> Tenant: ...

    @property
    def capabilities(self) -> ProviderCapabilities: ...

    @property
    def allowance(self) -> CallAllowance | None: ...

    def check(self) -> Tenant:
        """Prove the connection works now (refreshing if due) and the tenant is still connected."""
        ...

    def close(self) -> None: ...


class SyncProvider(Provider, SyncTarget, Protocol):
    """A provider the sync engine can push to and pull from (Xero's ``XeroProvider``)."""
