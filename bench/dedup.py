"""Benchmark: dedup and merge of N postings against the replica generator's ground truth.

    python -m bench.dedup --postings 10000
    python -m bench.dedup --postings 10000 --postings 100000 --check-linear
    python -m bench.dedup --postings 10000 --diagnose 10      # show missed / wrong merges

For each N, in a fresh process (so that the peak memory is the run's own):

1. generates N postings over the four source kinds (``crawlers.replica.generator``: planted
   cross-source duplicates with reworded titles, dropped accents, one-day date shifts, and
   near misses that are other jobs);
2. builds the dedup records the pipeline would have stored for the digital ones: the truth's
   normalized fields (titles without gender markers, rewordings kept), the employer key of
   ``normalize.employers.employer_key``, the offer text as plain text, and the PEP reference
   that ``normalize.record.find_pep_references`` reads in the copies that quote one;
3. times :func:`pipeline.dedup.dedup_records` on all of them as one batch (a first crawl of
   every source), and scores the offers it forms against the truth: pairwise precision,
   recall and F1 over the pairs of postings put in one offer, and the near-miss pairs merged
   by mistake.

Prints: time, peak RSS, candidate pairs compared, precision, recall, F1; with
``--check-linear`` the ratio of the largest run's time to (N_large / N_small) × the smallest
run's time (1.0 = perfectly linear). Goals live in docs/DEDUP.md, never in timed tests.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Hashable, Iterable
from datetime import date
from typing import Any

from normalize.text import fold

try:  # the normalizer's employer identity (normalize/employers.py)
    from normalize.employers import employer_key as _employer_key
except ImportError:  # pragma: no cover - before normalize/employers.py existed
    _employer_key = None  # type: ignore[assignment]

try:
    from normalize.text import html_to_text as _html_to_text
except ImportError:  # pragma: no cover
    _html_to_text = None  # type: ignore[assignment]


def employer_key(name: str | None) -> str | None:
    """The normalizer's key when available, else the folded name."""
    if _employer_key is not None:
        return _employer_key(name)
    return fold(name) or None


def _text(html: str) -> str:
    if _html_to_text is not None:
        return _html_to_text(html)
    import lxml.html

    return lxml.html.fromstring(f"<div>{html}</div>").text_content()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def records_from_dataset(ds: Any) -> list[Any]:
    """The dedup records of the dataset's digital postings, as the pipeline stores them."""
    from crawlers.replica.render import description_html, pep_quote
    from normalize.record import find_pep_references
    from pipeline.dedup import DedupRecord

    out = []
    texts: dict[tuple[str, str, str | None, str | None], str] = {}
    for p in ds.postings:
        t = p.truth
        if not t["is_digital"]:
            continue
        # the offer text depends only on these (and the quote): flatten each distinct one once
        text_key = (t["employer"], t["job_family"], t["city"], t["contract"])
        text = texts.get(text_key)
        quote_html = pep_quote(p)
        if text is None:
            missions, profile = description_html(p)
            text = texts[text_key] = _text(missions + profile.removesuffix(quote_html))
        quote = _text(quote_html) if quote_html else ""
        # what the normalizer reads in the quote (a reference of an unusual shape is not read)
        quoted = find_pep_references(quote)
        if quote:
            text = f"{text}\n\n{quote}"
        out.append(DedupRecord(
            key=(p.source_kind, p.reference), source=p.source_kind, reference=p.reference,
            title=t["title"], employer=t["employer"], employer_key=employer_key(t["employer"]),
            city=t["city"], department_code=t["department_code"], published_at=_day(t["published_at"]),
            deadline=_day(t["deadline"]), category=t["category"], contract=t["contract"], remote=t["remote"],
            salary_min=t["salary_min"], salary_max=t["salary_max"], description=text,
            pep_references=tuple(quoted)))
    return out


def predicted_pairs(decisions: Iterable[Any]) -> set[frozenset[Hashable]]:
    """Every pair of records the decisions put in one offer."""
    groups: dict[Hashable, list[Hashable]] = defaultdict(list)
    for d in decisions:
        groups[d.offer_id or d.founder_key].append(d.key)
    pairs: set[frozenset[Hashable]] = set()
    for members in groups.values():
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                pairs.add(frozenset((a, b)))
    return pairs


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def run(n: int, seed: int, *, diagnose: int = 0, profile: bool = False,
        threshold: float | None = None, repeat: int = 3, span_days: int | None = None) -> dict[str, Any]:
    """One measured run: generate, build records, dedup, score. Returns the figures."""
    from crawlers.replica.generator import generate, publication_span
    from pipeline.dedup import DedupConfig, dedup_records, score_pair

    t0 = time.perf_counter()
    ds = generate(n, seed=seed, span_days=span_days)
    t1 = time.perf_counter()
    records = records_from_dataset(ds)
    t2 = time.perf_counter()
    rss_before = _rss_mib()
    config = DedupConfig() if threshold is None else DedupConfig(threshold=threshold)
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler()
        profiler.start()
    # the machine may be shared: the best of ``repeat`` runs is the figure (CPU time beside it)
    walls, cpus = [], []
    for _ in range(max(1, repeat)):
        w0, c0 = time.perf_counter(), time.process_time()
        outcome = dedup_records(records, (), config)
        walls.append(time.perf_counter() - w0)
        cpus.append(time.process_time() - c0)
    if profiler is not None:
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False), file=sys.stderr)

    keys = {r.key for r in records}
    truth = {pair for pair in ds.duplicate_pairs() if pair <= keys}
    near = {pair for pair in ds.near_miss_pairs() if pair <= keys}
    predicted = predicted_pairs(outcome.decisions)
    hits = len(predicted & truth)
    precision = hits / len(predicted) if predicted else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    rules: dict[str, int] = defaultdict(int)
    for d in outcome.decisions:
        rules[d.rule] += 1
    figures = {
        "postings": n, "seed": seed, "records": len(records), "threshold": config.threshold, "repeat": repeat,
        "span_days": span_days or publication_span(n),
        "seconds_dedup": round(min(walls), 3), "cpu_seconds_dedup": round(min(cpus), 3),
        "stages": outcome.timings, "seconds_generate": round(t1 - t0, 3),
        "seconds_records": round(t2 - t1, 3), "peak_rss_mib": round(_rss_mib(), 1),
        "peak_rss_before_dedup_mib": round(rss_before, 1),
        "candidate_pairs": outcome.candidate_pairs, "reference_pairs": outcome.reference_pairs,
        "true_pairs": len(truth), "predicted_pairs": len(predicted), "correct_pairs": hits,
        "precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
        "near_miss_pairs": len(near), "near_misses_merged": len(predicted & near),
        "offers": rules["founder"], "decisions": dict(rules),
    }
    if diagnose:
        by_key = {r.key: r for r in records}
        # one record per employer name: the aliases the batch learns (see pipeline.dedup)
        context = list({(r.employer, r.employer_key): r for r in records}.values())
        for label, pairs in (("missed", sorted(truth - predicted, key=sorted)),
                             ("wrong", sorted(predicted - truth, key=sorted))):
            print(f"--- {label}: {len(pairs)} pairs, first {diagnose}", file=sys.stderr)
            for pair in pairs[:diagnose]:
                a, b = (by_key[k] for k in sorted(pair))
                s = score_pair(a, b, config, context)
                print(f"{a.key} {a.title!r} | {a.employer_key} | {a.city} {a.department_code} | "
                      f"{a.published_at} {a.deadline} {a.category} {a.salary_min}", file=sys.stderr)
                print(f"{b.key} {b.title!r} | {b.employer_key} | {b.city} {b.department_code} | "
                      f"{b.published_at} {b.deadline} {b.category} {b.salary_min}", file=sys.stderr)
                print(f"    score {s.score} points {s.points}", file=sys.stderr)
    return figures


def _print(fig: dict[str, Any]) -> None:
    print(f"N={fig['postings']:>7} ({fig['records']} digital postings, seed {fig['seed']}, published over "
          f"{fig['span_days']} days, threshold {fig['threshold']:g})")
    print(f"  dedup+merge time   {fig['seconds_dedup']:8.2f} s   (best of {fig['repeat']}; CPU "
          f"{fig['cpu_seconds_dedup']:.2f} s; stages {fig['stages']})")
    print(f"  outside the timing: generate {fig['seconds_generate']:.2f} s, build records "
          f"{fig['seconds_records']:.2f} s")
    print(f"  peak RSS           {fig['peak_rss_mib']:8.0f} MiB   (before the dedup: "
          f"{fig['peak_rss_before_dedup_mib']:.0f} MiB, generator and records)")
    print(f"  candidate pairs    {fig['candidate_pairs']:8d}   (quoted references {fig['reference_pairs']})")
    print(f"  true pairs         {fig['true_pairs']:8d}   predicted {fig['predicted_pairs']}, correct "
          f"{fig['correct_pairs']}")
    print(f"  precision {fig['precision']:.4f}  recall {fig['recall']:.4f}  F1 {fig['f1']:.4f}")
    print(f"  near misses merged {fig['near_misses_merged']} of {fig['near_miss_pairs']}; "
          f"decisions {fig['decisions']}")


def _run_in_subprocess(n: int, seed: int, threshold: float | None, repeat: int,
                       span_days: int | None = None) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.dedup", "--postings", str(n), "--seed", str(seed), "--json",
           "--repeat", str(repeat)]
    if threshold is not None:
        cmd += ["--threshold", str(threshold)]
    if span_days is not None:
        cmd += ["--span-days", str(span_days)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postings", type=int, action="append", help="N (repeatable); default 10000")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--check-linear", action="store_true",
                        help="run 10k and 100k (unless given) and print the time ratio")
    parser.add_argument("--json", action="store_true", help="print one JSON line of figures per run")
    parser.add_argument("--diagnose", type=int, default=0, metavar="K", help="print K missed and K wrong pairs")
    parser.add_argument("--threshold", type=float, help="DedupConfig.threshold (default: the config's)")
    parser.add_argument("--repeat", type=int, default=3, help="time the dedup R times, keep the best (default 3)")
    parser.add_argument("--profile", action="store_true", help="profile the dedup with pyinstrument (stderr)")
    parser.add_argument("--span-days", type=int, help="publish the postings over this many days (default: the "
                        "generator's, proportional to N; 160 at 100k is a crowded stress test)")
    args = parser.parse_args(argv)
    sizes = args.postings or ([10_000, 100_000] if args.check_linear else [10_000])
    if args.check_linear and len(sizes) < 2:
        sizes = sorted({*sizes, 10_000, 100_000})
    if len(sizes) == 1:
        fig = run(sizes[0], args.seed, diagnose=args.diagnose, profile=args.profile, threshold=args.threshold,
                  repeat=args.repeat, span_days=args.span_days)
        print(json.dumps(fig) if args.json else "", end="\n" if args.json else "")
        if not args.json:
            _print(fig)
        return 0
    results = [_run_in_subprocess(n, args.seed, args.threshold, args.repeat, args.span_days) for n in sorted(sizes)]
    for fig in results:
        print(json.dumps(fig)) if args.json else _print(fig)
    if args.check_linear:
        small, large = results[0], results[-1]
        factor = large["postings"] / small["postings"]
        ratio = large["seconds_dedup"] / (factor * small["seconds_dedup"])
        cpu_ratio = large["cpu_seconds_dedup"] / (factor * small["cpu_seconds_dedup"])
        print(f"linearity: {large['seconds_dedup']:.2f} s / ({factor:g} × {small['seconds_dedup']:.2f} s) "
              f"= {ratio:.2f} (CPU time: {cpu_ratio:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
