"""Every Scrapy setting of a crawl, in one place: :func:`build_settings`.

The crawl child process (``pipeline.runner``) calls ``build_settings(config, source)`` and
adds its item pipelines and ``CATALOGUE_*`` settings. The defaults are those of a polite
crawler of public sites:

* ``robots.txt`` obeyed; a User-Agent that names the project and a contact address
  (``[settings] user_agent``);
* per source: ``download_delay`` seconds between requests (±50 % jitter) and at most
  ``concurrency`` requests in flight, with AutoThrottle on top (it slows down when the site
  does; ``autothrottle = false`` in a source's table turns it off — replica and benchmarks);
* a listing page whose callback raised fails the run
  (:class:`crawlers.middlewares.ListingGuardMiddleware`);
* retries of 5xx answers, timeouts and connection errors (``RETRY_TIMES``); ``429`` (and a
  ``503`` with ``Retry-After``) are retried after the delay the site asks for, by
  :class:`crawlers.middlewares.RetryAfterMiddleware`;
* a crawl stops itself gracefully at 90 % of the source's ``time_limit`` (the launcher kills
  it at 100 %), so the post-crawl step still runs on what was stored;
* no cookies, no telnet console; Scrapy's HTTP cache in development only
  (``cache=True``: ``.scrapy/httpcache``, errors and rate limits never cached);
* a lean Scrapy (:data:`DISABLED_SPIDER_MIDDLEWARES`, :data:`DISABLED_DOWNLOADER_MIDDLEWARES`,
  :data:`DISABLED_EXTENSIONS`): the components our spiders never use cost CPU on every
  request, response and item, so they are off; ``robots.txt``, the offsite filter, retries,
  HTTP redirects (with the Referer policy they rely on), compression, timeouts, proxies from
  the environment, the User-Agent and the download stats stay. Items are processed one
  at a time per response (``CONCURRENT_ITEMS = 1``: our item pipelines are synchronous, and
  Scrapy's default of 100 creates 100 asyncio tasks for every response).

    >>> settings = build_settings(load_config(), load_config().source("pep"))  # doctest: +SKIP
    >>> settings["DOWNLOAD_DELAY"], settings["ROBOTSTXT_OBEY"]                 # doctest: +SKIP
    (1.0, True)
"""

from __future__ import annotations

from typing import Any

from crawlers.config import Config, SourceConfig

#: retried by RetryMiddleware (429 is left to RetryAfterMiddleware, which honours Retry-After)
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408]
RETRY_TIMES = 3
DOWNLOAD_TIMEOUT = 30
#: Retry-After handling (crawlers.middlewares.RetryAfterMiddleware)
RETRY_AFTER_MAX_DELAY = 120.0     # seconds: a longer Retry-After is capped
RETRY_AFTER_DEFAULT_DELAY = 10.0  # seconds: a 429 without Retry-After
RETRY_AFTER_MAX_TIMES = 5
#: share of the source's time limit after which the crawl closes itself
TIME_LIMIT_SHARE = 0.9

#: Scrapy components our spiders do not need (``None`` disables a component). Measured on
#: the replica (bench/crawl.py, bench/RESULTS.md): each costs a little on every request,
#: response or yielded item.
DISABLED_SPIDER_MIDDLEWARES: dict[str, None] = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,       # our URLs come from the sites
    "scrapy.spidermiddlewares.depth.DepthMiddleware": None,               # no depth limit: listings end
    "scrapy.spidermiddlewares.metacopy.MetaCopyDetectionMiddleware": None,  # a debugging aid
}
DISABLED_DOWNLOADER_MIDDLEWARES: dict[str, None] = {
    "scrapy.downloadermiddlewares.httpauth.HttpAuthMiddleware": None,     # public sites, no credentials
    "scrapy.downloadermiddlewares.cookies.CookiesMiddleware": None,       # COOKIES_ENABLED is False anyway
    # <meta http-equiv=refresh> redirects: none of the four source kinds uses them, and it reads
    # the head of every HTML page (a page that needed it would show as a parse error, logged)
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
}
DISABLED_EXTENSIONS: dict[str, None] = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    # an HTTP server that runs code sent to it (Scrapy ≥ 2.19): never in production
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.feedexport.FeedExporter": None,                   # items go to our pipelines
    "scrapy.extensions.spiderstate.SpiderState": None,                   # no JOBDIR
    "scrapy.extensions.memdebug.MemoryDebugger": None,
}


def _lean_base(name: str, disabled: dict[str, None]) -> dict[str, int]:
    """Scrapy's ``<name>_BASE`` without the ``disabled`` components.

    Disabling a component with ``None`` in ``EXTENSIONS`` (or a middleware setting) still
    makes Scrapy import it to compare the keys (the remote-control extension alone imports
    aiohttp: a tenth of a second of every crawl process); leaving it out of the base does not.
    """
    from scrapy.settings import default_settings

    return {path: order for path, order in getattr(default_settings, f"{name}_BASE").items()
            if path not in disabled}


def page_workers(source: SourceConfig) -> int:
    """Worker processes reading the source's detail pages (:mod:`crawlers.spiders.workers`):
    ``page_workers = N`` in the source's table, else none.

    None is the default because it measured best (bench/RESULTS.md, "Crawl"): at one request
    per second per site, reading pages in the crawl process costs nothing; and even on the
    replica served without delay, a worker only pays for pages that are slow to read (pep's
    68 KB offer pages) on a machine with a core to spare — sending each page to the worker and
    its item back costs about 0.35 ms of the crawl process's CPU, more than reading a feed or
    API page does.
    """
    return int(source.extra.get("page_workers", 0))  # a whole number 0..16 (crawlers.config)


def build_settings(config: Config, source: SourceConfig, *, cache: bool = False) -> dict[str, Any]:
    """The Scrapy settings (a plain dict) for one crawl of ``source``."""
    delay = source.download_delay  # checked by crawlers.config: 0..3600
    concurrency = source.concurrency  # 1..64
    autothrottle = bool(source.extra.get("autothrottle", True))
    settings: dict[str, Any] = {
        "BOT_NAME": "catalogue-numerique",
        "USER_AGENT": config.settings.user_agent,
        "ROBOTSTXT_OBEY": True,
        "TELNETCONSOLE_ENABLED": False,
        "REMOTE_CONTROL_ENABLED": False,
        "COOKIES_ENABLED": False,
        "LOG_LEVEL": "INFO",
        # lean Scrapy (see the module docstring)
        "SPIDER_MIDDLEWARES_BASE": _lean_base("SPIDER_MIDDLEWARES", DISABLED_SPIDER_MIDDLEWARES),
        "EXTENSIONS_BASE": _lean_base("EXTENSIONS", DISABLED_EXTENSIONS),
        "DOWNLOADER_MIDDLEWARES_BASE": _lean_base("DOWNLOADER_MIDDLEWARES", DISABLED_DOWNLOADER_MIDDLEWARES),
        "CONCURRENT_ITEMS": 1,
        "WARN_ON_GENERATOR_RETURN_VALUE": False,  # parses the callback's source on every response
        # politeness
        "DOWNLOAD_DELAY": delay,
        "DOWNLOAD_DELAY_JITTER": 0.5,   # ±50 % (Scrapy ≥ 2.19; older ones randomize by default)
        "CONCURRENT_REQUESTS": concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        "AUTOTHROTTLE_ENABLED": autothrottle,
        "AUTOTHROTTLE_START_DELAY": delay,
        "AUTOTHROTTLE_MAX_DELAY": 60.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(concurrency),
        # robustness
        "DOWNLOAD_TIMEOUT": DOWNLOAD_TIMEOUT,
        "DNS_TIMEOUT": 20,
        "DOWNLOAD_MAXSIZE": 64 * 1024 * 1024,
        "DOWNLOAD_WARNSIZE": 16 * 1024 * 1024,
        "REDIRECT_MAX_TIMES": 5,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": RETRY_TIMES,
        "RETRY_HTTP_CODES": RETRY_HTTP_CODES,
        "DOWNLOADER_MIDDLEWARES": {
            # after RetryMiddleware (550) in the request order, hence before it for responses
            "crawlers.middlewares.RetryAfterMiddleware": 560,
        },
        # a listing page whose callback raised fails the run (it lost entries: expiring the
        # postings it did not list would be wrong)
        # the seen postings of a listing page go to the pipelines as one item (next to the spider)
        "SPIDER_MIDDLEWARES": {"crawlers.middlewares.ListingGuardMiddleware": 100,
                               "crawlers.middlewares.SeenBatchMiddleware": 950},
        "CATALOGUE_RETRY_AFTER_MAX_DELAY": RETRY_AFTER_MAX_DELAY,
        "CATALOGUE_RETRY_AFTER_DEFAULT_DELAY": RETRY_AFTER_DEFAULT_DELAY,
        "CATALOGUE_RETRY_AFTER_MAX_TIMES": RETRY_AFTER_MAX_TIMES,
        "CATALOGUE_PAGE_WORKERS": page_workers(source),
        # a crawl that runs too long ends gracefully (finish_reason "closespider_timeout")
        "CLOSESPIDER_TIMEOUT": round(source.time_limit * TIME_LIMIT_SHARE) if source.time_limit > 0 else 0,
        # development cache
        "HTTPCACHE_ENABLED": bool(cache),
        "HTTPCACHE_DIR": "httpcache",   # relative: under .scrapy/
        "HTTPCACHE_EXPIRATION_SECS": 0,
        "HTTPCACHE_IGNORE_HTTP_CODES": [429, 500, 502, 503, 504],
    }
    return settings
