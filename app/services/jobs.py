"""Job rules: a job belongs to a customer and is numbered from the job sequence when it is created."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Customer, Job, JobStatus, JobType, MobileDevice, SequenceKind
from app.services.errors import RuleError
from app.services.numbering import issue_number

JOB_STATUS_LABELS: dict[JobStatus, str] = {
    JobStatus.OPEN: "Open",
    JobStatus.COMPLETED: "Completed",
    JobStatus.INVOICED: "Invoiced",
    JobStatus.CANCELLED: "Cancelled",
}


@dataclass
class JobDetails:
    """A job as the editor collects it. The number is not here: it is issued when the job is created."""

    customer_id: int | None
    job_type_id: int | None = None
    status: JobStatus = JobStatus.OPEN
    description: str = ""
    site_address: str = ""
    customer_po_number: str = ""
    client_work_order_number: str = ""
    work_undertaken: str = ""

    @classmethod
    def of(cls, job: Job) -> JobDetails:
        return cls(
            customer_id=job.customer_id,
            job_type_id=job.job_type_id,
            status=job.status,
            description=job.description,
            site_address=job.site_address,
            customer_po_number=job.customer_po_number,
            client_work_order_number=job.client_work_order_number,
            work_undertaken=job.work_undertaken,
        )


@dataclass(frozen=True)
class JobRow:
    """One line of the Jobs list. Rows are equal when they are the same job."""

    id: int
    number: str = field(compare=False)
    customer: str = field(compare=False)
    job_type: str = field(compare=False)
    status: str = field(compare=False)
    site_address: str = field(compare=False)
    customer_po_number: str = field(compare=False)
    client_work_order_number: str = field(compare=False)


def validate_job(session: Session, details: JobDetails) -> None:
    """Refuse a job without a customer, or pointing at a customer or job type that is gone."""
    if details.customer_id is None:
        raise RuleError("Choose the customer the job is for.", field="customer")
    if session.get(Customer, details.customer_id) is None:
        raise RuleError("That customer no longer exists; choose another.", field="customer")
    if details.job_type_id is not None and session.get(JobType, details.job_type_id) is None:
        raise RuleError("That job type no longer exists; choose another.", field="job_type")
    # These go to the package as the invoice reference when the business chooses them (DESIGN.md),
    # and every package limits the reference's length; the columns hold 100.
    for name, value, label in (
        ("customer_po_number", details.customer_po_number, "customer's PO number"),
        ("client_work_order_number", details.client_work_order_number, "work order number"),
    ):
        if len(value.strip()) > 100:
            raise RuleError(f"The {label} can be at most 100 characters.", field=name)


def _apply(job: Job, details: JobDetails) -> None:
    assert details.customer_id is not None
    job.customer_id = details.customer_id
    job.job_type_id = details.job_type_id
    job.status = details.status
    job.description = details.description.strip()
    job.site_address = details.site_address.strip()
    job.customer_po_number = details.customer_po_number.strip()
    job.client_work_order_number = details.client_work_order_number.strip()
    job.work_undertaken = details.work_undertaken.strip()


def create_job(session: Session, details: JobDetails, *, device: MobileDevice | None = None) -> Job:
    """A new job numbered from the job sequence (or, for a mobile device, from its block)."""
    validate_job(session, details)
    job = Job(number=issue_number(session, SequenceKind.JOB, device))
    if device is not None:
        job.device_id = device.id
    _apply(job, details)
    session.add(job)
    session.flush()
    return job


def update_job(session: Session, job: Job, details: JobDetails) -> Job:
    """Change a job's details; its number never changes."""
    validate_job(session, details)
    _apply(job, details)
    session.flush()
    return job


def list_jobs(session: Session) -> list[JobRow]:
    """Every job for the list, with its customer and job type names, in one query."""
    rows = session.execute(
        select(Job, Customer.name, JobType.name)
        .join(Customer, Job.customer_id == Customer.id)
        .outerjoin(JobType, Job.job_type_id == JobType.id)
        .order_by(Job.id.desc())
    ).all()
    return [
        JobRow(
            id=job.id,
            number=job.number,
            customer=customer_name,
            job_type=job_type_name or "",
            status=JOB_STATUS_LABELS[job.status],
            site_address=" ".join(job.site_address.split()),
            customer_po_number=job.customer_po_number,
            client_work_order_number=job.client_work_order_number,
        )
        for job, customer_name, job_type_name in rows
    ]


def customer_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every active customer, for choosing who a job is for."""
    return [
        (row.id, row.name)
        for row in session.execute(
            select(Customer.id, Customer.name).where(Customer.active.is_(True)).order_by(Customer.name)
        )
    ]


def job_type_choices(session: Session) -> list[tuple[int, str]]:
    """(id, name) of every active job type."""
    return [
        (row.id, row.name)
        for row in session.execute(
            select(JobType.id, JobType.name).where(JobType.active.is_(True)).order_by(JobType.name)
        )
    ]
