"""The audit archive: each closed ticket's workflow histories, kept by the product itself.

Temporal deletes a closed workflow's history after its namespace's retention (24 hours on a
bare dev server), but auditors need it for years. So once a ticket's workflow has ended, its
export (the raw histories of every run plus the digest manifest, docs/audit.md) is written
here, gzip-compressed, once: the row is never updated afterwards, and a second archiving of
the same ticket is a no-op (the primary key).

A ticket whose history was already gone when archiving came to it gets a row too, with no
export and a `note`, so the gap is on record (and not retried every pass).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Integer, LargeBinary, String, Text, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.db import dialect_insert
from models.tables import Base, TicketRow, utcnow
from models.utc import UtcDateTime, as_utc


class AuditArchive(Base):
    __tablename__ = "audit_archives"
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    workflow_id: Mapped[str] = mapped_column(String(64))
    run_count: Mapped[int] = mapped_column(Integer)
    event_count: Mapped[int] = mapped_column(Integer)
    export_digest: Mapped[str | None] = mapped_column(String(64))
    workflow_closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    archived_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)  # the uncompressed export
    # Deferred: listings and `entry` never load the export; `load` selects it alone.
    export_gz: Mapped[bytes | None] = mapped_column(LargeBinary, deferred=True)
    note: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class ArchiveEntry:
    number: int
    workflow_id: str
    run_count: int
    event_count: int
    export_digest: str | None
    workflow_closed_at: datetime | None
    archived_at: datetime
    size_bytes: int
    note: str | None

    @staticmethod
    def of(row: AuditArchive) -> ArchiveEntry:
        return ArchiveEntry(number=row.number, workflow_id=row.workflow_id, run_count=row.run_count,
                            event_count=row.event_count, export_digest=row.export_digest,
                            workflow_closed_at=as_utc(row.workflow_closed_at), archived_at=as_utc(row.archived_at),
                            size_bytes=row.size_bytes, note=row.note)


def closed_unarchived(s: Session, after_number: int, limit: int) -> list[int]:
    """Closed tickets (read model) numbered above `after_number` with no archive row yet, by
    number. Some may still be running (a closed ticket waits for its survey): the archiver
    skips those, and the cursor lets it go past them."""
    archived = select(AuditArchive.number).where(AuditArchive.number == TicketRow.number).exists()
    rows = s.scalars(select(TicketRow.number)
                     .where(TicketRow.status == "closed", TicketRow.number > after_number, ~archived)
                     .order_by(TicketRow.number).limit(limit))
    return list(rows)


def store(s: Session, number: int, export: dict[str, Any], workflow_closed_at: datetime | None) -> bool:
    """Keep `export` (manifest + histories) for ticket `number`. False when it was kept already."""
    body = json.dumps(export, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    m = export["manifest"]
    stmt = dialect_insert(s, AuditArchive.__table__).values(
        number=number, workflow_id=m["workflow_id"], run_count=m["run_count"], event_count=m["event_count"],
        export_digest=m["export_digest"], workflow_closed_at=workflow_closed_at, archived_at=utcnow(),
        size_bytes=len(body), export_gz=gzip.compress(body, compresslevel=6), note=None,
    ).on_conflict_do_nothing(index_elements=["number"])
    return s.execute(stmt).rowcount == 1


def record_lost(s: Session, number: int, workflow_id: str, note: str) -> bool:
    """On record: ticket `number`'s history was gone before it could be archived."""
    stmt = dialect_insert(s, AuditArchive.__table__).values(
        number=number, workflow_id=workflow_id, run_count=0, event_count=0, export_digest=None,
        workflow_closed_at=None, archived_at=utcnow(), size_bytes=0, export_gz=None, note=note,
    ).on_conflict_do_nothing(index_elements=["number"])
    return s.execute(stmt).rowcount == 1


def entry(s: Session, number: int) -> ArchiveEntry | None:
    row = s.get(AuditArchive, number)
    return ArchiveEntry.of(row) if row is not None else None


def load(s: Session, number: int) -> dict[str, Any] | None:
    """The archived export of ticket `number`, or None (not archived, or archived as lost)."""
    blob = s.scalar(select(AuditArchive.export_gz).where(AuditArchive.number == number))
    if blob is None:
        return None
    return json.loads(gzip.decompress(blob).decode("utf-8"))


def entries(s: Session, since: datetime | None, after_number: int, limit: int) -> list[ArchiveEntry]:
    """Archive rows by ticket number (keyset paging), optionally archived at or after `since`."""
    q = select(AuditArchive).where(AuditArchive.number > after_number)
    if since is not None:  # stored in UTC (SQLite keeps no offset), so compare in UTC
        q = q.where(AuditArchive.archived_at >= since.astimezone(timezone.utc))
    return [ArchiveEntry.of(r) for r in s.scalars(q.order_by(AuditArchive.number).limit(limit))]
