"""A dropdown of the chart of accounts for one purpose: "code - name", a hint below, a problem below that.

It offers the active accounts whose type fits the purpose (bank accounts for payments, revenue for income
codes, expense for supplier accounts...), every active account when restrictions are relaxed, and never
an archived one. A choice made earlier that no longer qualifies (archived in the package, gone from its
chart, or of a type that does not fit) stays visible, marked, so the bookkeeper sees what was chosen and
why Save refuses it; it is not offered again once something else is picked.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QComboBox, QLabel, QVBoxLayout, QWidget

from app.services.accounting_settings import AccountPurpose, Chart, StoredAccount, fits

NOT_CHOSEN = "Not chosen"
_MARKED = QColor("#b00020")


class AccountPicker(QWidget):
    """One account choice. Signals: ``changed()`` when the person picks another account.

    Attributes: ``combo``, ``hint_label`` (what posts there), ``note_label`` (e.g. "Suggested"),
    ``problem_label``. ``purpose`` decides the
    account types offered.
    """

    changed = Signal()

    def __init__(
        self,
        purpose: AccountPurpose,
        hint: str = "",
        *,
        empty_text: str = NOT_CHOSEN,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.purpose = purpose
        self._hint = hint
        self._empty_text = empty_text
        self._chart: Chart | None = None
        self._relaxed = False
        self._values: list[str | None] = []
        self._marked: str | None = None  # remote id of a kept choice that is not offered

        self.combo = QComboBox()
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(28)
        self.combo.setMaxVisibleItems(20)
        self.hint_label = QLabel(hint)
        self.hint_label.setObjectName("hint")
        self.hint_label.setWordWrap(True)
        self.hint_label.setVisible(bool(hint))
        self.note_label = QLabel()
        self.note_label.setObjectName("hint")
        self.note_label.setStyleSheet("color: #0b57a4;")
        self.note_label.hide()
        self.problem_label = QLabel()
        self.problem_label.setObjectName("fieldError")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.combo)
        layout.addWidget(self.hint_label)
        layout.addWidget(self.note_label)
        layout.addWidget(self.problem_label)
        layout.addStretch(1)  # spare height goes below, never between the dropdown and its hint
        self._fill(None, None)

        self.combo.currentIndexChanged.connect(self._on_combo_current_index_changed)

    # -- public
    def set_chart(
        self, chart: Chart, *, relaxed: bool, chosen: str | None, stored: StoredAccount | None = None
    ) -> None:
        """Offer ``chart``'s accounts with ``chosen`` shown (``stored`` names it if it left the chart)."""
        self._chart = chart
        self._relaxed = relaxed
        self._fill(chosen, stored)

    def set_relaxed(self, relaxed: bool) -> None:
        if relaxed != self._relaxed and self._chart is not None:
            self._relaxed = relaxed
            self._fill(self.chosen(), None)

    def choose(self, remote_id: str | None, stored: StoredAccount | None = None) -> None:
        """Show ``remote_id`` as the choice (marked when it is not one that would be offered)."""
        self._fill(remote_id, stored)

    def chosen(self) -> str | None:
        index = self.combo.currentIndex()
        return self._values[index] if 0 <= index < len(self._values) else None

    def chosen_label(self) -> str:
        return self.combo.currentText() if self.chosen() else ""

    def offered(self) -> list[str]:
        """The labels offered for a new choice ("code - name"), without the empty entry or a marked one."""
        return [
            self.combo.itemText(index)
            for index, value in enumerate(self._values)
            if value is not None and value != self._marked
        ]

    def show_problem(self, text: str) -> None:
        self.problem_label.setText(text)
        self.problem_label.show()

    def clear_problem(self) -> None:
        self.problem_label.clear()
        self.problem_label.hide()

    def problem(self) -> str:
        return "" if self.problem_label.isHidden() else self.problem_label.text()

    def note(self, text: str) -> None:
        """A passing remark under the hint (e.g. "Suggested: review it before saving"); "" removes it."""
        self.note_label.setText(text)
        self.note_label.setVisible(bool(text))

    def noted(self) -> str:
        return "" if self.note_label.isHidden() else self.note_label.text()

    # -- behaviour
    def _fill(self, remote_id: str | None, stored: StoredAccount | None) -> None:
        chart = self._chart
        offered = chart.offered(self.purpose, relaxed=self._relaxed) if chart is not None else []
        labels = [self._empty_text, *(account.label for account in offered)]
        values: list[str | None] = [None, *(account.remote_id for account in offered)]
        self._marked = None
        marked_label = ""
        if remote_id and remote_id not in values:
            self._marked = remote_id
            marked_label = self._marked_label(remote_id, stored)
            labels.insert(1, marked_label)
            values.insert(1, remote_id)
        self.combo.blockSignals(True)
        try:
            self.combo.clear()
            self.combo.addItems(labels)
            if self._marked is not None and chart is not None and not chart.empty:
                self.combo.setItemData(1, QBrush(_MARKED), Qt.ItemDataRole.ForegroundRole)
                self.combo.setItemData(1, marked_label, Qt.ItemDataRole.ToolTipRole)
            self._values = values
            self.combo.setCurrentIndex(values.index(remote_id) if remote_id in values else 0)
        finally:
            self.combo.blockSignals(False)
        self.combo.setEnabled(chart is not None and not chart.empty)
        self.combo.setToolTip(self.combo.currentText())

    def set_empty_text(self, text: str) -> None:
        """What the empty choice reads (e.g. which default applies when nothing is chosen)."""
        self._empty_text = text
        self.combo.setItemText(0, text)
        if self.chosen() is None:
            self.combo.setToolTip(text)

    def _marked_label(self, remote_id: str, stored: StoredAccount | None) -> str:
        chart = self._chart
        account = chart.find(remote_id) if chart is not None else None
        package = chart.package.label if chart is not None else "the package"
        if chart is None or chart.empty:  # never refreshed: nothing to judge the choice by
            return stored.label if stored is not None else remote_id
        if account is None:
            label = stored.label if stored is not None else "An account"
            return f"{label} (no longer in {package})"
        if not account.active:
            return f"{account.label} (archived in {package})"
        if not fits(account, self.purpose):
            return f"{account.label} ({account.a_kind}: does not fit)"
        return account.label

    def _on_combo_current_index_changed(self, _index: int) -> None:
        self.combo.setToolTip(self.combo.currentText())
        self.changed.emit()
