"""`catalogue export`, `stats` and `report`: options, formats, one-line errors.

Most cases call ``catalogue.cli.main`` in-process (fast); two run the real command in
a subprocess to check stdout bytes and that a user error prints one line, no traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import date

import lxml.html
import openpyxl
import pytest

from catalogue.cli import main
from offer_rows import insert_rows, offer, posting
from storage.db import connect
from storage.exports import FLAT_COLUMNS

ROWS = [
    (offer("dev", title="Développeur", region="Île-de-France", category="A", job_family="developpement",
           employer="Ministère de l'Économie, des Finances", published_at=date(2026, 3, 2)), [("pep", "P-1")]),
    (offer("data", title="Data engineer", region="Bretagne", department_code="35", category="B",
           job_family="data", published_at=date(2026, 2, 2)), [("api", "A-1"), ("pep", "P-2")]),
    (offer("sup", title="=cmd|' /C calc'!A0", region="Occitanie", department_code="34", category="C",
           job_family="support", published_at=date(2026, 1, 5)), [("flux", "F-1")]),
    (offer("old", title="Ancienne offre", status="expired", published_at=None), [("pep", "P-3")]),
]


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'catalogue.db'}"
    engine = connect(url)
    insert_rows(engine, [r for r, _ in ROWS], [posting(r["id"], s, ref) for r, refs in ROWS for s, ref in refs])
    engine.dispose()
    return url


def run(capsysbinary, *args: str) -> tuple[int, bytes, str]:
    code = main(list(args))
    out, err = capsysbinary.readouterr()
    return code, out, err.decode("utf-8")


def json_ids(capsysbinary, db: str, *args: str) -> list[str]:
    code, out, err = run(capsysbinary, "export", "--db", db, "--format", "json", *args)
    assert code == 0, err
    return [r["id"] for r in json.loads(out)]


@pytest.mark.parametrize("args, expected", [
    ([], ["dev", "data", "sup"]),
    (["--status", "all"], ["dev", "data", "sup", "old"]),
    (["--category", "A,B"], ["dev", "data"]),                        # comma-separated: ORed
    (["--category", "A", "--category", "c"], ["dev", "sup"]),         # repeated: ORed
    (["--category", "A,B", "--region", "bretagne"], ["data"]),        # different filters: ANDed
    (["--region", "ILE-DE-FRANCE,occitanie"], ["dev", "sup"]),
    (["--department", "35", "--department", "34"], ["data", "sup"]),
    (["--source", "api"], ["data"]),
    (["--source", "pep", "--status", "all"], ["dev", "data", "old"]),
    (["--job-family", "data,support"], ["data", "sup"]),
    (["--employer", "economie, des finances"], ["dev"]),              # commas belong to the value
    (["--published-since", "2026-02-01", "--published-until", "2026-02-28"], ["data"]),
    (["--search", "developpeur"], ["dev"]),
    (["--search", "data engineer", "--search", "developpeur"], ["dev", "data"]),
])
def test_export_filters(capsysbinary, db, args, expected):
    assert json_ids(capsysbinary, db, *args) == expected


def test_export_csv_to_stdout(capsysbinary, db):
    code, out, _ = run(capsysbinary, "export", "--db", db)
    assert code == 0
    assert out.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(out.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [r["id"] for r in rows] == ["dev", "data", "sup"]
    assert rows[1]["source_names"] == "api | pep"
    assert rows[2]["title"] == "'=cmd|' /C calc'!A0"


def test_export_csv_comma_and_files(capsysbinary, db, tmp_path):
    out_csv, out_xlsx, out_jsonl = tmp_path / "o.csv", tmp_path / "o.xlsx", tmp_path / "o.jsonl"
    code, _, err = run(capsysbinary, "export", "--db", db, "--delimiter", ",", "--output", str(out_csv))
    assert code == 0 and "3 offers written" in err
    rows = list(csv.DictReader(io.StringIO(out_csv.read_text(encoding="utf-8-sig"), newline=""), delimiter=","))
    assert list(rows[0]) == list(FLAT_COLUMNS) and len(rows) == 3

    assert run(capsysbinary, "export", "--db", db, "-f", "xlsx", "-o", str(out_xlsx), "--status", "all")[0] == 0
    ws = openpyxl.load_workbook(out_xlsx).active
    assert ws.max_row == 5 and ws.freeze_panes == "A2"

    assert run(capsysbinary, "export", "--db", db, "-f", "jsonl", "-o", str(out_jsonl))[0] == 0
    records = [json.loads(line) for line in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in records] == ["dev", "data", "sup"]
    assert records[2]["title"] == "=cmd|' /C calc'!A0"  # JSON keeps the value


@pytest.mark.parametrize("args, needle", [
    (["export", "--format", "xml"], "--format: unknown format 'xml' (allowed: csv, xlsx, json, jsonl)"),
    (["export", "--format", "xlsx"], "--format xlsx needs --output FILE"),
    (["export", "--category", "Z"], "--category: unknown value 'Z' (allowed: A+, A, B, C)"),
    (["export", "--contract", "cdi"], "--contract: unknown value 'cdi'"),
    (["export", "--job-family", "web"], "--job-family: unknown value 'web'"),
    (["export", "--status", "open"], "--status: unknown value 'open'"),
    (["export", "--region", "Atlantide"], "--region: unknown region 'Atlantide'"),
    (["export", "--department", "99"], "--department: unknown department code '99'"),
    (["export", "--source", "nope"], "--source: unknown source 'nope'"),
    (["export", "--published-since", "1er mars"], "--published-since: '1er mars' is not an ISO date"),
    (["export", "--published-until", "2026-02-30"], "--published-until: '2026-02-30' is not an ISO date"),
    (["export", "--delimiter", ";;"], "--delimiter must be one character"),
    (["export", "-o", "/nonexistent/dir/x.csv"], "cannot write"),
    (["stats", "--format", "xml"], "--format: unknown format 'xml' (allowed: table, json)"),
    (["stats", "--status", "open"], "--status: unknown value 'open'"),
    (["report", "-o", "/nonexistent/dir/r.html"], "cannot write"),
    (["export", "-f", "xlsx", "-o", "-"], "--format xlsx needs --output FILE"),  # `-` is stdout
    (["export", "-o", ""], "--output: empty file name"),
])
def test_user_errors_are_one_line(capsysbinary, db, args, needle):
    code, out, err = run(capsysbinary, *args, "--db", db)
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("catalogue: error: ") and needle in lines[0], lines[0]
    assert out == b""


def test_dash_output_is_stdout(capsysbinary, db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsysbinary, "export", "--db", db, "-f", "json", "-o", "-")
    assert code == 0, err
    assert [r["id"] for r in json.loads(out)] == ["dev", "data", "sup"]
    assert not (tmp_path / "-").exists()  # not a file named "-"


@pytest.mark.parametrize("command", [["export"], ["stats"], ["report", "-o", "r.html"], ["explain", "dev"]])
def test_reading_commands_never_create_a_database(capsysbinary, tmp_path, monkeypatch, command):
    """In the wrong directory, `catalogue export` made an empty catalogue.db and exported nothing."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CATALOGUE_DB_URL", raising=False)
    code, out, err = run(capsysbinary, *command)
    assert code == 2 and out == b""
    assert err.strip().splitlines() == [
        f"catalogue: error: no catalogue database at {tmp_path / 'catalogue.db'} "
        "(crawl first, or check --db / $CATALOGUE_DB_URL)"]
    assert os.listdir(tmp_path) == []


def test_an_unexpected_error_is_one_line(capsysbinary, db, monkeypatch):
    def broken(*args, **kwargs):
        raise KeyError("boom")

    monkeypatch.setattr("storage.exports.export_offers", broken)
    code, out, err = run(capsysbinary, "export", "--db", db)
    assert code == 2 and out == b""  # 2 like every error (1 means "a crawl or a source failed")
    assert err.strip().splitlines() == [
        "catalogue: error: unexpected KeyError: 'boom' (CATALOGUE_LOG_LEVEL=DEBUG shows the traceback)"]


def test_source_known_from_the_configuration_only(capsysbinary, db):
    # "metiers_numerique" is configured (crawlers/sources.toml) but has no posting here
    assert json_ids(capsysbinary, db, "--source", "metiers_numerique") == []


def test_stats_json_and_table(capsysbinary, db):
    code, out, err = run(capsysbinary, "stats", "--db", db, "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert (data["total"], data["active"], data["expired"], data["merged_offers"]) == (3, 3, 1, 1)
    assert {"value": "pep", "offers": 2} in data["by_source"]
    assert data["source_pairs"] == [{"source_a": "api", "source_b": "pep", "offers": 1}]

    code, out, _ = run(capsysbinary, "stats", "--db", db, "--status", "all")
    text = out.decode("utf-8")
    assert code == 0
    assert text.startswith("4 offers (all)")
    for title in ("By source", "By job family", "By region", "By category", "By contract", "New offers per week"):
        assert title in text


def test_report_command(capsysbinary, db, tmp_path):
    path = tmp_path / "report.html"
    code, _, err = run(capsysbinary, "report", "--db", db, "--output", str(path))
    assert code == 0 and "report on 3 offers" in err
    doc = lxml.html.fromstring(path.read_text(encoding="utf-8"))
    for section in ("chart-weeks", "chart-regions", "chart-job-families", "chart-sources", "chart-source-pairs"):
        assert doc.get_element_by_id(section).xpath(".//svg")
    assert doc.get_element_by_id("total-total").get("data-value") == "3"


# ------------------------------------------------------------------ the real command


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "catalogue", *args], capture_output=True, timeout=120)


def test_subprocess_csv_stdout_and_one_line_error(db):
    proc = cli("export", "--db", db, "--category", "A")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(b"\xef\xbb\xbfid;title;")
    assert proc.stdout.count(b"\r\n") == 2  # header + one offer

    proc = cli("export", "--db", db, "--category", "Z")
    stderr = proc.stderr.decode()
    assert proc.returncode == 2
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines() == [
        "catalogue: error: --category: unknown value 'Z' (allowed: A+, A, B, C)"]
