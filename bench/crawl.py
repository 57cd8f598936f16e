"""Benchmark: the whole pipeline on a replica of N offers, against a bare Scrapy spider.

    python -m bench.crawl --offers 10000                 # SQLite in a temporary directory
    python -m bench.crawl --offers 10000 --db postgresql+psycopg://postgres@127.0.0.1:5432/test

1. Serves a replica of N postings over the four source kinds (planted duplicates included)
   on 127.0.0.1, without download delay, rate limit or AutoThrottle.
2. Crawls it end to end into a fresh database, each source in its own process, ``--parallel``
   of them at once (``pipeline.launch.launch_crawls``, exactly as `catalogue crawl --all`:
   forked from a pre-importing fork server, or started the plain way with
   ``--no-fork-server``): offers per second, requests, peak memory (RSS of the crawl
   processes), time per stage (summed over the crawl processes: with crawls side by side
   the sum exceeds the wall time).
3. Crawls it again, unchanged: the incremental crawl's requests (detail requests must be 0)
   and time. With ``--history K``, the catalogue first gets K times its postings again as
   gone postings of expired offers (what months of nightly crawls leave behind: gone
   postings are kept for their history), so that the re-crawl shows what grows with the
   catalogue rather than with the offers online.
4. Times a bare Scrapy spider (``bench/bare_spider.py``: download only, no parsing, no
   pipeline) on the very URLs the first crawl fetched, same concurrency, and prints the ratio
   of the pipeline's page rate to the bare spider's. The bare spider runs twice: with
   Scrapy's defaults (the yardstick of the goal) and with the lean component set of
   ``crawlers/settings.py`` (what downloading alone costs with our settings).

Per run it prints the launch-to-end time, the crawl and post-crawl times recorded by the
crawl process, the rest (process start, imports, launcher) and the CPU time of the crawl
process and of its page-reading worker: CPU seconds do not depend on what else the machine
is doing, wall seconds do (``nproc``, the CPU and the load averages are printed too).

Prints figures only; goals live in bench/RESULTS.md, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime
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

    fresh = base.set(database=name).render_as_string(hide_password=False)
    from storage.db import connect

    connect(fresh, auto_upgrade=True).dispose()  # what `catalogue db upgrade` does before a first crawl
    return fresh, drop


def _sources_toml(base_urls: dict[str, str], concurrency: int, page_workers: int | None) -> str:
    from crawlers.replica.server import replica_sources_toml

    text = replica_sources_toml(base_urls)
    extra = f"\npage_workers = {page_workers}" if page_workers is not None else ""
    return text.replace("concurrency = 8", f"concurrency = {concurrency}\nautothrottle = false{extra}")


def _crawl_all(config: Path, db_url: str, server: Any, *, parallel: int, fork_server: bool = True) -> dict[str, Any]:
    """Crawl every source, ``parallel`` at once, as one `catalogue crawl --all` does
    (``launch_crawls``: its own fork server, so the crawl processes are its children and their
    peak RSS reaches ours once it is closed)."""
    from crawlers.config import load_config
    from pipeline.launch import launch_crawls

    cfg = load_config(config)
    server.reset_stats()
    cpu0 = _own_cpu()
    t0 = time.monotonic()
    outcomes = launch_crawls(list(cfg.sources), config_path=str(config), db_url=db_url, parallel=parallel,
                             use_fork_server=fork_server, trigger="bench")
    seconds = time.monotonic() - t0
    runs = [{"source": o.source, "run_id": o.run_id, "status": o.status, "seconds": round(o.seconds, 2),
             **{k: o.counters.get(k) for k in ("items_seen", "items_new", "detail_skipped", "not_found", "requests")}}
            for o in outcomes]
    requests = server.stats()
    _add_run_timings(db_url, runs)
    return {"seconds": seconds, "runs": runs, "requests": requests, "bench_cpu_seconds": round(_own_cpu() - cpu0, 2),
            "pages": sum(v for kind in requests.values() for k, v in kind.items() if k != "rate_limited")}


def _own_cpu() -> float:
    """CPU seconds of this process (the replica server's threads and the launcher)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _add_run_timings(db_url: str, runs: list[dict[str, Any]]) -> None:
    """Add what each crawl process recorded: crawl and post-crawl seconds, CPU seconds."""
    from storage.db import connect, session
    from storage.models import CrawlRun

    engine = connect(db_url)
    with session(engine) as s:
        for run in runs:
            record = s.get(CrawlRun, run["run_id"])
            timings = (record.stats or {}).get("timings", {}) if record is not None else {}
            crawl, post = float(timings.get("crawl_seconds", 0)), float(timings.get("postcrawl_seconds", 0))
            run.update(crawl=round(crawl, 2), postcrawl=round(post, 2),
                       start_and_launch=round(max(0.0, run["seconds"] - crawl - post), 2),
                       cpu=timings.get("cpu_seconds"), worker_cpu=timings.get("worker_cpu_seconds"))
    engine.dispose()


def _add_history(db_url: str, times: int) -> int:
    """Copy every posting and offer ``times`` times as history: gone postings (references,
    URLs and listing refs suffixed ``~k``) of expired offers (ids prefixed ``hk-``), as months
    of nightly crawls leave behind. Returns how many postings were added. One INSERT … SELECT
    per table and copy, on SQLite and PostgreSQL alike (PostgreSQL's statistics are then
    refreshed, as autovacuum would have done over those months)."""
    from sqlalchemy import bindparam, func, literal_column, select, text

    from storage.db import connect, session
    from storage.models import Offer, Posting
    from storage.types import utcnow

    engine = connect(db_url)
    offers, postings = Offer.__table__, Posting.__table__
    with session(engine) as s, s.begin():
        now = utcnow()
        last_original = s.scalar(select(func.max(postings.c.id))) or 0
        originals = postings.c.id <= last_original
        original_offers = ~offers.c.id.like("h%-%")  # offer ids are "o" + base32 (storage.offers.offer_id_for)
        for k in range(1, times + 1):
            prefix = f"h{k}-"
            offer_values = {c.name: c for c in offers.c}
            offer_values.update(id=literal_column(f"'{prefix}'") + offers.c.id, status=bindparam("expired_status"),
                                expired_reason=bindparam("expired_reason"),
                                expired_at=bindparam("at", type_=offers.c.expired_at.type))
            s.execute(offers.insert().from_select(list(offer_values), select(*offer_values.values()).where(
                original_offers)), {"expired_status": "expired", "expired_reason": "gone", "at": now})
            suffix = literal_column(f"'~{k}'")
            posting_values = {c.name: c for c in postings.c if c.name != "id"}
            posting_values.update(
                reference=postings.c.reference + suffix, url=postings.c.url + suffix,
                listing_ref=postings.c.listing_ref + suffix, offer_id=literal_column(f"'{prefix}'") + postings.c.offer_id,
                status=bindparam("gone_status"), gone_at=bindparam("at", type_=postings.c.gone_at.type),
                last_run_id=bindparam("no_run", type_=postings.c.last_run_id.type),
                dedup_pending=bindparam("not_pending", type_=postings.c.dedup_pending.type))
            s.execute(postings.insert().from_select(list(posting_values), select(*posting_values.values())
                                                    .where(originals)),
                      {"gone_status": "gone", "at": now, "no_run": None, "not_pending": False})
        added = s.scalar(select(func.count()).select_from(postings).where(~originals)) or 0  # ids are new
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            conn.execute(text("ANALYZE postings"))
            conn.execute(text("ANALYZE offers"))
            conn.commit()
    engine.dispose()
    return added


def _machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    import scrapy
    import sqlalchemy

    return {"date": datetime.now().astimezone().isoformat(timespec="seconds"), "nproc": os.cpu_count(),
            "cpu": model or platform.processor(), "load_before": [round(x, 2) for x in os.getloadavg()],
            "python": platform.python_version(), "scrapy": scrapy.__version__, "sqlalchemy": sqlalchemy.__version__}


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


def _bare(urls: list[str], concurrency: int, tmp: Path, *, lean: bool = False) -> dict[str, Any]:
    url_file = tmp / "urls.txt"
    url_file.write_text("\n".join(urls), encoding="utf-8")
    argv = [sys.executable, "-m", "bench.bare_spider", str(url_file), str(concurrency)] + (["--lean"] if lean else [])
    proc = subprocess.run(argv, capture_output=True, text=True, check=True)
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["pages_per_s"] = round(out["pages"] / out["seconds"], 1) if out["seconds"] else float("nan")
    return out


def _print_runs(runs: list[dict[str, Any]]) -> None:
    print(f"  {'source':20} {'status':10} {'wall s':>7} {'crawl s':>8} {'post s':>7} {'start s':>8} "
          f"{'requests':>8} {'cpu s':>6} {'worker cpu s':>12}")
    for r in runs:
        print(f"  {r['source']:20} {r['status']:10} {r['seconds']:7.2f} {r['crawl']:8.2f} {r['postcrawl']:7.2f} "
              f"{r['start_and_launch']:8.2f} {r['requests'] or 0:8d} {r['cpu'] or 0:6.2f} {r['worker_cpu'] or 0:12.2f}")


def main(argv: list[str] | None = None) -> int:
    from crawlers.config import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offers", type=int, default=2000, help="postings in the replica (all kinds)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--db", help="database server URL (default: a fresh SQLite file)")
    parser.add_argument("--concurrency", type=int, default=16, help="parallel requests (pipeline and bare spider)")
    parser.add_argument("--page-workers", type=int, default=None,
                        help="page_workers of every source (default: the sources' default, none)")
    parser.add_argument("--parallel", type=int, default=Settings.parallel_crawls,
                        help="crawls running at once, as `catalogue crawl --all --parallel N` (default: %(default)s, "
                             "the [settings] parallel_crawls default)")
    parser.add_argument("--no-fork-server", action="store_true",
                        help="start every crawl process the plain way (no pre-importing fork server)")
    parser.add_argument("--history", type=int, default=0, metavar="K",
                        help="before the re-crawl, add K times the catalogue's postings as gone ones of expired "
                             "offers (default: 0, none)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = parser.parse_args(argv)
    if args.history < 0:
        parser.error("--history must be 0 or more")
    os.environ.setdefault("CATALOGUE_LOG_LEVEL", "WARNING")  # the figures, not the crawl logs

    from crawlers.replica.generator import generate
    from crawlers.replica.server import ReplicaServer
    machine = _machine()
    with tempfile.TemporaryDirectory(prefix="catalogue-bench-") as tmpdir:
        tmp = Path(tmpdir)
        db_url, drop = _fresh_database(args.db, tmp)
        dataset = generate(args.offers, seed=args.seed)
        urls: list[str] = []
        try:
            with ReplicaServer(dataset, feed_window=0) as server:
                server.record_urls = urls  # the server appends every path it answers
                config = tmp / "sources.toml"
                config.write_text(_sources_toml(server.base_urls, args.concurrency, args.page_workers), encoding="utf-8")
                first = _crawl_all(config, db_url, server, parallel=args.parallel,
                                   fork_server=not args.no_fork_server)
                rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
                first_urls = [server.root_url + u for u in urls]
                urls.clear()
                stages = _stage_times(db_url)
                offers, postings = _offers(db_url)
                history = _add_history(db_url, args.history) if args.history else 0
                second = _crawl_all(config, db_url, server, parallel=args.parallel,
                                    fork_server=not args.no_fork_server)
                bare = _bare(first_urls, args.concurrency, tmp)
                bare_lean = _bare(first_urls, args.concurrency, tmp, lean=True)
        finally:
            drop()
    machine["load_after"] = [round(x, 2) for x in os.getloadavg()]

    detail_second = sum(k.get("detail", 0) for k in second["requests"].values())
    pipeline_rate = first["pages"] / first["seconds"]
    crawl_seconds = sum(r["crawl"] for r in first["runs"])
    bare_rate = bare["pages_per_s"]
    figures = {
        "offers": args.offers, "database": "postgresql" if args.db and not args.db.startswith("sqlite") else "sqlite",
        "page_workers": args.page_workers, "fork_server": not args.no_fork_server, "parallel": args.parallel,
        "machine": machine,
        "first_crawl": {"seconds": round(first["seconds"], 1), "pages": first["pages"],
                        "pages_per_s": round(pipeline_rate, 1),
                        "crawl_phase_pages_per_s": round(first["pages"] / crawl_seconds, 1) if crawl_seconds else None,
                        "postings_per_s": round(postings / first["seconds"], 1),
                        "postings": postings, "offers": offers, "requests": first["requests"],
                        "stages_seconds": stages, "peak_rss_mb": round(rss_mb, 1),
                        "bench_process_cpu_seconds": first["bench_cpu_seconds"], "runs": first["runs"]},
        "incremental_crawl": {"seconds": round(second["seconds"], 1), "requests": second["requests"],
                              "history_postings": history,
                              "detail_requests": detail_second,
                              "time_ratio_to_first": round(second["seconds"] / first["seconds"], 3),
                              "runs": second["runs"]},
        "bare_spider": bare, "bare_spider_lean": bare_lean,
        "pipeline_to_bare_rate": round(pipeline_rate / bare_rate, 3),
        "pipeline_to_lean_bare_rate": round(pipeline_rate / bare_lean["pages_per_s"], 3),
    }
    f = figures
    workers = "default (none)" if args.page_workers is None else args.page_workers
    print(f"replica: {args.offers} postings over {', '.join(KINDS)}; database: {f['database']}; page workers: {workers}; "
          f"crawl processes: {'plain start' if args.no_fork_server else 'fork server'}, {args.parallel} at once")
    print(f"machine: {machine['nproc']} × {machine['cpu']}; load {machine['load_before']} → {machine['load_after']}; "
          f"{machine['date']}; Python {machine['python']}, Scrapy {machine['scrapy']}")
    print(f"first crawl: {f['first_crawl']['seconds']} s, {f['first_crawl']['pages']} pages "
          f"({f['first_crawl']['pages_per_s']} pages/s end to end, {f['first_crawl']['crawl_phase_pages_per_s']} "
          f"pages/s while crawling, {f['first_crawl']['postings_per_s']} postings/s), "
          f"{postings} postings → {offers} offers, peak RSS {f['first_crawl']['peak_rss_mb']} MB")
    print(f"  stages (s): {stages}; bench process (replica server, launcher) CPU: {first['bench_cpu_seconds']} s")
    _print_runs(first["runs"])
    if history:
        print(f"history: {history} gone postings of expired offers added before the incremental crawl")
    print(f"incremental crawl: {f['incremental_crawl']['seconds']} s "
          f"({f['incremental_crawl']['time_ratio_to_first']:.1%} of the first), requests {second['requests']}, "
          f"detail requests: {detail_second}")
    _print_runs(second["runs"])
    print(f"bare spider: {bare['pages']} pages in {bare['seconds']} s ({bare['pages_per_s']} pages/s, Scrapy defaults); "
          f"{bare_lean['pages_per_s']} pages/s with our lean settings")
    print(f"pipeline page rate / bare spider page rate: {f['pipeline_to_bare_rate']:.1%} "
          f"({f['pipeline_to_lean_bare_rate']:.1%} of the lean bare spider)")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
