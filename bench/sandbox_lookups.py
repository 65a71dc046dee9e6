"""Look-ups in the Xero sandbox when an organisation holds many records.

Builds a state file whose Demo Company (AU) holds ``--contacts`` contacts (each with a ContactNumber),
``--invoices`` sales invoices and ``--credit-notes`` sales credit notes (the documents are copies of one
made through the API, put in with one insert), then times, over HTTP against the sandbox in this process
with its limits off:

- creating invoices one call each whose contact is given by ContactNumber, then by name (an existing
  contact: the emulator has to find it);
- saving a contact: creating a new one (``PUT /Contacts``), updating one (``POST /Contacts/{id}``), both
  checked for name and ContactNumber clashes;
- ``GET /Contacts/{ContactNumber}`` and ``GET /Contacts/{ContactID}`` (which carries the balances);
- ``GET /Invoices?InvoiceNumbers=`` with 50 numbers and ``GET /CreditNotes?where=CreditNoteNumber=="..." OR
  ...`` with 50, as the sync client asks after an ambiguous failure.

Prints milliseconds per call (median and slowest). Nothing here is asserted; compare runs before and after
a change. The state file is built once and kept with ``--state FILE`` (reused when it exists; each run
measures a copy). A file built by an earlier version has its look-up keys worked out when first opened:
the "Opened" line shows how long that takes.

    python bench/sandbox_lookups.py [--contacts 10000] [--invoices 10000] [--credit-notes 10000]
                                    [--calls 50] [--state FILE]
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.integrations.sandbox.rate_limits import RateLimits  # noqa: E402
from app.integrations.sandbox.server import SandboxServer  # noqa: E402
from app.integrations.sandbox.xero import wire  # noqa: E402
from app.integrations.sandbox.xero.records import Records  # noqa: E402
from app.integrations.sandbox.xero.seed import DEMO_COMPANY_TENANT_ID, SeedContact  # noqa: E402
from tests.integration.sandbox.consent import connect  # noqa: E402

NO_LIMITS = RateLimits(concurrent=1000, per_minute=10**9, per_day=10**9, app_per_minute=10**9)
LINE = {"Description": "Service call", "Quantity": 1, "UnitAmount": 100, "AccountCode": "200"}


def contact_name(index: int) -> str:
    return f"Bench Customer {index:05d}"


def contact_number(index: int) -> str:
    return f"BC-{index:05d}"


class Api:
    def __init__(self, server: SandboxServer) -> None:
        endpoints = server.endpoints()["xero"]
        self.base = endpoints["api"]
        token = connect(endpoints)
        self.http = requests.Session()
        self.http.headers.update(
            {
                "Authorization": f"Bearer {token['access_token']}",
                "Accept": "application/json",
                "xero-tenant-id": DEMO_COMPANY_TENANT_ID,
            }
        )

    def call(self, method: str, path: str, body: Any = None, **params: Any) -> dict[str, Any]:
        response = self.http.request(method, self.base + path, json=body, params=params or None, timeout=600)
        if response.status_code != 200:
            raise SystemExit(f"{method} {path} -> {response.status_code}: {response.text[:500]}")
        answer: dict[str, Any] = response.json()
        return answer


def _clone(
    template: dict[str, Any], id_field: str, number_field: str, number: str, contact: dict[str, Any]
) -> Any:
    document = dict(template)
    document[id_field] = wire.new_id()
    document[number_field] = number
    document["Contact"] = contact
    document["LineItems"] = [dict(line, LineItemID=wire.new_id()) for line in template["LineItems"]]
    return document


def build(server: SandboxServer, api: Api, contacts: int, invoices: int, credit_notes: int) -> None:
    started = time.perf_counter()
    server.add_xero_contacts(
        [SeedContact(contact_name(i), contact_number=contact_number(i)) for i in range(contacts)]
    )
    first_contact = api.call("GET", f"/Contacts/{contact_number(0)}")["Contacts"][0]
    body = {
        "Type": "ACCREC",
        "Contact": {"ContactID": first_contact["ContactID"]},
        "Date": "2026-10-01",
        "DueDate": "2026-10-31",
        "Status": "AUTHORISED",
        "LineItems": [LINE, LINE, LINE],
    }
    invoice = api.call("PUT", "/Invoices", {"Invoices": [body]})["Invoices"][0]
    note = api.call("PUT", "/CreditNotes", {"CreditNotes": [dict(body, Type="ACCRECCREDIT")]})["CreditNotes"][
        0
    ]
    with server.store.transaction() as session:
        records = Records(session, DEMO_COMPANY_TENANT_ID)
        everyone = [c for c in records.all("Contact") if str(c.get("ContactNumber", "")).startswith("BC-")]
        summaries = [
            {"ContactID": c["ContactID"], "Name": c["Name"], "ContactNumber": c["ContactNumber"]}
            for c in everyone
        ]
        now = server.clock.now()
        for kind, template, id_field, number_field, prefix, count in (
            ("Invoice", invoice, "InvoiceID", "InvoiceNumber", "BI-", invoices),
            ("CreditNote", note, "CreditNoteID", "CreditNoteNumber", "BN-", credit_notes),
        ):
            documents = []
            for index in range(count):
                number = f"{prefix}{index:06d}"
                document = _clone(template, id_field, number_field, number, summaries[index % len(summaries)])
                documents.append((document[id_field], document, number))
            records.add_all(kind, documents, now=now)
    print(
        f"Built: {contacts:,} contacts, {invoices:,} invoices, {credit_notes:,} credit notes "
        f"in {time.perf_counter() - started:.1f} s"
    )


def timed(label: str, calls: int, one: Callable[[int], object]) -> None:
    seconds: list[float] = []
    for index in range(calls):
        started = time.perf_counter()
        one(index)
        seconds.append(time.perf_counter() - started)
    median = statistics.median(seconds) * 1000
    print(f"  {label:<58} {calls:>4} calls  {median:9.1f} ms median  {max(seconds) * 1000:9.1f} ms slowest")


def measure(api: Api, args: argparse.Namespace) -> None:
    rng = random.Random(7)
    calls = args.calls
    picks = [rng.randrange(args.contacts) for _ in range(calls * 4)]
    by_number = api.call("GET", f"/Contacts/{contact_number(picks[0])}")["Contacts"][0]

    def invoice_for(contact: dict[str, Any]) -> dict[str, Any]:
        return {
            "Invoices": [
                {
                    "Type": "ACCREC",
                    "Contact": contact,
                    "Date": "2026-10-02",
                    "DueDate": "2026-11-01",
                    "Status": "AUTHORISED",
                    "LineItems": [LINE],
                }
            ]
        }

    print(f"Held: {args.contacts:,} contacts, {args.invoices:,} invoices, {args.credit_notes:,} credit notes")
    timed(
        "PUT /Invoices, contact by ContactNumber",
        calls,
        lambda i: api.call("PUT", "/Invoices", invoice_for({"ContactNumber": contact_number(picks[i])})),
    )
    timed(
        "PUT /Invoices, contact by name",
        calls,
        lambda i: api.call("PUT", "/Invoices", invoice_for({"Name": contact_name(picks[calls + i])})),
    )
    timed(
        "PUT /Contacts (a new contact)",
        calls,
        lambda i: api.call(
            "PUT", "/Contacts", {"Contacts": [{"Name": f"New Bench Co {i}", "ContactNumber": f"NB-{i}"}]}
        ),
    )
    timed(
        "POST /Contacts/{id} (an update)",
        calls,
        lambda i: api.call(
            "POST",
            f"/Contacts/{by_number['ContactID']}",
            {"Contacts": [{"EmailAddress": f"a{i}@bench.example"}]},
        ),
    )
    timed(
        "GET /Contacts/{ContactNumber}",
        calls,
        lambda i: api.call("GET", f"/Contacts/{contact_number(picks[2 * calls + i])}"),
    )
    timed(
        "GET /Contacts/{ContactID} (with balances)",
        calls,
        lambda i: api.call("GET", f"/Contacts/{by_number['ContactID']}"),
    )
    invoice_numbers = [[f"BI-{rng.randrange(args.invoices):06d}" for _ in range(50)] for _ in range(10)]
    timed(
        "GET /Invoices?InvoiceNumbers= (50 numbers, paged)",
        10,
        lambda i: api.call(
            "GET",
            "/Invoices",
            where='Type=="ACCREC"',
            InvoiceNumbers=",".join(invoice_numbers[i]),
            page=1,
            pageSize=100,
            unitdp=4,
        ),
    )
    note_numbers = [[f"BN-{rng.randrange(args.credit_notes):06d}" for _ in range(50)] for _ in range(10)]
    timed(
        'GET /CreditNotes?where=CreditNoteNumber=="..." OR ... (50)',
        10,
        lambda i: api.call(
            "GET",
            "/CreditNotes",
            where=" OR ".join(f'CreditNoteNumber=="{n}"' for n in note_numbers[i]),
            page=1,
            pageSize=100,
            unitdp=4,
        ),
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=10_000)
    parser.add_argument("--credit-notes", type=int, default=10_000)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--state", type=Path, default=None, help="keep the built state file here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        built = args.state or Path(folder) / "built.db"
        if built.exists():
            print(f"Reusing {built} (its counts are those it was built with)")
        else:
            with SandboxServer(built, xero_limits=NO_LIMITS) as server:
                build(server, Api(server), args.contacts, args.invoices, args.credit_notes)
        # Measured on a copy, so every run starts from the same records.
        state = Path(folder) / "measured.db"
        shutil.copyfile(built, state)
        started = time.perf_counter()
        with SandboxServer(state, xero_limits=NO_LIMITS) as server:
            print(f"Opened the state file in {time.perf_counter() - started:.2f} s")
            measure(Api(server), args)


if __name__ == "__main__":
    main()
