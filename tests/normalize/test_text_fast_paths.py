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


# ------------------------------------------------------------------ description flattening
from normalize.text import _collapse_whitespace_runs, _tidy_lines  # noqa: E402
from normalize.titles import _may_hold_reference  # noqa: E402


@pytest.mark.parametrize("text", [
    "", " ", "\n\t ", "a", " a", "a ", "  a  b  ", "\u00a0x\u202fy\u2028", "<p>a</p>\n\n<p> b </p>\t",
    "x\x1cy\x1dz\x1ew\x1f ", "\u3000",
])
def test_collapse_whitespace_runs_is_the_regex(text):
    assert _collapse_whitespace_runs(text) == _WS.sub(" ", text)


def test_collapse_whitespace_runs_agrees_with_the_regex_on_every_code_point():
    chunk = 4096
    for start in range(0, len(ALL_CHARS), chunk):
        text = "a".join(ALL_CHARS[start:start + chunk])
        assert _collapse_whitespace_runs(text) == _WS.sub(" ", text), start


def reference_tidy_lines(text: str) -> str:
    text = re.sub(r" *\n *", "\n", re.sub(r" {2,}", " ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


@pytest.mark.parametrize("text", [
    "", " ", "\n", "\n\n\n\n", "\n\nTitre\n\n- a \n-  b\n\n\n\nFin  ", "  a  \n  b  ", "a \n \n \n b",
    "\n\n \n\n x", "x \n", " \nx", "a\u00a0\nb", "\t a \t\n", "p1\n\n\n\n\np2 \n\n",
])
def test_tidy_lines_is_the_regexes(text):
    assert _tidy_lines(text) == reference_tidy_lines(text)


def test_reference_prefilter_knows_every_character_the_pattern_accepts():
    """REFERENCE_SUFFIX's ``r[ée]f`` ignores case: every character it accepts must lower to
    one the prefilter looks for, or a title holding it would keep its reference."""
    for letters, lowered in (("r", "r"), ("[ée]", "eé"), ("f", "f")):
        accepted = re.findall(letters, ALL_CHARS, re.IGNORECASE)
        assert accepted and {c.lower() for c in accepted} <= set(lowered), letters
    assert _may_hold_reference("Architecte - RÉF. 2026-1") and _may_hold_reference("x Ref 12")
    assert not _may_hold_reference("Développeur (H/F)")
