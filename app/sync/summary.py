"""What a sync did (``SyncSummary``) and what the next one would do (``SyncPlan``), in plain words.

Both are plain data, safe to hand from the engine's thread to the window (``succeeded(summary)``) or to
print from the command line.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from app.models import SyncRecordType
from app.services.money import format_money
from app.sync.invoice_mapping import AccountAmount
from app.sync.journal import RecordKey

EXIT_ALL_SYNCED = 0
EXIT_SOME_FAILED = 1
EXIT_COULD_NOT_SYNC = 2

_PLURALS = {
    SyncRecordType.CUSTOMER: ("customer", "customers"),
    SyncRecordType.INVOICE: ("invoice", "invoices"),
    SyncRecordType.PAYMENT: ("payment", "payments"),
    SyncRecordType.CREDIT_NOTE: ("credit note", "credit notes"),
    SyncRecordType.SUPPLIER: ("supplier", "suppliers"),
    SyncRecordType.SUPPLIER_INVOICE: ("supplier invoice", "supplier invoices"),
    SyncRecordType.EXPENSE: ("expense", "expenses"),
    SyncRecordType.MATERIAL: ("item", "items"),
    SyncRecordType.JOB_TYPE: ("labour item", "labour items"),
}


def count_of(number: int, record_type: SyncRecordType) -> str:
    one, many = _PLURALS[record_type]
    return f"{number} {one if number == 1 else many}"


def _total(counts: Counter[SyncRecordType]) -> int:
    return sum(counts.values())


@dataclass
class SyncSummary:
    """One run: what was sent, linked, pulled and failed, and why it stopped early if it did.

    ``problem`` is set when the sync could not run at all (not connected, consent expired, network,
    another sync running); ``stopped`` when it stopped part-way (cancelled, Xero's daily limit, lost its
    turn). ``exit_code`` is what ``ledgerbridge sync`` exits with: 0 all synced, 1 some items failed or
    were left for later, 2 could not sync.
    """

    run_id: str
    package_label: str
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    sent: Counter[SyncRecordType] = field(default_factory=Counter)
    linked: Counter[SyncRecordType] = field(default_factory=Counter)
    failed: Counter[SyncRecordType] = field(default_factory=Counter)
    needs_review: int = 0
    payments_recorded_here: int = 0
    payments_deleted_here: int = 0
    payments_checked: bool = False
    #: Invoices and credit notes voided (or deleted) in the package and voided here to match.
    voided_here: Counter[SyncRecordType] = field(default_factory=Counter)
    problem: str | None = None
    stopped: str | None = None
    notes: list[str] = field(default_factory=list)
    #: Work that could not be done this time and is done at the next sync (e.g. the payments check).
    left_for_later: list[str] = field(default_factory=list)
    calls: int = 0
    waited_seconds: float = 0.0
    dry_run: bool = False

    @property
    def nothing_to_do(self) -> bool:
        return not (_total(self.sent) or _total(self.linked) or self.failed_count or self.pulled)

    @property
    def pulled(self) -> int:
        return self.payments_recorded_here + self.payments_deleted_here + _total(self.voided_here)

    @property
    def failed_count(self) -> int:
        return _total(self.failed) + self.needs_review

    @property
    def exit_code(self) -> int:
        if self.problem is not None:
            return EXIT_COULD_NOT_SYNC
        if self.failed_count or self.stopped is not None or self.left_for_later:
            return EXIT_SOME_FAILED
        return EXIT_ALL_SYNCED

    def lines(self) -> list[str]:
        """The summary as sentences, first line first."""
        if self.problem is not None:
            return [f"Could not sync with {self.package_label}: {self.problem}", *self.notes]
        out: list[str] = []
        if _total(self.sent):
            sent = ", ".join(count_of(n, t) for t, n in sorted(self.sent.items()) if n)
            out.append(f"Sent to {self.package_label}: {sent}.")
        if _total(self.linked):
            linked = ", ".join(count_of(n, t) for t, n in sorted(self.linked.items()) if n)
            out.append(f"Found already in {self.package_label} and linked (not sent twice): {linked}.")
        if self.payments_recorded_here or self.payments_deleted_here:
            parts = []
            if self.payments_recorded_here:
                parts.append(f"{self.payments_recorded_here} recorded")
            if self.payments_deleted_here:
                parts.append(f"{self.payments_deleted_here} deleted")
            out.append(f"Payments made in {self.package_label}: {', '.join(parts)} here.")
        if _total(self.voided_here):
            voided = ", ".join(count_of(n, t) for t, n in sorted(self.voided_here.items()) if n)
            out.append(f"Voided in {self.package_label}, so voided here too: {voided}.")
        if _total(self.failed):
            failed = ", ".join(count_of(n, t) for t, n in sorted(self.failed.items()) if n)
            out.append(f"Failed: {failed} (see the Sync Log for the reasons).")
        if self.needs_review:
            out.append(
                f"{self.needs_review} customer(s) need review before their invoices can be sent "
                "(Customers -> Import from Accounting Package)."
            )
        out.extend(self.left_for_later)
        if self.stopped:
            out.append(f"Stopped: {self.stopped}")
        if not out:
            out.append(f"Everything is up to date with {self.package_label}; nothing to send.")
        return out + self.notes


@dataclass(frozen=True)
class PlannedChange:
    """One change the next sync would make, as the Preview lists it."""

    key: RecordKey
    action: str  # "Create", "Update", "Void", "Record payment", "Delete payment", "Allocate credit"
    label: str
    contact: str = ""
    total: Decimal | None = None
    postings: tuple[AccountAmount, ...] = ()
    lines: tuple[str, ...] = ()
    #: Why it cannot be sent as it stands (it would fail), or None.
    problem: str | None = None

    @property
    def accounts_text(self) -> str:
        return "; ".join(f"{p.account.label}: {format_money(p.amount)}" for p in self.postings)


@dataclass(frozen=True)
class SyncPlan:
    """What the next sync would send, without sending anything."""

    package_label: str
    changes: tuple[PlannedChange, ...]
    new_contacts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def count(self, action: str) -> int:
        return sum(1 for change in self.changes if change.action == action)

    @property
    def problems(self) -> tuple[PlannedChange, ...]:
        return tuple(change for change in self.changes if change.problem)

    def lines(self) -> list[str]:
        if not self.changes:
            out = [f"Nothing to send to {self.package_label}."]
        else:
            out = [f"The next sync would send {len(self.changes)} change(s) to {self.package_label}:"]
            for change in self.changes:
                total = f" {format_money(change.total)}" if change.total is not None else ""
                contact = f" - {change.contact}" if change.contact else ""
                out.append(f"  {change.action}: {change.label}{contact}{total}")
                if change.accounts_text:
                    out.append(f"      {change.accounts_text}")
                if change.problem:
                    out.append(f"      ! {change.problem}")
        if self.new_contacts:
            out.append(
                "Customers that would become contacts (matched to an existing contact first where one fits): "
                + ", ".join(self.new_contacts)
            )
        out.extend(self.notes)
        return out
