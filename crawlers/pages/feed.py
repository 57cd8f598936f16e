"""Offer feeds: RSS 2.0 (emploi-territorial.fr style) and Atom (beta.gouv.fr ``/jobs.xml``).

:func:`parse_feed` reads either format with feedparser (no sanitizing, no URL rewriting:
values stay as published) into :class:`FeedEntry` objects; a plain RSS 2.0 feed, the usual
case, is read the same way several times faster by :func:`plain_rss_entries`. An RSS item
is a summary whose ``link`` leads to the offer page, read by :class:`FeedOfferPage`
(``dl.offre-infos`` ``dt``/``dd`` pairs found by their label's text; the footer's
``dl.coordonnees`` is the board's address, not offer data). An Atom entry carries the whole offer as HTML in ``content``: it
is complete on its own (:attr:`FeedEntry.has_full_offer`), no page to fetch.

RSS ``category`` elements mix three things, told apart by their wording: the fonction
publique category ("Catégorie A", "B"), the contract ("Titulaire ou contractuel"), and the
job domain ("Informatique", "Finances"); a versant ("Fonction publique territoriale") may
also appear. Atom titles read "<Rôles> - Offre de <startup>": the roles are the title, the
startup the employer (``author/name`` is kept in ``extra``).

    >>> feed = parse_feed(rss_bytes, "https://www.emploi-territorial-aura.fr/offres/rss.xml")  # doctest: +SKIP
    >>> feed.entries[0].guid, feed.entries[0].domains                                        # doctest: +SKIP
    ('ETA-2026-004560', ['Informatique'])
"""

from __future__ import annotations

import hashlib
import logging
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Mapping

import lxml.etree
from lxml.cssselect import CSSSelector

from crawlers.items import RawPosting
from crawlers.pages import first, inner_html, label_key, parse_html, text_of
from normalize.text import clean_whitespace, fold

log = logging.getLogger(__name__)

#: folded category wordings
_VERSANT = re.compile(r"^fonction publique\b")
_CATEGORY = re.compile(r"^(?:categorie\s+)?(?:a\+|a|b|c)(?:\s*\(.*\))?$")
_CONTRACT = re.compile(
    r"\b(?:titulaire|contractuel|fonctionnaire|cdd|cdi|vacat|apprenti|stage|stagiaire|alternan|interim"
    r"|emploi ouvert|detachement|mutation|contrat)")
#: Atom titles: "<Rôles> - Offre de <startup>"
_ATOM_TITLE = re.compile(r"^(?P<roles>.+)\s+[-–—]\s+offre\s+de\s+(?P<startup>.+)$", re.IGNORECASE | re.DOTALL)

_ARTICLE = CSSSelector("article.offre")
_INFOS = CSSSelector("dl.offre-infos")
_H1 = CSSSelector("h1")
_PUBLISHED = CSSSelector("p.offre-date")
_DESCRIPTION = CSSSelector("div.offre-description")

#: headings (folded prefixes) of the parts of an Atom ``content`` that are not the offer's own
#: text (CATALOGUE.md: the employer's presentation and the application details are left out)
_NOT_OFFER_HEADINGS = ("qui sommes", "qui est", "a propos de", "pour candidater", "comment candidater",
                       "candidater", "candidature", "processus de recrutement", "pour postuler", "postuler")
_HEADINGS = ("h1", "h2", "h3", "h4")


def offer_text_html(content: str | None) -> str | None:
    """The offer's own text of a whole-offer HTML (an Atom ``content``): its sections without
    the employer's presentation ("Qui sommes-nous ?") and the application details ("Pour
    candidater"), found by their heading's text; the rest (text before the first heading,
    "Votre mission", "Votre profil", "Conditions"…) in page order. Content without such
    headings is returned as it is.

    >>> offer_text_html("<h2>Qui sommes-nous ?</h2><p>Une startup.</p><h2>Mission</h2><p>Coder.</p>")
    '<h2>Mission</h2><p>Coder.</p>'
    """
    if not content or not content.strip():
        return content
    import lxml.html

    try:
        parts = lxml.html.fragments_fromstring(content)
    except (lxml.etree.ParserError, ValueError):
        return content
    elements = [part for part in parts if not isinstance(part, str)]
    if len(elements) == 1 and elements[0].tag in ("div", "section", "article") and len(parts) == 1:
        wrapper = elements[0]  # the sections inside one wrapping block
        parts = ([wrapper.text] if wrapper.text and wrapper.text.strip() else []) + list(wrapper)
    kept: list[str] = []
    lead = parts[0] if parts and isinstance(parts[0], str) else None
    skipping, dropped = False, False
    for part in parts:
        if isinstance(part, str):
            continue  # leading text: kept below, only when no section is dropped before it
        if isinstance(part.tag, str) and part.tag in _HEADINGS:
            skipping = label_key(text_of(part)).startswith(_NOT_OFFER_HEADINGS)
            dropped = dropped or skipping
        if not skipping:
            kept.append(lxml.html.tostring(part, encoding="unicode"))
    if not dropped:
        return content
    return ((lead or "") + "".join(kept)).strip() or None


#: offer page labels (folded)
EMPLOYER, SERVICE, PLACE, DEADLINE = "employeur", "service", "localisation", "date limite"
CONTRACT, CATEGORY, SALARY, REMOTE = "type de contrat", "categorie", "remuneration", "teletravail"


@lru_cache(maxsize=1024)
def category_kind(term: str | None) -> str | None:
    """What an RSS ``category`` states: "versant", "category", "contract", "domain" (None if empty).

    Cached: a feed repeats a few dozen wordings over thousands of items, and each item asks
    for each of its categories four times (:meth:`FeedEntry.to_raw`).

    >>> [category_kind(t) for t in ("Catégorie A", "Informatique", "Titulaire ou contractuel")]
    ['category', 'domain', 'contract']
    """
    key = fold(term)
    if not key:
        return None
    if _VERSANT.search(key):
        return "versant"
    if _CATEGORY.match(key):
        return "category"
    if _CONTRACT.search(key):
        return "contract"
    return "domain"


@dataclass
class FeedEntry:
    """One RSS item or Atom entry, as published."""

    guid: str | None
    link: str | None
    title: str | None
    published: str | None           # RSS pubDate (RFC 822) / Atom published, as written
    updated: str | None = None      # Atom updated, as written
    creator: str | None = None      # dc:creator / author name
    categories: list[str] = field(default_factory=list)
    summary_html: str | None = None
    content_html: str | None = None  # the full offer (Atom content, RSS content:encoded)
    domain: str | None = None        # Atom <domaine>
    atom: bool = False

    @property
    def listing_ref(self) -> str | None:
        """The entry's identity in the feed: its guid/id (else its link)."""
        return self.guid or self.link

    @property
    def listing_key(self) -> str | None:
        """Changes when the entry is republished or edited: pubDate (RSS), updated (Atom).

        An item without a date (RSS makes ``pubDate`` optional) gets a fingerprint of what it
        shows (title, link, categories, summary): a re-crawl then refetches its page only when
        the item itself changed.
        """
        key = (self.updated or self.published) if self.atom else self.published
        if key:
            return key
        shown = "\x1f".join([self.title or "", self.link or "", *self.categories, self.summary_html or ""])
        return "sha1:" + hashlib.sha1(shown.encode("utf-8")).hexdigest()[:20]

    @property
    def has_full_offer(self) -> bool:
        """True for an Atom entry with its offer in ``content``: no page to fetch."""
        return self.atom and bool(self.content_html)

    def _categories(self, kind: str) -> list[str]:
        return [c for c in self.categories if category_kind(c) == kind]

    @property
    def domains(self) -> list[str]:
        """The job domains among the categories ("Informatique"), plus the Atom ``domaine``."""
        labels = self._categories("domain")
        if self.domain and self.domain not in labels:
            labels.append(self.domain)
        return labels

    @property
    def title_and_startup(self) -> tuple[str | None, str | None]:
        """(title, startup): an Atom "<Rôles> - Offre de <startup>" title split in two."""
        if self.atom and self.title and (match := _ATOM_TITLE.match(self.title)):
            return clean_whitespace(match.group("roles")), clean_whitespace(match.group("startup"))
        return self.title, None

    def to_raw(self, source: str, kind: str = "feed", *, detail_fetched: bool | None = None) -> RawPosting:
        """The entry alone as a :class:`~crawlers.items.RawPosting`.

        ``detail_fetched`` defaults to :attr:`has_full_offer` (an RSS item alone is only a
        summary: its page was not read).
        """
        title, startup = self.title_and_startup
        extra: dict[str, Any] = {}
        if startup:
            extra["startup"] = startup
            if self.creator:
                extra["author"] = self.creator
        return RawPosting(
            source=source, kind=kind, url=self.link, reference=self.guid or self.link,
            title=title, employer=startup or self.creator,
            public_service=first(self._categories("versant")), category=first(self._categories("category")),
            contract=first(self._categories("contract")), published=self.published or self.updated,
            description_html=offer_text_html(self.content_html) or self.summary_html, job_labels=self.domains,
            listing_ref=self.listing_ref, listing_key=self.listing_key,
            detail_fetched=self.has_full_offer if detail_fetched is None else detail_fetched,
            extra=extra,
        )


@dataclass
class Feed:
    """A parsed feed: its format (``rss20``, ``atom10``… as feedparser names it) and entries."""

    version: str
    entries: list[FeedEntry]
    error: str | None = None

    @property
    def is_feed(self) -> bool:
        """False when the document is not a feed at all (HTML error page, garbage)."""
        return bool(self.version) or bool(self.entries)


def _text(value: Any) -> str | None:
    return clean_whitespace(value) if isinstance(value, str) else None


def _entry(item: Any, atom: bool) -> FeedEntry:
    content = first(c.get("value") for c in item.get("content") or [] if c.get("value"))
    return FeedEntry(
        guid=_text(item.get("id")), link=_text(item.get("link")), title=_text(item.get("title")),
        published=_text(item.get("published")), updated=_text(item.get("updated")) if atom else None,
        creator=_text(item.get("author")),
        categories=[t for t in (_text(tag.get("term")) for tag in item.get("tags") or []) if t],
        summary_html=(item.get("summary") or None) if not (atom and content) else None,
        content_html=content, domain=_text(item.get("domaine")), atom=atom,
    )


#: a Latin-1 reading of a UTF-8 sequence: lead char then the continuation chars it needs
#: (the lookahead, which every match passes, lets the regex engine skip the other positions
#: twice as fast over a large feed)
_UTF8_AS_LATIN1 = re.compile("(?=[\u00c2-\u00f4][\u0080-\u00bf])"
                             "(?:[\u00c2-\u00df][\u0080-\u00bf]|[\u00e0-\u00ef][\u0080-\u00bf]{2}"
                             "|[\u00f0-\u00f4][\u0080-\u00bf]{3})")


def redecoding_repairs(document: str) -> dict[str, str]:
    """What feedparser's re-decoding guess may have made of the ``document``'s text: garbled → written.

    feedparser "repairs" every text of a feed that would also read as UTF-8 once encoded as
    Latin-1 (its guess at double-encoded feeds, applied whatever the feed's encoding). That
    garbles real French text: "PROXIMITÉ\u00a0(F/H)" (a capital É, then a non-breaking
    space) comes out "PROXIMITɠ(F/H)". The sequences of the document that the guess can turn
    into something else are few (and usually none): each maps its garbled form back, unless
    the document itself also holds that garbled form.

    >>> redecoding_repairs("<title>PROXIMITÉ\u00a0(F/H)</title>")
    {'ɠ': 'É\xa0'}
    >>> redecoding_repairs("<title>Ingénieur·e réseau</title>")
    {}
    """
    repairs: dict[str, str] = {}
    for written in set(_UTF8_AS_LATIN1.findall(document)):
        try:
            garbled = written.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            continue
        if garbled not in document:
            repairs[garbled] = written
    return repairs


def as_published(text: str | None, repairs: Mapping[str, str]) -> str | None:
    """``text`` with feedparser's re-decoding undone (see :func:`redecoding_repairs`).

    >>> as_published("PROXIMITɠ(F/H)", {"ɠ": "É\u00a0"})
    'PROXIMITÉ\xa0(F/H)'
    """
    if not text or not repairs or text.isascii():
        return text
    for garbled, written in repairs.items():
        if garbled in text:
            text = text.replace(garbled, written)
    return text


_DC = "{http://purl.org/dc/elements/1.1/}"
#: RSS item children the plain reading knows (feedparser key of each); any other child, or
#: any attribute but ``guid``'s ``isPermaLink``, leaves the document to feedparser
_PLAIN_ITEM_CHILDREN = {"title": "title", "link": "link", "guid": "id", "pubDate": "published",
                        "description": "summary", "category": "tags", _DC + "creator": "author"}
#: namespaces (and their elements) a plain RSS 2.0 feed may use outside its items
_PLAIN_NAMESPACES = {"{http://www.w3.org/2005/Atom}": {"link"}, _DC: {"creator", "date", "rights", "language"}}
#: element names that change how feedparser reads the items around them (Atom/RDF entries,
#: text inputs, items out of place…): a channel holding them is left to feedparser
_STATEFUL_NAMES = frozenset({"feed", "entry", "rss", "channel", "item", "source", "textinput", "textInput"})
#: attributes that set feedparser's base URI (links would be resolved against it)
_BASE_ATTRIBUTES = frozenset({"base", "{http://www.w3.org/XML/1998/namespace}base"})
#: the XML declaration's encoding; the plain reading takes UTF-8 (declared or by default) only
_XML_ENCODING = re.compile(rb"^<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._-]+)[\"']")
#: a document type declaration (entities: feedparser's business, and an expansion bomb's),
#: searched in the whole document: comments may come before it
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
#: C1 controls, which feedparser maps to the windows-1252 characters
_C1 = re.compile("[\u0080-\u009f]")
#: a URL with extra slashes after its scheme (feedparser removes them; its scheme pattern
#: ``[A-Za-z0-9+-.]`` is a range that also takes ",")
_EXTRA_SLASHES = re.compile(r"^[A-Za-z][A-Za-z0-9+,\-.]*:///")


class _NotPlain(Exception):
    """The document holds something :func:`plain_rss_entries` does not read like feedparser."""


def _rewritten_by_feedparser(text: str) -> bool:
    """Whether feedparser would change this (stripped) text of a UTF-8 feed: its re-decoding
    guess (the text, encoded as Latin-1, reads as UTF-8: see :func:`redecoding_repairs`), then
    its windows-1252 mapping of C1 controls."""
    if text.isascii():
        return False
    try:
        text.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return _C1.search(text) is not None
    return True


def _plain_text(el: ET.Element) -> str:
    """An item child's text as feedparser gives it (stripped); raises :class:`_NotPlain` on markup,
    attributes or text that feedparser would rewrite."""
    if len(el) or (el.attrib and not (el.tag == "guid" and list(el.attrib) in (["isPermaLink"], ["ispermalink"]))):
        raise _NotPlain(el.tag)
    text = (el.text or "").strip()
    if _rewritten_by_feedparser(text) or (el.tag in ("link", "guid") and ("&" in text or _EXTRA_SLASHES.match(text))):
        raise _NotPlain(el.tag)
    return text


def _plain_item(item: ET.Element) -> dict[str, Any]:
    """One RSS 2.0 ``<item>`` as the dict feedparser makes of it (the keys :func:`_entry` reads)."""
    if item.attrib:
        raise _NotPlain("item attributes")
    out: dict[str, Any] = {}
    tags: list[dict[str, str]] = []
    has_link = False
    for child in item:
        key = _PLAIN_ITEM_CHILDREN.get(child.tag) if isinstance(child.tag, str) else None
        if key is None or (key == "link" and has_link) or (key not in ("tags", "link") and key in out):
            raise _NotPlain(str(child.tag))  # unknown element, or a repeated one (feedparser's rules vary)
        text = _plain_text(child)
        if key == "tags":
            if text and {"term": text} not in tags:  # feedparser drops empty and repeated terms
                tags.append({"term": text})
        elif key == "id":
            out["id"] = text
            if child.get("isPermaLink", child.get("ispermalink", "true")) == "true":
                out.setdefault("link", text)  # a permalink guid is the link of an item without one
        elif key == "link":
            out["link"], has_link = text, True
        else:
            out[key] = text
    out["tags"] = tags
    return out


def _plain_channel_element(el: ET.Element) -> bool:
    """Whether a channel element other than an item (title, image, ``atom:link``…) and what it
    holds leave feedparser's reading of the items as :func:`_plain_item` assumes."""
    for sub in el.iter():
        tag = sub.tag
        if not isinstance(tag, str) or not _BASE_ATTRIBUTES.isdisjoint(sub.attrib):
            return False
        if tag.startswith("{"):
            namespace, _, name = tag.rpartition("}")
            if name not in _PLAIN_NAMESPACES.get(namespace + "}", ()):
                return False
        elif tag in _STATEFUL_NAMES:
            return False
    return True


def plain_rss_entries(data: bytes) -> list[dict[str, Any]] | None:
    """The items of a plain RSS 2.0 feed as feedparser reads them, several times faster; None
    when the document is anything else (then feedparser reads it).

    feedparser spends about 0.7 ms per item on this machine (a SAX handler per element, its
    guesses at each text), which made the RSS feed the largest cost of a feed crawl and
    nearly all of its incremental re-crawl. A plain feed — well-formed UTF-8 (read by expat,
    feedparser's parser too), ``<rss version="2.0">`` with its items in its one ``channel``,
    each item made of text-only ``title``, ``link``, ``guid``, ``pubDate``, ``description``,
    ``category`` and ``dc:creator`` — is read here with ElementTree. Everything feedparser
    would read differently leaves the whole document to feedparser: another format, a
    doctype, a base URI, other item elements or attributes, markup inside a value, repeated
    elements, text its re-decoding guess or windows-1252 mapping would change, links it
    would rewrite (extra slashes after the scheme, ``&``). Values are stripped, as feedparser
    strips them; categories keep their first occurrence. tests/crawlers/test_pages_feed.py
    checks that both readings give the same entries.
    """
    head = data[:200]
    declared = _XML_ENCODING.match(head)
    if (not head.startswith(b"<") or (declared and declared.group(1).lower() not in (b"utf-8", b"utf8"))
            or _DTD.search(data)):
        return None
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, ValueError):
        return None  # feedparser decides what a broken document gives (its loose parser)
    if root.tag != "rss" or root.attrib != {"version": "2.0"} or len(root) != 1:
        return None
    channel = root[0]
    if channel.tag != "channel" or channel.attrib:
        return None
    items = []
    for el in channel:
        if el.tag == "item":
            items.append(el)
        elif not _plain_channel_element(el):
            return None
    try:
        return [_plain_item(item) for item in items]
    except _NotPlain as exc:
        log.debug("feed read by feedparser: %s", exc)
        return None


def parse_feed(text: str | bytes | None, url: str = "") -> Feed:
    """Parse an RSS 2.0 or Atom document (``bytes`` preferred: the XML declares its encoding).

    ``url`` (the feed's address) is only used in log messages; links stay as published.
    A plain RSS 2.0 feed is read by :func:`plain_rss_entries`, anything else by feedparser
    (same entries either way).

    Never raises: a document that is not a feed gives ``Feed(version="", entries=[])``
    with ``error`` set.
    """
    data = text.encode("utf-8") if isinstance(text, str) else (text or b"")
    plain = plain_rss_entries(data)
    if plain is not None:
        parsed: Mapping[str, Any] = {"version": "rss20", "entries": plain, "encoding": "utf-8"}
    else:
        import feedparser  # on first use: a plain RSS feed (the usual case) never needs it

        parsed = feedparser.parse(data, sanitize_html=False, resolve_relative_uris=False)
    version = parsed.get("version") or ""
    atom = version.startswith("atom")
    entries = [_entry(item, atom) for item in parsed.get("entries") or []]
    try:
        document = data.decode(parsed.get("encoding") or "utf-8", "replace")
    except LookupError:
        document = data.decode("utf-8", "replace")
    repairs = redecoding_repairs(document)
    if repairs:
        for entry in entries:
            entry.title = as_published(entry.title, repairs)
            entry.creator = as_published(entry.creator, repairs)
            entry.categories = [as_published(c, repairs) or c for c in entry.categories]
    error = str(parsed.get("bozo_exception")) if parsed.get("bozo") else None
    if error:
        log.debug("feed %s is not well-formed: %s", url, error)
    return Feed(version=version, entries=entries, error=error)


class FeedOfferPage:
    """The offer page an RSS item links to: ``article.offre`` with ``dl.offre-infos``."""

    def __init__(self, text: str | bytes | None, url: str) -> None:
        self.url = url
        doc = parse_html(text)
        article = first(_ARTICLE(doc))
        self._article = article if article is not None else doc

    @cached_property
    def infos(self) -> dict[str, str]:
        """The ``dt``/``dd`` pairs of ``dl.offre-infos``: folded label → value text."""
        out: dict[str, str] = {}
        dl = first(_INFOS(self._article))
        if dl is None:
            return out
        label = None
        for el in dl.iter("dt", "dd"):
            if el.tag == "dt":
                label = label_key(text_of(el))
            elif label and label not in out and (value := text_of(el)):
                out[label] = value
        return out

    @cached_property
    def title(self) -> str | None:
        return text_of(first(_H1(self._article)))

    @cached_property
    def published(self) -> str | None:
        """The page's publication line as written: "Publiée le 13/11/2026", "Publiée il y a 3 jours"."""
        return text_of(first(_PUBLISHED(self._article)))

    @cached_property
    def description_html(self) -> str | None:
        div = first(_DESCRIPTION(self._article))
        return (inner_html(div) or None) if div is not None else None

    @property
    def employer(self) -> str | None:
        """dd "Employeur", else dd "Service" (pages without "Employeur" name it there)."""
        return self.infos.get(EMPLOYER) or self.infos.get(SERVICE)

    def to_raw(self, entry: FeedEntry, source: str, kind: str = "feed") -> RawPosting:
        """The item completed by its page: page values win, the item fills the gaps.

        The title is the page's ``h1`` (the item's title says the same, but feed parsers may
        re-decode its characters); the publication date is the item's ``pubDate`` (a precise
        instant), else the page's publication line (possibly relative: "il y a 3 jours").
        """
        raw = entry.to_raw(source, kind, detail_fetched=True)
        infos = self.infos
        raw.title = self.title or raw.title
        raw.published = raw.published or self.published
        raw.employer = self.employer or raw.employer
        raw.category = infos.get(CATEGORY) or raw.category
        raw.contract = infos.get(CONTRACT) or raw.contract
        raw.location = infos.get(PLACE)
        raw.remote = infos.get(REMOTE)
        raw.salary = infos.get(SALARY)
        raw.deadline = infos.get(DEADLINE)
        raw.description_html = self.description_html or raw.description_html
        if infos.get(EMPLOYER) and infos.get(SERVICE):
            raw.extra["service"] = infos[SERVICE]
        return raw
