"""Putting a generated population into the sandbox and the local database quickly, in bulk.

The sandbox's contacts go straight into its state file in one transaction, as Xero documents built by
the sandbox's own ``contact_document`` (10,000 HTTP calls would test nothing more and take minutes).
The sandbox's seeding hook (``SandboxServer.add_xero_contacts``) can mark suppliers, archive contacts and
give them numbers, but not fixed ContactIDs nor an UpdatedDateUTC of each contact's own, which these tests
need (stable ids across runs, and If-Modified-Since reads).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from app.db import Database
from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.web import dump_json
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.records import index_keys
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SeedContact, contact_document
from app.integrations.sandbox.xero.tables import XeroRecord
from app.integrations.xero import parse_xero_datetime
from app.models import AccountingPackage, Customer, SyncRecord, SyncRecordType, SyncState
from app.services.customer_matching import contact_number_for
from tests.integration.customer_import.population import ContactSpec, Population

#: The moment the generated contacts were last changed in the package (each a millisecond apart).
STAMP = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


@dataclass
class Seeded:
    """Ids on both sides, by the population's indexes."""

    customer_ids: list[int]
    contact_versions: list[str]

    def customer_index(self) -> dict[int, int]:
        return {customer_id: index for index, customer_id in enumerate(self.customer_ids)}


def version_of(stamp: dt.datetime) -> str:
    """The version the import keeps for a contact last changed at ``stamp`` (as Xero's JSON carries it)."""
    moment = parse_xero_datetime(wire.msdate(stamp))
    assert moment is not None
    return moment.isoformat()


def demo_contacts(sandbox: SandboxServer) -> list[dict[str, object]]:
    """The contacts Demo Company (AU) already holds, as documents."""
    import json

    with sandbox.store.transaction() as session:
        texts = session.scalars(
            select(XeroRecord.document).where(
                XeroRecord.tenant_id == DEMO_COMPANY_TENANT_ID, XeroRecord.kind == "Contact"
            )
        ).all()
    return [json.loads(text) for text in texts]


def insert_customers(database: Database, population: Population) -> list[int]:
    """The population's customers, in order; returns their ids."""
    with database.session_factory() as session, session.begin():
        rows = [
            Customer(
                name=spec.name,
                email=spec.email,
                abn=spec.abn,
                account_number=spec.account,
                revision=2 if spec.changed_here else 1,
            )
            for spec in population.customers
        ]
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]


def seed_contacts(
    sandbox: SandboxServer, population: Population, customer_ids: Sequence[int], order: Sequence[int]
) -> list[str]:
    """The population's contacts in Demo Company (AU), listed by Xero in ``order``; returns each one's
    version, by index."""
    versions = [""] * len(population.contacts)
    with sandbox.store.transaction() as session:
        sequence = (
            session.scalar(
                select(func.max(XeroRecord.sequence)).where(XeroRecord.tenant_id == DEMO_COMPANY_TENANT_ID)
            )
            or 0
        )
        rows = []
        for position, index in enumerate(order):
            spec = population.contacts[index]
            stamp = STAMP + dt.timedelta(milliseconds=position)
            document = _document(spec, customer_ids)
            document["UpdatedDateUTC"] = wire.msdate(stamp)
            versions[index] = version_of(stamp)
            # The keys the sandbox finds a contact by (ContactNumber, name), as its own saves store them.
            keys = index_keys("Contact", document, None)
            rows.append(
                {
                    "tenant_id": DEMO_COMPANY_TENANT_ID,
                    "kind": "Contact",
                    "record_id": spec.id.lower(),
                    "lookup_key": keys.lookup,
                    "folded_key": keys.folded,
                    "updated_utc": stamp,
                    "sequence": sequence + position + 1,
                    "document": dump_json(document),
                }
            )
        session.execute(insert(XeroRecord), rows)
    return versions


def _document(spec: ContactSpec, customer_ids: Sequence[int]) -> dict[str, object]:
    seed = SeedContact(
        name=spec.name,
        email=spec.email or None,
        first_name=spec.first_name or None,
        last_name=spec.last_name or None,
        account_number=spec.account or None,
        tax_number=spec.abn or None,
    )
    document = contact_document(seed, contact_id=spec.id, status="ARCHIVED" if spec.archived else "ACTIVE")
    document["IsCustomer"] = spec.is_customer
    document["IsSupplier"] = spec.is_supplier
    if spec.number_of is not None:
        document["ContactNumber"] = contact_number_for(customer_ids[spec.number_of])
    return document


def insert_links(
    database: Database,
    population: Population,
    customer_ids: Sequence[int],
    versions: Sequence[str],
    tenant_id: str = DEMO_COMPANY_TENANT_ID,
) -> None:
    """The links the population's customers already hold (as an earlier import or sync left them)."""
    with database.session_factory() as session, session.begin():
        for index, spec in enumerate(population.customers):
            if spec.link is None:
                continue
            contact = population.contacts[spec.link]
            version = versions[spec.link] if spec.link_current else version_of(STAMP - dt.timedelta(days=30))
            session.add(
                SyncRecord(
                    package=AccountingPackage.XERO,
                    tenant_id=tenant_id,
                    record_type=SyncRecordType.CUSTOMER,
                    local_id=customer_ids[index],
                    remote_id=contact.id,
                    remote_version=version,
                    pushed_revision=1,
                    state=SyncState.SENT,
                )
            )
