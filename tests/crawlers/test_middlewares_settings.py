"""Retry-After handling and the Scrapy settings of a crawl."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.http import Response
from scrapy.utils.test import get_crawler

from crawlers import middlewares
from crawlers.config import parse_config
from crawlers.middlewares import (
    RETRY_AFTER_TIMES,
    RetryAfterMiddleware,
    retry_after_seconds,
)
from crawlers.settings import build_settings

NOW = datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize("value, seconds", [
    (b"120", 120.0), ("  7 ", 7.0), ("0", 0.0), ("-3", 0.0), ("1.5", 1.5),
    ("Sun, 22 Nov 2026 10:01:30 GMT", 90.0),
    ("Sun, 22 Nov 2026 09:00:00 GMT", 0.0),          # a date in the past: retry now
    ("Sunday, 22-Nov-26 10:00:30 GMT", 30.0),        # the obsolete RFC 850 form too
    ("bientôt", None), ("", None), (None, None),
])
def test_retry_after_values(value, seconds):
    assert retry_after_seconds(value, now=NOW) == seconds


@pytest.fixture
def middleware(monkeypatch):
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr(middlewares, "_sleep", fake_sleep)
    crawler = get_crawler(settings_dict={"CATALOGUE_RETRY_AFTER_MAX_DELAY": 30, "CATALOGUE_RETRY_AFTER_DEFAULT_DELAY": 4,
                                         "CATALOGUE_RETRY_AFTER_MAX_TIMES": 2})
    mw = RetryAfterMiddleware.from_crawler(crawler)
    mw.waits = waits
    return mw


def _respond(mw, request, status, headers=None):
    response = Response(request.url, status=status, headers=headers or {}, request=request)
    return asyncio.run(mw.process_response(request, response))


@pytest.mark.parametrize("status, headers, wait", [
    (429, {"Retry-After": "3"}, 3.0),
    (429, {}, 4.0),                              # no header: the default delay
    (429, {"Retry-After": "3600"}, 30.0),        # capped
    (503, {"Retry-After": "2"}, 2.0),
])
def test_rate_limited_request_is_retried_after_the_delay(middleware, status, headers, wait):
    request = Request("https://api.gouv.fr/api/v1/offers?page=2", meta={"page": 2})
    out = _respond(middleware, request, status, headers)
    assert isinstance(out, Request) and out.url == request.url and out.dont_filter
    assert out.meta[RETRY_AFTER_TIMES] == 1 and out.meta["page"] == 2
    assert middleware.waits == [wait]
    assert middleware.crawler.stats.get_value("catalogue/retry_after") == 1


@pytest.mark.parametrize("status, headers, meta", [
    (200, {"Retry-After": "3"}, {}),
    (503, {}, {}),                               # an ordinary 503 is RetryMiddleware's
    (404, {}, {}),
    (429, {"Retry-After": "3"}, {"dont_retry": True}),
])
def test_other_answers_pass_through(middleware, status, headers, meta):
    request = Request("https://x.gouv.fr/", meta=meta)
    out = _respond(middleware, request, status, headers)
    assert isinstance(out, Response) and out.status == status and middleware.waits == []


def test_gives_up_after_max_times(middleware):
    request = Request("https://x.gouv.fr/", meta={RETRY_AFTER_TIMES: 2})
    out = _respond(middleware, request, 429, {"Retry-After": "1"})
    assert isinstance(out, Response) and out.status == 429 and middleware.waits == []
    assert middleware.crawler.stats.get_value("catalogue/retry_after_gave_up") == 1


CONFIG = parse_config({
    "settings": {"user_agent": "CatalogueBot/1 (contact: catalogue@example.gouv.fr)"},
    "sources": {
        "pep": {"kind": "pep", "base_url": "https://choisirleservicepublic.gouv.fr", "download_delay": 1.5,
                "concurrency": 2, "time_limit": 1000},
        "replica": {"kind": "api", "base_url": "http://127.0.0.1:8000/api", "download_delay": 0,
                    "concurrency": 16, "autothrottle": False},
    },
})


def test_polite_defaults_for_a_real_site():
    s = build_settings(CONFIG, CONFIG.source("pep"))
    assert s["USER_AGENT"] == "CatalogueBot/1 (contact: catalogue@example.gouv.fr)"
    assert s["ROBOTSTXT_OBEY"] is True and s["TELNETCONSOLE_ENABLED"] is False
    assert (s["DOWNLOAD_DELAY"], s["CONCURRENT_REQUESTS"], s["CONCURRENT_REQUESTS_PER_DOMAIN"]) == (1.5, 2, 2)
    assert s["AUTOTHROTTLE_ENABLED"] is True and s["AUTOTHROTTLE_START_DELAY"] == 1.5
    assert s["RETRY_ENABLED"] and s["RETRY_TIMES"] >= 2 and 500 in s["RETRY_HTTP_CODES"]
    assert 429 not in s["RETRY_HTTP_CODES"]  # RetryAfterMiddleware's
    assert s["DOWNLOADER_MIDDLEWARES"]["crawlers.middlewares.RetryAfterMiddleware"] > 550
    assert 0 < s["DOWNLOAD_TIMEOUT"] <= 60
    assert s["CLOSESPIDER_TIMEOUT"] == 900
    assert s["HTTPCACHE_ENABLED"] is False


def test_autothrottle_off_and_cache_on_demand():
    s = build_settings(CONFIG, CONFIG.source("replica"), cache=True)
    assert s["AUTOTHROTTLE_ENABLED"] is False
    assert s["HTTPCACHE_ENABLED"] is True and s["HTTPCACHE_DIR"] == "httpcache"
    assert 429 in s["HTTPCACHE_IGNORE_HTTP_CODES"]


def test_settings_are_accepted_by_scrapy():
    from scrapy.settings import Settings

    settings = Settings(build_settings(CONFIG, CONFIG.source("pep")))
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getfloat("DOWNLOAD_DELAY") == 1.5


def test_a_listing_callback_that_raises_fails_the_run_a_detail_one_does_not():
    from crawl_kit import catalogue_stats, make_spider
    from scrapy.http import HtmlResponse
    from scrapy.spidermiddlewares.httperror import HttpError

    from crawlers.middlewares import ListingGuardMiddleware

    spider = make_spider("api")
    guard = ListingGuardMiddleware.from_crawler(spider.crawler)
    listing = spider.listing_request("https://x.example/api/v1/offers?page=2", spider.parse_list)
    detail = Request("https://x.example/api/v1/offers/7", meta={})

    def raised(request, exc):
        response = HtmlResponse(request.url, body=b"{}", request=request)
        return guard.process_spider_exception(response, exc, spider)

    assert raised(detail, RuntimeError("boom")) is None
    assert raised(listing, HttpError(Response(listing.url, status=500), "500")) is None  # the errback's business
    assert "listing_failed" not in catalogue_stats(spider)
    assert raised(listing, KeyError("data")) is None  # Scrapy still logs it
    assert catalogue_stats(spider)["listing_failed"] == 1
    assert spider.catalogue_errors == [{"url": listing.url, "reason": "listing: could not read: KeyError: 'data'"}]
    config = parse_config({"sources": {"s": {"kind": "api", "base_url": "https://x.example"}}})
    settings = build_settings(config, config.source("s"))
    assert "crawlers.middlewares.ListingGuardMiddleware" in settings["SPIDER_MIDDLEWARES"]


def _seen(ref: str):
    from crawlers.items import SeenPosting

    return SeenPosting(source="pep", reference=ref, listing_ref=ref)


def test_the_seen_postings_of_a_response_leave_as_one_item_after_its_requests():
    from crawlers.items import SeenPostings
    from crawlers.middlewares import SeenBatchMiddleware

    mw = SeenBatchMiddleware.from_crawler(get_crawler())
    page = Response("https://example.org/offres?page=2")
    detail = Request("https://example.org/offre/3")
    out = list(mw.process_spider_output(page, iter([_seen("1"), detail, _seen("2"), "other item"])))
    assert out[:2] == [detail, "other item"]
    assert isinstance(out[2], SeenPostings) and [p.reference for p in out[2].postings] == ["1", "2"]
    assert len(out) == 3
    assert list(mw.process_spider_output(page, iter([detail]))) == [detail]  # no empty batch

    async def agen(values):
        for v in values:
            yield v

    async def collect():
        return [o async for o in mw.process_spider_output_async(page, agen([_seen("1"), detail, _seen("2")]))]

    out = asyncio.run(collect())
    assert out[0] is detail and [p.reference for p in out[1].postings] == ["1", "2"]


def test_a_callback_that_raises_still_hands_over_what_it_had_seen():
    from crawlers.items import SeenPostings
    from crawlers.middlewares import SeenBatchMiddleware

    def callback():
        yield _seen("1")
        raise ValueError("markup the page object did not expect")

    mw = SeenBatchMiddleware.from_crawler(get_crawler())
    out = []
    with pytest.raises(ValueError):
        for item in mw.process_spider_output(Response("https://example.org/"), callback()):
            out.append(item)
    assert len(out) == 1 and isinstance(out[0], SeenPostings) and out[0].postings[0].reference == "1"
    assert build_settings(parse_config({}), parse_config(
        {"sources": {"s": {"kind": "pep", "base_url": "http://x"}}}).source("s"))["SPIDER_MIDDLEWARES"][
        "crawlers.middlewares.SeenBatchMiddleware"] == 950
