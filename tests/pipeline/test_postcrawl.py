"""pipeline.postcrawl: the dedup step runs when postings are pending, and is skipped (not even
imported by a crawl process) when an incremental crawl found nothing new or changed."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

import pipeline.dedup
from crawlers.config import SourceConfig
from normalize.record import normalize_posting
from pipeline.postcrawl import after_crawl
from storage.db import session
from storage.models import Posting
from storage.postings import upsert_postings
from storage.runs import start_run

SOURCE = SourceConfig(name="pep", kind="pep", base_url="https://choisirleservicepublic.gouv.fr")
NOW = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)


def _raw(ref: str) -> dict:
    return {"source": "pep", "kind": "pep", "reference": ref, "url": f"https://example.org/x-reference-{ref}/",
            "title": "Développeur back-end Python (H/F)", "employer": "DINUM", "location": "75007 Paris",
            "listing_ref": ref, "listing_key": "k1", "detail_fetched": True,
            "description_html": "<p>Python, Django, PostgreSQL</p>", "job_labels": ["Développeuse / Développeur"]}


def test_dedup_runs_only_when_postings_are_pending(engine, monkeypatch):
    calls: list[int | None] = []
    real = pipeline.dedup.dedup_pending

    def spy(s, *, run_id, **kw):
        calls.append(run_id)
        return real(s, run_id=run_id, **kw)

    monkeypatch.setattr(pipeline.dedup, "dedup_pending", spy)
    with session(engine) as s, s.begin():
        run_id = start_run(s, "pep", "pep", trigger="manual")

    nothing = after_crawl(engine, SOURCE, run_id=run_id, status="succeeded", crawl_started_at=NOW)
    assert calls == [] and nothing.dedup == {} and nothing.offers_new == 0

    raw = _raw("2026-1")
    record = normalize_posting(raw, crawl_time=NOW, digital_only=True)
    with session(engine) as s, s.begin():
        upsert_postings(s, [(record, raw)], run_id=run_id, seen_at=NOW)
    done = after_crawl(engine, SOURCE, run_id=run_id, status="succeeded", crawl_started_at=NOW)
    assert calls == [run_id] and done.offers_new == 1
    with session(engine) as s:
        pending, offer_id = s.execute(select(Posting.dedup_pending, Posting.offer_id)).one()
    assert pending is False and offer_id

    again = after_crawl(engine, SOURCE, run_id=run_id, status="succeeded", crawl_started_at=NOW)
    assert calls == [run_id] and again.offers_new == 0


def test_post_crawls_ending_together_never_found_an_offer_twice(engine, db_url, monkeypatch):
    """The scheduler runs several crawls at once, and their post-crawls may start together:
    both would read the same pending postings and found the same offers (the second
    transaction then failed on the offers' primary key and the whole crawl was recorded as a
    crash). The dedup step lock makes the second wait and find nothing left to do."""
    import threading
    import time

    from storage.db import connect
    from storage.models import Offer, OfferMerge

    with session(engine) as s, s.begin():
        run_ids = [start_run(s, "pep", "pep", trigger="schedule"), start_run(s, "dinum", "jobposting", trigger="schedule")]
        items = []
        for ref, title in (("2026-1", "Développeur back-end Python (H/F)"), ("2026-2", "Administrateur réseaux")):
            raw = {**_raw(ref), "title": title}
            items.append((normalize_posting(raw, crawl_time=NOW, digital_only=True), raw))
        upsert_postings(s, items, run_id=run_ids[0], seen_at=NOW)
        raw = {**_raw("DINUM-7"), "source": "dinum", "kind": "jobposting", "location": "Lille"}
        # stored by its own source's run: one that did not see it would find it gone
        upsert_postings(s, [(normalize_posting(raw, crawl_time=NOW, digital_only=True), raw)], run_id=run_ids[1],
                        seen_at=NOW)

    real = pipeline.dedup.dedup_records

    def slow_core(*args, **kwargs):  # both read the pending postings before either writes
        time.sleep(0.5)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline.dedup, "dedup_records", slow_core)
    sources = [SOURCE, SourceConfig(name="dinum", kind="jobposting", base_url="https://dinum.example")]
    results: dict[int, object] = {}
    engines = [connect(db_url) for _ in sources]

    def post(i: int) -> None:
        try:
            results[i] = after_crawl(engines[i], sources[i], run_id=run_ids[i], status="succeeded",
                                     crawl_started_at=NOW)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        for e in engines:
            e.dispose()
    assert not [r for r in results.values() if isinstance(r, Exception)], results
    assert sorted(r.offers_new for r in results.values()) == [0, 3]
    with session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Offer)) == 3
        assert s.scalar(select(func.count()).select_from(OfferMerge)) == 3  # one assignment per posting
        assert s.scalar(select(func.count()).where(Posting.offer_id.is_(None))) == 0


@pytest.mark.parametrize("status, gone", [
    ("succeeded", True),      # a page answering 404/410 proves the posting gone, even on a window listing
    ("suspect", False),       # ... but a crawl that is not a success expires nothing (CATALOGUE.md):
    ("failed", False),        # a site whose offer pages all answer 404 for an hour must not empty
    ("interrupted", False),   # the catalogue; the next crawl asks again
])
def test_a_page_answering_404_expires_its_posting_only_after_a_succeeded_crawl(engine, status, gone):
    from crawlers.items import GonePosting
    from storage.models import Offer

    feed = SourceConfig(name="pep", kind="feed", base_url="https://feed.example", complete_listing=False)
    with session(engine) as s, s.begin():
        first = start_run(s, "pep", "feed", trigger="manual")
        items = [(normalize_posting(raw, crawl_time=NOW, digital_only=True), raw)
                 for raw in ({**_raw("2026-1")}, {**_raw("2026-2"), "title": "Administrateur réseaux"})]
        upsert_postings(s, items, run_id=first, seen_at=NOW)
    after_crawl(engine, feed, run_id=first, status="succeeded", crawl_started_at=NOW)
    with session(engine) as s, s.begin():
        second = start_run(s, "pep", "feed", trigger="manual")
    result = after_crawl(engine, feed, run_id=second, status=status, crawl_started_at=NOW,
                         gone=[GonePosting(source="pep", reference="2026-1", url="https://feed.example/1",
                                           listing_ref="2026-1", http_status=410)])
    with session(engine) as s:
        postings = {p.reference: p for p in s.scalars(select(Posting))}
        offer_status = {ref: s.get(Offer, p.offer_id).status for ref, p in postings.items()}
    assert postings["2026-1"].status == ("gone" if gone else "active")
    assert offer_status == {"2026-1": "expired" if gone else "active", "2026-2": "active"}
    assert postings["2026-2"].status == "active"  # a window listing: unseen is not gone
    assert (result.postings_gone, result.offers_expired) == ((1, 1) if gone else (0, 0))


def test_a_complete_listing_counts_what_its_succeeded_run_found_gone(engine):
    """Postings missing from the listing and postings whose page answered 410 are both
    counted (from the run's change rows, no longer by counting the source's gone postings)."""
    from crawlers.items import GonePosting
    from storage.postings import mark_seen

    with session(engine) as s, s.begin():
        first = start_run(s, "pep", "pep", trigger="manual")
        items = [(normalize_posting(raw, crawl_time=NOW, digital_only=True), raw) for raw in (
            _raw("2026-1"), {**_raw("2026-2"), "title": "Administrateur réseaux"},
            {**_raw("2026-3"), "title": "Cheffe de projet SI"})]
        upsert_postings(s, items, run_id=first, seen_at=NOW)
    after_crawl(engine, SOURCE, run_id=first, status="succeeded", crawl_started_at=NOW)
    with session(engine) as s, s.begin():
        second = start_run(s, "pep", "pep", trigger="manual")
        mark_seen(s, "pep", ["2026-1"], run_id=second, seen_at=NOW)  # 2026-2 left the listing
    result = after_crawl(engine, SOURCE, run_id=second, status="succeeded", crawl_started_at=NOW,
                         gone=[GonePosting(source="pep", reference="2026-3", url="https://x.example/3",
                                           listing_ref="2026-3", http_status=410)])
    with session(engine) as s:
        status = {p.reference: p.status for p in s.scalars(select(Posting))}
    assert status == {"2026-1": "active", "2026-2": "gone", "2026-3": "gone"}
    assert result.postings_gone == 2


@pytest.mark.parametrize("threshold, offers", [(None, 1), (30.0, 2)])
def test_the_configured_dedup_threshold_decides(engine, threshold, offers):
    """[settings] dedup_threshold reaches the post-crawl dedup: two postings of one job (same
    title, employer, place; two sources) merge at the default, not at 30 points."""
    jp = SourceConfig(name="jp", kind="jobposting", base_url="https://jp.example.org")
    with session(engine) as s, s.begin():
        run_id = start_run(s, "pep", "pep", trigger="manual")
        for source, ref in (("pep", "2026-1"), ("jp", "JP-1")):
            raw = {**_raw(ref), "source": source, "kind": SOURCE.kind if source == "pep" else jp.kind,
                   "published": "18/11/2026", "deadline": "18/12/2026"}
            upsert_postings(s, [(normalize_posting(raw, crawl_time=NOW, digital_only=True), raw)],
                            run_id=run_id, seen_at=NOW)
    after_crawl(engine, SOURCE, run_id=run_id, status="succeeded", crawl_started_at=NOW, dedup_threshold=threshold)
    with session(engine) as s:
        assert s.scalar(select(func.count(func.distinct(Posting.offer_id)))) == offers
