"""The replica HTTP server: the four source kinds on 127.0.0.1, rendered on request.

    with ReplicaServer(generate(500, seed=3)) as server:
        server.base_urls["pep"]        # http://127.0.0.1:PORT/pep
        server.stats()                 # {"pep": {"listing": 2, "detail": 40, ...}, ...}

Routes below each kind's prefix follow the real sites (see ../shared/sources/README.md):
pep ``/nos-offres/filtres/domaine/3522/page/N/`` and ``/offre-emploi/{slug}-reference-{REF}/``;
jobposting ``/sitemap.xml`` → ``/sitemaps/*.xml`` → ``/emploi/{slug}/`` (plus ``/`` and
``/a-propos/``); feed ``/offres/rss.xml`` → ``/offres/{REF}.html``, and the feed kind's Atom
variant ``/jobs.xml`` (beta.gouv.fr: each entry holds its whole offer; its link
``/recrutement/YYYY/MM/DD/{startup}.{role}.html`` answers a page nobody needs to fetch); api
``/api/v1/offers`` → ``/api/v1/offers/{id}``. ``GET /__stats`` answers the request counters as JSON and
``/robots.txt`` allows everything.

Quirks (constructor keywords, all off by default except the sitemap's non-offer pages):
``detail_404`` (pep/api postings marked ``gone`` answer 404 on their detail),
``missing_jsonld`` (jobposting pages marked ``no_jsonld`` lose their JSON-LD),
``non_offer_pages`` (the sitemap lists the home and about pages), ``rate_limit_every=k``
(every k-th API request answers 429 with ``Retry-After: 1``), ``fail`` (kinds whose
listing answers 500; ``"feed"`` fails both feeds, ``"atom"`` the Atom feed alone),
``feed_window`` (items in the RSS feed, 0 = all; the Atom feed lists every entry).
Requests to the Atom feed and its pages count as the feed kind's ``atom_listing`` and
``atom_page``.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from crawlers.replica import render as R
from crawlers.replica.generator import KINDS, Dataset

_PEP_LISTING = re.compile(r"^/nos-offres/filtres/domaine/3522/(?:page/(\d+)/?)?$")
_PEP_OFFER = re.compile(r"^/offre-emploi/([^/]+)/?$")
_JP_CHILD = re.compile(r"^/sitemaps/([\w-]+)\.xml$")
_JP_OFFER = re.compile(r"^/emploi/([^/]+)/?$")
_FEED_OFFER = re.compile(r"^/offres/([^/]+)\.html$")
_ATOM_PAGE = re.compile(r"^(/recrutement/\d{4}/\d{2}/\d{2}/[^/]+)\.html$")
_API_DETAIL = re.compile(r"^/api/v1/offers/(\d+)/?$")

HTML = "text/html; charset=UTF-8"
XML = "application/xml; charset=UTF-8"
RSS = "application/rss+xml; charset=UTF-8"
ATOM = "application/atom+xml; charset=UTF-8"
JSON = "application/json"


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    #: the listen backlog. A crawl opens up to its ``concurrency`` connections at once, and
    #: two crawls side by side twice that: with the standard library's 5, the kernel dropped
    #: connection attempts while the server was busy, and each dropped one waited for TCP's
    #: one-second retransmission (a 0.5 s re-crawl of a source took 1.5 s, one time in four).
    #: Real sites are not that small: the replica must not slow crawls down on its own.
    request_queue_size = 128


class ReplicaServer:
    """A threaded stdlib HTTP server serving a :class:`Dataset` as the four source kinds."""

    def __init__(self, dataset: Dataset, port: int = 0, *, host: str = "127.0.0.1", detail_404: bool = False,
                 missing_jsonld: bool = False, non_offer_pages: bool = True, rate_limit_every: int = 0,
                 fail: Iterable[str] = (), feed_window: int = 100) -> None:
        self.dataset = dataset
        self.host = host
        self.port = port
        self.detail_404 = detail_404
        self.missing_jsonld = missing_jsonld
        self.non_offer_pages = non_offer_pages
        self.rate_limit_every = rate_limit_every
        self.fail = set(fail)
        self.feed_window = feed_window
        self._lock = threading.Lock()
        self._stats: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._api_requests = 0
        #: when a list, every request path answered (any status) is appended to it (benchmarks)
        self.record_urls: list[str] | None = None
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> "ReplicaServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802
                status, ctype, body, headers = server.handle(self.path)
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_HEAD(self) -> None:  # noqa: N802
                status, ctype, body, headers = server.handle(self.path)
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body.encode("utf-8"))))
                self.end_headers()

        self._httpd = _HTTPServer((self.host, self.port), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="replica-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (the CLI's foreground mode)."""
        if self._httpd is None:
            self.start()
        assert self._thread is not None
        try:
            while self._thread.is_alive():
                self._thread.join(0.5)
        finally:
            self.stop()

    def __enter__(self) -> "ReplicaServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_urls(self) -> dict[str, str]:
        return {kind: f"{self.root_url}/{kind}" for kind in KINDS if kind in self.dataset.kinds}

    # ------------------------------------------------------------------ counters
    def _count(self, kind: str, route: str) -> None:
        with self._lock:
            self._stats[kind][route] += 1

    def stats(self) -> dict[str, dict[str, int]]:
        """Requests per kind and route type (``listing``, ``detail``, ``other``, ``not_found``,
        ``rate_limited``, ``failed``)."""
        with self._lock:
            return {k: dict(v) for k, v in self._stats.items()}

    def reset_stats(self) -> None:
        with self._lock:
            self._stats.clear()
            self._api_requests = 0

    # ------------------------------------------------------------------ routing
    def handle(self, raw_path: str) -> tuple[int, str, str, dict[str, str]]:
        """(status, content type, body, extra headers) for a request path."""
        if self.record_urls is not None:
            self.record_urls.append(raw_path)
        parts = urlsplit(raw_path)
        path = parts.path
        if path == "/robots.txt":
            return 200, "text/plain; charset=UTF-8", "User-agent: *\nAllow: /\n", {}
        if path == "/__stats":
            return 200, JSON, json.dumps(self.stats()), {}
        kind, _, rest = path.lstrip("/").partition("/")
        if kind not in self.dataset.kinds:
            return 404, "text/plain", "not found", {}
        rest = "/" + rest
        base = f"{self.root_url}/{kind}"
        try:
            result = getattr(self, f"_{kind}")(rest, parse_qs(parts.query), base)
        except Exception as exc:  # noqa: BLE001 - a replica bug must show, not kill the server
            return 500, "text/plain", f"replica error: {exc!r}", {}
        if result is None:
            self._count(kind, "not_found")
            return 404, "text/html; charset=UTF-8", "<html><body><h1>Page introuvable</h1></body></html>", {}
        return result

    def _failing(self, kind: str) -> tuple[int, str, str, dict[str, str]] | None:
        if kind in self.fail:
            self._count("feed" if kind == "atom" else kind, "failed")
            return 500, "text/html; charset=UTF-8", "<html><body>Erreur interne</body></html>", {}
        return None

    def _pep(self, rest: str, query: dict[str, list[str]], base: str):
        ds = self.dataset
        m = _PEP_LISTING.match(rest)
        if m:
            failing = self._failing("pep")
            if failing:
                return failing
            self._count("pep", "listing")
            return 200, HTML, R.pep_listing(ds, base, int(m.group(1) or 1)), {}
        m = _PEP_OFFER.match(rest)
        if m:
            p = ds.by_slug("pep", m.group(1))
            if p is None or (self.detail_404 and p.quirk == "gone"):
                return None
            self._count("pep", "detail")
            return 200, HTML, R.pep_offer(p, ds, base), {}
        return None

    def _jobposting(self, rest: str, query: dict[str, list[str]], base: str):
        ds = self.dataset
        if rest == "/sitemap.xml":
            failing = self._failing("jobposting")
            if failing:
                return failing
            self._count("jobposting", "listing")
            return 200, XML, R.sitemap_index(ds, base, non_offer_pages=self.non_offer_pages), {}
        m = _JP_CHILD.match(rest)
        if m:
            if m.group(1) == "pages" and not self.non_offer_pages:
                return None
            body = R.sitemap_child(ds, base, m.group(1))
            if body is None:
                return None
            self._count("jobposting", "listing")
            return 200, XML, body, {}
        if rest in ("/", "/a-propos/"):
            self._count("jobposting", "other")
            return 200, HTML, R.jobposting_static("home" if rest == "/" else "about", base), {}
        m = _JP_OFFER.match(rest)
        if m:
            p = ds.by_slug("jobposting", m.group(1))
            if p is None:
                return None
            self._count("jobposting", "detail")
            with_ld = not (self.missing_jsonld and p.quirk == "no_jsonld")
            return 200, HTML, R.jobposting_offer(p, ds, base, with_jsonld=with_ld), {}
        return None

    def _feed(self, rest: str, query: dict[str, list[str]], base: str):
        ds = self.dataset
        if rest == "/offres/rss.xml":
            failing = self._failing("feed")
            if failing:
                return failing
            self._count("feed", "listing")
            return 200, RSS, R.feed_rss(ds, base, self.feed_window), {}
        m = _FEED_OFFER.match(rest)
        if m:
            p = ds.get("feed", m.group(1))
            if p is None:
                return None
            self._count("feed", "detail")
            return 200, HTML, R.feed_offer(p, ds, base), {}
        if rest == "/jobs.xml":
            failing = self._failing("feed") or self._failing("atom")
            if failing:
                return failing
            self._count("feed", "atom_listing")
            return 200, ATOM, R.atom_feed(ds, base), {}
        m = _ATOM_PAGE.match(rest)
        if m:
            p = ds.atom.get(m.group(1))
            if p is None:
                return None
            self._count("feed", "atom_page")
            return 200, HTML, R.atom_page(p, ds, base), {}
        return None

    def _api(self, rest: str, query: dict[str, list[str]], base: str):
        ds = self.dataset
        if self.rate_limit_every:
            with self._lock:
                self._api_requests += 1
                limited = self._api_requests % self.rate_limit_every == 0
            if limited:
                self._count("api", "rate_limited")
                return 429, JSON, json.dumps({"error": "too many requests"}), {"Retry-After": "1"}
        if rest.rstrip("/") == "/api/v1/offers":
            failing = self._failing("api")
            if failing:
                return failing
            try:
                page = int(query.get("page", ["1"])[0])
                per_page = max(1, min(100, int(query.get("per_page", ["50"])[0])))
            except ValueError:
                return 400, JSON, json.dumps({"error": "bad page"}), {}
            self._count("api", "listing")
            return 200, JSON, json.dumps(R.api_list(ds, base, page, per_page), ensure_ascii=False), {}
        m = _API_DETAIL.match(rest)
        if m:
            p = ds.by_api_id(int(m.group(1)))
            if p is None or (self.detail_404 and p.quirk == "gone"):
                return None
            self._count("api", "detail")
            return 200, JSON, json.dumps(R.api_detail(p, base), ensure_ascii=False), {}
        return None


_SOURCE_NAMES = {"pep": "replica_pep", "jobposting": "replica_jobposting", "feed": "replica_feed",
                 "api": "replica_api", "atom": "replica_atom"}
#: the Atom feed's path below the feed kind's base URL
ATOM_PATH = "/jobs.xml"


def replica_sources_toml(base_urls: dict[str, str], *, names: dict[str, str] | None = None,
                         schedule: str = "0 2 * * *", atom: bool = False) -> str:
    """A sources configuration (crawlers/sources.toml format) pointing at the replica.

    ``atom``: also a ``replica_atom`` source (``names["atom"]``), kind ``feed`` on the feed
    kind's base URL with ``feed_path = "/jobs.xml"`` (the Atom variant; needs ``base_urls["feed"]``).
    """
    names = {**_SOURCE_NAMES, **(names or {})}
    lines = ["# Sources configuration generated for the replica (crawlers/replica).", "",
             "[settings]", 'timezone = "Europe/Paris"', ""]
    for kind in KINDS:
        if kind not in base_urls:
            continue
        lines += [f"[sources.{names[kind]}]", f'kind = "{kind}"', f'base_url = "{base_urls[kind]}"',
                  f'schedule = "{schedule}"', f"digital_only = {'true' if kind == 'pep' else 'false'}",
                  f"complete_listing = {'false' if kind == 'feed' else 'true'}",
                  "download_delay = 0", "concurrency = 8", ""]
    if atom and "feed" in base_urls:
        lines += [f"[sources.{names['atom']}]", 'kind = "feed"', f'base_url = "{base_urls["feed"]}"',
                  f'feed_path = "{ATOM_PATH}"', f'schedule = "{schedule}"', "digital_only = false",
                  "complete_listing = false", "download_delay = 0", "concurrency = 8", ""]
    return "\n".join(lines)
