"""Is a posting a digital job, and of which family? An explainable, rule-based classifier.

The rules are data, not code: ``normalize/data/classifier_rules.toml`` lists, per job
family, the sources' own labels (Choisir le service public's "Métier de référence", feed
domains, API labels), ROME codes, and title and description keywords, each list with its
weight. ``docs/CLASSIFICATION.md`` explains them and the decisions taken on borderline jobs.

>>> c = classify("Développeuse back-end Python (H/F)")
>>> c.job_family, c.is_digital
('developpement', True)
>>> c.evidence[0]["text"], c.evidence[0]["rule"]
('Développeuse', 'title')
>>> classify("Infirmier / Infirmière en EHPAD", ["Médico-social"]).is_digital
False
>>> classify("Chargé de mission", digital_only=True).job_family   # pep's domain 3522
'autre_numerique'

How it decides:

1. Text is cut into words (``[^\\W_]+``), each word folded (``normalize.text.fold``:
   no case, no accents), its inclusive or feminine form reduced ("Technicien·ne",
   "ADJOINT(E)", "Développeuse" → "technicien", "adjoint", "developpeur"), its plural
   dropped, and short forms expanded ("Dév." → "développeur", "Ingé" → "ingénieur").
   Little words ("de", "la", "et"…) are skipped, so keywords are phrases of content words
   matched on word boundaries: "data" never matches inside "validation".
2. Each label is looked up whole among the known labels; else a ROME code in it
   ("M1805 - …") is used; else its words are read like a title. A label that says nothing
   is ignored (never an error): the title keywords decide.
3. The title is scanned left to right, longest keyword first, without overlaps: in
   "Technicien informatique de proximité", "technicien informatique" is one match, so
   "technicien" is not also counted. Non-digital keywords are scanned apart, so that an
   overlapping digital keyword cannot hide them ("Technicien réseaux de chaleur").
4. Every match adds its list's ``digital`` weight to the digital score (negative for
   non-digital métiers such as "infirmier" or "chargé de communication"); vague words
   ("réseau", "chef de projet") and description words are weak and capped. Digital when
   the score reaches the threshold, or always when ``digital_only``.
5. The family is the one whose best title/label match weighs most (plus a small bonus per
   further match); ties are broken by the description, then by the earliest title match.
   A digital posting with no family evidence is ``autre_numerique``.

Rules are compiled once, at import; :func:`classify` does dictionary lookups only.
"""

from __future__ import annotations

import logging
import re
import tomllib
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate, chain, compress
from pathlib import Path
from typing import Any, NamedTuple

from normalize.text import fold

logger = logging.getLogger(__name__)

JOB_FAMILIES: tuple[str, ...] = (
    "developpement", "data", "cybersecurite", "infrastructure", "produit_projet",
    "architecture", "design", "support", "autre_numerique",
)
#: the family of a digital posting that no rule places in a specific family
FALLBACK_FAMILY = "autre_numerique"

RULES_PATH = Path(__file__).with_name("data") / "classifier_rules.toml"


@dataclass(frozen=True)
class Classification:
    """The verdict on one posting, with the matches that led to it.

    ``job_family`` is one of :data:`JOB_FAMILIES`, or ``None`` when the posting is not a
    digital job. ``score`` is the digital score compared with the rules' threshold: the sum
    of the matches' ``digital`` values, the weak ones capped (see the rules' [decision]).
    ``evidence`` lists every match, in the order found, e.g.
    ``{"rule": "label", "text": "Data engineer", "family": "data", "weight": 8.0,
    "digital": 8.0}``: ``rule`` is where it was found (``label``, ``code``,
    ``label_words``, ``title``, ``description``), ``weight`` what it adds to its family,
    ``digital`` what it adds to the digital score, ``list`` the rules list it comes from.
    ``unknown_labels`` are the labels no rule recognised (worth adding to the rules).
    """

    job_family: str | None
    is_digital: bool
    score: float
    evidence: tuple[dict[str, Any], ...]
    unknown_labels: tuple[str, ...] = field(default=())

    def as_evidence(self) -> dict[str, Any]:
        """The JSON-able explanation stored with a posting: family, score, matches, and the
        source labels no rule knows (``unknown_labels``: kept with the posting, so that they
        can be found and added to the rules later)."""
        return {"family": self.job_family, "score": self.score, "matches": [dict(e) for e in self.evidence],
                "unknown_labels": list(self.unknown_labels)}


# ------------------------------------------------------------------- words and phrases

#: a word, optionally glued to an inclusive-writing or abbreviation tail ("Technicien·ne",
#: "ingénieur.e.s", "S.I", "node.js") or to a bracketed feminine mark ("ADJOINT(E)")
_WORD = re.compile(r"[^\W_]+(?:[·•‧⋅.][^\W_]{1,5}(?![^\W_]))*(?:\([^\W\d_]{1,5}\))?")
_INNER_DOTS = re.compile(r"[·•‧⋅.]")
#: tails of inclusive writing ("Ingénieur·e", "Développeur·se", "Technicien·ne·s")
_GENDER_TAILS = frozenset({
    "e", "es", "s", "ne", "nes", "se", "ses", "le", "les", "fe", "rice", "rices",
    "trice", "trices", "euse", "euses", "ere", "eres", "iere", "ieres", "ice",
})
#: feminine → masculine endings, the first that fits wins ("administratrice" → "administrateur")
_FEMININE_ENDINGS: tuple[tuple[str, str], ...] = (
    ("trice", "teur"), ("euse", "eur"), ("eure", "eur"), ("enne", "en"), ("ere", "er"),
    ("effe", "ef"), ("elle", "el"), ("ive", "if"), ("nte", "nt"), ("rte", "rt"), ("ee", "e"),
)


def _reduce(word: str) -> str:
    """Singular masculine stem of a folded word: "réseaux" → "reseau", "cheffes" → "chef"."""
    if len(word) > 3:
        if word.endswith("eaux"):
            word = word[:-1]
        elif word.endswith("aux"):
            word = word[:-3] + "al"
        elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
            word = word[:-1]
    for feminine, masculine in _FEMININE_ENDINGS:
        if word.endswith(feminine) and len(word) >= len(feminine) + 2:
            return word[: -len(feminine)] + masculine
    return word


@dataclass(frozen=True)
class _Words:
    """The content words of a text: ``keys[i]`` (normalized) comes from the written word
    ``raws[owner(i)]`` at ``spans[owner(i)]`` (a synonym may give several keys, a little
    word none).

    ``ends[j]`` is the number of keys the written words ``0..j`` give: the owner of a key
    is found by bisection, only for the few keys a rule matches, instead of a list of
    owners built in Python for every word of every description.
    """

    text: str
    keys: list[str]
    ends: list[int]
    raws: list[str]
    spans: list[tuple[int, int]] | None

    def owner(self, key: int) -> int:
        """The index in ``raws`` of the written word key ``key`` comes from."""
        return bisect_right(self.ends, key)

    def written(self, first: int, last: int) -> str:
        """The text of keys ``first``..``last`` as written."""
        a, b = self.owner(first), self.owner(last)
        if self.spans is None:
            return " ".join(self.raws[a:b + 1])
        return self.text[self.spans[a][0]:self.spans[b][1]]


class _Vocabulary:
    """Turns text into normalized words; built from the [matching] and [synonyms] tables."""

    def __init__(self, stopwords: Iterable[str], synonyms: dict[str, str]) -> None:
        self.stopwords = frozenset(fold(w) for w in stopwords)
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for short, full in synonyms.items():
            self.synonyms[self._base(short)] = tuple(self._base(w) for w in full.split())
        # memoised per instance: job texts reuse a small vocabulary
        self.normalize = lru_cache(maxsize=65536)(self._normalize)
        self.chunk_keys = lru_cache(maxsize=65536)(self._chunk_keys)

    @staticmethod
    def _base(raw: str) -> str:
        word = fold(raw)
        if word.endswith(")") and "(" in word:  # "adjoint(e)"
            word = word[: word.index("(")]
        if any(c in word for c in "·•‧⋅."):
            head, *tails = _INNER_DOTS.split(word)
            # "ingenieur·e" → "ingenieur"; but "s.i" → "si", "node.js" → "nodejs"
            gender_mark = len(head) >= 3 and all(t in _GENDER_TAILS for t in tails)
            word = head if gender_mark else head + "".join(tails)
        return _reduce(word)

    def _normalize(self, raw: str) -> tuple[str, ...]:
        """The keys of one written word: () for a little word, several for a synonym."""
        if fold(raw) in self.stopwords:
            return ()
        base = self._base(raw)
        return self.synonyms.get(base, (base,))

    def words(self, text: str) -> _Words:
        """The content words of a title or label, with their spans in ``text``."""
        matches = list(_WORD.finditer(text))
        return self._keyed(text, [m.group() for m in matches], [m.span() for m in matches])

    def quick_words(self, text: str) -> _Words:
        """The content words of a long text (a description), several times faster.

        The text is cut at whitespace and each chunk ("d’information,") is memoised whole,
        so a page costs one dictionary lookup per chunk. No spans: a match's text is its
        chunks joined by spaces.
        """
        return self._keyed(text, text.split(), None, self.chunk_keys)

    def _chunk_keys(self, chunk: str) -> tuple[str, ...]:
        return tuple(key for raw in _WORD.findall(chunk) for key in self.normalize(raw))

    def _keyed(self, text: str, raws: list[str], spans: list[tuple[int, int]] | None,
               normalize: Callable[[str], tuple[str, ...]] | None = None) -> _Words:
        # map/chain/accumulate run their loops in C: a description has hundreds of words
        per_word = list(map(normalize or self.normalize, raws))
        keys = list(chain.from_iterable(per_word))
        return _Words(text, keys, list(accumulate(map(len, per_word))), raws, spans)

    def phrase(self, keyword: str) -> tuple[str, ...]:
        """The key sequence of a rules keyword."""
        return tuple(self.words(keyword).keys)


@dataclass(frozen=True, eq=False)
class _Rule:
    """One keyword of the rules, compiled.

    Compared and hashed by identity (``eq=False``): each keyword of the rules file is
    compiled into one ``_Rule`` (a repeated keyword is refused), so identity is equality,
    and :func:`classify` puts rules in sets for every match: the field-by-field hash of a
    frozen dataclass cost more than the set itself.
    """

    keyword: str            # as written in the rules file
    family: str | None      # None: says digital (or not digital) but no family
    list_name: str          # the rules list it comes from ("jobs", "topics"…)
    weight: float           # added to its family's score
    digital: float          # added to the digital score
    exact_case: bool        # only matches text written in capitals


class _Match(NamedTuple):    # a NamedTuple: built in the hot loop, cheaper than a dataclass
    rule: _Rule
    text: str               # the matched words as written
    position: int           # index of the first matched word
    size: int               # number of matched words


class _PhraseIndex:
    """Keyword phrases indexed by their first word; longest-first, non-overlapping scans."""

    def __init__(self, problems: list[str], seen: dict[tuple[str, ...], _Rule] | None = None) -> None:
        self._by_first: dict[str, list[tuple[list[str], _Rule]]] = {}
        self._seen = {} if seen is None else seen   # shared by indexes that must not repeat each other
        self._problems = problems

    def add(self, phrase: tuple[str, ...], rule: _Rule) -> None:
        """Index one keyword; an empty or repeated one is reported in ``problems``."""
        if not phrase:
            self._problems.append(f"keyword {rule.keyword!r} has no content word")
            return
        if phrase in self._seen:
            other = self._seen[phrase]
            self._problems.append(f"{rule.keyword!r} ({rule.family}/{rule.list_name}) repeats "
                                  f"{other.keyword!r} ({other.family}/{other.list_name})")
            return
        self._seen[phrase] = rule
        entries = self._by_first.setdefault(phrase[0], [])
        entries.append((list(phrase), rule))
        entries.sort(key=lambda e: -len(e[0]))

    def find(self, words: _Words) -> list[tuple[_Rule, int, int]]:
        """``(rule, position, size)`` of the matches of ``words``, left to right, longest
        keyword first, without overlaps (:meth:`scan` with the matched text).

        Only the positions whose word starts some keyword are visited (selected in C by
        ``compress``): most words of a description start none.
        """
        out: list[tuple[_Rule, int, int]] = []
        keys, by_first = words.keys, self._by_first
        free = 0  # first position not inside the last match
        for i in compress(range(len(keys)), map(by_first.__contains__, keys)):
            if i < free:
                continue
            for phrase, rule in by_first[keys[i]]:
                size = len(phrase)
                if keys[i:i + size] == phrase and (not rule.exact_case or words.raws[words.owner(i)].isupper()):
                    out.append((rule, i, size))
                    free = i + size
                    break
        return out

    def scan(self, words: _Words) -> list[_Match]:
        """The matches of ``words`` (see :meth:`find`), each with its text as written."""
        return [_Match(rule, words.written(i, i + size - 1), i, size) for rule, i, size in self.find(words)]


# ------------------------------------------------------------------- the compiled rules

_ROME = re.compile(r"\b([A-N]\d{4})\b")
#: lists whose keywords are digital only in context: together they add at most context_digital_cap
_CONTEXT_LISTS = frozenset({"jobs_if_digital", "topics_if_digital"})
_ANY_FAMILY = "any"


class _Rules:
    """The rules file, compiled: vocabulary, phrase indexes, label and code tables."""

    def __init__(self, doc: dict[str, Any]) -> None:
        matching = doc.get("matching", {})
        self.vocabulary = _Vocabulary(matching.get("stopwords", ()), doc.get("synonyms", {}))
        exact = {k for k in matching.get("exact_case", ())}
        decision = doc["decision"]
        self.threshold = float(decision["digital_threshold"])
        self.extra_bonus = float(decision["extra_match_bonus"])
        self.description_cap = float(decision["description_digital_cap"])
        self.context_cap = float(decision["context_digital_cap"])
        weights = {name: (float(w.get("family", 0.0)), float(w.get("digital", 0.0)))
                   for name, w in doc["weights"].items()}

        problems: list[str] = []
        title_seen: dict[tuple[str, ...], _Rule] = {}
        self.title = _PhraseIndex(problems, title_seen)
        #: scanned apart from ``title`` so that an overlapping digital keyword cannot hide
        #: a non-digital one ("Technicien réseaux | de chaleur")
        self.not_digital = _PhraseIndex(problems, title_seen)
        self.description = _PhraseIndex(problems)
        self.labels: dict[tuple[str, ...], _Rule] = {}

        def rule(keyword: str, family: str | None, list_name: str, weight_name: str) -> _Rule:
            weight, digital = weights[weight_name]
            return _Rule(keyword, family, list_name, weight if family else 0.0, digital, keyword in exact)

        def add_label(label: str, r: _Rule) -> None:
            key = self.vocabulary.phrase(label)
            if key in self.labels:
                problems.append(f"label {label!r} repeats {self.labels[key].keyword!r}")
            self.labels[key] = r

        families = doc["families"]
        problems.extend(f"unknown family {f!r}" for f in sorted(set(families) - set(JOB_FAMILIES)))
        for family in JOB_FAMILIES:
            lists = families.get(family, {})
            for label in lists.get("labels", ()):
                add_label(label, rule(label, family, "labels", "label"))
            for label in lists.get("domains", ()):
                add_label(label, rule(label, family, "domains", "domain"))
            for list_name in ("jobs", "jobs_if_digital", "topics", "topics_if_digital"):
                for kw in lists.get(list_name, ()):
                    self.title.add(self.vocabulary.phrase(kw), rule(kw, family, list_name, list_name))
            for kw in lists.get("description", ()):
                self.description.add(self.vocabulary.phrase(kw), rule(kw, family, "description", "description"))

        digital, not_digital = doc.get("digital", {}), doc.get("not_digital", {})
        for kw in digital.get("words", ()):
            self.title.add(self.vocabulary.phrase(kw), rule(kw, None, "digital_words", "digital_words"))
        for label in digital.get("labels", ()):
            add_label(label, rule(label, None, "digital_labels", "digital_labels"))
        for kw in digital.get("description", ()):
            self.description.add(self.vocabulary.phrase(kw), rule(kw, None, "description", "description"))
        for kw in not_digital.get("words", ()):
            self.not_digital.add(self.vocabulary.phrase(kw), rule(kw, None, "not_digital_words", "not_digital_words"))
        for label in not_digital.get("labels", ()):
            add_label(label, rule(label, None, "not_digital_labels", "not_digital_labels"))

        self.codes: dict[str, _Rule] = {}
        for code, family in doc.get("rome", {}).items():
            if family != _ANY_FAMILY and family not in JOB_FAMILIES:
                problems.append(f"ROME {code}: unknown family {family!r}")
                continue
            self.codes[code.upper()] = rule(code, None if family == _ANY_FAMILY else family, "rome", "code")
        if problems:
            raise ValueError("classifier rules:\n  " + "\n  ".join(problems))


def load_rules(path: str | Path = RULES_PATH) -> _Rules:
    """Compile a rules file (raises ``ValueError`` on a malformed one: it ships with the code)."""
    with open(path, "rb") as fh:
        return _Rules(tomllib.load(fh))


_RULES = load_rules()


# ------------------------------------------------------------------- classification

def _evidence(rule_kind: str, match_text: str, r: _Rule) -> dict[str, Any]:
    return {"rule": rule_kind, "text": match_text, "family": r.family, "weight": r.weight,
            "digital": r.digital, "list": r.list_name}


def _label_evidence(rules: _Rules, label: str) -> list[dict[str, Any]]:
    """Evidence from one source label: known label, else ROME code, else its words."""
    return [_evidence(kind, text, r) for kind, text, r in _label_matches(rules, label)]


#: texts read by the cached readings below: a source's labels are a few dozen, repeated on
#: every posting, and titles come back too (the same job at several sources, night after night)
_READINGS_CACHED = 16384


@lru_cache(maxsize=_READINGS_CACHED)
def _label_matches(rules: _Rules, label: str) -> tuple[tuple[str, str, _Rule], ...]:
    """``(rule kind, text, rule)`` of what one label says (see :func:`_label_evidence`)."""
    known = rules.labels.get(rules.vocabulary.phrase(label))
    if known is not None:
        return (("label", label, known),)
    for code in _ROME.findall(label):
        r = rules.codes.get(code)
        if r is not None:
            return (("code", label, r),)
    return tuple(("label_words", m.text, m.rule) for m in _title_matches(rules, label))


@lru_cache(maxsize=_READINGS_CACHED)
def _title_matches(rules: _Rules, text: str) -> tuple[_Match, ...]:
    """The title keywords of ``text`` (a title, or a label read for its words): digital
    keywords, then the non-digital ones not inside a longer digital keyword.

    The two are scanned apart so that "Technicien réseaux de chaleur" yields both
    "technicien réseaux" and "réseau de chaleur"; but "Animateur numérique" (a digital job)
    is not also "animateur" (a non-digital one).
    """
    words = rules.vocabulary.words(text)
    found = rules.title.scan(words)
    for neg in rules.not_digital.scan(words):
        if not any(m.position <= neg.position and neg.position + neg.size <= m.position + m.size
                   and m.size > neg.size for m in found):
            found.append(neg)
    return tuple(found)


def classify(
    title: str | None,
    labels: Sequence[str] = (),
    description: str | None = None,
    *,
    digital_only: bool = False,
) -> Classification:
    """Classify one posting from its title, its source labels and its description.

    ``labels`` are the source's own métier/domain labels as published (pep's "Métier de
    référence" and domain tag, JSON-LD ``occupationalCategory``, feed domain categories,
    the API's ``job_family``); unknown ones are ignored (read for keywords, reported in
    ``unknown_labels``). ``digital_only``: the source lists digital jobs only (pep's domain
    3522), so the posting is digital whatever the evidence says; with no family evidence it
    is ``autre_numerique``. Never raises on odd input (``None``, a bare string, non-strings
    in ``labels``).
    """
    rules = _RULES
    v = rules.vocabulary
    if isinstance(labels, str):
        labels = (labels,)
    elif not isinstance(labels, Iterable):
        labels = ()
    evidence: list[dict[str, Any]] = []
    positions: list[int] = []     # title position of each evidence (labels: -1, description: big)
    unknown: list[str] = []

    for label in labels or ():
        if not isinstance(label, str) or not label.strip():
            continue
        found = _label_evidence(rules, label)
        if not found or found[0]["rule"] == "label_words":
            unknown.append(label)  # kept in the evidence (as_evidence): visible, fixable later
            logger.debug("classifier: unknown label %r, read for keywords", label)
        evidence.extend(found)
        positions.extend([-1] * len(found))

    if isinstance(title, str) and title:
        matched: set[_Rule] = set()
        for m in _title_matches(rules, title):
            if m.rule not in matched:    # "Développeuse / Développeur" counts once
                matched.add(m.rule)
                evidence.append(_evidence("title", m.text, m.rule))
                positions.append(m.position)

    description_family: dict[str, float] = {}
    description_digital = 0.0
    if isinstance(description, str) and description:
        seen: set[_Rule] = set()
        words = v.quick_words(description)
        for r, i, size in rules.description.find(words):
            if r in seen:  # a keyword counts once: its text is read for the first match only
                continue
            seen.add(r)
            evidence.append(_evidence("description", words.written(i, i + size - 1), r))
            positions.append(1 << 30)
            description_digital += r.digital
            if r.family:
                description_family[r.family] = description_family.get(r.family, 0.0) + r.weight

    strong = sum(e["digital"] for e in evidence if e["rule"] != "description" and e["list"] not in _CONTEXT_LISTS)
    context = sum(e["digital"] for e in evidence if e["rule"] != "description" and e["list"] in _CONTEXT_LISTS)
    score = strong + min(context, rules.context_cap) + min(description_digital, rules.description_cap)
    score = round(score, 2)
    is_digital = digital_only or score >= rules.threshold

    family: str | None = None
    if is_digital:
        best: dict[str, list[float]] = {}
        first: dict[str, int] = {}
        for e, pos in zip(evidence, positions, strict=True):
            if e["rule"] != "description" and e["family"] and e["weight"] > 0:
                best.setdefault(e["family"], []).append(e["weight"])
                first.setdefault(e["family"], pos)
        if best:
            def rank(fam: str) -> tuple[float, float, int, int]:
                ws = best[fam]
                return (max(ws) + rules.extra_bonus * (len(ws) - 1), description_family.get(fam, 0.0),
                        -first[fam], -JOB_FAMILIES.index(fam))
            family = max(best, key=rank)
        else:
            family = FALLBACK_FAMILY
    return Classification(family, is_digital, score, tuple(evidence), tuple(unknown))
