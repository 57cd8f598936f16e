"""storage.runs: run records on SQLite and PostgreSQL (the ``engine`` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from storage.db import session
from storage.models import CrawlRun
from storage.runs import (
    MAX_ERRORS,
    finish_run,
    get_run,
    interrupt_orphans,
    last_successful_run,
    latest_runs,
    list_runs,
    mark_interrupted,
    run_counters,
    run_to_dict,
    start_run,
)


def _run(engine, source: str, status: str = "running", **kw) -> int:
    with session(engine) as s, s.begin():
        return start_run(s, source, "pep", trigger="manual", status=status, **kw)


def _age(engine, run_id: int, hours: float) -> None:
    """Move a run's start into the past (runs are ordered by start time)."""
    with session(engine) as s, s.begin():
        run = s.get(CrawlRun, run_id)
        run.started_at = run.started_at - timedelta(hours=hours)


def test_start_then_finish_records_status_counters_and_errors(engine):
    run_id = _run(engine, "pep", pid=4242)
    with session(engine) as s:
        run = get_run(s, run_id)
        assert (run.status, run.pid, run.finished_at) == ("running", 4242, None)
    errors = [{"url": f"https://x/{i}", "reason": "404"} for i in range(MAX_ERRORS + 5)]
    with session(engine) as s, s.begin():
        finish_run(s, run_id, status="succeeded",
                   counters={"items_seen": 10, "items_new": "3", "pages": None, "bogus": 7, "warnings": "many"},
                   errors=errors, error_message=None, stats={"timings": {"crawl_seconds": 1.5}})
    with session(engine) as s:
        run = get_run(s, run_id)
        assert run.status == "succeeded" and run.finished_at is not None
        assert (run.items_seen, run.items_new, run.pages, run.warnings) == (10, 3, 0, 0)
        assert len(run.errors) == MAX_ERRORS
        assert run.stats["errors_total"] == MAX_ERRORS + 5
        assert run.stats["other_counters"] == {"bogus": 7}
        assert run.stats["timings"] == {"crawl_seconds": 1.5}
        assert run_counters(run)["items_seen"] == 10


def test_unknown_status_and_unknown_run_are_refused(engine):
    with session(engine) as s:
        with pytest.raises(ValueError, match="unknown run status"):
            start_run(s, "pep", "pep", trigger="manual", status="done")
        with pytest.raises(LookupError):
            finish_run(s, 999, status="failed", counters={}, errors=[], error_message="x", stats={})


def test_skipped_run_is_created_finished(engine):
    run_id = _run(engine, "pep", status="skipped", error_message="another crawl of pep is running")
    with session(engine) as s:
        run = get_run(s, run_id)
        assert run.status == "skipped" and run.finished_at == run.started_at
        assert run.error_message == "another crawl of pep is running"


def test_mark_interrupted_only_touches_running_runs(engine):
    running, done = _run(engine, "pep"), _run(engine, "pep")
    with session(engine) as s, s.begin():
        finish_run(s, done, status="succeeded", counters={}, errors=[], error_message=None, stats={})
    with session(engine) as s, s.begin():
        assert mark_interrupted(s, running, reason="killed") is True
        assert mark_interrupted(s, done, reason="killed") is False
        assert mark_interrupted(s, 12345, reason="killed") is False
    with session(engine) as s:
        assert (get_run(s, running).status, get_run(s, running).error_message) == ("interrupted", "killed")
        assert get_run(s, done).status == "succeeded"


def test_interrupt_orphans_closes_the_running_runs_of_one_source(engine):
    a1, a2, b1 = _run(engine, "a"), _run(engine, "a"), _run(engine, "b")
    with session(engine) as s, s.begin():
        assert sorted(interrupt_orphans(s, "a", reason="process died")) == sorted([a1, a2])
    with session(engine) as s:
        assert [get_run(s, i).status for i in (a1, a2, b1)] == ["interrupted", "interrupted", "running"]


def test_list_runs_newest_first_filtered_and_limited(engine):
    ids = {}
    for hours, source, status in [(5, "a", "succeeded"), (4, "b", "failed"), (3, "a", "failed"),
                                  (2, "a", "skipped"), (1, "b", "succeeded")]:
        ids[(source, hours)] = run_id = _run(engine, source, status=status)
        _age(engine, run_id, hours)
    with session(engine) as s:
        assert [r.id for r in list_runs(s)] == [ids[k] for k in (("b", 1), ("a", 2), ("a", 3), ("b", 4), ("a", 5))]
        assert [r.id for r in list_runs(s, source="a", last=2)] == [ids[("a", 2)], ids[("a", 3)]]
        assert list_runs(s, source="nope") == []
        assert last_successful_run(s, "a").id == ids[("a", 5)]
        assert last_successful_run(s, "c") is None
        latest = latest_runs(s, ["a", "b", "c"])
        # the skipped run of a is not its state: the failed one before it is
        assert (latest["a"].id, latest["b"].id, latest["c"]) == (ids[("a", 3)], ids[("b", 1)], None)


def test_run_to_dict_is_json_ready(engine):
    import json

    run_id = _run(engine, "pep")
    with session(engine) as s, s.begin():
        finish_run(s, run_id, status="failed", counters={"pages": 1}, errors=[{"url": "u", "reason": "r"}],
                   error_message="listing could not be fetched", stats={})
    with session(engine) as s:
        doc = json.loads(json.dumps(run_to_dict(get_run(s, run_id))))
    assert doc["status"] == "failed" and doc["pages"] == 1 and doc["error_count"] == 1
    assert doc["started_at"].endswith("Z") and doc["duration_seconds"] >= 0
    assert doc["error_message"] == "listing could not be fetched"
