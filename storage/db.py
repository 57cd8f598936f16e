"""Connecting to the catalogue database and keeping its schema current.

The database URL comes from ``--db``, else ``CATALOGUE_DB_URL``, else an SQLite file
``catalogue.db`` in the working directory. PostgreSQL URLs may be written
``postgresql://…``; they are used through psycopg 3.

>>> engine = connect("sqlite:///catalogue.db")   # creates/upgrades an SQLite schema
"""

from __future__ import annotations

import os
import re
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_DB_FILE = "catalogue.db"
#: the password of a URL that could not be parsed, hidden in the error message ("user:secret@")
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@/]*@")
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
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number ("host:abc")
        shown = _PASSWORD_IN_URL.sub(r"\1***@", url)
        raise DatabaseError(f"invalid database URL: {shown!r}") from None
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


#: seconds an SQLite statement waits for another process's write lock before "database is locked"
SQLITE_BUSY_TIMEOUT = 30.0


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def create_db_engine(url: str | None = None, *, busy_timeout: float = SQLITE_BUSY_TIMEOUT) -> Engine:
    """An engine for ``url`` (see :func:`resolve_db_url`), without touching the schema.

    ``busy_timeout`` (SQLite only): seconds a write waits for another process's write lock
    before failing with "database is locked" (0: fail at once, for a writer that has better
    to do than wait — ``pipeline.pipelines.StorePipeline``).
    """
    url = resolve_db_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"timeout": busy_timeout})
            event.listen(engine, "connect", partial(_sqlite_pragmas, busy_timeout=busy_timeout))
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


@lru_cache(maxsize=1)
def known_revisions() -> frozenset[str]:
    """Every revision of the shipped migrations (read once per process)."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    return frozenset(script.revision for script in ScriptDirectory.from_config(cfg).walk_revisions())


def check_revision_known(engine: Engine, current: str | None) -> None:
    """Raise :class:`DatabaseError` when the database is at a revision these migrations do not
    know: it was written by a newer release of the program (or another application), and no
    upgrade or downgrade from here can be trusted."""
    if current is not None and current not in known_revisions():
        raise DatabaseError(
            f"database {describe_url(engine.url.render_as_string(hide_password=True))} is at schema revision "
            f"{current!r}, unknown to this program (latest {head_revision()}): it was written by a newer "
            "release; use that release (or a newer one) to read it"
        )


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Create or upgrade the schema to ``revision`` (Alembic).

    Raises :class:`DatabaseError` when the database is at a revision this program does not
    know (see :func:`check_revision_known`).
    """
    from alembic import command

    check_revision_known(engine, current_revision(engine))
    command.upgrade(_alembic_config(engine), revision)


def sqlite_file(engine: Engine) -> Path | None:
    """The file of an SQLite engine (None for PostgreSQL or an in-memory database)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def connect(url: str | None = None, *, auto_upgrade: bool | None = None, must_exist: bool = False) -> Engine:
    """An engine on a catalogue database whose schema is current.

    SQLite databases are created/upgraded on first use; a PostgreSQL database must be
    upgraded explicitly (``catalogue db upgrade``) unless ``auto_upgrade`` is True.
    ``must_exist=True`` (the read-only commands: export, stats, report) refuses to create
    a new SQLite file: a mistyped path, or the default ``catalogue.db`` of another working
    directory, is an error rather than an empty catalogue and a stray file.
    Raises :class:`DatabaseError` with a one-line reason when that is not possible: a URL
    that cannot be used, a server that cannot be reached, a file that is not a database,
    or a schema written by a newer release of the program.

    The check costs an Alembic import and a query: a process started by one that already
    connected (the crawl child of ``pipeline.launch``) uses :func:`create_db_engine` instead.
    """
    engine = create_db_engine(url)
    shown = describe_url(engine.url.render_as_string(hide_password=True))
    file = sqlite_file(engine)
    if must_exist and file is not None and not file.is_file():
        engine.dispose()
        raise DatabaseError(f"no catalogue database at {shown} (crawl first, or check --db / $CATALOGUE_DB_URL)")
    if auto_upgrade is None:
        auto_upgrade = engine.dialect.name == "sqlite"
    try:
        current = current_revision(engine)
        head = head_revision()
        if current != head:
            check_revision_known(engine, current)
            if not auto_upgrade:
                raise DatabaseError(
                    f"database schema is at {current or 'nothing'}, expected {head}: "
                    f"run `catalogue db upgrade --db {shown}`"
                )
            upgrade(engine)
    except DBAPIError as exc:  # unreachable server, refused login, a file that is not a database…
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig and str(exc.orig).strip() else type(exc).__name__
        raise DatabaseError(f"cannot open database {shown}: {reason}") from None
    except DatabaseError:
        engine.dispose()
        raise
    return engine


@lru_cache(maxsize=8)
def _sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def session(engine: Engine) -> Session:
    """A new ORM session on ``engine`` (use as a context manager)."""
    return _sessionmaker(engine)()


def table_names(engine: Engine) -> list[str]:
    return inspect(engine).get_table_names()
