"""Scrapy item pipelines: validate → normalize → store.

The spiders yield raw items (``crawlers.items``); these three components, run in that
order by the crawl child process (``pipeline.runner``), turn them into catalogue postings:

* :class:`ValidatePipeline` rejects a :class:`~crawlers.items.RawPosting` that lacks what
  identifies a posting (reference, title): its URL and reason are logged and kept on the
  run record, ``catalogue/rejected`` counts it, the crawl goes on. It is not stored, but it
  is still listed: a posting known before is marked seen (:func:`still_listed`), so that a
  posting rejected this time is not expired as if it had left the listing (a normalizer
  bug on one posting is handled the same way).
* :class:`NormalizePipeline` calls :func:`normalize.record.normalize_posting` and passes on
  a :class:`NormalizedItem` (raw and normalized side by side). Normalization never raises on
  bad data; its warnings are counted (``catalogue/warnings``). A posting that is not a
  digital job is counted (``catalogue/not_digital``) and still stored (the incremental crawl
  must know it), but never reaches the catalogue.
* :class:`StorePipeline` writes to the catalogue database in batches
  (:func:`storage.postings.upsert_postings`), marks known unchanged postings seen and
  remembers pages without an offer. A batch the database refuses (locked, deadlock,
  connection lost) is logged, kept on the run record and counted
  (``catalogue/store_errors``, postings lost): the crawl goes on but cannot succeed — its
  unwritten "seen" marks would otherwise make the post-crawl step expire those postings. Postings whose page answered 404/410 are kept on
  ``spider.catalogue_gone``: the post-crawl step marks them gone only if the crawl
  succeeded (a failed, interrupted or suspect crawl expires nothing — a site whose offer
  pages all answer 404 for an hour must not empty the catalogue).

Every component is built the same way, through ``from_crawler``, and reads its settings
(``CATALOGUE_*``, set by the runner) there. Counters live in the crawler's stats under the
``catalogue/`` prefix (see docs/ARCHITECTURE.md); the runner copies them to the run record.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, NoReturn

from scrapy.exceptions import DropItem, NotConfigured

from crawlers.items import GonePosting, NotOfferPage, RawPosting, SeenPosting, SeenPostings
from normalize.text import clean_whitespace

if TYPE_CHECKING:
    from normalize.record import NormalizedPosting

log = logging.getLogger(__name__)

#: the order the runner installs them in
ITEM_PIPELINES = {
    "pipeline.pipelines.ValidatePipeline": 100,
    "pipeline.pipelines.NormalizePipeline": 200,
    "pipeline.pipelines.StorePipeline": 300,
}

#: at most this many errors are kept on a run record (the counters keep counting)
MAX_RUN_ERRORS = 200
#: tries of a batch the database refused for a moment (see :func:`is_transient`)
STORE_ATTEMPTS = 3
#: batches a crawl keeps in memory while SQLite is busy before it waits for the lock
MAX_DEFERRED_BATCHES = 8
RETRY_PAUSE_SECONDS = 1.0
#: SQLSTATEs of a PostgreSQL transaction that can simply be run again
_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def is_transient(exc: BaseException) -> bool:
    """True for a write refused for a moment, that rolled back whole and can be run again:
    SQLite "database is locked" (another process kept the write lock beyond the busy timeout,
    e.g. the post-crawl step of a crawl running beside this one), PostgreSQL deadlock or
    serialization failure."""
    from sqlalchemy.exc import OperationalError

    orig = getattr(exc, "orig", None)
    if getattr(orig, "sqlstate", None) in _TRANSIENT_SQLSTATES:
        return True
    return isinstance(exc, OperationalError) and "database is locked" in str(orig or exc)


def _first_line(exc: BaseException) -> str:
    return (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]


@dataclass
class NormalizedItem:
    """A raw posting and its normalized record, travelling together to storage.

    ``raw_dict`` is ``raw.to_dict()``, made once for the normalizer and reused by storage.
    """

    raw: RawPosting
    record: NormalizedPosting
    raw_dict: dict[str, Any] | None = None


def record_gone(spider: Any, item: GonePosting) -> None:
    """Keep a posting whose page answered 404/410 for the post-crawl step (``spider.catalogue_gone``)."""
    if spider is None:
        log.warning("no spider to keep the gone posting %s on: not marked gone", item.url)
        return
    gone = getattr(spider, "catalogue_gone", None)
    if gone is None:
        gone = []
        spider.catalogue_gone = gone
    gone.append(item)


def record_error(spider: Any, url: str | None, reason: str) -> None:
    """Keep ``reason`` for ``url`` on the run record (``spider.catalogue_errors``), capped."""
    errors = getattr(spider, "catalogue_errors", None)
    if errors is None:
        errors = []
        spider.catalogue_errors = errors
    if len(errors) < MAX_RUN_ERRORS:
        errors.append({"url": url, "reason": reason})


def still_listed(item: RawPosting) -> SeenPosting | None:
    """What a rejected posting still tells: it is in the listing. A posting known before is
    marked seen, as the spider does for a page it could not read (``crawlers.spiders.base``):
    CATALOGUE.md expires offers that *disappeared* from a complete listing, and a posting
    rejected for its content did not — its stored version stays as it was (its listing key
    too, so the next crawl fetches it again). None without a listing identity."""
    listing_ref = item.listing_ref or item.reference
    if not listing_ref:
        return None
    return SeenPosting(source=item.source, reference=item.reference or listing_ref, url=item.url,
                       listing_ref=listing_ref)


class _Component:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> _Component:
        return cls(crawler)

    def _spider(self) -> Any:
        return getattr(self.crawler, "spider", None)

    def _reject(self, item: RawPosting, reason: str, spider: Any = None, *,
                level: int = logging.WARNING, message: str = "rejected posting") -> SeenPosting:
        """Count and record a rejected posting (``catalogue/rejected``, its URL and reason on
        the run record) and log ``message``; what goes on is :func:`still_listed`, else the
        item is dropped. Called in an ``except`` block, the log has the traceback."""
        self.stats.inc_value("catalogue/rejected")
        record_error(spider or self._spider(), item.url, reason)
        log.log(level, message, exc_info=sys.exc_info()[0] is not None, extra={"url": item.url, "reason": reason})
        seen = still_listed(item)
        if seen is None:
            raise DropItem(f"{item.url}: {reason}") from None
        return seen


class ValidatePipeline(_Component):
    """Reject raw postings without a reference or a title (counted, with URL and reason):
    dropped, or passed on as :func:`still_listed` when their listing entry is known."""

    REQUIRED = ("reference", "title")

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, RawPosting):
            return item
        missing = [name for name in self.REQUIRED if not clean_whitespace(getattr(item, name))]
        if missing:
            return self._reject(item, f"missing {', '.join(missing)}", spider)
        return item


class NormalizePipeline(_Component):
    """RawPosting → :class:`NormalizedItem` (see :func:`normalize.record.normalize_posting`);
    a posting the normalizer fails on is rejected (counted), passed on as :func:`still_listed`."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        crawl_time = settings.get("CATALOGUE_CRAWL_TIME")
        self.crawl_time = datetime.fromisoformat(crawl_time) if crawl_time else datetime.now().astimezone()
        self.digital_only = settings.getbool("CATALOGUE_DIGITAL_ONLY")
        self.timezone = settings.get("CATALOGUE_TIMEZONE", "Europe/Paris")
        self.seconds = 0.0

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if not isinstance(item, RawPosting):
            return item
        # imported with the first posting to normalize, not with this module: a crawl that
        # finds nothing new or changed (most incremental ones) never loads the normalizer's
        # tables (see pipeline.forkserver.PRELOAD_AFTER_READY)
        try:
            from normalize.record import normalize_posting
        except Exception as exc:  # noqa: BLE001 - a broken install: its rules file, its place tables
            self._unavailable(item, exc, spider)
        t0 = time.perf_counter()
        raw = item.to_dict()
        try:
            record = normalize_posting(raw, crawl_time=self.crawl_time,
                                       digital_only=self.digital_only, timezone=self.timezone)
        except Exception as exc:  # noqa: BLE001 - a normalizer bug rejects one posting, not the crawl
            return self._reject(item, f"normalization error: {type(exc).__name__}: {exc}", spider,
                                level=logging.ERROR, message="could not normalize posting")
        finally:
            self.seconds += time.perf_counter() - t0
        if record.warnings:
            self.stats.inc_value("catalogue/warnings", len(record.warnings))
            for warning in record.warnings:
                log.info("normalization warning", extra={"url": item.url, "warning": warning})
        if not record.is_digital:
            self.stats.inc_value("catalogue/not_digital")
        return NormalizedItem(item, record, raw)

    def _unavailable(self, item: RawPosting, exc: Exception, spider: Any = None) -> NoReturn:
        """The normalizer cannot be loaded: no posting can be stored. Each one is counted lost
        (``catalogue/store_errors``), as a batch the database refused: the crawl goes on but
        ends ``interrupted`` and expires nothing — a posting not stored was not marked seen
        either. Logged once, with the traceback."""
        reason = f"could not store 1 item(s): the normalizer cannot be loaded: {type(exc).__name__}: {exc}"[:500]
        self.stats.inc_value("catalogue/store_errors")
        if not self.stats.get_value("catalogue/normalizer_unavailable"):
            self.stats.set_value("catalogue/normalizer_unavailable", 1)
            record_error(spider or self._spider(), item.url, reason)
            log.error("the normalizer cannot be loaded: no posting is stored", exc_info=exc)
        raise DropItem(f"{item.url}: {reason}")

    def close_spider(self, spider: Any = None) -> None:
        self.stats.set_value("catalogue/seconds_normalize", round(self.seconds, 3))


class StorePipeline(_Component):
    """Write postings to the catalogue database, in batches of ``CATALOGUE_BATCH_SIZE``.

    On SQLite one process writes at a time: a crawl running beside another waits while the
    other's post-crawl step holds the write lock (seconds, at 10,000 postings). Waiting
    there stalls the whole crawl (the reactor waits with it), so a batch is first tried
    without waiting (a second engine, busy timeout 0); when the database is busy the batch
    stays in memory (``catalogue/store_deferred``) and is tried again once another batch
    has come, or, beyond :data:`MAX_DEFERRED_BATCHES`, and at the end of the crawl, with
    the usual wait and retries.
    """

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.db_url = settings.get("CATALOGUE_DB_URL")
        if not self.db_url:
            raise NotConfigured("CATALOGUE_DB_URL is not set")
        self.run_id = settings.getint("CATALOGUE_RUN_ID") or None
        self.source = settings.get("CATALOGUE_SOURCE_NAME")
        self.batch_size = settings.getint("CATALOGUE_BATCH_SIZE", 500)
        self.engine: Any = None
        self.quick_engine: Any = None  # SQLite: the same database, without waiting for its lock
        self.postings: list[tuple[NormalizedPosting, dict[str, Any]]] = []
        self.seen: list[str] = []
        self.flush_at = self.batch_size  # items waiting that trigger the next write
        self.seconds = 0.0

    def open_spider(self, spider: Any = None) -> None:
        from storage.db import create_db_engine, sqlite_file

        # the crawl's run record exists, so the schema was checked by whoever created it
        self.engine = create_db_engine(self.db_url)
        if sqlite_file(self.engine) is not None:  # (an in-memory database is not shared anyway)
            self.quick_engine = create_db_engine(self.db_url, busy_timeout=0)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        if isinstance(item, NormalizedItem):
            self.stats.inc_value("catalogue/items_seen")
            raw = item.raw_dict if item.raw_dict is not None else item.raw.to_dict()
            self.postings.append((item.record, raw))
            self._maybe_flush(spider)
        elif isinstance(item, (SeenPosting, SeenPostings)):
            postings = item.postings if isinstance(item, SeenPostings) else (item,)
            self.stats.inc_value("catalogue/items_seen", len(postings))
            self.seen.extend(p.listing_ref or p.reference for p in postings)
            self._maybe_flush(spider)
        elif isinstance(item, NotOfferPage):
            self._guarded(lambda: self._write(lambda s: self._non_offer(s, item)), 1, spider)
        elif isinstance(item, GonePosting):
            record_gone(spider or self._spider(), item)
        return item

    def close_spider(self, spider: Any = None) -> None:
        try:
            self._flush(spider, wait=True)
        finally:
            self.stats.set_value("catalogue/seconds_store", round(self.seconds, 3))
            for engine in (self.engine, self.quick_engine):
                if engine is not None:
                    engine.dispose()

    # ------------------------------------------------------------------ writing
    def _waiting(self) -> int:
        return len(self.postings) + len(self.seen)

    def _maybe_flush(self, spider: Any = None) -> None:
        waiting = self._waiting()
        if waiting >= self.flush_at:
            self._flush(spider, wait=waiting >= MAX_DEFERRED_BATCHES * self.batch_size)

    def _write(self, work: Any, engine: Any = None) -> Any:
        from storage.db import session

        t0 = time.perf_counter()
        try:
            with session(engine or self.engine) as s, s.begin():
                return work(s)
        finally:
            self.seconds += time.perf_counter() - t0

    def _guarded(self, write: Any, count: int, spider: Any = None) -> Any:
        """Run ``write`` and return its value; a database error is logged, recorded and
        counted, never raised (None is returned).

        A write the database refused for a moment (SQLite locked beyond its busy timeout by
        another crawl's post-crawl step, a PostgreSQL deadlock or serialization failure) rolled
        back whole: it is tried again, up to :data:`STORE_ATTEMPTS` times in all.
        """
        attempt = 1
        while True:
            try:
                return write()
            except Exception as exc:  # noqa: BLE001 - any driver error: the run records it
                if attempt >= STORE_ATTEMPTS or not is_transient(exc):
                    self._failed(exc, count, spider)
                    return None
                self.stats.inc_value("catalogue/store_retries")
                log.warning("database busy, storing %d item(s) again (attempt %d of %d): %s", count,
                            attempt + 1, STORE_ATTEMPTS, _first_line(exc))
                time.sleep(RETRY_PAUSE_SECONDS * attempt)
                attempt += 1

    def _failed(self, exc: Exception, count: int, spider: Any = None) -> None:
        """A batch lost: counted, kept on the run record (the crawl then cannot succeed)."""
        reason = f"could not store {count} item(s): {type(exc).__name__}: {_first_line(exc)}"[:500]
        self.stats.inc_value("catalogue/store_errors", count)
        record_error(spider or self._spider(), None, reason)
        log.error("could not store a batch", exc_info=exc, extra={"items": count})

    def _flush(self, spider: Any = None, *, wait: bool = False) -> None:
        """Write the postings and seen marks waiting; ``wait=False`` first tries without
        waiting for SQLite's lock and keeps them for later when the database is busy."""
        from storage.postings import mark_seen, upsert_postings
        from storage.types import utcnow

        postings, seen = self.postings, self.seen
        if not postings and not seen:
            return
        now = utcnow()

        def work(s: Any) -> tuple[Any, int]:
            result = upsert_postings(s, postings, run_id=self.run_id, seen_at=now) if postings else None
            marked = mark_seen(s, self.source, seen, run_id=self.run_id, seen_at=now) if seen else 0
            return result, marked

        done: tuple[Any, int] | None = None
        if not wait and self.quick_engine is not None:
            try:
                done = self._write(work, self.quick_engine)
            except Exception as exc:  # noqa: BLE001 - busy: kept for later; anything else: the usual way, below
                if is_transient(exc):
                    self.stats.inc_value("catalogue/store_deferred")
                    self.flush_at = self._waiting() + self.batch_size
                    return
        self.postings, self.seen, self.flush_at = [], [], self.batch_size
        if done is None:
            done = self._guarded(lambda: self._write(work), len(postings) + len(seen), spider)
        if done is not None:  # counted once written (a batch tried again is counted once)
            result, marked = done
            if result is not None:
                self.stats.inc_value("catalogue/items_new", result.new)
                self.stats.inc_value("catalogue/items_updated", result.updated)
                self.stats.inc_value("catalogue/items_unchanged", result.unchanged)
            self.stats.inc_value("catalogue/items_unchanged", marked)

    def _non_offer(self, s: Any, item: NotOfferPage) -> None:
        from storage.postings import remember_non_offer

        remember_non_offer(s, item.source, item.url, item.listing_key, item.reason)
