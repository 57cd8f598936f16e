"""The sources configuration: which sites to crawl, how, and when.

A TOML file with one ``[sources.NAME]`` table per source (the table key is the source
name used everywhere: run records, exports, ``sources[].source``) and an optional
``[settings]`` table of global settings::

    [sources.pep]
    kind = "pep"                      # pep | jobposting | feed | api
    base_url = "https://choisirleservicepublic.gouv.fr"
    schedule = "0 2 * * *"            # cron, in settings.timezone
    digital_only = true               # listing already restricted to digital jobs
    complete_listing = true           # omission from a crawl proves an offer is gone

The project ships ``crawlers/sources.toml``; ``--config FILE`` or ``CATALOGUE_CONFIG``
names another one. Load it with :func:`load_config`.
"""

from __future__ import annotations

import os
import tomllib
import zlib
from collections.abc import Collection
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

DEFAULT_CONFIG_PATH = Path(__file__).with_name("sources.toml")

KINDS = ("pep", "jobposting", "feed", "api")

#: The entry path of each kind, relative to the source's base URL.
DEFAULT_ENTRY_PATHS = {
    "pep": ("listing_path", "/nos-offres/filtres/domaine/3522/"),
    "jobposting": ("sitemap_path", "/sitemap.xml"),
    "feed": ("feed_path", "/offres/rss.xml"),
    "api": ("api_path", "/api/v1/offers"),
}

DEFAULT_SCHEDULE = "0 2 * * *"


def default_schedule(name: str, taken: Collection[str] = ()) -> str:
    """The nightly schedule of a source that names none: a slot between 01:00 and 05:55.

    Derived from the source name (CRC-32, stable across runs and machines) in 5-minute
    steps, so that sources without a ``schedule`` do not all start at the same minute;
    a slot already ``taken`` (by another source of the configuration) moves to the next
    free one.

    >>> default_schedule("culture_emplois")
    '45 3 * * *'
    >>> default_schedule("culture_emplois", taken={"45 3 * * *"})
    '50 3 * * *'
    """
    slot = zlib.crc32(name.encode("utf-8")) % 60
    for step in range(60):
        here = (slot + step) % 60
        schedule = f"{here % 12 * 5} {1 + here // 12} * * *"
        if schedule not in taken:
            return schedule
    return f"{slot % 12 * 5} {1 + slot // 12} * * *"  # sixty sources without a schedule: slots are shared


class ConfigError(ValueError):
    """The sources configuration is missing, unreadable or invalid."""


@dataclass(frozen=True)
class SourceConfig:
    """One configured source (a ``[sources.NAME]`` table)."""

    name: str
    kind: str
    base_url: str
    schedule: str = DEFAULT_SCHEDULE
    entry_path: str = ""
    digital_only: bool = False
    complete_listing: bool = True
    download_delay: float = 1.0
    concurrency: int = 2
    time_limit: int = 3600
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def entry_url(self) -> str:
        """Absolute URL of the kind's entry point (listing, sitemap, feed or API)."""
        return join_url(self.base_url, self.entry_path)

    @property
    def host(self) -> str:
        return urlparse(self.base_url).hostname or ""


@dataclass(frozen=True)
class Settings:
    """Global settings (the ``[settings]`` table)."""

    timezone: str = "Europe/Paris"
    user_agent: str = (
        "CatalogueNumeriqueBot/0.1 (+https://github.com/catalogue-numerique; "
        "contact: catalogue@numerique.gouv.fr)"
    )
    suspect_drop_share: float = 0.5
    full_refresh_days: float = 7.0
    misfire_grace_hours: float = 6.0
    #: points from which two postings are the same job (``pipeline.dedup.DedupConfig.threshold``;
    #: None: the built-in default, docs/DEDUP.md "Tuning the threshold")
    dedup_threshold: float | None = None
    #: crawl processes running at once for `catalogue crawl --all` / several sources / the
    #: demo (each source is another site: its own politeness holds whatever runs beside it)
    parallel_crawls: int = 2
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    """The whole sources configuration."""

    path: Path
    settings: Settings
    sources: dict[str, SourceConfig]

    def source(self, name: str) -> SourceConfig:
        try:
            return self.sources[name]
        except KeyError:
            known = ", ".join(sorted(self.sources)) or "none"
            raise ConfigError(f"unknown source {name!r} (configured: {known})") from None


def join_url(base_url: str, path: str) -> str:
    """Join a base URL (which may carry a path prefix) and a path, keeping both."""
    if not path:
        return base_url
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def config_path(path: str | os.PathLike[str] | None = None) -> Path:
    """The configuration file to use: ``path``, else ``$CATALOGUE_CONFIG``, else the shipped one."""
    if path:
        return Path(path)
    env = os.environ.get("CATALOGUE_CONFIG")
    return Path(env) if env else DEFAULT_CONFIG_PATH


_SOURCE_KEYS = {
    "kind", "base_url", "schedule", "digital_only", "complete_listing",
    "download_delay", "concurrency", "time_limit",
}
#: per-source settings read by the crawl settings (``crawlers.settings``), kept in ``extra``
_SOURCE_EXTRA_KEYS = {"autothrottle", "page_workers"}
_PATH_KEYS = {key: kind for kind, (key, _default) in DEFAULT_ENTRY_PATHS.items()}


def _unknown_key(where: str, key: str, known: set[str]) -> ConfigError:
    """A mistyped key is an error, not a setting silently ignored (``concurency = 3``)."""
    import difflib

    close = difflib.get_close_matches(key, sorted(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f" (known: {', '.join(sorted(known))})"
    return ConfigError(f"{where} unknown key {key!r}{hint}")


def _boolean(where: str, key: str, value: Any) -> bool:
    """A TOML boolean: ``"false"`` (a string, hence true for Python) is refused."""
    if not isinstance(value, bool):
        raise ConfigError(f"{where} {key} must be true or false (got {value!r})")
    return value


def _number(where: str, key: str, value: Any, *, integer: bool = False, minimum: float = 0,
            maximum: float | None = None) -> float:
    """A TOML number within ``[minimum, maximum]`` (a whole one when ``integer``)."""
    kinds = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kinds):
        what = "a whole number" if integer else "a number"
        raise ConfigError(f"{where} {key} must be {what} (got {value!r})")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f"between {minimum:g} and {maximum:g}" if maximum is not None else f"at least {minimum:g}"
        raise ConfigError(f"{where} {key} must be {bound} (got {value!r})")
    return value


def _text(where: str, key: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where} {key} must be a non-empty string (got {value!r})")
    return value.strip()


def _source_from_table(name: str, table: dict[str, Any]) -> SourceConfig:
    where = f"[sources.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    kind = table.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"{where} kind must be one of {', '.join(KINDS)} (got {kind!r})")
    base_url = table.get("base_url")
    parsed = urlparse(base_url if isinstance(base_url, str) else "")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{where} base_url must be an http(s) URL (got {base_url!r})")
    path_key, default_path = DEFAULT_ENTRY_PATHS[kind]
    for key in table:
        if key in _PATH_KEYS and key != path_key:
            raise ConfigError(f"{where} {key} is the entry path of {_PATH_KEYS[key]} sources; "
                              f"a {kind} source takes {path_key}")
        if key not in _SOURCE_KEYS | _SOURCE_EXTRA_KEYS | {path_key}:
            raise _unknown_key(where, key, _SOURCE_KEYS | _SOURCE_EXTRA_KEYS | {path_key})
    extra = {k: v for k, v in table.items() if k in _SOURCE_EXTRA_KEYS}
    if "autothrottle" in extra:
        _boolean(where, "autothrottle", extra["autothrottle"])
    if "page_workers" in extra:
        _number(where, "page_workers", extra["page_workers"], integer=True, maximum=16)
    schedule = table.get("schedule")
    return SourceConfig(
        name=name,
        kind=kind,
        base_url=base_url.rstrip("/"),
        schedule=_text(where, "schedule", schedule) if schedule is not None else default_schedule(name),
        entry_path=_text(where, path_key, table[path_key]) if path_key in table else default_path,
        digital_only=_boolean(where, "digital_only", table.get("digital_only", False)),
        complete_listing=_boolean(where, "complete_listing", table.get("complete_listing", kind != "feed")),
        download_delay=float(_number(where, "download_delay", table.get("download_delay", 1.0), maximum=3600)),
        concurrency=int(_number(where, "concurrency", table.get("concurrency", 2), integer=True, minimum=1,
                                maximum=64)),
        time_limit=int(_number(where, "time_limit", table.get("time_limit", 3600), integer=True, minimum=1)),
        extra=extra,
    )


def _settings_from_table(raw: Any) -> Settings:
    where = "[settings]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where} must be a table")
    known = {f for f in Settings.__dataclass_fields__ if f != "extra"}
    for key in raw:
        if key not in known:
            raise _unknown_key(where, key, known)
    values: dict[str, Any] = {}
    if "timezone" in raw:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        values["timezone"] = _text(where, "timezone", raw["timezone"])
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where} timezone {values['timezone']!r} is not a known time zone "
                              "(e.g. \"Europe/Paris\")") from None
    if "user_agent" in raw:
        values["user_agent"] = _text(where, "user_agent", raw["user_agent"])
    if "suspect_drop_share" in raw:
        values["suspect_drop_share"] = float(_number(where, "suspect_drop_share", raw["suspect_drop_share"],
                                                     maximum=1))
    for key in ("full_refresh_days", "misfire_grace_hours"):
        if key in raw:
            values[key] = float(_number(where, key, raw[key]))
    if "dedup_threshold" in raw:
        values["dedup_threshold"] = float(_number(where, "dedup_threshold", raw["dedup_threshold"], minimum=1,
                                                  maximum=30))
    if "parallel_crawls" in raw:
        values["parallel_crawls"] = int(_number(where, "parallel_crawls", raw["parallel_crawls"], integer=True,
                                                minimum=1, maximum=16))
    return Settings(**values)


def parse_config(data: dict[str, Any], path: Path = Path("<memory>")) -> Config:
    """Build a :class:`Config` from already-parsed TOML data.

    Strict: an unknown table or key (a typo such as ``concurency``), a value of the wrong
    type (``digital_only = "false"``, a string) or out of range (``concurrency = 0``) is a
    :class:`ConfigError` naming the table and the key — never a setting silently ignored,
    nor a crash in the middle of a crawl. Cron schedules are checked by the scheduler
    (``scheduler.schedule_errors``), which the command line runs on every configuration.
    """
    for key in data:
        if key not in ("settings", "sources"):
            raise _unknown_key("the configuration:", key, {"settings", "sources"})
    settings = _settings_from_table(data.get("settings") or {})
    sources_table = data.get("sources") or {}
    if not isinstance(sources_table, dict):
        raise ConfigError("[sources] must be a table of tables")
    sources = {name: _source_from_table(name, t) for name, t in sources_table.items()}
    # sources without a schedule: distinct nightly slots, none shared with another source
    taken = {src.schedule for name, src in sources.items() if sources_table[name].get("schedule") is not None}
    for name in sorted(n for n in sources if sources_table[n].get("schedule") is None):
        schedule = default_schedule(name, taken)
        taken.add(schedule)
        sources[name] = replace(sources[name], schedule=schedule)
    return Config(path=path, settings=settings, sources=sources)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the sources configuration (see :func:`config_path` for which file)."""
    p = config_path(path)
    try:
        with p.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"configuration file not found: {p}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration file {p} is not valid TOML: {exc}") from None
    return parse_config(data, p)
