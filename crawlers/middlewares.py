"""Downloader middlewares of the catalogue crawls.

:class:`RetryAfterMiddleware` — a site that answers ``429 Too Many Requests`` (or ``503``
with a ``Retry-After`` header) is asking us to wait: the request is retried after the delay
it gives, in seconds (``Retry-After: 120``) or as an HTTP date, capped at
``CATALOGUE_RETRY_AFTER_MAX_DELAY``; a ``429`` without the header waits
``CATALOGUE_RETRY_AFTER_DEFAULT_DELAY``. After ``CATALOGUE_RETRY_AFTER_MAX_TIMES`` waits
for the same request the answer is passed on (the spider then treats it as a failed
download). The wait never blocks the reactor: other requests go on meanwhile.

It sits at 560, just after Scrapy's RetryMiddleware (550) for requests, hence just before
it for responses; ``429`` is left out of ``RETRY_HTTP_CODES`` so that RetryMiddleware does
not retry it again without waiting (see :mod:`crawlers.settings`).

Stats: ``catalogue/retry_after`` (waits), ``catalogue/retry_after_gave_up``.

:class:`ListingGuardMiddleware` (a spider middleware) — a listing page whose callback raised
(a page object meeting markup it does not expect) lost the entries after the error: the crawl
still "finished", and the postings of those entries, unseen, were expired after the crawl.
Such a page now counts as a listing that could not be read: ``catalogue/listing_failed``,
the run is ``failed`` and expires nothing. Scrapy still logs the traceback.

:class:`SeenBatchMiddleware` (a spider middleware, next to the spider) — the
:class:`~crawlers.items.SeenPosting` items of one response leave as one
:class:`~crawlers.items.SeenPostings` item once the response's other output has gone on.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response

from crawlers.items import SeenPosting, SeenPostings

log = logging.getLogger(__name__)

#: request meta key counting the Retry-After waits of a request
RETRY_AFTER_TIMES = "catalogue_retry_after_times"

try:  # Scrapy ≥ 2.18: asyncio or Twisted, whichever reactor runs
    from scrapy.utils.asyncio import sleep as _sleep
except ImportError:  # pragma: no cover - older Scrapy
    async def _sleep(seconds: float) -> None:
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater

        await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def retry_after_seconds(value: str | bytes | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value; None when absent or unreadable.

    >>> retry_after_seconds(b"120")
    120.0
    >>> retry_after_seconds("Wed, 21 Oct 2026 07:28:00 GMT", now=datetime(2026, 10, 21, 7, 27, tzinfo=timezone.utc))
    60.0
    """
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    text = text.strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


class RetryAfterMiddleware:
    """Retry ``429`` (and ``503`` + ``Retry-After``) after the delay the site asks for."""

    def __init__(self, crawler: Any, *, max_delay: float, default_delay: float, max_times: int) -> None:
        self.crawler = crawler
        self.max_delay = max_delay
        self.default_delay = default_delay
        self.max_times = max_times

    @classmethod
    def from_crawler(cls, crawler: Any) -> RetryAfterMiddleware:
        settings = crawler.settings
        return cls(
            crawler,
            max_delay=settings.getfloat("CATALOGUE_RETRY_AFTER_MAX_DELAY", 120.0),
            default_delay=settings.getfloat("CATALOGUE_RETRY_AFTER_DEFAULT_DELAY", 10.0),
            max_times=settings.getint("CATALOGUE_RETRY_AFTER_MAX_TIMES", 5),
        )

    async def process_response(self, request: Request, response: Response, spider: Any = None) -> Request | Response:
        if response.status not in (429, 503) or request.meta.get("dont_retry"):
            return response
        delay = retry_after_seconds(response.headers.get(b"Retry-After"))
        if delay is None:
            if response.status == 503:
                return response  # an ordinary 503: RetryMiddleware's business
            delay = self.default_delay
        stats = self.crawler.stats
        attempts = int(request.meta.get(RETRY_AFTER_TIMES, 0))
        if attempts >= self.max_times:
            stats.inc_value("catalogue/retry_after_gave_up")
            log.warning("gave up waiting for %s after %d answers %d", request.url, attempts + 1, response.status)
            return response
        delay = min(delay, self.max_delay)
        stats.inc_value("catalogue/retry_after")
        log.info("%s answered %d: retrying in %.1f s", request.url, response.status, delay)
        await _sleep(delay)
        retry = request.replace(dont_filter=True)
        retry.meta[RETRY_AFTER_TIMES] = attempts + 1
        return retry


class ListingGuardMiddleware:
    """Spider middleware: a listing callback that raised fails the run (see the module doc).

    Listing requests carry ``meta[LISTING] = True`` (``CatalogueSpider.listing_request``).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ListingGuardMiddleware:
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: BaseException, spider: Any = None) -> None:
        from scrapy.spidermiddlewares.httperror import HttpError

        from crawlers.spiders.base import LISTING

        request = response.request
        if request is None or not request.meta.get(LISTING) or isinstance(exception, HttpError):
            return None  # not a listing page, or a download error (the request's errback had it)
        spider = spider or getattr(self.crawler, "spider", None)
        reason = f"could not read: {type(exception).__name__}: {exception}"
        failed = getattr(spider, "listing_failed", None)
        if failed is not None:
            failed(response.url, reason)
        else:
            self.crawler.stats.set_value("catalogue/listing_failed", 1)
        return None  # Scrapy goes on: logs the traceback, counts spider_exceptions


class SeenBatchMiddleware:
    """Spider middleware: a response's :class:`~crawlers.items.SeenPosting` items leave
    as one :class:`~crawlers.items.SeenPostings` item, after its requests and other items.

    An incremental crawl yields one seen posting per unchanged listing entry (20 per pep
    listing page, a whole feed's worth for a feed); item by item, Scrapy's item machinery
    was most of such a crawl's CPU. It sits next to the spider (order 950: its output is
    the first to be processed), so the other middlewares see one item too. A callback that
    raises still hands over what it had seen (the error then goes on).
    """

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> SeenBatchMiddleware:
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any], spider: Any = None) -> Iterator[Any]:
        seen: list[SeenPosting] = []
        try:
            for out in result:
                if isinstance(out, SeenPosting):
                    seen.append(out)
                else:
                    yield out
        except Exception:
            if seen:
                yield SeenPostings(seen[0].source, seen)
            raise
        if seen:
            yield SeenPostings(seen[0].source, seen)

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any],
                                          spider: Any = None) -> AsyncIterator[Any]:
        seen: list[SeenPosting] = []
        try:
            async for out in result:
                if isinstance(out, SeenPosting):
                    seen.append(out)
                else:
                    yield out
        except Exception:
            if seen:
                yield SeenPostings(seen[0].source, seen)
            raise
        if seen:
            yield SeenPostings(seen[0].source, seen)
