# ruff: noqa: E501 - one row of the table per line reads best
"""The customer matcher against a hand-written table of tricky pairs.

The table is written by hand and kept apart from any data generator, so the test is not circular: each
row says what a careful bookkeeper would decide for one local customer and one package contact.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.services.customer_matching import (
    MatchKey,
    Party,
    PartyIndex,
    contact_number_for,
    customer_id_from_contact_number,
    find_match,
    match_all,
    normalise_name,
)

LOCAL_ID = 17


@dataclass(frozen=True)
class Local:
    name: str
    account: str = ""
    abn: str = ""
    email: str = ""
    linked_to: str | None = None  # the contact id already linked


@dataclass(frozen=True)
class Contact:
    name: str
    number: str = ""  # Xero ContactNumber, where we keep our own customer id
    account: str = ""
    abn: str = ""
    email: str = ""


LINK = "link"
CREATE = "create"
CONFLICT = "conflict"

# (local customer, package contact, expected action, expected key for a link, why)
PAIRS: list[tuple[Local, Contact, str, MatchKey | None, str]] = [
    # --- the same business written differently: link ---
    (Local("Smith & Sons Plumbing Pty Ltd"), Contact("Smith and Sons Plumbing"), LINK, MatchKey.NAME, "& / and, suffix"),
    (Local("Smith & Sons Plumbing Pty. Ltd."), Contact("SMITH & SONS PLUMBING PTY LIMITED"), LINK, MatchKey.NAME, "Pty. Ltd. / PTY LIMITED"),
    (Local("The Coffee Club Southport"), Contact("Coffee Club Southport"), LINK, MatchKey.NAME, "leading The"),
    (Local("O'Brien Electrical"), Contact("OBrien Electrical"), LINK, MatchKey.NAME, "apostrophe"),
    (Local("O\u2019Connor Plumbing"), Contact("O'Connor Plumbing"), LINK, MatchKey.NAME, "curly apostrophe"),
    (Local("Joe's Pizza"), Contact("Joes Pizza"), LINK, MatchKey.NAME, "possessive"),
    (Local("Jones  Building   Co"), Contact("Jones Building Company"), LINK, MatchKey.NAME, "spacing, Co / Company"),
    (Local("Caf\u00e9 Nero"), Contact("Cafe Nero"), LINK, MatchKey.NAME, "accent"),
    (Local("Bright Spark Electrical Pty Ltd ATF Bright Family Trust"), Contact("Bright Spark Electrical"), LINK, MatchKey.NAME, "trustee wording"),
    (Local("Sunrise\u00a0Bakery "), Contact("Sunrise Bakery"), LINK, MatchKey.NAME, "non-breaking space"),
    (Local("BAYSIDE ROOFING"), Contact("Bayside Roofing"), LINK, MatchKey.NAME, "case"),
    (Local("A-1 Plumbing"), Contact("A1 Plumbing"), LINK, MatchKey.NAME, "hyphen"),
    (Local("Smith & Co"), Contact("Smith and Company"), LINK, MatchKey.NAME, "& Co / and Company"),
    (Local("Mr John Smith"), Contact("John Smith"), LINK, MatchKey.NAME, "honorific"),
    (Local("Smith, John"), Contact("John Smith"), LINK, MatchKey.NAME, "surname first"),
    (Local("Mrs Jane Doe"), Contact("Doe, Jane"), LINK, MatchKey.NAME, "honorific and surname first"),
    (Local("Harbour Plumbing", abn="54 529 078 454"), Contact("Harbour Plumbing"), LINK, MatchKey.NAME, "ABN on one side only"),
    (Local("Harbour Plumbing", email="old@harbour.com.au"), Contact("Harbour Plumbing", email="new@harbour.com.au"), LINK, MatchKey.NAME, "email changed: not a contradiction"),
    (Local("Westside Dental Pty Ltd", email="reception@westsidedental.com.au"), Contact("West Side Dental", email="Reception@WestsideDental.com.au"), LINK, MatchKey.EMAIL, "email, names share a word"),
    (Local("Example Pty Ltd", email="ACCOUNTS@Example.com "), Contact("Example Holdings", email="accounts@example.com"), LINK, MatchKey.EMAIL, "email case and spaces"),
    (Local("Tom's Tiling", email="tom@tiling.net"), Contact("Tom Tiling Pty Ltd", email="tom@tiling.net"), LINK, MatchKey.EMAIL, "email, similar names"),
    (Local("Acme Air Conditioning Pty Ltd", abn="54529078454"), Contact("Acme Aircon", abn="54 529 078 454"), LINK, MatchKey.ABN, "ABN, trading name differs"),
    (Local("Gold Coast Pools", abn="54 746 054 742"), Contact("GC Pools Pty Ltd", abn="54746054742"), LINK, MatchKey.ABN, "ABN spacing"),
    (Local("Jim's Mowing", abn="28839917215", email="jim@mowing.au"), Contact("Jameson Lawn Care", abn="28839917215", email="jim@mowing.au"), LINK, MatchKey.ABN, "ABN outranks email doubt"),
    (Local("K. Nguyen", account="CUST-0042"), Contact("Kim Nguyen", account="cust-0042"), LINK, MatchKey.ACCOUNT_NUMBER, "account number case"),
    (Local("Rivers Electrical", account="AC 100"), Contact("Rivers Elec", account="ac100"), LINK, MatchKey.ACCOUNT_NUMBER, "account number spacing"),
    (Local("Ms Lee"), Contact("Lee Family", number=contact_number_for(LOCAL_ID)), LINK, MatchKey.OWN_ID, "our id in the contact number"),
    (Local("Ms Lee"), Contact("Lee Family", number="lbc-17"), LINK, MatchKey.OWN_ID, "our id, lower case"),
    (Local("Anything", linked_to="c1"), Contact("Something Else Entirely"), LINK, MatchKey.LINKED, "already linked wins"),
    (Local("Anything", abn="54529078454", linked_to="c1"), Contact("Other", abn="96035417009"), LINK, MatchKey.LINKED, "a held link is not re-judged"),
    # --- different businesses that look alike: create ---
    (Local("Smith Plumbing"), Contact("Smith Electrical"), CREATE, None, "different trade"),
    (Local("Coastal Plumbing Gold Coast"), Contact("Coastal Plumbing Sunshine Coast"), CREATE, None, "different region"),
    (Local("ABC Electrical"), Contact("ABC Electrical Services"), CREATE, None, "extra word: left to the bookkeeper"),
    (Local("J Smith"), Contact("John Smith"), CREATE, None, "initial only"),
    (Local("Smith Plumbing Pty Ltd"), Contact("Smith Plumbing Services Pty Ltd"), CREATE, None, "extra word"),
    (Local("Northside Electrical"), Contact("Southside Electrical"), CREATE, None, "one word differs"),
    (Local("St George Dental"), Contact("Saint George Dental"), CREATE, None, "abbreviation not guessed"),
    (Local("McDonald Electrical"), Contact("Mc Donald Electrical"), CREATE, None, "split name not guessed"),
    (Local("Green Thumb Landscaping"), Contact("Green Thumb Landscapes"), CREATE, None, "similar word"),
    (Local("Smith Bros"), Contact("Smith Brothers"), CREATE, None, "abbreviation not guessed"),
    (Local("Kent Plumbing", abn="1234"), Contact("Kent Roofing", abn="1234"), CREATE, None, "a malformed ABN is no key"),
    (Local("Alpha Builders"), Contact("Beta Builders"), CREATE, None, "nothing in common but a word"),
    (Local("Ms Lee"), Contact("Lee Family", number="LBC-99"), CREATE, None, "another customer's id is no match for this one"),
    (Local("Ms Lee"), Contact("Lee Family", number="CUST-17"), CREATE, None, "a contact number that is not ours"),
    # --- keys that contradict each other: conflict for review ---
    (Local("Smith Plumbing", abn="54529078454"), Contact("Smith Plumbing", abn="96035417009"), CONFLICT, None, "same name, different ABN"),
    (Local("Smith Plumbing", account="C-1"), Contact("Smith Plumbing", account="C-2"), CONFLICT, None, "same name, different account number"),
    (Local("Jones Electrical", email="admin@bookkeeping.com.au"), Contact("Harbour Cafe", email="admin@bookkeeping.com.au"), CONFLICT, None, "shared bookkeeper email"),
    (Local("Peak Roofing", email="ap@peak.com"), Contact("Accounts Payable", email="ap@peak.com"), CONFLICT, None, "email with an unrelated contact name"),
    (Local("Delta Air", account="C-1", abn="15743622402"), Contact("Delta Air Pty Ltd", account="C-2", abn="15743622402"), CONFLICT, None, "same ABN, different account number"),
    (Local("Omega Pools", account="AC9", abn="21935364408"), Contact("Omega Pools", account="ac9", abn="85758319598"), CONFLICT, None, "same account number, different ABN"),
    (Local("Ms Lee", abn="21349076353"), Contact("Lee Family", number=contact_number_for(LOCAL_ID), abn="45634814043"), CONFLICT, None, "our id but a different ABN"),
    (Local("Vista Glass", email="info@vista.com", abn="93835746886"), Contact("Vista Glass", email="info@vista.com", abn="17325050293"), CONFLICT, None, "email and name agree, ABN does not"),
]


def local_party(local: Local) -> Party:
    return Party(
        key=str(LOCAL_ID), name=local.name, account_number=local.account, abn=local.abn, email=local.email,
        linked_key=local.linked_to,
    )


def contact_party(contact: Contact) -> Party:
    own = customer_id_from_contact_number(contact.number)
    return Party(
        key="c1", name=contact.name, account_number=contact.account, abn=contact.abn, email=contact.email,
        own_id=str(own) if own is not None else None,
    )


def action_of(match_partner: Party | None, conflict: bool) -> str:
    if conflict:
        return CONFLICT
    return LINK if match_partner is not None else CREATE


def test_the_table_has_at_least_fifty_pairs() -> None:
    assert len(PAIRS) >= 50
    assert {row[2] for row in PAIRS} == {LINK, CREATE, CONFLICT}


@pytest.mark.parametrize(("local", "contact", "expected", "key", "why"), PAIRS, ids=[row[4] for row in PAIRS])
def test_import_direction(local: Local, contact: Contact, expected: str, key: MatchKey | None, why: str) -> None:
    """A contact from the package matched against our customers (the customer import)."""
    match = find_match(contact_party(contact), PartyIndex([local_party(local)]))
    assert action_of(match.partner, match.is_conflict) == expected, match.reason
    if expected == LINK:
        assert match.key is key
        assert match.partner is not None and match.partner.key == str(LOCAL_ID)
    if expected == CONFLICT:
        assert match.conflict and len(match.conflict) > 20  # a sentence for the bookkeeper


@pytest.mark.parametrize(("local", "contact", "expected", "key", "why"), PAIRS, ids=[row[4] for row in PAIRS])
def test_sync_direction_agrees(local: Local, contact: Contact, expected: str, key: MatchKey | None, why: str) -> None:
    """Our customer matched against the package's contacts (sync, before creating a contact)."""
    match = find_match(
        local_party(local), PartyIndex([contact_party(contact)]), own_id_of_party=str(LOCAL_ID)
    )
    assert action_of(match.partner, match.is_conflict) == expected, match.reason
    if expected == LINK:
        assert match.key is key


def test_two_customers_matching_one_contact_is_a_conflict() -> None:
    customers = PartyIndex([Party("1", "Smith Plumbing"), Party("2", "SMITH PLUMBING PTY LTD")])
    match = find_match(Party("c1", "Smith Plumbing"), customers)
    assert match.is_conflict and len(match.candidates) == 2
    assert "2 records" in match.reason


def test_one_customer_claimed_by_two_contacts_makes_both_conflicts() -> None:
    customers = PartyIndex([Party("1", "Harbour Cafe", email="hc@x.com")])
    contacts = [Party("c1", "Harbour Cafe", email="hc@x.com"), Party("c2", "Harbour Café Pty Ltd")]
    report = match_all(contacts, customers)
    assert [m.is_conflict for m in report.matches] == [True, True]
    assert all("2 records" in m.reason for m in report.matches)


def test_a_customer_linked_elsewhere_is_not_linked_again() -> None:
    customers = PartyIndex([Party("1", "Smith Plumbing", linked_key="c-old")])
    match = find_match(Party("c-new", "Smith Plumbing"), customers)
    assert match.is_conflict
    assert "already linked" in match.reason


def test_stronger_key_wins_over_name() -> None:
    customers = PartyIndex([Party("1", "Harbour Café Pty Ltd", email="hc@x.com"), Party("2", "Unrelated")])
    match = find_match(Party("c1", "Harbour Cafe", email="hc@x.com"), customers)
    assert match.partner is not None and match.partner.key == "1" and match.key is MatchKey.EMAIL


def test_contact_number_round_trip() -> None:
    assert customer_id_from_contact_number(contact_number_for(123)) == 123
    assert customer_id_from_contact_number("LBC-x") is None
    assert normalise_name("The Smith & Sons Plumbing Pty. Ltd.") == "smith and sons plumbing"


def test_a_conflict_says_why_in_a_form_callers_can_word_themselves() -> None:
    from app.services.customer_matching import ConflictKind

    customers = PartyIndex(
        [
            Party("1", "Twin Plumbing", side="here"),
            Party("2", "TWIN PLUMBING PTY LTD", side="here"),
            Party("3", "Solo Roofing", abn="54529078454", side="here"),
            Party("4", "Held Glass", linked_key="c-old", side="here"),
        ]
    )
    several = find_match(Party("c1", "Twin Plumbing", side="in Xero"), customers)
    contradicted = find_match(Party("c2", "Solo Roofing", abn="96035417009", side="in Xero"), customers)
    elsewhere = find_match(Party("c3", "Held Glass"), customers)
    assert (several.kind, contradicted.kind, elsewhere.kind) == (
        ConflictKind.SEVERAL,
        ConflictKind.CONTRADICTED,
        ConflictKind.LINKED_ELSEWHERE,
    )
    # Each ABN is said to be where it is, whichever side is being matched.
    assert "the ABNs differ (96035417009 in Xero, 54529078454 here)" in contradicted.reason
    report = match_all([Party("c6", "Bay Cafe"), Party("c7", "BAY CAFE PTY LTD")], PartyIndex([Party("8", "Bay Cafe")]))
    assert [m.kind for m in report.matches] == [ConflictKind.CLAIMED_TWICE] * 2
    assert [p.key for p in report.matches[0].claimed_by] == ["c6", "c7"]
