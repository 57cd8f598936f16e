"""`catalogue replica serve`: the four source kinds (and the feed kind's Atom variant), generated,
on 127.0.0.1 (crawlers/replica), dated from today's Europe/Paris date unless ``--today`` says."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import typer

from catalogue.common import fail

TODAY_HELP = ("The replica's today (YYYY-MM-DD), for a reproducible run. Default: today's Europe/Paris "
              "date, so that dates on the pages (\"Publiée il y a 3 jours\", deadlines) agree with a crawl run now.")


def replica_today(value: str | None) -> tuple[date, bool]:
    """``(today, follow_clock)`` for a replica: ``--today`` as given (a fixed day), else the real
    Europe/Paris date, followed while the server runs. A bad value is a one-line error."""
    from crawlers.replica.generator import paris_today

    if value is None:
        return paris_today(), True
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            return date.fromisoformat(value.strip()), False
    except ValueError:
        pass
    fail(f"--today must be a date YYYY-MM-DD, not {value!r}")


def register(app: typer.Typer) -> None:
    replica_app = typer.Typer(help="A local replica of the sources, for demos, tests and benchmarks.",
                              no_args_is_help=True)

    @replica_app.command("serve")
    def serve(
        port: int = typer.Option(8765, help="Port on 127.0.0.1 (0: any free port)."),
        offers: int = typer.Option(500, help="Number of postings to generate."),
        seed: int = typer.Option(0, help="Random seed (same seed, same offers)."),
        kinds: str = typer.Option("pep,jobposting,feed,api", help="Comma-separated source kinds to serve."),
        truth: str | None = typer.Option(None, help="Write the ground truth (JSON) to this file."),
        config_out: str | None = typer.Option(None, "--config-out", help="Write a sources configuration (TOML) here."),
        feed_window: int = typer.Option(100, help="Items in the RSS feed (0: all)."),
        rate_limit_every: int = typer.Option(0, help="Every K-th API request answers 429 (0: never)."),
        today: str | None = typer.Option(None, "--today", help=TODAY_HELP, show_default=False),
    ) -> None:
        """Serve generated offers until Ctrl-C; print the base URL of each kind.

        With the feed kind, the Atom variant (beta.gouv.fr shape) is served at FEED/jobs.xml
        too; --config-out then also writes its source, replica_atom.
        """
        from crawlers.replica.generator import KINDS, generate
        from crawlers.replica.server import ATOM_PATH, ReplicaServer, replica_sources_toml

        chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
        unknown = [k for k in chosen if k not in KINDS]
        if unknown or not chosen:
            fail(f"unknown kind(s) {', '.join(unknown) or '(none)'}: choose among {', '.join(KINDS)}")
        if offers < 0 or feed_window < 0 or rate_limit_every < 0 or not 0 <= port <= 65535:
            fail("--offers, --feed-window, --rate-limit-every and --port must be non-negative (port <= 65535)")
        day, follow_clock = replica_today(today)
        dataset = generate(offers, seed, kinds=chosen, today=day)
        dataset.follow_clock = follow_clock
        server = ReplicaServer(dataset, port, feed_window=feed_window, rate_limit_every=rate_limit_every)
        try:
            server.start()
        except OSError as exc:
            fail(f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}")
        try:
            if truth:
                dataset.write_truth(truth, server.base_urls)
            if config_out:
                Path(config_out).write_text(replica_sources_toml(server.base_urls, atom=True), encoding="utf-8")
        except OSError as exc:
            server.stop()
            fail(f"cannot write {exc.filename}: {exc.strerror}")
        for kind, url in server.base_urls.items():
            print(f"{kind}: {url}")
        if "feed" in server.base_urls:
            print(f"feed (Atom, {len(dataset.atom)} entries): {server.base_urls['feed']}{ATOM_PATH}")
        print(f"{len(dataset.postings)} postings dated from {day.isoformat()}; stats at {server.root_url}/__stats; "
              "Ctrl-C to stop", flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            server.stop()

    app.add_typer(replica_app, name="replica")
