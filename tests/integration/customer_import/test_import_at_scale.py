"""10,000 contacts in the sandbox against 5,000 customers, 2,000 of them the same businesses written
differently: every rule gives the expected action, conflicts are reported, confirming writes exactly what
was reviewed, and a second import proposes nothing."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from app.db import Database
from app.integrations.sandbox.server import SandboxServer
from app.integrations.xero import XeroProvider
from app.models import Customer, SyncRecord, SyncRecordType
from app.services.customer_matching import name_key
from app.sync.customer_import import (
    Choice,
    CustomerImport,
    Decision,
    ImportAction,
    ImportPlan,
    ProposedAction,
    apply_import,
)
from tests.integration.customer_import.population import (
    CONFLICT,
    CREATE,
    LINK,
    SKIP,
    UPDATE,
    Population,
    build_population,
    shuffled,
)
from tests.integration.customer_import.seeding import (
    demo_contacts,
    insert_customers,
    insert_links,
    seed_contacts,
)

TOTAL_CONTACTS = 10_000
TOTAL_CUSTOMERS = 5_000


def _choice(proposal: ProposedAction, action: ImportAction, customer_id: int | None = None) -> Choice:
    for choice in proposal.choices:
        if choice.action is action and (
            customer_id is None or (choice.customer and choice.customer.id == customer_id)
        ):
            return choice
    raise AssertionError(f"no {action} choice for {proposal.contact.name}: {proposal.choices}")


def _mismatches(
    plan: ImportPlan, people: Population, ids: list[int], demo_expected: dict[str, str]
) -> list[str]:
    """Every contact whose proposal differs from what its category says (empty when all agree)."""
    index_of = {customer_id: index for index, customer_id in enumerate(ids)}
    by_contact = {action.contact_id: action for action in plan.actions}
    found = []
    for index, expected in people.expected.items():
        spec = people.contacts[index]
        proposal = by_contact.get(spec.id)
        if proposal is None:
            found.append(f"{expected.category}: {spec.name} was not proposed at all")
            continue
        seen = proposal.action.value
        customer = index_of.get(proposal.customer.id) if proposal.customer else None
        candidates = frozenset(index_of[c.id] for c in proposal.candidates)
        offered = frozenset(
            index_of[c.customer.id] for c in proposal.choices if c.action is ImportAction.LINK and c.customer
        )
        if proposal.action is ImportAction.CONFLICT and expected.category != "linked_elsewhere":
            offered_right = offered == expected.candidates  # every candidate may be chosen
        else:
            offered_right = proposal.action is ImportAction.LINK or not offered
        wrong = (
            seen != expected.action
            or customer != expected.customer
            or candidates != expected.candidates
            or not offered_right
            or (expected.action == LINK and proposal.reason != expected.key)
            or (
                expected.action in (UPDATE, CONFLICT)
                and tuple(c.field for c in proposal.changes) != expected.changes
            )
        )
        if wrong:
            found.append(
                f"{expected.category}: {spec.name!r} -> {seen} {customer} {sorted(candidates)} "
                f"{sorted(offered)} ({proposal.reason}); "
                f"expected {expected.action} {expected.customer} {sorted(expected.candidates)} {expected.key}"
            )
    for contact_id, action in demo_expected.items():
        proposal = by_contact.get(contact_id)
        if (proposal.action.value if proposal else "left out") != action:
            found.append(
                f"demo contact {contact_id}: {proposal.action if proposal else 'left out'}, expected {action}"
            )
    for index in people.left_out:
        if people.contacts[index].id in by_contact:
            found.append(f"{people.contacts[index].name} (supplier-only or archived) was offered")
    return found


def test_ten_thousand_contacts_each_rule_then_confirm_then_nothing_more(
    provider: XeroProvider, sandbox: SandboxServer, database: Database
) -> None:
    demo = demo_contacts(sandbox)
    people = build_population(TOTAL_CONTACTS - len(demo), TOTAL_CUSTOMERS)
    assert len(people.customers) == TOTAL_CUSTOMERS
    # The sandbox's own demo contacts must not match any generated customer, or this test's answers
    # would be wrong; they are new customers unless supplier-only or archived.
    assert not {name_key(str(d["Name"])) for d in demo} & {name_key(c.name) for c in people.customers}
    demo_expected = {
        str(d["ContactID"]): CREATE
        for d in demo
        if d.get("ContactStatus") == "ACTIVE" and (d.get("IsCustomer") or not d.get("IsSupplier"))
    }
    ids = insert_customers(database, people)
    versions = seed_contacts(sandbox, people, ids, list(shuffled(people)))
    insert_links(database, people, ids, versions)

    steps: list[tuple[int, int, str]] = []
    plan = CustomerImport(database.session_factory, provider).propose(
        report=lambda done, total, text: steps.append((done, total, text))
    )

    # Read page by page at 1,000 a page, with progress; Xero sends no archived contact unless asked, and
    # supplier-only contacts are left out here.
    archived = sum(1 for c in people.contacts if c.archived) + sum(
        1 for d in demo if d["ContactStatus"] == "ARCHIVED"
    )
    assert plan.contacts_read == TOTAL_CONTACTS - archived
    assert [s[:2] for s in steps if s[0]][:2] == [(1, 10), (2, 10)]
    assert f"Read {TOTAL_CONTACTS - archived:,} contacts from Xero" in [s[2] for s in steps]
    assert len(plan.actions) == len(people.expected) + len(demo_expected)
    assert plan.left_out == {"suppliers only": plan.contacts_read - len(plan.actions)}
    problems = _mismatches(plan, people, ids, demo_expected)
    assert problems == [], f"{len(problems)} contacts proposed wrongly, e.g. {problems[:8]}"

    wanted = Counter(e.action for e in people.expected.values()) + Counter(demo_expected.values())
    assert {a.value: n for a, n in plan.counts().items()} == {
        a: wanted[a] for a in (CREATE, LINK, UPDATE, SKIP, CONFLICT)
    }
    assert plan.summary_line() == (
        f"create: {wanted[CREATE]}, link: {wanted[LINK]}, update: {wanted[UPDATE]}, skip: {wanted[SKIP]}, "
        f"conflict: {wanted[CONFLICT]}"
    )
    by_contact = {action.contact_id: action for action in plan.actions}
    bad_abn = [by_contact[people.contacts[i].id] for i in people.by_category("bad_abn")]
    assert all(p.details.abn == "" and "ABN" in p.notes[0] for p in bad_abn)

    # The bookkeeper settles some conflicts and overrides some links; the rest as proposed.
    decisions = {d.proposal.contact_id: d for d in plan.default_decisions()}
    chosen: dict[str, tuple[ImportAction, int | None]] = {}  # contact id -> (action, customer index)

    def choose(index: int, action: ImportAction, customer: int | None = None) -> None:
        proposal = by_contact[people.contacts[index].id]
        customer_id = ids[customer] if customer is not None else None
        decisions[proposal.contact_id] = Decision(proposal, _choice(proposal, action, customer_id))
        chosen[proposal.contact_id] = (action, customer)

    for index in people.by_category("abn_contradicts")[:10]:
        choose(index, ImportAction.LINK, min(people.expected[index].candidates))
    two = people.by_category("one_contact_two_customers")
    for index in two[:10]:
        choose(index, ImportAction.LINK, max(people.expected[index].candidates))
    for index in two[10:20]:
        choose(index, ImportAction.CREATE)
    for index in people.by_category("linked_both_changed")[:10]:
        choose(index, ImportAction.UPDATE, people.expected[index].customer)
    for index in people.by_category("name")[:10]:
        choose(index, ImportAction.CREATE)

    result = apply_import(database.session_factory, plan, decisions.values())

    final = {contact_id: decision.choice.action for contact_id, decision in decisions.items()}
    tally = Counter(final.values())
    assert (result.created, result.linked, result.updated) == (
        tally[ImportAction.CREATE],
        tally[ImportAction.LINK],
        tally[ImportAction.UPDATE],
    )
    with database.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Customer)) == TOTAL_CUSTOMERS + result.created
        links = {
            link.remote_id: link
            for link in session.scalars(
                select(SyncRecord).where(SyncRecord.record_type == SyncRecordType.CUSTOMER)
            )
        }
        customers = {c.id: c for c in session.scalars(select(Customer))}
    first_new_id = max(ids) + 1
    for index, expected in people.expected.items():
        spec = people.contacts[index]
        action = final[spec.id]
        link = links.get(spec.id)
        if action is ImportAction.SKIP and expected.action == CONFLICT:
            assert link is None or expected.category == "linked_both_changed", spec.name
            continue
        assert link is not None, f"{expected.category}: {spec.name} has no link"
        customer = customers[link.local_id]
        assert link.pushed_revision == customer.revision
        if action is ImportAction.CREATE:
            assert customer.id >= first_new_id and customer.name == " ".join(spec.name.split())
            assert link.remote_version == versions[index]
        elif action is ImportAction.LINK:
            wanted_customer = chosen.get(spec.id, (action, expected.customer))[1]
            assert wanted_customer is not None
            assert customer.id == ids[wanted_customer], spec.name
            assert customer.name == people.customers[wanted_customer].name  # a link keeps our details
            assert link.remote_version == versions[index]
        elif action is ImportAction.UPDATE:
            assert expected.customer is not None
            assert customer.id == ids[expected.customer]
            assert customer.email == spec.email
            # One revision more than before: edited here too (2) and now the package's (3), or just (2).
            assert customer.revision == (3 if people.customers[expected.customer].changed_here else 2)
            assert link.remote_version == versions[index]
    untouched = [i for i, spec in enumerate(people.customers) if spec.link is None]
    assert all(customers[ids[i]].revision == 1 for i in untouched[-100:])

    again = CustomerImport(database.session_factory, provider).propose()
    counts = again.counts()
    assert (counts[ImportAction.CREATE], counts[ImportAction.LINK], counts[ImportAction.UPDATE]) == (0, 0, 0)
    left_for_later = sum(
        1
        for contact_id, d in decisions.items()
        if d.proposal.action is ImportAction.CONFLICT and not d.choice.writes
    )
    assert counts[ImportAction.CONFLICT] == left_for_later
    assert again.summary_line().startswith("create: 0, link: 0, update: 0, skip: ")
    assert apply_import(database.session_factory, again, again.default_decisions()).created == 0
