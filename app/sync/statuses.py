"""Invoice and credit note statuses changed in the package, brought here (DESIGN.md "Pull").

Invoices are pushed one way, but the bookkeeper may void (or, for a draft there, delete) in the package an
invoice LedgerBridge sent. Left alone, the two sides would disagree about what the customer owes, and the
next edit here would be refused there. So the engine asks the package for documents voided or deleted since
it last looked (``SyncProvider.documents_voided``) and follows them here:

- an invoice voided there is voided here too, through the same rule the screens use
  (``app.services.invoices.check_can_void``), and its link is marked as holding that revision, so nothing
  is pushed back. One that cannot be voided here (a payment taken here not yet sent, a credit note raised
  here) is not touched: the invoice is marked failed, saying what to do, and the row stays in the Sync Log
  until it is resolved;
- a credit note voided there is voided here, and the invoice is owing again by its amount;
- a document voided on both sides just has its link brought up to date.

Documents the package holds that LedgerBridge never sent are not ours and are ignored. Seeing a change
twice changes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.integrations.base import DocumentKind, DocumentStatus, RemoteDocument
from app.models import (
    CreditNote,
    Invoice,
    InvoiceStatus,
    SyncDirection,
    SyncOutcome,
    SyncRecord,
    SyncRecordType,
    SyncState,
)
from app.models.base import utcnow
from app.services.errors import RuleError
from app.services.invoices import check_can_void, void_credit_note, void_invoice
from app.sync.journal import VOID, JournalWriter
from app.sync.outbox import Scope, invoice_label, links_by_remote_id

_RECORD_TYPES = {
    DocumentKind.INVOICE: SyncRecordType.INVOICE,
    DocumentKind.CREDIT_NOTE: SyncRecordType.CREDIT_NOTE,
}


@dataclass
class StatusCounts:
    voided_here: int = 0
    failed: int = 0


def apply_remote_voids(
    session: Session,
    scope: Scope,
    kind: DocumentKind,
    remote: Sequence[RemoteDocument],
    *,
    package_label: str,
    journal: JournalWriter,
) -> StatusCounts:
    """Follow one page of documents voided or deleted in the package; idempotent."""
    counts = StatusCounts()
    gone = [d for d in remote if d.status in (DocumentStatus.VOIDED, DocumentStatus.DELETED)]
    if not gone:
        return counts
    record_type = _RECORD_TYPES[kind]
    links = links_by_remote_id(session, scope, record_type, {d.ref.remote_id for d in gone})
    for document in gone:
        link = links.get(document.ref.remote_id)
        if link is None:
            continue  # raised in the package itself: not ours to follow
        word = "Voided" if document.status is DocumentStatus.VOIDED else "Deleted"
        when = f" on {document.updated_at:%d/%m/%Y}" if document.updated_at is not None else ""
        what = f"{word} in {package_label}{when}"
        if record_type is SyncRecordType.INVOICE:
            _follow_invoice(session, link, document, what, journal, counts)
        elif _follow_credit_note(session, link, document, what, journal):
            counts.voided_here += 1
    session.flush()
    return counts


def _follow_invoice(
    session: Session,
    link: SyncRecord,
    document: RemoteDocument,
    what: str,
    journal: JournalWriter,
    counts: StatusCounts,
) -> None:
    invoice = session.get(Invoice, link.local_id)
    if invoice is None:
        return
    label = invoice_label(invoice.number, invoice.customer.name)
    if invoice.status is InvoiceStatus.VOIDED:
        if link.pushed_revision < invoice.revision or link.state is SyncState.FAILED:
            _settled(link, invoice.revision)  # voided on both sides: nothing left to send
            _journal(journal, link, label, document, f"{what} and voided here: nothing left to send.")
        return
    try:
        check_can_void(invoice)
    except RuleError as refused:
        message = (
            f"{what}, but it cannot be voided here: {refused} Then void it here too (it stays voided "
            "there), or ask whoever voided it there."
        )
        if link.state is not SyncState.FAILED or link.message != message:
            link.state = SyncState.FAILED
            link.message = message
            counts.failed += 1
            _journal(journal, link, label, document, message, outcome=SyncOutcome.FAILED)
        return
    void_invoice(session, invoice)
    _settled(link, invoice.revision)
    counts.voided_here += 1
    _journal(journal, link, label, document, f"{what}; voided here too.")


def _follow_credit_note(
    session: Session, link: SyncRecord, document: RemoteDocument, what: str, journal: JournalWriter
) -> bool:
    note = session.get(CreditNote, link.local_id)
    if note is None:
        return False
    if note.voided:
        if link.pushed_revision < note.revision:
            _settled(link, note.revision)
        return False
    void_credit_note(session, note)
    _settled(link, note.revision)
    _journal(
        journal,
        link,
        f"Credit note {note.number} on {note.invoice.number}",
        document,
        f"{what}; voided here too, so invoice {note.invoice.number} is owing again by that much.",
    )
    return True


def _journal(
    journal: JournalWriter,
    link: SyncRecord,
    label: str,
    document: RemoteDocument,
    message: str,
    *,
    outcome: SyncOutcome = SyncOutcome.SUCCEEDED,
) -> None:
    journal.add(
        link.record_type,
        link.local_id,
        label,
        action=VOID,
        outcome=outcome,
        direction=SyncDirection.PULL,
        remote_id=document.ref.remote_id,
        message=message,
    )


def _settled(link: SyncRecord, revision: int) -> None:
    """The package already holds this revision (it made the change): nothing to push."""
    link.pushed_revision = revision
    link.state = SyncState.SENT
    link.message = ""
    link.pushed_at = utcnow()
