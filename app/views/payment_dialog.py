"""Record a payment received against an approved invoice: amount, date, method and reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtWidgets import QLineEdit, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import Invoice, PaymentMethod, PaymentMethodKind
from app.services.errors import RuleError
from app.services.invoices import record_payment
from app.services.money import format_money
from app.views.invoice_editor import date_edit, from_qdate, to_qdate
from app.views.record_editor import ChoiceBox, Confirm, RecordEditorDialog, ask_yes_no, read_money


def payment_method_choices(session: Session) -> list[tuple[int, str, PaymentMethodKind]]:
    """(id, name, kind) of every active payment method, by name."""
    return [
        (id_, name, kind)
        for id_, name, kind in session.execute(
            select(PaymentMethod.id, PaymentMethod.name, PaymentMethod.kind)
            .where(PaymentMethod.active.is_(True))
            .order_by(PaymentMethod.name)
        )
    ]


class PaymentDialog(RecordEditorDialog):
    """Record a payment on one invoice. Inputs: ``amount_edit`` (the amount owing to start with),
    ``date_edit`` (today, or the invoice date if that is later), ``method_box``, ``reference_edit``.

    ``record_id`` is the invoice's id; ``payment_id`` is set once the payment is saved.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        invoice: Invoice,
        methods: Sequence[tuple[int, str, PaymentMethodKind]],
        *,
        today: dt.date,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            f"Record a payment on {invoice.number}", session_factory, confirm=confirm, parent=parent
        )
        self.record_id: int | None = invoice.id
        self.payment_id: int | None = None
        self.add_read_only(
            "Invoice", f"{invoice.number} for {invoice.customer.name}, dated {invoice.date:%d/%m/%Y}"
        )
        settled = f"{format_money(invoice.total)} in total, {format_money(invoice.amount_paid)} paid"
        if invoice.amount_credited:
            settled += f", {format_money(invoice.amount_credited)} credited"
        self.add_read_only("Owing", f"{format_money(invoice.amount_due)}  ({settled})")

        self.amount_edit = QLineEdit(f"{invoice.amount_due:.2f}")
        self.amount_edit.setPlaceholderText("e.g. 250.00")
        self.date_edit = date_edit()
        self.date_edit.setDate(to_qdate(max(today, invoice.date)))
        self.method_box: ChoiceBox[int] = ChoiceBox("How the customer paid")
        self.method_box.set_choices([(id_, name) for id_, name, _kind in methods])
        # Most trade customers pay by bank transfer; start there when the business has such a method.
        eft = next((id_ for id_, _name, kind in methods if kind is PaymentMethodKind.EFT), None)
        self.method_box.choose(eft if eft is not None else (methods[0][0] if methods else None))
        self.reference_edit = QLineEdit()
        self.reference_edit.setMaxLength(100)
        self.reference_edit.setPlaceholderText("e.g. the bank statement's description or a cheque number")

        self.add_field("amount", "Amount *", self.amount_edit, hint="Up to the amount owing.")
        self.add_field("date", "Date received *", self.date_edit)
        self.add_field("method", "Method", self.method_box)
        self.add_field("reference", "Reference", self.reference_edit)
        self.amount_edit.selectAll()
        self.amount_edit.setFocus()

    def write(self, session: Session) -> None:
        amount = read_money(self.amount_edit, "amount")
        invoice = session.get(Invoice, self.record_id) if self.record_id is not None else None
        if invoice is None:
            raise RuleError("This invoice has been deleted meanwhile; close this window.")
        method_id = self.method_box.chosen()
        payment = record_payment(
            session,
            invoice,
            amount=amount,
            date=from_qdate(self.date_edit.date()),
            method=session.get(PaymentMethod, method_id) if method_id is not None else None,
            reference=self.reference_edit.text(),
        )
        self.payment_id = payment.id
