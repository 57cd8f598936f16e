"""Normalization speed and accuracy on replica postings (prints figures; asserts nothing).

The replica generator (crawlers/replica) makes N realistic postings of the four source
kinds together with the catalogue record each one means (its ground truth). Each posting's
page is rendered, read by its page object (crawlers/pages) into a RawPosting, then
normalized; only ``normalize_posting`` is timed. The script prints the time per posting
(mean, median, p95; wall clock and the thread's CPU time, which other processes on a busy
machine do not inflate), the share of postings whose dateparser fallback ran, and, per record
field, how many normalized values differ from the ground truth (with a few examples).

    python -m bench.normalize_speed [N] [SEED] [--profile]

``--profile`` then normalizes the postings once more under cProfile and prints the
functions that take the most time (their own time, then with what they call). The
normalizers cache what repeats (labels, salary texts, dates, titles): the timed pass runs
after a warm-up of 50 postings only, as a crawl's first postings would.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import statistics
import sys
import time
from collections import Counter, defaultdict
from datetime import date, datetime
from zoneinfo import ZoneInfo

from crawlers.pages.api import ApiOfferPage
from crawlers.pages.feed import FeedOfferPage, parse_feed
from crawlers.pages.jobposting import JobPostingPage
from crawlers.pages.pep import PepOfferPage
from crawlers.replica import render
from crawlers.replica.generator import TRUTH_FIELDS, generate
from normalize import dates
from normalize.record import normalize_posting

BASE = "http://replica.invalid"
CRAWL = datetime(2026, 11, 22, 6, 0, tzinfo=ZoneInfo("Europe/Paris"))
COMPARED = [f for f in TRUTH_FIELDS if f not in ("status", "is_digital")]


def raw_postings(n: int, seed: int) -> list[tuple[dict, dict]]:
    """``(raw dict, truth)`` for every posting the replica can render."""
    ds = generate(n, seed=seed)
    feed = {e.guid: e for e in parse_feed(render.feed_rss(ds, BASE, window=0)).entries}
    out = []
    for p in ds.postings:
        kind = p.source_kind
        if kind == "pep":
            raw = PepOfferPage(render.pep_offer(p, ds, BASE), url=BASE + p.url).to_raw("pep")
        elif kind == "jobposting":
            raw = JobPostingPage(render.jobposting_offer(p, ds, BASE), url=BASE + p.url).to_raw("jobposting")
        elif kind == "feed":
            raw = FeedOfferPage(render.feed_offer(p, ds, BASE), url=BASE + p.url).to_raw(feed[p.reference], "feed")
        else:
            raw = ApiOfferPage(json.dumps(render.api_detail(p, BASE)), url=BASE + p.url).to_raw("api")
        if raw is not None:
            out.append((raw.to_dict(), p.truth))
    return out


def main(n: int = 2000, seed: int = 1, profile: bool = False) -> None:
    t0 = time.perf_counter()
    items = raw_postings(n, seed)
    print(f"{len(items)} replica postings rendered and read in {time.perf_counter() - t0:.1f} s")
    for raw, _ in items[:50]:  # warm-up: rule tables, caches
        normalize_posting(raw, crawl_time=CRAWL, digital_only=raw["kind"] == "pep")

    slow_calls = 0
    original = dates._with_dateparser

    def counting(*args, **kwargs):
        nonlocal slow_calls
        slow_calls += 1
        return original(*args, **kwargs)

    dates._with_dateparser = counting
    timings: list[float] = []
    cpu: list[float] = []
    mismatches: dict[str, int] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    warnings = Counter()
    try:
        for raw, truth in items:
            t, c = time.perf_counter(), time.thread_time()
            rec = normalize_posting(raw, crawl_time=CRAWL, digital_only=raw["kind"] == "pep")
            timings.append(time.perf_counter() - t)
            cpu.append(time.thread_time() - c)
            warnings.update(w.split(":")[0] for w in rec.warnings)
            got = rec.record()
            for f in COMPARED:
                value = got[f].isoformat() if isinstance(got[f], date) else got[f]
                if f == "job_family" and not truth["is_digital"]:
                    continue
                if value != truth[f]:
                    mismatches[f] += 1
                    if len(examples[f]) < 3:
                        examples[f].append(f"{raw['kind']} {raw['reference']}: {value!r} ≠ {truth[f]!r}")
            if rec.is_digital != truth["is_digital"]:
                mismatches["is_digital"] += 1
    finally:
        dates._with_dateparser = original

    for name, values in (("wall", timings), ("CPU", cpu)):
        ms = sorted(t * 1000 for t in values)
        print(f"normalize_posting ({name} time): mean {statistics.mean(ms):.3f} ms, median {statistics.median(ms):.3f} ms,"
              f" p95 {ms[int(len(ms) * 0.95)]:.3f} ms per posting")
    print(f"dateparser fallback calls: {slow_calls}")
    print(f"warnings by field: {dict(warnings) or 'none'}")
    print("fields differing from the replica's ground truth:")
    for f in [*COMPARED, "is_digital"]:
        print(f"  {f:16} {mismatches[f]:5d} / {len(items)}")
        for line in examples.get(f, []):
            print(f"      {line}")
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for raw, _ in items:
            normalize_posting(raw, crawl_time=CRAWL, digital_only=raw["kind"] == "pep")
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("tottime").print_stats(15)
        stats.sort_stats("cumulative").print_stats(25)


if __name__ == "__main__":
    numbers = [int(a) for a in sys.argv[1:] if a != "--profile"][:2]
    main(*numbers, profile="--profile" in sys.argv[1:])
