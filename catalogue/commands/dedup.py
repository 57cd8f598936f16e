"""`catalogue dedup` and `catalogue explain OFFER_ID`: merging postings into offers, and why."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from catalogue.common import ConfigOption, DbOption, fail, get_config, get_engine, print_table


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def register(app: typer.Typer) -> None:
    @app.command("dedup")
    def dedup(
        db: DbOption = None,
        again: Annotated[bool, typer.Option(
            "--again", help="Reconsider every active digital posting not yet in an offer (normally only new "
                            "or changed postings are).")] = False,
        threshold: Annotated[float | None, typer.Option(
            "--threshold", min=1, max=30, metavar="POINTS",
            help="Points from which two postings are the same job (default: [settings] dedup_threshold of the "
                 "configuration, else 9; docs/DEDUP.md).", show_default=False)] = None,
        config: ConfigOption = None,
    ) -> None:
        """Merge new and changed postings into offers (also run after every crawl)."""
        from sqlalchemy import update

        from pipeline.dedup import DedupConfig, dedup_pending
        from storage.db import session
        from storage.models import Posting

        if threshold is None:
            threshold = get_config(config).settings.dedup_threshold
        dedup_config = DedupConfig.with_threshold(threshold)
        engine = get_engine(db)
        try:
            with session(engine) as s, s.begin():
                if again:
                    s.execute(update(Posting)
                              .where(Posting.is_digital.is_(True), Posting.status == "active",
                                     Posting.offer_id.is_(None))
                              .values(dedup_pending=True))
                result = dedup_pending(s, run_id=None, config=dedup_config)
        finally:
            engine.dispose()
        print(f"threshold: {dedup_config.threshold:g} points, "
              f"postings processed: {result.postings_processed}, new offers: {result.offers_created}, "
              f"merged into existing offers: {result.postings_merged}, candidate pairs compared: "
              f"{result.candidate_pairs}")

    @app.command("explain")
    def explain(
        offer_id: Annotated[str, typer.Argument(help="Offer id (the `id` column of the catalogue).")],
        db: DbOption = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the explanation as JSON.")] = False,
    ) -> None:
        """Show the postings of an offer and why they were merged (scores per field)."""
        from storage.db import session
        from storage.offers import explain as explain_offer

        engine = get_engine(db, must_exist=True)
        try:
            with session(engine) as s:
                doc = explain_offer(s, offer_id)
        finally:
            engine.dispose()
        if doc is None:
            fail(f"no offer {offer_id!r} in the catalogue")
        if as_json:
            print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
            return
        offer = doc["offer"]
        print(f"Offer {offer['id']}: {offer.get('title')} — {offer.get('employer')} "
              f"({offer.get('city') or '?'}, {offer.get('department_code') or '?'}) "
              f"[{offer.get('catalogue_status') or offer.get('status')}]")
        postings = doc["postings"]
        print_table("Postings", ("posting", "source", "reference", "title", "employer", "place", "published",
                                 "deadline", "status", "url"),
                    [(p["id"], p["source"], p["reference"], p.get("title"), p.get("employer"),
                      f"{p.get('city') or '?'} ({p.get('department_code') or '?'})", _fmt(p.get("published_at")),
                      _fmt(p.get("deadline")), p.get("status"), p.get("url")) for p in postings])
        merges = doc.get("merges", [])
        fields = sorted({f for m in merges for f in (m.get("field_scores") or {})})
        print_table("Why they were merged",
                    ("posting", "rule", "matched posting", "score", *fields),
                    [(m["posting_id"], m["rule"], _fmt(m.get("matched_posting_id")), _fmt(m.get("score")),
                      *(_fmt((m.get("field_scores") or {}).get(f)) for f in fields)) for m in merges])
