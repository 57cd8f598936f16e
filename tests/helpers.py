"""Small helpers shared by test modules (not fixtures: those live in conftest.py files).

``tests`` is on ``sys.path`` (pyproject ``pythonpath``): ``from helpers import wait_for``.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any


def wait_for(predicate: Callable[[], object], timeout: float = 30.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until truthy and return its value (a bound on waiting, never a timing
    assertion); AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def http_get(url: str) -> tuple[int, dict[str, str], bytes]:
    """``(status, headers, body)`` of a GET, an HTTP error status included (no exception)."""
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def catalogue_offers(engine: Any) -> dict[str, dict[str, Any]]:
    """The view ``catalogue_offers`` as ``{id: row}``, ``sources`` decoded from its JSON text."""
    from sqlalchemy import text

    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(text("SELECT * FROM catalogue_offers"))]
    for row in rows:
        row["sources"] = json.loads(row["sources"])
    return {row["id"]: row for row in rows}
