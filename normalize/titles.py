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

- gender markers, whatever their spelling: ``H/F``, ``F/H``, ``(H/F)``, ``(h/f)``,
  ``[F/H]``, ``H-F``, ``H / F``, ``h/f/x``, ``F/H/X``, ``(H/F/NB)``…, with the dash that
  introduces them (``- H/F``), glued by a non-breaking space or not;
- a trailing reference: ``- Réf. 2026-123456``, ``(Réf : ABC-12)``, ``Référence 2026/55``
  (a token holding a digit, at the end of the title).

What stays: the casing as published, every other parenthesis (``(Kubernetes)``,
``(RSSI)``, ``(AESH)``, ``ADJOINT(E)``), a `` - `` or ``–`` inside the title. Cutting a
territorial employer off the end of a title is not done here but by
:func:`normalize.employers.split_employer_suffix`, which needs the posting's employer.
"""

from __future__ import annotations

import re

from normalize.text import clean_text

_MARK = r"(?:H\s*[/\\-]\s*F|F\s*[/\\-]\s*H)(?:\s*[/\\-]\s*(?:X|NB|N))?"
#: a gender marker, bracketed or bare, with the dash/colon that may introduce it
GENDER_MARKER = re.compile(
    rf"(?:\s*[-–—:|]\s*)?(?:\(\s*{_MARK}\s*\)|\[\s*{_MARK}\s*\]|(?<![\w/]){_MARK}(?![\w/]))",
    re.IGNORECASE,
)
_TRAILING_MARKER = re.compile(GENDER_MARKER.pattern + r"\s*$", re.IGNORECASE)
#: a reference at the end of a title: "- Réf. 2026-123456", "(Réf : ABC-12)"
REFERENCE_SUFFIX = re.compile(
    r"\s*[-–—|,]?\s*\(?\s*(?<!\w)(?:r[ée]f[ée]rence|r[ée]f)(?![^\W\d_])\.?\s*(?:n[°o]\.?\s*)?:?\s*"
    r"(?=[\w/.-]*\d)[\w/.-]+\s*\)?\s*$",
    re.IGNORECASE,
)
#: separators left dangling at either end once a marker or a suffix is gone
_EDGE_SEPARATORS = re.compile(r"^[\s\-–—:|,;/]+|[\s\-–—:|,;/]+$")
_SPACES = re.compile(r"\s{2,}")
_EMPTY_BRACKETS = re.compile(r"\(\s*\)|\[\s*\]")
_DOUBLED_SEPARATOR = re.compile(r"\s([-–—])\s+[-–—]\s")


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
    title = clean_text(text)
    if not title:
        return None
    title = REFERENCE_SUFFIX.sub("", title)
    title = GENDER_MARKER.sub(" ", title)
    title = REFERENCE_SUFFIX.sub("", title)  # "Titre - Réf. 12 (H/F)" and "Titre (H/F) - Réf. 12"
    title = _EDGE_SEPARATORS.sub("", _SPACES.sub(" ", title))
    # a bracket left empty ("Titre ( )") or a doubled separator ("A - - B")
    title = _EMPTY_BRACKETS.sub("", title)
    title = _DOUBLED_SEPARATOR.sub(r" \1 ", title)
    return _SPACES.sub(" ", title).strip() or None
