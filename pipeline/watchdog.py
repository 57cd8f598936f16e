"""Stop a crawl whose launcher died.

The launcher (``pipeline.launch``) holds the source's lease and renews it while the crawl
child runs; the child runs in its own session so that a Ctrl-C on the terminal reaches the
launcher first. If the launcher is killed outright (SIGKILL, OOM killer), nobody renews the
lease any more: after it expires another crawl of the source may start. This Scrapy
extension, enabled by the runner, checks every few seconds that the process that started
the crawl is still its parent; when it is not, it stops the crawl gracefully (finish reason
``parent_gone``), so the run ends ``interrupted`` and expires nothing, and the runner gives
the lease back (``CATALOGUE_LEASE_HOLDER``) so that the next crawl need not wait for it to
expire.

The launcher names itself in ``CATALOGUE_LAUNCHER_PID``: a launcher killed while the crawl
process was still starting (importing Scrapy takes a second) is noticed too — the parent
seen when the extension starts would already be the process that adopted the orphan. A
crawl process started by hand (no variable) watches the parent it started with. A crawl
process forked by the fork server (``pipeline.forkserver``) is given the server's pid: the
server is its parent, and exits when its launcher dies.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from scrapy import signals

log = logging.getLogger(__name__)


def launcher_pid() -> int:
    """The pid of the process that launched this crawl: ``CATALOGUE_LAUNCHER_PID``, else our parent."""
    from pipeline.launch import LAUNCHER_PID_ENV

    try:
        return int(os.environ[LAUNCHER_PID_ENV])
    except (KeyError, ValueError):
        return os.getppid()


class ParentWatchdog:
    """Scrapy extension: ``EXTENSIONS = {"pipeline.watchdog.ParentWatchdog": 400}``."""

    def __init__(self, crawler: Any, interval: float, parent: int | None = None) -> None:
        self.crawler = crawler
        self.interval = interval
        self.parent = parent if parent is not None else launcher_pid()
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "ParentWatchdog":
        ext = cls(crawler, crawler.settings.getfloat("CATALOGUE_WATCHDOG_SECONDS", 5.0))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def opened(self, spider: Any = None) -> None:
        from twisted.internet import task

        self.task = task.LoopingCall(self.check)
        self.task.start(self.interval, now=True)

    def check(self) -> None:
        if os.getppid() == self.parent:
            return
        log.error("launcher process is gone: stopping the crawl", extra={"parent_pid": self.parent})
        self.closed()
        engine = self.crawler.engine
        close = getattr(engine, "close_spider_async", None)
        if close is not None:
            from scrapy.utils.defer import deferred_from_coro

            deferred_from_coro(close(reason="parent_gone"))
        else:  # pragma: no cover - older Scrapy
            engine.close_spider(self.crawler.spider, "parent_gone")

    def closed(self, spider: Any = None) -> None:
        if self.task is not None and self.task.running:
            self.task.stop()
        self.task = None
