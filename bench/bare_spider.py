"""A bare Scrapy spider: download the given URLs, parse nothing, store nothing.

The yardstick of `bench/crawl.py`: the page rate Scrapy itself reaches on this machine
against the same replica, so the pipeline's rate can be compared with it.

    python -m bench.bare_spider URLS_FILE CONCURRENCY
"""

from __future__ import annotations

import json
import sys
import time

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


def main(argv: list[str]) -> int:
    urls = [u for u in open(argv[0], encoding="utf-8").read().split() if u]
    concurrency = int(argv[1]) if len(argv) > 1 else 16
    process = CrawlerProcess({
        "LOG_LEVEL": "WARNING", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency, "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False, "TELNETCONSOLE_ENABLED": False, "HTTPERROR_ALLOW_ALL": True,
        "RETRY_ENABLED": False,
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
