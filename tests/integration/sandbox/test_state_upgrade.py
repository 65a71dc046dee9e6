"""A state file made before contacts, invoices and credit notes had their name, number and contact keys
(``ledgerbridge sandbox --state FILE`` keeps one across versions) opens with those columns, their indexes
and every record's keys in place, and the look-ups that read them find what they did before."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero.records import RECORD_KEYS_SETTING, RECORD_KEYS_VERSION, index_keys
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID
from app.integrations.sandbox.xero.tables import XeroRecord
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.consent import connect
from tests.integration.sandbox.test_lookups import NAME_TAKEN, NUMBER_TAKEN, contact, credit_note, invoice_for
from tests.integration.sandbox.test_records import first, messages, sales_invoice

ADDED_INDEXES = ("ix_xero_record_folded", "ix_xero_record_contact", "ix_xero_record_sequence")


def as_made_before(state: Path) -> None:
    """Take ``state`` back to the earlier layout: no folded or contact keys, their indexes and the
    sequence index gone, contacts kept under no ContactNumber, and no note that keys were worked out."""
    with sqlite3.connect(state) as raw:
        for index in ADDED_INDEXES:
            raw.execute(f"DROP INDEX {index}")
        raw.execute("ALTER TABLE xero_record DROP COLUMN folded_key")
        raw.execute("ALTER TABLE xero_record DROP COLUMN contact_key")
        raw.execute("UPDATE xero_record SET lookup_key = NULL WHERE kind = 'Contact'")
        raw.execute("DELETE FROM sandbox_setting WHERE name = ?", (RECORD_KEYS_SETTING,))
    raw.close()


def layout(state: Path) -> tuple[set[str], set[str]]:
    with sqlite3.connect(state) as raw:
        columns = {row[1] for row in raw.execute("PRAGMA table_info(xero_record)")}
        indexes = {row[1] for row in raw.execute("PRAGMA index_list(xero_record)")}
    raw.close()
    return columns, indexes


def test_an_earlier_state_file_opens_with_its_keys_worked_out(seeded_state: Path, tmp_path: Path) -> None:
    state = tmp_path / "earlier.db"
    shutil.copyfile(seeded_state, state)
    with SandboxServer(state) as server:
        xero = server.endpoints()["xero"]
        api = XeroSession(xero, connect(xero), DEMO_COMPANY_TENANT_ID)
        kept = contact(api, Name="Kept Across Versions Co", ContactNumber="LB-KEPT-1")
        sales_invoice(api, kept["ContactID"], InvoiceNumber="LB-KEPT-INV")
        credit_note(api, kept["ContactID"], "CN-KEPT-1")
        api.http.close()
    as_made_before(state)
    columns, indexes = layout(state)
    assert {"folded_key", "contact_key"}.isdisjoint(columns)
    assert indexes.isdisjoint(ADDED_INDEXES)

    with SandboxServer(state) as server:
        columns, indexes = layout(state)
        assert {"folded_key", "contact_key"} <= columns
        assert set(ADDED_INDEXES) <= indexes
        with server.store.transaction() as session:
            assert server.store.setting(session, RECORD_KEYS_SETTING) == RECORD_KEYS_VERSION
            rows = session.execute(
                select(
                    XeroRecord.kind,
                    XeroRecord.lookup_key,
                    XeroRecord.folded_key,
                    XeroRecord.contact_key,
                    XeroRecord.document,
                ).where(XeroRecord.kind.in_(["Contact", "Invoice", "CreditNote"]))
            ).all()
        assert len(rows) > 300  # the seeded contacts and invoices are among them
        wrong: list[Any] = []
        for kind, lookup, folded, contact_key, text in rows:
            document = json.loads(text)
            number = document.get(
                {"Invoice": "InvoiceNumber", "CreditNote": "CreditNoteNumber"}.get(kind, "")
            )
            expected = index_keys(kind, document, number or None)
            if (expected.lookup, expected.folded, expected.contact) != (lookup, folded, contact_key):
                wrong.append((kind, lookup, folded, contact_key))
        assert wrong == []

        xero = server.endpoints()["xero"]
        api = XeroSession(xero, connect(xero), DEMO_COMPANY_TENANT_ID)
        assert first(api.get("/Contacts/LB-KEPT-1"), "Contacts")["ContactID"] == kept["ContactID"]
        refused = api.put(
            "/Contacts", {"Contacts": [{"Name": "kept across versions co", "ContactNumber": "LB-KEPT-1"}]}
        )
        assert messages(refused) == [NAME_TAKEN.format("kept across versions co"), NUMBER_TAKEN]
        by_name = first(invoice_for(api, {"Name": "KEPT ACROSS VERSIONS CO"}), "Invoices")
        assert by_name["Contact"]["ContactID"] == kept["ContactID"]
        balances = first(api.get(f"/Contacts/{kept['ContactID']}"), "Contacts")["Balances"]
        assert balances["AccountsReceivable"]["Outstanding"] == 110.0
        notes = api.get("/CreditNotes", params={"where": 'CreditNoteNumber=="cn-kept-1"'}).json()[
            "CreditNotes"
        ]
        assert [n["CreditNoteNumber"] for n in notes] == ["CN-KEPT-1"]
        invoices = api.get("/Invoices", params={"InvoiceNumbers": "LB-KEPT-INV"}).json()["Invoices"]
        assert [i["Contact"]["ContactID"] for i in invoices] == [kept["ContactID"]]
        api.http.close()


def test_a_current_state_file_is_not_worked_out_again(seeded_state: Path, tmp_path: Path) -> None:
    """Once worked out, the note says so; a key set by hand (as no save would) stays as it is."""
    state = tmp_path / "current.db"
    shutil.copyfile(seeded_state, state)
    with sqlite3.connect(state) as raw:
        raw.execute("UPDATE xero_record SET folded_key = 'set by hand' WHERE kind = 'Contact'")
    raw.close()
    with SandboxServer(state) as server, server.store.transaction() as session:
        hand = session.scalars(
            select(XeroRecord.folded_key).where(XeroRecord.kind == "Contact").distinct()
        ).all()
    assert hand == ["set by hand"]
