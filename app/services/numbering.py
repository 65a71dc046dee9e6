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

from sqlalchemy import func, select, update
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

#: Numbers stay well inside a 32-bit integer column, with room for the device blocks above them.
MAX_NEXT_NUMBER = 999_999_999
#: MobileDevice.name is a String(100).
DEVICE_NAME_LENGTH = 100

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
    _hold_active_device(session, device)
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


def _hold_active_device(session: Session, device: MobileDevice) -> None:
    """Refuse a retired device, judged by the database, and lock its row until the transaction ends.

    The object in hand may be stale (another window or process may have retired the device since it was
    read). The no-op UPDATE takes the row lock on PostgreSQL (the write lock on SQLite) so a retirement
    running at the same moment waits for this number rather than releasing the block under it, and a
    retired device is never given a fresh block.
    """
    held = session.execute(
        update(MobileDevice)
        .where(MobileDevice.id == device.id, MobileDevice.retired_at.is_(None))
        .values(retired_at=None)
        .execution_options(synchronize_session=False)
    )
    if held.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleError(f"The device '{device.name}' has been retired and cannot be given numbers.")


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
    if len(name) > DEVICE_NAME_LENGTH:
        raise RuleError(f"A device name can be at most {DEVICE_NAME_LENGTH} characters.", field="name")
    # The console tells devices apart by name (which device holds which block), so two active devices
    # may not share one. A retired device's name is free again: its blocks stay listed as retired.
    active_names = session.scalars(select(MobileDevice.name).where(MobileDevice.retired_at.is_(None)))
    if any(existing.casefold() == name.casefold() for existing in active_names):
        raise RuleError(
            f"A device called '{name}' is already registered. Give this one another name, "
            f"e.g. '{name} 2'.",
            field="name",
        )
    device = MobileDevice(name=name)
    session.add(device)
    session.flush()
    for kind in SequenceKind:
        _allocate_block(session, kind, device)
    return device


def retire_device(session: Session, device: MobileDevice) -> int:
    """Retire a device; its unused numbers are never issued (a gap). Returns how many numbers that leaves."""
    now = utcnow()
    # Conditional on the database's view, not the object's: the device may have been retired elsewhere.
    # This also waits for a number the device is being given at this moment (see _hold_active_device).
    retired = session.execute(
        update(MobileDevice)
        .where(MobileDevice.id == device.id, MobileDevice.retired_at.is_(None))
        .values(retired_at=now)
        .execution_options(synchronize_session=False)
    )
    if retired.rowcount != 1:  # type: ignore[attr-defined]
        raise RuleError(f"The device '{device.name}' is already retired.")
    if device in session:
        session.expire(device, ["retired_at"])
    unused = 0
    for block in session.scalars(
        select(NumberBlock)
        .where(NumberBlock.device_id == device.id, NumberBlock.released_at.is_(None))
        .execution_options(populate_existing=True)
    ):
        unused += block.unused
        block.released_at = now
    session.flush()
    return unused


def _number_after(prefix: str, text: str) -> int | None:
    """``n`` when ``text`` is exactly what ``prefix`` followed by ``n`` prints (as issue_number does)."""
    if not text.startswith(prefix):
        return None
    digits = text[len(prefix):]
    if not (digits.isascii() and digits.isdigit()) or digits != str(int(digits)):
        return None  # not a number, or with leading zeros: prefix + n never prints that
    return int(digits)


def _lock_sequence(session: Session, kind: SequenceKind) -> NumberSequence:
    """The sequence read fresh under its lock: nothing issues from it until this transaction ends.

    Without the lock, a number issued by another process between our check and our write would be
    handed out again when we set next_number back to the value we checked.
    """
    sequence = get_sequence(session, kind)
    session.execute(
        update(NumberSequence)
        .where(NumberSequence.kind == kind)
        .values(next_number=NumberSequence.next_number)
        .execution_options(synchronize_session=False)
    )
    session.refresh(sequence)
    return sequence


def _highest_taken(session: Session, kind: SequenceKind, prefix: str, sequence: NumberSequence) -> int:
    """The highest ``n`` for which ``prefix`` + ``n`` is already used or reserved (0 when none is).

    Counts the records' numbers, every device block (a retired device's unused numbers stay a gap for
    ever) and everything below the sequence's own next number. A block or sequence under a longer prefix
    counts too when its numbers print the same (prefix "J" + 11000 and prefix "J1" + 1000 are both J11000).
    """
    taken = [0]
    record = NUMBERED_RECORDS[kind]
    # LIKE is case-insensitive on SQLite: _number_after keeps only exact matches.
    numbers = session.scalars(select(record.number).where(record.number.startswith(prefix, autoescape=True)))
    for number in numbers:
        taken.append(_number_after(prefix, number) or 0)
    highest_per_prefix = session.execute(
        select(NumberBlock.prefix, func.max(NumberBlock.last))
        .join(NumberSequence, NumberBlock.sequence_id == NumberSequence.id)
        .where(NumberSequence.kind == kind)
        .group_by(NumberBlock.prefix)
    ).all()
    for block_prefix, last in highest_per_prefix:
        taken.append(_number_after(prefix, f"{block_prefix}{last}") or 0)
    if sequence.next_number > 1:
        taken.append(_number_after(prefix, sequence.format(sequence.next_number - 1)) or 0)
    return max(taken)


def update_sequence(session: Session, kind: SequenceKind, *, prefix: str, next_number: int) -> NumberSequence:
    """Change a sequence's prefix and next number, refusing anything that would reuse an issued number.

    Either both change or, with a RuleError naming the field at fault, neither does.
    """
    prefix = prefix.strip()
    label = kind.label.lower()
    if not _PREFIX_RE.match(prefix):
        raise RuleError(
            "A prefix may have up to 20 letters, digits and the marks - _ / . # (no spaces).", field="prefix"
        )
    if next_number < 1:
        raise RuleError("The next number must be 1 or more.", field="next_number")
    if next_number > MAX_NEXT_NUMBER:
        raise RuleError(f"The next number can be at most {MAX_NEXT_NUMBER}.", field="next_number")
    sequence = _lock_sequence(session, kind)
    if prefix != sequence.prefix and prefix[-1:].isdigit():
        # "J1" + 5 prints J15, which is also "J" + 15: numbers could repeat across the two prefixes.
        raise RuleError(
            f"End the prefix with a letter or a mark such as - or /, not a digit: {prefix} followed by "
            f"{next_number} would print {prefix}{next_number}, which could also be another number. "
            f"For example {prefix}-.",
            field="prefix",
        )
    floor = _highest_taken(session, kind, prefix, sequence) + 1
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
