"""What every `catalogue` command shares: options, configuration and database access,
and one-line errors (no traceback for a user mistake).
"""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

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
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc))


def get_engine(db: str | None):
    """An engine on a current catalogue database, or a one-line error."""
    try:
        return connect(db)
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
