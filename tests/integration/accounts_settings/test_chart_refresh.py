"""Refresh Chart of Accounts against the sandbox's Demo Company (AU): what is cached, and what is flagged
when the bookkeeper archives, deletes or renames an account in Xero afterwards."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import (
    JobType,
    Material,
    PackageAccount,
    PackageItem,
    PackageTaxRate,
    PaymentMethod,
    SettingsAccount,
    SettingsAccountRole,
)
from app.services.accounting_settings import (
    FlagReason,
    SettingsRefused,
    choose_deposit_account,
    choose_income_account,
    load_chart,
    load_settings,
    save_settings,
    suggest_accounts,
    suggest_payment_method,
)
from app.services.progress import Cancelled, CancelToken
from app.sync.chart_refresh import ChartOfAccountsRefresh
from tests.integration.accounts_settings.conftest import ConnectedBooks, in_xero


def _save_suggested(books: ConnectedBooks) -> None:
    with books.database.session_factory() as session, session.begin():
        snapshot = load_settings(session)
        draft = snapshot.saved.copy()
        for role, account in suggest_accounts(draft, snapshot.chart).items():
            draft.accounts[role] = account.remote_id
        method = suggest_payment_method(snapshot.payment_methods)
        assert method is not None
        draft.default_payment_method_id = method.id
        save_settings(session, snapshot.package, draft)


def _account_id(books: ConnectedBooks, code: str) -> str:
    with books.database.session_factory() as session:
        remote_id = session.scalar(select(PackageAccount.remote_id).where(PackageAccount.code == code))
    assert remote_id is not None, f"no account {code} in the cache"
    return remote_id


def test_refresh_pulls_accounts_tax_rates_and_items_into_the_cache(connected: ConnectedBooks) -> None:
    steps: list[tuple[int, int, str]] = []
    result = ChartOfAccountsRefresh(connected.database.session_factory, connected.provider).run(
        lambda done, total, text: steps.append((done, total, text))
    )
    assert result.accounts == len(connected.provider.accounts())
    assert result.archived_accounts == 3  # the seeded chart's archived 210, 300 and 457
    assert result.tax_rates > 0 and result.items > 0
    assert result.flags == ()  # nothing chosen yet, so nothing can point at a lost account
    assert [done for done, _total, _text in steps] == [0, 1, 2, 3, 4]
    assert steps[-1][2] == result.summary()

    with connected.database.session_factory() as session:
        chart = load_chart(session, result.package)
        assert len(chart.accounts) == result.accounts
        assert chart.tenant_id == connected.provider.tenant.id
        sales = chart.by_code("200")
        assert sales is not None and sales.label == "200 - Sales" and sales.kind == "revenue"
        archived = chart.by_code("210")
        assert archived is not None and not archived.active
        bank = chart.by_code("090")
        assert bank is not None and bank.accepts_payments
        gst = session.scalars(select(PackageTaxRate).where(PackageTaxRate.code == "OUTPUT")).one()
        assert gst.rate == Decimal("10")
        assert session.scalar(select(func.count(PackageItem.id))) == result.items

    # Refreshing again updates the same rows: nothing doubles up.
    again = connected.refresh()
    with connected.database.session_factory() as session:
        assert session.scalar(select(func.count(PackageAccount.id))) == again.accounts == result.accounts
        assert session.scalar(select(func.count(PackageTaxRate.id))) == result.tax_rates
        assert session.scalar(select(func.count(PackageItem.id))) == result.items


def test_a_cancelled_refresh_leaves_the_cache_as_it_was(connected: ConnectedBooks) -> None:
    cancel = CancelToken()

    def cancel_after_accounts(done: int, total: int, text: str) -> None:
        if done == 1:
            cancel.cancel()

    with pytest.raises(Cancelled):
        ChartOfAccountsRefresh(connected.database.session_factory, connected.provider).run(
            cancel_after_accounts, cancel
        )
    with connected.database.session_factory() as session:
        assert session.scalar(select(func.count(PackageAccount.id))) == 0


def test_an_account_archived_in_xero_is_flagged_after_refresh(connected: ConnectedBooks) -> None:
    connected.refresh()
    _save_suggested(connected)
    other_revenue = _account_id(connected, "260")
    with connected.database.session_factory() as session, session.begin():
        chart = load_chart(session, load_settings(session).package)
        account = chart.find(other_revenue)
        job_type = JobType(name="Plumbing - Maintenance")
        session.add(job_type)
        choose_income_account(job_type, account)
        job_type_name = job_type.name
        snapshot = load_settings(session)
        draft = snapshot.saved.copy()
        draft.accounts[SettingsAccountRole.MATERIALS_INCOME] = other_revenue
        save_settings(session, snapshot.package, draft)

    in_xero(connected.provider, "POST", f"/Accounts/{other_revenue}", {"Accounts": [{"Status": "ARCHIVED"}]})
    result = connected.refresh()

    flagged = {(flag.where, flag.reason) for flag in result.flags}
    assert flagged == {
        (SettingsAccountRole.MATERIALS_INCOME.label, FlagReason.ARCHIVED),
        (f"Job type {job_type_name}", FlagReason.ARCHIVED),
    }
    setting = next(flag for flag in result.flags if flag.field is not None)
    assert setting.field == SettingsAccountRole.MATERIALS_INCOME.value
    assert setting.message == (
        "Default Materials Income Account: 260 - Other Revenue is archived in Xero. Choose another account."
    )
    # The screen reads the same flags when it opens later, and Save now refuses the archived account.
    with connected.database.session_factory() as session, session.begin():
        snapshot = load_settings(session)
        assert snapshot.flags == result.flags
        with pytest.raises(SettingsRefused) as refused:
            save_settings(session, snapshot.package, snapshot.saved)
    assert refused.value.problem_for("materials_income") == (
        "260 - Other Revenue is archived in Xero; choose another Default Materials Income Account."
    )
    assert [p.field for p in refused.value.problems] == ["materials_income"]


def test_an_account_deleted_in_xero_is_dropped_from_the_cache_and_flagged(connected: ConnectedBooks) -> None:
    created = in_xero(
        connected.provider,
        "PUT",
        "/Accounts",
        {"Code": "205", "Name": "Call-out Fees", "Type": "REVENUE", "TaxType": "OUTPUT"},
    )
    new_id = created["Accounts"][0]["AccountID"]
    connected.refresh()
    with connected.database.session_factory() as session, session.begin():
        chart = load_chart(session, load_settings(session).package)
        material = Material(code="CALL", name="Call-out", unit_price=Decimal("95"))
        session.add(material)
        method = session.scalars(select(PaymentMethod).order_by(PaymentMethod.id)).first()
        assert method is not None
        choose_income_account(material, chart.find(new_id))
        choose_deposit_account(method, chart.by_code("091"))
        material_where = f"Material {material.code} ({material.name})"

    in_xero(connected.provider, "DELETE", f"/Accounts/{new_id}")
    result = connected.refresh()

    assert result.accounts_removed == 1
    assert [(f.where, f.reason, f.account.label) for f in result.flags] == [
        (material_where, FlagReason.VANISHED, "205 - Call-out Fees")
    ]
    assert result.flags[0].message.endswith(
        "205 - Call-out Fees is no longer in Xero's chart of accounts. Choose another account."
    )
    with connected.database.session_factory() as session:
        assert session.scalar(select(PackageAccount).where(PackageAccount.remote_id == new_id)) is None


def test_an_account_renamed_in_xero_is_followed_by_what_remembers_it(connected: ConnectedBooks) -> None:
    connected.refresh()
    _save_suggested(connected)
    sales = _account_id(connected, "200")
    in_xero(connected.provider, "POST", f"/Accounts/{sales}", {"Accounts": [{"Name": "Sales - Trade"}]})

    result = connected.refresh()

    assert result.renamed >= 3  # labour, materials and credit note income all chose 200 - Sales
    assert result.flags == ()
    with connected.database.session_factory() as session:
        names = set(
            session.scalars(select(SettingsAccount.account_name).where(SettingsAccount.account_id == sales))
        )
    assert names == {"Sales - Trade"}
