"""A stand-in for ``python -m pipeline.runner`` in the ops tests: no Scrapy, same contract.

    python fake_child.py MODE --db URL --run-id N [--flag PATH]

Modes:
- ``succeed``: record the run ``succeeded`` with a few counters, exit 0;
- ``wait-flag``: wait until the file ``--flag`` exists (at most 60 s), then as ``succeed``;
- ``sleep``: sleep up to 60 s; on SIGTERM, record what the real runner records when Scrapy
  is shut down (``pipeline.runner.crawl_status`` of a "shutdown" finish) and exit 0;
- ``stubborn``: ignore SIGTERM and sleep (only SIGKILL ends it);
- ``crash``: print a traceback-like message on stderr and exit 3 without recording anything;
- ``silent``: exit 0 without recording anything;
- ``tty``: record ``succeeded`` with the message ``stderr isatty=True|False``.

Each mode first writes ``started pid=…`` on stdout and, with ``--flag``, touches
``<flag>.started`` so that a test knows the child runs.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

COUNTERS = {"pages": 4, "items_seen": 3, "items_new": 2, "items_updated": 1, "detail_skipped": 1}


def record(db: str, run_id: int, status: str, message: str | None = None, counters: dict | None = None) -> None:
    # imported here, not first: the signal handlers of "sleep" and "stubborn" must be in place
    # as early as possible (a test's 1-second time limit on a loaded machine)
    from storage.db import create_db_engine, session
    from storage.runs import finish_run

    engine = create_db_engine(db)  # the launcher already checked the schema
    with session(engine) as s, s.begin():
        finish_run(s, run_id, status=status, counters=counters or COUNTERS, errors=[], error_message=message,
                   stats={"fake": True})
    engine.dispose()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode")
    parser.add_argument("--db", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    parser.add_argument("--flag")
    args = parser.parse_args()
    if args.mode == "sleep":
        def on_term(_signum, _frame):
            from pipeline.runner import crawl_status

            status, reason = crawl_status({"finish_reason": "shutdown"}, previous_seen=None, drop_share=0.5)
            record(args.db, args.run_id, status, reason, counters={"items_seen": 1})
            sys.exit(0)

        signal.signal(signal.SIGTERM, on_term)
    elif args.mode == "stubborn":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    print(f"started pid={os.getpid()}", flush=True)
    if args.flag:
        Path(args.flag + ".started").write_text(str(os.getpid()))

    if args.mode in ("sleep", "stubborn"):
        time.sleep(60)
        return 0
    if args.mode == "crash":
        print("Traceback (most recent call last):", file=sys.stderr)
        print("RuntimeError: the spider blew up on purpose", file=sys.stderr)
        return 3
    if args.mode == "silent":
        return 0
    if args.mode == "tty":
        record(args.db, args.run_id, "succeeded", f"stderr isatty={sys.stderr.isatty()}")
        return 0
    if args.mode == "wait-flag":
        deadline = time.monotonic() + 60
        while not Path(args.flag).exists() and time.monotonic() < deadline:
            time.sleep(0.05)
    record(args.db, args.run_id, "succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main())
