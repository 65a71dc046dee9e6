"""The editor of one stored record (a customer, a job, a job type...): the part every such editor shares.

It is titled "New <kind>" or "Edit <kind> - <name>", remembers which record it edits (``record_id``),
builds its form from the record in the session the list screen opened it with, and at save reads the
record back in the save's own transaction, refusing in plain words if someone deleted it meanwhile.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar, cast

from PySide6.QtWidgets import QWidget
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.services.errors import RuleError
from app.views.record_editor import Confirm, RecordEditorDialog, ask_yes_no


class Identified(Protocol):
    """A list's row of a stored record: it carries the record's ``id``."""

    @property
    def id(self) -> int: ...


#: The ORM class edited; it has an integer primary key ``id``. (Not a bound: mypy does not see an ORM
#: class's ``Mapped[int]`` column as the ``int`` property of ``Identified``.)
Record = TypeVar("Record")


class StoredRecordEditor(RecordEditorDialog, Generic[Record]):
    """A ``RecordEditorDialog`` for one record of ``model``, new (``record`` None) or stored.

    Subclasses set ``model`` (the ORM class) and ``kind`` (what the bookkeeper calls it: "job type"),
    and implement ``edit_title(record)``, ``build(session, record)`` (add the fields, filled from
    ``record`` unless it is new) and ``write(session)``, which starts from ``stored(session)``.
    """

    model: ClassVar[type[Any]]
    kind: ClassVar[str]

    def __init__(
        self,
        session_factory: SessionFactory,
        session: Session,
        record: Record | None = None,
        *,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        title = f"New {self.kind}" if record is None else self.edit_title(record)
        super().__init__(title, session_factory, confirm=confirm, parent=parent)
        self.record_id = cast(Identified, record).id if record is not None else None
        self.build(session, record)

    @classmethod
    def for_row(
        cls,
        session_factory: SessionFactory,
        session: Session,
        row: Identified | None,
        *,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> Self:
        """The editor of a list's ``row`` (None: a new record), read in the list's ``session``."""
        record = session.get_one(cls.model, row.id) if row is not None else None
        return cls(session_factory, session, record, confirm=confirm, parent=parent)

    # -- for subclasses
    def edit_title(self, record: Record) -> str:
        """The window title when editing ``record``, e.g. "Edit job type - Plumbing"."""
        raise NotImplementedError

    def build(self, session: Session, record: Record | None) -> None:
        """Add the form's fields (``add_field``) and fill them from ``record`` unless it is new."""
        raise NotImplementedError

    def stored(self, session: Session) -> Record | None:
        """The record edited, read in the save's ``session``; None for a new one."""
        if self.record_id is None:
            return None
        record: Record | None = session.get(self.model, self.record_id)
        if record is None:
            raise RuleError(f"This {self.kind} has been deleted meanwhile; close this window.")
        return record
