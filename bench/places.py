"""Benchmark: loading the place reference data and resolving places.

    python -m bench.places                 # 200,000 calls
    python -m bench.places --calls 1000000

1. Imports :mod:`normalize.places` in a fresh interpreter and prints the import time (the
   reference CSV files are read and every lookup table built then, once).
2. Resolves a mix of the shapes the sources publish, built from the replica's communes
   ("Ville (NN)", "NN - Ville", "CP Ville", full addresses with CEDEX, JSON-LD/API parts,
   pep's department labels) and prints calls per second and microseconds per call, first
   without the result cache (every call resolves), then through ``parse_place`` (cached).

Prints figures only; no goal is asserted here or in the tests.
"""

from __future__ import annotations

import argparse
import itertools
import subprocess
import sys
import time
from typing import Any

IMPORT_SNIPPET = (
    "import time; t = time.perf_counter(); import normalize.places; "
    "print(time.perf_counter() - t)"
)


def import_seconds() -> float:
    """Seconds to import normalize.places in a fresh interpreter (its dependencies included)."""
    out = subprocess.run([sys.executable, "-c", IMPORT_SNIPPET], check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def inputs() -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
    """(args, kwargs) for parse_place, in the shapes the four source kinds publish."""
    from crawlers.replica import data as replica

    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for dept in replica.DEPARTMENTS.values():
        calls.append(((f"{dept.card_label} ({dept.code})",), {}))
        for c in dept.communes:
            calls += [
                ((f"{c.name} ({dept.code})",), {}),
                ((f"{dept.code} - {c.name}",), {}),
                ((f"{c.postcode} {c.name}",), {}),
                ((f"27 BOULEVARD DE STALINGRAD {c.postcode} {c.name.upper()} CEDEX 1",), {}),
                ((c.name,), {"department": f"{dept.name} ({dept.code})", "region": dept.region}),
                ((), {"city": c.name, "postal_code": c.postcode, "region": dept.region}),
                ((), {"city": c.name, "postal_code": c.postcode, "department": dept.name}),
            ]
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=200_000)
    args = parser.parse_args()

    print(f"import normalize.places (fresh interpreter): {import_seconds() * 1000:.1f} ms")

    from normalize import places

    print(f"reference data: {len(places.DEPARTMENTS)} departments, {len(places.COMMUNES)} communes")
    mix = inputs()
    uncached = places._parse_place.__wrapped__  # the resolution itself, without the result cache
    for label, function in (("uncached", uncached), ("parse_place (cached)", None)):
        started = time.perf_counter()
        for call_args, call_kwargs in itertools.islice(itertools.cycle(mix), args.calls):
            if function is None:
                places.parse_place(*call_args, **call_kwargs)
            else:
                parts = (call_args[0] if call_args else None, call_kwargs.get("city"),
                         call_kwargs.get("postal_code"), call_kwargs.get("department"), call_kwargs.get("region"))
                function(*parts)
        elapsed = time.perf_counter() - started
        print(f"{label}: {args.calls:,} calls over {len(mix)} distinct inputs in {elapsed:.2f} s: "
              f"{args.calls / elapsed:,.0f} calls/s, {elapsed / args.calls * 1e6:.1f} µs/call")


if __name__ == "__main__":
    main()
