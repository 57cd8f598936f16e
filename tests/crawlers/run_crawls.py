"""Test-only: run catalogue spiders in one real Scrapy process, their items written as JSONL.

    python tests/crawlers/run_crawls.py JOB.json

``JOB.json``::

    {"config": "sources.toml", "out": "DIR",
     "crawls": [{"source": "pep", "known": {...}, "full_refresh": false}, ...]}

Every crawl runs concurrently in the same process with the settings of
``crawlers.settings.build_settings`` (plus ``LOG_LEVEL`` WARNING and the collector below
instead of the catalogue pipelines). For each source it writes ``DIR/<source>.jsonl`` (one
item per line, its class in ``_type``) and ``DIR/<source>.stats.json`` (``stats``: the
Scrapy stats, ``errors``: ``spider.catalogue_errors``).
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import Crawler, CrawlerProcess

from crawlers.config import load_config
from crawlers.items import SeenPostings
from crawlers.settings import build_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))  # "run_crawls.JsonlCollector" importable


class JsonlCollector:
    """Item pipeline: append every item to ``CATALOGUE_TEST_ITEMS`` as a JSON line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fh: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JsonlCollector:
        return cls(crawler.settings["CATALOGUE_TEST_ITEMS"])

    def open_spider(self, spider: Any = None) -> None:
        self.fh = open(self.path, "w", encoding="utf-8")  # noqa: SIM115 - closed in close_spider

    def process_item(self, item: Any, spider: Any = None) -> Any:
        # the seen postings of a listing page come as one item (SeenBatchMiddleware), one line each
        for one in item.postings if isinstance(item, SeenPostings) else (item,):
            record = {"_type": type(one).__name__, **dataclasses.asdict(one)}
            self.fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        return item

    def close_spider(self, spider: Any = None) -> None:
        self.fh.close()


def spider_class(kind: str) -> type[scrapy.Spider]:
    module = importlib.import_module(f"crawlers.spiders.{kind}")
    return next(v for v in vars(module).values()
                if isinstance(v, type) and issubclass(v, scrapy.Spider) and getattr(v, "name", None) == kind
                and v.__module__ == module.__name__)


def main(job_path: str) -> int:
    job = json.loads(Path(job_path).read_text(encoding="utf-8"))
    config = load_config(job["config"])
    out = Path(job["out"])
    process = CrawlerProcess({"LOG_LEVEL": "WARNING"})
    crawlers = []
    for crawl in job["crawls"]:
        source = config.source(crawl["source"])
        settings = build_settings(config, source)
        settings.update({"LOG_LEVEL": "WARNING", "ITEM_PIPELINES": {"run_crawls.JsonlCollector": 100},
                         "CATALOGUE_TEST_ITEMS": str(out / f"{source.name}.jsonl")})
        crawler = process.create_crawler(spider_class(source.kind))
        crawler.settings.setdict(settings, priority="cmdline")  # per-source settings, before crawl() freezes them
        process.crawl(crawler, source_config=source, known=crawl.get("known") or {},
                      full_refresh=crawl.get("full_refresh", False))
        crawlers.append((source.name, crawler))
    process.start()
    for name, crawler in crawlers:
        stats = {k: (v if isinstance(v, (int, float, str, bool)) or v is None else str(v))
                 for k, v in crawler.stats.get_stats().items()}
        errors = getattr(crawler.spider, "catalogue_errors", [])
        (out / f"{name}.stats.json").write_text(json.dumps({"stats": stats, "errors": errors}), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
