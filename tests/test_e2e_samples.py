"""End to end on the sample pages of ../shared/sources: the whole product must give
exactly the catalogue of the EXPECTED.md files.

The four sample sites are served on 127.0.0.1 (tests/sample_site.py), crawled by
`pipeline.launch.launch_crawl` (one process per crawl, as in production), into SQLite
and PostgreSQL; then the view `catalogue_offers` is compared with the EXPECTED tables,
the merged offers M1–M3 included, and the run records with the counts the contract
states.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from expected_tables import RECORD_COLUMNS, merged_rows, record_rows
from sample_site import SampleSite

pytestmark = pytest.mark.e2e

NAMES = {"pep": "pep", "jobposting": "metiers_numerique", "feed": "emploi_territorial_aura",
         "api": "education_nationale"}
MINISTRY = {  # stated in the EXPECTED.md texts (not in their tables)
    ("jobposting", "DNUM-2026-0187"): "Ministère de l'Intérieur et des Outre-mer",
    ("jobposting", "ANTS-2026-DEV-07"): "Ministère de l'Intérieur et des Outre-mer",
    ("jobposting", "DRFIP33-2026-052"): "Direction générale des Finances publiques (DGFiP)",
    ("jobposting", "CCOMPTES-2026-031"): None,
    ("api", "MEN-2026-012503"): "Ministère de l'Éducation nationale",
    ("pep", "2026-2552377"): None,
    ("feed", "ETA-2026-004455"): None,
}
def as_of_today(row: dict) -> dict:
    """The EXPECTED row with the status it has today.

    The tables assume a crawl on 2026-11-22; the catalogue computes ``status`` against
    today's Europe/Paris date (CATALOGUE.md), so a deadline that has passed since then
    makes the offer expired.
    """
    from storage.offers import paris_today

    deadline = row.get("deadline")
    if row.get("status") == "active" and deadline and str(deadline) < paris_today().isoformat():
        return {**row, "status": "expired"}
    return row


MERGED_MINISTRY = {"M1": "Services du Premier ministre", "M2": None, "M3": "Ministère de l'Éducation nationale"}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def crawled(request, samples_dir: Path, tmp_path_factory):
    """Crawl the four sample sites once per database; yield (engine, outcomes)."""
    from pipeline.launch import launch_crawl
    from storage.db import connect

    tmp = tmp_path_factory.mktemp("samples")
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp / 'catalogue.db'}"
        drop = None
    else:
        from pgdb import fresh_pg_database as _fresh_pg_database

        server = request.getfixturevalue("pg_server_url")
        db_url, drop = _fresh_pg_database(server)
    engine = connect(db_url, auto_upgrade=True)
    with SampleSite(samples_dir) as site:
        config = tmp / "sources.toml"
        config.write_text(site.sources_toml(NAMES), encoding="utf-8")
        outcomes = {kind: launch_crawl(NAMES[kind], config_path=str(config), db_url=db_url)
                    for kind in ("pep", "jobposting", "feed", "api")}
    yield engine, outcomes
    engine.dispose()
    if drop:
        drop()


def _offers(engine) -> dict[tuple[str, str], dict]:
    """Catalogue rows keyed by each of their postings' (kind, reference)."""
    kind_of = {v: k for k, v in NAMES.items()}
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM catalogue_offers"))]
    out = {}
    for row in rows:
        row["sources"] = json.loads(row["sources"])
        for col in ("published_at", "deadline"):
            row[col] = None if row[col] is None else str(row[col])[:10]
        for src in row["sources"]:
            out[(kind_of[src["source"]], src["reference"])] = row
    return out


def test_runs_succeed_with_the_contract_counts(crawled):
    _, outcomes = crawled
    statuses = {kind: o.status for kind, o in outcomes.items()}
    assert statuses == {"pep": "succeeded", "jobposting": "succeeded", "feed": "succeeded", "api": "succeeded"}
    pep, jp, feed, api = (outcomes[k].counters for k in ("pep", "jobposting", "feed", "api"))
    assert pep["items_seen"] == 8 and pep["not_found"] == 17
    assert jp["items_seen"] == 6 and jp["non_offer_pages"] == 2
    assert feed["not_digital"] == 6 and api["not_digital"] == 3


@pytest.mark.parametrize("kind", ["pep", "jobposting", "feed", "api"])
def test_every_sample_posting_gives_its_expected_record(crawled, samples_dir, kind):
    engine, _ = crawled
    offers = _offers(engine)
    merged_refs = {p for m in merged_rows(samples_dir / "pep" / "EXPECTED.md") for p in m["postings"]}
    for row in map(as_of_today, record_rows(samples_dir / kind / "EXPECTED.md")):
        key = (kind, row["reference"])
        if row["digital"] == "no":
            assert key not in offers, f"{key} is not a digital job and must not be in the catalogue"
            continue
        assert key in offers, f"{key} missing from the catalogue"
        if key in merged_refs:
            continue  # checked against the merged table
        got = offers[key]
        mismatches = {c: (got[c], row[c]) for c in RECORD_COLUMNS if got[c] != row[c]}
        assert not mismatches, f"{key}: (got, expected) {mismatches}"
        assert len(got["sources"]) == 1
        if key in MINISTRY:
            assert got["ministry"] == MINISTRY[key]
        assert got["description"] and "<" not in got["description"]


def test_the_three_planted_duplicates_are_merged(crawled, samples_dir):
    engine, _ = crawled
    offers = _offers(engine)
    for i, m in enumerate(map(as_of_today, merged_rows(samples_dir / "pep" / "EXPECTED.md")), start=1):
        rows = {offers[p]["id"] for p in m["postings"] if p in offers}
        assert len(rows) == 1, f"M{i}: postings {m['postings']} are in offers {rows}"
        got = offers[m["postings"][0]]
        mismatches = {c: (got[c], m[c]) for c in RECORD_COLUMNS if got[c] != m[c]}
        assert not mismatches, f"M{i}: (got, expected) {mismatches}"
        assert len(got["sources"]) == 2
        assert got["ministry"] == MERGED_MINISTRY[f"M{i}"]


def test_catalogue_size_and_near_misses(crawled):
    engine, _ = crawled
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM catalogue_offers")).scalar()
    # 8 pep + 6 jobposting + 6 feed + 6 api digital postings, three pairs merged
    assert n == 26 - 3
    offers = _offers(engine)
    near_misses = [
        (("pep", "2026-2558790"), ("api", "MEN-2026-012977")),
        (("feed", "ETA-2026-004398"), ("pep", "2026-2451189")),
        (("api", "MEN-2026-012655"), ("pep", "O069261020001187")),
    ]
    for a, b in near_misses:
        assert offers[a]["id"] != offers[b]["id"], f"{a} and {b} are different jobs"
