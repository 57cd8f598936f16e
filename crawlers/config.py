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
from dataclasses import dataclass, field
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


def default_schedule(name: str) -> str:
    """The nightly schedule of a source that names none: a slot between 01:00 and 05:55.

    Derived from the source name (CRC-32, stable across runs and machines) in 5-minute
    steps, so that sources without a ``schedule`` do not all start at the same minute.

    >>> default_schedule("culture_emplois")
    '45 3 * * *'
    """
    slot = zlib.crc32(name.encode("utf-8")) % 60
    return f"{slot % 12 * 5} {1 + slot // 12} * * *"


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


def _source_from_table(name: str, table: dict[str, Any]) -> SourceConfig:
    if not isinstance(table, dict):
        raise ConfigError(f"[sources.{name}] must be a table")
    kind = table.get("kind")
    if kind not in KINDS:
        raise ConfigError(f"[sources.{name}] kind must be one of {', '.join(KINDS)} (got {kind!r})")
    base_url = table.get("base_url")
    parsed = urlparse(base_url or "")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"[sources.{name}] base_url must be an http(s) URL (got {base_url!r})")
    path_key, default_path = DEFAULT_ENTRY_PATHS[kind]
    extra = {k: v for k, v in table.items() if k not in _SOURCE_KEYS and k != path_key}
    try:
        return SourceConfig(
            name=name,
            kind=kind,
            base_url=base_url.rstrip("/"),
            schedule=str(table.get("schedule") or default_schedule(name)),
            entry_path=str(table.get(path_key, default_path)),
            digital_only=bool(table.get("digital_only", False)),
            complete_listing=bool(table.get("complete_listing", kind != "feed")),
            download_delay=float(table.get("download_delay", 1.0)),
            concurrency=int(table.get("concurrency", 2)),
            time_limit=int(table.get("time_limit", 3600)),
            extra=extra,
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"[sources.{name}] {exc}") from None


def parse_config(data: dict[str, Any], path: Path = Path("<memory>")) -> Config:
    """Build a :class:`Config` from already-parsed TOML data."""
    raw_settings = dict(data.get("settings") or {})
    known = {f for f in Settings.__dataclass_fields__ if f != "extra"}
    try:
        settings = Settings(
            **{k: raw_settings.pop(k) for k in list(raw_settings) if k in known},
            extra=raw_settings,
        )
    except TypeError as exc:
        raise ConfigError(f"[settings] {exc}") from None
    sources_table = data.get("sources") or {}
    if not isinstance(sources_table, dict):
        raise ConfigError("[sources] must be a table of tables")
    sources = {name: _source_from_table(name, t) for name, t in sources_table.items()}
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
