"""Choisir le service public: the listing walk, then each offer page.

Start at ``{entry_url}page/1/`` (the "Numérique" domain listing), follow
``a.fr-pagination__link--next[href]`` until it is absent or disabled, or a page has no offer
card. Each card gives its reference (``listing_ref``) and a hash of its text
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

from crawlers.items import RawPosting
from crawlers.pages.pep import PepListingPage, PepOfferPage
from crawlers.spiders.base import CatalogueSpider, ListingEntry

log = logging.getLogger(__name__)


class PepSpider(CatalogueSpider):
    """The ``pep`` kind (``listing_path``, default ``/nos-offres/filtres/domaine/3522/``)."""

    name = "pep"

    def first_requests(self) -> Iterable[scrapy.Request]:
        yield self.listing_request(self.source.entry_url.rstrip("/") + "/page/1/", self.parse_listing)

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
        next_url = page.next_url
        if not cards:
            log.info("listing page %s has no offer card: end of the listing", response.url)
        elif next_url and self.rebase(next_url) != response.url:
            yield self.listing_request(next_url, self.parse_listing)

    def parse_offer(self, response: Response, entry: ListingEntry) -> RawPosting:
        return PepOfferPage(response.text, entry.url).to_raw(self.source.name, self.source.kind)
