"""The item pipelines: validate → normalize → store, on a real (test) crawler and database."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler
from sqlalchemy import func, select

from crawlers.items import GonePosting, NotOfferPage, RawPosting, SeenPosting, SeenPostings
from pipeline.pipelines import NormalizedItem, NormalizePipeline, StorePipeline, ValidatePipeline


class _Spider:
    name = "pep"

    def __init__(self) -> None:
        self.catalogue_errors: list[dict] = []


def _crawler(db_url: str, **extra):
    settings = {"CATALOGUE_DB_URL": db_url, "CATALOGUE_SOURCE_NAME": "pep", "CATALOGUE_RUN_ID": 0,
                "CATALOGUE_DIGITAL_ONLY": True, "CATALOGUE_CRAWL_TIME": "2026-11-22T02:00:00+01:00",
                "CATALOGUE_BATCH_SIZE": 2, **extra}
    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return crawler


def _raw(ref: str, **kw) -> RawPosting:
    base = dict(source="pep", kind="pep", reference=ref, url=f"https://example.org/offre-emploi/x-reference-{ref}/",
                listing_ref=ref, listing_key="k1", title="Développeur back-end Python (H/F)",
                employer="Direction interministérielle du numérique (DINUM)",
                public_service="Fonction publique de l'État", category="Catégorie A (cadre)",
                contract="Emploi ouvert aux titulaires et aux contractuels", location="75007 Paris",
                department="Paris (75)", region="Île-de-France", remote="Oui",
                published="18/11/2026", deadline="04/01/2027",
                description_html="<p>Vos principales activités</p>", job_labels=["Développeuse / Développeur"])
    base.update(kw)
    return RawPosting(**base)


def test_validate_rejects_missing_reference_or_title_with_url_and_reason(sqlite_url):
    """A rejected posting with a listing identity is still listed: it goes on as seen (a
    known one is not found gone); without one it is dropped."""
    crawler = _crawler(sqlite_url)
    spider = _Spider()
    pipe = ValidatePipeline.from_crawler(crawler)
    ok = _raw("2026-1")
    assert pipe.process_item(ok, spider) is ok
    assert pipe.process_item(_raw("2026-2", title="  \u00a0 "), spider) == SeenPosting(
        source="pep", reference="2026-2", url="https://example.org/offre-emploi/x-reference-2026-2/",
        listing_ref="2026-2")
    with pytest.raises(DropItem):
        pipe.process_item(_raw(None, url="https://example.org/broken"), spider)
    assert crawler.stats.get_value("catalogue/rejected") == 2
    assert spider.catalogue_errors == [
        {"url": "https://example.org/offre-emploi/x-reference-2026-2/", "reason": "missing title"},
        {"url": "https://example.org/broken", "reason": "missing reference"},
    ]
    seen = SeenPosting(source="pep", reference="r")
    assert pipe.process_item(seen, spider) is seen


def test_normalize_counts_warnings_and_a_normalizer_bug_rejects_one_item(sqlite_url, monkeypatch):
    crawler = _crawler(sqlite_url)
    spider = _Spider()
    pipe = NormalizePipeline.from_crawler(crawler)
    out = pipe.process_item(_raw("2026-1", deadline="bientôt"), spider)
    assert isinstance(out, NormalizedItem)
    assert out.record.title == "Développeur back-end Python" and out.record.deadline is None
    assert crawler.stats.get_value("catalogue/warnings") >= 1

    def boom(*a, **k):
        raise ValueError("bug")

    monkeypatch.setattr("normalize.record.normalize_posting", boom)  # what the pipeline calls
    assert isinstance(pipe.process_item(_raw("2026-2"), spider), SeenPosting)  # still listed
    with pytest.raises(DropItem):
        pipe.process_item(_raw(None, listing_ref=None), spider)
    assert crawler.stats.get_value("catalogue/rejected") == 2
    assert "normalization error" in spider.catalogue_errors[0]["reason"]


def test_a_normalizer_that_cannot_be_loaded_interrupts_the_crawl_and_expires_nothing(sqlite_url, monkeypatch):
    """The normalizer is imported with the first posting (not at the crawl's start): a broken
    install (its rules file, its place tables) must not let the crawl succeed without having
    stored — nor marked seen — what it read: every posting counts as lost, the run ends
    interrupted, and the cause is on the run record once."""
    from pipeline.runner import crawl_status

    monkeypatch.setitem(sys.modules, "normalize.record", None)  # importing it now raises ImportError
    crawler = _crawler(sqlite_url)
    spider = _Spider()
    pipe = NormalizePipeline.from_crawler(crawler)
    for ref in ("2026-1", "2026-2"):
        with pytest.raises(DropItem):
            pipe.process_item(_raw(ref), spider)
    stats = crawler.stats.get_stats()
    assert stats["catalogue/store_errors"] == 2 and not stats.get("catalogue/rejected")
    assert len(spider.catalogue_errors) == 1
    assert spider.catalogue_errors[0]["reason"].startswith(
        "could not store 1 item(s): the normalizer cannot be loaded: ModuleNotFoundError: import of normalize.record")
    status, reason = crawl_status({**stats, "finish_reason": "finished"}, previous_seen=2, drop_share=0.5,
                                  errors=spider.catalogue_errors)
    assert status == "interrupted"
    assert reason.startswith("2 item(s) could not be stored, nothing expired (the normalizer cannot be loaded")


def test_a_known_posting_rejected_this_time_is_still_listed_not_gone(db_url, monkeypatch):
    """CATALOGUE.md expires what *disappeared* from a complete listing. A known posting whose
    changed page the normalizer fails on this time is rejected (counted) but seen: after the
    succeeded crawl, mark_missing_gone leaves it — and its stored version — as it was."""
    from storage.db import connect, session
    from storage.models import CrawlRun, Posting
    from storage.postings import mark_missing_gone

    engine = connect(db_url, auto_upgrade=True)
    with session(engine) as s, s.begin():
        first, second = CrawlRun(source="pep", kind="pep"), CrawlRun(source="pep", kind="pep")
        s.add_all([first, second])
        s.flush()
        first_id, second_id = first.id, second.id

    def crawl(run_id: int, *items: RawPosting) -> dict:
        crawler = _crawler(db_url, CATALOGUE_RUN_ID=run_id)
        spider = _Spider()
        validate, normalize, store = (cls.from_crawler(crawler)
                                      for cls in (ValidatePipeline, NormalizePipeline, StorePipeline))
        store.open_spider()
        for item in items:
            store.process_item(normalize.process_item(validate.process_item(item, spider), spider), spider)
        store.close_spider(spider)
        return crawler.stats.get_stats()

    crawl(first_id, _raw("2026-1"), _raw("2026-2"))

    def boom(*a, **k):
        raise ValueError("bug")

    monkeypatch.setattr("normalize.record.normalize_posting", boom)
    stats = crawl(second_id, _raw("2026-1", title="Développeur Python (H/F)", listing_key="k2"),
                  _raw("2026-2", title="  ", listing_key="k2"))  # changed; both rejected this time
    assert stats["catalogue/rejected"] == 2 and stats["catalogue/items_seen"] == 2
    with session(engine) as s, s.begin():
        assert mark_missing_gone(s, "pep", run_id=second_id, at=datetime(2026, 11, 23, tzinfo=timezone.utc),
                                 seen_since=datetime(2026, 11, 23, tzinfo=timezone.utc)) == set()
        rows = s.execute(select(Posting.reference, Posting.status, Posting.title, Posting.listing_key,
                                Posting.last_run_id).order_by(Posting.reference)).all()
    assert [tuple(r) for r in rows] == [
        ("2026-1", "active", "Développeur back-end Python", "k1", second_id),
        ("2026-2", "active", "Développeur back-end Python", "k1", second_id),
    ]
    engine.dispose()


def test_store_writes_batches_and_counts_new_updated_unchanged(db_url):
    from storage.db import connect, session
    from storage.models import Posting

    engine = connect(db_url, auto_upgrade=True)
    crawler = _crawler(db_url)
    normalize = NormalizePipeline.from_crawler(crawler)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    for ref in ("2026-1", "2026-2", "2026-3"):
        store.process_item(normalize.process_item(_raw(ref)))
    store.process_item(NotOfferPage(source="pep", url="https://example.org/a-propos/", listing_key="x"))
    store.close_spider()
    assert crawler.stats.get_value("catalogue/items_new") == 3
    assert crawler.stats.get_value("catalogue/items_seen") == 3

    crawler2 = _crawler(db_url)
    normalize2 = NormalizePipeline.from_crawler(crawler2)
    store2 = StorePipeline.from_crawler(crawler2)
    store2.open_spider()
    store2.process_item(normalize2.process_item(_raw("2026-1")))                      # unchanged
    store2.process_item(normalize2.process_item(_raw("2026-2", deadline="05/01/2027")))  # updated
    store2.process_item(SeenPostings("pep", [SeenPosting(source="pep", reference="2026-3", listing_ref="2026-3")]))
    gone = GonePosting(source="pep", reference="2026-1", url="https://example.org/gone", listing_ref="2026-1")
    spider = SimpleNamespace()
    store2.process_item(gone, spider)
    store2.close_spider()
    stats = crawler2.stats
    assert stats.get_value("catalogue/items_seen") == 3
    assert stats.get_value("catalogue/items_updated") == 1
    assert stats.get_value("catalogue/items_unchanged") == 2
    with session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Posting)) == 3
        statuses = dict(s.execute(select(Posting.reference, Posting.status)).all())
    # a page answering 404/410 is kept for the post-crawl step, which marks it gone only
    # after a succeeded crawl (tests/pipeline/test_postcrawl.py)
    assert statuses == {"2026-1": "active", "2026-2": "active", "2026-3": "active"}
    assert spider.catalogue_gone == [gone]
    engine.dispose()


def test_a_batch_the_database_refuses_is_counted_and_kept_not_raised(sqlite_url, monkeypatch):
    """A database error while storing (SQLite locked past its busy timeout, a PostgreSQL
    deadlock) used to escape the pipeline: the batch was lost — among it the "seen" marks of
    unchanged postings — and the crawl could still succeed and expire them."""
    import storage.postings
    from sqlalchemy.exc import OperationalError

    from pipeline.runner import crawl_status

    def locked(*args, **kwargs):
        raise OperationalError("UPDATE postings", {}, Exception("database is locked"))

    monkeypatch.setattr(storage.postings, "mark_seen", locked)
    monkeypatch.setattr("pipeline.pipelines.RETRY_PAUSE_SECONDS", 0)
    crawler = _crawler(sqlite_url)
    spider = _Spider()
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    for ref in ("2026-1", "2026-2", "2026-3"):
        store.process_item(SeenPosting(source="pep", reference=ref, listing_ref=ref), spider)
    store.close_spider(spider)
    stats = crawler.stats.get_stats()
    assert stats["catalogue/store_errors"] == 3 and stats["catalogue/items_seen"] == 3
    # SQLite: the first batch, busy, was kept for later; at the end all three were tried 3 times
    assert stats["catalogue/store_deferred"] == 1 and stats["catalogue/store_retries"] == 2
    reason = "could not store 3 item(s): OperationalError: database is locked"
    assert spider.catalogue_errors == [{"url": None, "reason": reason}]
    status = crawl_status({**stats, "finish_reason": "finished"}, previous_seen=3, drop_share=0.5,
                          errors=spider.catalogue_errors)
    assert status == ("interrupted", "3 item(s) could not be stored, nothing expired "
                                     "(OperationalError: database is locked)")


def _upsert_failing_once(monkeypatch, error: Exception) -> list[int]:
    """``storage.postings.upsert_postings`` raising ``error`` on its first call only;
    returns the list its calls are appended to."""
    import storage.postings

    real, calls = storage.postings.upsert_postings, []

    def failing_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return real(*args, **kwargs)

    monkeypatch.setattr(storage.postings, "upsert_postings", failing_once)
    return calls


def test_a_batch_refused_for_a_moment_is_stored_on_the_next_attempt(sqlite_url, monkeypatch):
    """Two crawls side by side on SQLite: the other one's post-crawl step may hold the write
    lock beyond the busy timeout; the batch (rolled back whole) is tried again, not lost."""
    from sqlalchemy import select
    from sqlalchemy.exc import OperationalError

    from storage.db import connect, session
    from storage.models import Posting

    calls = _upsert_failing_once(
        monkeypatch, OperationalError("INSERT INTO postings", {}, Exception("database is locked")))
    monkeypatch.setattr("pipeline.pipelines.RETRY_PAUSE_SECONDS", 0)
    engine = connect(sqlite_url, auto_upgrade=True)
    crawler = _crawler(sqlite_url)
    spider = _Spider()
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    store.process_item(NormalizePipeline.from_crawler(crawler).process_item(_raw("2026-7")), spider)
    store.close_spider(spider)
    stats = crawler.stats.get_stats()
    assert len(calls) == 2 and stats["catalogue/store_retries"] == 1
    assert "catalogue/store_errors" not in stats and not spider.catalogue_errors
    with session(engine) as s:
        assert s.scalars(select(Posting.reference)).all() == ["2026-7"]
    engine.dispose()


def test_only_transient_database_errors_are_tried_again():
    from sqlalchemy.exc import IntegrityError, OperationalError

    from pipeline.pipelines import is_transient

    class PgError(Exception):
        def __init__(self, sqlstate):
            super().__init__("deadlock detected")
            self.sqlstate = sqlstate

    assert is_transient(OperationalError("UPDATE", {}, Exception("database is locked")))
    assert is_transient(OperationalError("UPDATE", {}, PgError("40P01")))
    assert not is_transient(OperationalError("UPDATE", {}, Exception("disk I/O error")))
    assert not is_transient(IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed")))
    assert not is_transient(ValueError("database is locked"))


def test_on_sqlite_a_busy_database_keeps_the_batch_for_later_instead_of_stalling_the_crawl(sqlite_url):
    """Another process holds SQLite's write lock (a crawl beside this one, in its post-crawl
    step): the batch is kept in memory (no wait), then written with the next one, counted once."""
    import sqlite3

    from storage.db import connect, session
    from storage.models import Posting

    engine = connect(sqlite_url, auto_upgrade=True)
    crawler = _crawler(sqlite_url)  # batches of 2
    normalize = NormalizePipeline.from_crawler(crawler)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    other = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), timeout=0)
    other.execute("BEGIN IMMEDIATE")  # the other process's write lock
    try:
        for ref in ("2026-1", "2026-2", "2026-3"):
            store.process_item(normalize.process_item(_raw(ref)))
        assert crawler.stats.get_value("catalogue/store_deferred") == 1
        assert len(store.postings) == 3  # kept, nothing lost, nothing counted yet
        assert crawler.stats.get_value("catalogue/items_new") is None
    finally:
        other.rollback()
        other.close()
    store.process_item(normalize.process_item(_raw("2026-4")))  # the next batch: all four written
    assert store.postings == []
    store.close_spider()
    stats = crawler.stats
    assert stats.get_value("catalogue/items_new") == 4 and stats.get_value("catalogue/store_errors") is None
    with session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Posting)) == 4
    engine.dispose()


def test_a_batch_refused_for_another_reason_on_the_quick_try_is_stored_the_usual_way(sqlite_url, monkeypatch):
    """Only "busy" keeps a batch for later; any other error of the no-wait try must not
    escape the pipeline: the batch goes the usual way (retries, then a counted error)."""
    from sqlalchemy.exc import IntegrityError

    from storage.db import connect

    connect(sqlite_url, auto_upgrade=True).dispose()
    calls = _upsert_failing_once(
        monkeypatch, IntegrityError("INSERT INTO postings", {}, Exception("CHECK constraint failed")))
    crawler = _crawler(sqlite_url)  # batches of 2: the first batch is a no-wait try
    normalize = NormalizePipeline.from_crawler(crawler)
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    for ref in ("2026-1", "2026-2"):
        store.process_item(normalize.process_item(_raw(ref)), _Spider())
    assert len(calls) == 2 and store.postings == []  # tried again at once, the usual way: stored
    store.close_spider()
    assert crawler.stats.get_value("catalogue/items_new") == 2
    assert crawler.stats.get_value("catalogue/store_errors") is None
