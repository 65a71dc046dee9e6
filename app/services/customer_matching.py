"""The one customer matcher, used by the customer import and by sync before creating a contact.

Keys, strongest first (DESIGN.md "Import customers"): the link we already hold, our own customer id kept
in the package's contact number, the account number, the ABN, the email address, then the name after
normalising case, spacing, punctuation, "&"/"and" and company suffixes ("Pty Ltd", "Pty. Limited", ...).

A match on one key is only proposed when no other key contradicts it: two different ABNs or account
numbers, or an email shared by businesses whose names have nothing in common. Xero names are unique
among active contacts, so a contradicted or ambiguous match is never linked silently; it goes to the
bookkeeper as a conflict (peers.md pain point 3: competitors match on exact names and duplicate).

Matching is done through dict indexes, so it is linear in the number of records on both sides.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Our customer id is kept in the package's contact number ("Contact Code" in Xero) with this prefix.
CONTACT_NUMBER_PREFIX = "LBC-"


def contact_number_for(customer_id: int) -> str:
    return f"{CONTACT_NUMBER_PREFIX}{customer_id}"


def customer_id_from_contact_number(contact_number: str) -> int | None:
    text = contact_number.strip()
    if text.upper().startswith(CONTACT_NUMBER_PREFIX) and text[len(CONTACT_NUMBER_PREFIX) :].isdigit():
        return int(text[len(CONTACT_NUMBER_PREFIX) :])
    return None


# -- normalising ----------------------------------------------------------------------------------------

# Company-form words that do not tell two businesses apart. Order matters: longest phrases first.
_SUFFIXES = (
    "proprietary limited",
    "pty limited",
    "pty ltd",
    "pty",
    "limited",
    "ltd",
    "incorporated",
    "inc",
    "corporation",
    "corp",
    "co",
    "company",
    "llc",
    "plc",
)
_SUFFIX_RE = re.compile(r"(?:\s+(?:" + "|".join(re.escape(s) for s in _SUFFIXES) + r"))+\s*$")
_TRADING_AS_RE = re.compile(r"\s+(?:t/a|t/as|trading as|atf|as trustee for)\s+.*$")
_JOINING_RE = re.compile(r"['’`.\-]")  # O'Brien = OBrien, A-1 = A1, Pty. = Pty
_NON_WORD_RE = re.compile(r"[^\w\s]")
_SPACES_RE = re.compile(r"\s+")
_HONORIFIC_RE = re.compile(r"^(?:mr|mrs|ms|miss|mx|dr)\s+")
_STOP_TOKENS = frozenset({"the", "and", "of", "services", "service", "group", "australia", "aust", "au"})


def _fold(text: str) -> str:
    if text.isascii():  # most names: nothing to decompose (and this is the matcher's hottest line)
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def normalise_name(name: str) -> str:
    """Fold a name for matching: "The Smith & Sons Pty. Ltd." -> "smith and sons"."""
    text = _fold(name).replace("&", " and ").replace("+", " and ")
    text = _TRADING_AS_RE.sub("", " " + text).strip()
    text = _JOINING_RE.sub("", text)
    text = _NON_WORD_RE.sub(" ", text)
    text = _SPACES_RE.sub(" ", text).strip()
    text = _SUFFIX_RE.sub("", " " + text).strip()
    text = _HONORIFIC_RE.sub("", text)
    if text.startswith("the "):
        text = text[4:]
    return text


def name_key(name: str) -> str:
    """The name as matched: normalised, words in order, so "Smith, John" matches "John Smith"."""
    return " ".join(sorted(normalise_name(name).split()))


def name_tokens(name: str) -> frozenset[str]:
    return frozenset(t for t in normalise_name(name).split() if len(t) > 1 and t not in _STOP_TOKENS)


def normalise_abn(abn: str) -> str:
    digits = re.sub(r"\D", "", abn)
    return digits if len(digits) == 11 else ""


def normalise_email(email: str) -> str:
    text = email.strip().casefold()
    return text if "@" in text else ""


def normalise_account_number(number: str) -> str:
    return re.sub(r"\s+", "", number).casefold()


# -- the records matched --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Party:
    """A customer or contact as the matcher sees it, on either side.

    ``key`` identifies the record on its own side (our customer id, or the package's contact id);
    ``linked_key`` is the record on the other side it is already linked to, if any; ``own_id`` is our
    customer id where the record carries it (a contact's contact number ``LBC-<id>``).
    """

    key: str
    name: str
    account_number: str = ""
    abn: str = ""
    email: str = ""
    linked_key: str | None = None
    own_id: str | None = None
    #: Where the record is, as a sentence says it ("here", "in Xero"); empty: "here" for the record being
    #: matched and "there" for the one it is matched against.
    side: str = ""

    @property
    def norm_name(self) -> str:
        return name_key(self.name)

    @property
    def norm_abn(self) -> str:
        return normalise_abn(self.abn)

    @property
    def norm_email(self) -> str:
        return normalise_email(self.email)

    @property
    def norm_account(self) -> str:
        return normalise_account_number(self.account_number)


class MatchKey(enum.StrEnum):
    LINKED = "already linked"
    OWN_ID = "our customer number is in the contact"
    ACCOUNT_NUMBER = "same account number"
    ABN = "same ABN"
    EMAIL = "same email address"
    NAME = "same name"


class ConflictKind(enum.StrEnum):
    """Why a match went to review, for callers that word it themselves."""

    SEVERAL = "several"  # the key matches several records on the other side
    LINKED_ELSEWHERE = "linked_elsewhere"  # the one record matched is linked to another record already
    CONTRADICTED = "contradicted"  # another key disagrees
    CLAIMED_TWICE = "claimed_twice"  # several records of this side match the same one (``claimed_by``)


@dataclass(frozen=True)
class Match:
    """The outcome for one record: a partner on the other side, nothing, or a conflict to review."""

    party: Party
    partner: Party | None
    key: MatchKey | None
    conflict: str | None = None
    candidates: tuple[Party, ...] = ()
    kind: ConflictKind | None = None
    #: For CLAIMED_TWICE: every record of this side that matched the same candidate.
    claimed_by: tuple[Party, ...] = ()

    @property
    def is_conflict(self) -> bool:
        return self.conflict is not None

    @property
    def reason(self) -> str:
        if self.conflict:
            return self.conflict
        if self.key is None:
            return "no customer matches"
        return self.key.value


def _names_compatible(a: Party, b: Party) -> bool:
    """Whether two names could be the same business or person (used to doubt an email-only match)."""
    if a.norm_name == b.norm_name:
        return True
    ta, tb = name_tokens(a.name), name_tokens(b.name)
    return bool(ta & tb)


def contradiction(a: Party, b: Party, key: MatchKey) -> str | None:
    """A sentence saying which other key disagrees, or None when nothing does."""
    here, there = a.side or "here", b.side or "there"
    if key is not MatchKey.ABN and a.norm_abn and b.norm_abn and a.norm_abn != b.norm_abn:
        return f"the ABNs differ ({a.abn.strip()} {here}, {b.abn.strip()} {there})"
    if (
        key is not MatchKey.ACCOUNT_NUMBER
        and a.norm_account
        and b.norm_account
        and a.norm_account != b.norm_account
    ):
        return (
            f"the account numbers differ ({a.account_number.strip()} {here}, "
            f"{b.account_number.strip()} {there})"
        )
    if key is MatchKey.EMAIL and not _names_compatible(a, b):
        return f"the names ('{a.name}' and '{b.name}') have nothing in common"
    return None


class PartyIndex:
    """The records of one side, indexed by every key, for matching the other side against."""

    def __init__(self, parties: Iterable[Party]) -> None:
        self.parties: list[Party] = list(parties)
        self.by_key: dict[str, Party] = {}
        self._by: dict[MatchKey, dict[str, list[Party]]] = {key: defaultdict(list) for key in MatchKey}
        for party in self.parties:
            self.by_key[party.key] = party
            if party.linked_key:
                self._by[MatchKey.LINKED][party.linked_key].append(party)
            if party.own_id:
                self._by[MatchKey.OWN_ID][party.own_id].append(party)
            for key, value in (
                (MatchKey.ACCOUNT_NUMBER, party.norm_account),
                (MatchKey.ABN, party.norm_abn),
                (MatchKey.EMAIL, party.norm_email),
                (MatchKey.NAME, party.norm_name),
            ):
                if value:
                    self._by[key][value].append(party)

    def lookup(self, key: MatchKey, value: str) -> list[Party]:
        return self._by[key].get(value, []) if value else []


def _values_for(party: Party, key: MatchKey) -> str:
    match key:
        case MatchKey.LINKED:
            return party.key
        case MatchKey.OWN_ID:
            return party.own_id or ""
        case MatchKey.ACCOUNT_NUMBER:
            return party.norm_account
        case MatchKey.ABN:
            return party.norm_abn
        case MatchKey.EMAIL:
            return party.norm_email
        case MatchKey.NAME:
            return party.norm_name


def find_match(party: Party, other_side: PartyIndex, *, own_id_of_party: str | None = None) -> Match:
    """Match one record against the other side's index, key by key, strongest first.

    ``own_id_of_party`` is our customer id when ``party`` is a local customer (so a contact carrying it
    in its contact number is found); contacts carry theirs in ``Party.own_id``.
    """
    # 1. A link recorded on either side.
    if party.linked_key and party.linked_key in other_side.by_key:
        return Match(party, other_side.by_key[party.linked_key], MatchKey.LINKED)
    linked_here = other_side.lookup(MatchKey.LINKED, party.key)
    if len(linked_here) == 1:
        return Match(party, linked_here[0], MatchKey.LINKED)
    # 2. Our own customer id, written into the contact by an earlier sync.
    if own_id_of_party:
        carrying = other_side.lookup(MatchKey.OWN_ID, own_id_of_party)
        if carrying:
            return _decide(party, carrying, MatchKey.OWN_ID)
    if party.own_id and party.own_id in other_side.by_key:
        return _decide(party, [other_side.by_key[party.own_id]], MatchKey.OWN_ID)
    # 3. The business keys, strongest first.
    for key in (MatchKey.ACCOUNT_NUMBER, MatchKey.ABN, MatchKey.EMAIL, MatchKey.NAME):
        candidates = other_side.lookup(key, _values_for(party, key))
        if candidates:
            return _decide(party, candidates, key)
    return Match(party, None, None)


def _decide(party: Party, candidates: Sequence[Party], key: MatchKey) -> Match:
    unlinked = [c for c in candidates if not c.linked_key or c.linked_key == party.key]
    if len(candidates) > 1:
        names = ", ".join(f"'{c.name}'" for c in candidates[:5])
        return Match(
            party,
            None,
            key,
            conflict=f"{key.value} as {len(candidates)} records ({names})",
            candidates=tuple(candidates),
            kind=ConflictKind.SEVERAL,
        )
    candidate = candidates[0]
    if not unlinked:
        return Match(
            party,
            None,
            key,
            conflict=f"{key.value} as '{candidate.name}', which is already linked to another record",
            candidates=(candidate,),
            kind=ConflictKind.LINKED_ELSEWHERE,
        )
    doubt = contradiction(party, candidate, key)
    if doubt is not None:
        return Match(
            party,
            None,
            key,
            conflict=f"{key.value} as '{candidate.name}', but {doubt}",
            candidates=(candidate,),
            kind=ConflictKind.CONTRADICTED,
        )
    return Match(party, candidate, key)


@dataclass
class MatchReport:
    """Every record of one side matched against the other, with cross-checks between the answers."""

    matches: list[Match] = field(default_factory=list)

    def partners_claimed_twice(self) -> dict[str, list[Match]]:
        claimed: dict[str, list[Match]] = defaultdict(list)
        for match in self.matches:
            if match.partner is not None and match.key is not MatchKey.LINKED:
                claimed[match.partner.key].append(match)
        return {key: found for key, found in claimed.items() if len(found) > 1}


def match_all(
    parties: Iterable[Party], other_side: PartyIndex, *, own_ids: dict[str, str] | None = None
) -> MatchReport:
    """Match many records; a partner claimed by two of them turns both into conflicts."""
    own_ids = own_ids or {}
    report = MatchReport([find_match(p, other_side, own_id_of_party=own_ids.get(p.key)) for p in parties])
    position = {match.party.key: i for i, match in enumerate(report.matches)}
    for partner_key, clashing in report.partners_claimed_twice().items():
        partner = other_side.by_key[partner_key]
        names = ", ".join(f"'{m.party.name}'" for m in clashing)
        for match in clashing:
            report.matches[position[match.party.key]] = Match(
                match.party,
                None,
                match.key,
                conflict=f"'{partner.name}' matches {len(clashing)} records ({names})",
                candidates=(partner,),
                kind=ConflictKind.CLAIMED_TWICE,
                claimed_by=tuple(m.party for m in clashing),
            )
    return report
