"""`catalogue db upgrade|current`: the schema, migrated with Alembic."""

from __future__ import annotations

import typer

from catalogue.common import DbOption, fail, get_db_url, short_error
from storage.db import DatabaseError, create_db_engine, current_revision, describe_url, head_revision, upgrade


def register(app: typer.Typer) -> None:
    db_app = typer.Typer(help="The catalogue database schema (Alembic migrations).", no_args_is_help=True)

    @db_app.command("upgrade")
    def db_upgrade(db: DbOption = None, revision: str = typer.Option("head", help="Target revision.")) -> None:
        """Create or upgrade the catalogue schema (SQLite or PostgreSQL)."""
        url = get_db_url(db)
        engine = create_db_engine(url)
        try:
            upgrade(engine, revision)
            print(f"database {describe_url(url)} at revision {current_revision(engine) or 'empty (base)'}")
        except DatabaseError as exc:
            fail(str(exc))
        except Exception as exc:  # noqa: BLE001 - connection errors of any driver
            fail(f"cannot upgrade {describe_url(url)}: {short_error(exc)}")
        finally:
            engine.dispose()

    @db_app.command("current")
    def db_current(db: DbOption = None) -> None:
        """Show the schema revision of the database and the latest one."""
        url = get_db_url(db)
        engine = create_db_engine(url)
        try:
            print(f"database {describe_url(url)}: {current_revision(engine) or 'empty'} (latest {head_revision()})")
        except Exception as exc:  # noqa: BLE001
            fail(f"cannot read {describe_url(url)}: {short_error(exc)}")
        finally:
            engine.dispose()

    app.add_typer(db_app, name="db")
