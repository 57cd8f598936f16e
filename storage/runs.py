"""Crawl run records: one row of ``crawl_runs`` per crawl of a source.

A run is created ``running`` by the launcher (:mod:`pipeline.launch`) before the crawl
process starts, and finished by that process (``pipeline.runner``) with its final status
and counters; when the process dies first, the launcher marks it ``interrupted``::

    >>> with session(engine) as s, s.begin():
    ...     run_id = start_run(s, "pep", "pep", trigger="manual")
    >>> with session(engine) as s, s.begin():
    ...     finish_run(s, run_id, status="succeeded", counters={"items_seen": 120},
    ...                errors=[], error_message=None, stats={})
    >>> with session(engine) as s:
    ...     [(r.id, r.status) for r in list_runs(s, source="pep", last=5)]
    [(1, 'succeeded')]

Statuses (``../shared/CATALOGUE.md``, "Crawl runs"): ``running``, ``succeeded``,
``failed``, ``interrupted``, ``suspect``, ``skipped``. Every function takes a session and
leaves the transaction to the caller (``with session(engine) as s, s.begin(): …``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import CrawlRun
from storage.types import utcnow

log = logging.getLogger(__name__)

RUN_STATUSES: tuple[str, ...] = ("running", "succeeded", "failed", "interrupted", "suspect", "skipped")
#: statuses a run ends with (anything but ``running``)
FINAL_STATUSES: frozenset[str] = frozenset(RUN_STATUSES) - {"running"}

#: the integer counters of a run record, in display order
COUNTER_FIELDS: tuple[str, ...] = (
    "pages", "requests", "items_seen", "items_new", "items_updated", "items_unchanged",
    "items_expired", "items_rejected", "not_digital", "detail_skipped", "not_found",
    "non_offer_pages", "warnings", "offers_new", "offers_merged",
)
_COUNTERS = frozenset(COUNTER_FIELDS)

#: at most this many ``{"url", "reason"}`` entries are kept on a run (the total goes in stats)
MAX_ERRORS = 200


def start_run(session: Session, source: str, kind: str | None, *, trigger: str, status: str = "running",
              pid: int | None = None, full_refresh: bool = False, error_message: str | None = None) -> int:
    """Create a run record and return its id.

    ``status`` is ``running`` for a crawl about to start; a run that ends at once (``skipped``:
    another crawl holds the source's lease) is created with its final status, a
    ``finished_at`` equal to its start and the reason in ``error_message``.
    """
    _check_status(status)
    now = utcnow()
    run = CrawlRun(source=source, kind=kind, status=status, trigger=trigger, pid=pid,
                   full_refresh=full_refresh, started_at=now, error_message=error_message,
                   errors=[], stats={})
    if status in FINAL_STATUSES:
        run.finished_at = now
    session.add(run)
    session.flush()
    return run.id


def finish_run(session: Session, run_id: int, *, status: str, counters: dict[str, Any] | None = None,
               errors: list[Any] | None = None, error_message: str | None = None,
               stats: dict[str, Any] | None = None) -> CrawlRun:
    """Record the final ``status`` of run ``run_id`` with its counters, errors and stats.

    ``counters`` maps :data:`COUNTER_FIELDS` names to integers; a value that is not a
    number is logged and left out, an unknown name is kept in ``stats["other_counters"]``.
    ``errors`` (``{"url", "reason"}`` dicts) is capped at :data:`MAX_ERRORS`, the total
    kept in ``stats["errors_total"]``. ``stats`` is merged into what the run already has.
    Raises ``LookupError`` for an unknown run and ``ValueError`` for an unknown status.
    """
    _check_status(status)
    run = session.get(CrawlRun, run_id)
    if run is None:
        raise LookupError(f"crawl run {run_id} does not exist")
    if run.status in FINAL_STATUSES:
        log.warning("run %s already ended %s; recording %s", run_id, run.status, status,
                    extra={"run_id": run_id, "source": run.source})
    merged_stats = dict(run.stats or {})
    merged_stats.update(stats or {})
    other: dict[str, Any] = {}
    for name, value in (counters or {}).items():
        if name not in _COUNTERS:
            other[name] = value
            continue
        try:
            setattr(run, name, int(value or 0))
        except (TypeError, ValueError):
            log.warning("run %s: counter %s is not a number (%r), left out", run_id, name, value,
                        extra={"run_id": run_id})
    if other:
        merged_stats["other_counters"] = other
    errors = list(errors or [])
    if len(errors) > MAX_ERRORS:
        merged_stats["errors_total"] = len(errors)
    run.errors = errors[:MAX_ERRORS]
    run.status = status
    run.error_message = error_message
    run.stats = merged_stats
    run.finished_at = utcnow()
    session.flush()
    return run


def mark_interrupted(session: Session, run_id: int, *, reason: str) -> bool:
    """Mark run ``run_id`` ``interrupted`` (with ``reason``) if it is still ``running``.

    Returns whether the run changed: a run that already has a final status (the crawl
    process recorded it) is left alone.
    """
    run = session.get(CrawlRun, run_id)
    if run is None or run.status != "running":
        return False
    run.status = "interrupted"
    run.error_message = reason
    run.finished_at = utcnow()
    session.flush()
    return True


def interrupt_orphans(session: Session, source: str, *, reason: str) -> list[int]:
    """Mark every ``running`` run of ``source`` ``interrupted``; return their ids.

    Called by the holder of the source's lease before it starts a crawl: as no other
    crawl of the source can be running, a ``running`` run is left over by a process that
    died (killed, machine rebooted) before recording its end.
    """
    ids = list(session.scalars(
        select(CrawlRun.id).where(CrawlRun.source == source, CrawlRun.status == "running")
    ))
    for run_id in ids:
        mark_interrupted(session, run_id, reason=reason)
    return ids


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    """The run record ``run_id``, or None."""
    return session.get(CrawlRun, run_id)


def list_runs(session: Session, source: str | None = None, last: int | None = None) -> list[CrawlRun]:
    """Runs, newest first; only those of ``source`` when given; at most ``last`` of them."""
    query = select(CrawlRun).order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
    if source is not None:
        query = query.where(CrawlRun.source == source)
    if last is not None:
        query = query.limit(max(0, last))
    return list(session.scalars(query))


def last_successful_run(session: Session, source: str) -> CrawlRun | None:
    """The newest ``succeeded`` run of ``source``, or None."""
    return session.scalar(
        select(CrawlRun).where(CrawlRun.source == source, CrawlRun.status == "succeeded")
        .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1)
    )


def latest_runs(session: Session, sources: Iterable[str], *,
                ignore: Iterable[str] = ("skipped",)) -> dict[str, CrawlRun | None]:
    """The newest run of each source (None when it never ran), not counting ``ignore`` statuses.

    ``skipped`` runs are ignored by default: a crawl skipped because another one held the
    lease says nothing about the state of the source; the crawl that held it does.
    """
    ignored = tuple(ignore)
    out: dict[str, CrawlRun | None] = {}
    for source in sources:
        query = select(CrawlRun).where(CrawlRun.source == source)
        if ignored:
            query = query.where(CrawlRun.status.not_in(ignored))
        out[source] = session.scalar(query.order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1))
    return out


def run_counters(run: CrawlRun) -> dict[str, int]:
    """The run's :data:`COUNTER_FIELDS` as a dict."""
    return {name: int(getattr(run, name) or 0) for name in COUNTER_FIELDS}


def run_duration(run: CrawlRun, *, now: datetime | None = None) -> float | None:
    """Seconds from start to end (to ``now`` for a running crawl); None without a start."""
    if run.started_at is None:
        return None
    end = run.finished_at or (now or utcnow())
    return max(0.0, (end - run.started_at).total_seconds())


def run_to_dict(run: CrawlRun, *, now: datetime | None = None) -> dict[str, Any]:
    """A JSON-ready dict of the run (ISO 8601 UTC timestamps), for ``catalogue runs --format json``."""
    return {
        "id": run.id,
        "source": run.source,
        "kind": run.kind,
        "status": run.status,
        "trigger": run.trigger,
        "full_refresh": bool(run.full_refresh),
        "started_at": _iso(run.started_at),
        "finished_at": _iso(run.finished_at),
        "duration_seconds": run_duration(run, now=now),
        "pid": run.pid,
        **run_counters(run),
        "error_count": len(run.errors or []),
        "error_message": run.error_message,
        "errors": list(run.errors or []),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


def _check_status(status: str) -> None:
    if status not in RUN_STATUSES:
        raise ValueError(f"unknown run status {status!r} (one of {', '.join(RUN_STATUSES)})")
