"""Throw-away databases for tests (imported by conftest.py and test modules).

- :func:`fresh_pg_database`: a new, empty PostgreSQL database on the test server.
- :func:`module_database`: a migrated catalogue database (SQLite or PostgreSQL) for a
  module-scoped fixture parametrized with :data:`BACKENDS`.

``tests/conftest.py`` builds its fixtures on them (``module_engine``, ``emptied_engine``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable

import pytest

#: params of a module-scoped fixture on both databases
BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)]


def fresh_pg_database(server_url: str) -> tuple[str, Callable[[], None]]:
    """Create a throw-away database on the test server; return its URL and a dropper."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"cat_test_{uuid.uuid4().hex[:10]}"
    base = make_url(server_url)
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base.set(database=name).render_as_string(hide_password=False)

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :n AND pid <> pg_backend_pid()"), {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    return url, drop


@contextmanager
def module_database(request: Any, tmp_path_factory: Any) -> Iterator[Any]:
    """A fresh, migrated catalogue database for a module-scoped fixture parametrized
    ``"sqlite"`` / ``"postgresql"`` (:data:`BACKENDS`), disposed of and dropped afterwards."""
    from storage.db import connect

    drop = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('catalogue') / 'catalogue.db'}"
    else:
        url, drop = fresh_pg_database(request.getfixturevalue("pg_server_url"))
    engine = connect(url, auto_upgrade=True)
    try:
        yield engine
    finally:
        engine.dispose()
        if drop is not None:
            drop()
