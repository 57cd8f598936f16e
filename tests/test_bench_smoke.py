"""Smoke runs of the benchmark scripts with tiny sizes, so that they cannot rot.

They check that each script runs end to end and prints its figures; the figures
themselves (speed, memory) are never asserted here: they belong to bench/RESULTS.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def run_bench(*args: str, timeout: float = 300) -> str:
    env = {**os.environ, "PYTHONPATH": str(REPO), "CATALOGUE_LOG_LEVEL": "WARNING"}
    proc = subprocess.run([sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def test_crawl_benchmark_runs():
    out = run_bench("bench.crawl", "--offers", "40", "--history", "1")
    assert "first crawl:" in out and "incremental crawl:" in out and "bare spider:" in out
    assert "detail requests: 0" in out
    # the history (one gone copy of each posting) is in the database the re-crawl reads
    postings = int(out.split(" postings → ")[0].rpartition(" ")[2])
    assert f"history: {postings} gone postings" in out


@pytest.mark.pg
def test_crawl_benchmark_runs_on_postgresql(pg_server_url):
    out = run_bench("bench.crawl", "--offers", "30", "--db", pg_server_url, "--history", "1")
    assert "database: postgresql" in out
    postings = int(out.split(" postings → ")[0].rpartition(" ")[2])
    assert f"history: {postings} gone postings" in out


def test_dedup_benchmark_runs():
    out = run_bench("bench.dedup", "--postings", "400")
    assert "F1" in out and "precision" in out


def test_store_benchmark_runs():
    out = run_bench("bench.store", "--offers", "150", "--offers", "300")
    assert "export csv" in out and "export peak memory" in out


def test_classifier_evaluation_runs():
    out = run_bench("bench.classifier")
    assert "precision" in out and "recall" in out
