"""The customer import: matching time and peak memory at 1,000 / 10,000 / 50,000 contacts against as many
customers, then the end-to-end import of 10,000 contacts from the sandbox with its rate limits off.

Matching is ``propose_actions`` (the one matcher plus every proposal's details), on records already in
memory: the contacts as the provider returns them, the customers and their links as the import loads
them. The population is the tests' generator (tests/integration/customer_import/population.py): a fifth
of the contacts are the same businesses written differently, with every kind of link, update and
conflict, the rest new. Time is the best of ``--runs`` (wall clock, and this process's CPU time: the
steadier figure when other work shares the machine), the sizes' runs interleaved; peak memory is what
Python allocated at most during one more run (tracemalloc, which slows that run, so it is timed apart).

End to end: a SQLite file with 5,000 customers (the acceptance test's shape), 10,000 contacts put into
the sandbox's Demo Company (AU), a consent through the sandbox's page, then ``CustomerImport.propose``
(reading 10 pages over loopback HTTP and matching) and ``apply_import`` of every proposed action in one
transaction. Target: 10 s.

    python bench/import_customers.py [--runs N] [--sizes 1000,10000,50000] [--skip-end-to-end]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from app.integrations.base import Contact, RemoteRef  # noqa: E402
from app.models import AccountingPackage, Customer, SyncRecord, SyncRecordType  # noqa: E402
from app.services.customer_matching import contact_number_for  # noqa: E402
from app.sync.customer_import import propose_actions  # noqa: E402
from tests.integration.customer_import.population import Population, Sizes, build_population  # noqa: E402

TARGET_SECONDS = 10.0
STAMP = dt.datetime(2026, 10, 1, 9, 0, tzinfo=dt.UTC)


def in_memory(people: Population) -> tuple[list[Contact], list[Customer], dict[int, SyncRecord]]:
    """The population as the import holds it once read: contacts, customers (ids 1..n) and their links."""
    customers = [
        Customer(
            id=index + 1,
            name=spec.name,
            contact_person="",
            email=spec.email,
            phone="",
            abn=spec.abn,
            account_number=spec.account,
            billing_address="",
            revision=2 if spec.changed_here else 1,
            active=True,
        )
        for index, spec in enumerate(people.customers)
    ]
    contacts = [
        Contact(
            ref=RemoteRef(spec.id),
            name=spec.name,
            email=spec.email,
            tax_number=spec.abn,
            account_number=spec.account,
            contact_number=contact_number_for(spec.number_of + 1) if spec.number_of is not None else "",
            is_customer=spec.is_customer,
            is_supplier=spec.is_supplier,
            updated_at=STAMP + dt.timedelta(milliseconds=index),
        )
        for index, spec in enumerate(people.contacts)
        if not spec.archived and not (spec.is_supplier and not spec.is_customer)
    ]
    versions = {c.ref.remote_id: c.updated_at.isoformat() for c in contacts if c.updated_at}
    links = {
        index + 1: SyncRecord(
            package=AccountingPackage.XERO,
            tenant_id="bench",
            record_type=SyncRecordType.CUSTOMER,
            local_id=index + 1,
            remote_id=people.contacts[spec.link].id,
            remote_version=versions.get(people.contacts[spec.link].id) if spec.link_current else "older",
            pushed_revision=1,
        )
        for index, spec in enumerate(people.customers)
        if spec.link is not None
    }
    return contacts, customers, links


@dataclass
class Matched:
    size: int
    wall: float  # best wall-clock seconds
    cpu: float  # best CPU seconds of this process (steadier when other work shares the machine)
    peak_mb: float
    counts: dict[str, int]


def matching(sizes: list[int], runs: int) -> list[Matched]:
    """Propose for each size (contacts against as many customers), the sizes' runs interleaved so a busy
    moment of the machine does not fall on one size only; then peak memory, one run each."""
    data = {}
    for size in sizes:
        people = build_population(size, size, sizes=Sizes().scaled(size / 10_000))
        data[size] = in_memory(people)
    results = {size: Matched(size, float("inf"), float("inf"), 0.0, {}) for size in sizes}
    for _run in range(runs):
        for size in sizes:
            contacts, customers, links = data[size]
            gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            proposals = propose_actions(contacts, customers, links, package_label="Xero")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            result = results[size]
            result.wall, result.cpu = min(result.wall, wall), min(result.cpu, cpu)
            result.counts = dict(Counter(proposal.action.value for proposal in proposals))
            del proposals
    for size in sizes:
        contacts, customers, links = data[size]
        gc.collect()
        tracemalloc.start()
        propose_actions(contacts, customers, links, package_label="Xero")
        results[size].peak_mb = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
    return [results[size] for size in sizes]


def end_to_end(contacts_total: int = 10_000, customers_total: int = 5_000) -> dict[str, float]:
    """The whole import against the sandbox, limits off; seconds per step."""
    home = Path(tempfile.mkdtemp(prefix="lb-bench-import-"))
    os.environ["LEDGERBRIDGE_HOME"] = str(home / "home")
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyrings.alt.file.PlaintextKeyring"
    os.environ["XDG_DATA_HOME"] = str(home / "keyring")
    from app.config import AppPaths, xero_settings
    from app.db import open_database
    from app.integrations.connections import open_xero
    from app.integrations.sandbox.rate_limits import RateLimits
    from app.integrations.sandbox.server import SandboxServer
    from app.integrations.secrets import SecretStore
    from app.services.connections import ConnectionBook
    from app.services.reference_data import ensure_reference_data
    from app.sync.customer_import import CustomerImport, apply_import
    from tests.integration.connections.conftest import connect_through_consent
    from tests.integration.customer_import.population import shuffled
    from tests.integration.customer_import.seeding import (
        demo_contacts,
        insert_customers,
        insert_links,
        seed_contacts,
    )

    paths = AppPaths.default().ensure()
    database = open_database(f"sqlite:///{home / 'books.db'}")
    with database.session_factory() as session, session.begin():
        ensure_reference_data(session)
    figures: dict[str, float] = {}
    with SandboxServer(home / "sandbox.db") as sandbox:
        sandbox.configure_xero_limits(
            RateLimits(concurrent=1_000, per_minute=10**9, per_day=10**9, app_per_minute=10**9)
        )
        people = build_population(contacts_total - len(demo_contacts(sandbox)), customers_total)
        ids = insert_customers(database, people)
        versions = seed_contacts(sandbox, people, ids, list(shuffled(people)))
        insert_links(database, people, ids, versions)
        settings = xero_settings(paths, sandbox.base_url)
        store = SecretStore.for_paths(paths)
        book = ConnectionBook(database.session_factory)
        connected = connect_through_consent(settings, store, book)
        info = book.find("xero")
        assert info is not None
        provider = open_xero(
            settings, info, store=store, events=book.events_for("xero"), tokens=connected.tokens
        )
        try:
            pages: list[float] = []
            started = time.perf_counter()

            def report(done: int, total: int, text: str) -> None:
                if done:
                    pages.append(time.perf_counter())

            plan = CustomerImport(database.session_factory, provider).propose(report=report)
            read_and_matched = time.perf_counter()
            result = apply_import(database.session_factory, plan, plan.default_decisions())
            applied = time.perf_counter()
            again = CustomerImport(database.session_factory, provider).propose()
        finally:
            provider.close()
    database.dispose()
    figures["read (HTTP, pages)"] = (pages[-1] - started) if pages else 0.0
    figures["match and propose"] = read_and_matched - (pages[-1] if pages else started)
    figures["apply (one transaction)"] = applied - read_and_matched
    figures["total"] = applied - started
    figures["contacts read"] = plan.contacts_read
    figures["written"] = result.created + result.linked + result.updated
    print(f"  first import:  {plan.summary_line()}")
    print(f"  applied:       {result.sentence()}")
    print(f"  second import: {again.summary_line()}")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", default="1000,10000,50000")
    parser.add_argument("--skip-end-to-end", action="store_true")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"load average {os.getloadavg()[0]:.2f}; best of {args.runs} runs")
    print(f"{'contacts x customers':>22}  {'wall':>7}  {'CPU':>7}  {'peak memory':>11}  proposals")
    results = {result.size: result for result in matching(sizes, args.runs)}
    for size, result in results.items():
        mix = ", ".join(f"{action}: {count:,}" for action, count in sorted(result.counts.items()))
        times = f"{result.wall:>6.3f}s  {result.cpu:>6.3f}s"
        print(f"{size:>10,} x {size:>9,}  {times}  {result.peak_mb:>8.1f} MB  {mix}")
    if 10_000 in results and 50_000 in results:
        wall = results[50_000].wall / results[10_000].wall
        cpu = results[50_000].cpu / results[10_000].cpu
        print(f"50,000 / 10,000 matching time: {wall:.2f}x wall, {cpu:.2f}x CPU (linear: 5x; the limit: 6x)")
    if not args.skip_end_to_end:
        print("end to end, 10,000 contacts from the sandbox (limits off) against 5,000 customers:")
        figures = end_to_end()
        for step, value in figures.items():
            shown = f"{value:,.0f}" if step in ("contacts read", "written") else f"{value:.2f} s"
            print(f"  {step:<24} {shown}")
        verdict = "within" if figures["total"] <= TARGET_SECONDS else "OVER"
        print(f"  {verdict} the {TARGET_SECONDS:.0f} s target")
    print(f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
