"""Benchmark: the whole pipeline on a replica of N offers, against a bare Scrapy spider.

    python -m bench.crawl --offers 10000                 # SQLite in a temporary directory
    python -m bench.crawl --offers 10000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

1. Serves a replica of N postings over the four source kinds (planted duplicates included)
   on 127.0.0.1, without download delay, rate limit or AutoThrottle.
2. Crawls it end to end into a fresh database, one source after the other, each in its own
   process (``pipeline.launch.launch_crawl``, exactly as `catalogue crawl --all`): offers per
   second, requests, peak memory (RSS of the crawl processes), time per stage.
3. Crawls it again, unchanged: the incremental crawl's requests (detail requests must be 0)
   and time.
4. Times a bare Scrapy spider (``bench/bare_spider.py``: download only, no parsing, no
   pipeline) on the very URLs the first crawl fetched, same concurrency, and prints the ratio
   of the pipeline's page rate to the bare spider's.

Prints figures only; goals live in bench/RESULTS.md, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

KINDS = ("pep", "jobposting", "feed", "api")


def _fresh_database(url: str | None, tmp: Path) -> tuple[str, Any]:
    """A fresh database URL (SQLite file in ``tmp``, or a new PostgreSQL database) and a dropper."""
    if not url or url.startswith("sqlite"):
        return f"sqlite:///{tmp / 'bench.db'}", lambda: None
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(url)
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    name = f"cat_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


def _sources_toml(base_urls: dict[str, str], concurrency: int) -> str:
    from crawlers.replica.server import replica_sources_toml

    text = replica_sources_toml(base_urls)
    return text.replace("concurrency = 8", f"concurrency = {concurrency}\nautothrottle = false")


def _crawl_all(config: Path, db_url: str, server: Any) -> dict[str, Any]:
    from crawlers.config import load_config
    from pipeline.launch import launch_crawl

    cfg = load_config(config)
    server.reset_stats()
    runs = []
    t0 = time.monotonic()
    for name in cfg.sources:
        t = time.monotonic()
        outcome = launch_crawl(name, config_path=str(config), db_url=db_url, trigger="bench")
        runs.append({"source": name, "status": outcome.status, "seconds": round(time.monotonic() - t, 2),
                     **{k: outcome.counters.get(k) for k in ("items_seen", "items_new", "detail_skipped",
                                                              "not_found", "requests")}})
    seconds = time.monotonic() - t0
    requests = server.stats()
    return {"seconds": seconds, "runs": runs, "requests": requests,
            "pages": sum(v for kind in requests.values() for k, v in kind.items() if k != "rate_limited")}


def _stage_times(db_url: str) -> dict[str, float]:
    """Seconds per stage summed over the crawl runs of the database (from their run records)."""
    from storage.db import connect, session
    from storage.models import CrawlRun

    engine = connect(db_url)
    out = {"download+parse": 0.0, "normalize": 0.0, "store": 0.0, "dedup+expiry": 0.0}
    with session(engine) as s:
        for run in s.query(CrawlRun).order_by(CrawlRun.id):
            stats = run.stats or {}
            scrapy_stats = stats.get("scrapy", {})
            timings = stats.get("timings", {})
            normalize = float(scrapy_stats.get("catalogue/seconds_normalize", 0) or 0)
            store = float(scrapy_stats.get("catalogue/seconds_store", 0) or 0)
            out["normalize"] += normalize
            out["store"] += store
            out["download+parse"] += max(0.0, float(timings.get("crawl_seconds", 0)) - normalize - store)
            out["dedup+expiry"] += float(timings.get("postcrawl_seconds", 0))
    engine.dispose()
    return {k: round(v, 2) for k, v in out.items()}


def _offers(db_url: str) -> tuple[int, int]:
    from sqlalchemy import func, select

    from storage.db import connect, session
    from storage.models import Offer, Posting

    engine = connect(db_url)
    with session(engine) as s:
        offers = s.scalar(select(func.count()).select_from(Offer)) or 0
        postings = s.scalar(select(func.count()).select_from(Posting)) or 0
    engine.dispose()
    return offers, postings


def _bare(urls: list[str], concurrency: int, tmp: Path) -> dict[str, Any]:
    url_file = tmp / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "bench.bare_spider", str(url_file), str(concurrency)],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=2000, help="postings in the replica (all kinds)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", help="database server URL (default: a fresh SQLite file)")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel requests (pipeline and bare spider)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    os.environ.setdefault("CATALOGUE_LOG_LEVEL", "WARNING")  # the figures, not the crawl logs

    from crawlers.replica.generator import generate
    from crawlers.replica.server import ReplicaServer

    with tempfile.TemporaryDirectory(prefix="catalogue-bench-") as tmpdir:
        tmp = Path(tmpdir)
        db_url, drop = _fresh_database(args.db, tmp)
        dataset = generate(args.offers, seed=args.seed)
        urls: list[str] = []
        try:
            with ReplicaServer(dataset, feed_window=0) as server:
                server.record_urls = urls  # the server appends every path it answers
                config = tmp / "sources.toml"
                config.write_text(_sources_toml(server.base_urls, args.concurrency), encoding="utf-8")
                first = _crawl_all(config, db_url, server)
                rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                first_urls = [server.root_url + u for u in urls]
                urls.clear()
                stages = _stage_times(db_url)
                offers, postings = _offers(db_url)
                second = _crawl_all(config, db_url, server)
                bare = _bare(first_urls, args.concurrency, tmp)
        finally:
            drop()

    detail_second = sum(k.get("detail", 0) for k in second["requests"].values())
    pipeline_rate = first["pages"] / first["seconds"]
    bare_rate = bare["pages"] / bare["seconds"] if bare["seconds"] else float("nan")
    figures = {
        "offers": args.offers, "database": "postgresql" if args.db and not args.db.startswith("sqlite") else "sqlite",
        "first_crawl": {"seconds": round(first["seconds"], 1), "pages": first["pages"],
                        "pages_per_s": round(pipeline_rate, 1),
                        "postings_per_s": round(postings / first["seconds"], 1),
                        "postings": postings, "offers": offers, "requests": first["requests"],
                        "stages_seconds": stages, "peak_rss_mb": round(rss_mb, 1), "runs": first["runs"]},
        "incremental_crawl": {"seconds": round(second["seconds"], 1), "requests": second["requests"],
                              "detail_requests": detail_second,
                              "time_ratio_to_first": round(second["seconds"] / first["seconds"], 3)},
        "bare_spider": {"pages": bare["pages"], "seconds": bare["seconds"], "pages_per_s": round(bare_rate, 1)},
        "pipeline_to_bare_rate": round(pipeline_rate / bare_rate, 3),
    }
    f = figures
    print(f"replica: {args.offers} postings over {', '.join(KINDS)}; database: {f['database']}")
    print(f"first crawl: {f['first_crawl']['seconds']} s, {f['first_crawl']['pages']} pages "
          f"({f['first_crawl']['pages_per_s']} pages/s, {f['first_crawl']['postings_per_s']} postings/s), "
          f"{postings} postings → {offers} offers, peak RSS {f['first_crawl']['peak_rss_mb']} MB")
    print(f"  stages (s): {stages}")
    for run in first["runs"]:
        print(f"  {run}")
    print(f"incremental crawl: {f['incremental_crawl']['seconds']} s "
          f"({f['incremental_crawl']['time_ratio_to_first']:.1%} of the first), requests {second['requests']}, "
          f"detail requests: {detail_second}")
    print(f"bare spider: {bare['pages']} pages in {bare['seconds']} s ({f['bare_spider']['pages_per_s']} pages/s)")
    print(f"pipeline page rate / bare spider page rate: {f['pipeline_to_bare_rate']:.1%}")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
