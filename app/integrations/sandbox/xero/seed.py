"""The emulated Xero's demo organisations: "Demo Company (AU)" and a second organisation on offer.

Demo Company (AU) holds Xero's standard Australian chart of accounts (with its account ids fixed, so the
demo business's income codes point at the same accounts), the Australian tax rates, a few items, about
300 contacts and some invoices dated a few months back. Everything comes from a fixed random seed, with
dates relative to the day the state file was first seeded.

``add_demo_contacts`` is the hook the demo business uses to add its own customers as Xero contacts.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from app.integrations.sandbox.store import SandboxStore
from app.integrations.sandbox.xero import wire
from app.integrations.sandbox.xero.records import Document, Records
from app.integrations.sandbox.xero.tables import XeroOrganisation

SEED_VERSION = "1"
SEED_RANDOM = 20260301

DEMO_COMPANY_NAME = "Demo Company (AU)"
SECOND_ORGANISATION_NAME = "Kookaburra Catering Pty Ltd"

_ORGANISATION_NAMESPACE = uuid.UUID("0c9b8f0e-6d1a-4c38-8f4e-3a7f2b5d9e61")
#: Must match ``app.services.demo_data.demo_account_id`` so the demo's chosen accounts exist here.
_ACCOUNT_NAMESPACE = uuid.UUID("5d1f1c4e-2b7a-4f53-9a57-0c4a3d2e8b10")


def organisation_id(name: str) -> str:
    return str(uuid.uuid5(_ORGANISATION_NAMESPACE, name))


DEMO_COMPANY_TENANT_ID = organisation_id(DEMO_COMPANY_NAME)
SECOND_TENANT_ID = organisation_id(SECOND_ORGANISATION_NAME)


def account_id(tenant_id: str, code: str) -> str:
    if tenant_id == DEMO_COMPANY_TENANT_ID:
        return str(uuid.uuid5(_ACCOUNT_NAMESPACE, f"xero-au-demo-company:{code}"))
    return str(uuid.uuid5(_ACCOUNT_NAMESPACE, f"{tenant_id}:{code}"))


@dataclass(frozen=True)
class ChartAccount:
    code: str
    name: str
    type: str
    tax_type: str
    system: str = ""
    bank_type: str = ""
    description: str = ""
    archived: bool = False
    payments: bool = False


#: Xero's standard Australian chart of accounts (as in "Demo Company (AU)"), plus a few archived ones.
STANDARD_AU_CHART: tuple[ChartAccount, ...] = (
    ChartAccount("090", "Business Bank Account", "BANK", "BASEXCLUDED", bank_type="BANK"),
    ChartAccount("091", "Business Savings Account", "BANK", "BASEXCLUDED", bank_type="BANK"),
    ChartAccount("092", "Business Credit Card", "BANK", "BASEXCLUDED", bank_type="CREDITCARD"),
    ChartAccount("200", "Sales", "REVENUE", "OUTPUT", description="Income from any normal business activity"),
    ChartAccount(
        "260",
        "Other Revenue",
        "REVENUE",
        "OUTPUT",
        description="Any other income that does not relate to normal business activities",
    ),
    ChartAccount("270", "Interest Income", "REVENUE", "EXEMPTOUTPUT", description="Interest income"),
    ChartAccount(
        "310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT", description="Cost of goods sold by the business"
    ),
    ChartAccount(
        "320",
        "Subcontractors",
        "DIRECTCOSTS",
        "INPUT",
        description="Work done for the business by subcontractors",
    ),
    ChartAccount("400", "Advertising", "EXPENSE", "INPUT"),
    ChartAccount("404", "Bank Fees", "EXPENSE", "EXEMPTEXPENSES"),
    ChartAccount("408", "Cleaning", "EXPENSE", "INPUT"),
    ChartAccount("412", "Consulting & Accounting", "EXPENSE", "INPUT"),
    ChartAccount("416", "Depreciation", "DEPRECIATN", "BASEXCLUDED"),
    ChartAccount("420", "Entertainment", "EXPENSE", "BASEXCLUDED"),
    ChartAccount("425", "Freight & Courier", "EXPENSE", "INPUT"),
    ChartAccount("429", "General Expenses", "EXPENSE", "INPUT"),
    ChartAccount("433", "Insurance", "EXPENSE", "INPUT"),
    ChartAccount("437", "Interest Expense", "EXPENSE", "EXEMPTEXPENSES"),
    ChartAccount("441", "Legal expenses", "EXPENSE", "INPUT"),
    ChartAccount("445", "Light, Power, Heating", "EXPENSE", "INPUT"),
    ChartAccount("449", "Motor Vehicle Expenses", "EXPENSE", "INPUT"),
    ChartAccount("453", "Office Expenses", "EXPENSE", "INPUT"),
    ChartAccount("461", "Printing & Stationery", "EXPENSE", "INPUT"),
    ChartAccount("469", "Rent", "EXPENSE", "INPUT"),
    ChartAccount("473", "Repairs and Maintenance", "EXPENSE", "INPUT"),
    ChartAccount("477", "Wages and Salaries", "EXPENSE", "BASEXCLUDED"),
    ChartAccount("478", "Superannuation", "EXPENSE", "BASEXCLUDED"),
    ChartAccount("485", "Subscriptions", "EXPENSE", "INPUT"),
    ChartAccount("489", "Telephone & Internet", "EXPENSE", "INPUT"),
    ChartAccount("493", "Travel - National", "EXPENSE", "INPUT"),
    ChartAccount("494", "Travel - International", "EXPENSE", "BASEXCLUDED"),
    ChartAccount("497", "Bank Revaluations", "EXPENSE", "BASEXCLUDED", system="BANKCURRENCYGAIN"),
    ChartAccount(
        "498", "Unrealised Currency Gains", "EXPENSE", "BASEXCLUDED", system="UNREALISEDCURRENCYGAIN"
    ),
    ChartAccount("499", "Realised Currency Gains", "EXPENSE", "BASEXCLUDED", system="REALISEDCURRENCYGAIN"),
    ChartAccount("505", "Income Tax Expense", "EXPENSE", "BASEXCLUDED"),
    ChartAccount("610", "Accounts Receivable", "CURRENT", "BASEXCLUDED", system="DEBTORS"),
    ChartAccount("620", "Prepayments", "CURRENT", "BASEXCLUDED"),
    ChartAccount("630", "Inventory", "INVENTORY", "BASEXCLUDED"),
    ChartAccount(
        "640",
        "Undeposited Card Payments",
        "CURRENT",
        "BASEXCLUDED",
        payments=True,
        description="Card payments taken but not yet settled to the bank account",
    ),
    ChartAccount("710", "Office Equipment", "FIXED", "INPUT"),
    ChartAccount("711", "Less Accumulated Depreciation on Office Equipment", "FIXED", "BASEXCLUDED"),
    ChartAccount("720", "Computer Equipment", "FIXED", "INPUT"),
    ChartAccount("721", "Less Accumulated Depreciation on Computer Equipment", "FIXED", "BASEXCLUDED"),
    ChartAccount("730", "Motor Vehicles", "FIXED", "INPUT"),
    ChartAccount("731", "Less Accumulated Depreciation on Motor Vehicles", "FIXED", "BASEXCLUDED"),
    ChartAccount("800", "Accounts Payable", "CURRLIAB", "BASEXCLUDED", system="CREDITORS"),
    ChartAccount("801", "Unpaid Expense Claims", "CURRLIAB", "BASEXCLUDED", system="UNPAIDEXPCLM"),
    ChartAccount("804", "Wages Payable - Payroll", "CURRLIAB", "BASEXCLUDED", system="WAGEPAYABLES"),
    ChartAccount("820", "GST", "CURRLIAB", "BASEXCLUDED", system="GST"),
    ChartAccount("825", "PAYG Withholdings Payable", "CURRLIAB", "BASEXCLUDED"),
    ChartAccount("826", "Superannuation Payable", "CURRLIAB", "BASEXCLUDED"),
    ChartAccount("830", "Income Tax Payable", "CURRLIAB", "BASEXCLUDED"),
    ChartAccount("840", "Historical Adjustment", "CURRLIAB", "BASEXCLUDED", system="HISTORICAL"),
    ChartAccount("850", "Suspense", "CURRLIAB", "BASEXCLUDED"),
    ChartAccount("860", "Rounding", "CURRLIAB", "BASEXCLUDED", system="ROUNDING"),
    ChartAccount("877", "Tracking Transfers", "CURRLIAB", "BASEXCLUDED", system="TRACKINGTRANSFERS"),
    ChartAccount("880", "Owner A Drawings", "CURRLIAB", "BASEXCLUDED"),
    ChartAccount("881", "Owner A Funds Introduced", "CURRLIAB", "BASEXCLUDED"),
    ChartAccount("900", "Loan", "TERMLIAB", "BASEXCLUDED"),
    ChartAccount("960", "Retained Earnings", "EQUITY", "BASEXCLUDED", system="RETAINEDEARNINGS"),
    ChartAccount("970", "Owner A Share Capital", "EQUITY", "BASEXCLUDED"),
    # Archived accounts, as an older organisation has them (the app must never offer these).
    ChartAccount("210", "Sales - Old Price List", "REVENUE", "OUTPUT", archived=True),
    ChartAccount("300", "Purchases", "DIRECTCOSTS", "INPUT", archived=True),
    ChartAccount("457", "Postage", "EXPENSE", "INPUT", archived=True),
)


@dataclass(frozen=True)
class AustralianTaxRate:
    name: str
    tax_type: str
    rate: Decimal
    report_tax_type: str
    applies: tuple[bool, bool, bool, bool, bool]  # assets, equity, expenses, liabilities, revenue


AU_TAX_RATES: tuple[AustralianTaxRate, ...] = (
    AustralianTaxRate(
        "GST on Income", "OUTPUT", Decimal("10.0000"), "OUTPUT", (True, True, False, True, True)
    ),
    AustralianTaxRate(
        "GST on Expenses", "INPUT", Decimal("10.0000"), "INPUT", (True, True, True, True, False)
    ),
    AustralianTaxRate(
        "GST Free Income", "EXEMPTOUTPUT", Decimal("0.0000"), "EXEMPTOUTPUT", (True, True, False, True, True)
    ),
    AustralianTaxRate(
        "GST Free Expenses",
        "EXEMPTEXPENSES",
        Decimal("0.0000"),
        "EXEMPTEXPENSES",
        (True, True, True, True, False),
    ),
    AustralianTaxRate(
        "GST on Capital", "CAPEXINPUT", Decimal("10.0000"), "CAPEXINPUT", (True, True, True, True, False)
    ),
    AustralianTaxRate(
        "GST Free Capital",
        "EXEMPTCAPITAL",
        Decimal("0.0000"),
        "EXEMPTCAPITAL",
        (True, True, True, True, False),
    ),
    AustralianTaxRate(
        "GST Free Exports", "EXEMPTEXPORT", Decimal("0.0000"), "EXEMPTEXPORT", (True, True, False, True, True)
    ),
    AustralianTaxRate(
        "GST on Imports", "GSTONIMPORTS", Decimal("0.0000"), "GSTONIMPORTS", (True, True, True, True, False)
    ),
    AustralianTaxRate(
        "Input Taxed", "INPUTTAXED", Decimal("0.0000"), "INPUTTAXED", (True, True, True, True, True)
    ),
    AustralianTaxRate(
        "BAS Excluded", "BASEXCLUDED", Decimal("0.0000"), "BASEXCLUDED", (True, True, True, True, True)
    ),
)


@dataclass(frozen=True)
class SeedItem:
    code: str
    name: str
    description: str
    price: Decimal
    account: str
    cost: Decimal | None = None


DEMO_ITEMS: tuple[SeedItem, ...] = (
    SeedItem("LAB-STD", "Labour - standard rate", "Labour, per hour", Decimal("110.00"), "200"),
    SeedItem("CALLOUT", "Call-out fee", "Call-out fee within 20 km", Decimal("88.00"), "200"),
    SeedItem(
        "HWS-250E",
        "Hot water unit 250 L electric",
        "Supply of 250 L electric hot water unit",
        Decimal("1450.00"),
        "200",
        Decimal("980.00"),
    ),
    SeedItem(
        "PIPE-CU15",
        "Copper pipe 15 mm",
        "Copper pipe 15 mm, per metre",
        Decimal("14.50"),
        "200",
        Decimal("8.20"),
    ),
    SeedItem("SUNDRY", "Sundry materials", "Sundry materials and consumables", Decimal("25.00"), "260"),
)


@dataclass(frozen=True)
class SeedContact:
    """A contact to add to Demo Company (AU); everything but the name may be left out.

    ``is_customer`` / ``is_supplier`` stand for the sales invoices or bills such a contact would have had
    (Xero sets these flags itself; API writes to them are ignored). ``archived`` adds it archived.
    """

    name: str
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    account_number: str | None = None
    tax_number: str | None = None
    street: str | None = None
    city: str | None = None
    postal_code: str | None = None
    contact_number: str | None = None
    is_customer: bool = False
    is_supplier: bool = False
    archived: bool = False


# ----- building documents ------------------------------------------------------------------------------


def organisation_document(row: XeroOrganisation) -> Document:
    demo = row.tenant_id == DEMO_COMPANY_TENANT_ID
    return {
        "OrganisationID": row.tenant_id,
        "APIKey": "",
        "Name": row.name,
        "LegalName": row.name if row.name.endswith("Pty Ltd") else f"{row.name} Pty Ltd",
        "PaysTax": True,
        "Version": "AU",
        "OrganisationType": "COMPANY",
        "BaseCurrency": "AUD",
        "CountryCode": "AU",
        "IsDemoCompany": demo,
        "OrganisationStatus": "ACTIVE",
        "RegistrationNumber": "",
        "TaxNumber": "53 004 085 616" if demo else "11 222 333 444",
        "FinancialYearEndDay": 30,
        "FinancialYearEndMonth": 6,
        "SalesTaxBasis": "ACCRUALS",
        "SalesTaxPeriod": "QUARTERLY1",
        "DefaultSalesTax": "Tax Exclusive",
        "DefaultPurchasesTax": "Tax Inclusive",
        "CreatedDateUTC": wire.msdate(row.created_utc),
        "OrganisationEntityType": "COMPANY",
        "Timezone": "AUSEASTERNSTANDARDTIME",
        "ShortCode": row.short_code,
        "Class": "DEMO" if demo else "STARTER",
        "Edition": "BUSINESS",
        "LineOfBusiness": "Building and trade services",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": "23 Main Street",
                "City": "Marineville",
                "Region": "NSW",
                "PostalCode": "2000",
                "Country": "Australia",
            },
            {
                "AddressType": "POBOX",
                "AddressLine1": "PO Box 1234",
                "City": "Marineville",
                "Region": "NSW",
                "PostalCode": "2000",
                "Country": "Australia",
            },
        ],
        "Phones": [{"PhoneType": "OFFICE", "PhoneNumber": "5550 1234", "PhoneAreaCode": "02"}],
        "ExternalLinks": [],
        "PaymentTerms": {
            "Bills": {"Day": 30, "Type": "DAYSAFTERBILLMONTH"},
            "Sales": {"Day": 14, "Type": "DAYSAFTERBILLDATE"},
        },
    }


def account_document(tenant_id: str, account: ChartAccount) -> Document:
    from app.integrations.sandbox.xero.settings import ACCOUNT_CLASS

    account_class = ACCOUNT_CLASS[account.type]
    document: Document = {
        "AccountID": account_id(tenant_id, account.code),
        "Code": account.code,
        "Name": account.name,
        "Status": "ARCHIVED" if account.archived else "ACTIVE",
        "Type": account.type,
        "TaxType": account.tax_type,
        "Description": account.description,
        "Class": account_class,
        "EnablePaymentsToAccount": account.payments,
        "ShowInExpenseClaims": account_class == "EXPENSE" and account.type != "DEPRECIATN",
        "BankAccountType": account.bank_type if account.type == "BANK" else "",
        "ReportingCode": {
            "ASSET": "ASS",
            "LIABILITY": "LIA",
            "EXPENSE": "EXP",
            "REVENUE": "REV",
            "EQUITY": "EQU",
        }[account_class],
        "ReportingCodeName": account_class.title(),
        "HasAttachments": False,
        "AddToWatchlist": False,
    }
    if account.system:
        document["SystemAccount"] = account.system
    if account.type == "BANK":
        document["BankAccountNumber"] = f"0620{int(account.code):02d}10000{account.code}"
        document["CurrencyCode"] = "AUD"
    return document


def tax_rate_document(rate: AustralianTaxRate) -> Document:
    assets, equity, expenses, liabilities, revenue = rate.applies
    return {
        "Name": rate.name,
        "TaxType": rate.tax_type,
        "ReportTaxType": rate.report_tax_type,
        "CanApplyToAssets": assets,
        "CanApplyToEquity": equity,
        "CanApplyToExpenses": expenses,
        "CanApplyToLiabilities": liabilities,
        "CanApplyToRevenue": revenue,
        "DisplayTaxRate": rate.rate,
        "EffectiveRate": rate.rate,
        "Status": "ACTIVE",
        "TaxComponents": [{"Name": "GST", "Rate": rate.rate, "IsCompound": False, "IsNonRecoverable": False}],
    }


def item_document(item: SeedItem) -> Document:
    document: Document = {
        "ItemID": str(uuid.uuid5(_ACCOUNT_NAMESPACE, f"item:{item.code}")),
        "Code": item.code,
        "Name": item.name,
        "Description": item.description,
        "IsSold": True,
        "IsPurchased": item.cost is not None,
        "IsTrackedAsInventory": False,
        "SalesDetails": {"UnitPrice": item.price, "AccountCode": item.account, "TaxType": "OUTPUT"},
    }
    if item.cost is not None:
        document["PurchaseDescription"] = item.description
        document["PurchaseDetails"] = {"UnitPrice": item.cost, "AccountCode": "310", "TaxType": "INPUT"}
    return document


def contact_document(
    contact: SeedContact, *, contact_id: str | None = None, status: str | None = None
) -> Document:
    """The contact's Xero document; ``status`` overrides the contact's own (ARCHIVED when ``archived``)."""
    document: Document = {
        "ContactID": contact_id or wire.new_id(),
        "ContactStatus": status or ("ARCHIVED" if contact.archived else "ACTIVE"),
        "Name": contact.name,
        "EmailAddress": contact.email or "",
        "BankAccountDetails": "",
        "Addresses": [
            {
                "AddressType": "STREET",
                "AddressLine1": contact.street or "",
                "City": contact.city or "",
                "Region": "NSW" if contact.city else "",
                "PostalCode": contact.postal_code or "",
                "Country": "Australia" if contact.city else "",
            },
            {
                "AddressType": "POBOX",
                "AddressLine1": contact.street or "",
                "City": contact.city or "",
                "Region": "NSW" if contact.city else "",
                "PostalCode": contact.postal_code or "",
                "Country": "Australia" if contact.city else "",
            },
        ],
        "Phones": [
            {
                "PhoneType": "DEFAULT",
                "PhoneNumber": contact.phone or "",
                "PhoneAreaCode": "",
                "PhoneCountryCode": "",
            },
            {"PhoneType": "DDI"},
            {"PhoneType": "FAX"},
            {"PhoneType": "MOBILE"},
        ],
        "IsSupplier": contact.is_supplier,
        "IsCustomer": contact.is_customer,
        "ContactPersons": [],
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    if contact.contact_number:
        document["ContactNumber"] = contact.contact_number
    if contact.first_name:
        document["FirstName"] = contact.first_name
    if contact.last_name:
        document["LastName"] = contact.last_name
    if contact.account_number:
        document["AccountNumber"] = contact.account_number
    if contact.tax_number:
        document["TaxNumber"] = contact.tax_number
    return document


# ----- generated contacts ------------------------------------------------------------------------------

_FIRST = (
    "Olivia",
    "Jack",
    "Charlotte",
    "William",
    "Amelia",
    "Noah",
    "Isla",
    "Oliver",
    "Mia",
    "Thomas",
    "Ava",
    "James",
    "Grace",
    "Lucas",
    "Chloe",
    "Henry",
    "Zoe",
    "Liam",
    "Ruby",
    "Ethan",
    "Sophie",
    "Mason",
    "Ella",
    "Harrison",
    "Matilda",
    "Lachlan",
    "Harper",
    "Cooper",
    "Evie",
    "Riley",
    "Priya",
    "Wei",
    "Aisha",
    "Luca",
    "Mei",
    "Arjun",
    "Sienna",
    "Declan",
    "Freya",
    "Nikos",
)
_LAST = (
    "Smith",
    "Jones",
    "Williams",
    "Brown",
    "Wilson",
    "Taylor",
    "Nguyen",
    "Johnson",
    "Martin",
    "White",
    "Anderson",
    "Walker",
    "Thompson",
    "Harris",
    "Ryan",
    "Lee",
    "King",
    "Campbell",
    "Kelly",
    "Robinson",
    "Clarke",
    "Murphy",
    "Mitchell",
    "Singh",
    "Chen",
    "Patel",
    "O'Brien",
    "Papadopoulos",
    "Rossi",
    "Kaur",
)
_BUSINESS_FIRST = (
    "Harbour",
    "Coastal",
    "Summit",
    "Bluegum",
    "Ironbark",
    "Southern Cross",
    "Wattle",
    "Bondi",
    "Parramatta",
    "Northside",
    "Eastern",
    "Pacific",
    "Redfern",
    "Granite",
    "Silver Gull",
    "Kingsford",
    "Waratah",
    "Meridian",
    "Oakridge",
    "Riverside",
    "Anchor",
    "Blue Mountains",
)
_BUSINESS_KIND = (
    "Property Management",
    "Strata Services",
    "Cafe",
    "Dental",
    "Real Estate",
    "Body Corporate",
    "Childcare",
    "Medical Centre",
    "Fitness",
    "Motors",
    "Bakery",
    "Hotel",
    "Pharmacy",
    "Veterinary Clinic",
    "Constructions",
    "Developments",
    "Hardware",
    "Apartments",
)
_SUFFIX = ("Pty Ltd", "Pty Ltd", "", "Group", "Co")
_SUBURBS = (
    ("Bondi", "2026"),
    ("Parramatta", "2150"),
    ("Chatswood", "2067"),
    ("Newtown", "2042"),
    ("Manly", "2095"),
    ("Penrith", "2750"),
    ("Hurstville", "2220"),
    ("Cronulla", "2230"),
    ("Ryde", "2112"),
    ("Liverpool", "2170"),
    ("Marrickville", "2204"),
    ("Castle Hill", "2154"),
)
_STREETS = (
    "George St",
    "Pitt St",
    "Victoria Rd",
    "Church St",
    "Military Rd",
    "King St",
    "Oxford St",
    "Pacific Hwy",
    "Parramatta Rd",
    "Anzac Pde",
    "Beach Rd",
    "High St",
)
_SUPPLIERS = (
    "Reece Plumbing Supplies",
    "Tradelink Wholesale",
    "Middy's Electrical",
    "Rexel Electrical Supplies",
    "Coolair Distributors",
    "Metro Fleet Fuel",
    "Sydney Water Corporation",
    "Telstra",
    "AAMI Business Insurance",
    "Officeworks",
)


def generated_contacts(count: int = 300, seed: int = SEED_RANDOM) -> list[SeedContact]:
    """``count`` plausible Sydney customers and suppliers with unique names, from a fixed seed."""
    rng = random.Random(seed)
    contacts: list[SeedContact] = []
    names: set[str] = set()
    for name in _SUPPLIERS:
        slug = "".join(ch for ch in name.lower() if ch.isalnum())[:18]
        contacts.append(
            SeedContact(
                name=name, email=f"accounts@{slug}.example.com.au", phone=f"02 5550 {rng.randint(1000, 9999)}"
            )
        )
        names.add(name.lower())
    while len(contacts) < count:
        suburb, postcode = rng.choice(_SUBURBS)
        street = f"{rng.randint(1, 240)} {rng.choice(_STREETS)}"
        phone = f"04{rng.randint(0, 9)}1 570 {rng.randint(100, 999)}"
        if rng.random() < 0.55:
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            name = f"{first} {last}"
            email = f"{first.lower()}.{last.lower().replace(chr(39), '')}{rng.randint(1, 99)}@example.com"
            contact = SeedContact(
                name=name,
                email=email,
                first_name=first,
                last_name=last,
                phone=phone,
                street=street,
                city=suburb,
                postal_code=postcode,
            )
        else:
            suffix = rng.choice(_SUFFIX)
            name = f"{rng.choice(_BUSINESS_FIRST)} {rng.choice(_BUSINESS_KIND)}"
            name = f"{name} {suffix}".strip()
            slug = "".join(ch for ch in name.lower() if ch.isalnum())[:20]
            contact = SeedContact(
                name=name,
                email=f"accounts@{slug}.example.com.au",
                phone=phone,
                street=street,
                city=suburb,
                postal_code=postcode,
                account_number=f"C{rng.randint(10000, 99999)}",
            )
        if contact.name.lower() in names:
            continue
        names.add(contact.name.lower())
        contacts.append(contact)
    return contacts


# ----- seeding -----------------------------------------------------------------------------------------


def seed_demo_organisations(store: SandboxStore, now: dt.datetime) -> None:
    """Create the demo organisations if this state file has none yet (idempotent)."""
    with store.transaction() as session:
        if store.setting(session, "xero.seed_version") is not None:
            return
        store.put_setting(session, "xero.seed_version", SEED_VERSION)
        created = now - dt.timedelta(days=400)
        demo = XeroOrganisation(
            tenant_id=DEMO_COMPANY_TENANT_ID,
            name=DEMO_COMPANY_NAME,
            short_code="!DemoA",
            position=0,
            created_utc=created,
        )
        second = XeroOrganisation(
            tenant_id=SECOND_TENANT_ID,
            name=SECOND_ORGANISATION_NAME,
            short_code="!Kooka",
            position=1,
            created_utc=created,
        )
        session.add_all([demo, second])
        session.flush()
        _seed_organisation(session, demo, now, contacts=generated_contacts())
        _seed_organisation(session, second, now, contacts=generated_contacts(25, seed=SEED_RANDOM + 1))
        from app.integrations.sandbox.xero.invoices import seed_invoices

        seed_invoices(session, demo, now, random.Random(SEED_RANDOM))


def _seed_organisation(
    session: Session, organisation: XeroOrganisation, now: dt.datetime, *, contacts: Sequence[SeedContact]
) -> None:
    records = Records(session, organisation.tenant_id)
    stamp = now - dt.timedelta(days=200)
    records.save("Organisation", organisation.tenant_id, organisation_document(organisation), now=stamp)
    for rate in AU_TAX_RATES:
        records.save("TaxRate", rate.tax_type, tax_rate_document(rate), now=stamp, key=rate.tax_type)
    for account in STANDARD_AU_CHART:
        document = account_document(organisation.tenant_id, account)
        records.save("Account", document["AccountID"], document, now=stamp, key=account.code)
    for item in DEMO_ITEMS:
        document = item_document(item)
        records.save("Item", document["ItemID"], document, now=stamp, key=item.code)
    rng = random.Random(SEED_RANDOM + 7)
    for index, contact in enumerate(contacts):
        # A few old contacts are archived, as in any organisation that has traded for a while.
        status = "ARCHIVED" if index >= len(_SUPPLIERS) and rng.random() < 0.04 else "ACTIVE"
        document = contact_document(contact, status=status)
        records.save("Contact", document["ContactID"], document, now=stamp - dt.timedelta(minutes=index))


def add_demo_contacts(
    store: SandboxStore,
    now: dt.datetime,
    contacts: Sequence[SeedContact],
    *,
    tenant_id: str = DEMO_COMPANY_TENANT_ID,
) -> list[str]:
    """Add ``contacts`` to an organisation (Demo Company (AU) by default), skipping names already there
    (an archived contact is added all the same: Xero wants names unique among active contacts only).

    Returns the ContactIDs of the contacts added. This is how the demo business puts its own customers,
    spelled a little differently, into Xero so the customer import has something to match and review.
    All are added in one transaction and one insert. A ContactNumber another contact holds is refused
    (``ValueError``), as Xero refuses it, and nothing is added.
    """
    with store.transaction() as session:
        records = Records(session, tenant_id)
        names: set[str] = set()
        numbers: set[str] = set()
        for existing in records.all("Contact"):
            names.add(str(existing.get("Name", "")).lower())
            if existing.get("ContactNumber"):
                numbers.add(str(existing["ContactNumber"]))
        new: list[tuple[str, Document, str | None]] = []
        for contact in contacts:
            name = contact.name.lower()
            if name in names and not contact.archived:
                continue
            if contact.contact_number:
                if contact.contact_number in numbers:
                    raise ValueError(
                        f"contact number {contact.contact_number!r} ({contact.name}) is another contact's"
                    )
                numbers.add(contact.contact_number)
            document = contact_document(contact)
            new.append((document["ContactID"], document, None))
            names.add(name)
        records.add_all("Contact", new, now=now)
    return [contact_id for contact_id, _, _ in new]


def add_accounts(
    store: SandboxStore,
    now: dt.datetime,
    accounts: Sequence[ChartAccount],
    *,
    tenant_id: str = DEMO_COMPANY_TENANT_ID,
) -> list[str]:
    """Add accounts to an organisation's chart (e.g. a 2,000-account chart for a benchmark); codes already
    in the chart are skipped. Returns the AccountIDs added."""
    added: list[str] = []
    with store.transaction() as session:
        records = Records(session, tenant_id)
        taken = {str(d.get("Code", "")).lower() for d in records.all("Account")}
        for account in accounts:
            if account.code.lower() in taken:
                continue
            document = account_document(tenant_id, account)
            records.save("Account", document["AccountID"], document, now=now, key=account.code)
            taken.add(account.code.lower())
            added.append(document["AccountID"])
    return added


def set_period_lock_date(
    store: SandboxStore, lock: dt.date | None, *, tenant_id: str = DEMO_COMPANY_TENANT_ID
) -> None:
    """Lock the organisation's books up to ``lock`` (documents dated on or before it are refused)."""
    with store.transaction() as session:
        organisation = session.get(XeroOrganisation, tenant_id)
        if organisation is None:
            raise ValueError(f"no organisation {tenant_id}")
        organisation.period_lock_date = (
            None if lock is None else dt.datetime(lock.year, lock.month, lock.day, tzinfo=dt.UTC)
        )
        records = Records(session, tenant_id)
        document = records.get("Organisation", tenant_id)
        if document is not None:
            if lock is None:
                document.pop("PeriodLockDate", None)
            else:
                document["PeriodLockDate"] = wire.msdate(lock)
            records.save("Organisation", tenant_id, document, now=dt.datetime.now(dt.UTC), touch=False)


def contact_from_mapping(values: dict[str, Any]) -> SeedContact:
    """A ``SeedContact`` from a JSON object with the same field names (for the control endpoint)."""

    def text(name: str) -> str | None:
        value = values.get(name)
        return None if value is None else str(value)

    def flag(name: str) -> bool:
        value = values.get(name, False)
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false")
        return value

    name = text("name")
    if not name:
        raise ValueError("every contact needs a name")
    return SeedContact(
        name=name,
        email=text("email"),
        first_name=text("first_name"),
        last_name=text("last_name"),
        phone=text("phone"),
        account_number=text("account_number"),
        tax_number=text("tax_number"),
        street=text("street"),
        city=text("city"),
        postal_code=text("postal_code"),
        contact_number=text("contact_number"),
        is_customer=flag("is_customer"),
        is_supplier=flag("is_supplier"),
        archived=flag("archived"),
    )
