"""Crawl processes forked by the pre-importing fork server (pipeline/forkserver.py,
``pipeline.launch.CrawlForkServer``): same runs as started the plain way, same stops, and
any trouble with the server falls back to the plain start or is recorded.

Real crawls of a tiny replica (a few seconds each); a "slow" configuration (2 s between
requests) for the crawls that must still be running when a test acts on them.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

import pipeline.launch
from crawlers.replica.generator import generate
from crawlers.replica.server import ReplicaServer, replica_sources_toml
from pipeline.launch import CrawlForkServer, ForkServerError, launch_crawl
from storage.db import connect, session
from storage.locks import current_lease
from storage.models import CrawlRun, Posting

REPO = Path(__file__).resolve().parents[2]
FALLBACK = "starting its process the plain way"


@pytest.fixture(scope="module")
def replica(tmp_path_factory):
    """(normal config, slow config) for a replica of 40 postings."""
    tmp = tmp_path_factory.mktemp("forkserver")
    with ReplicaServer(generate(40, seed=11), feed_window=0) as server:
        toml = replica_sources_toml(server.base_urls).replace("concurrency = 8", "concurrency = 8\nautothrottle = false")
        config = tmp / "sources.toml"
        config.write_text(toml, encoding="utf-8")
        slow = tmp / "slow.toml"
        # one request at a time, 2 s apart: still crawling when a test acts, and a stop does not
        # wait for a queue of delayed requests (Scrapy lets the downloader's queue drain)
        slow.write_text(toml.replace("download_delay = 0", "download_delay = 2").replace(
            "concurrency = 8", "concurrency = 1"), encoding="utf-8")
        yield config, slow


@pytest.fixture(scope="module")
def shared_server():
    with CrawlForkServer() as fs:
        assert fs.wait_ready()
        yield fs


def _run(url: str, run_id: int) -> CrawlRun:
    engine = connect(url)
    try:
        with session(engine) as s:
            run = s.get(CrawlRun, run_id)
            s.expunge(run)
            return run
    finally:
        engine.dispose()


def _running_pid(url: str) -> int | None:
    engine = connect(url)
    try:
        with session(engine) as s:
            return s.scalar(select(CrawlRun.pid).where(CrawlRun.status == "running"))
    finally:
        engine.dispose()


def _postings(url: str) -> int:
    engine = connect(url)
    try:
        with session(engine) as s:
            return s.scalar(select(func.count()).select_from(Posting))
    finally:
        engine.dispose()


def gone(pid: int) -> bool:
    """The process has ended (an orphan may stay a zombie a while, depending on who adopts it)."""
    try:
        os.kill(pid, 0)
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] in ("Z", "X")
    except (ProcessLookupError, FileNotFoundError):
        return True


def _in_thread(fn, url: str | None = None):
    if url:  # the schema first: the test thread reads the database while the crawl runs
        connect(url, auto_upgrade=True).dispose()
    result: dict = {}
    thread = threading.Thread(target=lambda: result.setdefault("outcome", fn()))
    thread.start()
    return thread, result


def test_what_the_server_imports_before_ready_leaves_out_the_normalizer_and_the_dedup():
    """A crawl that finds nothing new (an unchanged re-crawl) needs neither: no module of the
    crawl process imports them at its top (they are imported where they are used), so the
    server can say ``ready`` without them."""
    code = ("import sys, pipeline.forkserver as f; f.preload(); "
            "print(sorted(m for m in sys.modules if m.startswith(('normalize.record', 'normalize.classify', "
            "'normalize.places', 'normalize.salary', 'pipeline.dedup', 'rapidfuzz'))))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


def test_once_ready_the_server_also_imports_what_only_the_post_crawl_dedup_needs(wait_for):
    """``ready`` comes before rapidfuzz and numpy are loaded (what a crawl needs to start);
    the server loads them next (after the normalizer, :data:`PRELOAD_AFTER_READY`'s order),
    so that crawls forked later do not each import them."""
    import rapidfuzz

    library = Path(rapidfuzz.__file__).parent.name + "/"  # its compiled modules, as mapped
    with CrawlForkServer() as fs:
        assert fs.wait_ready()
        maps = Path(f"/proc/{fs.pid}/maps")
        wait_for(lambda: library in maps.read_text(), timeout=30, what="rapidfuzz loaded by the fork server")
        assert fs.process.poll() is None


def test_the_later_imports_wait_until_requests_stop_coming():
    """The first crawls' requests must not wait behind an import: a module of
    :data:`PRELOAD_AFTER_READY` is imported only once no request has come for
    ``LATER_IMPORTS_AFTER_QUIET_SECONDS``. Here a server (in a child interpreter, as
    ``serve()`` takes over signals) gets a request every 50 ms for 0.6 s, with a 1 s quiet
    period; its imports come only after the last request, and then all of them, in order."""
    code = textwrap.dedent("""
        import socket, sys, threading, time
        import pipeline.forkserver as f
        f.LATER_IMPORTS_AFTER_QUIET_SECONDS = 1.0
        imported, sent = [], []
        f._import = lambda name: imported.append((name, time.monotonic()))
        f._check_forkable = lambda: None  # our request thread is not an import's
        ctrl, peer = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        def requests():
            end = time.monotonic() + 0.6
            while time.monotonic() < end:
                sent.append(time.monotonic())
                peer.send(b"R")  # without descriptors: served as a (refused) request
                time.sleep(0.05)
            give_up = time.monotonic() + 20
            while len(imported) < 2 and time.monotonic() < give_up:  # both later imports, then stop
                time.sleep(0.05)
            peer.close()  # end of file: serve() returns
        threading.Thread(target=requests, daemon=True).start()
        f._Server(ctrl, None, ("json", "csv")).serve()
        print([name for name, _ in imported], round(imported[0][1] - sent[-1], 3) if imported else None)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    names, _, after_last_request = out.stdout.strip().rpartition(" ")
    assert names == "['json', 'csv']"
    assert float(after_last_request) >= 1.0


def test_a_crawl_through_the_fork_server_records_the_same_run_as_through_popen(
        replica, shared_server, catalogue_url, tmp_path, caplog):
    config, _ = replica
    plain_url = f"sqlite:///{tmp_path / 'plain.db'}"
    plain = launch_crawl("replica_api", config_path=str(config), db_url=plain_url)
    with caplog.at_level(logging.WARNING, logger="pipeline.launch"):
        forked = launch_crawl("replica_api", config_path=str(config), db_url=catalogue_url,
                              fork_server=shared_server)
    assert FALLBACK not in caplog.text
    assert (forked.status, forked.error_message) == (plain.status, plain.error_message) == ("succeeded", None)
    assert forked.counters == plain.counters and forked.counters["items_new"] > 0
    assert _postings(catalogue_url) == _postings(plain_url)
    run = _run(catalogue_url, forked.run_id)
    assert run.pid and run.pid not in (os.getpid(), shared_server.pid)
    assert set(run.stats["timings"]) == set(_run(plain_url, plain.run_id).stats["timings"])
    assert shared_server.process is not None and shared_server.process.poll() is None  # still serving


def test_concurrent_launches_through_one_fork_server(replica, shared_server, catalogue_url, caplog):
    config, _ = replica
    names = ["replica_pep", "replica_feed", "replica_jobposting"]
    with caplog.at_level(logging.WARNING, logger="pipeline.launch"):
        threads = [_in_thread(lambda n=n: launch_crawl(n, config_path=str(config), db_url=catalogue_url,
                                                       fork_server=shared_server)) for n in names]
        for thread, _ in threads:
            thread.join(timeout=120)
    assert FALLBACK not in caplog.text
    outcomes = [result["outcome"] for _, result in threads]
    assert [o.status for o in outcomes] == ["succeeded"] * 3
    pids = {_run(catalogue_url, o.run_id).pid for o in outcomes}
    assert len(pids) == 3


def test_the_time_limit_stops_a_forked_crawl(replica, shared_server, sqlite_url):
    _, slow = replica
    outcome = launch_crawl("replica_pep", config_path=str(slow), db_url=sqlite_url, time_limit=2, grace_seconds=20,
                           fork_server=shared_server)
    assert outcome.status == "interrupted"
    assert outcome.error_message.startswith("time limit of 2 s exceeded (crawl stopped: shutdown")
    assert current_lease(connect(sqlite_url), "replica_pep") is None


def test_a_forked_crawl_that_exits_with_an_error_code_is_recorded_with_it(replica, shared_server, sqlite_url,
                                                                         monkeypatch):
    config, _ = replica
    real = pipeline.launch.child_command
    monkeypatch.setattr(pipeline.launch, "child_command", lambda *a, **kw: [*real(*a, **kw), "--bogus"])
    outcome = launch_crawl("replica_api", config_path=str(config), db_url=sqlite_url, fork_server=shared_server)
    assert outcome.status == "interrupted"
    assert outcome.error_message.startswith("crawl process exited with code 2; last output:")
    assert "unrecognized arguments: --bogus" in outcome.error_message  # the tail of its output


def test_a_forked_crawl_killed_by_a_signal_is_recorded_interrupted(replica, shared_server, sqlite_url, wait_for):
    _, slow = replica
    thread, result = _in_thread(lambda: launch_crawl("replica_pep", config_path=str(slow), db_url=sqlite_url,
                                                     fork_server=shared_server), sqlite_url)
    pid = wait_for(lambda: _running_pid(sqlite_url), what="the crawl to start")
    os.kill(pid, signal.SIGKILL)
    thread.join(timeout=60)
    outcome = result["outcome"]
    assert outcome.status == "interrupted"
    assert outcome.error_message.startswith("crawl process killed by SIGKILL")


def test_a_fork_server_killed_mid_crawl_is_recorded_and_the_next_crawl_still_runs(replica, sqlite_url, wait_for,
                                                                                  caplog):
    config, slow = replica
    with CrawlForkServer() as fs:
        assert fs.wait_ready()
        thread, result = _in_thread(lambda: launch_crawl("replica_pep", config_path=str(slow), db_url=sqlite_url,
                                                         fork_server=fs, grace_seconds=20), sqlite_url)
        crawl_pid = wait_for(lambda: _running_pid(sqlite_url), what="the crawl to start")
        first_server = fs.pid
        os.kill(first_server, signal.SIGKILL)
        thread.join(timeout=60)
        outcome = result["outcome"]
        assert outcome.status == "interrupted"
        assert outcome.error_message.startswith("the fork server that started the crawl process died")
        assert gone(crawl_pid)
        # the next crawl starts a new server
        with caplog.at_level(logging.WARNING, logger="pipeline.launch"):
            again = launch_crawl("replica_api", config_path=str(config), db_url=sqlite_url, fork_server=fs)
        assert again.status == "succeeded"  # started the plain way while the new server imports
        assert fs.pid not in (None, first_server)
        assert FALLBACK not in caplog.text
        assert fs.wait_ready()


def test_a_fork_server_that_cannot_start_falls_back_to_the_plain_start(replica, sqlite_url, monkeypatch, caplog):
    config, _ = replica
    monkeypatch.setattr(pipeline.launch, "FORK_SERVER_MAX_STARTS", 0)
    with caplog.at_level(logging.WARNING, logger="pipeline.launch"), CrawlForkServer() as fs:
        assert fs.process is None
        outcome = launch_crawl("replica_api", config_path=str(config), db_url=sqlite_url, fork_server=fs)
    assert outcome.status == "succeeded"
    assert FALLBACK in caplog.text


def test_a_fork_server_that_refuses_a_request_falls_back(replica, shared_server, sqlite_url, monkeypatch, caplog):
    config, _ = replica

    def refuse(*_a, **_kw):
        raise ForkServerError("the fork server refused the request: OSError: no more processes")

    monkeypatch.setattr(shared_server, "spawn", refuse)
    with caplog.at_level(logging.WARNING, logger="pipeline.launch"):
        outcome = launch_crawl("replica_api", config_path=str(config), db_url=sqlite_url, fork_server=shared_server)
    assert outcome.status == "succeeded"
    assert FALLBACK in caplog.text and "no more processes" in caplog.text


def test_fake_children_keep_the_plain_start(config_path, sqlite_url, fake_child, monkeypatch):
    fs = CrawlForkServer()  # never started: any use of it would fail the test

    def no(*_a, **_kw):
        raise AssertionError("a _child_argv command went through the fork server")

    monkeypatch.setattr(fs, "spawn", no)
    outcome = launch_crawl("alpha", config_path=config_path, db_url=sqlite_url, fork_server=fs,
                           _child_argv=fake_child("succeed", sqlite_url))
    assert outcome.status == "succeeded"


_LAUNCHER = textwrap.dedent("""
    import sys
    from pipeline.launch import CrawlForkServer, launch_crawl
    db, config = sys.argv[1:3]
    with CrawlForkServer() as fs:
        assert fs.wait_ready()
        print(fs.pid, flush=True)
        launch_crawl("replica_pep", config_path=config, db_url=db, fork_server=fs)
""")


def test_a_dead_launcher_ends_its_fork_server_and_the_crawl_stops(replica, sqlite_url, tmp_path, wait_for):
    _, slow = replica
    script = tmp_path / "launcher.py"
    script.write_text(_LAUNCHER, encoding="utf-8")
    connect(sqlite_url, auto_upgrade=True).dispose()  # before the launcher: we read it while it crawls
    launcher = subprocess.Popen([sys.executable, str(script), sqlite_url, str(slow)],
                                env={**os.environ, "PYTHONPATH": str(REPO), "CATALOGUE_LOG_LEVEL": "WARNING"},
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        server_pid = int(launcher.stdout.readline())
        crawl_pid = wait_for(lambda: _running_pid(sqlite_url), timeout=60, what="the crawl to start")
        launcher.kill()
        launcher.wait(timeout=10)

        wait_for(lambda: gone(server_pid), timeout=15, what="the fork server to exit")
        wait_for(lambda: gone(crawl_pid), timeout=60, what="the crawl to stop")
    finally:
        if launcher.poll() is None:
            launcher.kill()
    engine = connect(sqlite_url)
    with session(engine) as s:
        run = s.scalars(select(CrawlRun)).one()
        assert run.status == "interrupted"
        assert "parent_gone" in run.error_message
    assert current_lease(engine, "replica_pep") is None  # given back by the crawl process
    engine.dispose()
