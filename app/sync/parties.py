"""Customers and the package's contacts as the one matcher sees them (app.services.customer_matching)."""

from __future__ import annotations

from app.integrations.base import Contact
from app.models import Customer, SyncRecord
from app.services.customer_matching import Party, customer_id_from_contact_number


def customer_party(customer: Customer, link: SyncRecord | None) -> Party:
    return Party(
        key=str(customer.id),
        name=customer.name,
        account_number=customer.account_number,
        abn=customer.abn,
        email=customer.email,
        linked_key=link.remote_id if link is not None and link.remote_id else None,
    )


def contact_party(contact: Contact) -> Party:
    own = customer_id_from_contact_number(contact.contact_number)
    return Party(
        key=contact.ref.remote_id,
        name=contact.name,
        account_number=contact.account_number,
        abn=contact.tax_number,
        email=contact.email,
        own_id=str(own) if own is not None else None,
    )
