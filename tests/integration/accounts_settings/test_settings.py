"""Saving the Accounts Integration settings against a chart refreshed from the sandbox: valid and invalid
selections, Relax Restrictions, Suggest accounts, the invoice start date, and the settings file."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.models import (
    AccountingSettings,
    Customer,
    PaymentMethod,
    ReferenceField,
    SettingsAccountRole,
    TaxRate,
)
from app.services.accounting_settings import (
    OPTIONAL_ROLES,
    AccountPurpose,
    SettingsDraft,
    SettingsRefused,
    draft_from_document,
    fits,
    invoices_newly_due,
    load_settings,
    save_settings,
    settings_document,
    suggest_accounts,
)
from app.services.errors import RuleError
from app.services.invoices import InvoiceDraft, LineDraft, approve_invoice, create_invoice
from tests.integration.accounts_settings.conftest import ConnectedBooks

Role = SettingsAccountRole


@pytest.fixture
def books(connected: ConnectedBooks) -> ConnectedBooks:
    connected.refresh()
    return connected


def _draft_with(books: ConnectedBooks, **codes: str | None) -> SettingsDraft:
    """The saved settings with the accounts of the given codes (by role name) and the EFT method."""
    with books.database.session_factory() as session:
        snapshot = load_settings(session)
        eft = session.scalars(select(PaymentMethod).where(PaymentMethod.name == "EFT")).one()
    draft = snapshot.saved.copy()
    draft.default_payment_method_id = eft.id
    for role_name, code in codes.items():
        account = snapshot.chart.by_code(code) if code else None
        assert code is None or account is not None, code
        draft.accounts[Role(role_name)] = account.remote_id if account else None
    return draft


VALID = {
    "receive_payments": "090",
    "credit_card_payments": "640",
    "supplier_invoice": "310",
    "supplier_expense": "429",
    "rounding": "860",
    "labour_income": "200",
    "materials_income": "260",
    "credit_note": "200",
    "bad_debt": None,
}


def test_save_with_valid_selections_stores_every_setting(books: ConnectedBooks) -> None:
    draft = _draft_with(books, **VALID)
    draft.reference_field = ReferenceField.SITE_ADDRESS
    draft.push_individual_lines = False
    draft.push_lines_as_items = True
    draft.push_work_undertaken = True
    draft.invoice_start_date = dt.date(2026, 7, 1)
    with books.database.session_factory() as session, session.begin():
        save_settings(session, load_settings(session).package, draft)

    with books.database.session_factory() as session:
        snapshot = load_settings(session)
        row = session.scalars(select(AccountingSettings)).one()
        stored = {chosen.role: chosen.label for chosen in row.accounts}
    assert snapshot.saved == draft
    assert stored[Role.RECEIVE_PAYMENTS] == "090 - Business Bank Account"
    assert stored[Role.ROUNDING] == "860 - Rounding"
    assert stored[Role.MATERIALS_INCOME] == "260 - Other Revenue"
    assert Role.BAD_DEBT not in stored
    assert row.reference_field is ReferenceField.SITE_ADDRESS
    assert (row.push_individual_lines, row.push_lines_as_items, row.push_work_undertaken) == (
        False,
        True,
        True,
    )

    # Clearing an optional account removes it.
    draft.accounts[Role.CREDIT_CARD_PAYMENTS] = None
    with books.database.session_factory() as session, session.begin():
        save_settings(session, load_settings(session).package, draft)
    with books.database.session_factory() as session:
        assert load_settings(session).saved.account(Role.CREDIT_CARD_PAYMENTS) is None


def test_save_refuses_invalid_selections_naming_each_field_and_writes_nothing(books: ConnectedBooks) -> None:
    with books.database.session_factory() as session:
        before = load_settings(session).saved
    draft = _draft_with(
        books,
        receive_payments="200",  # a revenue account cannot take payments
        labour_income="090",  # a bank account is not income
        materials_income="210",  # archived in the seeded chart
        supplier_invoice=None,
    )
    draft.invoice_start_date = None
    draft.default_payment_method_id = None
    with (
        books.database.session_factory() as session,
        session.begin(),
        pytest.raises(SettingsRefused) as refused,
    ):
        save_settings(session, load_settings(session).package, draft)

    problems = refused.value
    fields = [p.field for p in problems.problems]
    required = [role.value for role in Role if role not in OPTIONAL_ROLES]
    assert fields[0] == "invoice_start_date"
    assert set(fields) == {"invoice_start_date", "default_payment_method", *required}
    assert problems.problem_for("receive_payments") == (
        "200 - Sales is a revenue account; the Account Number To Receive Payments takes bank accounts and "
        "accounts that accept payments. Choose another, or tick Relax Restrictions on Selection of Accounts."
    )
    assert problems.problem_for("labour_income").startswith("090 - Business Bank Account is a bank account;")
    assert problems.problem_for("materials_income") == (
        "210 - Sales - Old Price List is archived in Xero; choose another Default Materials Income Account."
    )
    assert problems.problem_for("supplier_invoice") == "Choose the Default Supplier Invoice Account."
    with books.database.session_factory() as session:
        assert load_settings(session).saved == before


def test_relax_restrictions_lets_any_active_account_be_chosen_but_never_an_archived_one(
    books: ConnectedBooks,
) -> None:
    draft = _draft_with(books, **{**VALID, "labour_income": "429"})  # an expense account as labour income
    with books.database.session_factory() as session, session.begin(), pytest.raises(SettingsRefused):
        save_settings(session, load_settings(session).package, draft)

    draft.relax_account_restrictions = True
    with books.database.session_factory() as session, session.begin():
        save_settings(session, load_settings(session).package, draft)

    archived = _draft_with(books, **{**VALID, "labour_income": "210"})
    archived.relax_account_restrictions = True
    with (
        books.database.session_factory() as session,
        session.begin(),
        pytest.raises(SettingsRefused) as refused,
    ):
        save_settings(session, load_settings(session).package, archived)
    assert "archived" in refused.value.problem_for("labour_income")


def test_relax_restrictions_changes_what_the_dropdowns_offer(books: ConnectedBooks) -> None:
    with books.database.session_factory() as session:
        chart = load_settings(session).chart
    strict = {a.code for a in chart.offered(AccountPurpose.INCOME, relaxed=False)}
    relaxed = {a.code for a in chart.offered(AccountPurpose.INCOME, relaxed=True)}
    payments = {a.code for a in chart.offered(AccountPurpose.PAYMENTS, relaxed=False)}
    expenses = {a.code for a in chart.offered(AccountPurpose.EXPENSE, relaxed=False)}
    archived = {a.code for a in chart.accounts if not a.active}

    assert strict == {"200", "260", "270"}
    assert {"090", "429", "860"} <= relaxed and strict < relaxed
    assert payments == {"090", "091", "092", "640"}  # banks, the credit card, and the card clearing account
    assert {"310", "320", "400", "429"} <= expenses and not expenses & strict
    assert archived == {"210", "300", "457"}
    assert not archived & (strict | relaxed | payments | expenses)
    assert all(fits(a, AccountPurpose.INCOME) for a in chart.offered(AccountPurpose.INCOME, relaxed=False))
    # Offered in code order, as a chart of accounts reads.
    codes = [a.code for a in chart.offered(AccountPurpose.EXPENSE, relaxed=False)]
    assert codes == sorted(codes, key=int)


def test_suggest_fills_only_the_empty_roles_with_the_obvious_accounts(books: ConnectedBooks) -> None:
    draft = _draft_with(books, labour_income="260")
    with books.database.session_factory() as session:
        chart = load_settings(session).chart
    suggested = {role.value: account.label for role, account in suggest_accounts(draft, chart).items()}
    assert suggested == {
        "receive_payments": "090 - Business Bank Account",
        "credit_card_payments": "640 - Undeposited Card Payments",
        "supplier_invoice": "310 - Cost of Goods Sold",  # 300 Purchases is archived
        "supplier_expense": "429 - General Expenses",
        "rounding": "860 - Rounding",
        "materials_income": "200 - Sales",
        "credit_note": "200 - Sales",
    }  # labour income was chosen already; this chart has no bad debt account to suggest
    for role, account in suggest_accounts(draft, chart).items():
        draft.accounts[role] = account.remote_id
    with books.database.session_factory() as session, session.begin():
        save_settings(session, load_settings(session).package, draft)


def _approved_invoice_on(books: ConnectedBooks, day: dt.date, *, approve: bool = True) -> None:
    with books.database.session_factory() as session, session.begin():
        customer = Customer(name=f"Customer {day}", email="accounts@example.com")
        session.add(customer)
        session.flush()
        gst = session.scalars(select(TaxRate).where(TaxRate.name == "GST 10%")).one()
        invoice = create_invoice(
            session,
            InvoiceDraft(
                customer_id=customer.id,
                date=day,
                due_date=day + dt.timedelta(days=14),
                lines=[
                    LineDraft(
                        description="Call-out", quantity=Decimal(1), unit_price=Decimal(95), tax_rate=gst
                    )
                ],
            ),
        )
        if approve:
            approve_invoice(session, invoice)


def test_moving_the_start_date_earlier_counts_the_older_approved_invoices_it_would_send(
    books: ConnectedBooks,
) -> None:
    start = dt.date(2026, 7, 1)
    for day in (dt.date(2026, 5, 31), dt.date(2026, 6, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 1)):
        _approved_invoice_on(books, day)
    _approved_invoice_on(books, dt.date(2026, 6, 15), approve=False)  # a draft is never sent

    with books.database.session_factory() as session:
        assert invoices_newly_due(session, start, dt.date(2026, 6, 1)) == 2
        assert invoices_newly_due(session, start, dt.date(2026, 1, 1)) == 3
        assert invoices_newly_due(session, start, dt.date(2026, 8, 1)) == 0  # later: nothing more is sent
        assert invoices_newly_due(session, None, dt.date(2026, 1, 1)) == 0


def test_the_first_connect_set_the_start_date_to_that_day(books: ConnectedBooks) -> None:
    with books.database.session_factory() as session:
        assert load_settings(session).saved.invoice_start_date == dt.datetime.now(dt.UTC).astimezone().date()


def test_a_settings_file_round_trips_and_is_validated_as_save_does(books: ConnectedBooks) -> None:
    draft = _draft_with(books, **VALID)
    with books.database.session_factory() as session, session.begin():
        save_settings(session, load_settings(session).package, draft)
    with books.database.session_factory() as session:
        snapshot = load_settings(session)
    document = json.loads(json.dumps(settings_document(snapshot)))
    assert document["accounts"]["labour_income"]["code"] == "200"
    assert document["default_payment_method"] == "EFT"
    assert draft_from_document(document, snapshot) == snapshot.saved

    # An account given by code alone is found by its code.
    document["accounts"]["labour_income"] = {"code": "270"}
    assert snapshot.chart.by_code("270") is not None
    read = draft_from_document(document, snapshot)
    assert read.account(Role.LABOUR_INCOME) == snapshot.chart.by_code("270").remote_id  # type: ignore[union-attr]

    document["accounts"]["labour_income"] = {"code": "999", "name": "Nowhere"}
    with pytest.raises(RuleError) as unknown:
        draft_from_document(document, snapshot)
    assert unknown.value.field == "labour_income"
    assert "999 - Nowhere is not in Xero's chart of accounts" in unknown.value.message

    document["accounts"]["labour_income"] = {"code": "090"}  # readable, but Save refuses a bank account
    with (
        books.database.session_factory() as session,
        session.begin(),
        pytest.raises(SettingsRefused) as refused,
    ):
        save_settings(session, snapshot.package, draft_from_document(document, snapshot))
    assert [p.field for p in refused.value.problems] == ["labour_income"]

    with pytest.raises(RuleError, match="not a LedgerBridge accounting settings file"):
        draft_from_document({"accounts": {}}, snapshot)
