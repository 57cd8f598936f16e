"""Job titles: whitespace, entities, gender markers and reference suffixes.

>>> clean_title("Data engineer&nbsp;(F/H)")
'Data engineer'
>>> clean_title("Product Owner plateforme de supervision - H/F")
'Product Owner plateforme de supervision'
>>> clean_title("Développeur·se front-end React (F/H) – 100 % télétravail")
'Développeur·se front-end React – 100 % télétravail'
>>> clean_title("ADJOINT(E) AU RSSI MINISTÉRIEL (F/H)")
'ADJOINT(E) AU RSSI MINISTÉRIEL'
>>> clean_title("Ingénieur cloud (Kubernetes) H/F - Réf. 2026-123456")
'Ingénieur cloud (Kubernetes)'

What is removed:

- gender markers, whatever their spelling: ``H/F``, ``F/H``, ``M/F``, ``F/M``, ``(H/F)``,
  ``(h/f)``, ``[F/H]``, ``H-F``, ``H / F``, ``h/f/x``, ``F/H/X``, ``(H/F/NB)``…, with the
  dash that introduces them (``- H/F``), glued by a non-breaking space or not;
- a reference: ``- Réf. 2026-123456``, ``(Réf : ABC-12)``, ``Référence 2026/55`` (a token
  holding a digit), at the end of the title or before a `` - `` part ("Architecte - Réf.
  2026-123456 - Paris" → "Architecte - Paris").

Every pattern runs in time linear in the title's length (a title is a source's free text:
"H/F " × 200 must not stall a crawl).

What stays: the casing as published, every other parenthesis (``(Kubernetes)``,
``(RSSI)``, ``(AESH)``, ``ADJOINT(E)``), a `` - `` or ``–`` inside the title. Cutting a
territorial employer off the end of a title is not done here but by
:func:`normalize.employers.split_employer_suffix`, which needs the posting's employer.
"""

from __future__ import annotations

import re

from normalize.text import clean_text

_MARK = r"(?:H\s*[/\\-]\s*F|F\s*[/\\-]\s*H|M\s*[/\\-]\s*F|F\s*[/\\-]\s*M)(?:\s*[/\\-]\s*(?:X|NB|N))?"
#: a gender marker, bracketed or bare, with the dash/colon that may introduce it. The
#: introducer starts only where a run of spaces starts (``(?<!\s)``): tried from every
#: space of a long run, ``\s*`` then a dash made the search quadratic
GENDER_MARKER = re.compile(
    rf"(?:(?<!\s)\s*[-–—:|]\s*)?(?:\(\s*{_MARK}\s*\)|\[\s*{_MARK}\s*\]|(?<![\w/]){_MARK}(?![\w/]))",
    re.IGNORECASE,
)
_TRAILING_MARKER = re.compile(GENDER_MARKER.pattern + r"\s*$", re.IGNORECASE)
#: the characters that may introduce a reference: spaces, dashes, a bar, a comma, a bracket
_REF_LEAD = r"[\s\-–—|,(]"
#: a reference, at the end of a title or before a " - " part: "- Réf. 2026-123456",
#: "(Réf : ABC-12)", "Référence 2026/55". Written for whitespace already collapsed to single
#: spaces (clean_title does that first): one optional space between the pieces, and the
#: introducer starting only where a run of its characters starts, so the work is linear
#: (three ``\s*`` in a row, tried from every space of a run, made it cubic: "H/F " × 200
#: never finished)
REFERENCE_SUFFIX = re.compile(
    rf"(?<!{_REF_LEAD}){_REF_LEAD}*+(?<!\w)r[ée]f(?:[ée]rence)?(?![^\W\d_])\.? ?(?:n[°o]\.? ?)?:? ?"
    r"(?=[\w/.-]*\d)[\w/.-]+(?: ?\))?(?=$| [-–—|] )",
    re.IGNORECASE,
)
_EDGE_CHARS = r"[\s\-–—:|,;/]"
#: separators left dangling at either end once a marker or a suffix is gone (the trailing
#: run starts where a run starts: linear, like the patterns above)
_EDGE_SEPARATORS = re.compile(rf"^{_EDGE_CHARS}+|(?<!{_EDGE_CHARS}){_EDGE_CHARS}+$")
_SPACES = re.compile(r"\s{2,}")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_DOUBLED_SEPARATOR = re.compile(r"\s([-–—])\s+[-–—]\s")


def _may_hold_reference(title: str) -> bool:
    """False when :data:`REFERENCE_SUFFIX` cannot match ``title``: it holds neither "ref" nor
    "réf" in any case (the pattern's ``r[ée]f``; no other character matches r, é, e or f
    ignoring case). Most titles hold none, and the pattern is tried at every character.
    Removing gender markers only puts spaces in: it never makes a "ref" appear.
    """
    lowered = title.lower()
    return "ref" in lowered or "réf" in lowered


def strip_gender_markers(text: str) -> str:
    """Remove every gender marker (see the module docstring) and tidy the spaces it leaves.

    >>> strip_gender_markers("Chef de projet (h/f) - VILLE DE VILLEURBANNE")
    'Chef de projet - VILLE DE VILLEURBANNE'
    """
    return _SPACES.sub(" ", GENDER_MARKER.sub(" ", text)).strip()


def has_gender_marker(text: str) -> bool:
    """True when ``text`` carries a gender marker ("(H/F)", "F/H", "h/f/x"…)."""
    return GENDER_MARKER.search(text) is not None


def ends_with_gender_marker(text: str) -> bool:
    """True when ``text`` ends with a gender marker: "Chef de projet (h/f)", "Dev - H/F"."""
    return _TRAILING_MARKER.search(text) is not None


def clean_title(text: str | None) -> str | None:
    """The catalogue title: entities decoded, whitespace collapsed, gender markers and a
    trailing reference removed, casing left as published. ``None`` or nothing left → ``None``.
    """
    title = clean_text(text)  # whitespace collapsed: what REFERENCE_SUFFIX expects
    if not title:
        return None
    referenced = _may_hold_reference(title)
    if referenced:
        title = REFERENCE_SUFFIX.sub("", title)
    title = _SPACES.sub(" ", GENDER_MARKER.sub(" ", title)).strip()
    if referenced:  # "Titre - Réf. 12 (H/F)" and "Titre (H/F) - Réf. 12"
        title = REFERENCE_SUFFIX.sub("", title)
    title = _EDGE_SEPARATORS.sub("", title)
    # a bracket left empty ("Titre ( )") or a doubled separator ("A - - B")
    title = _EMPTY_BRACKETS.sub("", title)
    title = _DOUBLED_SEPARATOR.sub(r" \1 ", title)
    return _SPACES.sub(" ", title).strip() or None
