"""Administration -> Auto Numbering: editing a sequence, refusals beside the field, devices, their blocks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from app.db import Database
from app.models import MobileDevice, SequenceKind
from app.services.numbering import get_sequence, issue_number, register_device
from app.views.main_window import MainWindow
from app.views.numbering_view import AutoNumberingView
from app.views.table_models import RecordTableModel


class Answers:
    """Stands in for the yes/no question box: records each question and gives the prepared answer."""

    def __init__(self) -> None:
        self.reply = True
        self.questions: list[str] = []

    def __call__(self, title: str, question: str) -> bool:
        self.questions.append(question)
        return self.reply


@pytest.fixture
def answers() -> Answers:
    return Answers()


@pytest.fixture
def view(qtbot: QtBot, sqlite_database: Database, answers: Answers) -> Iterator[AutoNumberingView]:
    screen = AutoNumberingView(sqlite_database.session_factory, confirm=answers)
    qtbot.addWidget(screen)
    screen.refresh()
    yield screen


def texts(model: RecordTableModel, column: int) -> list[str]:  # type: ignore[type-arg]
    return [model.data(model.index(row, column, QModelIndex())) for row in range(model.rowCount())]


def sequence_in_database(database: Database, kind: SequenceKind) -> tuple[str, int]:
    with database.session_factory() as session:
        sequence = get_sequence(session, kind)
        return sequence.prefix, sequence.next_number


def issue(
    database: Database, kind: SequenceKind, device_name: str | None = None, count: int = 1
) -> list[str]:
    with database.session_factory() as session, session.begin():
        device = None
        if device_name is not None:
            device = session.scalars(select(MobileDevice).where(MobileDevice.name == device_name)).one()
        return [issue_number(session, kind, device) for _ in range(count)]


def test_the_screen_lists_the_five_sequences_and_every_model_passes_the_model_tester(
    qtmodeltester: ModelTester, view: AutoNumberingView, sqlite_database: Database
) -> None:
    assert texts(view.sequences_model, 0) == ["Jobs", "Quotes", "Invoices", "Credit notes", "Purchase orders"]
    assert texts(view.sequences_model, 1) == ["J", "Q", "INV-", "CN-", "PO-"]
    assert texts(view.sequences_model, 3) == ["J1000", "Q1000", "INV-1000", "CN-100", "PO-100"]
    assert view.selected_kind() is SequenceKind.JOB
    assert (view.prefix_edit.text(), view.next_number_edit.text()) == ("J", "1000")
    assert "No mobile device holds job numbers" in view.explanation_label.text()
    with sqlite_database.session_factory() as session, session.begin():
        register_device(session, "Sam's phone")
        kim = register_device(session, "Kim's tablet")
        issue_number(session, SequenceKind.JOB, kim)
    view.refresh()
    assert view.blocks_model.rowCount() == 2 and view.devices_model.rowCount() == 2
    for model in (view.sequences_model, view.blocks_model, view.devices_model):
        qtmodeltester.check(model)  # type: ignore[no-untyped-call]


def test_editing_the_prefix_and_next_number_and_saving(
    qtbot: QtBot, view: AutoNumberingView, sqlite_database: Database
) -> None:
    assert view.select_sequence(SequenceKind.INVOICE)
    assert view.editor_box.title() == "Change the numbering of invoices"
    assert not view.save_button.isEnabled()
    view.prefix_edit.setText("LB-")
    view.next_number_edit.setText("5001")
    assert view.preview_label.text() == "Once saved, the next invoice made on this computer will be LB-5001."
    assert view.save_button.isEnabled() and view.has_unsaved_changes()
    with qtbot.waitSignal(view.changed):
        view.save_button.click()
    assert sequence_in_database(sqlite_database, SequenceKind.INVOICE) == ("LB-", 5001)
    assert texts(view.sequences_model, 3)[2] == "LB-5001"
    assert view.selected_kind() is SequenceKind.INVOICE  # still on the sequence just saved
    assert not view.has_unsaved_changes() and not view.save_button.isEnabled()
    assert "LB-5001" in view.sequence_message.text() and not view.sequence_message.is_refusal
    assert issue(sqlite_database, SequenceKind.INVOICE) == ["LB-5001"]


def test_a_refused_next_number_is_shown_beside_the_field_and_nothing_is_saved(
    view: AutoNumberingView, sqlite_database: Database
) -> None:
    with sqlite_database.session_factory() as session, session.begin():
        register_device(session, "Sam's phone")  # holds J1000..J1024
    view.refresh()
    view.prefix_edit.setText("K-")
    view.next_number_edit.setText("1")
    assert view.save()
    # Back to J, at a number inside the block Sam's phone holds: refused, and the prefix is not saved either.
    view.prefix_edit.setText("J")
    view.next_number_edit.setText("1010")
    assert not view.save()
    assert not view.next_number_problem.isHidden()
    assert "1025 or more" in view.next_number_problem.text()
    assert view.prefix_problem.isHidden()
    assert sequence_in_database(sqlite_database, SequenceKind.JOB) == ("K-", 1)
    # What was typed stays for the fix, and typing clears the message.
    assert (view.prefix_edit.text(), view.next_number_edit.text()) == ("J", "1010")
    assert view.has_unsaved_changes() and view.save_button.isEnabled()
    view.next_number_edit.setText("1025")
    assert view.next_number_problem.isHidden()
    assert view.save()
    assert sequence_in_database(sqlite_database, SequenceKind.JOB) == ("J", 1025)


@pytest.mark.parametrize(
    ("prefix", "next_number", "field", "words"),
    [("J", "12a", "next_number", "not a number"), ("J 2", "2000", "prefix", "no spaces")],
)
def test_other_refusals_name_their_field(
    view: AutoNumberingView, sqlite_database: Database, prefix: str, next_number: str, field: str, words: str
) -> None:
    view.prefix_edit.setText(prefix)
    view.next_number_edit.setText(next_number)
    assert not view.save()
    problem = view.prefix_problem if field == "prefix" else view.next_number_problem
    other = view.next_number_problem if field == "prefix" else view.prefix_problem
    assert not problem.isHidden() and words in problem.text()
    assert other.isHidden()
    assert sequence_in_database(sqlite_database, SequenceKind.JOB) == ("J", 1000)


def test_registering_and_retiring_a_device_shows_its_blocks_and_the_gap_it_leaves(
    qtbot: QtBot, view: AutoNumberingView, sqlite_database: Database, answers: Answers
) -> None:
    assert not view.retire_button.isEnabled()
    view.device_name_edit.setText("Sam's phone")
    with qtbot.waitSignal(view.changed):
        view.register_button.click()
    assert texts(view.devices_model, 0) == ["Sam's phone"]
    assert texts(view.devices_model, 2) == ["In use"]
    assert texts(view.blocks_model, 1) == ["J1000 to J1024"]
    assert texts(view.blocks_model, 4) == ["In use"]
    assert "Right now one device holds 25 job numbers" in view.explanation_label.text()
    assert texts(view.sequences_model, 3)[0] == "J1025"  # the desktop carries on after the block
    assert view.device_name_edit.text() == "" and "registered" in view.device_message.text()

    # A second device of the same name is refused beside the name, and nothing is registered.
    view.device_name_edit.setText("sam's phone")
    assert not view.register_device()
    assert not view.device_name_problem.isHidden() and "already registered" in view.device_name_problem.text()
    assert view.devices_model.rowCount() == 1

    issue(sqlite_database, SequenceKind.JOB, "Sam's phone", count=3)
    view.refresh()
    assert view.select_device("Sam's phone") and view.retire_button.isEnabled()
    answers.reply = False
    assert not view.retire_selected_device()
    assert "122 numbers it holds but has not used will never be issued" in answers.questions[-1]
    assert texts(view.devices_model, 2) == ["In use"]

    answers.reply = True
    with qtbot.waitSignal(view.changed):
        view.retire_button.click()
    assert texts(view.devices_model, 2)[0].startswith("Retired")
    assert not view.retire_button.isEnabled()
    assert "122 numbers it had not used will never be issued" in view.device_message.text()
    used, unused, state = (texts(view.blocks_model, column) for column in (2, 3, 4))
    assert (used, unused, state) == (["3"], ["22"], ["Retired: 22 never issued"])
    assert "22 numbers were left unused by retired devices and will never be issued" in (
        view.explanation_label.text()
    )
    view.select_block(0)
    assert view.explanation_label.text() == view.blocks_model.row_at(0).explanation
    assert "the other 22 will never be issued" in view.explanation_label.text()
    with sqlite_database.session_factory() as session:
        assert session.scalars(select(MobileDevice)).one().retired_at is not None

    # Each sequence shows its own blocks: Sam's phone never used an invoice number.
    assert view.select_sequence(SequenceKind.INVOICE)
    assert texts(view.blocks_model, 1) == ["INV-1000 to INV-1024"]
    assert texts(view.blocks_model, 4) == ["Retired: 25 never issued"]
    assert view.blocks_box.title() == "Blocks of invoice numbers held by devices"


def test_unsaved_edits_are_kept_unless_the_bookkeeper_lets_them_go(
    view: AutoNumberingView, sqlite_database: Database, answers: Answers
) -> None:
    assert view.confirm_leave() and answers.questions == []  # nothing typed: nothing asked
    view.next_number_edit.setText("2000")
    answers.reply = False
    assert not view.confirm_leave()
    assert not view.select_sequence(SequenceKind.QUOTE)  # staying put keeps the edit
    assert view.selected_kind() is SequenceKind.JOB and view.next_number_edit.text() == "2000"
    view.refresh()  # e.g. the screen shown again: the edit survives a reload
    assert view.next_number_edit.text() == "2000"
    answers.reply = True
    assert view.select_sequence(SequenceKind.QUOTE)
    assert (view.prefix_edit.text(), view.next_number_edit.text()) == ("Q", "1000")
    view.prefix_edit.setText("QT-")
    assert view.confirm_leave()
    assert view.prefix_edit.text() == "Q" and not view.has_unsaved_changes()
    assert sequence_in_database(sqlite_database, SequenceKind.QUOTE) == ("Q", 1000)
    assert len(answers.questions) == 4


def test_the_main_window_shows_auto_numbering_under_administration(main_window: MainWindow) -> None:
    page = main_window.show_page("Auto Numbering")
    assert isinstance(page, AutoNumberingView)
    assert page.sequences_model.rowCount() == 5
    item = main_window.navigation.currentItem()
    section = item.parent() if item is not None else None
    assert section is not None and section.text(0) == "Administration"
    assert page.sequences_model.headerData(3, Qt.Orientation.Horizontal) == "Next one reads"
