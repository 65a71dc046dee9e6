"""What the sync client reads and undoes in the sandbox: documents voided or deleted since a moment, read a
page at a time, and credit note allocations taken off again (reference 3.3, 4.4, 4.6)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import requests

from app.integrations.sandbox.server import SandboxServer
from app.integrations.sandbox.xero import wire
from tests.integration.sandbox.conftest import XeroSession
from tests.integration.sandbox.contract import ContractChecker, load_contract
from tests.integration.sandbox.test_records import first, messages, new_customer, sales_invoice

MONEY_APPLIED = "This document cannot be edited as it has a payment or credit note allocated to it."
#: The way the sync client pulls voided credit notes (app/integrations/xero.py).
CREDIT_NOTES_VOIDED = 'Type=="ACCRECCREDIT" AND (Status=="VOIDED" OR Status=="DELETED")'


@pytest.fixture
def checker(sandbox: SandboxServer) -> ContractChecker:
    return ContractChecker(
        load_contract("xero_accounting.yaml"),
        load_contract("xero-identity.yaml"),
        sandbox.endpoints()["xero"]["api"],
        sandbox.base_url + "/xero/api",
    )


def checked(checker: ContractChecker, response: requests.Response) -> requests.Response:
    """``response``, once its request and the answer both keep to the contract."""
    checker.check_request(response)
    checker.check(response)
    return response


def since(moment: dt.datetime) -> dict[str, str]:
    """``If-Modified-Since`` as the sync client sends it: UTC, whole seconds, with its Z."""
    return {"If-Modified-Since": moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")}


def updated(document: dict[str, Any]) -> dt.datetime:
    return wire.parse_msdate(document["UpdatedDateUTC"])


def credit_note(
    api: XeroSession, contact_id: str, amount: Any = 110, *, status: str = "AUTHORISED"
) -> dict[str, Any]:
    body = {
        "Type": "ACCRECCREDIT",
        "Contact": {"ContactID": contact_id},
        "Date": "2026-10-02",
        "Status": status,
        "LineItems": [{"Description": "Goodwill", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200"}],
    }
    return first(api.put("/CreditNotes", {"CreditNotes": [body]}), "CreditNotes")


def allocate(api: XeroSession, note: dict[str, Any], invoice: dict[str, Any], amount: Any) -> Any:
    return api.put(
        f"/CreditNotes/{note['CreditNoteID']}/Allocations",
        {
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": amount, "Date": "2026-10-03"}
            ]
        },
    )


def status_to(api: XeroSession, collection: str, document_id: str, status: str) -> Any:
    return api.post(f"/{collection}/{document_id}", {collection: [{"Status": status}]})


def pages(
    api: XeroSession,
    checker: ContractChecker,
    collection: str,
    params: dict[str, Any],
    headers: dict[str, str],
) -> list[list[dict[str, Any]]]:
    """Every page of a paged read, as the sync client reads them (until a short page)."""
    found: list[list[dict[str, Any]]] = []
    page = 1
    while True:
        answer = checked(checker, api.get(f"/{collection}", params={**params, "page": page}, headers=headers))
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["pagination"]["page"] == page
        found.append(body[collection])
        if len(body[collection]) < int(params["pageSize"]):
            return found
        page += 1


def test_invoices_voided_or_deleted_since_a_moment_are_read_a_page_at_a_time(
    sandbox: SandboxServer, api: XeroSession, checker: ContractChecker
) -> None:
    contact_id = new_customer(api)
    approved = [sales_invoice(api, contact_id) for _ in range(3)]
    drafts = [sales_invoice(api, contact_id, status="DRAFT") for _ in range(2)]
    sandbox.clock.advance(120)  # well inside the access token's 30 minutes
    mark = sandbox.clock.now()
    assert all(updated(d) < mark - dt.timedelta(seconds=100) for d in approved + drafts)

    voided = [first(status_to(api, "Invoices", d["InvoiceID"], "VOIDED"), "Invoices") for d in approved[:2]]
    deleted = first(status_to(api, "Invoices", drafts[0]["InvoiceID"], "DELETED"), "Invoices")
    # Changed since the mark but neither voided nor deleted: not asked for.
    first(
        api.post(f"/Invoices/{approved[2]['InvoiceID']}", {"Invoices": [{"Reference": "late"}]}), "Invoices"
    )
    for document in [*voided, deleted]:
        assert updated(document) >= mark  # voiding and deleting stamp UpdatedDateUTC

    params = {"where": 'Type=="ACCREC"', "Statuses": "VOIDED,DELETED", "pageSize": 2}
    read = pages(api, checker, "Invoices", params, since(mark))
    assert [len(page) for page in read] == [2, 1]
    everything = [d for page in read for d in page]
    # Xero's default order: UpdatedDateUTC, then creation; the seed's old voided invoice is left out.
    assert [d["InvoiceID"] for d in everything] == [d["InvoiceID"] for d in [*voided, deleted]]
    assert [d["Status"] for d in everything] == ["VOIDED", "VOIDED", "DELETED"]
    assert all(d["LineItems"] for d in everything)  # paged reads carry the lines
    answer = checked(checker, api.get("/Invoices", params={**params, "page": 1}, headers=since(mark))).json()
    assert answer["pagination"] == {"page": 1, "pageSize": 2, "pageCount": 2, "itemCount": 3}

    # Second precision: a header in the last void's own second still finds it, the next second does not.
    last = updated(deleted).replace(microsecond=0)
    at = pages(api, checker, "Invoices", params, since(last))
    assert deleted["InvoiceID"] in [d["InvoiceID"] for page in at for d in page]
    after = checked(
        checker,
        api.get("/Invoices", params={**params, "page": 1}, headers=since(last + dt.timedelta(seconds=1))),
    ).json()
    assert after["Invoices"] == []
    assert after["pagination"]["itemCount"] == 0


def test_credit_notes_voided_since_a_moment_are_read_by_where_a_page_at_a_time(
    sandbox: SandboxServer, api: XeroSession, checker: ContractChecker
) -> None:
    contact_id = new_customer(api)
    notes = [credit_note(api, contact_id, 10 + n) for n in range(3)]
    draft = credit_note(api, contact_id, status="DRAFT")
    bill_credit = first(
        api.put(
            "/CreditNotes",
            {
                "CreditNotes": [
                    {
                        "Type": "ACCPAYCREDIT",
                        "Contact": {"ContactID": contact_id},
                        "Date": "2026-10-02",
                        "Status": "AUTHORISED",
                        "LineItems": [
                            {"Description": "Return", "Quantity": 1, "UnitAmount": 5, "AccountCode": "310"}
                        ],
                    }
                ]
            },
        ),
        "CreditNotes",
    )
    sandbox.clock.advance(120)  # well inside the access token's 30 minutes
    mark = sandbox.clock.now()
    voided = [first(status_to(api, "CreditNotes", n["CreditNoteID"], "VOIDED"), "CreditNotes") for n in notes]
    deleted = first(status_to(api, "CreditNotes", draft["CreditNoteID"], "DELETED"), "CreditNotes")
    first(status_to(api, "CreditNotes", bill_credit["CreditNoteID"], "VOIDED"), "CreditNotes")
    for document in [*voided, deleted]:
        assert updated(document) >= mark
        assert updated(document) > updated(
            next(n for n in [*notes, draft] if n["CreditNoteID"] == document["CreditNoteID"])
        )

    simple = pages(api, checker, "CreditNotes", {"where": 'Status=="VOIDED"', "pageSize": 2}, since(mark))
    assert [len(page) for page in simple] == [2, 2, 0]  # three sales credit notes, one supplier credit
    assert {d["Status"] for page in simple for d in page} == {"VOIDED"}

    read = pages(api, checker, "CreditNotes", {"where": CREDIT_NOTES_VOIDED, "pageSize": 3}, since(mark))
    assert [len(page) for page in read] == [3, 1]
    everything = [d for page in read for d in page]
    assert [d["CreditNoteID"] for d in everything] == [d["CreditNoteID"] for d in [*voided, deleted]]
    assert [d["Status"] for d in everything] == ["VOIDED", "VOIDED", "VOIDED", "DELETED"]

    later = checked(
        checker,
        api.get(
            "/CreditNotes",
            params={"where": CREDIT_NOTES_VOIDED, "page": 1, "pageSize": 3},
            headers=since(updated(deleted).replace(microsecond=0) + dt.timedelta(seconds=1)),
        ),
    ).json()
    assert later["CreditNotes"] == []


def test_taking_an_allocation_off_gives_the_credit_back_to_both_documents(
    sandbox: SandboxServer, api: XeroSession, checker: ContractChecker
) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)  # 110.00
    note = credit_note(api, contact_id, 100)  # 110.00 with GST
    allocation = first(allocate(api, note, invoice, 110), "Allocations")
    credited = first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")
    used = first(api.get(f"/CreditNotes/{note['CreditNoteID']}"), "CreditNotes")
    assert (credited["Status"], credited["AmountCredited"], credited["AmountDue"]) == ("PAID", 110.0, 0.0)
    assert (used["Status"], used["RemainingCredit"]) == ("PAID", 0.0)

    sandbox.clock.advance(60)
    removed = checked(
        checker, api.delete(f"/CreditNotes/{note['CreditNoteID']}/Allocations/{allocation['AllocationID']}")
    )
    assert removed.status_code == 200
    assert removed.json()["IsDeleted"] is True

    owing = first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")
    assert (owing["Status"], owing["AmountCredited"], owing["AmountDue"]) == ("AUTHORISED", 0.0, 110.0)
    assert owing["CreditNotes"] == []
    assert "FullyPaidOnDate" not in owing
    back = first(api.get(f"/CreditNotes/{note['CreditNoteID']}"), "CreditNotes")
    assert (back["Status"], back["RemainingCredit"], back["Allocations"]) == ("AUTHORISED", 110.0, [])
    assert "FullyPaidOnDate" not in back
    # Both changed, so an incremental read finds them.
    assert updated(owing) > updated(credited) and updated(back) > updated(used)
    # The same allocation cannot be taken off twice.
    again = api.delete(f"/CreditNotes/{note['CreditNoteID']}/Allocations/{allocation['AllocationID']}")
    assert again.status_code == 404

    # Part of the credit allocated: taking it off restores the part.
    part = first(allocate(api, note, invoice, 40.5), "Allocations")
    partly = first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")
    assert (partly["AmountCredited"], partly["AmountDue"]) == (40.5, 69.5)
    api.delete(f"/CreditNotes/{note['CreditNoteID']}/Allocations/{part['AllocationID']}")
    assert first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")["AmountDue"] == 110.0
    assert first(api.get(f"/CreditNotes/{note['CreditNoteID']}"), "CreditNotes")["RemainingCredit"] == 110.0


def test_a_credit_note_with_allocations_cannot_be_voided_and_one_without_can(
    sandbox: SandboxServer, api: XeroSession, checker: ContractChecker
) -> None:
    contact_id = new_customer(api)
    invoice = sales_invoice(api, contact_id)  # 110.00
    partly = credit_note(api, contact_id, 50)  # 55.00
    first(allocate(api, partly, invoice, 20), "Allocations")
    refused = checked(checker, status_to(api, "CreditNotes", partly["CreditNoteID"], "VOIDED"))
    assert messages(refused) == [MONEY_APPLIED]
    kept = first(api.get(f"/CreditNotes/{partly['CreditNoteID']}"), "CreditNotes")
    assert (kept["Status"], kept["RemainingCredit"], len(kept["Allocations"])) == ("AUTHORISED", 35.0, 1)

    fully = credit_note(api, contact_id, 20)  # 22.00
    first(allocate(api, fully, invoice, 22), "Allocations")
    assert first(api.get(f"/CreditNotes/{fully['CreditNoteID']}"), "CreditNotes")["Status"] == "PAID"
    assert messages(status_to(api, "CreditNotes", fully["CreditNoteID"], "VOIDED")) == [MONEY_APPLIED]
    assert first(api.get(f"/Invoices/{invoice['InvoiceID']}"), "Invoices")["AmountCredited"] == 42.0

    free = credit_note(api, contact_id, 10)
    sandbox.clock.advance(60)
    voided = first(
        checked(checker, status_to(api, "CreditNotes", free["CreditNoteID"], "VOIDED")), "CreditNotes"
    )
    assert voided["Status"] == "VOIDED"
    assert updated(voided) > updated(free)
    # Approved credit notes are voided, not deleted; a voided one is final.
    assert messages(status_to(api, "CreditNotes", kept["CreditNoteID"], "DELETED")) == [MONEY_APPLIED]
    assert messages(status_to(api, "CreditNotes", free["CreditNoteID"], "AUTHORISED")) == [
        "Credit Note not of valid status for modification"
    ]
    assert messages(allocate(api, voided, invoice, 1)) == ["Only AUTHORISED credit notes can be allocated."]
