"""Jobs and quotes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.models.base import Base, Timestamps
from app.models.catalogue import JobType
from app.models.customers import Customer
from app.models.enums import JobStatus, QuoteStatus


class Job(Timestamps, Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    job_type_id: Mapped[int | None] = mapped_column(ForeignKey("job_types.id"), default=None)
    status: Mapped[JobStatus] = mapped_column(default=JobStatus.OPEN)
    description: Mapped[str] = mapped_column(Text, default="")
    site_address: Mapped[str] = mapped_column(Text, default="")
    customer_po_number: Mapped[str] = mapped_column(String(100), default="")
    client_work_order_number: Mapped[str] = mapped_column(String(100), default="")
    work_undertaken: Mapped[str] = mapped_column(Text, default="")
    scheduled_date: Mapped[dt.date | None] = mapped_column(default=None)
    # The mobile device that created it offline, if any (its number came from that device's block).
    device_id: Mapped[int | None] = mapped_column(ForeignKey("mobile_devices.id"), default=None)

    customer: Mapped[Customer] = relationship()
    job_type: Mapped[JobType | None] = relationship()


class Quote(Timestamps, Base):
    __tablename__ = "quotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(50), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), default=None)
    date: Mapped[dt.date]
    status: Mapped[QuoteStatus] = mapped_column(default=QuoteStatus.DRAFT)
    description: Mapped[str] = mapped_column(Text, default="")
    total: Mapped[Decimal] = mapped_column(default=Decimal("0.00"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("mobile_devices.id"), default=None)

    customer: Mapped[Customer] = relationship()
