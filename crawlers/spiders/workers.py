"""Reading detail pages in a worker process while the crawl process goes on downloading.

A crawl process spends most of its CPU on two things: Scrapy itself (downloads, scheduling,
middlewares, item pipelines) and reading pages (lxml parse, page objects). On a site served
without delay (the replica, the benchmarks) the crawl process is then busy all the time and
the downloads wait for it. :class:`PageReader` moves the reading to worker processes: the
detail callback hands the page (its text and URL, the listing entry, the source) to a
worker and awaits the :class:`~crawlers.items.RawPosting` it sends back, while Scrapy keeps
downloading. Scrapy's own limit on the responses being processed at once
(``SCRAPER_SLOT_MAX_ACTIVE_SIZE``) keeps the queue in front of the worker short.

What runs in the worker is a spider's ``read_offer`` — a pure function of picklable
arguments (no spider, no response): the same function the crawl process calls itself when
there is no worker, so both ways read pages identically.

    >>> reader = PageReader(1)
    >>> reader.start()                                           # spawns the worker
    >>> raw = await reader.run(PepSpider.read_offer, text, url, entry, source)  # doctest: +SKIP
    >>> reader.close()

Workers are started with ``spawn`` (a clean interpreter: forking a process that runs a
reactor and threads is unsafe) and belong to the crawl's process group. They ignore SIGINT
and SIGTERM: when the launcher asks the crawl to stop (SIGTERM to the group), the crawl
process winds down gracefully and still needs its worker for the pages in flight; it stops
the worker itself when the spider closes; SIGKILL to the group ends it otherwise, and a
worker whose crawl process died (killed alone, out of memory) notices within a second and
exits. A worker that dies (killed, out of memory, a crash in a
C library) does not stop the crawl: the pages it had been given fail with
:class:`WorkerDiedError` (one of them may be what killed it, so none is read again here: the
spider counts them as parse errors), and the following pages are read in the crawl process.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

_T = TypeVar("_T")


#: seconds between two checks, in a worker, that the crawl process is still its parent
PARENT_CHECK_SECONDS = 1.0


def _init_worker(parent: int) -> None:
    """Worker initializer: stopping is the crawl process's decision (see the module doc), and
    a worker never outlives its crawl process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    threading.Thread(target=_exit_without_parent, args=(parent,), name="parent-check", daemon=True).start()


def _exit_without_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_SECONDS)
    os._exit(0)


def _warm_up(modules: tuple[str, ...]) -> None:
    """Import the page-reading modules in the worker before the first page arrives."""
    for name in modules:
        importlib.import_module(name)


class WorkerDiedError(RuntimeError):
    """The worker process reading this page died before answering."""


class PageReader:
    """Run page-reading functions in ``workers`` processes (0: in the calling process)."""

    def __init__(self, workers: int, *, warm_up: tuple[str, ...] = ()) -> None:
        self.workers = max(0, int(workers))
        self.warm_up = warm_up
        self._pool: ProcessPoolExecutor | None = None
        #: calls a worker answered (a value or an exception), and calls run in this process
        #: (without workers, or after a worker died)
        self.offloaded = 0
        self.in_process = 0

    @property
    def active(self) -> bool:
        """True while pages go to worker processes."""
        return self._pool is not None

    def start(self) -> None:
        """Spawn the workers (no-op without workers, or when already started) and have them
        import the reading modules while the crawl starts."""
        if self.workers == 0 or self._pool is not None:
            return
        self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"),
                                         initializer=_init_worker, initargs=(os.getpid(),))
        if self.warm_up:
            for _ in range(self.workers):
                self._pool.submit(_warm_up, self.warm_up)

    async def run(self, fn: Callable[..., _T], *args: Any) -> _T:
        """``fn(*args)`` in a worker (``fn`` and ``args`` must pickle), else right here.

        Exceptions raised by ``fn`` reach the caller as they would in-process; a worker that
        dies raises :class:`WorkerDiedError` for the calls it had.
        """
        pool = self._pool
        if pool is not None:
            answered = True
            try:
                return await asyncio.wrap_future(pool.submit(fn, *args))
            except BrokenProcessPool as exc:
                answered = False
                self._broken()
                raise WorkerDiedError("the page-reading worker process died") from exc
            finally:
                self.offloaded += answered
        self.in_process += 1
        return fn(*args)

    def _broken(self) -> None:
        if self._pool is not None:
            log.error("the page-reading worker process died: reading the remaining pages in the crawl process")
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    def close(self) -> None:
        """Stop the workers (pages still queued are dropped: the crawl is over)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
