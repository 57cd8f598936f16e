"""A live progress line for a crawl, on a terminal only.

A Scrapy extension (enabled by the runner): when stderr is a terminal it shows the pages
fetched, postings stored and skipped, refreshed a few times per second with rich; when it
is not (cron, the scheduler, CI) it shows nothing: the logs and the run record say it all.
Set ``CATALOGUE_PROGRESS=0`` to turn it off on a terminal too.
"""

from __future__ import annotations

import os
import sys
from typing import Any

# Scrapy is imported where it is used: `catalogue export` asks progress_wanted() too, and
# must not pay Scrapy's import for it


def progress_wanted() -> bool:
    """True when a progress display makes sense: stderr is a terminal and it was not turned off."""
    return sys.stderr.isatty() and os.environ.get("CATALOGUE_PROGRESS", "1") not in ("0", "false", "no")


class CrawlProgress:
    """Scrapy extension: ``EXTENSIONS = {"pipeline.progress.CrawlProgress": 500}``."""

    def __init__(self, crawler: Any, source: str) -> None:
        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.stats = crawler.stats
        self.source = source
        self.progress = Progress(SpinnerColumn(), TextColumn("[bold]{task.description}"),
                                 TextColumn("{task.fields[counts]}"), TimeElapsedColumn(),
                                 console=Console(stderr=True), transient=True)
        self.task: Any = None

    @classmethod
    def from_crawler(cls, crawler: Any) -> "CrawlProgress":
        from scrapy import signals
        from scrapy.exceptions import NotConfigured

        if not progress_wanted():
            raise NotConfigured  # not on a terminal (no argument: Scrapy then logs nothing)
        ext = cls(crawler, crawler.settings.get("CATALOGUE_SOURCE_NAME", "crawl"))
        crawler.signals.connect(ext.opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.update, signal=signals.response_received)
        crawler.signals.connect(ext.update, signal=signals.item_scraped)
        crawler.signals.connect(ext.closed, signal=signals.spider_closed)
        return ext

    def _counts(self) -> str:
        get = self.stats.get_value
        return (f"{get('response_received_count', 0)} pages · {get('catalogue/items_seen', 0)} postings"
                f" · {get('catalogue/detail_skipped', 0)} unchanged · {get('catalogue/not_found', 0)} gone"
                f" · {get('catalogue/rejected', 0)} rejected")

    def opened(self, spider: Any = None) -> None:
        self.progress.start()
        self.task = self.progress.add_task(f"crawling {self.source}", total=None, counts=self._counts())

    def update(self, *args: Any, **kwargs: Any) -> None:
        if self.task is not None:
            self.progress.update(self.task, counts=self._counts())

    def closed(self, spider: Any = None, reason: str | None = None) -> None:
        if self.task is not None:
            self.progress.stop()
            self.task = None
