"""The CLI contract: unknown options, bad DB URLs and bad config give one line, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "catalogue", *args], capture_output=True, text=True,
                          timeout=120, env=env)


@pytest.mark.parametrize("args, needle", [
    (["--bogus"], "No such option"),
    (["crawl", "pep", "--bogus"], "No such option"),
    (["export", "--format", "csv", "--db", "foo://x"], "unsupported database"),
    (["export", "--db", "postgresql://postgres@127.0.0.1:notaport/x"], "invalid database URL"),  # was a ValueError
    (["export", "--db", "postgresql://postgres@[::1"], "invalid database URL"),
    (["crawl", "pep", "--db", "postgresql://nobody@127.0.0.1:1/x"], "cannot open database"),
    # several sources: their fork server, started first, is stopped on the way out
    (["crawl", "--all", "--db", "postgresql://nobody@127.0.0.1:1/x"], "cannot open database"),
    (["crawl", "nope"], "unknown source 'nope'"),
    (["crawl", "pep", "--config", "/nonexistent.toml"], "configuration file not found"),
])
def test_user_errors_are_one_line(args, needle, tmp_path):
    import os

    env = {**os.environ, "CATALOGUE_DB_URL": f"sqlite:///{tmp_path / 'c.db'}"}
    proc = run_cli(*args, env=env)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert needle in lines[0]


def _not_utf8(tmp_path):
    path = tmp_path / "sources.toml"
    path.write_bytes(b"\xff\xfe[sources.x]\n")
    return str(path)


def _newer_schema(tmp_path):
    from sqlalchemy import text

    from storage.db import connect

    url = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = connect(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    engine.dispose()
    return url


def _not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not a database\n" * 100)
    return f"sqlite:///{path}"


def _config(tmp_path, body):
    path = tmp_path / "sources.toml"
    path.write_text('[sources.x]\nkind = "pep"\nbase_url = "http://127.0.0.1:9"\n' + body, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("args, needle", [
    # a bad cron line was only noticed when the scheduler started
    (lambda t: ["sources", "--config", _config(t, 'schedule = "61 2 * * *"\n')], "[sources.x] schedule: "),
    (lambda t: ["crawl", "x", "--config", _config(t, 'schedule = "0 2 * *"\n')], "expected 5 crontab fields"),
    # a typo was silently ignored, a string "false" read as true
    (lambda t: ["crawl", "x", "--config", _config(t, "concurency = 3\n")], "did you mean 'concurrency'?"),
    (lambda t: ["sources", "--config", _config(t, 'digital_only = "false"\n')], "must be true or false"),
    # a crawl went through, then its process crashed on the comparison
    (lambda t: ["crawl", "x", "--config", _config(t, '[settings]\nsuspect_drop_share = "half"\n')],
     "suspect_drop_share must be a number"),
    # --config was ignored by export unless --source was given
    (lambda t: ["export", "--config", str(t / "missing.toml"), "--db", f"sqlite:///{t / 'c.db'}"],
     "configuration file not found"),
])
def test_configuration_mistakes_are_one_line_before_anything_runs(args, needle, tmp_path):
    proc = run_cli(*args(tmp_path))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr


@pytest.mark.parametrize("args, needle", [
    (lambda t: ["sources", "--config", str(t)], "cannot read configuration file"),       # a directory
    (lambda t: ["sources", "--config", _not_utf8(t)], "is not UTF-8 text"),
    (lambda t: ["export", "--db", _newer_schema(t)], "schema revision '0099', unknown to this program"),
    (lambda t: ["status", "--db", _newer_schema(t)], "schema revision '0099', unknown to this program"),
    (lambda t: ["db", "upgrade", "--db", _newer_schema(t)], "schema revision '0099', unknown to this program"),
    (lambda t: ["export", "--db", _not_a_database(t)], "file is not a database"),
    (lambda t: ["runs", "--db", _not_a_database(t)], "file is not a database"),
])
def test_unusable_files_are_one_line(args, needle, tmp_path):
    """These gave a traceback: a config path that is a directory or not UTF-8, a database
    written by a newer release, a file that is not a database."""
    proc = run_cli(*args(tmp_path))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and needle in lines[0], proc.stderr


def test_stdout_on_a_full_disk_is_one_line():
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "catalogue", "sources"], stdout=full, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["catalogue: error: No space left on device"]


def test_sources_lists_kind_and_base_url():
    proc = run_cli("sources")
    assert proc.returncode == 0, proc.stderr
    assert "choisirleservicepublic.gouv.fr" in proc.stdout and "jobposting" in proc.stdout
