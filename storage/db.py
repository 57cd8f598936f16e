"""Connecting to the catalogue database and keeping its schema current.

The database URL comes from ``--db``, else ``CATALOGUE_DB_URL``, else an SQLite file
``catalogue.db`` in the working directory. PostgreSQL URLs may be written
``postgresql://…``; they are used through psycopg 3.

>>> engine = connect("sqlite:///catalogue.db")   # creates/upgrades an SQLite schema
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_FILE = "catalogue.db"
MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class DatabaseError(RuntimeError):
    """The catalogue database URL is invalid, unreachable, or its schema is not current."""


def resolve_db_url(url: str | None = None) -> str:
    """``url``, else ``$CATALOGUE_DB_URL``, else ``sqlite:///catalogue.db`` (working dir)."""
    url = url or os.environ.get("CATALOGUE_DB_URL")
    if not url:
        return f"sqlite:///{Path(DEFAULT_DB_FILE).resolve()}"
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseError(f"invalid database URL: {url!r}") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif parsed.drivername not in ("sqlite", "sqlite+pysqlite", "postgresql+psycopg"):
        raise DatabaseError(
            f"unsupported database {parsed.drivername!r}: use sqlite:///FILE or postgresql://…"
        )
    return parsed.render_as_string(hide_password=False)


def describe_url(url: str) -> str:
    """A printable form of the URL (password hidden; SQLite as its file path)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_db_engine(url: str | None = None) -> Engine:
    """An engine for ``url`` (see :func:`resolve_db_url`), without touching the schema."""
    url = resolve_db_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise DatabaseError(f"invalid database URL {url!r}: {exc}") from None
    return engine


def _alembic_config(engine: Engine):  # noqa: ANN202 - alembic types
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The newest revision of the shipped migrations (read once per process: they never change
    under a running program)."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return ScriptDirectory.from_config(cfg).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (Alembic)."""
    from alembic import command

    command.upgrade(_alembic_config(engine), revision)


def connect(url: str | None = None, *, auto_upgrade: bool | None = None) -> Engine:
    """An engine on a catalogue database whose schema is current.

    SQLite databases are created/upgraded on first use; a PostgreSQL database must be
    upgraded explicitly (``catalogue db upgrade``) unless ``auto_upgrade`` is True.
    Raises :class:`DatabaseError` with a one-line reason when that is not possible.

    The check costs an Alembic import and a query: a process started by one that already
    connected (the crawl child of ``pipeline.launch``) uses :func:`create_db_engine` instead.
    """
    engine = create_db_engine(url)
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        current = current_revision(engine)
        head = head_revision()
        if current != head:
            if not auto_upgrade:
                raise DatabaseError(
                    f"database schema is at {current or 'nothing'}, expected {head}: "
                    f"run `catalogue db upgrade --db {describe_url(engine.url.render_as_string(hide_password=True))}`"
                )
            upgrade(engine)
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseError(f"cannot open database {describe_url(str(engine.url))}: {reason}") from None
    return engine


@lru_cache(maxsize=8)
def _sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def session(engine: Engine) -> Session:
    """A new ORM session on ``engine`` (use as a context manager)."""
    return _sessionmaker(engine)()


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
