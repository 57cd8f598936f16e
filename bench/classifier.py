"""Measure the digital-job classifier on the hand-labelled set.

    python -m bench.classifier [CSV] [--errors]

Prints the precision and recall of the digital / not-digital decision, the family
accuracy on the digital postings, the family confusions, and the time per call.

The labelled set, ``bench/data/classifier_labelled.csv``, has one posting per row:
``title``; ``labels`` (the source's own labels, joined by " | ", often empty);
``description`` (often empty); ``digital`` (yes/no: what the job *is*, decided by a
person, not by the rules); ``family`` (for digital rows); ``note`` (why a borderline row
is labelled so); ``split``: ``dev`` rows were written while the rules were written (the
rules were corrected on them), ``holdout-1`` rows were written after the rules were frozen
and measured once before any correction (docs/CLASSIFICATION.md gives that first figure).
Rows are classified as a source that is *not* restricted to digital jobs would have them
classified (``digital_only=False``): the hard case.
"""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from normalize.classify import classify

LABELLED = Path(__file__).resolve().parent / "data" / "classifier_labelled.csv"


@dataclass(frozen=True)
class Example:
    title: str
    labels: tuple[str, ...]
    description: str | None
    digital: bool
    family: str | None
    note: str = ""
    split: str = "dev"


@dataclass
class Evaluation:
    """Counts of one run over the labelled set (digital = the positive class)."""

    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    true_neg: int = 0
    family_right: int = 0
    family_total: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)
    errors: list[tuple[Example, str | None]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        found = self.true_pos + self.false_pos
        return self.true_pos / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_pos + self.false_neg
        return self.true_pos / wanted if wanted else 1.0

    @property
    def family_accuracy(self) -> float:
        return self.family_right / self.family_total if self.family_total else 1.0


def load_examples(path: str | Path = LABELLED) -> list[Example]:
    """The labelled rows of ``path``; raises ``ValueError`` on a malformed row."""
    out: list[Example] = []
    with open(path, newline="", encoding="utf-8") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            digital = row["digital"].strip().lower()
            if digital not in ("yes", "no"):
                raise ValueError(f"{path}:{line}: digital must be yes or no, not {row['digital']!r}")
            family = row["family"].strip() or None
            if (digital == "yes") != (family is not None):
                raise ValueError(f"{path}:{line}: a digital row needs a family, a non-digital one none")
            labels = tuple(p.strip() for p in row["labels"].split("|") if p.strip())
            out.append(Example(row["title"], labels, row["description"].strip() or None,
                               digital == "yes", family, row.get("note") or "", row.get("split") or "dev"))
    return out


def evaluate(examples: list[Example]) -> Evaluation:
    """Classify every example and count the outcomes."""
    ev = Evaluation()
    for ex in examples:
        got = classify(ex.title, ex.labels, ex.description)
        if ex.digital and got.is_digital:
            ev.true_pos += 1
        elif ex.digital:
            ev.false_neg += 1
        elif got.is_digital:
            ev.false_pos += 1
        else:
            ev.true_neg += 1
        if ex.digital and got.is_digital:
            ev.family_total += 1
            if got.job_family == ex.family:
                ev.family_right += 1
            else:
                ev.confusions[(ex.family or "", got.job_family or "")] += 1
        if ex.digital != got.is_digital or (ex.digital and got.job_family != ex.family):
            ev.errors.append((ex, got.job_family))
    return ev


def time_per_call(examples: list[Example], rounds: int = 20) -> float:
    """Mean seconds per :func:`classify` call over the examples (warm caches)."""
    start = time.perf_counter()
    for _ in range(rounds):
        for ex in examples:
            classify(ex.title, ex.labels, ex.description)
    return (time.perf_counter() - start) / (rounds * len(examples))


def _report(name: str, examples: list[Example]) -> Evaluation:
    ev = evaluate(examples)
    digital = sum(e.digital for e in examples)
    print(f"{name}: {len(examples)} postings ({digital} digital, {len(examples) - digital} not digital)")
    print(f"  digital decision: precision {ev.precision:.3f}  recall {ev.recall:.3f}  "
          f"(tp {ev.true_pos}, fp {ev.false_pos}, fn {ev.false_neg}, tn {ev.true_neg})")
    print(f"  family accuracy (digital postings found): {ev.family_accuracy:.3f} "
          f"({ev.family_right}/{ev.family_total})")
    return ev


def main(argv: list[str]) -> int:
    paths = [a for a in argv if not a.startswith("--")]
    examples = load_examples(paths[0] if paths else LABELLED)
    for split in sorted({e.split for e in examples}):
        _report(f"split {split}", [e for e in examples if e.split == split])
    ev = _report("all", examples)
    if ev.confusions:
        print("family confusions (expected → got):")
        for (want, got), count in ev.confusions.most_common():
            print(f"  {want:>16} → {got:<16} {count}")
    print(f"time per classify(): {time_per_call(examples) * 1e6:.1f} µs")
    if "--errors" in argv:
        print("errors:")
        for ex, family in ev.errors:
            want = ex.family or "not digital"
            print(f"  {ex.title!r} {list(ex.labels) or ''}: expected {want}, got {family or 'not digital'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
