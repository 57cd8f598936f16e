"""The crawl child stops itself when its launcher is gone (nobody renews the lease any more)."""

from __future__ import annotations

import os
from types import SimpleNamespace

from pipeline.watchdog import ParentWatchdog


class _Engine:
    def __init__(self) -> None:
        self.reasons: list[str] = []

    def close_spider_async(self, *, reason: str = "cancelled") -> None:
        # the real one is a coroutine run by the reactor; recording the call is what matters here
        self.reasons.append(reason)


def _watchdog() -> tuple[ParentWatchdog, _Engine]:
    engine = _Engine()
    crawler = SimpleNamespace(engine=engine, spider=None)
    return ParentWatchdog(crawler, interval=5.0), engine


def test_nothing_happens_while_the_launcher_is_alive():
    dog, engine = _watchdog()
    assert dog.parent == os.getppid()
    dog.check()
    assert engine.reasons == []


def test_the_crawl_is_closed_as_parent_gone_when_the_launcher_died():
    dog, engine = _watchdog()
    dog.parent = -1  # as if the launcher that started us had been replaced by init
    dog.check()
    assert engine.reasons == ["parent_gone"]
