"""Test-only helpers of the crawler tests: sample files as Scrapy responses, spiders on a test
crawler, and a tiny in-process engine that drives a spider over the sample files.

The engine (:class:`SampleEngine`) plays Scrapy's part for callback tests: it answers each
request from ``../shared/sources/<kind>/samples`` (404 when the file is not there, like the
17 pep cards without a sample page), honours ``handle_httpstatus_list`` and calls errbacks
the way HttpErrorMiddleware does. Real Scrapy processes are exercised in
``test_crawl_process.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import scrapy
from scrapy.http import HtmlResponse, TextResponse, XmlResponse
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawlers.config import SourceConfig
from crawlers.items import GonePosting, NotOfferPage, RawPosting, SeenPosting

#: the production base URL each sample set stands for (EXPECTED.md)
BASE_URLS = {
    "pep": "https://choisirleservicepublic.gouv.fr",
    "jobposting": "https://metiers.numerique.gouv.fr",
    "feed": "https://www.emploi-territorial-aura.fr",
    "api": "https://recrutement.education.gouv.fr",
}
NAMES = {"pep": "pep", "jobposting": "metiers_numerique", "feed": "emploi_territorial_aura",
         "api": "education_nationale"}
ENTRY_PATHS = {"pep": "/nos-offres/filtres/domaine/3522/", "jobposting": "/sitemap.xml",
               "feed": "/offres/rss.xml", "api": "/api/v1/offers"}
DATA = Path(__file__).parent / "data"
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def french_date(text: str) -> str:
    """"20 novembre 2026" → "2026-11-20" (the cards' dates, for comparisons with EXPECTED)."""
    day, month, year = text.split()
    return f"{int(year):04d}-{MONTHS.index(month.lower()) + 1:02d}-{int(day):02d}"


def source_config(kind: str, *, base_url: str | None = None, digital_only: bool | None = None,
                  entry_path: str | None = None, name: str | None = None) -> SourceConfig:
    return SourceConfig(name=name or NAMES[kind], kind=kind, base_url=base_url or BASE_URLS[kind],
                        entry_path=entry_path or ENTRY_PATHS[kind],
                        digital_only=(kind == "pep") if digital_only is None else digital_only,
                        download_delay=0, concurrency=8)


def sample_path(samples: Path, kind: str, url: str, prefix: str = "") -> Path | None:
    """The sample file a URL stands for (``prefix``: the base URL's path, e.g. "/pep"), else None."""
    parts = urlsplit(url)
    path = parts.path
    if prefix and path.startswith(prefix + "/"):
        path = path[len(prefix):]
    rel = path.lstrip("/")
    if kind == "api" and rel.rstrip("/") == "api/v1/offers":
        rel = f"api/v1/offers/page-{parse_qs(parts.query).get('page', ['1'])[0]}.json"
    elif kind == "api" and rel.startswith("api/v1/offers/"):
        rel = rel.rstrip("/") + ".json"
    elif rel == "" or rel.endswith("/"):
        rel += "index.html"
    target = samples / kind / "samples" / rel
    return target if target.is_file() else None


def response_for(request: scrapy.Request, body: bytes, status: int = 200) -> TextResponse:
    """A Scrapy response of the right class for ``body`` (HTML, XML or JSON)."""
    url = request.url
    path = urlsplit(url).path
    if path.endswith(".xml"):
        cls: type[TextResponse] = XmlResponse
    elif path.startswith("/api/") or path.endswith(".json") or "/api/" in path:
        cls = TextResponse
    else:
        cls = HtmlResponse
    return cls(url=url, body=body, status=status, request=request, encoding="utf-8")


@dataclass
class SampleEngine:
    """Drive a spider over the sample files (a stand-in for Scrapy's engine in unit tests)."""

    samples: Path
    kind: str
    #: the path of the spider's base URL (a rebased crawl: "/pep" for http://127.0.0.1:9/pep)
    prefix: str = ""
    #: URL → (status, body) answered instead of the sample files
    overrides: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)

    def fetch(self, request: scrapy.Request) -> TextResponse:
        self.requests.append(request.url)
        if request.url in self.overrides:
            status, body = self.overrides[request.url]
            return response_for(request, body, status)
        target = sample_path(self.samples, self.kind, request.url, self.prefix)
        if target is None:
            return response_for(request, b"<html><body>Page introuvable</body></html>", 404)
        return response_for(request, target.read_bytes())

    def run(self, spider: scrapy.Spider) -> list[Any]:
        """Every item the spider yields, requests followed depth-first."""
        items: list[Any] = []
        queue = list(spider.start_requests())
        while queue:
            request = queue.pop(0)
            response = self.fetch(request)
            allowed = request.meta.get("handle_httpstatus_list", ())
            if 200 <= response.status < 300 or response.status in allowed:
                output = request.callback(response)
            else:
                failure = Failure(HttpError(response, "Ignoring non-200 response"))
                failure.request = request
                output = request.errback(failure) if request.errback else None
            for out in output or ():
                if isinstance(out, scrapy.Request):
                    queue.append(out)
                else:
                    items.append(out)
        return items


def by_type(items: list[Any]) -> dict[type, list[Any]]:
    out: dict[type, list[Any]] = {RawPosting: [], SeenPosting: [], NotOfferPage: [], GonePosting: []}
    for item in items:
        out.setdefault(type(item), []).append(item)
    return out


def spider_class(kind: str) -> type[scrapy.Spider]:
    from crawlers.spiders.api import ApiSpider
    from crawlers.spiders.feed import FeedSpider
    from crawlers.spiders.jobposting import JobPostingSpider
    from crawlers.spiders.pep import PepSpider

    return {"pep": PepSpider, "jobposting": JobPostingSpider, "feed": FeedSpider, "api": ApiSpider}[kind]




def make_spider(kind: str, source: SourceConfig | None = None, **kwargs: Any) -> scrapy.Spider:
    """A spider of ``kind`` on a test crawler (stats included); kwargs are spider arguments."""
    cls = spider_class(kind)
    crawler = get_crawler(cls, {"LOG_LEVEL": "WARNING"})
    spider = cls.from_crawler(crawler, source_config=source or source_config(kind), **kwargs)
    crawler.spider = spider
    return spider


def catalogue_stats(spider: scrapy.Spider) -> dict[str, Any]:
    """The ``catalogue/*`` stats of a spider, without the prefix."""
    return {k.removeprefix("catalogue/"): v for k, v in spider.crawler.stats.get_stats().items()
            if k.startswith("catalogue/")}
