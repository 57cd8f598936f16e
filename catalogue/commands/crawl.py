"""`catalogue crawl`, `catalogue sources` and `catalogue demo`.

Every crawl goes through ``pipeline.launch.launch_crawl``: one process per crawl, a lease
per source, a run record per crawl.
"""

from __future__ import annotations

import contextlib
import socket
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy import func, select

from catalogue.commands.replica import TODAY_HELP, replica_today
from catalogue.common import ConfigOption, DbOption, fail, get_config, get_db_url, get_engine, print_table
from crawlers.config import KINDS
from storage.db import describe_url, session

#: exit code of `catalogue crawl` per final run status
OK_STATUSES = {"succeeded", "skipped"}


def _print_outcomes(outcomes: list) -> None:
    keys = ("items_seen", "items_new", "items_updated", "detail_skipped", "items_rejected", "not_digital",
            "not_found", "non_offer_pages", "items_expired")
    print_table("Crawl runs",
                ("run", "source", "status", "seen", "new", "updated", "skipped pages", "rejected",
                 "not digital", "not found", "not offers", "expired", "note"),
                [(o.run_id, o.source, o.status, *(o.counters.get(k, "") for k in keys), (o.error_message or "")[:120])
                 for o in outcomes])


def run_crawls(names: list[str], *, config_path: str | None, db_url: str, full: bool, cache: bool,
               parallel: int = 1, trigger: str = "manual", fork_server: Any = None) -> list:
    """Crawl the sources, at most ``parallel`` at once, each in its own process
    (``pipeline.launch.launch_crawls``; with more than one source the processes are forked
    from a fork server that has imported Scrapy & co. once).

    The crawl processes log at the level of this command (WARNING, INFO with ``-v``) unless
    ``CATALOGUE_LOG_LEVEL`` says otherwise: a crawl started by hand prints its outcome table,
    not its log. Crawls running side by side each print one line as they end. ``fork_server``:
    the one :func:`early_fork_server` started, if any (else ``launch_crawls`` starts its own).
    """
    import sys

    from pipeline.launch import launch_crawls

    _crawl_log_level()

    def ended(outcome) -> None:
        print(f"{outcome.source}: {outcome.status} in {outcome.seconds:.1f} s (run {outcome.run_id})",
              file=sys.stderr, flush=True)

    parallel = max(1, min(parallel, len(names)))
    if parallel > 1:
        print(f"Crawling {len(names)} sources, {parallel} at once: {', '.join(names)}", file=sys.stderr, flush=True)
    # a fork server of our own gets the environment set above (it is started after it)
    return launch_crawls(names, config_path=config_path, db_url=db_url, parallel=parallel, trigger=trigger,
                         full_refresh=full, cache=cache, on_end=ended if parallel > 1 else None,
                         fork_server=fork_server)


def _crawl_log_level() -> None:
    """The crawl processes log at the level of this command unless ``CATALOGUE_LOG_LEVEL`` says
    otherwise (set before any crawl process or fork server starts: they inherit it)."""
    import logging
    import os

    os.environ.setdefault("CATALOGUE_LOG_LEVEL", logging.getLevelName(logging.getLogger().getEffectiveLevel()))


def early_fork_server(count: int) -> contextlib.AbstractContextManager[Any]:
    """For a command about to launch ``count`` crawls: the fork server
    (``pipeline.launch.CrawlForkServer``), started now so that its imports (about a second)
    go on while the command checks the database; for one crawl, nothing (its process starts
    the plain way). Use it as a context manager and give what it yields to :func:`run_crawls`.
    """
    if count < 2:
        return contextlib.nullcontext()
    from pipeline.launch import CrawlForkServer

    _crawl_log_level()
    return CrawlForkServer()


def offers_per_source(engine) -> list[tuple[str, int, int]]:
    """(source, active offers, all offers) from the catalogue."""
    from storage.models import Offer, Posting

    with session(engine) as s:
        rows = s.execute(
            select(Posting.source, func.count(func.distinct(Posting.offer_id)),
                   func.count(func.distinct(Posting.offer_id)).filter(Offer.status == "active"))
            .join(Offer, Offer.id == Posting.offer_id)
            .group_by(Posting.source).order_by(Posting.source)
        ).all()
    return [(src, active, total) for src, total, active in rows]


def register(app: typer.Typer) -> None:
    @app.command("crawl")
    def crawl(
        sources: Annotated[list[str] | None, typer.Argument(help="Source names (see `catalogue sources`).",
                                                             show_default=False)] = None,
        all_: Annotated[bool, typer.Option("--all", help="Crawl every configured source.")] = False,
        parallel: Annotated[int | None, typer.Option(
            "--parallel", min=1, max=16, show_default=False,
            help="Crawls running at once, each source in its own process (default: [settings] parallel_crawls, "
                 "2; 1: one after the other).")] = None,
        config: ConfigOption = None,
        db: DbOption = None,
        full: Annotated[bool, typer.Option("--full", help="Fetch every detail page again (no incremental skip).")] = False,
        cache: Annotated[bool, typer.Option("--cache", help="Use Scrapy's HTTP cache (development only).")] = False,
    ) -> None:
        """Crawl sources into the catalogue, each in its own process with its own run record."""
        cfg = get_config(config)
        if all_ and sources:
            fail("give source names or --all, not both")
        names = list(cfg.sources) if all_ else list(sources or [])
        if not names:
            fail("name at least one source, or use --all (see `catalogue sources`)")
        for name in names:
            if name not in cfg.sources:
                fail(f"unknown source {name!r} (configured: {', '.join(cfg.sources) or 'none'})")
        with early_fork_server(len(names)) as forks:  # it imports while we check the database
            db_url = get_db_url(db)
            get_engine(db_url).dispose()  # schema check / auto-upgrade, one-line error when impossible
            outcomes = run_crawls(names, config_path=str(cfg.path), db_url=db_url, full=full, cache=cache,
                                  parallel=parallel or cfg.settings.parallel_crawls, fork_server=forks)
        _print_outcomes(outcomes)
        if any(o.status not in OK_STATUSES for o in outcomes):
            raise typer.Exit(1)

    @app.command("sources")
    def list_sources(config: ConfigOption = None) -> None:
        """List the configured sources with their kind, base URL and schedule."""
        cfg = get_config(config)
        print_table(f"Sources ({cfg.path})",
                    ("name", "kind", "base URL", "schedule", "digital only", "complete listing"),
                    [(s.name, s.kind, s.base_url, s.schedule, "yes" if s.digital_only else "no",
                      "yes" if s.complete_listing else "no") for s in cfg.sources.values()])

    @app.command("demo")
    def demo(
        db: DbOption = None,
        offers: Annotated[int, typer.Option("--offers", min=1, max=50_000, help="Offers in the replica.")] = 120,
        seed: Annotated[int, typer.Option("--seed", help="Replica generator seed.")] = 2026,
        today: Annotated[str | None, typer.Option("--today", help=TODAY_HELP, show_default=False)] = None,
    ) -> None:
        """Serve the bundled replica on a free local port and crawl all four source kinds (and the
        feed kind's Atom variant) into the database."""
        from crawlers.replica.generator import generate
        from crawlers.replica.server import ReplicaServer, replica_sources_toml

        day, follow_clock = replica_today(today)
        db_url = get_db_url(db)
        # every kind and the Atom variant: several crawls, forked from a server importing meanwhile
        with early_fork_server(len(KINDS) + 1) as forks:
            engine = get_engine(db_url)
            dataset = generate(offers, seed=seed, today=day)
            dataset.follow_clock = follow_clock
            with ReplicaServer(dataset, port=_free_port(), rate_limit_every=25) as server, \
                    tempfile.TemporaryDirectory(prefix="catalogue-demo-") as tmp:
                config_path = Path(tmp) / "replica-sources.toml"
                config_path.write_text(replica_sources_toml(server.base_urls, atom=True), encoding="utf-8")
                cfg = get_config(str(config_path))
                print(f"Replica of {offers} offers (dated from {day.isoformat()}) serving on "
                      f"{', '.join(server.base_urls.values())}")
                outcomes = run_crawls(list(cfg.sources), config_path=str(config_path), db_url=db_url,
                                      full=False, cache=False, parallel=cfg.settings.parallel_crawls,
                                      trigger="demo", fork_server=forks)
        _print_outcomes(outcomes)
        print("\nOffers in the catalogue per source (active / all):")
        for src, active, total in offers_per_source(engine):
            print(f"  {src:28s} {active:6d} / {total}")
        new = sum(getattr(o, "counters", {}).get("items_new", 0) for o in outcomes)
        updated = sum(getattr(o, "counters", {}).get("items_updated", 0) for o in outcomes)
        print(f"\nPostings new: {new}, updated: {updated}")
        print(f"Catalogue database: {describe_url(db_url)}")
        print("Export it:  catalogue export --format csv --output offres.csv   (or xlsx, json, jsonl)")
        engine.dispose()
        if any(o.status not in OK_STATUSES for o in outcomes):
            raise typer.Exit(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
