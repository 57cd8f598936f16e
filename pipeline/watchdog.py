"""Stop a crawl whose launcher died.

The launcher (``pipeline.launch``) holds the source's lease and renews it while the crawl
child runs; the child runs in its own session so that a Ctrl-C on the terminal reaches the
launcher first. If the launcher is killed outright (SIGKILL, OOM killer), nobody renews the
lease any more: after it expires another crawl of the source may start. This Scrapy
extension, enabled by the runner, checks every few seconds that the process that started
the crawl is still its parent; when it is not, it stops the crawl gracefully (finish reason
``parent_gone``), so the run ends ``interrupted`` and expires nothing.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from scrapy import signals

log = logging.getLogger(__name__)


class ParentWatchdog:
    """Scrapy extension: ``EXTENSIONS = {"pipeline.watchdog.ParentWatchdog": 400}``."""

    def __init__(self, crawler: Any, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.parent = os.getppid()
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
        self.task.start(self.interval, now=False)

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
