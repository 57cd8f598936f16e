"""The replica's Atom feed (beta.gouv.fr ``/jobs.xml`` shape) and its dates relative to today:
entries read by the feed page objects and normalized give their ground truth; the entries are
their own random stream (a seed's other postings do not move); routes, failure switch, the
``replica_atom`` source; the CLI's ``--today``."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime

import pytest
from lxml import etree

from crawlers.replica import data as D
from crawlers.replica.generator import ATOM_MAX, PARIS, TRUTH_FIELDS, atom_size, generate, paris_today
from crawlers.replica.render import atom_feed
from crawlers.replica.server import ReplicaServer, replica_sources_toml
from helpers import http_get as get

ATOM_NS = {"a": "http://www.w3.org/2005/Atom"}
BASE = "http://replica.test/feed"
CRAWL_TIME = datetime(2026, 11, 22, 7, tzinfo=UTC)  # the default dataset's today, in Paris


@pytest.mark.parametrize("seed", [1, 6, 13])
def test_atom_entries_read_and_normalized_give_the_truth(seed):
    from crawlers.pages.feed import parse_feed
    from normalize.record import normalize_posting

    ds = generate(400, seed=seed)
    feed = parse_feed(atom_feed(ds, BASE).encode("utf-8"), BASE + "/jobs.xml")
    assert feed.version == "atom10" and len(feed.entries) == len(ds.atom) == ATOM_MAX
    expected = ds.atom_expected(BASE)
    mismatches = []
    for entry in feed.entries:
        assert entry.has_full_offer and entry.domain
        raw = entry.to_raw("replica_atom")
        assert raw.location is None and raw.contract is None and raw.salary is None and raw.deadline is None
        record = normalize_posting(raw.to_dict(), crawl_time=CRAWL_TIME).record()
        truth = expected[raw.reference]
        assert raw.url == raw.reference + ".html"
        for name in TRUTH_FIELDS:
            if name == "status":
                continue
            value = record[name].isoformat() if isinstance(record[name], date) else record[name]
            if value != truth[name]:
                mismatches.append((raw.reference, name, value, truth[name]))
        assert record["description"] and "Votre mission" in record["description"]
    assert mismatches == []


def test_atom_entries_have_the_beta_gouv_shape():
    ds = generate(400, seed=2)
    doc = etree.fromstring(atom_feed(ds, BASE).encode("utf-8"))
    assert doc.tag == "{http://www.w3.org/2005/Atom}feed"
    entries = doc.xpath("a:entry", namespaces=ATOM_NS)
    assert len(entries) == len(ds.atom)
    published = []
    for e in entries:
        title = e.findtext("a:title", namespaces=ATOM_NS)
        assert " - Offre de " in title
        assert e.xpath("a:link/@href", namespaces=ATOM_NS)[0].startswith(BASE + "/recrutement/")
        assert e.findtext("a:id", namespaces=ATOM_NS).startswith(BASE + "/recrutement/")
        assert e.findtext("a:author/a:name", namespaces=ATOM_NS)
        assert e.findtext("a:domaine", namespaces=ATOM_NS) in {d for _, d, _ in D.ATOM_ROLES}
        assert e.xpath("a:content/@type", namespaces=ATOM_NS) == ["html"]
        assert "<h2>" in e.findtext("a:content", namespaces=ATOM_NS)
        assert e.findtext("a:updated", namespaces=ATOM_NS) >= "2026"
        published.append(datetime.fromisoformat(e.findtext("a:published", namespaces=ATOM_NS).replace("Z", "+00:00")))
    assert published == sorted(published, reverse=True)
    # a share written in UTC, whose UTC date is the day before the Paris date of the truth
    utc = [p for p in ds.atom_entries() if p.wording["utc"]]
    assert utc and all(p.wording["published"].astimezone(UTC).date() < date.fromisoformat(p.truth["published_at"])
                       for p in utc)
    # one entry per startup and job family (two would be one job: same title, employer, no place)
    keys = [(p.truth["employer"], p.truth["job_family"]) for p in ds.atom_entries()]
    assert len(keys) == len(set(keys))
    assert any(p.wording["marker"] for p in ds.atom_entries())  # "(F/H)" after the roles, not in the truth
    assert all("(" not in p.truth["title"] for p in ds.atom_entries())


def test_atom_entries_are_their_own_stream_and_need_the_feed_kind():
    with_atom, without = generate(300, seed=7), generate(300, seed=7, atom_entries=0)
    key = lambda ds: [(p.source_kind, p.reference, p.truth) for p in ds.postings]
    assert key(with_atom) == key(without) and not without.atom
    assert len(with_atom.atom) == atom_size(300) == 30 and atom_size(5000) == ATOM_MAX and atom_size(0) == 0
    assert [p.truth for p in generate(300, seed=7).atom_entries()] == [p.truth for p in with_atom.atom_entries()]
    assert not generate(100, seed=7, kinds=("pep", "api")).atom
    assert all(p.source_kind == "atom" and p.truth["status"] == "active" for p in with_atom.atom_entries())
    assert with_atom.expected().keys() == without.expected().keys()  # the four sources' truth is unchanged


def test_truth_file_holds_the_atom_entries(tmp_path):
    ds = generate(80, seed=3)
    out = tmp_path / "truth.json"
    ds.write_truth(out, {"feed": BASE})
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert len(doc["postings"]) == len(ds.postings)
    atom = doc["atom_postings"]
    assert len(atom) == len(ds.atom) == 8
    assert {a["reference"] for a in atom} == set(ds.atom_expected(BASE))
    assert all(a["kind"] == "feed" and a["variant"] == "atom" and a["url"] == a["reference"] + ".html" for a in atom)
    ds.write_truth(out)
    assert all(a["reference"].startswith("/recrutement/") for a in json.loads(out.read_text())["atom_postings"])


def test_server_routes_and_failure_switch():
    ds = generate(100, seed=4)
    with ReplicaServer(ds) as s:
        status, headers, body = get(s.base_urls["feed"] + "/jobs.xml")
        assert status == 200 and headers["Content-Type"].startswith("application/atom+xml")
        entry = etree.fromstring(body).xpath("a:entry", namespaces=ATOM_NS)[0]
        link = entry.xpath("a:link/@href", namespaces=ATOM_NS)[0]
        status, _, page = get(link)
        assert status == 200 and entry.findtext("a:title", namespaces=ATOM_NS).encode() in page
        assert get(s.base_urls["feed"] + "/recrutement/2026/01/01/nobody.nothing.html")[0] == 404
        assert s.stats()["feed"] == {"atom_listing": 1, "atom_page": 1, "not_found": 1}
    with ReplicaServer(ds, fail={"atom"}) as s:
        assert get(s.base_urls["feed"] + "/jobs.xml")[0] == 500
        assert get(s.base_urls["feed"] + "/offres/rss.xml")[0] == 200
        assert s.stats()["feed"] == {"failed": 1, "listing": 1}
    with ReplicaServer(ds, fail={"feed"}) as s:
        assert get(s.base_urls["feed"] + "/jobs.xml")[0] == 500


def test_sources_toml_with_the_atom_source():
    urls = {"pep": "http://127.0.0.1:1/pep", "feed": "http://127.0.0.1:1/feed"}
    assert "replica_atom" not in tomllib.loads(replica_sources_toml(urls))["sources"]
    doc = tomllib.loads(replica_sources_toml(urls, atom=True))
    assert doc["sources"]["replica_atom"] == {
        "kind": "feed", "base_url": "http://127.0.0.1:1/feed", "feed_path": "/jobs.xml", "schedule": "0 2 * * *",
        "digital_only": False, "complete_listing": False, "download_delay": 0, "concurrency": 8}
    assert "replica_atom" not in tomllib.loads(replica_sources_toml({"pep": urls["pep"]}, atom=True))["sources"]


def test_sources_toml_loads_as_a_configuration(tmp_path):
    from crawlers.config import load_config

    path = tmp_path / "sources.toml"
    path.write_text(replica_sources_toml({"feed": "http://127.0.0.1:1/feed"}, atom=True), encoding="utf-8")
    source = load_config(path).source("replica_atom")
    assert source.kind == "feed" and source.entry_url == "http://127.0.0.1:1/feed/jobs.xml"


# ----------------------------------------------------------------------------- today
def test_a_dataset_following_the_clock_counts_relative_dates_from_the_real_day():
    """``follow_clock`` (the CLI's default): pages count "il y a N jours" from the real Paris
    date even when the dataset was generated days ago; a fixed dataset keeps its today."""
    from lxml import html as lxml_html

    from crawlers.replica.render import feed_offer
    from normalize.dates import parse_date

    real = paris_today()
    ds = generate(600, seed=2, today=date.fromordinal(real.toordinal() - 3))
    assert ds.shown_today() == ds.today
    ds.follow_clock = True
    assert ds.shown_today() == real
    now = datetime.now(PARIS)
    relative = 0
    for p in ds.ordered("feed"):
        line = lxml_html.fromstring(feed_offer(p, ds, BASE)).cssselect("p.offre-date")[0].text_content()
        relative += "il y a" in line or "hier" in line or "aujourd" in line
        assert parse_date(line, now=now).isoformat() == p.truth["published_at"], line
    assert relative > 3


@pytest.mark.parametrize("argv", [["replica", "serve", "--today", "2026-13-01"],
                                  ["replica", "serve", "--today", "20261122"],
                                  ["demo", "--today", "demain", "--db", "sqlite:///:memory:"]])
def test_cli_rejects_a_bad_today(argv, capsys):
    from catalogue.cli import main

    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "--today must be a date YYYY-MM-DD" in err and "\n" not in err


def test_replica_today_defaults_to_the_paris_date():
    from catalogue.commands.replica import replica_today

    assert replica_today(None) == (paris_today(), True)
    assert replica_today("2026-11-22") == (date(2026, 11, 22), False)
