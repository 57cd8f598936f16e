"""Text helpers shared by every normalizer (pure functions).

Plain text::

    >>> fold("  Développeur   FRONT-end\u00a0(H/F) ")
    'developpeur front-end (h/f)'
    >>> clean_whitespace("Data&nbsp;engineer\\u202f ")   # no entity decoding here
    'Data&nbsp;engineer'
    >>> clean_text("Data&nbsp;engineer\\u202f ")          # entities decoded, then whitespace
    'Data engineer'

HTML (an offer's description)::

    >>> sanitize_html('<div>Vos missions<script>x()</script></div><ul><li onclick="x">Python</li></ul>')
    '<p>Vos missions</p><ul><li>Python</li></ul>'
    >>> print(html_to_text('<h3>Profil</h3><p>Bac+5</p><ul><li>Python</li><li>SQL</li></ul>'))
    Profil
    <BLANKLINE>
    Bac+5
    <BLANKLINE>
    - Python
    - SQL

How the HTML is handled: the fragment is parsed once with lxml and *prepared* (scripts,
styles and other non-content elements dropped with their content, layout containers such
as ``div``/``section`` turned into paragraphs or unwrapped, ``h1`` → ``h2`` and
``h5``/``h6`` → ``h4``, non-breaking spaces and whitespace runs collapsed, empty paragraphs
removed). The plain text is read from that tree; the HTML is serialized and handed to
`nh3 <https://nh3.readthedocs.io>`_ (the Rust ``ammonia`` sanitizer), the security
boundary, which keeps only the allow-listed tags (:data:`ALLOWED_TAGS`) and ``a[href]``
with a safe scheme. :func:`sanitize_and_flatten` does both from one parse (what
:func:`normalize.record.normalize_posting` uses).
"""

from __future__ import annotations

import functools
import html as _html
import logging
import re
import unicodedata
from collections.abc import Callable

import nh3
from lxml import etree

log = logging.getLogger(__name__)

_BLANK_LINES = re.compile(r"\n{3,}")
_SPACE_RUNS = re.compile(r" {2,}")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
#: invisible characters dropped from texts: zero-width ones, bidi marks, embeddings,
#: overrides and isolates, soft hyphen, and the control characters that are not whitespace
#: (NUL and the like: PostgreSQL refuses NUL in a text, which failed a whole batch of
#: postings; XML, hence XLSX, refuses the others)
_INVISIBLE = re.compile(
    r"[\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u061c\ufeff\u00ad\x00-\x08\x0e-\x1b\x7f]"
)
#: spaces and invisible characters written as entities in an HTML source (&nbsp;, &#8239;, &shy;…)
_ENTITY_SPACE = re.compile(r"&(?:nbsp|#0*160|#x0*a0|#0*8239|#x0*202f|#0*820[12]|#x0*200[9a]);", re.IGNORECASE)
_ENTITY_INVISIBLE = re.compile(r"&(?:shy|#0*173|#0*8203|#x0*(?:ad|200b));", re.IGNORECASE)
_HTML_PARSER = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True, recover=True,
                                default_doctype=False)

#: tags kept in ``description_html`` (everything else is unwrapped, its text kept)
ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "b", "i", "h2", "h3", "h4", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}}
#: URL schemes a link may use; anything else (``javascript:``, ``data:``) loses its href
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel"})

#: dropped with their whole content: code, styling, embedded objects, page chrome
_DROP_WITH_CONTENT = frozenset({
    "script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math",
    "head", "title", "button", "select", "textarea", "input", "canvas", "video", "audio", "img",
})
#: layout containers: a paragraph when they hold only inline content, else unwrapped
_CONTAINERS = frozenset({
    "div", "section", "article", "header", "footer", "main", "aside", "nav", "blockquote",
    "dl", "dd", "dt", "figure", "figcaption", "address", "pre", "center", "form", "fieldset",
    "details", "summary", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
    "body", "html", "hgroup",
})
_HEADING_RENAME = {"h1": "h2", "h5": "h4", "h6": "h4"}
#: block-level tags once a fragment is prepared
_BLOCKS = frozenset({"p", "h2", "h3", "h4", "ul", "ol", "li"}) | _CONTAINERS


#: longest run of digits kept by :func:`bound_digit_runs`
MAX_DIGIT_RUN = 15
_LONG_DIGIT_RUN = re.compile(r"\d{%d,}" % (MAX_DIGIT_RUN + 1))


def bound_digit_runs(text: str) -> str:
    """``text`` with every run of more than :data:`MAX_DIGIT_RUN` digits replaced by ``#``.

    No field means a number that long (an amount, a year, a count), and the patterns that
    read figures (``\\d+`` then a unit, tried from every position of a run) take a time
    quadratic in a run's length: 20,000 digits took seconds. ``#`` is no figure, so such a
    run reads as no number at all, never as a wrong one.

    >>> bound_digit_runs("45 000 € " + "9" * 40)
    '45 000 € #'
    """
    if len(text) <= MAX_DIGIT_RUN:
        return text
    return _LONG_DIGIT_RUN.sub("#", text)


@functools.cache
def _format_characters() -> re.Pattern[str]:
    """A class of every format character (Unicode category Cf), built on first use.

    They all lie in planes 0, 1 (zero-width and bidi controls, BOM, soft hyphen…) and 14
    (tags): scanning those takes ~25 ms, once; the tests check every code point.
    """
    ranges: list[list[int]] = []
    for plane in (range(0x20000), range(0xE0000, 0xF0000)):
        for code in plane:
            if unicodedata.category(chr(code)) == "Cf":
                if ranges and ranges[-1][1] == code - 1:
                    ranges[-1][1] = code
                else:
                    ranges.append([code, code])
    return re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]")


def clean_whitespace(text: str | None) -> str | None:
    """Collapse every run of whitespace (tabs, newlines, U+00A0, U+202F…) to one space; strip.

    Format characters (Unicode category Cf: zero-width spaces and joiners, the bidi marks,
    embeddings, overrides and isolates U+200E/F, U+202A–E, U+2066–9, the BOM, the soft
    hyphen…) are removed first: invisible, they would make "\u202eParis" a different name
    from "Paris", or a name of its own when nothing else is left.

    ``None`` and text that is empty once stripped give ``None``. (``str.split()`` and the
    regex ``\\s`` agree on what whitespace is, code point for code point; the split is the
    faster of the two, and this runs for every text of every page. A format character is
    never ASCII and never printable: texts that are, once their whitespace is collapsed,
    skip the deletion.)
    """
    if text is None:
        return None
    joined = " ".join(text.split())
    if joined.isascii() or joined.isprintable():
        return joined or None
    # a character neither printable nor whitespace: maybe a format character (rare)
    return " ".join(_format_characters().sub("", joined).split()) or None


class _KeepUnlessCombining(dict):  # type: ignore[type-arg]
    """``str.translate`` table deleting combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        value = None if unicodedata.combining(chr(code)) else code
        self[code] = value
        return value


_NO_COMBINING = _KeepUnlessCombining()


def strip_accents(text: str) -> str:
    """Remove diacritics: "Île-de-France" → "Ile-de-France", "œ" stays "œ"."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return decomposed if decomposed.isascii() else decomposed.translate(_NO_COMBINING)


def fold(text: str | None) -> str:
    """Accent-, case- and whitespace-insensitive form used for matching and searching.

    "Œ"/"œ" become "oe", "’" becomes "'", whitespace runs one space. ``None`` gives "".
    """
    if not text:
        return ""
    if not text.isascii():
        text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
        text = strip_accents(text.replace("’", "'").replace("‘", "'"))
    return " ".join(text.casefold().split())


def clean_text(value: object) -> str | None:
    """A text field of the record: HTML entities decoded, whitespace collapsed, ``None`` if empty.

    Every short text of a posting (title, employer, ministry, reference, URL…) goes through
    this, so ``&nbsp;``, ``&eacute;``, U+00A0/U+202F, tabs and newlines never reach the
    catalogue. Numbers are turned into text; other objects (lists, dicts) give ``None``.

    >>> clean_text("  Secr&eacute;tariat\\tg\u00e9n\u00e9ral\u202f")
    'Secrétariat général'
    >>> clean_text(42), clean_text("   "), clean_text(["a"])
    ('42', None, None)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return str(value)
    if not isinstance(value, str):
        return None
    if "&" in value:
        value = _html.unescape(value)
    elif value.isprintable() and "  " not in value and value.strip() == value:
        return value or None  # already clean: no tab, newline, U+00A0, zero-width char, double space
    return clean_whitespace(_INVISIBLE.sub("", value))


# ------------------------------------------------------------------------- HTML
def _collapse_whitespace_runs(text: str) -> str:
    """``text`` with every run of whitespace replaced by one space, at its ends too.

    What ``re.sub(r"\\s+", " ", text)`` gives (a leading or trailing run stays one space),
    several times faster on a page: ``str.split`` and ``\\s`` agree on what whitespace is
    (see :func:`clean_whitespace`), and the split runs in C without a match per space.
    """
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return f"{' ' if text[0].isspace() else ''}{inner}{' ' if text[-1].isspace() else ''}"


def _parse_fragment(markup: str) -> etree._Element | None:
    """Parse an HTML fragment into a ``<div>`` root; ``None`` when lxml cannot read it.

    Whitespace is normalized on the source first, in one pass: every run of spaces,
    tabs, newlines, U+00A0/U+202F (raw or as entities) becomes one space, and invisible
    characters go. Text nodes are then clean, and line breaks only come from the markup.
    """
    if "<" not in markup and "&lt;" in markup:  # a description escaped once too often
        markup = _html.unescape(markup)
    if "<" not in markup:  # plain text: blank lines separate paragraphs, newlines are <br>
        paragraphs = [p for p in _PARAGRAPH_BREAK.split(_html.unescape(markup)) if p.strip()]
        markup = "".join("<p>" + _html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs)
    if "&" in markup:
        markup = _ENTITY_SPACE.sub(" ", _ENTITY_INVISIBLE.sub("", markup))
    markup = _collapse_whitespace_runs(_INVISIBLE.sub("", markup))
    try:
        document = etree.fromstring(f"<html><body><div>{markup}</div></body></html>", _HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        log.debug("unreadable HTML fragment: %s", exc)
        return None
    if document is None:
        return None
    body = document.find("body")
    if body is None or len(body) == 0:
        return None
    root = body[0]
    for extra in body[1:]:  # markup that closed our <div> early ("</div></div>texte")
        root.append(extra)
    if body.text:
        root.text = body.text + (root.text or "")
    return root


def _remove(el: etree._Element) -> None:
    """Remove an element and its content, keeping the text that follows it (its tail)."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _unwrap(el: etree._Element) -> None:
    """Replace an element by its content (text, children, tail), like lxml.html's ``drop_tag``."""
    parent = el.getparent()
    if parent is None:
        return
    prev = el.getprevious()
    if el.text:
        if prev is not None:
            prev.tail = (prev.tail or "") + el.text
        else:
            parent.text = (parent.text or "") + el.text
    if el.tail:
        if len(el):
            el[-1].tail = (el[-1].tail or "") + el.tail
        elif prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    index = parent.index(el)
    parent[index:index + 1] = list(el)


def _wrap_inline_runs(el: etree._Element) -> None:
    """Put the loose text and inline children of a mixed container into ``<p>`` elements.

    ``<div>Intro<p>a</p>tail <b>x</b></div>`` → ``<div><p>Intro</p><p>a</p><p>tail <b>x</b></p></div>``.
    """
    items: list[str | etree._Element] = [el.text] if el.text else []
    el.text = None
    for child in list(el):
        tail, child.tail = child.tail, None
        el.remove(child)
        items.append(child)
        if tail:
            items.append(tail)
    current: etree._Element | None = None
    for item in items:
        if isinstance(item, str):
            if current is None:
                if not item.strip():
                    continue
                current = etree.SubElement(el, "p")
                current.text = item
            elif len(current):
                current[-1].tail = (current[-1].tail or "") + item
            else:
                current.text = (current.text or "") + item
        elif item.tag in _BLOCKS:
            current = None
            el.append(item)
        else:
            if current is None:
                current = etree.SubElement(el, "p")
            current.append(item)


def _prepare(root: etree._Element) -> etree._Element:
    """Normalize a parsed fragment in place (see the module docstring) and return it."""
    for el in reversed(list(root.iter())):
        if el is root:
            continue
        tag = el.tag
        if not isinstance(tag, str) or tag in _DROP_WITH_CONTENT:  # comments, entities, scripts…
            _remove(el)
        elif tag in _HEADING_RENAME:
            el.tag = _HEADING_RENAME[tag]
        elif tag in _CONTAINERS:
            if any(c.tag in _BLOCKS for c in el):
                _wrap_inline_runs(el)
                _unwrap(el)
            elif tag in ("td", "th"):
                el.tail = " " + (el.tail or "")
                _unwrap(el)
            else:
                el.tag = "p"
                el.attrib.clear()
    _wrap_inline_runs(root)
    for block in list(root.iter("p", "h2", "h3", "h4", "li", "ul", "ol")):
        if not "".join(block.itertext()).strip():
            _remove(block)
    return root


def _inline_text(el: etree._Element, out: list[str]) -> None:
    """Text of an element and its inline descendants; ``<br>`` becomes a newline and a
    nested list its own ``- item`` lines."""
    if el.text:
        out.append(el.text)
    for child in el:
        tag = child.tag
        if tag == "br":
            out.append("\n")
        elif tag == "ul" or tag == "ol":
            _list_lines(child, out)
            if child.tail and child.tail.strip():
                out.append("\n")
        else:
            _inline_text(child, out)
        if child.tail:
            out.append(child.tail)


def _list_lines(el: etree._Element, out: list[str]) -> None:
    for item in el:
        if item.tag == "li":
            out.append("\n- ")
        _inline_text(item, out)


def _flatten(root: etree._Element) -> str:
    """Plain text of a prepared fragment: blocks separated by a blank line."""
    out: list[str] = []
    for el in root:
        out.append("\n\n")
        if el.tag in ("ul", "ol"):
            _list_lines(el, out)
        elif el.tag == "li":
            out.append("- ")
            _inline_text(el, out)
        else:
            _inline_text(el, out)
    return _tidy_lines("".join(out))


def _tidy_lines(text: str) -> str:
    """Space runs as one space, no space around a line break, at most one blank line in a
    row, no whitespace at either end.

    What ``re.sub(r"\\n{3,}", "\\n\\n", re.sub(r" *\\n *", "\\n", re.sub(r" {2,}", " ", text))).strip()``
    gives, without trying a pattern at every character: ``" *\\n *"`` can start at any
    space, so it cost more than the rest of the flattening. Each line is stripped of its
    spaces instead (those before the first line and after the last go with ``strip()``),
    and the other two patterns run only on a text that holds what they replace.
    """
    if "  " in text:
        text = _SPACE_RUNS.sub(" ", text)
    text = "\n".join([line.strip(" ") for line in text.split("\n")])
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


_NH3_OPTIONS = {
    "tags": set(ALLOWED_TAGS),
    "attributes": {tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
    "url_schemes": set(URL_SCHEMES),
    "strip_comments": True,
    "link_rel": "noopener noreferrer",
}


#: the sanitizer, configured once: ``nh3.clean(markup, **options)`` builds a new ammonia
#: sanitizer from the options at every call, a third of its time (nh3 < 0.2.18 has no Cleaner)
_nh3_clean: Callable[[str], str] = (
    nh3.Cleaner(**_NH3_OPTIONS).clean if hasattr(nh3, "Cleaner") else functools.partial(nh3.clean, **_NH3_OPTIONS)
)


def _sanitize_tree(root: etree._Element) -> str:
    markup = etree.tostring(root, encoding="unicode", method="html")
    return _nh3_clean(markup).strip()


def sanitize_and_flatten(markup: str | None) -> tuple[str | None, str | None]:
    """``(description_html, description)`` from one parse of an offer's HTML.

    ``None`` or markup without any text gives ``(None, None)``.
    """
    if not markup or not isinstance(markup, str):
        return None, None
    root = _parse_fragment(markup)
    if root is None:
        return None, None
    _prepare(root)
    text = _flatten(root)
    if not text:
        return None, None
    return _sanitize_tree(root) or None, text


def sanitize_html(markup: str | None) -> str:
    """HTML safe to render on a downstream site: allow-listed tags only, no script, no event
    handler, no ``javascript:`` URL; non-breaking spaces and whitespace runs collapsed.

    >>> sanitize_html('<p onmouseover="x()">Voir <a href="javascript:alert(1)">ici</a></p>')
    '<p>Voir <a rel="noopener noreferrer">ici</a></p>'
    """
    return sanitize_and_flatten(markup)[0] or ""


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment: one blank line between blocks (paragraphs, headings,
    lists), list items on their own lines as ``- item``, ``<br>`` as a line break.

    >>> html_to_text("<p>Vous&nbsp;:<br>- codez</p><p>Fin</p>")
    'Vous :\\n- codez\\n\\nFin'
    """
    return sanitize_and_flatten(markup)[1] or ""
