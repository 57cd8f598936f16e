"""Choisir le service public (ex Place de l'emploi public): listing pages and offer pages.

The 2026 markup (WordPress theme with the French state design system, DSFR), described in
``../shared/sources/README.md``. Two page objects:

* :class:`PepListingPage` — ``/nos-offres/filtres/domaine/3522/page/N/``: the offer
  :attr:`~PepListingPage.cards` (what a card alone tells, enough to skip an unchanged offer),
  the :attr:`~PepListingPage.next_url` of the DSFR pagination, and the
  :attr:`~PepListingPage.last_page` it links to (with :meth:`~PepListingPage.page_url`, every
  page of the listing can be requested at once instead of one after the other);
* :class:`PepOfferPage` — ``/offre-emploi/{slug}-reference-{REF}/``: one property per raw
  field and :meth:`~PepOfferPage.to_raw`.

The record fields come from the hero (``div.strate-hero-offer``: title, versant, employer,
place, domain tag, deadline line, facts table) and the "Vos missions…" and "Profil
recherché" sections, the only text of ``description_html``. The page's other facts are kept
in the raw item's ``extra`` (plain text, absent when the page lacks them), never in the
description: the apply button (``apply_email`` of a "Postuler par mail" ``mailto:``,
``apply_url`` of "Postuler sur le site employeur"), the "Éléments de candidature" callouts
(``application_details``), "Qui sommes-nous ?" (``employer_presentation``) and the "À propos
de l'offre" accordions (``additional_information``, ``working_conditions``, ``legal_basis``,
``vacancy``; an accordion of unknown title goes to ``other_accordions`` with its title as
published; "Métier de référence" is a job label). The "Des offres d'emplois recommandées pour
vous" cards and the footer are not the offer. Every fact is found by its label's text
(:func:`~crawlers.pages.label_key`), never by its position. The site's non-standard JSON-LD
after ``</main>`` is read only when the HTML lacks a value.

    >>> page = PepListingPage(listing_html, "https://choisirleservicepublic.gouv.fr/…/page/1/")  # doctest: +SKIP
    >>> [c.reference for c in page.cards][:2], page.next_url                                    # doctest: +SKIP
    (['2026-2566102', '2026-2564470'], 'https://…/nos-offres/filtres/domaine/3522/page/2/')
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any
from urllib.parse import SplitResult, unquote, urljoin, urlsplit, urlunsplit

from lxml.cssselect import CSSSelector

from crawlers.items import RawPosting
from crawlers.pages import (
    all_text,
    fingerprint,
    first,
    has_classes,
    has_type,
    jsonld_objects,
    label_key,
    outer_html,
    parse_html,
    select,
    text_of,
)
from normalize.text import clean_whitespace

# ---------------------------------------------------------------- selectors
# The pages are parsed into plain ``lxml.etree`` elements (``parse_html(…, html_elements=False)``)
# and most selectors are written with :func:`~crawlers.pages.select`, their CSS in their
# docstring or comment: lxml's C tag filter hands Python only the elements of the selector's
# tag, where cssselect's XPath tests the class of every element of the scope with
# ``normalize-space()`` (the hero of an offer page: ~15 µs against ~100 µs), and a small
# scope (a card, an ``li``) is searched without an XPath evaluation's set-up. The one search
# of a whole listing page for its cards stays a CSSSelector: a single call, faster there.
_OFFER_CARDS = CSSSelector("ul.fr-grid-row > li.fr-col-12.item > div.fr-card.fr-card--offer")


def _children_of(scope: Any, tag: str, classes: tuple[str, ...], parent: str, *parent_classes: str) -> Iterator[Any]:
    """CSS ``parent.classes… > tag.classes…`` called on ``scope``, in document order."""
    for el in scope.iterdescendants(tag):
        if has_classes(el, *classes) and _is(el.getparent(), parent, *parent_classes):
            yield el


def _inside(outer: Iterator[Any], tag: str, *classes: str) -> Iterator[Any]:
    """CSS ``A tag.classes…`` (``outer`` the ``A`` matches, in document order): the first
    element yielded is the first match in document order, which is all it is used for."""
    for scope in outer:
        for el in select(scope, tag, *classes):
            if el is not scope:
                yield el


def _is(el: Any, tag: str, *classes: str) -> bool:
    """Whether ``el`` (maybe None) is a ``tag.classes…``."""
    return el is not None and el.tag == tag and has_classes(el, *classes)


def _accordion_title(section: Any) -> Any:
    """``.fr-accordion__btn, .fr-accordion__title`` (the first of either)."""
    return first(el for el in select(section, "*")
                 if has_classes(el, "fr-accordion__btn") or has_classes(el, "fr-accordion__title"))


def _links(scope: Any) -> Iterator[Any]:
    """``a[href]``."""
    return (a for a in scope.iter("a") if a.get("href") is not None)


#: the page number at the end of a listing URL's path: ``…/page/12/``
_PAGE_NUMBER = re.compile(r"/page/(\d+)/?$")
#: the reference at the end of an offer URL: ``…-reference-2026-2561234/``
_URL_REFERENCE = re.compile(r"-reference-([^/?#]+)/?$")
#: a department code between parentheses: "(75)", "(2A)", "(974)"
_DEPARTMENT_CODE = re.compile(r"\(\s*(\d{2,3}|2[AB])\s*\)", re.IGNORECASE)
_ONLINE_SINCE = re.compile(r"^\s*en\s+ligne\s+depuis\s+le\s+", re.IGNORECASE)
_DEADLINE_LINE = re.compile(r"date\s+limite\s+de\s+candidature\s*:?\s*(.*)$", re.IGNORECASE | re.DOTALL)

#: card facts: hidden label (folded) → field; the icon class is the fallback for unlabelled items
_CARD_LABELS = {"localisation": "location", "fonction publique": "versant", "employeur": "employer"}
_CARD_ICONS = {"fr-icon-map-pin-2-line": "location", "fr-icon-file-line": "versant",
               "fr-icon-user-line": "employer", "fr-icon-calendar-line": "published"}

#: facts table labels (folded)
CONTRACT, EXPERIENCE, SALARY = "nature de l'emploi", "experience souhaitee", "remuneration"
CATEGORY, MANAGEMENT, REMOTE = "categorie", "management", "teletravail possible"
#: headings of the description sections (folded prefixes), in page order
_DESCRIPTION_HEADINGS = ("vos missions", "profil recherche")
_METIER_ACCORDION = "metier de reference"
#: "À propos de l'offre" accordions: folded title prefix → ``extra`` key (a title matching
#: none of them is kept in ``other_accordions``)
_ACCORDION_FIELDS = (
    ("informations", "additional_information"),   # "Informations complémentaires"
    ("conditions", "working_conditions"),          # "Conditions particulières d’exercice"
    ("fondement", "legal_basis"),                  # "Fondement juridique"
    ("statut", "vacancy"),                         # "Statut du poste": "Vacant à partir du …"
)
#: headings (folded prefixes) of the sections kept apart from the description
_EMPLOYER_HEADING, _APPLICATION_HEADING = "qui sommes-nous", "elements de candidature"
#: labels (folded prefixes) of the hero's apply button: "Postuler par mail", "… sur le site employeur"
_APPLY_LABELS = ("postuler", "candidater")
#: how many levels above its heading a section's text is looked for ("Qui sommes-nous ?" is
#: alone in its own ``div.fr-grid-row``)
_SECTION_CLIMB = 3


def reference_from_url(url: str | None) -> str | None:
    """The offer reference at the end of a pep offer URL, else None.

    >>> reference_from_url("https://choisirleservicepublic.gouv.fr/offre-emploi/data-engineer-fh-reference-2026-2552377/")
    '2026-2552377'
    """
    if not url:
        return None
    match = _URL_REFERENCE.search(urlsplit(url).path)
    return match.group(1) if match else None


def _department_code(text: str | None) -> str | None:
    match = _DEPARTMENT_CODE.search(text or "")
    return match.group(1).upper() if match else None


# ====================================================================== listing
class PepCard:
    """What one listing card says (raw, as published), one property per field.

    Its identity (:attr:`url`, :attr:`reference`, :attr:`listing_key`) is read at once: it
    is all an incremental crawl needs of the cards it skips, most of them. The other fields
    are read from the card's markup when first asked for.
    """

    def __init__(self, card: Any, link: Any, page_url: str) -> None:
        self._card, self._link = card, link
        #: the offer page's URL, absolute
        self.url: str = urljoin(page_url, link.get("href").strip())
        self.reference = reference_from_url(self.url)
        #: hash of the card's text: changes when the card changes
        self.listing_key = fingerprint(self.url, all_text(card))

    @classmethod
    def read(cls, card: Any, page_url: str) -> PepCard | None:
        """The card ``div.fr-card--offer``, None when it has no usable link
        (``h3.fr-card__title a[href]``)."""
        link = first(a for a in _inside(select(card, "h3", "fr-card__title"), "a") if a.get("href", "").strip())
        if link is None:
            return None
        return cls(card, link, page_url)

    def __repr__(self) -> str:
        return f"PepCard(url={self.url!r}, reference={self.reference!r}, listing_key={self.listing_key!r})"

    @property
    def listing_ref(self) -> str:
        """The card's identity in the listing: its reference (else its URL)."""
        return self.reference or self.url

    @cached_property
    def _facts(self) -> dict[str, Any]:
        """The ``ul.fr-card__desc > li`` facts: field → its ``li`` (the first of each), found
        by the hidden label (:data:`_CARD_LABELS`), else the icon class (:data:`_CARD_ICONS`)."""
        facts: dict[str, Any] = {}
        for li in _children_of(self._card, "li", (), "ul", "fr-card__desc"):
            label = label_key(text_of(first(select(li, "*", "sr-only")), with_hidden=True))
            field = _CARD_LABELS.get(label) or next(
                (f for cls, f in _CARD_ICONS.items() if cls in (li.get("class") or "").split()), None)
            if field and field not in facts:
                facts[field] = li
        return facts

    @cached_property
    def title(self) -> str | None:
        return text_of(self._link)

    @cached_property
    def employer(self) -> str | None:
        return text_of(self._facts.get("employer"))

    @cached_property
    def location(self) -> str | None:
        """The card's place label without its code: "Paris", "Seine Saint Denis"."""
        li = self._facts.get("location")
        return None if li is None else text_of(li, skip=li.iter("strong"))

    @cached_property
    def department_code(self) -> str | None:
        """The code in ``<strong>(…)</strong>``: "75", "2A", "974"."""
        li = self._facts.get("location")
        return None if li is None else _department_code(text_of(li))

    @cached_property
    def versant(self) -> str | None:
        """"Fonction publique de l'État"."""
        return text_of(self._facts.get("versant"))

    @cached_property
    def published(self) -> str | None:
        """The date after "En ligne depuis le": "20 novembre 2026"."""
        li = self._facts.get("published")
        return None if li is None else clean_whitespace(_ONLINE_SINCE.sub("", text_of(li) or ""))

    @cached_property
    def domain(self) -> str | None:
        """The domain tag (``div.fr-card__start .fr-tag``): "Numérique"."""
        return text_of(first(_inside(select(self._card, "div", "fr-card__start"), "*", "fr-tag")))


class PepListingPage:
    """A listing page: its offer cards and the link to the next page."""

    def __init__(self, text: str | bytes | None, url: str) -> None:
        self.url = url
        self._doc = parse_html(text, html_elements=False)
        #: offer cards without a usable link (counted by the spider as parse errors)
        self.skipped_cards = 0

    @cached_property
    def cards(self) -> list[PepCard]:
        """The offer cards, in page order (the non-offer cards are not offer cards)."""
        out = []
        for card in _OFFER_CARDS(self._doc):
            parsed = PepCard.read(card, self.url)
            if parsed is None:
                self.skipped_cards += 1
            else:
                out.append(parsed)
        return out

    @cached_property
    def next_url(self) -> str | None:
        """The "Page suivante" link, absolute; None on the last page (absent or disabled)."""
        link = first(_inside(select(self._doc, "nav", "fr-pagination"), "a", "fr-pagination__link--next"))
        if link is None or link.get("aria-disabled") == "true":
            return None
        href = (link.get("href") or "").strip()
        return urljoin(self.url, href) if href else None

    @cached_property
    def last_page(self) -> tuple[int, str] | None:
        """``(number, absolute URL)`` of the highest page the pagination links to ("Dernière
        page", or the last numbered link), None without a ``…/page/N/`` link.

        >>> PepListingPage(page_1_of_207, url).last_page                            # doctest: +SKIP
        (207, 'https://choisirleservicepublic.gouv.fr/nos-offres/filtres/domaine/3522/page/207/')
        """
        best: tuple[int, str] | None = None
        for link in self._pagination_links():
            href = (link.get("href") or "").strip()
            if not href:
                continue
            url = urljoin(self.url, href)
            match = _PAGE_NUMBER.search(urlsplit(url).path)
            if match and (best is None or int(match.group(1)) > best[0]):
                best = (int(match.group(1)), url)
        return best

    def _pagination_links(self) -> Iterator[Any]:
        """``nav.fr-pagination a[href]``, in document order."""
        for link in _links(self._doc):
            if any(has_classes(nav, "fr-pagination") for nav in link.iterancestors("nav")):
                yield link

    def page_url(self, number: int) -> str | None:
        """The URL of listing page ``number``, written like the pagination's own links (the
        :attr:`last_page` URL with its number replaced); None when there is no such link."""
        if self._last_page_parts is None:
            return None
        parts = self._last_page_parts
        path = _PAGE_NUMBER.sub(lambda m: m.group(0).replace(m.group(1), str(number)), parts.path)
        return urlunsplit(parts._replace(path=path))

    @cached_property
    def _last_page_parts(self) -> SplitResult | None:
        """The :attr:`last_page` URL split once (the spider asks for every page's URL)."""
        return None if self.last_page is None else urlsplit(self.last_page[1])


# ====================================================================== offer page
class PepOfferPage:
    """One offer page; each raw field is a property, :meth:`to_raw` assembles them."""

    def __init__(self, text: str | bytes | None, url: str) -> None:
        self.url = url
        self._doc = parse_html(text, html_elements=False)
        main = first(select(self._doc, "main", "main-content-single-offer"))
        self._main = main if main is not None else first(self._doc.iter("main"))
        self._hero = first(select(self._main, "div", "strate-hero-offer")) if self._main is not None else None
        #: where the hero facts are looked for: the hero, else the whole ``main``
        self._hero_scope = self._hero if self._hero is not None else self._main

    # ------------------------------------------------------------------ helpers
    @cached_property
    def _inputs(self) -> dict[str, str]:
        """The hidden analytics inputs (``content_dept``, ``content_reg``…): id → value."""
        out: dict[str, str] = {}
        for el in self._doc.iter("input"):  # //input[@type = "hidden"]
            if el.get("type") != "hidden":
                continue
            key = el.get("id") or el.get("name")
            if key and key not in out:
                out[key] = el.get("value") or ""
        return out

    def _input(self, name: str) -> str | None:
        return clean_whitespace(self._inputs.get(name))

    @cached_property
    def _cells(self) -> dict[str, Any]:
        """The facts table (``ul.table > li.table-cell``): folded label → its cell."""
        cells: dict[str, Any] = {}
        scope = self._hero if self._hero is not None else self._doc
        for cell in _children_of(scope, "li", ("table-cell",), "ul", "table"):
            label = first(cell.iter("strong"))
            key = label_key(text_of(label))
            if key and key not in cells:
                cells[key] = cell
        return cells

    def _cell_value(self, key: str) -> str | None:
        cell = self._cells.get(key)
        return None if cell is None else text_of(cell, skip=cell.iter("strong"))

    def _hero_fact(self, tag: str, *classes: str) -> str | None:
        """The text of the hero's first ``tag.classes…``."""
        scope = self._hero_scope
        return None if scope is None else text_of(first(select(scope, tag, *classes)))

    @cached_property
    def _jsonld(self) -> dict[str, Any]:
        """The site's own (non-standard) JobPosting JSON-LD: a fallback only."""
        objects, _ = jsonld_objects(self._doc)
        return first(o for o in objects if has_type(o, "JobPosting")) or {}

    def _ld(self, *path: str) -> str | None:
        value: Any = self._jsonld
        for key in path:
            if isinstance(value, list):
                value = first(value)
            if not isinstance(value, dict):
                return None
            value = value.get(key)
        if isinstance(value, dict):
            value = value.get("name")
        return clean_whitespace(html.unescape(value)) if isinstance(value, str) else None

    @cached_property
    def _headings(self) -> list[tuple[str, Any]]:
        """The ``h2`` of ``main`` with their folded titles, in page order (read once: the
        description and two sections look them up)."""
        if self._main is None:
            return []
        return [(label_key(text_of(h2)), h2) for h2 in self._main.iter("h2")]

    @staticmethod
    def _until_next_heading(node: Any) -> list[Any]:
        """The elements after ``node`` among its siblings, up to the next ``h2`` (or the next
        element holding one); comments are skipped."""
        parts: list[Any] = []
        sibling = node.getnext()
        while sibling is not None:
            if isinstance(sibling.tag, str):
                if first(sibling.iter("h2")) is not None:  # the sibling is, or holds, an h2
                    break
                parts.append(sibling)
            sibling = sibling.getnext()
        return parts

    def _section(self, heading: str) -> list[Any]:
        """The elements of the ``h2`` section whose title starts with ``heading`` (folded):
        the heading's following siblings up to the next ``h2``; when the heading stands alone
        in its container, the container's (up to :data:`_SECTION_CLIMB` levels). ``[]`` when
        the page has no such section or it holds no text."""
        node = first(h2 for key, h2 in self._headings if key.startswith(heading))
        for _ in range(_SECTION_CLIMB):
            if node is None or node is self._main:
                break
            parts = self._until_next_heading(node)
            if any(text_of(part) for part in parts):
                return parts
            node = node.getparent()
        return []

    @cached_property
    def _accordions(self) -> list[tuple[str | None, str, str | None]]:
        """The ``section.fr-accordion`` of ``main``: ``(title as published, folded title,
        text)``, in page order (read once: the métier and the "À propos" fields need them)."""
        out = []
        for section in select(self._main, "section", "fr-accordion") if self._main is not None else ():
            title = text_of(_accordion_title(section))
            out.append((title, label_key(title), text_of(first(select(section, "*", "fr-collapse")))))
        return out

    @cached_property
    def _about(self) -> dict[str, Any]:
        """The "À propos de l'offre" accordions' texts: ``extra`` key (:data:`_ACCORDION_FIELDS`)
        → text; ``other_accordions`` → ``[{"title": title as published or None, "text": …}]``
        for the unknown or missing titles (and a second accordion of a known kind), in page
        order. Empty accordions are left out."""
        out: dict[str, Any] = {}
        others: list[dict[str, str | None]] = []
        for title, key, text in self._accordions:
            if not text or key == _METIER_ACCORDION:
                continue
            field = next((f for prefix, f in _ACCORDION_FIELDS if key.startswith(prefix)), None)
            if field and field not in out:
                out[field] = text
            else:
                others.append({"title": title, "text": text})
        if others:
            out["other_accordions"] = others
        return out

    @cached_property
    def _apply_hrefs(self) -> list[str]:
        """The hrefs of the hero's apply buttons (found by their label), as published."""
        scope = self._hero_scope
        if scope is None:
            return []
        return [a.get("href").strip() for a in _links(scope)
                if label_key(text_of(a)).startswith(_APPLY_LABELS) and a.get("href").strip()]

    # ------------------------------------------------------------------ raw fields
    @cached_property
    def reference(self) -> str | None:
        if self._main is not None and (ref := clean_whitespace(self._main.get("data-reference"))):
            return ref
        return (self._input("content_ref") or self._hero_fact("p", "number")
                or reference_from_url(self.url))

    @cached_property
    def canonical_url(self) -> str:
        link = first(el for el in self._doc.iter("link") if el.get("rel") == "canonical")
        href = (link.get("href") or "").strip() if link is not None else ""
        return urljoin(self.url, href) if href else self.url

    @cached_property
    def title(self) -> str | None:
        return self._hero_fact("h1") or self._ld("title")

    @cached_property
    def employer(self) -> str | None:
        return self._hero_fact("li", "ic--user") or self._ld("hiringOrganization") or self._input("content_entite")

    @cached_property
    def public_service(self) -> str | None:
        return self._hero_fact("li", "ic--file") or self._input("content_versant")

    @cached_property
    def location(self) -> str | None:
        return self._hero_fact("li", "ic--pin")

    @cached_property
    def department(self) -> str | None:
        return self._input("content_dept") or self._ld("jobLocation", "address", "postalCode")

    @cached_property
    def region(self) -> str | None:
        return self._input("content_reg") or self._ld("jobLocation", "address", "addressRegion")

    @cached_property
    def category(self) -> str | None:
        return self._cell_value(CATEGORY) or self._input("content_categorie")

    @cached_property
    def contract(self) -> str | None:
        return self._cell_value(CONTRACT)

    @cached_property
    def experience(self) -> str | None:
        return self._cell_value(EXPERIENCE) or self._ld("experienceRequirements")

    @cached_property
    def management(self) -> str | None:
        return self._cell_value(MANAGEMENT)

    @cached_property
    def remote(self) -> str | None:
        return self._cell_value(REMOTE)

    @cached_property
    def salary(self) -> list[str] | None:
        """The "Rémunération" cell's range texts (contract staff, civil servants), or None."""
        cell = self._cells.get(SALARY)
        if cell is None:
            fallback = self._ld("baseSalary")
            return [fallback] if fallback else None
        ranges = [t for t in (text_of(r) for r in select(cell, "*", "offer-result")) if t]
        if ranges:
            return ranges
        value = self._cell_value(SALARY)
        return [value] if value else None

    @cached_property
    def published(self) -> str | None:
        """The first publication date, "dd/mm/yyyy" (hidden analytics inputs)."""
        day, month, year = (self._input(f"content_startPublicationDate_{p}") for p in ("day", "month", "year"))
        if day and month and year:
            return f"{day.zfill(2)}/{month.zfill(2)}/{year}"
        return self._ld("datePosted")

    @cached_property
    def deadline(self) -> str | None:
        """The text after "Date limite de candidature" (absent on many offers)."""
        if self._hero is None:
            return None
        for p in self._hero.iter("p"):
            text = text_of(p)
            if text and label_key(text).startswith("date limite de candidature"):
                match = _DEADLINE_LINE.search(text)
                return clean_whitespace(match.group(1)) if match else None
        return None

    @cached_property
    def description_html(self) -> str | None:
        """The "Vos missions…" and "Profil recherché" sections' HTML, in page order."""
        parts = [outer_html(el) for key, h2 in self._headings if key.startswith(_DESCRIPTION_HEADINGS)
                 for el in (h2, *self._until_next_heading(h2))]
        if parts:
            return "\n".join(parts)
        text = self._jsonld.get("Description") or self._jsonld.get("description")
        if isinstance(text, str) and text.strip():
            return "<p>" + html.escape(text.strip()).replace("\n", "<br>") + "</p>"
        return None

    @cached_property
    def metier(self) -> str | None:
        """The official métier of the "Métier de référence" accordion."""
        for _, key, text in self._accordions:
            if key == _METIER_ACCORDION:
                return text
        return self._input("content_metier")

    @property
    def additional_information(self) -> str | None:
        """The "Informations complémentaires" accordion."""
        return self._about.get("additional_information")

    @property
    def working_conditions(self) -> str | None:
        """The "Conditions particulières d’exercice" accordion."""
        return self._about.get("working_conditions")

    @property
    def legal_basis(self) -> str | None:
        """The "Fondement juridique" accordion."""
        return self._about.get("legal_basis")

    @property
    def vacancy(self) -> str | None:
        """The "Statut du poste" accordion: "Vacant à partir du 01/10/2026"."""
        return self._about.get("vacancy")

    @property
    def other_accordions(self) -> list[dict[str, str | None]] | None:
        """The accordions of unknown title, ``[{"title": …, "text": …}]`` in page order, or None."""
        return self._about.get("other_accordions")

    @cached_property
    def apply_email(self) -> str | None:
        """The address of the "Postuler par mail" button's ``mailto:`` (without its subject)."""
        for href in self._apply_hrefs:
            if href[:7].lower() == "mailto:":
                address = clean_whitespace(unquote(href[7:].split("?", 1)[0]))
                if address:
                    return address
        return None

    @cached_property
    def apply_url(self) -> str | None:
        """The "Postuler sur le site employeur" button's URL, absolute."""
        for href in self._apply_hrefs:
            url = urljoin(self.url, href)
            if urlsplit(url).scheme in ("http", "https"):
                return url
        return None

    @cached_property
    def employer_presentation(self) -> str | None:
        """The "Qui sommes-nous ?" text, its "Afficher la suite" part included (not the button)."""
        parts = self._section(_EMPLOYER_HEADING)
        return clean_whitespace(" ".join(
            filter(None, (text_of(part, skip=part.iter("button")) for part in parts)))) if parts else None

    @cached_property
    def application_details(self) -> str | None:
        """The "Éléments de candidature" callouts, one line each: "Documents à transmettre : CV
        et lettre de motivation" (a callout without title: its text alone)."""
        parts = self._section(_APPLICATION_HEADING)
        lines = []
        for callout in (c for part in parts for c in select(part, "*", "fr-callout")):
            title = text_of(first(select(callout, "*", "fr-callout__title")))
            text = text_of(first(select(callout, "*", "fr-callout__text")), skip=callout.iter("button"))
            if text:
                lines.append(f"{title} : {text}" if title else text)
        if not lines:  # no callout markup: the section's text as it stands
            lines = [t for t in (text_of(part) for part in parts) if t]
        return "\n".join(lines) or None

    @cached_property
    def domain(self) -> str | None:
        """The hero's domain tag (``a.fr-tag[href*="/metiers/"]``)."""
        tag = None if self._hero_scope is None else first(
            a for a in select(self._hero_scope, "a", "fr-tag") if "/metiers/" in a.get("href", ""))
        return text_of(tag) or self._input("content_domaine")

    @property
    def job_labels(self) -> list[str]:
        """The métier, then the domain tag."""
        return [label for label in (self.metier, self.domain) if label]

    def to_raw(self, source: str, kind: str = "pep") -> RawPosting:
        """The page as a :class:`~crawlers.items.RawPosting` (``url`` the canonical URL)."""
        extra = {key: value for key, value in (
            ("management", self.management),
            ("additional_information", self.additional_information),
            ("working_conditions", self.working_conditions),
            ("legal_basis", self.legal_basis),
            ("vacancy", self.vacancy),
            ("other_accordions", self.other_accordions),
            ("apply_email", self.apply_email),
            ("apply_url", self.apply_url),
            ("employer_presentation", self.employer_presentation),
            ("application_details", self.application_details),
        ) if value}
        return RawPosting(
            source=source, kind=kind, url=self.canonical_url, reference=self.reference,
            title=self.title, employer=self.employer, public_service=self.public_service,
            category=self.category, contract=self.contract, location=self.location,
            department=self.department, region=self.region, remote=self.remote,
            salary=self.salary, published=self.published, deadline=self.deadline,
            description_html=self.description_html, job_labels=self.job_labels,
            experience=self.experience, extra=extra,
        )
