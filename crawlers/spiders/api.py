"""JSON recruitment APIs: list pages, then one document per offer.

``{api}?page=N&per_page=50`` for N = 1 … ``meta.total_pages`` (pages 2… are requested as
soon as page 1 says how many there are; an API that does not say is walked until a page is
empty), then ``{api}/{id}`` for each summary whose ``updated_at`` (the ``listing_key``)
changed. A detail answering 404 (offer deleted between the list and the detail call) gives
a :class:`~crawlers.items.GonePosting`; a ``429`` is retried after its ``Retry-After`` by
:class:`crawlers.middlewares.RetryAfterMiddleware`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response
from w3lib.url import add_or_replace_parameters

from crawlers.config import SourceConfig
from crawlers.items import RawPosting
from crawlers.pages.api import ApiListPage, ApiOfferPage
from crawlers.spiders.base import CatalogueSpider, ListingEntry

log = logging.getLogger(__name__)

PER_PAGE = 50


class ApiSpider(CatalogueSpider):
    """The ``api`` kind (``api_path``, default ``/api/v1/offers``)."""

    name = "api"
    detail_content = "body"  # JSON: json.loads reads the bytes

    def list_url(self, page: int) -> str:
        return add_or_replace_parameters(self.source.entry_url, {"page": str(page), "per_page": str(PER_PAGE)})

    def detail_url(self, offer_id: int) -> str:
        base, _, query = self.source.entry_url.partition("?")
        return f"{base.rstrip('/')}/{offer_id}" + (f"?{query}" if query else "")

    def first_requests(self) -> Iterable[scrapy.Request]:
        yield self.listing_request(self.list_url(1), self.parse_list, page=1)

    def parse_list(self, response: Response) -> Iterator[Any]:
        self.count("listing_pages")
        number = int(response.meta.get("page", 1))
        try:
            page = ApiListPage(response.body, response.url)
        except ValueError as exc:
            self.listing_failed(response.url, str(exc))
            return
        if page.skipped:
            self.parse_error(response.url, f"{page.skipped} summary(ies) without an id")
        for summary in page.summaries:
            entry = ListingEntry(listing_ref=summary.listing_ref, listing_key=summary.updated_at,
                                 url=self.detail_url(summary.id), reference=summary.reference)
            yield from self.skip_or_request(entry)
        total = page.total_pages
        if number == 1 and total is not None:
            for n in range(2, total + 1):
                yield self.listing_request(self.list_url(n), self.parse_list, page=n)
        elif total is None and page.summaries:
            yield self.listing_request(self.list_url(number + 1), self.parse_list, page=number + 1)

    @staticmethod
    def read_offer(content: str | bytes, url: str, entry: ListingEntry, source: SourceConfig) -> RawPosting:
        return ApiOfferPage(content, url).to_raw(source.name, source.kind)
