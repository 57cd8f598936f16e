"""The replica server: routes, shapes (parsed like a spider would), quirks, counters, CLI."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest
from lxml import etree, html

from crawlers.replica.generator import generate
from crawlers.replica.server import ReplicaServer, replica_sources_toml
from helpers import http_get as get

SM = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def dataset():
    return generate(1300, seed=4)


@pytest.fixture()
def server(dataset):
    with ReplicaServer(dataset) as s:
        yield s


def test_pep_listing_pages_and_offer_page(server, dataset):
    base = server.base_urls["pep"]
    total = len(dataset.ordered("pep"))
    last = -(-total // 20)
    status, headers, body = get(f"{base}/nos-offres/filtres/domaine/3522/page/1/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    doc = html.fromstring(body)
    cards = doc.cssselect("ul.fr-grid-row > li.fr-col-12.item > div.fr-card.fr-card--horizontal.fr-card--offer")
    assert len(cards) == 20
    assert doc.cssselect("a.fr-pagination__link--next")[0].get("href").endswith("/page/2/")
    assert doc.cssselect(".block-alert") and doc.cssselect("#ParamsDataFilters")
    href = cards[0].cssselect("h3.fr-card__title > a")[0].get("href")
    assert href.startswith(base + "/offre-emploi/")
    status, _, body = get(f"{base}/nos-offres/filtres/domaine/3522/page/{last}/")
    doc = html.fromstring(body)
    assert len(doc.cssselect("div.fr-card--offer")) == total - 20 * (last - 1)
    nxt = doc.cssselect("a.fr-pagination__link--next")[0]
    assert nxt.get("href") is None and nxt.get("aria-disabled") == "true"
    status, _, body = get(href)
    page = html.fromstring(body)
    assert page.cssselect('link[rel="canonical"]')[0].get("href") == href
    labels = [li.cssselect("strong")[0].text for li in page.cssselect("ul.table > li.table-cell")]
    assert "Nature de l’emploi" in labels or "Catégorie" in labels
    assert page.cssselect("main.main-content-single-offer")[0].get("data-reference") in href


def _css_and_inputs(doc) -> tuple[set[str], set[str]]:
    main = doc.cssselect("main")[0]
    classes = {c for el in main.iter() if isinstance(el.tag, str) for c in (el.get("class") or "").split()}
    return classes, {i.get("name") for i in doc.cssselect("input[type=hidden]")}


def test_pep_offer_page_uses_the_sample_selectors(samples_dir: Path, dataset):
    from crawlers.replica import render as R

    sample = samples_dir / "pep/samples/offre-emploi/developpeur-back-end-python-hf-reference-2026-2561234/index.html"
    want_classes, want_inputs = _css_and_inputs(html.fromstring(sample.read_bytes()))
    got_classes, got_inputs = set(), set()
    for p in dataset.ordered("pep")[:80]:
        c, i = _css_and_inputs(html.fromstring(R.pep_offer(p, dataset, "http://h/pep").encode()))
        got_classes |= c
        got_inputs |= i
    assert want_classes - got_classes == set()
    assert want_inputs - got_inputs == set()


def test_jobposting_sitemaps_and_pages(server, dataset):
    base = server.base_urls["jobposting"]
    status, headers, body = get(f"{base}/sitemap.xml")
    assert status == 200 and "xml" in headers["Content-Type"]
    index = etree.fromstring(body)
    assert index.tag.endswith("sitemapindex")
    children = index.xpath("//sm:sitemap/sm:loc/text()", namespaces=SM)
    urls = []
    for child in children:
        urls += etree.fromstring(get(child)[2]).xpath("//sm:url/sm:loc/text()", namespaces=SM)
    assert len(urls) == len(dataset.ordered("jobposting")) + 2
    offer = next(u for u in urls if "/emploi/" in u)
    doc = html.fromstring(get(offer)[2])
    scripts = [s.text_content().strip("\ufeff \n") for s in doc.xpath('//script[@type="application/ld+json"]')]
    assert any('"JobPosting"' in s or "JobPosting" in json.dumps(json.loads(s)) for s in scripts)
    home = html.fromstring(get(f"{base}/")[2])
    assert "WebSite" in home.xpath('//script[@type="application/ld+json"]')[0].text
    assert not html.fromstring(get(f"{base}/a-propos/")[2]).xpath('//script[@type="application/ld+json"]')


def test_feed_window_and_pages(dataset):
    with ReplicaServer(dataset, feed_window=7) as s:
        status, headers, body = get(f"{s.base_urls['feed']}/offres/rss.xml")
        assert status == 200 and "rss" in headers["Content-Type"]
        rss = etree.fromstring(body)
        items = rss.xpath("//item")
        assert len(items) == 7
        # category, domain, contract; and the versant when the item states it
        for item in items:
            terms = [c.text for c in item.xpath("category")]
            assert len(terms) == 3 or terms[3:] == ["Fonction publique territoriale"], terms
        assert items[0].xpath("guid/@isPermaLink") == ["false"]
        page = html.fromstring(get(items[0].findtext("link"))[2])
        assert page.cssselect("article.offre h1") and page.cssselect("dl.offre-infos dt")
        assert page.cssselect("div.offre-description") and page.cssselect("dl.coordonnees")
    with ReplicaServer(dataset, feed_window=0) as s:
        rss = etree.fromstring(get(f"{s.base_urls['feed']}/offres/rss.xml")[2])
        assert len(rss.xpath("//item")) == len(dataset.ordered("feed"))


def test_api_pages_sorted_and_details(server, dataset):
    base = server.base_urls["api"]
    status, headers, body = get(f"{base}/api/v1/offers?page=1&per_page=50")
    assert status == 200 and headers["Content-Type"] == "application/json"
    doc = json.loads(body)
    total = len(dataset.ordered("api"))
    assert doc["meta"] == {"page": 1, "per_page": 50, "total": total, "total_pages": -(-total // 50)}
    stamps = [d["updated_at"] for d in doc["data"]]
    assert stamps == sorted(stamps, reverse=True)
    detail = json.loads(get(f"{base}/api/v1/offers/{doc['data'][0]['id']}")[2])
    assert {"organization", "location", "salary", "closing_date", "description_html"} <= set(detail)


def test_quirks_404_429_fail_and_stats(dataset):
    gone = next(p for p in dataset.ordered("pep") if p.quirk == "gone")
    with ReplicaServer(dataset, detail_404=True, rate_limit_every=3, fail=("feed",)) as s:
        assert get(s.base_urls["pep"] + gone.url)[0] == 404
        codes = [get(f"{s.base_urls['api']}/api/v1/offers?page=1")[0] for _ in range(6)]
        assert codes == [200, 200, 429, 200, 200, 429]
        answers = [get(f"{s.base_urls['api']}/api/v1/offers?page=1") for _ in range(3)]
        assert answers[0][1].get("Retry-After") is None
        assert answers[2][0] == 429 and answers[2][1]["Retry-After"] == "1"
        assert get(f"{s.base_urls['feed']}/offres/rss.xml")[0] == 500
        stats = json.loads(get(f"{s.root_url}/__stats")[2])
        assert stats == s.stats()
        assert stats["api"]["listing"] == 6 and stats["api"]["rate_limited"] == 3
        assert stats["pep"] == {"not_found": 1} and stats["feed"] == {"failed": 1}
        s.reset_stats()
        assert s.stats() == {}
    with ReplicaServer(dataset) as s:
        assert get(s.base_urls["pep"] + gone.url)[0] == 200
        assert get(f"{s.root_url}/robots.txt")[2].startswith(b"User-agent: *")


def test_mutations_move_listing_fields():
    ds = generate(120, seed=9)
    with ReplicaServer(ds) as s:
        api = ds.ordered("api")[-1]
        ds.update("api", api.reference, salary_min=30000, salary_max=36000)
        first = json.loads(get(f"{s.base_urls['api']}/api/v1/offers?page=1")[2])["data"][0]
        assert first["id"] == api.api_id
        jp = ds.ordered("jobposting")[-1]
        ds.update("jobposting", jp.reference, deadline="2027-03-01")
        sitemap = get(f"{s.base_urls['jobposting']}/sitemaps/emplois.xml")[2].decode()
        assert sitemap.index(jp.url) < sitemap.index(ds.ordered("jobposting")[1].url)
        pep = ds.ordered("pep")[3]
        ds.update("pep", pep.reference, title="Titre modifié")
        listing = get(f"{s.base_urls['pep']}/nos-offres/filtres/domaine/3522/page/1/")[2].decode()
        assert "Titre modifié" in listing
        ds.remove("pep", pep.reference)
        assert get(s.base_urls["pep"] + pep.url)[0] == 404


def test_sources_toml_loads():
    text = replica_sources_toml({"pep": "http://127.0.0.1:1/pep", "feed": "http://127.0.0.1:1/feed"})
    doc = tomllib.loads(text)
    assert doc["sources"]["replica_pep"]["digital_only"] is True
    assert doc["sources"]["replica_feed"]["complete_listing"] is False
    assert doc["sources"]["replica_feed"]["download_delay"] == 0


def test_cli_rejects_bad_kinds(capsys):
    from catalogue.cli import main

    assert main(["replica", "serve", "--kinds", "pep,nope"]) == 2
    assert "unknown kind" in capsys.readouterr().err


def test_connections_not_yet_accepted_wait_in_the_backlog_instead_of_being_dropped(dataset):
    """Two crawls side by side open up to 2 × 16 connections at once: those the server has not
    accepted yet must queue (with the standard library's backlog of 5 the kernel dropped
    them, and each waited a second for TCP to retry)."""
    import socket

    with ReplicaServer(dataset) as s:
        s._httpd.shutdown()  # accepts nothing more; its socket still listens
        connections: list[socket.socket] = []
        try:
            for _ in range(40):  # a dropped attempt would hang here, then time out
                connections.append(socket.create_connection(("127.0.0.1", s.port), timeout=5))
        finally:
            for conn in connections:
                conn.close()
    assert len(connections) == 40
