"""Customers to and from a CSV file, with a precise report of the rows that cannot be imported.

Export writes every active customer, one row each, under the headings the Customers list uses; the file
opens in Excel as it is (UTF-8 with a byte-order mark, so accents survive).

Import reads such a file (or one typed up by hand: headings in any order, unknown columns ignored) and
checks every row with the customer rules of ``app.services.customers`` before writing anything. Each
problem names the row as a spreadsheet numbers it (headings are row 1), the column, and why. A file
with bad rows imports nothing until it is fixed or the bad rows are explicitly skipped
(``import_customer_csv(..., skip_rows=check.bad_rows)``).

Which customer a row is: the customer here with the same account number (account numbers are unique,
app.services.customers), else the one customer with the same name (case, punctuation and "Pty Ltd"
ignored) when one of the two has no account number; otherwise the row is a new customer. An update only
touches the columns the file has, so a file without a Phone column leaves phone numbers alone.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Customer
from app.services.customers import (
    CustomerDetails,
    clean_details,
    format_abn,
    normalised_name,
    validate_customer,
)
from app.services.errors import RuleError

#: (field, heading) in the order the file has them.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "Name"),
    ("contact_person", "Contact person"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("abn", "ABN"),
    ("account_number", "Account number"),
    ("billing_address", "Billing address"),
)
HEADINGS = dict(COLUMNS)

# Other headings people (and other programs' exports) use for the same columns.
_ALIASES = {
    "customer": "name",
    "customer name": "name",
    "business name": "name",
    "contact": "contact_person",
    "contact name": "contact_person",
    "email address": "email",
    "e-mail": "email",
    "phone number": "phone",
    "telephone": "phone",
    "account": "account_number",
    "account no": "account_number",
    "account no.": "account_number",
    "address": "billing_address",
}

#: The first row of data, as a spreadsheet numbers it (the headings are row 1).
FIRST_DATA_ROW = 2


@dataclass(frozen=True)
class CsvProblem:
    """One reason a row cannot be imported: ``row`` as the spreadsheet numbers it, ``column`` its heading
    (empty when the whole row is at fault)."""

    row: int
    column: str
    why: str

    def describe(self) -> str:
        where = f"Row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.why}"


@dataclass(frozen=True)
class CsvRow:
    """A row that can be imported: a new customer (``customer_id`` None) or an update of one."""

    row: int
    details: CustomerDetails
    customer_id: int | None = None
    customer_name: str = ""


@dataclass
class CsvCheck:
    """What a file would import, and every problem found, before anything is written.

    ``file_problem`` is set when the file as a whole cannot be read (no Name column, not a CSV file):
    then nothing can be imported, skipped rows or not.
    """

    rows_read: int = 0
    good: list[CsvRow] = field(default_factory=list)
    problems: list[CsvProblem] = field(default_factory=list)
    columns: tuple[str, ...] = ()
    ignored_columns: tuple[str, ...] = ()
    file_problem: str | None = None

    @property
    def bad_rows(self) -> frozenset[int]:
        return frozenset(problem.row for problem in self.problems)

    @property
    def new_customers(self) -> int:
        return sum(1 for row in self.good if row.customer_id is None)

    @property
    def updates(self) -> int:
        return sum(1 for row in self.good if row.customer_id is not None)

    def summary(self) -> str:
        if self.file_problem:
            return self.file_problem
        parts = [
            f"{plural(self.rows_read, 'row')} read: {plural(self.new_customers, 'new customer')}, "
            f"{plural(self.updates, 'update')}"
        ]
        if self.problems:
            parts.append(f"{plural(len(self.bad_rows), 'row')} cannot be imported")
        if self.ignored_columns:
            parts.append("columns not read: " + ", ".join(self.ignored_columns))
        return "; ".join(parts) + "."


class CsvHasBadRows(RuleError):
    """The file has rows that cannot be imported and they were not skipped; nothing was written."""

    def __init__(self, check: CsvCheck, unskipped: Collection[int]) -> None:
        rows = sorted(unskipped)
        shown = ", ".join(str(row) for row in rows[:10]) + (" …" if len(rows) > 10 else "")
        if check.file_problem:
            message = f"Nothing was imported: {check.file_problem}"
        else:
            message = (
                f"Nothing was imported: {len(rows):,} rows cannot be imported (rows {shown}). Fix them in "
                "the file, or skip them, and import again."
            )
        super().__init__(message)
        self.check = check


@dataclass(frozen=True)
class CsvImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int

    def sentence(self) -> str:
        text = (
            f"Imported: {plural(self.created, 'new customer')}, {self.updated:,} updated, "
            f"{self.unchanged:,} already up to date."
        )
        if self.skipped:
            were = "was" if self.skipped == 1 else "were"
            text += f" {plural(self.skipped, 'row')} with problems {were} skipped."
        return text


def plural(number: int, noun: str) -> str:
    """``1 row``, ``2 rows``."""
    return f"{number:,} {noun if number == 1 else noun + 's'}"


# --------------------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------------------


#: A cell starting with one of these is run as a formula by spreadsheets (CSV injection); such a value is
#: written with a leading apostrophe, which spreadsheets hide and the import removes again.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(value: str) -> str:
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


def _from_spreadsheet(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_STARTS) else value


def export_customers_csv(session: Session, stream: TextIO) -> int:
    """Write every active customer to ``stream`` (opened with ``newline=""``); returns how many."""
    writer = csv.writer(stream)
    writer.writerow([heading for _name, heading in COLUMNS])
    count = 0
    query = select(Customer).where(Customer.active.is_(True)).order_by(Customer.name, Customer.id)
    for customer in session.scalars(query):
        details = CustomerDetails.of(customer)
        values = [getattr(details, name) for name, _heading in COLUMNS]
        values[4] = format_abn(details.abn)
        writer.writerow([_spreadsheet_safe(value) for value in values])
        count += 1
    return count


def write_customers_csv(session: Session, path: Path) -> int:
    """Export to a file Excel opens as it is (UTF-8 with a byte-order mark)."""
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        return export_customers_csv(session, stream)


# --------------------------------------------------------------------------------------------------------
# Import
# --------------------------------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The file's text: UTF-8 (with or without Excel's byte-order mark), else Windows' own encoding, which
    is what Excel writes for "CSV (Comma delimited)"."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _field_for(heading: str) -> str | None:
    key = " ".join(heading.strip().casefold().replace("_", " ").split())
    for name, known in COLUMNS:
        if key in (known.casefold(), name.replace("_", " ")):
            return name
    return _ALIASES.get(key)


def _delimiter(text: str) -> str:
    """Commas, unless the headings are clearly separated by semicolons (Excel in much of Europe) or tabs."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda delimiter: counts[delimiter])
    return best if counts[best] > counts[","] else ","


def _field_problems(details: CustomerDetails, present: Iterable[str]) -> list[tuple[str, str]]:
    """Every field our rules refuse, each on its own (validate_customer stops at the first)."""
    problems = []
    for name in present:
        value = getattr(details, name)
        if name == "name":
            probe = CustomerDetails(name=value)
        elif not value.strip():
            continue
        else:
            probe = CustomerDetails(name="x", **{name: value})
        try:
            validate_customer(probe)
        except RuleError as problem:
            problems.append((HEADINGS.get(problem.field or name, HEADINGS[name]), problem.message))
    return problems


@dataclass
class _Here:
    """The customers here, as rows are matched against them (one query)."""

    by_id: dict[int, Customer]
    by_account: dict[str, Customer]
    by_name: dict[str, list[Customer]]

    @classmethod
    def load(cls, session: Session) -> _Here:
        customers = list(session.scalars(select(Customer).order_by(Customer.id)))
        by_name: dict[str, list[Customer]] = defaultdict(list)
        for customer in customers:
            by_name[normalised_name(customer.name)].append(customer)
        return cls(
            {c.id: c for c in customers},
            {c.account_number: c for c in customers if c.account_number},
            dict(by_name),
        )


def check_customer_csv(session: Session, data: bytes | str) -> CsvCheck:
    """Read and check a file; nothing is written. Every row's problems are listed, not just the first."""
    text = decode_csv(data) if isinstance(data, bytes) else data.lstrip("\ufeff")
    check = CsvCheck()
    if not text.strip():
        check.file_problem = "the file is empty."
        return check
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        check.file_problem = f"the file cannot be read as CSV ({exc})."
        return check
    headings = records[0]
    columns: dict[int, str] = {}
    ignored = []
    for position, heading in enumerate(headings):
        name = _field_for(heading)
        if name is None or name in columns.values():
            if heading.strip():
                ignored.append(heading.strip())
            continue
        columns[position] = name
    check.columns = tuple(HEADINGS[name] for name in columns.values())
    check.ignored_columns = tuple(ignored)
    if "name" not in columns.values():
        check.file_problem = (
            "the first row must hold the column headings, with one called Name (the file's first row "
            f"reads: {', '.join(h.strip() for h in headings if h.strip()) or 'nothing'})."
        )
        return check
    here = _Here.load(session)
    account_rows: dict[str, int] = {}
    updated_by: dict[int, int] = {}
    for row_number, cells in enumerate(records[1:], start=FIRST_DATA_ROW):
        if not any(cell.strip() for cell in cells):
            continue  # blank lines spreadsheets leave at the end
        check.rows_read += 1
        problems: list[tuple[str, str]] = []
        if len(cells) > len(headings) and any(cell.strip() for cell in cells[len(headings) :]):
            problems.append(("", f"has {len(cells)} cells but the file has {len(headings)} columns"))
        values = {
            name: _from_spreadsheet(cells[position]) if position < len(cells) else ""
            for position, name in columns.items()
        }
        details = CustomerDetails(**{name: values.get(name, "") for name, _h in COLUMNS})
        problems.extend(_field_problems(details, columns.values()))
        cleaned = clean_details(details)
        target: Customer | None = None
        number = cleaned.account_number
        if number and not any(column == HEADINGS["account_number"] for column, _w in problems):
            if number in account_rows:
                problems.append(
                    (
                        HEADINGS["account_number"],
                        f"{number} is also on row {account_rows[number]} (each customer has its own)",
                    )
                )
            else:
                account_rows[number] = row_number
                target = here.by_account.get(number)
        if target is None and cleaned.name:
            same = [
                c
                for c in here.by_name.get(normalised_name(cleaned.name), [])
                if not number or not c.account_number
            ]
            if len(same) > 1:
                problems.append(
                    (
                        HEADINGS["name"],
                        f"{len(same)} customers here are called '{cleaned.name}'; add the account number "
                        "to say which one this row is",
                    )
                )
            elif same:
                target = same[0]
        if target is not None and target.id in updated_by and not problems:
            problems.append(("", f"row {updated_by[target.id]} already updates {target.name}"))
        if problems:
            check.problems.extend(CsvProblem(row_number, column, why) for column, why in problems)
            continue
        if target is not None:
            updated_by[target.id] = row_number
        check.good.append(
            CsvRow(
                row_number,
                cleaned,
                target.id if target else None,
                target.name if target else "",
            )
        )
    return check


def import_customer_csv(
    session: Session, data: bytes | str, *, skip_rows: Collection[int] = ()
) -> CsvImportResult:
    """Check the file and import it in the caller's transaction, or refuse (``CsvHasBadRows``) without
    writing anything when a row cannot be imported and is not in ``skip_rows``.

    Skipping is explicit: the caller passes the rows the person agreed to leave out (``check.bad_rows``
    of the check they were shown); a row that turns bad only now is not skipped.
    """
    check = check_customer_csv(session, data)
    unskipped = check.bad_rows - frozenset(skip_rows)
    if check.file_problem or unskipped:
        raise CsvHasBadRows(check, unskipped)
    present = {name for name, heading in COLUMNS if heading in check.columns}
    here = _customers(session, [row.customer_id for row in check.good if row.customer_id is not None])
    created = updated = unchanged = 0
    for row in check.good:
        if row.customer_id is None:
            values = {f.name: getattr(row.details, f.name) for f in fields(CustomerDetails)}
            session.add(Customer(**values, revision=1, active=True))
            created += 1
            continue
        customer = here[row.customer_id]
        changed = False
        for name in present:
            value = getattr(row.details, name)
            if getattr(customer, name) != value:
                setattr(customer, name, value)
                changed = True
        if changed:
            customer.revision += 1  # a linked customer's contact is updated by the next sync
            updated += 1
        else:
            unchanged += 1
    session.flush()
    return CsvImportResult(created, updated, unchanged, len(check.bad_rows))


def _customers(session: Session, ids: list[int]) -> dict[int, Customer]:
    found: dict[int, Customer] = {}
    for start in range(0, len(ids), 500):  # IN lists kept short for every dialect
        chunk = ids[start : start + 500]
        found.update((c.id, c) for c in session.scalars(select(Customer).where(Customer.id.in_(chunk))))
    return found
