"""Customer rules: what a customer record must hold, the ABN check, duplicate names, saving.

A customer reaches the accounting package only once it is a paying customer (DESIGN.md); after that an
edit here updates the contact there, so a save that changes anything bumps ``revision`` (the outbox).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Customer
from app.services.errors import RuleError

# Deliberately loose: one @, something either side, a dot in the domain, no spaces. Anything stricter
# refuses real addresses; the package checks deliverability, we only catch typing slips.
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")

# The ABN check digit scheme published by the Australian Business Register ("Format of the ABN"):
# subtract 1 from the first digit, weight the 11 digits by these, and the sum must divide by 89.
_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)

# Words that do not tell two businesses apart when looking for a duplicate name.
_NAME_NOISE = re.compile(r"\b(pty|ltd|limited|proprietary|the|inc|co)\b")


@dataclass
class CustomerDetails:
    """A customer as the editor collects it, before it is saved."""

    name: str
    contact_person: str = ""
    email: str = ""
    phone: str = ""
    abn: str = ""
    account_number: str = ""
    billing_address: str = ""

    @classmethod
    def of(cls, customer: Customer) -> CustomerDetails:
        return cls(
            name=customer.name,
            contact_person=customer.contact_person,
            email=customer.email,
            phone=customer.phone,
            abn=customer.abn,
            account_number=customer.account_number,
            billing_address=customer.billing_address,
        )


@dataclass(frozen=True)
class CustomerRow:
    """One line of the Customers list. Rows are equal when they are the same customer."""

    id: int
    name: str = field(compare=False)
    contact_person: str = field(compare=False)
    email: str = field(compare=False)
    phone: str = field(compare=False)
    abn: str = field(compare=False)
    account_number: str = field(compare=False)


def abn_digits(text: str) -> str:
    """The digits of an ABN as typed ("51 824 753 556" -> "51824753556")."""
    return re.sub(r"[\s-]", "", text)


def abn_is_valid(text: str) -> bool:
    """True for an ABN whose 11 digits pass the Australian Business Register's check."""
    digits = abn_digits(text)
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        return False
    values = [int(d) for d in digits]
    values[0] -= 1
    return sum(w * v for w, v in zip(_ABN_WEIGHTS, values, strict=True)) % 89 == 0


def format_abn(text: str) -> str:
    """An ABN as the Business Register prints it, "51 824 753 556"; anything else unchanged."""
    digits = abn_digits(text)
    if len(digits) == 11 and digits.isdigit():
        return f"{digits[:2]} {digits[2:5]} {digits[5:8]} {digits[8:]}"
    return text


def normalised_name(name: str) -> str:
    """A name reduced to what tells businesses apart: case, punctuation and "Pty Ltd" dropped."""
    lowered = name.casefold().replace("&", " and ")
    words = re.sub(r"[^\w\s]", " ", lowered)
    return " ".join(_NAME_NOISE.sub(" ", words).split())


def clean_details(details: CustomerDetails) -> CustomerDetails:
    """Surrounding spaces trimmed, the ABN reduced to its digits."""
    cleaned = CustomerDetails(**{f.name: getattr(details, f.name).strip() for f in fields(details)})
    cleaned.abn = abn_digits(cleaned.abn)
    return cleaned


def validate_customer(details: CustomerDetails) -> None:
    """Refuse what a bookkeeper would not want sent to the package; the message names the field."""
    if not details.name.strip():
        raise RuleError("Enter the customer's name.", field="name")
    if len(details.name.strip()) > 255:
        raise RuleError("A customer's name can be at most 255 characters.", field="name")
    email = details.email.strip()
    if email and not _EMAIL_RE.match(email):
        raise RuleError(
            f"'{email}' does not look like an email address (it should read like name@example.com.au).",
            field="email",
        )
    abn = abn_digits(details.abn.strip())
    if abn:
        if len(abn) != 11 or not abn.isdigit():
            raise RuleError("An ABN has 11 digits, e.g. 51 824 753 556.", field="abn")
        if not abn_is_valid(abn):
            raise RuleError(
                f"{format_abn(abn)} is not a valid ABN: its check digits do not add up. "
                "Check it against the customer's invoice or abr.business.gov.au.",
                field="abn",
            )
    if len(details.phone.strip()) > 50:
        raise RuleError("A phone number can be at most 50 characters.", field="phone")
    if len(details.account_number.strip()) > 50:
        raise RuleError("An account number can be at most 50 characters.", field="account_number")


def customers_with_same_name(
    session: Session, name: str, *, excluding_id: int | None = None
) -> list[Customer]:
    """Other customers whose name reads the same once case, punctuation and "Pty Ltd" are ignored."""
    wanted = normalised_name(name)
    if not wanted:
        return []
    # Narrow in SQL by the first word, then compare properly here (dialect-neutral, no SQL functions).
    first_word = wanted.split()[0]
    query = select(Customer).where(func.lower(Customer.name).contains(first_word, autoescape=True))
    if excluding_id is not None:
        query = query.where(Customer.id != excluding_id)
    return [c for c in session.scalars(query.order_by(Customer.id)) if normalised_name(c.name) == wanted]


def duplicate_name_warning(session: Session, name: str, *, excluding_id: int | None = None) -> str | None:
    """A sentence saying which customers already have this name, or None. A warning, not a refusal:
    two businesses can share a name (franchisees), but usually it is the same customer entered twice."""
    same = customers_with_same_name(session, name, excluding_id=excluding_id)
    if not same:
        return None
    first = same[0]
    account = f" (account {first.account_number})" if first.account_number else ""
    others = f" and {len(same) - 1} more" if len(same) > 1 else ""
    return (
        f"A customer called '{first.name}'{account}{others} already exists. Two records for one customer "
        "would become two contacts in your accounting package."
    )


def _check_account_number_free(session: Session, account_number: str, excluding_id: int | None) -> None:
    if not account_number:
        return
    query = select(Customer).where(Customer.account_number == account_number)
    if excluding_id is not None:
        query = query.where(Customer.id != excluding_id)
    other = session.scalars(query.limit(1)).first()
    if other is not None:
        raise RuleError(
            f"Account number {account_number} is already used by {other.name}; each customer needs "
            "its own (it is how imported contacts are matched).",
            field="account_number",
        )


def save_customer(session: Session, details: CustomerDetails, customer: Customer | None = None) -> Customer:
    """Create a customer, or update ``customer``; refuses (RuleError) before changing anything.

    Duplicate names are not refused here: ask ``duplicate_name_warning`` first and let the person decide.
    """
    validate_customer(details)
    cleaned = clean_details(details)
    _check_account_number_free(session, cleaned.account_number, customer.id if customer else None)
    if customer is None:
        customer = Customer()
        session.add(customer)
        changed = True
    else:
        changed = CustomerDetails.of(customer) != cleaned
    for f in fields(cleaned):
        setattr(customer, f.name, getattr(cleaned, f.name))
    if changed and customer.id is not None:
        customer.revision += 1
    session.flush()
    return customer


def list_customers(session: Session) -> list[CustomerRow]:
    """Every active customer for the list, in one query."""
    rows = session.execute(
        select(
            Customer.id,
            Customer.name,
            Customer.contact_person,
            Customer.email,
            Customer.phone,
            Customer.abn,
            Customer.account_number,
        )
        .where(Customer.active.is_(True))
        .order_by(Customer.name)
    ).all()
    return [
        CustomerRow(
            id=r.id,
            name=r.name,
            contact_person=r.contact_person,
            email=r.email,
            phone=r.phone,
            abn=format_abn(r.abn),
            account_number=r.account_number,
        )
        for r in rows
    ]
