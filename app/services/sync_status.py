"""Where each invoice, credit note and customer stands with the accounting package, as the lists show it.

One word per record (Waiting, Sent, Failed, Needs review, Not due) and the reason behind it, read in the
list's own query: the connection, its invoice start date and each record's link (``SyncRecord``) are
joined in, never read one record at a time.

The words follow the sync's rules (DESIGN.md "Data that syncs"): drafts and anything dated before the
invoice start date are never sent ("Not due"); a customer becomes a contact only with its first invoice
sent; a record is "Sent" once the package holds its current revision, "Waiting" until then, and "Failed"
or "Needs review" (with the package's reason) when the last attempt did not go through.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, exists, select, true
from sqlalchemy.orm import Session, aliased

from app.models import (
    AccountingPackage,
    AccountingSettings,
    Connection,
    CreditNote,
    Customer,
    Invoice,
    InvoiceStatus,
    SyncRecord,
    SyncRecordType,
    SyncState,
)


class SyncStanding(enum.StrEnum):
    """Where one record stands with the package, in the words of the lists' Sync column."""

    NOT_CONNECTED = "not_connected"
    NOT_DUE = "not_due"
    WAITING = "waiting"
    SENT = "sent"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"

    @property
    def label(self) -> str:
        return {
            SyncStanding.NOT_CONNECTED: "",
            SyncStanding.NOT_DUE: "Not due",
            SyncStanding.WAITING: "Waiting",
            SyncStanding.SENT: "Sent",
            SyncStanding.FAILED: "Failed",
            SyncStanding.NEEDS_REVIEW: "Needs review",
        }[self]

    @property
    def needs_attention(self) -> bool:
        return self in (SyncStanding.FAILED, SyncStanding.NEEDS_REVIEW)


@dataclass(frozen=True)
class RecordSyncState:
    """One record's standing and the reason, in a sentence (the list's tooltip)."""

    standing: SyncStanding
    reason: str = ""
    #: The package holds the record (whatever else is still to send).
    in_package: bool = False

    @property
    def label(self) -> str:
        return self.standing.label


NOT_CONNECTED = RecordSyncState(
    SyncStanding.NOT_CONNECTED, "Not connected to an accounting package (Accounts Integration)."
)


def connection_scope() -> Subquery:
    """The connected package, organisation and invoice start date as a subquery of at most one row, to
    outer-join into a list's query (its columns are NULL when nothing is connected)."""
    return (
        select(
            Connection.package.label("package"),
            Connection.tenant_id.label("tenant_id"),
            AccountingSettings.invoice_start_date.label("start_date"),
        )
        .outerjoin(AccountingSettings, AccountingSettings.package == Connection.package)
        .order_by(Connection.id)
        .limit(1)
        .subquery("sync_scope")
    )


@dataclass(frozen=True)
class LinkColumns:
    """What a list reads of a record's link (all None when it has none)."""

    state: SyncState | None
    pushed_revision: int | None
    remote_id: str | None
    message: str | None


def invoice_sync_state(
    *,
    package: AccountingPackage | None,
    start_date: dt.date | None,
    status: InvoiceStatus,
    date: dt.date,
    revision: int,
    link: LinkColumns,
) -> RecordSyncState:
    """An invoice's standing: the start date gates everything about it, drafts never go."""
    if package is None:
        return NOT_CONNECTED
    name = package.label
    if status is InvoiceStatus.DRAFT:
        return RecordSyncState(SyncStanding.NOT_DUE, f"A draft is not sent; it goes to {name} once approved.")
    if start_date is None:
        return RecordSyncState(
            SyncStanding.NOT_DUE,
            "No invoice start date is set, so no invoice is sent: set it in Accounts Integration.",
        )
    if date < start_date:
        return RecordSyncState(
            SyncStanding.NOT_DUE,
            f"Dated before the invoice start date ({start_date:%d %b %Y}): never sent to {name}.",
        )
    return _document_standing(
        name,
        voided=status is InvoiceStatus.VOIDED,
        revision=revision,
        link=link,
        up_to_date=f"In {name}, up to date.",
        behind=f"Changed since it was sent; {name} is updated at the next sync.",
        new=f"Goes to {name} at the next sync.",
    )


def _document_standing(
    name: str, *, voided: bool, revision: int, link: LinkColumns, up_to_date: str, behind: str, new: str
) -> RecordSyncState:
    """A document's standing once it is due at all: sent, failed, waiting (new, behind, or a void to go)."""
    held = bool(link.remote_id)
    if held and (link.pushed_revision or 0) >= revision:
        return RecordSyncState(SyncStanding.SENT, f"Voided in {name} too." if voided else up_to_date, held)
    failed = _failure(link)
    if failed is not None:
        return replace(failed, in_package=held)
    if voided and not held:
        return RecordSyncState(SyncStanding.NOT_DUE, f"Voided before it was sent: nothing goes to {name}.")
    if voided:
        return RecordSyncState(SyncStanding.WAITING, f"Voided here; voided in {name} at the next sync.", held)
    return RecordSyncState(SyncStanding.WAITING, behind if held else new, held)


def customer_sync_state(
    *,
    package: AccountingPackage | None,
    revision: int,
    has_invoice_due: bool,
    link: LinkColumns,
) -> RecordSyncState:
    """A customer's standing: a contact in the package once linked, or once its first invoice is sent."""
    if package is None:
        return NOT_CONNECTED
    name = package.label
    failed = _failure(link)
    if failed is not None and (not link.remote_id or (link.pushed_revision or 0) < revision):
        return failed
    if link.remote_id:
        if (link.pushed_revision or 0) >= revision:
            return RecordSyncState(SyncStanding.SENT, f"Linked to its contact in {name}, up to date.")
        return RecordSyncState(
            SyncStanding.WAITING, f"Edited since; its contact in {name} is updated at the next sync."
        )
    if has_invoice_due:
        return RecordSyncState(
            SyncStanding.WAITING, f"Becomes a contact in {name} with its first invoice, at the next sync."
        )
    return RecordSyncState(
        SyncStanding.NOT_DUE,
        f"Only paying customers go to {name}: it becomes a contact when its first invoice dated on or "
        "after the invoice start date is sent.",
    )


def credit_note_sync_state(
    *,
    package: AccountingPackage | None,
    start_date: dt.date | None,
    invoice_date: dt.date,
    invoice_sent: bool,
    voided: bool,
    revision: int,
    link: LinkColumns,
) -> RecordSyncState:
    """A credit note's standing: it follows its invoice (start date, sent first), then is allocated."""
    if package is None:
        return NOT_CONNECTED
    name = package.label
    if start_date is None or invoice_date < start_date:
        return RecordSyncState(
            SyncStanding.NOT_DUE, f"Its invoice is not sent to {name} (before the invoice start date)."
        )
    return _document_standing(
        name,
        voided=voided,
        revision=revision,
        link=link,
        up_to_date=f"In {name}, allocated to its invoice.",
        behind=f"In {name}; allocated to its invoice at the next sync.",
        new=(
            f"Goes to {name} at the next sync."
            if invoice_sent
            else f"Goes to {name} right after its invoice, at the next sync."
        ),
    )


def credit_note_sync_states(session: Session, invoice_id: int) -> dict[int, RecordSyncState]:
    """The standing of each of one invoice's credit notes, by credit note id, in one query."""
    scope = connection_scope()
    link = aliased(SyncRecord)
    invoice_link = aliased(SyncRecord)
    rows = session.execute(
        select(
            CreditNote.id,
            CreditNote.revision,
            CreditNote.voided,
            Invoice.date,
            scope.c.package,
            scope.c.start_date,
            invoice_link.remote_id,
            link.state,
            link.pushed_revision,
            link.remote_id,
            link.message,
        )
        .select_from(CreditNote)
        .join(Invoice, CreditNote.invoice_id == Invoice.id)
        .outerjoin(scope, true())
        .outerjoin(link, link_condition(link, scope, SyncRecordType.CREDIT_NOTE, CreditNote.id))
        .outerjoin(invoice_link, link_condition(invoice_link, scope, SyncRecordType.INVOICE, Invoice.id))
        .where(CreditNote.invoice_id == invoice_id)
    ).all()
    return {
        note_id: credit_note_sync_state(
            package=package,
            start_date=start_date,
            invoice_date=invoice_date,
            invoice_sent=bool(invoice_remote),
            voided=voided,
            revision=revision,
            link=LinkColumns(state, pushed, remote_id, message),
        )
        for (
            note_id,
            revision,
            voided,
            invoice_date,
            package,
            start_date,
            invoice_remote,
            state,
            pushed,
            remote_id,
            message,
        ) in rows
    }


def _failure(link: LinkColumns) -> RecordSyncState | None:
    if link.state is SyncState.FAILED:
        return RecordSyncState(SyncStanding.FAILED, link.message or "The last attempt failed.")
    if link.state is SyncState.NEEDS_REVIEW:
        return RecordSyncState(SyncStanding.NEEDS_REVIEW, link.message or "Needs review before it is sent.")
    return None


def customer_sync_states(session: Session) -> dict[int, RecordSyncState]:
    """Every active customer's standing, by customer id, in one query."""
    scope = connection_scope()
    link = aliased(SyncRecord)
    invoice_due = exists().where(
        Invoice.customer_id == Customer.id,
        Invoice.status == InvoiceStatus.APPROVED,
        Invoice.date >= scope.c.start_date,
    )
    rows = session.execute(
        select(
            Customer.id,
            Customer.revision,
            scope.c.package,
            invoice_due,
            link.state,
            link.pushed_revision,
            link.remote_id,
            link.message,
        )
        .select_from(Customer)
        .outerjoin(scope, true())
        .outerjoin(link, link_condition(link, scope, SyncRecordType.CUSTOMER, Customer.id))
        .where(Customer.active.is_(True))
    ).all()
    return {
        customer_id: customer_sync_state(
            package=package,
            revision=revision,
            has_invoice_due=bool(due),
            link=LinkColumns(state, pushed, remote_id, message),
        )
        for customer_id, revision, package, due, state, pushed, remote_id, message in rows
    }


def link_condition(
    link: Any, scope: Subquery, record_type: SyncRecordType, local_id: Any
) -> ColumnElement[bool]:
    """The join of a record to its link (``link``: an alias of ``SyncRecord``) with the connected
    organisation."""
    return and_(
        link.package == scope.c.package,
        link.tenant_id == scope.c.tenant_id,
        link.record_type == record_type,
        link.local_id == local_id,
    )
