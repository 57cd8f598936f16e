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
    (["crawl", "pep", "--db", "postgresql://nobody@127.0.0.1:1/x"], "cannot open database"),
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


def test_sources_lists_kind_and_base_url():
    proc = run_cli("sources")
    assert proc.returncode == 0, proc.stderr
    assert "choisirleservicepublic.gouv.fr" in proc.stdout and "jobposting" in proc.stdout
