"""Career sites with a sitemap and schema.org JobPosting pages.

Start at the sitemap (``sitemap_path``, default ``/sitemap.xml``), read with Scrapy's
:class:`scrapy.utils.sitemap.Sitemap` (a ``<urlset>``, or a ``<sitemapindex>`` whose child
sitemaps are listing pages too; stylesheet lines and comments are fine; ``.gz`` bodies are
unpacked). Each ``<loc>`` as published is the ``listing_ref``, its ``<lastmod>`` the
``listing_key``: an unchanged known page is not fetched again. A page without JobPosting
(home, about, removed offer) is a :class:`~crawlers.items.NotOfferPage`, remembered so that
it is skipped while its ``lastmod`` does not change.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap

from crawlers.config import SourceConfig
from crawlers.items import NotOfferPage, RawPosting
from crawlers.pages.jobposting import JobPostingPage
from crawlers.spiders.base import CatalogueSpider, ListingEntry

log = logging.getLogger(__name__)

_GZIP_MAGIC = b"\x1f\x8b"
#: largest unpacked sitemap accepted (the sitemaps.org limit is 50 MB)
MAX_SITEMAP_SIZE = 64 * 1024 * 1024


def read_sitemap(body: bytes) -> Sitemap | None:
    """The sitemap in ``body`` (gzipped or not), or None when it is not a sitemap."""
    if body[:2] == _GZIP_MAGIC:
        try:
            body = gunzip(body, max_size=MAX_SITEMAP_SIZE)
        except (OSError, ValueError):
            return None
    try:
        sitemap = Sitemap(body)
    except Exception:  # noqa: BLE001 - lxml raises various errors on garbage
        return None
    return sitemap if sitemap.type in ("urlset", "sitemapindex") else None


class JobPostingSpider(CatalogueSpider):
    """The ``jobposting`` kind."""

    name = "jobposting"

    def first_requests(self) -> Iterable[scrapy.Request]:
        yield self.listing_request(self.source.entry_url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Any]:
        self.count("listing_pages")
        sitemap = read_sitemap(response.body)
        if sitemap is None:
            self.listing_failed(response.url, "not a sitemap")
            return
        for entry in sitemap:
            loc = (entry.get("loc") or "").strip()
            if not loc:
                continue
            if sitemap.type == "sitemapindex":
                yield self.listing_request(loc, self.parse_sitemap)
            else:
                yield from self.skip_or_request(
                    ListingEntry(listing_ref=loc, listing_key=entry.get("lastmod") or None, url=loc))

    @staticmethod
    def read_offer(content: str | bytes, url: str, entry: ListingEntry,
                   source: SourceConfig) -> RawPosting | NotOfferPage:
        page = JobPostingPage(content, entry.url)
        raw = page.to_raw(source.name, source.kind)
        if raw is None:
            reason = "no JobPosting" if not page.invalid_scripts else "no readable JobPosting"
            return NotOfferPage(source=source.name, url=entry.listing_ref,
                                listing_key=entry.listing_key, reason=reason)
        # a JobPosting without identifier: its URL as published is the stable reference
        raw.reference = raw.reference or entry.listing_ref
        return raw
