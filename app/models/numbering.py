"""Auto numbering: one sequence per kind of document, and the blocks of numbers held by mobile devices."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, utcnow
from app.models.enums import SequenceKind

#: How many numbers a mobile device holds per sequence so it can work offline.
DEVICE_BLOCK_SIZE = 25


class NumberSequence(Base):
    """The next number to hand out for one kind of document.

    ``next_number`` is the high-water mark: every number below it (under the current prefix) has been
    issued by the desktop or allocated to a device block, so it may only move forward.
    """

    __tablename__ = "number_sequences"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SequenceKind] = mapped_column(unique=True)
    prefix: Mapped[str] = mapped_column(String(20), default="")
    next_number: Mapped[int] = mapped_column(default=1)

    blocks: Mapped[list[NumberBlock]] = relationship(back_populates="sequence", order_by="NumberBlock.first")

    def format(self, number: int) -> str:
        return f"{self.prefix}{number}"


class MobileDevice(Base):
    """A phone or tablet running the mobile app; it works offline from its blocks of numbers."""

    __tablename__ = "mobile_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    registered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    blocks: Mapped[list[NumberBlock]] = relationship(back_populates="device", order_by="NumberBlock.first")

    @property
    def active(self) -> bool:
        return self.retired_at is None


class NumberBlock(Base):
    """Numbers ``first``..``last`` reserved for one device; ``next_number`` is its next unused one."""

    __tablename__ = "number_blocks"
    __table_args__ = (UniqueConstraint("sequence_id", "first"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence_id: Mapped[int] = mapped_column(ForeignKey("number_sequences.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("mobile_devices.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(20), default="")
    first: Mapped[int]
    last: Mapped[int]
    next_number: Mapped[int]
    allocated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Set when the device is retired: the unused numbers of this block will never be issued.
    released_at: Mapped[dt.datetime | None] = mapped_column(default=None)

    sequence: Mapped[NumberSequence] = relationship(back_populates="blocks")
    device: Mapped[MobileDevice] = relationship(back_populates="blocks")

    @property
    def used(self) -> int:
        return self.next_number - self.first

    @property
    def unused(self) -> int:
        return self.last + 1 - self.next_number

    @property
    def exhausted(self) -> bool:
        return self.next_number > self.last
