"""The import's rules one at a time against the sandbox: what is read, what an update shows, what a
change of mind does, and that a refusal or Cancel writes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from app.config import PackageSettings
from app.db import Database
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import SeedContact
from app.integrations.xero import XeroProvider
from app.models import Customer, SyncRecord
from app.services.customers import CustomerDetails, save_customer
from app.services.errors import RuleError
from app.services.progress import Cancelled, CancelToken
from app.sync.customer_import import (
    CustomerImport,
    Decision,
    ImportAction,
    ImportOptions,
    ImportOutOfDate,
    ImportPlan,
    ProposedAction,
    apply_import,
)
from tests.integration.customer_import.population import ContactSpec, Population
from tests.integration.customer_import.seeding import seed_contacts


def _customers(database: Database, *names: str, **fields: str) -> list[int]:
    with database.session_factory() as session, session.begin():
        return [save_customer(session, CustomerDetails(name=name, **fields)).id for name in names]


def _proposals(plan: ImportPlan, names: Sequence[str]) -> dict[str, ProposedAction]:
    """The proposals for the contacts called ``names`` (the demo organisation holds others too)."""
    found = {action.contact.name: action for action in plan.actions if action.contact.name in names}
    return found


def _seed(sandbox: SandboxServer, specs: list[ContactSpec]) -> None:
    people = Population(contacts=specs)
    seed_contacts(sandbox, people, [], range(len(specs)))


def _counts(database: Database) -> tuple[int, int]:
    with database.session_factory() as session:
        customers = session.scalar(select(func.count()).select_from(Customer)) or 0
        links = session.scalar(select(func.count()).select_from(SyncRecord)) or 0
    return customers, links


def _edit_in_xero(xero: PackageSettings, provider: XeroProvider, contact_id: str, **changes: Any) -> None:
    """Change a contact through Xero's own API, as an edit in Xero would (it bumps UpdatedDateUTC)."""
    response = requests.post(
        f"{xero.endpoints.api.rstrip('/')}/Contacts/{contact_id}",
        json={"Contacts": [changes]},
        headers={
            "Authorization": f"Bearer {provider.credentials.access_token()}",
            "xero-tenant-id": provider.tenant.id,
            "Accept": "application/json",
        },
        timeout=30,
    )
    assert response.status_code == 200, response.text


def test_supplier_only_and_archived_contacts_are_left_out_unless_asked(
    provider: XeroProvider, sandbox: SandboxServer, database: Database
) -> None:
    _customers(database, "Harbour Tiling", "Basin Glass", "Cove Paint")
    _seed(
        sandbox,
        [
            ContactSpec("Harbour Tiling", is_supplier=True),  # supplier only
            ContactSpec("Basin Glass", archived=True),
            ContactSpec("Cove Paint", is_supplier=True, is_customer=True),  # both: a customer
            ContactSpec("Fresh Lead"),  # neither yet: a customer before its first invoice
        ],
    )
    names = ["Harbour Tiling", "Basin Glass", "Cove Paint", "Fresh Lead"]
    plan = CustomerImport(database.session_factory, provider).propose()
    found = _proposals(plan, names)
    assert {name: p.action for name, p in found.items()} == {
        "Cove Paint": ImportAction.LINK,
        "Fresh Lead": ImportAction.CREATE,
    }
    assert plan.left_out["suppliers only"] >= 1

    everything = ImportOptions(include_suppliers=True, include_archived=True)
    wider = CustomerImport(database.session_factory, provider, everything).propose()
    assert {name: p.action for name, p in _proposals(wider, names).items()} == {
        "Harbour Tiling": ImportAction.LINK,
        "Basin Glass": ImportAction.LINK,
        "Cove Paint": ImportAction.LINK,
        "Fresh Lead": ImportAction.CREATE,
    }


def test_a_contact_changed_in_xero_is_an_update_showing_each_field_that_changes(
    provider: XeroProvider, sandbox: SandboxServer, database: Database, xero: PackageSettings
) -> None:
    sandbox.add_xero_contacts(
        [SeedContact("Tidewater Plumbing", email="accounts@tidewater.example", phone="02 5550 1000")]
    )
    first = CustomerImport(database.session_factory, provider).propose()
    created = _proposals(first, ["Tidewater Plumbing"])["Tidewater Plumbing"]
    assert created.action is ImportAction.CREATE
    assert created.details.phone == "02 5550 1000"
    apply_import(database.session_factory, first, [Decision(created, created.proposed)])

    _edit_in_xero(
        xero,
        provider,
        created.contact_id,
        EmailAddress="ap@tidewater.example",
        FirstName="Mia",
        LastName="Chen",
        TaxNumber="not an ABN",
    )
    again = CustomerImport(database.session_factory, provider).propose()
    update = _proposals(again, ["Tidewater Plumbing"])["Tidewater Plumbing"]
    assert update.action is ImportAction.UPDATE
    assert [change.describe() for change in update.changes] == [
        "Contact person: (blank) -> Mia Chen",
        "Email: accounts@tidewater.example -> ap@tidewater.example",
    ]
    assert update.reason == "changed in Xero: Contact person, Email"
    assert update.notes and update.notes[0].startswith("ABN 'not an ABN' left out")
    result = apply_import(database.session_factory, again, [Decision(update, update.proposed)])
    assert result.updated == 1
    with database.session_factory() as session:
        customer = session.scalars(select(Customer).where(Customer.name == "Tidewater Plumbing")).one()
        assert (customer.email, customer.contact_person, customer.abn) == (
            "ap@tidewater.example",
            "Mia Chen",
            "",
        )
        assert customer.revision == 2

    third = CustomerImport(database.session_factory, provider).propose()
    assert _proposals(third, ["Tidewater Plumbing"])["Tidewater Plumbing"].action is ImportAction.SKIP


def test_changed_in_both_places_is_a_conflict_and_skipping_a_create_proposes_it_again(
    provider: XeroProvider, sandbox: SandboxServer, database: Database, xero: PackageSettings
) -> None:
    sandbox.add_xero_contacts(
        [SeedContact("Ridge Roofing", email="a@ridge.example"), SeedContact("Dune Decks")]
    )
    first = CustomerImport(database.session_factory, provider).propose()
    found = _proposals(first, ["Ridge Roofing", "Dune Decks"])
    skip = next(c for c in found["Dune Decks"].choices if c.action is ImportAction.SKIP)
    decisions = [
        Decision(found["Ridge Roofing"], found["Ridge Roofing"].proposed),
        Decision(found["Dune Decks"], skip),
    ]
    assert apply_import(database.session_factory, first, decisions).created == 1

    with database.session_factory() as session, session.begin():
        ridge = session.scalars(select(Customer).where(Customer.name == "Ridge Roofing")).one()
        save_customer(session, CustomerDetails(name="Ridge Roofing", phone="0400 000 111"), ridge)
    _edit_in_xero(xero, provider, found["Ridge Roofing"].contact_id, EmailAddress="b@ridge.example")

    again = _proposals(
        CustomerImport(database.session_factory, provider).propose(), ["Ridge Roofing", "Dune Decks"]
    )
    assert again["Dune Decks"].action is ImportAction.CREATE  # skipped, so offered again
    conflict = again["Ridge Roofing"]
    assert conflict.action is ImportAction.CONFLICT
    assert conflict.reason == "changed both here and in Xero since they were last in step"
    assert [c.action for c in conflict.choices] == [ImportAction.SKIP, ImportAction.UPDATE]
    assert conflict.proposed.action is ImportAction.SKIP  # left alone unless the bookkeeper says


def test_one_customer_chosen_for_two_contacts_is_refused_and_nothing_is_written(
    provider: XeroProvider, sandbox: SandboxServer, database: Database
) -> None:
    [harbour] = _customers(database, "Harbour Cafe")
    sandbox.add_xero_contacts(
        [SeedContact("Harbour Cafe Pty Ltd"), SeedContact("Harbour Café"), SeedContact("Zed Zinc")]
    )
    plan = CustomerImport(database.session_factory, provider).propose()
    found = _proposals(plan, ["Harbour Cafe Pty Ltd", "Harbour Café", "Zed Zinc"])
    assert found["Harbour Cafe Pty Ltd"].action is ImportAction.CONFLICT
    assert [c.id for c in found["Harbour Café"].candidates] == [harbour]
    decisions = [
        Decision(p, next(c for c in p.choices if c.action is ImportAction.LINK))
        for p in (found["Harbour Cafe Pty Ltd"], found["Harbour Café"])
    ] + [Decision(found["Zed Zinc"], found["Zed Zinc"].proposed)]
    before = _counts(database)
    with pytest.raises(RuleError, match="is chosen for two contacts"):
        apply_import(database.session_factory, plan, decisions)
    assert _counts(database) == before


def test_the_books_changing_after_the_review_refuses_the_whole_import(
    provider: XeroProvider, sandbox: SandboxServer, database: Database
) -> None:
    _customers(database, "Quarry Electrical")
    sandbox.add_xero_contacts([SeedContact("QUARRY ELECTRICAL"), SeedContact("Slipway Joinery")])
    plan = CustomerImport(database.session_factory, provider).propose()
    found = _proposals(plan, ["QUARRY ELECTRICAL", "Slipway Joinery"])
    assert found["QUARRY ELECTRICAL"].action is ImportAction.LINK
    with database.session_factory() as session, session.begin():
        session.delete(session.scalars(select(Customer).where(Customer.name == "Quarry Electrical")).one())
    before = _counts(database)
    with pytest.raises(ImportOutOfDate, match="Quarry Electrical was deleted"):
        apply_import(database.session_factory, plan, plan.default_decisions())
    assert _counts(database) == before  # Slipway Joinery was not created either: one transaction


def test_cancel_while_reading_stops_between_pages(
    provider: XeroProvider, sandbox: SandboxServer, database: Database
) -> None:
    sandbox.add_xero_contacts([SeedContact(f"Pier {n} Glazing") for n in range(1_200)])
    cancel = CancelToken()
    pages: list[int] = []

    def report(done: int, total: int, text: str) -> None:
        if done:
            pages.append(done)
            cancel.cancel()

    with pytest.raises(Cancelled):
        CustomerImport(database.session_factory, provider).propose(report, cancel)
    assert pages == [1]
