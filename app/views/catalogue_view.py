"""Administration screens for what the business sells and how it is paid:
Payments & Tax (payment methods, tax rates), Job Types and Materials."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QLabel, QLineEdit, QVBoxLayout, QWidget
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import JobType, Material, PaymentMethod, PaymentMethodKind, TaxRate
from app.services.accounting_settings import (
    DEPOSIT_ACCOUNT_HINT,
    INCOME_CODE_HINT,
    MATERIAL_INCOME_HINT,
    AccountPurpose,
    Chart,
    ChartAccount,
    StoredAccount,
    check_account,
    choose_deposit_account,
    choose_income_account,
    current_package,
    load_chart,
    relaxed_selection,
)
from app.services.catalogue import (
    NO_INCOME_ACCOUNT,
    PAYMENT_METHOD_KIND_LABELS,
    JobTypeDetails,
    JobTypeRow,
    MaterialDetails,
    MaterialRow,
    PaymentMethodDetails,
    PaymentMethodRow,
    TaxRateDetails,
    TaxRateRow,
    active_tax_rates,
    format_rate,
    list_job_types,
    list_materials,
    list_payment_methods,
    list_tax_rates,
    save_job_type,
    save_material,
    save_payment_method,
    save_tax_rate,
)
from app.services.errors import RuleError
from app.services.money import ZERO
from app.services.reference_data import default_tax_rate
from app.views.account_picker import AccountPicker
from app.views.record_editor import (
    ChoiceBox,
    Confirm,
    EditableListView,
    RecordEditorDialog,
    ask_yes_no,
    fit_list,
    read_money,
    read_percentage,
    screen_layout,
    screen_note,
    text_box,
)
from app.views.table_models import Column

#: Where the accounts come from, when the chart of accounts has not been brought in yet.
ACCOUNTS_LATER_HINT = (
    "Accounts are chosen from your chart of accounts once LedgerBridge is connected to your accounting "
    "package and the chart is refreshed (Administration -> Accounts Integration)."
)
CARD_DEPOSIT_DEFAULT = "Not set - uses the credit card clearing account"
OTHER_DEPOSIT_DEFAULT = "Not set - uses the account to receive payments"


class ChartChoice:
    """The chart of accounts an editor offers, read once when the editor opens (one query), and whether
    Relax Restrictions on Selection of Accounts is ticked in the accounting settings."""

    def __init__(self, session: Session) -> None:
        package = current_package(session)
        self.chart: Chart = load_chart(session, package)
        self.relaxed = relaxed_selection(session, package)

    def hint(self, hint: str) -> str:
        return ACCOUNTS_LATER_HINT if self.chart.empty else hint

    def picker(self, purpose: AccountPurpose, chosen: str | None, stored: StoredAccount | None,
               *, empty_text: str) -> AccountPicker:
        picker = AccountPicker(purpose, empty_text=empty_text)
        picker.set_chart(self.chart, relaxed=self.relaxed, chosen=chosen, stored=stored)
        return picker

    def change(
        self, picker: AccountPicker, previous: str | None, *, what: str, field: str
    ) -> AccountChange | None:
        """The account newly picked (checked as Save checks the settings), or None when the choice was
        not changed: an earlier choice is kept as it is, even before the chart is refreshed."""
        chosen = picker.chosen()
        if chosen == previous:
            return None
        account = check_account(
            self.chart, chosen, picker.purpose, relaxed=self.relaxed, what=what, field_name=field
        )
        return AccountChange(account)


@dataclass(frozen=True)
class AccountChange:
    """A new account choice for a record (``account`` None: cleared, so the default applies)."""

    account: ChartAccount | None


def _stored_income(record: JobType | Material | None) -> StoredAccount | None:
    if record is None or not record.income_account_id:
        return None
    return StoredAccount(
        record.income_account_id, record.income_account_code or "", record.income_account_name or ""
    )


def _record_gone(kind: str) -> RuleError:
    return RuleError(f"This {kind} has been deleted meanwhile; close this window.")


def _amount_text(value: Decimal) -> str:
    """An amount as it is typed back into a field: 1234.5 -> "1,234.50" (more places only if needed)."""
    text = f"{value.normalize():f}"
    places = len(text.partition(".")[2])
    return f"{value:,.{max(2, places)}f}"


def _section_title(label: QLabel) -> None:
    """A list's title inside a screen: smaller than the screen's own title."""
    label.setObjectName("sectionTitle")
    font = label.font()
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 1.15)
    label.setFont(font)


# -- Job Types


class JobTypeEditorDialog(RecordEditorDialog):
    """New or edit one job type: ``name_edit``, ``description_edit``, ``active_check``, and
    ``income_account_picker`` (revenue accounts of the chart, unless restrictions are relaxed)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        job_type: JobType | None = None,
        *,
        accounts: ChartChoice | None = None,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        title = "New job type" if job_type is None else f"Edit job type - {job_type.name}"
        super().__init__(title, session_factory, confirm=confirm, parent=parent)
        self.record_id = job_type.id if job_type is not None else None
        if accounts is None:
            with session_factory() as session:
                accounts = ChartChoice(session)
        self._accounts = accounts
        self._previous_account = job_type.income_account_id if job_type is not None else None
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText('e.g. "Plumbing - Maintenance"')
        self.description_edit = text_box(2)
        self.active_check = QCheckBox("Offered for new jobs")
        self.active_check.setChecked(True)
        self.income_account_picker = accounts.picker(
            AccountPurpose.INCOME,
            self._previous_account,
            _stored_income(job_type),
            empty_text=NO_INCOME_ACCOUNT,
        )
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("description", "Description", self.description_edit)
        self.add_field("active", "Active", self.active_check)
        self.add_field(
            "income_account",
            "Income account",
            self.income_account_picker,
            hint=accounts.hint(INCOME_CODE_HINT),
        )
        if job_type is not None:
            self.name_edit.setText(job_type.name)
            self.description_edit.setPlainText(job_type.description)
            self.active_check.setChecked(job_type.active)

    def write(self, session: Session) -> None:
        job_type = session.get(JobType, self.record_id) if self.record_id is not None else None
        if self.record_id is not None and job_type is None:
            raise _record_gone("job type")
        details = JobTypeDetails(
            name=self.name_edit.text(),
            description=self.description_edit.toPlainText(),
            active=self.active_check.isChecked(),
        )
        change = self._accounts.change(
            self.income_account_picker,
            self._previous_account,
            what="income account",
            field="income_account",
        )
        saved = save_job_type(session, details, job_type)
        if change is not None:
            choose_income_account(saved, change.account)
        self.record_id = saved.id


JOB_TYPE_COLUMNS: tuple[Column[JobTypeRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Description", lambda r: " ".join(r.description.split())),
    Column("Income account", lambda r: r.income_account),
    Column("Active", lambda r: r.active),
)


class JobTypesView(EditableListView[JobTypeRow]):
    """Administration -> Job Types."""

    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Job Types",
            JOB_TYPE_COLUMNS,
            session_factory,
            new_text="New job type…",
            confirm=confirm,
            parent=parent,
        )
        fit_list(self, stretch=1, filter_hint="Filter by name or description…")
        self.note = screen_note(
            "A job type's income account is where the labour on its jobs' invoices is posted, unless a "
            "material or the line itself says otherwise; without one, the Default Labour Income Account "
            "applies. " + ACCOUNTS_LATER_HINT
        )
        screen_layout(self).insertWidget(1, self.note)

    def load(self, session: Session) -> list[JobTypeRow]:
        return list_job_types(session)

    def make_editor(self, session: Session, row: JobTypeRow | None) -> JobTypeEditorDialog:
        job_type = session.get_one(JobType, row.id) if row is not None else None
        return JobTypeEditorDialog(
            self._session_factory, job_type, accounts=ChartChoice(session), confirm=self.confirm, parent=self
        )


# -- Materials


class MaterialEditorDialog(RecordEditorDialog):
    """New or edit one material: ``code_edit``, ``name_edit``, ``unit_price_edit``, ``unit_cost_edit``,
    ``tax_rate_box``, ``active_check``, ``income_account_picker``."""

    def __init__(
        self,
        session_factory: SessionFactory,
        session: Session,
        material: Material | None = None,
        *,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        title = "New material" if material is None else f"Edit material - {material.code}"
        super().__init__(title, session_factory, confirm=confirm, parent=parent)
        self.record_id = material.id if material is not None else None
        self.code_edit = QLineEdit()
        self.code_edit.setPlaceholderText('e.g. "PVC-20"')
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("As it should read on an invoice")
        self.unit_price_edit = QLineEdit()
        self.unit_price_edit.setPlaceholderText("0.00")
        self.unit_cost_edit = QLineEdit()
        self.unit_cost_edit.setPlaceholderText("0.00")
        self.tax_rate_box: ChoiceBox[int] = ChoiceBox()
        rates = active_tax_rates(session)
        if material is not None and material.tax_rate is not None and material.tax_rate not in rates:
            rates.append(material.tax_rate)
        self.tax_rate_box.set_choices([(None, "No tax rate"), *((r.id, r.name) for r in rates)])
        self.active_check = QCheckBox("Offered on new invoices")
        self.active_check.setChecked(True)
        accounts = ChartChoice(session)
        self._accounts = accounts
        self._previous_account = material.income_account_id if material is not None else None
        self.income_account_picker = accounts.picker(
            AccountPurpose.INCOME,
            self._previous_account,
            _stored_income(material),
            empty_text=NO_INCOME_ACCOUNT,
        )

        self.add_field("code", "Code *", self.code_edit)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("unit_price", "Unit price (ex GST)", self.unit_price_edit)
        self.add_field("unit_cost", "Unit cost (ex GST)", self.unit_cost_edit, hint="What you pay for it.")
        self.add_field("tax_rate", "Tax rate", self.tax_rate_box)
        self.add_field("active", "Active", self.active_check)
        self.add_field(
            "income_account",
            "Income account",
            self.income_account_picker,
            hint=accounts.hint(MATERIAL_INCOME_HINT),
        )
        if material is None:
            default = default_tax_rate(session)
            self.tax_rate_box.choose(default.id if default is not None else None)
        else:
            self.code_edit.setText(material.code)
            self.name_edit.setText(material.name)
            self.unit_price_edit.setText(_amount_text(material.unit_price))
            self.unit_cost_edit.setText(_amount_text(material.unit_cost))
            self.tax_rate_box.choose(material.tax_rate_id)
            self.active_check.setChecked(material.active)

    def write(self, session: Session) -> None:
        material = session.get(Material, self.record_id) if self.record_id is not None else None
        if self.record_id is not None and material is None:
            raise _record_gone("material")
        details = MaterialDetails(
            code=self.code_edit.text(),
            name=self.name_edit.text(),
            unit_price=read_money(self.unit_price_edit, "unit_price"),
            unit_cost=read_money(self.unit_cost_edit, "unit_cost")
            if self.unit_cost_edit.text().strip()
            else ZERO,
            tax_rate_id=self.tax_rate_box.chosen(),
            active=self.active_check.isChecked(),
        )
        change = self._accounts.change(
            self.income_account_picker,
            self._previous_account,
            what="income account",
            field="income_account",
        )
        saved = save_material(session, details, material)
        if change is not None:
            choose_income_account(saved, change.account)
        self.record_id = saved.id


MATERIAL_COLUMNS: tuple[Column[MaterialRow], ...] = (
    Column("Code", lambda r: r.code),
    Column("Name", lambda r: r.name),
    Column("Unit price", lambda r: r.unit_price),
    Column("Unit cost", lambda r: r.unit_cost),
    Column("Tax rate", lambda r: r.tax_rate),
    Column("Income account", lambda r: r.income_account),
    Column("Active", lambda r: r.active),
)


class MaterialsView(EditableListView[MaterialRow]):
    """Administration -> Materials."""

    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Materials",
            MATERIAL_COLUMNS,
            session_factory,
            new_text="New material…",
            confirm=confirm,
            parent=parent,
        )
        fit_list(self, stretch=1, filter_hint="Filter by code, name, tax rate…")
        self.note = screen_note(
            "A material's income account, when set, is used for the invoice lines that sell it, ahead of "
            "the job type's and the Default Materials Income Account. " + ACCOUNTS_LATER_HINT
        )
        screen_layout(self).insertWidget(1, self.note)

    def load(self, session: Session) -> list[MaterialRow]:
        return list_materials(session)

    def make_editor(self, session: Session, row: MaterialRow | None) -> MaterialEditorDialog:
        material = session.get_one(Material, row.id) if row is not None else None
        return MaterialEditorDialog(
            self._session_factory, session, material, confirm=self.confirm, parent=self
        )


# -- Payments & Tax


class PaymentMethodEditorDialog(RecordEditorDialog):
    """New or edit one payment method: ``name_edit``, ``kind_box``, ``active_check``, and
    ``deposit_account_picker`` (accounts that accept payments, unless restrictions are relaxed)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        method: PaymentMethod | None = None,
        *,
        accounts: ChartChoice | None = None,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        title = "New payment method" if method is None else f"Edit payment method - {method.name}"
        super().__init__(title, session_factory, confirm=confirm, parent=parent)
        self.record_id = method.id if method is not None else None
        if accounts is None:
            with session_factory() as session:
                accounts = ChartChoice(session)
        self._accounts = accounts
        self._previous_account = method.account_id if method is not None else None
        stored = (
            StoredAccount(method.account_id, method.account_code or "", method.account_name or "")
            if method is not None and method.account_id
            else None
        )
        self.deposit_account_picker = accounts.picker(
            AccountPurpose.PAYMENTS, self._previous_account, stored, empty_text=OTHER_DEPOSIT_DEFAULT
        )
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText('e.g. "EFT"')
        self.kind_box: ChoiceBox[PaymentMethodKind] = ChoiceBox()
        self.kind_box.set_choices(list(PAYMENT_METHOD_KIND_LABELS.items()))
        self.kind_box.choose(PaymentMethodKind.OTHER)
        self.active_check = QCheckBox("Offered when recording a payment")
        self.active_check.setChecked(True)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field(
            "kind",
            "Kind",
            self.kind_box,
            hint="Card payments go to the credit card clearing account unless an account is chosen.",
        )
        self.add_field("active", "Active", self.active_check)
        self.add_field(
            "deposit_account",
            "Deposit account",
            self.deposit_account_picker,
            hint=accounts.hint(DEPOSIT_ACCOUNT_HINT),
        )
        if method is not None:
            self.name_edit.setText(method.name)
            self.kind_box.choose(method.kind)
            self.active_check.setChecked(method.active)
        self._show_deposit_default()
        self.kind_box.currentIndexChanged.connect(self._on_kind_box_current_index_changed)

    def _show_deposit_default(self) -> None:
        card = self.kind_box.chosen() is PaymentMethodKind.CREDIT_CARD
        self.deposit_account_picker.set_empty_text(CARD_DEPOSIT_DEFAULT if card else OTHER_DEPOSIT_DEFAULT)

    def _on_kind_box_current_index_changed(self, _index: int) -> None:
        self._show_deposit_default()

    def write(self, session: Session) -> None:
        method = session.get(PaymentMethod, self.record_id) if self.record_id is not None else None
        if self.record_id is not None and method is None:
            raise _record_gone("payment method")
        details = PaymentMethodDetails(
            name=self.name_edit.text(),
            kind=self.kind_box.chosen() or PaymentMethodKind.OTHER,
            active=self.active_check.isChecked(),
        )
        change = self._accounts.change(
            self.deposit_account_picker,
            self._previous_account,
            what="deposit account",
            field="deposit_account",
        )
        saved = save_payment_method(session, details, method)
        if change is not None:
            choose_deposit_account(saved, change.account)
        self.record_id = saved.id


class TaxRateEditorDialog(RecordEditorDialog):
    """New or edit one tax rate: ``name_edit``, ``rate_edit``, ``default_check``, ``active_check``."""

    def __init__(
        self,
        session_factory: SessionFactory,
        tax_rate: TaxRate | None = None,
        *,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        title = "New tax rate" if tax_rate is None else f"Edit tax rate - {tax_rate.name}"
        super().__init__(title, session_factory, confirm=confirm, parent=parent)
        self.record_id = tax_rate.id if tax_rate is not None else None
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText('e.g. "GST 10%"')
        self.rate_edit = QLineEdit()
        self.rate_edit.setPlaceholderText("10")
        self.default_check = QCheckBox("Used for new invoice lines unless another is chosen")
        self.active_check = QCheckBox("Offered on invoices and materials")
        self.active_check.setChecked(True)
        self.add_field("name", "Name *", self.name_edit)
        self.add_field("rate", "Rate (%) *", self.rate_edit)
        self.add_field("is_default", "Default", self.default_check)
        self.add_field("active", "Active", self.active_check)
        if tax_rate is not None:
            self.name_edit.setText(tax_rate.name)
            self.rate_edit.setText(format_rate(tax_rate.rate).removesuffix("%"))
            self.default_check.setChecked(tax_rate.is_default)
            self.active_check.setChecked(tax_rate.active)

    def write(self, session: Session) -> None:
        tax_rate = session.get(TaxRate, self.record_id) if self.record_id is not None else None
        if self.record_id is not None and tax_rate is None:
            raise _record_gone("tax rate")
        details = TaxRateDetails(
            name=self.name_edit.text(),
            rate=read_percentage(self.rate_edit, "rate"),
            is_default=self.default_check.isChecked(),
            active=self.active_check.isChecked(),
        )
        self.record_id = save_tax_rate(session, details, tax_rate).id


PAYMENT_METHOD_COLUMNS: tuple[Column[PaymentMethodRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Kind", lambda r: r.kind),
    Column("Deposit account", lambda r: r.deposit_account),
    Column("Active", lambda r: r.active),
)

TAX_RATE_COLUMNS: tuple[Column[TaxRateRow], ...] = (
    Column("Name", lambda r: r.name),
    Column("Rate", lambda r: r.rate),
    Column("Default", lambda r: r.is_default),
    Column("Active", lambda r: r.active),
)


class PaymentMethodsView(EditableListView[PaymentMethodRow]):
    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Payment methods",
            PAYMENT_METHOD_COLUMNS,
            session_factory,
            new_text="New payment method…",
            confirm=confirm,
            parent=parent,
        )
        fit_list(self, stretch=2, filter_hint="Filter payment methods…")
        _section_title(self.title)

    def load(self, session: Session) -> list[PaymentMethodRow]:
        return list_payment_methods(session)

    def make_editor(self, session: Session, row: PaymentMethodRow | None) -> PaymentMethodEditorDialog:
        method = session.get_one(PaymentMethod, row.id) if row is not None else None
        return PaymentMethodEditorDialog(
            self._session_factory, method, accounts=ChartChoice(session), confirm=self.confirm, parent=self
        )


class TaxRatesView(EditableListView[TaxRateRow]):
    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        super().__init__(
            "Tax rates",
            TAX_RATE_COLUMNS,
            session_factory,
            new_text="New tax rate…",
            confirm=confirm,
            parent=parent,
        )
        fit_list(self, stretch=None, filter_hint="Filter tax rates…")
        _section_title(self.title)

    def load(self, session: Session) -> list[TaxRateRow]:
        return list_tax_rates(session)

    def make_editor(self, session: Session, row: TaxRateRow | None) -> TaxRateEditorDialog:
        tax_rate = session.get_one(TaxRate, row.id) if row is not None else None
        return TaxRateEditorDialog(self._session_factory, tax_rate, confirm=self.confirm, parent=self)


class PaymentsAndTaxView(QWidget):
    """Administration -> Payments & Tax: ``payment_methods`` and ``tax_rates``, one list above the other."""

    def __init__(
        self, session_factory: SessionFactory, *, confirm: Confirm = ask_yes_no, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        heading = QLabel("Payments & Tax")
        heading.setObjectName("screenTitle")
        self.note = screen_note(
            "Payment methods are offered when you record a payment; card payments are deposited to the "
            "credit card clearing account and the others to the account to receive payments, unless the "
            "method has its own deposit account. Tax rates apply per invoice line; the default one is used "
            "for new lines. " + ACCOUNTS_LATER_HINT
        )
        self.payment_methods = PaymentMethodsView(session_factory, confirm=confirm)
        self.tax_rates = TaxRatesView(session_factory, confirm=confirm)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        inner = QVBoxLayout()
        inner.setContentsMargins(9, 9, 9, 0)
        inner.addWidget(heading, 0, Qt.AlignmentFlag.AlignLeft)
        inner.addWidget(self.note)
        layout.addLayout(inner)
        layout.addWidget(self.payment_methods, 1)
        layout.addWidget(self.tax_rates, 1)

    def refresh(self) -> None:
        self.payment_methods.refresh()
        self.tax_rates.refresh()
