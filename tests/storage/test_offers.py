"""storage.offers: the merge rules of CATALOGUE.md (checked against M1–M3 of the pep
EXPECTED.md), offer status and expiry, change history, stable ids, explain, and the view
`catalogue_offers` agreeing with the offers table — on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update

from expected_tables import RECORD_COLUMNS, merged_rows, tables, value
from normalize.record import NormalizedPosting
from normalize.text import fold
from storage.db import session
from storage.models import RECORD_FIELDS, Change, CrawlRun, Offer, OfferMerge, Posting
from storage.offers import (
    explain,
    expire_by_deadline,
    merge_postings,
    non_null_count,
    offer_id_for,
    offer_status,
    paris_today,
    refresh_offers,
    touch_seen_offers,
)
from storage.postings import BATCH_SIZE, mark_gone, mark_seen, upsert_postings
from storage.views import VIEW_COLUMNS

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)
CRAWL_DAY = date(2026, 11, 22)  # the samples' crawl day (pep EXPECTED.md "Dates")

KINDS = ("pep", "jobposting", "feed", "api")
#: stated in the EXPECTED.md texts, not in their tables
MINISTRY = {
    ("jobposting", "DINUM-2026-042"): "Services du Premier ministre",
    ("jobposting", "DNE-2026-114"): "Ministère de l'Éducation nationale",
    ("api", "MEN-2026-011482"): "Ministère de l'Éducation nationale",
}
MERGED_MINISTRY = ["Services du Premier ministre", None, "Ministère de l'Éducation nationale"]


@pytest.fixture
def engine(emptied_engine):
    """One database per module (tests/conftest.py), emptied before each test."""
    return emptied_engine


# ------------------------------------------------------------------------ helpers


def posting(reference: str, source: str = "pep", **fields) -> NormalizedPosting:
    base = NormalizedPosting(
        source=source, reference=reference, url=f"https://example.gouv.fr/{source}/{reference}",
        title=f"Développeur {reference}", employer="Direction interministérielle du numérique (DINUM)",
        public_service="etat", category="A", contract="titulaire_ou_contractuel", city="Paris",
        department_code="75", region="Île-de-France", remote="partiel", salary_min=45000, salary_max=62000,
        published_at=date(2026, 11, 18), deadline=date(2027, 1, 4), job_family="developpement",
        description="Vos missions : développer l'API.", description_html="<p>Vos missions : développer l'API.</p>",
    )
    return replace(base, **fields)


def store(s, *postings: NormalizedPosting, run_id: int | None = None, seen_at: datetime = T0) -> None:
    upsert_postings(s, [(p, {"listing_ref": p.reference, "listing_key": "k"}) for p in postings],
                    run_id=run_id, seen_at=seen_at)


def new_run(s) -> int:
    run = CrawlRun(source="pep", kind="pep")
    s.add(run)
    s.flush()
    return run.id


def make_offer(s, *keys: tuple[str, str]) -> str:
    """What pipeline.dedup does: an offer founded by the first posting, the others joined."""
    rows = [s.scalars(select(Posting).where(Posting.source == src, Posting.reference == ref)).one()
            for src, ref in keys]
    oid = offer_id_for(rows[0].source, rows[0].reference)
    s.add(Offer(id=oid, title=rows[0].title))
    s.flush()
    for row in rows:
        row.offer_id, row.dedup_pending = oid, False
        s.add(OfferMerge(offer_id=oid, posting_id=row.id, rule="founder" if row is rows[0] else "fuzzy",
                         matched_posting_id=None if row is rows[0] else rows[0].id, score=None))
    s.flush()
    return oid


def offer(s, oid: str) -> Offer:
    return s.scalars(select(Offer).where(Offer.id == oid).execution_options(populate_existing=True)).one()


def offer_changes(s, oid: str) -> list[tuple]:
    return [tuple(r) for r in s.execute(
        select(Change.field, Change.old_value, Change.new_value, Change.run_id)
        .where(Change.entity == "offer", Change.entity_id == oid).order_by(Change.id))]


def rec(source: str, reference: str, **fields) -> dict:
    """A posting as merge_postings reads it (only the fields given are non-null)."""
    return {"source": source, "reference": reference, **fields}


# ------------------------------------------------------------- M1–M3 of EXPECTED.md


def _expected_postings(samples_dir: Path) -> dict[str, dict]:
    """Every posting of the EXPECTED record tables, keyed by its label (D1, J6, F1, 48213…)."""
    out = {}
    for kind in KINDS:
        md = (samples_dir / kind / "EXPECTED.md").read_text(encoding="utf-8")
        table = next(rows for rows in tables(md)
                     if rows and "job_family" in rows[0] and "reference" in rows[0] and "merged offer" not in rows[0])
        for row in table:
            label = row.get("#") or row["id"]
            record = {c: value(c, row[c]) for c in RECORD_COLUMNS if c != "status"}
            for c in ("published_at", "deadline"):
                record[c] = date.fromisoformat(record[c]) if record[c] else None
            reference = value("reference", row["reference"])
            out[label] = {**record, "source": kind, "reference": reference,
                          "ministry": MINISTRY.get((kind, reference))}
    return out


def _merged_cases(samples_dir: Path) -> list[tuple[dict, list[dict], str | None]]:
    by_key = {(p["source"], p["reference"]): p for p in _expected_postings(samples_dir).values()}
    return [(m, [by_key[k] for k in m["postings"]], MERGED_MINISTRY[i])
            for i, m in enumerate(merged_rows(samples_dir / "pep" / "EXPECTED.md"))]


def _assert_record(got: dict, expected: dict, ministry: str | None, label: str) -> None:
    mismatches = {c: (got[c], expected[c]) for c in RECORD_COLUMNS
                  if c != "status" and _text(got[c]) != _text(expected[c])}
    assert not mismatches, f"{label}: (got, expected) {mismatches}"
    assert got["ministry"] == ministry, label


def test_non_null_counts_are_those_of_expected_md(samples_dir):
    """"D1 14 vs J6 13; F1 13 vs D4 12; 48213 15 vs J2 13": the counting rule, ministry included."""
    md = (samples_dir / "pep" / "EXPECTED.md").read_text(encoding="utf-8")
    pairs = re.findall(r"\b(\w+) (\d+) vs (\w+) (\d+)\b", md)
    assert len(pairs) == 3
    postings = _expected_postings(samples_dir)
    for a, na, b, nb in pairs:
        assert (non_null_count(postings[a]), non_null_count(postings[b])) == (int(na), int(nb))
        assert merge_postings([postings[b], postings[a]]).order[0] is postings[a]


def test_merge_rules_give_m1_to_m3(samples_dir):
    for m, postings, ministry in _merged_cases(samples_dir):
        merged = merge_postings(postings)
        _assert_record(merged.values, m, ministry, str(m["postings"]))
        status, _ = offer_status(merged.values["deadline"], ["active"] * len(postings), CRAWL_DAY)
        assert status == m["status"]


def test_m1_to_m3_through_the_database_and_the_view(engine, samples_dir):
    with session(engine) as s, s.begin():
        run = new_run(s)
        ids = []
        for _m, postings, _ in _merged_cases(samples_dir):
            store(s, *(NormalizedPosting(url=f"https://{p['source']}.example/{p['reference']}",
                                         description=f"Offre {p['reference']}",
                                         **{k: v for k, v in p.items() if k not in ("digital",)})
                       for p in postings), run_id=run)
            ids.append(make_offer(s, *((p["source"], p["reference"]) for p in postings)))
        assert refresh_offers(s, ids, run_id=run, today=CRAWL_DAY) == 3
    with engine.connect() as conn:
        view = {r.id: dict(r._mapping) for r in conn.execute(text("SELECT * FROM catalogue_offers"))}
    with session(engine) as s:
        for oid, (m, _postings, ministry) in zip(ids, _merged_cases(samples_dir), strict=True):
            row = offer(s, oid)
            _assert_record({c: getattr(row, c) for c in (*RECORD_COLUMNS, "ministry") if c != "status"},
                           m, ministry, oid)
            assert row.status == m["status"]
            got = view[oid]
            assert {c: _text(got[c]) for c in RECORD_FIELDS} == {c: _text(getattr(row, c)) for c in RECORD_FIELDS}
            assert sorted((x["source"], x["reference"]) for x in json.loads(got["sources"])) == sorted(m["postings"])


# ---------------------------------------------------------------- merge rules, pure

MERGE_CASES = [
    pytest.param(
        [rec("a", "1", title="A", city=None, category="A", region="Bretagne"),
         rec("b", "2", title="B", city="Rennes")],
        {"title": "A", "city": "Rennes", "category": "A", "region": "Bretagne"},
        id="a value beats null: the best posting's gap filled by the next one"),
    pytest.param(
        [rec("a", "1", title="A", category="A", published_at=date(2026, 11, 10)),
         rec("b", "2", title="B", published_at=date(2026, 11, 2))],
        {"title": "A", "published_at": date(2026, 11, 2)},
        id="published_at is the earliest date, even from the less complete posting"),
    pytest.param(
        [rec("a", "1", title="A", published_at=date(2026, 11, 10)),
         rec("z", "2", title="Z", published_at=date(2026, 11, 9))],
        {"title": "Z"},
        id="equal counts: the earliest published posting wins"),
    pytest.param(
        [rec("pep", "1", title="P", published_at=date(2026, 11, 9)),
         rec("api", "2", title="A", published_at=date(2026, 11, 9))],
        {"title": "A"},
        id="equal counts and dates: the source name in alphabetical order"),
    pytest.param(
        [rec("a", "1", title="A", published_at=None, city="Paris"),
         rec("b", "2", title="B", published_at=date(2026, 11, 9))],
        {"title": "B", "city": "Paris"},
        id="equal counts: a posting without a date comes after a dated one"),
    pytest.param(
        [rec("a", "1", title="A", category="A", salary_max=50000),
         rec("b", "2", title="B", salary_min=40000, salary_max=45000)],
        {"salary_min": None, "salary_max": 50000},
        id="salary_min and salary_max come together from one posting"),
    pytest.param(
        [rec("a", "1", title="A", category="A", description_html="<p>a</p>"),
         rec("b", "2", title="B", description="b", description_html="<p>b</p>")],
        {"description": None, "description_html": "<p>a</p>"},
        id="description and description_html come together from one posting"),
    pytest.param(
        [rec("a", "1", title="A", category="A", city="Lyon", is_digital=False),
         rec("b", "2", title="B")],
        {"title": "B", "city": None, "category": None},
        id="a non-digital posting takes no part"),
    pytest.param(
        [rec("b", "2", title="B", ministry="Ministère X"), rec("a", "1", title="A", category="A")],
        {"title": "A", "ministry": "Ministère X"},
        id="equal counts of different fields: alphabetical source, ministry filled from the other"),
]


@pytest.mark.parametrize(("postings", "expected"), MERGE_CASES)
def test_merge_rules(postings, expected):
    merged = merge_postings(postings)
    assert {k: merged.values[k] for k in expected} == expected
    assert merge_postings(list(reversed(postings))).values == merged.values  # order of input is irrelevant


def test_merge_provenance_names_the_giving_posting():
    merged = merge_postings([rec("a", "1", id=1, title="A", category="A"), rec("b", "2", id=2, title="B", city="X",
                                                                             published_at=date(2026, 1, 1))])
    assert merged.provenance["title"] == 2 and merged.provenance["city"] == 2  # b has 3 fields, a 2
    assert merged.provenance["category"] == 1 and merged.provenance["region"] is None


@pytest.mark.parametrize(("deadline", "statuses", "expected"), [
    (date(2026, 11, 21), ["active"], ("expired", "deadline")),
    (date(2026, 11, 22), ["active"], ("active", None)),  # the deadline day itself is still open
    (None, ["gone", "gone"], ("expired", "gone")),
    (None, ["gone", "active"], ("active", None)),
    (date(2026, 11, 1), ["gone"], ("expired", "deadline")),
])
def test_offer_status(deadline, statuses, expected):
    assert offer_status(deadline, statuses, CRAWL_DAY) == expected


# --------------------------------------------------------------------- offer ids


def test_offer_ids_are_short_stable_and_distinct():
    oid = offer_id_for("pep", "2026-2561234")
    assert re.fullmatch(r"o[a-z2-7]{11}", oid)
    assert offer_id_for("pep", "2026-2561234") == oid
    assert offer_id_for("a", "bc") != offer_id_for("ab", "c")
    ids = {offer_id_for("pep", f"2026-{i:07d}") for i in range(20000)}
    assert len(ids) == 20000


def test_joining_postings_never_change_the_offer_id(engine):
    with session(engine) as s, s.begin():
        store(s, posting("P1"), posting("J1", source="jp", title="Développeur back-end Python senior",
                                        ministry="Services du Premier ministre"))
        oid = make_offer(s, ("pep", "P1"))
        refresh_offers(s, [oid], run_id=None, today=CRAWL_DAY)
        s.scalars(select(Posting).where(Posting.reference == "J1")).one().offer_id = oid
        s.flush()
        refresh_offers(s, [oid], run_id=None, today=CRAWL_DAY)
        assert offer(s, oid).title == "Développeur back-end Python senior"  # J1 now the most complete
        assert s.scalar(select(func.count()).select_from(Offer)) == 1
        assert oid == offer_id_for("pep", "P1")


# ------------------------------------------------------------ refresh and history


def test_touch_moves_the_offers_of_the_postings_a_run_saw_to_their_latest_sighting(engine):
    """A re-crawl marks unchanged postings seen (``mark_seen``, no refresh): their offers'
    ``last_seen_at`` follows, to the latest sighting of any of their postings — never back."""
    T3 = T2 + timedelta(hours=1)
    with session(engine) as s, s.begin():
        store(s, posting("P1"), posting("P2"), posting("P3"), posting("P4"), seen_at=T0)
        store(s, posting("J1", source="jp", title="Développeur P1"), seen_at=T0)
        p1 = make_offer(s, ("pep", "P1"), ("jp", "J1"))
        p2, p3 = make_offer(s, ("pep", "P2")), make_offer(s, ("pep", "P3"))
        refresh_offers(s, [p1, p2, p3], run_id=None, today=CRAWL_DAY)  # P4: no offer yet
        run = new_run(s)
        mark_seen(s, "pep", ["P1"], run_id=run, seen_at=T1)
        mark_seen(s, "pep", ["P2", "P4"], run_id=run, seen_at=T2)
        jp_run = new_run(s)
        mark_seen(s, "jp", ["J1"], run_id=jp_run, seen_at=T3)  # another source, later
        s.execute(update(Offer).where(Offer.id == p2).values(last_seen_at=T3))  # seen later elsewhere
        assert touch_seen_offers(s, "pep", run_id=run) == 1  # P1's offer; P2's was seen later already
        assert [offer(s, oid).last_seen_at for oid in (p1, p2, p3)] == [T3, T3, T0]  # P1's offer: J1 at T3
        s.execute(update(Offer).where(Offer.id == p1).values(last_seen_at=T0))
        assert touch_seen_offers(s, "jp", run_id=jp_run) == 1
        assert offer(s, p1).last_seen_at == T3
        assert touch_seen_offers(s, "pep", run_id=run) == 0  # nothing left to move


def test_a_posting_seen_then_found_gone_by_the_run_still_dates_its_offer(engine):
    """The post-crawl order (pipeline.postcrawl): a posting the run saw in the listing whose
    page then answered 404 is marked gone and its offer refreshed — ``last_seen_at`` from all
    its postings, gone ones included — before ``touch_seen_offers``, which reads active
    postings only: the offer keeps the run's sighting."""
    with session(engine) as s, s.begin():
        store(s, posting("P1"), seen_at=T0)
        p1 = make_offer(s, ("pep", "P1"))
        refresh_offers(s, [p1], run_id=None, today=CRAWL_DAY)
        run = new_run(s)
        mark_seen(s, "pep", ["P1"], run_id=run, seen_at=T2)
        affected = mark_gone(s, "pep", reference="P1", run_id=run, at=T2)
        assert affected == p1
        refresh_offers(s, [affected], run_id=run, today=CRAWL_DAY)
        assert touch_seen_offers(s, "pep", run_id=run) == 0  # nothing left to move
        assert (offer(s, p1).last_seen_at, offer(s, p1).status) == (T2, "expired")


def test_refresh_sets_record_search_fields_and_seen_times(engine):
    with session(engine) as s, s.begin():
        store(s, posting("P1", published_at=date(2026, 11, 18)), seen_at=T0)
        store(s, posting("J1", source="jp", city=None, published_at=date(2026, 11, 17)), seen_at=T1)
        store(s, posting("P1", published_at=date(2026, 11, 18)), seen_at=T2)
        oid = make_offer(s, ("pep", "P1"), ("jp", "J1"))
        assert refresh_offers(s, [oid, "ounknown0000"], run_id=None, today=CRAWL_DAY) == 1
        o = offer(s, oid)
        assert (o.first_seen_at, o.last_seen_at) == (T0, T2)
        assert (o.title, o.city, o.published_at) == ("Développeur P1", "Paris", date(2026, 11, 17))
        assert o.search_text == fold("Développeur P1 Vos missions : développer l'API.")
        assert o.search_text == "developpeur p1 vos missions : developper l'api."
        assert o.employer_search == "direction interministerielle du numerique (dinum)"
        assert (o.status, o.expired_at, o.expired_reason) == ("active", None, None)
        assert offer_changes(s, oid) == []  # the first computation is not a change
        assert refresh_offers(s, [oid], run_id=None, today=CRAWL_DAY) == 0


def test_each_changed_offer_field_writes_a_change_row(engine):
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        store(s, posting("P1"), run_id=run1)
        oid = make_offer(s, ("pep", "P1"))
        refresh_offers(s, [oid], run_id=run1, today=CRAWL_DAY)
        before = offer(s, oid).updated_at
        changed = posting("P1", title="Lead dev", salary_max=65000, employer="DINUM")
        result = upsert_postings(s, [(changed, {"listing_ref": "P1"})], run_id=run2, seen_at=T1)
        assert result.changed_offer_ids == {oid}
        assert refresh_offers(s, result.changed_offer_ids, run_id=run2, today=CRAWL_DAY) == 1
        assert sorted(offer_changes(s, oid)) == [
            ("employer", "Direction interministérielle du numérique (DINUM)", "DINUM", run2),
            ("salary_max", "62000", "65000", run2),
            ("title", "Développeur P1", "Lead dev", run2)]
        o = offer(s, oid)
        assert o.search_text == "lead dev vos missions : developper l'api."
        assert o.employer_search == "dinum" and o.updated_at >= before


def test_deadline_expiry_with_a_fixed_today(engine):
    with session(engine) as s, s.begin():
        run1, run2, run3 = new_run(s), new_run(s), new_run(s)
        store(s, posting("PAST", deadline=date(2026, 11, 21)), posting("TODAY", deadline=CRAWL_DAY),
              posting("NONE", deadline=None), run_id=run1)
        ids = {r: make_offer(s, ("pep", r)) for r in ("PAST", "TODAY", "NONE")}
        refresh_offers(s, ids.values(), run_id=run1, today=date(2026, 11, 1))
        assert {r: offer(s, i).status for r, i in ids.items()} == dict.fromkeys(ids, "active")
        assert expire_by_deadline(s, run_id=run2, today=CRAWL_DAY) == 1
        past = offer(s, ids["PAST"])
        assert (past.status, past.expired_reason) == ("expired", "deadline") and past.expired_at is not None
        assert offer_changes(s, ids["PAST"]) == [("status", "active", "expired", run2)]
        assert expire_by_deadline(s, run_id=run2, today=CRAWL_DAY) == 0
        assert offer(s, ids["TODAY"]).status == "active"
        # the deadline is pushed back: the offer is active again
        result = upsert_postings(s, [(posting("PAST", deadline=date(2027, 3, 1)), {"listing_ref": "PAST"})],
                                 run_id=run3, seen_at=T1)
        refresh_offers(s, result.changed_offer_ids, run_id=run3, today=CRAWL_DAY)
        past = offer(s, ids["PAST"])
        assert (past.status, past.expired_at, past.expired_reason) == ("active", None, None)
        assert ("status", "expired", "active", run3) in offer_changes(s, ids["PAST"])


def test_expiry_when_all_postings_are_gone_not_when_one_of_two(engine):
    with session(engine) as s, s.begin():
        run = new_run(s)
        store(s, posting("P1", deadline=None), posting("J1", source="jp", deadline=None), run_id=run)
        oid = make_offer(s, ("pep", "P1"), ("jp", "J1"))
        refresh_offers(s, [oid], run_id=run, today=CRAWL_DAY)
        mark_gone(s, "pep", reference="P1", run_id=run, at=T1)
        refresh_offers(s, [oid], run_id=run, today=CRAWL_DAY)
        assert offer(s, oid).status == "active"
        assert mark_gone(s, "jp", reference="J1", run_id=run, at=T1) == oid
        refresh_offers(s, [oid], run_id=run, today=CRAWL_DAY)
        o = offer(s, oid)
        assert (o.status, o.expired_reason) == ("expired", "gone") and o.expired_at is not None
        # one posting comes back
        back = posting("J1", source="jp", deadline=None)
        result = upsert_postings(s, [(back, {"listing_ref": "J1"})], run_id=run, seen_at=T2)
        assert result.changed_offer_ids == {oid}
        assert offer(s, oid).status == "active"  # the upsert refreshed it (nothing else would)
        assert [c[1:3] for c in offer_changes(s, oid)] == [("active", "expired"), ("expired", "active")]


def test_an_offer_left_without_digital_posting_is_deleted(engine):
    with session(engine) as s, s.begin():
        run = new_run(s)
        store(s, posting("P1"), run_id=run)
        oid = make_offer(s, ("pep", "P1"))
        refresh_offers(s, [oid], run_id=run, today=CRAWL_DAY)
        result = upsert_postings(s, [(posting("P1", is_digital=False, job_family=None), {"listing_ref": "P1"})],
                                 run_id=run, seen_at=T1)
        assert result.changed_offer_ids == {oid}
        assert s.get(Offer, oid) is None  # the upsert refreshed it: no digital posting left
        assert refresh_offers(s, result.changed_offer_ids, run_id=run, today=CRAWL_DAY) == 0
        assert s.scalar(select(func.count()).select_from(OfferMerge)) == 0
        assert offer_changes(s, oid) == [("status", "active", "deleted", run)]


def test_refresh_many_offers_in_one_call(engine):
    n = BATCH_SIZE * 2 + 3
    with session(engine) as s, s.begin():
        store(s, *(posting(f"P{i:05d}", deadline=date(2026, 11, 1) if i % 2 else None) for i in range(n)))
        ids = [offer_id_for("pep", f"P{i:05d}") for i in range(n)]
        s.add_all(Offer(id=i, title="x") for i in ids)
        s.flush()
        rows = s.execute(select(Posting.id, Posting.source, Posting.reference)).all()
        s.execute(update(Posting), [{"id": i, "offer_id": offer_id_for(src, ref)} for i, src, ref in rows])
        assert refresh_offers(s, ids, run_id=None, today=CRAWL_DAY) == n
        statuses = dict(s.execute(select(Offer.status, func.count()).group_by(Offer.status)).all())
        assert statuses == {"expired": n // 2, "active": n - n // 2}


# ------------------------------------------------------------------------ explain


def test_explain(engine):
    with session(engine) as s, s.begin():
        run = new_run(s)
        store(s, posting("P1", category=None), posting("J1", source="jp", ministry="SPM"), run_id=run)
        oid = make_offer(s, ("pep", "P1"), ("jp", "J1"))
        refresh_offers(s, [oid], run_id=run, today=CRAWL_DAY)
        out = explain(s, oid)
        assert explain(s, "ounknown0000") is None
    json.dumps(out)  # JSON-ready
    assert out["offer"]["id"] == oid and out["offer"]["ministry"] == "SPM"
    assert [(p["source"], p["reference"], p["non_null_fields"]) for p in out["postings"]] == [
        ("jp", "J1", 15), ("pep", "P1", 13)]
    jp_id, pep_id = (p["id"] for p in out["postings"])
    assert out["fields"]["title"] == {"value": "Développeur J1", "posting_id": jp_id}
    assert out["fields"]["published_at"]["value"] == "2026-11-18"
    assert {m["rule"] for m in out["merges"]} == {"founder", "fuzzy"}
    assert out["postings"][1]["merge"]["rule"] == "founder" and out["postings"][1]["id"] == pep_id
    assert out["changes"] == []
    assert out["offer"]["status"] == out["offer"]["catalogue_status"] == "active"


def test_explain_shows_the_status_the_catalogue_shows(engine):
    """A deadline passed since the last crawl: the table still says active, the view (and every
    export) expired; `catalogue explain` showed the table's word."""
    with session(engine) as s, s.begin():
        store(s, posting("P1", deadline=CRAWL_DAY + timedelta(days=1)))
        oid = make_offer(s, ("pep", "P1"))
        refresh_offers(s, [oid], run_id=None, today=CRAWL_DAY)
        out = explain(s, oid, today=CRAWL_DAY + timedelta(days=2))
    assert (out["offer"]["status"], out["offer"]["catalogue_status"]) == ("active", "expired")


# ------------------------------------------------------------------------ the view


def _text(v) -> str | None:
    """A view/table value in comparable form (SQLite returns dates as text)."""
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return str(v)


def test_view_rows_equal_the_offers_record(engine):
    with session(engine) as s, s.begin():
        store(s, posting("P1", employer="DINUM"), posting("J1", source="jp", remote=None), seen_at=T0)
        store(s, posting("SOLO", title="Data engineer", deadline=None, salary_min=None, salary_max=None), seen_at=T1)
        ids = [make_offer(s, ("pep", "P1"), ("jp", "J1")), make_offer(s, ("pep", "SOLO"))]
        refresh_offers(s, ids, run_id=None)
    with engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM catalogue_offers ORDER BY id"))
        assert tuple(result.keys()) == VIEW_COLUMNS
        view = {r.id: dict(r._mapping) for r in result}
    with session(engine) as s:
        for oid in ids:
            o = offer(s, oid)
            expected = {c: _text(getattr(o, c)) for c in VIEW_COLUMNS if c != "sources"}
            assert {c: _text(view[oid][c]) for c in expected} == expected
            sources = [{"source": p.source, "reference": p.reference, "url": p.url} for p in s.scalars(
                select(Posting).where(Posting.offer_id == oid).order_by(Posting.source, Posting.reference))]
            assert json.loads(view[oid]["sources"]) == sources
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", view[ids[0]]["first_seen_at"])
    assert view[ids[0]]["salary_min"] == 45000 and view[ids[1]]["salary_min"] is None


def test_view_status_agrees_with_refresh_offers(engine):
    """The view applies the deadline rule against today's Paris date, like refresh_offers."""
    today = paris_today()
    deadlines = {"YESTERDAY": today - timedelta(days=1), "TODAY": today, "TOMORROW": today + timedelta(days=1),
                 "NONE": None}
    with session(engine) as s, s.begin():
        store(s, *(posting(r, deadline=d) for r, d in deadlines.items()))
        ids = {r: make_offer(s, ("pep", r)) for r in deadlines}
        refresh_offers(s, ids.values(), run_id=None, today=today - timedelta(days=30))  # a month-old refresh
        assert {offer(s, i).status for i in ids.values()} == {"active"}
    view_status = _view_status(engine)
    # the table says active everywhere; the view already expires YESTERDAY
    assert {r: view_status[i] for r, i in ids.items()} == {
        "YESTERDAY": "expired", "TODAY": "active", "TOMORROW": "active", "NONE": "active"}
    with session(engine) as s, s.begin():
        refresh_offers(s, ids.values(), run_id=None)
        table_status = {r: offer(s, i).status for r, i in ids.items()}
    view_status = _view_status(engine)
    assert table_status == {r: view_status[i] for r, i in ids.items()}


def _view_status(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT id, status FROM catalogue_offers")).all())
