"""Benchmark: bulk upsert of N normalized postings, then exports of the catalogue.

    python -m bench.store --offers 10000 --offers 50000
    python -m bench.store --offers 10000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

For each N, in a fresh database and a fresh process (so the figures are the run's own):

1. builds N normalized postings from the replica generator's ground truth (what the
   normalizer gives for the pages the replica serves: same fields, descriptions as text);
2. upserts them in batches of 500 (:func:`storage.postings.upsert_postings`, as the store
   pipeline does) → postings/s; then upserts them again unchanged (a re-crawl) → postings/s;
3. merges them into offers (:func:`pipeline.dedup.dedup_pending`) → seconds;
4. exports the active catalogue as CSV and as JSON (:func:`storage.exports.export_offers`)
   to a file → rows/s and the peak Python memory of the export (tracemalloc), which must stay
   flat as N grows: rows are streamed, never all held.

Prints figures only; goals live in bench/RESULTS.md, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

BATCH = 500


def normalized_postings(n: int, seed: int) -> list[tuple[Any, dict[str, Any]]]:
    """(NormalizedPosting, raw dict) pairs for ``n`` generated postings, as the pipeline stores them."""
    from crawlers.replica.generator import generate
    from crawlers.replica.render import description_html
    from normalize.employers import employer_key
    from normalize.record import NormalizedPosting
    from normalize.text import sanitize_and_flatten

    names = {"pep": "replica_pep", "jobposting": "replica_jobposting", "feed": "replica_feed", "api": "replica_api"}
    out = []
    for p in generate(n, seed=seed).postings:
        t = p.truth
        html, text = sanitize_and_flatten("".join(description_html(p)))
        record = NormalizedPosting(
            source=names[p.source_kind], reference=p.reference, url=f"https://replica.example{p.url}",
            title=t["title"], employer=t["employer"], ministry=t["ministry"], public_service=t["public_service"],
            category=t["category"], contract=t["contract"], city=t["city"], department_code=t["department_code"],
            region=t["region"], remote=t["remote"], salary_min=t["salary_min"], salary_max=t["salary_max"],
            published_at=date.fromisoformat(t["published_at"]) if t["published_at"] else None,
            deadline=date.fromisoformat(t["deadline"]) if t["deadline"] else None,
            job_family=t["job_family"], description=text, description_html=html, is_digital=t["is_digital"],
            employer_key=employer_key(t["employer"]))
        raw = {"source": record.source, "kind": p.source_kind, "reference": p.reference, "url": record.url,
               "listing_ref": p.reference, "listing_key": str(p.revision), "detail_fetched": True}
        out.append((record, raw))
    return out


def _fresh_database(url: str | None, tmp: Path) -> tuple[str, Any]:
    from bench.crawl import _fresh_database as fresh

    return fresh(url, tmp)


def _upsert(engine: Any, items: list[tuple[Any, dict[str, Any]]]) -> float:
    from storage.db import session
    from storage.postings import upsert_postings

    t0 = time.perf_counter()
    for i in range(0, len(items), BATCH):
        with session(engine) as s, s.begin():
            upsert_postings(s, items[i:i + BATCH], run_id=None, seen_at=datetime.now(timezone.utc))
    return time.perf_counter() - t0


def _export(engine: Any, fmt: str, path: Path) -> dict[str, Any]:
    from storage.exports import export_offers

    tracemalloc.start()
    t0 = time.perf_counter()
    result = export_offers(engine, path, fmt=fmt)
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"rows": result.rows, "seconds": round(seconds, 2), "rows_per_s": round(result.rows / seconds),
            "peak_mib": round(peak / 2**20, 1), "mib_file": round(path.stat().st_size / 2**20, 1)}


def run(n: int, seed: int, db: str | None) -> dict[str, Any]:
    """Every figure for one size, in this process."""
    from pipeline.dedup import dedup_pending
    from storage.db import connect, session

    with tempfile.TemporaryDirectory(prefix="catalogue-bench-store-") as tmpdir:
        tmp = Path(tmpdir)
        db_url, drop = _fresh_database(db, tmp)
        try:
            engine = connect(db_url, auto_upgrade=True)
            items = normalized_postings(n, seed)
            first = _upsert(engine, items)
            again = _upsert(engine, items)
            t0 = time.perf_counter()
            with session(engine) as s, s.begin():
                dedup_pending(s, run_id=None)
            merge = time.perf_counter() - t0
            csv = _export(engine, "csv", tmp / "offres.csv")
            js = _export(engine, "json", tmp / "offres.json")
            engine.dispose()
        finally:
            drop()
    return {"postings": n, "database": "sqlite" if not db or db.startswith("sqlite") else "postgresql",
            "upsert_postings_per_s": round(n / first), "upsert_seconds": round(first, 2),
            "reupsert_unchanged_per_s": round(n / again), "merge_seconds": round(merge, 2),
            "export_csv": csv, "export_json": js}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, action="append", help="postings to store (repeat for several sizes)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", help="database server URL (default: a fresh SQLite file)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # child mode: one size, JSON out
    args = parser.parse_args(argv)
    sizes = args.offers or [10_000]
    if args.one:
        print(json.dumps(run(sizes[0], args.seed, args.db)))
        return 0
    results = []
    for n in sizes:
        cmd = [sys.executable, "-m", "bench.store", "--one", "--offers", str(n), "--seed", str(args.seed)]
        if args.db:
            cmd += ["--db", args.db]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
        fig = json.loads(proc.stdout.strip().splitlines()[-1])
        results.append(fig)
        c, j = fig["export_csv"], fig["export_json"]
        print(f"{n} postings on {fig['database']}: upsert {fig['upsert_postings_per_s']} postings/s "
              f"({fig['upsert_seconds']} s), unchanged re-upsert {fig['reupsert_unchanged_per_s']} postings/s, "
              f"merge into offers {fig['merge_seconds']} s")
        print(f"  export csv: {c['rows']} offers, {c['rows_per_s']} rows/s, peak {c['peak_mib']} MiB "
              f"({c['mib_file']} MiB file); json: {j['rows_per_s']} rows/s, peak {j['peak_mib']} MiB")
    if len(results) > 1:
        small, large = results[0], results[-1]
        print(f"export peak memory, {large['postings']} vs {small['postings']} postings: "
              f"csv ×{large['export_csv']['peak_mib'] / max(small['export_csv']['peak_mib'], 0.1):.2f}, "
              f"json ×{large['export_json']['peak_mib'] / max(small['export_json']['peak_mib'], 0.1):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
