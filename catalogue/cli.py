"""The `catalogue` command: a thin front door over crawlers/, pipeline/ and storage/.

Each area registers its commands from ``catalogue/commands/<area>.py`` (a
``register(app)`` function), so the CLI stays a table of contents.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys

import typer

try:  # recent Typer releases vendor Click
    from typer import _click as click
except ImportError:  # pragma: no cover - older Typer depends on Click
    import click  # type: ignore[no-redef]

from sqlalchemy.exc import DBAPIError

from catalogue.common import CliError, short_error
from pipeline.logs import setup_logging

logger = logging.getLogger(__name__)

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
    # Exit code 2 like every other error: 1 means "a crawl or a source failed" (`crawl`, `status`),
    # which a monitoring script must not read into a broken command.
    except BrokenPipeError:  # `catalogue runs | head`: the reader left, not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except OSError as exc:  # stdout on a full disk, a file that cannot be read or written
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"catalogue: error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 2
    except DBAPIError as exc:  # the database went away or refused a statement mid-command
        logger.debug("database error", exc_info=True)
        print(f"catalogue: error: database error: {short_error(exc)}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a bug: one line for the user, the traceback on demand
        logger.debug("unexpected error", exc_info=True)
        print(f"catalogue: error: unexpected {type(exc).__name__}: {short_error(exc)} "
              "(CATALOGUE_LOG_LEVEL=DEBUG shows the traceback)", file=sys.stderr)
        return 2
    if isinstance(result, int):
        return result
    return 0


if __name__ == "__main__":
    sys.exit(main())
