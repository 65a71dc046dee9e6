"""Import customers from the accounting package: read its contacts, propose, apply what was reviewed.

Three steps, each usable on its own (the window runs the first and last in a ``BackgroundTask``, the
command line runs them in turn):

1. ``CustomerImport.propose()`` reads the package's contacts page by page (progress, Cancel between
   pages) and matches them against our customers with the one matcher (app.services.customer_matching).
   Xero marks a contact as a customer only once it has a sales invoice (xero.md 5, "IsCustomer is set
   once an ACCREC invoice exists"), so customers *and* contacts that are neither customer nor supplier
   are taken; supplier-only and archived contacts are left out unless asked for.
2. The bookkeeper reviews an ``ImportPlan``: one ``ProposedAction`` per contact (create / link / update /
   skip / conflict, with the reason and the fields that change) and may pick another ``Choice`` for any
   of them. Nothing is written before step 3.
3. ``apply_import()`` writes the chosen actions in ONE transaction and links each customer to its
   contact (``SyncRecord``: remote id = the contact's id, pushed revision = the customer's revision,
   remote version = the contact's own version), so later syncs update rather than duplicate and a
   second import proposes nothing.

"Changed in the package" is judged by the contact's version (Xero's UpdatedDateUTC) against the one
kept on the link when it was last brought into step, never by clocks: a linked contact whose version
moved on and whose details differ from ours is proposed as an update; if our copy changed too since
then, it goes to the bookkeeper as a conflict.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import TypeVar, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.config import AppPaths
from app.db import SessionFactory
from app.integrations.base import Contact, IntegrationError, PackageKind, Provider
from app.models import AccountingPackage, Customer, SyncRecord, SyncRecordType, SyncState
from app.models.base import utcnow
from app.services.connections import ConnectionBook
from app.services.customer_matching import ConflictKind, Match, MatchKey, Party, PartyIndex, match_all
from app.services.customers import CustomerDetails, clean_details, format_abn, validate_customer
from app.services.errors import RuleError
from app.services.progress import CancelToken, ProgressReporter, ignore_progress
from app.sync.links import links_for
from app.sync.parties import contact_party, customer_party

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

#: What the bookkeeper calls each field of a customer.
FIELD_LABELS: dict[str, str] = {
    "name": "Name",
    "contact_person": "Contact person",
    "email": "Email",
    "phone": "Phone",
    "abn": "ABN",
    "account_number": "Account number",
    "billing_address": "Billing address",
}


class ImportAction(enum.StrEnum):
    """What happens to one contact of the package."""

    CREATE = "create"  # a new customer here, linked to the contact
    LINK = "link"  # an existing customer, linked to the contact (our details kept)
    UPDATE = "update"  # a linked customer takes the package's changed details
    SKIP = "skip"  # nothing happens
    CONFLICT = "conflict"  # the bookkeeper decides; left alone until they do

    @property
    def label(self) -> str:
        return self.value.capitalize()


#: The order actions are counted and listed in (the command line's last line follows it).
ACTION_ORDER: tuple[ImportAction, ...] = tuple(ImportAction)


@dataclass(frozen=True)
class ImportOptions:
    """Which contacts to read. Supplier-only and archived contacts are left out unless asked for."""

    include_suppliers: bool = False
    include_archived: bool = False


@dataclass(frozen=True)
class FieldChange:
    """One field a customer would take from the package: ``ours`` now, ``theirs`` after the update."""

    field: str
    ours: str
    theirs: str

    @property
    def label(self) -> str:
        return FIELD_LABELS[self.field]

    def describe(self) -> str:
        return f"{self.label}: {self.shown_ours} -> {self.shown_theirs}"

    @property
    def shown_ours(self) -> str:
        return _shown(self.field, self.ours)

    @property
    def shown_theirs(self) -> str:
        return _shown(self.field, self.theirs)


def _shown(name: str, value: str) -> str:
    if not value:
        return "(blank)"
    text = format_abn(value) if name == "abn" else value
    return " ".join(text.split())  # an address on one line


@dataclass(frozen=True)
class CustomerRef:
    """A customer as the review names it."""

    id: int
    name: str


@dataclass(frozen=True)
class Choice:
    """One thing the bookkeeper may decide for a contact. ``customer`` is the customer linked or updated."""

    action: ImportAction
    label: str
    customer: CustomerRef | None = None

    @property
    def writes(self) -> bool:
        return self.action in (ImportAction.CREATE, ImportAction.LINK, ImportAction.UPDATE)


@dataclass(frozen=True)
class ProposedAction:
    """What the import proposes for one contact, and why.

    ``details`` is the contact as a customer here would hold it (our validation applied: a value our
    rules refuse is left out and said so in ``notes``). ``changes`` are the fields an update takes from
    the package. ``choices`` are what the bookkeeper may pick instead; ``proposed`` is the default one.
    """

    contact: Contact
    action: ImportAction
    reason: str
    details: CustomerDetails
    customer: CustomerRef | None = None
    changes: tuple[FieldChange, ...] = ()
    notes: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    version: str | None = None
    #: For a conflict: the customers here it could be (each may already be linked elsewhere).
    candidates: tuple[CustomerRef, ...] = ()

    @property
    def proposed(self) -> Choice:
        return self.choices[0]

    @property
    def contact_id(self) -> str:
        return self.contact.ref.remote_id

    def describe(self) -> str:
        """One line for the command line: action, contact, what it meets here, and why."""
        target = f" -> {self.customer.name}" if self.customer and self.action is ImportAction.LINK else ""
        why = self.reason
        if self.changes:
            why = "; ".join(change.describe() for change in self.changes)
        if self.notes:
            why = f"{why}; " + "; ".join(self.notes)
        return f"{self.action.value:<9} {self.contact.name}{target}  ({why})"


@dataclass(frozen=True)
class Decision:
    """The bookkeeper's choice for one proposed action."""

    proposal: ProposedAction
    choice: Choice


@dataclass
class ImportPlan:
    """Every contact read and what is proposed for it, in the package's order.

    ``left_out`` counts contacts read but not offered (supplier-only, archived), by reason.
    """

    package: AccountingPackage
    tenant_id: str
    tenant_name: str
    actions: list[ProposedAction]
    contacts_read: int = 0
    left_out: dict[str, int] = field(default_factory=dict)

    @property
    def package_label(self) -> str:
        return self.package.label

    def counts(self) -> dict[ImportAction, int]:
        counted = dict.fromkeys(ACTION_ORDER, 0)
        for action in self.actions:
            counted[action.action] += 1
        return counted

    def summary_line(self) -> str:
        """``create: N, link: N, update: N, skip: N, conflict: N``"""
        return ", ".join(f"{action.value}: {count}" for action, count in self.counts().items())

    def default_decisions(self) -> list[Decision]:
        """Every proposal as proposed; conflicts are left alone (their first choice is to skip)."""
        return [Decision(action, action.proposed) for action in self.actions]


@dataclass(frozen=True)
class ImportResult:
    created: int = 0
    linked: int = 0
    updated: int = 0
    skipped: int = 0

    def sentence(self) -> str:
        parts = [
            _count(self.created, "new customer", "new customers"),
            _count(self.linked, "customer linked", "customers linked"),
            _count(self.updated, "customer updated", "customers updated"),
        ]
        done = ", ".join(parts)
        skipped = f" {self.skipped:,} contacts were left as they are." if self.skipped else ""
        return f"Imported: {done}.{skipped}"


def _count(number: int, one: str, many: str) -> str:
    return f"{number:,} {one if number == 1 else many}"


class ImportOutOfDate(RuleError):
    """The books changed between the review and the import; nothing was written. Read the contacts again."""


# --------------------------------------------------------------------------------------------------------
# Reading the package's contacts
# --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactsRead:
    contacts: list[Contact]
    read: int
    left_out: dict[str, int]


def read_customer_contacts(
    provider: Provider,
    options: ImportOptions = ImportOptions(),
    *,
    report: ProgressReporter = ignore_progress,
    cancel: CancelToken | None = None,
) -> ContactsRead:
    """The contacts an import offers, read page by page at the package's largest page size."""
    cancel = cancel or CancelToken()
    label = provider.kind.label
    kept: dict[str, Contact] = {}  # by id: a contact edited while paging may show up on two pages
    read = 0
    suppliers = archived = 0
    report(0, 0, f"Reading contacts from {label}…")
    for page in provider.contacts(include_archived=options.include_archived):
        cancel.raise_if_cancelled()
        for contact in page.contacts:
            read += 1
            if not contact.active and not options.include_archived:
                archived += 1
                continue
            if contact.is_supplier and not contact.is_customer and not options.include_suppliers:
                suppliers += 1
                continue
            kept[contact.ref.remote_id] = contact
        total = page.page_count or 0
        report(page.page, max(total, page.page), f"Read {read:,} contacts from {label}")
    left_out = {}
    if suppliers:
        left_out["suppliers only"] = suppliers
    if archived:
        left_out["archived"] = archived
    return ContactsRead(list(kept.values()), read, left_out)


# --------------------------------------------------------------------------------------------------------
# Proposing
# --------------------------------------------------------------------------------------------------------


def contact_version(contact: Contact) -> str | None:
    """The contact's version as the link keeps it: the package's own version, else its last change."""
    if contact.ref.version:
        return contact.ref.version
    if contact.updated_at is not None:
        return contact.updated_at.isoformat()
    return None


@dataclass(frozen=True)
class ContactAsCustomer:
    """A contact as a customer here would hold it. ``left_out`` names the fields our rules refused (each
    explained in ``notes``); their values are blank in ``details``."""

    details: CustomerDetails
    notes: tuple[str, ...] = ()
    left_out: frozenset[str] = frozenset()


def details_from_contact(contact: Contact) -> ContactAsCustomer:
    """The contact as a customer here would hold it, leaving out (and saying so) what our rules refuse.

    A package is laxer than our rules (Xero keeps any text as a TaxNumber), so a value we refuse is left
    out of the import with the reason, rather than refusing the whole contact. Raises RuleError only when
    the contact has no usable name.
    """
    person = " ".join(part.strip() for part in (contact.first_name, contact.last_name) if part.strip())
    details = CustomerDetails(
        name=" ".join(contact.name.split()),
        contact_person=person,
        email=contact.email,
        phone=contact.phone,
        abn=contact.tax_number,
        account_number=contact.account_number,
        billing_address=contact.address,
    )
    notes: list[str] = []
    left_out: set[str] = set()
    for _attempt in range(len(FIELD_LABELS)):
        try:
            validate_customer(details)
            break
        except RuleError as problem:
            if problem.field is None or problem.field == "name" or problem.field not in FIELD_LABELS:
                raise
            value = getattr(details, problem.field)
            notes.append(f"{FIELD_LABELS[problem.field]} '{value.strip()}' left out: {problem.message}")
            left_out.add(problem.field)
            setattr(details, problem.field, "")
    return ContactAsCustomer(clean_details(details), tuple(notes), frozenset(left_out))


_LEAVE_FOR_NOW = "Leave it for now"


def _skip_choice(customer: CustomerRef | None = None, label: str = "Skip") -> Choice:
    return Choice(ImportAction.SKIP, label, customer)


def _create_choice() -> Choice:
    return Choice(ImportAction.CREATE, "Create a new customer")


def _link_choice(customer: CustomerRef) -> Choice:
    return Choice(ImportAction.LINK, f"Link to {customer.name}", customer)


def _ref(customer: Customer) -> CustomerRef:
    name = customer.name if customer.active else f"{customer.name} (inactive)"
    return CustomerRef(customer.id, name)


def _names(parties: Sequence[Party], shown: int = 4) -> str:
    names = ", ".join(f"'{party.name}'" for party in parties[:shown])
    return names + (f" and {len(parties) - shown:,} more" if len(parties) > shown else "")


class _Planner:
    """Builds the proposals for a list of contacts against the customers here (no I/O)."""

    def __init__(
        self, package_label: str, customers: Sequence[Customer], links: Mapping[int, SyncRecord]
    ) -> None:
        self.package_label = package_label
        self.customers = {customer.id: customer for customer in customers}
        self.links = links
        # Sides say which ABN or account number is whose when a conflict is put into words.
        self.side = f"in {package_label}"
        self.index = PartyIndex(
            replace(customer_party(customer, links.get(customer.id)), side="here") for customer in customers
        )
        # Account numbers are unique here (app.services.customers): a contact bringing one that is in use
        # (or that an earlier contact of this import brings) would create a customer without it.
        self.account_owner: dict[str, int] = {
            customer.account_number: customer.id for customer in customers if customer.account_number
        }
        self.claimed_numbers: set[str] = set()

    def plan(self, contacts: Sequence[Contact]) -> list[ProposedAction]:
        report = match_all([replace(contact_party(c), side=self.side) for c in contacts], self.index)
        return [
            self._propose(contact, match) for contact, match in zip(contacts, report.matches, strict=True)
        ]

    def _propose(self, contact: Contact, match: Match) -> ProposedAction:
        version = contact_version(contact)
        try:
            theirs = details_from_contact(contact)
        except RuleError as problem:
            return ProposedAction(
                contact=contact,
                action=ImportAction.SKIP,
                reason=f"cannot be imported: {problem.message}",
                details=CustomerDetails(name=contact.name),
                choices=(_skip_choice(),),
                version=version,
            )
        if match.partner is not None and match.key is MatchKey.LINKED:
            return self._linked(contact, self.customers[int(match.partner.key)], theirs, version)
        details, notes = self._for_creating(theirs)
        if match.partner is not None:
            ref = _ref(self.customers[int(match.partner.key)])
            return ProposedAction(
                contact=contact,
                action=ImportAction.LINK,
                reason=match.reason,
                details=details,
                customer=ref,
                notes=theirs.notes,
                choices=(_link_choice(ref), _create_choice(), _skip_choice()),
                version=version,
            )
        if match.is_conflict:
            candidates = [c for c in match.candidates if int(c.key) in self.customers]
            # A customer linked to another contact is not offered: it would be taken from that contact.
            links = [
                _link_choice(_ref(self.customers[int(c.key)]))
                for c in candidates
                if c.linked_key in (None, contact.ref.remote_id)
            ]
            return ProposedAction(
                contact=contact,
                action=ImportAction.CONFLICT,
                reason=self._conflict_reason(match),
                details=details,
                notes=notes,
                choices=(_skip_choice(label=_LEAVE_FOR_NOW), *links, _create_choice()),
                version=version,
                candidates=tuple(_ref(self.customers[int(c.key)]) for c in candidates),
            )
        return ProposedAction(
            contact=contact,
            action=ImportAction.CREATE,
            reason="no customer matches",
            details=details,
            notes=notes,
            choices=(_create_choice(), _skip_choice()),
            version=version,
        )

    def _conflict_reason(self, match: Match) -> str:
        """Why a contact goes to review, in the bookkeeper's words (customers here, contacts there)."""
        key = match.key.value if match.key else "matched"
        label = self.package_label
        first = match.candidates[0].name if match.candidates else ""
        if match.kind is ConflictKind.SEVERAL:
            return f"{key} as {len(match.candidates)} customers here ({_names(match.candidates)})"
        if match.kind is ConflictKind.LINKED_ELSEWHERE:
            return f"{key} as {first} here, which is already linked to another {label} contact"
        if match.kind is ConflictKind.CLAIMED_TWICE:
            others = [party for party in match.claimed_by if party.key != match.party.key]
            also = "contact also matches" if len(others) == 1 else "contacts also match"
            return f"{key} as {first} here, which {len(others)} other {label} {also} ({_names(others)})"
        return match.reason

    def _for_creating(self, theirs: ContactAsCustomer) -> tuple[CustomerDetails, tuple[str, ...]]:
        """The details a new customer would take: an account number in use is left out."""
        number = theirs.details.account_number
        if not number:
            return theirs.details, theirs.notes
        owner = self.account_owner.get(number)
        if owner is None and number not in self.claimed_numbers:
            self.claimed_numbers.add(number)
            return theirs.details, theirs.notes
        whose = self.customers[owner].name if owner is not None else "another contact of this import"
        note = f"Account number '{number}' left out of a new customer: {whose} has it"
        return replace(theirs.details, account_number=""), (*theirs.notes, note)

    def _linked(
        self, contact: Contact, customer: Customer, theirs: ContactAsCustomer, version: str | None
    ) -> ProposedAction:
        ref = _ref(customer)
        link = self.links.get(customer.id)
        label = self.package_label
        keep = _skip_choice(ref, "Keep the details here as they are")
        unchanged = ProposedAction(
            contact=contact,
            action=ImportAction.SKIP,
            reason="already linked, unchanged",
            details=theirs.details,
            customer=ref,
            notes=theirs.notes,
            choices=(_skip_choice(ref),),
            version=version,
        )
        if link is not None and version is not None and link.remote_version == version:
            return unchanged
        changes = self._changes(customer, theirs)
        if not changes:
            return replace(unchanged, reason="already linked, nothing to change")
        update = Choice(ImportAction.UPDATE, f"Update {ref.name} with {label}'s details", ref)
        if link is not None and customer.revision > link.pushed_revision:
            # Our copy changed too and has not reached the package: neither side wins silently.
            return replace(
                unchanged,
                action=ImportAction.CONFLICT,
                reason=f"changed both here and in {label} since they were last in step",
                changes=changes,
                choices=(_skip_choice(ref, _LEAVE_FOR_NOW), update),
            )
        return replace(
            unchanged,
            action=ImportAction.UPDATE,
            reason=f"changed in {label}: " + ", ".join(change.label for change in changes),
            changes=changes,
            choices=(update, keep),
        )

    def _changes(self, customer: Customer, theirs: ContactAsCustomer) -> tuple[FieldChange, ...]:
        ours = CustomerDetails.of(customer)
        changes = []
        for name in FIELD_LABELS:
            if name in theirs.left_out:
                continue  # a value our rules refuse never overwrites ours
            mine, new = getattr(ours, name), getattr(theirs.details, name)
            if mine == new:
                continue
            if name == "account_number" and new and self.account_owner.get(new, customer.id) != customer.id:
                continue  # another customer has it: keep ours
            changes.append(FieldChange(name, mine, new))
        return tuple(changes)


def propose_actions(
    contacts: Sequence[Contact],
    customers: Sequence[Customer],
    links: Mapping[int, SyncRecord],
    *,
    package_label: str,
) -> list[ProposedAction]:
    """What to do with each contact, in the contacts' order (pure: no database, no package)."""
    with _collector_paused():
        return _Planner(package_label, customers, links).plan(contacts)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Matching makes a few small objects per record and frees none of them until it ends; Python's
    cycle collector would walk every live object again and again meanwhile, which makes 50,000 contacts
    cost far more than five times 10,000. Nothing here makes reference cycles, so it waits till the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_customers(
    session: Session, package: AccountingPackage, tenant_id: str
) -> tuple[list[Customer], dict[int, SyncRecord]]:
    """Every customer and its link to this package and tenant (two queries)."""
    customers = list(session.scalars(select(Customer).order_by(Customer.id)))
    return customers, links_for(session, package, tenant_id, SyncRecordType.CUSTOMER)


class CustomerImport:
    """Reads a package's contacts and proposes what to do with each (``propose``). No Qt.

    ``provider`` is a connected provider (any package: only ``contacts()``, ``kind`` and ``tenant`` are
    used). The database is read in a short session of its own, on the calling thread.
    """

    def __init__(
        self,
        session_factory: SessionFactory,
        provider: Provider,
        options: ImportOptions = ImportOptions(),
    ) -> None:
        self._session_factory = session_factory
        self._provider = provider
        self._options = options

    def propose(
        self, report: ProgressReporter = ignore_progress, cancel: CancelToken | None = None
    ) -> ImportPlan:
        cancel = cancel or CancelToken()
        read = read_customer_contacts(self._provider, self._options, report=report, cancel=cancel)
        cancel.raise_if_cancelled()
        package = AccountingPackage(self._provider.kind.value)
        tenant = self._provider.tenant
        report(0, 0, f"Matching {len(read.contacts):,} contacts with your customers…")
        with self._session_factory() as session:
            customers, links = load_customers(session, package, tenant.id)
            session.expunge_all()
        actions = propose_actions(read.contacts, customers, links, package_label=package.label)
        return ImportPlan(package, tenant.id, tenant.name, actions, read.read, read.left_out)


# --------------------------------------------------------------------------------------------------------
# Applying what was reviewed
# --------------------------------------------------------------------------------------------------------


def _check_decisions(decisions: Sequence[Decision]) -> None:
    """Refuse a review that would tie one customer to two contacts (nothing is written)."""
    taken: dict[int, ProposedAction] = {}
    for decision in decisions:
        choice = decision.choice
        if choice.action not in (ImportAction.LINK, ImportAction.UPDATE) or choice.customer is None:
            continue
        earlier = taken.get(choice.customer.id)
        if earlier is not None:
            raise RuleError(
                f"{choice.customer.name} is chosen for two contacts, '{earlier.contact.name}' and "
                f"'{decision.proposal.contact.name}'. A customer is linked to one contact only: choose "
                "something else for one of them."
            )
        taken[choice.customer.id] = decision.proposal


def apply_import(
    session_factory: SessionFactory,
    plan: ImportPlan,
    decisions: Iterable[Decision],
    *,
    report: ProgressReporter = ignore_progress,
    cancel: CancelToken | None = None,
) -> ImportResult:
    """Write the chosen actions in one transaction: all of them, or (on a refusal or Cancel) none.

    Refuses (``ImportOutOfDate``) when the books changed since the review in a way that matters: a
    customer deleted or linked to another contact meanwhile, a contact linked meanwhile, an account
    number taken meanwhile.
    """
    cancel = cancel or CancelToken()
    chosen = list(decisions)
    _check_decisions(chosen)
    writes = [decision for decision in chosen if decision.choice.writes]
    counts = dict.fromkeys(ImportAction, 0)
    with session_factory() as session, session.begin():
        links = links_for(session, plan.package, plan.tenant_id, SyncRecordType.CUSTOMER)
        linked_contacts = {link.remote_id: local_id for local_id, link in links.items() if link.remote_id}
        customers = _customers_by_id(
            session, {d.choice.customer.id for d in writes if d.choice.customer is not None}
        )
        numbers_in_use = _account_numbers_in_use(session, writes)
        created: list[tuple[ProposedAction, Customer]] = []
        for step, decision in enumerate(writes, start=1):
            if step % 500 == 0:
                cancel.raise_if_cancelled()
                report(step, len(writes), f"Importing {step:,} of {len(writes):,}…")
            proposal, choice = decision.proposal, decision.choice
            holder = linked_contacts.get(proposal.contact_id)
            counts[choice.action] += 1
            if choice.action is ImportAction.CREATE:
                if holder is not None:
                    raise _out_of_date(f"'{proposal.contact.name}' was linked to a customer")
                number = proposal.details.account_number
                if number in numbers_in_use:
                    raise _out_of_date(f"account number {number} was given to another customer")
                if number:
                    numbers_in_use.add(number)
                values = {f.name: getattr(proposal.details, f.name) for f in fields(CustomerDetails)}
                customer = Customer(**values, revision=1, active=True)
                session.add(customer)
                created.append((proposal, customer))
                continue
            assert choice.customer is not None
            customer_or_none = customers.get(choice.customer.id)
            if customer_or_none is None:
                raise _out_of_date(f"the customer {choice.customer.name} was deleted")
            customer = customer_or_none
            current = links.get(customer.id)
            if choice.action is ImportAction.LINK:
                if holder is not None and holder != customer.id:
                    raise _out_of_date(f"'{proposal.contact.name}' was linked to another customer")
                if current is not None and current.remote_id not in (None, proposal.contact_id):
                    raise _out_of_date(f"{customer.name} was linked to another contact")
            elif current is None or current.remote_id != proposal.contact_id:
                raise _out_of_date(f"{customer.name} was unlinked from '{proposal.contact.name}'")
            elif _take_changes(customer, proposal.changes):
                customer.revision += 1
            _link(session, plan, links, customer, proposal)
        cancel.raise_if_cancelled()
        session.flush()  # the new customers get their ids
        for proposal, customer in created:
            _link(session, plan, links, customer, proposal)
        report(len(writes), len(writes), "Saving…")
    result = ImportResult(
        created=counts[ImportAction.CREATE],
        linked=counts[ImportAction.LINK],
        updated=counts[ImportAction.UPDATE],
        skipped=len(chosen) - len(writes),
    )
    logger.info("Customer import from %s: %s", plan.package.label, result)
    return result


def _out_of_date(what: str) -> ImportOutOfDate:
    return ImportOutOfDate(
        f"Nothing was imported: {what} after the contacts were read. Read them again and review the new list."
    )


def _chunks(values: Iterable[_T], size: int = 500) -> Iterable[list[_T]]:
    """IN lists kept short, so no dialect's limit on parameters is reached."""
    ordered = list(values)
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


def _customers_by_id(session: Session, ids: set[int]) -> dict[int, Customer]:
    found: dict[int, Customer] = {}
    for chunk in _chunks(sorted(ids)):
        found.update((c.id, c) for c in session.scalars(select(Customer).where(Customer.id.in_(chunk))))
    return found


def _account_numbers_in_use(session: Session, writes: Sequence[Decision]) -> set[str]:
    wanted = {
        d.proposal.details.account_number
        for d in writes
        if d.choice.action is ImportAction.CREATE and d.proposal.details.account_number
    }
    found: set[str] = set()
    for chunk in _chunks(sorted(wanted)):
        found.update(
            session.scalars(select(Customer.account_number).where(Customer.account_number.in_(chunk)))
        )
    return found


def _take_changes(customer: Customer, changes: Sequence[FieldChange]) -> bool:
    changed = False
    for change in changes:
        if getattr(customer, change.field) != change.theirs:
            setattr(customer, change.field, change.theirs)
            changed = True
    return changed


def _link(
    session: Session,
    plan: ImportPlan,
    links: dict[int, SyncRecord],
    customer: Customer,
    proposal: ProposedAction,
) -> None:
    """The package holds ``customer`` at its current revision as ``proposal``'s contact: the effect of
    ``app.sync.links.record_link``, without a query per customer, plus the contact's version."""
    link = links.get(customer.id)
    if link is None:
        link = SyncRecord(
            package=plan.package,
            tenant_id=plan.tenant_id,
            record_type=SyncRecordType.CUSTOMER,
            local_id=customer.id,
        )
        session.add(link)
        links[customer.id] = link
    link.remote_id = proposal.contact_id
    link.remote_version = proposal.version
    link.pushed_revision = customer.revision
    link.state = SyncState.SENT
    link.message = ""
    link.pushed_at = utcnow()


# --------------------------------------------------------------------------------------------------------
# Opening the connected package
# --------------------------------------------------------------------------------------------------------

ProviderOpener = Callable[[], Provider]


class NotConnected(IntegrationError):
    """No accounting package is connected, so there is nothing to import from."""


def _book(session_factory: SessionFactory) -> ConnectionBook:
    # The app's session factory is always a sessionmaker (app.db.Database); screens type it as a callable.
    return ConnectionBook(cast("sessionmaker[Session]", session_factory))


def connected_package_label(session_factory: SessionFactory) -> str | None:
    """The connected package's name ("Xero"), or None when none is connected (one short read)."""
    book = _book(session_factory)
    for info in book.all():
        if info.connected:
            return info.package_label
    return None


def open_connected_provider(
    session_factory: SessionFactory,
    paths: AppPaths,
    *,
    sandbox_url: Callable[[], str | None] | str | None = None,
) -> Provider:
    """A provider for the stored connection (Xero today). ``sandbox_url`` reaches LedgerBridge's sandbox
    (a callable is asked only when the connection was made with the sandbox, e.g. to start the demo's)."""
    # Imported here: the HTTP, OAuth and keyring stack is only needed once the package is reached.
    from app.config import xero_settings
    from app.integrations.connections import open_xero
    from app.integrations.secrets import SecretStore

    book = _book(session_factory)
    info = book.find(PackageKind.XERO.value)
    if info is None:
        raise NotConnected(
            "LedgerBridge is not connected to an accounting package. Connect under Administration -> "
            "Accounts Integration (or run: ledgerbridge connect xero), then import."
        )
    if not info.connected:
        raise NotConnected(
            info.status_message or f"{info.package_label} needs reconnecting before importing."
        )
    # A callable is asked only for a sandbox connection (the demo starts its sandbox on first use).
    url = (sandbox_url() if info.sandbox else None) if callable(sandbox_url) else sandbox_url
    return open_xero(
        xero_settings(paths, url),
        info,
        store=SecretStore.for_paths(paths),
        events=book.events_for(info.package),
    )


class StoredConnectionProvider:
    """A ``ProviderOpener`` for the stored connection: opens its provider when first called (on a worker
    thread: it may start the demo's sandbox or renew the sign-in), keeps it while the connection stays the
    same, and closes it with ``close()``."""

    def __init__(
        self,
        session_factory: SessionFactory,
        paths: AppPaths | None = None,
        *,
        sandbox_url: Callable[[], str | None] | str | None = None,
    ) -> None:
        self._session_factory = session_factory
        self._paths = paths
        self._sandbox_url = sandbox_url
        self._lock = threading.Lock()
        self._provider: Provider | None = None
        self._for: tuple[str, str] | None = None

    def __call__(self) -> Provider:
        with self._lock:
            info = _book(self._session_factory).find(PackageKind.XERO.value)
            key = (info.tenant_id, info.secret_key) if info is not None else None
            if self._provider is not None and key == self._for:
                return self._provider
            self._close()
            paths = self._paths or AppPaths.default()
            self._provider = open_connected_provider(
                self._session_factory, paths, sandbox_url=self._sandbox_url
            )
            self._for = key
            return self._provider

    def close(self) -> None:
        with self._lock:
            self._close()

    def _close(self) -> None:
        if self._provider is not None:
            self._provider.close()
        self._provider = None
        self._for = None


__all__ = [
    "ACTION_ORDER",
    "FIELD_LABELS",
    "Choice",
    "ContactAsCustomer",
    "ContactsRead",
    "CustomerImport",
    "CustomerRef",
    "Decision",
    "FieldChange",
    "ImportAction",
    "ImportOptions",
    "ImportOutOfDate",
    "ImportPlan",
    "ImportResult",
    "NotConnected",
    "ProposedAction",
    "ProviderOpener",
    "StoredConnectionProvider",
    "apply_import",
    "connected_package_label",
    "contact_version",
    "details_from_contact",
    "load_customers",
    "open_connected_provider",
    "propose_actions",
    "read_customer_contacts",
]
