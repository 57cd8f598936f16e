"""API page objects on the sample list pages and the 9 offer documents."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from crawl_kit import BASE_URLS
from expected_tables import record_rows

from crawlers.pages.api import ApiListPage, ApiOfferPage

BASE = BASE_URLS["api"]
#: raw wordings of the documents (EXPECTED.md states their catalogue values)
CONTRACT = {"titulaire": ("Fonctionnaire", "Titulaire"), "contractuel": ("Contractuel", "CDD de 3 ans", "Contractuel (CDD de 3 ans)"),
            "titulaire_ou_contractuel": ("Titulaire ou contractuel", "Fonctionnaire ou contractuel")}


def _samples(samples: Path) -> Path:
    return samples / "api" / "samples" / "api" / "v1" / "offers"


@pytest.fixture(scope="module")
def lists(samples_dir: Path) -> list[ApiListPage]:
    folder = _samples(samples_dir)
    return [ApiListPage((folder / f"page-{n}.json").read_bytes(), f"{BASE}/api/v1/offers?page={n}&per_page=50")
            for n in (1, 2)]


def test_list_pages_give_summaries_and_total_pages(lists, samples_dir):
    assert [len(p.summaries) for p in lists] == [6, 3]
    assert [p.total_pages for p in lists] == [2, 2] and [p.page for p in lists] == [1, 2]
    updated = [datetime.fromisoformat(s.updated_at) for p in lists for s in p.summaries]
    assert sorted(updated, reverse=True) == updated  # newest first (offsets differ: -04:00, +01:00)
    assert all(isinstance(s.id, int) for p in lists for s in p.summaries)
    refs = {s.reference for p in lists for s in p.summaries}
    assert refs == {r["reference"] for r in record_rows(samples_dir / "api" / "EXPECTED.md")}
    for summary in (s for p in lists for s in p.summaries):
        assert summary.listing_ref == summary.reference
        assert summary.updated_at.startswith("2026-")
        assert summary.url == f"{BASE}/recrutement/offre/{summary.id}"


@pytest.mark.parametrize("index", range(9))
def test_every_offer_document_gives_its_raw_fields(samples_dir, index):
    row = record_rows(samples_dir / "api" / "EXPECTED.md")[index]
    offer_id = row.get("id") or next(
        s for s in json.loads((_samples(samples_dir) / "page-1.json").read_text())["data"]
        + json.loads((_samples(samples_dir) / "page-2.json").read_text())["data"] if s["reference"] == row["reference"])["id"]
    doc = _samples(samples_dir) / f"{offer_id}.json"
    raw = ApiOfferPage(doc.read_bytes(), f"{BASE}/api/v1/offers/{offer_id}").to_raw("education_nationale")
    assert (raw.source, raw.kind, raw.reference) == ("education_nationale", "api", row["reference"])
    assert raw.url == f"{BASE}/recrutement/offre/{offer_id}"
    assert raw.title.startswith(row["title"])
    assert raw.employer == row["employer"]
    assert raw.ministry == "Ministère de l'Éducation nationale"
    assert raw.city == row["city"]
    assert raw.postal_code[:2] == row["department_code"][:2]
    assert raw.department  # a department name ("Hérault"), not a code
    assert raw.contract in CONTRACT[row["contract"]]
    assert (raw.category is None) == (row["category"] is None)
    if raw.category:
        assert raw.category.removeprefix("Catégorie ") == row["category"]
    if row["remote"] is None:
        assert raw.remote is None
    if row["salary_min"] is None:
        assert raw.salary is None
    else:
        factor = 12 if raw.salary["period"] == "monthly" else 1
        assert (raw.salary["min"] * factor, raw.salary["max"] * factor) == (row["salary_min"], row["salary_max"])
    assert raw.deadline == row["deadline"]
    assert raw.published.startswith(("2026-",))
    assert len(raw.job_labels) == 1
    assert raw.description_html.count("<") > 2 and raw.extra["id"] == int(offer_id)


def test_description_then_profile():
    raw = ApiOfferPage(json.dumps({"reference": "R", "description_html": "<p>Missions</p>",
                                   "profile_html": " <p>Profil</p> "}), "u").to_raw("s")
    assert raw.description_html == "<p>Missions</p>\n<p>Profil</p>"


@pytest.mark.parametrize("body", [b"", b"not json", b"[1, 2]", b'"x"', None])
def test_bad_bodies_raise_value_error(body):
    with pytest.raises(ValueError):
        ApiListPage(body, "u")
    with pytest.raises(ValueError):
        ApiOfferPage(body, "u")


def test_list_entries_without_id_are_skipped_and_missing_meta_is_none():
    page = ApiListPage(json.dumps({"data": [{"id": "12", "reference": "A"}, {"reference": "B"}, "junk"]}), "u")
    assert [s.id for s in page.summaries] == [12] and page.skipped == 2
    assert page.total_pages is None and page.page is None
