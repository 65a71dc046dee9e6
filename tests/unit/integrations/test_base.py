"""The neutral vocabulary: packages, account kinds, errors as sentences."""

from __future__ import annotations

from app.integrations.base import (
    AccountClass,
    AccountKind,
    AuthExpired,
    DailyLimitReached,
    NeedsReconnecting,
    OutcomeUnknown,
    PackageKind,
    RateLimited,
    RejectedByPackage,
    RemoteRef,
    Transient,
    WriteOutcome,
)
from app.models import AccountingPackage


def test_the_database_and_the_integrations_name_the_packages_alike() -> None:
    assert [kind.value for kind in PackageKind] == [package.value for package in AccountingPackage]
    assert [kind.label for kind in PackageKind] == [package.label for package in AccountingPackage]
    assert PackageKind.MYOB_ACCOUNTRIGHT.tenant_word == "company file"


def test_every_account_kind_has_a_class() -> None:
    classes = {kind: kind.account_class for kind in AccountKind}
    assert classes[AccountKind.BANK] is AccountClass.ASSET
    assert classes[AccountKind.CREDIT_CARD] is AccountClass.LIABILITY
    assert classes[AccountKind.OTHER_INCOME] is AccountClass.REVENUE
    assert classes[AccountKind.DIRECT_COSTS] is AccountClass.EXPENSE
    assert AccountKind.CURRENT_LIABILITY.label == "Current liability"


def test_errors_are_sentences_and_the_taxonomy_keeps_pauses_apart_from_stops() -> None:
    refused = RejectedByPackage("Invoice # must be unique.", field="InvoiceNumber")
    assert str(refused) == "Invoice # must be unique." and refused.field == "InvoiceNumber"
    assert issubclass(NeedsReconnecting, AuthExpired)
    assert issubclass(OutcomeUnknown, Transient)
    # A caller that sleeps on RateLimited must not sleep for a day.
    assert not issubclass(DailyLimitReached, RateLimited)
    limited = RateLimited("slow down", retry_after=22, problem="minute")
    assert (limited.retry_after, limited.problem) == (22, "minute")


def test_a_write_outcome_is_ok_only_with_a_reference_and_no_problem() -> None:
    assert WriteOutcome("inv-1@3", ref=RemoteRef("abc")).ok
    assert not WriteOutcome("inv-1@3", problem="Account code '999' is not a valid code for this document.").ok
