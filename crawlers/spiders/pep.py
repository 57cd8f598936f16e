"""Choisir le service public: the listing walk, then each offer page.

Start at ``{entry_url}page/1/`` (the "Numérique" domain listing), follow
``a.fr-pagination__link--next[href]`` until it is absent or disabled, or a page has no offer
card. The first page also tells how many pages there are (its pagination links to the last
one): pages 2 … N are requested at once, so that the walk does not wait for each page before
asking for the next (the "next" links then point at pages already requested, and a listing
that grew past N is still followed to its end). Each card gives its reference (``listing_ref``) and a hash of its text
(``listing_key``): an unchanged known card is marked seen without a request, the others'
offer pages are fetched and read by :class:`~crawlers.pages.pep.PepOfferPage`. A card whose
offer page answers 404/410 gives a :class:`~crawlers.items.GonePosting`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.config import SourceConfig
from crawlers.items import RawPosting
from crawlers.pages.pep import PepListingPage, PepOfferPage
from crawlers.spiders.base import CatalogueSpider, ListingEntry

log = logging.getLogger(__name__)

#: at most this many listing pages are requested at once from the first page's pagination
#: (a larger listing is walked on from there by its "next" links)
MAX_LISTING_PAGES = 1000


class PepSpider(CatalogueSpider):
    """The ``pep`` kind (``listing_path``, default ``/nos-offres/filtres/domaine/3522/``)."""

    name = "pep"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: listing URLs already requested (rebased): each page is asked for once
        self.listing_urls: set[str] = set()
        #: whether pages 2 … N were requested from the first page's pagination
        self.all_pages_requested = False

    def first_requests(self) -> Iterable[scrapy.Request]:
        yield self.listing_page(self.source.entry_url.rstrip("/") + "/page/1/")

    def listing_page(self, url: str) -> scrapy.Request:
        request = self.listing_request(url, self.parse_listing)
        self.listing_urls.add(request.url)
        return request

    def more_listing_pages(self, page: PepListingPage, response: Response) -> Iterator[scrapy.Request]:
        """The pages still to request after ``page``: all of them from the first page's
        pagination, then whatever "next" link was not requested yet."""
        urls: list[str] = []
        if not self.all_pages_requested and page.last_page is not None:
            self.all_pages_requested = True
            last = min(page.last_page[0], MAX_LISTING_PAGES)
            urls += [u for u in (page.page_url(n) for n in range(2, last + 1)) if u]
        if page.next_url:
            urls.append(page.next_url)
        for url in urls:
            rebased = self.rebase(url)
            if rebased not in self.listing_urls and rebased != response.url:
                yield self.listing_page(url)

    def parse_listing(self, response: Response) -> Iterator[Any]:
        self.count("listing_pages")
        page = PepListingPage(response.text, response.url)
        cards = page.cards
        if page.skipped_cards:
            self.parse_error(response.url, f"{page.skipped_cards} offer card(s) without a link")
        for card in cards:
            entry = ListingEntry(listing_ref=card.listing_ref, listing_key=card.listing_key,
                                 url=card.url, reference=card.reference)
            yield from self.skip_or_request(entry)
        if not cards:
            log.info("listing page %s has no offer card: end of the listing", response.url)
        else:
            yield from self.more_listing_pages(page, response)

    @staticmethod
    def read_offer(content: str | bytes, url: str, entry: ListingEntry, source: SourceConfig) -> RawPosting:
        return PepOfferPage(content, entry.url).to_raw(source.name, source.kind)
