"""Idempotency keys, payment references and the journal's plain words."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from app.integrations.base import RemotePayment, RemoteRef
from app.models import Payment
from app.sync.idempotency import MAX_KEY_LENGTH, request_key
from app.sync.journal import plain_reason
from app.sync.payments import matches_own, own_payment_id, payment_reference


def test_a_batch_rebuilt_from_the_same_revisions_has_the_same_key() -> None:
    members = [("invoice", 3, 2), ("invoice", 1, 1), ("invoice", 2, 5)]
    key = request_key("create invoices", members, body=["a", "b"])
    assert key == request_key("create invoices", list(reversed(members)), body=["a", "b"])
    assert len(key) <= MAX_KEY_LENGTH and key.startswith("lb1-")
    # Another revision, another body, another operation or a new generation: another key.
    assert key != request_key("create invoices", [("invoice", 3, 3), *members[1:]], body=["a", "b"])
    assert key != request_key("create invoices", members, body=["a", "c"])
    assert key != request_key("update invoices", members, body=["a", "b"])
    assert key != request_key("create invoices", members, body=["a", "b"], generation=1)
    # A record refused before goes again under a key of its own (Xero replays a refusal for 6 minutes);
    # one never refused leaves the key as it was.
    refused_once = request_key("create invoices", members, body=["a", "b"], refusals=[("invoice", 2, 1)])
    assert refused_once != key
    refused_twice = request_key("create invoices", members, body=["a", "b"], refusals=[("invoice", 2, 2)])
    assert refused_once != refused_twice
    assert key == request_key("create invoices", members, body=["a", "b"], refusals=[("invoice", 2, 0)])


def test_our_payment_reference_is_found_again() -> None:
    payment = Payment(id=42, amount=Decimal("10.00"), reference="Chq 1001")
    assert payment_reference(payment) == "LB-P42 Chq 1001"
    assert own_payment_id("LB-P42 Chq 1001") == 42 and own_payment_id("LB-P42") == 42
    assert own_payment_id("Bank feed LB-P42") is None and own_payment_id("LB-P42x") is None
    found = RemotePayment(
        RemoteRef("p"),
        "inv",
        Decimal("10.00"),
        dt.date(2026, 7, 1),
        "090",
        "LB-P42",
    )
    assert matches_own(found, 42, Decimal("10.00")) and not matches_own(found, 42, Decimal("10.01"))


def test_xeros_messages_in_plain_words() -> None:
    assert "remove the payment in Xero first" in plain_reason(
        "This document cannot be edited as it has a payment or credit note allocated to it.", voiding=True
    )
    assert "does not allow changing the amounts" in plain_reason(
        "This document cannot be edited as it has a payment or credit note allocated to it."
    )
    assert "account 999" in plain_reason("Account code '999' is not a valid code for this document.")
    assert "locked up to 30 Jun 2026" in plain_reason(
        "The document date cannot be before the period lock date, currently set at 30 Jun 2026."
    )
    assert plain_reason("Something new") == "Something new"
