"""The crawl scheduler: every configured source crawled on its cron schedule (APScheduler 3.x).

``catalogue schedule run`` starts it in the foreground::

    $ catalogue schedule run --config sources.toml --db postgresql://catalogue@db/catalogue

- **Schedules.** Each source's ``schedule`` is a standard 5-field crontab expression
  (minute hour day month weekday, weekday 0 or 7 = Sunday) in ``settings.timezone``
  (default Europe/Paris). A source without one gets a nightly slot derived from its name
  (``crawlers.config.default_schedule``), so sources do not all start at once. On the
  night clocks go back, a daily time between 02:00 and 03:00 happens twice: the crawl
  runs once (:class:`CrontabTrigger`); on the night they go forward it runs an hour later.
- **Persistence.** Jobs live in the catalogue database (APScheduler's
  ``SQLAlchemyJobStore``, table ``apscheduler_jobs``), one per source with the id
  ``crawl:<source>``. On start the scheduler syncs them with the configuration: new
  sources are added, a changed schedule is rescheduled, removed sources' jobs are
  deleted, and an unchanged job keeps the next run time stored by the previous
  scheduler — which is how a missed run is noticed.
- **Misfires.** A run missed while no scheduler was running (the machine was down at
  02:00) runs once when the scheduler starts, if it was due less than
  ``settings.misfire_grace_hours`` ago; several missed runs are coalesced into one; older
  ones are skipped (logged) until the next planned time. One instance per job at a time.
- **Queued runs.** ``catalogue schedule trigger SOURCE`` stores a one-off job
  ``queued:<source>`` due now; the running scheduler looks at the store every
  ``wakeup_seconds`` (30 s) and starts it.
- **Each run** calls ``pipeline.launch.launch_crawl`` (``trigger="schedule"``, or
  ``"queued"``): its own process, the source's lease (a crawl still running, here or in
  another scheduler, makes the new one ``skipped``), the time limit, the dedup/expiry
  step and the run record.
- **Stopping.** SIGINT or SIGTERM stops the scheduler: crawls in progress are stopped
  (SIGTERM, grace, SIGKILL) and recorded ``interrupted``; no new crawl starts.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from types import FrameType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.events import (
    EVENT_JOB_ERROR,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    JobEvent,
)
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.base import ConflictingIdError
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import STATE_STOPPED
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from crawlers.config import Config
from pipeline.launch import launch_crawl
from storage.db import DatabaseError, connect, resolve_db_url

log = logging.getLogger(__name__)

#: APScheduler's job table in the catalogue database (declared in storage/models.py)
JOBS_TABLE = "apscheduler_jobs"
#: seconds between two looks at the job store for runs queued by other processes
WAKEUP_SECONDS = 30.0
#: crawls that may run at the same time (each is a process crawling a different source)
MAX_WORKERS = 4

#: crontab weekday numbers (0 and 7: Sunday) and names → APScheduler 3.x names (Monday first)
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_DAY_NUMBER = {**{name: i for i, name in enumerate(_CRON_DAYS)}, **{str(i): i for i in range(8)}}

Launcher = Callable[..., Any]


def crawl_job_id(source: str) -> str:
    """Id of a source's scheduled job."""
    return f"crawl:{source}"


def queued_job_id(source: str) -> str:
    """Id of a source's queued one-off run (at most one at a time)."""
    return f"queued:{source}"


def _cron_weekdays(field: str) -> str:
    """A crontab weekday field (0/7 = Sunday, names, ranges, steps) as APScheduler 3.x names.

    APScheduler 3.x numbers weekdays from Monday = 0, unlike crontab; spelling the days out
    removes the ambiguity: ``"1-5"`` → ``"mon,tue,wed,thu,fri"``, ``"0"`` → ``"sun"``.
    """
    if field == "*":
        return "*"
    days: set[int] = set()
    for part in field.lower().split(","):
        span, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if step < 1:
            raise ValueError(f"bad weekday step in {field!r}")
        if span == "*":
            first, last = 0, 6
        elif "-" in span:
            a, _, b = span.partition("-")
            first, last = _day(a, field), _day(b, field)
        else:
            first = _day(span, field)
            last = 6 if step_text else first
        if first > last:
            raise ValueError(f"bad weekday range in {field!r}")
        days.update(d % 7 for d in range(first, last + 1, step))
    return ",".join(_CRON_DAYS[d] for d in sorted(days, key=lambda d: (d - 1) % 7))


def _day(token: str, field: str) -> int:
    try:
        return _DAY_NUMBER[token[:3] if not token.isdigit() else token]
    except KeyError:
        raise ValueError(f"bad weekday {token!r} in {field!r}") from None


class CrontabTrigger(CronTrigger):
    """A :class:`CronTrigger` built from a standard crontab line, firing once per wall time.

    On the night clocks go back, APScheduler's cron trigger fires twice at a daily time
    in the repeated hour (02:30 summer time, then 02:30 winter time); this one skips the
    repetition, so a nightly crawl runs once a night. Sub-hourly schedules are unchanged.
    """

    __slots__ = ()

    @classmethod
    def parse(cls, expr: str, timezone: tzinfo | str) -> CrontabTrigger:
        """``"minute hour day month weekday"`` → trigger; ValueError with the reason when invalid.

        Day of month and day of week cannot both be restricted: crontab would fire when
        *either* matches, APScheduler when *both* do, so the expression is refused.
        """
        fields = expr.split()
        if len(fields) != 5:
            raise ValueError(f"expected 5 crontab fields (minute hour day month weekday), got {expr!r}")
        minute, hour, day, month, weekday = fields
        if day != "*" and weekday != "*":
            raise ValueError(f"{expr!r}: give a day of month or a day of week, not both")
        return cls(minute=minute, hour=hour, day=day, month=month, day_of_week=_cron_weekdays(weekday),
                   timezone=timezone)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        nxt = super().get_next_fire_time(previous_fire_time, now)
        if previous_fire_time is not None and nxt is not None:
            wall = previous_fire_time.astimezone(self.timezone).replace(tzinfo=None)
            if nxt.replace(tzinfo=None) == wall:  # the same local time again: clocks went back
                # step past it in UTC: wall-clock arithmetic would land back in the repeated hour
                nxt = super().get_next_fire_time(None, nxt.astimezone(UTC) + timedelta(seconds=1))
        return nxt


def scheduler_timezone(config: Config) -> ZoneInfo:
    """``settings.timezone`` as a ZoneInfo; ValueError when unknown."""
    try:
        return ZoneInfo(config.settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"[settings] timezone {config.settings.timezone!r} is not a known time zone") from None


def grace_seconds(config: Config) -> int:
    """``settings.misfire_grace_hours`` in seconds (at least 1)."""
    return max(1, int(float(config.settings.misfire_grace_hours) * 3600))


def schedule_errors(config: Config) -> dict[str, str]:
    """``{source: reason}`` for every source whose ``schedule`` is not a valid crontab line."""
    tz = scheduler_timezone(config)
    errors = {}
    for name, source in config.sources.items():
        try:
            CrontabTrigger.parse(source.schedule, tz)
        except ValueError as exc:
            errors[name] = str(exc)
    return errors


def next_fire_times(schedule: str, timezone: tzinfo | str, *, now: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` times a crontab ``schedule`` fires after ``now``, in ``timezone``."""
    trigger = CrontabTrigger.parse(schedule, timezone)
    times: list[datetime] = []
    previous: datetime | None = None
    while len(times) < count:
        nxt = trigger.get_next_fire_time(previous, now if previous is None else previous)
        if nxt is None:
            break
        times.append(nxt)
        previous = nxt
    return times


class _BackgroundScheduler(BackgroundScheduler):
    """APScheduler's BackgroundScheduler, minus a shutdown race that loses due runs.

    ``shutdown()`` marks the scheduler stopped, closes the executors, then wakes the main
    loop so that it exits; but the loop first makes one more pass over the due jobs, and as
    the executors refuse them, their run is consumed (a queued run deleted, a missed run
    moved to the next day) without ever running. A stopped scheduler now skips that pass.
    """

    def _process_jobs(self) -> float | None:
        if self.state == STATE_STOPPED:
            return None
        return super()._process_jobs()


def _job_store(db_url: str) -> SQLAlchemyJobStore:
    """APScheduler's store on the catalogue database, its schema checked (SQLite: created or
    upgraded) first, so that the migrations, not APScheduler, create ``apscheduler_jobs``.
    The store gets its own engine: it disposes of it on shutdown."""
    return SQLAlchemyJobStore(engine=connect(db_url), tablename=JOBS_TABLE)


def _job_options(config: Config) -> dict[str, Any]:
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": grace_seconds(config)}


def _queued_job_options(config: Config) -> dict[str, Any]:
    """A queued run's options: its id is free again as soon as the previous queued run of
    the source started, so a second ``schedule trigger`` may come due while that run still
    goes on. With APScheduler's one instance per job id it was then dropped (a warning in
    the log, no run record); it starts instead, and the source's lease records it
    ``skipped`` if that crawl is still running."""
    return {**_job_options(config), "max_instances": 2}


@dataclass(frozen=True)
class PlannedRun:
    """What ``catalogue schedule list`` shows for one source."""

    source: str
    schedule: str
    next_run: datetime | None
    #: "job store" (what a scheduler stored) or "configuration" (computed)
    origin: str
    #: when a queued run (``schedule trigger``) is due, if one waits
    queued_at: datetime | None = None
    error: str | None = None


def _stored_jobs(db_url: str) -> dict[str, Job]:
    """The jobs in the catalogue database's job store (empty when there is none yet)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and (not url.database or not Path(url.database).exists()):
        return {}
    try:
        store = _job_store(db_url)
    except DatabaseError as exc:
        log.info("no job store readable (%s): schedule computed from the configuration", exc)
        return {}
    try:
        return {job.id: job for job in store.get_all_jobs()}
    except SQLAlchemyError as exc:
        log.info("no job store readable (%s): schedule computed from the configuration",
                 str(exc).splitlines()[0])
        return {}
    finally:
        store.shutdown()


def planned_runs(config: Config, db_url: str | None = None, *, now: datetime | None = None) -> list[PlannedRun]:
    """Each configured source's next run: from the job store when a scheduler stored one
    with the configured schedule, else computed from the configuration."""
    tz = scheduler_timezone(config)
    now = now or datetime.now(tz)
    jobs = _stored_jobs(resolve_db_url(db_url)) if db_url is not None else {}
    out = []
    for name, source in config.sources.items():
        queued = jobs.get(queued_job_id(name))
        queued_at = queued.next_run_time if queued is not None else None
        try:
            trigger = CrontabTrigger.parse(source.schedule, tz)
        except ValueError as exc:
            out.append(PlannedRun(name, source.schedule, None, "configuration", queued_at, str(exc)))
            continue
        job = jobs.get(crawl_job_id(name))
        if job is not None and repr(job.trigger) == repr(trigger):
            out.append(PlannedRun(name, source.schedule, job.next_run_time, "job store", queued_at))
        else:
            out.append(PlannedRun(name, source.schedule, trigger.get_next_fire_time(None, now),
                                  "configuration", queued_at))
    return out


def queue_crawl(config: Config, db_url: str | None, source_name: str, *, full_refresh: bool = False,
                now: datetime | None = None) -> bool:
    """Store a one-off run of ``source_name`` due ``now`` for the running scheduler.

    False when one is already queued (runs are never queued twice). Raises
    ``crawlers.config.ConfigError`` for an unknown source.
    """
    config.source(source_name)
    tz = scheduler_timezone(config)
    sched = _BackgroundScheduler(jobstores={"default": _job_store(resolve_db_url(db_url))}, timezone=tz)
    sched.start(paused=True)  # opens the store; a paused scheduler runs nothing
    try:
        sched.add_job(run_job, "date", run_date=now or datetime.now(tz), id=queued_job_id(source_name),
                      name=f"queued crawl of {source_name}",
                      kwargs={"source_name": source_name, "trigger": "queued", "full_refresh": full_refresh},
                      **_queued_job_options(config))
    except ConflictingIdError:
        return False
    finally:
        sched.shutdown(wait=False)
    return True


#: the scheduler running in this process: the persisted jobs reach it through :func:`run_job`
_ACTIVE: CatalogueScheduler | None = None


def run_job(source_name: str, trigger: str = "schedule", full_refresh: bool = False) -> None:
    """The function every stored job calls (by reference ``scheduler:run_job``)."""
    active = _ACTIVE
    if active is None:
        log.error("job for %s fired with no scheduler running in this process", source_name,
                  extra={"source": source_name})
        return
    active.run_crawl(source_name, trigger=trigger, full_refresh=full_refresh)


class CatalogueScheduler:
    """An APScheduler ``BackgroundScheduler`` on the catalogue database, synced with the configuration.

    >>> sched = CatalogueScheduler(load_config(), "sqlite:///catalogue.db")
    >>> sched.start()          # sync the jobs, run what is due (misfires), then on schedule
    >>> ...
    >>> sched.shutdown()       # crawls in progress are stopped and recorded `interrupted`

    ``launcher`` replaces :func:`pipeline.launch.launch_crawl` (tests); it is called as
    ``launcher(source, config_path=…, db_url=…, trigger=…, full_refresh=…, stop_event=…)``. One instance
    runs per process.
    """

    def __init__(self, config: Config, db_url: str | None, *, launcher: Launcher | None = None,
                 wakeup_seconds: float = WAKEUP_SECONDS, max_workers: int | None = None) -> None:
        self.config = config
        self.db_url = resolve_db_url(db_url)
        self.timezone = scheduler_timezone(config)
        self.launcher = launcher or launch_crawl
        self.wakeup_seconds = wakeup_seconds
        self.crawl_stop = threading.Event()
        self._closing = threading.Event()
        workers = max_workers or max(1, min(MAX_WORKERS, len(config.sources)))
        self.scheduler = _BackgroundScheduler(
            jobstores={"default": _job_store(self.db_url)},
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults=_job_options(config), timezone=self.timezone,
        )
        self.scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR | EVENT_JOB_MAX_INSTANCES)

    def start(self, *, paused: bool = False) -> dict[str, list[str]]:
        """Open the job store, sync the jobs with the configuration and start running them.

        With ``paused``, nothing runs until :meth:`resume`. Returns what the sync did
        (:meth:`sync_jobs`). ValueError when a schedule is invalid; RuntimeError when
        another scheduler already runs in this process.
        """
        global _ACTIVE
        errors = schedule_errors(self.config)
        if errors:
            raise ValueError("; ".join(f"[sources.{name}] schedule: {reason}" for name, reason in errors.items()))
        if _ACTIVE is not None and _ACTIVE is not self:
            raise RuntimeError("a scheduler is already running in this process")
        _ACTIVE = self
        self.scheduler.start(paused=True)
        report = self.sync_jobs()
        threading.Thread(target=self._wake_periodically, name="scheduler-wakeup", daemon=True).start()
        if not paused:
            self.resume()
        return report

    def resume(self) -> None:
        """Start running jobs (those due — misfires within the grace time — first)."""
        self.scheduler.resume()

    def sync_jobs(self) -> dict[str, list[str]]:
        """Make the stored jobs match the configuration; ``{"added"|"rescheduled"|"kept"|"removed": [sources]}``.

        A job whose schedule did not change keeps its stored next run time (a missed run
        stays due); a changed one is rescheduled from now.
        """
        report: dict[str, list[str]] = {"added": [], "rescheduled": [], "kept": [], "removed": []}
        options = _job_options(self.config)
        for name, source in self.config.sources.items():
            trigger = CrontabTrigger.parse(source.schedule, self.timezone)
            job_id = crawl_job_id(name)
            job = self.scheduler.get_job(job_id)
            if job is None:
                self.scheduler.add_job(run_job, trigger, id=job_id, name=f"crawl of {name}",
                                       kwargs={"source_name": name}, replace_existing=True, **options)
                report["added"].append(name)
                continue
            if repr(job.trigger) != repr(trigger):
                self.scheduler.reschedule_job(job_id, trigger=trigger)
                report["rescheduled"].append(name)
            else:
                report["kept"].append(name)
            changed = {k: v for k, v in options.items() if getattr(job, k) != v}
            if changed:
                self.scheduler.modify_job(job_id, **changed)
        for job in self.scheduler.get_jobs():
            source_name = (job.kwargs or {}).get("source_name")
            if source_name not in self.config.sources:
                self.scheduler.remove_job(job.id)
                report["removed"].append(str(source_name))
        log.info("scheduler jobs synced with the configuration: %s",
                 ", ".join(f"{k} {v}" for k, v in report.items() if v) or "nothing to do")
        return report

    def jobs(self) -> list[Job]:
        """The stored jobs (scheduled and queued), soonest first."""
        return self.scheduler.get_jobs()

    def wakeup(self) -> None:
        """Look at the job store now (runs queued by another process start without waiting)."""
        self.scheduler.wakeup()

    def _wake_periodically(self) -> None:
        while not self._closing.wait(self.wakeup_seconds):
            if self.scheduler.running:
                self.scheduler.wakeup()

    def run_crawl(self, source_name: str, *, trigger: str = "schedule", full_refresh: bool = False) -> Any:
        """Run one crawl (called by :func:`run_job` in a worker thread); returns the launcher's outcome."""
        context = {"source": source_name, "trigger": trigger}
        if self.crawl_stop.is_set():
            log.info("not starting the crawl of %s: the scheduler is stopping", source_name, extra=context)
            return None
        if source_name not in self.config.sources:
            log.error("no source %s in the configuration: job ignored", source_name, extra=context)
            return None
        log.info("starting the %s crawl of %s", trigger, source_name, extra=context)
        try:
            outcome = self.launcher(source_name, config_path=str(self.config.path), db_url=self.db_url,
                                    trigger=trigger, full_refresh=full_refresh, stop_event=self.crawl_stop)
        except Exception:  # noqa: BLE001 - one source's trouble must not stop the scheduler
            log.exception("the crawl of %s could not be launched", source_name, extra=context)
            return None
        log.info("crawl of %s ended: run %s %s", source_name, getattr(outcome, "run_id", None),
                 getattr(outcome, "status", None),
                 extra={**context, "run_id": getattr(outcome, "run_id", None),
                        "status": getattr(outcome, "status", None)})
        return outcome

    def _on_event(self, event: JobEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            log.warning("job %s: the run due at %s was missed by more than the grace time (%s h): skipped",
                        event.job_id, event.scheduled_run_time, self.config.settings.misfire_grace_hours,
                        extra={"job": event.job_id})
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("job %s: the previous run is still going, this one is not started", event.job_id,
                        extra={"job": event.job_id})
        elif event.code == EVENT_JOB_ERROR:
            log.error("job %s failed: %r", event.job_id, getattr(event, "exception", None),
                      extra={"job": event.job_id})

    def shutdown(self) -> None:
        """Stop: crawls in progress are stopped (``interrupted``), the store is closed."""
        global _ACTIVE
        self.crawl_stop.set()
        self._closing.set()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        if _ACTIVE is self:
            _ACTIVE = None


def serve(config: Config, db_url: str | None, *, wakeup_seconds: float = WAKEUP_SECONDS,
          launcher: Launcher | None = None) -> None:
    """Run the scheduler in the foreground until SIGINT or SIGTERM (``catalogue schedule run``)."""
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info("received %s: stopping the scheduler", signal.Signals(signum).name)
        stop.set()

    sched = CatalogueScheduler(config, db_url, launcher=launcher, wakeup_seconds=wakeup_seconds)
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        sched.start()
        for job in sched.jobs():
            log.info("%s: next run %s", job.name, job.next_run_time.isoformat() if job.next_run_time else "paused",
                     extra={"job": job.id})
        log.info("scheduler running (%d jobs, time zone %s); stop with Ctrl-C or SIGTERM",
                 len(sched.jobs()), sched.timezone.key)
        while not stop.wait(1.0):
            pass
    finally:
        sched.shutdown()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        log.info("scheduler stopped")
