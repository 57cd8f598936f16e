"""JobPosting page objects on every sample page (J1–J6, the home and about pages) and on
the JSON-LD shapes the samples do not all cover."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from crawl_kit import BASE_URLS
from expected_tables import record_rows, tables

from crawlers.pages import _JSON_JUNK, _flatten, _jsonld_extractor, parse_html, read_jsonld
from crawlers.pages.jobposting import JobPostingPage, jsonld_scripts

BASE = BASE_URLS["jobposting"]
#: per reference: raw employmentType, occupationalCategory, remote, (salary min, max, unit), parent ministry,
#: a description excerpt (the page file and the values in the record table come from EXPECTED.md)
RAW = {
    "DNUM-2026-0187": ("CONTRACTOR",
                       ["M1801 - Administration de systèmes d'information"], None, (45000, 60000, "YEAR"),
                       "Ministère de l'Intérieur et des Outre-mer", "concevez et maintenez les clusters Kubernetes"),
    "DNE-2026-114": ("Titulaire ou contractuel",
                     ["Data / Intelligence artificielle"], None, (42000, 56000, "YEAR"),
                     "Ministère de l'Éducation nationale", "entrepôt de données"),
    "DRFIP33-2026-052": (["FULL_TIME", "TEMPORARY"],
                         ["M1810 - Production et exploitation de systèmes d'information"], None, None,
                         "Direction générale des Finances publiques (DGFiP)", "p&ocirc;le informatique de proximit&eacute;"),
    "ANTS-2026-DEV-07": ("CONTRACTOR",
                         ["M1805 - Études et développement informatique"], "TELECOMMUTE", (40000, 52000, "YEAR"),
                         "Ministère de l'Intérieur et des Outre-mer", "télétravail complet"),
    "CCOMPTES-2026-031": ("CDD de 3 ans", ["Design"], None, (3300, 4000, "MONTH"),
                          None, "recherche utilisateurs"),
    "DINUM-2026-042": ("Fonctionnaire ou contractuel",
                       ["M1805 - Études et développement informatique"], None, (45000, 62000, "YEAR"),
                       "Services du Premier ministre", "Référence PEP : 2026-2561234"),
}


_MARKER = re.compile(r"\s*(?:\([HF]/[HF]\)|\b[HF]/[HF]\b)", re.IGNORECASE)


def _without_marker(title: str) -> str:
    return " ".join(_MARKER.sub("", title).split())


def _page(samples: Path, folder: str) -> JobPostingPage:
    path = samples / "jobposting" / "samples" / folder / "index.html"
    return JobPostingPage(path.read_text(encoding="utf-8"), f"{BASE}/{folder}/".replace("//", "/").replace(":/", "://"))


def _files(samples: Path) -> dict[str, str]:
    """reference → sample file, joining EXPECTED.md's record table and its "file" table on "#"."""
    md = (samples / "jobposting" / "EXPECTED.md").read_text(encoding="utf-8")
    all_tables = tables(md)
    files = next(rows for rows in all_tables if rows and "file" in rows[0] and "shape exercised" in rows[0])
    records = next(rows for rows in all_tables if rows and "reference" in rows[0] and "job_family" in rows[0])
    by_number = {r["#"]: r["file"].strip("`") for r in files}
    return {r["reference"]: by_number[r["#"]] for r in records}


@pytest.mark.parametrize("row_index", range(6))
def test_every_offer_page_gives_its_raw_fields(samples_dir, row_index):
    row = record_rows(samples_dir / "jobposting" / "EXPECTED.md")[row_index]
    ref = row["reference"]
    contract, labels, remote, salary, ministry, excerpt = RAW[ref]
    folder = _files(samples_dir)[ref].removesuffix("index.html").rstrip("/")
    page = _page(samples_dir, folder)
    raw = page.to_raw("metiers_numerique")
    assert (raw.source, raw.kind, raw.reference) == ("metiers_numerique", "jobposting", ref)
    assert raw.url == f"{BASE}/{folder}/"  # no JSON-LD url: the canonical link = the page URL
    assert _without_marker(raw.title) == row["title"]  # raw: the gender marker (if any) is kept
    assert "&" not in raw.title.replace(" & ", "")  # entities decoded
    assert raw.employer == row["employer"]
    assert raw.ministry == ministry
    assert raw.city == row["city"]
    assert raw.postal_code[:2] == row["department_code"][:2]
    assert raw.region == row["region"]
    assert raw.contract == contract
    assert raw.remote == remote
    if salary is None:
        assert raw.salary is None
    else:
        value = raw.salary["value"]
        assert (value["minValue"], value["maxValue"], value["unitText"]) == salary
    assert raw.published[:10] <= row["published_at"]  # a datetime with offset: its Paris date is the expected one
    assert raw.published[:7] == row["published_at"][:7]
    assert raw.deadline[:10] == row["deadline"]
    assert raw.job_labels == labels
    assert excerpt in raw.description_html
    assert raw.public_service is None and raw.category is None and raw.department is None
    assert page.invalid_scripts == 0


@pytest.mark.parametrize("folder", ["", "a-propos"])
def test_pages_without_jobposting_give_nothing(samples_dir, folder):
    page = _page(samples_dir, folder) if folder else JobPostingPage(
        (samples_dir / "jobposting" / "samples" / "index.html").read_text(encoding="utf-8"), BASE + "/")
    assert page.job_posting is None
    assert page.to_raw("metiers_numerique") is None


def test_the_site_organization_in_the_graph_is_not_the_employer(samples_dir):
    raw = _page(samples_dir, "emploi/ingenieure-cloud-et-conteneurs-kubernetes-dnum").to_raw("x")
    assert raw.employer == "Direction du numérique (DNUM)"
    assert raw.ministry != "Direction interministérielle du numérique (DINUM)"


def _html(*scripts: str, canonical: str | None = None) -> str:
    head = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    body = "".join(f'<script type="application/ld+json">{s}</script>' for s in scripts)
    return f"<html><head>{head}</head><body>{body}</body></html>"


POSTING = {"@type": "JobPosting", "title": "Dev &amp; Ops", "identifier": "ID-1",
           "hiringOrganization": {"name": "DINUM"}, "url": "/offres/1",
           "jobLocation": [{"address": "Paris 75007"}], "jobLocationType": ["TELECOMMUTE"],
           "employmentType": ["CONTRACTOR", "FULL_TIME"], "occupationalCategory": ["Dév", "Ops"],
           "baseSalary": 45000}


@pytest.mark.parametrize("html_text, expected", [
    # a broken script does not hide the next one
    (_html("{not json", json.dumps(POSTING)), ("ID-1", "Dev & Ops", 1)),
    # @type as a list, identifier as a list of PropertyValue
    (_html(json.dumps({**POSTING, "@type": ["JobPosting"], "identifier": [{"value": "ID-2"}]})), ("ID-2", "Dev & Ops", 0)),
    # a JSON array of objects, BOM and blank lines around
    (_html("\ufeff\n  " + json.dumps([{"@type": "Organization", "name": "X"}, POSTING]) + "\n "), ("ID-1", "Dev & Ops", 0)),
    # ASCII-escaped, with a full schema.org type URL
    (_html(json.dumps({**POSTING, "@type": "http://schema.org/JobPosting", "title": "D\u00e9v"})), ("ID-1", "Dév", 0)),
])
def test_jsonld_shapes(html_text, expected):
    page = JobPostingPage(html_text, "https://site.gouv.fr/emploi/1/")
    raw = page.to_raw("s")
    assert (raw.reference, raw.title, page.invalid_scripts) == expected
    assert raw.url == "https://site.gouv.fr/offres/1"  # the JSON-LD url, resolved
    assert raw.location == "Paris 75007" and raw.city is None
    assert raw.remote == "TELECOMMUTE"
    assert raw.contract == ["CONTRACTOR", "FULL_TIME"] and raw.job_labels == ["Dév", "Ops"]
    assert raw.salary == "45000"


def test_url_falls_back_to_canonical_then_page_url():
    posting = json.dumps({k: v for k, v in POSTING.items() if k != "url"})
    assert JobPostingPage(_html(posting, canonical="https://a.fr/c/"), "https://a.fr/p/").to_raw("s").url == "https://a.fr/c/"
    assert JobPostingPage(_html(posting), "https://a.fr/p/").to_raw("s").url == "https://a.fr/p/"


@pytest.mark.parametrize("text", [None, "", "<html></html>", _html("[1, 2]"), _html('"just a string"'), _html("{")])
def test_no_crash_on_bad_input(text):
    page = JobPostingPage(text, "https://a.fr/")
    assert page.to_raw("s") is None


def _by_extruct(doc) -> tuple[list, int]:
    """The reading read_jsonld stands for: every script through extruct's reader."""
    objects, invalid = [], 0
    for script in doc.iter("script"):
        cleaned = (script.text or "").strip(_JSON_JUNK)
        if script.get("type") != "application/ld+json" or not cleaned:
            continue
        script.text = cleaned
        try:
            objects.extend(_flatten(_jsonld_extractor().extract_items(script)))
        except (ValueError, TypeError):
            invalid += 1
    return objects, invalid


#: script texts of every shape: read_jsonld must give what extruct gives
SCRIPT_SHAPES = {
    "object": json.dumps(POSTING), "BOM and blank lines": "\ufeff\n\n " + json.dumps(POSTING) + "\n",
    "zero-width space": "\u200b" + json.dumps(POSTING), "array with empties": f'[{{}}, null, 0, "", {json.dumps(POSTING)}]',
    "nested @graph": json.dumps({"@graph": [{"@type": "WebPage"}, {"@graph": [POSTING]}]}),
    "HTML comment line": "<!-- Yoast SEO -->\n" + json.dumps(POSTING), "JS comment line": "// data\n" + json.dumps(POSTING),
    "block comment": "/* data */" + json.dumps(POSTING), "trailing comma": json.dumps(POSTING)[:-1] + ",}",
    "control characters in strings": json.dumps(POSTING).replace("Dev", "D\tev\n"), "empty object": "{}",
    "escaped slashes": json.dumps(POSTING).replace("/", "\\/"), "not JSON": "{not json", "scalar": '"text"',
    "whitespace only": " \n ", "CDATA": "<![CDATA[" + json.dumps(POSTING) + "]]>",
}


@pytest.mark.parametrize("script", SCRIPT_SHAPES.values(), ids=SCRIPT_SHAPES.keys())
def test_jsonld_reading_is_extructs(script):
    text = _html('{"@type": "BreadcrumbList"}', script, canonical="https://a.fr/c/")
    scripts, canonical = jsonld_scripts(parse_html(text))
    assert read_jsonld(scripts) == _by_extruct(parse_html(text))
    assert canonical is not None and canonical.get("href") == "https://a.fr/c/"


def test_jsonld_scripts_takes_exact_types_and_the_first_canonical_link():
    text = ('<html><head><link rel="canonical" href="/1"><link rel="canonical" href="/2"><link rel="alternate" href="/3">'
            '<script type="application/json">{}</script><script type="application/ld+json">{"a": 1}</script></head>'
            '<body><script>var x;</script><script type="application/ld+json">{"b": 2}</script></body></html>')
    scripts, canonical = jsonld_scripts(parse_html(text))
    assert [s.text for s in scripts] == ['{"a": 1}', '{"b": 2}'] and canonical.get("href") == "/1"
