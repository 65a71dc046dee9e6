"""The Xero emulator's tables in the sandbox state file.

Identity (consents, codes, tokens, connections) is relational. Accounting records are kept as Xero's own
JSON documents (exactly what a GET returns), with the columns the emulator looks them up by beside them,
each indexed, so that a look-up reads the records it is after, not every record of the organisation.
Tokens and codes are stored only as SHA-256 digests, as a real identity server would.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.integrations.sandbox.store import SandboxBase


class XeroOrganisation(SandboxBase):
    """A Xero organisation (tenant) the demo user can connect."""

    __tablename__ = "xero_organisation"

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    name: Mapped[str]
    short_code: Mapped[str] = mapped_column(String(16))
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_utc: Mapped[dt.datetime]
    #: Next numbers Xero gives out when a document is created without one (INV-0001, CN-0001).
    next_invoice_number: Mapped[int] = mapped_column(Integer, default=1)
    next_credit_note_number: Mapped[int] = mapped_column(Integer, default=1)
    #: Documents dated on or before this date are refused (None: no lock date).
    period_lock_date: Mapped[dt.datetime | None] = mapped_column(default=None)


class XeroConsentRequest(SandboxBase):
    """An authorize request that passed its checks and is waiting for Allow or Cancel on the consent page."""

    __tablename__ = "xero_consent_request"

    request_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(Text, default=None)
    code_challenge: Mapped[str] = mapped_column(String(128))
    created_utc: Mapped[dt.datetime]
    answered: Mapped[bool] = mapped_column(Boolean, default=False)


class XeroAuthorizationCode(SandboxBase):
    __tablename__ = "xero_authorization_code"

    code_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    user_id: Mapped[str] = mapped_column(String(36))
    auth_event_id: Mapped[str] = mapped_column(String(36))
    issued_utc: Mapped[dt.datetime]
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class XeroRefreshToken(SandboxBase):
    """A refresh token; ``rotated_utc`` is when its successor was first issued (the grace period's start)."""

    __tablename__ = "xero_refresh_token"

    token_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(36))
    scope: Mapped[str] = mapped_column(Text)
    auth_event_id: Mapped[str] = mapped_column(String(36))
    issued_utc: Mapped[dt.datetime]
    last_used_utc: Mapped[dt.datetime]
    rotated_utc: Mapped[dt.datetime | None] = mapped_column(default=None)
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class XeroConnection(SandboxBase):
    """An organisation connected to an app by a user (``/connections``); kept when disconnected."""

    __tablename__ = "xero_connection"

    connection_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(36))
    tenant_id: Mapped[str] = mapped_column(String(36))
    auth_event_id: Mapped[str] = mapped_column(String(36))
    created_utc: Mapped[dt.datetime]
    updated_utc: Mapped[dt.datetime]
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class XeroRecord(SandboxBase):
    """One accounting record (Account, Contact, Invoice, ...) as its Xero JSON document."""

    __tablename__ = "xero_record"
    __table_args__ = (
        Index("ix_xero_record_lookup", "tenant_id", "kind", "lookup_key"),
        Index("ix_xero_record_folded", "tenant_id", "kind", "folded_key"),
        Index("ix_xero_record_contact", "tenant_id", "kind", "contact_key"),
        Index("ix_xero_record_updated", "tenant_id", "kind", "updated_utc"),
        # The highest creation number, read once per call that creates a record (``Records``).
        Index("ix_xero_record_sequence", "tenant_id", "sequence"),
    )

    tenant_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    #: The record's other handle, compared exactly: account or item code, invoice or credit note number,
    #: tax type, a contact's ContactNumber.
    lookup_key: Mapped[str | None] = mapped_column(String(255), default=None)
    #: What Xero compares without case: a contact's name (trimmed), an invoice or credit note's number;
    #: all lower case (``records.index_keys``).
    folded_key: Mapped[str | None] = mapped_column(String(255), default=None)
    #: The contact an invoice or credit note is for: its ContactID in lower case.
    contact_key: Mapped[str | None] = mapped_column(String(64), default=None)
    updated_utc: Mapped[dt.datetime]
    #: Creation order, the tie-break of Xero's default ordering.
    sequence: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(Text)


class XeroIdempotentReply(SandboxBase):
    """A reply kept for replay under an ``Idempotency-Key`` (per app, 6 minutes)."""

    __tablename__ = "xero_idempotent_reply"

    client_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    request_digest: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str] = mapped_column(String(128))
    body: Mapped[str] = mapped_column(Text)
    created_utc: Mapped[dt.datetime]
