"""Jobs: every job with its customer and references, and the editor for one job."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit, QWidget
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import SessionFactory
from app.models import Customer, Job, JobStatus, JobType, NumberSequence, SequenceKind
from app.services.errors import RuleError
from app.services.jobs import (
    JOB_STATUS_LABELS,
    JobDetails,
    JobRow,
    create_job,
    customer_choices,
    job_type_choices,
    list_jobs,
    update_job,
)
from app.views.record_editor import (
    ChoiceBox,
    Confirm,
    EditableListView,
    ask_yes_no,
    fit_list,
    text_box,
)
from app.views.stored_record_editor import StoredRecordEditor
from app.views.table_models import Column

COLUMNS: tuple[Column[JobRow], ...] = (
    Column("Number", lambda r: r.number),
    Column("Customer", lambda r: r.customer),
    Column("Job type", lambda r: r.job_type),
    Column("Status", lambda r: r.status),
    Column("Site address", lambda r: r.site_address, tooltip=lambda r: r.site_address),
    Column("Customer PO", lambda r: r.customer_po_number),
    Column("Work order", lambda r: r.client_work_order_number),
)


class JobEditorDialog(StoredRecordEditor[Job]):
    """New or edit one job. Inputs: ``customer_box``, ``job_type_box``, ``status_box``,
    ``description_edit``, ``site_address_edit``, ``po_number_edit``, ``work_order_edit``,
    ``work_undertaken_edit``; ``number_label`` shows the job number (or the one it will get)."""

    model = Job
    kind = "job"

    def edit_title(self, record: Job) -> str:
        return f"Edit job {record.number}"

    def build(self, session: Session, job: Job | None) -> None:
        customers = customer_choices(session)
        job_types = job_type_choices(session)
        if job is not None:
            # A job keeps its customer and job type even if they were since made inactive.
            if all(cid != job.customer_id for cid, _ in customers):
                customers.append((job.customer_id, session.get_one(Customer, job.customer_id).name))
            if job.job_type_id is not None and all(tid != job.job_type_id for tid, _ in job_types):
                job_types.append((job.job_type_id, session.get_one(JobType, job.job_type_id).name))

        if job is None:
            sequence = session.scalars(
                select(NumberSequence).where(NumberSequence.kind == SequenceKind.JOB)
            ).first()
            upcoming = sequence.format(sequence.next_number) if sequence is not None else ""
            number_text = (
                f"Given when the job is saved (next: {upcoming})" if upcoming else "Given when saved"
            )
        else:
            number_text = job.number
        self.number_label = self.add_read_only(
            "Job number",
            number_text,
            hint="" if job is not None else "From Administration -> Auto Numbering.",
        )
        self.customer_box: ChoiceBox[int] = ChoiceBox("Type to search customers…", searchable=True)
        self.customer_box.set_choices([(cid, name) for cid, name in customers])
        self.job_type_box: ChoiceBox[int] = ChoiceBox()
        self.job_type_box.set_choices([(None, "No job type"), *job_types])
        self.job_type_box.choose(None)
        self.status_box: ChoiceBox[JobStatus] = ChoiceBox()
        self.status_box.set_choices(list(JOB_STATUS_LABELS.items()))
        self.status_box.choose(JobStatus.OPEN)
        self.description_edit = text_box(2)
        self.site_address_edit = text_box(2)
        self.po_number_edit = QLineEdit()
        self.work_order_edit = QLineEdit()
        self.work_undertaken_edit = text_box(3)

        self.add_field("customer", "Customer *", self.customer_box)
        self.add_field(
            "job_type",
            "Job type",
            self.job_type_box,
            hint="Its income account applies to the job's labour when invoiced.",
        )
        self.add_field("status", "Status", self.status_box)
        self.add_field("description", "Description", self.description_edit)
        self.add_field("site_address", "Site address", self.site_address_edit)
        self.add_field("customer_po_number", "Customer's PO number", self.po_number_edit)
        self.add_field("client_work_order_number", "Work order number", self.work_order_edit)
        self.add_field(
            "work_undertaken",
            "Work undertaken",
            self.work_undertaken_edit,
            hint="Can be sent with the invoice to your accounting package as a description line.",
        )
        if job is not None:
            self.fill(JobDetails.of(job))

    def fill(self, details: JobDetails) -> None:
        self.customer_box.choose(details.customer_id)
        self.job_type_box.choose(details.job_type_id)
        self.status_box.choose(details.status)
        self.description_edit.setPlainText(details.description)
        self.site_address_edit.setPlainText(details.site_address)
        self.po_number_edit.setText(details.customer_po_number)
        self.work_order_edit.setText(details.client_work_order_number)
        self.work_undertaken_edit.setPlainText(details.work_undertaken)

    def details(self) -> JobDetails:
        if self.customer_box.chosen() is None and self.customer_box.currentText().strip():
            raise RuleError(
                f"No customer is called '{self.customer_box.currentText().strip()}'. Choose one from the "
                "list, or add the customer under Customers first.",
                field="customer",
            )
        return JobDetails(
            customer_id=self.customer_box.chosen(),
            job_type_id=self.job_type_box.chosen(),
            status=self.status_box.chosen() or JobStatus.OPEN,
            description=self.description_edit.toPlainText(),
            site_address=self.site_address_edit.toPlainText(),
            customer_po_number=self.po_number_edit.text(),
            client_work_order_number=self.work_order_edit.text(),
            work_undertaken=self.work_undertaken_edit.toPlainText(),
        )

    def write(self, session: Session) -> None:
        details = self.details()
        existing = self.stored(session)
        job = create_job(session, details) if existing is None else update_job(session, existing, details)
        self.record_id = job.id


class JobsView(EditableListView[JobRow]):
    """Jobs: every job, newest first; New job and Edit (double-click a row to edit)."""

    def __init__(
        self,
        session_factory: SessionFactory,
        *,
        confirm: Confirm = ask_yes_no,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(
            "Jobs", COLUMNS, session_factory, new_text="New job…", confirm=confirm, parent=parent
        )
        fit_list(self, stretch=4, filter_hint="Filter by number, customer, address, PO…")
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)  # newest jobs first

    def load(self, session: Session) -> list[JobRow]:
        return list_jobs(session)

    def make_editor(self, session: Session, row: JobRow | None) -> JobEditorDialog:
        return JobEditorDialog.for_row(self._session_factory, session, row, confirm=self.confirm, parent=self)
