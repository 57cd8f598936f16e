"""storage.stats and storage.report: figures on SQLite and PostgreSQL, the HTML page."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, timedelta, timezone

import lxml.html
import pytest

from offer_rows import BACKENDS, SOURCES, bulk_catalogue, insert_rows, module_database, offer, posting
from storage.exports import ExportFilters
from storage.report import render_report, week_window, write_report
from storage.stats import Count, PairCount, WeekCount, compute_stats, week_start

LATER = datetime(2026, 3, 10, 7, 0, tzinfo=timezone.utc)

#: (offer row, postings as (source, reference))
CATALOGUE = [
    (offer("a", region="Île-de-France", job_family="developpement", category="A", contract="contractuel",
           published_at=date(2026, 3, 4)), [("pep", "P-1"), ("ministere", "M-1")]),
    (offer("b", region="Île-de-France", job_family="data", category="A", contract="titulaire",
           published_at=date(2026, 3, 2)), [("pep", "P-2"), ("pep", "P-3")]),
    (offer("c", region="Bretagne", department_code="35", job_family="data", category="B", contract=None,
           published_at=date(2026, 2, 23)), [("api", "A-1")]),
    # no publication date: counted in the week it was first seen
    (offer("d", region=None, department_code=None, job_family="support", category="C", contract="titulaire",
           published_at=None, first_seen_at=LATER), [("flux", "F-1")]),
    (offer("e", status="expired", published_at=date(2026, 2, 1)), [("pep", "P-4")]),
    (offer("f", deadline=date(2020, 1, 1), region="Occitanie", published_at=date(2026, 2, 2)),
     [("api", "A-2"), ("flux", "F-2")]),
]


@pytest.fixture(scope="module", params=BACKENDS)
def catalogue(request, tmp_path_factory):
    """The test catalogue, on SQLite then PostgreSQL; read-only, shared by the module."""
    with module_database(request, tmp_path_factory) as engine:
        insert_rows(engine, [row for row, _ in CATALOGUE],
                    [posting(row["id"], src, ref) for row, refs in CATALOGUE for src, ref in refs])
        yield engine


def test_stats_of_active_offers(catalogue):
    s = compute_stats(catalogue)
    assert (s.status, s.total, s.active, s.expired) == ("active", 4, 4, 2)
    assert (s.postings, s.merged_offers) == (6, 2)
    assert s.by_source == [Count("pep", 2), Count("api", 1), Count("flux", 1), Count("ministere", 1)]
    assert s.by_region == [Count("Île-de-France", 2), Count("Bretagne", 1), Count(None, 1)]
    assert s.by_job_family == [Count("data", 2), Count("developpement", 1), Count("support", 1)]
    assert s.by_category == [Count("A", 2), Count("B", 1), Count("C", 1)]
    assert s.by_contract == [Count("titulaire", 2), Count("contractuel", 1), Count(None, 1)]
    assert s.per_week == [WeekCount(date(2026, 2, 23), 1), WeekCount(date(2026, 3, 2), 2),
                          WeekCount(date(2026, 3, 9), 1)]
    assert s.source_pairs == [PairCount("ministere", "pep", 1), PairCount("pep", "pep", 1)]


def test_stats_of_all_offers(catalogue):
    s = compute_stats(catalogue, ExportFilters(status="all"))
    assert (s.total, s.postings, s.merged_offers) == (6, 9, 3)
    assert sum(c.offers for c in s.by_region) == 6
    assert sum(w.offers for w in s.per_week) == 6
    assert PairCount("api", "flux", 1) in s.source_pairs
    assert Count("pep", 3) in s.by_source


def test_stats_of_expired_offers(catalogue):
    s = compute_stats(catalogue, ExportFilters(status="expired"))
    assert s.total == 2 and (s.active, s.expired) == (4, 2)
    assert s.per_week == [WeekCount(date(2026, 1, 26), 1), WeekCount(date(2026, 2, 2), 1)]


def test_stats_of_an_empty_catalogue(engine):
    s = compute_stats(engine)
    assert (s.total, s.active, s.expired, s.postings, s.merged_offers) == (0, 0, 0, 0, 0)
    assert s.by_source == s.by_region == s.per_week == s.source_pairs == []
    html = render_report(s)
    assert "Aucune donnée" in html


def test_stats_to_dict_is_json(catalogue):
    data = json.loads(json.dumps(compute_stats(catalogue).to_dict()))
    assert data["total"] == 4
    assert data["by_region"][0] == {"value": "Île-de-France", "offers": 2}
    assert {"value": None, "offers": 1} in data["by_region"]
    assert data["per_week"][0] == {"week": "2026-02-23", "offers": 1}
    assert {"source_a": "ministere", "source_b": "pep", "offers": 1} in data["source_pairs"]


@pytest.mark.parametrize("day, monday", [
    (date(2026, 3, 2), date(2026, 3, 2)),    # a Monday
    (date(2026, 3, 8), date(2026, 3, 2)),    # Sunday
    (date(2026, 1, 1), date(2025, 12, 29)),  # across the year
])
def test_week_start(day, monday):
    assert week_start(day) == monday


def test_week_window_fills_gaps_and_counts_earlier_offers():
    per_week = [(date(2025, 12, 1), 5), (date(2026, 2, 2), 3), (date(2026, 2, 16), 4)]
    window, earlier = week_window(per_week, 3)
    assert window == [(date(2026, 2, 2), 3), (date(2026, 2, 9), 0), (date(2026, 2, 16), 4)]
    assert earlier == 5
    assert week_window([], 26) == ([], 0)


# ------------------------------------------------------------------ the HTML report


def bars(doc, section_id: str) -> dict[str, int]:
    section = doc.get_element_by_id(section_id)
    assert section.xpath(".//svg"), f"{section_id} has no chart"
    return {g.get("data-label"): int(g.get("data-value")) for g in section.xpath(".//g[@data-value]")}


@pytest.fixture
def bulk(engine):
    bulk_catalogue(engine, 2_000)
    return engine


def test_report_from_a_bulk_catalogue(bulk, tmp_path):
    path = tmp_path / "report.html"
    stats = write_report(bulk, path, weeks=12)
    html = path.read_text(encoding="utf-8")
    doc = lxml.html.fromstring(html)

    # self-contained: nothing to fetch, nothing to run
    lowered = html.lower()
    for needle in ("<script", "<link", "<img", "src=", "http://", "https://", "url(", "@import"):
        assert needle not in lowered, needle

    assert stats.total == 2_000
    assert int(doc.get_element_by_id("total-total").get("data-value")) == 2_000
    assert int(doc.get_element_by_id("total-active").get("data-value")) == 2_000
    assert int(doc.get_element_by_id("total-merged").get("data-value")) == 500  # every 4th offer
    assert int(doc.get_element_by_id("total-postings").get("data-value")) == 2_500

    first_day = date(2026, 1, 5)
    expected_weeks = Counter(week_start(first_day + timedelta(days=i % 70)).isoformat() for i in range(2_000))
    weeks = bars(doc, "chart-weeks")
    assert len(weeks) == 12  # the window: 10 weeks with offers, 2 empty weeks before
    assert {w: n for w, n in weeks.items() if n} == dict(expected_weeks)

    regions = bars(doc, "chart-regions")
    assert sum(regions.values()) == 2_000
    assert regions == {"Île-de-France": 400, "Bretagne": 400, "Occitanie": 400, "Auvergne-Rhône-Alpes": 400,
                       "La Réunion": 400}
    assert bars(doc, "chart-job-families") == {f: 400 for f in
                                               ("developpement", "data", "cybersecurite", "infrastructure",
                                                "produit_projet")}
    assert bars(doc, "chart-sources") == {"ministere": 1_000, **{s: 500 for s in SOURCES if s != "ministere"}}
    assert bars(doc, "chart-source-pairs") == {"ministere ↔ pep": 500}

    cells = doc.get_element_by_id("table-categories").xpath(".//tbody//td/text()")
    assert dict(zip(cells[::2], cells[1::2])) == {"A": "500", "A+": "500", "B": "500", "C": "500"}


def test_report_escapes_values(engine):
    insert_rows(engine, [offer("x", region="<b>Bretagne</b>")], [posting("x", "<script>", "R")])
    html = render_report(compute_stats(engine))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>Bretagne" not in html


def test_report_caps_long_breakdowns():
    from storage.stats import CatalogueStats

    stats = CatalogueStats(status="active", total=40, active=40, expired=0, postings=40, merged_offers=0,
                           by_source=[Count(f"source-{i:02d}", 1) for i in range(40)])
    doc = lxml.html.fromstring(render_report(stats))
    sources = bars(doc, "chart-sources")
    assert len(sources) == 30
    assert sources["autres (11)"] == 11
    assert sum(sources.values()) == 40
