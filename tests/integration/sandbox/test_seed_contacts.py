"""The sandbox's hook for putting contacts into Demo Company (AU): suppliers, archived contacts, contact
numbers, many at once, from Python and from the control endpoint."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.seed import SeedContact
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.test_records import first, messages, sales_invoice


def everyone(api: XeroSession) -> list[dict[str, Any]]:
    contacts: list[dict[str, Any]] = api.get("/Contacts", params={"includeArchived": "true"}).json()[
        "Contacts"
    ]
    return contacts


def test_contacts_can_be_added_as_suppliers_customers_archived_and_with_a_number(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    added = sandbox.add_xero_contacts(
        [
            SeedContact("Plain Co"),
            SeedContact("Pipe Supplies Pty Ltd", email="accounts@pipes.example", is_supplier=True),
            SeedContact("Old Customer Co", archived=True, is_customer=True),
            SeedContact("Numbered Customer", contact_number="LB-C-00042", is_customer=True),
        ]
    )
    assert len(added) == 4
    by_id = {c["ContactID"]: c for c in everyone(api)}
    plain, supplier, archived, numbered = (by_id[i] for i in added)
    # Left out, every field keeps its old default.
    assert (plain["ContactStatus"], plain["IsSupplier"], plain["IsCustomer"]) == ("ACTIVE", False, False)
    assert "ContactNumber" not in plain
    assert (supplier["IsSupplier"], supplier["IsCustomer"], supplier["ContactStatus"]) == (
        True,
        False,
        "ACTIVE",
    )
    assert (archived["ContactStatus"], archived["IsCustomer"]) == ("ARCHIVED", True)
    assert archived["ContactID"] not in {c["ContactID"] for c in api.get("/Contacts").json()["Contacts"]}
    assert first(api.get("/Contacts/LB-C-00042"), "Contacts")["ContactID"] == numbered["ContactID"]
    # Xero's own rules hold for them as for any contact.
    refused = api.put("/Contacts", {"Contacts": [{"Name": "Someone Else", "ContactNumber": "LB-C-00042"}]})
    assert messages(refused) == [
        "Another contact has this contact number. Please enter a different contact number."
    ]
    invoice = api.put(
        "/Invoices",
        {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": {"ContactID": archived["ContactID"]},
                    "LineItems": [{"Description": "x"}],
                }
            ]
        },
    )
    assert messages(invoice)[0].startswith(
        "The contact with the specified contact details has been archived."
    )


def test_names_already_there_are_skipped_but_an_archived_namesake_is_added(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    first_ids = sandbox.add_xero_contacts([SeedContact("Harbour Cafe", email="one@harbour.example")])
    again = sandbox.add_xero_contacts(
        [
            SeedContact("HARBOUR CAFE", email="two@harbour.example"),
            SeedContact("Harbour Cafe", email="old@harbour.example", archived=True),
        ]
    )
    assert len(first_ids) == 1 and len(again) == 1
    named = [c for c in everyone(api) if c["Name"].lower() == "harbour cafe"]
    assert sorted((c["EmailAddress"], c["ContactStatus"]) for c in named) == [
        ("old@harbour.example", "ARCHIVED"),
        ("one@harbour.example", "ACTIVE"),
    ]


def test_a_contact_number_held_by_another_contact_adds_nothing(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    sandbox.add_xero_contacts([SeedContact("Holder Co", contact_number="LB-C-7")])
    before = len(everyone(api))
    with pytest.raises(ValueError, match="LB-C-7"):
        sandbox.add_xero_contacts([SeedContact("Fresh Co"), SeedContact("Clash Co", contact_number="LB-C-7")])
    with pytest.raises(ValueError, match="LB-C-8"):
        sandbox.add_xero_contacts(
            [
                SeedContact("Twin One", contact_number="LB-C-8"),
                SeedContact("Twin Two", contact_number="LB-C-8"),
            ]
        )
    assert len(everyone(api)) == before


def test_many_contacts_are_added_in_the_order_given_and_the_api_carries_on_after_them(
    sandbox: SandboxServer, api: XeroSession
) -> None:
    sandbox.clock.advance(2)
    since = sandbox.clock.now().strftime("%Y-%m-%dT%H:%M:%SZ")
    names = [f"Bulk Customer {n:04d}" for n in range(1_500)]
    added = sandbox.add_xero_contacts([SeedContact(name, contact_number=f"B-{name[-4:]}") for name in names])
    assert len(added) == len(set(added)) == 1_500
    made = first(api.put("/Contacts", {"Contacts": [{"Name": "Made Through The API"}]}), "Contacts")
    changed: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = api.get(
            "/Contacts", params={"page": page, "pageSize": 1000}, headers={"If-Modified-Since": since}
        )
        batch = answer.json()["Contacts"]
        changed.extend(batch)
        if len(batch) < 1000:
            break
        page += 1
    # Xero's default order (UpdatedDateUTC, then creation): the bulk in the order given, then the new one.
    assert [c["Name"] for c in changed] == [*names, "Made Through The API"]
    assert changed[-1]["ContactID"] == made["ContactID"]
    assert first(api.get("/Contacts/B-0999"), "Contacts")["Name"] == "Bulk Customer 0999"
    # A contact added in bulk is used like any other.
    assert sales_invoice(api, added[0], status="DRAFT")["Contact"]["ContactID"] == added[0]


def test_the_control_endpoint_takes_the_new_fields(sandbox: SandboxServer, api: XeroSession) -> None:
    url = f"{sandbox.base_url}/_sandbox/xero/contacts"
    answer = requests.post(
        url,
        json={
            "contacts": [
                {"name": "Endpoint Supplier", "is_supplier": True, "contact_number": "LB-S-1"},
                {"name": "Endpoint Archived", "archived": True},
            ]
        },
        timeout=10,
    )
    assert answer.status_code == 201, answer.text
    supplier_id, archived_id = answer.json()["ContactIDs"]
    by_id = {c["ContactID"]: c for c in everyone(api)}
    assert (by_id[supplier_id]["IsSupplier"], by_id[supplier_id]["ContactNumber"]) == (True, "LB-S-1")
    assert by_id[archived_id]["ContactStatus"] == "ARCHIVED"
    bad = requests.post(url, json={"contacts": [{"name": "Bad Flag", "archived": "yes"}]}, timeout=10)
    assert (bad.status_code, bad.json()) == (400, {"error": "archived must be true or false"})
    clash = requests.post(url, json={"contacts": [{"name": "Clash", "contact_number": "LB-S-1"}]}, timeout=10)
    assert clash.status_code == 400
    assert "LB-S-1" in clash.json()["error"]
