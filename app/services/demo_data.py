"""What the demo business is made of: customers, job types, materials, suppliers and the accounts they use.

Everything here is plain data or a pure function of a seed, with no database, so the accounting-package
sandbox can build its side of the demo (contacts spelled a little differently, a chart of accounts holding
the demo's income codes) from exactly the same facts as ``app.services.demo`` does.

The business is a Sydney plumbing, electrical and air-conditioning contractor. Phone numbers come from the
ranges the Australian Communications and Media Authority keeps for fiction, so none rings a real person;
ABNs carry a valid checksum but are made up.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass
from decimal import Decimal

DEMO_BUSINESS_NAME = "Harbour City Plumbing & Electrical"


# -- the accounting package's accounts the demo points at ------------------------------------------------


@dataclass(frozen=True)
class DemoAccount:
    """An account of Xero's standard Australian chart of accounts (as in "Demo Company (AU)")."""

    code: str
    name: str
    type: str  # Xero's AccountType

    @property
    def account_id(self) -> str:
        """A fixed AccountID for this code, so the sandbox's chart and the demo's overrides agree."""
        return demo_account_id(self.code)


_ACCOUNT_NAMESPACE = uuid.UUID("5d1f1c4e-2b7a-4f53-9a57-0c4a3d2e8b10")


def demo_account_id(code: str) -> str:
    """The AccountID the sandbox gives the standard chart's account ``code`` in the demo organisation."""
    return str(uuid.uuid5(_ACCOUNT_NAMESPACE, f"xero-au-demo-company:{code}"))


#: Revenue accounts of Xero's standard AU chart used as income codes by the demo's job types and materials.
DEMO_INCOME_ACCOUNTS: dict[str, DemoAccount] = {
    "200": DemoAccount("200", "Sales", "REVENUE"),
    "260": DemoAccount("260", "Other Revenue", "REVENUE"),
}

#: Expense accounts of the same chart that some of the demo's job expenses are posted to (overrides).
DEMO_EXPENSE_ACCOUNTS: dict[str, DemoAccount] = {
    "310": DemoAccount("310", "Cost of Goods Sold", "DIRECTCOSTS"),
    "429": DemoAccount("429", "General Expenses", "EXPENSE"),
    "449": DemoAccount("449", "Motor Vehicle Expenses", "EXPENSE"),
    "493": DemoAccount("493", "Travel - National", "EXPENSE"),
}


# -- job types and materials --------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoJobType:
    name: str
    description: str
    income_code: str  # a key of DEMO_INCOME_ACCOUNTS
    hourly_rate: Decimal
    labour_description: str
    for_businesses: float  # how likely a business customer's job is of this type (households: 1 - this)


DEMO_JOB_TYPES: tuple[DemoJobType, ...] = (
    DemoJobType(
        "Plumbing - Maintenance & Repairs",
        "Leaks, blockages, taps, toilets and pipework",
        "200",
        Decimal("125.00"),
        "Labour - licensed plumber",
        0.25,
    ),
    DemoJobType(
        "Hot Water Systems",
        "Repair and replacement of electric, gas and heat pump hot water units",
        "200",
        Decimal("130.00"),
        "Labour - plumber (hot water)",
        0.10,
    ),
    DemoJobType(
        "Electrical",
        "Power points, lighting, safety switches, smoke alarms and switchboards",
        "200",
        Decimal("120.00"),
        "Labour - licensed electrician",
        0.20,
    ),
    DemoJobType(
        "Air Conditioning (HVAC)",
        "Split and ducted systems: supply, installation, servicing and repairs",
        "200",
        Decimal("140.00"),
        "Labour - refrigeration mechanic",
        0.20,
    ),
    DemoJobType(
        "Backflow Testing & Compliance",
        "Annual backflow tests, thermostatic mixing valve servicing and compliance reports",
        "260",
        Decimal("150.00"),
        "Labour - backflow tester (accredited)",
        0.25,
    ),
)


@dataclass(frozen=True)
class DemoMaterial:
    code: str
    name: str
    unit_cost: Decimal
    unit_price: Decimal
    income_code: str | None  # None: the line takes its job type's income code
    gst_free: bool = False


def _m(
    code: str, name: str, cost: str, price: str, income: str | None = "200", gst_free: bool = False
) -> DemoMaterial:
    return DemoMaterial(code, name, Decimal(cost), Decimal(price), income, gst_free)


DEMO_MATERIALS: tuple[DemoMaterial, ...] = (
    _m("PL-001", "Copper pipe 15mm (per metre)", "9.80", "16.50"),
    _m("PL-002", "Copper pipe 20mm (per metre)", "14.20", "23.00"),
    _m("PL-003", "Brass ball valve 15mm", "12.40", "24.50"),
    _m("PL-004", "Flexible tap connector 300mm", "6.10", "14.00"),
    _m("PL-005", "Mixer tap cartridge 35mm", "28.00", "55.00"),
    _m("PL-006", "Toilet cistern inlet valve", "24.50", "48.00"),
    _m("PL-007", "Toilet cistern outlet valve", "26.00", "52.00"),
    _m("PL-008", "PVC DWV pipe 100mm (per metre)", "8.40", "15.00"),
    _m("PL-009", "PVC solvent cement 250ml", "11.20", "19.50"),
    _m("PL-010", "Tempering valve 15mm", "118.00", "210.00"),
    _m("PL-011", "Pressure limiting valve 500kPa", "62.00", "118.00"),
    _m("HW-001", "Electric storage hot water unit 250L", "980.00", "1450.00"),
    _m("HW-002", "Continuous flow gas hot water unit 26L", "1150.00", "1790.00"),
    _m("HW-003", "Heat pump hot water unit 270L", "2650.00", "3890.00"),
    _m("HW-004", "Temperature & pressure relief valve", "32.00", "68.00"),
    _m("HW-005", "Sacrificial anode 1000mm", "45.00", "95.00"),
    _m("HW-006", "Hot water element 3.6kW and thermostat", "58.00", "124.00"),
    _m("EL-001", "Double power point (GPO)", "9.50", "28.00"),
    _m("EL-002", "LED downlight 10W dimmable", "14.00", "36.00"),
    _m("EL-003", "Safety switch (RCBO) 20A", "48.00", "98.00"),
    _m("EL-004", "Circuit breaker 16A", "14.50", "34.00"),
    _m("EL-005", "Twin & earth cable 2.5mm (per metre)", "1.90", "4.20"),
    _m("EL-006", "Smoke alarm 240V interconnectable", "42.00", "89.00"),
    _m("EL-007", "Ceiling fan with light", "189.00", "320.00"),
    _m("EL-008", "Light switch 1 gang", "5.20", "18.00"),
    _m("EL-009", "Outdoor sensor light", "68.00", "135.00"),
    _m("EL-010", "Switchboard enclosure 24 pole", "165.00", "290.00"),
    _m("AC-001", "Split system 2.5kW (supply)", "780.00", "1150.00"),
    _m("AC-002", "Split system 7.1kW (supply)", "1490.00", "2190.00"),
    _m("AC-003", "Refrigerant R32 (per kg)", "38.00", "85.00"),
    _m("AC-004", "Pipe cover & insulation kit 4m", "42.00", "90.00"),
    _m("AC-005", "Wall bracket for outdoor unit", "36.00", "75.00"),
    _m("AC-006", "Return air filter set (ducted)", "28.00", "65.00"),
    _m("AC-007", "Condensate pump", "95.00", "185.00"),
    _m("BF-001", "Reduced pressure zone device 20mm", "420.00", "690.00"),
    _m("BF-002", "Double check valve assembly 20mm", "260.00", "450.00"),
    # Fees passed on at cost: a government charge carries no GST, so these lines are GST free.
    _m("BF-003", "Backflow test report lodgement (council fee)", "38.50", "38.50", "260", gst_free=True),
    # Charged on every kind of job, so left to the job type's income code.
    _m("GN-001", "Call-out fee", "0.00", "95.00", None),
    _m("GN-002", "Waste disposal (tip fee)", "30.00", "55.00", "260"),
    _m("GN-003", "Sundries & consumables", "8.00", "15.00", None),
)


@dataclass(frozen=True)
class DemoJobTemplate:
    """A kind of job a customer calls about, what the tradesperson wrote up, and what it usually takes."""

    description: str
    work_undertaken: str
    hours: tuple[float, float]
    materials: tuple[tuple[str, int, int], ...]  # (material code, least, most)
    quoted: bool = False  # big enough that the customer asks for a quote first


DEMO_JOB_TEMPLATES: dict[str, tuple[DemoJobTemplate, ...]] = {
    "Plumbing - Maintenance & Repairs": (
        DemoJobTemplate(
            "Leaking kitchen mixer tap",
            "Replaced the cartridge in the kitchen mixer tap and re-sealed the base. Tested for leaks; none "
            "found.",
            (0.5, 1.5),
            (("PL-005", 1, 1), ("PL-004", 0, 2)),
        ),
        DemoJobTemplate(
            "Toilet running continuously",
            "Replaced the cistern inlet and outlet valves, set the water level and tested the flush.",
            (1.0, 1.5),
            (("PL-006", 1, 1), ("PL-007", 1, 1)),
        ),
        DemoJobTemplate(
            "Blocked sewer line",
            "Cleared the sewer line with the electric eel; tree roots at the boundary trap. Recommended a "
            "CCTV inspection of the line.",
            (1.5, 3.0),
            (("GN-003", 1, 1), ("GN-002", 0, 1)),
        ),
        DemoJobTemplate(
            "Burst pipe under the house",
            "Cut out and replaced the damaged section of 15 mm copper pipe, fitted an isolation valve and "
            "pressure tested the line.",
            (2.0, 4.0),
            (("PL-001", 2, 6), ("PL-003", 1, 1), ("GN-003", 1, 1)),
        ),
        DemoJobTemplate(
            "Banging pipes - high water pressure",
            "Measured 920 kPa at the meter. Fitted a 500 kPa pressure limiting valve; pressure now within "
            "AS/NZS 3500.",
            (1.0, 2.0),
            (("PL-011", 1, 1), ("PL-002", 0, 1)),
        ),
        DemoJobTemplate(
            "Replace cracked laundry waste pipe",
            "Replaced the cracked 100 mm waste pipe from the laundry tub to the gully and re-bracketed it.",
            (2.0, 3.5),
            (("PL-008", 2, 4), ("PL-009", 1, 1)),
        ),
    ),
    "Hot Water Systems": (
        DemoJobTemplate(
            "No hot water - electric unit",
            "Element and thermostat had failed. Replaced both, checked the relief valve and tested the unit "
            "up to temperature.",
            (1.0, 2.0),
            (("HW-006", 1, 1),),
        ),
        DemoJobTemplate(
            "Replace electric hot water unit",
            "Removed the leaking unit and installed a new 250 L electric storage unit with a tempering "
            "valve. Old unit taken away for disposal.",
            (3.0, 4.5),
            (("HW-001", 1, 1), ("PL-010", 1, 1), ("GN-002", 1, 1), ("PL-001", 1, 3)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Upgrade to continuous flow gas hot water",
            "Installed a 26 L continuous flow gas unit, connected the gas and water services and fitted a "
            "tempering valve. Compliance certificate issued.",
            (4.0, 6.0),
            (("HW-002", 1, 1), ("PL-010", 1, 1), ("PL-002", 2, 4), ("GN-002", 1, 1)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Heat pump hot water installation",
            "Installed a 270 L heat pump hot water unit on a new slab, connected to the existing circuit. "
            "Rebate paperwork completed for the customer.",
            (5.0, 7.0),
            (("HW-003", 1, 1), ("PL-010", 1, 1), ("GN-002", 1, 1)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Relief valve leaking",
            "Replaced the temperature and pressure relief valve and flushed the unit.",
            (0.5, 1.0),
            (("HW-004", 1, 1),),
        ),
        DemoJobTemplate(
            "Anode inspection and replacement",
            "Anode was spent; fitted a new sacrificial anode. Unit otherwise in good condition.",
            (1.0, 1.5),
            (("HW-005", 1, 1),),
        ),
    ),
    "Electrical": (
        DemoJobTemplate(
            "Install additional power points",
            "Installed double power points in the home office on a new 20 A circuit. Tested and "
            "certificate of compliance issued.",
            (2.0, 4.0),
            (("EL-001", 2, 4), ("EL-005", 10, 30), ("EL-004", 1, 1)),
        ),
        DemoJobTemplate(
            "Replace halogen downlights with LED",
            "Replaced halogen downlights and transformers with dimmable LED downlights.",
            (1.5, 3.5),
            (("EL-002", 6, 14),),
        ),
        DemoJobTemplate(
            "Safety switch keeps tripping",
            "Traced the fault to a water-damaged outdoor power point. Replaced it and fitted an RCBO. All "
            "circuits tested.",
            (1.0, 2.5),
            (("EL-001", 1, 1), ("EL-003", 1, 1)),
        ),
        DemoJobTemplate(
            "Smoke alarm compliance upgrade",
            "Replaced the smoke alarms with 240 V interconnected units as NSW rules require for the "
            "property, and tested every alarm.",
            (2.0, 3.0),
            (("EL-006", 3, 6),),
        ),
        DemoJobTemplate(
            "Switchboard upgrade",
            "Replaced the old ceramic-fuse switchboard with a new enclosure, circuit breakers and RCBOs on "
            "every circuit. Tested and certificate issued.",
            (5.0, 8.0),
            (("EL-010", 1, 1), ("EL-003", 4, 6), ("EL-004", 2, 4)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Ceiling fan installation",
            "Installed ceiling fans with lights in the bedrooms, with new wall switches.",
            (2.0, 4.0),
            (("EL-007", 1, 3), ("EL-008", 1, 3), ("EL-005", 5, 15)),
        ),
        DemoJobTemplate(
            "Outdoor sensor lights",
            "Installed sensor lights at the driveway and back door and set the sensitivity and timer.",
            (1.5, 2.5),
            (("EL-009", 2, 3), ("EL-005", 10, 20)),
        ),
    ),
    "Air Conditioning (HVAC)": (
        DemoJobTemplate(
            "Supply and install split system - bedroom",
            "Supplied and installed a 2.5 kW split system: indoor unit on the external wall, outdoor unit on "
            "a wall bracket, isolator fitted, system vacuumed and commissioned.",
            (4.0, 6.0),
            (("AC-001", 1, 1), ("AC-004", 1, 1), ("AC-005", 1, 1), ("EL-005", 8, 15)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Supply and install split system - living area",
            "Supplied and installed a 7.1 kW split system with a back-to-back run, new dedicated circuit "
            "from the switchboard, commissioned and demonstrated to the customer.",
            (5.0, 7.0),
            (("AC-002", 1, 1), ("AC-004", 1, 2), ("EL-004", 1, 1), ("EL-005", 15, 30)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Air conditioner not cooling",
            "Found a refrigerant leak at the flare joint. Re-made the flare, pressure tested with nitrogen "
            "and re-gassed with R32.",
            (1.5, 3.0),
            (("AC-003", 1, 3),),
        ),
        DemoJobTemplate(
            "Annual service - ducted system",
            "Cleaned the return air filters, coil and drain; checked refrigerant pressures and controls. "
            "System operating normally.",
            (1.5, 2.5),
            (("AC-006", 1, 1), ("GN-003", 1, 1)),
        ),
        DemoJobTemplate(
            "Water leaking from indoor unit",
            "Drain line blocked and falling the wrong way. Re-ran the drain and fitted a condensate pump.",
            (1.5, 2.5),
            (("AC-007", 1, 1),),
        ),
    ),
    "Backflow Testing & Compliance": (
        DemoJobTemplate(
            "Annual backflow prevention test",
            "Tested the testable backflow device at the water meter: passed. Test report lodged with the "
            "water authority.",
            (0.5, 1.0),
            (("BF-003", 1, 1),),
        ),
        DemoJobTemplate(
            "Replace failed backflow device",
            "The backflow device failed its annual test. Replaced it with a new reduced pressure zone "
            "device, tested and lodged the report.",
            (2.0, 3.0),
            (("BF-001", 1, 1), ("BF-003", 1, 1)),
            quoted=True,
        ),
        DemoJobTemplate(
            "Backflow device repair",
            "Serviced the double check valve assembly (new seals and springs); re-tested and passed.",
            (1.5, 2.0),
            (("BF-002", 0, 1), ("BF-003", 1, 1)),
        ),
        DemoJobTemplate(
            "Thermostatic mixing valve service",
            "Serviced and tested the thermostatic mixing valves; all outlets between 43 and 45 C. Service "
            "certificates issued.",
            (2.0, 4.0),
            (("GN-003", 1, 2), ("PL-010", 0, 1)),
        ),
    ),
}

#: Monthly maintenance agreements some business customers hold (invoiced with no job of their own).
DEMO_MAINTENANCE_AGREEMENTS: tuple[tuple[str, Decimal], ...] = (
    ("Preventative maintenance agreement - plumbing and backflow", Decimal("420.00")),
    ("Preventative maintenance agreement - air conditioning", Decimal("380.00")),
    ("Common property maintenance - plumbing and electrical", Decimal("560.00")),
)
#: How many business customers hold one of those agreements.
DEMO_AGREEMENT_CUSTOMERS = 10


# -- people and places ----------------------------------------------------------------------------------

#: Customers that are businesses (they have an ABN, sites, and sometimes a maintenance agreement).
DEMO_BUSINESS_CUSTOMERS: tuple[str, ...] = (
    "Harbourside Property Management Pty Ltd",
    "Parramatta Dental Group",
    "Northshore Strata Services Pty Ltd",
    "Bayview Childcare Centre",
    "The Corner Bakehouse",
    "Greenway Medical Practice",
    "Summit Real Estate Chatswood",
    "Blue Gum Café",
    "Owners Corporation SP 45821",
    "Hillcrest Aged Care Pty Ltd",
    "Coastal Fitness Club",
    "St Brigid's Primary School",
    "Pacific Auto Repairs",
    "Lane Cove Veterinary Hospital",
    "Marrickville Laundromat",
    "Golden Wok Restaurant",
    "Ironbark Constructions Pty Ltd",
    "Owners Corporation SP 61204",
    "Eastside Physiotherapy",
    "Cronulla Beachfront Motel",
    "Brightstart Early Learning",
    "Hornsby Family Law",
    "Nepean Valley Storage",
    "Greenleaf Organic Grocer",
    "Thompson & Co Accountants",
    "Manly Dive Shop",
    "Castle Hill Community Church",
    "Redgum Joinery Pty Ltd",
    "Bondi Surf Hostel",
    "Ryde Rehabilitation Clinic",
)

#: Customers that are households (no ABN; one site, their home).
DEMO_HOUSEHOLD_CUSTOMERS: tuple[str, ...] = (
    "Michael & Sarah Nguyen",
    "David Chen",
    "Priya Sharma",
    "Tom & Emily O'Brien",
    "Margaret Wilson",
    "James Papadopoulos",
    "Aisha Rahman",
    "Luke & Hannah Fitzgerald",
    "Robert Kowalski",
    "Sophie Martin",
    "Daniel & Mei Lin",
    "Catherine Walsh",
    "Ahmed Haddad",
    "Grace Thompson",
    "Peter & Anne McDonald",
    "Ravi Patel",
    "Olivia Brown",
    "Ben Russo",
    "Helen Georgiou",
    "Matthew Clarke",
)

#: How "Demo Company (AU)" in the sandbox spells some demo customers (for the import review to match).
XERO_CONTACT_SPELLINGS: dict[str, str] = {
    "Harbourside Property Management Pty Ltd": "Harbourside Property Management",
    "Parramatta Dental Group": "Parramatta Dental Group Pty Ltd",
    "Blue Gum Café": "Blue Gum Cafe",
    "Thompson & Co Accountants": "Thompson and Co Accountants",
    "Lane Cove Veterinary Hospital": "Lane Cove Vet Hospital",
    "Owners Corporation SP 45821": "Owners Corp. SP45821",
    "St Brigid's Primary School": "St. Brigids Primary School",
    "Golden Wok Restaurant": "The Golden Wok Restaurant",
    "Hillcrest Aged Care Pty Ltd": "Hillcrest Aged Care Pty. Ltd.",
    "Coastal Fitness Club": "Coastal Fitness Club Inc",
    "Michael & Sarah Nguyen": "Michael Nguyen",
    "Tom & Emily O'Brien": "O'Brien, Tom & Emily",
}

FIRST_NAMES: tuple[str, ...] = (
    "Jack", "Olivia", "William", "Charlotte", "Noah", "Amelia", "Oliver", "Isla", "Thomas", "Mia",
    "Lachlan", "Chloe", "Ethan", "Zoe", "Liam", "Ruby", "Harrison", "Sienna", "Cooper", "Matilda",
    "Angus", "Georgia", "Riley", "Jessica", "Nathan", "Kate", "Samuel", "Leanne", "Craig", "Fiona",
)  # fmt: skip

LAST_NAMES: tuple[str, ...] = (
    "Smith", "Jones", "Williams", "Brown", "Wilson", "Taylor", "Nguyen", "Anderson", "Mitchell", "Kelly",
    "Murphy", "Campbell", "Stewart", "Tran", "Singh", "Harris", "Ryan", "Walker", "Robinson", "Young",
    "King", "Lee", "Martin", "Wright", "Scott", "Green", "Baker", "Hall", "Edwards", "Morris",
)  # fmt: skip


@dataclass(frozen=True)
class Suburb:
    name: str
    state: str
    postcode: str


SUBURBS: tuple[Suburb, ...] = (
    Suburb("Parramatta", "NSW", "2150"),
    Suburb("Chatswood", "NSW", "2067"),
    Suburb("Newtown", "NSW", "2042"),
    Suburb("Bondi", "NSW", "2026"),
    Suburb("Manly", "NSW", "2095"),
    Suburb("Penrith", "NSW", "2750"),
    Suburb("Castle Hill", "NSW", "2154"),
    Suburb("Hornsby", "NSW", "2077"),
    Suburb("Cronulla", "NSW", "2230"),
    Suburb("Liverpool", "NSW", "2170"),
    Suburb("Blacktown", "NSW", "2148"),
    Suburb("Ryde", "NSW", "2112"),
    Suburb("Marrickville", "NSW", "2204"),
    Suburb("Surry Hills", "NSW", "2010"),
    Suburb("Dee Why", "NSW", "2099"),
    Suburb("Epping", "NSW", "2121"),
    Suburb("Hurstville", "NSW", "2220"),
    Suburb("Bankstown", "NSW", "2200"),
    Suburb("Strathfield", "NSW", "2135"),
    Suburb("Mosman", "NSW", "2088"),
    Suburb("Lane Cove", "NSW", "2066"),
    Suburb("Baulkham Hills", "NSW", "2153"),
    Suburb("Miranda", "NSW", "2228"),
    Suburb("Maroubra", "NSW", "2035"),
)

STREETS: tuple[str, ...] = (
    "George Street", "Church Street", "Victoria Road", "Ocean Street", "Pacific Highway", "Railway Parade",
    "King Street", "Macquarie Street", "Hunter Street", "Bridge Road", "Forest Road", "Park Avenue",
    "Wattle Street", "Banksia Avenue", "Waratah Street", "Station Street", "Military Road", "Beach Road",
    "Jacaranda Crescent", "Oxford Street", "Marsden Road", "Old Northern Road", "Kingsway", "Anzac Parade",
)  # fmt: skip

#: Mobile numbers from ACMA's list of numbers set aside for use in fiction.
FICTIONAL_MOBILES: tuple[str, ...] = (
    "0491 570 006", "0491 570 156", "0491 570 157", "0491 570 158", "0491 570 159", "0491 570 110",
    "0491 570 313", "0491 570 737", "0491 571 266", "0491 571 491", "0491 571 804", "0491 572 549",
    "0491 572 665", "0491 572 983", "0491 573 770", "0491 573 087", "0491 574 118", "0491 574 632",
    "0491 575 254", "0491 575 789", "0491 576 398", "0491 576 801", "0491 577 426", "0491 577 644",
    "0491 578 957", "0491 578 148", "0491 578 888", "0491 579 212", "0491 579 760", "0491 579 455",
)  # fmt: skip

HOUSEHOLD_EMAIL_DOMAINS: tuple[str, ...] = ("gmail.com", "outlook.com", "bigpond.com", "icloud.com")


@dataclass(frozen=True)
class DemoSupplier:
    name: str
    email: str
    trades: tuple[str, ...]  # material code prefixes they sell ("" for none)
    bill_prefix: str  # how their own invoice numbers look


DEMO_SUPPLIERS: tuple[DemoSupplier, ...] = (
    DemoSupplier("Harbour City Plumbing Supplies", "accounts@hcplumbingsupplies.com.au", ("PL", "GN"), "HCP"),
    DemoSupplier("Sparkway Electrical Wholesalers", "ar@sparkway.com.au", ("EL",), "SW-"),
    DemoSupplier("Coolair HVAC Distributors", "accounts@coolairhvac.com.au", ("AC",), "CA"),
    DemoSupplier("Metro Hot Water Centre", "sales@metrohotwater.com.au", ("HW",), "MHW"),
    DemoSupplier("Aquasafe Backflow Products", "orders@aquasafebackflow.com.au", ("BF",), "AQ-"),
    DemoSupplier("Westside Hardware & Timber", "trade@westsidehardware.com.au", ("GN", "PL"), "WH"),
    DemoSupplier("Sydney Skip Bins", "billing@sydneyskipbins.com.au", (), "SSB"),
    DemoSupplier("Tradesafe Equipment Hire", "hire@tradesafehire.com.au", (), "TEH"),
)

#: Costs a technician pays on the job: (description, supplier name or "", least, most, expense code or None).
DEMO_JOB_EXPENSES: tuple[tuple[str, str, Decimal, Decimal, str | None], ...] = (
    ("Skip bin hire (4 m3)", "Sydney Skip Bins", Decimal("280"), Decimal("420"), None),
    ("Drain camera hire (half day)", "Tradesafe Equipment Hire", Decimal("140"), Decimal("220"), None),
    ("Scissor lift hire (1 day)", "Tradesafe Equipment Hire", Decimal("260"), Decimal("380"), None),
    ("Parking at site", "", Decimal("12"), Decimal("45"), "493"),
    ("Tolls to site", "", Decimal("8"), Decimal("24"), "449"),
    ("Fittings bought on the way to site", "Westside Hardware & Timber", Decimal("18"), Decimal("95"), "310"),
    ("Council inspection booking fee", "", Decimal("75"), Decimal("150"), "429"),
)

DEMO_DEVICES: tuple[str, ...] = ("Sam's iPhone", "Priya's iPad")


# -- made-up but valid identifiers ------------------------------------------------------------------------

_ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)


def make_abn(rng: random.Random) -> str:
    """A made-up ABN that passes the Business Register's check, as its 11 digits (as customers store it).

    The check: subtract 1 from the first digit, weight the digits, and the sum divides by 89.
    """
    while True:
        body = [rng.randint(0, 9) for _ in range(9)]
        rest = sum(w * d for w, d in zip(_ABN_WEIGHTS[2:], body, strict=True))
        prefixes = [(a, b) for a in range(1, 10) for b in range(10) if (10 * (a - 1) + b + rest) % 89 == 0]
        if prefixes:
            a, b = rng.choice(prefixes)
            return f"{a}{b}" + "".join(str(d) for d in body)


def fictional_landline(rng: random.Random) -> str:
    """A Sydney number in a range ACMA keeps for fiction: (02) 5550 xxxx or (02) 7010 xxxx."""
    return f"(02) {rng.choice(('5550', '7010'))} {rng.randint(0, 9999):04d}"


# -- customers: a pure plan the sandbox can rebuild ---------------------------------------------------


@dataclass(frozen=True)
class DemoSite:
    name: str
    address: str  # one line, as printed on a job sheet


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    is_business: bool
    contact_person: str
    email: str
    phone: str
    abn: str
    billing_address: str  # Australia Post style: street line(s), then LOCALITY STATE POSTCODE
    account_number: str
    sites: tuple[DemoSite, ...]
    maintenance_agreement: int | None  # index into DEMO_MAINTENANCE_AGREEMENTS
    payment_terms_days: int


def _street_address(rng: random.Random, *, business: bool) -> tuple[str, Suburb]:
    suburb = rng.choice(SUBURBS)
    street = rng.choice(STREETS)
    number = rng.randint(1, 240)
    if business and rng.random() < 0.35:
        line = f"{rng.choice(('Shop', 'Suite', 'Level'))} {rng.randint(1, 12)}, {number} {street}"
    elif not business and rng.random() < 0.25:
        line = f"{rng.randint(1, 30)}/{number} {street}"
    else:
        line = f"{number} {street}"
    return line, suburb


def _one_line(line: str, suburb: Suburb) -> str:
    return f"{line}, {suburb.name} {suburb.state} {suburb.postcode}"


def _postal(line: str, suburb: Suburb) -> str:
    return f"{line}\n{suburb.name.upper()} {suburb.state} {suburb.postcode}"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _business_domain(name: str) -> str:
    words = [w for w in re.split(r"[\s&]+", name) if w and w not in {"Pty", "Ltd", "The", "Co", "SP"}]
    return _slug("".join(words[:2])) + ".com.au"


def demo_customers(seed: int) -> tuple[DemoCustomer, ...]:
    """The demo's customers for ``seed``: 30 businesses and 20 households, in a shuffled order."""
    rng = random.Random(f"{seed}:customers")
    names = [(name, True) for name in DEMO_BUSINESS_CUSTOMERS]
    names += [(name, False) for name in DEMO_HOUSEHOLD_CUSTOMERS]
    rng.shuffle(names)
    businesses = [name for name, business in names if business]
    with_agreement = set(rng.sample(businesses, DEMO_AGREEMENT_CUSTOMERS))
    mobiles = list(FICTIONAL_MOBILES)
    rng.shuffle(mobiles)
    used_accounts: set[str] = set()
    customers = []
    for index, (name, business) in enumerate(names):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if business:
            contact = f"{first} {last}"
            domain = _business_domain(name)
            mailbox = rng.choice(("accounts", "admin", "office", _slug(first)))
            email = f"{mailbox}@{domain}"
            phone = fictional_landline(rng)
            abn = make_abn(rng)
        else:
            contact = name
            first_name = name.split()[0]
            last_name = name.split()[-1]
            mailbox = f"{_slug(first_name)}.{_slug(last_name)}{rng.randint(1, 99)}"
            email = f"{mailbox}@{rng.choice(HOUSEHOLD_EMAIL_DOMAINS)}"
            phone = mobiles[index % len(mobiles)]
            abn = ""
        line, suburb = _street_address(rng, business=business)
        if business and rng.random() < 0.2:
            billing = _postal(f"PO Box {rng.randint(100, 2999)}", suburb)
        else:
            billing = _postal(line, suburb)
        sites = [DemoSite("Main site" if business else "Home", _one_line(line, suburb))]
        if business:
            for _ in range(rng.choice((0, 0, 1, 2, 3))):
                extra_line, extra_suburb = _street_address(rng, business=True)
                label = "Managed property" if "Property" in name or "Strata" in name else "Branch"
                sites.append(DemoSite(f"{label} - {extra_suburb.name}", _one_line(extra_line, extra_suburb)))
        stem = _slug(name.replace("Owners Corporation", "OC"))[:4].upper()
        number = 1
        while f"{stem}{number:03d}" in used_accounts:
            number += 1
        account = f"{stem}{number:03d}"
        used_accounts.add(account)
        agreement = None
        if name in with_agreement:
            agreement = rng.randrange(len(DEMO_MAINTENANCE_AGREEMENTS))
        customers.append(
            DemoCustomer(
                name=name,
                is_business=business,
                contact_person=contact,
                email=email,
                phone=phone,
                abn=abn,
                billing_address=billing,
                account_number=account,
                sites=tuple(sites),
                maintenance_agreement=agreement,
                payment_terms_days=rng.choice((14, 30)) if business else 7,
            )
        )
    return tuple(customers)
