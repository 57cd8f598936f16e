"""The crawl child's decisions: the run status from the crawl's stats, and when to refresh fully."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crawlers.config import parse_config
from pipeline.runner import crawl_status, needs_full_refresh, previous_success_seen


@pytest.mark.parametrize("stats, previous, expected", [
    ({"finish_reason": "finished", "catalogue/items_seen": 100}, 110, "succeeded"),
    ({"finish_reason": "finished", "catalogue/items_seen": 100}, None, "succeeded"),  # first crawl
    ({"finish_reason": "finished", "catalogue/items_seen": 51}, 100, "succeeded"),   # a 49 % drop: fine
    ({"finish_reason": "finished", "catalogue/items_seen": 49}, 100, "suspect"),     # more than half gone
    ({"finish_reason": "finished", "catalogue/items_seen": 0}, 100, "suspect"),
    ({"finish_reason": "finished", "catalogue/listing_failed": 1}, 100, "failed"),
    ({"finish_reason": "shutdown", "catalogue/items_seen": 100}, 100, "interrupted"),  # SIGTERM
    ({"finish_reason": "closespider_timeout", "catalogue/items_seen": 100}, 100, "interrupted"),
    ({"finish_reason": "parent_gone", "catalogue/items_seen": 100}, 100, "interrupted"),
    ({}, 100, "interrupted"),  # Scrapy never finished
])
def test_run_status_from_the_crawl(stats, previous, expected):
    status, reason = crawl_status(stats, previous_seen=previous, drop_share=0.5)
    assert status == expected
    assert (reason is None) == (expected == "succeeded")


def test_a_failed_listing_names_the_page_and_why():
    """`catalogue runs` shows the message's first line: "listing could not be fetched" alone
    sent ops to the JSON errors to learn which page and why."""
    errors = [{"url": "https://x.example/offre/1", "reason": "detail: HTTP 500"},
              {"url": "https://x.example/page/3/", "reason": "listing: DownloadTimeoutError: took longer than 30 s"}]
    stats = {"finish_reason": "finished", "catalogue/listing_failed": 1}
    assert crawl_status(stats, previous_seen=None, drop_share=0.5, errors=errors) == (
        "failed", "listing could not be fetched: https://x.example/page/3/ (DownloadTimeoutError: took longer than 30 s)")
    assert crawl_status(stats, previous_seen=None, drop_share=0.5) == ("failed", "listing could not be fetched")


@pytest.mark.parametrize("finish_reason, message", [
    ("shutdown", "crawl stopped: shutdown — stopped by a signal"),
    ("closespider_timeout", "crawl stopped: closespider_timeout — time limit reached"),
    ("parent_gone", "crawl stopped: parent_gone — its launcher process died"),
    ("memusage_exceeded", "crawl stopped: memusage_exceeded"),
    (None, "crawl stopped: unknown reason"),
])
def test_an_interrupted_crawl_says_why_in_words(finish_reason, message):
    stats = {"finish_reason": finish_reason} if finish_reason else {}
    assert crawl_status(stats, previous_seen=None, drop_share=0.5) == ("interrupted", message)


def test_the_suspect_threshold_is_configurable():
    stats = {"finish_reason": "finished", "catalogue/items_seen": 70}
    assert crawl_status(stats, previous_seen=100, drop_share=0.5)[0] == "succeeded"
    assert crawl_status(stats, previous_seen=100, drop_share=0.2)[0] == "suspect"


def _config(days: float):
    return parse_config({"settings": {"full_refresh_days": days},
                         "sources": {"pep": {"kind": "pep", "base_url": "https://example.org"}}})


def _run(s, *, status: str, full: bool, started, seen: int = 10) -> int:
    from storage.models import CrawlRun
    from storage.runs import start_run

    run_id = start_run(s, "pep", "pep", trigger="manual", full_refresh=full)
    run = s.get(CrawlRun, run_id)
    run.status, run.started_at, run.items_seen = status, started, seen
    return run_id


def test_a_full_refresh_comes_back_after_the_configured_interval(engine):
    from storage.db import session
    from storage.types import utcnow

    now = utcnow()
    config = _config(7)
    source = config.source("pep")
    assert needs_full_refresh(engine, source, config, now=now)  # never crawled: everything is new
    with session(engine) as s, s.begin():
        _run(s, status="succeeded", full=True, started=now - timedelta(days=8))
        _run(s, status="succeeded", full=False, started=now - timedelta(days=1))
    assert needs_full_refresh(engine, source, config, now=now)  # last full refresh 8 days ago
    with session(engine) as s, s.begin():
        _run(s, status="failed", full=True, started=now - timedelta(hours=2))
    assert needs_full_refresh(engine, source, config, now=now)  # a failed full refresh does not count
    with session(engine) as s, s.begin():
        _run(s, status="succeeded", full=True, started=now - timedelta(days=2))
    assert not needs_full_refresh(engine, source, config, now=now)
    assert needs_full_refresh(engine, source, _config(1), now=now)


def test_the_suspect_check_compares_with_the_last_successful_crawl(engine):
    from storage.db import session
    from storage.types import utcnow

    now = utcnow()
    with session(engine) as s, s.begin():
        _run(s, status="succeeded", full=True, started=now - timedelta(days=2), seen=300)
        _run(s, status="suspect", full=False, started=now - timedelta(days=1), seen=20)
        current = _run(s, status="running", full=False, started=now, seen=0)
    assert previous_success_seen(engine, "pep", current) == 300
