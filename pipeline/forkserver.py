"""A pre-importing fork server ("zygote") for crawl processes.

Every crawl runs in a process of its own (Scrapy's reactor cannot restart), and each such
process used to spend about a second importing Scrapy, Twisted, SQLAlchemy and the project
before crawling. A launcher that starts several crawls (``catalogue crawl`` of several sources or
``--all``, the demo, ``bench/crawl.py``; not the scheduler, whose crawls are hours apart and
must run the code installed when each starts) can instead start this server once::

    with CrawlForkServer() as fork_server:           # pipeline.launch
        launch_crawl("pep", ..., fork_server=fork_server)
        launch_crawl("api", ..., fork_server=fork_server)

The server (``python -m pipeline.forkserver FD``, started by the launcher with the crawl
processes' environment) imports what a crawl needs — but installs no Twisted reactor,
starts no thread and opens no database connection — then waits for requests on the Unix
socket ``FD`` inherited from the launcher (a ``SOCK_SEQPACKET`` socketpair), on which it
sends ``b"ready"`` once the imports a crawl needs to start are done (a request sent
earlier is refused: the launcher waits for ``ready`` or starts the crawl process the plain
way); it then imports, once requests have stopped coming for a moment, what only some
crawls need (:data:`PRELOAD_AFTER_READY`). For each request it forks; the child is a crawl process
exactly like ``python -m pipeline.runner ARGS`` started by ``subprocess.Popen``, minus the
imports:

- it leads a new session (``os.setsid()``: the launcher stops it with ``os.killpg``);
- its stdout and stderr are the output descriptor sent with the request (the launcher's
  pseudo-terminal or pipe), its stdin ``/dev/null``, and it keeps no other descriptor;
- its signal dispositions are those the server started with (what a fresh interpreter has);
- it takes the request's environment, working directory and ``sys.argv``; its
  ``CATALOGUE_LAUNCHER_PID`` is the server's pid: the server is its parent, and the crawl's
  watchdog (``pipeline.watchdog``) stops the crawl when its parent is gone;
- it waits, before doing anything, until the launcher has received its pid (a byte on a
  pipe of the launcher): a launcher that gave up on the request (and started the crawl
  process the plain way instead) leaves no second process working for the run;
- it runs ``pipeline.runner.main(ARGS)``, the exit handlers, and ``os._exit(code)``.

The server reaps its children and answers each request on the request's own connection
(a stream socketpair whose other end the launcher keeps): ``pid N`` right after the fork,
``exit CODE`` when the child has ended (``CODE`` as ``Popen.returncode``: negative signal
number when killed), or ``error MESSAGE``. It exits when the launcher closes the control
socket or dies (end of file on it; its parent changing is checked too): its crawl processes
are then orphans, their watchdog notices within seconds and stops them gracefully, exactly
as when a launcher dies in the plain case.

Protocol of one request, on the control socket: one message ``b"R"`` carrying three
descriptors — the request connection, the output descriptor, the read end of the launcher's
"go" pipe. Before sending it the launcher writes on the request connection a 4-byte
big-endian length and a JSON object ``{"args": [...], "env": {...}, "cwd": "..."}``.

The launcher side (``CrawlForkServer``, ``ForkedProcess``) lives in ``pipeline.launch``:
this module stays cheap to import (the page-reading workers, started with multiprocessing's
``spawn``, import the main module of the crawl process — this one, in a forked child).
"""

from __future__ import annotations

import errno
import json
import os
import select
import signal
import socket
import struct
import sys
import time
import traceback

#: seconds the server waits for a request's JSON once it has the request's descriptors
REQUEST_READ_TIMEOUT = 10.0
#: the largest request accepted (argv + environment)
MAX_REQUEST_BYTES = 1 << 20
#: seconds between two checks that the launcher is still the server's parent
PARENT_CHECK_SECONDS = 1.0

#: modules a crawl process imports, loaded once by the server (see :func:`preload`)
PRELOAD = (
    "pipeline.runner", "pipeline.logs", "pipeline.pipelines", "pipeline.postcrawl", "pipeline.progress",
    "pipeline.watchdog", "pipeline.launch",
    "crawlers.settings", "crawlers.items", "crawlers.spiders.base", "crawlers.spiders.workers",
    "crawlers.spiders.pep", "crawlers.spiders.jobposting", "crawlers.spiders.feed", "crawlers.spiders.api",
    "storage.db", "storage.models", "storage.postings", "storage.runs", "storage.locks",
    "crawlers.middlewares", "storage.offers",
    "html_text", "lxml.html.clean",
    "sqlalchemy", "sqlalchemy.orm", "sqlalchemy.dialects.sqlite", "sqlalchemy.dialects.postgresql",
    "scrapy", "scrapy.crawler", "scrapy.core.engine", "scrapy.core.scraper", "scrapy.core.downloader",
    "scrapy.core.scheduler", "scrapy.http", "scrapy.utils.reactor", "scrapy.utils.log",
    "twisted.internet.defer", "twisted.internet.task", "twisted.internet.endpoints", "twisted.web.client",
    "asyncio",
)
#: modules imported once the server has said ``ready``, between requests, in this order:
#: what only a crawl with new or changed postings needs — the normalizer (its classifier
#: rules, places and salary tables: ~0.08 s) for each new posting, the post-crawl dedup
#: (rapidfuzz, numpy: ~0.17 s) at its end. The first crawls, above all incremental ones,
#: need not wait for them; a crawl forked before they are loaded imports them itself if it
#: needs them (the modules that use them import them where they are used)
PRELOAD_AFTER_READY = ("normalize.record", "pipeline.dedup")
#: the server imports a module of :data:`PRELOAD_AFTER_READY` only once no request has come
#: for this long (since ``ready`` or the last request): an import cannot be interrupted, and
#: the first crawls' requests, sent right after ``ready``, must not wait for one
LATER_IMPORTS_AFTER_QUIET_SECONDS = 0.1
#: importing these installs a reactor: never in the server (each crawl installs its own)
_REACTOR_MODULES = ("twisted.internet.reactor",)
#: the signals whose disposition the server changes, restored in each child
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD, signal.SIGPIPE)


def _import(name: str) -> bool:
    import importlib

    try:
        importlib.import_module(name)
    except Exception:  # noqa: BLE001 - an optional module (psycopg absent…): the child imports it itself
        return False
    return True


def preload() -> int:
    """Import what a crawl process needs; returns the number of modules loaded.

    Besides :data:`PRELOAD`, the Scrapy components named by Scrapy's default settings and by
    the project's settings (middlewares, extensions, download handlers, scheduler, stats…)
    are imported, as ``CrawlerProcess`` would when the crawl starts. Raises RuntimeError when
    a reactor got installed or a thread started (the server must be safe to fork).
    """
    for name in PRELOAD:
        _import(name)
    for path in _component_paths():
        module = path.rpartition(".")[0]
        if module and module not in sys.modules and not module.startswith(_REACTOR_MODULES):
            _import(module)
    if "storage.models" in sys.modules:
        # SQLAlchemy sets up the mappers' relationships at a process's first query (~0.01 s):
        # once here rather than in every crawl process
        from sqlalchemy.orm import configure_mappers

        configure_mappers()
    _check_forkable()
    return len(sys.modules)


def _check_forkable() -> None:
    """RuntimeError when what was imported installed a reactor or started a thread."""
    if any(name in sys.modules for name in _REACTOR_MODULES):
        raise RuntimeError("a Twisted reactor was installed while preloading: the server cannot fork crawls")
    import threading

    if threading.active_count() != 1:
        raise RuntimeError(f"{threading.active_count() - 1} thread(s) started while preloading")


#: Scrapy settings naming components a crawl never loads: the feed exporters and storages
#: (only the FeedExporter extension, turned off, loads them; ``scrapy.exporters`` alone is
#: ~0.1 s of imports) and the contracts of ``scrapy check``
_UNUSED_COMPONENT_SETTINGS = frozenset({"FEED_EXPORTERS_BASE", "FEED_STORAGES_BASE", "SPIDER_CONTRACTS_BASE"})


def _component_paths() -> list[str]:
    """Dotted paths of the classes Scrapy loads by name (its default settings, ours), but
    the components ``crawlers.settings`` turns off (``DISABLED_*``: the remote-control
    extension alone imports aiohttp, a quarter of a second of the server's start) and those
    only a turned-off component or another Scrapy command loads (:data:`_UNUSED_COMPONENT_SETTINGS`)."""
    values: list[object] = []
    disabled: set[str] = set()
    for name in ("scrapy.settings.default_settings", "crawlers.settings", "pipeline.pipelines"):
        module = sys.modules.get(name)
        if module is None and _import(name):
            module = sys.modules[name]
        if module is None:
            continue
        for key in dir(module):
            if key.startswith("DISABLED_"):
                disabled.update(getattr(module, key))
            elif key.isupper() and key not in _UNUSED_COMPONENT_SETTINGS:
                values.append(getattr(module, key))
    paths: list[str] = []
    for value in values:
        for item in ([*value.keys(), *value.values()] if isinstance(value, dict) else [value]):
            if isinstance(item, str) and item.startswith(("scrapy.", "crawlers.", "pipeline.")) and " " not in item \
                    and item not in disabled:
                paths.append(item)
    return paths


# ------------------------------------------------------------------------------ the server
class _Server:
    def __init__(self, ctrl: socket.socket, launcher_pid: int | None, later: tuple[str, ...] = ()) -> None:
        self.ctrl = ctrl
        self.later = list(later)  # modules still to import, one at a time while no request waits
        self.launcher_pid = launcher_pid
        self.pid = os.getpid()
        self.children: dict[int, socket.socket] = {}
        self.initial_signals = {sig: signal.getsignal(sig) for sig in _SIGNALS}
        self.wake_r, self.wake_w = os.pipe()
        for fd in (self.wake_r, self.wake_w):
            os.set_blocking(fd, False)

    def serve(self) -> None:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)  # wakes select() through the wakeup fd
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # stopping crawls is the launcher's decision
        quiet_since = time.monotonic()  # of the last request (or of ``ready``)
        try:
            while True:
                timeout = PARENT_CHECK_SECONDS
                if self.later:
                    timeout = max(0.0, quiet_since + LATER_IMPORTS_AFTER_QUIET_SECONDS - time.monotonic())
                readable, _, _ = select.select([self.ctrl, self.wake_r], [], [], timeout)
                if not readable and self.later:
                    if time.monotonic() < quiet_since + LATER_IMPORTS_AFTER_QUIET_SECONDS:
                        continue
                    _import(self.later.pop(0))
                    try:
                        _check_forkable()
                    except RuntimeError as exc:  # the launcher sees us gone and starts crawls the plain way
                        print(f"fork server: {exc}", file=sys.stderr, flush=True)
                        return
                    continue
                if self.wake_r in readable:
                    _drain(self.wake_r)
                self.reap()
                if self.ctrl in readable:
                    if not self.handle_request():
                        return  # the launcher closed the control socket, or died
                    quiet_since = time.monotonic()
                if self.launcher_pid is not None and os.getppid() != self.launcher_pid:
                    return
        finally:
            if os.getpid() == self.pid:
                self.reap()
                for conn in self.children.values():
                    conn.close()

    def reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            conn = self.children.pop(pid, None)
            if conn is not None:
                _answer(conn, f"exit {os.waitstatus_to_exitcode(status)}")
                conn.close()

    def handle_request(self) -> bool:
        """Serve one request; False when the control socket reached its end."""
        try:
            msg, fds, _flags, _addr = socket.recv_fds(self.ctrl, 16, 3)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EINTR):
                return True
            return False
        if not msg and not fds:
            return False
        if len(fds) != 3:
            for fd in fds:
                os.close(fd)
            return True
        conn = socket.socket(fileno=fds[0])
        out_fd, go_fd = fds[1], fds[2]
        try:
            try:
                request = _read_request(conn)
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
            except Exception as exc:  # noqa: BLE001 - a bad request or a failed fork: the launcher falls back
                _answer(conn, f"error {type(exc).__name__}: {exc}")
                conn.close()
                return True
            if pid == 0:
                self._become_child(request, out_fd, go_fd, conn)  # never returns
            self.children[pid] = conn
            _answer(conn, f"pid {pid}")  # a launcher that is gone closes "go": the child exits
        finally:
            os.close(out_fd)
            os.close(go_fd)
        return True

    def _become_child(self, request: dict, out_fd: int, go_fd: int, conn: socket.socket) -> None:
        code = 1
        try:
            # forget the server's descriptors before closing them: a socket object closed
            # later by the garbage collector must not close a descriptor reused since
            for sock in (self.ctrl, conn, *self.children.values()):
                sock.detach()
            self.children.clear()
            signal.set_wakeup_fd(-1)
            for sig, handler in self.initial_signals.items():
                signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
            os.setsid()
            if os.read(go_fd, 1) != b"g":  # the launcher gave up on this request
                os._exit(0)
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(out_fd, 1)
            os.dup2(out_fd, 2)
            _close_fds_above(2)
            code = _run_crawl(request, server_pid=self.pid)
        except SystemExit as exc:
            code = _exit_code(exc.code)
        except BaseException:  # noqa: BLE001 - reported on the crawl's output, as an uncaught exception
            try:
                traceback.print_exc()
            except Exception:  # noqa: BLE001
                pass
            code = 1
        finally:
            exit_process(code)


def _run_crawl(request: dict, *, server_pid: int) -> int:
    env = {str(k): str(v) for k, v in request["env"].items()}
    env["CATALOGUE_LAUNCHER_PID"] = str(server_pid)  # our parent: what the watchdog must watch
    os.environ.clear()
    os.environ.update(env)
    cwd = request.get("cwd")
    if cwd:
        os.chdir(cwd)
        sys.path[0] = cwd  # as `python -m` started in cwd
    import pipeline.runner

    args = [str(a) for a in request["args"]]
    sys.argv = [pipeline.runner.__file__, *args]
    try:
        return _exit_code(pipeline.runner.main(args))
    except SystemExit as exc:
        return _exit_code(exc.code)


def exit_process(code: int) -> None:
    """End this process as the interpreter would (non-daemon threads joined, exit handlers
    run, stdio flushed), then ``os._exit(code)``: without tearing down every module.

    A process that has imported Scrapy, Twisted and SQLAlchemy (about 1,100 modules) spends
    0.2–0.3 s freeing them at a normal exit, time its launcher waits for. Used by the forked
    crawl processes, the server itself and the plainly started crawl processes
    (``python -m pipeline.runner``); none holds anything an exit handler does not close (the
    crawl's engine is disposed of, logging is flushed by its own exit handler).
    """
    try:
        import threading

        threading._shutdown()  # type: ignore[attr-defined]  # joins threads, runs threading atexits
    except BaseException:  # noqa: BLE001
        pass
    try:
        import atexit

        atexit._run_exitfuncs()
    except BaseException:  # noqa: BLE001
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # noqa: BLE001
            pass
    os._exit(code)


def _exit_code(code: object) -> int:
    """What ``sys.exit(code)`` makes the exit status."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    try:
        print(code, file=sys.stderr)
    except Exception:  # noqa: BLE001
        pass
    return 1


def _close_fds_above(low: int) -> None:
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        os.closerange(low + 1, 4096)
        return
    for fd in fds:
        if fd > low:
            try:
                os.close(fd)
            except OSError:
                pass


def _read_request(conn: socket.socket) -> dict:
    conn.settimeout(REQUEST_READ_TIMEOUT)
    try:
        (size,) = struct.unpack("!I", _read_exactly(conn, 4))
        if size > MAX_REQUEST_BYTES:
            raise ValueError(f"request of {size} bytes")
        request = json.loads(_read_exactly(conn, size))
    finally:
        conn.settimeout(None)
    if not isinstance(request.get("args"), list) or not isinstance(request.get("env"), dict):
        raise ValueError("malformed request")
    return request


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError("request connection closed")
        data += chunk
    return data


def _answer(conn: socket.socket, line: str) -> None:
    try:
        conn.sendall(line.encode() + b"\n")
    except OSError:  # the launcher closed its end
        pass


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 4096):
            pass
    except (BlockingIOError, InterruptedError):
        pass


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        print("usage: python -m pipeline.forkserver CONTROL_FD", file=sys.stderr)
        return 2
    ctrl = socket.socket(fileno=int(argv[0]))
    try:
        launcher = int(os.environ.get("CATALOGUE_LAUNCHER_PID", ""))
    except ValueError:
        launcher = None
    if launcher is not None and os.getppid() != launcher:
        return 0  # the launcher died while we started
    try:
        preload()
    except Exception:  # noqa: BLE001 - the launcher sees the control socket close and falls back
        traceback.print_exc()
        return 1
    try:
        ctrl.send(b"ready")  # the launcher forks from us from now on (it starts crawls the plain way until then)
    except OSError:
        return 0
    _Server(ctrl, launcher, PRELOAD_AFTER_READY).serve()
    return 0


if __name__ == "__main__":
    exit_process(main())
