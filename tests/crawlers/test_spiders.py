"""Spider callbacks on Scrapy responses built from the sample files (crawl_kit.SampleEngine):
which URLs are requested, what is yielded, the incremental skips, and the failure rules."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from crawl_kit import BASE_URLS, by_type, catalogue_stats, make_spider, source_config
from expected_tables import record_rows

from crawlers.items import GonePosting, NotOfferPage, RawPosting, SeenPosting


def _known(items, *, offer=True):
    return {i.listing_ref: {"reference": getattr(i, "reference", None), "listing_key": i.listing_key, "offer": offer}
            for i in items}


# ---------------------------------------------------------------------------- pep
def test_pep_walks_two_listing_pages_and_reads_the_8_sample_offers(engine_for, samples_dir):
    spider = make_spider("pep")
    engine = engine_for("pep")
    items = by_type(engine.run(spider))
    base = BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/"
    assert engine.requests[:2] == [base + "1/", base + "2/"] or (base + "2/") in engine.requests
    assert sum(1 for u in engine.requests if "/nos-offres/" in u) == 2
    assert len(engine.requests) == 27
    raws = items[RawPosting]
    expected = {r["reference"] for r in record_rows(samples_dir / "pep" / "EXPECTED.md")}
    assert {r.reference for r in raws} == expected
    for raw in raws:
        assert raw.listing_ref == raw.reference and raw.listing_key and raw.fetched_at
        assert raw.url.startswith(BASE_URLS["pep"] + "/offre-emploi/")
    gone = items[GonePosting]
    assert len(gone) == 17 and all(g.reference and g.http_status == 404 for g in gone)
    assert not {g.reference for g in gone} & expected
    assert catalogue_stats(spider) == {"listing_pages": 2, "detail_pages": 8, "not_found": 17}
    assert spider.catalogue_errors == []


def test_pep_links_are_rebased_on_a_local_base_url_but_items_keep_published_urls(engine_for):
    source = source_config("pep", base_url="http://127.0.0.1:9/pep")
    spider = make_spider("pep", source)
    engine = engine_for("pep", prefix="/pep")
    items = by_type(engine.run(spider))
    assert all(u.startswith("http://127.0.0.1:9/pep/") for u in engine.requests)
    assert "http://127.0.0.1:9/pep/nos-offres/filtres/domaine/3522/page/2/" in engine.requests
    assert len(items[RawPosting]) == 8
    assert all(r.url.startswith("https://choisirleservicepublic.gouv.fr/offre-emploi/") for r in items[RawPosting])
    assert all(g.url.startswith("https://choisirleservicepublic.gouv.fr/") for g in items[GonePosting])
    assert spider.allowed_domains == ["127.0.0.1"]


def test_pep_incremental_crawl_skips_unchanged_cards(engine_for):
    first = by_type(engine_for("pep").run(make_spider("pep")))
    known = _known(first[RawPosting])
    changed = first[RawPosting][0]
    known[changed.listing_ref]["listing_key"] = "an older card"
    spider = make_spider("pep", known=known)
    engine = engine_for("pep")
    items = by_type(engine.run(spider))
    assert {s.reference for s in items[SeenPosting]} == {r.reference for r in first[RawPosting]} - {changed.reference}
    assert [r.reference for r in items[RawPosting]] == [changed.reference]
    assert catalogue_stats(spider)["detail_skipped"] == 7
    assert len(engine.requests) == 2 + 1 + 17  # listings, the changed card, the cards never stored
    seen = items[SeenPosting][0]
    assert seen.source == "pep" and seen.listing_key == known[seen.listing_ref]["listing_key"]


def test_full_refresh_fetches_everything_again(engine_for):
    first = by_type(engine_for("pep").run(make_spider("pep")))
    spider = make_spider("pep", known=_known(first[RawPosting]), full_refresh="true")
    items = by_type(engine_for("pep").run(spider))
    assert len(items[RawPosting]) == 8 and items[SeenPosting] == []
    assert "detail_skipped" not in catalogue_stats(spider)


def test_pep_listing_that_cannot_be_fetched_fails_the_run(engine_for):
    url = BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/2/"
    spider = make_spider("pep")
    items = by_type(engine_for("pep", overrides={url: (500, b"Erreur")}).run(spider))
    assert len(items[RawPosting]) == 7  # page 1's seven sample offers are still read
    assert catalogue_stats(spider)["listing_failed"] == 1
    assert spider.catalogue_errors == [{"url": url, "reason": "listing: HTTP 500"}]


def test_listing_page_without_cards_ends_the_walk(engine_for):
    url = BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/1/"
    page = b"""<html><body><ul class="fr-grid-row"><li class="fr-col-12 item"><div class="fr-card fr-card--offer">
        <h3 class="fr-card__title"><a>no link</a></h3></div></li></ul>
        <nav class="fr-pagination"><a class="fr-pagination__link--next" href="/page/2/">Suivante</a></nav></body></html>"""
    spider = make_spider("pep")
    engine = engine_for("pep", overrides={url: (200, page)})
    assert engine.run(spider) == []
    assert engine.requests == [url]
    assert catalogue_stats(spider) == {"listing_pages": 1, "parse_errors": 1}


def test_unreadable_offer_page_is_counted_and_a_known_posting_stays_seen(engine_for, monkeypatch):
    from crawlers.pages import pep as pep_pages

    first = by_type(engine_for("pep").run(make_spider("pep")))
    known = {k: {**v, "listing_key": "changed"} for k, v in _known(first[RawPosting]).items()}

    def broken(self, source, kind="pep"):
        raise RuntimeError("markup changed")

    monkeypatch.setattr(pep_pages.PepOfferPage, "to_raw", broken)
    spider = make_spider("pep", known=known)
    items = by_type(engine_for("pep").run(spider))
    assert items[RawPosting] == []
    assert len(items[SeenPosting]) == 8  # still listed: not gone
    stats = catalogue_stats(spider)
    assert stats["parse_errors"] == 8 and stats["detail_pages"] == 8
    assert spider.catalogue_errors[0]["reason"] == "extraction failed: RuntimeError: markup changed"


@pytest.mark.parametrize("error, level, traceback", [
    (ValueError("offer is not JSON"), "WARNING", False),   # the page is not what we expect: one line
    (RuntimeError("markup changed"), "ERROR", True),      # a bug: its traceback, once
])
def test_an_unreadable_page_is_logged_once(engine_for, monkeypatch, caplog, error, level, traceback):
    """A site serving garbage used to log each page twice, with a 15-line traceback even for
    the page objects' own "not JSON" ValueError."""
    from crawlers.pages import pep as pep_pages

    def broken(self, source, kind="pep"):
        raise error

    monkeypatch.setattr(pep_pages.PepOfferPage, "to_raw", broken)
    spider = make_spider("pep")
    with caplog.at_level("INFO", logger="crawlers.spiders.base"):
        engine_for("pep").run(spider)
    records = [r for r in caplog.records if r.name == "crawlers.spiders.base" and r.levelno >= 30]
    assert len(records) == 8 and {r.levelname for r in records} == {level}
    assert all(bool(r.exc_info) is traceback for r in records)
    assert f"extraction failed: {type(error).__name__}: {error}" in records[0].getMessage()
    assert catalogue_stats(spider)["parse_errors"] == 8


def test_offer_page_without_title_is_a_parse_error(engine_for):
    url = BASE_URLS["pep"] + "/offre-emploi/developpeur-back-end-python-hf-reference-2026-2561234/"
    spider = make_spider("pep")
    items = by_type(engine_for("pep", overrides={url: (200, b"<html><body><main>vide</main></body></html>")}).run(spider))
    assert "2026-2561234" not in {r.reference for r in items[RawPosting]}
    assert catalogue_stats(spider)["parse_errors"] == 1
    assert {"url": url, "reason": "no title found"} in spider.catalogue_errors


def test_detail_download_failure_is_counted_not_fatal(engine_for):
    url = BASE_URLS["pep"] + "/offre-emploi/data-engineer-fh-reference-2026-2552377/"
    spider = make_spider("pep")
    items = by_type(engine_for("pep", overrides={url: (503, b"busy")}).run(spider))
    assert len(items[RawPosting]) == 7
    stats = catalogue_stats(spider)
    assert stats["detail_failed"] == 1 and "listing_failed" not in stats
    assert {"url": url, "reason": "detail: HTTP 503"} in spider.catalogue_errors


def test_gone_page_answering_410(engine_for):
    url = BASE_URLS["pep"] + "/offre-emploi/data-engineer-fh-reference-2026-2552377/"
    spider = make_spider("pep")
    items = by_type(engine_for("pep", overrides={url: (410, b"")}).run(spider))
    gone = [g for g in items[GonePosting] if g.http_status == 410]
    assert [(g.reference, g.url, g.listing_ref) for g in gone] == [("2026-2552377", url, "2026-2552377")]


# ---------------------------------------------------------------------------- jobposting
def test_jobposting_reads_the_sitemap_index_and_skips_non_offer_pages(engine_for, samples_dir):
    spider = make_spider("jobposting")
    engine = engine_for("jobposting")
    items = by_type(engine.run(spider))
    assert {r.reference for r in items[RawPosting]} == \
        {r["reference"] for r in record_rows(samples_dir / "jobposting" / "EXPECTED.md")}
    for raw in items[RawPosting]:
        assert raw.listing_ref == raw.url  # the <loc> as published = the canonical URL here
        assert raw.listing_key.startswith("2026-")  # <lastmod>
    assert sorted(p.url for p in items[NotOfferPage]) == [BASE_URLS["jobposting"] + "/", BASE_URLS["jobposting"] + "/a-propos/"]
    assert {p.reason for p in items[NotOfferPage]} == {"no JobPosting"}
    assert catalogue_stats(spider) == {"listing_pages": 3, "detail_pages": 8, "non_offer_pages": 2}


def test_jobposting_incremental_skips_known_offers_and_known_non_offer_pages(engine_for):
    first = by_type(engine_for("jobposting").run(make_spider("jobposting")))
    known = {**_known(first[RawPosting]),
             **{p.url: {"reference": None, "listing_key": p.listing_key, "offer": False} for p in first[NotOfferPage]}}
    spider = make_spider("jobposting", known=known)
    engine = engine_for("jobposting")
    items = by_type(engine.run(spider))
    assert len(items[SeenPosting]) == 6 and items[NotOfferPage] == [] and items[RawPosting] == []
    assert len(engine.requests) == 3  # the three sitemaps only
    stats = catalogue_stats(spider)
    assert stats["detail_skipped"] == 8 and stats["non_offer_skipped"] == 2


def test_jobposting_without_identifier_uses_its_url(engine_for):
    url = BASE_URLS["jobposting"] + "/emploi/designer-ux-ui-cour-des-comptes/"
    body = b'<html><script type="application/ld+json">{"@type": "JobPosting", "title": "Designer"}</script></html>'
    items = by_type(engine_for("jobposting", overrides={url: (200, body)}).run(make_spider("jobposting")))
    assert [r.reference for r in items[RawPosting] if r.title == "Designer"] == [url]


@pytest.mark.parametrize("body", [b"<html>maintenance</html>", b"", b"\x1f\x8bnot gzip"])
def test_jobposting_sitemap_that_is_not_a_sitemap_fails_the_run(engine_for, body):
    url = BASE_URLS["jobposting"] + "/sitemap.xml"
    spider = make_spider("jobposting")
    assert engine_for("jobposting", overrides={url: (200, body)}).run(spider) == []
    assert catalogue_stats(spider)["listing_failed"] == 1


def test_gzipped_urlset(engine_for, samples_dir):
    import gzip

    url = BASE_URLS["jobposting"] + "/sitemap.xml"
    body = gzip.compress((samples_dir / "jobposting" / "samples" / "sitemaps" / "emplois.xml").read_bytes())
    items = by_type(engine_for("jobposting", overrides={url: (200, body)}).run(make_spider("jobposting")))
    assert len(items[RawPosting]) == 6 and items[NotOfferPage] == []


# ---------------------------------------------------------------------------- feed
def test_feed_fetches_only_the_digital_items_pages(engine_for, samples_dir):
    spider = make_spider("feed")
    engine = engine_for("feed")
    items = by_type(engine.run(spider))
    rows = {r["reference"]: r for r in record_rows(samples_dir / "feed" / "EXPECTED.md")}
    raws = items[RawPosting]
    assert {r.reference for r in raws} == set(rows)
    fetched = {r.reference for r in raws if r.detail_fetched}
    assert fetched == {ref for ref, row in rows.items() if row["digital"] == "yes"}
    assert len(engine.requests) == 1 + 6  # the feed and the 6 digital pages: no 404 for the others
    assert items[GonePosting] == []
    for raw in raws:
        assert raw.listing_ref == raw.reference and raw.listing_key == raw.published
        assert (raw.location is not None) == raw.detail_fetched
    stats = catalogue_stats(spider)
    assert stats == {"listing_pages": 1, "detail_pages": 6, "not_fetched": 6}


def test_digital_only_feed_fetches_every_page(engine_for):
    spider = make_spider("feed", source_config("feed", digital_only=True))
    items = by_type(engine_for("feed").run(spider))
    assert len(items[RawPosting]) == 6 and len(items[GonePosting]) == 6  # the 6 pages not in the samples


def test_feed_incremental_and_not_a_feed(engine_for):
    first = by_type(engine_for("feed").run(make_spider("feed")))
    known = _known([r for r in first[RawPosting] if r.detail_fetched])
    spider = make_spider("feed", known=known)
    engine = engine_for("feed")
    items = by_type(engine.run(spider))
    assert len(items[SeenPosting]) == 6 and all(not r.detail_fetched for r in items[RawPosting])
    assert engine.requests == [BASE_URLS["feed"] + "/offres/rss.xml"]
    url = BASE_URLS["feed"] + "/offres/rss.xml"
    broken = make_spider("feed")
    assert engine_for("feed", overrides={url: (200, b"<html>oops</html>")}).run(broken) == []
    assert catalogue_stats(broken)["listing_failed"] == 1


def test_atom_feed_entries_are_postings_without_page_fetch(engine_for):
    from crawl_kit import DATA

    source = source_config("feed", entry_path="/jobs.xml", name="beta_gouv")
    url = BASE_URLS["feed"] + "/jobs.xml"
    spider = make_spider("feed", source)
    engine = engine_for("feed", overrides={url: (200, (DATA / "jobs.xml").read_bytes())})
    items = by_type(engine.run(spider))
    assert engine.requests == [url]
    assert [r.title for r in items[RawPosting]] == [
        "Développeur·se fullstack", "Product Owner, Coach·e produit", "Designer UX/UI & accessibilité"]
    assert all(r.detail_fetched and r.source == "beta_gouv" and r.listing_key for r in items[RawPosting])


# ---------------------------------------------------------------------------- api
def test_api_walks_total_pages_then_details(engine_for, samples_dir):
    spider = make_spider("api")
    engine = engine_for("api")
    items = by_type(engine.run(spider))
    lists = [u for u in engine.requests if "page=" in u]
    assert lists == [BASE_URLS["api"] + f"/api/v1/offers?page={n}&per_page=50" for n in (1, 2)]
    assert {r.reference for r in items[RawPosting]} == \
        {r["reference"] for r in record_rows(samples_dir / "api" / "EXPECTED.md")}
    for raw in items[RawPosting]:
        assert raw.listing_ref == raw.reference and raw.listing_key == raw.extra["updated_at"]
    assert catalogue_stats(spider) == {"listing_pages": 2, "detail_pages": 9}


def test_api_detail_404_is_gone_and_incremental_skip(engine_for):
    url = BASE_URLS["api"] + "/api/v1/offers/48213"
    spider = make_spider("api")
    items = by_type(engine_for("api", overrides={url: (404, b'{"error": "not found"}')}).run(spider))
    assert [(g.reference, g.url) for g in items[GonePosting]] == [("MEN-2026-011482", url)]
    assert len(items[RawPosting]) == 8 and catalogue_stats(spider)["not_found"] == 1
    again = make_spider("api", known=_known(items[RawPosting]))
    engine = engine_for("api")
    second = by_type(engine.run(again))
    assert len(second[SeenPosting]) == 8 and [r.reference for r in second[RawPosting]] == ["MEN-2026-011482"]
    assert engine.requests[-1] == url


def test_api_without_total_pages_walks_until_an_empty_page(engine_for, samples_dir):
    folder = samples_dir / "api" / "samples" / "api" / "v1" / "offers"
    base = BASE_URLS["api"] + "/api/v1/offers?page={}&per_page=50"
    pages = {n: json.loads((folder / f"page-{n}.json").read_text()) for n in (1, 2)}
    overrides = {base.format(n): (200, json.dumps({"data": pages[n]["data"]}).encode()) for n in (1, 2)}
    overrides[base.format(3)] = (200, b'{"data": []}')
    engine = engine_for("api", overrides=overrides)
    items = by_type(engine.run(make_spider("api")))
    assert len(items[RawPosting]) == 9
    assert [u for u in engine.requests if "page=" in u] == [base.format(n) for n in (1, 2, 3)]


@pytest.mark.parametrize("status, body, reason", [
    (500, b"Erreur", "listing: HTTP 500"),
    (200, b"<html>maintenance</html>", None),
])
def test_api_list_failure(engine_for, status, body, reason):
    url = BASE_URLS["api"] + "/api/v1/offers?page=1&per_page=50"
    spider = make_spider("api")
    assert engine_for("api", overrides={url: (status, body)}).run(spider) == []
    assert catalogue_stats(spider)["listing_failed"] == 1
    assert spider.catalogue_errors[0]["url"] == url
    if reason:
        assert spider.catalogue_errors[0]["reason"] == reason


# ---------------------------------------------------------------------------- arguments
def test_spider_arguments():
    from crawlers.spiders.api import ApiSpider

    with pytest.raises(ValueError):
        ApiSpider(source_config=None)
    spider = make_spider("api", known=None, full_refresh="0")
    assert spider.known == {} and spider.full_refresh is False
    source = replace(source_config("api"), base_url="https://recrutement.education.gouv.fr")
    assert make_spider("api", source).source is source


def test_runner_finds_each_spider_by_kind():
    from pipeline.runner import spider_class

    for kind in ("pep", "jobposting", "feed", "api"):
        cls = spider_class(kind)
        assert cls.name == kind and cls.__module__ == f"crawlers.spiders.{kind}"


def test_error_list_is_capped():
    from crawlers.spiders.base import MAX_ERRORS

    spider = make_spider("pep")
    for i in range(MAX_ERRORS + 5):
        spider.parse_error(f"https://x/{i}", "boom")
    assert len(spider.catalogue_errors) == MAX_ERRORS
    assert catalogue_stats(spider)["parse_errors"] == MAX_ERRORS + 5


def test_relative_and_non_web_sitemap_locations_do_not_end_the_listing(engine_for):
    """The sitemap protocol wants absolute <loc>s; a site writing "/emploi/x/" or a mailto:
    made the listing callback raise (Scrapy refuses such URLs), losing the rest of the sitemap."""
    url = BASE_URLS["jobposting"] + "/sitemap.xml"
    body = (b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            b"<url><loc>/emploi/a/</loc><lastmod>2026-11-20</lastmod></url>"
            b"<url><loc>mailto:rh@example.org</loc></url></urlset>")
    spider = make_spider("jobposting")
    engine = engine_for("jobposting", overrides={url: (200, body)})
    engine.run(spider)
    assert engine.requests == [url, BASE_URLS["jobposting"] + "/emploi/a/"]
    assert spider.rebase("emploi/b/") == BASE_URLS["jobposting"] + "/emploi/b/"
    # a link that is not a web page is a parse error, not the end of the listing
    assert catalogue_stats(spider)["parse_errors"] == 1 and "listing_failed" not in catalogue_stats(spider)
    assert spider.catalogue_errors[0]["url"] == "mailto:rh@example.org"
