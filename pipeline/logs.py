"""Structured logs for every process of the project (CLI, crawl child, scheduler).

One line per event, ``logfmt`` style by default (``ts=… level=… logger=… msg="…" key=value``)
so that ops can grep and parse them; ``CATALOGUE_LOG_FORMAT=json`` writes JSON lines instead.
Context goes in ``extra``::

    log.info("run finished", extra={"run_id": 12, "source": "pep", "status": "succeeded"})
    # ts=2026-11-23T02:14:05Z level=INFO logger=pipeline.runner msg="run finished" run_id=12 source=pep status=succeeded

``CATALOGUE_LOG_LEVEL`` (default INFO; the ``catalogue`` command defaults to WARNING for
itself and the crawls it starts by hand, ``-v`` for INFO) sets the level of the project's
loggers; third-party loggers (Scrapy, Twisted, APScheduler…) stay at WARNING unless
``CATALOGUE_SCRAPY_LOG_LEVEL`` says otherwise.

A process working for one crawl sets its context once (:func:`set_log_context`): every line
it writes then carries ``source=… run_id=…``, Scrapy's own included — the scheduler runs
several crawls at once and copies their output into one log. Scrapy's ``spider`` extra
(an object) is written as the spider's name, and the traceback Scrapy attaches to a failed
``robots.txt`` download (the message already says what failed) is left out.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

#: attributes every LogRecord has; anything else came from ``extra``
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


#: fields added to every record of this process (:func:`set_log_context`)
_PROCESS_CONTEXT: dict[str, object] = {}
#: third-party loggers whose tracebacks say nothing their message does not
QUIET_TRACEBACKS = ("scrapy.downloadermiddlewares.robotstxt",)


def set_log_context(**fields: object) -> None:
    """Add ``fields`` (e.g. ``source="pep", run_id=12``) to every log record of this process
    that does not set them itself; ``None`` removes a field."""
    for key, value in fields.items():
        if value is None:
            _PROCESS_CONTEXT.pop(key, None)
        else:
            _PROCESS_CONTEXT[key] = value


def _context(record: logging.LogRecord) -> dict[str, object]:
    fields = {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}
    if "spider" in fields:  # Scrapy's extra: the spider object, whose repr is an address
        fields["spider"] = getattr(fields["spider"], "name", fields["spider"])
    return {**{k: v for k, v in _PROCESS_CONTEXT.items() if k not in fields}, **fields}


class QuietTracebackFilter(logging.Filter):
    """Drop the traceback of records from :data:`QUIET_TRACEBACKS` (a dead site's robots.txt
    logged 40 lines of Twisted internals per crawl)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.name.startswith(QUIET_TRACEBACKS):
            record.exc_info, record.exc_text = None, None
        return True


def _quote(value: object) -> str:
    text = str(value)
    if text == "" or any(c in text for c in ' "=\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class LogfmtFormatter(logging.Formatter):
    """``ts=… level=… logger=… msg="…" key=value …`` (UTC timestamps)."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        parts = [f"ts={self.formatTime(record, '%Y-%m-%dT%H:%M:%SZ')}", f"level={record.levelname}",
                 f"logger={record.name}", f"msg={_quote(record.getMessage())}"]
        parts += [f"{k}={_quote(v)}" for k, v in _context(record).items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        doc = {"ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%SZ"), "level": record.levelname,
               "logger": record.name, "msg": record.getMessage(), **_context(record)}
        if record.exc_info:
            doc["exc"] = self.formatException(record.exc_info)
        return json.dumps(doc, ensure_ascii=False, default=str)


class ThirdPartyFilter(logging.Filter):
    """Let a third-party library's records through only from ``level`` up.

    Scrapy resets its loggers to DEBUG whenever a crawler process starts (its
    ``configure_logging``) and logs its banner at INFO: filtering at the handler keeps the
    crawl logs to what ops need whatever a library does with its own loggers.
    """

    PREFIXES = ("scrapy", "twisted", "py.warnings", "filelock", "apscheduler", "alembic", "hpack")

    def __init__(self, level: int) -> None:
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= self.level:
            return True
        return not record.name.startswith(self.PREFIXES)


def setup_logging(level: str | None = None) -> None:
    """Configure the root logger once per process (stderr, structured)."""
    level = (level or os.environ.get("CATALOGUE_LOG_LEVEL", "INFO")).upper()
    handler = logging.StreamHandler(sys.stderr)
    scrapy_level = os.environ.get("CATALOGUE_SCRAPY_LOG_LEVEL", "WARNING").upper()
    handler.addFilter(ThirdPartyFilter(logging.getLevelName(scrapy_level)))
    handler.addFilter(QuietTracebackFilter())
    fmt = os.environ.get("CATALOGUE_LOG_FORMAT", "logfmt").lower()
    handler.setFormatter(JsonFormatter() if fmt == "json" else LogfmtFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in ThirdPartyFilter.PREFIXES:
        logging.getLogger(name).setLevel(scrapy_level)
