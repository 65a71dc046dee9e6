"""Where each invoice and customer stands with the package, as the lists show it (read in their queries).

Runs on SQLite and, when configured, PostgreSQL: the standings come from outer joins of the lists' own
queries on the connection, its start date and each record's link.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import select

from app.db import Database
from app.models import (
    AccountingPackage,
    AccountingSettings,
    CreditNote,
    Customer,
    Invoice,
    SyncRecord,
    SyncRecordType,
    SyncState,
)
from app.services.connections import ConnectionBook
from app.services.invoices import create_credit_note, invoice_summaries, void_credit_note, void_invoice
from app.services.sync_status import SyncStanding, credit_note_sync_states, customer_sync_states
from tests.integration.sync.conftest import Business

TODAY = dt.date(2026, 11, 27)
START = dt.date(2026, 11, 1)
TENANT = "tenant-1"


def connect(database: Database, start: dt.date | None = START) -> None:
    ConnectionBook(database.session_factory).save_connected(
        package="xero",
        tenant_id=TENANT,
        tenant_name="Demo Company (AU)",
        secret_key="xero-test",
        scope="accounting.transactions",
        sandbox=True,
        at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    with database.session_factory() as session, session.begin():
        settings = session.scalars(select(AccountingSettings)).one()
        settings.invoice_start_date = start


def link(
    database: Database,
    record_type: SyncRecordType,
    local_id: int,
    *,
    remote_id: str | None = None,
    pushed: int = 0,
    state: SyncState = SyncState.WAITING,
    message: str = "",
    tenant: str = TENANT,
) -> None:
    with database.session_factory() as session, session.begin():
        session.add(
            SyncRecord(
                package=AccountingPackage.XERO,
                tenant_id=tenant,
                record_type=record_type,
                local_id=local_id,
                remote_id=remote_id,
                pushed_revision=pushed,
                state=state,
                message=message,
            )
        )


def revision_of(
    database: Database, model: type[Invoice] | type[Customer] | type[CreditNote], record_id: int
) -> int:
    with database.session_factory() as session:
        return session.get_one(model, record_id).revision


def test_each_invoice_says_where_it_stands_with_the_reason(database: Database) -> None:
    business = Business(database)
    customer = business.customer("Harbourside Cafe")
    before_connecting = business.invoice(customer, date=TODAY)
    with database.session_factory() as session:
        assert {row.sync.standing for row in invoice_summaries(session)} == {SyncStanding.NOT_CONNECTED}
    connect(database)
    draft = business.invoice(customer, date=TODAY, approve=False)
    too_old = business.invoice(customer, date=START - dt.timedelta(days=1))
    waiting = before_connecting
    sent = business.invoice(customer, date=TODAY)
    link(database, SyncRecordType.INVOICE, sent, remote_id="x-1", pushed=revision_of(database, Invoice, sent))
    edited = business.invoice(customer, date=TODAY)
    link(database, SyncRecordType.INVOICE, edited, remote_id="x-2", pushed=1)
    failed = business.invoice(customer, date=TODAY)
    link(
        database,
        SyncRecordType.INVOICE,
        failed,
        state=SyncState.FAILED,
        message="Xero does not accept account 999.",
    )
    voided_unsent = business.invoice(customer, date=TODAY)
    voided_sent = business.invoice(customer, date=TODAY)
    with database.session_factory() as session, session.begin():
        void_invoice(session, session.get_one(Invoice, voided_unsent))
        void_invoice(session, session.get_one(Invoice, voided_sent))
    link(
        database,
        SyncRecordType.INVOICE,
        voided_sent,
        remote_id="x-3",
        pushed=revision_of(database, Invoice, voided_sent),
    )
    other_books = business.invoice(customer, date=TODAY)
    link(database, SyncRecordType.INVOICE, other_books, remote_id="y-1", pushed=99, tenant="another-tenant")

    with database.session_factory() as session:
        rows = {row.id: row.sync for row in invoice_summaries(session)}
    assert rows[draft].standing is SyncStanding.NOT_DUE and "once approved" in rows[draft].reason
    assert rows[too_old].standing is SyncStanding.NOT_DUE
    assert rows[too_old].reason == "Dated before the invoice start date (01 Nov 2026): never sent to Xero."
    assert rows[waiting].standing is SyncStanding.WAITING and rows[waiting].label == "Waiting"
    assert rows[sent].standing is SyncStanding.SENT and rows[sent].label == "Sent"
    assert rows[edited].standing is SyncStanding.WAITING and rows[edited].reason.startswith("Changed since")
    assert rows[failed].standing is SyncStanding.FAILED
    assert rows[failed].reason == "Xero does not accept account 999."
    assert rows[voided_unsent].standing is SyncStanding.NOT_DUE
    assert (
        rows[voided_sent].standing is SyncStanding.SENT and rows[voided_sent].reason == "Voided in Xero too."
    )
    # Links kept for another organisation (connected before) say nothing about this one.
    assert rows[other_books].standing is SyncStanding.WAITING

    with database.session_factory() as session, session.begin():
        session.scalars(select(AccountingSettings)).one().invoice_start_date = None
    with database.session_factory() as session:
        rows = {row.id: row.sync for row in invoice_summaries(session)}
    assert rows[waiting].standing is SyncStanding.NOT_DUE and "No invoice start date" in rows[waiting].reason


def test_each_customer_says_whether_it_is_a_contact_yet(database: Database) -> None:
    business = Business(database)
    connect(database)
    linked = business.customer("Linked Pty Ltd")
    link(
        database,
        SyncRecordType.CUSTOMER,
        linked,
        remote_id="c-1",
        pushed=revision_of(database, Customer, linked),
    )
    edited = business.customer("Edited Pty Ltd")
    link(database, SyncRecordType.CUSTOMER, edited, remote_id="c-2", pushed=0)
    invoiced = business.customer("Invoiced Pty Ltd")
    business.invoice(invoiced, date=TODAY)
    only_drafts = business.customer("Drafts Only")
    business.invoice(only_drafts, date=TODAY, approve=False)
    only_old = business.customer("Old Invoices Only")
    business.invoice(only_old, date=START - dt.timedelta(days=3))
    review = business.customer("Review Me")
    link(
        database,
        SyncRecordType.CUSTOMER,
        review,
        state=SyncState.NEEDS_REVIEW,
        message="Needs review: the ABN belongs to another contact.",
    )
    gone = business.customer("Closed Down", active=False)

    with database.session_factory() as session:
        states = customer_sync_states(session)
    assert gone not in states
    assert states[linked].standing is SyncStanding.SENT
    assert states[edited].standing is SyncStanding.WAITING and states[edited].reason.startswith(
        "Edited since"
    )
    assert states[invoiced].standing is SyncStanding.WAITING and "first invoice" in states[invoiced].reason
    assert states[only_drafts].standing is SyncStanding.NOT_DUE
    assert states[only_old].standing is SyncStanding.NOT_DUE
    assert states[review].standing is SyncStanding.NEEDS_REVIEW and states[review].label == "Needs review"
    assert states[review].reason == "Needs review: the ABN belongs to another contact."


def test_each_credit_note_says_where_it_stands_following_its_invoice(database: Database) -> None:
    business = Business(database)
    customer = business.customer("Wattle Street Dental")
    lines = [("Labour", "10", "100.00")]
    old_invoice = business.invoice(customer, lines, date=START - dt.timedelta(days=3))
    connect(database)
    invoice = business.invoice(customer, lines, date=TODAY)

    def credit(on: int) -> int:
        with database.session_factory() as session, session.begin():
            note = create_credit_note(
                session, session.get_one(Invoice, on), amount=D("11.00"), date=TODAY, reason="Goodwill"
            )
            return note.id

    def void(note_id: int) -> None:
        with database.session_factory() as session, session.begin():
            void_credit_note(session, session.get_one(CreditNote, note_id))

    before_start = credit(old_invoice)
    after_invoice = credit(invoice)
    with database.session_factory() as session:
        first = credit_note_sync_states(session, invoice)[after_invoice]
    assert first.standing is SyncStanding.WAITING and "right after its invoice" in first.reason
    invoice_revision = revision_of(database, Invoice, invoice)
    link(database, SyncRecordType.INVOICE, invoice, remote_id="x-1", pushed=invoice_revision)
    waiting = credit(invoice)
    created = credit(invoice)
    link(database, SyncRecordType.CREDIT_NOTE, created, remote_id="cn-1")
    sent = credit(invoice)
    sent_revision = revision_of(database, CreditNote, sent)
    link(database, SyncRecordType.CREDIT_NOTE, sent, remote_id="cn-2", pushed=sent_revision)
    voided_unsent = credit(invoice)
    void(voided_unsent)
    voided_sent = credit(invoice)
    link(database, SyncRecordType.CREDIT_NOTE, voided_sent, remote_id="cn-3", pushed=1)
    void(voided_sent)
    failed = credit(invoice)
    link(database, SyncRecordType.CREDIT_NOTE, failed, state=SyncState.FAILED, message="Choose the account.")

    with database.session_factory() as session:
        states = credit_note_sync_states(session, invoice)
        old = credit_note_sync_states(session, old_invoice)
    assert old[before_start].standing is SyncStanding.NOT_DUE
    assert set(states) == {after_invoice, waiting, created, sent, voided_unsent, voided_sent, failed}
    assert states[after_invoice] == states[waiting]  # its invoice is in Xero now
    assert states[waiting].standing is SyncStanding.WAITING
    assert states[waiting].reason == "Goes to Xero at the next sync."
    assert states[created].standing is SyncStanding.WAITING and "allocated" in states[created].reason
    assert states[sent].standing is SyncStanding.SENT and states[sent].label == "Sent"
    assert states[voided_unsent].standing is SyncStanding.NOT_DUE
    assert states[voided_sent].standing is SyncStanding.WAITING
    assert states[voided_sent].reason == "Voided here; voided in Xero at the next sync."
    assert states[failed].standing is SyncStanding.FAILED and states[failed].reason == "Choose the account."
    # Whether the package holds it, whatever is still to go (what the void question says).
    assert [states[n].in_package for n in (waiting, created, sent, voided_unsent, voided_sent, failed)] == [
        False,
        True,
        True,
        False,
        True,
        False,
    ]
