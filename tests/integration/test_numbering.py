"""Auto numbering on a real database (SQLite and PostgreSQL): prefixes, refusing reuse, device blocks of 25,
the next block, the gap a retired device leaves, and two processes allocating at the same moment."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import (
    DEVICE_BLOCK_SIZE,
    Customer,
    Job,
    MobileDevice,
    NumberBlock,
    NumberSequence,
    Quote,
    SequenceKind,
)
from app.services.errors import RuleError
from app.services.numbering import (
    BlockSummary,
    block_summaries,
    ensure_sequences,
    get_sequence,
    issue_number,
    register_device,
    retire_device,
    update_sequence,
)

WORKER = Path(__file__).with_name("numbering_worker.py")
JOB = SequenceKind.JOB


# -- helpers: each is one unit of work in its own short session, as the app does it
def issue(database: Database, kind: SequenceKind = JOB, device_id: int | None = None) -> str:
    with database.session_factory() as session, session.begin():
        device = session.get(MobileDevice, device_id) if device_id is not None else None
        return issue_number(session, kind, device)


def issue_many(
    database: Database, count: int, kind: SequenceKind = JOB, device_id: int | None = None
) -> list[str]:
    return [issue(database, kind, device_id) for _ in range(count)]


def register(database: Database, name: str) -> int:
    with database.session_factory() as session, session.begin():
        return register_device(session, name).id


def retire(database: Database, device_id: int) -> int:
    with database.session_factory() as session, session.begin():
        device = session.get(MobileDevice, device_id)
        assert device is not None
        return retire_device(session, device)


def change(database: Database, kind: SequenceKind, prefix: str, next_number: int) -> None:
    with database.session_factory() as session, session.begin():
        update_sequence(session, kind, prefix=prefix, next_number=next_number)


def sequence_state(database: Database, kind: SequenceKind = JOB) -> tuple[str, int]:
    with database.session_factory() as session:
        sequence = get_sequence(session, kind)
        return sequence.prefix, sequence.next_number


def blocks(database: Database, kind: SequenceKind = JOB) -> list[NumberBlock]:
    with database.session_factory() as session:
        query = select(NumberBlock).join(NumberSequence).where(NumberSequence.kind == kind)
        return list(session.scalars(query.order_by(NumberBlock.first)))


def add_jobs(database: Database, numbers: list[str]) -> None:
    """Jobs with these numbers, as if typed in or imported before auto numbering was set up."""
    with database.session_factory() as session, session.begin():
        customer = Customer(name="Harbourside Cafe")
        session.add(customer)
        session.flush()
        for number in numbers:
            session.add(Job(number=number, customer_id=customer.id))


def numbers_of(block: NumberBlock) -> list[int]:
    return list(range(block.first, block.last + 1))


def value(number: str, prefix: str = "J") -> int:
    assert number.startswith(prefix), number
    return int(number[len(prefix):])


# -- sequences and prefixes
def test_a_new_business_has_one_sequence_per_document_with_its_own_prefix(database: Database) -> None:
    with database.session_factory() as session, session.begin():
        sequences = ensure_sequences(session)
        assert [s.kind for s in sequences] == list(SequenceKind)
        assert [(s.prefix, s.next_number) for s in sequences] == [
            ("J", 1000), ("Q", 1000), ("INV-", 1000), ("CN-", 100), ("PO-", 100)
        ]
        # Running it again (every start-up does) adds nothing and changes nothing.
        assert len(ensure_sequences(session)) == 5
    with database.session_factory() as session:
        assert len(session.scalars(select(NumberSequence)).all()) == 5


def test_the_desktop_issues_numbers_in_order_each_sequence_on_its_own(database: Database) -> None:
    assert issue_many(database, 3) == ["J1000", "J1001", "J1002"]
    assert issue(database, SequenceKind.INVOICE) == "INV-1000"
    assert issue(database, SequenceKind.CREDIT_NOTE) == "CN-100"
    assert issue(database) == "J1003"
    assert sequence_state(database) == ("J", 1004)
    assert sequence_state(database, SequenceKind.INVOICE) == ("INV-", 1001)


def test_a_new_prefix_and_a_later_next_number_are_used_from_then_on(database: Database) -> None:
    issue_many(database, 2)
    change(database, JOB, "JOB-", 2000)
    assert issue_many(database, 2) == ["JOB-2000", "JOB-2001"]
    change(database, SequenceKind.INVOICE, "LB-", 5001)
    assert issue(database, SequenceKind.INVOICE) == "LB-5001"
    # Same prefix, moving forward: allowed, and the skipped numbers are simply never used.
    change(database, JOB, "JOB-", 3000)
    assert issue(database) == "JOB-3000"


def test_a_next_number_that_would_reuse_an_issued_number_is_refused_and_nothing_changes(
    database: Database,
) -> None:
    issue_many(database, 3)  # J1000..J1002
    with pytest.raises(RuleError) as refused:
        change(database, JOB, "J", 1001)
    assert refused.value.field == "next_number"
    assert "J1002" in str(refused.value) and "1003 or more" in str(refused.value)
    # Refused together with a harmless change: the prefix is not half-saved either.
    with pytest.raises(RuleError):
        change(database, JOB, "J", 999)
    assert sequence_state(database) == ("J", 1003)
    change(database, JOB, "J", 1003)  # the same number is fine
    assert issue(database) == "J1003"


def test_a_changed_prefix_may_not_reach_numbers_jobs_already_have(database: Database) -> None:
    add_jobs(database, ["W-1", "W-7", "W-0012a", "WX-40", "w-30"])
    with database.session_factory() as session, session.begin():
        customer_id = session.scalars(select(Customer.id)).one()
        session.add(Quote(number="W-90", customer_id=customer_id, date=dt.date(2026, 3, 2)))
    with pytest.raises(RuleError) as refused:
        change(database, JOB, "W-", 5)
    assert refused.value.field == "next_number"
    # Only jobs count (the quote W-90 is another sequence), and only numbers this prefix could print:
    # W-0012a is not W- followed by a number, WX-40 has another prefix, w-30 differs in case.
    assert "8 or more" in str(refused.value)
    assert sequence_state(database) == ("J", 1000)
    change(database, JOB, "W-", 8)
    assert issue(database) == "W-8"


def test_going_back_to_an_earlier_prefix_continues_after_its_device_blocks(database: Database) -> None:
    device = register(database, "Sam's phone")  # holds J1000..J1024, none used yet
    change(database, JOB, "K", 1)
    assert issue(database) == "K1"
    with pytest.raises(RuleError, match="1025 or more"):
        change(database, JOB, "J", 1010)
    change(database, JOB, "J", 1025)
    assert issue(database) == "J1025"
    # The device keeps using the block it holds, under the prefix it was given.
    assert issue(database, device_id=device) == "J1000"


@pytest.mark.parametrize(
    ("prefix", "next_number", "field", "words"),
    [
        ("J 1", 1000, "prefix", "no spaces"),
        ("ABCDEFGHIJKLMNOPQRSTU", 1000, "prefix", "up to 20"),
        ("INV2026", 1, "prefix", "not a digit"),
        ("J", 0, "next_number", "1 or more"),
        ("J", 1_000_000_000, "next_number", "at most 999999999"),
    ],
)
def test_prefix_and_next_number_rules(
    database: Database, prefix: str, next_number: int, field: str, words: str
) -> None:
    with pytest.raises(RuleError, match=words) as refused:
        change(database, JOB, prefix, next_number)
    assert refused.value.field == field
    assert sequence_state(database) == ("J", 1000)


def test_a_prefix_ending_in_a_digit_is_refused_because_its_numbers_would_read_ambiguously(
    database: Database,
) -> None:
    """J1 + 5 prints J15, which is also J + 15: a later J-prefixed number could repeat it."""
    issue_many(database, 2)
    with pytest.raises(RuleError) as refused:
        change(database, JOB, "J1", 5)
    assert refused.value.field == "prefix"
    change(database, JOB, "J1-", 5)
    assert issue(database) == "J1-5"


def test_numbers_under_an_older_prefix_ending_in_a_digit_still_count(database: Database) -> None:
    """A database set up before that rule may hold prefix "J1"; its J11000.. numbers are also J + 11000."""
    with database.session_factory() as session, session.begin():
        get_sequence(session, JOB).prefix = "J1"
    register(database, "Sam's phone")  # holds J11000..J11024 under the prefix "J1"
    with pytest.raises(RuleError, match="11025 or more") as refused:
        change(database, JOB, "J", 11010)
    assert "J11024" in str(refused.value)
    change(database, JOB, "J", 11025)
    assert issue(database) == "J11025"


# -- devices and their blocks
def test_registering_a_device_gives_it_a_block_of_25_from_every_sequence(database: Database) -> None:
    assert issue(database) == "J1000"
    device = register(database, "  Sam's phone  ")
    with database.session_factory() as session:
        held = session.scalars(select(NumberBlock).where(NumberBlock.device_id == device)).all()
        assert {b.sequence.kind for b in held} == set(SequenceKind)
        assert all(b.last - b.first + 1 == DEVICE_BLOCK_SIZE == 25 for b in held)
        assert all(b.next_number == b.first and b.released_at is None for b in held)
        by_kind = {b.sequence.kind: b for b in held}
        assert (by_kind[JOB].prefix, by_kind[JOB].first, by_kind[JOB].last) == ("J", 1001, 1025)
        assert by_kind[SequenceKind.CREDIT_NOTE].first == 100
        assert session.get(MobileDevice, device).name == "Sam's phone"  # type: ignore[union-attr]
    # The desktop carries on after the block; the device draws from its block, in order.
    assert issue(database) == "J1026"
    assert issue_many(database, 3, device_id=device) == ["J1001", "J1002", "J1003"]
    assert issue(database, SequenceKind.QUOTE, device) == "Q1000"
    assert issue(database, SequenceKind.QUOTE) == "Q1025"


def test_a_device_needs_a_name_of_its_own(database: Database) -> None:
    with pytest.raises(RuleError) as refused:
        register(database, "   ")
    assert refused.value.field == "name"
    register(database, "Sam's phone")
    with pytest.raises(RuleError, match="already") as refused:
        register(database, "sam's phone")
    assert refused.value.field == "name"
    with pytest.raises(RuleError, match="100") as refused:
        register(database, "x" * 101)
    assert refused.value.field == "name"
    with database.session_factory() as session:
        assert session.scalars(select(MobileDevice.name)).all() == ["Sam's phone"]
        assert len(session.scalars(select(NumberBlock)).all()) == 5  # the refused ones took no numbers


def test_a_device_moves_on_to_its_next_block_when_one_is_used_up(database: Database) -> None:
    device = register(database, "Sam's phone")  # J1000..J1024
    assert issue(database) == "J1025"  # the desktop meanwhile
    first_block = issue_many(database, 25, device_id=device)
    assert first_block == [f"J{n}" for n in range(1000, 1025)]
    assert len(blocks(database)) == 1  # nothing allocated before it is needed
    assert issue(database, device_id=device) == "J1026"  # the next block starts after the desktop's J1025
    assert issue(database) == "J1051"  # and the desktop after that block
    held = blocks(database)
    assert [(b.first, b.last, b.used, b.unused) for b in held] == [(1000, 1024, 25, 0), (1026, 1050, 1, 24)]
    # Other sequences were not touched by the job block running out.
    assert len(blocks(database, SequenceKind.INVOICE)) == 1


def test_retiring_a_device_leaves_its_unused_numbers_as_a_gap_never_issued_later(database: Database) -> None:
    sam = register(database, "Sam's phone")  # J1000..J1024
    kim = register(database, "Kim's tablet")  # J1025..J1049
    assert issue_many(database, 3, device_id=sam) == ["J1000", "J1001", "J1002"]
    assert retire(database, sam) == 22 + 4 * 25
    with pytest.raises(RuleError, match="retired"):
        issue(database, device_id=sam)
    with pytest.raises(RuleError, match="already retired"):
        retire(database, sam)
    # Nothing ever hands out J1003..J1024 again: not the desktop, not another device, not a lower next number.
    issued = issue_many(database, 5) + issue_many(database, 30, device_id=kim)
    assert not {value(n) for n in issued} & set(range(1003, 1025))
    with pytest.raises(RuleError, match="or more"):
        change(database, JOB, "J", 1003)
    assert sequence_state(database)[1] > 1049
    # Registering the same name again is a new device with new blocks (the retired one keeps its gap).
    again = register(database, "Sam's phone")
    assert issue(database, device_id=again) != "J1003"
    summaries = block_summaries_of(database)
    retired = [s for s in summaries if s.device_name == "Sam's phone" and s.released]
    assert len(retired) == 1
    gap = retired[0]
    assert (gap.first, gap.last, gap.used, gap.unused) == ("J1000", "J1024", 3, 22)
    assert "never be issued" in retired[0].explanation and "22" in retired[0].explanation
    assert "Nothing is missing" in retired[0].explanation


def test_a_device_retired_elsewhere_is_given_no_more_numbers_and_no_new_block(database: Database) -> None:
    """The device object in hand is stale (read before another window retired it): the database decides."""
    sam = register(database, "Sam's phone")
    with database.session_factory() as session:
        stale = session.get(MobileDevice, sam)
        assert stale is not None and stale.active
    retire(database, sam)
    with database.session_factory() as session, session.begin(), pytest.raises(RuleError, match="retired"):
        issue_number(session, JOB, stale)
    with database.session_factory() as session, session.begin(), pytest.raises(RuleError, match="already"):
        retire_device(session, stale)
    assert [(b.first, b.released_at is not None) for b in blocks(database)] == [(1000, True)]
    assert sequence_state(database) == ("J", 1025)


def block_summaries_of(database: Database, kind: SequenceKind = JOB) -> list[BlockSummary]:
    with database.session_factory() as session:
        return list(block_summaries(session, kind))


def test_block_summaries_say_which_device_holds_which_numbers(database: Database) -> None:
    sam = register(database, "Sam's phone")
    register(database, "Kim's tablet")
    issue_many(database, 25, device_id=sam)
    issue(database, device_id=sam)
    summaries = block_summaries_of(database)
    assert [(s.device_name, s.first, s.last, s.used, s.unused, s.released) for s in summaries] == [
        ("Sam's phone", "J1000", "J1024", 25, 0, False),
        ("Kim's tablet", "J1025", "J1049", 0, 25, False),
        ("Sam's phone", "J1050", "J1074", 1, 24, False),
    ]
    assert summaries[0].explanation == "Sam's phone has used every number from J1000 to J1024."
    assert "holds J1050 to J1074" in summaries[2].explanation and "24 left" in summaries[2].explanation
    assert block_summaries_of(database, SequenceKind.PURCHASE_ORDER)[1].first == "PO-125"


def test_desktop_numbers_and_device_blocks_never_collide(database: Database) -> None:
    devices = [register(database, "Sam's phone"), register(database, "Kim's tablet")]
    issued: list[str] = []
    for round_ in range(60):
        issued.append(issue(database))
        issued.append(issue(database, device_id=devices[round_ % 2]))
        if round_ % 3 == 0:
            issued.append(issue(database, device_id=devices[0]))
    assert len(issued) == len(set(issued)) == 140
    _prefix, next_number = sequence_state(database)
    assert_desktop_and_blocks_tile_the_sequence(database, issued, start=1000, end=next_number)


def assert_desktop_and_blocks_tile_the_sequence(
    database: Database, issued: list[str], *, start: int, end: int
) -> None:
    """Every number from start to end-1 is either a desktop number or in exactly one device block."""
    held = blocks(database)
    in_blocks = [n for block in held for n in numbers_of(block)]
    desktop = [value(n) for n in issued if not any(b.first <= value(n) <= b.last for b in held)]
    assert sorted(desktop + in_blocks) == list(range(start, end))


# -- two processes at the same moment
DESKTOP_PER_PROCESS = 200
DEVICE_PER_PROCESS = 60  # 25 + 25 + 10: a block at registration and two more on the way


@pytest.fixture
def barrier(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "barrier"
    folder.mkdir()
    yield folder


def test_two_processes_allocating_at_the_same_moment_never_share_a_number(
    database: Database, barrier: Path
) -> None:
    url = database.engine.url.render_as_string(hide_password=False)
    names = ("tablet-A", "tablet-B")
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), url, str(barrier), name,
             str(DESKTOP_PER_PROCESS), str(DEVICE_PER_PROCESS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    ]
    try:
        deadline = time.monotonic() + 120
        while not all((barrier / f"ready-{name}").exists() for name in names):
            crashed = [w for w in workers if w.poll() is not None]
            assert not crashed, crashed[0].communicate()
            assert time.monotonic() < deadline, "the workers never became ready"
            time.sleep(0.01)
        (barrier / "go").touch()  # both are spinning on this file: they start together
        results = []
        for worker in workers:
            out, err = worker.communicate(timeout=300)
            assert worker.returncode == 0, err
            results.append(json.loads(out))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()

    desktop = [n for r in results for n in r["desktop"]]
    device = [n for r in results for n in r["device"]]
    assert len(desktop) == 2 * DESKTOP_PER_PROCESS and len(device) == 2 * DEVICE_PER_PROCESS
    assert len(set(desktop + device)) == len(desktop) + len(device), "a number was handed out twice"
    for result in results:
        # Each process's own numbers go up: desktop ones from the sequence, device ones through its blocks.
        assert [value(n) for n in result["desktop"]] == sorted(value(n) for n in result["desktop"])
        own_blocks = [b for b in blocks(database) if b.device_id == result["device_id"]]
        assert len(own_blocks) == 3
        assert [value(n) for n in result["device"]] == [n for b in own_blocks for n in numbers_of(b)][:60]
        assert [b.used for b in own_blocks] == [25, 25, 10]
    _prefix, end = sequence_state(database)
    assert end == 1000 + 2 * DESKTOP_PER_PROCESS + 6 * DEVICE_BLOCK_SIZE
    assert_desktop_and_blocks_tile_the_sequence(database, desktop + device, start=1000, end=end)
    # Registering took one block from every other sequence per device, side by side.
    for kind in SequenceKind:
        if kind is not JOB:
            others = blocks(database, kind)
            start = others[0].first
            assert [(b.first, b.last) for b in others] == [(start, start + 24), (start + 25, start + 49)]
            assert sequence_state(database, kind)[1] == start + 50
    # How much the two really overlapped (printed, not asserted: it depends on the machine).
    merged = sorted((value(n), i) for i, r in enumerate(results) for n in r["desktop"])
    switches = sum(1 for a, b in itertools.pairwise(merged) if a[1] != b[1])
    print(f"{database.engine.dialect.name}: desktop numbers changed hands {switches} times between processes")
