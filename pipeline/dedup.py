"""Deduplication across sources: which postings are the same job, and into which offer they go.

The same job is often published on Place de l'Emploi Public (pep) and on its ministry's own
site, with a slightly different title, another date format, sometimes the PEP reference quoted
in the text. This module decides, for every new or changed posting, which catalogue offer it
belongs to. ``docs/DEDUP.md`` explains the method and its measured quality; in short:

1. **Within a source** the reference identifies a posting: two postings of one source are never
   the same offer, so an offer holds at most one posting per source.
2. **Across sources**, a quoted PEP reference (``pep_references``) links two postings for sure
   (rule ``"reference"``). Otherwise *candidate pairs* come from blocking — a sorted
   neighbourhood over a few keys (same employer and department, same department and title,
   same employer and deadline…), so the number of pairs grows linearly with the postings — and
   each pair is compared field by field (title, employer, place, dates, category, contract,
   salary, description). Titles are compared by their words, a specific word ("Java", "RH")
   weighing more than a role word (:func:`title_similarity`), after the usual rewordings are
   unified (:func:`comparison_title`); employers by their compared form
   (:func:`comparison_employer`: "Académie de Lyon" is "Rectorat de l'académie de Lyon",
   "DNE" spells "Direction du numérique pour l'éducation"); other strings with rapidfuzz.
   Each field adds or removes *match points*
   (Fellegi–Sunter style: agreement is evidence for, disagreement evidence against, a missing
   value is no evidence); a pair whose total reaches :attr:`DedupConfig.threshold` matches
   (rule ``"fuzzy"``).
3. Matches are merged best first into offers, never joining two postings of one source nor two
   existing offers. A posting that joins nobody founds an offer (rule ``"founder"``); its id is
   ``storage.offers.offer_id_for(source, reference)`` and never changes afterwards.

The core is pure (no database) and works on :class:`DedupRecord` objects::

    >>> from datetime import date
    >>> pep = DedupRecord(key=1, source="pep", reference="2026-2561234",
    ...                   title="Développeur back-end Python", employer="DINUM",
    ...                   city="Paris", department_code="75", published_at=date(2026, 11, 18))
    >>> site = DedupRecord(key=2, source="dinum", reference="DINUM-2026-042",
    ...                    title="Dév. back-end Python", employer="DINUM", city="Paris",
    ...                    department_code="75", published_at=date(2026, 11, 19),
    ...                    pep_references=("2026-2561234",))
    >>> [(d.key, d.rule, d.matched_key) for d in assign([pep, site])]
    [(1, 'founder', None), (2, 'reference', 1)]

:func:`dedup_pending` is the database step run after every crawl (``pipeline.postcrawl``)
and by ``catalogue dedup``: it loads the pending postings and their candidate neighbours,
calls the core, founds or joins offers, writes ``offer_merges`` rows (rule, score, per-field
scores: what ``catalogue explain`` shows) and refreshes the touched offers.

A *changed* posting that already belongs to an offer stays in it (its offer is refreshed);
it is not re-checked, so an offer id never moves (see docs/DEDUP.md).
"""

from __future__ import annotations

import gc
import logging
import math
import re
import time
from collections import defaultdict, deque
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache, lru_cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from normalize.places import parse_place
from normalize.text import fold

log = logging.getLogger(__name__)

__all__ = [
    "DedupConfig", "DedupOutcome", "DedupRecord", "DedupResult", "FieldWeight", "MatchDecision",
    "PairScore", "assign", "comparison_employer", "comparison_title", "dedup_pending", "dedup_records",
    "score_pair", "spells", "title_similarity",
]


# ============================================================================ records
@dataclass(slots=True)
class DedupRecord:
    """What dedup needs of one posting (a normalized catalogue posting, see CATALOGUE.md).

    ``key`` identifies the posting for the caller (the ``postings.id`` in the database, a
    ``(source, reference)`` tuple in the bench). ``employer_key`` is the normalizer's
    employer identity (``normalize.employers.employer_key``); when it is missing the folded
    employer name stands in. ``offer_id`` is set for postings already in an offer
    (``existing`` records) and ignored for the new ones. ``description`` may be an excerpt:
    only its first :attr:`DedupConfig.description_chars` characters are compared.
    """

    key: Hashable
    source: str
    reference: str
    title: str | None
    employer: str | None = None
    employer_key: str | None = None
    city: str | None = None
    department_code: str | None = None
    published_at: date | None = None
    deadline: date | None = None
    category: str | None = None
    contract: str | None = None
    remote: str | None = None
    salary_min: int | None = None
    salary_max: int | None = None
    description: str | None = None
    pep_references: tuple[str, ...] = ()
    offer_id: str | None = None


@dataclass(frozen=True, slots=True)
class FieldWeight:
    """Match points of one field: ``+agree`` at similarity 1, ``-disagree`` at 0.

    Between the two the points are linear on each side of ``pivot``, the similarity that is
    no evidence either way (0 points): a title similarity of 0.72 with pivot 0.7 is barely
    evidence for, one of 0.45 clearly against. A value missing on either side gives 0 points.
    """

    agree: float
    disagree: float
    pivot: float = 0.5

    def points(self, similarity: np.ndarray) -> np.ndarray:
        """Points for an array of similarities in [0, 1] (NaN = missing → 0 points)."""
        s = np.clip(similarity, 0.0, 1.0)
        pos = self.agree * (s - self.pivot) / max(1.0 - self.pivot, 1e-9)
        neg = self.disagree * (s - self.pivot) / max(self.pivot, 1e-9)
        out = np.where(s >= self.pivot, pos, neg)
        return np.where(np.isnan(similarity), 0.0, out)


#: the compared fields, in the order ``field_scores`` lists them
FIELDS: tuple[str, ...] = ("title", "employer", "department", "city", "published", "deadline",
                           "category", "contract", "remote", "salary", "description")


def _default_weights() -> dict[str, FieldWeight]:
    return {
        # the job itself: a reworded copy is 0.85–1 similar, another speciality of the role ~0.2–0.5
        "title": FieldWeight(agree=3.0, disagree=8.0, pivot=0.7),
        # the normalizer's employer key; equal keys are evidence, another employer strong evidence against
        "employer": FieldWeight(agree=2.0, disagree=5.0, pivot=0.8),
        # another department is another job (two Saint-Denis, 93 and 974)
        "department": FieldWeight(agree=0.5, disagree=8.0),
        "city": FieldWeight(agree=0.5, disagree=3.0, pivot=0.8),
        # similarity 1 − |Δdays| / scale: a one-day shift is normal, weeks apart is not
        "published": FieldWeight(agree=3.0, disagree=4.0),
        "deadline": FieldWeight(agree=4.0, disagree=5.0, pivot=0.8),
        # "A" vs "A+" is 0.75; A vs B is a second opening, not a copy
        "category": FieldWeight(agree=0.5, disagree=4.0),
        "contract": FieldWeight(agree=0.5, disagree=2.0),
        "remote": FieldWeight(agree=0.3, disagree=1.0),
        # overlap of the two salary ranges over their union
        "salary": FieldWeight(agree=2.5, disagree=3.0, pivot=0.9),
        "description": FieldWeight(agree=1.0, disagree=1.0, pivot=0.6),
    }


@dataclass(frozen=True)
class DedupConfig:
    """The tunable knobs of dedup (documented with their measured effect in docs/DEDUP.md).

    ``threshold``: total match points at or above which a pair is the same job. Raise it for
    fewer false merges (precision), lower it for fewer missed duplicates (recall); 9 suits a
    live catalogue's density, 9.5 to 10 crowded data (docs/DEDUP.md, "Tuning the threshold").
    ``min_title``: a pair whose title similarity is below this never matches by fuzzy rule,
    whatever the other fields say (two jobs of one employer, same place and dates).
    ``window``: neighbours compared per record and blocking pass (sorted neighbourhood);
    ``max_day_gap``: publication dates further apart are not paired by the date-ordered passes.
    ``published_scale_days`` / ``deadline_scale_days``: a date difference of that many days
    gives similarity 0 (a difference of 0 gives 1).
    """

    threshold: float = 9.0
    min_title: float = 0.5
    window: int = 6
    max_day_gap: int = 45
    published_scale_days: float = 14.0
    deadline_scale_days: float = 5.0
    description_chars: int = 600
    weights: Mapping[str, FieldWeight] = field(default_factory=_default_weights)
    #: rapidfuzz worker threads (-1: all cores; only distinct strings are compared, one is enough)
    workers: int = 1

    @classmethod
    def with_threshold(cls, threshold: float | None) -> DedupConfig:
        """The default configuration, with ``threshold`` when one is given (the sources
        configuration's ``[settings] dedup_threshold``, ``catalogue dedup --threshold``)."""
        return cls() if threshold is None else cls(threshold=threshold)


@dataclass(slots=True)
class MatchDecision:
    """Where one new record goes.

    ``rule``: ``"founder"`` (founds a new offer; ``matched_key`` is None), ``"reference"``
    (linked by a quoted PEP reference) or ``"fuzzy"`` (field comparison). ``matched_key``: the
    record it was linked to (already in the offer, or linked before it in this batch).
    ``offer_id``: the existing offer it joins, None when its group founds a new offer, whose
    founding record is ``founder_key``. ``score``: the match points of the link;
    ``field_scores``: the similarity (0–1) of each field both records fill.
    """

    key: Hashable
    matched_key: Hashable | None
    rule: str
    score: float | None
    field_scores: dict[str, float]
    offer_id: str | None = None
    founder_key: Hashable | None = None


@dataclass(slots=True)
class PairScore:
    """The comparison of two records: total match points and per-field similarities."""

    score: float
    field_scores: dict[str, float]
    points: dict[str, float]
    is_match: bool


@dataclass(slots=True)
class DedupOutcome:
    """The result of :func:`dedup_records`: one decision per new record, and counters."""

    decisions: list[MatchDecision]
    candidate_pairs: int = 0
    reference_pairs: int = 0
    matched_pairs: int = 0
    seconds: float = 0.0
    #: seconds per stage: records (column arrays), blocking, scoring, merging
    timings: dict[str, float] = field(default_factory=dict)


# ============================================================================ comparison keys
_TOKEN = re.compile(r"[a-z0-9]+")
#: words that carry no meaning in a job title
_TITLE_STOPWORDS = frozenset((
    "a", "au", "aux", "d", "de", "des", "du", "e", "en", "et", "f", "h", "hf", "fh", "l", "la", "le",
    "les", "ne", "par", "pour", "se", "sur", "un", "une", "x", "the", "of", "and",
))
#: feminine forms and abbreviations → the masculine full form (titles are written both ways);
#: in IT titles "administrateur" and "ingénieur" name one role ("Administrateur systèmes et
#: réseaux" on one site is "Ingénieur systèmes et réseaux" on another): both → "ingenieur"
_TITLE_SYNONYMS: dict[str, str] = {
    "dev": "developpeur", "developpeuse": "developpeur", "developpeu": "developpeur",
    "inge": "ingenieur", "ing": "ingenieur", "ingenieure": "ingenieur",
    "cheffe": "chef", "administratrice": "ingenieur", "administrateur": "ingenieur", "admin": "ingenieur",
    "technicienne": "technicien", "tech": "technicien", "techn": "technicien",
    "chargee": "charge", "directrice": "directeur", "dir": "directeur", "experte": "expert",
    "auditrice": "auditeur", "adjointe": "adjoint", "consultante": "consultant",
    "informaticienne": "informaticien", "statisticienne": "statisticien",
    "analyste": "analyste", "gestionnaire": "gestionnaire", "resp": "responsable",
    "sys": "systeme", "dba": "ingenieur base donnee", "devops": "devop",
}
#: phrases that name one job two ways (tokens as compared: folded, singular, no filler words)
_TITLE_PHRASES: dict[str, str] = {
    "analyste donnee": "data analyst", "ingenieur data": "data engineer", "ingenieur donnee": "data engineer",
    "responsable projet": "chef projet", "ingenieur etude developpement": "developpeur",
    "ingenieur developpement": "developpeur", "chef produit": "product owner",
    "analyste cybersecurite": "analyste soc",
}
_TITLE_PHRASE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _TITLE_PHRASES), key=len, reverse=True)) + r")\b")
#: words many different jobs share (roles, the field itself): a title's specific words
#: ("java", "python", "rh", "kubernete") weigh :data:`SPECIFIC_WORD_WEIGHT` times more
_GENERIC_TITLE_WORDS = frozenset((
    "developpeur", "ingenieur", "technicien", "chef", "projet", "responsable", "charge",
    "mission", "etude", "analyste", "architecte", "designer", "expert", "gestionnaire", "assistant", "agent",
    "directeur", "adjoint", "lead", "consultant", "auditeur", "urbaniste", "pilote", "officier",
    "correspondant", "conseiller", "delegue", "coach", "integrateur", "statisticien",
    "manager", "owner", "product", "master", "informaticien", "specialiste", "referent",
    "concepteur", "data", "donnee", "informatique", "numerique", "systeme", "information", "si", "reseau",
    "securite", "application", "logiciel", "web", "developpement", "support", "service", "niveau",
    "metier", "technique", "digital", "cybersecurite", "infrastructure", "sante", "poste",
))
SPECIFIC_WORD_WEIGHT = 3.0


def _stem(token: str) -> str:
    """Plural → singular, lightly: "systemes" → "systeme", "reseaux" → "reseau"."""
    if len(token) > 3 and token[-1] in "sx" and not token.endswith("ss"):
        return token[:-1]
    return token


#: a part of a title after a spaced dash, or in brackets: "… – site de Clermont-Ferrand", "… (Nice)"
_TITLE_PARTS = re.compile(r"\s+[-–—]\s+|\s*(\([^()]*\))\s*")
#: words that introduce a place in a title's last part
_PLACE_INTRO = re.compile(r"^(?:(?:sur\s+le\s+)?site\s+(?:de\s+|d['’]\s*)?|(?:bas[ée]e?\s+)?[àa]\s+|poste\s+[àa]\s+)",
                          re.IGNORECASE)


@lru_cache(maxsize=65536)
def _without_place(title: str) -> str:
    """The title without the parts that only name a place ("… – site de Nice", "… (Lyon)").

    A copy of an offer often adds its place to the title; the place is compared apart
    (department, city), so it must not make two titles of one job look different. A part
    is what follows a spaced dash or sits in brackets; the first part is the title itself.
    """
    if " " not in title:
        return title
    parts = [p for p in _TITLE_PARTS.split(title) if p and p.strip()]
    if len(parts) < 2:
        return title
    kept = [parts[0]]
    for part in parts[1:]:
        text = _PLACE_INTRO.sub("", part.strip().strip("()").strip())
        if not (text and _names_a_place(text)):
            kept.append(part)
    return " ".join(kept)


@lru_cache(maxsize=16384)
def _names_a_place(text: str) -> bool:
    return parse_place(text).city is not None


@lru_cache(maxsize=65536)
def _title_tokens(title: str) -> tuple[str, ...]:
    words = [_stem(token) for raw in _TOKEN.findall(fold(_without_place(title)))
             for token in _TITLE_SYNONYMS.get(raw, raw).split()]
    text = _TITLE_PHRASE.sub(lambda m: _TITLE_PHRASES[m.group(0)],
                             " ".join(w for w in words if w not in _TITLE_STOPWORDS))
    out: list[str] = []
    for token in text.split():
        if token not in out:
            out.append(token)
    return tuple(out)


@lru_cache(maxsize=65536)
def _place_tokens(city: str) -> frozenset[str]:
    return frozenset(t for t in _TOKEN.findall(fold(city)) if len(t) > 2)


def comparison_title(title: str | None, city: str | None = None) -> str | None:
    """The form of a title that dedup compares: folded, feminine forms and abbreviations
    expanded, plurals and filler words dropped, a last part naming a place ("– site de
    Nice", "(Lyon)") and the record's own city left out.

    >>> comparison_title("Développeuse / Développeur back-end Python")
    'developpeur back end python'
    >>> comparison_title("Dév. back-end Python")
    'developpeur back end python'
    >>> comparison_title("Ingénieur systèmes et réseaux – site de Clermont-Ferrand")
    'ingenieur systeme reseau'
    >>> comparison_title("Technicien support Lyon", "Lyon")
    'technicien support'
    """
    if not title:
        return None
    tokens = _title_tokens(title)
    if city:
        drop = _place_tokens(city)
        tokens = tuple(t for t in tokens if t not in drop)
    return " ".join(tokens) or None


@lru_cache(maxsize=65536)
def _fold_cached(text: str | None) -> str:
    return fold(text)


def _employer_ident(record: DedupRecord) -> str | None:
    key = record.employer_key or (_fold_cached(record.employer) if record.employer else None)
    return key or None


#: ways of naming one organisation (folded phrases → the form compared); longest first
_EMPLOYER_PHRASES: dict[str, str] = {
    "rectorat de la region academique": "academie", "rectorat de l academie": "academie",
    "rectorat": "academie", "region academique": "academie",
    "conseil departemental": "departement", "conseil regional": "region",
    "centre communal d action sociale": "ccas", "centre intercommunal d action sociale": "cias",
    "communaute d agglomeration": "agglomeration", "agglo": "agglomeration",
    "mairie": "ville", "commune": "ville",
    "centre hospitalier universitaire": "chu", "centre hospitalier": "ch",
}
_EMPLOYER_PHRASE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _EMPLOYER_PHRASES), key=len, reverse=True))
                              + r")\b")
_EMPLOYER_STOPWORDS = frozenset(("a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour"))
#: a name ending with its acronym: "Direction interministérielle du numérique (DINUM)"
_NAME_WITH_ACRONYM = re.compile(r"^(?P<name>.+?)\s*\((?P<acronym>[^()]{2,20})\)\s*$")
#: the organisation before a sub-unit: "Académie de Lyon – Direction des systèmes d'information"
_SUB_UNIT = re.compile(r"\s+[-–—]\s+")


@lru_cache(maxsize=16384)
def comparison_employer(name: str | None) -> str | None:
    """The form of an employer's name (or key) that dedup compares: folded, the usual
    synonyms of collectivities and rectorats unified, filler words dropped.

    >>> comparison_employer("Rectorat de l'académie de Lyon"), comparison_employer("Académie de Lyon")
    ('academie lyon', 'academie lyon')
    >>> comparison_employer("Mairie de Brest"), comparison_employer("VILLE DE BREST")
    ('ville brest', 'ville brest')
    >>> comparison_employer("Conseil départemental de la Gironde")
    'departement gironde'
    """
    if not name:
        return None
    text = _EMPLOYER_PHRASE.sub(lambda m: _EMPLOYER_PHRASES[m.group(0)], " ".join(_TOKEN.findall(fold(name))))
    out: list[str] = []
    for token in text.split():
        if token not in _EMPLOYER_STOPWORDS and token not in out:
            out.append(token)
    return " ".join(out) or None


def _employer_parent(name: str | None) -> str | None:
    """The organisation a name belongs to: the part before a sub-unit ("Académie de Lyon –
    Direction des systèmes d'information" → "Académie de Lyon"), else the whole name."""
    if not name:
        return None
    head = _SUB_UNIT.split(name, maxsplit=1)[0]
    return head if len(head.split()) >= 2 else name


class _EmployerForms:
    """The compared form and the blocking form of each employer, with the aliases the
    records teach: a name published with its acronym ("Direction interministérielle du
    numérique (DINUM)") says that the name alone and the acronym alone are the same
    employer ("Direction interministérielle du numérique", "DINUM")."""

    def __init__(self, records: Sequence[DedupRecord]) -> None:
        learned: dict[str, set[str]] = defaultdict(set)
        seen: set[tuple[str | None, str | None]] = set()
        for r in records:
            if (r.employer, r.employer_key) in seen or not r.employer:
                continue
            seen.add((r.employer, r.employer_key))
            match = _NAME_WITH_ACRONYM.match(r.employer.strip())
            target = comparison_employer(_employer_ident(r))
            if not match or not target:
                continue
            for alias in (match.group("name"), match.group("acronym"), _employer_parent(r.employer)):
                form = comparison_employer(alias)
                if form and form != target:
                    learned[_words(form)].add(target)
        #: unambiguous aliases only (two DNUM of two ministries: "DNUM" alone stays itself);
        #: keyed by the set of words ("Ministère de l'Intérieur – Direction du numérique" is
        #: "Direction du numérique du ministère de l'Intérieur")
        self.aliases = {words: next(iter(targets)) for words, targets in learned.items() if len(targets) == 1}

    def _alias(self, form: str) -> str:
        return self.aliases.get(_words(form), form)

    def compared(self, r: DedupRecord) -> str | None:
        form = comparison_employer(_employer_ident(r))
        return self._alias(form) if form else None

    def block(self, r: DedupRecord) -> str | None:
        """The blocking key: the parent organisation's form (one block for "Académie de
        Lyon", "Rectorat de l'académie de Lyon" and "Académie de Lyon – DSI")."""
        if r.employer and _SUB_UNIT.search(r.employer):
            form = comparison_employer(_employer_parent(r.employer))
            if form:
                return self._alias(form)
        return self.compared(r)


def _words(form: str) -> str:
    """An order-free key of a compared form (its words sorted)."""
    return " ".join(sorted(set(form.split())))


def _norm_code(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip().upper()
    return value or None


_CATEGORIES = ("A+", "A", "B", "C")
_CATEGORY_SIM = np.array([[1.0, 0.75, 0.0, 0.0], [0.75, 1.0, 0.0, 0.0],
                          [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
_CONTRACTS = ("titulaire", "contractuel", "titulaire_ou_contractuel", "apprentissage", "stage")
_CONTRACT_SIM = np.array([[1.0, 0.0, 0.5, 0.0, 0.0], [0.0, 1.0, 0.5, 0.0, 0.0],
                          [0.5, 0.5, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0],
                          [0.0, 0.0, 0.0, 0.0, 1.0]])
_REMOTES = ("aucun", "partiel", "total")
#: pep says "Télétravail possible : Oui" (partiel) for what another site calls total
_REMOTE_SIM = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.6], [0.0, 0.6, 1.0]])


def _lookup_sim(table: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.full(len(a), np.nan)
    ok = (a >= 0) & (b >= 0)
    out[ok] = table[a[ok], b[ok]]
    return out


# ============================================================================ the record table
class _Table:
    """The records as column arrays: integer codes for blocking, the distinct strings
    (comparison titles, employer forms, cities) for the similarities. ``context``: other
    records whose employer names teach aliases (:class:`_EmployerForms`)."""

    def __init__(self, records: Sequence[DedupRecord], is_new: Sequence[bool], config: DedupConfig,
                 context: Sequence[DedupRecord] = ()) -> None:
        n = len(records)
        self.records = records
        self.n = n
        self.is_new = np.asarray(is_new, dtype=bool)
        codes: dict[str, dict[Any, int]] = defaultdict(dict)

        def code(space: str, value: Any) -> int:
            if value is None:
                return -1
            table = codes[space]
            found = table.get(value)
            if found is None:
                found = table[value] = len(table)
            return found

        employers = _EmployerForms([*records, *context])
        src = np.empty(n, np.int32)
        emp = np.empty(n, np.int64)
        emp_block = np.empty(n, np.int64)
        dept = np.empty(n, np.int64)
        city = np.empty(n, np.int64)
        offer = np.empty(n, np.int64)
        pub = np.empty(n, np.int64)
        dl = np.empty(n, np.int64)
        cat = np.empty(n, np.int64)
        contract = np.empty(n, np.int64)
        remote = np.empty(n, np.int64)
        smin = np.empty(n, np.float64)
        smax = np.empty(n, np.float64)
        titles: list[str | None] = []
        cat_index = {c: i for i, c in enumerate(_CATEGORIES)}
        contract_index = {c: i for i, c in enumerate(_CONTRACTS)}
        remote_index = {c: i for i, c in enumerate(_REMOTES)}
        for i, r in enumerate(records):
            src[i] = code("source", r.source)
            emp[i] = code("employer", employers.compared(r))
            emp_block[i] = code("employer_block", employers.block(r))
            dept[i] = code("department", _norm_code(r.department_code))
            city[i] = code("city", _fold_cached(r.city) or None)
            offer[i] = code("offer", r.offer_id) if not self.is_new[i] else -1
            pub[i] = r.published_at.toordinal() if isinstance(r.published_at, date) else -1
            dl[i] = r.deadline.toordinal() if isinstance(r.deadline, date) else -1
            cat[i] = cat_index.get(_norm_code(r.category), -1)
            contract[i] = contract_index.get(r.contract or "", -1)
            remote[i] = remote_index.get(r.remote or "", -1)
            lo, hi = _salary_range(r.salary_min, r.salary_max)
            smin[i], smax[i] = lo, hi
            titles.append(comparison_title(r.title, r.city))
        # titles are blocked in lexicographic order, so similar titles sort side by side
        distinct = sorted({t for t in titles if t})
        rank = {t: i for i, t in enumerate(distinct)}
        self.title = np.array([rank[t] if t else -1 for t in titles], dtype=np.int64)
        self.title_strings: list[str] = distinct
        self.emp_strings: list[str] = list(codes["employer"])
        self.city_strings: list[str] = list(codes["city"])
        self.src, self.emp, self.emp_block, self.dept, self.city, self.offer = src, emp, emp_block, dept, city, offer
        self.pub, self.dl, self.cat, self.contract, self.remote = pub, dl, cat, contract, remote
        self.smin, self.smax = smin, smax
        self.description_chars = config.description_chars
        #: folded description excerpts, coded on demand (-2: not computed yet, -1: none)
        self.desc = np.full(n, -2, dtype=np.int64)
        self.desc_strings: list[str] = []
        self._desc_codes: dict[str, int] = {}

    def description_codes(self, idx: np.ndarray) -> np.ndarray:
        """Codes of the folded description excerpts of records ``idx`` (computed once each)."""
        todo = np.unique(idx[self.desc[idx] == -2])
        limit = self.description_chars
        folded: dict[str, str] = {}  # many postings share a text (one employer's template)
        for i in todo.tolist():
            raw = (self.records[i].description or "")[:limit]
            text = folded.get(raw)
            if text is None:
                text = folded[raw] = fold(raw)
            if not text:
                self.desc[i] = -1
                continue
            found = self._desc_codes.get(text)
            if found is None:
                found = self._desc_codes[text] = len(self.desc_strings)
                self.desc_strings.append(text)
            self.desc[i] = found
        return self.desc


def _salary_range(lo: Any, hi: Any) -> tuple[float, float]:
    """``(min, max)`` as floats, NaN when unknown; one figure stands for both; swapped if reversed."""
    a, b = _amount(lo), _amount(hi)
    if math.isnan(a):
        a = b
    if math.isnan(b):
        b = a
    return (b, a) if a > b else (a, b)


def _amount(value: Any) -> float:
    if type(value) is int:
        return float(value) if value > 0 else math.nan
    if value is None:
        return math.nan
    try:
        f = float(value)
    except (TypeError, ValueError):
        return math.nan
    return f if f > 0 else math.nan


# ============================================================================ blocking
#: sorted-neighbourhood passes: (name, columns that must be equal, columns sorted within, date gap check)
_PASSES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...] = (
    # same employer and department, similar titles next to each other
    ("employer_place_title", ("emp_block", "dept"), ("title", "pub"), True),
    # same employer and department, published the same days, whatever the title (a reworded title)
    ("employer_place_date", ("emp_block", "dept"), ("pub", "dl"), True),
    # same department and title, the employer written differently
    ("place_title", ("dept", "title"), ("pub",), True),
    # same employer and deadline: publication dates far apart, or the place missing
    ("employer_deadline", ("emp_block", "dl"), ("title", "pub"), False),
    # same employer and title: the department missing on one side
    ("employer_title", ("emp_block", "title"), ("pub",), True),
)


def _candidate_pairs(t: _Table, config: DedupConfig) -> np.ndarray:
    """Candidate pairs ``(i, j)``, ``i < j``: two sources, at least one new record, not
    already in one offer; from every blocking pass (sorted neighbourhood, ``window`` records)."""
    chunks: list[np.ndarray] = []
    for _name, equal_cols, sort_cols, gap_check in _PASSES:
        eq = [getattr(t, c) for c in equal_cols]
        valid = np.ones(t.n, dtype=bool)
        for col in eq:
            valid &= col >= 0
        idx = np.flatnonzero(valid)
        if len(idx) < 2:
            continue
        keys = [getattr(t, c)[idx] for c in reversed(sort_cols)] + [col[idx] for col in reversed(eq)]
        order = idx[np.lexsort(keys)]
        for off in range(1, config.window + 1):
            if off >= len(order):
                break
            a, b = order[:-off], order[off:]
            same = np.ones(len(a), dtype=bool)
            for col in eq:
                same &= col[a] == col[b]
            if not same.any():
                break  # blocks are contiguous: no block is longer than ``off``
            keep = same & (t.src[a] != t.src[b]) & (t.is_new[a] | t.is_new[b])
            if gap_check:
                pa, pb = t.pub[a], t.pub[b]
                keep &= (pa < 0) | (pb < 0) | (np.abs(pa - pb) <= config.max_day_gap)
            if keep.any():
                chunks.append(np.stack((a[keep], b[keep]), axis=1))
    if not chunks:
        return np.empty((0, 2), dtype=np.int64)
    pairs = _unique_pairs(np.concatenate(chunks), t.n)
    # two records of one existing offer are never compared
    same_offer = (t.offer[pairs[:, 0]] >= 0) & (t.offer[pairs[:, 0]] == t.offer[pairs[:, 1]])
    return pairs[~same_offer]


def _reference_pairs(records: Sequence[DedupRecord], t: _Table) -> np.ndarray:
    """Pairs linked by a quoted reference: a record whose ``pep_references`` holds the
    reference of a record of another source."""
    by_reference: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        if r.reference:
            by_reference[str(r.reference).strip()].append(i)
    out: list[tuple[int, int]] = []
    for i, r in enumerate(records):
        for ref in r.pep_references or ():
            for j in by_reference.get(str(ref).strip(), ()):
                if j != i and t.src[i] != t.src[j] and (t.is_new[i] or t.is_new[j]):
                    if t.offer[i] >= 0 and t.offer[i] == t.offer[j]:
                        continue
                    out.append((min(i, j), max(i, j)))
    if not out:
        return np.empty((0, 2), dtype=np.int64)
    return _unique_pairs(np.array(out, dtype=np.int64), t.n)


def _unique_pairs(pairs: np.ndarray, n: int) -> np.ndarray:
    """Distinct pairs, each as ``(low, high)``, sorted."""
    lo = np.minimum(pairs[:, 0], pairs[:, 1])
    hi = np.maximum(pairs[:, 0], pairs[:, 1])
    codes, _ = _unique(lo * n + hi)
    return np.stack((codes // n, codes % n), axis=1)


def _unique(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct values of an int64 array and, for each value, the index of its
    distinct value (``np.unique(..., return_inverse=True)`` by sorting: numpy's hash-based
    default is several times slower on millions of pair codes)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = np.empty(len(ordered), dtype=bool)
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(values), dtype=np.int64)
    inverse[order] = np.cumsum(first) - 1
    return ordered[first], inverse


# ============================================================================ scoring
def _string_similarity(left: list[str], right: list[str], workers: int) -> np.ndarray:
    """Title-style similarity in [0, 1]: mean of rapidfuzz token_set and token_sort ratios."""
    if not left:
        return np.empty(0)
    a = process.cpdist(left, right, scorer=fuzz.token_set_ratio, workers=workers)
    b = process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=workers)
    return (np.asarray(a, dtype=np.float64) + np.asarray(b, dtype=np.float64)) / 200.0


def _title_similarity(left: list[str], right: list[str], workers: int) -> np.ndarray:
    """Title similarity in [0, 1] of comparison titles: :func:`title_similarity` of each pair."""
    return np.fromiter((title_similarity(x, y) for x, y in zip(left, right)), dtype=np.float64, count=len(left))


@lru_cache(maxsize=65536)
def _title_weights(title: str) -> dict[str, float]:
    return {t: 1.0 if t in _GENERIC_TITLE_WORDS else SPECIFIC_WORD_WEIGHT for t in title.split()}


#: weight of the containment (vs the Jaccard index) in :func:`title_similarity`
CONTAINMENT_SHARE = 0.85
#: two words of at least 5 letters this similar (rapidfuzz ratio) are one word misspelt
_MISSPELT = 88.0


def title_similarity(x: str, y: str) -> float:
    """How alike two comparison titles are, in [0, 1], by their words weighted: a specific
    word (a language, a domain, a product) weighs :data:`SPECIFIC_WORD_WEIGHT` times a
    word many jobs share (role words, "informatique", "systeme"…).

    The similarity mixes the weighted containment (the common words' weight over the
    lighter title's: 1 when a copy only adds words, "chef projet si finance" and "chef
    projet si finance pole") and the weighted Jaccard index (over both titles' words), so
    that two specialities of one role stay apart ("developpeur java" and "developpeur
    python": 0.23) where a plain fuzzy ratio calls them alike (0.76). A misspelt word counts.

    >>> title_similarity("developpeur back end python", "developpeur back end python")
    1.0
    >>> round(title_similarity("developpeur java", "developpeur python"), 2)
    0.23
    """
    if x == y:
        return 1.0
    a, b = _title_weights(x), _title_weights(y)
    common = sum(w for t, w in a.items() if t in b)
    only_b = [t for t in b if t not in a and len(t) >= 5]
    for t in a:
        if t in b or len(t) < 5 or not only_b:
            continue
        match = process.extractOne(t, only_b, scorer=fuzz.ratio, score_cutoff=_MISSPELT)
        if match:
            common += min(a[t], b[match[0]])
            only_b.remove(match[0])
    if common <= 0:
        return 0.0
    wa, wb = sum(a.values()), sum(b.values())
    containment = common / min(wa, wb)
    jaccard = common / (wa + wb - common)
    return min(1.0, CONTAINMENT_SHARE * containment + (1 - CONTAINMENT_SHARE) * jaccard)


def _employer_similarity(left: list[str], right: list[str], workers: int) -> np.ndarray:
    """Employer similarity in [0, 1] of compared forms.

    :data:`SUB_UNIT_SIMILARITY` when one name is the other plus words (a sub-unit, a
    qualifier: "academie lyon" and "academie lyon direction systeme information");
    otherwise the string similarity of the names, lowered to that of their organisation
    words when both name a place: "ccas montpellier" and "academie montpellier" share a
    city, not an employer.
    """
    sims = _string_similarity(left, right, workers)
    for k, (x, y) in enumerate(zip(left, right)):
        a, b = set(x.split()), set(y.split())
        if a < b or b < a:
            sims[k] = max(sims[k], SUB_UNIT_SIMILARITY)
            continue
        if a == b or spells(x, y) or spells(y, x):
            sims[k] = 1.0
            continue
        org_x, org_y = _organisation_words(x), _organisation_words(y)
        if org_x and org_y and (org_x != x or org_y != y) and org_x != org_y:
            sims[k] = min(sims[k], _string_similarity([org_x], [org_y], 1)[0])
    return sims


@lru_cache(maxsize=16384)
def spells(acronym: str, name: str) -> bool:
    """True when ``acronym`` (one word of 2 to 8 letters) is made of the leading letters of
    every word of ``name``, in order, one to three letters each: "dne" and "direction
    numerique education", "dgfip" and "direction generale finance publique", "dinum" and
    "direction interministerielle numerique" (compared forms: no filler words).

    >>> spells("dgfip", "direction generale finances publiques"), spells("dgs", "direction generale sante securite")
    (True, False)
    """
    words = name.split()
    if " " in acronym or not 2 <= len(acronym) <= 8 or not acronym.isalpha() or len(words) < 2:
        return False

    @cache
    def match(i: int, j: int) -> bool:  # acronym[i:] spelled by words[j:]
        if j == len(words):
            return i == len(acronym)
        word = words[j]
        return any(acronym[i:i + size] == word[:size] and match(i + size, j + 1)
                   for size in range(1, min(3, len(word)) + 1) if i + size <= len(acronym))

    return match(0, 0)


@lru_cache(maxsize=16384)
def _organisation_words(form: str) -> str:
    """An employer's form without the place it names at either end ("ccas montpellier" →
    "ccas", "lyon metropole" → "metropole", "departement haute garonne" → "departement")."""
    words = form.split()
    for size in range(len(words) - 1, 0, -1):
        for rest, place in ((words[:-size], words[-size:]), (words[size:], words[:size])):
            if _is_place(" ".join(place)):
                return " ".join(rest)
    return form


@lru_cache(maxsize=16384)
def _is_place(text: str) -> bool:
    place = parse_place(text)
    return bool(place.city or place.department_code or place.region)


#: similarity of two employer names one of which only adds words to the other
SUB_UNIT_SIMILARITY = 0.95


def _coded_similarity(codes: np.ndarray, strings: Sequence[str], a: np.ndarray, b: np.ndarray,
                      workers: int, similarity: Any = None) -> np.ndarray:
    """Similarity of a coded string column over pairs: equal codes are 1, a missing value
    (code < 0) gives NaN, and each distinct pair of strings is compared once (by
    ``similarity``, default :func:`_string_similarity`)."""
    out = np.full(len(a), np.nan)
    ca, cb = codes[a], codes[b]
    present = (ca >= 0) & (cb >= 0)
    out[present & (ca == cb)] = 1.0
    todo = np.flatnonzero(present & (ca != cb))
    if len(todo):
        m = max(len(strings), 1)
        lo = np.minimum(ca[todo], cb[todo])
        hi = np.maximum(ca[todo], cb[todo])
        distinct, inverse = _unique(lo * m + hi)
        sims = (similarity or _string_similarity)([strings[i] for i in (distinct // m).tolist()],
                                                  [strings[j] for j in (distinct % m).tolist()], workers)
        out[todo] = sims[inverse]
    return out


def _date_similarity(x: np.ndarray, y: np.ndarray, scale: float) -> np.ndarray:
    out = np.full(len(x), np.nan)
    ok = (x >= 0) & (y >= 0)
    out[ok] = np.clip(1.0 - np.abs(x[ok] - y[ok]) / scale, 0.0, 1.0)
    return out


def _salary_similarity(t: _Table, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Overlap of the two ranges over their union (1: same range, 0: disjoint)."""
    lo_a, hi_a, lo_b, hi_b = t.smin[a], t.smax[a], t.smin[b], t.smax[b]
    with np.errstate(invalid="ignore", divide="ignore"):
        inter = np.minimum(hi_a, hi_b) - np.maximum(lo_a, lo_b)
        union = np.maximum(hi_a, hi_b) - np.minimum(lo_a, lo_b)
        sim = np.where(union > 0, np.clip(inter / union, 0.0, 1.0), np.where(inter >= 0, 1.0, 0.0))
    sim[np.isnan(lo_a) | np.isnan(lo_b)] = np.nan
    return sim


class _Scores:
    """Per-field similarities and points of a set of pairs (column arrays)."""

    def __init__(self, t: _Table, pairs: np.ndarray, config: DedupConfig) -> None:
        a, b = pairs[:, 0], pairs[:, 1]
        w = config.weights
        sims: dict[str, np.ndarray] = {}
        sims["title"] = _coded_similarity(t.title, t.title_strings, a, b, config.workers, _title_similarity)
        sims["employer"] = _coded_similarity(t.emp, t.emp_strings, a, b, config.workers, _employer_similarity)
        both = (t.dept[a] >= 0) & (t.dept[b] >= 0)
        sims["department"] = np.where(both, (t.dept[a] == t.dept[b]).astype(float), np.nan)
        sims["city"] = _coded_similarity(t.city, t.city_strings, a, b, config.workers)
        sims["published"] = _date_similarity(t.pub[a], t.pub[b], config.published_scale_days)
        sims["deadline"] = _date_similarity(t.dl[a], t.dl[b], config.deadline_scale_days)
        sims["category"] = _lookup_sim(_CATEGORY_SIM, t.cat[a], t.cat[b])
        sims["contract"] = _lookup_sim(_CONTRACT_SIM, t.contract[a], t.contract[b])
        sims["remote"] = _lookup_sim(_REMOTE_SIM, t.remote[a], t.remote[b])
        sims["salary"] = _salary_similarity(t, a, b)
        sims["description"] = np.full(len(a), np.nan)
        total = np.zeros(len(a))
        for name in FIELDS[:-1]:
            total += w[name].points(sims[name])
        # the description is long to compare: only where it can change the decision
        desc_w = w["description"]
        undecided = np.flatnonzero((total >= config.threshold - desc_w.agree)
                                   & (total < config.threshold + desc_w.disagree))
        if len(undecided):
            desc = t.description_codes(np.concatenate((a[undecided], b[undecided])))
            sims["description"][undecided] = _coded_similarity(
                desc, t.desc_strings, a[undecided], b[undecided], config.workers)
            total[undecided] += desc_w.points(sims["description"][undecided])
        self.sims = sims
        self.total = total
        title = sims["title"]
        self.is_match = (total >= config.threshold) & ~(title < config.min_title)

    def field_scores(self, ks: Sequence[int]) -> list[dict[str, float]]:
        """The similarities of pairs ``ks`` (fields missing on either side left out)."""
        if not len(ks):
            return []
        rows = np.round(np.column_stack([self.sims[name][ks] for name in FIELDS]), 3).tolist()
        return [{name: v for name, v in zip(FIELDS, row) if not math.isnan(v)} for row in rows]

    def points(self, k: int, config: DedupConfig) -> dict[str, float]:
        """The match points of pair ``k``, per field."""
        return {name: round(float(config.weights[name].points(self.sims[name][k:k + 1])[0]), 3)
                for name in FIELDS if not math.isnan(self.sims[name][k])}


def score_pair(a: DedupRecord, b: DedupRecord, config: DedupConfig | None = None,
               context: Sequence[DedupRecord] = ()) -> PairScore:
    """Compare two records field by field (whatever their sources): the points, the
    per-field similarities and whether the fuzzy rule calls them the same job.

    Uses the same code as :func:`dedup_records`; meant for tests, explanations and tuning.
    ``context``: other records whose employer names teach aliases (as the batch does in
    :func:`dedup_records`: "Direction du numérique pour l'éducation (DNE)" makes "DNE" and
    "Direction du numérique pour l'éducation" one employer).
    """
    config = config or DedupConfig()
    t = _Table([a, b], [True, True], config, context)
    scores = _Scores(t, np.array([[0, 1]], dtype=np.int64), config)
    return PairScore(score=round(float(scores.total[0]), 3), field_scores=scores.field_scores([0])[0],
                     points=scores.points(0, config), is_match=bool(scores.is_match[0]))


# ============================================================================ clustering
class _Groups:
    """Union–find over records; each group knows its sources (a bit mask) and its existing offer."""

    def __init__(self, t: _Table) -> None:
        self.parent = list(range(t.n))
        self.sources: list[int] = [1 << s for s in t.src.tolist()]
        self.offer: list[int] = t.offer.tolist()

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    def can_join(self, ra: int, rb: int) -> bool:
        """Two groups may merge unless they share a source or hold two existing offers."""
        if self.offer[ra] >= 0 and self.offer[rb] >= 0 and self.offer[ra] != self.offer[rb]:
            return False  # two existing offers never merge: their ids must stay
        return not (self.sources[ra] & self.sources[rb])

    def union(self, ra: int, rb: int) -> int:
        self.parent[rb] = ra
        self.sources[ra] |= self.sources[rb]
        if self.offer[ra] < 0:
            self.offer[ra] = self.offer[rb]
        return ra


def _founder_order(r: DedupRecord) -> tuple[Any, ...]:
    """The founding posting of a new group: the earliest published, then by source, reference."""
    return (r.published_at or date.max, r.source, str(r.reference))


def dedup_records(new: Sequence[DedupRecord], existing: Sequence[DedupRecord] = (),
                  config: DedupConfig | None = None) -> DedupOutcome:
    """Decide the offer of every ``new`` record, against the ``existing`` ones.

    ``existing`` records must carry their ``offer_id``; give *all* the postings of an offer
    that is a candidate (the one-posting-per-source rule needs the offer's sources). New
    records that match each other (two sources in one batch) are grouped too. Returns one
    :class:`MatchDecision` per new record, in the order of ``new``.
    """
    # this builds a few hundred thousand small objects at once: the cyclic garbage collector,
    # triggered again and again, would rescan them all (most of the time at 100k postings)
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _dedup_records(new, existing, config or DedupConfig())
    finally:
        if gc_was_enabled:
            gc.enable()


def _dedup_records(new: Sequence[DedupRecord], existing: Sequence[DedupRecord],
                   config: DedupConfig) -> DedupOutcome:
    t0 = time.perf_counter()
    new_keys = {r.key for r in new}
    kept_existing = []
    for r in existing:
        if r.key in new_keys:
            continue
        if not r.offer_id:
            log.warning("dedup: existing posting %r has no offer; ignored", r.key)
            continue
        kept_existing.append(r)
    records: list[DedupRecord] = [*new, *kept_existing]
    t = _Table(records, [True] * len(new) + [False] * len(kept_existing), config)
    timings = {"records": time.perf_counter() - t0}
    groups = _Groups(t)
    # the postings of one existing offer form one group from the start
    first_of_offer: dict[int, int] = {}
    for i in range(len(new), t.n):
        o = int(t.offer[i])
        if o in first_of_offer:
            ra, rb = groups.find(first_of_offer[o]), groups.find(i)
            if ra != rb:
                groups.union(ra, rb)
        else:
            first_of_offer[o] = i

    fuzzy = _candidate_pairs(t, config)
    refs = _reference_pairs(records, t)
    pairs = np.concatenate((refs, fuzzy)) if len(refs) else fuzzy
    is_ref = np.zeros(len(pairs), dtype=bool)
    is_ref[:len(refs)] = True
    if len(refs) and len(fuzzy):  # a reference pair is not compared twice
        keep = ~np.isin(fuzzy[:, 0] * t.n + fuzzy[:, 1], refs[:, 0] * t.n + refs[:, 1])
        pairs = np.concatenate((refs, fuzzy[keep]))
        is_ref = is_ref[:len(pairs)]
    timings["blocking"] = time.perf_counter() - t0 - sum(timings.values())
    scores = _Scores(t, pairs, config) if len(pairs) else None
    timings["scoring"] = time.perf_counter() - t0 - sum(timings.values())

    # best first: every reference link, then fuzzy matches by decreasing points
    edges: dict[int, list[tuple[int, int]]] = defaultdict(list)
    matched = 0
    if scores is not None:
        accepted = np.flatnonzero(is_ref | scores.is_match)
        order = accepted[np.lexsort((-scores.total[accepted], ~is_ref[accepted]))]
        for k in order:
            i, j = int(pairs[k, 0]), int(pairs[k, 1])
            ri, rj = groups.find(i), groups.find(j)
            if ri == rj or not groups.can_join(ri, rj):
                continue
            groups.union(ri, rj)
            edges[i].append((j, int(k)))
            edges[j].append((i, int(k)))
            matched += 1

    decisions = _decisions(records, len(new), t, groups, edges, is_ref, scores)
    timings["merging"] = time.perf_counter() - t0 - sum(timings.values())
    outcome = DedupOutcome(decisions=decisions, candidate_pairs=len(pairs),
                           reference_pairs=int(is_ref.sum()), matched_pairs=matched,
                           seconds=round(time.perf_counter() - t0, 3),
                           timings={k: round(v, 3) for k, v in timings.items()})
    log.debug("dedup: %d new, %d existing, %d candidate pairs, %d links in %.2fs",
              len(new), len(kept_existing), outcome.candidate_pairs, matched, outcome.seconds)
    return outcome


def _decisions(records: Sequence[DedupRecord], n_new: int, t: _Table, groups: _Groups,
               edges: Mapping[int, list[tuple[int, int]]], is_ref: np.ndarray,
               scores: _Scores | None) -> list[MatchDecision]:
    """Walk every group from its roots (its existing postings, else its founder) along the
    accepted links: each new record is decided by the link that reached it."""
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(n_new):
        members[groups.find(i)].append(i)
    for i in range(n_new, t.n):
        root = groups.find(i)
        if root in members:
            members[root].append(i)
    out: dict[int, MatchDecision] = {}
    links: list[tuple[int, int, int, str | None, Hashable | None]] = []  # (record, parent, pair, offer, founder)
    for group in members.values():
        if len(group) == 1:  # most postings: alone, founding their offer
            key = records[group[0]].key
            out[group[0]] = MatchDecision(key=key, matched_key=None, rule="founder", score=None,
                                          field_scores={}, founder_key=key)
            continue
        new_members = [i for i in group if i < n_new]
        olds = [i for i in group if i >= n_new]
        if olds:
            roots, offer_id, founder_key = olds, records[olds[0]].offer_id, None
        else:
            founder = min(new_members, key=lambda i: _founder_order(records[i]))
            roots, offer_id, founder_key = [founder], None, records[founder].key
            out[founder] = MatchDecision(key=founder_key, matched_key=None, rule="founder",
                                         score=None, field_scores={}, founder_key=founder_key)
        seen = set(roots)
        queue = deque(roots)
        while queue:
            i = queue.popleft()
            for j, k in edges.get(i, ()):
                if j not in seen:
                    seen.add(j)
                    queue.append(j)
                    if j < n_new:
                        links.append((j, i, k, offer_id, founder_key))
    if links:
        assert scores is not None
        ks = [k for _, _, k, _, _ in links]
        for (j, i, k, offer_id, founder_key), fs in zip(links, scores.field_scores(ks)):
            out[j] = MatchDecision(key=records[j].key, matched_key=records[i].key,
                                   rule="reference" if is_ref[k] else "fuzzy",
                                   score=round(float(scores.total[k]), 3), field_scores=fs,
                                   offer_id=offer_id, founder_key=founder_key)
    return [out[i] for i in range(n_new)]


def assign(new: Sequence[DedupRecord], existing: Sequence[DedupRecord] = (),
           config: DedupConfig | None = None) -> list[MatchDecision]:
    """The decisions of :func:`dedup_records` (one per new record, in order)."""
    return dedup_records(new, existing, config).decisions


# ============================================================================ the database step
@dataclass
class DedupResult:
    """What :func:`dedup_pending` did (counters for the crawl run record and the CLI)."""

    #: pending postings handled: assigned to an offer, kept in theirs, or cleared (not digital)
    postings_processed: int = 0
    #: new offers founded
    offers_created: int = 0
    #: pending postings that joined an offer founded by another posting (rule reference or fuzzy)
    postings_merged: int = 0
    #: candidate pairs compared (blocking output, quoted references included)
    candidate_pairs: int = 0
    seconds: float = 0.0
    #: changed postings already in an offer: they stay there (their offer is refreshed)
    postings_kept: int = 0
    reference_matches: int = 0
    fuzzy_matches: int = 0
    #: postings of existing offers loaded as candidates
    existing_loaded: int = 0


def _posting_columns(config: DedupConfig) -> tuple[Any, ...]:
    from sqlalchemy import func

    from storage.models import Posting

    return (Posting.id, Posting.source, Posting.reference, Posting.title, Posting.employer,
            Posting.employer_key, Posting.city, Posting.department_code, Posting.published_at,
            Posting.deadline, Posting.category, Posting.contract, Posting.remote, Posting.salary_min,
            Posting.salary_max, func.substr(Posting.description, 1, config.description_chars).label("excerpt"),
            Posting.pep_references, Posting.offer_id, Posting.is_digital, Posting.status)


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):  # a database that hands dates back as text
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _record(row: Any) -> DedupRecord:
    refs = row.pep_references if isinstance(row.pep_references, (list, tuple)) else ()
    return DedupRecord(
        key=row.id, source=row.source, reference=row.reference, title=row.title, employer=row.employer,
        employer_key=row.employer_key, city=row.city, department_code=row.department_code,
        published_at=_as_date(row.published_at), deadline=_as_date(row.deadline), category=row.category,
        contract=row.contract, remote=row.remote, salary_min=row.salary_min, salary_max=row.salary_max,
        description=row.excerpt, pep_references=tuple(str(r) for r in refs if r), offer_id=row.offer_id)


def _candidate_conditions(new: Sequence[DedupRecord], config: DedupConfig) -> list[Any]:
    """SQL conditions selecting the postings that may share a blocking key with ``new``.

    A superset of what the blocking passes pair (same department, or same employer key,
    within the publication window; same employer key and deadline; a quoted reference).
    One condition per department and per employer key keeps each one small and indexable.
    """
    from sqlalchemy import and_, or_

    from storage.models import Posting

    gap = timedelta(days=config.max_day_gap)
    windows: dict[tuple[str, str], list[date | None]] = defaultdict(list)
    deadlines: dict[str, set[date]] = defaultdict(set)
    for r in new:
        dept = _norm_code(r.department_code)
        if dept:
            windows[("department_code", dept)].append(r.published_at)
        if r.employer_key:
            windows[("employer_key", r.employer_key)].append(r.published_at)
            if r.deadline:
                deadlines[r.employer_key].add(r.deadline)
    conditions: list[Any] = []
    for (column_name, value), days in windows.items():
        column = getattr(Posting, column_name)
        if any(d is None for d in days):
            when: Any = None  # a record without a date: the whole block
        else:
            known = [d for d in days if d is not None]
            when = or_(Posting.published_at.between(min(known) - gap, max(known) + gap),
                       Posting.published_at.is_(None))
        if column_name == "employer_key" and deadlines.get(value):
            extra = Posting.deadline.in_(sorted(deadlines[value]))
            when = extra if when is None else or_(when, extra)
        conditions.append(column == value if when is None else and_(column == value, when))
    return conditions


def _load_candidates(session: Any, new: Sequence[DedupRecord], config: DedupConfig) -> list[DedupRecord]:
    """The postings of existing offers that may match ``new``, and every sibling posting of
    those offers (the one-posting-per-source rule needs each offer's sources)."""
    from sqlalchemy import Text, cast, or_, select

    from storage.models import Posting
    from storage.postings import chunked

    columns = _posting_columns(config)
    in_offer = (Posting.offer_id.is_not(None), Posting.is_digital.is_(True))
    if session.scalar(select(Posting.id).where(*in_offer).limit(1)) is None:
        return []  # no offer yet (a first crawl): every query below would find nothing
    found: dict[int, DedupRecord] = {}

    def load(condition: Any) -> None:
        for row in session.execute(select(*columns).where(*in_offer, condition)):
            if row.id not in found:
                found[row.id] = _record(row)

    for batch in chunked(_candidate_conditions(new, config), 250):
        load(or_(*batch))
    quoted = sorted({ref for r in new for ref in r.pep_references})
    for batch in chunked(quoted):
        load(Posting.reference.in_(batch))
    # postings already stored that quote the reference of a new one (the quote came first)
    references = {str(r.reference) for r in new}
    quoting = cast(Posting.pep_references, Text).like('%"%')  # a JSON list holding a string
    for row in session.execute(select(*columns).where(*in_offer, quoting)):
        if row.id not in found and references.intersection(map(str, row.pep_references or ())):
            found[row.id] = _record(row)
    offers = sorted({r.offer_id for r in found.values() if r.offer_id})
    for batch in chunked(offers):
        load(Posting.offer_id.in_(batch))
    return list(found.values())


def dedup_pending(session: Any, *, run_id: int | None, config: DedupConfig | None = None) -> DedupResult:
    """Assign every pending posting to an offer; write ``offer_merges``; refresh the offers.

    Pending postings (``dedup_pending``) are the new or changed ones (``storage.postings``):

    - an active digital posting without an offer is matched against the postings of existing
      offers that share a blocking key with it, and against the other pending ones: it joins
      the offer of the posting it matches, or founds a new offer whose id is
      ``storage.offers.offer_id_for(source, reference)``;
    - a changed posting already in an offer stays in it (no re-check: offer ids never move);
    - a posting that is not digital is only cleared; a ``gone`` one stays pending until it
      is seen again.

    Each assignment writes an ``offer_merges`` row (rule ``founder``/``reference``/``fuzzy``,
    score, per-field similarities, matched posting, ``run_id``); then every offer touched is
    recomputed by ``storage.offers.refresh_offers``. Works in the caller's transaction and
    never commits.

    Two processes never run it at once (crawls of several sources end together under the
    scheduler): it first takes the ``dedup`` step lock (``storage.locks.hold_step_lock``),
    held until the caller's transaction ends, so the second one waits and then finds the
    postings the first one assigned no longer pending — instead of founding the same
    offers a second time.
    """
    from sqlalchemy import select, update

    from storage.locks import DEDUP_STEP, hold_step_lock
    from storage.models import Offer, OfferMerge, Posting
    from storage.offers import offer_id_for, refresh_offers
    from storage.postings import chunked, insert_rows, update_rows

    config = config or DedupConfig()
    t0 = time.perf_counter()
    hold_step_lock(session, DEDUP_STEP)
    result = DedupResult()
    rows = session.execute(select(*_posting_columns(config)).where(Posting.dedup_pending.is_(True))).all()
    new: list[DedupRecord] = []
    clear: list[int] = []
    touched: set[str] = set()
    for row in rows:
        if row.offer_id is not None:  # changed, already in an offer: stays there
            clear.append(row.id)
            touched.add(row.offer_id)
            result.postings_kept += 1
        elif not row.is_digital:
            clear.append(row.id)
        elif row.status == "active":
            new.append(_record(row))
        # a gone posting without an offer stays pending: it is assigned if it comes back
    result.postings_processed = len(clear) + len(new)

    if new:
        existing = _load_candidates(session, new, config)
        result.existing_loaded = len(existing)
        outcome = dedup_records(new, existing, config)
        result.candidate_pairs = outcome.candidate_pairs
        by_key = {r.key: r for r in new}
        offer_of: dict[Hashable, str] = {}
        founders = [by_key[d.key] for d in outcome.decisions if d.rule == "founder"]
        for r in founders:
            offer_of[r.key] = offer_id_for(r.source, r.reference)
        known = set()
        for batch in chunked(sorted(offer_of.values())):
            known.update(session.scalars(select(Offer.id).where(Offer.id.in_(batch))))
        new_offers = [{"id": offer_of[r.key], "title": r.title or "", "status": "active"}
                      for r in founders if offer_of[r.key] not in known]
        insert_rows(session, Offer, new_offers)
        result.offers_created = len(new_offers)
        merges: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for d in outcome.decisions:
            offer_id = d.offer_id or offer_of[d.founder_key]
            touched.add(offer_id)
            updates.append({"id": d.key, "offer_id": offer_id, "dedup_pending": False})
            merges.append({"offer_id": offer_id, "posting_id": d.key, "matched_posting_id": d.matched_key,
                           "rule": d.rule, "score": d.score, "field_scores": d.field_scores, "run_id": run_id})
            if d.rule == "reference":
                result.reference_matches += 1
            elif d.rule == "fuzzy":
                result.fuzzy_matches += 1
        result.postings_merged = result.reference_matches + result.fuzzy_matches
        update_rows(session, Posting, updates)
        insert_rows(session, OfferMerge, merges)
    for batch in chunked(clear):
        session.execute(update(Posting).where(Posting.id.in_(batch)).values(dedup_pending=False)
                        .execution_options(synchronize_session=False))
    if touched:
        refresh_offers(session, sorted(touched), run_id=run_id)
    result.seconds = round(time.perf_counter() - t0, 3)
    log.info("dedup: %d pending postings, %d new offers, %d merged (%d by reference), %d kept in "
             "their offer, %d candidate pairs, %.2fs", result.postings_processed, result.offers_created,
             result.postings_merged, result.reference_matches, result.postings_kept,
             result.candidate_pairs, result.seconds)
    return result
