"""End to end on the replica's Atom feed (the feed kind's beta.gouv.fr variant).

The replica serves ``/feed/jobs.xml`` next to the RSS feed; ``replica_sources_toml(...,
atom=True)`` adds its source ``replica_atom`` (kind ``feed``, ``feed_path = "/jobs.xml"``).
One crawl of it by ``pipeline.launch.launch_crawl`` (its own process, as ops run it) into
SQLite must store exactly the generator's ground truth (``Dataset.atom_expected``): each
entry a posting complete without any page fetch (title = the roles, employer = the startup,
the Paris publication date, no place, contract, salary or deadline), each its own offer.
A second crawl of the unchanged feed only marks the entries seen.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from crawlers.replica import data as D
from crawlers.replica.generator import generate, paris_today
from crawlers.replica.server import ReplicaServer, replica_sources_toml
from helpers import catalogue_offers

pytestmark = pytest.mark.e2e

RECORD = ("title", "employer", "ministry", "public_service", "category", "contract", "city", "department_code",
          "region", "remote", "salary_min", "salary_max", "published_at", "deadline", "job_family")
ENTRIES = 24


@dataclass
class AtomRun:
    base: str
    expected: dict[str, dict[str, Any]]
    links: dict[str, str]
    #: per entry: (its mission items and profile, its startup's presentation)
    texts: dict[str, tuple[list[str], str]] = field(default_factory=dict)
    first: Any = None
    first_requests: dict[str, dict[str, int]] = field(default_factory=dict)
    postings: dict[str, dict[str, Any]] = field(default_factory=dict)
    offers: dict[str, dict[str, Any]] = field(default_factory=dict)
    second: Any = None
    second_requests: dict[str, dict[str, int]] = field(default_factory=dict)
    second_postings: dict[str, dict[str, Any]] = field(default_factory=dict)


def _postings(engine) -> dict[str, dict[str, Any]]:
    from storage.db import session
    from storage.models import Posting

    with session(engine) as s:
        return {p.reference: {**{f: getattr(p, f) for f in RECORD}, "source": p.source, "url": p.url,
                              "offer_id": p.offer_id, "status": p.status, "is_digital": p.is_digital,
                              "detail_fetched": p.detail_fetched, "description": p.description,
                              "last_seen_at": p.last_seen_at}
                for p in s.scalars(select(Posting))}


@pytest.fixture(scope="module")
def atom_run(tmp_path_factory) -> AtomRun:
    from pipeline.launch import launch_crawl
    from storage.db import connect

    tmp: Path = tmp_path_factory.mktemp("replica_atom")
    db_url = f"sqlite:///{tmp / 'catalogue.db'}"
    engine = connect(db_url, auto_upgrade=True)
    dataset = generate(60, seed=41, today=paris_today(), atom_entries=ENTRIES)
    dataset.follow_clock = True
    with ReplicaServer(dataset) as server:
        config = tmp / "sources.toml"
        config.write_text(replica_sources_toml(server.base_urls, atom=True).replace(
            "concurrency = 8", "concurrency = 8\nautothrottle = false"), encoding="utf-8")
        base = server.base_urls["feed"]
        entries = dataset.atom_entries()
        run = AtomRun(base, dataset.atom_expected(base), {base + p.reference: base + p.url for p in entries})
        for p in entries:
            family = p.truth["job_family"]
            run.texts[base + p.reference] = ([*D.ATOM_MISSIONS[family], D.ATOM_PROFILES[family]], p.wording["pitch"])
        run.first = launch_crawl("replica_atom", config_path=str(config), db_url=db_url)
        run.first_requests = server.stats()
        run.postings, run.offers = _postings(engine), catalogue_offers(engine)
        server.reset_stats()
        time.sleep(1.1)  # timestamps have a one-second precision: let last_seen_at move
        run.second = launch_crawl("replica_atom", config_path=str(config), db_url=db_url)
        run.second_requests = server.stats()
        run.second_postings = _postings(engine)
    engine.dispose()
    return run


def _as_text(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def test_the_atom_crawl_succeeds_on_the_feed_alone(atom_run):
    assert atom_run.first.status == "succeeded", atom_run.first.error_message
    assert atom_run.first.counters["items_seen"] == atom_run.first.counters["items_new"] == ENTRIES
    # the entries hold their offers: the feed is the only request (no RSS, no page)
    assert atom_run.first_requests == {"feed": {"atom_listing": 1}}


def test_every_atom_posting_equals_the_ground_truth(atom_run):
    expected, got = atom_run.expected, atom_run.postings
    assert len(expected) == ENTRIES and set(got) == set(expected)
    for reference, truth in expected.items():
        row = got[reference]
        assert row["source"] == "replica_atom" and row["url"] == atom_run.links[reference]
        assert row["detail_fetched"] and row["is_digital"] == truth["is_digital"] is True
        mismatches = {f: (_as_text(row[f]), truth[f]) for f in RECORD if _as_text(row[f]) != truth[f]}
        assert not mismatches, f"{reference}: (crawled, truth) {mismatches}"
        # what the contract says of an Atom entry, whatever the generator says
        assert all(row[f] is None for f in ("city", "department_code", "region", "contract", "salary_min",
                                            "salary_max", "deadline", "ministry", "category"))
        assert " - Offre de " not in row["title"] and row["employer"] and row["description"]


def test_each_entry_is_its_own_active_offer_with_its_link(atom_run):
    offers, postings = atom_run.offers, atom_run.postings
    assert len(offers) == ENTRIES
    assert {p["offer_id"] for p in postings.values()} == set(offers)
    for offer in offers.values():
        assert offer["status"] == "active" and offer["deadline"] is None
        [source] = offer["sources"]
        assert source["source"] == "replica_atom" and source["url"] == atom_run.links[source["reference"]]
        truth = atom_run.expected[source["reference"]]
        assert (offer["title"], offer["employer"], offer["job_family"]) == \
            (truth["title"], truth["employer"], truth["job_family"])
        assert str(offer["published_at"])[:10] == truth["published_at"]
        assert offer["city"] is None and offer["region"] is None
        assert offer["description"] and "<script" not in (offer["description_html"] or "")


def test_an_unchanged_atom_feed_is_recrawled_as_seen(atom_run):
    second = atom_run.second
    assert second.status == "succeeded", second.error_message
    assert second.counters["items_new"] == 0 and second.counters["items_updated"] == 0
    assert second.counters["items_seen"] == ENTRIES
    assert atom_run.second_requests == {"feed": {"atom_listing": 1}}
    assert {k: v["offer_id"] for k, v in atom_run.second_postings.items()} == \
        {k: v["offer_id"] for k, v in atom_run.postings.items()}
    for reference, row in atom_run.second_postings.items():
        assert {f: row[f] for f in RECORD} == {f: atom_run.postings[reference][f] for f in RECORD}
        assert row["last_seen_at"] > atom_run.postings[reference]["last_seen_at"]


def test_the_atom_description_is_the_missions_and_the_profile(atom_run):
    for reference, row in atom_run.postings.items():
        kept, presentation = atom_run.texts[reference]
        assert all(text in row["description"] for text in kept), reference
        assert presentation not in row["description"] and "recrutement@beta.gouv.fr" not in row["description"]
