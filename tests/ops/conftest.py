"""Fixtures of the ops tests: a two-source configuration and a fake crawl child."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from helpers import wait_for as _wait_for

FAKE_CHILD = Path(__file__).with_name("fake_child.py")

CONFIG_TOML = """
[settings]
timezone = "Europe/Paris"
misfire_grace_hours = 6

[sources.alpha]
kind = "jobposting"
base_url = "http://127.0.0.1:9/alpha"
schedule = "0 2 * * *"
time_limit = 30

[sources.beta]
kind = "feed"
base_url = "http://127.0.0.1:9/beta"
schedule = "30 3 * * 1-5"
time_limit = 30
"""


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "sources.toml"
    path.write_text(CONFIG_TOML, encoding="utf-8")
    return path


def _fake_child(mode: str, db_url: str, flag: Path | None = None) -> Callable[[int], list[str]]:
    def argv(run_id: int) -> list[str]:
        cmd = [sys.executable, str(FAKE_CHILD), mode, "--db", db_url, "--run-id", str(run_id)]
        return cmd + (["--flag", str(flag)] if flag else [])
    return argv


@pytest.fixture
def fake_child() -> Callable[..., Callable[[int], list[str]]]:
    """``fake_child(mode, db_url, flag=None)``: a ``_child_argv`` for ``launch_crawl`` running
    tests/ops/fake_child.py in ``mode``."""
    return _fake_child


@pytest.fixture
def wait_for() -> Callable[..., object]:
    """``wait_for(predicate, timeout=30, what=…)``: poll until truthy (a bound on waiting,
    never a timing assertion)."""
    return _wait_for


@pytest.fixture
def catalogue_url(engine, db_url: str) -> str:
    """``db_url`` (SQLite, then PostgreSQL) with the schema created: PostgreSQL databases
    are not upgraded on first use."""
    return db_url
