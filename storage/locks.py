"""The per-source crawl lease: two crawls of one source never overlap.

A lease is one row of ``crawl_locks`` (primary key: the source) naming its holder and an
expiry. Whoever takes it renews it while its crawl runs and releases it at the end; a
lease whose holder died (killed, machine rebooted) simply expires and the next crawl
takes it over. This works across processes and machines sharing the catalogue database,
on SQLite and on PostgreSQL::

    >>> holder = make_holder()                 # "host:pid:random"
    >>> acquire(engine, "pep", holder, ttl=180)
    True
    >>> acquire(engine, "pep", make_holder(), ttl=180)   # someone else, lease still valid
    False
    >>> renew(engine, "pep", holder, ttl=180)
    True
    >>> release(engine, "pep", holder)
    True

:func:`acquire` is atomic: in one transaction, an ``INSERT … ON CONFLICT DO NOTHING`` of
the row, and when the row exists an ``UPDATE … WHERE expires_at < now`` that takes over an
expired lease. On PostgreSQL the second of two concurrent takers waits for the first's row
lock and then finds the lease valid; on SQLite writers are serialized. Time is the
caller's UTC clock (``now``), so the hosts sharing a database need synchronized clocks
(NTP); the TTL (minutes) dwarfs ordinary skew.

Steps that touch data shared by every source (the post-crawl dedup: which offer a posting
joins, which offer ids exist) must not run in two processes at once, or both would found
the same offer. :func:`hold_step_lock` serializes such a step for the rest of the caller's
transaction, on PostgreSQL with a transaction-level advisory lock, on SQLite with the
database's single write lock::

    >>> with session(engine) as s, s.begin():
    ...     hold_step_lock(s, "dedup")   # a second process waits here until we commit
    ...     dedup_pending(s, run_id=12)

Both kinds are released by the end of the transaction (commit, rollback, or the process
dying), so a crashed step never leaves a lock behind.
"""

from __future__ import annotations

import os
import socket
import uuid
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, or_, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from storage.models import CrawlLock
from storage.types import utcnow

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}
#: first key of the PostgreSQL advisory locks taken by :func:`hold_step_lock` ("CATA")
_ADVISORY_NAMESPACE = 0x43415441
#: prefix of the ``crawl_locks`` row an SQLite step lock writes (never a source name: sources
#: are TOML keys shown by ``catalogue sources``; this row is never read)
STEP_LOCK_PREFIX = "step:"
#: the step lock of the post-crawl dedup (``pipeline.postcrawl``, ``pipeline.dedup.dedup_pending``)
DEDUP_STEP = "dedup"


@dataclass(frozen=True)
class Lease:
    """A lease as stored: who holds it, for which run, until when."""

    source: str
    holder: str
    run_id: int | None
    acquired_at: datetime
    expires_at: datetime

    def expired(self, now: datetime | None = None) -> bool:
        return self.expires_at < (now or utcnow())


def make_holder() -> str:
    """A holder name unique to this attempt: ``host:pid:random``."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _expiry(now: datetime, ttl: float) -> datetime:
    # at least one second: the database keeps timestamps to the second
    return now + timedelta(seconds=max(1.0, float(ttl)))


def acquire(engine: Engine, source: str, holder: str, ttl: float, *, run_id: int | None = None,
            now: datetime | None = None) -> bool:
    """Take the lease of ``source`` for ``ttl`` seconds; True when ``holder`` now holds it.

    Succeeds when nobody holds the lease, when the current lease expired (taken over), or
    when ``holder`` already holds it (then it is renewed).
    """
    now = now or utcnow()
    values = {"source": source, "holder": holder, "run_id": run_id, "acquired_at": now,
              "expires_at": _expiry(now, ttl)}
    make_insert = _INSERTS.get(engine.dialect.name)
    if make_insert is None:
        raise NotImplementedError(f"crawl leases are not implemented for {engine.dialect.name}")
    with engine.begin() as conn:
        inserted = conn.execute(
            make_insert(CrawlLock).values(**values).on_conflict_do_nothing(index_elements=["source"])
        ).rowcount
        if inserted == 1:
            return True
        taken = conn.execute(
            update(CrawlLock)
            .where(CrawlLock.source == source, or_(CrawlLock.expires_at < now, CrawlLock.holder == holder))
            .values(holder=holder, run_id=run_id, acquired_at=now, expires_at=values["expires_at"])
        ).rowcount
        return taken == 1


def renew(engine: Engine, source: str, holder: str, ttl: float, *, run_id: int | None = None,
          now: datetime | None = None) -> bool:
    """Push the expiry of ``holder``'s lease ``ttl`` seconds ahead (and note ``run_id`` when given).

    False when ``holder`` no longer holds the lease (it expired and was taken over).
    """
    now = now or utcnow()
    values: dict[str, object] = {"expires_at": _expiry(now, ttl)}
    if run_id is not None:
        values["run_id"] = run_id
    with engine.begin() as conn:
        return conn.execute(
            update(CrawlLock).where(CrawlLock.source == source, CrawlLock.holder == holder).values(**values)
        ).rowcount == 1


def release(engine: Engine, source: str, holder: str) -> bool:
    """Give the lease of ``source`` back; only its holder can (False otherwise)."""
    with engine.begin() as conn:
        return conn.execute(
            delete(CrawlLock).where(CrawlLock.source == source, CrawlLock.holder == holder)
        ).rowcount == 1


def current_lease(engine: Engine, source: str) -> Lease | None:
    """The stored lease of ``source`` (possibly expired), or None."""
    with engine.connect() as conn:
        row = conn.execute(select(CrawlLock.__table__).where(CrawlLock.source == source)).first()
    if row is None:
        return None
    return Lease(source=row.source, holder=row.holder, run_id=row.run_id,
                 acquired_at=row.acquired_at, expires_at=row.expires_at)


def hold_step_lock(session: Session, name: str) -> None:
    """Wait until no other process runs step ``name``, then hold it until the transaction ends.

    Call it first in the transaction (before reading what the step decides on): what was
    read before waiting may have been changed by the process that held the lock.

    - PostgreSQL: ``pg_advisory_xact_lock`` on a key derived from ``name`` (CRC-32), which
      waits for the holder's commit or rollback; taken again by the same transaction, it is
      simply held twice.
    - SQLite: one writer at a time per database, so the first write of a transaction holds
      the whole database until it ends; this writes a row of ``crawl_locks``
      (``step:<name>``) to take that lock now. Another process waits up to the connection's
      busy timeout (30 s, ``storage.db``), then fails with "database is locked".
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        key = zlib.crc32(name.encode("utf-8"))
        key -= 1 << 32 if key >= 1 << 31 else 0  # int4
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": _ADVISORY_NAMESPACE, "key": key})
    elif dialect == "sqlite":
        now = utcnow()
        stmt = sqlite.insert(CrawlLock).values(source=STEP_LOCK_PREFIX + name, holder=make_holder(), run_id=None,
                                               acquired_at=now, expires_at=now)
        session.execute(stmt.on_conflict_do_update(index_elements=["source"],
                                                   set_={"holder": stmt.excluded.holder,
                                                         "acquired_at": now, "expires_at": now}))
    else:
        raise NotImplementedError(f"step locks are not implemented for {dialect}")
