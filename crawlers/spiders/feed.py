"""Offer feeds (RSS 2.0 and Atom): the feed, then each digital item's page.

Start at the feed (``feed_path``, default ``/offres/rss.xml``). Each item's ``guid`` is its
``listing_ref`` and its ``pubDate`` (Atom: ``updated``) its ``listing_key``: an unchanged
known item is marked seen without a request. Then:

* an Atom entry carries the whole offer in ``content``: it is the posting, no page fetched;
* an RSS item of a source that is not ``digital_only`` is first classified from the item
  alone (title and domain categories, :func:`normalize.classify.classify`): a job that is
  not digital is yielded from the item with ``detail_fetched=False`` — its page is never
  requested (the feed lists all job kinds, most of them not digital);
* the other items' pages are fetched and read by :class:`~crawlers.pages.feed.FeedOfferPage`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlers.config import SourceConfig
from crawlers.items import RawPosting
from crawlers.pages.feed import FeedEntry, FeedOfferPage, parse_feed
from crawlers.spiders.base import CatalogueSpider, ListingEntry

log = logging.getLogger(__name__)


class FeedSpider(CatalogueSpider):
    """The ``feed`` kind."""

    name = "feed"

    def first_requests(self) -> Iterable[scrapy.Request]:
        yield self.listing_request(self.source.entry_url, self.parse_feed)

    def is_digital(self, item: FeedEntry) -> bool:
        """Whether the item alone looks like a digital job (always, for a ``digital_only`` source)."""
        if self.source.digital_only:
            return True
        from normalize.classify import classify  # loaded on first use (see pipeline.forkserver)

        return classify(item.title_and_startup[0] or "", labels=item.domains).is_digital

    def parse_feed(self, response: Response) -> Iterator[Any]:
        self.count("listing_pages")
        feed = parse_feed(response.body, response.url)
        if not feed.is_feed:
            self.listing_failed(response.url, f"not a feed ({feed.error or 'no entries'})")
            return
        for item in feed.entries:
            if not item.listing_ref:
                self.parse_error(response.url, f"feed entry without guid or link: {item.title!r}")
                continue
            entry = ListingEntry(listing_ref=item.listing_ref, listing_key=item.listing_key,
                                 url=item.link or item.listing_ref, reference=item.guid or item.link, payload=item)
            known = self.unchanged(entry.listing_ref, entry.listing_key)
            if known is not None:
                self.count("detail_skipped")
                yield self.seen(entry, known)
            elif item.has_full_offer or not item.link:
                yield self.complete(item.to_raw(self.source.name, self.source.kind), entry)
            elif not self.is_digital(item):
                self.count("not_fetched")
                yield self.complete(item.to_raw(self.source.name, self.source.kind, detail_fetched=False), entry)
            else:
                yield from self.fetch_detail(entry)

    @staticmethod
    def read_offer(content: str | bytes, url: str, entry: ListingEntry, source: SourceConfig) -> RawPosting:
        return FeedOfferPage(content, entry.url).to_raw(entry.payload, source.name, source.kind)
