"""Text helpers shared by every normalizer (pure functions).

>>> fold("  Développeur   FRONT-end\u00a0(H/F) ")
'developpeur front-end (h/f)'
>>> clean_whitespace("Data&nbsp;engineer\\u202f ")   # entities are decoded by the page objects
'Data&nbsp;engineer'
"""

from __future__ import annotations

import re
import unicodedata

_WS = re.compile(r"\s+")


def clean_whitespace(text: str | None) -> str | None:
    """Collapse every run of whitespace (tabs, newlines, U+00A0, U+202F…) to one space; strip.

    ``None`` and text that is empty once stripped give ``None``.
    """
    if text is None:
        return None
    out = _WS.sub(" ", text.replace("\u200b", "")).strip()
    return out or None


def strip_accents(text: str) -> str:
    """Remove diacritics: "Île-de-France" → "Ile-de-France", "œ" stays "œ"."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str | None) -> str:
    """Accent-, case- and whitespace-insensitive form used for matching and searching.

    "Œ"/"œ" become "oe", "’" becomes "'", whitespace runs one space. ``None`` gives "".
    """
    if not text:
        return ""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = text.replace("’", "'").replace("‘", "'")
    return _WS.sub(" ", strip_accents(text).casefold()).strip()
