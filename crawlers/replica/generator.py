"""Generate realistic offers for the four source kinds, with their ground truth.

The generator first chooses a *job* (a real opening: title, employer, place, category,
contract, remote, salary, dates), then publishes it on one source kind, sometimes on two
or three (cross-source duplicates), and sometimes adds a *near miss* (another job that looks
like it: same title at another employer or place, at another category, or a second opening
at the same employer and place published a week or more apart), on the same source or on
another one. Each publication is a :class:`Posting` whose ``truth`` is the catalogue record
the source's page means (CATALOGUE.md) and whose ``wording`` holds the choices the renderers
use to say it (date formats, salary phrasing, gender markers...). Pages are rendered on
request by :mod:`crawlers.replica.render`; nothing heavy happens here, so 50,000 postings
take seconds.

What makes the duplicates realistic at every size (docs/DEDUP.md measures dedup on them):

- pools of 175 digital titles (``data.JOB_TITLES``: generic ones and specialities such as
  "Développeur Java", "Chef de projet SI RH") and 114 State employers (31 rectorats);
  publication dates spread over :func:`publication_span` days, proportional to the
  number of postings beyond a live catalogue's size, and deadlines that follow them;
- a copy on another source is worded as that site would (:func:`reword`: abbreviations,
  feminine forms, another role word, the place or the team appended, no accents), names the
  employer as that site does (:meth:`_Generator.employer_name`: "DINUM", "Académie de Lyon",
  "Mairie de Brest"), may be published a day apart and may quote the PEP reference, before
  or after the pep posting appears.

Every wording the normalizers must read (the normalization issue's list) appears on a modest
share of the pages, each where a real source of that kind shows it. Choices that keep the
page's meaning are drawn by :meth:`_Generator.vary` from a second random stream (the jobs
drawn for a seed stay the same whatever wordings are added): "PARIS 15", "Lyon 3e
Arrondissement", "Ajaccio (2A)", "Saint-Denis (93)"/"(974)" on the feed (half its first digital jobs sit at
such a commune, in turn: :data:`TRICKY_PLACE_SHARE`), "Pas de télétravail", "selon grille", a stated versant,
"Publiée il y a 3 jours", overseas timestamps in local time, deadlines on the 1st of a month
("1er décembre 2026"), doubled spaces in titles, entities in descriptions. Wordings that change
what the page means (:meth:`_Generator.vary_alone`: "Télétravail" or a bare region or
department as the place, "à partir de 42k€", a net-only salary) go only to jobs published
once and without a look-alike, and their truth follows the page ("à partir de 42k€" →
``salary_min`` 42000, ``salary_max`` None; a net-only salary → both None; "Télétravail" → no
city, department or region; a bare region → the region only).

The feed kind also has an Atom variant (beta.gouv.fr ``/jobs.xml``): when ``feed`` is among
the kinds, :func:`generate` adds a small dedicated set of startup offers (:func:`atom_postings`,
drawn from their own random stream: the other postings of a seed do not change). They live
apart from :attr:`Dataset.postings` (``Dataset.atom``, ``source_kind`` ``"atom"``): a crawl of the
four default replica sources does not see them, a crawl of the ``replica_atom`` source
(``server.replica_sources_toml(..., atom=True)``) does, and :meth:`Dataset.atom_expected` is its
ground truth.

Dates are relative to the dataset's ``today`` (default 2026-11-22, what the tests pin); the
CLI generates for :func:`paris_today` (``follow_clock``: relative dates on pages keep counting
from the real date while a server runs across midnight).

    >>> ds = generate(200, seed=1)
    >>> ds.postings[0].truth["title"]          # doctest: +SKIP
"""

from __future__ import annotations

import json
import random
import threading
import unicodedata
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.replica import data as D
from normalize.text import fold

PARIS = ZoneInfo("Europe/Paris")
KINDS = ("pep", "jobposting", "feed", "api")
KIND_WEIGHTS = {"pep": 4, "jobposting": 2, "feed": 2, "api": 2}
NON_DIGITAL_SHARE = 0.30
QUIRK_SHARE = 0.02
#: the publication window of a live catalogue: 10,000 postings (about the State's digital
#: offers online at one time) are published over about this many days; a larger dataset
#: spans proportionally more time (100,000 postings are years of offers, most of them closed)
LIVE_DAYS = 160
LIVE_POSTINGS = 10_000
#: share of the non-pep copies of a job also on pep that quote its PEP reference
QUOTE_SHARE = 0.5
#: a second opening of a title at one employer and place is published at least this many days
#: apart from the first one
NEAR_MISS_MIN_DAYS = 7
#: how a copy quotes the PEP reference (crawlers.replica.render.pep_quote writes each)
PEP_QUOTE_STYLES = ("label", "short", "url")
#: share of the feed's first digital jobs placed at one of ``data.TRICKY_COMMUNES`` (in turn), each
#: commune's wordings also in turn ("Paris (75)", "75 - Paris", "PARIS 7"), up to
#: :data:`TRICKY_PLACE_TURNS` jobs: a small dataset shows every tricky place, a large one keeps
#: the employers' natural spread (no employer crowded with look-alike jobs)
TRICKY_PLACE_SHARE = 0.5
TRICKY_PLACE_TURNS = 2 * len(D.TRICKY_COMMUNES)
#: share of the feed's digital jobs that are full remote, on top of the general draw (about 4 %)
FEED_TOTAL_REMOTE_SHARE = 0.05
#: share of the open deadlines that fall on the 1st of a month ("1er décembre 2026")
FIRST_OF_MONTH_SHARE = 0.15
#: share of the titles published with a doubled space and a tab (whitespace to collapse)
SPACES_SHARE = 0.05
#: share of the descriptions written with named entities and ``&nbsp;``
ENTITIES_SHARE = 0.08
#: share of the feed's items that state the versant ("Fonction publique territoriale" category)
VERSANT_SHARE = 0.15
#: share of the feed's offer pages that say "Publiée il y a N jours" (within a month) instead of a date
RELATIVE_DATE_SHARE = 0.3
#: the feed's wordings of a salary grid (no amount: salary null)
GRILLE_WORDINGS = ("Selon grille indiciaire + RIFSEEP", "selon grille",
                   "Rémunération statutaire selon grille + régime indemnitaire")
#: the Atom feed's size: a tenth of the offers, at most this many entries (beta.gouv.fr lists a few dozen)
ATOM_MAX = 40
#: Atom entries are published over about this many days (the startups' open positions)
ATOM_DAYS = 75
#: a place that is no place ("Télétravail" as the Localisation of a full-remote job)
NOWHERE = ("Télétravail", "France entière")

TRUTH_FIELDS = ("title", "employer", "ministry", "public_service", "category", "contract", "city",
                "department_code", "region", "remote", "salary_min", "salary_max", "published_at",
                "deadline", "job_family", "is_digital", "status")


@dataclass
class Job:
    """One real opening, before any source publishes it."""

    key: str
    title: D.JobTitle
    employer: D.Employer
    commune: D.Commune
    category: str | None
    contract: str
    remote: str | None
    salary: tuple[int, int] | None     # gross annual, multiples of 1200
    published: date
    deadline: date | None
    street: str


@dataclass
class Posting:
    """One publication of a job on one source kind (what a spider should extract)."""

    source_kind: str
    reference: str
    offer_key: str
    truth: dict[str, Any]
    wording: dict[str, Any]
    slug: str
    api_id: int | None = None
    quirk: str | None = None          # "gone" (detail 404) or "no_jsonld"
    revision: int = 0
    modified: datetime = field(default_factory=lambda: datetime(2026, 1, 1, tzinfo=UTC))
    description: tuple[str, str] = ("", "")   # (missions html, profile html)
    job: Job | None = None

    @property
    def digital(self) -> bool:
        return bool(self.truth["is_digital"])

    @property
    def url(self) -> str:
        """Path of the detail page/document below the kind's base URL."""
        if self.source_kind == "pep":
            return f"/offre-emploi/{self.slug}-reference-{self.reference}/"
        if self.source_kind == "jobposting":
            return f"/emploi/{self.slug}/"
        if self.source_kind == "feed":
            return f"/offres/{self.reference}.html"
        if self.source_kind == "atom":  # the entry's link, below the feed kind's base URL
            return f"{self.reference}.html"
        return f"/api/v1/offers/{self.api_id}"


def stable_hash(*parts: object) -> int:
    """A hash that is the same in every process (``hash()`` of str is salted)."""
    return zlib.crc32("|".join(map(str, parts)).encode("utf-8"))


def publication_span(n_offers: int) -> int:
    """Days over which ``n_offers`` postings are published (:data:`LIVE_DAYS` up to a live
    catalogue's size, then proportional: the density of offers per day stays realistic)."""
    return max(LIVE_DAYS, round(LIVE_DAYS * n_offers / LIVE_POSTINGS))


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def slugify(text: str) -> str:
    """pep-like slug: accents dropped, non-alphanumerics to '-', each kept (so ' - ' gives '---')."""
    out = []
    for ch in strip_accents(text).lower():
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        elif ch in " -'/’":
            out.append("-")
    return "".join(out).strip("-")


def paris_today() -> date:
    """Today's date in Europe/Paris (the calendar of the catalogue's dates)."""
    return datetime.now(PARIS).date()


def paris_midnight_utc(day: date, minutes: int = 30) -> datetime:
    """A UTC instant late in the evening before ``day`` that is ``day`` in Paris."""
    local = datetime.combine(day, time(0, minutes), tzinfo=PARIS)
    return local.astimezone(UTC)


# ---------------------------------------------------------------- wordings of titles
GENDER_MARKERS = ("(H/F)", "(F/H)", "F/H", "(h/f)", "- H/F", "H-F", "h/f/x", "H/F", "")
_REWORDINGS = (("Développeur", "Dév."), ("Développeur", "Développeuse / Développeur"), ("Ingénieur", "Ingé"),
               ("Chef de projet", "Cheffe de projet"), ("Administrateur", "Administratrice / Administrateur"),
               ("Technicien", "Technicien·ne"))


_PLACE_APPENDS = ("{title} – site de {city}", "{title} - {city}", "{title} ({city})", "{title} – {city}")
_SPECIALITY_APPENDS = ("{title} - {speciality}", "{title} – {speciality}")


def reword(title: str, rng: random.Random, *, city: str | None = None, family: str | None = None) -> str:
    """A reworded title for a duplicate copy, as another site writes the same job.

    One of: an abbreviation or a feminine form ("Dév.", "Développeuse / Développeur"),
    another role word ("Administrateur systèmes" → "Ingénieur systèmes", see
    ``data.ROLE_SWAPS``), the place appended ("… – site de Clermont-Ferrand", needs ``city``),
    the team or platform appended ("… - plateforme de données", needs ``family``), or the
    accents dropped; sometimes two of them. Every wording keeps the job's family (the
    classifier's tests read them).
    """
    out = _reword_once(title, rng, city, family)
    if rng.random() < 0.2:
        out = _reword_once(out, rng, city, family)
    return out


def _reword_once(title: str, rng: random.Random, city: str | None, family: str | None) -> str:
    roll = rng.random()
    options = [(a, b) for a, b in _REWORDINGS if a in title and b not in title]
    if roll < 0.45 and options:
        a, b = rng.choice(options)
        return title.replace(a, b, 1)
    swap = next(((a, b) for a, b in D.ROLE_SWAPS if title.startswith(a)), None)
    if roll < 0.6 and swap:
        return title.replace(swap[0], swap[1], 1)
    if roll < 0.75 and city and fold(city) not in fold(title):
        return rng.choice(_PLACE_APPENDS).format(title=title, city=city)
    if roll < 0.88 and family in D.SPECIALITIES and " - " not in title and " – " not in title:
        return rng.choice(_SPECIALITY_APPENDS).format(title=title, speciality=rng.choice(D.SPECIALITIES[family]))
    stripped = strip_accents(title)
    return stripped if stripped != title else title.lower().capitalize()


class Dataset:
    """The generated postings, their ground truth, and mutations for tests."""

    def __init__(self, postings: Iterable[Posting], *, seed: int, today: date, kinds: tuple[str, ...],
                 near_misses: set[frozenset[tuple[str, str]]], atom: Iterable[Posting] = ()) -> None:
        self.seed = seed
        self.today = today
        self.kinds = kinds
        #: True when ``today`` is the real date (the CLI's default): pages then count their
        #: relative dates ("Publiée il y a 3 jours") from the real Paris date, even once the
        #: clock has passed midnight, as the live site does (see :meth:`shown_today`)
        self.follow_clock = False
        #: the Atom feed's entries (beta.gouv.fr shape), by reference (the entry's id path), newest first
        self.atom: dict[str, Posting] = {p.reference: p for p in sorted(
            atom, key=lambda p: (p.wording["published"], p.reference), reverse=True)}
        self._by_key: dict[tuple[str, str], Posting] = {}
        self._near = set(near_misses)
        self._order: dict[str, list[Posting]] | None = None
        self._rng = random.Random(seed ^ 0x5EED)
        self._next_api_id = 48000
        self._counters: dict[str, int] = defaultdict(int)
        self.version = 0
        self._apis: dict[int, Posting] | None = None
        self._slugs: dict[tuple[str, str], Posting] | None = None
        self._index_lock = threading.RLock()
        for p in postings:
            self._by_key[(p.source_kind, p.reference)] = p
            if p.api_id:
                self._next_api_id = max(self._next_api_id, p.api_id + 1)

    # ------------------------------------------------------------------ reading
    @property
    def postings(self) -> list[Posting]:
        return list(self._by_key.values())

    def get(self, kind: str, reference: str) -> Posting | None:
        return self._by_key.get((kind, reference))

    def shown_today(self) -> date:
        """The day the pages count relative dates from: ``today``, or for a dataset that
        follows the clock, the real Paris date once it is later (a server running for days)."""
        return max(self.today, paris_today()) if self.follow_clock else self.today

    def atom_entries(self) -> list[Posting]:
        """The Atom feed's entries in feed order (newest publication first)."""
        return list(self.atom.values())

    def atom_expected(self, base: str) -> dict[str, dict[str, Any]]:
        """The truth of every Atom entry a correct crawl of the feed at ``base`` (the feed
        kind's base URL) stores, by the reference the pipeline keeps: the entry's ``id``."""
        return {base + p.reference: dict(p.truth) for p in self.atom.values()}

    def by_api_id(self, api_id: int) -> Posting | None:
        return self._api_index().get(api_id)

    def by_slug(self, kind: str, slug: str) -> Posting | None:
        return self._slug_index().get((kind, slug))

    def truth_for(self, kind: str, reference: str) -> dict[str, Any]:
        return dict(self._by_key[(kind, reference)].truth)

    def ordered(self, kind: str) -> list[Posting]:
        """The postings of a kind in listing order (newest first, as each source sorts).

        Thread-safe: the replica server answers requests from several threads, and the
        indexes are built lazily (a half-built index answered 404 for an existing page).
        """
        with self._index_lock:
            return self._ordered(kind)

    def _ordered(self, kind: str) -> list[Posting]:
        if self._order is None:
            order: dict[str, list[Posting]] = defaultdict(list)
            for p in self._by_key.values():
                order[p.source_kind].append(p)
            for k, items in order.items():
                if k == "api":
                    items.sort(key=lambda p: (p.modified, p.api_id or 0), reverse=True)
                elif k == "feed":
                    items.sort(key=lambda p: (p.wording["pub_instant"], p.reference), reverse=True)
                elif k == "jobposting":
                    items.sort(key=lambda p: (p.modified, p.reference), reverse=True)
                else:
                    items.sort(key=lambda p: (p.truth["published_at"], p.reference), reverse=True)
            self._order = dict(order)
            self._apis = None
            self._slugs = None
        return self._order.get(kind, [])

    def _api_index(self) -> dict[int, Posting]:
        with self._index_lock:
            self._ordered("api")
            if self._apis is None:
                self._apis = {p.api_id: p for p in self._by_key.values() if p.api_id is not None}
            return self._apis

    def _slug_index(self) -> dict[tuple[str, str], Posting]:
        with self._index_lock:
            self._ordered("pep")
            if self._slugs is None:
                slugs: dict[tuple[str, str], Posting] = {}
                for p in self._by_key.values():
                    if p.source_kind == "pep":
                        slugs[("pep", f"{p.slug}-reference-{p.reference}")] = p
                    elif p.source_kind == "jobposting":
                        slugs[("jobposting", p.slug)] = p
                self._slugs = slugs
            return self._slugs

    def duplicate_pairs(self) -> set[frozenset[tuple[str, str]]]:
        """Pairs of postings (kind, reference) that are the same real job."""
        groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for p in self._by_key.values():
            groups[p.offer_key].append((p.source_kind, p.reference))
        pairs: set[frozenset[tuple[str, str]]] = set()
        for members in groups.values():
            for i, a in enumerate(members):
                for b in members[i + 1:]:
                    pairs.add(frozenset((a, b)))
        return pairs

    def near_miss_pairs(self) -> set[frozenset[tuple[str, str]]]:
        """Pairs of postings that look alike but are different jobs (must stay separate)."""
        return {pair for pair in self._near if all(k in self._by_key for k in pair)}

    def expected(self, *, gone: bool = False, no_jsonld: bool = False) -> dict[tuple[str, str], dict[str, Any]]:
        """Truth of every posting a correct crawl yields, given the server's quirk switches."""
        out = {}
        for key, p in self._by_key.items():
            if gone and p.quirk == "gone":
                continue
            if no_jsonld and p.quirk == "no_jsonld":
                continue
            out[key] = dict(p.truth)
        return out

    def write_truth(self, path: str | Path, base_urls: dict[str, str] | None = None) -> None:
        """Write the ground truth as JSON: postings (with offer_key, url, quirk), the pairs, and
        the Atom feed's entries (``atom_postings``: kind ``feed``, variant ``atom``; their
        ``reference`` is the entry's id and ``url`` its link, absolute when ``base_urls`` gives
        the feed kind's base URL, else paths below it)."""
        base = (base_urls or {}).get("feed", "")
        doc = {
            "seed": self.seed, "today": self.today.isoformat(),
            "postings": [{"kind": p.source_kind, "reference": p.reference, "url": p.url, "offer_key": p.offer_key,
                          "quirk": p.quirk, "api_id": p.api_id, **p.truth} for p in self._by_key.values()],
            "duplicate_pairs": sorted(sorted(map(list, pair)) for pair in self.duplicate_pairs()),
            "near_miss_pairs": sorted(sorted(map(list, pair)) for pair in self.near_miss_pairs()),
            "atom_postings": [{"kind": "feed", "variant": "atom", "reference": base + p.reference,
                               "url": base + p.url, "offer_key": p.offer_key, **p.truth}
                              for p in self.atom.values()],
        }
        Path(path).write_text(json.dumps(doc, ensure_ascii=False, indent=1), encoding="utf-8")

    # ------------------------------------------------------------------ mutations
    def _touch(self, p: Posting) -> None:
        p.revision += 1
        p.modified = max(p.modified, datetime.combine(self.today, time(8), tzinfo=PARIS)) + timedelta(minutes=7 * p.revision)
        if p.source_kind == "feed":
            p.wording["pub_instant"] = p.modified
        with self._index_lock:
            self._order = None
            self.version += 1

    def remove(self, kind: str, reference: str) -> Posting:
        """Take a posting off its source (listing and detail)."""
        with self._index_lock:
            p = self._by_key.pop((kind, reference))
            self._order = None
            self.version += 1
        return p

    def update(self, kind: str, reference: str, **truth_changes: Any) -> Posting:
        """Change truth fields of a posting; pages re-render from the new truth and the listing
        fields move (pep card, sitemap lastmod, api updated_at, feed pubDate)."""
        p = self._by_key[(kind, reference)]
        unknown = set(truth_changes) - set(TRUTH_FIELDS)
        if unknown:
            raise ValueError(f"unknown truth fields: {sorted(unknown)}")
        for name in ("salary_min", "salary_max"):
            if name in truth_changes:
                p.wording["salary_style"] = _default_salary_style(kind, truth_changes)
        p.truth.update(truth_changes)
        if "deadline" in truth_changes or "is_digital" in truth_changes:
            p.truth["status"] = _status(p.truth, self.today)
        self._touch(p)
        return p

    def add(self, kind: str, *, digital: bool = True, **truth_overrides: Any) -> Posting:
        """Publish a new job on ``kind`` (a fresh reference); returns the posting."""
        start = 10_000 + len(self._by_key) + self.version
        gen = _Generator(self._rng, self.today, self.kinds, start=start,
                         wording_seed=stable_hash("wordings", self.seed, start))
        job = gen.new_job(kind, digital=digital)
        p = gen.publish(job, kind, gen.title_for(job, kind, 0))
        gen.vary_alone(p)
        if kind == "api":
            p.api_id = self._next_api_id
            self._next_api_id += 1
        if truth_overrides:
            p.truth.update(truth_overrides)
            p.truth["status"] = _status(p.truth, self.today)
        p.quirk = None
        self._by_key[(kind, p.reference)] = p
        self._touch(p)
        return p


def _default_salary_style(kind: str, truth: dict[str, Any]) -> str:
    return {"pep": "contract_only", "jobposting": "year", "feed": "annual", "api": "annual"}[kind]


def _first_of_next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _status(truth: dict[str, Any], today: date) -> str | None:
    if not truth.get("is_digital"):
        return None
    deadline = truth.get("deadline")
    if deadline and date.fromisoformat(deadline) < today:
        return "expired"
    return "active"


# ------------------------------------------------------------------------ the generator
_PEP_CATEGORY = {"A": "Catégorie A (cadre)", "A+": "Catégorie A+", "B": "Catégorie B (profession intermédiaire)",
                 "C": "Catégorie C (employé et ouvrier)"}
_BASE_SALARY = {"A+": (4600, 5800), "A": (3100, 4200), "B": (2250, 2700), "C": (1850, 2050)}


class _Generator:
    """Draws jobs and publishes them. ``rng`` draws the jobs and the kinds' base wordings;
    ``wording_seed`` seeds a second stream (``wrng``) for the wordings added on top of them
    (:meth:`vary`, :meth:`vary_alone`), so adding a wording never changes the jobs of a seed."""

    def __init__(self, rng: random.Random, today: date, kinds: tuple[str, ...], start: int = 0,
                 span_days: int = LIVE_DAYS, wording_seed: int = 0) -> None:
        self.rng = rng
        self.wrng = random.Random(wording_seed)
        #: round robins of the tricky places: the next commune, and the next wording of each
        self._tricky_turn = 0
        self._place_turns: Counter[str] = Counter()
        self.today = today
        self.kinds = kinds
        self.n = start
        self.api_id = 48000 + start
        self.span_days = span_days

    # -- jobs
    def _employer_for(self, kind: str, digital: bool) -> D.Employer:
        rng = self.rng
        if kind == "pep":
            roll = rng.random()
            if roll < 0.45:
                return rng.choice(D.STATE_EMPLOYERS)
            if roll < 0.85:
                return rng.choice(D.TERRITORIAL_EMPLOYERS)
            return rng.choice(D.HOSPITAL_EMPLOYERS)
        if kind == "jobposting":
            return rng.choice(D.STATE_EMPLOYERS)
        if kind == "feed":
            return rng.choice(D.TERRITORIAL_EMPLOYERS)
        return rng.choice(D.EDUCATION_EMPLOYERS)

    def new_job(self, kind: str, *, digital: bool = True, like: Job | None = None,
                employer: D.Employer | None = None) -> Job:
        rng = self.rng
        self.n += 1
        title = like.title if like else rng.choice(D.JOB_TITLES if digital else D.NON_DIGITAL_TITLES)
        free = like is None and employer is None
        employer = employer or self._employer_for(kind, digital)
        commune = rng.choice(employer.places)
        category = rng.choices(("A", "A+", "B", "C"), (6, 1, 3, 1))[0]
        if title.family == "support":
            category = rng.choice(("B", "C", "B"))
        lo_m, _ = _BASE_SALARY[category]
        lo = (lo_m + rng.randrange(0, 6) * 100) * 12
        salary = (lo, lo + rng.randrange(4, 14) * 1200) if rng.random() < 0.75 else None
        published = self.today - timedelta(days=int(rng.triangular(0, self.span_days, 5)))
        deadline = self._deadline(published)
        remote = rng.choices(("partiel", "aucun", "total", None), (5, 2, 0.4, 2))[0]
        contract = rng.choices(("titulaire_ou_contractuel", "titulaire", "contractuel"), (5, 2, 3))[0]
        street = f"{rng.randrange(1, 200)} {rng.choice(D.STREETS)}"
        if free and digital and kind == "feed":
            if self._tricky_turn < TRICKY_PLACE_TURNS and self.wrng.random() < TRICKY_PLACE_SHARE:
                key = D.TRICKY_COMMUNES[self._tricky_turn % len(D.TRICKY_COMMUNES)]
                self._tricky_turn += 1
                employer = self.wrng.choice(D.TRICKY_PLACE_EMPLOYERS[key])
                commune = next(c for c in employer.places if (c.name, c.department_code) == key)
            if self.wrng.random() < FEED_TOTAL_REMOTE_SHARE:
                remote = "total"
        return Job(f"job-{self.n:06d}", title, employer, commune, category, contract, remote, salary,
                   published, deadline, street)

    def _deadline(self, published: date) -> date | None:
        """Applications close 3 to 17 weeks after publication (15 %: no deadline stated). An
        offer of the live window (:data:`LIVE_DAYS`) is still online: when that time has
        passed its applications were extended, except for the 8 % closed but not yet taken
        down. Older offers (datasets larger than a live catalogue) keep their past deadline.
        :data:`FIRST_OF_MONTH_SHARE` of the open deadlines are the 1st of the next month."""
        rng = self.rng
        roll = rng.random()
        if roll >= 0.85:
            return None
        deadline = published + timedelta(days=rng.randrange(21, 120))
        if (self.today - published).days > LIVE_DAYS:
            return deadline
        if roll < 0.08:
            return max(published + timedelta(days=1), self.today - timedelta(days=rng.randrange(1, 60)))
        if deadline < self.today:
            deadline = self.today + timedelta(days=rng.randrange(1, 60))
        if self.wrng.random() < FIRST_OF_MONTH_SHARE:
            deadline = _first_of_next_month(deadline)
        return deadline

    def near_miss(self, job: Job, kind: str, first_kind: str | None = None) -> Job:
        """A different job that looks like ``job``, published on ``kind``: the same title at
        another place of its employer, at another category (only where both sources state
        it), at another employer, or a second opening of the same title at the same
        employer and place, published weeks apart (another reference, other dates)."""
        rng = self.rng
        first_kind = first_kind or kind
        roll = rng.random()
        if roll < 0.35 and len(job.employer.places) > 1:
            other = self.new_job(kind, like=job, employer=job.employer)
            other.commune = rng.choice([c for c in job.employer.places if c != job.commune])
            return other
        if roll < 0.5 and {kind, first_kind} <= {"pep", "feed"}:  # sources that always state the category
            other = self.new_job(kind, like=job, employer=job.employer)
            other.commune = job.commune
            other.category = next(c for c in ("A", "B", "C") if c != job.category and c != {"A+": "A"}.get(job.category))
            return other
        if roll < 0.7:
            other = self.new_job(kind, like=job, employer=job.employer)
            other.commune = job.commune
            gap = timedelta(days=rng.randrange(NEAR_MISS_MIN_DAYS, 90))
            in_span = job.published - gap >= self.today - timedelta(days=self.span_days)
            later = job.published + gap <= self.today and (not in_span or rng.random() < 0.5)
            other.published = job.published + gap if later else job.published - gap
            other.deadline = self._deadline(other.published)
            return other
        other = self.new_job(kind, like=job)
        while other.employer == job.employer:
            other.employer = self._employer_for(kind, True)
            other.commune = rng.choice(other.employer.places)
        return other

    # -- references
    def reference(self, kind: str, job: Job) -> str:
        """A reference of the source's shape; its year is the publication's."""
        n = self.n * 7 + self.rng.randrange(7)
        year = job.published.year
        if kind == "pep":
            if job.employer.kind == "territoriale":
                code = job.commune.department_code.zfill(3)
                return f"O{code}{year % 100:02d}{job.published.month:02d}{job.published.day:02d}{n % 1_000_000:06d}"
            if job.employer.ministry == D.ARM:
                return f"DEF_15-{60_000_000 + n:08d}"[:15]
            return f"{year}-{2_400_000 + n}"
        if kind == "jobposting":
            return f"{job.employer.acronym}-{year}-{n % 100_000:05d}"
        if kind == "feed":
            return f"ETA-{year}-{n:06d}"
        return f"MEN-{year}-{n:06d}"

    def title_for(self, job: Job, kind: str, copy: int) -> str:
        """The title a source gives ``job``: the job's own for its first publication,
        reworded (:func:`reword`) for a copy on another source; sometimes in capitals."""
        title = job.title.title
        if copy > 0:
            title = reword(title, self.rng, city=job.commune.name, family=job.title.family)
        if self.rng.random() < 0.04:
            title = title.upper()
        return title

    def employer_name(self, employer: D.Employer, kind: str) -> str:
        """The name ``kind`` gives ``employer``: each source has its habit (pep the full
        name; another site its acronym, or "Académie de Lyon" for the rectorat), and one
        page in ten another of the employer's names."""
        names = employer.names
        if len(names) == 1:
            return employer.name
        habit = 0 if kind == "pep" else stable_hash(employer.acronym, kind) % len(names)
        if self.rng.random() < 0.1:
            return self.rng.choice(names)
        return names[habit]

    # -- the wordings of the normalization issue
    def vary(self, job: Job, kind: str, t: dict[str, Any], w: dict[str, Any]) -> None:
        """Add the wordings that keep the page's meaning (``t`` changes only where the page
        states more: a feed item's versant).

        - every kind: a doubled space and a tab in the title (:data:`SPACES_SHARE`), named
          entities and ``&nbsp;`` in the description (:data:`ENTITIES_SHARE`);
        - pep: "PARIS 15" / "LYON 3" for a town in Paris, Lyon or Marseille;
        - feed: at a tricky commune, the wording that trips normalizers ("Ajaccio (2A)",
          "Saint-Denis (93)", "PARIS 15", "Lyon 3e Arrondissement"); "Pas de télétravail";
          a grid's wordings ("selon grille"); the versant as an item category; a relative
          publication date on the page ("Publiée il y a 3 jours", from the dataset's today);
        - api: "Pas de télétravail", the city as INSEE names an arrondissement ("Lyon 3e
          Arrondissement");
        - jobposting and api, overseas: timestamps in the department's local time, whose date
          may not be the Paris date ("2026-11-09T01:30:00+04:00" is the 8th in Paris).
        """
        wr = self.wrng
        commune = job.commune
        split_city = commune.name in D.ARRONDISSEMENT_CITIES
        w["spaces"] = wr.random() < SPACES_SHARE
        w["entities"] = wr.random() < ENTITIES_SHARE
        if kind == "pep":
            if w.get("place") == "town" and split_city and wr.random() < 0.6:
                w["place"] = "arrondissement"
        elif kind == "feed":
            if (commune.name, commune.department_code) in D.TRICKY_PLACE_EMPLOYERS:
                styles = {"Paris": ("paren", "dash", "arrondissement"), "Lyon": ("arrondissement", "postcode")}.get(
                    commune.name, ("paren",))
                w["place"] = styles[self._place_turns[commune.name] % len(styles)]
                self._place_turns[commune.name] += 1
            if job.remote == "aucun":
                w["remote"] = wr.choice(("Non", "Pas de télétravail"))
            w["remote_for"] = job.remote
            if w.get("salary_style") == "grille":
                w["grille"] = wr.choice(GRILLE_WORDINGS)
            if wr.random() < VERSANT_SHARE:
                w["versant"] = True
                t["public_service"] = job.employer.kind
            w["relative_date"] = wr.random() < RELATIVE_DATE_SHARE
        elif kind == "api":
            if job.remote == "aucun":
                w["remote"] = wr.choice(("Non", "Pas de télétravail"))
            w["remote_for"] = job.remote
            w["arrondissement"] = split_city and wr.random() < 0.5
        if kind in ("jobposting", "api") and commune.department_code in D.OVERSEAS_TIMEZONES and wr.random() < 0.6:
            w["date_style"] = "local"

    def vary_alone(self, p: Posting) -> None:
        """Add the wordings that change what the page means, and make the truth follow them.

        Only for a job published once, without a look-alike (the caller's choice): a copy or
        a near miss that loses its place or its salary could no longer be told apart, or
        matched, on what its page says. Feed: a full-remote job placed "Télétravail" or
        "France entière" (no city, department or region), a regional council's job placed
        in its region ("Bretagne": the region only; a region of several departments), a
        departmental council's job placed in its department ("Hérault": no city); a salary
        "à partir de 42k€" (``salary_min`` only, the job's figure rounded down to the
        thousand) or net only ("Rémunération : 2 500 € net/mois": none). Api: a job located
        by its department alone (``city`` and ``postal_code`` null).
        """
        job, t, w, wr = p.job, p.truth, p.wording, self.wrng
        if job is None:
            return
        code = job.commune.department_code
        if p.source_kind == "feed":
            several = D.REGION_SIZES[D.DEPARTMENTS[code].region] > 1
            if job.remote == "total":
                w["nowhere"] = wr.choice(NOWHERE)
                t.update(city=None, department_code=None, region=None)
            elif several and wr.random() < (0.6 if job.employer.pep_category == "Conseils régionaux" else 0.03):
                t.update(city=None, department_code=None)
            elif code != "75" and wr.random() < (0.5 if job.employer.pep_category == "Conseils départementaux" else 0.05):
                t["city"] = None
            lo_hi = job.salary
            if lo_hi and w.get("salary_style") in ("monthly", "annual", "monthly_plain"):
                roll = wr.random()
                if roll < 0.15:
                    w["salary_style"] = "from_k"
                    t["salary_min"], t["salary_max"] = lo_hi[0] // 1000 * 1000, None
                elif roll < 0.3:
                    w["salary_style"] = "net"
                    w["net_label"] = wr.random() < 0.6
                    t["salary_min"] = t["salary_max"] = None
        elif p.source_kind == "api" and wr.random() < 0.08:
            t["city"] = None

    # -- publication
    def publish(self, job: Job, kind: str, title: str, *, shift_days: int = 0) -> Posting:
        rng = self.rng
        ref = self.reference(kind, job)
        published = job.published + timedelta(days=shift_days)
        digital = job.title.family is not None
        w: dict[str, Any] = {"marker": rng.choice(GENDER_MARKERS), "nbsp": rng.random() < 0.15,
                             "ref_suffix": kind in ("jobposting", "feed") and rng.random() < 0.08,
                             "inject": rng.random() < 0.04, "management": rng.random() < 0.2,
                             "experience": rng.choice(("Débutant", "Confirmé", "Expert"))}
        emp = job.employer
        name = self.employer_name(emp, kind)
        t: dict[str, Any] = {f: None for f in TRUTH_FIELDS}
        t.update(title=title, employer=name, job_family=job.title.family, is_digital=digital,
                 published_at=published.isoformat(), deadline=job.deadline.isoformat() if job.deadline else None,
                 city=job.commune.name, department_code=job.commune.department_code,
                 region=D.DEPARTMENTS[job.commune.department_code].region)
        lo_hi = job.salary
        if kind == "pep":
            if emp.pep_category:
                suffix = name.upper() if rng.random() < 0.5 else name
                w["suffix"] = suffix
                t["employer"] = suffix
            t["public_service"] = emp.kind
            t["category"] = job.category
            t["contract"] = job.contract
            w["place"] = rng.choices(("address", "town", "cedex", "none"), (5, 3, 1, 1))[0]
            if w["place"] == "none":
                t["city"] = None
            w["remote"] = rng.choices(("cell", "absent"), (8, 2))[0]
            t["remote"] = None if w["remote"] == "absent" or job.remote is None else (
                "aucun" if job.remote == "aucun" else "partiel")
            if t["remote"] is None:
                w["remote"] = "absent"
            style = rng.choices(("none", "two", "contract_only", "monthly", "grille", "absent"), (4, 2, 2, 1, 1, 1))[0]
            if lo_hi is None:
                style = rng.choice(("none", "absent"))
            w["salary_style"] = style
            if style in ("two", "contract_only", "monthly", "grille"):
                t["salary_min"], t["salary_max"] = lo_hi
            w["show_deadline"] = job.deadline is not None and rng.random() < 0.8
            if not w["show_deadline"]:
                t["deadline"] = None
            w["has_callouts"] = rng.random() < 0.7
        elif kind == "jobposting":
            t["ministry"] = emp.ministry
            t["public_service"] = "etat" if emp.ministry else None
            options = {"titulaire_ou_contractuel": ("Fonctionnaire ou contractuel", "Titulaire ou contractuel", "FULL_TIME"),
                       "titulaire": ("Fonctionnaire", "Titulaire", "FULL_TIME"),
                       "contractuel": ("CONTRACTOR", "TEMPORARY", "CDD de 3 ans", "FULL_TIME+TEMPORARY", "Contractuel")}
            w["employment"] = rng.choice(options[job.contract])
            t["contract"] = None if w["employment"] == "FULL_TIME" else job.contract
            w["telecommute"] = job.remote == "total"
            t["remote"] = "total" if w["telecommute"] else None
            w["salary_style"] = rng.choice(("year", "month", "absent")) if lo_hi else "absent"
            if w["salary_style"] != "absent":
                t["salary_min"], t["salary_max"] = lo_hi
            w["shape"] = rng.choice(("graph", "two_scripts", "bom", "escaped", "places", "plain"))
            w["date_style"] = rng.choice(("date", "offset", "z_late"))
            w["valid_style"] = rng.choice(("date", "offset"))
        elif kind == "feed":
            cat = job.category if job.category != "A+" else "A"
            t["category"] = cat
            w["category"] = rng.choice((cat, f"Catégorie {cat}", "A (ingénieur territorial)" if cat == "A" else cat))
            labels = {"titulaire_ou_contractuel": ("Titulaire ou contractuel", "Emploi ouvert aux titulaires et aux contractuels"),
                      "titulaire": ("Titulaire", "Emploi ouvert uniquement aux titulaires"),
                      "contractuel": ("Contractuel", "CDD de 3 ans", "Emploi ouvert uniquement aux contractuels")}
            w["contract"] = rng.choice(labels[job.contract])
            t["contract"] = job.contract
            remote_words = {"partiel": ("Oui, 2 jours par semaine", "Télétravail partiel possible",
                                        "Télétravail possible (2 jours par semaine)", "Oui"),
                            "aucun": ("Non",), "total": ("100 % télétravail",), None: (None,)}
            w["remote"] = rng.choice(remote_words[job.remote])
            t["remote"] = job.remote
            style = rng.choice(("monthly", "annual", "monthly_plain", "none", "grille")) if lo_hi else rng.choice(("none", "grille"))
            w["salary_style"] = style
            if style in ("monthly", "annual", "monthly_plain"):
                t["salary_min"], t["salary_max"] = lo_hi
            w["place"] = rng.choice(("paren", "dash", "postcode", "street"))
            w["deadline_style"] = rng.choice(("slash", "dash", "long", "weekday"))
            w["employer_dd"] = rng.random() < 0.7
            hour = rng.randrange(7, 24)
            if rng.random() < 0.15:
                instant = paris_midnight_utc(published, rng.randrange(0, 50))
                w["pub_gmt"] = True
            else:
                instant = datetime.combine(published, time(hour if hour < 23 else 18, rng.randrange(60)), tzinfo=PARIS)
                w["pub_gmt"] = False
            w["pub_instant"] = instant
            if not digital:
                t["contract"] = job.contract
        else:  # api
            w["ministry"] = emp.ministry if rng.random() < 0.95 else None
            t["ministry"] = w["ministry"]
            t["public_service"] = "etat" if w["ministry"] else None
            w["category"] = rng.choice((job.category, f"Catégorie {job.category}", None, job.category))
            t["category"] = job.category if w["category"] else None
            labels = {"titulaire_ou_contractuel": ("Titulaire ou contractuel", "Fonctionnaire ou contractuel"),
                      "titulaire": ("Fonctionnaire", "Titulaire"),
                      "contractuel": ("Contractuel", "CDD de 3 ans")}
            w["contract"] = rng.choice(labels[job.contract])
            t["contract"] = job.contract
            remote_words = {"partiel": ("Télétravail partiel possible", "Télétravail possible (2 jours par semaine)", "Oui"),
                            "aucun": ("Non",), "total": ("100 % télétravail",), None: (None,)}
            w["remote"] = rng.choice(remote_words[job.remote])
            t["remote"] = job.remote
            w["salary_style"] = rng.choice(("annual", "monthly")) if lo_hi else "absent"
            if lo_hi:
                t["salary_min"], t["salary_max"] = lo_hi
            w["date_style"] = rng.choice(("offset", "z_late", "offset"))
            w["job_family_label"] = ("Sécurité des systèmes d'information" if job.title.family == "cybersecurite"
                                     else "Systèmes d'information") if digital else D.API_NON_DIGITAL_LABEL[job.title.title]
        self.vary(job, kind, t, w)
        if not digital:
            t["job_family"] = None
        t["status"] = _status(t, self.today)
        modified = datetime.combine(published, time(9), tzinfo=PARIS) + timedelta(hours=rng.randrange(0, 72))
        slug_base = title if kind == "pep" else f"{title} {emp.acronym}"
        slug = slugify(f"{title} {w['marker']}" + (f" - {w['suffix']}" if "suffix" in w else "")) if kind == "pep" \
            else slugify(slug_base)
        p = Posting(kind, ref, job.key, t, w, slug, modified=modified, job=job,
                    description=(D.MISSIONS[job.title.family], D.PROFILES[job.title.family]))
        if kind == "jobposting":
            p.slug = f"{slug}-{ref.lower()}"
        if kind == "api":
            p.api_id = self.api_id
            self.api_id += 1
        if rng.random() < QUIRK_SHARE and kind in ("pep", "api"):
            p.quirk = "gone"
        elif rng.random() < QUIRK_SHARE and kind == "jobposting":
            p.quirk = "no_jsonld"
        return p


def _compatible_kinds(employer: D.Employer) -> tuple[str, ...]:
    if employer.kind == "territoriale":
        return ("pep", "feed")
    if employer.kind == "hospitaliere":
        return ("pep",)
    if employer.education:
        return ("pep", "jobposting", "api")
    return ("pep", "jobposting")


def generate(n_offers: int, seed: int = 0, *, kinds: Iterable[str] = KINDS, duplicate_share: float = 0.15,
             near_miss_share: float = 0.05, today: date = date(2026, 11, 22),
             span_days: int | None = None, atom_entries: int | None = None) -> Dataset:
    """Generate ``n_offers`` postings over ``kinds`` (deterministic for a seed).

    ``duplicate_share`` of the digital jobs are published on 2 (sometimes 3) kinds, each copy
    with its own wording (:func:`reword`, :meth:`_Generator.employer_name`, a one-day date
    shift), and half of the copies of a job also on pep quote its PEP reference (whichever
    was published first); ``near_miss_share`` of the jobs get a look-alike that is a
    different job, on the same source or, half the time, on another one. Publication dates
    spread over ``span_days`` (default :func:`publication_span` of ``n_offers``; a short
    span on many offers crowds the days, a stress test for dedup).

    With the ``feed`` kind, ``atom_entries`` (default :func:`atom_size` of ``n_offers``) startup
    offers make the Atom feed (:func:`atom_postings`; ``Dataset.atom``).
    """
    kinds = tuple(k for k in KINDS if k in set(kinds))
    if not kinds:
        raise ValueError("no known kind given")
    if n_offers < 0:
        raise ValueError("n_offers must be >= 0")
    rng = random.Random(seed)
    gen = _Generator(rng, today, kinds, span_days=span_days or publication_span(n_offers),
                     wording_seed=stable_hash("wordings", seed))
    weights = [KIND_WEIGHTS[k] for k in kinds]
    postings: list[Posting] = []
    near: list[tuple[Posting, Posting]] = []
    quotes: list[tuple[Posting, Posting]] = []  # (quoting posting, pep posting)
    while len(postings) < n_offers:
        kind = rng.choices(kinds, weights)[0]
        digital = not (kind in ("feed", "api") and rng.random() < NON_DIGITAL_SHARE)
        job = gen.new_job(kind, digital=digital)
        first = gen.publish(job, kind, gen.title_for(job, kind, 0))
        postings.append(first)
        remaining = n_offers - len(postings)
        if digital and remaining > 0 and rng.random() < duplicate_share:
            others = [k for k in _compatible_kinds(job.employer) if k != kind and k in kinds]
            rng.shuffle(others)
            count = 2 if len(others) >= 2 and rng.random() < 0.2 else 1
            copies = [first]
            for copy, other_kind in enumerate(others[:min(count, remaining)], start=1):
                shift = rng.choice((0, 0, 0, 1, -1))
                dup = gen.publish(job, other_kind, gen.title_for(job, other_kind, copy), shift_days=shift)
                dup.quirk = None
                postings.append(dup)
                copies.append(dup)
            first.quirk = None
            pep = next((c for c in copies if c.source_kind == "pep"), None)
            if pep is not None:
                quotes += [(c, pep) for c in copies if c is not pep and rng.random() < QUOTE_SHARE]
        remaining = n_offers - len(postings)
        if digital and remaining > 0 and rng.random() < near_miss_share:
            elsewhere = [k for k in _compatible_kinds(job.employer) if k != kind and k in kinds]
            twin_kind = rng.choice(elsewhere) if elsewhere and rng.random() < 0.5 else kind
            other_job = gen.near_miss(job, twin_kind, kind)
            if twin_kind != kind:  # another site's wording of the same title
                title = gen.title_for(other_job, twin_kind, 1)
            elif kind != "pep" or not job.employer.pep_category:
                title = first.truth["title"]
            else:
                title = gen.title_for(other_job, kind, 0)
            twin = gen.publish(other_job, twin_kind, title)
            twin.quirk = None
            first.quirk = None
            postings.append(twin)
            near.append((first, twin))
    # wordings that change the truth: only on jobs published once, without a look-alike
    copies = Counter(p.offer_key for p in postings)
    twins = {id(p) for pair in near for p in pair}
    for p in postings:
        if copies[p.offer_key] == 1 and id(p) not in twins:
            gen.vary_alone(p)
    # references are unique per kind: drop the rare collision by renumbering
    seen: set[tuple[str, str]] = set()
    for p in postings:
        while (p.source_kind, p.reference) in seen:
            p.reference = p.reference[:-1] + str((int(p.reference[-1]) + 1) % 10) if p.reference[-1].isdigit() \
                else p.reference + "1"
        seen.add((p.source_kind, p.reference))
    for quoting, pep in quotes:
        quoting.wording["pep_ref"] = pep.reference
        quoting.wording["pep_ref_style"] = rng.choice(PEP_QUOTE_STYLES)
        quoting.wording["pep_slug"] = pep.slug
    pairs = {frozenset(((a.source_kind, a.reference), (b.source_kind, b.reference))) for a, b in near}
    atom = atom_postings(atom_size(n_offers) if atom_entries is None else atom_entries, seed, today) \
        if "feed" in kinds else []
    return Dataset(postings, seed=seed, today=today, kinds=kinds, near_misses=pairs, atom=atom)


# ------------------------------------------------------------------------ the Atom feed
def atom_size(n_offers: int) -> int:
    """Entries of the Atom feed for a dataset of ``n_offers``: a tenth, at most :data:`ATOM_MAX`."""
    return min(ATOM_MAX, -(-max(n_offers, 0) // 10))


def atom_postings(n: int, seed: int, today: date) -> list[Posting]:
    """``n`` offers of the beta.gouv.fr Atom feed (``/jobs.xml``), with their ground truth.

    Each entry is one startup's opening for one role (``data.ATOM_ROLES``): a startup has at
    most one entry per job family (two entries with the same title at the same employer and
    no place would be one job). The entry states its roles, its startup, a ``<domaine>``, its
    publication and update instants (a share written in UTC, late in the evening before its
    Paris date) and the offer's text: nothing else. So the truth is the title (the roles,
    gender marker removed), the employer (the startup), the publication date (Paris), the
    family, and null for every field the entry does not carry (ministry, versant, category,
    contract, place, remote, salary, deadline), even when the free text mentions a town or a
    contract ("Freelance ou CDD, locaux à Paris": what the text states is all there is, and
    the catalogue record reads fields, not prose).
    """
    rng = random.Random(stable_hash("atom", seed))
    combos = [(s, r) for s in range(len(D.STARTUPS)) for r in range(len(D.ATOM_ROLES))]
    used: set[tuple[int, str]] = set()
    out: list[Posting] = []
    while len(out) < n:
        free = [(s, r) for s, r in combos if (s, D.ATOM_ROLES[r][0]) not in used]
        if not free:
            raise ValueError(f"at most {len(out)} Atom entries: one per startup and job family")
        s, r = rng.choice(free)
        family, domaine, roles = D.ATOM_ROLES[r]
        used.add((s, family))
        startup, pitch = D.STARTUPS[s]
        published_day = today - timedelta(days=int(rng.triangular(0, ATOM_DAYS, 5)))
        utc = rng.random() < 0.15
        if utc:  # 00:xx in Paris: the UTC timestamp shows the day before
            published = datetime.combine(published_day, time(0, rng.randrange(5, 60)), tzinfo=PARIS)
        else:
            published = datetime.combine(published_day, time(rng.randrange(8, 19), rng.choice((0, 15, 30, 45))),
                                         tzinfo=PARIS)
        updated = published
        if rng.random() < 0.4:
            updated = min(published + timedelta(days=rng.randrange(1, 15), hours=rng.randrange(0, 8)),
                          datetime.combine(today, time(7), tzinfo=PARIS))
            updated = max(updated, published)
        marker = rng.choice(("(F/H)", "(H/F)")) if rng.random() < 0.1 else ""
        reference = f"/recrutement/{published_day:%Y/%m/%d}/{slugify(startup)}.{slugify(roles)}"
        t: dict[str, Any] = {f: None for f in TRUTH_FIELDS}
        t.update(title=roles, employer=startup, published_at=published_day.isoformat(), job_family=family,
                 is_digital=True)
        t["status"] = _status(t, today)
        w: dict[str, Any] = {
            "atom": True, "startup": startup, "roles": roles, "domaine": domaine, "marker": marker,
            "published": published, "updated": updated, "utc": utc, "pitch": pitch,
            "author": "beta.gouv.fr" if rng.random() < 0.8 else "Équipe recrutement beta.gouv.fr",
            "incubator": rng.choice(D.ATOM_INCUBATORS),
            "conditions": rng.choice(D.ATOM_CONDITIONS) if rng.random() < 0.8 else None,
            "entities": rng.random() < 0.3,
        }
        out.append(Posting("atom", reference, f"atom-{len(out) + 1:04d}", t, w, slug=f"{reference}.html",
                           modified=updated, description=(" ; ".join(D.ATOM_MISSIONS[family]),
                                                          D.ATOM_PROFILES[family])))
    return out
