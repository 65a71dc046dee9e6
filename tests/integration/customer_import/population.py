"""A generated population of customers and package contacts, with the action each contact should get.

Kept apart from the hand-written table of tricky pairs (tests/unit/services/test_customer_matching.py):
the table proves each rule on its own, this proves them at scale and together. Every category below is
built so that exactly one rule decides it; ``expected`` says which, from the way the pair was written,
never from the matcher.

Names come from four word lists that share no word (and hold no company suffix, honorific or "the"), so
two different base names can never normalise to the same thing by accident.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

ADJECTIVES = (
    "Amber", "Azure", "Bronze", "Cobalt", "Copper", "Coral", "Crimson", "Ebony", "Emerald", "Garnet",
    "Golden", "Granite", "Hazel", "Indigo", "Ivory", "Jade", "Jasper", "Lilac", "Marble", "Maroon",
    "Ochre", "Onyx", "Opal", "Pearl", "Plum", "Quartz", "Russet", "Saffron", "Sable", "Scarlet",
    "Silver", "Slate", "Teal", "Topaz", "Umber", "Velvet", "Violet", "Walnut", "Willow", "Zinc",
    "Birch", "Cedar", "Maple", "Oakleaf", "Pine", "Rowan", "Aspen", "Alder", "Hickory", "Juniper",
    "Laurel", "Myrtle", "Sequoia", "Banksia", "Wattle", "Acacia", "Boronia", "Grevillea", "Kurrajong",
    "Tamarind",
)  # fmt: skip
NOUNS = (
    "Falcon", "Heron", "Otter", "Badger", "Wombat", "Koala", "Dingo", "Echidna", "Possum", "Quokka",
    "Kestrel", "Osprey", "Pelican", "Magpie", "Lorikeet", "Galah", "Cockatoo", "Brolga", "Jabiru", "Bilby",
    "Numbat", "Wallaby", "Platypus", "Dugong", "Gecko", "Goanna", "Marlin", "Barramundi", "Snapper",
    "Stingray", "Dolphin", "Orca", "Walrus", "Bison", "Lynx", "Panther", "Jaguar", "Puma", "Cheetah",
    "Leopard", "Ibex", "Gazelle", "Antelope", "Moose", "Elk", "Caribou", "Yak", "Alpaca", "Llama",
    "Camel", "Zebra", "Rhino", "Hippo", "Meerkat", "Mongoose", "Raccoon", "Beaver", "Marmot", "Condor",
    "Albatross",
)  # fmt: skip
TRADES = (
    "Plumbing", "Electrical", "Roofing", "Tiling", "Painting", "Glazing", "Fencing", "Landscaping",
    "Carpentry", "Flooring", "Plastering", "Bricklaying", "Concreting", "Joinery", "Cabinetry", "Guttering",
)  # fmt: skip
PLACES = (
    "Ballarat", "Bendigo", "Geelong", "Mildura", "Shepparton", "Wodonga", "Toowoomba", "Bundaberg",
    "Cairns", "Mackay", "Townsville", "Rockhampton", "Dubbo", "Bathurst", "Tamworth", "Wagga", "Albury",
    "Launceston", "Devonport", "Gladstone",
)  # fmt: skip

LINK = "link"
CREATE = "create"
UPDATE = "update"
SKIP = "skip"
CONFLICT = "conflict"

ABN_WEIGHTS = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)

Base = tuple[int, int, int, int]  # adjective, noun, trade, place (-1: no place)


@dataclass
class LocalSpec:
    """A customer in the local database. ``link`` is the index of the contact it is already linked to."""

    name: str
    email: str = ""
    abn: str = ""
    account: str = ""
    link: int | None = None
    #: The link's version is the contact's own (unchanged since linked), else an older one.
    link_current: bool = True
    #: Edited here since it was last in step with the package (revision above the pushed revision).
    changed_here: bool = False


@dataclass
class ContactSpec:
    name: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    email: str = ""
    abn: str = ""
    account: str = ""
    #: Index of the local customer whose id is in the contact number (``LBC-<id>``).
    number_of: int | None = None
    first_name: str = ""
    last_name: str = ""
    is_customer: bool = False
    is_supplier: bool = False
    archived: bool = False


@dataclass(frozen=True)
class Expected:
    """What the import should propose for one contact, by local indexes: ``customer`` is the customer
    linked, updated or skipped; ``candidates`` the customers a conflict names."""

    action: str
    customer: int | None = None
    key: str | None = None  # the MatchKey value of a link
    candidates: frozenset[int] = frozenset()
    category: str = ""
    #: The one field an update changes.
    changes: tuple[str, ...] = ()


@dataclass
class Population:
    customers: list[LocalSpec] = field(default_factory=list)
    contacts: list[ContactSpec] = field(default_factory=list)
    #: By contact index; contacts left out of the import (supplier-only, archived) have none.
    expected: dict[int, Expected] = field(default_factory=dict)
    left_out: set[int] = field(default_factory=set)

    def add_customer(self, spec: LocalSpec) -> int:
        self.customers.append(spec)
        return len(self.customers) - 1

    def add_contact(self, spec: ContactSpec, expected: Expected | None) -> int:
        self.contacts.append(spec)
        index = len(self.contacts) - 1
        if expected is None:
            self.left_out.add(index)
        else:
            self.expected[index] = expected
        return index

    def by_category(self, category: str) -> list[int]:
        return [index for index, expected in self.expected.items() if expected.category == category]


class _Names:
    """Unique base names drawn at random from the word lists."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[Base] = set()

    def new(self, *, place: bool | None = None) -> Base:
        while True:
            with_place = self.rng.random() < 0.5 if place is None else place
            base = (
                self.rng.randrange(len(ADJECTIVES)),
                self.rng.randrange(len(NOUNS)),
                self.rng.randrange(len(TRADES)),
                self.rng.randrange(len(PLACES)) if with_place else -1,
            )
            if base not in self.used:
                self.used.add(base)
                return base

    def sibling(self, base: Base, *, slot: int) -> Base:
        """A base name differing from ``base`` in one word (a different trade or place): a look-alike."""
        for _attempt in range(200):
            other = list(base)
            other[slot] = self.rng.randrange(len(TRADES) if slot == 2 else len(PLACES))
            candidate = (other[0], other[1], other[2], other[3])
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate
        return self.new()

    def unrelated(self, base: Base) -> Base:
        """A base name sharing no word with ``base``."""
        while True:
            other = self.new(place=base[3] >= 0)
            if all(other[slot] != base[slot] for slot in range(3)) and (base[3] < 0 or other[3] != base[3]):
                return other
            self.used.discard(other)


def text(base: Base) -> str:
    adjective, noun, trade, place = base
    words = [ADJECTIVES[adjective], NOUNS[noun], TRADES[trade]]
    if place >= 0:
        words.append(PLACES[place])
    return " ".join(words)


# Ways of writing one business's name that the matcher must see as the same (local, contact).
NAME_VARIANTS: tuple[Callable[[Base], tuple[str, str]], ...] = (
    lambda b: (f"{text(b)} Pty Ltd", text(b).upper()),
    lambda b: (text(b).replace(" ", " & ", 1), text(b).replace(" ", " and ", 1)),
    lambda b: (f"The {text(b)}", f"{text(b)} Pty. Limited"),
    lambda b: (f"{text(b)} Co.", f"{text(b).lower()} company"),
    lambda b: ("  ".join(text(b).split()), f"{text(b)}."),
    lambda b: (text(b).replace(" ", "-", 1), text(b).replace(" ", "", 1)),
)

#: The variants that keep the base name's words ("&" adds "and", the hyphen joins two words).
SAME_WORDS = (0, 2, 3, 4)


def valid_abn(rng: random.Random, taken: set[str]) -> str:
    """An 11-digit ABN whose check digits add up (Australian Business Register's scheme)."""
    while True:
        rest = [rng.randrange(10) for _ in range(9)]
        partial = sum(w * d for w, d in zip(ABN_WEIGHTS[2:], rest, strict=True))
        for first in range(1, 10):
            second = (-(partial + 10 * (first - 1))) % 89
            if second < 10:
                abn = "".join(str(d) for d in (first, second, *rest))
                if abn not in taken:
                    taken.add(abn)
                    return abn
                break


def spaced(abn: str) -> str:
    return f"{abn[:2]} {abn[2:5]} {abn[5:8]} {abn[8:]}"


@dataclass(frozen=True)
class Sizes:
    """How many of each category; ``scaled`` keeps the mix for other totals (the benchmark)."""

    name: int = 600
    account: int = 300
    abn: int = 300
    email: int = 300
    own_id: int = 100
    linked_unchanged: int = 150
    linked_changed: int = 150
    linked_version_only: int = 50
    linked_both_changed: int = 50
    abn_contradicts: int = 50
    two_contacts_one_customer: int = 50
    one_contact_two_customers: int = 50
    shared_email: int = 50
    linked_elsewhere: int = 25
    look_alike: int = 200
    suppliers_only: int = 200
    archived: int = 150
    customer_and_supplier: int = 100
    bad_abn: int = 20

    def scaled(self, factor: float) -> Sizes:
        return Sizes(**{name: max(1, round(value * factor)) for name, value in self.__dict__.items()})


def build_population(
    contacts_total: int, customers_total: int, *, seed: int = 20261127, sizes: Sizes | None = None
) -> Population:
    """``contacts_total`` contacts and ``customers_total`` customers; the named categories first, then
    plain new contacts and unmatched customers to make up the totals."""
    sizes = sizes or Sizes()
    rng = random.Random(seed)
    names = _Names(rng)
    abns: set[str] = set()
    serial = iter(range(1, 10**9))
    people = Population()

    def email() -> str:
        return f"office{next(serial)}@lbtest.example"

    def variant(base: Base, which: int) -> tuple[str, str]:
        return NAME_VARIANTS[which % len(NAME_VARIANTS)](base)

    # --- the same business written differently: link ---------------------------------------------------
    for i in range(sizes.name):
        base = names.new()
        local, theirs = variant(base, i)
        c = people.add_customer(LocalSpec(local, email=email()))
        people.add_contact(
            ContactSpec(theirs, email=email()), Expected(LINK, c, "same name", category="name")
        )
    for _i in range(sizes.account):
        number = f"T-{next(serial):06d}"
        c = people.add_customer(LocalSpec(text(names.new()), email=email(), account=number))
        people.add_contact(
            ContactSpec(text(names.new()), email=email(), account=number.lower().replace("-", "- ")),
            Expected(LINK, c, "same account number", category="account"),
        )
    for _i in range(sizes.abn):
        abn = valid_abn(rng, abns)
        c = people.add_customer(LocalSpec(text(names.new()), email=email(), abn=abn))
        people.add_contact(
            ContactSpec(text(names.new()), email=email(), abn=spaced(abn)),
            Expected(LINK, c, "same ABN", category="abn"),
        )
    for _i in range(sizes.email):
        base = names.new()
        address = email()
        c = people.add_customer(LocalSpec(text(base), email=address.capitalize()))
        people.add_contact(
            ContactSpec(f"{text(base)} Services", email=f" {address.upper()} "),
            Expected(LINK, c, "same email address", category="email"),
        )
    for _i in range(sizes.own_id):
        c = people.add_customer(LocalSpec(text(names.new()), email=email()))
        people.add_contact(
            ContactSpec(text(names.new()), email=email(), number_of=c),
            Expected(LINK, c, "our customer number is in the contact", category="own_id"),
        )

    # --- already linked ----------------------------------------------------------------------------------
    unchanged_customers: list[tuple[int, Base]] = []
    for i in range(sizes.linked_unchanged):
        base = names.new()
        # Spellings whose words are the base name's, so a third spelling (below) matches as well.
        local, theirs = variant(base, SAME_WORDS[i % len(SAME_WORDS)])
        address = email()
        c = people.add_customer(LocalSpec(local, email=address))
        contact = people.add_contact(
            ContactSpec(theirs, email=address), Expected(SKIP, c, category="linked_unchanged")
        )
        people.customers[c].link = contact
        unchanged_customers.append((c, base))
    for _i in range(sizes.linked_changed):
        name = text(names.new())
        c = people.add_customer(LocalSpec(name, email=email(), link_current=False))
        contact = people.add_contact(
            ContactSpec(name, email=email()),
            Expected(UPDATE, c, category="linked_changed", changes=("email",)),
        )
        people.customers[c].link = contact
    for _i in range(sizes.linked_version_only):
        name, address = text(names.new()), email()
        c = people.add_customer(LocalSpec(name, email=address, link_current=False))
        contact = people.add_contact(
            ContactSpec(name, email=address), Expected(SKIP, c, category="linked_version_only")
        )
        people.customers[c].link = contact
    for _i in range(sizes.linked_both_changed):
        name = text(names.new())
        c = people.add_customer(LocalSpec(name, email=email(), link_current=False, changed_here=True))
        contact = people.add_contact(
            ContactSpec(name, email=email()),
            Expected(CONFLICT, c, category="linked_both_changed", changes=("email",)),
        )
        people.customers[c].link = contact

    # --- keys that contradict, or several on one side: conflict ---------------------------------------
    for i in range(sizes.abn_contradicts):
        base = names.new()
        local, theirs = variant(base, i)
        c = people.add_customer(LocalSpec(local, email=email(), abn=valid_abn(rng, abns)))
        people.add_contact(
            ContactSpec(theirs, email=email(), abn=valid_abn(rng, abns)),
            Expected(CONFLICT, candidates=frozenset({c}), category="abn_contradicts"),
        )
    for i in range(sizes.two_contacts_one_customer):
        base = names.new()
        local, theirs = variant(base, i)
        address = email()
        c = people.add_customer(LocalSpec(local, email=address))
        for name, mail in ((theirs, email()), (f"{text(base)} Services", address.upper())):
            people.add_contact(
                ContactSpec(name, email=mail),
                Expected(CONFLICT, candidates=frozenset({c}), category="two_contacts_one_customer"),
            )
    for i in range(sizes.one_contact_two_customers):
        base = names.new()
        first = people.add_customer(LocalSpec(text(base), email=email()))
        second = people.add_customer(LocalSpec(f"{text(base).upper()} PTY LTD", email=email()))
        people.add_contact(
            ContactSpec(f"The {text(base)}" if i % 2 else f"{text(base)}, ", email=email()),
            Expected(CONFLICT, candidates=frozenset({first, second}), category="one_contact_two_customers"),
        )
    for _i in range(sizes.shared_email):
        base = names.new()
        shared = f"admin{next(serial)}@bookkeeping.example"
        c = people.add_customer(LocalSpec(text(base), email=shared))
        people.add_contact(
            ContactSpec(text(names.unrelated(base)), email=shared),
            Expected(CONFLICT, candidates=frozenset({c}), category="shared_email"),
        )
    for i, (c, base) in enumerate(unchanged_customers[: sizes.linked_elsewhere]):
        _local, theirs = variant(base, SAME_WORDS[(i + 1) % len(SAME_WORDS)])  # not the linked one's
        people.add_contact(
            ContactSpec(theirs, email=email()),
            Expected(CONFLICT, candidates=frozenset({c}), category="linked_elsewhere"),
        )

    # --- unmatched customers, look-alikes and contacts left out ---------------------------------------
    anchors = [names.new() for _ in range(sizes.look_alike + sizes.suppliers_only + sizes.archived)]
    for i, base in enumerate(anchors[: sizes.look_alike]):
        people.add_customer(LocalSpec(text(base), email=email()))
        sibling = names.sibling(base, slot=2 if i % 2 else 3)
        people.add_contact(ContactSpec(text(sibling), email=email()), Expected(CREATE, category="look_alike"))
    for i, base in enumerate(anchors[sizes.look_alike :]):
        people.add_customer(LocalSpec(text(base), email=email()))
        archived = i >= sizes.suppliers_only
        # The very same name: only being a supplier-only or archived contact keeps it out of the import.
        people.add_contact(
            ContactSpec(text(base), email=email(), is_supplier=not archived, archived=archived), None
        )
    for _i in range(sizes.customer_and_supplier):
        people.add_contact(
            ContactSpec(text(names.new()), email=email(), is_customer=True, is_supplier=True),
            Expected(CREATE, category="customer_and_supplier"),
        )
    for i in range(sizes.bad_abn):
        people.add_contact(
            ContactSpec(text(names.new()), email=email(), abn=f"{i:03d} 456"),
            Expected(CREATE, category="bad_abn"),
        )
    while len(people.customers) < customers_total:
        people.add_customer(LocalSpec(text(names.new()), email=email()))
    i = 0
    while len(people.contacts) < contacts_total:
        i += 1
        person = i % 5 == 0
        people.add_contact(
            ContactSpec(
                text(names.new()),
                email=email(),
                is_customer=i % 3 == 0,
                first_name="Sam" if person else "",
                last_name=f"Lee{i}" if person else "",
            ),
            Expected(CREATE, category="new"),
        )
    return people


def shuffled(population: Population, seed: int = 5) -> Iterator[int]:
    """Contact indexes in a random order (the package lists contacts by last change, not by category)."""
    order = list(range(len(population.contacts)))
    random.Random(seed).shuffle(order)
    yield from order
