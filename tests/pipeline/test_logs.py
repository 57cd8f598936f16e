"""pipeline.logs: one structured line per event, the crawl's context on every line, no
tracebacks that say nothing, and a spider written by its name."""

from __future__ import annotations

import io
import json
import logging
from types import SimpleNamespace

import pytest

from pipeline import logs


@pytest.fixture
def captured(monkeypatch):
    """setup_logging() on a StringIO stderr; the root logger restored afterwards."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    stream = io.StringIO()

    def setup(fmt: str = "logfmt") -> io.StringIO:
        monkeypatch.setenv("CATALOGUE_LOG_FORMAT", fmt)
        logs.setup_logging("INFO")
        root.handlers[0].setStream(stream)
        return stream

    yield setup
    logs.set_log_context(source=None, run_id=None)
    for h in list(root.handlers):
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)


def _robots_failure() -> None:
    try:
        raise ConnectionRefusedError("Connection was refused by other side: 111")
    except ConnectionRefusedError:
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").error(
            "Error downloading <GET http://dead.example/robots.txt>: Connection was refused", exc_info=True,
            extra={"spider": SimpleNamespace(name="pep")})


def test_the_crawl_context_is_on_every_line_scrapy_included(captured):
    stream = captured()
    logs.set_log_context(source="pep", run_id=12)
    logging.getLogger("crawlers.spiders.base").warning("could not read %s", "http://x/1")
    logging.getLogger("scrapy.core.engine").error("Spider error processing", extra={"spider": SimpleNamespace(name="pep")})
    logging.getLogger("pipeline.runner").info("run finished", extra={"run_id": 12, "source": "other", "status": "ok"})
    lines = stream.getvalue().splitlines()
    assert lines[0].endswith('msg="could not read http://x/1" source=pep run_id=12')
    assert lines[1].endswith('msg="Spider error processing" source=pep run_id=12 spider=pep')
    assert "source=other" in lines[2] and "source=pep" not in lines[2]  # a record's own value wins


def test_a_robots_txt_download_error_is_one_line(captured):
    stream = captured()
    _robots_failure()
    assert stream.getvalue().count("\n") == 1
    assert "Traceback" not in stream.getvalue() and " spider=pep" in stream.getvalue()


def test_a_project_error_keeps_its_traceback(captured):
    stream = captured()
    try:
        raise KeyError("boom")
    except KeyError:
        logging.getLogger("pipeline.runner").exception("crawl of pep crashed")
    assert "Traceback (most recent call last)" in stream.getvalue()


def test_json_lines_carry_the_same_fields(captured):
    stream = captured("json")
    logs.set_log_context(source="pep", run_id=3)
    _robots_failure()
    doc = json.loads(stream.getvalue())
    assert (doc["source"], doc["run_id"], doc["spider"], doc["level"]) == ("pep", 3, "pep", "ERROR")
    assert "exc" not in doc
