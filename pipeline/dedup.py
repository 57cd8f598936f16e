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
   salary, description) with rapidfuzz. Each field adds or removes *match points*
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

import logging
import math
import re
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Hashable, Iterable, Mapping, Sequence

import numpy as np
from rapidfuzz import fuzz, process

from normalize.text import fold

log = logging.getLogger(__name__)

__all__ = [
    "DedupConfig", "DedupOutcome", "DedupRecord", "DedupResult", "FieldWeight", "MatchDecision",
    "PairScore", "assign", "comparison_title", "dedup_pending", "dedup_records", "score_pair",
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
        # the job itself: a reworded title is still ~0.75 similar, another job ~0.4–0.65
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
    fewer false merges (precision), lower it for fewer missed duplicates (recall).
    ``min_title``: a pair whose title similarity is below this never matches by fuzzy rule,
    whatever the other fields say (two jobs of one employer, same place and dates).
    ``window``: neighbours compared per record and blocking pass (sorted neighbourhood);
    ``max_day_gap``: publication dates further apart are not paired by the date-ordered passes.
    ``published_scale_days`` / ``deadline_scale_days``: a date difference of that many days
    gives similarity 0 (a difference of 0 gives 1).
    """

    threshold: float = 10.0
    min_title: float = 0.5
    window: int = 12
    max_day_gap: int = 45
    published_scale_days: float = 14.0
    deadline_scale_days: float = 5.0
    description_chars: int = 600
    weights: Mapping[str, FieldWeight] = field(default_factory=_default_weights)
    #: rapidfuzz worker threads (-1: all cores)
    workers: int = -1


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


# ============================================================================ comparison keys
_TOKEN = re.compile(r"[a-z0-9]+")
#: words that carry no meaning in a job title
_TITLE_STOPWORDS = frozenset(
    "a au aux d de des du e en et f h l la le les ne par pour se sur un une x the of and "
    "hf fh".split())
#: feminine forms and abbreviations → the masculine full form (titles are written both ways)
_TITLE_SYNONYMS: dict[str, str] = {
    "dev": "developpeur", "developpeuse": "developpeur", "developpeu": "developpeur",
    "inge": "ingenieur", "ing": "ingenieur", "ingenieure": "ingenieur",
    "cheffe": "chef", "administratrice": "administrateur", "admin": "administrateur",
    "technicienne": "technicien", "tech": "technicien", "techn": "technicien",
    "chargee": "charge", "directrice": "directeur", "dir": "directeur", "experte": "expert",
    "auditrice": "auditeur", "adjointe": "adjoint", "consultante": "consultant",
    "informaticienne": "informaticien", "statisticienne": "statisticien",
    "analyste": "analyste", "gestionnaire": "gestionnaire", "resp": "responsable",
    "sys": "systeme", "dba": "administrateur base donnee", "devops": "devop",
}


def _stem(token: str) -> str:
    """Plural → singular, lightly: "systemes" → "systeme", "reseaux" → "reseau"."""
    if len(token) > 3 and token[-1] in "sx" and not token.endswith("ss"):
        return token[:-1]
    return token


@lru_cache(maxsize=65536)
def _title_tokens(title: str) -> tuple[str, ...]:
    out: list[str] = []
    for raw in _TOKEN.findall(fold(title)):
        for token in _TITLE_SYNONYMS.get(raw, raw).split():
            token = _stem(token)
            if token in _TITLE_STOPWORDS or token in out:
                continue
            out.append(token)
    return tuple(out)


@lru_cache(maxsize=65536)
def _place_tokens(city: str) -> frozenset[str]:
    return frozenset(t for t in _TOKEN.findall(fold(city)) if len(t) > 2)


def comparison_title(title: str | None, city: str | None = None) -> str | None:
    """The form of a title that dedup compares: folded, feminine forms and abbreviations
    expanded, plurals and filler words dropped, the record's own city left out.

    >>> comparison_title("Développeuse / Développeur back-end Python")
    'developpeur back end python'
    >>> comparison_title("Dév. back-end Python")
    'developpeur back end python'
    >>> comparison_title("Ingénieur systèmes et réseaux – site de Clermont-Ferrand", "Clermont-Ferrand")
    'ingenieur systeme reseau site'
    """
    if not title:
        return None
    tokens = _title_tokens(title)
    if city:
        drop = _place_tokens(city)
        tokens = tuple(t for t in tokens if t not in drop)
    return " ".join(tokens) or None


def _employer_ident(record: DedupRecord) -> str | None:
    key = record.employer_key or (fold(record.employer) if record.employer else None)
    return key or None


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
    """The records as column arrays: integer codes for blocking, strings for rapidfuzz."""

    def __init__(self, records: Sequence[DedupRecord], is_new: Sequence[bool], config: DedupConfig) -> None:
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

        src = np.empty(n, np.int32)
        emp = np.empty(n, np.int64)
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
        emp_str: list[str | None] = []
        city_str: list[str | None] = []
        cat_index = {c: i for i, c in enumerate(_CATEGORIES)}
        contract_index = {c: i for i, c in enumerate(_CONTRACTS)}
        remote_index = {c: i for i, c in enumerate(_REMOTES)}
        for i, r in enumerate(records):
            src[i] = code("source", r.source)
            ek = _employer_ident(r)
            emp_str.append(ek)
            emp[i] = code("employer", ek)
            dept[i] = code("department", _norm_code(r.department_code))
            c = fold(r.city) or None
            city_str.append(c)
            city[i] = code("city", c)
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
        self.titles = titles
        self.emp_str = emp_str
        self.city_str = city_str
        self.src, self.emp, self.dept, self.city, self.offer = src, emp, dept, city, offer
        self.pub, self.dl, self.cat, self.contract, self.remote = pub, dl, cat, contract, remote
        self.smin, self.smax = smin, smax
        self.description_chars = config.description_chars

    def descriptions(self, idx: np.ndarray) -> list[str]:
        limit = self.description_chars
        return [fold((self.records[i].description or "")[:limit]) for i in idx]


def _salary_range(lo: Any, hi: Any) -> tuple[float, float]:
    def num(v: Any) -> float:
        try:
            f = float(v)
        except (TypeError, ValueError):
            return math.nan
        return f if f > 0 else math.nan

    a, b = num(lo), num(hi)
    if math.isnan(a):
        a = b
    if math.isnan(b):
        b = a
    if not math.isnan(a) and a > b:
        a, b = b, a
    return a, b


# ============================================================================ blocking
#: sorted-neighbourhood passes: (name, columns that must be equal, columns sorted within, date gap check)
_PASSES: tuple[tuple[str, tuple[str, ...], tuple[str, ...], bool], ...] = (
    # same employer and department, similar titles next to each other
    ("employer_place_title", ("emp", "dept"), ("title", "pub"), True),
    # same employer and department, published the same days, whatever the title (a reworded title)
    ("employer_place_date", ("emp", "dept"), ("pub", "dl"), True),
    # same department and title, the employer written differently
    ("place_title", ("dept", "title"), ("pub",), True),
    # same employer and deadline: publication dates far apart, or the place missing
    ("employer_deadline", ("emp", "dl"), ("title", "pub"), False),
    # same employer and title: the department missing on one side
    ("employer_title", ("emp", "title"), ("pub",), True),
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
    pairs = np.concatenate(chunks)
    pairs.sort(axis=1)
    pairs = np.unique(pairs, axis=0)
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
    return np.unique(np.array(out, dtype=np.int64), axis=0)


# ============================================================================ scoring
def _string_similarity(left: list[str], right: list[str], workers: int) -> np.ndarray:
    """Title-style similarity in [0, 1]: mean of rapidfuzz token_set and token_sort ratios."""
    if not left:
        return np.empty(0)
    a = process.cpdist(left, right, scorer=fuzz.token_set_ratio, workers=workers)
    b = process.cpdist(left, right, scorer=fuzz.token_sort_ratio, workers=workers)
    return (np.asarray(a, dtype=np.float64) + np.asarray(b, dtype=np.float64)) / 200.0


def _text_pairs_similarity(t: _Table, values: list[str | None], a: np.ndarray, b: np.ndarray,
                           codes: np.ndarray | None, workers: int) -> np.ndarray:
    """Similarity of a string column over pairs; equal codes short-cut to 1, None gives NaN."""
    out = np.full(len(a), np.nan)
    if codes is not None:
        present = (codes[a] >= 0) & (codes[b] >= 0)
        equal = present & (codes[a] == codes[b])
        out[equal] = 1.0
        todo = np.flatnonzero(present & ~equal)
    else:
        todo = np.flatnonzero(np.fromiter((values[i] is not None and values[j] is not None
                                           for i, j in zip(a, b)), dtype=bool, count=len(a)))
    if len(todo):
        out[todo] = _string_similarity([values[i] for i in a[todo]], [values[j] for j in b[todo]], workers)
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
        sims["title"] = _text_pairs_similarity(t, t.titles, a, b, t.title, config.workers)
        sims["employer"] = _text_pairs_similarity(t, t.emp_str, a, b, t.emp, config.workers)
        both = (t.dept[a] >= 0) & (t.dept[b] >= 0)
        sims["department"] = np.where(both, (t.dept[a] == t.dept[b]).astype(float), np.nan)
        sims["city"] = _text_pairs_similarity(t, t.city_str, a, b, t.city, config.workers)
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
            left = t.descriptions(a[undecided])
            right = t.descriptions(b[undecided])
            ok = np.array([bool(x) and bool(y) for x, y in zip(left, right)], dtype=bool)
            if ok.any():
                sel = undecided[ok]
                sims["description"][sel] = np.asarray(process.cpdist(
                    [x for x, k in zip(left, ok) if k], [y for y, k in zip(right, ok) if k],
                    scorer=fuzz.token_set_ratio, workers=config.workers), dtype=np.float64) / 100.0
                total[sel] += desc_w.points(sims["description"][sel])
        self.sims = sims
        self.total = total
        title = sims["title"]
        self.is_match = (total >= config.threshold) & ~(title < config.min_title)

    def field_scores(self, k: int) -> dict[str, float]:
        return {name: round(float(self.sims[name][k]), 3) for name in FIELDS
                if not math.isnan(self.sims[name][k])}

    def points(self, k: int, config: DedupConfig) -> dict[str, float]:
        out = {}
        for name in FIELDS:
            s = self.sims[name][k]
            if not math.isnan(s):
                out[name] = round(float(config.weights[name].points(np.array([s]))[0]), 3)
        return out


def score_pair(a: DedupRecord, b: DedupRecord, config: DedupConfig | None = None) -> PairScore:
    """Compare two records field by field (whatever their sources): the points, the
    per-field similarities and whether the fuzzy rule calls them the same job.

    Uses the same code as :func:`dedup_records`; meant for tests, explanations and tuning.
    """
    config = config or DedupConfig()
    t = _Table([a, b], [True, True], config)
    scores = _Scores(t, np.array([[0, 1]], dtype=np.int64), config)
    return PairScore(score=round(float(scores.total[0]), 3), field_scores=scores.field_scores(0),
                     points=scores.points(0, config), is_match=bool(scores.is_match[0]))


# ============================================================================ clustering
class _Groups:
    """Union–find over records, each group knowing its sources and its existing offer."""

    def __init__(self, t: _Table) -> None:
        self.parent = list(range(t.n))
        self.sources: list[set[int]] = [{int(s)} for s in t.src]
        self.offer: list[int] = [int(o) for o in t.offer]

    def find(self, i: int) -> int:
        parent = self.parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def can_join(self, ra: int, rb: int) -> bool:
        if self.offer[ra] >= 0 and self.offer[rb] >= 0 and self.offer[ra] != self.offer[rb]:
            return False  # two existing offers never merge (their ids must stay)
        return not (self.sources[ra] & self.sources[rb])

    def union(self, ra: int, rb: int) -> int:
        if len(self.sources[ra]) < len(self.sources[rb]):
            ra, rb = rb, ra
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
    config = config or DedupConfig()
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
        codes = pairs[:, 0] * t.n + pairs[:, 1]
        _, first = np.unique(codes, return_index=True)
        keep = np.zeros(len(pairs), dtype=bool)
        keep[first] = True
        pairs, is_ref = pairs[keep], is_ref[keep]
    scores = _Scores(t, pairs, config) if len(pairs) else None

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

    decisions = _decisions(records, len(new), t, groups, edges, pairs, is_ref, scores)
    outcome = DedupOutcome(decisions=decisions, candidate_pairs=int(len(pairs)),
                           reference_pairs=int(is_ref.sum()), matched_pairs=matched,
                           seconds=round(time.perf_counter() - t0, 3))
    log.debug("dedup: %d new, %d existing, %d candidate pairs, %d links in %.2fs",
              len(new), len(kept_existing), outcome.candidate_pairs, matched, outcome.seconds)
    return outcome


def _decisions(records: Sequence[DedupRecord], n_new: int, t: _Table, groups: _Groups,
               edges: Mapping[int, list[tuple[int, int]]], pairs: np.ndarray, is_ref: np.ndarray,
               scores: _Scores | None) -> list[MatchDecision]:
    """Walk every group from its roots (its existing postings, else its founder) along the
    accepted links: each new record is decided by the link that reached it."""
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(t.n):
        members[groups.find(i)].append(i)
    out: dict[int, MatchDecision] = {}
    for root, group in members.items():
        new_members = [i for i in group if i < n_new]
        if not new_members:
            continue
        olds = [i for i in group if i >= n_new]
        offer_id = records[olds[0]].offer_id if olds else None
        if olds:
            roots, founder = olds, None
        else:
            founder = min(new_members, key=lambda i: _founder_order(records[i]))
            roots = [founder]
            out[founder] = MatchDecision(key=records[founder].key, matched_key=None, rule="founder",
                                         score=None, field_scores={}, founder_key=records[founder].key)
        seen = set(roots)
        queue = list(roots)
        while queue:
            i = queue.pop(0)
            for j, k in edges.get(i, ()):
                if j in seen:
                    continue
                seen.add(j)
                queue.append(j)
                if j < n_new:
                    assert scores is not None
                    out[j] = MatchDecision(
                        key=records[j].key, matched_key=records[i].key,
                        rule="reference" if is_ref[k] else "fuzzy",
                        score=round(float(scores.total[k]), 3), field_scores=scores.field_scores(k),
                        offer_id=offer_id, founder_key=None if olds else records[founder].key)
    return [out[i] for i in range(n_new)]


def assign(new: Sequence[DedupRecord], existing: Sequence[DedupRecord] = (),
           config: DedupConfig | None = None) -> list[MatchDecision]:
    """The decisions of :func:`dedup_records` (one per new record, in order)."""
    return dedup_records(new, existing, config).decisions
