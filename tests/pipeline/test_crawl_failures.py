"""Crawls that go wrong, as ops meet them, through ``launch_crawl`` and the real crawl process:
a detail page failing during the weekly full refresh, a post-crawl step that fails, a crawl
process that crashes, a launcher killed with SIGKILL. Each time the run record says what
happened and nothing is expired that should not be.

The replica (``crawlers.replica``) serves a small API source; :class:`FaultyReplica` makes
chosen paths answer 500, or every answer slow.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from crawlers.replica.generator import generate
from crawlers.replica.server import ReplicaServer, replica_sources_toml
from pipeline.launch import launch_crawl
from storage.db import connect, session
from storage.locks import acquire, current_lease, make_holder
from storage.models import CrawlRun, Offer, Posting
from storage.runs import get_run, start_run

from helpers import wait_for

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
SOURCE = "replica_api"


class FaultyReplica(ReplicaServer):
    """The replica, with paths answering 500 (``fail_paths``) or 404 (``missing_paths``),
    given as path endings, and a delay before every answer."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fail_paths: set[str] = set()
        self.missing_paths: set[str] = set()
        self.delay = 0.0

    def handle(self, raw_path: str):
        if self.delay:
            time.sleep(self.delay)
        if raw_path.endswith(tuple(self.fail_paths)):
            return 500, "text/plain", "boom", {}
        if raw_path.endswith(tuple(self.missing_paths)):
            return 404, "text/plain", "not found", {}
        return super().handle(raw_path)


@pytest.fixture
def replica(tmp_path: Path):
    from storage.offers import paris_today

    with FaultyReplica(generate(12, seed=5, kinds=("api",), today=paris_today())) as server:
        config = tmp_path / "sources.toml"
        config.write_text(replica_sources_toml(server.base_urls).replace(
            "concurrency = 8", "concurrency = 8\nautothrottle = false"), encoding="utf-8")
        yield server, config


def _postings(url: str) -> dict[str, tuple[str, str | None]]:
    engine = connect(url)
    try:
        with session(engine) as s:
            return {p.reference: (p.status, p.offer_id) for p in s.scalars(select(Posting))}
    finally:
        engine.dispose()


def _a_day_later(url: str) -> None:
    """As if the last crawl had been yesterday (timestamps are kept to the second: a crawl
    started within the second of the previous one's end would see every posting as seen)."""
    from datetime import timedelta

    engine = connect(url)
    with session(engine) as s, s.begin():
        for posting in s.scalars(select(Posting)):
            posting.last_seen_at -= timedelta(days=1)
    engine.dispose()


def test_a_known_posting_whose_page_fails_during_a_full_refresh_is_not_expired(replica, sqlite_url):
    """A full refresh used to start without the known postings: a page answering 500 that
    day left its posting unseen, and the succeeded crawl of a complete listing expired it."""
    server, config = replica
    first = launch_crawl(SOURCE, config_path=config, db_url=sqlite_url)
    assert first.status == "succeeded"
    before = _postings(sqlite_url)
    victim = next(p for p in server.dataset.ordered("api") if p.digital)
    assert before[victim.reference][0] == "active"

    _a_day_later(sqlite_url)
    server.fail_paths = {f"/api/v1/offers/{victim.api_id}"}
    full = launch_crawl(SOURCE, config_path=config, db_url=sqlite_url, full_refresh=True)
    assert full.status == "succeeded" and full.counters["items_expired"] == 0
    after = _postings(sqlite_url)
    assert after[victim.reference] == before[victim.reference]  # still active, same offer
    engine = connect(sqlite_url)
    with session(engine) as s:
        run = get_run(s, full.run_id)
        assert run.full_refresh
        assert [e["reason"] for e in run.errors] == ["detail: HTTP 500"]
        assert s.get(Offer, before[victim.reference][1]).status == "active"
    engine.dispose()


_PATCHED_RUNNER = textwrap.dedent("""
    import sys
    import pipeline.postcrawl, pipeline.runner

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    if sys.argv[1] == "postcrawl":
        pipeline.postcrawl.after_crawl = boom
    elif sys.argv[1] == "listing":  # the list page's callback raises after 9 of its 12 entries
        from crawlers.spiders.api import ApiSpider

        original = ApiSpider.parse_list

        def parse_list(self, response):
            for i, out in enumerate(original(self, response)):
                if i == 9:
                    raise RuntimeError("unexpected markup")
                yield out

        ApiSpider.parse_list = parse_list
    else:
        pipeline.runner.spider_class = boom
    sys.exit(pipeline.runner.main(sys.argv[2:]))
""")


@pytest.mark.parametrize("where, code, status, message, seen", [
    # the crawl went well, its post-crawl did not: the run keeps what the crawl did
    ("postcrawl", 0, "interrupted", "post-crawl step failed, nothing expired (RuntimeError: disk full)", True),
    # the process crashed: the run says with what, not only "exited with code 1"
    ("crawl", 1, "interrupted", "crawl process crashed: RuntimeError: disk full", False),
    # a listing page its callback could not read to the end: entries were lost, so the run
    # fails (it used to succeed, and the postings of the lost entries were expired)
    ("listing", 0, "failed", "listing could not be fetched: {api}?page=1&per_page=50 "
                             "(could not read: RuntimeError: unexpected markup)", True),
])
def test_a_crawl_process_that_fails_records_why_on_its_run(replica, sqlite_url, tmp_path, where, code, status,
                                                          message, seen):
    server, config = replica
    message = message.format(api=server.base_urls["api"] + "/api/v1/offers")
    engine = connect(sqlite_url)
    if where == "listing":  # known postings, so that a wrong expiry would show
        assert launch_crawl(SOURCE, config_path=config, db_url=sqlite_url).status == "succeeded"
        _a_day_later(sqlite_url)
    before = _postings(sqlite_url)
    with session(engine) as s, s.begin():
        run_id = start_run(s, SOURCE, "api", trigger="manual")
    script = tmp_path / "runner.py"
    script.write_text(_PATCHED_RUNNER, encoding="utf-8")
    proc = subprocess.run([sys.executable, str(script), where, "--source", SOURCE, "--config", str(config),
                           "--db", sqlite_url, "--run-id", str(run_id)],
                          env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True, text=True, timeout=120)
    assert proc.returncode == code, proc.stderr[-3000:]
    with session(engine) as s:
        run = get_run(s, run_id)
        assert (run.status, run.error_message) == (status, message)
        assert (run.items_seen > 0) is seen
        assert run.finished_at is not None
    engine.dispose()
    assert {ref: v for ref, v in _postings(sqlite_url).items() if ref in before} == before  # nothing expired


_LAUNCHER = textwrap.dedent("""
    import sys
    from pipeline.launch import launch_crawl
    launch_crawl(sys.argv[1], config_path=sys.argv[2], db_url=sys.argv[3], full_refresh=True)
""")


def test_a_launcher_killed_with_sigkill_leaves_an_interrupted_run_and_no_lease(replica, sqlite_url, tmp_path):
    """The crawl process notices its launcher is gone (pipeline.watchdog), ends its run
    ``interrupted`` — expiring nothing — and gives the lease back: the next crawl of the
    source need not wait minutes for it to expire (it used to be ``skipped`` meanwhile)."""
    server, config = replica
    assert launch_crawl(SOURCE, config_path=config, db_url=sqlite_url).status == "succeeded"
    stored = _postings(sqlite_url)
    # a slow site, one request at a time: the crawl (14 requests) outlives its launcher by far
    server.delay = 1.0
    config.write_text(config.read_text(encoding="utf-8").replace("concurrency = 8", "concurrency = 1"),
                      encoding="utf-8")
    script = tmp_path / "launcher.py"
    script.write_text(_LAUNCHER, encoding="utf-8")
    launcher = subprocess.Popen([sys.executable, str(script), SOURCE, str(config), sqlite_url],
                                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
    engine = connect(sqlite_url)
    try:
        def running_run():
            with session(engine) as s:
                return s.scalar(select(CrawlRun).where(CrawlRun.status == "running", CrawlRun.pid.is_not(None)))

        run = wait_for(running_run, what="the crawl process to start")
        time.sleep(0.5)
        os.kill(launcher.pid, signal.SIGKILL)
        launcher.wait(timeout=30)

        def ended():
            with session(engine) as s:
                return get_run(s, run.id).status != "running"

        wait_for(ended, timeout=60, what="the orphaned crawl to stop")
        with session(engine) as s:
            final = get_run(s, run.id)
            assert final.status == "interrupted"
            assert "crawl stopped: parent_gone — its launcher process died" in final.error_message
        assert current_lease(engine, SOURCE) is None
        assert _postings(sqlite_url) == stored  # nothing expired
        assert acquire(engine, SOURCE, make_holder(), 60)  # free for the next crawl
    finally:
        if launcher.poll() is None:
            launcher.kill()
        engine.dispose()


def test_offer_pages_answering_404_in_a_suspect_crawl_expire_nothing(replica, sqlite_url):
    """The site's offer pages broke (most answer 404) while its listing still lists them: the
    crawl is ``suspect`` and, as CATALOGUE.md says, expires nothing. The pages answering 404
    used to be marked gone during the crawl, whatever its outcome."""
    server, config = replica
    assert launch_crawl(SOURCE, config_path=config, db_url=sqlite_url).status == "succeeded"
    before = _postings(sqlite_url)
    _a_day_later(sqlite_url)
    api = server.dataset.ordered("api")
    server.missing_paths = {f"/api/v1/offers/{p.api_id}" for p in api[:8]}
    broken = launch_crawl(SOURCE, config_path=config, db_url=sqlite_url, full_refresh=True)
    assert broken.status == "suspect" and broken.counters["not_found"] == 8
    assert broken.counters["items_expired"] == 0
    assert _postings(sqlite_url) == before

    server.missing_paths = {f"/api/v1/offers/{api[0].api_id}"}  # one offer really deleted
    _a_day_later(sqlite_url)
    fine = launch_crawl(SOURCE, config_path=config, db_url=sqlite_url, full_refresh=True)
    assert fine.status == "succeeded" and fine.counters["not_found"] == 1
    after = _postings(sqlite_url)
    assert after[api[0].reference][0] == "gone"
    assert {ref: v for ref, v in after.items() if ref != api[0].reference} == {
        ref: v for ref, v in before.items() if ref != api[0].reference}
