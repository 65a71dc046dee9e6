"""Reading and writing the link between a local record and its counterpart in the package (SyncRecord)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import AccountingPackage, SyncRecord, SyncRecordType, SyncState
from app.models.base import utcnow


def links_for(
    session: Session, package: AccountingPackage, tenant_id: str, record_type: SyncRecordType
) -> dict[int, SyncRecord]:
    """Every link of one record type, by local id (one query)."""
    rows = session.scalars(
        select(SyncRecord).where(
            SyncRecord.package == package,
            SyncRecord.tenant_id == tenant_id,
            SyncRecord.record_type == record_type,
        )
    )
    return {row.local_id: row for row in rows}


def link_for(
    session: Session, package: AccountingPackage, tenant_id: str, record_type: SyncRecordType, local_id: int
) -> SyncRecord | None:
    return session.scalars(
        select(SyncRecord).where(
            SyncRecord.package == package,
            SyncRecord.tenant_id == tenant_id,
            SyncRecord.record_type == record_type,
            SyncRecord.local_id == local_id,
        )
    ).one_or_none()


def record_link(
    session: Session,
    package: AccountingPackage,
    tenant_id: str,
    record_type: SyncRecordType,
    local_id: int,
    remote_id: str,
    *,
    revision: int,
    remote_version: str | None = None,
) -> SyncRecord:
    """Say that the package holds ``local_id`` at ``revision`` as ``remote_id`` (creating or updating)."""
    link = link_for(session, package, tenant_id, record_type, local_id)
    if link is None:
        link = SyncRecord(package=package, tenant_id=tenant_id, record_type=record_type, local_id=local_id)
        session.add(link)
    link.remote_id = remote_id
    link.remote_version = remote_version
    link.pushed_revision = revision
    link.state = SyncState.SENT
    link.message = ""
    link.pushed_at = utcnow()
    session.flush()
    return link


def linked_remote_ids(links: Iterable[SyncRecord]) -> dict[str, int]:
    """remote id -> local id, for the links that have one."""
    return {link.remote_id: link.local_id for link in links if link.remote_id}
