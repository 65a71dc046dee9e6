"""Auto numbering: the desktop draws from each sequence, mobile devices from blocks of 25 reserved for them.

Concurrency: every allocation starts with an ``UPDATE ... SET next_number = next_number + n`` on the
sequence row. That single statement takes the write lock (SQLite) or the row lock (PostgreSQL) before the
new value is read back in the same transaction, so two processes can never be handed the same numbers.
Callers own the transaction (``with session_factory() as s, s.begin(): issue_number(s, ...)``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.models import (
    DEVICE_BLOCK_SIZE,
    CreditNote,
    Invoice,
    Job,
    MobileDevice,
    NumberBlock,
    NumberSequence,
    PurchaseOrder,
    Quote,
    SequenceKind,
)
from app.models.base import utcnow
from app.services.errors import RuleError

DEFAULT_PREFIXES: dict[SequenceKind, tuple[str, int]] = {
    SequenceKind.JOB: ("J", 1000),
    SequenceKind.QUOTE: ("Q", 1000),
    SequenceKind.INVOICE: ("INV-", 1000),
    SequenceKind.CREDIT_NOTE: ("CN-", 100),
    SequenceKind.PURCHASE_ORDER: ("PO-", 100),
}

#: The table whose ``number`` column holds each sequence's issued numbers.
NUMBERED_RECORDS: dict[SequenceKind, type[Job | Quote | Invoice | CreditNote | PurchaseOrder]] = {
    SequenceKind.JOB: Job,
    SequenceKind.QUOTE: Quote,
    SequenceKind.INVOICE: Invoice,
    SequenceKind.CREDIT_NOTE: CreditNote,
    SequenceKind.PURCHASE_ORDER: PurchaseOrder,
}

_PREFIX_RE = re.compile(r"^[A-Za-z0-9/_.#-]{0,20}$")


def ensure_sequences(session: Session) -> list[NumberSequence]:
    """Create any missing sequence with its default prefix; returns all five in a fixed order."""
    existing = {seq.kind: seq for seq in session.scalars(select(NumberSequence))}
    for kind in SequenceKind:
        if kind not in existing:
            prefix, start = DEFAULT_PREFIXES[kind]
            existing[kind] = NumberSequence(kind=kind, prefix=prefix, next_number=start)
            session.add(existing[kind])
    session.flush()
    return [existing[kind] for kind in SequenceKind]


def get_sequence(session: Session, kind: SequenceKind) -> NumberSequence:
    sequence = session.scalars(select(NumberSequence).where(NumberSequence.kind == kind)).one_or_none()
    if sequence is None:
        ensure_sequences(session)
        sequence = session.scalars(select(NumberSequence).where(NumberSequence.kind == kind)).one()
    return sequence


def _advance(session: Session, kind: SequenceKind, count: int) -> tuple[str, int]:
    """Reserve ``count`` numbers; returns (prefix, first reserved number). Locks the sequence row."""
    sequence = get_sequence(session, kind)
    session.execute(
        update(NumberSequence)
        .where(NumberSequence.kind == kind)
        .values(next_number=NumberSequence.next_number + count)
        .execution_options(synchronize_session=False)
    )
    prefix, next_number = session.execute(
        select(NumberSequence.prefix, NumberSequence.next_number).where(NumberSequence.kind == kind)
    ).one()
    session.expire(sequence, ["prefix", "next_number"])
    return prefix, next_number - count


def issue_number(session: Session, kind: SequenceKind, device: MobileDevice | None = None) -> str:
    """The next number for a new record: from the sequence for the desktop, from its block for a device."""
    if device is None:
        prefix, number = _advance(session, kind, 1)
        return f"{prefix}{number}"
    if not device.active:
        raise RuleError(f"The device '{device.name}' has been retired and cannot be given numbers.")
    while True:
        block = _current_block(session, kind, device)
        if block is None:
            block = _allocate_block(session, kind, device)
        taken = session.execute(
            update(NumberBlock)
            .where(NumberBlock.id == block.id, NumberBlock.next_number <= NumberBlock.last)
            .values(next_number=NumberBlock.next_number + 1)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            next_number = session.scalar(select(NumberBlock.next_number).where(NumberBlock.id == block.id))
            assert next_number is not None
            session.expire(block)
            return f"{block.prefix}{next_number - 1}"
        session.expire(block)  # used up meanwhile: take the next block


def _current_block(session: Session, kind: SequenceKind, device: MobileDevice) -> NumberBlock | None:
    return session.scalars(
        select(NumberBlock)
        .join(NumberSequence)
        .where(
            NumberSequence.kind == kind,
            NumberBlock.device_id == device.id,
            NumberBlock.next_number <= NumberBlock.last,
            NumberBlock.released_at.is_(None),
        )
        .order_by(NumberBlock.first)
        .limit(1)
    ).first()


def _allocate_block(session: Session, kind: SequenceKind, device: MobileDevice) -> NumberBlock:
    prefix, first = _advance(session, kind, DEVICE_BLOCK_SIZE)
    sequence = get_sequence(session, kind)
    block = NumberBlock(
        sequence_id=sequence.id,
        device_id=device.id,
        prefix=prefix,
        first=first,
        last=first + DEVICE_BLOCK_SIZE - 1,
        next_number=first,
    )
    session.add(block)
    session.flush()
    return block


def register_device(session: Session, name: str) -> MobileDevice:
    """Register a mobile device and give it a block of numbers from every sequence."""
    name = name.strip()
    if not name:
        raise RuleError('Give the device a name, e.g. "Sam\'s phone".', field="name")
    device = MobileDevice(name=name)
    session.add(device)
    session.flush()
    for kind in SequenceKind:
        _allocate_block(session, kind, device)
    return device


def retire_device(session: Session, device: MobileDevice) -> int:
    """Retire a device; its unused numbers are never issued (a gap). Returns how many numbers that leaves."""
    if not device.active:
        raise RuleError(f"The device '{device.name}' is already retired.")
    now = utcnow()
    device.retired_at = now
    unused = 0
    for block in session.scalars(
        select(NumberBlock).where(NumberBlock.device_id == device.id, NumberBlock.released_at.is_(None))
    ):
        unused += block.unused
        block.released_at = now
    session.flush()
    return unused


def _highest_issued_with_prefix(session: Session, kind: SequenceKind, prefix: str) -> int | None:
    """The highest number already used or reserved under ``prefix`` (records and device blocks)."""
    record = NUMBERED_RECORDS[kind]
    pattern = re.compile(rf"^{re.escape(prefix)}(\d+)$")
    highest: int | None = None
    numbers = session.scalars(select(record.number).where(record.number.startswith(prefix, autoescape=True)))
    for number in numbers:
        match = pattern.match(number)
        if match:
            value = int(match.group(1))
            highest = value if highest is None else max(highest, value)
    block_last = session.scalar(
        select(NumberBlock.last)
        .join(NumberSequence)
        .where(NumberSequence.kind == kind, NumberBlock.prefix == prefix)
        .order_by(NumberBlock.last.desc())
        .limit(1)
    )
    if block_last is not None:
        highest = block_last if highest is None else max(highest, block_last)
    return highest


def update_sequence(session: Session, kind: SequenceKind, *, prefix: str, next_number: int) -> NumberSequence:
    """Change a sequence's prefix and next number, refusing anything that would reuse an issued number."""
    prefix = prefix.strip()
    label = kind.label.lower()
    if not _PREFIX_RE.match(prefix):
        raise RuleError(
            "A prefix may have up to 20 letters, digits and the marks - _ / . # (no spaces).", field="prefix"
        )
    if next_number < 1:
        raise RuleError("The next number must be 1 or more.", field="next_number")
    sequence = get_sequence(session, kind)
    floor = sequence.next_number if prefix == sequence.prefix else 1
    highest = _highest_issued_with_prefix(session, kind, prefix)
    if highest is not None:
        floor = max(floor, highest + 1)
    if next_number < floor:
        raise RuleError(
            f"{kind.label} up to {prefix}{floor - 1} have already been issued or reserved for devices, "
            f"so the next number must be {floor} or more; a lower number would give two {label} "
            "the same number.",
            field="next_number",
        )
    sequence.prefix = prefix
    sequence.next_number = next_number
    session.flush()
    return sequence


@dataclass(frozen=True)
class BlockSummary:
    device_name: str
    device_active: bool
    first: str
    last: str
    used: int
    unused: int
    released: bool

    @property
    def explanation(self) -> str:
        if self.released:
            if self.unused == 0:
                return f"{self.device_name} used every number from {self.first} to {self.last}."
            return (
                f"{self.device_name} was retired after using {self.used} of the numbers {self.first} to "
                f"{self.last}; the other {self.unused} will never be issued, so they show as a gap. "
                "Nothing is missing."
            )
        if self.unused == 0:
            return f"{self.device_name} has used every number from {self.first} to {self.last}."
        return (
            f"{self.device_name} holds {self.first} to {self.last} so it can work offline; it has used "
            f"{self.used} and has {self.unused} left. Numbers it never uses stay as a gap in the sequence. "
            "Nothing is missing."
        )


def block_summaries(session: Session, kind: SequenceKind) -> Sequence[BlockSummary]:
    rows = session.execute(
        select(NumberBlock, MobileDevice)
        .join(NumberSequence, NumberBlock.sequence_id == NumberSequence.id)
        .join(MobileDevice, NumberBlock.device_id == MobileDevice.id)
        .where(NumberSequence.kind == kind)
        .order_by(NumberBlock.first)
    ).all()
    return [
        BlockSummary(
            device_name=device.name,
            device_active=device.active,
            first=f"{block.prefix}{block.first}",
            last=f"{block.prefix}{block.last}",
            used=block.used,
            unused=block.unused,
            released=block.released_at is not None,
        )
        for block, device in rows
    ]
