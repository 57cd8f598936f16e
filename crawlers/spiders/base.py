"""What every catalogue spider shares: arguments, link rebasing, incremental skips, failure rules.

A spider only decides which URLs to request and in what order; the page objects of
:mod:`crawlers.pages` read the pages. Subclasses (one per source kind, ``name == kind``)
implement :meth:`CatalogueSpider.first_requests` and the listing callback, and build items in
:meth:`CatalogueSpider.read_offer`, a pure function of the page (no spider, no response) so
that detail pages can be read in a worker process (``CATALOGUE_PAGE_WORKERS``, see
:mod:`crawlers.spiders.workers` and :mod:`crawlers.settings`). The runner creates them with::

    process.crawl(crawler, source_config=source, known=known, full_refresh=False)

* ``source_config`` — the :class:`~crawlers.config.SourceConfig` (a source *name* is also
  accepted, looked up in the default configuration: handy with ``scrapy crawl -a``);
* ``known`` — ``{listing_ref: KnownEntry}`` of what the catalogue stored before: an entry
  whose ``listing_key`` did not change is not fetched again (:meth:`unchanged`);
* ``full_refresh`` — fetch every detail page whatever ``known`` says.

Links are followed as published but never leave the configured source: a link to another
host (the samples carry production URLs, a replica links to itself) is rebased onto the
source's base URL (:meth:`rebase`), and ``allowed_domains`` keeps the crawl on its host.
Items keep the URLs *as published*.

Failure rules (``../shared/sources/README.md``), counted in the ``catalogue/*`` stats:

* a listing page (listing, sitemap, feed, API list) that cannot be fetched after retries,
  or is not what it should be, or whose callback raised (``crawlers.middlewares.
  ListingGuardMiddleware``), sets ``catalogue/listing_failed`` (the run is ``failed``);
* a detail answering 404/410 yields a :class:`~crawlers.items.GonePosting`
  (``catalogue/not_found``); the crawl goes on;
* a detail that cannot be fetched (5xx after retries, timeout) or read (the page object
  raised, or the page lacks a reference or title) is logged with its URL and counted
  (``catalogue/detail_failed``, ``catalogue/parse_errors``); a posting known before is still
  marked seen (:class:`~crawlers.items.SeenPosting`): it is listed, so it is not gone.

Errors worth showing on the run record go to ``spider.catalogue_errors`` (capped).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawlers.config import SourceConfig, load_config
from crawlers.items import (
    GonePosting,
    KnownEntry,
    NotOfferPage,
    RawPosting,
    SeenPosting,
)
from crawlers.spiders.workers import PageReader

log = logging.getLogger(__name__)

#: at most this many errors are kept on the run record (counters keep counting)
MAX_ERRORS = 200
#: listing pages are scheduled before detail pages: the walk keeps the downloader busy
LISTING_PRIORITY = 10
#: detail answers that mean "this posting is gone"
GONE_STATUSES = (404, 410)
#: request meta key of the listing entry a detail request comes from
ENTRY = "catalogue_entry"
#: request meta key marking a listing request (``crawlers.middlewares.ListingGuardMiddleware``)
LISTING = "catalogue_listing"


@dataclass(frozen=True)
class ListingEntry:
    """One entry of a listing, as the detail request carries it."""

    listing_ref: str
    listing_key: str | None
    url: str                      # the detail URL as published
    reference: str | None = None  # when the listing gives it
    payload: Any = None           # kind-specific (the feed item)


def _as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def describe_failure(failure: Failure) -> str:
    """A short reason for a failed download ("HTTP 500", "TimeoutError: …")."""
    exc = failure.value
    if isinstance(exc, HttpError):
        return f"HTTP {exc.response.status}"
    return f"{type(exc).__name__}: {exc}".rstrip(": ")


class CatalogueSpider(scrapy.Spider):
    """Base class of the four source-kind spiders (never run on its own)."""

    name = "catalogue"
    #: what :meth:`read_offer` is given of a detail response: its decoded ``"text"`` or raw ``"body"``
    detail_content = "text"
    #: reads detail pages in worker processes when the crawl's settings ask for some
    page_reader: PageReader | None = None

    def __init__(self, source_config: SourceConfig | str | None = None,
                 known: dict[str, KnownEntry] | None = None, full_refresh: Any = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if source_config is None:
            raise ValueError(f"spider {self.name!r} needs a source_config argument")
        if isinstance(source_config, str):
            source_config = load_config().source(source_config)
        self.source: SourceConfig = source_config
        self.known: dict[str, KnownEntry] = dict(known or {})
        self.full_refresh = _as_bool(full_refresh)
        self.catalogue_errors: list[dict[str, str | None]] = []
        base = urlsplit(self.source.base_url)
        self._base_netloc = base.netloc.lower()
        self._base_prefix = base.path.rstrip("/")
        self.allowed_domains = [base.hostname or ""]

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CatalogueSpider:
        """The spider, with a :class:`PageReader` when ``CATALOGUE_PAGE_WORKERS`` > 0 (its workers
        start with the first detail request, so an incremental crawl that fetches no detail
        page never starts one, and stop with the spider)."""
        spider = super().from_crawler(crawler, *args, **kwargs)
        workers = crawler.settings.getint("CATALOGUE_PAGE_WORKERS", 0)
        if workers > 0:
            spider.page_reader = PageReader(workers, warm_up=(cls.__module__,))
            crawler.signals.connect(spider.close_page_reader, signal=signals.spider_closed)
        return spider

    def close_page_reader(self) -> None:
        reader = self.page_reader
        if reader is not None:
            reader.close()
            self.crawler.stats.set_value("catalogue/pages_read_in_worker", reader.offloaded)

    # ------------------------------------------------------------------ start
    def first_requests(self) -> Iterable[scrapy.Request]:
        """The first listing request(s) of the crawl."""
        raise NotImplementedError

    async def start(self) -> AsyncIterator[scrapy.Request]:  # Scrapy ≥ 2.13
        for request in self.first_requests():
            yield request

    def start_requests(self) -> Iterable[scrapy.Request]:  # older Scrapy
        return self.first_requests()

    # ------------------------------------------------------------------ counters and errors
    def count(self, name: str, n: int = 1) -> None:
        """Add ``n`` to the ``catalogue/<name>`` stat."""
        self.crawler.stats.inc_value(f"catalogue/{name}", n)

    def add_error(self, url: str | None, reason: str) -> None:
        """Keep an error for the run record (at most :data:`MAX_ERRORS`)."""
        if len(self.catalogue_errors) < MAX_ERRORS:
            self.catalogue_errors.append({"url": url, "reason": reason})

    def listing_failed(self, url: str | None, reason: str) -> None:
        """A listing page could not be fetched or read: the run will be ``failed``."""
        self.crawler.stats.set_value("catalogue/listing_failed", 1)
        self.add_error(url, f"listing: {reason}")
        log.error("listing page %s failed: %s", url, reason)

    def parse_error(self, url: str | None, reason: str) -> None:
        """A page whose extraction raised or lacks what it needs (logged, counted, kept)."""
        self.count("parse_errors")
        self.add_error(url, reason)
        log.warning("could not read %s: %s", url, reason)

    # ------------------------------------------------------------------ URLs
    def rebase(self, url: str) -> str:
        """``url`` on the source's host: a link to another host is moved onto the base URL, and
        so is a relative one (``/emploi/x/`` in a sloppy sitemap: Scrapy refuses a URL without
        scheme, and the listing callback raising would fail the run).

        >>> spider.rebase("https://choisirleservicepublic.gouv.fr/offre-emploi/x/")  # doctest: +SKIP
        'http://127.0.0.1:8123/pep/offre-emploi/x/'
        """
        parts = urlsplit(url)
        if parts.netloc.lower() == self._base_netloc or (parts.scheme and not parts.netloc):
            return url  # on our host already, or not a web link (mailto:…, see :meth:`fetch_detail`)
        base = urlsplit(self.source.base_url)
        return urlunsplit((base.scheme, base.netloc, self._base_prefix + (parts.path or "/"), parts.query, ""))

    # ------------------------------------------------------------------ requests
    def listing_request(self, url: str, callback: Callable[..., Any], **meta: Any) -> scrapy.Request:
        """A request for a listing page: its failure fails the run."""
        return scrapy.Request(self.rebase(url), callback=callback, errback=self.on_listing_error,
                              priority=LISTING_PRIORITY, meta={**meta, LISTING: True})

    def detail_request(self, entry: ListingEntry) -> scrapy.Request:
        """A request for a detail page; 404/410 reach :meth:`parse_detail` as gone."""
        callback = self.parse_detail
        if self.page_reader is not None:
            self.page_reader.start()  # once: the worker warms up while the first pages download
            callback = self.parse_detail_in_worker
        return scrapy.Request(self.rebase(entry.url), callback=callback, errback=self.on_detail_error,
                              meta={ENTRY: entry, "handle_httpstatus_list": list(GONE_STATUSES)})

    def fetch_detail(self, entry: ListingEntry) -> Iterator[Any]:
        """The detail request of ``entry``; a link Scrapy cannot request (``mailto:…``) is a
        parse error, not an exception that would end the listing callback (and fail the run)."""
        try:
            request = self.detail_request(entry)
        except ValueError as exc:
            self.parse_error(entry.url, f"cannot request the detail page: {exc}")
            yield from self.still_listed(entry)
            return
        yield request

    def on_listing_error(self, failure: Failure) -> None:
        self.listing_failed(failure.request.url, describe_failure(failure))

    def on_detail_error(self, failure: Failure) -> Iterator[SeenPosting]:
        """A detail that could not be downloaded: counted; a known posting is still seen."""
        request = failure.request
        reason = describe_failure(failure)
        self.count("detail_failed")
        self.add_error(request.url, f"detail: {reason}")
        log.warning("detail page %s failed: %s", request.url, reason)
        entry = request.meta.get(ENTRY)
        if entry is not None:
            yield from self.still_listed(entry)

    # ------------------------------------------------------------------ incremental crawl
    def unchanged(self, listing_ref: str | None, listing_key: str | None) -> KnownEntry | None:
        """The known entry when it may be skipped: same ``listing_key``, not a full refresh."""
        if self.full_refresh or not listing_ref or listing_key is None:
            return None
        known = self.known.get(listing_ref)
        if known is not None and known.get("listing_key") == listing_key:
            return known
        return None

    def skip_or_request(self, entry: ListingEntry) -> Iterator[Any]:
        """A :class:`SeenPosting` (or nothing, for a known non-offer page) when the entry is
        unchanged, else the detail request."""
        known = self.unchanged(entry.listing_ref, entry.listing_key)
        if known is None:
            yield from self.fetch_detail(entry)
            return
        self.count("detail_skipped")
        if known.get("offer", True):
            yield self.seen(entry, known)
        else:
            self.count("non_offer_skipped")

    def seen(self, entry: ListingEntry, known: KnownEntry | None = None) -> SeenPosting:
        reference = (known or {}).get("reference") or entry.reference or entry.listing_ref
        return SeenPosting(source=self.source.name, reference=reference, url=entry.url,
                           listing_ref=entry.listing_ref, listing_key=entry.listing_key)

    def still_listed(self, entry: ListingEntry) -> Iterator[SeenPosting]:
        """A posting known before whose page could not be read this time is still listed."""
        known = self.known.get(entry.listing_ref)
        if known is not None and known.get("offer", True):
            yield self.seen(entry, known)

    # ------------------------------------------------------------------ detail pages
    @staticmethod
    def read_offer(content: str | bytes, url: str, entry: ListingEntry,
                   source: SourceConfig) -> RawPosting | NotOfferPage | None:
        """Read a detail page (page object) into a raw posting, or a non-offer page.

        ``content`` is the response's text (or body, see :attr:`detail_content`), ``url`` the
        URL it was fetched from. A pure function of its (picklable) arguments: it may run in
        a worker process.
        """
        raise NotImplementedError

    def detail_input(self, response: Response) -> str | bytes:
        """What :meth:`read_offer` reads of ``response``."""
        return response.body if self.detail_content == "body" else response.text

    def parse_offer(self, response: Response, entry: ListingEntry) -> RawPosting | NotOfferPage | None:
        """:meth:`read_offer` on a response, in this process."""
        return self.read_offer(self.detail_input(response), response.url, entry, self.source)

    def parse_detail(self, response: Response) -> Iterator[Any]:
        """The detail callback: gone, non-offer, unreadable or a raw posting."""
        entry: ListingEntry = response.meta[ENTRY]
        if response.status in GONE_STATUSES:
            yield self.gone(response, entry)
            return
        self.count("detail_pages")
        try:
            item = self.parse_offer(response, entry)
        except Exception as exc:  # noqa: BLE001 - one unreadable page never stops the crawl
            yield from self.unreadable(response, entry, exc)
            return
        yield from self.detail_items(response, entry, item)

    async def parse_detail_in_worker(self, response: Response) -> AsyncIterator[Any]:
        """:meth:`parse_detail`, the page read by :attr:`page_reader` (in a worker process)."""
        entry: ListingEntry = response.meta[ENTRY]
        if response.status in GONE_STATUSES:
            yield self.gone(response, entry)
            return
        self.count("detail_pages")
        reader = self.page_reader
        assert reader is not None
        try:
            item = await reader.run(self.read_offer, self.detail_input(response), response.url, entry, self.source)
        except Exception as exc:  # noqa: BLE001 - one unreadable page never stops the crawl
            for out in self.unreadable(response, entry, exc):
                yield out
            return
        for out in self.detail_items(response, entry, item):
            yield out

    def gone(self, response: Response, entry: ListingEntry) -> GonePosting:
        """A detail page answering 404/410: the posting is gone."""
        self.count("not_found")
        known = self.known.get(entry.listing_ref) or {}
        return GonePosting(source=self.source.name, reference=entry.reference or known.get("reference"),
                           url=entry.url, listing_ref=entry.listing_ref, http_status=response.status)

    def unreadable(self, response: Response, entry: ListingEntry, exc: Exception) -> Iterator[SeenPosting]:
        """A page whose extraction raised: logged with its URL, counted; a known posting is still seen.

        A ``ValueError`` is how page objects say "this is not the page I expected" (an API
        document that is not JSON): one warning line. Anything else is a bug worth its
        traceback (logged once, at ERROR).
        """
        reason = f"extraction failed: {type(exc).__name__}: {exc}"
        if isinstance(exc, ValueError):
            self.parse_error(response.url, reason)
        else:
            self.count("parse_errors")
            self.add_error(response.url, reason)
            log.error("could not read %s: %s", response.url, reason, exc_info=exc)
        yield from self.still_listed(entry)

    def detail_items(self, response: Response, entry: ListingEntry,
                     item: RawPosting | NotOfferPage | None) -> Iterator[Any]:
        """What a read detail page gives: a non-offer page, nothing, or the completed raw posting
        (a posting without reference or title is a parse error)."""
        if isinstance(item, NotOfferPage):
            self.count("non_offer_pages")
            # a counted warning (issue: "pages without a JobPosting are skipped with a counted
            # warning"); a page known not to be an offer is not fetched again while unchanged
            log.warning("no offer on %s (%s): skipped", entry.url, item.reason)
            yield item
            return
        if item is None:
            return
        self.complete(item, entry)
        missing = [name for name in ("reference", "title") if not getattr(item, name)]
        if missing:
            self.parse_error(response.url, f"no {' and no '.join(missing)} found")
            yield from self.still_listed(entry)
            return
        yield item

    def complete(self, raw: RawPosting, entry: ListingEntry) -> RawPosting:
        """Fill what the listing knows: identity, fingerprint, fetch time, fallbacks."""
        raw.source, raw.kind = self.source.name, self.source.kind
        raw.listing_ref = entry.listing_ref
        raw.listing_key = entry.listing_key
        raw.reference = raw.reference or entry.reference
        raw.url = raw.url or entry.url
        raw.fetched_at = datetime.now(UTC).isoformat(timespec="seconds")
        return raw
