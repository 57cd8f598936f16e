"""Throw-away PostgreSQL databases for tests (imported by conftest.py and test modules)."""

from __future__ import annotations

import uuid
from typing import Callable


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
