"""End to end on the replica: the whole product against the generator's ground truth.

One scenario per database (SQLite, PostgreSQL), run once by a module fixture, exactly as
ops run it: the replica of the four source kinds (with its quirks: detail pages answering
404, pages without JSON-LD, 429 + Retry-After) is crawled source after source by
``pipeline.launch.launch_crawl`` (one process per crawl), then

1. crawled again unchanged (incremental: no detail request; idempotent: same rows, same
   offer ids, ``last_seen_at`` moves);
2. changed (a title, a salary), a posting removed → change history, the removed posting gone
   and its offer expired;
3. broken: a listing answering 500 (→ failed), a source losing most of its postings
   (→ suspect), a crawl stopped by its time limit (→ interrupted), a source that does not
   answer at all (→ failed): none of them expires anything or touches other data;
4. a malformed offer page (no title) → rejected with its URL, the run succeeds.

The tests below only read what the scenario recorded.
"""

from __future__ import annotations

import re
import socket
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.replica.generator import generate
from crawlers.replica.server import ReplicaServer, replica_sources_toml
from helpers import catalogue_offers
from pipeline.launch import CrawlForkServer

pytestmark = pytest.mark.e2e

RECORD = ("title", "employer", "ministry", "public_service", "category", "contract", "city", "department_code",
          "region", "remote", "salary_min", "salary_max", "published_at", "deadline", "job_family")
NAMES = {"pep": "replica_pep", "jobposting": "replica_jobposting", "feed": "replica_feed", "api": "replica_api"}
KIND_OF = {v: k for k, v in NAMES.items()}


def paris_today() -> date:
    from storage.offers import paris_today as today

    return today()


@dataclass
class Scenario:
    db_url: str
    engine: Any
    dataset: Any
    first: dict[str, Any] = field(default_factory=dict)
    first_requests: dict[str, dict[str, int]] = field(default_factory=dict)
    first_postings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    first_offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_report: str = ""
    #: the ground truth as served to the first crawl (the dataset changes afterwards)
    expected: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    duplicate_pairs: set = field(default_factory=set)
    near_miss_pairs: set = field(default_factory=set)
    offer_key: dict[tuple[str, str], str] = field(default_factory=dict)
    quirks: dict[str, int] = field(default_factory=dict)
    second: dict[str, Any] = field(default_factory=dict)
    second_requests: dict[str, dict[str, int]] = field(default_factory=dict)
    second_postings: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    second_offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    mutated: dict[str, Any] = field(default_factory=dict)
    third: dict[str, Any] = field(default_factory=dict)
    broken: dict[str, Any] = field(default_factory=dict)
    malformed: dict[str, Any] = field(default_factory=dict)


def _postings(engine) -> dict[tuple[str, str], dict[str, Any]]:
    from storage.db import session
    from storage.models import Posting

    with session(engine) as s:
        return {(KIND_OF.get(p.source, p.source), p.reference): {
            **{f: getattr(p, f) for f in RECORD}, "id": p.id, "offer_id": p.offer_id, "status": p.status,
            "is_digital": p.is_digital, "detail_fetched": p.detail_fetched, "last_seen_at": p.last_seen_at,
            "first_seen_at": p.first_seen_at} for p in s.scalars(select(Posting))}


def _crawl(config: Path, db_url: str, names, **kw) -> dict[str, Any]:
    """Crawl ``names`` two at a time, as `catalogue crawl --all` does by default: the
    scenario's dedup and expiry checks hold for sources crawled side by side."""
    from pipeline.launch import launch_crawls

    outcomes = launch_crawls(list(names), config_path=str(config), db_url=db_url, parallel=2, **kw)
    return {KIND_OF.get(o.source, o.source): o for o in outcomes}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _strip_title(body: str) -> str:
    """The offer page without its title: an empty h1 and no JSON-LD (the spider's fallback)."""
    body = re.sub(r"<h1[^>]*>.*?</h1>", "<h1></h1>", body, count=1, flags=re.S)
    return re.sub(r'<script type="application/ld\+json">.*?</script>', "", body, flags=re.S)


def run_scenario(db_url: str, tmp: Path) -> Scenario:
    from storage.db import connect

    engine = connect(db_url, auto_upgrade=True)
    dataset = generate(160, seed=37, today=paris_today())
    sc = Scenario(db_url, engine, dataset)
    # crawls forked from a fork server, two at a time, as `catalogue crawl --all` does (the plain start is
    # tested by tests/crawlers/test_crawl_process.py and tests/ops): faster, same outcomes
    with ReplicaServer(dataset, detail_404=True, missing_jsonld=True, rate_limit_every=9, feed_window=0) as server, \
            CrawlForkServer() as fork_server:
        def crawl(config: Path, db_url: str, names, **kw) -> dict[str, Any]:
            return _crawl(config, db_url, names, fork_server=fork_server, **kw)

        config = tmp / "sources.toml"
        config.write_text(replica_sources_toml(server.base_urls).replace(
            "concurrency = 8", "concurrency = 8\nautothrottle = false"), encoding="utf-8")
        names = list(NAMES.values())

        # 1. first crawl, then the same replica again
        sc.expected = dataset.expected(gone=True, no_jsonld=True)
        sc.duplicate_pairs, sc.near_miss_pairs = dataset.duplicate_pairs(), dataset.near_miss_pairs()
        sc.offer_key = {(p.source_kind, p.reference): p.offer_key for p in dataset.postings}
        sc.quirks = {"pep_gone": sum(1 for p in dataset.ordered("pep") if p.quirk == "gone"),
                     "api_gone": sum(1 for p in dataset.ordered("api") if p.quirk == "gone"),
                     "no_jsonld": sum(1 for p in dataset.ordered("jobposting") if p.quirk == "no_jsonld")}
        sc.first = crawl(config, db_url, names)
        sc.first_requests = server.stats()
        sc.first_postings, sc.first_offers = _postings(engine), catalogue_offers(engine)
        from storage.report import write_report

        write_report(engine, tmp / "report.html")
        sc.first_report = (tmp / "report.html").read_text(encoding="utf-8")
        server.reset_stats()
        time.sleep(1.1)  # timestamps have a one-second precision: let last_seen_at move
        sc.second = crawl(config, db_url, names)
        sc.second_requests = server.stats()
        sc.second_postings, sc.second_offers = _postings(engine), catalogue_offers(engine)

        # 2. changes on the sources
        pep = next(p for p in dataset.ordered("pep") if p.quirk is None and p.truth["is_digital"])
        api = next(p for p in dataset.ordered("api") if p.quirk is None and p.truth["is_digital"]
                   and p.truth["salary_min"] is not None)
        alone = [k for k, v in sc.second_postings.items() if k[0] == "jobposting" and v["offer_id"]
                 and sum(1 for w in sc.second_postings.values() if w["offer_id"] == v["offer_id"]) == 1
                 and sc.second_offers[v["offer_id"]]["status"] == "active"]
        removed = dataset.get("jobposting", alone[0][1])
        old_title, old_salary = pep.truth["title"], (api.truth["salary_min"], api.truth["salary_max"])
        dataset.update("pep", pep.reference, title="Architecte logiciel plateforme de données")
        dataset.update("api", api.reference, salary_min=api.truth["salary_min"] + 1200,
                       salary_max=api.truth["salary_max"] + 2400)
        dataset.remove("jobposting", removed.reference)
        sc.third = crawl(config, db_url, ["replica_pep", "replica_api", "replica_jobposting"])
        sc.mutated = {"pep": pep.reference, "pep_title": old_title, "api": api.reference, "api_salary": old_salary,
                      "removed": removed.reference, "postings": _postings(engine), "offers": catalogue_offers(engine),
                      "changes": _changes(engine)}

        # 3. broken crawls: nothing they did not see may expire
        before = _postings(engine)
        server.fail = {"pep"}
        failed = crawl(config, db_url, ["replica_pep"])["pep"]
        server.fail = set()
        for p in dataset.ordered("api")[: int(len(dataset.ordered("api")) * 0.7)]:
            dataset.remove("api", p.reference)
        suspect = crawl(config, db_url, ["replica_api"])["api"]
        slow = tmp / "slow.toml"
        slow.write_text(config.read_text(encoding="utf-8").replace("download_delay = 0", "download_delay = 2"),
                        encoding="utf-8")
        for p in dataset.ordered("pep")[:3]:
            dataset.remove("pep", p.reference)
        interrupted = crawl(slow, db_url, ["replica_pep"], time_limit=4)["pep"]
        dead = tmp / "dead.toml"
        dead.write_text(config.read_text(encoding="utf-8").replace(
            f"127.0.0.1:{server.port}", f"127.0.0.1:{_free_port()}"), encoding="utf-8")
        unreachable = crawl(dead, db_url, ["replica_feed"])["feed"]
        sc.broken = {"failed": failed, "suspect": suspect, "interrupted": interrupted, "unreachable": unreachable,
                     "before": before, "after": _postings(engine)}

        # 4. a malformed offer page
        target = next(p for p in dataset.ordered("pep") if p.quirk is None)
        original = server.handle

        def handle(raw_path: str):
            status, ctype, body, headers = original(raw_path)
            if target.url.rstrip("/") in raw_path and "/offre-emploi/" in raw_path:
                body = _strip_title(body)
            return status, ctype, body, headers

        server.handle = handle
        outcome = crawl(config, db_url, ["replica_pep"], full_refresh=True)["pep"]
        sc.malformed = {"outcome": outcome, "url": target.url, "reference": target.reference}
    return sc


def _changes(engine) -> list[dict[str, Any]]:
    from storage.db import session
    from storage.models import Change

    with session(engine) as s:
        return [{"entity": c.entity, "entity_id": c.entity_id, "field": c.field, "old": c.old_value,
                 "new": c.new_value, "run_id": c.run_id} for c in s.scalars(select(Change))]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def scenario(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replica")
    drop = None
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp / 'catalogue.db'}"
    else:
        from pgdb import fresh_pg_database

        db_url, drop = fresh_pg_database(request.getfixturevalue("pg_server_url"))
    sc = run_scenario(db_url, tmp)
    yield sc
    sc.engine.dispose()
    if drop:
        drop()


def _as_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


# ------------------------------------------------------------------------------- first crawl
def test_every_crawl_succeeds_with_the_quirks_counted(scenario):
    q = scenario.quirks
    assert {k: o.status for k, o in scenario.first.items()} == dict.fromkeys(NAMES, "succeeded")
    assert q["pep_gone"] + q["api_gone"] + q["no_jsonld"] > 0  # the quirks are exercised
    assert scenario.first["pep"].counters["not_found"] == q["pep_gone"]
    assert scenario.first["api"].counters["not_found"] == q["api_gone"]
    assert scenario.first["jobposting"].counters["non_offer_pages"] == 2 + q["no_jsonld"]
    assert scenario.first_requests["api"].get("rate_limited", 0) > 0  # 429s were answered, and waited out


def test_every_posting_equals_the_ground_truth(scenario):
    expected = scenario.expected
    got = scenario.first_postings
    assert set(got) == set(expected)
    for key, truth in expected.items():
        row = got[key]
        assert row["is_digital"] == truth["is_digital"], key
        fields = RECORD if row["detail_fetched"] else ("title", "employer", "category", "published_at")
        if not truth["is_digital"]:
            fields = tuple(f for f in fields if f != "job_family")
        mismatches = {f: (_as_text(row[f]), truth[f]) for f in fields if _as_text(row[f]) != truth[f]}
        assert not mismatches, f"{key}: (crawled, truth) {mismatches}"


def test_the_catalogue_has_one_offer_per_real_job(scenario):
    postings = scenario.first_postings
    offer_of = {k: v["offer_id"] for k, v in postings.items() if v["is_digital"]}
    assert all(offer_of.values())
    assert all(v["offer_id"] is None for v in postings.values() if not v["is_digital"])
    for a, b in scenario.duplicate_pairs:
        if a in offer_of and b in offer_of:
            assert offer_of[a] == offer_of[b], f"{a} and {b} are the same job"
    for a, b in scenario.near_miss_pairs:
        if a in offer_of and b in offer_of:
            assert offer_of[a] != offer_of[b], f"{a} and {b} are different jobs"
    truth_of = scenario.offer_key
    jobs_per_offer: dict[str, set[str]] = {}
    for key, offer in offer_of.items():
        jobs_per_offer.setdefault(offer, set()).add(truth_of[key])
    assert all(len(jobs) == 1 for jobs in jobs_per_offer.values())


def test_offer_status_and_sources_follow_the_contract(scenario):
    offers = scenario.first_offers
    postings = scenario.first_postings
    today = paris_today().isoformat()
    for offer in offers.values():
        deadline = offer["deadline"] and str(offer["deadline"])[:10]
        assert offer["status"] == ("expired" if deadline and deadline < today else "active")
        members = [k for k, v in postings.items() if v["offer_id"] == offer["id"]]
        assert sorted((s["source"], s["reference"]) for s in offer["sources"]) == \
            sorted((NAMES[k], ref) for k, ref in members)
        assert all(s["url"].startswith("http://127.0.0.1:") for s in offer["sources"])
        assert offer["description"] and "<script" not in (offer["description_html"] or "")


def test_the_report_of_the_crawl_has_each_chart_and_the_right_totals(scenario):
    import lxml.html

    doc = lxml.html.fromstring(scenario.first_report)
    active = [o for o in scenario.first_offers.values() if o["status"] == "active"]

    def total(key: str) -> int:
        return int(doc.get_element_by_id(f"total-{key}").get("data-value"))

    def bars(chart: str) -> dict[str, int]:
        cells = doc.get_element_by_id(chart).xpath(".//table//tbody//tr")
        return {row.xpath("string(td[1])").strip(): int(row.xpath("string(td[2])").strip().replace("\u202f", "")
                                                           .replace("\xa0", "").replace(" ", ""))
                for row in cells}

    assert total("total") == total("active") == len(active)
    assert total("expired") == len(scenario.first_offers) - len(active)
    # the report shows the active catalogue (as `export` does by default)
    assert total("postings") == sum(len(o["sources"]) for o in active)
    assert total("merged") == sum(1 for o in active if len(o["sources"]) > 1)
    for chart in ("chart-weeks", "chart-regions", "chart-job-families", "chart-sources", "chart-source-pairs"):
        assert doc.get_element_by_id(chart).xpath(".//svg"), chart
    families: dict[str, int] = {}
    for o in active:
        families[o["job_family"]] = families.get(o["job_family"], 0) + 1
    assert bars("chart-job-families") == families
    per_source: dict[str, int] = {}
    for o in active:
        for name in {s["source"] for s in o["sources"]}:
            per_source[name] = per_source.get(name, 0) + 1
    assert bars("chart-sources") == per_source


# ------------------------------------------------------------------------------- second crawl
def test_an_unchanged_replica_is_recrawled_without_detail_requests(scenario):
    assert {k: o.status for k, o in scenario.second.items()} == dict.fromkeys(NAMES, "succeeded")
    for kind, routes in scenario.second_requests.items():
        assert routes.get("detail", 0) == 0, (kind, routes)
    for kind, outcome in scenario.second.items():
        assert outcome.counters["items_new"] == 0 and outcome.counters["items_updated"] == 0, kind
        assert outcome.counters["items_seen"] == scenario.first[kind].counters["items_seen"], kind
    assert scenario.second["pep"].counters["detail_skipped"] > 0


def test_a_recrawl_is_idempotent_and_moves_last_seen(scenario):
    first, second = scenario.first_postings, scenario.second_postings
    assert set(first) == set(second)
    assert {k: v["offer_id"] for k, v in first.items()} == {k: v["offer_id"] for k, v in second.items()}
    assert set(scenario.first_offers) == set(scenario.second_offers)
    for key, row in second.items():
        assert {f: row[f] for f in RECORD} == {f: first[key][f] for f in RECORD}
        assert row["first_seen_at"] == first[key]["first_seen_at"]
        assert row["last_seen_at"] > first[key]["last_seen_at"], key
    # the catalogue record moves too (view catalogue_offers), every offer of a re-crawled source
    for oid, offer in scenario.second_offers.items():
        assert offer["first_seen_at"] == scenario.first_offers[oid]["first_seen_at"], oid
        assert offer["last_seen_at"] > scenario.first_offers[oid]["last_seen_at"], oid


# ------------------------------------------------------------------------------- changes
def test_changed_fields_are_updated_with_history_and_ids_stay(scenario):
    m = scenario.mutated
    pep, api = m["postings"][("pep", m["pep"])], m["postings"][("api", m["api"])]
    assert pep["title"] == "Architecte logiciel plateforme de données"
    assert (api["salary_min"], api["salary_max"]) == (m["api_salary"][0] + 1200, m["api_salary"][1] + 2400)
    assert pep["offer_id"] == scenario.second_postings[("pep", m["pep"])]["offer_id"]
    run_pep, run_api = scenario.third["pep"].run_id, scenario.third["api"].run_id
    changes = m["changes"]
    assert {"entity": "posting", "entity_id": str(pep["id"]), "field": "title", "old": m["pep_title"],
            "new": "Architecte logiciel plateforme de données", "run_id": run_pep} in changes
    assert any(c["entity"] == "posting" and c["entity_id"] == str(api["id"]) and c["field"] == "salary_max"
               and c["run_id"] == run_api for c in changes)
    assert any(c["entity"] == "offer" and c["entity_id"] == pep["offer_id"] and c["field"] == "title"
               for c in changes)
    assert scenario.third["pep"].counters["items_updated"] >= 1


def test_a_posting_gone_from_a_complete_listing_expires_its_offer(scenario):
    m = scenario.mutated
    gone = m["postings"][("jobposting", m["removed"])]
    assert gone["status"] == "gone"
    offer = m["offers"][gone["offer_id"]]
    assert offer["status"] == "expired"
    others = [k for k, v in m["postings"].items() if v["status"] == "gone"]
    assert others == [("jobposting", m["removed"])] or all(
        scenario.second_postings[k]["status"] == "gone" for k in others if k != ("jobposting", m["removed"]))


# ------------------------------------------------------------------------------- broken crawls
def test_failed_suspect_interrupted_and_unreachable_crawls_expire_nothing(scenario):
    b = scenario.broken
    assert b["failed"].status == "failed" and b["failed"].error_message
    assert b["suspect"].status == "suspect"
    assert b["interrupted"].status == "interrupted"
    assert b["unreachable"].status == "failed" and b["unreachable"].error_message
    newly_gone = {k for k, v in b["after"].items() if v["status"] == "gone" and b["before"][k]["status"] != "gone"}
    assert newly_gone == set()
    assert {k: v["offer_id"] for k, v in b["after"].items()} == {k: v["offer_id"] for k, v in b["before"].items()}


def test_a_malformed_page_is_rejected_with_its_url_and_the_run_succeeds(scenario):
    from storage.db import session
    from storage.runs import get_run

    outcome = scenario.malformed["outcome"]
    assert outcome.status == "succeeded"
    assert outcome.counters["items_rejected"] == 1
    with session(scenario.engine) as s:
        errors = get_run(s, outcome.run_id).errors
    assert any(scenario.malformed["url"] in (e.get("url") or "") for e in errors), errors
