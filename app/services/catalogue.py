"""What the business sells and how it is paid: job types, materials, payment methods and tax rates.

Income accounts (job types, materials) and deposit accounts (payment methods) are chosen from the chart
of accounts, which arrives with the accounting connection; until then these records show which default
applies, and this module never changes those columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.models import JobType, Material, PaymentMethod, PaymentMethodKind, TaxRate
from app.models.base import AccountReference
from app.services.errors import RuleError
from app.services.money import ZERO

NO_INCOME_ACCOUNT = "Not set - uses the default income account"

PAYMENT_METHOD_KIND_LABELS: dict[PaymentMethodKind, str] = {
    PaymentMethodKind.CASH: "Cash",
    PaymentMethodKind.EFT: "EFT / bank transfer",
    PaymentMethodKind.CREDIT_CARD: "Credit card",
    PaymentMethodKind.CHEQUE: "Cheque",
    PaymentMethodKind.OTHER: "Other",
}


def income_account_label(record: AccountReference) -> str:
    """The income account as the bookkeeper reads it: "200 - Sales", or which default applies."""
    return record.income_account_label or NO_INCOME_ACCOUNT


def deposit_account_label(method: PaymentMethod) -> str:
    """Where this method's payments are deposited; the fallbacks are DESIGN.md's payment rule."""
    if method.account_id:
        if method.account_code:
            return f"{method.account_code} - {method.account_name or ''}".rstrip(" -")
        return method.account_name or method.account_id
    if method.is_card:
        return "Not set - uses the credit card clearing account"
    return "Not set - uses the account to receive payments"


def _is_taken(
    session: Session,
    column: InstrumentedAttribute[str],
    id_column: InstrumentedAttribute[int],
    value: str,
    excluding_id: int | None,
) -> bool:
    """Whether another record already has ``value`` in ``column``, ignoring case."""
    query = select(id_column).where(func.lower(column) == value.lower())
    if excluding_id is not None:
        query = query.where(id_column != excluding_id)
    return session.scalar(query.limit(1)) is not None


def _required(value: str, message: str, field_name: str, *, longest: int) -> str:
    value = value.strip()
    if not value:
        raise RuleError(message, field=field_name)
    if len(value) > longest:
        raise RuleError(f"This can be at most {longest} characters.", field=field_name)
    return value


def _unique_name(
    session: Session,
    model: type[JobType | PaymentMethod | TaxRate],
    typed: str,
    record: JobType | PaymentMethod | TaxRate | None,
    *,
    kind: str,
    example: str,
) -> str:
    """The ``name`` typed for a ``kind`` of record, trimmed; refused when blank, too long, or another
    record of ``model`` already has it (ignoring case)."""
    name = _required(typed, f'Enter the {kind}\'s name, e.g. "{example}".', "name", longest=100)
    if _is_taken(session, model.name, model.id, name, record.id if record else None):
        raise RuleError(f"There is already a {kind} called '{name}'.", field="name")
    return name


Stored = TypeVar("Stored", JobType, Material, PaymentMethod, TaxRate)


def _stored_or_new(session: Session, record: Stored | None, model: type[Stored]) -> Stored:
    """``record``, or a new ``model`` added to the session."""
    if record is None:
        record = model()
        session.add(record)
    return record


# -- job types


@dataclass
class JobTypeDetails:
    name: str
    description: str = ""
    active: bool = True


@dataclass(frozen=True)
class JobTypeRow:
    id: int
    name: str = field(compare=False)
    description: str = field(compare=False)
    income_account: str = field(compare=False)
    active: bool = field(compare=False)


def save_job_type(session: Session, details: JobTypeDetails, job_type: JobType | None = None) -> JobType:
    """Create or update a job type. Names are unique, ignoring case (they label every job)."""
    name = _unique_name(
        session, JobType, details.name, job_type, kind="job type", example="Plumbing - Maintenance"
    )
    job_type = _stored_or_new(session, job_type, JobType)
    job_type.name = name
    job_type.description = details.description.strip()
    job_type.active = details.active
    session.flush()
    return job_type


def list_job_types(session: Session) -> list[JobTypeRow]:
    return [
        JobTypeRow(
            id=t.id,
            name=t.name,
            description=t.description,
            income_account=income_account_label(t),
            active=t.active,
        )
        for t in session.scalars(select(JobType).order_by(JobType.name))
    ]


# -- materials


@dataclass
class MaterialDetails:
    code: str
    name: str
    unit_price: Decimal
    unit_cost: Decimal = ZERO
    tax_rate_id: int | None = None
    active: bool = True


@dataclass(frozen=True)
class MaterialRow:
    id: int
    code: str = field(compare=False)
    name: str = field(compare=False)
    unit_price: Decimal = field(compare=False)
    unit_cost: Decimal = field(compare=False)
    tax_rate: str = field(compare=False)
    income_account: str = field(compare=False)
    active: bool = field(compare=False)


def save_material(session: Session, details: MaterialDetails, material: Material | None = None) -> Material:
    """Create or update a material. Codes are unique, ignoring case; prices cannot be negative."""
    code = _required(details.code, 'Enter a code for the material, e.g. "PVC-20".', "code", longest=50)
    name = _required(
        details.name, "Enter the material's name as it should read on an invoice.", "name", longest=255
    )
    if _is_taken(session, Material.code, Material.id, code, material.id if material else None):
        raise RuleError(f"The code {code} is already used by another material.", field="code")
    if details.unit_price < ZERO:
        raise RuleError("The unit price cannot be below $0.00.", field="unit_price")
    if details.unit_cost < ZERO:
        raise RuleError("The unit cost cannot be below $0.00.", field="unit_cost")
    if details.tax_rate_id is not None and session.get(TaxRate, details.tax_rate_id) is None:
        raise RuleError("That tax rate no longer exists; choose another.", field="tax_rate")
    material = _stored_or_new(session, material, Material)
    material.code = code
    material.name = name
    material.unit_price = details.unit_price
    material.unit_cost = details.unit_cost
    material.tax_rate_id = details.tax_rate_id
    material.active = details.active
    session.flush()
    return material


def list_materials(session: Session) -> list[MaterialRow]:
    rows = session.execute(
        select(Material, TaxRate.name)
        .outerjoin(TaxRate, Material.tax_rate_id == TaxRate.id)
        .order_by(Material.code)
    ).all()
    return [
        MaterialRow(
            id=m.id,
            code=m.code,
            name=m.name,
            unit_price=m.unit_price,
            unit_cost=m.unit_cost,
            tax_rate=tax_name or "",
            income_account=income_account_label(m),
            active=m.active,
        )
        for m, tax_name in rows
    ]


# -- payment methods


@dataclass
class PaymentMethodDetails:
    name: str
    kind: PaymentMethodKind
    active: bool = True


@dataclass(frozen=True)
class PaymentMethodRow:
    id: int
    name: str = field(compare=False)
    kind: str = field(compare=False)
    deposit_account: str = field(compare=False)
    active: bool = field(compare=False)


def save_payment_method(
    session: Session, details: PaymentMethodDetails, method: PaymentMethod | None = None
) -> PaymentMethod:
    name = _unique_name(session, PaymentMethod, details.name, method, kind="payment method", example="EFT")
    method = _stored_or_new(session, method, PaymentMethod)
    method.name = name
    method.kind = details.kind
    method.active = details.active
    session.flush()
    return method


def list_payment_methods(session: Session) -> list[PaymentMethodRow]:
    return [
        PaymentMethodRow(
            id=m.id,
            name=m.name,
            kind=PAYMENT_METHOD_KIND_LABELS[m.kind],
            deposit_account=deposit_account_label(m),
            active=m.active,
        )
        for m in session.scalars(select(PaymentMethod).order_by(PaymentMethod.name))
    ]


# -- tax rates


@dataclass
class TaxRateDetails:
    name: str
    rate: Decimal
    is_default: bool = False
    active: bool = True


@dataclass(frozen=True)
class TaxRateRow:
    id: int
    name: str = field(compare=False)
    rate: str = field(compare=False)
    is_default: bool = field(compare=False)
    active: bool = field(compare=False)
    #: for sorting the rate column numerically
    rate_value: Decimal = field(compare=False, default=ZERO)


def format_rate(rate: Decimal) -> str:
    """10.0000 -> "10%", 12.5000 -> "12.5%"."""
    text = f"{rate.normalize():f}"
    return f"{text}%"


def save_tax_rate(session: Session, details: TaxRateDetails, tax_rate: TaxRate | None = None) -> TaxRate:
    """Create or update a tax rate. Exactly one active rate is the default for new lines."""
    name = _unique_name(session, TaxRate, details.name, tax_rate, kind="tax rate", example="GST 10%")
    if not (ZERO <= details.rate <= Decimal("100")):
        raise RuleError("A tax rate is a percentage from 0 to 100.", field="rate")
    if details.rate != details.rate.quantize(Decimal("0.0001")):
        raise RuleError("A tax rate can have at most four decimal places.", field="rate")
    if details.is_default and not details.active:
        raise RuleError("The default tax rate must be active.", field="is_default")
    was_default = tax_rate is not None and tax_rate.is_default
    if was_default and not details.is_default:
        raise RuleError(
            "One tax rate is always the default for new lines. Make another rate the default instead, "
            "and this one stops being it.",
            field="is_default",
        )
    tax_rate = _stored_or_new(session, tax_rate, TaxRate)
    tax_rate.name = name
    tax_rate.rate = details.rate
    tax_rate.active = details.active
    if details.is_default and not was_default:
        session.execute(
            update(TaxRate)
            .where(TaxRate.is_default.is_(True))
            .values(is_default=False)
            .execution_options(synchronize_session="fetch")
        )
    tax_rate.is_default = details.is_default
    session.flush()
    return tax_rate


def list_tax_rates(session: Session) -> list[TaxRateRow]:
    return [
        TaxRateRow(
            id=t.id,
            name=t.name,
            rate=format_rate(t.rate),
            is_default=t.is_default,
            active=t.active,
            rate_value=t.rate,
        )
        for t in session.scalars(select(TaxRate).order_by(TaxRate.rate.desc(), TaxRate.name))
    ]


def active_tax_rates(session: Session) -> list[TaxRate]:
    return list(session.scalars(select(TaxRate).where(TaxRate.active.is_(True)).order_by(TaxRate.name)))
