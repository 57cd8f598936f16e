"""What every `catalogue` command shares: options, configuration and database access,
and one-line errors (no traceback for a user mistake).
"""

from __future__ import annotations

import sys
from typing import Annotated, Iterable, NoReturn, Sequence

import typer

from crawlers.config import Config, ConfigError, load_config
from storage.db import DatabaseError, connect, resolve_db_url

ConfigOption = Annotated[
    str | None,
    typer.Option("--config", help="Sources configuration (TOML). Default: $CATALOGUE_CONFIG or the shipped one.",
                 envvar="CATALOGUE_CONFIG", show_default=False),
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Catalogue database URL. Default: $CATALOGUE_DB_URL or sqlite:///catalogue.db.",
                 envvar="CATALOGUE_DB_URL", show_default=False),
]


class CliError(Exception):
    """A user-facing error: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def fail(message: str, code: int = 2) -> NoReturn:
    raise CliError(message, code)


def get_config(path: str | None) -> Config:
    """The sources configuration, or a one-line error.

    Besides :class:`ConfigError` (not TOML, a bad source), a path that is a directory or
    unreadable, a file that is not UTF-8 text, and a ``schedule`` that is not a crontab
    line (checked here for every command, not only when the scheduler starts), are user
    errors too.
    """
    try:
        config = load_config(path)
        from scheduler import schedule_errors

        errors = schedule_errors(config)
        if errors:
            name, reason = next(iter(errors.items()))
            raise ConfigError(f"[sources.{name}] schedule: {reason}")
        return config
    except ConfigError as exc:
        fail(str(exc))
    except UnicodeDecodeError:
        fail(f"configuration file {path} is not UTF-8 text (a TOML file is)")
    except OSError as exc:
        fail(f"cannot read configuration file {exc.filename or path}: {exc.strerror or exc}")


def get_engine(db: str | None, *, must_exist: bool = False):
    """An engine on a current catalogue database, or a one-line error.

    ``must_exist``: commands that only read the catalogue refuse to create a new SQLite
    file (see :func:`storage.db.connect`).
    """
    try:
        return connect(db, must_exist=must_exist)
    except DatabaseError as exc:
        fail(str(exc))


def get_db_url(db: str | None) -> str:
    try:
        return resolve_db_url(db)
    except DatabaseError as exc:
        fail(str(exc))


def short_error(exc: BaseException) -> str:
    """The first line of an exception's message (the driver's own words when wrapped)."""
    inner = getattr(exc, "orig", None) or exc
    text = str(inner).strip() or type(inner).__name__
    return text.splitlines()[0]


def eprint(*args: object) -> None:
    print(*args, file=sys.stderr)


def print_table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """A table on stdout: a rich table on a terminal, tab-separated lines otherwise.

    Piped output (``catalogue sources | cut -f2``) keeps every value whole, never
    truncated to the width of a terminal that is not there.
    """
    rows = [["" if v is None else str(v) for v in row] for row in rows]
    if sys.stdout.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=title)
        for col in columns:
            table.add_column(col, overflow="fold")
        for row in rows:
            table.add_row(*row)
        Console().print(table)
        return
    print("\t".join(columns))
    for row in rows:
        print("\t".join(v.replace("\t", " ").replace("\n", " ") for v in row))
