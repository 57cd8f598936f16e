"""pipeline.launch.launch_crawl with a fake crawl child (tests/ops/fake_child.py): lease,
run record, time limit, crashes, signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawlers.config import ConfigError
from pipeline.launch import child_command, launch_crawl
from storage.db import connect, session
from storage.locks import acquire, current_lease
from storage.models import Change, CrawlRun, Offer, Posting
from storage.runs import get_run, start_run
from storage.types import utcnow

REPO = Path(__file__).resolve().parents[2]


def _launch(config_path, catalogue_url, argv, **kw):
    return launch_crawl("alpha", config_path=config_path, db_url=catalogue_url, _child_argv=argv, **kw)


def test_a_child_that_records_its_end_gives_its_status(config_path, sqlite_url, fake_child):
    outcome = _launch(config_path, sqlite_url, fake_child("succeed", sqlite_url), trigger="schedule")
    assert (outcome.source, outcome.status, outcome.error_message) == ("alpha", "succeeded", None)
    assert outcome.counters["items_seen"] == 3 and outcome.counters["items_new"] == 2
    engine = connect(sqlite_url)
    with session(engine) as s:
        run = get_run(s, outcome.run_id)
        assert run.trigger == "schedule" and run.pid and run.pid != os.getpid()
    assert current_lease(engine, "alpha") is None  # released
    engine.dispose()


@pytest.mark.parametrize("mode, needles", [
    ("crash", ["crawl process exited with code 3", "RuntimeError: the spider blew up on purpose"]),
    ("silent", ["crawl process exited without recording an end"]),
])
def test_a_child_that_dies_without_recording_is_interrupted(config_path, sqlite_url, fake_child, mode, needles):
    outcome = _launch(config_path, sqlite_url, fake_child(mode, sqlite_url))
    assert outcome.status == "interrupted"
    for needle in needles:
        assert needle in outcome.error_message


def _seed_active_offer(engine) -> None:
    with session(engine) as s, s.begin():
        s.add(Offer(id="o1", title="Développeur", status="active"))
        s.flush()
        s.add(Posting(source="alpha", reference="r1", title="Développeur", offer_id="o1", status="active"))


def test_time_limit_stops_the_crawl_interrupted_and_nothing_expires(config_path, sqlite_url, fake_child):
    engine = connect(sqlite_url)
    _seed_active_offer(engine)
    outcome = _launch(config_path, sqlite_url, fake_child("sleep", sqlite_url), time_limit=1, grace_seconds=20)
    assert outcome.status == "interrupted"
    # the child recorded its own end (Scrapy shut down), the launcher says why it was stopped
    assert outcome.error_message.startswith("time limit of 1 s exceeded")
    assert "crawl stopped: shutdown" in outcome.error_message
    with session(engine) as s:
        assert s.get(Offer, "o1").status == "active"
        assert s.scalar(select(Posting.status).where(Posting.reference == "r1")) == "active"
        assert s.scalar(select(func.count()).select_from(Change).where(Change.run_id == outcome.run_id)) == 0
    engine.dispose()


def test_a_child_ignoring_sigterm_is_killed_after_the_grace_period(config_path, sqlite_url, fake_child):
    outcome = _launch(config_path, sqlite_url, fake_child("stubborn", sqlite_url), time_limit=1, grace_seconds=1)
    assert outcome.status == "interrupted"
    assert "time limit of 1 s exceeded" in outcome.error_message
    assert "killed by SIGKILL" in outcome.error_message


def test_stop_event_stops_the_crawl(config_path, sqlite_url, fake_child, tmp_path, wait_for):
    stop = threading.Event()
    flag = tmp_path / "go"
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("o", _launch(
        config_path, sqlite_url, fake_child("sleep", sqlite_url, flag), stop_event=stop, grace_seconds=20)))
    t.start()
    wait_for(lambda: Path(str(flag) + ".started").exists(), what="the child to start")
    stop.set()
    t.join(timeout=60)
    assert result["o"].status == "interrupted"
    assert result["o"].error_message.startswith("the scheduler is shutting down")


def test_two_concurrent_launches_of_one_source_one_runs_one_is_skipped(config_path, catalogue_url, fake_child, tmp_path,
                                                                       wait_for):
    flag = tmp_path / "go"
    result = {}
    first = threading.Thread(target=lambda: result.setdefault("first", _launch(
        config_path, catalogue_url, fake_child("wait-flag", catalogue_url, flag))))
    first.start()
    try:
        wait_for(lambda: Path(str(flag) + ".started").exists(), what="the first crawl to start")
        second = _launch(config_path, catalogue_url, fake_child("succeed", catalogue_url))
        other_source = launch_crawl("beta", config_path=config_path, db_url=catalogue_url,
                                    _child_argv=fake_child("succeed", catalogue_url))
    finally:
        flag.write_text("go")
        first.join(timeout=60)
    assert second.status == "skipped"
    assert f"another crawl of alpha is running (run {result['first'].run_id}" in second.error_message
    assert result["first"].status == "succeeded"
    assert other_source.status == "succeeded"  # the lease is per source
    engine = connect(catalogue_url)
    assert current_lease(engine, "alpha") is None
    engine.dispose()


def test_a_stale_lease_of_a_dead_process_is_taken_over(config_path, catalogue_url, fake_child):
    engine = connect(catalogue_url)
    # a launcher killed an hour ago: its lease expired, its run is still `running`
    assert acquire(engine, "alpha", "deadhost:4242:beef", 60, now=utcnow() - timedelta(hours=1))
    with session(engine) as s, s.begin():
        orphan = start_run(s, "alpha", "jobposting", trigger="schedule", pid=4242)
    outcome = _launch(config_path, catalogue_url, fake_child("succeed", catalogue_url))
    assert outcome.status == "succeeded"
    with session(engine) as s:
        assert get_run(s, orphan).status == "interrupted"
        assert "disappeared" in get_run(s, orphan).error_message
    engine.dispose()


_PARENT = textwrap.dedent("""
    import sys
    from pipeline.launch import launch_crawl
    db, config, child, flag = sys.argv[1:5]
    argv = lambda run_id: [sys.executable, child, "sleep", "--db", db, "--run-id", str(run_id), "--flag", flag]
    try:
        launch_crawl("alpha", config_path=config, db_url=db, _child_argv=argv, grace_seconds=20)
    except KeyboardInterrupt:
        sys.exit(130)
""")


def _signal_launcher(script: Path, args: list[str], started, sig: int, wait_for) -> tuple[int, str]:
    """Run the launcher ``script`` with ``args``, send it ``sig`` once ``started()``; its exit
    code and output."""
    parent = subprocess.Popen([sys.executable, str(script), *args], env={**os.environ, "PYTHONPATH": str(REPO)},
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(started, what="the crawl(s) to start")
        parent.send_signal(sig)
        out, _ = parent.communicate(timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
    return parent.returncode, out.decode(errors="replace")


@pytest.mark.parametrize("sig, exit_code", [(signal.SIGTERM, -signal.SIGTERM), (signal.SIGINT, 130)])
def test_a_signal_to_the_launcher_stops_the_child_and_still_ends_the_launcher(
        config_path, sqlite_url, tmp_path, wait_for, sig, exit_code):
    child = Path(__file__).with_name("fake_child.py")
    flag = tmp_path / "flag"
    script = tmp_path / "parent.py"
    script.write_text(_PARENT, encoding="utf-8")
    started = Path(str(flag) + ".started")
    returncode, out = _signal_launcher(script, [sqlite_url, str(config_path), str(child), str(flag)],
                                       started.exists, sig, wait_for)
    child_pid = int(started.read_text())
    assert returncode == exit_code, out
    engine = connect(sqlite_url)
    with session(engine) as s:
        run = s.scalars(select(CrawlRun)).one()
        assert run.status == "interrupted"
        assert run.error_message.startswith(f"received {sig.name}")
    assert current_lease(engine, "alpha") is None
    engine.dispose()
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)


_TTY_PARENT = textwrap.dedent("""
    import sys
    from pipeline.launch import launch_crawl
    db, config, child = sys.argv[1:4]
    argv = lambda run_id: [sys.executable, child, "tty", "--db", db, "--run-id", str(run_id)]
    print(launch_crawl("alpha", config_path=config, db_url=db, _child_argv=argv).error_message, flush=True)
""")


@pytest.mark.parametrize("on_terminal", [True, False])
def test_the_child_gets_a_terminal_only_when_the_launcher_has_one(config_path, sqlite_url, tmp_path, on_terminal):
    """On a terminal the crawl's live progress must show: its stderr is a pseudo-terminal."""
    import pty

    script = tmp_path / "parent.py"
    script.write_text(_TTY_PARENT, encoding="utf-8")
    master, slave = pty.openpty() if on_terminal else os.pipe()[::-1]
    out_path = tmp_path / "out"
    with out_path.open("wb") as out:
        proc = subprocess.Popen([sys.executable, str(script), sqlite_url, str(config_path),
                                 str(Path(__file__).with_name("fake_child.py"))],
                                env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=out, stderr=slave)
    os.close(slave)
    drained = threading.Thread(target=lambda: _drain(master), daemon=True)
    drained.start()
    assert proc.wait(timeout=60) == 0
    assert out_path.read_text().strip() == f"stderr isatty={on_terminal}"


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def test_child_command_keeps_passwords_off_the_command_line():
    argv = child_command("pep", config_path="/c.toml", db_url="sqlite:////tmp/c.db", run_id=12, full_refresh=True)
    assert argv[1:] == ["-m", "pipeline.runner", "--source", "pep", "--config", "/c.toml",
                        "--db", "sqlite:////tmp/c.db", "--run-id", "12", "--full"]
    argv = child_command("pep", config_path="/c.toml", db_url="postgresql+psycopg://u:secret@h/db", run_id=3,
                         cache=True)
    assert "--db" not in argv and not any("secret" in a for a in argv) and argv[-1] == "--cache"


def test_an_unknown_source_is_a_config_error(config_path, sqlite_url):
    with pytest.raises(ConfigError, match="unknown source 'nope'"):
        launch_crawl("nope", config_path=config_path, db_url=sqlite_url)


_IGNORING_PARENT = textwrap.dedent("""
    import signal, sys
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # as `cmd &` in a script, or nohup
    from pipeline.launch import launch_crawl
    db, config, child, flag = sys.argv[1:5]
    argv = lambda run_id: [sys.executable, child, "wait-flag", "--db", db, "--run-id", str(run_id), "--flag", flag]
    print(launch_crawl("alpha", config_path=config, db_url=db, _child_argv=argv).status, flush=True)
""")


def test_a_launcher_that_ignores_sigint_is_not_stopped_by_it(config_path, sqlite_url, tmp_path, wait_for):
    """A background `catalogue crawl --all` inherits SIGINT ignored: a stray SIGINT used to
    stop the current crawl (`interrupted`) while the loop went on with the next source."""
    flag = tmp_path / "flag"
    script = tmp_path / "parent.py"
    script.write_text(_IGNORING_PARENT, encoding="utf-8")
    parent = subprocess.Popen([sys.executable, str(script), sqlite_url, str(config_path),
                               str(Path(__file__).with_name("fake_child.py")), str(flag)],
                              env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: Path(str(flag) + ".started").exists(), what="the child to start")
        parent.send_signal(signal.SIGINT)
        time.sleep(0.5)  # time for a handler to act (it used to stop the child at its next poll, 0.2 s)
        flag.write_text("go")
        out, _ = parent.communicate(timeout=60)
    finally:
        if parent.poll() is None:
            parent.kill()
    assert parent.returncode == 0, out.decode(errors="replace")
    assert out.decode().strip().splitlines()[-1] == "succeeded"
    assert _run_status(sqlite_url) == "succeeded"


def _run_status(url: str) -> str:
    engine = connect(url)
    try:
        with session(engine) as s:
            return s.scalars(select(CrawlRun.status)).one()
    finally:
        engine.dispose()


# ---------------------------------------------------------------- launch_crawls: several sources
def _flagged(mode: str, db_url: str, tmp_path: Path):
    """A ``_child_argv`` whose child n waits on its own flag file ``flag<run id>``."""
    child = Path(__file__).with_name("fake_child.py")
    return lambda run_id: [sys.executable, str(child), mode, "--db", db_url, "--run-id", str(run_id),
                           "--flag", str(tmp_path / f"flag{run_id}")]


def test_launch_crawls_runs_sources_side_by_side_and_answers_in_their_order(config_path, catalogue_url, tmp_path,
                                                                           wait_for):
    from pipeline.launch import launch_crawls

    ended, result = [], {}
    worker = threading.Thread(target=lambda: result.setdefault("o", launch_crawls(
        ["beta", "alpha"], config_path=config_path, db_url=catalogue_url, parallel=2, use_fork_server=False,
        on_end=ended.append, _child_argv=_flagged("wait-flag", catalogue_url, tmp_path))))
    worker.start()
    try:
        # neither child can end before its flag exists: both started means both run at once
        wait_for(lambda: len(list(tmp_path.glob("flag*.started"))) == 2, what="both crawls to start")
    finally:
        for started in tmp_path.glob("flag*.started"):
            Path(str(started).removesuffix(".started")).write_text("go")
        worker.join(timeout=60)
    outcomes = result["o"]
    assert [(o.source, o.status) for o in outcomes] == [("beta", "succeeded"), ("alpha", "succeeded")]
    assert sorted(o.source for o in ended) == ["alpha", "beta"] and all(o.seconds > 0 for o in outcomes)


def test_launch_crawls_one_at_a_time_starts_the_next_when_the_first_has_ended(config_path, catalogue_url,
                                                                              fake_child):
    from pipeline.launch import launch_crawls

    outcomes = launch_crawls(["alpha", "beta"], config_path=config_path, db_url=catalogue_url, parallel=1,
                             use_fork_server=False, _child_argv=fake_child("succeed", catalogue_url))
    assert [o.status for o in outcomes] == ["succeeded", "succeeded"]
    engine = connect(catalogue_url)
    with session(engine) as s:
        first, second = (get_run(s, o.run_id) for o in outcomes)
        assert second.started_at >= first.finished_at
    engine.dispose()


def test_launch_crawls_raises_what_launch_crawl_raised_and_starts_nothing_after(config_path, sqlite_url):
    from pipeline.launch import launch_crawls

    with pytest.raises(ConfigError, match="unknown source 'nope'"):
        launch_crawls(["nope", "alpha"], config_path=config_path, db_url=sqlite_url, parallel=1,
                      use_fork_server=False)
    engine = connect(sqlite_url, auto_upgrade=True)
    with session(engine) as s:
        assert s.scalar(select(func.count()).select_from(CrawlRun)) == 0
    engine.dispose()


_PARALLEL_PARENT = textwrap.dedent("""
    import sys
    from pathlib import Path
    from pipeline.launch import launch_crawls
    db, config, child, flags, parallel = sys.argv[1:6]
    argv = lambda run_id: [sys.executable, child, "sleep", "--db", db, "--run-id", str(run_id),
                           "--flag", str(Path(flags) / f"flag{run_id}")]
    try:
        launch_crawls(["alpha", "beta"], config_path=config, db_url=db, parallel=int(parallel),
                      use_fork_server=False, grace_seconds=20, _child_argv=argv)
    except KeyboardInterrupt:
        sys.exit(130)
""")


@pytest.mark.parametrize("parallel, sig, exit_code", [(2, signal.SIGTERM, -signal.SIGTERM), (1, signal.SIGINT, 130)])
def test_a_signal_stops_every_running_crawl_and_starts_no_other(config_path, sqlite_url, tmp_path, wait_for,
                                                                parallel, sig, exit_code):
    script = tmp_path / "parent.py"
    script.write_text(_PARALLEL_PARENT, encoding="utf-8")
    returncode, out = _signal_launcher(
        script, [sqlite_url, str(config_path), str(Path(__file__).with_name("fake_child.py")), str(tmp_path),
                 str(parallel)], lambda: len(list(tmp_path.glob("flag*.started"))) == parallel, sig, wait_for)
    assert returncode == exit_code, out
    engine = connect(sqlite_url)
    with session(engine) as s:
        runs = s.scalars(select(CrawlRun).order_by(CrawlRun.id)).all()
    engine.dispose()
    # one at a time: beta never started (no run record); side by side: both stopped
    assert sorted(r.source for r in runs) == ["alpha", "beta"][:parallel]  # side by side: either first
    assert all(r.status == "interrupted" and r.error_message.startswith(f"received {sig.name}") for r in runs)
