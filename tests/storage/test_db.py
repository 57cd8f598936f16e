"""storage.db.connect / upgrade on databases a user may point at by mistake: each is a
DatabaseError with one line (the CLI prints it), never a traceback, never a silent change."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from storage.db import DatabaseError, connect, create_db_engine, current_revision, head_revision, upgrade


def _set_revision(engine, revision: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})


def test_a_schema_from_a_newer_release_is_refused_not_upgraded(db_url, engine):
    """A revision these migrations do not know: Alembic raised an uncaught CommandError (a
    traceback); on SQLite the automatic upgrade tried it first."""
    _set_revision(engine, "9999_future")
    with pytest.raises(DatabaseError, match=r"revision '9999_future', unknown to this program \(latest"):
        connect(db_url)
    with pytest.raises(DatabaseError, match="unknown to this program"):
        upgrade(engine)
    assert current_revision(engine) == "9999_future"  # nothing touched


def test_a_file_that_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(DatabaseError, match=r"^cannot open database .*notes\.db: file is not a database$"):
        connect(f"sqlite:///{path}")


def test_must_exist_never_creates_a_sqlite_file(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(DatabaseError, match=r"^no catalogue database at .*typo\.db"):
        connect(f"sqlite:///{path}", must_exist=True)
    assert not path.exists()
    # without it, SQLite databases are created on first use (crawls, `db upgrade`)
    engine = connect(f"sqlite:///{path}")
    assert current_revision(engine) == head_revision()
    engine.dispose()
    engine = connect(f"sqlite:///{path}", must_exist=True)
    assert "catalogue_offers" in inspect(engine).get_view_names()
    engine.dispose()


def test_tables_without_a_revision_are_not_migrated_over(tmp_path):
    """A database whose tables were made outside the migrations: one line, no half-made schema."""
    path = tmp_path / "made-by-hand.db"
    engine = connect(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    with pytest.raises(DatabaseError, match="already exists"):
        connect(f"sqlite:///{path}")
    check = create_db_engine(f"sqlite:///{path}")
    assert set(inspect(check).get_table_names()) - {"alembic_version"} == tables  # Alembic's own table aside
    check.dispose()
