"""The crawl child process: one crawl of one source, start to finish.

Scrapy's reactor cannot be restarted within a process, so every crawl runs in its own
process, launched the same way by ``catalogue crawl``, ``crawl --all``, the demo and the
scheduler (``pipeline.launch.launch_crawl``)::

    python -m pipeline.runner --source pep --config sources.toml --db URL --run-id 12

The parent has already taken the source's lease and created run 12 (``running``). This
process:

1. decides whether the crawl is a full refresh (``--full``, or the last full refresh of
   the source is older than ``settings.full_refresh_days``) and, if not, loads the
   listing keys of known postings so the spider skips unchanged detail pages;
2. runs the source kind's spider with the item pipelines (validate → normalize → store);
3. derives the run status (``failed`` when a listing could not be fetched,
   ``interrupted`` when Scrapy did not finish normally, ``suspect`` when far fewer
   postings were seen than by the previous successful crawl, else ``succeeded``);
4. runs the post-crawl step (``pipeline.postcrawl``: dedup/merge, and expiry only after
   a succeeded crawl) and writes the final status and counters on run 12.

Exit code 0 once a final status is recorded (whatever it is), 1 on a crash.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import resource
import time
from datetime import datetime, timedelta
from typing import Any

from crawlers.config import Config, SourceConfig, load_config
from pipeline.logs import set_log_context, setup_logging

# SQLAlchemy, the storage modules and Scrapy are imported where they are used: the
# page-reading worker processes (crawlers/spiders/workers.py) start by importing this
# module (multiprocessing's "spawn" re-imports the main module), and need none of them.

log = logging.getLogger("pipeline.runner")

#: crawl run counters ← Scrapy stats keys (see docs/ARCHITECTURE.md)
COUNTERS_FROM_STATS = {
    "items_seen": "catalogue/items_seen",
    "items_new": "catalogue/items_new",
    "items_updated": "catalogue/items_updated",
    "items_unchanged": "catalogue/items_unchanged",
    "items_rejected": "catalogue/rejected",
    "not_digital": "catalogue/not_digital",
    "detail_skipped": "catalogue/detail_skipped",
    "not_found": "catalogue/not_found",
    "non_offer_pages": "catalogue/non_offer_pages",
    "warnings": "catalogue/warnings",
    "requests": "downloader/request_count",
}


def spider_class(kind: str) -> type:
    """The spider class of a source kind (``crawlers.spiders.<kind>``, attribute ``name == kind``)."""
    import scrapy

    module = importlib.import_module(f"crawlers.spiders.{kind}")
    for value in vars(module).values():
        if (isinstance(value, type) and issubclass(value, scrapy.Spider)
                and getattr(value, "name", None) == kind and value.__module__ == module.__name__):
            return value
    raise LookupError(f"no spider named {kind!r} in crawlers.spiders.{kind}")


def needs_full_refresh(engine: Any, source: SourceConfig, config: Config, *, now: datetime) -> bool:
    """True when the last succeeded full refresh of the source is older than the interval."""
    from sqlalchemy import select

    from storage.db import session
    from storage.models import CrawlRun

    with session(engine) as s:
        last_full = s.scalar(
            select(CrawlRun.started_at)
            .where(CrawlRun.source == source.name, CrawlRun.full_refresh.is_(True),
                   CrawlRun.status.in_(("succeeded", "suspect")))
            .order_by(CrawlRun.started_at.desc()).limit(1)
        )
    if last_full is None:
        return True
    return now - last_full > timedelta(days=config.settings.full_refresh_days)


def previous_success_seen(engine: Any, source: str, run_id: int) -> int | None:
    from sqlalchemy import select

    from storage.db import session
    from storage.models import CrawlRun

    with session(engine) as s:
        return s.scalar(
            select(CrawlRun.items_seen)
            .where(CrawlRun.source == source, CrawlRun.status == "succeeded", CrawlRun.id != run_id)
            .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc()).limit(1)
        )


#: what a Scrapy finish reason other than "finished" means, for the run record
FINISH_REASONS = {
    "shutdown": "stopped by a signal",
    "closespider_timeout": "time limit reached",
    "parent_gone": "its launcher process died",
}


def crawl_status(stats: dict[str, Any], *, previous_seen: int | None, drop_share: float,
                 errors: list[dict[str, Any]] | None = None) -> tuple[str, str | None]:
    """The run status from the crawl's stats, with a reason for anything but success.

    ``errors`` (the spider's ``catalogue_errors``) name the listing page that failed and why,
    so that the run's message says it: ``listing could not be fetched: URL (HTTP 500)``.
    A crawl that could not store some of what it read (``catalogue/store_errors``) is
    ``interrupted``: the postings it saw but could not mark seen must not be expired.
    """
    if stats.get("catalogue/listing_failed"):
        first = next((e for e in errors or () if str(e.get("reason") or "").startswith("listing: ")), None)
        if first is None:
            return "failed", "listing could not be fetched"
        return "failed", f"listing could not be fetched: {first.get('url')} ({str(first['reason'])[9:]})"
    lost = int(stats.get("catalogue/store_errors", 0) or 0)
    if lost:
        first = next((e for e in errors or () if str(e.get("reason") or "").startswith("could not store")), None)
        cause = f" ({str(first['reason']).split(': ', 1)[-1]})" if first else ""
        return "interrupted", f"{lost} item(s) could not be stored, nothing expired{cause}"
    reason = stats.get("finish_reason")
    if reason != "finished":
        meaning = FINISH_REASONS.get(reason or "")
        return "interrupted", f"crawl stopped: {reason or 'unknown reason'}" + (f" — {meaning}" if meaning else "")
    seen = int(stats.get("catalogue/items_seen", 0))
    if previous_seen and seen < previous_seen * (1.0 - drop_share):
        return "suspect", (
            f"saw {seen} postings, fewer than {1.0 - drop_share:.0%} of the previous successful crawl ({previous_seen})"
        )
    return "succeeded", None


def run_crawl(source_name: str, *, config_path: str | None, db_url: str | None, run_id: int,
              full: bool = False, cache: bool = False) -> str:
    """Crawl one source into the catalogue and record run ``run_id``; returns the status."""
    from scrapy.crawler import CrawlerProcess

    from crawlers.settings import build_settings
    from pipeline.pipelines import ITEM_PIPELINES
    from pipeline.postcrawl import PostCrawlResult, after_crawl
    from storage.db import create_db_engine, session
    from storage.models import CrawlRun
    from storage.postings import known_listing_entries
    from storage.runs import finish_run

    config = load_config(config_path)
    source = config.source(source_name)
    # the launcher checked the schema before creating run ``run_id``: no second check here
    engine = create_db_engine(db_url)
    with session(engine) as s:
        run = s.get(CrawlRun, run_id)
        if run is None:
            raise LookupError(f"crawl run {run_id} does not exist")
        started_at = run.started_at
    full = full or needs_full_refresh(engine, source, config, now=started_at)
    # a full refresh fetches every page again, but still needs to know what was stored: a
    # known posting whose page cannot be read this time is still listed (marked seen), not gone
    with session(engine) as s:
        known = known_listing_entries(s, source.name)
    with session(engine) as s, s.begin():
        s.get(CrawlRun, run_id).full_refresh = full

    settings = build_settings(config, source, cache=cache)
    settings.update({
        "ITEM_PIPELINES": ITEM_PIPELINES,
        "EXTENSIONS": {**settings.get("EXTENSIONS", {}), "pipeline.progress.CrawlProgress": 500,
                       "pipeline.watchdog.ParentWatchdog": 400},
        "CATALOGUE_DB_URL": engine.url.render_as_string(hide_password=False),
        "CATALOGUE_RUN_ID": run_id,
        "CATALOGUE_SOURCE_NAME": source.name,
        "CATALOGUE_DIGITAL_ONLY": source.digital_only,
        "CATALOGUE_TIMEZONE": config.settings.timezone,
        "CATALOGUE_CRAWL_TIME": started_at.isoformat(),
    })
    t0 = time.monotonic()
    settings["LOG_INSTALL_ROOT_HANDLER"] = False
    process = CrawlerProcess(settings)
    setup_logging()  # Scrapy's configure_logging() just reset its loggers: put ours back
    crawler = process.create_crawler(spider_class(source.kind))
    process.crawl(crawler, source_config=source, known=known, full_refresh=full)
    process.start()
    crawl_seconds = time.monotonic() - t0
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    spider = getattr(crawler, "spider", None)
    errors = list(getattr(spider, "catalogue_errors", []) or [])

    status, reason = crawl_status(
        stats, previous_seen=previous_success_seen(engine, source.name, run_id),
        drop_share=config.settings.suspect_drop_share, errors=errors,
    )
    t1 = time.monotonic()
    try:
        post = after_crawl(engine, source, run_id=run_id, status=status, crawl_started_at=started_at,
                           gone=getattr(spider, "catalogue_gone", None) or (),
                           dedup_threshold=config.settings.dedup_threshold)
    except Exception as exc:  # noqa: BLE001 - recorded on the run with what the crawl did
        # the post-crawl transaction rolled back: nothing expired, the postings stored by the
        # crawl stay pending for the next dedup; the run says so instead of "crashed"
        log.exception("post-crawl of %s failed", source.name, extra={"run_id": run_id, "source": source.name})
        status, reason = "interrupted", f"post-crawl step failed, nothing expired ({describe_exception(exc)})"
        post = PostCrawlResult()
    counters = {name: int(stats.get(key, 0) or 0) for name, key in COUNTERS_FROM_STATS.items()}
    # a page the spider could not read (no title, no reference…) is a rejected posting too
    counters["items_rejected"] += int(stats.get("catalogue/parse_errors", 0) or 0)
    counters["pages"] = int(stats.get("catalogue/listing_pages", 0) or 0) + int(stats.get("catalogue/detail_pages", 0) or 0)
    counters.update(post.counters())
    timings = {"crawl_seconds": round(crawl_seconds, 3), "postcrawl_seconds": round(time.monotonic() - t1, 3),
               **cpu_seconds()}
    with session(engine) as s, s.begin():
        finish_run(
            s, run_id, status=status, counters=counters, errors=errors, error_message=reason,
            stats={"scrapy": _jsonable(stats), "timings": timings, "postcrawl": post.as_dict()},
        )
    if stats.get("finish_reason") == "parent_gone":
        release_orphan_lease(engine, source.name)
    engine.dispose()
    log.info("run finished", extra={"run_id": run_id, "source": source.name, "status": status, **counters})
    return status


def release_orphan_lease(engine: Any, source: str) -> None:
    """Give back the source's lease that our dead launcher held (``CATALOGUE_LEASE_HOLDER``),
    so the next crawl of the source need not wait for it to expire; a lease taken over since
    is left alone."""
    import os

    from pipeline.launch import LEASE_HOLDER_ENV
    from storage import locks

    holder = os.environ.get(LEASE_HOLDER_ENV)
    if holder and locks.release(engine, source, holder):
        log.info("lease of %s released: its launcher is gone", source, extra={"source": source})


def describe_exception(exc: BaseException, width: int = 300) -> str:
    """``Type: first line of the message`` (a database error's first line is the driver's words)."""
    text = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {text}"[:width].rstrip(": ")


def record_crash(db_url: str | None, run_id: int, exc: BaseException) -> None:
    """Best effort: mark run ``run_id`` ``interrupted`` with the exception that ended this
    process (the launcher would only know the exit code and the last lines of output)."""
    try:
        from storage.db import create_db_engine, session
        from storage.runs import mark_interrupted

        engine = create_db_engine(db_url)
        try:
            with session(engine) as s, s.begin():
                mark_interrupted(s, run_id, reason=f"crawl process crashed: {describe_exception(exc)}")
        finally:
            engine.dispose()
    except Exception:  # noqa: BLE001 - the database may be what failed; the launcher records the exit
        log.warning("could not record the crash on run %s", run_id, exc_info=True, extra={"run_id": run_id})


def cpu_seconds() -> dict[str, float]:
    """CPU time (user + system) of this process so far, and of its finished helper processes
    (the page-reading workers): what the crawl cost, whatever else the machine was doing."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"cpu_seconds": round(own.ru_utime + own.ru_stime, 3),
            "worker_cpu_seconds": round(workers.ru_utime + workers.ru_stime, 3)}


def _jsonable(stats: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in stats.items():
        if isinstance(value, (int, float, str, bool)) or value is None:
            out[key] = value
        elif isinstance(value, datetime):
            out[key] = value.isoformat()
        else:
            out[key] = str(value)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.runner", description=__doc__.splitlines()[0])
    parser.add_argument("--source", required=True)
    parser.add_argument("--config")
    parser.add_argument("--db")
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--full", action="store_true", help="fetch every detail page again")
    parser.add_argument("--cache", action="store_true", help="use Scrapy's HTTP cache (development)")
    args = parser.parse_args(argv)
    set_log_context(source=args.source, run_id=args.run_id)
    setup_logging()
    try:
        run_crawl(args.source, config_path=args.config, db_url=args.db, run_id=args.run_id,
                  full=args.full, cache=args.cache)
    except Exception as exc:  # noqa: BLE001 - the run is recorded `interrupted`, with the reason
        log.exception("crawl of %s crashed", args.source, extra={"run_id": args.run_id, "source": args.source})
        record_crash(args.db, args.run_id, exc)
        return 1
    return 0


if __name__ == "__main__":
    from pipeline.forkserver import exit_process

    exit_process(main())  # without freeing every module first: 0.2-0.3 s the launcher would wait
