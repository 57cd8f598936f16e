"""The replica's generator: determinism, sizes, ground truth (pages rendered, read by the
page objects and normalized give exactly the truth), duplicates with realistic variations,
near misses, quoted PEP references, pools and dates that scale, mutations."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from crawlers.replica import data as D
from crawlers.replica.generator import (
    LIVE_DAYS,
    NEAR_MISS_MIN_DAYS,
    TRUTH_FIELDS,
    generate,
    publication_span,
    reword,
)

VALID = {
    "public_service": {None, "etat", "territoriale", "hospitaliere"},
    "category": {None, "A+", "A", "B", "C"},
    "contract": {None, "titulaire", "contractuel", "titulaire_ou_contractuel"},
    "remote": {None, "aucun", "partiel", "total"},
    "job_family": {None, *D.FAMILIES},
    "status": {None, "active", "expired"},
}


def test_same_seed_same_dataset_other_seed_differs():
    a, b, c = generate(300, seed=7), generate(300, seed=7), generate(300, seed=8)
    key = lambda ds: [(p.source_kind, p.reference, p.truth) for p in ds.postings]
    assert key(a) == key(b)
    assert key(a) != key(c)


@pytest.mark.parametrize("n", [0, 5, 137])
def test_exact_size_and_unique_references(n):
    ds = generate(n, seed=1)
    assert len(ds.postings) == n
    assert len({(p.source_kind, p.reference) for p in ds.postings}) == n


def test_fifty_thousand_generate_with_valid_truth():
    ds = generate(50_000, seed=3)
    assert len(ds.postings) == 50_000
    kinds = {p.source_kind for p in ds.postings}
    assert kinds == {"pep", "jobposting", "feed", "api"}
    for p in ds.postings[::97]:
        assert set(p.truth) == set(TRUTH_FIELDS)
        for name, allowed in VALID.items():
            assert p.truth[name] in allowed, (name, p.truth)
        if p.truth["department_code"]:
            assert D.DEPARTMENTS[p.truth["department_code"]].region == p.truth["region"]
    codes = {p.truth["department_code"] for p in ds.postings}
    assert {"2A", "2B", "971", "976", "75"} <= codes


def test_truth_follows_each_source_rules():
    ds = generate(3000, seed=5)
    for p in ds.postings:
        t = p.truth
        if p.source_kind in ("pep", "feed"):
            assert t["ministry"] is None
        if p.source_kind == "feed":
            assert t["public_service"] is None
        if p.source_kind == "jobposting":
            assert t["category"] is None
            assert t["public_service"] == ("etat" if t["ministry"] else None)
        if p.source_kind == "pep":
            assert p.digital and t["public_service"] is not None
        if not p.digital:
            assert p.source_kind in ("feed", "api") and t["job_family"] is None and t["status"] is None
        elif t["deadline"] and date.fromisoformat(t["deadline"]) < ds.today:
            assert t["status"] == "expired"
        else:
            assert t["status"] == "active"
        if t["salary_min"] is not None:
            assert t["salary_min"] <= t["salary_max"]
    share = sum(not p.digital for p in ds.postings if p.source_kind in ("feed", "api")) / sum(
        p.source_kind in ("feed", "api") for p in ds.postings)
    assert 0.2 < share < 0.4


def test_duplicates_are_the_same_job_and_near_misses_are_not():
    ds = generate(4000, seed=11)
    dups, near = ds.duplicate_pairs(), ds.near_miss_pairs()
    assert dups and near
    assert not dups & near
    for pair in dups:
        a, b = (ds.get(*k) for k in pair)
        assert a.source_kind != b.source_kind
        assert a.offer_key == b.offer_key
        assert a.truth["department_code"] == b.truth["department_code"]
        assert a.truth["job_family"] == b.truth["job_family"]
        da, db = date.fromisoformat(a.truth["published_at"]), date.fromisoformat(b.truth["published_at"])
        assert abs((da - db).days) <= 2
    for pair in near:
        a, b = (ds.get(*k) for k in pair)
        assert a.offer_key != b.offer_key
        assert a.job.title == b.job.title  # the same title…
        differs = [f for f in ("employer", "city", "category", "department_code") if a.truth[f] != b.truth[f]]
        if a.job.employer is b.job.employer and a.job.commune == b.job.commune and not (
                a.truth["category"] and b.truth["category"] and a.truth["category"] != b.truth["category"]):
            # …a second opening at the same employer and place: published a week or more apart
            da, db = date.fromisoformat(a.truth["published_at"]), date.fromisoformat(b.truth["published_at"])
            assert abs((da - db).days) >= NEAR_MISS_MIN_DAYS, (a.truth, b.truth)
        else:
            assert differs, (a.truth, b.truth)
    assert any(len({k for k, _ in pair}) == 2 for pair in dups)
    assert any(ds.get(*k).wording.get("pep_ref") for pair in dups for k in pair)


def test_mutations_and_truth_file(tmp_path):
    ds = generate(50, seed=2)
    p = ds.ordered("api")[-1]
    before = p.modified
    ds.update("api", p.reference, title="Nouveau titre")
    assert ds.truth_for("api", p.reference)["title"] == "Nouveau titre"
    assert p.modified > before and ds.ordered("api")[0] is p
    with pytest.raises(ValueError):
        ds.update("api", p.reference, salary=3)
    removed = ds.ordered("pep")[0]
    ds.remove("pep", removed.reference)
    assert ds.get("pep", removed.reference) is None and removed not in ds.ordered("pep")
    added = ds.add("feed")
    assert ds.get("feed", added.reference) is added and ds.ordered("feed")[0] is added
    out = tmp_path / "truth.json"
    ds.write_truth(out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["postings"]) == len(ds.postings)
    assert {"kind", "reference", "url", "offer_key", "title"} <= set(doc["postings"][0])


# ----------------------------------------------------------------------------- the pages mean the truth
def _crawl_and_normalize(ds, p, feed_entries):
    """What a correct spider and the normalizer make of posting ``p``'s pages
    (``feed_entries``: the feed's items by guid)."""
    from crawlers.pages.api import ApiOfferPage
    from crawlers.pages.feed import FeedOfferPage
    from crawlers.pages.jobposting import JobPostingPage
    from crawlers.pages.pep import PepOfferPage
    from crawlers.replica import render as R
    from normalize.record import normalize_posting

    base = f"http://replica.test/{p.source_kind}"
    if p.source_kind == "pep":
        raw = PepOfferPage(R.pep_offer(p, ds, base), base + p.url).to_raw("replica_pep")
    elif p.source_kind == "jobposting":
        raw = JobPostingPage(R.jobposting_offer(p, ds, base), base + p.url).to_raw("replica_jobposting")
    elif p.source_kind == "feed":
        raw = FeedOfferPage(R.feed_offer(p, ds, base), base + p.url).to_raw(feed_entries[p.reference], "replica_feed")
    else:
        raw = ApiOfferPage(json.dumps(R.api_detail(p, base)), base + p.url).to_raw("replica_api")
    return normalize_posting(raw.to_dict(), crawl_time=datetime(2026, 11, 22, 7, tzinfo=UTC),
                             digital_only=p.source_kind == "pep")


@pytest.mark.parametrize("seed", [3, 8])
def test_rendered_pages_normalize_to_the_truth(seed):
    """Every record field of every digital posting, through the page objects and the
    normalizer, equals the truth: the rewordings, employer names and places a copy shows
    are what its page says. A quoted PEP reference is read from the description."""
    from crawlers.pages.feed import parse_feed
    from crawlers.replica.render import feed_rss

    ds = generate(700, seed=seed)
    feed = {e.guid: e for e in parse_feed(feed_rss(ds, "http://replica.test/feed", window=0)).entries}
    mismatches, quotes = [], 0
    for p in ds.postings:
        if not p.digital:
            continue
        got = _crawl_and_normalize(ds, p, feed).record()
        for name in TRUTH_FIELDS:
            if name == "status":
                continue
            value = got[name].isoformat() if isinstance(got[name], date) else got[name]
            if value != p.truth[name]:
                mismatches.append((p.source_kind, p.reference, name, value, p.truth[name]))
        quoted = p.wording.get("pep_ref")
        if not quoted:
            assert got["pep_references"] == [], p.reference
        elif not quoted.startswith(("O02A", "O02B")) and (
                p.wording["pep_ref_style"] != "url" or len(p.wording["pep_slug"]) < 100):
            # read, unless Corsica's "O02A…" (not a known PEP shape) or an offer URL whose slug is
            # too long for the normalizer's look-behind (normalize.record reads 160 characters)
            quotes += 1
            assert got["pep_references"] == [quoted], (p.reference, p.wording)
    assert mismatches == []
    assert quotes > 10


# ----------------------------------------------------------------------------- duplicates
@pytest.fixture(scope="module")
def large():
    return generate(12_000, seed=21)


def _pairs_by_kinds(ds, pairs):
    out = Counter()
    for pair in pairs:
        out[frozenset(k for k, _ in pair)] += 1
    return out


def test_copies_are_worded_and_named_as_other_sites_do(large):
    """Across sources one job's titles and employer names differ in the ways real sites differ."""
    dups = [tuple(large.get(*k) for k in sorted(pair)) for pair in large.duplicate_pairs()]
    titles = Counter()
    for a, b in dups:
        ta, tb = a.truth["title"], b.truth["title"]
        base = a.job.title.title
        for t in (ta, tb):
            if t == base:
                continue
            if t.startswith((f"{base} – site de ", f"{base} (", f"{base} - {a.job.commune.name}", f"{base} – {a.job.commune.name}")):
                titles["place appended"] += 1
            elif any(t.startswith((f"{base} - {s}", f"{base} – {s}")) for s in D.SPECIALITIES[a.job.title.family]):
                titles["speciality appended"] += 1
            elif any(base.startswith(x) and t == base.replace(x, y, 1) for x, y in D.ROLE_SWAPS):
                titles["role word"] += 1
            elif "Dév." in t or " / " in t and t.count(" / ") > base.count(" / ") or "·" in t:
                titles["abbreviation or feminine form"] += 1
    assert min(titles[k] for k in ("place appended", "speciality appended", "role word",
                                   "abbreviation or feminine form")) >= 10, titles
    names = [(a.truth["employer"], b.truth["employer"]) for a, b in dups if a.job.employer.aliases]
    differ = [pair for pair in names if pair[0].casefold() != pair[1].casefold()]
    assert len(differ) > len(names) / 5, (len(differ), len(names))
    for p in large.postings:
        assert p.truth["employer"].casefold() in {n.casefold() for n in p.job.employer.names}


def test_near_misses_are_also_on_another_source(large):
    near = large.near_miss_pairs()
    cross = [pair for pair in near if len({k for k, _ in pair}) == 2]
    assert len(cross) > len(near) / 4
    assert len(_pairs_by_kinds(large, cross)) >= 3  # pep–jobposting, pep–feed, pep–api…
    for pair in cross:
        a, b = (large.get(*k) for k in pair)
        # what tells them apart is stated on both sources
        assert (a.truth["employer"].casefold() not in {n.casefold() for n in b.job.employer.names}
                or a.truth["department_code"] != b.truth["department_code"] or a.truth["city"] != b.truth["city"]
                or abs((date.fromisoformat(a.truth["published_at"])
                        - date.fromisoformat(b.truth["published_at"])).days) >= NEAR_MISS_MIN_DAYS
                or (a.truth["category"] and b.truth["category"] and a.truth["category"] != b.truth["category"]))


def test_pep_references_are_quoted_by_every_kind_and_sometimes_before_the_pep_posting(large):
    quoting = [p for p in large.postings if p.wording.get("pep_ref")]
    assert {p.source_kind for p in quoting} == {"jobposting", "feed", "api"}
    assert {p.wording["pep_ref_style"] for p in quoting} == {"label", "short", "url"}
    earlier = 0
    for p in quoting:
        pep = large.get("pep", p.wording["pep_ref"])
        assert pep is not None and pep.offer_key == p.offer_key
        earlier += p.truth["published_at"] < pep.truth["published_at"]
    assert earlier > 5


# ----------------------------------------------------------------------------- pools and dates
def test_the_title_pool_classifies_as_its_family_on_every_source():
    from normalize.classify import classify

    api = {"cybersecurite": "Sécurité des systèmes d'information"}
    wrong = []
    for job in D.JOB_TITLES:
        labels = [((job.metier, "Numérique"), True), ((D.OCCUPATIONAL[job.family],), False),
                  ((job.domain,), False), ((api.get(job.family, "Systèmes d'information"),), False)]
        for rng_seed in range(4):
            title = reword(job.title, random.Random(rng_seed), city="Clermont-Ferrand", family=job.family)
            for given, digital_only in labels:
                got = classify(title, given, None, digital_only=digital_only)
                if got.job_family != job.family or not got.is_digital:
                    wrong.append((title, given, got.job_family))
    assert len(D.JOB_TITLES) > 150 and wrong == []


@pytest.mark.parametrize(("title", "expected"), [
    ("Administrateur systèmes et réseaux", {"Ingénieur systèmes et réseaux", "Administrateur systèmes et réseaux – site de Lyon",
                                            "Administratrice / Administrateur systèmes et réseaux"}),
    ("Data analyst", {"Analyste de données", "Data analyst (Lyon)"}),
    ("Développeur Java", {"Dév. Java", "Ingénieur développement Java", "Développeur Java - Lyon"}),
])
def test_rewordings(title, expected):
    family = next(t.family for t in D.JOB_TITLES if t.title == title)
    seen = {reword(title, random.Random(seed), city="Lyon", family=family) for seed in range(300)}
    assert expected <= seen
    assert any(s.startswith(title) and any(x in s for x in D.SPECIALITIES[family]) for s in seen)


def test_publication_dates_spread_with_the_number_of_postings_and_deadlines_follow():
    assert publication_span(1_000) == publication_span(10_000) == LIVE_DAYS
    assert publication_span(100_000) == 10 * LIVE_DAYS
    crowded, spread = generate(3000, seed=4), generate(3000, seed=4, span_days=10 * LIVE_DAYS)
    for ds, span in ((crowded, LIVE_DAYS), (spread, 10 * LIVE_DAYS)):
        twins = {key for pair in ds.near_miss_pairs() for key in pair}  # a second opening may be older
        for p in ds.postings:
            published = date.fromisoformat(p.truth["published_at"])
            assert ds.today - timedelta(days=span + (90 if (p.source_kind, p.reference) in twins else 1)) \
                <= published <= ds.today
            if p.truth["deadline"]:
                assert date.fromisoformat(p.truth["deadline"]) > published
    days = {name: Counter(p.truth["deadline"] for p in ds.postings if p.truth["deadline"])
            for name, ds in (("crowded", crowded), ("spread", spread))}
    assert len(days["spread"]) > 3 * len(days["crowded"])  # deadlines are not bunched after today
    live = sum(p.truth["status"] == "active" for p in crowded.postings if p.digital)
    assert live > 0.8 * sum(p.digital for p in crowded.postings)  # a live catalogue is mostly open
