"""Payments both ways: where a payment taken here is deposited, the reference we own, and bringing in
the payments made in the package.

Pushing (DESIGN.md "Payments"): a payment goes to its payment method's own account, else (card methods)
the credit card clearing account, else the account to receive payments; its Reference starts with
``LB-P<id>`` (then the bookkeeper's own reference), so it can be found again after an ambiguous failure,
and so the pull recognises it as ours.

Pulling: payments made in the package on invoices LedgerBridge sent come back with the default payment
method from Accounts Integration, partial payments included; a payment deleted there is deleted here. A
payment that came from the package is linked at once, so it is never pushed back, and one we pushed is
recognised by its link (or, after a crash before the link was stored, by its Reference): never pulled
back as a second payment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from app.integrations.base import DocumentKind, RemotePayment
from app.models import (
    Invoice,
    Payment,
    PaymentMethod,
    PaymentOrigin,
    SyncDirection,
    SyncOutcome,
    SyncRecord,
    SyncRecordType,
    SyncState,
)
from app.models.base import utcnow
from app.services.errors import RuleError
from app.services.invoices import delete_payment, record_payment
from app.services.money import format_money
from app.sync.invoice_mapping import AccountChoice, MappingProblem
from app.sync.journal import CREATE, DELETE, LINK, JournalWriter, RecordKey
from app.sync.outbox import Scope, ensure_link, links_by_remote_id, payment_label, set_detail

REFERENCE_PREFIX = "LB-P"
_OWN_REFERENCE = re.compile(r"^LB-P(\d+)(?:\s|$)")
REFERENCE_LIMIT = 255


def payment_reference(payment: Payment) -> str:
    """``LB-P<id>``, then the bookkeeper's reference (a cheque number, a receipt...)."""
    own = f"{REFERENCE_PREFIX}{payment.id}"
    extra = " ".join(payment.reference.split())
    return f"{own} {extra}"[:REFERENCE_LIMIT] if extra else own


def own_payment_id(reference: str) -> int | None:
    """The local payment id in a Reference we wrote, or None."""
    found = _OWN_REFERENCE.match(reference.strip())
    return int(found.group(1)) if found else None


def deposit_account_for(
    payment: Payment, *, receive_payments: AccountChoice | None, card_payments: AccountChoice | None
) -> AccountChoice:
    """Where the money went: the method's own account, else card clearing (cards), else receive payments."""
    method = payment.payment_method
    if method is not None and method.account_code:
        return AccountChoice(method.account_code, method.account_name or "")
    if method is not None and method.is_card and card_payments is not None:
        return card_payments
    if receive_payments is not None:
        return receive_payments
    raise MappingProblem(
        "Payments need an account to be deposited to: choose the Account Number To Receive Payments in "
        "Accounts Integration (or an account on the payment method)."
    )


# -- pulling ------------------------------------------------------------------------------------------------


@dataclass
class PullCounts:
    recorded: int = 0
    deleted: int = 0
    linked: int = 0
    failed: int = 0


def apply_remote_payments(
    session: Session,
    scope: Scope,
    remote: Sequence[RemotePayment],
    *,
    default_method: PaymentMethod | None,
    journal: JournalWriter,
) -> PullCounts:
    """Bring one page of the package's payments in; idempotent (a payment seen twice changes nothing)."""
    counts = PullCounts()
    ours = [
        p for p in remote if p.document_kind is DocumentKind.INVOICE and p.document_id and p.ref.remote_id
    ]
    if not ours:
        return counts
    invoice_links = links_by_remote_id(session, scope, SyncRecordType.INVOICE, {p.document_id for p in ours})
    payment_ids = {p.ref.remote_id for p in ours}
    payment_links = links_by_remote_id(session, scope, SyncRecordType.PAYMENT, payment_ids)
    for remote_payment in ours:
        invoice_link = invoice_links.get(remote_payment.document_id)
        if invoice_link is None:
            continue  # an invoice LedgerBridge did not send (raised in the package itself)
        link = payment_links.get(remote_payment.ref.remote_id)
        if link is not None:
            _follow_known(session, link, remote_payment, journal, counts)
            continue
        own = own_payment_id(remote_payment.reference)
        if own is not None:
            payment = session.get(Payment, own)
            if payment is not None and payment.invoice_id == invoice_link.local_id:
                payment_links[remote_payment.ref.remote_id] = _link_own(
                    session, scope, payment, remote_payment, journal, counts
                )
                continue
        if remote_payment.deleted:
            continue  # made and deleted in the package before LedgerBridge ever saw it
        invoice = session.get(Invoice, invoice_link.local_id)
        assert invoice is not None
        label = payment_label(remote_payment.amount, invoice.number)
        try:
            with session.begin_nested():
                payment = record_payment(
                    session,
                    invoice,
                    amount=remote_payment.amount,
                    date=remote_payment.date,
                    method=default_method,
                    reference=remote_payment.reference[:100],
                    origin=PaymentOrigin.ACCOUNTING_PACKAGE,
                )
        except RuleError as refused:
            counts.failed += 1
            # Journalled against the invoice: the row clears itself once the invoice syncs again.
            journal.add(
                SyncRecordType.INVOICE,
                invoice.id,
                label,
                action=CREATE,
                outcome=SyncOutcome.FAILED,
                direction=SyncDirection.PULL,
                remote_id=remote_payment.ref.remote_id,
                message=(
                    f"The package holds a payment of {format_money(remote_payment.amount)} on invoice "
                    f"{invoice.number} that cannot be recorded here: {refused} Check the invoice in the "
                    "package."
                ),
            )
            continue
        link = ensure_link(session, scope, RecordKey(SyncRecordType.PAYMENT, payment.id), {})
        link.remote_id = remote_payment.ref.remote_id
        link.pushed_revision = payment.revision
        link.state = SyncState.SENT
        link.pushed_at = utcnow()
        payment_links[remote_payment.ref.remote_id] = link
        counts.recorded += 1
        journal.add(
            SyncRecordType.PAYMENT,
            payment.id,
            label,
            action=CREATE,
            outcome=SyncOutcome.SUCCEEDED,
            direction=SyncDirection.PULL,
            remote_id=remote_payment.ref.remote_id,
            message=f"Made in the package on {remote_payment.date:%d/%m/%Y}"
            + (f" ({remote_payment.reference})" if remote_payment.reference else "")
            + "; recorded here.",
        )
    session.flush()
    return counts


def _follow_known(
    session: Session, link: SyncRecord, remote: RemotePayment, journal: JournalWriter, counts: PullCounts
) -> None:
    """A payment both sides know: a deletion in the package is followed here."""
    if not remote.deleted:
        return
    payment = session.get(Payment, link.local_id)
    if payment is None or payment.deleted:
        return
    delete_payment(session, payment)
    link.pushed_revision = payment.revision  # the package already has it deleted: nothing to push
    link.state = SyncState.SENT
    counts.deleted += 1
    journal.add(
        SyncRecordType.PAYMENT,
        payment.id,
        payment_label(payment.amount, payment.invoice.number),
        action=DELETE,
        outcome=SyncOutcome.SUCCEEDED,
        direction=SyncDirection.PULL,
        remote_id=remote.ref.remote_id,
        message="Deleted in the package; deleted here too.",
    )


def _link_own(
    session: Session,
    scope: Scope,
    payment: Payment,
    remote: RemotePayment,
    journal: JournalWriter,
    counts: PullCounts,
) -> SyncRecord:
    """One of our payments, sent by a run that stopped before it stored the package's id: link it."""
    link = ensure_link(session, scope, RecordKey(SyncRecordType.PAYMENT, payment.id))
    link.remote_id = remote.ref.remote_id
    link.pushed_at = utcnow()
    set_detail(link, in_flight=None)
    if remote.deleted and not payment.deleted:
        delete_payment(session, payment)
    if payment.deleted and not remote.deleted:
        # Deleted here after it was sent: the package still has it, so the delete is due.
        link.pushed_revision = payment.revision - 1
        link.state = SyncState.WAITING
    else:
        link.pushed_revision = payment.revision
        link.state = SyncState.SENT
    link.message = ""
    counts.linked += 1
    journal.add(
        SyncRecordType.PAYMENT,
        payment.id,
        payment_label(payment.amount, payment.invoice.number),
        action=LINK,
        outcome=SyncOutcome.SUCCEEDED,
        direction=SyncDirection.PULL,
        remote_id=remote.ref.remote_id,
        message="Found in the package (sent before a sync stopped) and linked; not recorded twice.",
    )
    return link


def matches_own(remote: RemotePayment, payment_id: int, amount: Decimal) -> bool:
    """Whether a payment found in the package is the one we sent (our Reference and the same amount)."""
    return own_payment_id(remote.reference) == payment_id and remote.amount == amount and not remote.deleted
