"""The replica's generator: determinism, sizes, ground truth, duplicates, mutations."""

from __future__ import annotations

import json
from datetime import date

import pytest

from crawlers.replica import data as D
from crawlers.replica.generator import TRUTH_FIELDS, generate

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
    key = lambda ds: [(p.source_kind, p.reference, p.truth) for p in ds.postings]  # noqa: E731
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
        differs = [f for f in ("employer", "city", "category", "department_code") if a.truth[f] != b.truth[f]]
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
