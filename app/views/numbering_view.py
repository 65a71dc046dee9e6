"""Administration -> Auto Numbering: each sequence's prefix and next number, and which device holds which
block of numbers (used and unused), with the gaps explained in plain words."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QSize, Qt, Signal
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import DEVICE_BLOCK_SIZE, MobileDevice, SequenceKind
from app.services.errors import RuleError
from app.services.numbering import (
    BlockSummary,
    block_summaries,
    ensure_sequences,
    register_device,
    retire_device,
    update_sequence,
)
from app.views.record_editor import Confirm, ScreenMessage, ask_yes_no, screen_note
from app.views.table_models import Column, RecordTableModel

#: One of each document, as a sentence names it ("the next invoice").
SINGULAR: dict[SequenceKind, str] = {
    SequenceKind.JOB: "job",
    SequenceKind.QUOTE: "quote",
    SequenceKind.INVOICE: "invoice",
    SequenceKind.CREDIT_NOTE: "credit note",
    SequenceKind.PURCHASE_ORDER: "purchase order",
}


@dataclass(frozen=True)
class SequenceRow:
    """One sequence as the screen shows it, with what devices hold of it."""

    kind: SequenceKind
    prefix: str
    next_number: int
    held_by_devices: int  # numbers devices hold and have not used yet
    left_by_retired: int  # numbers retired devices never used: gaps for ever

    @property
    def next_printed(self) -> str:
        return f"{self.prefix}{self.next_number}"


@dataclass(frozen=True)
class DeviceRow:
    id: int
    name: str
    registered_at: dt.datetime
    retired_at: dt.datetime | None
    unused: int  # numbers it holds and has not used, over every sequence

    @property
    def active(self) -> bool:
        return self.retired_at is None

    @property
    def state(self) -> str:
        if self.retired_at is None:
            return "In use"
        return f"Retired {self.retired_at.astimezone():%d/%m/%Y}"


@dataclass(frozen=True)
class NumberingSnapshot:
    sequences: list[SequenceRow]
    blocks: dict[SequenceKind, list[BlockSummary]]
    devices: list[DeviceRow]


def load_numbering(session: Session) -> NumberingSnapshot:
    """Everything the screen shows, read in one short session (seven small queries)."""
    sequences = ensure_sequences(session)
    blocks = {kind: list(block_summaries(session, kind)) for kind in SequenceKind}
    active_unused: dict[str, int] = {}
    for summaries in blocks.values():
        for block in summaries:
            if block.device_active and not block.released:
                active_unused[block.device_name] = active_unused.get(block.device_name, 0) + block.unused
    devices = [
        DeviceRow(
            id=device.id,
            name=device.name,
            registered_at=device.registered_at,
            retired_at=device.retired_at,
            # Active names are unique (register_device refuses a second one), so the name identifies it.
            unused=active_unused.get(device.name, 0) if device.active else 0,
        )
        for device in session.scalars(
            select(MobileDevice).order_by(MobileDevice.retired_at.is_not(None), MobileDevice.name)
        )
    ]
    rows = [
        SequenceRow(
            kind=sequence.kind,
            prefix=sequence.prefix,
            next_number=sequence.next_number,
            held_by_devices=sum(b.unused for b in blocks[sequence.kind] if not b.released),
            left_by_retired=sum(b.unused for b in blocks[sequence.kind] if b.released),
        )
        for sequence in sequences
    ]
    return NumberingSnapshot(sequences=rows, blocks=blocks, devices=devices)


def block_state(block: BlockSummary) -> str:
    if block.released:
        return f"Retired: {block.unused} never issued" if block.unused else "Retired, all used"
    return "Used up" if block.unused == 0 else "In use"


def gaps_in_words(kind: SequenceKind, row: SequenceRow, blocks: Sequence[BlockSummary]) -> str:
    """Why this sequence's numbers are not consecutive, in a few sentences a bookkeeper understands."""
    plural = kind.label.lower()
    one = SINGULAR[kind]
    if not blocks:
        return (
            f"No mobile device holds {one} numbers, so {plural} are numbered one after another, "
            f"from {row.next_printed} on."
        )
    holders = {b.device_name for b in blocks if not b.released and b.unused}
    sentences = [
        f"{one.capitalize()} numbers are not always consecutive, and that is expected: each mobile device is "
        f"given {DEVICE_BLOCK_SIZE} {one} numbers at a time so it can create {plural} while offline, and "
        "numbers made on this computer skip over those blocks."
    ]
    if holders:
        devices = "one device" if len(holders) == 1 else f"{len(holders)} devices"
        sentences.append(
            f"Right now {devices} {'holds' if len(holders) == 1 else 'hold'} {row.held_by_devices} "
            f"{one} numbers not used yet."
        )
    if row.left_by_retired:
        sentences.append(
            f"{row.left_by_retired} numbers were left unused by retired devices and will never be issued; "
            "they are gaps, not missing records."
        )
    sentences.append("Select a block to see what it means.")
    return " ".join(sentences)


SEQUENCE_COLUMNS: tuple[Column[SequenceRow], ...] = (
    Column("Document", lambda r: r.kind.label),
    Column("Prefix", lambda r: r.prefix, tooltip=lambda r: "No prefix" if not r.prefix else r.prefix),
    Column("Next number", lambda r: r.next_number),
    Column("Next one reads", lambda r: r.next_printed),
    Column(
        "Unused on devices",
        lambda r: r.held_by_devices,
        tooltip=lambda r: "Numbers mobile devices hold for working offline and have not used yet",
    ),
)

BLOCK_COLUMNS: tuple[Column[BlockSummary], ...] = (
    Column("Device", lambda b: b.device_name),
    Column("Numbers", lambda b: f"{b.first} to {b.last}"),
    Column("Used", lambda b: b.used),
    Column("Unused", lambda b: b.unused),
    Column("State", block_state, tooltip=lambda b: b.explanation),
)

DEVICE_COLUMNS: tuple[Column[DeviceRow], ...] = (
    Column("Device", lambda d: d.name),
    Column("Registered", lambda d: d.registered_at.astimezone().date()),
    Column("State", lambda d: d.state),
    Column(
        "Unused numbers",
        lambda d: d.unused if d.active else None,
        tooltip=lambda d: "Numbers it holds over all documents and has not used yet",
    ),
)


def _table(model: QAbstractItemModel) -> QTableView:
    table = QTableView()
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().setVisible(False)
    table.horizontalHeader().setStretchLastSection(True)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    return table


def _fit_height(label: QLabel) -> None:
    """Reserve the height a word-wrapped label needs at the width it was given."""
    if label.width() > 0:
        needed = label.heightForWidth(label.width())
        if needed > 0 and needed != label.minimumHeight():
            label.setMinimumHeight(needed)


def _tight_hint(label: QLabel, hint: QSize) -> QSize:
    """QLabel guesses a narrow width for wrapped text and asks for too much height; use the real width."""
    if label.width() > 0:
        return QSize(hint.width(), label.heightForWidth(label.width()))
    return hint


class WrappedLabel(QLabel):
    """A word-wrapped label that reserves the height its text needs, as a plain minimum height.

    Qt's height-for-width does not carry through nested layouts: a band holding a wrapped QLabel was
    laid out below its minimum, squeezing the line edits beside it to a few pixels. So this label does
    not take part in height-for-width; it sets its minimum height from its actual width instead.
    """

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setWordWrap(True)
        self.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)

    def hasHeightForWidth(self) -> bool:
        return False

    def sizeHint(self) -> QSize:
        return _tight_hint(self, super().sizeHint())

    def setText(self, text: str) -> None:
        super().setText(text)
        _fit_height(self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        _fit_height(self)


class _Message(ScreenMessage):
    """A ScreenMessage that reserves its height as WrappedLabel does."""

    def hasHeightForWidth(self) -> bool:
        return False

    def sizeHint(self) -> QSize:
        return _tight_hint(self, super().sizeHint())

    def setText(self, text: str) -> None:
        super().setText(text)
        _fit_height(self)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        _fit_height(self)


def _hint(text: str) -> QLabel:
    label = WrappedLabel(text)
    label.setObjectName("hint")
    label.setWordWrap(True)
    return label


def _problem_label() -> QLabel:
    label = WrappedLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.hide()
    return label


class AutoNumberingView(QWidget):
    """The Auto Numbering screen.

    Signals: ``changed()`` after anything is saved (a sequence, a device registered or retired).

    Attributes: ``sequences_box``, ``sequences_model``/``sequences_table``; the editor of the selected
    sequence: ``editor_box``, ``prefix_edit``, ``next_number_edit``, ``prefix_problem``,
    ``next_number_problem``, ``preview_label``, ``save_button``, ``discard_button``, ``sequence_message``;
    ``blocks_box``, ``blocks_model``/``blocks_table``, ``explanation_label``; ``devices_box``,
    ``devices_model``/``devices_table``, ``device_name_edit``, ``device_name_problem``, ``register_button``,
    ``retire_button``, ``device_message``. ``confirm(title, question)`` asks yes/no; replace it in tests.
    """

    changed = Signal()

    def __init__(
        self,
        session_factory: SessionFactory,
        parent: QWidget | None = None,
        *,
        confirm: Confirm = ask_yes_no,
    ) -> None:
        super().__init__(parent)
        self._session_factory = session_factory
        self.confirm = confirm
        self._snapshot = NumberingSnapshot(sequences=[], blocks={}, devices=[])
        self._editing: SequenceRow | None = None
        self._reverting_selection = False

        title = QLabel("Auto Numbering")
        title.setObjectName("screenTitle")
        note = screen_note(
            "Jobs, quotes, invoices, credit notes and purchase orders each take their numbers from their own "
            f"sequence. Each mobile device is given blocks of {DEVICE_BLOCK_SIZE} numbers so it can work "
            "offline; this screen shows which device holds which numbers."
        )

        # -- sequences and the editor of the selected one
        self.sequences_model: RecordTableModel[SequenceRow] = RecordTableModel(SEQUENCE_COLUMNS, parent=self)
        self.sequences_table = _table(self.sequences_model)
        self.editor_box = QGroupBox("Change the numbering")
        self.prefix_edit = QLineEdit()
        self.prefix_edit.setMaxLength(20)
        self.prefix_edit.setPlaceholderText("none")
        self.prefix_edit.setToolTip("Letters or marks printed before the number, e.g. INV- or J")
        self.next_number_edit = QLineEdit()
        self.next_number_edit.setMaxLength(12)
        self.next_number_edit.setToolTip(
            "The number the next document made on this computer gets. It can only move forward."
        )
        for edit in (self.prefix_edit, self.next_number_edit):
            edit.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            edit.setFixedWidth(140)
        self.prefix_problem = _problem_label()
        self.next_number_problem = _problem_label()
        self.preview_label = WrappedLabel()
        self.save_button = QPushButton("Save")
        self.save_button.setDefault(True)
        self.discard_button = QPushButton("Discard changes")
        self.sequence_message = _Message()

        form = QGridLayout()
        form.setColumnStretch(2, 1)
        form.setHorizontalSpacing(10)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        prefix_label = QLabel("&Prefix")
        prefix_label.setBuddy(self.prefix_edit)
        form.addWidget(prefix_label, 0, 0, right)
        form.addWidget(self.prefix_edit, 0, 1)
        form.addWidget(self.prefix_problem, 1, 1, 1, 2)
        next_number_label = QLabel("&Next number")
        next_number_label.setBuddy(self.next_number_edit)
        form.addWidget(next_number_label, 2, 0, right)
        form.addWidget(self.next_number_edit, 2, 1)
        form.addWidget(self.next_number_problem, 3, 1, 1, 2)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        editor = QVBoxLayout(self.editor_box)
        editor.addLayout(form)
        editor.addWidget(self.preview_label)
        editor.addWidget(
            _hint(
                "It only moves forward, and devices' next blocks start from it too."
            )
        )
        editor.addLayout(buttons)
        editor.addWidget(self.sequence_message)
        editor.addStretch(1)

        # -- blocks of the selected sequence
        self.blocks_model: RecordTableModel[BlockSummary] = RecordTableModel(BLOCK_COLUMNS, parent=self)
        self.blocks_table = _table(self.blocks_model)
        self.explanation_label = WrappedLabel()
        self.explanation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.explanation_label.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)

        # -- devices
        self.devices_model: RecordTableModel[DeviceRow] = RecordTableModel(DEVICE_COLUMNS, parent=self)
        self.devices_table = _table(self.devices_model)
        self.device_name_edit = QLineEdit()
        self.device_name_edit.setMaxLength(100)
        self.device_name_edit.setPlaceholderText("Device name, e.g. Sam's phone")
        self.device_name_problem = _problem_label()
        self.register_button = QPushButton("Register device")
        self.retire_button = QPushButton("Retire device…")
        self.retire_button.setToolTip(
            "For a device that is lost, replaced or no longer used: it gets no more numbers, and the "
            "numbers it holds but has not used are never issued."
        )
        self.device_message = _Message()
        register_row = QHBoxLayout()
        register_row.addWidget(self.device_name_edit, 1)
        register_row.addWidget(self.register_button)
        retire_row = QHBoxLayout()
        retire_row.addWidget(self.retire_button)
        retire_row.addStretch(1)
        device_controls = QVBoxLayout()
        device_controls.addWidget(
            _hint(
                "Register each phone or tablet before it works offline: it is given a block of "
                f"{DEVICE_BLOCK_SIZE} numbers of every kind, and the next block when one is used up."
            )
        )
        device_controls.addLayout(register_row)
        device_controls.addWidget(self.device_name_problem)
        device_controls.addLayout(retire_row)
        device_controls.addWidget(self.device_message)
        device_controls.addStretch(1)

        # Three bands, each a table on the left and what goes with it on the right.
        self.sequences_box = QGroupBox("Sequences")
        self.blocks_box = QGroupBox("Blocks held by devices")
        self.devices_box = QGroupBox("Mobile devices")
        for box, table, beside in (
            (self.sequences_box, self.sequences_table, self.editor_box),
            (self.blocks_box, self.blocks_table, self.explanation_label),
            (self.devices_box, self.devices_table, device_controls),
        ):
            band = QHBoxLayout(box)
            # The sequences list has a fixed height: it stays at the top when the editor grows.
            top = Qt.AlignmentFlag.AlignTop if table is self.sequences_table else Qt.AlignmentFlag(0)
            band.addWidget(table, 3, top)
            if isinstance(beside, QWidget):
                band.addWidget(beside, 2)
            else:
                band.addLayout(beside, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(note)
        layout.addWidget(self.sequences_box)
        layout.addWidget(self.blocks_box, 3)
        layout.addWidget(self.devices_box, 2)

        self.sequences_table.selectionModel().selectionChanged.connect(
            self._on_sequences_table_selection_changed
        )
        self.blocks_table.selectionModel().selectionChanged.connect(self._on_blocks_table_selection_changed)
        self.devices_table.selectionModel().selectionChanged.connect(self._on_devices_table_selection_changed)
        self.prefix_edit.textChanged.connect(self._on_prefix_edit_text_changed)
        self.next_number_edit.textChanged.connect(self._on_next_number_edit_text_changed)
        self.prefix_edit.returnPressed.connect(self._on_save_button_clicked)
        self.next_number_edit.returnPressed.connect(self._on_save_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.discard_button.clicked.connect(self._on_discard_button_clicked)
        self.device_name_edit.textChanged.connect(self._on_device_name_edit_text_changed)
        self.device_name_edit.returnPressed.connect(self._on_register_button_clicked)
        self.register_button.clicked.connect(self._on_register_button_clicked)
        self.retire_button.clicked.connect(self._on_retire_button_clicked)
        self._update_buttons()

    # -- public
    def refresh(self) -> None:
        """Read everything again (the main window calls this when the screen is shown). Edits in
        progress are kept."""
        with self._session_factory() as session, session.begin():
            snapshot = load_numbering(session)
        self._snapshot = snapshot
        kind = self.selected_kind() or SequenceKind.JOB
        device = self.selected_device()
        dirty = self.has_unsaved_changes()
        self._reverting_selection = True
        try:
            self.sequences_model.set_rows(snapshot.sequences)
            self.devices_model.set_rows(snapshot.devices)
            self._select_row(self.sequences_table, [r.kind for r in snapshot.sequences].index(kind))
        finally:
            self._reverting_selection = False
        if device is not None:
            self.select_device(device.name)
        self._show_sequence(kind, keep_edits=dirty)
        for table in (self.sequences_table, self.devices_table):
            self._fit_columns(table)
        self._fit_height_to_rows(self.sequences_table)
        self._update_buttons()

    def has_unsaved_changes(self) -> bool:
        if self._editing is None:
            return False
        return (
            self.prefix_edit.text().strip() != self._editing.prefix
            or self.next_number_edit.text().strip() != str(self._editing.next_number)
        )

    def confirm_leave(self) -> bool:
        """Asked before the main window shows another screen: unsaved edits are kept or let go."""
        if not self.has_unsaved_changes() or self._editing is None:
            return True
        if not self.confirm(
            "Auto Numbering",
            f"Your changes to the numbering of {self._editing.kind.label.lower()} are not saved. "
            "Leave without saving them?",
        ):
            return False
        self.discard_changes()
        return True

    def selected_kind(self) -> SequenceKind | None:
        row = self._selected_row(self.sequences_table)
        return self.sequences_model.row_at(row).kind if row is not None else None

    def select_sequence(self, kind: SequenceKind) -> bool:
        """Select ``kind``'s sequence (asking first if that would lose unsaved edits). True if selected."""
        kinds = [r.kind for r in self.sequences_model.rows()]
        self._select_row(self.sequences_table, kinds.index(kind))
        return self.selected_kind() is kind

    def selected_device(self) -> DeviceRow | None:
        row = self._selected_row(self.devices_table)
        return self.devices_model.row_at(row) if row is not None else None

    def select_device(self, name: str) -> bool:
        """Select the device called ``name``, an active one first."""
        rows = self.devices_model.rows()
        for candidate in sorted(range(len(rows)), key=lambda i: not rows[i].active):
            if rows[candidate].name == name:
                self._select_row(self.devices_table, candidate)
                return True
        return False

    def select_block(self, row: int) -> None:
        self._select_row(self.blocks_table, row)

    def save(self) -> bool:
        """Save the edited prefix and next number in one transaction; a refusal shows beside its field
        and nothing is saved. True when saved."""
        row = self._editing
        if row is None:
            return False
        self._clear_sequence_problems()
        try:
            next_number = self._typed_next_number()
            with self._session_factory() as session, session.begin():
                sequence = update_sequence(
                    session, row.kind, prefix=self.prefix_edit.text(), next_number=next_number
                )
                printed = sequence.format(sequence.next_number)
        except RuleError as refusal:
            self._show_sequence_problem(refusal)
            return False
        self._editing = None  # saved: nothing left to keep
        self.refresh()
        self.sequence_message.say(
            f"Saved. The next {SINGULAR[row.kind]} made on this computer will be {printed}."
        )
        self.changed.emit()
        return True

    def discard_changes(self) -> None:
        kind = self.selected_kind()
        if kind is not None:
            self._show_sequence(kind, keep_edits=False)

    def register_device(self) -> bool:
        """Register a device with the name typed; it is given a block from every sequence."""
        self.device_name_problem.hide()
        self.device_message.clear_message()
        try:
            with self._session_factory() as session, session.begin():
                device = register_device(session, self.device_name_edit.text())
                name = device.name
        except RuleError as refusal:
            self._show_device_problem(refusal)
            return False
        self.device_name_edit.clear()
        self.refresh()
        self.select_device(name)
        self.device_message.say(
            f"{name} is registered and holds a block of {DEVICE_BLOCK_SIZE} numbers for each kind of "
            "document."
        )
        self.changed.emit()
        return True

    def retire_selected_device(self) -> bool:
        """Retire the selected device, after asking. True when retired."""
        device = self.selected_device()
        if device is None or not device.active:
            return False
        self.device_message.clear_message()
        question = (
            f"Retire {device.name}? It will get no more numbers. "
            + (
                f"The {device.unused} numbers it holds but has not used will never be issued; they stay "
                "as gaps in the numbering. "
                if device.unused
                else ""
            )
            + "This cannot be undone (you can register the device again as a new one)."
        )
        if not self.confirm("Retire device", question):
            return False
        try:
            with self._session_factory() as session, session.begin():
                held = session.get(MobileDevice, device.id)
                if held is None:
                    raise RuleError(f"{device.name} has been removed meanwhile.")
                unused = retire_device(session, held)
        except RuleError as refusal:
            self.refresh()
            self.device_message.refuse(refusal.message)
            return False
        self.refresh()
        gap = f" The {unused} numbers it had not used will never be issued." if unused else ""
        self.device_message.say(f"{device.name} is retired.{gap}")
        self.changed.emit()
        return True

    # -- behaviour
    def _on_sequences_table_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        if self._reverting_selection:
            return
        kind = self.selected_kind()
        if kind is None:
            return
        editing = self._editing
        if editing is not None and kind is not editing.kind and self.has_unsaved_changes():
            keep_editing = not self.confirm(
                "Auto Numbering",
                f"Your changes to the numbering of {editing.kind.label.lower()} are not saved. Discard them?",
            )
            if keep_editing:
                previous = [r.kind for r in self.sequences_model.rows()].index(editing.kind)
                self._reverting_selection = True
                try:
                    self._select_row(self.sequences_table, previous)
                finally:
                    self._reverting_selection = False
                return
        self._show_sequence(kind, keep_edits=False)

    def _on_blocks_table_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        self._show_explanation()

    def _on_devices_table_selection_changed(self, _selected: QItemSelection, _old: QItemSelection) -> None:
        self._update_buttons()

    def _on_prefix_edit_text_changed(self, _text: str) -> None:
        self.prefix_problem.hide()
        self._edited()

    def _on_next_number_edit_text_changed(self, _text: str) -> None:
        self.next_number_problem.hide()
        self._edited()

    def _on_save_button_clicked(self) -> None:
        self.save()

    def _on_discard_button_clicked(self) -> None:
        self.discard_changes()

    def _on_device_name_edit_text_changed(self, _text: str) -> None:
        self.device_name_problem.hide()

    def _on_register_button_clicked(self) -> None:
        self.register_device()

    def _on_retire_button_clicked(self) -> None:
        self.retire_selected_device()

    # -- helpers
    def _show_sequence(self, kind: SequenceKind, *, keep_edits: bool) -> None:
        row = next((r for r in self._snapshot.sequences if r.kind is kind), None)
        if row is None:
            return
        self._editing = row
        if not keep_edits:
            self.prefix_edit.setText(row.prefix)
            self.next_number_edit.setText(str(row.next_number))
            self._clear_sequence_problems()
            self.sequence_message.clear_message()
        self.editor_box.setTitle(f"Change the numbering of {kind.label.lower()}")
        blocks = self._snapshot.blocks.get(kind, [])
        self.blocks_model.set_rows(blocks)
        self._fit_columns(self.blocks_table)
        self.blocks_box.setTitle(f"Blocks of {SINGULAR[kind]} numbers held by devices")
        self._show_explanation()
        self._edited()

    def _show_explanation(self) -> None:
        row = self._editing
        if row is None:
            self.explanation_label.clear()
            return
        selected = self._selected_row(self.blocks_table)
        if selected is not None:
            self.explanation_label.setText(self.blocks_model.row_at(selected).explanation)
        else:
            self.explanation_label.setText(gaps_in_words(row.kind, row, self.blocks_model.rows()))

    def _edited(self) -> None:
        """Say what the next number will read as, while it is being typed."""
        row = self._editing
        if row is None:
            self.preview_label.clear()
        else:
            text = self.next_number_edit.text().strip()
            prefix = self.prefix_edit.text().strip()
            if text.isascii() and text.isdigit():
                when = "Once saved, the" if self.has_unsaved_changes() else "The"
                self.preview_label.setText(
                    f"{when} next {SINGULAR[row.kind]} made on this computer will be {prefix}{int(text)}."
                )
            else:
                self.preview_label.setText("Type the next number as a whole number, e.g. 1001.")
        self._update_buttons()

    def _update_buttons(self) -> None:
        dirty = self.has_unsaved_changes()
        self.save_button.setEnabled(dirty)
        self.discard_button.setEnabled(dirty)
        device = self.selected_device()
        self.retire_button.setEnabled(device is not None and device.active)

    def _typed_next_number(self) -> int:
        text = self.next_number_edit.text().strip().replace(",", "")
        if not (text.isascii() and text.isdigit()):
            raise RuleError(
                f"'{self.next_number_edit.text()}' is not a number; type a whole number, e.g. 1001.",
                field="next_number",
            )
        return int(text)

    def _clear_sequence_problems(self) -> None:
        self.prefix_problem.hide()
        self.next_number_problem.hide()

    def _show_sequence_problem(self, refusal: RuleError) -> None:
        if refusal.field == "prefix":
            label, edit = self.prefix_problem, self.prefix_edit
        elif refusal.field == "next_number":
            label, edit = self.next_number_problem, self.next_number_edit
        else:
            self.sequence_message.refuse(refusal.message)
            return
        label.setText(refusal.message)
        label.show()
        edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _show_device_problem(self, refusal: RuleError) -> None:
        if refusal.field == "name":
            self.device_name_problem.setText(refusal.message)
            self.device_name_problem.show()
            self.device_name_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.device_message.refuse(refusal.message)

    @staticmethod
    def _fit_columns(table: QTableView) -> None:
        table.resizeColumnsToContents()
        # The last column fills the rest again: resizing to contents on a table already laid out leaves
        # it narrow until the next resize event.
        header = table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setStretchLastSection(True)

    @staticmethod
    def _fit_height_to_rows(table: QTableView) -> None:
        """A short, fixed list (the five sequences) shows whole, without a scroll bar or empty space."""
        frame = table.frameWidth() * 2
        table.setFixedHeight(table.horizontalHeader().height() + table.verticalHeader().length() + frame)

    @staticmethod
    def _selected_row(table: QTableView) -> int | None:
        rows = table.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    @staticmethod
    def _select_row(table: QTableView, row: int) -> None:
        model = table.model()
        if 0 <= row < model.rowCount():
            table.selectRow(row)
            table.scrollTo(model.index(row, 0))

