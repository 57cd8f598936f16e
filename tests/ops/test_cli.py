"""`catalogue runs`, `catalogue status`, `catalogue schedule list|trigger|run` (in process,
except `schedule run`, which gets a real signal)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from catalogue.cli import main
from storage.db import connect, session
from storage.locks import acquire
from storage.models import CrawlRun
from storage.runs import finish_run, start_run

REPO = Path(__file__).resolve().parents[2]


def _add_run(engine, source: str, status: str, *, hours_ago: float, seconds: int = 125, **counters) -> int:
    with session(engine) as s, s.begin():
        run_id = start_run(s, source, "jobposting", trigger="schedule")
        if status != "running":
            finish_run(s, run_id, status=status, counters=counters, errors=[{"url": "u", "reason": "404"}],
                       error_message=None if status == "succeeded" else f"{status} because\nsecond line", stats={})
        run = s.get(CrawlRun, run_id)
        run.started_at = run.started_at - timedelta(hours=hours_ago)
        if run.finished_at is not None:
            run.finished_at = run.started_at + timedelta(seconds=seconds)
    return run_id


def _cli(capsys, *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(list(args))
    return code, capsys.readouterr().out


@pytest.fixture
def engine_url(sqlite_url):
    engine = connect(sqlite_url)
    yield engine, sqlite_url
    engine.dispose()


def test_runs_as_json_newest_first_with_counters(engine_url, config_path, capsys):
    engine, url = engine_url
    old = _add_run(engine, "alpha", "succeeded", hours_ago=30, pages=40, items_seen=35, items_new=35)
    new = _add_run(engine, "alpha", "failed", hours_ago=6)
    beta = _add_run(engine, "beta", "succeeded", hours_ago=3, items_seen=7, detail_skipped=5)
    code, out = _cli(capsys, "runs", "--db", url, "--config", str(config_path), "--format", "json")
    assert code == 0
    runs = json.loads(out)
    assert [r["id"] for r in runs] == [beta, new, old]
    first = runs[2]
    assert (first["status"], first["pages"], first["items_seen"], first["items_new"]) == ("succeeded", 40, 35, 35)
    assert first["duration_seconds"] == 125 and first["error_count"] == 1
    assert runs[0]["detail_skipped"] == 5
    code, out = _cli(capsys, "runs", "--db", url, "--config", str(config_path), "--format", "json",
                     "--source", "alpha", "--last", "1")
    assert [r["id"] for r in json.loads(out)] == [new]


def test_runs_as_a_table(engine_url, config_path, capsys):
    engine, url = engine_url
    run_id = _add_run(engine, "alpha", "suspect", hours_ago=2, seconds=3725, pages=12, items_seen=3, items_new=1,
                      items_updated=2, items_expired=0, items_rejected=1, not_digital=4, detail_skipped=9,
                      not_found=5, non_offer_pages=6)
    code, out = _cli(capsys, "runs", "--db", url, "--config", str(config_path))
    assert code == 0
    header, row = out.splitlines()  # piped: tab-separated, one line per run
    assert header.split("\t") == ["id", "source", "status", "trigger", "started", "duration", "pages", "seen", "new",
                                  "updated", "expired", "rejected", "not digital", "skipped pages", "not found",
                                  "not offers", "errors", "message"]
    cells = row.split("\t")
    assert cells[:4] == [str(run_id), "alpha", "suspect", "schedule"]
    assert cells[4].endswith(("CET", "CEST"))  # local time of settings.timezone
    assert cells[5:] == ["1h02m", "12", "3", "1", "2", "0", "1", "4", "9", "5", "6", "1", "suspect because"]


@pytest.mark.parametrize("history, strict, expected", [
    ({"alpha": ["succeeded"], "beta": ["succeeded"]}, False, 0),
    ({"alpha": ["succeeded", "failed"], "beta": ["succeeded"]}, False, 1),
    ({"alpha": ["suspect"], "beta": ["succeeded"]}, False, 1),
    ({"alpha": ["failed", "succeeded"], "beta": ["succeeded"]}, False, 0),   # recovered
    ({"alpha": ["failed", "skipped"], "beta": ["succeeded"]}, False, 1),     # a skip hides nothing
    ({"alpha": ["interrupted"], "beta": ["succeeded"]}, False, 0),
    ({"alpha": ["interrupted"], "beta": ["succeeded"]}, True, 1),
    ({"alpha": ["succeeded"]}, False, 0),                                    # beta never crawled
    ({"alpha": ["succeeded"]}, True, 1),
    ({"alpha": ["succeeded"], "beta": ["succeeded", "running"]}, False, 0),
])
def test_status_exit_codes(engine_url, config_path, capsys, history, strict, expected):
    engine, url = engine_url
    for source, statuses in history.items():
        for i, status in enumerate(statuses):
            _add_run(engine, source, status, hours_ago=len(statuses) - i)
    args = ["status", "--db", url, "--config", str(config_path), "--format", "json"] + (["--strict"] if strict else [])
    code, out = _cli(capsys, *args)
    report = json.loads(out)
    assert code == expected == report["exit_code"]
    assert report["ok"] is (expected == 0)
    assert [s["source"] for s in report["sources"]] == ["alpha", "beta"]


def test_status_table_shows_the_last_run_and_crawls_in_progress(engine_url, config_path, capsys):
    engine, url = engine_url
    _add_run(engine, "alpha", "failed", hours_ago=1)
    acquire(engine, "beta", "host:1:x", 600)
    code, out = _cli(capsys, "status", "--db", url, "--config", str(config_path))
    assert code == 1
    lines = [line.split("\t") for line in out.splitlines()]
    assert lines[0] == ["source", "verdict", "last run", "run id", "started", "duration", "seen", "crawling now",
                        "message"]
    rows = {cells[0]: cells for cells in lines[1:]}
    assert rows["alpha"][1:3] == ["failing", "failed"] and rows["alpha"][-1] == "failed because"
    assert rows["beta"][1:3] == ["warning", "never crawled"] and rows["beta"][7] == "yes"


def test_status_cannot_check_is_exit_code_2(config_path, capsys):
    code, _ = _cli(capsys, "status", "--db", "foo://nowhere", "--config", str(config_path))
    assert code == 2


@pytest.mark.parametrize("command", ["status", "runs"])
def test_a_mistyped_database_path_is_an_error_not_a_new_catalogue(command, config_path, tmp_path, capsys):
    """`status` on a wrong path created an empty SQLite file and passed (exit 0, "never crawled")."""
    missing = tmp_path / "typo.db"
    capsys.readouterr()
    code = main([command, "--db", f"sqlite:///{missing}", "--config", str(config_path)])
    assert code == 2 and not missing.exists()
    assert "no catalogue database" in capsys.readouterr().err


def test_schedule_list_and_trigger(sqlite_url, config_path, capsys):
    code, out = _cli(capsys, "schedule", "list", "--db", sqlite_url, "--config", str(config_path), "--format", "json")
    assert code == 0
    plan = {p["source"]: p for p in json.loads(out)}
    assert plan["alpha"]["schedule"] == "0 2 * * *" and plan["alpha"]["origin"] == "configuration"
    assert plan["alpha"]["next_run"].endswith(("T02:00:00+01:00", "T02:00:00+02:00"))
    code, out = _cli(capsys, "schedule", "trigger", "beta", "--db", sqlite_url, "--config", str(config_path))
    assert code == 0 and "crawl of beta queued" in out
    code, out = _cli(capsys, "schedule", "trigger", "beta", "--db", sqlite_url, "--config", str(config_path))
    assert code == 0 and "already queued" in out
    code, out = _cli(capsys, "schedule", "list", "--db", sqlite_url, "--config", str(config_path), "--format", "json")
    plan = {p["source"]: p for p in json.loads(out)}
    assert plan["beta"]["queued_at"] is not None and plan["alpha"]["queued_at"] is None
    assert _cli(capsys, "schedule", "trigger", "nope", "--db", sqlite_url, "--config", str(config_path))[0] == 2


def test_schedule_trigger_wait_crawls_in_the_foreground(sqlite_url, config_path, capsys, monkeypatch):
    import pipeline.launch

    calls = []

    def fake_launch(source, **kw):
        calls.append((source, kw["trigger"], kw["full_refresh"]))
        return SimpleNamespace(run_id=5, source=source, status="failed", error_message="listing could not be fetched",
                               counters={"items_seen": 0})

    monkeypatch.setattr(pipeline.launch, "launch_crawl", fake_launch)
    code, out = _cli(capsys, "schedule", "trigger", "alpha", "--now", "--full", "--db", sqlite_url,
                     "--config", str(config_path))
    assert calls == [("alpha", "manual", True)]
    assert code == 1 and "run 5 of alpha: failed" in out and "listing could not be fetched" in out


def test_schedule_run_starts_and_stops_cleanly_on_sigint(sqlite_url, config_path, tmp_path, wait_for):
    log = tmp_path / "scheduler.log"
    env = {**os.environ, "PYTHONPATH": str(REPO), "CATALOGUE_LOG_LEVEL": "INFO"}
    with log.open("wb") as fh:
        proc = subprocess.Popen([sys.executable, "-m", "catalogue", "schedule", "run", "--db", sqlite_url,
                                 "--config", str(config_path), "--wakeup", "0.2"],
                                env=env, stdout=fh, stderr=subprocess.STDOUT, cwd=tmp_path)
        try:
            wait_for(lambda: "scheduler running" in log.read_text(), what="the scheduler to start")
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    text = log.read_text()
    assert proc.returncode == 0, text
    assert "crawl of alpha: next run" in text and "scheduler stopped" in text
    assert "Traceback" not in text
