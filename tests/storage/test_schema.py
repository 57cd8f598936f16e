"""The schema: models ⇔ migration (Alembic's compare_metadata, SQLite and PostgreSQL), the
migration's downgrade/upgrade round trip, and the public view's columns = CATALOGUE.md's
record."""

from __future__ import annotations

import re
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from expected_tables import tables
from storage.db import MIGRATIONS_DIR, current_revision, head_revision
from storage.models import Base
from storage.views import VIEW_COLUMNS, VIEW_NAME


def _diff(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def _alembic(engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def catalogue_record_fields(shared_dir: Path) -> tuple[str, ...]:
    """The field names of CATALOGUE.md's record table, in order (`a`, `b` cells give two)."""
    md = (shared_dir / "CATALOGUE.md").read_text(encoding="utf-8")
    record = next(rows for rows in tables(md) if rows and {"field", "type"} <= set(rows[0]))
    return tuple(name for row in record for name in re.findall(r"`(\w+)`", row["field"]))


def test_the_migration_builds_exactly_the_models(engine):
    assert current_revision(engine) == head_revision()
    assert _diff(engine) == []


def test_downgrade_to_nothing_and_back(engine):
    command.downgrade(_alembic(engine), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    assert VIEW_NAME not in inspect(engine).get_view_names()
    command.upgrade(_alembic(engine), "head")
    assert _diff(engine) == []


def test_view_columns_are_the_catalogue_record(engine, shared_dir):
    assert VIEW_COLUMNS == catalogue_record_fields(shared_dir)
    assert VIEW_NAME in inspect(engine).get_view_names()
    with engine.connect() as conn:
        result = conn.execute(text(f"SELECT * FROM {VIEW_NAME} WHERE 1 = 0"))
        assert tuple(result.keys()) == VIEW_COLUMNS
