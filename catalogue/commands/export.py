"""`catalogue export`, `catalogue stats` and `catalogue report` (see docs/EXPORTS.md).

Thin: options are parsed here, checked by ``storage.exports.build_filters`` (one-line
errors), and the work is done by ``storage.exports``, ``storage.stats`` and
``storage.report``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from catalogue.common import ConfigOption, DbOption, eprint, fail, get_config, get_engine
from crawlers.config import Config
from storage.exports import FORMATS, STATUSES, VOCABULARIES, ExportFilters, FilterError, build_filters, split_values

_MULTI = "Repeat the option or separate values with commas; values are ORed."
_REPEAT = "Repeat the option for several values (ORed); commas are part of the value."

SourceOpt = Annotated[list[str] | None, typer.Option("--source", metavar="NAME", help=f"Source name. {_MULTI}", show_default=False)]
StatusOpt = Annotated[str, typer.Option("--status", metavar="STATUS", help=f"Offer status: {', '.join(STATUSES)}.")]


def _filters(engine, config: Config | None, *, sources: list[str] | None = None, status: str = "active",
             **values: object) -> ExportFilters:
    """Build the filters, turning a bad value into a one-line CLI error. ``config`` (when
    given) names the configured sources, which ``--source`` may name before their first crawl."""
    try:
        return build_filters(engine, sources=split_values(sources), status=status,
                             configured_sources=list(config.sources) if config else [],
                             **values)  # type: ignore[arg-type]
    except FilterError as exc:
        fail(str(exc))


@contextmanager
def _export_progress(to_file: bool) -> Iterator[Callable[[int], None] | None]:
    """A live count of the offers written, on a terminal only (stderr a tty, the export going
    to a file, ``CATALOGUE_PROGRESS`` not ``0``); None otherwise: logs and pipes stay quiet."""
    from pipeline.progress import progress_wanted

    if not (to_file and progress_wanted()):
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("exporting: {task.completed} offers written"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("export", total=None)
        yield lambda count: bar.update(task, completed=count)


def register(app: typer.Typer) -> None:
    @app.command("export")
    def export(
        fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help=f"Output format: {', '.join(FORMATS)}.")] = "csv",
        output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE", help="Output file (default: stdout; "
                                                   "required for xlsx).", show_default=False)] = None,
        delimiter: Annotated[str, typer.Option("--delimiter", metavar="CHAR", help="CSV separator (`;` opens in French Excel; "
                                               "`,` for other tools).")] = ";",
        source: SourceOpt = None,
        status: StatusOpt = "active",
        region: Annotated[list[str] | None, typer.Option(
            "--region", metavar="NAME", help=f"Current region name, any case/accents. {_MULTI}", show_default=False)] = None,
        department: Annotated[list[str] | None, typer.Option(
            "--department", metavar="CODE", help=f"INSEE department code (75, 2A, 971). {_MULTI}", show_default=False)] = None,
        category: Annotated[list[str] | None, typer.Option(
            "--category", metavar="CAT", help=f"{', '.join(VOCABULARIES['category'])}. {_MULTI}", show_default=False)] = None,
        contract: Annotated[list[str] | None, typer.Option(
            "--contract", metavar="CONTRACT", help=f"{', '.join(VOCABULARIES['contract'])}. {_MULTI}", show_default=False)] = None,
        job_family: Annotated[list[str] | None, typer.Option(
            "--job-family", metavar="FAMILY", help=f"{', '.join(VOCABULARIES['job_family'])}. {_MULTI}", show_default=False)] = None,
        employer: Annotated[list[str] | None, typer.Option(
            "--employer", metavar="TEXT", help=f"Part of the employer's name, any case/accents. {_REPEAT}",
            show_default=False)] = None,
        published_since: Annotated[str | None, typer.Option(
            "--published-since", metavar="DATE", help="Published on or after this ISO date (YYYY-MM-DD).", show_default=False)] = None,
        published_until: Annotated[str | None, typer.Option(
            "--published-until", metavar="DATE", help="Published on or before this ISO date (YYYY-MM-DD).",
            show_default=False)] = None,
        search: Annotated[list[str] | None, typer.Option(
            "--search", metavar="WORDS", help=f"Words that must all occur in the title or description, any case/accents. {_REPEAT}",
            show_default=False)] = None,
        db: DbOption = None,
        config: ConfigOption = None,
    ) -> None:
        """Export the catalogue (the record of CATALOGUE.md) as csv, xlsx, json or jsonl."""
        fmt = fmt.strip().lower()
        if fmt not in FORMATS:
            fail(f"--format: unknown format {fmt!r} (allowed: {', '.join(FORMATS)})")
        if output is not None and not output.strip():
            fail("--output: empty file name (leave the option out, or give `-`, for stdout)")
        if output == "-":  # the usual spelling of stdout
            output = None
        if fmt == "xlsx" and not output:
            fail("--format xlsx needs --output FILE (a workbook is not written to stdout)")
        if len(delimiter) != 1 or delimiter in "\"\r\n":
            fail(f"--delimiter must be one character other than a quote or newline (got {delimiter!r})")
        from storage.exports import export_offers

        configured = get_config(config) if (source or config) else None  # a wrong --config is an error
        engine = get_engine(db, must_exist=True)
        try:
            filters = _filters(
                engine, configured, sources=source, status=status,
                regions=split_values(region), departments=split_values(department),
                categories=split_values(category), contracts=split_values(contract),
                job_families=split_values(job_family), employers=employer or [],
                published_since=published_since, published_until=published_until, searches=search or [],
            )
            try:
                with _export_progress(bool(output)) as progress:
                    result = export_offers(engine, output or sys.stdout.buffer, fmt=fmt, filters=filters,
                                           delimiter=delimiter, progress=progress)
            except BrokenPipeError:  # `catalogue export | head`: the reader left, not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                raise typer.Exit(0) from None
            except OSError as exc:
                fail(f"cannot write {output or 'stdout'}: {exc.strerror or exc}")
        finally:
            engine.dispose()
        for warning in result.warnings:
            eprint(f"catalogue: warning: {warning}")
        if output:
            eprint(f"{result.rows} offers written to {output} ({fmt})")

    @app.command("stats")
    def stats(
        status: StatusOpt = "active",
        fmt: Annotated[str, typer.Option("--format", "-f", metavar="FORMAT", help="table (terminal) or json.")] = "table",
        db: DbOption = None,
    ) -> None:
        """Counts by source, job family, region, category, contract, and new offers per week."""
        from storage.stats import compute_stats

        if fmt not in ("table", "json"):
            fail(f"--format: unknown format {fmt!r} (allowed: table, json)")
        engine = get_engine(db, must_exist=True)
        try:
            figures = compute_stats(engine, _filters(engine, None, status=status))
        finally:
            engine.dispose()
        if fmt == "json":
            print(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
        else:
            _print_stats(figures)

    @app.command("report")
    def report(
        output: Annotated[str, typer.Option("--output", "-o", metavar="FILE", help="HTML file to write.")] = "report.html",
        status: StatusOpt = "active",
        weeks: Annotated[int, typer.Option("--weeks", metavar="N", min=1, max=520, help="Weeks in the per-week chart.")] = 26,
        db: DbOption = None,
    ) -> None:
        """Write a self-contained HTML report (charts as inline SVG, readable offline)."""
        from storage.report import write_report

        engine = get_engine(db, must_exist=True)
        try:
            filters = _filters(engine, None, status=status)
            try:
                figures = write_report(engine, output, filters, weeks=weeks)
            except OSError as exc:
                fail(f"cannot write {exc.filename or output}: {exc.strerror or exc}")
        finally:
            engine.dispose()
        eprint(f"report on {figures.total} offers written to {output}")


#: rows of the per-week table shown in the terminal (JSON has them all)
TERMINAL_WEEKS = 12


def _print_stats(figures) -> None:  # noqa: ANN001 - storage.stats.CatalogueStats
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console()
    # soft_wrap: piped, rich assumes 80 columns and would break the summary line in two
    console.print(f"[bold]{figures.total}[/bold] offers ({figures.status}); catalogue: {figures.active} active, "
                  f"{figures.expired} expired; {figures.postings} postings, {figures.merged_offers} merged offers", soft_wrap=True)

    def table(title: str, header: str, rows: list[tuple[str, int]]) -> None:
        t = Table(title=title, title_justify="left")
        t.add_column(header)
        t.add_column("offers", justify="right")
        for label, n in rows:
            t.add_row(Text(label), str(n))  # Text: a value is never read as rich markup
        console.print(t)

    def labelled(counts) -> list[tuple[str, int]]:  # noqa: ANN001
        return [("(unknown)" if c.value is None else c.value, c.offers) for c in counts]

    table("By source", "source", labelled(figures.by_source))
    table("By job family", "job family", labelled(figures.by_job_family))
    table("By region", "region", labelled(figures.by_region))
    table("By category", "category", labelled(figures.by_category))
    table("By contract", "contract", labelled(figures.by_contract))
    weeks = figures.per_week[-TERMINAL_WEEKS:]
    earlier = sum(w.offers for w in figures.per_week[:-TERMINAL_WEEKS]) if len(figures.per_week) > TERMINAL_WEEKS else 0
    rows = [(f"{w.week.isocalendar().year}-W{w.week.isocalendar().week:02d} ({w.week.isoformat()})", w.offers)
            for w in weeks]
    if earlier:
        rows.insert(0, ("earlier weeks", earlier))
    table("New offers per week", "week (publication)", rows)
    if figures.source_pairs:
        table("Duplicates merged per source pair", "sources",
              [(f"{p.source_a} + {p.source_b}", p.offers) for p in figures.source_pairs])
