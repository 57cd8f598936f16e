"""`catalogue schedule run|list|trigger`, `catalogue runs` and `catalogue status` (docs/OPERATIONS.md).

Thin: the scheduler is ``scheduler.py``, crawls are launched by
``pipeline.launch.launch_crawl``, run records come from ``storage.runs``.

Exit codes of ``catalogue status`` (a monitoring check): 0 when the last run of every
configured source is fine, 1 when the last run of at least one source ``failed`` or is
``suspect`` (with ``--strict``: also ``interrupted``, or never crawled), 2 when the check
could not be made (bad configuration, database unreachable, bad option).
"""

from __future__ import annotations

import json
import logging
import os
from datetime import datetime, tzinfo
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from catalogue.common import ConfigOption, DbOption, fail, get_config, get_db_url, get_engine, print_table
from crawlers.config import Config
from storage.db import session
from storage.types import utcnow

#: run statuses that make `catalogue status` exit 1 (and with --strict, the second set too)
FAILING = frozenset({"failed", "suspect"})
DOUBTFUL = frozenset({"interrupted", None})
#: statuses with which `schedule trigger --wait` exits 0
OK_STATUSES = frozenset({"succeeded", "skipped"})


class OutputFormat(StrEnum):
    table = "table"
    json = "json"


FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (rich on a terminal, "
                                                    "tab-separated when piped) or json (for monitoring tools).")]


def _zone(config: Config) -> tzinfo:
    try:
        return ZoneInfo(config.settings.timezone)
    except (KeyError, ValueError):
        fail(f"[settings] timezone {config.settings.timezone!r} is not a known time zone")


def _when(value: datetime | None, tz: tzinfo) -> str:
    """``2026-11-23 02:00 CET`` in the catalogue's time zone."""
    return value.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z") if value is not None else ""


def _duration(seconds: float | None) -> str:
    """``4s``, ``12m05s``, ``3h02m``."""
    if seconds is None:
        return ""
    s = int(round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m{s % 60:02d}s"
    return f"{s // 3600}h{s % 3600 // 60:02d}m"


def _first_line(text: str | None, width: int = 120) -> str:
    return text.splitlines()[0][:width] if text else ""


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _runs_rows(runs: list, tz: tzinfo) -> list[tuple]:
    from storage.runs import run_duration

    now = utcnow()
    return [
        (r.id, r.source, r.status, r.trigger, _when(r.started_at, tz), _duration(run_duration(r, now=now)),
         r.pages, r.items_seen, r.items_new, r.items_updated, r.items_expired, r.items_rejected,
         r.not_digital, r.detail_skipped, r.not_found, r.non_offer_pages, len(r.errors or []),
         _first_line(r.error_message))
        for r in runs
    ]


RUNS_COLUMNS = ("id", "source", "status", "trigger", "started", "duration", "pages", "seen", "new",
                "updated", "expired", "rejected", "not digital", "skipped pages", "not found", "not offers", "errors",
                "message")


def _verdict(status: str | None, strict: bool) -> str:
    if status in FAILING:
        return "failing"
    if status in DOUBTFUL:
        return "failing" if strict else "warning"
    return "ok"


def register(app: typer.Typer) -> None:
    schedule_app = typer.Typer(help="The crawl scheduler: run it, see the next runs, queue a crawl now.",
                               no_args_is_help=True)

    @schedule_app.command("run")
    def schedule_run(
        config: ConfigOption = None,
        db: DbOption = None,
        wakeup: Annotated[float, typer.Option(
            "--wakeup", min=0.1, metavar="SECONDS", help="How often to look for crawls queued by `schedule trigger`.",
        )] = 30.0,
    ) -> None:
        """Run the scheduler in the foreground (logs on stderr) until Ctrl-C or SIGTERM."""
        from scheduler import schedule_errors, serve

        cfg = get_config(config)
        _zone(cfg)
        db_url = get_db_url(db)
        get_engine(db_url).dispose()  # schema check (PostgreSQL: `catalogue db upgrade` first)
        errors = schedule_errors(cfg)
        if errors:
            fail("; ".join(f"[sources.{name}] schedule: {reason}" for name, reason in errors.items()))
        if "CATALOGUE_LOG_LEVEL" not in os.environ:  # a service: say what happens
            logging.getLogger().setLevel(logging.INFO)
        serve(cfg, db_url, wakeup_seconds=wakeup)

    @schedule_app.command("list")
    def schedule_list(config: ConfigOption = None, db: DbOption = None, fmt: FormatOption = OutputFormat.table) -> None:
        """Each source's schedule and next run (as stored by the scheduler, else from the configuration)."""
        from scheduler import planned_runs

        cfg = get_config(config)
        tz = _zone(cfg)
        planned = planned_runs(cfg, get_db_url(db))
        if fmt is OutputFormat.json:
            _print_json([{"source": p.source, "schedule": p.schedule,
                          "next_run": p.next_run.isoformat() if p.next_run else None, "origin": p.origin,
                          "queued_at": p.queued_at.isoformat() if p.queued_at else None, "error": p.error}
                         for p in planned])
        else:
            print_table(f"Schedule ({cfg.settings.timezone})",
                        ("source", "schedule", "next run", "from", "queued run", "error"),
                        [(p.source, p.schedule, _when(p.next_run, tz), p.origin, _when(p.queued_at, tz), p.error)
                         for p in planned])
        if any(p.error for p in planned):
            raise typer.Exit(1)

    @schedule_app.command("trigger")
    def schedule_trigger(
        source: Annotated[str, typer.Argument(help="Source name (see `catalogue sources`).")],
        wait: Annotated[bool, typer.Option("--wait", "--now", help="Crawl now in the foreground instead of "
                                           "queueing the run for the running scheduler.")] = False,
        full: Annotated[bool, typer.Option("--full", help="Fetch every detail page again.")] = False,
        cache: Annotated[bool, typer.Option("--cache", help="With --wait: use Scrapy's HTTP cache "
                                            "(development only).")] = False,
        config: ConfigOption = None,
        db: DbOption = None,
    ) -> None:
        """Queue a crawl of SOURCE for the running scheduler (or, with --wait, crawl it now)."""
        cfg = get_config(config)
        if source not in cfg.sources:
            fail(f"unknown source {source!r} (configured: {', '.join(cfg.sources) or 'none'})")
        if cache and not wait:
            fail("--cache needs --wait (a queued crawl runs with the scheduler's settings)")
        db_url = get_db_url(db)
        get_engine(db_url).dispose()
        if wait:
            from pipeline.launch import launch_crawl

            outcome = launch_crawl(source, config_path=str(cfg.path), db_url=db_url, trigger="manual",
                                   full_refresh=full, cache=cache)
            c = outcome.counters
            print(f"run {outcome.run_id} of {outcome.source}: {outcome.status} — {c.get('items_seen', 0)} seen, "
                  f"{c.get('items_new', 0)} new, {c.get('items_updated', 0)} updated, "
                  f"{c.get('items_expired', 0)} expired, {c.get('items_rejected', 0)} rejected")
            if outcome.error_message:
                print(outcome.error_message)
            if outcome.status not in OK_STATUSES:
                raise typer.Exit(1)
            return
        from scheduler import WAKEUP_SECONDS, queue_crawl

        if queue_crawl(cfg, db_url, source, full_refresh=full):
            print(f"crawl of {source} queued: a running `catalogue schedule run` starts it within "
                  f"{WAKEUP_SECONDS:g} s (see `catalogue runs --source {source}`)")
        else:
            print(f"a crawl of {source} is already queued")

    app.add_typer(schedule_app, name="schedule")

    @app.command("runs")
    def runs(
        source: Annotated[str | None, typer.Option("--source", metavar="NAME", help="Only this source's runs.",
                                                   show_default=False)] = None,
        last: Annotated[int, typer.Option("--last", min=1, metavar="N", help="How many runs, newest first.")] = 20,
        fmt: FormatOption = OutputFormat.table,
        config: ConfigOption = None,
        db: DbOption = None,
    ) -> None:
        """Past crawl runs: status, duration, pages, postings seen/new/updated/expired/rejected, errors."""
        from storage.runs import list_runs, run_to_dict

        tz = _zone(get_config(config))
        engine = get_engine(db, must_exist=True)  # a mistyped path is an error, not a new empty catalogue
        try:
            with session(engine) as s:
                found = list_runs(s, source=source, last=last)
                if fmt is OutputFormat.json:
                    _print_json([run_to_dict(r) for r in found])
                    return
                rows = _runs_rows(found, tz)
        finally:
            engine.dispose()
        title = f"Crawl runs{' of ' + source if source else ''} (last {last}, newest first)"
        print_table(title, RUNS_COLUMNS, rows)

    @app.command("status")
    def status(
        config: ConfigOption = None,
        db: DbOption = None,
        fmt: FormatOption = OutputFormat.table,
        strict: Annotated[bool, typer.Option("--strict", help="Also fail when a source's last run was interrupted "
                                             "or it was never crawled.")] = False,
    ) -> None:
        """The last run of each configured source; exits 1 when one failed or is suspect (0 otherwise, 2 on error)."""
        from storage.locks import current_lease
        from storage.runs import latest_runs, run_to_dict

        cfg = get_config(config)
        tz = _zone(cfg)
        # a mistyped path must not pass the monitoring check as "never crawled" (exit 2 instead)
        engine = get_engine(db, must_exist=True)
        now = utcnow()
        try:
            with session(engine) as s:
                latest = latest_runs(s, cfg.sources)
                report = []
                for name, run in latest.items():
                    lease = current_lease(engine, name)
                    report.append({
                        "source": name,
                        "verdict": _verdict(run.status if run else None, strict),
                        "crawling_now": bool(lease and not lease.expired(now)),
                        "last_run": run_to_dict(run, now=now) if run else None,
                    })
        finally:
            engine.dispose()
        code = 1 if any(r["verdict"] == "failing" for r in report) else 0
        if fmt is OutputFormat.json:
            _print_json({"ok": code == 0, "exit_code": code, "sources": report})
        else:
            rows = []
            for r in report:
                run = r["last_run"] or {}
                started = datetime.fromisoformat(run["started_at"]) if run.get("started_at") else None
                rows.append((r["source"], r["verdict"], run.get("status", "never crawled"), run.get("id", ""),
                             _when(started, tz), _duration(run.get("duration_seconds")), run.get("items_seen", ""),
                             "yes" if r["crawling_now"] else "",
                             _first_line(run.get("error_message"))))
            print_table("Sources", ("source", "verdict", "last run", "run id", "started", "duration", "seen",
                                    "crawling now", "message"), rows)
        if code:
            raise typer.Exit(code)
