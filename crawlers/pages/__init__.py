"""Page objects: a page's text (and URL) in, the raw fields it publishes out.

One module per source kind (:mod:`~crawlers.pages.pep`, :mod:`~crawlers.pages.jobposting`,
:mod:`~crawlers.pages.feed`, :mod:`~crawlers.pages.api`), in the spirit of web-poet but as
plain classes: no Scrapy, no network, so every page object can be tried on a saved file::

    >>> from crawlers.pages.pep import PepOfferPage
    >>> page = PepOfferPage(open("offer.html").read(), "https://…/offre-emploi/…/")  # doctest: +SKIP
    >>> page.title, page.employer                                                    # doctest: +SKIP
    ('Développeur back-end Python (H/F)', 'Direction interministérielle du numérique (DINUM)')

This module holds what they share, the HTML side of "text pulled out of its markup":

* :func:`parse_html` never raises (an empty or broken page gives an empty document);
  ``html_elements=False`` gives plain ``lxml.etree`` elements, several times cheaper to walk;
* :func:`has_classes` and :func:`select` are CSS ``tag.class`` without an XPath evaluation,
  for the page objects that look things up many times per page (one card, one ``li``…);
* :func:`text_of` returns an element's visible text with entities decoded, whitespace runs
  (tabs, newlines, ``&nbsp;``, U+202F) collapsed to one space, and the hidden accessibility
  labels (``span.sr-only`` "Localisation : ", ``aria-hidden`` "Réf.") left out;
* :func:`label_key` is how labels are compared: accent-, case- and apostrophe-insensitive,
  without the trailing colon ("Nature de l’emploi :" and "nature de l'emploi" match);
* :func:`jsonld_objects` / :func:`read_jsonld` read every JSON-LD script as extruct does
  (``json.loads`` first, extruct's lenient reader for the rest), tolerating a UTF-8 BOM and
  stray whitespace, unwrapping ``@graph`` arrays and lists;
* :func:`fingerprint` hashes listing entries into ``listing_key`` values.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any

import lxml.etree
import lxml.html
from lxml.cssselect import CSSSelector

from normalize.text import clean_whitespace, fold

log = logging.getLogger(__name__)

#: classes of elements that only screen readers see (labels such as "Employeur : ")
HIDDEN_CLASSES = frozenset({"sr-only", "fr-sr-only", "visually-hidden", "screen-reader-text"})
#: elements whose content is never page text
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})

_JSONLD_SCRIPTS = CSSSelector('script[type="application/ld+json"]')
#: characters stripped around a JSON-LD script text (BOM, zero-width spaces, whitespace)
_JSON_JUNK = "\ufeff\u200b \t\r\n"


#: one parser for every page, told the encoding: a ``str`` page is handed to libxml2 as UTF-8
#: bytes, which it parses about 40 % faster than a Python string (bench/RESULTS.md, "Crawl")
_UTF8_PARSER = lxml.html.HTMLParser(encoding="utf-8")
#: the same parsers without ``lxml.html``'s element classes (see :func:`parse_html`)
_PLAIN_UTF8_PARSER = lxml.etree.HTMLParser(encoding="utf-8")
_PLAIN_PARSER = lxml.etree.HTMLParser()


def parse_html(text: str | bytes | None, *, html_elements: bool = True) -> lxml.etree._Element:
    """Parse a page with lxml; an empty or unparseable page gives an empty ``<html>``.

    A ``str`` (a page Scrapy already decoded, ``response.text``) is parsed as what it is,
    whatever ``<meta charset>`` or ``<?xml encoding?>`` declaration it carries; ``bytes``
    are decoded by lxml from the page's own declaration (UTF-8 by default).

    The tree is the same either way; ``html_elements=False`` only leaves out
    ``lxml.html.HtmlElement`` (its ``text_content()``, ``cssselect()``, ``forms``…). Those
    classes are picked by a Python callback each time lxml hands an element to Python (an
    XPath result, each child of a loop), about 1.5 µs apiece: most of the cost of walking a
    page's elements, which the page objects of the pep kind do for every card and fact.
    """
    if isinstance(text, str) and text:
        text, parser = text.encode("utf-8", "replace"), _UTF8_PARSER if html_elements else _PLAIN_UTF8_PARSER
    else:
        parser = lxml.html.html_parser if html_elements else _PLAIN_PARSER
    empty = lxml.html.Element if html_elements else lxml.etree.Element
    if not text:
        return empty("html")
    try:
        return lxml.html.document_fromstring(text, parser=parser)
    except (lxml.etree.ParserError, ValueError):
        return empty("html")


def is_hidden(el: lxml.html.HtmlElement) -> bool:
    """True for screen-reader-only labels and ``aria-hidden`` decorations."""
    if el.get("aria-hidden") == "true":
        return True
    classes = el.get("class")
    return bool(classes) and not HIDDEN_CLASSES.isdisjoint(classes.split())


#: what XPath's ``normalize-space()`` treats as space in a ``class`` attribute, hence what
#: separates classes for lxml's CSSSelector (``\f`` and non-ASCII spaces do not)
_CLASS_SPACES = str.maketrans("\t\n\r", "   ")


def has_classes(el: Any, *names: str) -> bool:
    """True when ``el``'s ``class`` attribute lists every one of ``names`` (True for none):
    CSS ``.a.b`` exactly as lxml's CSSSelector matches it, without an XPath evaluation
    (about 10 µs a call, whatever the size of the subtree: the main cost of looking things
    up inside each small listing card)."""
    value = el.get("class")
    if not value:
        return not names
    padded = ""
    for name in names:
        if name not in value:  # the cheap test first (as cssselect's XPath does): most fail it
            return False
        padded = padded or f" {value.translate(_CLASS_SPACES)} "
        if f" {name} " not in padded:
            return False
    return True


def select(scope: Any, tag: str, *classes: str) -> Iterator[Any]:
    """CSS ``tag.class…`` (``tag`` ``"*"`` for any element) called on ``scope``: the matching
    elements of its subtree, ``scope`` included, in document order, like a CSSSelector.

    lxml's tag filter runs in C, so only the elements of that tag reach Python; a selector
    with combinators is written with it and ``getparent()``/``iterchildren()``.

    >>> [a.get("href") for a in select(parse_html('<p><a class="x y" href="/1">1</a></p>'), "a", "y")]
    ['/1']
    """
    elements = scope.iter(lxml.etree.Element if tag == "*" else tag)
    if not classes:
        yield from elements
        return
    for el in elements:
        if has_classes(el, *classes):
            yield el


def _collect(el: Any, out: list[str], skip: frozenset[Any], with_hidden: bool) -> None:
    if el.text:
        out.append(el.text)
    for child in el:
        tag = child.tag
        if (isinstance(tag, str) and tag not in _SKIP_TAGS and (not skip or child not in skip)
                and (with_hidden or not is_hidden(child))):
            if len(child):
                _collect(child, out, skip, with_hidden)
            elif child.text:  # a leaf: no recursion needed
                out.append(child.text)
        if child.tail:
            out.append(child.tail)


def text_of(el: Any, *, skip: Iterable[Any] = (), with_hidden: bool = False) -> str | None:
    """The text of ``el``, whitespace-collapsed, hidden labels and ``skip`` subtrees left out.

    ``None`` when ``el`` is None or holds no text. Comments, scripts and styles never count.
    """
    if el is None:
        return None
    if not len(el):  # no children: the element's own text
        return clean_whitespace(el.text) if isinstance(el.tag, str) else None
    out: list[str] = []
    _collect(el, out, frozenset(skip), with_hidden)
    return clean_whitespace(" ".join(out))


@lru_cache(maxsize=4096)
def label_key(text: str | None) -> str:
    """The comparable form of a label: folded, without trailing ``:``/``?`` and spaces.

    >>> label_key("Nature de l’emploi :") == label_key("NATURE DE L'EMPLOI")
    True
    """
    return fold(text).rstrip(" :?.").strip()


def all_text(el: Any) -> str:
    """Every text of ``el``, hidden labels included, whitespace-collapsed (fast: lxml's serializer).

    Used for fingerprints, not for values.
    """
    return " ".join(lxml.etree.tostring(el, method="text", encoding="unicode", with_tail=False).split())


def first(items: Iterable[Any]) -> Any:
    """The first item of ``items``, or None."""
    return next(iter(items), None)


def outer_html(el: Any) -> str:
    """The element's own markup (without the text that follows it)."""
    return lxml.html.tostring(el, encoding="unicode", with_tail=False)


def inner_html(el: Any) -> str:
    """The markup inside the element (its text and children), without the element itself."""
    parts = [html.escape(el.text, quote=False)] if el.text else []
    parts += [lxml.html.tostring(child, encoding="unicode", with_tail=True) for child in el]
    return "".join(parts).strip()


def fingerprint(*parts: object) -> str:
    """A short stable hash of ``parts`` (a listing entry's ``listing_key``)."""
    joined = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha1(joined.encode("utf-8")).hexdigest()[:20]


def unescape(value: Any) -> Any:
    """Decode HTML entities in a JSON string value ("proximit&eacute;" → "proximité")."""
    return html.unescape(value) if isinstance(value, str) and "&" in value else value


def clean_text(value: Any) -> str | None:
    """A JSON scalar as page text: entities decoded, whitespace collapsed, None when empty."""
    if value is None or isinstance(value, (dict, list, bool)):
        return None
    return clean_whitespace(unescape(str(value)))


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _flatten(item)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _flatten(graph)


@lru_cache(maxsize=1)
def _jsonld_extractor() -> Any:
    """extruct's JSON-LD reader, imported on first use: ``extruct`` pulls in every syntax it
    knows (microformats, RDFa…), a tenth of a second that pep, feed and api crawls never need."""
    from extruct.jsonld import JsonLdExtractor

    return JsonLdExtractor()


def read_jsonld(scripts: Iterable[Any]) -> tuple[list[dict[str, Any]], int]:
    """Every JSON-LD object of ``scripts`` (``<script type="application/ld+json">`` elements;
    ``@graph`` members included) and the count of scripts that could not be read.

    Each script is read on its own (one broken script does not hide the others), after
    stripping a UTF-8 BOM and stray whitespace, as extruct reads it: extruct's reader first
    tries ``json.loads(strict=False)`` on the script's text and keeps a dict, or a list's
    truthy members; that is done here directly, and only a script plain JSON refuses (HTML
    or ``//`` comment lines, trailing commas…) goes to extruct and its lenient fallback.
    Going through extruct for every script cost more than the JSON parsing itself (it
    compiles an XPath per script). tests/crawlers/test_pages_jobposting.py checks both
    readings agree on every shape of script.
    """
    objects: list[dict[str, Any]] = []
    invalid = 0
    for script in scripts:
        cleaned = (script.text or "").strip(_JSON_JUNK)
        if not cleaned:
            continue
        try:
            data = json.loads(cleaned, strict=False)
        except ValueError:
            script.text = cleaned  # extruct reads the element's text
            try:
                items = _jsonld_extractor().extract_items(script)
            except (ValueError, TypeError) as exc:
                invalid += 1
                log.debug("unreadable JSON-LD script: %s", exc)
                continue
        else:
            items = [i for i in (data if isinstance(data, list) else [data] if isinstance(data, dict) else []) if i]
        objects.extend(_flatten(items))
    return objects, invalid


def jsonld_objects(doc: Any) -> tuple[list[dict[str, Any]], int]:
    """Every JSON-LD object of the page and the count of scripts that could not be read
    (:func:`read_jsonld` of its ``<script type="application/ld+json">`` elements)."""
    return read_jsonld(_JSONLD_SCRIPTS(doc))


def has_type(obj: dict[str, Any], name: str) -> bool:
    """True when the JSON-LD object's ``@type`` is ``name`` (or a list holding it)."""
    kind = obj.get("@type")
    if isinstance(kind, list):
        return any(_type_name(k) == name for k in kind)
    return _type_name(kind) == name


def _type_name(kind: Any) -> str | None:
    if not isinstance(kind, str):
        return None
    return kind.rsplit("/", 1)[-1].rsplit(":", 1)[-1]
