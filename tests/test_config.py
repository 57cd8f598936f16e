"""The sources configuration: shipped file, overrides, and one-line errors on bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlers.config import ConfigError, default_schedule, join_url, load_config, parse_config


def test_shipped_configuration_has_the_four_kinds():
    cfg = load_config()
    kinds = sorted(s.kind for s in cfg.sources.values())
    assert kinds == ["api", "feed", "jobposting", "pep"]
    pep = cfg.source("pep")
    assert pep.base_url == "https://choisirleservicepublic.gouv.fr"
    assert pep.entry_url == "https://choisirleservicepublic.gouv.fr/nos-offres/filtres/domaine/3522/"
    assert pep.digital_only and pep.complete_listing
    feed = next(s for s in cfg.sources.values() if s.kind == "feed")
    assert feed.complete_listing is False  # a feed shows only its latest offers


def test_env_var_names_the_file(tmp_path: Path, monkeypatch):
    f = tmp_path / "s.toml"
    f.write_text('[sources.culture]\nkind = "jobposting"\nbase_url = "http://127.0.0.1:9/jp/"\n', encoding="utf-8")
    monkeypatch.setenv("CATALOGUE_CONFIG", str(f))
    cfg = load_config()
    src = cfg.source("culture")
    assert src.entry_url == "http://127.0.0.1:9/jp/sitemap.xml"  # path prefix of the base URL kept
    assert src.schedule == "35 1 * * *" and src.complete_listing is True  # default_schedule("culture")


@pytest.mark.parametrize("table, message", [
    ({"kind": "ftp", "base_url": "http://x"}, "kind must be one of"),
    ({"kind": "pep", "base_url": "not a url"}, "base_url must be an http(s) URL"),
    ({"kind": "pep", "base_url": "http://x", "concurrency": "lots"}, "[sources.s] concurrency must be a whole number"),
    # a string "false" would be true for Python: on a feed, complete_listing true expires what it did not list
    ({"kind": "feed", "base_url": "http://x", "complete_listing": "false"}, "complete_listing must be true or false"),
    ({"kind": "pep", "base_url": "http://x", "digital_only": 1}, "digital_only must be true or false"),
    ({"kind": "pep", "base_url": "http://x", "concurency": 3}, "unknown key 'concurency'; did you mean 'concurrency'?"),
    ({"kind": "pep", "base_url": "http://x", "sitemap_path": "/s.xml"}, "sitemap_path is the entry path of jobposting"),
    ({"kind": "pep", "base_url": "http://x", "concurrency": 0}, "concurrency must be between 1 and 64"),
    ({"kind": "pep", "base_url": "http://x", "download_delay": -1}, "download_delay must be between 0 and 3600"),
    ({"kind": "pep", "base_url": "http://x", "time_limit": 1.5}, "time_limit must be a whole number"),
    ({"kind": "pep", "base_url": "http://x", "schedule": ""}, "schedule must be a non-empty string"),
    ({"kind": "pep", "base_url": "http://x", "autothrottle": "off"}, "autothrottle must be true or false"),
])
def test_invalid_source_tables_are_one_line_errors(table, message):
    with pytest.raises(ConfigError) as err:
        parse_config({"sources": {"s": table}})
    assert message in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize("data, message", [
    ({"settings": {"suspect_drop_share": "half"}}, "[settings] suspect_drop_share must be a number"),
    ({"settings": {"suspect_drop_share": 2}}, "suspect_drop_share must be between 0 and 1"),
    ({"settings": {"user_agent": ""}}, "[settings] user_agent must be a non-empty string"),
    ({"settings": {"timezone": "Europe/Pariss"}}, "timezone 'Europe/Pariss' is not a known time zone"),
    ({"settings": {"full_refresh_day": 3}}, "did you mean 'full_refresh_days'?"),
    ({"sourcez": {"x": {}}}, "unknown key 'sourcez'; did you mean 'sources'?"),
    ({"settings": {"parallel_crawls": 0}}, "[settings] parallel_crawls must be between 1 and 16 (got 0)"),
    ({"settings": {"parallel_crawls": 1.5}}, "[settings] parallel_crawls must be a whole number"),
])
def test_invalid_settings_and_tables_are_one_line_errors(data, message):
    with pytest.raises(ConfigError) as err:
        parse_config(data)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_optional_per_source_settings_are_typed():
    cfg = parse_config({"sources": {"r": {"kind": "api", "base_url": "http://x", "autothrottle": False,
                                          "page_workers": 1, "download_delay": 0, "concurrency": 16}},
                        "settings": {"suspect_drop_share": 1, "full_refresh_days": 0.5}})
    src = cfg.source("r")
    assert src.extra == {"autothrottle": False, "page_workers": 1}
    assert (src.download_delay, src.concurrency, cfg.settings.suspect_drop_share) == (0.0, 16, 1.0)


def test_parallel_crawls_defaults_to_two_and_is_read():
    assert parse_config({}).settings.parallel_crawls == 2
    assert parse_config({"settings": {"parallel_crawls": 1}}).settings.parallel_crawls == 1


def test_missing_and_invalid_files(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sources.pep\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_unknown_source_lists_the_configured_ones():
    with pytest.raises(ConfigError, match="configured: .*pep"):
        load_config().source("nope")


@pytest.mark.parametrize("base, path, url", [
    ("https://a.fr", "/sitemap.xml", "https://a.fr/sitemap.xml"),
    ("http://127.0.0.1:8000/pep/", "/nos-offres/", "http://127.0.0.1:8000/pep/nos-offres/"),
    ("http://h/api", "", "http://h/api"),
])
def test_join_url_keeps_prefixes(base, path, url):
    assert join_url(base, path) == url


def test_sources_without_a_schedule_never_share_a_slot():
    """replica_jobposting and replica_api hash to the same slot (25 5 * * *): the second moves on."""
    tables = {name: {"kind": "api", "base_url": "http://x"} for name in ("replica_jobposting", "replica_api")}
    assert default_schedule("replica_jobposting") == default_schedule("replica_api")
    cfg = parse_config({"sources": {**tables, "pep": {"kind": "pep", "base_url": "http://x",
                                                      "schedule": default_schedule("replica_api")}}})
    schedules = [cfg.source(n).schedule for n in ("replica_jobposting", "replica_api", "pep")]
    assert len(set(schedules)) == 3
    assert all(s.endswith(" * * *") and 1 <= int(s.split()[1]) <= 5 for s in schedules)
