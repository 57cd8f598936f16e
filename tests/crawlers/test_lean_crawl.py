"""What makes a crawl cheap without changing what it reads (bench/RESULTS.md, "Crawl"):

* the lean Scrapy component set of ``crawlers/settings.py`` — what is off, and that the
  components the real sites need (robots.txt, offsite, retries, redirects, compression,
  timeouts, proxies, download stats) are still on;
* the opt-in page-reading worker (``page_workers``): a page read in a worker gives the very
  items a page read in the crawl process gives, and a dead worker does not stop the crawl;
* the pep listing requested all at once from the first page's pagination, each page once;
* ``parse_html`` handing a decoded page to libxml2 as UTF-8 whatever it declares.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path

import pytest
import scrapy
from crawl_kit import (
    BASE_URLS,
    by_type,
    make_spider,
    response_for,
    sample_path,
    source_config,
)
from scrapy.http import HtmlResponse
from scrapy.utils.conf import build_component_list
from scrapy.utils.test import get_crawler

from crawlers.config import ConfigError, parse_config
from crawlers.items import RawPosting
from crawlers.pages import parse_html, text_of
from crawlers.pages.pep import PepListingPage
from crawlers.settings import build_settings, page_workers
from crawlers.spiders.base import ENTRY, ListingEntry
from crawlers.spiders.pep import PepSpider
from crawlers.spiders.workers import PageReader, WorkerDiedError

CONFIG = parse_config({
    "settings": {"user_agent": "CatalogueBot/1 (contact: catalogue@example.gouv.fr)"},
    "sources": {
        "pep": {"kind": "pep", "base_url": "https://choisirleservicepublic.gouv.fr"},
        "fast": {"kind": "pep", "base_url": "http://127.0.0.1:8000/pep", "download_delay": 0, "page_workers": 1},
    },
})


# ---------------------------------------------------------------------------- settings
def _enabled(settings: dict, name: str) -> list[str]:
    """The component paths Scrapy will load for setting ``name`` (its _BASE merged in)."""
    from scrapy.settings import Settings

    return build_component_list(Settings(settings).getwithbase(name))


KEPT_DOWNLOADER = ["robotstxt.RobotsTxtMiddleware", "offsite.OffsiteMiddleware", "retry.RetryMiddleware",
                   "redirect.RedirectMiddleware", "httpcompression.HttpCompressionMiddleware",
                   "downloadtimeout.DownloadTimeoutMiddleware", "useragent.UserAgentMiddleware",
                   "httpproxy.HttpProxyMiddleware", "stats.DownloaderStats", "defaultheaders.DefaultHeadersMiddleware"]
DROPPED_DOWNLOADER = ["cookies.CookiesMiddleware", "httpauth.HttpAuthMiddleware", "redirect.MetaRefreshMiddleware"]


@pytest.mark.parametrize(("component", "enabled"), [(c, True) for c in KEPT_DOWNLOADER]
                         + [(c, False) for c in DROPPED_DOWNLOADER])
def test_downloader_middlewares_of_a_crawl(component, enabled):
    loaded = _enabled(build_settings(CONFIG, CONFIG.source("pep")), "DOWNLOADER_MIDDLEWARES")
    assert (f"scrapy.downloadermiddlewares.{component}" in loaded) is enabled
    assert "crawlers.middlewares.RetryAfterMiddleware" in loaded


@pytest.mark.parametrize(("component", "enabled"), [
    ("httperror.HttpErrorMiddleware", True), ("start.StartSpiderMiddleware", True),
    ("referer.RefererMiddleware", True),  # RedirectMiddleware relies on it for the Referer of redirects
    ("depth.DepthMiddleware", False), ("urllength.UrlLengthMiddleware", False),
    ("metacopy.MetaCopyDetectionMiddleware", False),
])
def test_spider_middlewares_of_a_crawl(component, enabled):
    loaded = _enabled(build_settings(CONFIG, CONFIG.source("pep")), "SPIDER_MIDDLEWARES")
    assert (f"scrapy.spidermiddlewares.{component}" in loaded) is enabled


@pytest.mark.parametrize(("extension", "enabled"), [
    ("corestats.CoreStats", True),        # finish_reason, which the run status is made of
    ("closespider.CloseSpider", True),    # the time limit
    ("logstats.LogStats", True), ("memusage.MemoryUsage", True),
    ("telnet.TelnetConsole", False), ("remote_control.RemoteControl", False),
    ("feedexport.FeedExporter", False), ("spiderstate.SpiderState", False),
])
def test_extensions_of_a_crawl(extension, enabled):
    loaded = _enabled(build_settings(CONFIG, CONFIG.source("pep")), "EXTENSIONS")
    assert (f"scrapy.extensions.{extension}" in loaded) is enabled


def test_per_item_overheads_are_off():
    s = build_settings(CONFIG, CONFIG.source("pep"))
    assert s["CONCURRENT_ITEMS"] == 1
    assert s["WARN_ON_GENERATOR_RETURN_VALUE"] is False and s["REMOTE_CONTROL_ENABLED"] is False


@pytest.mark.parametrize(("source", "workers"), [("pep", 0), ("fast", 1)])
def test_page_workers_only_when_a_source_asks(source, workers):
    assert page_workers(CONFIG.source(source)) == workers
    assert build_settings(CONFIG, CONFIG.source(source))["CATALOGUE_PAGE_WORKERS"] == workers


@pytest.mark.parametrize("value", ["many", -2, 1.5, True])
def test_a_bad_page_workers_value_is_a_configuration_error(value):
    """It was read as 0 workers, silently; the configuration now refuses it (one line)."""
    with pytest.raises(ConfigError, match=r"\[sources.bad\] page_workers must be"):
        parse_config({"sources": {"bad": {"kind": "api", "base_url": "http://x", "page_workers": value}}})


# ---------------------------------------------------------------------------- parse_html
@pytest.mark.parametrize(("page", "text"), [
    ('<html><head><meta charset="iso-8859-1"></head><body><p>é € ’</p></body></html>', "é € ’"),
    ('<?xml version="1.0" encoding="iso-8859-1"?><html><body><p>é €</p></body></html>', "é €"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>Qualité</p>', "Qualité"),
    ("\ufeff<p>avec BOM é</p>", "avec BOM é"),
    ("<p>lone surrogate \ud800 kept out</p>", "lone surrogate ? kept out"),
    ("<p>cassé</p>".encode("iso-8859-1").replace(b"<p>", b'<meta charset="iso-8859-1"><p>'), "cassé"),
    ("   ", None),
    ("", None),
    (None, None),
])
def test_parse_html_reads_a_decoded_page_whatever_it_declares(page, text):
    doc = parse_html(page)
    assert text_of(doc.find(".//p")) == text


# ---------------------------------------------------------------------------- pep listing walk
PAGE = """<html><body><ul class="fr-grid-row"><li class="fr-col-12 item"><div class="fr-card fr-card--offer">
  <h3 class="fr-card__title"><a href="/offre-emploi/dev-reference-2026-{n}000001/">Dev {n}</a></h3></div></li></ul>
  <nav class="fr-pagination"><ul class="fr-pagination__list">
    <li><a class="fr-pagination__link" href="/nos-offres/filtres/domaine/3522/page/1/" title="Page 1">1</a></li>
    <li><a class="fr-pagination__link" aria-current="page">{n}</a></li>
    <li><a class="fr-pagination__link" href="/nos-offres/filtres/domaine/3522/page/{last}/">{last}</a></li>
    {next}</ul></nav></body></html>"""
NEXT = '<li><a class="fr-pagination__link fr-pagination__link--next" href="/nos-offres/filtres/domaine/3522/page/{m}/">Suivante</a></li>'


def _listing(n: int, last: int) -> str:
    return PAGE.format(n=n, last=last, next=NEXT.format(m=n + 1) if n < last else "")


def test_last_page_and_page_urls_of_a_listing():
    url = BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/1/"
    page = PepListingPage(_listing(1, 207), url)
    assert page.last_page == (207, BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/207/")
    assert page.page_url(12) == BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/12/"
    no_pagination = PepListingPage("<html><body><p>rien</p></body></html>", url)
    assert no_pagination.last_page is None and no_pagination.page_url(2) is None


def test_last_page_of_the_sample_listing(samples_dir: Path):
    url = BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/1/"
    body = (samples_dir / "pep" / "samples" / "nos-offres/filtres/domaine/3522/page/1/index.html").read_text("utf-8")
    assert PepListingPage(body, url).last_page == (2, BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/2/")


def _listing_response(spider: scrapy.Spider, n: int, last: int) -> HtmlResponse:
    url = spider.rebase(BASE_URLS["pep"] + f"/nos-offres/filtres/domaine/3522/page/{n}/")
    return HtmlResponse(url=url, body=_listing(n, last).encode(), encoding="utf-8", request=scrapy.Request(url))


def test_the_first_listing_page_requests_every_page_once():
    spider = make_spider("pep")
    first = list(spider.first_requests())
    out = list(spider.parse_listing(_listing_response(spider, 1, 4)))
    listing = [r.url for r in out if isinstance(r, scrapy.Request) and r.callback == spider.parse_listing]
    base = BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/"
    assert [r.url for r in first] == [base + "1/"]
    assert listing == [base + "2/", base + "3/", base + "4/"]  # "next" (page 2) is not asked twice
    later = [list(spider.parse_listing(_listing_response(spider, n, 4))) for n in (2, 3, 4)]
    assert all(not any(isinstance(r, scrapy.Request) and r.callback == spider.parse_listing for r in outs)
               for outs in later)


def test_a_listing_longer_than_announced_is_followed_to_its_end():
    spider = make_spider("pep")
    list(spider.parse_listing(_listing_response(spider, 1, 2)))
    # page 2 turns out not to be the last one: its "next" link is followed
    body = PAGE.format(n=2, last=3, next=NEXT.format(m=3)).encode()
    url = spider.rebase(BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/2/")
    out = list(spider.parse_listing(HtmlResponse(url=url, body=body, encoding="utf-8")))
    assert [r.url for r in out if isinstance(r, scrapy.Request) and r.callback == spider.parse_listing] == [
        BASE_URLS["pep"] + "/nos-offres/filtres/domaine/3522/page/3/"]


# ---------------------------------------------------------------------------- page-reading worker
def _fail(message: str) -> None:
    raise ValueError(message)


def _die() -> None:
    os._exit(3)


def _run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def test_page_reader_without_workers_reads_in_process():
    reader = PageReader(0)
    reader.start()
    assert not reader.active
    assert _run(reader.run(len, "abc")) == 3 and (reader.offloaded, reader.in_process) == (0, 1)
    with pytest.raises(ValueError, match="boom"):
        _run(reader.run(_fail, "boom"))


def test_page_reader_worker_raises_like_in_process_and_survives_a_dead_worker():
    reader = PageReader(1)
    reader.start()
    try:
        assert reader.active

        async def scenario():
            assert await reader.run(len, "abcd") == 4
            with pytest.raises(ValueError, match="bad page"):
                await reader.run(_fail, "bad page")
            with pytest.raises(WorkerDiedError):
                await reader.run(_die)   # never read again here: it could be what killed the worker
            return await reader.run(len, "xy")  # the next pages are read in this process

        assert _run(scenario()) == 2
        assert not reader.active
        assert (reader.offloaded, reader.in_process) == (2, 1)
    finally:
        reader.close()


def _detail_response(samples_dir: Path, entry: ListingEntry, spider: scrapy.Spider) -> HtmlResponse:
    url = spider.rebase(entry.url)
    request = scrapy.Request(url, meta={ENTRY: entry})
    target = sample_path(samples_dir, "pep", entry.url)
    assert target is not None
    return response_for(request, target.read_bytes())


def _comparable(items: list) -> list[dict]:
    return [{**i.to_dict(), "fetched_at": None} for i in items if isinstance(i, RawPosting)]


def test_a_page_read_in_the_worker_gives_the_same_items(samples_dir: Path):
    url = BASE_URLS["pep"] + "/offre-emploi/developpeur-back-end-python-hf-reference-2026-2561234/"
    entry = ListingEntry(listing_ref="2026-2561234", listing_key="k", url=url, reference="2026-2561234")
    in_process = make_spider("pep")
    expected = list(in_process.parse_detail(_detail_response(samples_dir, entry, in_process)))

    crawler = get_crawler(PepSpider, {"LOG_LEVEL": "WARNING", "CATALOGUE_PAGE_WORKERS": 1})
    spider = PepSpider.from_crawler(crawler, source_config=source_config("pep"))
    crawler.spider = spider
    assert spider.page_reader is not None and not spider.page_reader.active
    request = spider.detail_request(entry)   # the first detail request starts the worker
    assert request.callback == spider.parse_detail_in_worker and spider.page_reader.active
    try:
        async def collect():
            return [item async for item in spider.parse_detail_in_worker(_detail_response(samples_dir, entry, spider))]

        items = _run(collect())
    finally:
        spider.close_page_reader()
    assert spider.page_reader.offloaded == 1
    assert _comparable(items) == _comparable(expected) and len(_comparable(items)) == 1
    assert by_type(items)[RawPosting][0].fetched_at
    assert crawler.stats.get_value("catalogue/pages_read_in_worker") == 1
    assert crawler.stats.get_value("catalogue/detail_pages") == 1


def test_an_unreadable_page_in_the_worker_is_a_parse_error(samples_dir: Path):
    crawler = get_crawler(PepSpider, {"LOG_LEVEL": "WARNING", "CATALOGUE_PAGE_WORKERS": 1})
    source = replace(source_config("pep"), name="pep")
    spider = PepSpider.from_crawler(crawler, source_config=source,
                                    known={"R-1": {"reference": "R-1", "listing_key": "old", "offer": True}})
    crawler.spider = spider
    entry = ListingEntry(listing_ref="R-1", listing_key="new", url=BASE_URLS["pep"] + "/offre-emploi/x-reference-R-1/",
                         reference="R-1")
    spider.detail_request(entry)
    response = HtmlResponse(url=entry.url, body=b"<html><body><main data-reference='R-1'></main></body></html>",
                            encoding="utf-8", request=scrapy.Request(entry.url, meta={ENTRY: entry}))
    try:
        async def collect():
            return [item async for item in spider.parse_detail_in_worker(response)]

        items = _run(collect())
    finally:
        spider.close_page_reader()
    # no title: a parse error, and the known posting is still listed
    assert [type(i).__name__ for i in items] == ["SeenPosting"]
    assert crawler.stats.get_value("catalogue/parse_errors") == 1


ORPHAN = """
import asyncio, sys, time
from crawlers.spiders.workers import PageReader
reader = PageReader(1)
reader.start()
asyncio.run(reader.run(len, "abc"))
print(*[p.pid for p in reader._pool._processes.values()], flush=True)
sys.stdin.readline()
try:
    print(asyncio.run(reader.run(len, "abcd")), flush=True)
except Exception as exc:
    print(type(exc).__name__, flush=True)
time.sleep(120)
"""


def test_a_worker_never_outlives_its_crawl_process():
    import signal
    import subprocess
    import sys
    import time

    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-c", ORPHAN], cwd=repo, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True, env={**os.environ, "PYTHONPATH": str(repo)})
    try:
        worker = int(proc.stdout.readline())
        os.kill(worker, signal.SIGTERM)   # ignored: stopping is the crawl process's decision
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "4"   # the worker still answers
        proc.kill()                       # the crawl process dies alone (out of memory…)
        proc.wait()
        deadline = time.monotonic() + 30
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker)
    finally:
        proc.kill()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:  # a zombie waiting for its reaper is gone
        return f.read().rsplit(")", 1)[1].split()[0] != "Z"
