"""scheduler.py: schedules from the configuration, the persistent job store, misfires,
queued runs and a clean stop. APScheduler's own mechanisms are driven with a controlled
clock (next run times written in the past), never by sleeping until a fire time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from sqlalchemy import func, select

import scheduler
from crawlers.config import default_schedule, load_config, parse_config
from scheduler import CatalogueScheduler, next_fire_times, planned_runs, queue_crawl, schedule_errors
from storage.db import connect, session
from storage.models import CrawlRun, SchedulerJob

PARIS = ZoneInfo("Europe/Paris")
REPO = Path(__file__).resolve().parents[2]


def _config(schedules: dict[str, str | None], **settings):
    sources = {name: {"kind": "jobposting", "base_url": f"http://127.0.0.1:9/{name}",
                      **({"schedule": sched} if sched else {})} for name, sched in schedules.items()}
    return parse_config({"settings": {"timezone": "Europe/Paris", "misfire_grace_hours": 6, **settings},
                         "sources": sources})


class Recorder:
    """A launcher that records its calls instead of crawling."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, bool]] = []
        self.called = threading.Event()

    def __call__(self, source_name: str, **kw):
        self.calls.append((source_name, kw["trigger"], kw.get("full_refresh", False)))
        self.called.set()
        return SimpleNamespace(run_id=0, status="succeeded")


@pytest.fixture
def started():
    """Schedulers started by a test, shut down afterwards whatever happens."""
    made: list[CatalogueScheduler] = []
    yield made
    for sched in made:
        sched.shutdown()


# -- the schedule computed from the configuration ---------------------------------------

@pytest.mark.parametrize("schedule, now, expected_utc", [
    # winter: Paris is UTC+1
    ("0 2 * * *", datetime(2026, 11, 23, 12, 0, tzinfo=PARIS), ["2026-11-24T01:00", "2026-11-25T01:00"]),
    # summer: UTC+2
    ("0 2 * * *", datetime(2026, 7, 1, 12, 0, tzinfo=PARIS), ["2026-07-02T00:00", "2026-07-03T00:00"]),
    # weekdays only, crontab numbering (1-5 = Monday-Friday), from a Friday noon
    ("30 3 * * 1-5", datetime(2026, 11, 20, 12, 0, tzinfo=PARIS), ["2026-11-23T02:30", "2026-11-24T02:30"]),
    # 0 and 7 are Sunday in crontab (APScheduler 3 alone would read 0 as Monday)
    ("0 2 * * 0", datetime(2026, 11, 20, 12, 0, tzinfo=PARIS), ["2026-11-22T01:00", "2026-11-29T01:00"]),
    ("0 2 * * 7", datetime(2026, 11, 20, 12, 0, tzinfo=PARIS), ["2026-11-22T01:00", "2026-11-29T01:00"]),
    ("0 6 * * sat,sun", datetime(2026, 11, 20, 12, 0, tzinfo=PARIS), ["2026-11-21T05:00", "2026-11-22T05:00"]),
    ("15 4 1 * *", datetime(2026, 11, 23, 12, 0, tzinfo=PARIS), ["2026-12-01T03:15", "2027-01-01T03:15"]),
    # clocks go back on 25 Oct 2026: 02:30 happens twice, the nightly crawl runs once
    ("30 2 * * *", datetime(2026, 10, 24, 12, 0, tzinfo=PARIS), ["2026-10-25T00:30", "2026-10-26T01:30"]),
    # clocks go forward on 29 Mar 2026: 02:30 does not exist, the crawl runs at 03:30 summer time
    ("30 2 * * *", datetime(2026, 3, 28, 12, 0, tzinfo=PARIS), ["2026-03-29T01:30", "2026-03-30T00:30"]),
])
def test_next_fire_times_in_europe_paris(schedule, now, expected_utc):
    times = next_fire_times(schedule, PARIS, now=now, count=2)
    assert [t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M") for t in times] == expected_utc


@pytest.mark.parametrize("field, expected", [
    ("*", "*"),
    ("0", "sun"),
    ("7", "sun"),
    ("1-5", "mon,tue,wed,thu,fri"),
    ("MON-FRI", "mon,tue,wed,thu,fri"),
    ("5-7", "fri,sat,sun"),
    ("*/2", "tue,thu,sat,sun"),   # crontab: 0,2,4,6
    ("1,3", "mon,wed"),
])
def test_crontab_weekdays_are_translated(field, expected):
    assert scheduler._cron_weekdays(field) == expected


@pytest.mark.parametrize("schedule, reason", [
    ("0 2 * *", "expected 5 crontab fields"),
    ("61 2 * * *", "61"),
    ("0 2 1 * 1", "not both"),
    ("0 2 * * funday", "bad weekday"),
    ("0 2 * * 3-1", "bad weekday range"),
])
def test_invalid_schedules_are_reported_per_source(schedule, reason):
    errors = schedule_errors(_config({"ok": "0 2 * * *", "bad": schedule}))
    assert list(errors) == ["bad"] and reason in errors["bad"]


def test_sources_without_schedule_get_staggered_nightly_slots():
    names = ["pep", "metiers_numerique", "emploi_territorial_aura", "education_nationale", "culture"]
    cfg = _config({**{n: None for n in names}, "explicit": "10 1 * * *"})
    schedules = {n: cfg.sources[n].schedule for n in names}
    assert cfg.sources["explicit"].schedule == "10 1 * * *"
    assert len(set(schedules.values())) == len(names)          # no two start together
    assert schedules == {n: default_schedule(n) for n in names}  # stable: derived from the name
    for sched in schedules.values():
        minute, hour = (int(x) for x in sched.split()[:2])
        assert 1 <= hour <= 5 and minute % 5 == 0 and sched.endswith(" * * *")
    # the computed next runs are spread over the night
    now = datetime(2026, 11, 23, 12, 0, tzinfo=PARIS)
    starts = {p.next_run for p in planned_runs(cfg, None, now=now)}
    assert len(starts) == len(names) + 1


# -- the persistent job store ------------------------------------------------------------

def _stored(url: str) -> dict[str, float | None]:
    engine = connect(url)
    with session(engine) as s:
        rows = dict(s.execute(select(SchedulerJob.id, SchedulerJob.next_run_time)).all())
    engine.dispose()
    return rows


def test_the_job_store_survives_a_restart_and_follows_the_configuration(sqlite_url, started):
    first = CatalogueScheduler(_config({"alpha": "0 2 * * *", "beta": "30 3 * * *"}), sqlite_url,
                               launcher=Recorder())
    started.append(first)
    assert first.start(paused=True)["added"] == ["alpha", "beta"]
    # a distinctive next run time, so that we can tell "kept" from "recomputed"
    kept_time = datetime(2030, 1, 2, 2, 0, tzinfo=PARIS)
    first.scheduler.modify_job("crawl:alpha", next_run_time=kept_time)
    first.shutdown()
    assert set(_stored(sqlite_url)) == {"crawl:alpha", "crawl:beta"}

    # restarted with beta removed, gamma added, delta's schedule... alpha unchanged
    second = CatalogueScheduler(_config({"alpha": "0 2 * * *", "gamma": "0 4 * * *"}), sqlite_url,
                                launcher=Recorder())
    started.append(second)
    report = second.start(paused=True)
    assert report == {"added": ["gamma"], "rescheduled": [], "kept": ["alpha"], "removed": ["beta"]}
    assert second.scheduler.get_job("crawl:alpha").next_run_time == kept_time
    second.shutdown()
    assert set(_stored(sqlite_url)) == {"crawl:alpha", "crawl:gamma"}

    # a changed schedule is rescheduled from now
    third = CatalogueScheduler(_config({"alpha": "45 1 * * *", "gamma": "0 4 * * *"}), sqlite_url,
                               launcher=Recorder())
    started.append(third)
    assert third.start(paused=True)["rescheduled"] == ["alpha"]
    nxt = third.scheduler.get_job("crawl:alpha").next_run_time.astimezone(PARIS)
    assert (nxt.hour, nxt.minute) == (1, 45) and nxt < datetime.now(PARIS) + timedelta(days=1, minutes=1)


def _daily_at(delta: timedelta) -> str:
    """A daily schedule whose last fire time was ``delta`` ago."""
    at = datetime.now(PARIS) - delta
    return f"{at.minute} {at.hour} * * *"


def _miss_runs(url: str, cfg, days: int = 3) -> None:
    """As if the machine had been down: the stored next run of alpha is ``days`` days ago."""
    sched = CatalogueScheduler(cfg, url, launcher=Recorder())
    sched.start(paused=True)
    sched.scheduler.modify_job("crawl:alpha", next_run_time=datetime.now(PARIS) - timedelta(days=days))
    sched.shutdown()


def test_missed_runs_within_the_grace_time_run_once_on_start(sqlite_url, started):
    cfg = _config({"alpha": _daily_at(timedelta(hours=1))})   # due an hour ago, grace 6 h
    _miss_runs(sqlite_url, cfg)                                # ... and on the 3 days before
    recorder, executed = Recorder(), threading.Event()
    sched = CatalogueScheduler(cfg, sqlite_url, launcher=recorder)
    sched.scheduler.add_listener(lambda e: executed.set(), EVENT_JOB_EXECUTED)
    started.append(sched)
    sched.start()
    assert executed.wait(30)
    sched.wakeup()
    sched.shutdown()
    assert recorder.calls == [("alpha", "schedule", False)]    # coalesced: once, not 4 times
    nxt = _stored(sqlite_url)["crawl:alpha"]
    assert nxt > datetime.now(UTC).timestamp() + 22 * 3600     # next: tomorrow's time


def test_runs_missed_beyond_the_grace_time_are_skipped(sqlite_url, started):
    cfg = _config({"alpha": _daily_at(timedelta(hours=10))})  # due 10 h ago, grace 6 h
    _miss_runs(sqlite_url, cfg)
    recorder, missed = Recorder(), threading.Event()
    sched = CatalogueScheduler(cfg, sqlite_url, launcher=recorder)
    sched.scheduler.add_listener(lambda e: missed.set(), EVENT_JOB_MISSED)
    started.append(sched)
    sched.start()
    assert missed.wait(30)
    sched.shutdown()
    assert recorder.calls == []
    assert _stored(sqlite_url)["crawl:alpha"] > datetime.now(UTC).timestamp() + 12 * 3600


def test_queued_runs_are_picked_up_once_by_the_running_scheduler(sqlite_url, started, wait_for):
    cfg = _config({"alpha": "0 2 * * *", "beta": "0 3 * * *"})
    connect(sqlite_url).dispose()
    assert queue_crawl(cfg, sqlite_url, "beta", full_refresh=True) is True
    assert queue_crawl(cfg, sqlite_url, "beta") is False       # never queued twice
    queued = {p.source: p.queued_at for p in planned_runs(cfg, sqlite_url)}
    assert queued["beta"] is not None and queued["alpha"] is None

    recorder = Recorder()
    sched = CatalogueScheduler(cfg, sqlite_url, launcher=recorder, wakeup_seconds=0.1)
    started.append(sched)
    sched.start()
    wait_for(lambda: ("beta", "queued", True) in recorder.calls, what="the queued beta run")
    # queued by another process while the scheduler runs: noticed at its next wakeup
    assert queue_crawl(cfg, sqlite_url, "alpha") is True
    wait_for(lambda: ("alpha", "queued", False) in recorder.calls, what="the queued alpha run")
    wait_for(lambda: "queued:alpha" not in _stored(sqlite_url), what="the one-off job to leave the store")
    sched.shutdown()
    assert sorted(recorder.calls) == [("alpha", "queued", False), ("beta", "queued", True)]


def test_list_shows_the_stored_next_run_else_the_configured_one(sqlite_url, started):
    cfg = _config({"alpha": "0 2 * * *", "beta": "0 3 * * *"})
    assert {p.origin for p in planned_runs(cfg, sqlite_url)} == {"configuration"}  # no database yet
    assert not Path(sqlite_url.removeprefix("sqlite:///")).exists()                  # ... and none created
    sched = CatalogueScheduler(cfg, sqlite_url, launcher=Recorder())
    started.append(sched)
    sched.start(paused=True)
    stored = datetime(2030, 1, 2, 2, 0, tzinfo=PARIS)
    sched.scheduler.modify_job("crawl:alpha", next_run_time=stored)
    sched.shutdown()
    plan = {p.source: p for p in planned_runs(cfg, sqlite_url)}
    assert (plan["alpha"].origin, plan["alpha"].next_run) == ("job store", stored)
    # the configuration changed since: the stored time no longer applies
    changed = {p.source: p for p in planned_runs(_config({"alpha": "0 5 * * *", "beta": "0 3 * * *"}), sqlite_url)}
    assert changed["alpha"].origin == "configuration" and changed["alpha"].next_run.hour == 5


def test_one_scheduler_per_process(sqlite_url, started):
    cfg = _config({"alpha": "0 2 * * *"})
    first = CatalogueScheduler(cfg, sqlite_url, launcher=Recorder())
    started.append(first)
    first.start(paused=True)
    with pytest.raises(RuntimeError, match="already running"):
        CatalogueScheduler(cfg, sqlite_url, launcher=Recorder()).start(paused=True)


# -- a clean stop with a crawl in progress ------------------------------------------------

_SERVE = textwrap.dedent("""
    import functools, sys
    import scheduler
    from crawlers.config import load_config
    from pipeline.launch import launch_crawl
    db, config, child, flag = sys.argv[1:5]
    argv = lambda run_id: [sys.executable, child, "sleep", "--db", db, "--run-id", str(run_id), "--flag", flag]
    cfg = load_config(config)
    scheduler.queue_crawl(cfg, db, "alpha")
    scheduler.serve(cfg, db, wakeup_seconds=0.2,
                    launcher=functools.partial(launch_crawl, _child_argv=argv, grace_seconds=20))
""")


def test_sigterm_stops_the_scheduler_and_the_crawl_in_progress_is_interrupted(config_path, sqlite_url, tmp_path,
                                                                               wait_for):
    connect(sqlite_url).dispose()
    flag, script = tmp_path / "flag", tmp_path / "serve.py"
    script.write_text(_SERVE, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), sqlite_url, str(config_path), str(Path(__file__).with_name("fake_child.py")),
         str(flag)], env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: Path(str(flag) + ".started").exists(), what="the queued crawl to start")
        child_pid = int(Path(str(flag) + ".started").read_text())
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out.decode(errors="replace")
    engine = connect(sqlite_url)
    with session(engine) as s:
        run = s.scalars(select(CrawlRun)).one()
        assert (run.source, run.trigger, run.status) == ("alpha", "queued", "interrupted")
        assert run.error_message.startswith("the scheduler is shutting down")
        assert s.scalar(select(func.count()).select_from(SchedulerJob)) == 2   # the two cron jobs stay
    engine.dispose()
    with pytest.raises(ProcessLookupError):
        os.kill(child_pid, 0)


def test_the_shipped_configuration_schedules_every_source():
    cfg = load_config()
    assert schedule_errors(cfg) == {}
    plan = planned_runs(cfg, None, now=datetime(2026, 11, 23, 12, 0, tzinfo=PARIS))
    assert [p.source for p in plan] == list(cfg.sources)
    assert len({p.next_run for p in plan}) == len(plan)  # staggered


def test_a_run_queued_while_the_previous_queued_run_goes_on_is_not_dropped(sqlite_url, started, wait_for):
    """`schedule trigger pep` twice: the second is queued once the first started (its job id
    is free again) and comes due while the first still runs; APScheduler's one instance per
    job id used to drop it with a log line, although the user was told it was queued."""
    cfg = _config({"alpha": "0 2 * * *"})
    connect(sqlite_url).dispose()
    release, calls = threading.Event(), []

    def launcher(source_name: str, **kw):
        calls.append((source_name, kw["trigger"], kw.get("full_refresh", False)))
        release.wait(30)  # the first run goes on until the test lets it end
        return SimpleNamespace(run_id=len(calls), status="succeeded")

    sched = CatalogueScheduler(cfg, sqlite_url, launcher=launcher, wakeup_seconds=0.1, max_workers=2)
    started.append(sched)
    assert queue_crawl(cfg, sqlite_url, "alpha", full_refresh=True)
    sched.start()
    try:
        wait_for(lambda: len(calls) == 1, what="the first queued run")
        assert queue_crawl(cfg, sqlite_url, "alpha") is True
        wait_for(lambda: len(calls) == 2, timeout=10, what="the second queued run")
    finally:
        release.set()
    assert calls == [("alpha", "queued", True), ("alpha", "queued", False)]
