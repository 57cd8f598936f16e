"""After a crawl of a source: dedup/merge, expiry, and the counters of the run.

Called by the crawl child process (``pipeline.runner``) once Scrapy has stopped, with
the status the crawl earned. The rules (``../shared/CATALOGUE.md``):

- new and changed postings are always deduplicated into offers (whatever the status:
  what was read is true, it just proves nothing about what was *not* read);
- postings not seen by the crawl are marked gone **only** after a ``succeeded`` crawl of
  a source whose listing is complete (``complete_listing``); a failed, interrupted,
  suspect or skipped crawl expires nothing;
- postings whose own page answered 404/410 (``gone``, kept by the store pipeline) are
  marked gone after a ``succeeded`` crawl of any source, even a feed that shows only a
  window; after any other status they are left as they were (the next crawl asks again);
- offers whose postings are all gone, or whose deadline passed, become ``expired``;
- offers whose postings the crawl saw (even unchanged, without a detail fetch) move their
  ``last_seen_at``, whatever the status: what was seen was seen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from crawlers.config import SourceConfig
from crawlers.items import GonePosting
from storage.db import session
from storage.models import Change, Posting

log = logging.getLogger("pipeline.postcrawl")


@dataclass
class PostCrawlResult:
    postings_gone: int = 0
    offers_new: int = 0
    offers_merged: int = 0
    offers_expired: int = 0
    dedup: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0

    def counters(self) -> dict[str, int]:
        """The run-record counters this step fills."""
        return {"items_expired": self.offers_expired, "offers_new": self.offers_new,
                "offers_merged": self.offers_merged}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def after_crawl(engine: Any, source: SourceConfig, *, run_id: int | None, status: str,
                crawl_started_at: datetime, gone: Iterable[GonePosting] = (),
                dedup_threshold: float | None = None) -> PostCrawlResult:
    """Run dedup and expiry for ``source`` after its crawl ended with ``status``.

    ``dedup_threshold``: the configured ``[settings] dedup_threshold`` (None: the default of
    ``pipeline.dedup.DedupConfig``).

    ``gone`` are the postings whose page answered 404/410 during the crawl: marked gone
    (their offers refreshed) only when ``status`` is ``succeeded``.

    An incremental crawl that found nothing new or changed has nothing to deduplicate: the
    dedup step (and its imports, a tenth of a second of every crawl process) is skipped when
    no posting is pending.
    """
    from storage.locks import DEDUP_STEP, hold_step_lock
    from storage.offers import expire_by_deadline, refresh_offers, touch_seen_offers
    from storage.postings import mark_gone, mark_missing_gone
    from storage.types import utcnow

    t0 = time.monotonic()
    result = PostCrawlResult()
    with session(engine) as s, s.begin():
        # first: one post-crawl at a time (the scheduler ends several crawls together; two
        # dedups at once would found the same offers twice), and what follows reads the
        # offers as the previous post-crawl left them
        hold_step_lock(s, DEDUP_STEP)
        affected: set[str] = set()
        gone = list(gone)
        if status == "succeeded":
            before = _gone_count(s, source.name) if run_id is None else 0
            # postings whose own page answered 404/410 (any source, even a window listing)
            now = utcnow()
            for item in gone:
                affected.add(mark_gone(s, source.name, reference=item.reference, listing_ref=item.listing_ref,
                                       run_id=run_id, at=now))
            if source.complete_listing:
                affected |= mark_missing_gone(s, source.name, run_id=run_id, at=crawl_started_at,
                                              seen_since=crawl_started_at)
            # counted from this run's change rows (indexed by run): counting the source's gone
            # postings before and after read every posting it ever had, twice
            result.postings_gone = (_gone_count(s, source.name) - before if run_id is None
                                    else _status_changes(s, run_id, "posting", "gone"))
        elif gone:
            log.info("%s: %d postings whose page answered 404/410 left as they were: the crawl %s",
                     source.name, len(gone), status, extra={"source": source.name, "run_id": run_id})
        dedup = None
        if _any_pending(s):
            from pipeline.dedup import DedupConfig, dedup_pending

            dedup = dedup_pending(s, run_id=run_id, config=DedupConfig.with_threshold(dedup_threshold))
        result.dedup = _as_plain(dedup)
        result.offers_new = int(getattr(dedup, "offers_created", 0) or 0)
        result.offers_merged = int(getattr(dedup, "postings_merged", 0) or 0)
        if affected:
            refresh_offers(s, sorted(a for a in affected if a), run_id=run_id)
        if run_id is not None:  # postings seen unchanged (no refresh): their offers were seen too
            touch_seen_offers(s, source.name, run_id=run_id)
        expire_by_deadline(s, run_id=run_id)
        result.offers_expired = _status_changes(s, run_id, "offer", "expired") if run_id is not None else 0
    result.seconds = round(time.monotonic() - t0, 3)
    log.info("post-crawl of %s (%s): %s", source.name, status, result.as_dict())
    return result


def _any_pending(s: Any) -> bool:
    """True when some posting waits for dedup (new or changed since the last dedup)."""
    return s.scalar(select(Posting.id).where(Posting.dedup_pending.is_(True)).limit(1)) is not None


def _status_changes(s: Any, run_id: int, entity: str, new_status: str) -> int:
    """How many ``entity`` rows run ``run_id`` moved to ``new_status`` (its ``changes`` rows)."""
    return int(s.scalar(select(func.count()).select_from(Change).where(
        Change.run_id == run_id, Change.entity == entity, Change.field == "status",
        Change.new_value == new_status)) or 0)


def _gone_count(s: Any, source: str) -> int:
    return int(s.scalar(select(func.count()).select_from(Posting).where(
        Posting.source == source, Posting.status == "gone")) or 0)


def _as_plain(obj: Any) -> dict[str, Any]:
    if obj is None:
        return {}
    if hasattr(obj, "__dataclass_fields__"):
        return {k: v for k, v in asdict(obj).items() if isinstance(v, (int, float, str, bool, type(None)))}
    if isinstance(obj, dict):
        return obj
    return {"result": str(obj)}
