"""Fixtures of the crawler tests; the helpers themselves live in ``crawl_kit.py``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))

from crawl_kit import SampleEngine


@pytest.fixture
def engine_for(samples_dir: Path) -> Callable[..., SampleEngine]:
    """``engine_for(kind, overrides={url: (status, body)})``: a :class:`SampleEngine` on the samples."""
    return lambda kind, **kw: SampleEngine(samples_dir, kind, **kw)
