"""Launch one crawl of one source in its own process: lease, run record, time limit.

``catalogue crawl``, ``crawl --all``, ``catalogue demo`` and the scheduler all go through
:func:`launch_crawl`::

    >>> outcome = launch_crawl("pep", config_path="crawlers/sources.toml", db_url="sqlite:///catalogue.db")
    >>> outcome.status, outcome.counters["items_new"]
    ('succeeded', 12)

What it does, in order:

1. takes the source's lease (:mod:`storage.locks`); when another crawl of the source holds
   it (another scheduler, a manual ``catalogue crawl``), records a ``skipped`` run and
   returns at once;
2. marks ``interrupted`` any ``running`` run of the source left by a process that died,
   creates the run record (``running``) and spawns the crawl process
   ``python -m pipeline.runner --source S --config C --db URL --run-id N [--full] [--cache]``
   (Scrapy's reactor cannot be restarted, so every crawl gets a fresh process) — or, given a
   :class:`CrawlForkServer`, has it fork that process from a server that has already
   imported Scrapy & co. (falling back to the plain start on any trouble with the server);
3. while it runs: forwards its output to our stderr (through a pseudo-terminal when
   stderr is a terminal, so the crawl's live progress shows), keeps the last lines,
   renews the lease, and stops it (SIGTERM, then SIGKILL after a grace period) when the
   time limit passes, when ``stop_event`` is set (the scheduler shutting down) or when we
   receive SIGINT/SIGTERM ourselves;
4. once it has exited: a run the process did not finish (it crashed, or was killed) is
   marked ``interrupted`` with the reason and the tail of its output; a run it ended as
   ``interrupted`` after we stopped it gets our reason ("time limit of 3600 s exceeded");
5. releases the lease and returns the run record's final values as a :class:`RunOutcome`.

An ``interrupted`` crawl expires nothing (``pipeline.postcrawl``). When we were stopped by
a signal, the signal is delivered again once the run is recorded and the lease released,
so Ctrl-C still ends the calling program (``KeyboardInterrupt``).
"""

from __future__ import annotations

import codecs
import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy.engine import make_url

from crawlers.config import load_config
from storage import locks
from storage.db import connect, resolve_db_url, session
from storage.runs import (
    get_run,
    interrupt_orphans,
    mark_interrupted,
    run_counters,
    start_run,
)

log = logging.getLogger(__name__)

#: seconds a lease lasts without renewal (a dead launcher's lease is taken over after this)
LEASE_TTL_SECONDS = 180.0
#: seconds between SIGTERM and SIGKILL when stopping a crawl
STOP_GRACE_SECONDS = 60.0
#: lines of the crawl process's output kept for the run record of a crash
TAIL_LINES = 25
#: the longest error message written on a run record, and the longest output line quoted in it
MAX_MESSAGE_CHARS = 2000
MAX_LINE_CHARS = 300
#: seconds between two checks of the child, the clock and the stop requests
_POLL_SECONDS = 0.2
_PROJECT_ROOT = Path(__file__).resolve().parent.parent
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07]*\x07|[@-Z\\-_])")

#: given the run id, the crawl process's argv (tests use a tiny fake child)
ChildArgv = Callable[[int], Sequence[str]]


@dataclass(frozen=True)
class RunOutcome:
    """How a launched crawl ended: the final values of its run record."""

    run_id: int
    source: str
    status: str
    counters: dict[str, int] = field(default_factory=dict)
    error_message: str | None = None
    #: wall seconds from the call of :func:`launch_crawl` to its return
    seconds: float = 0.0


class StopEvent(threading.Event):
    """A ``stop_event`` that tells why the crawls stop, and whether to wait for them.

    ``launch_crawl`` records ``reason`` on the interrupted run (a plain
    :class:`threading.Event`, as the scheduler passes, reads "the scheduler is shutting
    down"); ``force`` skips the grace period (a second Ctrl-C).
    """

    def __init__(self) -> None:
        super().__init__()
        self.reason = _DEFAULT_STOP_REASON
        self.force = False

    def stop(self, reason: str) -> None:
        """Ask every crawl watching this event to stop; a second call forces it."""
        if self.is_set():
            self.force = True
        else:
            self.reason = reason
            self.set()


_DEFAULT_STOP_REASON = "the scheduler is shutting down"


def _stop_reason(stop_event: threading.Event) -> str:
    return getattr(stop_event, "reason", _DEFAULT_STOP_REASON)


def child_command(source: str, *, config_path: str, db_url: str, run_id: int,
                  full_refresh: bool = False, cache: bool = False) -> list[str]:
    """The argv of the crawl process (``python -m pipeline.runner …``).

    The database URL travels in ``CATALOGUE_DB_URL`` (see :func:`launch_crawl`); it is also
    put on the command line only when it carries no password, as argv is world-readable.
    """
    argv = [sys.executable, "-m", "pipeline.runner", "--source", source, "--config", config_path]
    if make_url(db_url).password is None:
        argv += ["--db", db_url]
    argv += ["--run-id", str(run_id)]
    if full_refresh:
        argv.append("--full")
    if cache:
        argv.append("--cache")
    return argv


class _StopRequest:
    """Why the crawl must stop (first reason wins), and whether to kill it right away."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.signum: int | None = None
        self.force = False

    def request(self, reason: str, signum: int | None = None) -> None:
        if self.reason is None:
            self.reason, self.signum = reason, signum
        elif signum is not None:
            self.force = True  # a second signal: no more grace


class _SignalGuard:
    """Turn SIGINT/SIGTERM into stop requests while a crawl runs (main thread only).

    A signal the calling process ignores is left ignored: a command started in the
    background by a script (``catalogue crawl --all &``) or under ``nohup`` inherits
    SIGINT (resp. SIGHUP) ignored, and is not meant to stop on it — catching it here would
    stop the current crawl while the rest of ``crawl --all`` carries on.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stop: _StopRequest) -> None:
        self.stop = stop
        self.previous: dict[int, Any] = {}

    def __enter__(self) -> _SignalGuard:
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                if signal.getsignal(sig) is not signal.SIG_IGN:
                    self.previous[sig] = signal.signal(sig, self._handle)
        return self

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.stop.request(f"received {signal.Signals(signum).name}", signum)

    def __exit__(self, *_exc: object) -> None:
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)

    def redeliver(self) -> None:
        """Raise the received signal again, now handled by the caller's own handler."""
        if self.stop.signum is not None and self.previous:
            signal.raise_signal(self.stop.signum)


class _ChildOutput:
    """Copies the crawl process's output to our stderr and keeps its last lines.

    From a pseudo-terminal (``raw``) text is copied as it comes, so that progress redraws
    show; from a pipe only whole lines are written, so that the logs of crawls running at
    the same time (the scheduler) never cut into each other's lines.
    """

    def __init__(self, fd: int, *, raw: bool) -> None:
        self.fd = fd
        self.raw = raw
        self.lines: deque[str] = deque(maxlen=TAIL_LINES)
        self._partial = ""
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self.thread = threading.Thread(target=self._pump, name="crawl-output", daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # EIO: the pseudo-terminal's other end closed
                break
            if not data:
                break
            self._take(self._decoder.decode(data))
        rest = self._decoder.decode(b"", final=True)
        if rest or self._partial:
            self._take(rest + "\n")  # the last line had no newline
        os.close(self.fd)

    def _take(self, text: str) -> None:
        if not text:
            return
        if self.raw:
            _write_stderr(text)
        chunks = (self._partial + text).split("\n")
        self._partial = chunks.pop()
        if chunks and not self.raw:
            _write_stderr("\n".join(chunks) + "\n")
        for chunk in chunks:
            # a pty ends lines with "\r\n"; a bare "\r" redraws the line (progress display)
            line = _ANSI.sub("", chunk.rstrip("\r").split("\r")[-1]).strip()
            if line:
                self.lines.append(line)

    def tail(self) -> str:
        self.thread.join(timeout=5)
        return "\n".join(self.lines)


def _write_stderr(text: str) -> None:
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):  # our stderr is gone: the tail is kept anyway
        pass


def _on_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _output_pipe(use_pty: bool) -> tuple[int, int]:
    """(read end, write end) for the child's stdout+stderr: a pty on a terminal, else a pipe."""
    if use_pty:
        import fcntl
        import pty
        import termios

        master, slave = pty.openpty()
        try:  # same width as our terminal, for the crawl's progress line
            size = fcntl.ioctl(sys.stderr.fileno(), termios.TIOCGWINSZ, b"\0" * 8)
            fcntl.ioctl(slave, termios.TIOCSWINSZ, size)
        except OSError:
            pass
        return master, slave
    return os.pipe()


#: environment variable naming the lease holder to the crawl process (it gives the lease back
#: itself when it finds its launcher dead: see ``pipeline.watchdog``)
LEASE_HOLDER_ENV = "CATALOGUE_LEASE_HOLDER"
#: environment variable giving the crawl process its launcher's pid (``pipeline.watchdog``)
LAUNCHER_PID_ENV = "CATALOGUE_LAUNCHER_PID"


def _child_env(db_url: str, holder: str | None = None) -> dict[str, str]:
    env = _base_env()
    env["CATALOGUE_DB_URL"] = db_url
    if holder:
        env[LEASE_HOLDER_ENV] = holder
    return env


def _base_env() -> dict[str, str]:
    """Our environment, as the crawl processes (and the fork server) get it."""
    env = dict(os.environ)
    env[LAUNCHER_PID_ENV] = str(os.getpid())
    env["PYTHONUNBUFFERED"] = "1"
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(_PROJECT_ROOT) + (os.pathsep + path if path else "")
    return env


def _signal_group(proc: Any, sig: int) -> None:
    if proc.poll() is not None:  # ended (and reaped): its pid may be someone else's now
        return
    try:
        os.killpg(proc.pid, sig)  # the child leads its own session: its helpers go too
    except (ProcessLookupError, PermissionError):
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass


def _describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "ended with an unknown exit status (the fork server that started it died)"
    if returncode < 0:
        try:
            return f"killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"killed by signal {-returncode}"
    return f"exited with code {returncode}"


def _cap(message: str) -> str:
    return message if len(message) <= MAX_MESSAGE_CHARS else message[:MAX_MESSAGE_CHARS - 1] + "…"


def _with_tail(reason: str, tail: str) -> str:
    """``reason; last output:`` and the end of the output, within :data:`MAX_MESSAGE_CHARS`."""
    if not tail:
        return _cap(reason)
    lines = [line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS - 1] + "…" for line in tail.splitlines()]
    text = "\n".join(lines)
    budget = max(200, MAX_MESSAGE_CHARS - len(reason) - 20)
    if len(text) > budget:  # the last lines (the error) matter most
        text = "…" + text[-(budget - 1):]
    return _cap(f"{reason}; last output:\n{text}")


def _outcome(engine: Any, run_id: int) -> RunOutcome:
    with session(engine) as s:
        run = get_run(s, run_id)
        return RunOutcome(run_id=run.id, source=run.source, status=run.status,
                          counters=run_counters(run), error_message=run.error_message)


def launch_crawl(source_name: str, *, config_path: str | os.PathLike[str] | None, db_url: str | None,
                 trigger: str = "manual", full_refresh: bool = False, cache: bool = False,
                 time_limit: float | None = None, stop_event: threading.Event | None = None,
                 grace_seconds: float = STOP_GRACE_SECONDS, lease_ttl: float = LEASE_TTL_SECONDS,
                 fork_server: CrawlForkServer | None = None, live_output: bool = True,
                 _child_argv: ChildArgv | None = None) -> RunOutcome:
    """Crawl ``source_name`` in a child process under the source's lease; see the module doc.

    ``time_limit`` (seconds) overrides the source's ``time_limit``; 0 or less means none.
    ``stop_event``, when set by another thread, stops the crawl (``interrupted``).
    ``fork_server`` (a started :class:`CrawlForkServer`) forks the crawl process from a server
    that has already imported Scrapy & co. instead of starting a new interpreter; any trouble
    with it falls back to the plain start. ``live_output=False`` forwards the crawl's output
    line by line even on a terminal (crawls running side by side: no progress redraws
    fighting over one line). ``_child_argv`` replaces the ``pipeline.runner``
    command (tests; always started the plain way). Raises
    ``crawlers.config.ConfigError`` for an unknown source and ``storage.db.DatabaseError``
    when the database cannot be opened; a crawl that goes wrong is a run status, not an
    exception.
    """
    started = time.monotonic()
    config = load_config(config_path)
    source = config.source(source_name)
    db_url = resolve_db_url(db_url)
    engine = connect(db_url)
    limit = source.time_limit if time_limit is None else time_limit
    holder = locks.make_holder()
    stop = _StopRequest()
    guard = _SignalGuard(stop)
    try:
        with guard:
            if not locks.acquire(engine, source.name, holder, lease_ttl):
                outcome = _record_skipped(engine, source.name, source.kind, trigger=trigger,
                                          full_refresh=full_refresh)
            else:
                try:
                    run_id = _start(engine, source.name, source.kind, trigger=trigger, full_refresh=full_refresh)
                    locks.renew(engine, source.name, holder, lease_ttl, run_id=run_id)
                    argv = list(_child_argv(run_id) if _child_argv else child_command(
                        source.name, config_path=str(Path(config.path).resolve()), db_url=db_url,
                        run_id=run_id, full_refresh=full_refresh, cache=cache))
                    _run_child(engine, argv, run_id=run_id, source=source.name, db_url=db_url, holder=holder,
                               limit=limit, stop=stop, stop_event=stop_event, grace=grace_seconds,
                               lease_ttl=lease_ttl, fork_server=None if _child_argv else fork_server,
                               live_output=live_output)
                finally:
                    locks.release(engine, source.name, holder)
                outcome = _outcome(engine, run_id)
                log.info("run %s of %s: %s", run_id, source.name, outcome.status,
                         extra={"source": source.name, "run_id": run_id, "status": outcome.status})
    finally:
        engine.dispose()
    guard.redeliver()  # Ctrl-C / SIGTERM still end the caller, now that all is recorded
    return replace(outcome, seconds=round(time.monotonic() - started, 3))


def launch_crawls(names: Sequence[str], *, config_path: str | os.PathLike[str] | None, db_url: str | None,
                  parallel: int = 1, use_fork_server: bool = True, fork_server: CrawlForkServer | None = None,
                  on_end: Callable[[RunOutcome], None] | None = None, **options: Any) -> list[RunOutcome]:
    """Crawl several sources, at most ``parallel`` at once, each through :func:`launch_crawl`.

    What `catalogue crawl --all` (or several names), the demo and ``bench/crawl.py`` run::

        >>> [o.status for o in launch_crawls(["pep", "dgfip"], config_path=None, db_url=url, parallel=2)]
        ['succeeded', 'succeeded']

    - Every crawl is still one process with its own lease and run record; sources are
      different sites, so crawling two at once keeps each site's own politeness (delay,
      concurrency) and halves the night's window on a two-core machine. The post-crawl
      dedup steps of crawls ending together take turns (``storage.locks.hold_step_lock``).
    - With more than one source, the crawl processes are forked from one
      :class:`CrawlForkServer`, ``fork_server`` when given (already started, kept open),
      else one of its own (``use_fork_server=False``: the plain start, as the scheduler).
    - Crawls running side by side forward their output line by line (``live_output=False``).
    - SIGINT / SIGTERM: no further crawl starts, the running ones are stopped (recorded
      ``interrupted``, "received SIGINT"; a second signal skips their grace period), then
      the signal is delivered again, so Ctrl-C still ends the program.
    - The database is opened (schema checked, a new SQLite file created) before any crawl
      starts: ``storage.db.DatabaseError`` when it cannot be. An exception of
      :func:`launch_crawl` (unknown source…) starts no further crawl and is raised once the
      running ones have ended.

    Returns the outcomes in the order of ``names``; ``on_end`` is called with each one as
    its crawl ends (from a worker thread). ``options`` go to :func:`launch_crawl`
    (``trigger``, ``full_refresh``, ``cache``, ``time_limit``…).
    """
    names = list(names)
    if not names:
        return []
    workers = max(1, min(parallel, len(names)))
    stop = StopEvent()
    request = _StopRequest()  # our own signals, turned into ``stop`` by the loop below
    todo = deque(enumerate(names))
    taking = threading.Lock()
    outcomes: dict[int, RunOutcome] = {}
    failures: list[BaseException] = []

    def work(forks: CrawlForkServer | None) -> None:
        while True:
            with taking:
                if stop.is_set() or failures or not todo:
                    return
                index, name = todo.popleft()
            if forks is not None:
                # a plain start beside the server's imports competes for the same cores and
                # ends no sooner (measured: pep's incremental crawl 6.1 s either way)
                forks.wait_ready(FORK_READY_WAIT_SECONDS)
            try:
                outcome = launch_crawl(name, config_path=config_path, db_url=db_url, stop_event=stop,
                                       fork_server=forks, live_output=workers == 1, **options)
            except BaseException as exc:  # noqa: BLE001 - raised by the caller's thread, below
                with taking:
                    failures.append(exc)
                return
            outcomes[index] = outcome
            if on_end is not None:
                on_end(outcome)

    guard = _SignalGuard(request)
    if fork_server is not None:
        forking: contextlib.AbstractContextManager[CrawlForkServer | None] = contextlib.nullcontext(fork_server)
    elif use_fork_server and len(names) > 1:
        forking = CrawlForkServer()
    else:
        forking = contextlib.nullcontext()
    with guard, forking as forks:  # the server imports while we check the database
        # check (or create / upgrade) the schema once, here: crawls starting together on a
        # new SQLite file would each try to create it
        connect(resolve_db_url(db_url)).dispose()
        threads = [threading.Thread(target=work, args=(forks,), name=f"crawl-{n}", daemon=True)
                   for n in range(workers)]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            if request.reason is not None and not stop.is_set():
                stop.stop(request.reason)
            if request.force and not stop.force:
                stop.stop(request.reason or "")  # a second signal: no more grace
            for thread in threads:
                thread.join(timeout=_POLL_SECONDS / len(threads))
    guard.redeliver()
    if failures:
        raise failures[0]
    return [outcomes[i] for i in sorted(outcomes)]


def _start(engine: Any, source: str, kind: str, *, trigger: str, full_refresh: bool) -> int:
    """Under the lease: close the runs a dead process left ``running``, then create ours."""
    with session(engine) as s, s.begin():
        orphans = interrupt_orphans(s, source, reason="its crawl process disappeared without recording an end")
        run_id = start_run(s, source, kind, trigger=trigger, full_refresh=full_refresh)
    if orphans:
        log.warning("runs %s of %s were left running by a dead process: marked interrupted", orphans, source,
                    extra={"source": source, "run_id": run_id})
    return run_id


def _record_skipped(engine: Any, source: str, kind: str, *, trigger: str, full_refresh: bool) -> RunOutcome:
    lease = locks.current_lease(engine, source)
    if lease is None:
        detail = ""
    elif lease.run_id is None:  # the holder took the lease and is creating its run record
        detail = f" (starting, lease held by {lease.holder})"
    else:
        detail = f" (run {lease.run_id}, lease held by {lease.holder})"
    with session(engine) as s, s.begin():
        run_id = start_run(s, source, kind, trigger=trigger, status="skipped", full_refresh=full_refresh,
                           error_message=f"another crawl of {source} is running{detail}")
    log.warning("crawl of %s skipped: another crawl holds its lease%s", source, detail,
                extra={"source": source, "run_id": run_id})
    return _outcome(engine, run_id)


def _run_child(engine: Any, argv: list[str], *, run_id: int, source: str, db_url: str, holder: str,
               limit: float, stop: _StopRequest, stop_event: threading.Event | None, grace: float,
               lease_ttl: float, fork_server: CrawlForkServer | None = None, live_output: bool = True) -> None:
    """Spawn, watch and if need be stop the crawl process; record how it ended."""
    if stop.reason is None and stop_event is not None and stop_event.is_set():
        stop.request(_stop_reason(stop_event))
    if stop.reason is not None:
        with session(engine) as s, s.begin():
            mark_interrupted(s, run_id, reason=f"{stop.reason} before the crawl process started")
        return
    use_pty = live_output and _on_terminal()
    read_fd, write_fd = _output_pipe(use_pty)
    proc: subprocess.Popen[bytes] | ForkedProcess | None = None
    try:
        if fork_server is not None:
            try:
                proc = fork_server.spawn(argv, env=_child_env(db_url, holder), out_fd=write_fd)
            except ForkServerNotReady:
                pass  # its imports are not done yet: this one starts the plain way
            except ForkServerError as exc:
                log.warning("the fork server could not start the crawl of %s (%s): starting its process "
                            "the plain way", source, exc, extra={"source": source, "run_id": run_id})
        if proc is None:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=write_fd, stderr=write_fd,
                                    env=_child_env(db_url, holder), start_new_session=True)
    except OSError as exc:
        os.close(read_fd)
        with session(engine) as s, s.begin():
            mark_interrupted(s, run_id, reason=_cap(f"could not start the crawl process: {exc}"))
        return
    finally:
        os.close(write_fd)
    output = _ChildOutput(read_fd, raw=use_pty)
    context = {"source": source, "run_id": run_id}
    try:
        with session(engine) as s, s.begin():
            get_run(s, run_id).pid = proc.pid
        log.info("crawl of %s started: run %s, pid %s", source, run_id, proc.pid, extra={**context, "pid": proc.pid})
        started = time.monotonic()
        next_renewal = started + lease_ttl / 3
        kill_at: float | None = None
        while proc.poll() is None:
            now = time.monotonic()
            if stop.reason is None:
                if stop_event is not None and stop_event.is_set():
                    stop.request(_stop_reason(stop_event))
                elif limit and limit > 0 and now - started > limit:
                    stop.request(f"time limit of {limit:g} s exceeded")
            if stop.reason is None and getattr(proc, "lost", None):
                # its parent (the fork server) is gone: its watchdog stops it anyway; say why
                stop.request(proc.lost)
            if stop.reason is not None and kill_at is None:
                log.warning("stopping the crawl of %s (run %s): %s", source, run_id, stop.reason, extra=context)
                _signal_group(proc, signal.SIGTERM)
                kill_at = now + grace
            if getattr(stop_event, "force", False):
                stop.force = True
            if kill_at is not None and (now >= kill_at or stop.force):
                _signal_group(proc, signal.SIGKILL)
                kill_at = float("inf")
            if now >= next_renewal:
                next_renewal = now + lease_ttl / 3
                if not _renew(engine, source, holder, lease_ttl, run_id):
                    stop.request("the source's lease was lost (taken over by another crawl)")
            try:
                proc.wait(timeout=_POLL_SECONDS)
            except subprocess.TimeoutExpired:
                pass
        if stop.reason is None and getattr(proc, "lost", None):
            stop.request(proc.lost)  # the server's death noticed only as the crawl ended: still say so
    finally:
        if proc.poll() is None:  # leaving on an exception: leave no orphan behind
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        returncode = proc.returncode if getattr(proc, "status_known", True) else None
        _record_end(engine, run_id, returncode, stop.reason, output.tail())


def _renew(engine: Any, source: str, holder: str, ttl: float, run_id: int) -> bool:
    """Renew the lease; a database hiccup is logged and tolerated (the lease outlives it)."""
    try:
        if locks.renew(engine, source, holder, ttl, run_id=run_id):
            return True
        return locks.acquire(engine, source, holder, ttl, run_id=run_id)  # expired but not taken
    except Exception as exc:  # noqa: BLE001 - any driver error
        log.warning("could not renew the lease of %s: %s", source, exc, extra={"source": source})
        return True


def _record_end(engine: Any, run_id: int, returncode: int | None, stop_reason: str | None, tail: str) -> None:
    """Mark the run ``interrupted`` when the process did not finish it; add why we stopped it."""
    with session(engine) as s, s.begin():
        run = get_run(s, run_id)
        if run.status == "running":
            if stop_reason:
                reason = f"{stop_reason}; crawl process {_describe_exit(returncode)}"
            elif returncode == 0:
                reason = "crawl process exited without recording an end"
            elif returncode is None:
                reason = f"crawl process {_describe_exit(returncode)} without recording an end"
            else:
                reason = f"crawl process {_describe_exit(returncode)}"
            mark_interrupted(s, run_id, reason=_with_tail(reason, tail))
        elif stop_reason and run.status == "interrupted":
            run.error_message = _cap(f"{stop_reason} ({run.error_message})" if run.error_message else stop_reason)
        elif returncode is not None and returncode != 0:
            log.warning("crawl process of run %s %s after recording %s", run_id, _describe_exit(returncode),
                        run.status, extra={"run_id": run_id})


# ------------------------------------------------------------------ the fork server (opt-in)
class ForkServerError(RuntimeError):
    """The fork server could not start a crawl process (the launcher starts it the plain way)."""


class ForkServerNotReady(ForkServerError):
    """The fork server is still importing: this crawl process starts the plain way (no warning)."""


#: seconds a launcher waits for the fork server to fork a crawl process (its first request
#: also waits for its imports)
FORK_TIMEOUT_SECONDS = 60.0
#: seconds :func:`launch_crawls` waits for its fork server before starting crawls
FORK_READY_WAIT_SECONDS = 10.0
#: the fork server is restarted at most this many times after dying (then: plain starts)
FORK_SERVER_MAX_STARTS = 3
_RUNNER_PREFIX = [sys.executable, "-m", "pipeline.runner"]


class CrawlForkServer:
    """A pre-importing fork server for the crawl processes of this launcher (``pipeline.forkserver``).

    >>> with CrawlForkServer() as fork_server:
    ...     launch_crawl("pep", config_path=..., db_url=..., fork_server=fork_server)

    Started once (``python -m pipeline.forkserver``, our environment), it imports Scrapy,
    Twisted, SQLAlchemy and the project, then forks one crawl process per
    :meth:`spawn`, which therefore skips those imports (about a second each). Each crawl
    still runs in a process of its own, in its own session. Thread-safe (several crawls may
    be launched at once from threads). When the server cannot start, dies or fails a request,
    :meth:`spawn` raises :class:`ForkServerError` and the launcher starts the process the
    plain way; a dead server is started again on the next request (at most
    :data:`FORK_SERVER_MAX_STARTS` times in all). Closing it (or our death) ends the server;
    crawls it started and that still run stop through their watchdog, as orphans of a
    dead launcher do.
    """

    def __init__(self, *, fork_timeout: float = FORK_TIMEOUT_SECONDS) -> None:
        self.fork_timeout = fork_timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._ctrl: Any = None
        self._lock = threading.Lock()
        self._starts = 0
        self._closed = False
        self._ready = False

    def __enter__(self) -> CrawlForkServer:
        try:
            self.start()
        except ForkServerError as exc:
            log.warning("no fork server (%s): crawl processes start the plain way", exc)
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def start(self) -> None:
        """Start the server process (its imports go on in the background)."""
        with self._lock:
            self._start_locked()

    def _start_locked(self) -> None:
        import socket

        if self._closed:
            raise ForkServerError("the fork server was closed")
        if self.process is not None and self.process.poll() is None:
            return
        self._stop_locked()
        if self._starts >= FORK_SERVER_MAX_STARTS:
            raise ForkServerError(f"the fork server was started {self._starts} times already")
        self._starts += 1
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "pipeline.forkserver", str(theirs.fileno())], pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=_base_env(), start_new_session=True)
        except OSError as exc:
            ours.close()
            raise ForkServerError(f"could not start the fork server: {exc}") from exc
        finally:
            theirs.close()
        self._ctrl = ours
        self._ready = False
        log.info("fork server started: pid %s", self.process.pid, extra={"pid": self.process.pid})

    def wait_ready(self, timeout: float = FORK_TIMEOUT_SECONDS) -> bool:
        """Wait until the server has done its imports; False when it died or took too long."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if self._ready_locked(min(0.2, max(0.0, deadline - time.monotonic()))):
                    return True
                if self.process is None or self.process.poll() is not None:
                    return False
            if time.monotonic() >= deadline:
                return False

    def _ready_locked(self, timeout: float = 0.0) -> bool:
        """Whether the server said ``ready`` (read without blocking, or ``timeout`` seconds)."""
        import select

        if self._ready or self._ctrl is None:
            return self._ready
        if select.select([self._ctrl], [], [], timeout)[0]:
            try:
                self._ready = self._ctrl.recv(16) == b"ready"
            except OSError:
                self._ready = False
        return self._ready

    def spawn(self, argv: Sequence[str], *, env: dict[str, str], out_fd: int,
              cwd: str | None = None) -> ForkedProcess:
        """Fork ``argv`` (a ``python -m pipeline.runner …`` command) with ``env``, its stdout
        and stderr on ``out_fd``; ForkServerError when the server cannot."""
        try:
            return self._spawn(argv, env=env, out_fd=out_fd, cwd=cwd)
        except OSError as exc:  # out of descriptors…: the plain start may still work
            raise ForkServerError(f"{type(exc).__name__}: {exc}") from exc

    def _spawn(self, argv: Sequence[str], *, env: dict[str, str], out_fd: int, cwd: str | None) -> ForkedProcess:
        import json
        import socket
        import struct

        argv = [str(a) for a in argv]
        if argv[:3] != _RUNNER_PREFIX:
            raise ForkServerError("not a pipeline.runner command")
        payload = json.dumps({"args": argv[3:], "env": env, "cwd": cwd or os.getcwd()}).encode()
        if len(payload) > 100_000:  # more than a socket buffer: would block before the request is sent
            raise ForkServerError(f"request too large ({len(payload)} bytes)")
        conn, theirs = socket.socketpair()
        go_r, go_w = os.pipe()
        try:
            conn.sendall(struct.pack("!I", len(payload)) + payload)
            with self._lock:
                self._start_locked()
                server = self.process
                if not self._ready_locked():
                    if server is not None and server.poll() is not None:
                        raise ForkServerError(f"the fork server exited with code {server.returncode}")
                    raise ForkServerNotReady("the fork server is still importing")
                try:
                    socket.send_fds(self._ctrl, [b"R"], [theirs.fileno(), out_fd, go_r])
                except OSError as exc:
                    raise ForkServerError(f"the fork server is gone ({exc})") from exc
            theirs.close()
            os.close(go_r)
            go_r = -1
            pid, rest = self._read_pid(conn, server)
            os.write(go_w, b"g")  # the child may run: we watch it from now on
        except BaseException:
            conn.close()
            theirs.close()
            raise
        finally:
            os.close(go_w)  # a child still waiting (we gave up) reads EOF and exits
            if go_r >= 0:
                os.close(go_r)
        return ForkedProcess(pid, conn, argv, received=rest)

    def _read_pid(self, conn: Any, server: subprocess.Popen[bytes] | None) -> tuple[int, bytes]:
        import select

        deadline = time.monotonic() + self.fork_timeout
        data = b""
        while b"\n" not in data:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ForkServerError(f"the fork server did not answer within {self.fork_timeout:g} s")
            if select.select([conn], [], [], min(remaining, 1.0))[0]:
                chunk = conn.recv(4096)
                if not chunk:
                    code = server.poll() if server is not None else None
                    raise ForkServerError("the fork server closed the request"
                                          + (f" (it exited with code {code})" if code is not None else ""))
                data += chunk
            elif server is not None and server.poll() is not None:
                raise ForkServerError(f"the fork server exited with code {server.returncode}")
        line, _, rest = data.partition(b"\n")
        kind, _, value = line.decode(errors="replace").partition(" ")
        if kind == "pid" and value.isdigit():
            return int(value), rest
        raise ForkServerError(f"the fork server refused the request: {value if kind == 'error' else line!r}")

    def close(self) -> None:
        """End the server (crawls it started and still running stop through their watchdog)."""
        with self._lock:
            self._closed = True
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._ctrl is not None:
            self._ctrl.close()  # the server's end of file: it exits
            self._ctrl = None
        if self.process is not None:
            if not self._ready and self.process.poll() is None:
                self.process.kill()  # still importing (a launcher that failed early): it forked nothing
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


class ForkedProcess:
    """A crawl process forked by the fork server, with :class:`subprocess.Popen`'s interface
    as far as :func:`_run_child` uses it (``pid``, ``poll()``, ``wait(timeout)``,
    ``returncode``, ``send_signal``).

    Its exit status comes from the server over the request's connection. When the server
    dies first, ``lost`` says so, and the process (an orphan whose watchdog stops it) is
    watched until it is gone; its exit status is then unknown (``status_known`` False).
    """

    def __init__(self, pid: int, conn: Any, args: Sequence[str] = (), *, received: bytes = b"") -> None:
        self.pid = pid
        self.args = list(args)
        self.returncode: int | None = None
        self.status_known = True
        self.lost: str | None = None
        self._conn = conn
        self._buffer = received  # what the server sent after the pid (its exit, if that quick)
        self._pidfd: int | None = None
        try:  # taken while the server has not reaped it: the pid is still this process's
            self._pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            pass

    def poll(self) -> int | None:
        self._check(0.0)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.returncode is None:
            remaining = None if deadline is None else deadline - time.monotonic()
            if remaining is not None and remaining <= 0:
                raise subprocess.TimeoutExpired(self.args, timeout or 0)
            self._check(0.5 if remaining is None else min(remaining, 0.5))
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def _check(self, timeout: float) -> None:
        import select

        if self.returncode is not None:
            return
        if self._conn is not None:
            if self._take_exit():
                return
            if not select.select([self._conn], [], [], timeout)[0]:
                return
            try:
                chunk = self._conn.recv(4096)
            except OSError:
                chunk = b""
            if chunk:
                self._buffer += chunk
                self._take_exit()
                return
            self._conn.close()
            self._conn = None
            self.lost = "the fork server that started the crawl process died"
            log.warning("%s (pid %s): watching it until it ends", self.lost, self.pid, extra={"pid": self.pid})
            timeout = 0.0
        if self._gone(timeout):
            self.status_known = False
            self._ended(-signal.SIGKILL)  # a placeholder: status_known says it is unknown

    def _take_exit(self) -> bool:
        """Read the ``exit CODE`` line the server sent, if it is there."""
        lines = self._buffer.split(b"\n")
        self._buffer = lines.pop()
        for line in lines:
            kind, _, value = line.decode(errors="replace").partition(" ")
            if kind == "exit":
                self._ended(int(value))
                return True
        return False

    def _gone(self, timeout: float) -> bool:
        """True once the orphaned process has ended (it is not our child: no exit status)."""
        import select

        if self._pidfd is not None:
            return bool(select.select([self._pidfd], [], [], timeout)[0])
        try:
            with open(f"/proc/{self.pid}/stat", encoding="ascii") as f:
                state = f.read().rpartition(")")[2].split()[0]
        except (OSError, IndexError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(timeout)
        return False

    def _ended(self, returncode: int) -> None:
        self.returncode = returncode
        if self._conn is not None:
            self._conn.close()
            self._conn = None
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None

    def __del__(self) -> None:
        if getattr(self, "_pidfd", None) is not None:
            try:
                os.close(self._pidfd)  # type: ignore[arg-type]
            except OSError:
                pass
