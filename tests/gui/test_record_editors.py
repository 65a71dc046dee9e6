"""What every record editor says in its title and when its record was deleted while it was open.

Job types, materials, payment methods, tax rates, customers and jobs share one editor base; these are
the words the bookkeeper reads from it, screen by screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import Customer, Job, JobType, Material, PaymentMethod, PaymentMethodKind, TaxRate
from app.services.catalogue import (
    JobTypeDetails,
    MaterialDetails,
    PaymentMethodDetails,
    TaxRateDetails,
    save_job_type,
    save_material,
    save_payment_method,
    save_tax_rate,
)
from app.services.customers import CustomerDetails, save_customer
from app.services.jobs import JobDetails, create_job
from app.views.catalogue_view import JobTypesView, MaterialsView, PaymentsAndTaxView
from app.views.customers_view import CustomersView
from app.views.jobs_view import JobsView
from app.views.record_editor import EditableListView


@dataclass(frozen=True)
class Screen:
    """A list screen, the record it is tried on, and the words its editor is expected to use."""

    open: Callable[[Database], tuple[Any, EditableListView[Any]]]
    model: type[Any]
    add: Callable[[Session], int]
    new_title: str
    edit_title: str
    gone: str


def _payment_methods(database: Database) -> tuple[Any, EditableListView[Any]]:
    page = PaymentsAndTaxView(database.session_factory)
    return page, page.payment_methods


def _tax_rates(database: Database) -> tuple[Any, EditableListView[Any]]:
    page = PaymentsAndTaxView(database.session_factory)
    return page, page.tax_rates


def _alone(kind: Callable[..., EditableListView[Any]]) -> Callable[[Database], tuple[Any, Any]]:
    def open_screen(database: Database) -> tuple[Any, EditableListView[Any]]:
        view = kind(database.session_factory)
        return view, view

    return open_screen


def _job(session: Session) -> int:
    customer = save_customer(session, CustomerDetails(name="Bondi Bakery"))
    return create_job(session, JobDetails(customer_id=customer.id, site_address="3 Campbell Pde")).id


SCREENS = {
    "job type": Screen(
        _alone(JobTypesView),
        JobType,
        lambda s: save_job_type(s, JobTypeDetails(name="Gas fitting")).id,
        "New job type",
        "Edit job type - Gas fitting",
        "This job type has been deleted meanwhile; close this window.",
    ),
    "material": Screen(
        _alone(MaterialsView),
        Material,
        lambda s: (
            save_material(s, MaterialDetails(code="HWS-250", name="Hot water unit", unit_price=Decimal(9))).id
        ),
        "New material",
        "Edit material - HWS-250",
        "This material has been deleted meanwhile; close this window.",
    ),
    "payment method": Screen(
        _payment_methods,
        PaymentMethod,
        lambda s: (
            save_payment_method(s, PaymentMethodDetails("Square reader", PaymentMethodKind.CREDIT_CARD)).id
        ),
        "New payment method",
        "Edit payment method - Square reader",
        "This payment method has been deleted meanwhile; close this window.",
    ),
    "tax rate": Screen(
        _tax_rates,
        TaxRate,
        lambda s: save_tax_rate(s, TaxRateDetails(name="Export 0%", rate=Decimal(0))).id,
        "New tax rate",
        "Edit tax rate - Export 0%",
        "This tax rate has been deleted meanwhile; close this window.",
    ),
    "customer": Screen(
        _alone(CustomersView),
        Customer,
        lambda s: save_customer(s, CustomerDetails(name="Harbourside Cafe")).id,
        "New customer",
        "Edit customer - Harbourside Cafe",
        "This customer has been deleted meanwhile; close this window.",
    ),
    "job": Screen(
        _alone(JobsView),
        Job,
        _job,
        "New job",
        "Edit job {number}",
        "This job has been deleted meanwhile; close this window.",
    ),
}


@pytest.mark.parametrize("kind", list(SCREENS))
def test_an_editor_is_titled_for_its_record_and_refuses_to_save_one_deleted_meanwhile(
    qtbot: QtBot, sqlite_database: Database, kind: str
) -> None:
    screen = SCREENS[kind]
    with sqlite_database.session_factory() as session, session.begin():
        record_id = screen.add(session)
        number = session.get_one(Job, record_id).number if screen.model is Job else ""
    widget, view = screen.open(sqlite_database)
    qtbot.addWidget(widget)
    view.refresh()

    new = view.new_record()
    assert new.windowTitle() == screen.new_title
    new.reject()
    row = next(r for r in view.model.rows() if r.id == record_id)
    editor = view.edit_record(row)
    assert editor.windowTitle() == screen.edit_title.format(number=number)
    assert editor.record_id == record_id

    # Someone else deletes the record while the editor is open: Save says so and writes nothing.
    with sqlite_database.session_factory() as session, session.begin():
        session.execute(delete(screen.model).where(screen.model.id == record_id))
    assert editor.save() is False
    assert editor.problem("") == screen.gone
    assert editor.isVisible()
    with sqlite_database.session_factory() as session:
        assert session.scalar(select(func.count()).where(screen.model.id == record_id)) == 0
    editor.reject()
