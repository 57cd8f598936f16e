"""A bare Scrapy spider: download the given URLs, parse nothing, store nothing.

The yardstick of `bench/crawl.py`: the page rate Scrapy itself reaches on this machine
against the same replica, so the pipeline's rate can be compared with it.

    python -m bench.bare_spider URLS_FILE CONCURRENCY [--lean]

By default Scrapy runs with its own defaults (robots.txt, retries and the HTTP error filter
off, as the replica needs none of them). ``--lean`` turns off, as well, the components that
``crawlers/settings.py`` turns off for our crawls: the page rate of downloading alone with
our settings. Prints ``{"pages": N, "seconds": S}``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):  # Scrapy ≥ 2.13
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def start_requests(self):  # older Scrapy
        for url in self.urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)

    def parse(self, response):  # noqa: ANN201 - nothing to do
        return None


def lean_settings() -> dict[str, object]:
    """The Scrapy components and options our crawls turn off (crawlers/settings.py)."""
    from crawlers.settings import (
        DISABLED_DOWNLOADER_MIDDLEWARES,
        DISABLED_EXTENSIONS,
        DISABLED_SPIDER_MIDDLEWARES,
    )

    return {"SPIDER_MIDDLEWARES": dict(DISABLED_SPIDER_MIDDLEWARES),
            "DOWNLOADER_MIDDLEWARES": dict(DISABLED_DOWNLOADER_MIDDLEWARES),
            "EXTENSIONS": dict(DISABLED_EXTENSIONS), "REMOTE_CONTROL_ENABLED": False, "COOKIES_ENABLED": False,
            "CONCURRENT_ITEMS": 1, "WARN_ON_GENERATOR_RETURN_VALUE": False}


def main(argv: list[str]) -> int:
    lean = "--lean" in argv
    argv = [a for a in argv if a != "--lean"]
    urls = [u for u in Path(argv[0]).read_text(encoding="utf-8").split() if u]
    concurrency = int(argv[1]) if len(argv) > 1 else 16
    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": True,
        "RETRY_ENABLED": False, **(lean_settings() if lean else {}),
    })
    crawler = process.create_crawler(BareSpider)
    t0 = time.monotonic()
    process.crawl(crawler, urls=urls)
    process.start()
    seconds = time.monotonic() - t0
    pages = crawler.stats.get_value("response_received_count", 0)
    print(json.dumps({"pages": pages, "seconds": round(seconds, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
