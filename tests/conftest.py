"""Shared fixtures.

- ``shared_dir``: ``../shared`` (the contracts and sample pages). Missing → skip, except
  under CI (``CI`` set) where it fails.
- ``pg_url``: ``CATALOGUE_TEST_PG_URL``. Unset → skip, except under CI where it fails.
- ``db_url``: parametrized over a fresh SQLite file and (when available) a fresh
  PostgreSQL schema, so storage tests run on both targets; ``engine`` on it.
- ``module_engine``: one database per module and dialect; ``emptied_engine``: that database
  emptied before each test (fast on PostgreSQL).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pgdb import BACKENDS, module_database
from pgdb import fresh_pg_database as _fresh_pg_database

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("CATALOGUE_SHARED_DIR", REPO.parent / "shared"))


def _missing(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required when CI is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not (SHARED / "sources").is_dir():
        _missing(f"the shared contracts are not at {SHARED}")
    return SHARED


@pytest.fixture(scope="session")
def samples_dir(shared_dir: Path) -> Path:
    return shared_dir / "sources"


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    url = os.environ.get("CATALOGUE_TEST_PG_URL")
    if not url:
        _missing("CATALOGUE_TEST_PG_URL is not set")
    return url


@pytest.fixture
def pg_url(pg_server_url: str):
    """A fresh, empty PostgreSQL database (dropped afterwards)."""
    url, drop = _fresh_pg_database(pg_server_url)
    try:
        yield url
    finally:
        drop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'catalogue.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh catalogue database URL: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalogue.db'}"
    server = request.getfixturevalue("pg_server_url")
    url, drop = _fresh_pg_database(server)
    request.addfinalizer(drop)
    return url


@pytest.fixture
def engine(db_url: str):
    """An engine on a fresh, migrated catalogue database (SQLite and PostgreSQL)."""
    from storage.db import connect

    eng = connect(db_url, auto_upgrade=True)
    yield eng
    eng.dispose()


@pytest.fixture(scope="module", params=BACKENDS)
def module_engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """One migrated database per test module and dialect (SQLite, then PostgreSQL)."""
    with module_database(request, tmp_path_factory) as eng:
        yield eng


@pytest.fixture
def emptied_engine(module_engine):
    """The module's database, emptied: a fresh catalogue for each test, without the cost of
    creating a database per test (slow on PostgreSQL). A module uses it as its ``engine``::

        @pytest.fixture
        def engine(emptied_engine):
            return emptied_engine
    """
    from storage.models import Base

    with module_engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    return module_engine
