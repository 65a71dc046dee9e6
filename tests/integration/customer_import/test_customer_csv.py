"""Customers to a CSV file and back: a round trip keeps every field, and a file with bad rows imports
nothing until they are fixed or explicitly skipped, with a report naming each row, column and why."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.db import Database
from app.models import Customer
from app.services.customer_csv import (
    CsvHasBadRows,
    CsvProblem,
    check_customer_csv,
    export_customers_csv,
    import_customer_csv,
    write_customers_csv,
)
from app.services.customers import CustomerDetails, save_customer

TRICKY = [
    CustomerDetails(
        name='Joe "The Plumber" Bloggs',
        contact_person="Joe Bloggs",
        email="joe@bloggs.example",
        phone="+61 400 000 001",
        abn="51 824 753 556",
        account_number="00123",
        billing_address="Unit 4, 12 Smith St\nNewtown NSW 2042",
    ),
    CustomerDetails(name="Café Nero, Southport", email="hello@nero.example", account_number="C-2"),
    CustomerDetails(name="=SUM(A1:A2)", phone="02 5550 1234"),  # a name Excel would read as a formula
    CustomerDetails(name="Plain Pty Ltd"),
]


def _details(database: Database) -> list[CustomerDetails]:
    with database.session_factory() as session:
        customers = session.scalars(select(Customer).order_by(Customer.name)).all()
        return [CustomerDetails.of(customer) for customer in customers]


def _count(database: Database) -> int:
    with database.session_factory() as session:
        return session.scalar(select(func.count()).select_from(Customer)) or 0


def test_round_trip_through_a_file_keeps_every_field(database: Database, tmp_path: Path) -> None:
    with database.session_factory() as session, session.begin():
        for details in TRICKY:
            save_customer(session, details)
    file = tmp_path / "customers.csv"
    with database.session_factory() as session:
        assert write_customers_csv(session, file) == len(TRICKY)
    data = file.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with its byte-order mark
    assert data.decode("utf-8-sig").splitlines()[0] == (
        "Name,Contact person,Email,Phone,ABN,Account number,Billing address"
    )
    assert "'=SUM(A1:A2)" in data.decode("utf-8-sig")  # a spreadsheet shows it as text, never runs it
    before = _details(database)

    # Into an empty set of books: the same customers, field for field.
    from app.db import open_database

    other = open_database(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        with other.session_factory() as session, session.begin():
            result = import_customer_csv(session, data)
        assert (result.created, result.updated, result.unchanged, result.skipped) == (len(TRICKY), 0, 0, 0)
        assert _details(other) == before
    finally:
        other.dispose()

    # Back into the same books: every row finds its customer, and nothing changes.
    with database.session_factory() as session, session.begin():
        again = import_customer_csv(session, data)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(TRICKY))
    assert _details(database) == before
    with database.session_factory() as session:
        assert {c.revision for c in session.scalars(select(Customer))} == {1}


def test_a_file_with_bad_rows_imports_nothing_and_says_which_row_column_and_why(database: Database) -> None:
    with database.session_factory() as session, session.begin():
        save_customer(session, CustomerDetails(name="Harbour Plumbing", account_number="HP-1", phone="1"))
        save_customer(session, CustomerDetails(name="Twin Co"))
        save_customer(session, CustomerDetails(name="Twin Co Pty Ltd"))
    text = (
        "Customer name,Phone,E-mail,ABN,Account No,Fax\n"  # other programs' headings; Fax is not read
        "Harbour Plumbing Services,02 5550 0000,,,HP-1,\n"  # row 2: updates HP-1
        ",,nobody@x.example,,,\n"  # row 3: no name
        "Bad Mail,,not-an-email,12 345 678 901,,\n"  # row 4: two problems
        "New Customer,,new@x.example,,N-1,\n"  # row 5: fine
        "\n"  # a blank line is no row
        "Again,,,,N-1,\n"  # row 7: account number already on row 5
        "Twin Co.,,,,,\n"  # row 8: two customers here read the same
        "Long," + "9" * 60 + ",,,,\n"  # row 9: phone too long
    )
    with database.session_factory() as session:
        check = check_customer_csv(session, text)
    assert check.ignored_columns == ("Fax",)
    assert check.problems == [
        CsvProblem(3, "Name", "Enter the customer's name."),
        CsvProblem(
            4,
            "Email",
            "'not-an-email' does not look like an email address (it should read like name@example.com.au).",
        ),
        CsvProblem(
            4,
            "ABN",
            "12 345 678 901 is not a valid ABN: its check digits do not add up. Check it against the "
            "customer's invoice or abr.business.gov.au.",
        ),
        CsvProblem(7, "Account number", "N-1 is also on row 5 (each customer has its own)"),
        CsvProblem(
            8,
            "Name",
            "2 customers here are called 'Twin Co.'; add the account number to say which one this row is",
        ),
        CsvProblem(9, "Phone", "A phone number can be at most 50 characters."),
    ]
    assert check.bad_rows == {3, 4, 7, 8, 9}
    assert [(row.row, row.customer_name) for row in check.good] == [(2, "Harbour Plumbing"), (5, "")]
    assert check.problems[1].describe().startswith("Row 4, Email: 'not-an-email'")

    with database.session_factory() as session, session.begin(), pytest.raises(CsvHasBadRows) as refused:
        import_customer_csv(session, text)
    assert "5 rows cannot be imported (rows 3, 4, 7, 8, 9)" in str(refused.value)
    with database.session_factory() as session, session.begin(), pytest.raises(CsvHasBadRows):
        import_customer_csv(session, text, skip_rows={3, 4})  # skipping some is not skipping all
    assert _count(database) == 3

    with database.session_factory() as session, session.begin():
        result = import_customer_csv(session, text, skip_rows=check.bad_rows)
    assert (result.created, result.updated, result.skipped) == (1, 1, 5)
    with database.session_factory() as session:
        harbour = session.scalars(select(Customer).where(Customer.account_number == "HP-1")).one()
        # Only the file's columns change: its name and phone; the email column was blank, so it is blank.
        assert (harbour.name, harbour.phone, harbour.revision) == (
            "Harbour Plumbing Services",
            "02 5550 0000",
            2,
        )
        assert session.scalars(select(Customer).where(Customer.account_number == "N-1")).one().email == (
            "new@x.example"
        )


def test_a_file_without_a_name_column_is_refused_as_a_whole(database: Database) -> None:
    with database.session_factory() as session:
        check = check_customer_csv(session, "Email,Phone\na@b.example,1\n")
        assert check.file_problem is not None and "one called Name" in check.file_problem
        assert check_customer_csv(session, b"").file_problem == "the file is empty."
    with database.session_factory() as session, session.begin(), pytest.raises(CsvHasBadRows) as refused:
        import_customer_csv(session, "Email\nx@y.example\n", skip_rows={1, 2})
    assert "Nothing was imported: the first row must hold the column headings" in str(refused.value)


def test_excel_files_in_windows_encoding_and_with_semicolons_are_read(database: Database) -> None:
    data = "Name;Email\r\nCafé Nero;hello@nero.example\r\n".encode("cp1252")
    with database.session_factory() as session, session.begin():
        result = import_customer_csv(session, data)
    assert result.created == 1
    assert _details(database)[0].name == "Café Nero"
    out = io.StringIO(newline="")
    with database.session_factory() as session:
        export_customers_csv(session, out)
    assert out.getvalue().splitlines()[1] == "Café Nero,,hello@nero.example,,,,"
