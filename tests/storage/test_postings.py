"""storage.postings on SQLite and PostgreSQL: upsert counts, change history, dedup flags,
seen / gone marking and the incremental-crawl state (`known_listing_entries`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, text

from normalize.record import NormalizedPosting
from storage.db import session
from storage.models import Change, CrawlRun, NonOfferPage, Offer, Posting
from storage.postings import (
    BATCH_SIZE,
    TRACKED_FIELDS,
    as_change_text,
    content_hash,
    known_listing_entries,
    mark_gone,
    mark_missing_gone,
    mark_seen,
    remember_non_offer,
    update_rows,
    upsert_postings,
)

T0 = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)
T1 = T0 + timedelta(days=1)
T2 = T0 + timedelta(days=2)


@pytest.fixture
def engine(emptied_engine):
    """One database per module (tests/conftest.py), emptied before each test."""
    return emptied_engine


def posting(reference: str, source: str = "pep", **fields) -> NormalizedPosting:
    """A digital posting with every record field filled (override any with ``fields``)."""
    base = NormalizedPosting(
        source=source, reference=reference, url=f"https://example.gouv.fr/{source}/{reference}",
        title=f"Développeur {reference}", employer="DINUM", ministry=None, public_service="etat",
        category="A", contract="titulaire_ou_contractuel", city="Paris", department_code="75",
        region="Île-de-France", remote="partiel", salary_min=45000, salary_max=62000,
        published_at=date(2026, 11, 18), deadline=date(2027, 1, 4), job_family="developpement",
        description="Vos missions", description_html="<p>Vos missions</p>", is_digital=True,
        employer_key="dinum",
    )
    return replace(base, **fields)


def raw(p: NormalizedPosting, **fields) -> dict:
    return {"source": p.source, "reference": p.reference, "url": p.url, "title": p.title,
            "listing_ref": p.reference, "listing_key": "k1", "detail_fetched": True, **fields}


def items(*postings: NormalizedPosting) -> list[tuple[NormalizedPosting, dict]]:
    return [(p, raw(p)) for p in postings]


def new_run(s, source: str = "pep") -> int:
    run = CrawlRun(source=source, kind=source)
    s.add(run)
    s.flush()
    return run.id


def stored(s, reference: str, source: str = "pep") -> Posting:
    return s.scalars(select(Posting).where(Posting.source == source, Posting.reference == reference)
                     .execution_options(populate_existing=True)).one()


def changes_of(s, posting_id: int) -> list[tuple]:
    return [tuple(r) for r in s.execute(
        select(Change.field, Change.old_value, Change.new_value, Change.run_id)
        .where(Change.entity == "posting", Change.entity_id == str(posting_id)).order_by(Change.id))]


def counts(result) -> tuple[int, int, int]:
    return result.new, result.updated, result.unchanged


def test_insert_update_unchanged_counts_and_idempotent_reupsert(engine):
    with session(engine) as s, s.begin():
        run1, run2, run3 = new_run(s), new_run(s), new_run(s)
        a, b, c = posting("A"), posting("B"), posting("C")
        assert counts(upsert_postings(s, items(a, b, c), run_id=run1, seen_at=T0)) == (3, 0, 0)
        again = upsert_postings(s, items(a, b, c), run_id=run2, seen_at=T1)
        assert counts(again) == (0, 0, 3) and again.changed_offer_ids == set()
        assert s.scalar(select(func.count()).select_from(Change)) == 0
        changed = upsert_postings(s, items(replace(a, title="Développeur Python"), b, replace(c, salary_min=47000)),
                                  run_id=run3, seen_at=T2)
        assert counts(changed) == (0, 2, 1)
        assert changes_of(s, stored(s, "A").id) == [("title", "Développeur A", "Développeur Python", run3)]
        assert changes_of(s, stored(s, "C").id) == [("salary_min", "45000", "47000", run3)]
        assert changes_of(s, stored(s, "B").id) == []
        assert stored(s, "A").title == "Développeur Python"


@pytest.mark.parametrize(("field", "new_value", "old_text", "new_text"), [
    ("title", "Data engineer", "Développeur R1", "Data engineer"),
    ("employer", None, "DINUM", None),
    ("ministry", "Services du Premier ministre", None, "Services du Premier ministre"),
    ("salary_max", 64000, "62000", "64000"),
    ("deadline", date(2027, 2, 1), "2027-01-04", "2027-02-01"),
    ("published_at", None, "2026-11-18", None),
    ("description_html", "<p>Autre</p>", "<p>Vos missions</p>", "<p>Autre</p>"),
    ("url", "https://example.gouv.fr/new", "https://example.gouv.fr/pep/R1", "https://example.gouv.fr/new"),
    ("pep_references", ["2026-2561234"], "[]", '["2026-2561234"]'),
    ("salary_net", {"net_min": 2500, "period": "monthly"}, None, '{"net_min": 2500, "period": "monthly"}'),
])
def test_one_changes_row_per_changed_field(engine, field, new_value, old_text, new_text):
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        p = posting("R1")
        upsert_postings(s, items(p), run_id=run1, seen_at=T0)
        result = upsert_postings(s, items(replace(p, **{field: new_value})), run_id=run2, seen_at=T1)
        assert counts(result) == (0, 1, 0)
        row = stored(s, "R1")
        assert changes_of(s, row.id) == [(field, old_text, new_text, run2)]
        assert as_change_text(getattr(row, field)) == new_text


def test_seen_times_move_first_seen_does_not(engine):
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        upsert_postings(s, items(posting("A")), run_id=run1, seen_at=T0)
        upsert_postings(s, items(posting("A")), run_id=run2, seen_at=T1)
        row = stored(s, "A")
        assert (row.first_seen_at, row.last_seen_at, row.last_run_id) == (T0, T1, run2)
        assert row.detail_fetched_at == T1
        assert row.raw["listing_key"] == "k1" and row.content_hash == content_hash(
            {name: getattr(row, name) for name in TRACKED_FIELDS})


def test_dedup_pending_for_new_or_changed_digital_postings_only(engine):
    with session(engine) as s, s.begin():
        run1, run2, run3 = new_run(s), new_run(s), new_run(s)
        upsert_postings(s, items(posting("D"), posting("N", is_digital=False, job_family=None)),
                        run_id=run1, seen_at=T0)
        assert stored(s, "D").dedup_pending is True
        assert stored(s, "N").dedup_pending is False and stored(s, "N").is_digital is False
        s.add(Offer(id="otestoffer01", title="x"))
        s.flush()
        d = stored(s, "D")
        d.offer_id, d.dedup_pending = "otestoffer01", False  # what the dedup step does
        s.flush()
        upsert_postings(s, items(posting("D"), posting("N", is_digital=False, job_family=None)),
                        run_id=run2, seen_at=T1)
        assert stored(s, "D").dedup_pending is False  # unchanged: not deduplicated again
        result = upsert_postings(s, items(posting("D", city="Lyon")), run_id=run3, seen_at=T2)
        assert result.changed_offer_ids == {"otestoffer01"}
        assert stored(s, "D").dedup_pending is True and stored(s, "D").offer_id == "otestoffer01"


def test_a_posting_that_stops_being_digital_leaves_its_offer(engine):
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        upsert_postings(s, items(posting("D")), run_id=run1, seen_at=T0)
        s.add(Offer(id="otestoffer02", title="x"))
        s.flush()
        stored(s, "D").offer_id = "otestoffer02"
        s.flush()
        result = upsert_postings(s, items(posting("D", is_digital=False, job_family=None)), run_id=run2, seen_at=T1)
        assert result.changed_offer_ids == {"otestoffer02"}
        row = stored(s, "D")
        assert (row.offer_id, row.dedup_pending, row.is_digital) == (None, False, False)
        assert ("is_digital", "true", "false", run2) in changes_of(s, row.id)


def test_gone_and_back(engine):
    with session(engine) as s, s.begin():
        run1, run2, run3 = new_run(s), new_run(s), new_run(s)
        upsert_postings(s, items(posting("G")), run_id=run1, seen_at=T0)
        s.add(Offer(id="otestoffer03", title="x"))
        s.flush()
        stored(s, "G").offer_id = "otestoffer03"
        s.flush()
        assert mark_gone(s, "pep", reference="G", run_id=run2, at=T1) == "otestoffer03"
        row = stored(s, "G")
        assert (row.status, row.gone_at) == ("gone", T1)
        assert mark_gone(s, "pep", reference="G", run_id=run2, at=T2) == "otestoffer03"  # already gone
        assert stored(s, "G").gone_at == T1
        assert known_listing_entries(s, "pep") == {}
        result = upsert_postings(s, items(posting("G")), run_id=run3, seen_at=T2)
        assert counts(result) == (0, 1, 0) and result.changed_offer_ids == {"otestoffer03"}
        row = stored(s, "G")
        assert (row.status, row.gone_at, row.last_run_id) == ("active", None, run3)
        assert changes_of(s, row.id) == [("status", "active", "gone", run2), ("status", "gone", "active", run3)]


def test_mark_gone_by_listing_ref_and_unknown(engine):
    with session(engine) as s, s.begin():
        run = new_run(s, "jp")
        p = posting("J1", source="jp")
        upsert_postings(s, [(p, raw(p, listing_ref="https://jp.example/emploi/j1/"))], run_id=run, seen_at=T0)
        assert mark_gone(s, "jp", listing_ref="https://jp.example/emploi/j1/", run_id=run, at=T1) is None  # no offer
        assert stored(s, "J1", "jp").status == "gone"
        assert mark_gone(s, "jp", reference="nope", run_id=run, at=T1) is None
        assert mark_gone(s, "jp", run_id=run, at=T1) is None


def test_mark_missing_gone_touches_only_unseen_postings_of_that_source(engine):
    with session(engine) as s, s.begin():
        run1 = new_run(s)
        upsert_postings(s, items(posting("seen"), posting("skipped"), posting("missing"),
                                 posting("other", source="feed")), run_id=run1, seen_at=T0)
        s.add(Offer(id="otestoffer04", title="x"))
        s.flush()
        stored(s, "missing").offer_id = "otestoffer04"
        s.flush()
        run2 = new_run(s)
        upsert_postings(s, items(posting("seen")), run_id=run2, seen_at=T1)
        assert mark_seen(s, "pep", ["skipped", "unknown"], run_id=run2, seen_at=T1) == 1
        assert mark_missing_gone(s, "pep", run_id=run2, at=T2, seen_since=T1) == {"otestoffer04"}
        status = {r: stored(s, r).status for r in ("seen", "skipped", "missing")}
        assert status == {"seen": "active", "skipped": "active", "missing": "gone"}
        assert stored(s, "other", "feed").status == "active"
        assert changes_of(s, stored(s, "missing").id) == [("status", "active", "gone", run2)]
        assert stored(s, "skipped").last_run_id == run2
        # a second pass changes nothing
        assert mark_missing_gone(s, "pep", run_id=run2, at=T2, seen_since=T1) == set()
        assert len(changes_of(s, stored(s, "missing").id)) == 1


def test_mark_missing_gone_spares_postings_seen_by_the_run_itself(engine):
    with session(engine) as s, s.begin():
        run = new_run(s)
        upsert_postings(s, items(posting("early")), run_id=run, seen_at=T0)  # seen before seen_since
        assert mark_missing_gone(s, "pep", run_id=run, at=T2, seen_since=T1) == set()
        assert stored(s, "early").status == "active"


def test_mark_missing_gone_when_the_previous_crawl_saw_it_in_the_second_this_one_started(engine):
    """Times are kept to the second: a crawl started in the second the previous one marked a
    posting seen must still find it gone when its own run did not see it."""
    with session(engine) as s, s.begin():
        run1 = new_run(s)
        upsert_postings(s, items(posting("kept"), posting("removed")), run_id=run1, seen_at=T1)
        run2 = new_run(s)
        assert mark_seen(s, "pep", ["kept"], run_id=run2, seen_at=T1) == 1
        mark_missing_gone(s, "pep", run_id=run2, at=T1, seen_since=T1)
        assert {r: stored(s, r).status for r in ("kept", "removed")} == {"kept": "active", "removed": "gone"}


def test_mark_seen_ignores_gone_postings_and_other_sources(engine):
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        upsert_postings(s, items(posting("A"), posting("B"), posting("A", source="feed")), run_id=run1, seen_at=T0)
        mark_gone(s, "pep", reference="B", run_id=run1, at=T0)
        assert mark_seen(s, "pep", ["A", "B", "A"], run_id=run2, seen_at=T1) == 1
        assert stored(s, "A").last_seen_at == T1
        assert stored(s, "B").last_seen_at == T0
        assert stored(s, "A", "feed").last_seen_at == T0


def test_known_listing_entries(engine):
    with session(engine) as s, s.begin():
        run = new_run(s, "jp")
        fetched, listing_only, gone = posting("F", source="jp"), posting("L", source="jp"), posting("X", source="jp")
        upsert_postings(s, [
            (fetched, raw(fetched, listing_ref="https://jp/f", listing_key="2026-11-01")),
            (listing_only, raw(listing_only, listing_ref="https://jp/l", detail_fetched=False)),
            (gone, raw(gone, listing_ref="https://jp/x")),
        ], run_id=run, seen_at=T0)
        mark_gone(s, "jp", reference="X", run_id=run, at=T0)
        remember_non_offer(s, "jp", "https://jp/about", "2026-01-01", "no JobPosting")
        remember_non_offer(s, "jp", "https://jp/about", "2026-02-01", "no JobPosting")
        remember_non_offer(s, "other", "https://jp/home", None, "no JobPosting")
        assert known_listing_entries(s, "jp") == {
            "https://jp/f": {"reference": "F", "listing_key": "2026-11-01", "offer": True},
            # read from its listing entry alone (a feed item not digital): known as well
            "https://jp/l": {"reference": "L", "listing_key": "k1", "offer": True},
            "https://jp/about": {"reference": None, "listing_key": "2026-02-01", "offer": False},
        }
        # a listed page that now carries an offer is no longer a non-offer page
        later = posting("A", source="jp")
        upsert_postings(s, [(later, raw(later, listing_ref="https://jp/about", listing_key="2026-03-01"))],
                        run_id=run, seen_at=T1)
        assert known_listing_entries(s, "jp")["https://jp/about"] == {
            "reference": "A", "listing_key": "2026-03-01", "offer": True}
        assert s.scalar(select(func.count()).select_from(NonOfferPage).where(NonOfferPage.source == "jp")) == 0


def test_listing_key_change_alone_is_stored_but_not_a_change(engine):
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        p = posting("K")
        upsert_postings(s, [(p, raw(p, listing_key="k1"))], run_id=run1, seen_at=T0)
        result = upsert_postings(s, [(p, raw(p, listing_key="k2"))], run_id=run2, seen_at=T1)
        assert counts(result) == (0, 0, 1)
        assert known_listing_entries(s, "pep")["K"]["listing_key"] == "k2"
        assert changes_of(s, stored(s, "K").id) == []


def test_bad_items_are_skipped_or_nulled_never_raise(engine):
    with session(engine) as s, s.begin():
        run = new_run(s)
        batch = [
            posting(None), posting("T", title=None), posting("R" * 300),  # unusable: skipped
            posting("V", category="Catégorie A", salary_min="beaucoup", deadline="bientôt"),
            posting("DUP", city="Lyon"), posting("DUP", city="Nantes"),  # the later one wins
        ]
        result = upsert_postings(s, items(*batch), run_id=run, seen_at=T0)
        assert (result.new, result.skipped) == (2, 4)
        v = stored(s, "V")
        assert (v.category, v.salary_min, v.deadline, v.salary_max) == (None, None, None, 62000)
        assert {w.split(":")[0] for w in v.warnings} == {"category", "salary_min", "deadline"}
        assert stored(s, "DUP").city == "Nantes"


def test_batches_larger_than_one_in_list(engine):
    n = BATCH_SIZE * 2 + 7
    with session(engine) as s, s.begin():
        run1, run2 = new_run(s), new_run(s)
        batch = [posting(f"B{i:05d}") for i in range(n)]
        assert counts(upsert_postings(s, items(*batch), run_id=run1, seen_at=T0)) == (n, 0, 0)
        batch[-1] = replace(batch[-1], city="Lyon")
        assert counts(upsert_postings(s, items(*batch), run_id=run2, seen_at=T1)) == (0, 1, n - 1)
        assert mark_seen(s, "pep", [p.reference for p in batch], run_id=run2, seen_at=T2) == n
        assert s.scalar(select(func.count()).select_from(Posting).where(Posting.last_seen_at == T2)) == n


@contextmanager
def executed(engine) -> Iterator[list[tuple[str, object]]]:
    """The (statement, parameters) the engine sends while the block runs."""
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, *args):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_update_rows_sets_the_given_columns_and_never_rewrites_the_key(engine):
    """The rows' ``id`` selects them and is not in the SET clause: ``SET id = id`` is a key
    update, which makes SQLite look up every row referencing the posting (a scan of all
    merges per posting, as ``offer_merges.matched_posting_id`` has no index)."""
    with session(engine) as s, s.begin():
        upsert_postings(s, items(posting("A"), posting("B"), posting("C")), run_id=new_run(s), seen_at=T0)
        ids = {ref: stored(s, ref).id for ref in "ABC"}
        with executed(engine) as statements:
            update_rows(s, Posting, [{"id": ids["A"], "title": "Dév. A", "dedup_pending": False},
                                     {"id": ids["C"], "title": "Dév. C", "dedup_pending": False}])
        assert [(p.title, p.dedup_pending) for p in map(lambda ref: stored(s, ref), "ABC")] == [
            ("Dév. A", False), ("Développeur B", True), ("Dév. C", False)]
    updates = [" ".join(st.split()) for st, _ in statements if st.lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1
    set_clause = updates[0].upper().partition(" SET ")[2].partition(" WHERE ")[0]
    assert sorted(part.split("=")[0].strip() for part in set_clause.split(",")) == ["DEDUP_PENDING", "TITLE"]


def test_each_crawls_reads_of_live_postings_skip_the_gone_ones_by_index(engine):
    """What a crawl may skip (``known_listing_entries``) and what it did not see
    (``mark_missing_gone``) are read through ``ix_postings_source_status``: gone postings
    accumulate night after night, and a scan of all the source's postings grew with them
    (5× the live postings in history: 53 ms instead of 8 ms a read at 10k, measured)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("query plans checked on SQLite (PostgreSQL's planner scans a table this small)")
    with session(engine) as s, s.begin():
        run = new_run(s)
        upsert_postings(s, items(posting("A"), posting("B")), run_id=run, seen_at=T0)
        with executed(engine) as statements:
            known_listing_entries(s, "pep")
            mark_missing_gone(s, "pep", run_id=run, at=T1, seen_since=T0)
        reads = [(st, params) for st, params in statements
                 if st.lstrip().upper().startswith("SELECT") and "FROM postings" in st]
        assert len(reads) >= 2
        for statement, parameters in reads:
            plan = " ".join(str(row[-1]) for row in s.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, parameters))
            assert "ix_postings_source_status" in plan, (statement, plan)


def test_postings_held_by_the_session_are_reread_after_bulk_writes(engine):
    with session(engine) as s, s.begin():
        run = new_run(s)
        upsert_postings(s, items(posting("C")), run_id=run, seen_at=T0)
        held = s.scalars(select(Posting).where(Posting.reference == "C")).one()
        assert held.city == "Paris"
        upsert_postings(s, items(posting("C")), run_id=run, seen_at=T1)  # unchanged: seen again
        assert held.last_seen_at == T1
        upsert_postings(s, items(posting("C", city="Lyon")), run_id=run, seen_at=T2)
        assert (held.city, held.last_seen_at) == ("Lyon", T2)
        mark_gone(s, "pep", reference="C", run_id=run, at=T2)
        assert held.status == "gone"


def test_a_listing_only_sighting_keeps_the_last_detail_fetch_time(engine):
    with session(engine) as s, s.begin():
        run = new_run(s, "feed")
        p = posting("F1", source="feed")
        upsert_postings(s, [(p, raw(p))], run_id=run, seen_at=T0)
        upsert_postings(s, [(p, raw(p, detail_fetched=False, listing_key="k2"))], run_id=run, seen_at=T1)
        row = stored(s, "F1", "feed")
        assert (row.detail_fetched, row.detail_fetched_at, row.last_seen_at) == (False, T0, T1)
        # known by its latest listing entry: unchanged, the next crawl skips it
        assert known_listing_entries(s, "feed") == {"F1": {"reference": "F1", "listing_key": "k2", "offer": True}}


def test_postgresql_statistics_follow_a_first_big_load(engine):
    """Without fresh statistics PostgreSQL scans a whole source per batch (see _keep_statistics_fresh)."""
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL planner statistics")
    with session(engine) as s, s.begin():
        upsert_postings(s, items(*(posting(f"S{i:05d}") for i in range(2500))), run_id=None, seen_at=T0)
        reltuples = s.scalar(text("SELECT reltuples FROM pg_class WHERE oid = 'postings'::regclass"))
    assert reltuples == pytest.approx(2500, rel=0.1)


def test_nul_characters_are_dropped_not_fatal(engine):
    """PostgreSQL refuses NUL in a text: one posting carrying one failed the whole batch."""
    with session(engine) as s, s.begin():
        bad = posting("NUL\x00-1", title="Dév\x00eloppeur", employer="DINUM\x00", url="https://x.fr/\x00a")
        result = upsert_postings(s, items(bad, posting("OK")), run_id=None, seen_at=T0)
        assert (result.new, result.skipped) == (2, 0)
        held = stored(s, "NUL-1")
        assert (held.title, held.employer, held.url) == ("Développeur", "DINUM", "https://x.fr/a")
        assert held.raw["reference"] == "NUL\x00-1"  # the raw item is kept as the spider gave it


def test_raw_items_are_kept_and_made_json_safe(engine):
    with session(engine) as s, s.begin():
        p = posting("RAW")
        upsert_postings(s, [(p, raw(p, salary=["48 000 €", "58 000 €"], fetched_at=T0, extra={"n": 1}))],
                        run_id=None, seen_at=T0)
        stored_raw = stored(s, "RAW").raw
    assert stored_raw["salary"] == ["48 000 €", "58 000 €"] and stored_raw["extra"] == {"n": 1}
    assert stored_raw["fetched_at"] == str(T0)  # a datetime in the raw item becomes text
