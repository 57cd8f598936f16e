"""The `catalogue` command: a thin front door over crawlers/, pipeline/ and storage/.

Each area registers its commands from ``catalogue/commands/<area>.py`` (a
``register(app)`` function), so the CLI stays a table of contents.
"""

from __future__ import annotations

import importlib
import os
import sys

import typer

try:  # recent Typer releases vendor Click
    from typer import _click as click
except ImportError:  # pragma: no cover - older Typer depends on Click
    import click  # type: ignore[no-redef]

from catalogue.common import CliError
from pipeline.logs import setup_logging

app = typer.Typer(
    name="catalogue",
    help="The public digital-job catalogue: crawl the sources, build the catalogue, export it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

@app.callback()
def _options(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log what happens (INFO), crawls included."),
) -> None:
    """The public digital-job catalogue: crawl the sources, build the catalogue, export it."""
    if verbose:
        import logging

        logging.getLogger().setLevel(logging.INFO)


#: modules under catalogue/commands/ that register commands (missing ones are skipped)
COMMAND_MODULES = ("crawl", "db", "export", "schedule", "dedup", "replica")


def _register_all() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"catalogue.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"catalogue.commands.{name}":
                continue
            raise
        module.register(app)


_register_all()


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; user errors print one line and exit non-zero."""
    setup_logging(os.environ.get("CATALOGUE_LOG_LEVEL", "WARNING").upper())
    command = typer.main.get_command(app)
    try:
        result = command.main(args=argv, prog_name="catalogue", standalone_mode=False)
    except click.exceptions.UsageError as exc:
        if type(exc).__name__.startswith("NoArgsIsHelp") and exc.ctx is not None:
            print(exc.ctx.get_help())
            return 0
        hint = f" (try `{exc.ctx.command_path} --help`)" if exc.ctx else ""
        print(f"catalogue: error: {exc.format_message()}{hint}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        print("catalogue: aborted", file=sys.stderr)
        return 130
    except click.ClickException as exc:
        print(f"catalogue: error: {exc.format_message()}", file=sys.stderr)
        return exc.exit_code
    except CliError as exc:
        print(f"catalogue: error: {exc}", file=sys.stderr)
        return exc.code
    if isinstance(result, int):
        return result
    return 0


if __name__ == "__main__":
    sys.exit(main())
