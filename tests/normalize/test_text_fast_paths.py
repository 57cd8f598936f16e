"""The fast paths of ``clean_whitespace``, ``strip_accents`` and ``fold`` give exactly what their
plain definitions give, for every code point (they run for every text of every page)."""

from __future__ import annotations

import re
import sys
import unicodedata

import pytest

from normalize.text import clean_whitespace, fold, strip_accents

_WS = re.compile(r"\s+")
#: every code point but the surrogates, which no decoded page can hold
ALL_CHARS = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)


def reference_clean_whitespace(text: str | None) -> str | None:
    """Format characters (category Cf: zero-width, bidi controls, BOM…) removed, whitespace collapsed."""
    if text is None:
        return None
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return _WS.sub(" ", text).strip() or None


def reference_strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def reference_fold(text: str | None) -> str:
    if not text:
        return ""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = text.replace("’", "'").replace("‘", "'")
    return _WS.sub(" ", reference_strip_accents(text).casefold()).strip()


@pytest.mark.parametrize("text", [
    None, "", "   ", "\u200b", "a\u200bb", "Data&nbsp;engineer\u202f ", "\tDéveloppeur\n\n FRONT\u00a0(H/F) ",
    "x\x1cy\x1dz\x1ew\x1f", "\u2028ligne\u2029", "ascii only", "Œuvre  Île-de-France",
    "\u202e(75)", "\u202eParis\u202c", "a\u200e \u200fb", "\u2066Lyon\u2069", "\ufeffBOM", "soft\u00adhyphen",
    "\u200d", " \u2067 ",
])
def test_clean_whitespace_as_defined(text):
    assert clean_whitespace(text) == reference_clean_whitespace(text)


def test_clean_whitespace_agrees_with_the_regex_on_every_code_point():
    chunk = 4096
    for start in range(0, len(ALL_CHARS), chunk):
        text = "a" + "b".join(ALL_CHARS[start:start + chunk]) + "c"
        assert clean_whitespace(text) == reference_clean_whitespace(text), start


def test_strip_accents_agrees_on_every_code_point():
    assert strip_accents(ALL_CHARS) == reference_strip_accents(ALL_CHARS)


@pytest.mark.parametrize("text", [
    None, "", "  Développeur   FRONT-end\u00a0(H/F) ", "ŒUVRE d’art", "Ærø", "plain ASCII  text",
    "Straße ǅemal ﬁn", "Ελληνικά ΆΈ", "Ｆｕｌｌｗｉｄｔｈ", "İstanbul", "x\u0301\u0327y",
])
def test_fold_as_defined(text):
    assert fold(text) == reference_fold(text)


def test_fold_agrees_on_every_code_point():
    chunk = 4096
    for start in range(0, len(ALL_CHARS), chunk):
        text = " ".join(ALL_CHARS[start:start + chunk])
        assert fold(text) == reference_fold(text), start
