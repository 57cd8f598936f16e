"""storage.exports: filters, the four formats read back, formula safety, streaming.

Runs on SQLite and PostgreSQL (the ``engine`` fixture of tests/conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import os
import stat
import threading
import tracemalloc
from datetime import date, datetime

import openpyxl
import pytest

from offer_rows import BACKENDS, bulk_catalogue, insert_rows, module_database, offer, posting, replicate_catalogue
from storage.exports import (
    FLAT_COLUMNS,
    XLSX_MAX_CELL,
    ExportFilters,
    FilterError,
    build_filters,
    count_offers,
    export_offers,
    iter_offers,
    neutralize_formula,
    split_values,
)
from storage.views import VIEW_COLUMNS

FORMULA_TITLE = '=HYPERLINK("http://evil.example","clic")'

#: the test catalogue: (offer row, [(source, reference)])
CATALOGUE = [
    (offer("dev", title="Développeur Python", employer="Direction interministérielle du numérique (DINUM)",
           region="Île-de-France", department_code="75", city="Paris", category="A", contract="contractuel",
           job_family="developpement", published_at=date(2026, 3, 2),
           description="Vous développez des API en Python et Django."),
     [("pep", "PEP-1"), ("ministere", "M-1")]),
    (offer("data", title="Ingénieur données", employer="Ministère des Armées", region="Bretagne",
           department_code="35", city="Rennes", category="A", contract="titulaire", job_family="data",
           published_at=date(2026, 2, 10), salary_min=None, salary_max=None,
           description="Pipelines de données, Spark et Python."),
     [("api", "A-1")]),
    (offer("formula", title=FORMULA_TITLE, employer="+33 Préfecture de l'Hérault", region="Occitanie",
           department_code="34", city="Montpellier", category="B", contract="titulaire_ou_contractuel",
           job_family="cybersecurite", published_at=date(2026, 1, 15), description="-moins de risques"),
     [("flux", "F-1")]),
    (offer("gone", title="Administrateur systèmes", employer="Préfecture de police", region="Île-de-France",
           department_code="92", city="Nanterre", category="B", contract="titulaire", job_family="infrastructure",
           published_at=date(2026, 2, 20), status="expired"),
     [("pep", "PEP-2")]),
    (offer("late", title="Chef de projet SI", employer="Collectivité de Corse", region="Corse",
           department_code="2A", city="Ajaccio", category="A+", contract="contractuel", job_family="produit_projet",
           published_at=date(2025, 12, 1), deadline=date(2020, 1, 1)),
     [("ministere", "M-2")]),
    (offer("bare", title="Technicien support", employer="Conseil départemental du Morbihan", region=None,
           department_code=None, city=None, category="C", contract=None, job_family="support",
           published_at=None, description=None, description_html=None, salary_min=None, salary_max=None),
     [("ministere", "M-3")]),
]
ACTIVE = {"dev", "data", "formula", "bare"}


@pytest.fixture(scope="module", params=BACKENDS)
def catalogue(request, tmp_path_factory):
    """The test catalogue, on SQLite then PostgreSQL; read-only, shared by the module."""
    with module_database(request, tmp_path_factory) as engine:
        offers = [row for row, _ in CATALOGUE]
        postings = [posting(row["id"], src, ref) for row, refs in CATALOGUE for src, ref in refs]
        insert_rows(engine, offers, postings)
        yield engine


def ids(engine, **kwargs) -> set[str]:
    return {r["id"] for r in iter_offers(engine, build_filters(engine, **kwargs))}


# ------------------------------------------------------------------ filters

FILTER_CASES = [
    ({}, ACTIVE),
    ({"status": "all"}, ACTIVE | {"gone", "late"}),
    ({"status": "expired"}, {"gone", "late"}),  # "late": deadline passed, expired by the view
    ({"status": "ALL"}, ACTIVE | {"gone", "late"}),  # any case, like every vocabulary (was refused)
    ({"status": " Expired "}, {"gone", "late"}),
    ({"sources": ["pep"]}, {"dev"}),
    ({"sources": ["pep", "api"]}, {"dev", "data"}),
    ({"sources": ["pep"], "status": "all"}, {"dev", "gone"}),
    ({"regions": ["ile-de-france"]}, {"dev"}),
    ({"regions": ["ÎLE-DE-FRANCE", "bretagne"]}, {"dev", "data"}),
    ({"departments": ["2a"], "status": "all"}, {"late"}),
    ({"departments": ["75", "35"]}, {"dev", "data"}),
    ({"categories": ["a"]}, {"dev", "data"}),
    ({"categories": ["a+"], "status": "all"}, {"late"}),
    ({"categories": ["B", "C"]}, {"formula", "bare"}),
    ({"contracts": ["titulaire"]}, {"data"}),
    ({"contracts": ["titulaire", "contractuel"], "status": "all"}, {"data", "gone", "dev", "late"}),
    ({"job_families": ["data", "support"]}, {"data", "bare"}),
    ({"employers": ["numerique"]}, {"dev"}),                      # accent-insensitive substring
    ({"employers": ["PRÉFECTURE"], "status": "all"}, {"formula", "gone"}),
    ({"employers": ["armees", "morbihan"]}, {"data", "bare"}),
    ({"published_since": "2026-02-10"}, {"dev", "data"}),         # inclusive, null dates excluded
    ({"published_until": "2026-02-10"}, {"data", "formula"}),
    ({"published_since": "2026-01-01", "published_until": "2026-02-28", "status": "all"},
     {"data", "formula", "gone"}),
    ({"searches": ["python"]}, {"dev", "data"}),                  # title or description
    ({"searches": ["developpeur python"]}, {"dev"}),              # every word must match
    ({"searches": ["DONNÉES spark"]}, {"data"}),
    ({"searches": ["python rust"]}, set()),
    ({"searches": ["rust", "support"]}, {"bare"}),                 # several queries: ORed
    ({"searches": ["%"]}, set()),                                 # LIKE wildcards are literal
    ({"searches": ["_"]}, set()),
    # different filters are ANDed
    ({"categories": ["A"], "regions": ["Bretagne"]}, {"data"}),
    ({"categories": ["A", "B"], "job_families": ["developpement", "cybersecurite"], "searches": ["python"]},
     {"dev"}),
    ({"sources": ["ministere"], "categories": ["C", "A"]}, {"dev", "bare"}),
]


@pytest.mark.parametrize("kwargs, expected", FILTER_CASES, ids=[str(k) for k, _ in FILTER_CASES])
def test_filters(catalogue, kwargs, expected):
    assert ids(catalogue, **kwargs) == expected
    assert count_offers(catalogue, build_filters(catalogue, **kwargs)) == len(expected)


def test_values_are_canonicalized(catalogue):
    f = build_filters(catalogue, categories=["a+", "b"], departments=["2a", "5"], regions=["ile-de-france"],
                      employers=["Numérique"], searches=["  Données   SPARK "])
    assert f.categories == ("A+", "B")
    assert f.departments == ("2A", "05")
    assert f.regions == ("Île-de-France",)
    assert f.employers == ("numerique",)
    assert f.searches == (("donnees", "spark"),)


@pytest.mark.parametrize("kwargs, needle", [
    ({"categories": ["Z"]}, "--category: unknown value 'Z' (allowed: A+, A, B, C)"),
    ({"contracts": ["cdi"]}, "allowed: titulaire, contractuel, titulaire_ou_contractuel, apprentissage, stage"),
    ({"job_families": ["dev"]}, "--job-family: unknown value 'dev'"),
    ({"status": "open"}, "--status: unknown value 'open' (allowed: active, expired, all)"),
    ({"departments": ["20"]}, "--department: unknown department code '20'"),
    ({"departments": ["977"]}, "--department: unknown department code '977'"),
    ({"regions": ["Atlantide"]}, "--region: unknown region 'Atlantide'"),
    ({"sources": ["nope"]}, "--source: unknown source 'nope' (known: api, flux, ministere, pep)"),
    ({"published_since": "02/03/2026"}, "--published-since: '02/03/2026' is not an ISO date"),
    ({"published_until": "2026-13-01"}, "--published-until: '2026-13-01' is not an ISO date"),
    ({"published_since": "2026-03-01", "published_until": "2026-02-01"}, "is after --published-until"),
])
def test_bad_filter_values_raise_one_line(catalogue, kwargs, needle):
    with pytest.raises(FilterError) as info:
        build_filters(catalogue, **kwargs)
    message = str(info.value)
    assert needle in message
    assert "\n" not in message


def test_region_without_the_places_helper_matches_the_catalogue(catalogue, monkeypatch):
    import storage.exports

    monkeypatch.setattr(storage.exports, "_region_reference", lambda: (None, ()))
    assert ids(catalogue, regions=["ILE-de-france", "occitanie"]) == {"dev", "formula"}
    with pytest.raises(FilterError, match=r"unknown region 'Rhone-Alpes' \(allowed: Bretagne, Corse, "):
        build_filters(catalogue, regions=["Rhone-Alpes"])


def test_region_former_names_through_canonical_region(catalogue):
    places = pytest.importorskip("normalize.places")
    if places.canonical_region("Midi-Pyrénées") != "Occitanie":
        pytest.skip("normalize.places does not know former region names")
    assert ids(catalogue, regions=["Midi-Pyrénées"]) == {"formula"}


def test_configured_sources_are_accepted_even_without_postings(catalogue):
    f = build_filters(catalogue, sources=["pep", "new-site"], configured_sources=["new-site"])
    assert f.sources == ("pep", "new-site")
    assert ids(catalogue, sources=["new-site"], configured_sources=["new-site"]) == set()


@pytest.mark.parametrize("values, expected", [
    (None, []),
    (["A"], ["A"]),
    (["A,B", "C"], ["A", "B", "C"]),
    ([" A , ,B "], ["A", "B"]),
])
def test_split_values(values, expected):
    assert split_values(values) == expected


# ------------------------------------------------------------------ formula safety


@pytest.mark.parametrize("text, expected", [
    ("=SUM(A1:A2)", "'=SUM(A1:A2)"),
    ("+33 1 23", "'+33 1 23"),
    ("-moins", "'-moins"),
    ("@cmd", "'@cmd"),
    ("\tTab", "'\tTab"),
    ("\rCR", "'\rCR"),
    ("Développeur", "Développeur"),
    ("a=b", "a=b"),
    ("", ""),
    (" =x", " =x"),
])
def test_neutralize_formula(text, expected):
    assert neutralize_formula(text) == expected


# ------------------------------------------------------------------ formats read back


def export_bytes(engine, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    export_offers(engine, buf, fmt=fmt, filters=kwargs.pop("filters", ExportFilters(status="all")), **kwargs)
    return buf.getvalue()


def read_csv(data: bytes, delimiter: str = ";") -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_bom_semicolon_columns_and_values(catalogue):
    data = export_bytes(catalogue, "csv")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header == ";".join(FLAT_COLUMNS)
    rows = {r["id"]: r for r in read_csv(data)}
    assert set(rows) == ACTIVE | {"gone", "late"}
    dev = rows["dev"]
    assert dev["title"] == "Développeur Python"
    assert dev["region"] == "Île-de-France"
    assert dev["published_at"] == "2026-03-02" and dev["deadline"] == ""
    assert dev["salary_min"] == "40000"
    assert dev["first_seen_at"] == "2026-03-02T08:30:00Z"
    assert dev["source_names"] == "ministere | pep"
    assert dev["source_urls"] == "https://ministere.example/offre/M-1 | https://pep.example/offre/PEP-1"
    assert rows["late"]["status"] == "expired"
    assert rows["bare"]["region"] == "" and rows["bare"]["salary_min"] == ""


def test_csv_comma_delimiter(catalogue):
    data = export_bytes(catalogue, "csv", delimiter=",")
    rows = read_csv(data, delimiter=",")
    assert list(rows[0]) == list(FLAT_COLUMNS)
    assert {r["id"] for r in rows} == ACTIVE | {"gone", "late"}
    # a value holding the delimiter is quoted, and reads back whole
    assert next(r for r in rows if r["id"] == "dev")["description"] == "Vous développez des API en Python et Django."
    assert next(r for r in rows if r["id"] == "data")["description"] == "Pipelines de données, Spark et Python."


def test_csv_neutralizes_formulas(catalogue):
    row = next(r for r in read_csv(export_bytes(catalogue, "csv")) if r["id"] == "formula")
    assert row["title"] == "'" + FORMULA_TITLE
    assert row["employer"] == "'+33 Préfecture de l'Hérault"
    assert row["description"] == "'-moins de risques"


def test_json_is_one_array_of_records(catalogue):
    records = json.loads(export_bytes(catalogue, "json"))
    assert isinstance(records, list) and len(records) == 6
    by_id = {r["id"]: r for r in records}
    assert all(list(r) == list(VIEW_COLUMNS) for r in records)
    dev = by_id["dev"]
    assert dev["sources"] == [
        {"source": "ministere", "reference": "M-1", "url": "https://ministere.example/offre/M-1"},
        {"source": "pep", "reference": "PEP-1", "url": "https://pep.example/offre/PEP-1"},
    ]
    assert dev["published_at"] == "2026-03-02" and dev["salary_min"] == 40000 and dev["deadline"] is None
    # JSON keeps the value as is (no apostrophe)
    assert by_id["formula"]["title"] == FORMULA_TITLE
    assert by_id["formula"]["description"] == "-moins de risques"
    # newest publication first, undated last
    assert [r["id"] for r in records] == ["dev", "gone", "data", "formula", "late", "bare"]


def test_jsonl_matches_json(catalogue):
    lines = export_bytes(catalogue, "jsonl").decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == json.loads(export_bytes(catalogue, "json"))


def test_empty_exports_are_valid(catalogue):
    none = build_filters(catalogue, searches=["introuvable"])
    assert json.loads(export_bytes(catalogue, "json", filters=none)) == []
    assert export_bytes(catalogue, "jsonl", filters=none) == b""
    assert read_csv(export_bytes(catalogue, "csv", filters=none)) == []


def test_xlsx_typed_cells_frozen_header_autofilter(catalogue, tmp_path):
    path = tmp_path / "offres.xlsx"
    result = export_offers(catalogue, path, fmt="xlsx", filters=ExportFilters(status="all"))
    assert result.rows == 6
    ws = openpyxl.load_workbook(path).active
    header = [c.value for c in ws[1]]
    assert header == list(FLAT_COLUMNS)
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:W7"
    assert ws.column_dimensions["B"].width == 50  # title
    rows = {r[0]: dict(zip(header, r)) for r in ws.iter_rows(min_row=2, values_only=True)}
    dev = rows["dev"]
    assert dev["published_at"] == datetime(2026, 3, 2)
    assert dev["first_seen_at"] == datetime(2026, 3, 2, 8, 30)
    assert isinstance(dev["salary_min"], int) and dev["salary_min"] == 40000
    assert dev["source_names"] == "ministere | pep"
    published_col = FLAT_COLUMNS.index("published_at") + 1
    assert ws.cell(row=2, column=published_col).is_date
    assert rows["formula"]["title"] == "'" + FORMULA_TITLE
    assert rows["formula"]["employer"].startswith("'+33")
    assert rows["bare"]["region"] is None


def test_xlsx_cleans_control_characters_and_cuts_long_cells(engine, tmp_path):
    insert_rows(engine, [offer("odd", title="Dev\x01eloppeur", description_html="<p>" + "x" * 40_000 + "</p>")],
                [posting("odd", "pep", "X")])
    path = tmp_path / "odd.xlsx"
    result = export_offers(engine, path, fmt="xlsx")
    assert (result.cleaned_cells, result.truncated_cells) == (1, 1)
    assert result.warnings
    ws = openpyxl.load_workbook(path).active
    row = dict(zip(FLAT_COLUMNS, next(ws.iter_rows(min_row=2, values_only=True))))
    assert row["title"] == "Developpeur"
    assert len(row["description_html"]) == XLSX_MAX_CELL


def test_export_to_path_leaves_no_partial_file(catalogue, tmp_path):
    out_dir = tmp_path / "exports"
    out_dir.mkdir()
    assert export_offers(catalogue, out_dir / "out.json", fmt="json").rows == len(ACTIVE)
    assert os.listdir(out_dir) == ["out.json"]
    with pytest.raises(ValueError):
        export_offers(catalogue, out_dir / "bad.csv", fmt="csv", delimiter=";;")
    assert os.listdir(out_dir) == ["out.json"]


def test_progress_is_reported_as_rows_are_written(catalogue):
    seen: list[int] = []
    result = export_offers(catalogue, io.BytesIO(), fmt="jsonl", filters=ExportFilters(status="all"),
                           progress=seen.append)
    assert result.rows > 0 and seen[-1] == result.rows and seen == sorted(seen)


def test_an_existing_pipe_is_written_in_place_not_replaced(catalogue, tmp_path):
    """`--output /dev/stdout`, `/dev/null` or a named pipe: the export goes *into* it. Renaming a
    temporary file over it (as for a regular file) replaced /dev/null itself by a file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        result = export_offers(catalogue, fifo, fmt="jsonl")
    finally:
        reader.join(timeout=30)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(json.loads(line)["id"] for line in received[0].splitlines()) == sorted(ACTIVE)
    assert result.rows == len(ACTIVE)
    assert os.listdir(tmp_path) == ["pipe"]  # no temporary file left beside it


def test_a_symbolic_link_stays_a_link_to_the_new_export(catalogue, tmp_path):
    target = tmp_path / "data" / "offres.json"
    target.parent.mkdir()
    target.write_text("old")
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    export_offers(catalogue, link, fmt="json")
    assert link.is_symlink() and link.resolve() == target
    assert {r["id"] for r in json.loads(target.read_text(encoding="utf-8"))} == ACTIVE


def test_a_directory_is_refused(catalogue, tmp_path):
    with pytest.raises(IsADirectoryError):
        export_offers(catalogue, tmp_path, fmt="csv")
    assert os.listdir(tmp_path) == []


def test_an_export_file_gets_ordinary_permissions(catalogue, tmp_path):
    """Written through a private temporary file, the export still ends with the umask's mode."""
    export_offers(catalogue, tmp_path / "out.csv", fmt="csv")
    (tmp_path / "plain.txt").write_text("x")
    assert (tmp_path / "out.csv").stat().st_mode == (tmp_path / "plain.txt").stat().st_mode


# ------------------------------------------------------------------ streaming


def _peak_export_memory(engine, fmt: str, **kwargs) -> int:
    with open(os.devnull, "wb") as sink:
        tracemalloc.start()
        try:
            export_offers(engine, sink, fmt=fmt, filters=ExportFilters(status="all"), **kwargs)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()


def test_export_memory_does_not_grow_with_the_catalogue(engine):
    """Peak memory exporting 50,000 offers stays within a small factor of exporting 1,000.

    Both databases stream (batches; a server-side cursor on PostgreSQL); the writer
    measured differs to keep the test quick: the JSON array (written as it goes) on
    SQLite, CSV on PostgreSQL. XLSX streaming has its own, smaller test below.
    """
    formats = ("json",) if engine.dialect.name == "sqlite" else ("csv",)
    bulk_catalogue(engine, 1_000)
    with open(os.devnull, "wb") as sink:  # warm caches (SQL compilation, imports) outside the measure
        for fmt in formats:
            export_offers(engine, sink, fmt=fmt)
    small = {fmt: _peak_export_memory(engine, fmt) for fmt in formats}
    replicate_catalogue(engine, 49)
    assert count_offers(engine, ExportFilters(status="all")) == 50_000
    large = {fmt: _peak_export_memory(engine, fmt) for fmt in formats}
    for fmt in formats:
        assert large[fmt] < 3 * small[fmt], (fmt, small[fmt], large[fmt])


def test_xlsx_export_streams(sqlite_url):
    """openpyxl's write-only mode: 10x the rows, about the same peak memory.

    Smaller than the 50,000-row test (openpyxl is slow under tracemalloc); a batch of 50
    rows keeps the fetch buffer well below the catalogue size. A workbook kept in
    memory grows with every cell and fails this.
    """
    from storage.db import connect

    engine = connect(sqlite_url)
    try:
        bulk_catalogue(engine, 150)
        with open(os.devnull, "wb") as sink:
            export_offers(engine, sink, fmt="xlsx", batch_size=50)
        small = _peak_export_memory(engine, "xlsx", batch_size=50)
        replicate_catalogue(engine, 9)
        large = _peak_export_memory(engine, "xlsx", batch_size=50)
    finally:
        engine.dispose()
    assert large < 2 * small, (small, large)
