"""pipeline.postcrawl: the dedup step runs when postings are pending, and is skipped (not even
imported by a crawl process) when an incremental crawl found nothing new or changed."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

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
