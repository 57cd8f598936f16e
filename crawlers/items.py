"""Items the spiders yield: raw facts as the source publishes them.

Spiders never normalize. A :class:`RawPosting` carries each field exactly as published
(strings, or the source's own JSON objects) so that a parsing bug stays visible and
fixable later: the pipeline stores the raw item beside the normalized record
(``postings.raw``), in the spirit of zyte-common-items' ``datePublishedRaw``.

Three kinds of items flow from the spiders to the item pipelines:

* :class:`RawPosting` – one offer page (or feed item / API detail) fully read;
* :class:`SeenPosting` – a known posting whose listing entry did not change: the
  incremental crawl marks it seen without requesting its detail page (those of one listing
  page travel together as one :class:`SeenPostings`, see
  :class:`crawlers.middlewares.SeenBatchMiddleware`);
* :class:`NotOfferPage` – a page listed by the source that carries no offer (a sitemap
  URL without JobPosting): remembered so it is not fetched again while unchanged;
* :class:`GonePosting` – a posting whose own page answered 404 or 410: proof that it is
  gone, even for a source whose listing is only a window (a feed).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, TypedDict

#: the raw record fields a page object fills (see docs/ARCHITECTURE.md)
RAW_FIELDS = (
    "reference", "url", "title", "employer", "ministry", "public_service", "category",
    "contract", "location", "city", "postal_code", "department", "region", "remote",
    "salary", "published", "deadline", "description_html", "job_labels", "experience",
)


@dataclass
class RawPosting:
    """One posting as published.

    ``source`` and ``kind`` come from the sources configuration; every other field is
    what the page says, untouched except for being pulled out of its markup:

    - ``reference``: the source's own id ("2026-2561234", "DNUM-2026-0187", guid, API reference)
    - ``url``: the offer's canonical URL as the source publishes it
    - ``title``, ``employer``, ``ministry`` (parent ministry when the source states one)
    - ``public_service``: the versant as written ("Fonction publique de l'État")
    - ``category``: "Catégorie A (cadre)", "A", "A (ingénieur territorial)" ...
    - ``contract``: "Emploi ouvert aux titulaires et aux contractuels", "CDD de 3 ans",
      or schema.org ``employmentType`` (a string or a list)
    - ``location``: free text place ("27 BOULEVARD DE STALINGRAD 92240 MALAKOFF",
      "Saint-Étienne (42)"); ``city``, ``postal_code``, ``department`` ("Paris (75)",
      "Hérault"), ``region``: structured parts when the source gives them
    - ``remote``: "Oui", "Non", "Télétravail partiel possible", "TELECOMMUTE" ...
    - ``salary``: a text, a list of texts (pep's two ranges), or a dict (schema.org
      ``baseSalary`` MonetaryAmount, or the API's ``{"min", "max", "period"}``)
    - ``published``, ``deadline``: dates as written ("18/11/2026", ISO, RFC 822 ...)
    - ``description_html``: the offer's own text (missions + profile) as HTML, unsanitized
    - ``job_labels``: the source's own métier / domain labels, most specific first
      (pep "Métier de référence" then domain, JSON-LD ``occupationalCategory``,
      feed ``category`` domain, API ``job_family``)
    - ``listing_ref``: the posting's identity in the source's listing, known before the
      detail page is fetched: pep the reference in the card's URL, feed the item ``guid``,
      api the summary ``reference``, jobposting the sitemap ``<loc>`` URL as published
    - ``listing_key``: fingerprint of the listing entry this posting came from (card
      text, sitemap ``lastmod``, API ``updated_at``, feed ``pubDate``); a re-crawl skips
      the detail page while it is unchanged
    - ``detail_fetched``: False when built from the listing entry alone
    - ``extra``: any other raw fact worth keeping (experience, management ...)
    """

    source: str
    kind: str
    url: str | None = None
    reference: str | None = None
    title: str | None = None
    employer: str | None = None
    ministry: str | None = None
    public_service: str | None = None
    category: str | None = None
    contract: str | list[str] | None = None
    location: str | None = None
    city: str | None = None
    postal_code: str | None = None
    department: str | None = None
    region: str | None = None
    remote: str | None = None
    salary: str | list[str] | dict[str, Any] | None = None
    published: str | None = None
    deadline: str | None = None
    description_html: str | None = None
    job_labels: list[str] = field(default_factory=list)
    experience: str | None = None
    listing_ref: str | None = None
    listing_key: str | None = None
    fetched_at: str | None = None
    detail_fetched: bool = True
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class SeenPosting:
    """A known posting whose listing entry is unchanged: seen, not re-fetched."""

    source: str
    reference: str
    url: str | None = None
    listing_ref: str | None = None
    listing_key: str | None = None


@dataclass
class SeenPostings:
    """The :class:`SeenPosting` items of one listing page, as one item.

    Each item costs about 0.15 ms of Scrapy's item machinery (the pipelines' chain, the
    ``item_scraped`` signal and its receivers) before our pipelines do anything with it; on
    an incremental crawl nearly every listed posting is seen unchanged, so one item per
    posting was a third of the crawl process's work. Made by
    :class:`crawlers.middlewares.SeenBatchMiddleware`; stored as the postings it holds.
    """

    source: str
    postings: list[SeenPosting]


@dataclass
class NotOfferPage:
    """A listed URL that carries no offer (e.g. no JobPosting JSON-LD)."""

    source: str
    url: str
    listing_key: str | None = None
    reason: str = "no JobPosting"


@dataclass
class GonePosting:
    """A posting whose detail page answered 404/410 (skipped, counted, marked gone).

    ``reference`` is known when the listing gives it (pep, feed, api) or when the
    posting was stored before (``known``); else None and ``listing_ref`` identifies it.
    """

    source: str
    reference: str | None
    url: str
    listing_ref: str | None = None
    http_status: int = 404


class KnownEntry(TypedDict):
    """What the runner tells a spider about a listing entry it stored before.

    Spiders receive ``known: dict[str, KnownEntry]`` keyed by ``listing_ref``. When
    ``full_refresh`` is False and an entry's current ``listing_key`` equals the known one,
    the spider yields a :class:`SeenPosting` (``offer`` True) or nothing but a
    ``catalogue/non_offer_skipped`` count (``offer`` False: a page known to carry no offer)
    instead of requesting the detail page, and counts ``catalogue/detail_skipped``.
    """

    reference: str | None
    listing_key: str | None
    offer: bool
