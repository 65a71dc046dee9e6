"""Building the documents the package receives from invoices, credit notes, supplier invoices and expenses.

Invoice lines follow the Accounts Integration settings (DESIGN.md "Settings", issue 4):

- *Push Individual Invoice Lines* on: one line per line; off: one line per income account and tax rate
  (and item, when lines go as items), each keeping its line id across edits under that key;
- *Push Invoice Lines as Items*: material lines carry the material's item code, labour lines the job
  type's labour item (``LAB-<id>``, or ``LABOUR`` without a job type);
- *Push Invoice Work Undertaken*: a description-only first line with the job's work undertaken;
- the income account of a line: its own override, else its material's income code, else its job type's,
  else the default labour (labour and other lines) or materials (material lines) income account;
- the reference field chosen (job number, purchase order number, site address, client work order number).

Totals: Xero taxes each line and sums (../shared/reference/xero.md 4.8), as LedgerBridge does, so each
line carries its tax amount (``TaxAmount``) and Xero's total is ours to the cent. Where a package does not
take a line's tax amount, the lines are priced as the package would price them and any difference goes
on a rounding line to the rounding account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from app.integrations.base import Document, DocumentKind, DocumentLine, ItemDraft, RemoteRef
from app.models import (
    CreditNote,
    Expense,
    Invoice,
    InvoiceLine,
    LineKind,
    ReferenceField,
    SupplierInvoice,
    TaxRate,
)
from app.services.money import ZERO, round_money, tax_on_exclusive

ITEM_CODE_LIMIT = 30  # Xero Items.Code (xero.md 4.3)
ITEM_NAME_LIMIT = 50
LABOUR_ITEM = "LABOUR"
WORK_LINE_KEY = "work"
ROUNDING_LINE_KEY = "rounding"


class MappingProblem(Exception):
    """The record cannot be sent as it stands; ``str()`` says what to do, in the bookkeeper's words."""


# -- accounts and tax codes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountChoice:
    """An account by code (what a line posts by) and name (what a person reads)."""

    code: str
    name: str = ""

    @property
    def label(self) -> str:
        return f"{self.code} - {self.name}" if self.name else self.code


class PackageRate(Protocol):
    """A package tax rate (the cached ``PackageTaxRate`` or the provider's ``TaxRate``)."""

    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def rate(self) -> Decimal: ...

    @property
    def active(self) -> bool: ...

    @property
    def for_sales(self) -> bool: ...

    @property
    def for_purchases(self) -> bool: ...


_WORDS = re.compile(r"[a-z0-9]+")
#: Rates for particular purposes, chosen only when the business's rate names them.
_SPECIAL = ("capital", "export", "import", "input taxed", "reverse", "luxury", "wine", "adjust")


def _tokens(text: str) -> set[str]:
    return set(_WORDS.findall(text.lower())) - {"on", "of", "the", "and"}


@dataclass(frozen=True)
class TaxCodes:
    """The package's tax code for each of the business's tax rates, for sales and for purchases.

    Matched by rate first, then by the words of the names ("GST Free" -> "GST Free Income" for sales,
    "GST Free Expenses" for purchases; "BAS Excluded" -> "BAS Excluded"), never to a rate for a special
    purpose (capital, exports, imports) unless the business's own rate says so.
    """

    sales: Mapping[int | None, str]
    purchases: Mapping[int | None, str]
    percent: Mapping[str, Decimal]
    names: Mapping[str, str] = field(default_factory=dict)

    def for_sales(self, rate: TaxRate | None) -> str:
        return self._find(self.sales, rate, "sales")

    def for_purchases(self, rate: TaxRate | None) -> str:
        return self._find(self.purchases, rate, "purchases")

    def _find(self, table: Mapping[int | None, str], rate: TaxRate | None, side: str) -> str:
        code = table.get(rate.id if rate is not None else None)
        if code is None:
            name = rate.name if rate is not None else "no tax"
            raise MappingProblem(
                f"The accounting package has no tax rate for {side} like '{name}'. Refresh the chart of "
                "accounts in Accounts Integration, or check the tax rates there."
            )
        return code

    def zero_rate_code(self) -> str | None:
        return self.sales.get(None)

    @classmethod
    def match(cls, local: Sequence[TaxRate], package: Iterable[PackageRate]) -> TaxCodes:
        offered = [rate for rate in package if rate.active and rate.code]
        percent = {rate.code: Decimal(rate.rate) for rate in offered}
        names = {rate.code: rate.name for rate in offered}

        def best(name: str, value: Decimal, candidates: list[PackageRate]) -> str | None:
            wanted = _tokens(name)
            fitting = [c for c in candidates if Decimal(c.rate) == value]
            if not fitting:
                return None
            lowered = name.lower()

            def score(candidate: PackageRate) -> tuple[int, int, int]:
                their = candidate.name.lower()
                special = any(word in their and word not in lowered for word in _SPECIAL)
                exact = their == lowered
                return (int(exact), -int(special), len(wanted & _tokens(candidate.name)))

            return max(fitting, key=score).code

        sales = [rate for rate in offered if rate.for_sales]
        purchases = [rate for rate in offered if rate.for_purchases]
        sales_codes: dict[int | None, str] = {}
        purchase_codes: dict[int | None, str] = {}
        for rate in local:
            for table, candidates in ((sales_codes, sales), (purchase_codes, purchases)):
                code = best(rate.name, Decimal(rate.rate), candidates)
                if code is not None:
                    table[rate.id] = code
        # A line without a tax rate carries no tax: the plain tax-free rate.
        for table, candidates, name in (
            (sales_codes, sales, "GST Free Income"),
            (purchase_codes, purchases, "GST Free Expenses"),
        ):
            code = best(name, Decimal(0), candidates)
            if code is not None:
                table[None] = code
        return cls(sales=sales_codes, purchases=purchase_codes, percent=percent, names=names)


# -- invoices -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRules:
    """The settings that shape an invoice's lines, and the accounts they fall back to."""

    individual_lines: bool
    lines_as_items: bool
    work_undertaken: bool
    reference_field: ReferenceField
    labour_income: AccountChoice | None
    materials_income: AccountChoice | None
    rounding: AccountChoice | None
    #: The package takes a line's tax amount (Xero); otherwise a rounding line evens the totals.
    tax_amount_settable: bool = True


@dataclass(frozen=True)
class AccountAmount:
    """What one account receives from a document (for the preview)."""

    account: AccountChoice
    amount: Decimal
    tax: Decimal


@dataclass(frozen=True)
class MappedDocument:
    """A document ready to send, with the keys its lines keep their ids under, and what it posts."""

    document: Document
    line_keys: tuple[str, ...]
    total: Decimal
    postings: tuple[AccountAmount, ...]
    items: tuple[ItemDraft, ...] = ()
    rounding: Decimal = ZERO


@dataclass
class _Group:
    key: str
    account: AccountChoice
    tax_code: str
    item_code: str | None
    kinds: list[LineKind]
    amount: Decimal = ZERO
    tax: Decimal = ZERO


def income_account_for(line: InvoiceLine, rules: InvoiceRules) -> AccountChoice:
    """A line's income account: its override, its material's, its job type's, else the default."""
    if line.income_account_code:
        return AccountChoice(line.income_account_code, line.income_account_name or "")
    if line.material is not None and line.material.income_account_code:
        return AccountChoice(line.material.income_account_code, line.material.income_account_name or "")
    job = line.invoice.job
    if job is not None and job.job_type is not None and job.job_type.income_account_code:
        return AccountChoice(job.job_type.income_account_code, job.job_type.income_account_name or "")
    if line.kind is LineKind.MATERIAL:
        if rules.materials_income is None:
            raise MappingProblem(
                f"Line '{_short(line.description)}' on invoice {line.invoice.number} has no income account: "
                "choose the Default Materials Income Account in Accounts Integration (or an income code "
                "on the material)."
            )
        return rules.materials_income
    if rules.labour_income is None:
        raise MappingProblem(
            f"Line '{_short(line.description)}' on invoice {line.invoice.number} has no income account: "
            "choose the Default Labour Income Account in Accounts Integration (or an income code on the "
            "job type)."
        )
    return rules.labour_income


def item_for(line: InvoiceLine, account: AccountChoice, tax_code: str) -> ItemDraft | None:
    """The item a line is sent as (lines as items): its material's code, or its job type's labour."""
    if line.kind is LineKind.MATERIAL and line.material is not None:
        material = line.material
        code = material.code.strip()[:ITEM_CODE_LIMIT]
        return ItemDraft(
            key=f"material:{material.id}",
            code=code,
            name=material.name[:ITEM_NAME_LIMIT],
            description=material.name,
            sale_price=material.unit_price,
            income_account_code=account.code,
            tax_code=tax_code,
        )
    if line.kind is LineKind.LABOUR:
        job = line.invoice.job
        if job is not None and job.job_type is not None:
            job_type = job.job_type
            return ItemDraft(
                key=f"job_type:{job_type.id}",
                code=f"LAB-{job_type.id}",
                name=f"Labour - {job_type.name}"[:ITEM_NAME_LIMIT],
                description=f"Labour - {job_type.name}",
                income_account_code=account.code,
                tax_code=tax_code,
            )
        return ItemDraft(
            key="labour",
            code=LABOUR_ITEM,
            name="Labour",
            description="Labour",
            income_account_code=account.code,
            tax_code=tax_code,
        )
    return None


def reference_for(invoice: Invoice, field_choice: ReferenceField) -> str:
    """The invoice's Reference in the package: the job's number, PO number, site address or work order."""
    job = invoice.job
    if job is None:
        return ""
    if field_choice is ReferenceField.JOB_NUMBER:
        value = job.number
    elif field_choice is ReferenceField.PURCHASE_ORDER_NUMBER:
        value = job.customer_po_number
    elif field_choice is ReferenceField.SITE_ADDRESS:
        value = ", ".join(part.strip() for part in (job.site_address or "").splitlines() if part.strip())
    else:
        value = job.client_work_order_number
    return (value or "").strip()[:255]


_KIND_WORDS = {LineKind.LABOUR: "Labour", LineKind.MATERIAL: "Materials", LineKind.OTHER: "Other charges"}


def _group_description(kinds: list[LineKind]) -> str:
    words = [
        _KIND_WORDS[kind] for kind in (LineKind.LABOUR, LineKind.MATERIAL, LineKind.OTHER) if kind in kinds
    ]
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1].lower()


def map_invoice(
    invoice: Invoice,
    *,
    contact: RemoteRef,
    rules: InvoiceRules,
    taxes: TaxCodes,
    line_ids: Mapping[str, str] | None = None,
    ref: RemoteRef | None = None,
) -> MappedDocument:
    """The invoice as the package receives it; raises ``MappingProblem`` if it cannot be sent yet."""
    line_ids = line_ids or {}
    keyed: list[tuple[str, DocumentLine]] = []
    postings: dict[str, AccountAmount] = {}
    items: dict[str, ItemDraft] = {}

    def post(account: AccountChoice, amount: Decimal, tax: Decimal) -> None:
        before = postings.get(account.code)
        postings[account.code] = AccountAmount(
            account, (before.amount if before else ZERO) + amount, (before.tax if before else ZERO) + tax
        )

    if rules.work_undertaken and invoice.job is not None and invoice.job.work_undertaken.strip():
        text = invoice.job.work_undertaken.strip()[:4000]
        keyed.append((WORK_LINE_KEY, DocumentLine(text, None, None, line_id=line_ids.get(WORK_LINE_KEY))))

    groups: dict[str, _Group] = {}
    for position, line in enumerate(invoice.lines):
        account = income_account_for(line, rules)
        tax_code = taxes.for_sales(line.tax_rate)
        item = item_for(line, account, tax_code) if rules.lines_as_items else None
        if item is not None:
            items[item.code] = item
        post(account, line.line_amount, line.tax_amount)
        if rules.individual_lines:
            key = f"p{position}"
            keyed.append(
                (
                    key,
                    DocumentLine(
                        description=line.description[:4000] or "-",
                        quantity=line.quantity,
                        unit_amount=line.unit_price,
                        account_code=account.code,
                        tax_code=tax_code,
                        tax_amount=line.tax_amount if rules.tax_amount_settable else None,
                        item_code=item.code if item else None,
                        line_id=line_ids.get(key),
                    ),
                )
            )
            continue
        group_key = f"a:{account.code}|t:{tax_code}" + (f"|i:{item.code}" if item else "")
        group = groups.get(group_key)
        if group is None:
            group = groups[group_key] = _Group(group_key, account, tax_code, item.code if item else None, [])
        group.kinds.append(line.kind)
        group.amount += line.line_amount
        group.tax += line.tax_amount
    for group in groups.values():
        keyed.append(
            (
                group.key,
                DocumentLine(
                    description=_group_description(group.kinds),
                    quantity=Decimal(1),
                    unit_amount=group.amount,
                    account_code=group.account.code,
                    tax_code=group.tax_code,
                    tax_amount=group.tax if rules.tax_amount_settable else None,
                    item_code=group.item_code,
                    line_id=line_ids.get(group.key),
                ),
            )
        )

    lines = [line for _, line in keyed]
    difference = invoice.total - package_total(lines, taxes)
    if difference:
        if rules.rounding is None:
            raise MappingProblem(
                f"Invoice {invoice.number} needs a rounding line of {difference} so the package's total "
                "equals ours: choose the Default Rounding Account in Accounts Integration."
            )
        zero = taxes.zero_rate_code()
        keyed.append(
            (
                ROUNDING_LINE_KEY,
                DocumentLine(
                    description="Rounding",
                    quantity=Decimal(1),
                    unit_amount=difference,
                    account_code=rules.rounding.code,
                    tax_code=zero,
                    tax_amount=ZERO if rules.tax_amount_settable else None,
                    line_id=line_ids.get(ROUNDING_LINE_KEY),
                ),
            )
        )
        post(rules.rounding, difference, ZERO)
    document = Document(
        key=f"invoice:{invoice.id}",
        kind=DocumentKind.INVOICE,
        number=invoice.number,
        contact=contact,
        date=invoice.date,
        due_date=invoice.due_date,
        reference=reference_for(invoice, rules.reference_field),
        lines=tuple(line for _, line in keyed),
        ref=ref,
    )
    return MappedDocument(
        document=document,
        line_keys=tuple(key for key, _ in keyed),
        total=invoice.total,
        postings=tuple(postings.values()),
        items=tuple(items.values()),
        rounding=difference,
    )


def package_total(lines: Iterable[DocumentLine], taxes: TaxCodes) -> Decimal:
    """The total the package works out for these lines: each line rounded and taxed, then summed
    (a line's tax amount, where sent, stands)."""
    total = ZERO
    for line in lines:
        if line.quantity is None and line.unit_amount is None:
            continue
        amount = round_money((line.quantity or Decimal(1)) * (line.unit_amount or ZERO))
        if line.tax_amount is not None:
            tax = line.tax_amount
        else:
            tax = tax_on_exclusive(amount, taxes.percent.get(line.tax_code or "", ZERO))
        total += amount + tax
    return total


# -- credit notes, supplier invoices, expenses -------------------------------------------------------------


def map_credit_note(
    note: CreditNote,
    *,
    contact: RemoteRef,
    account: AccountChoice,
    taxes: TaxCodes,
    ref: RemoteRef | None = None,
) -> MappedDocument:
    """One line for the credit, excluding tax, with the credit's own tax amount (so a full credit reverses
    exactly the GST charged), to the credit note or bad debt account."""
    rate = note.tax_rate
    if rate is None and note.tax_total:
        # Mixed rates on the invoice: the credit carries its own GST share; name the taxed rate.
        taxed = [
            line.tax_rate for line in note.invoice.lines if line.tax_rate is not None and line.tax_rate.rate
        ]
        rate = taxed[0] if taxed else None
    # A bad debt's GST comes back as a decreasing adjustment, claimed on the purchases side of the BAS
    # (1B) and posted to an expense account; an ordinary credit reverses a sale.
    tax_code = taxes.for_purchases(rate) if note.is_bad_debt else taxes.for_sales(rate)
    what = "Bad debt written off" if note.is_bad_debt else "Credit"
    description = note.reason.strip() or f"{what} on invoice {note.invoice.number}"
    line = DocumentLine(
        description=description[:4000],
        quantity=Decimal(1),
        unit_amount=note.subtotal,
        account_code=account.code,
        tax_code=tax_code,
        tax_amount=note.tax_total,
    )
    document = Document(
        key=f"credit_note:{note.id}",
        kind=DocumentKind.CREDIT_NOTE,
        number=note.number,
        contact=contact,
        date=note.date,
        due_date=None,
        reference=note.invoice.number,
        lines=(line,),
        ref=ref,
    )
    return MappedDocument(
        document=document,
        line_keys=("credit",),
        total=note.total,
        postings=(AccountAmount(account, note.subtotal, note.tax_total),),
    )


def _own_or_default(
    code: str | None, name: str | None, default: AccountChoice | None, problem: str
) -> AccountChoice:
    """A record's own account where it has one, else the default from the settings, else ``problem``."""
    if code:
        return AccountChoice(code, name or "")
    if default is not None:
        return default
    raise MappingProblem(problem)


def map_supplier_invoice(
    bill: SupplierInvoice,
    *,
    contact: RemoteRef,
    default_account: AccountChoice | None,
    taxes: TaxCodes,
    line_ids: Mapping[str, str] | None = None,
    ref: RemoteRef | None = None,
) -> MappedDocument:
    """A bill (Xero ACCPAY), one line per line, to its override or the default supplier invoice account."""
    line_ids = line_ids or {}
    keyed: list[tuple[str, DocumentLine]] = []
    postings: dict[str, AccountAmount] = {}
    for position, line in enumerate(bill.lines):
        account = _own_or_default(
            line.income_account_code,
            line.income_account_name,
            default_account,
            f"Supplier invoice {bill.number} has a line with no account: choose the Default Supplier "
            "Invoice Account in Accounts Integration.",
        )
        key = f"p{position}"
        keyed.append(
            (
                key,
                DocumentLine(
                    description=line.description[:4000] or "-",
                    quantity=line.quantity,
                    unit_amount=line.unit_cost,
                    account_code=account.code,
                    tax_code=taxes.for_purchases(line.tax_rate),
                    tax_amount=line.tax_amount,
                    line_id=line_ids.get(key),
                ),
            )
        )
        before = postings.get(account.code)
        postings[account.code] = AccountAmount(
            account,
            (before.amount if before else ZERO) + line.line_amount,
            (before.tax if before else ZERO) + line.tax_amount,
        )
    document = Document(
        key=f"supplier_invoice:{bill.id}",
        kind=DocumentKind.SUPPLIER_BILL,
        number=bill.number,
        contact=contact,
        date=bill.date,
        due_date=bill.due_date,
        reference="",
        lines=tuple(line for _, line in keyed),
        ref=ref,
    )
    return MappedDocument(
        document=document,
        line_keys=tuple(key for key, _ in keyed),
        total=bill.total,
        postings=tuple(postings.values()),
    )


def expense_number(expense: Expense) -> str:
    """An expense has no number of its own; this one is ours, so the bill can be found again."""
    return f"LB-EXP-{expense.id}"


def map_expense(
    expense: Expense,
    *,
    contact: RemoteRef,
    default_account: AccountChoice | None,
    taxes: TaxCodes,
    line_ids: Mapping[str, str] | None = None,
    ref: RemoteRef | None = None,
) -> MappedDocument:
    """A bill from the expense's supplier, to its own account or the default supplier expense account."""
    line_ids = line_ids or {}
    account = _own_or_default(
        expense.account_code,
        expense.account_name,
        default_account,
        "The expense has no account: choose the Default Supplier Expense Account in Accounts Integration.",
    )
    description = expense.description.strip() or f"Expense on job {expense.job.number}"
    line = DocumentLine(
        description=f"{description} (job {expense.job.number})"[:4000],
        quantity=Decimal(1),
        unit_amount=expense.amount,
        account_code=account.code,
        tax_code=taxes.for_purchases(expense.tax_rate),
        tax_amount=expense.tax_amount,
        line_id=line_ids.get("p0"),
    )
    document = Document(
        key=f"expense:{expense.id}",
        kind=DocumentKind.SUPPLIER_BILL,
        number=expense_number(expense),
        contact=contact,
        date=expense.date,
        due_date=expense.date,
        reference="",
        lines=(line,),
        ref=ref,
    )
    return MappedDocument(
        document=document,
        line_keys=("p0",),
        total=expense.total,
        postings=(AccountAmount(account, expense.amount, expense.tax_amount),),
    )


def _short(text: str, longest: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= longest else text[: longest - 1] + "…"
