"""Catalogue rows for export/stats/report tests, inserted with Core (fast, no pipeline).

``offer(...)`` and ``posting(...)`` build complete row dicts (every column given, so one
``executemany`` takes them all); ``search_text``/``employer_search`` are filled as
``storage.offers`` fills them (``normalize.text.fold``). ``bulk_catalogue(engine, n)``
inserts ``n`` varied offers with one or two postings each.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pytest

from sqlalchemy import Engine, insert, select

from pgdb import BACKENDS, module_database  # noqa: F401 - re-exported for the export/stats tests

from normalize.text import fold
from storage.models import Offer, Posting

SEEN = datetime(2026, 3, 2, 8, 30, tzinfo=timezone.utc)

_OFFER_DEFAULTS: dict[str, Any] = {
    "title": "Développeur", "employer": "DINUM", "ministry": None, "public_service": "etat",
    "category": "A", "contract": "contractuel", "city": "Paris", "department_code": "75",
    "region": "Île-de-France", "remote": "partiel", "salary_min": 40000, "salary_max": 50000,
    "published_at": date(2026, 3, 2), "deadline": None, "job_family": "developpement",
    "description": "Vos missions", "description_html": "<p>Vos missions</p>", "status": "active",
}


_fold = lru_cache(maxsize=1024)(fold)  # bulk rows repeat descriptions and employers


def offer(id: str, **fields: Any) -> dict[str, Any]:
    """A full ``offers`` row: defaults, overridden by ``fields``, search columns folded."""
    row = {**_OFFER_DEFAULTS, **fields, "id": id}
    row.setdefault("first_seen_at", SEEN)
    row.setdefault("last_seen_at", SEEN)
    row.setdefault("created_at", SEEN)
    row.setdefault("updated_at", SEEN)
    row["search_text"] = f"{fold(row['title'])} {_fold(row['description'])}".strip()
    row["employer_search"] = _fold(row["employer"])
    return row


def posting(offer_id: str, source: str, reference: str, url: str | None = None) -> dict[str, Any]:
    """A minimal ``postings`` row attached to ``offer_id``."""
    return {"offer_id": offer_id, "source": source, "reference": reference,
            "url": url or f"https://{source}.example/offre/{reference}", "title": "x",
            "first_seen_at": SEEN, "last_seen_at": SEEN, "dedup_pending": False}


def insert_rows(engine: Engine, offers: list[dict[str, Any]], postings: list[dict[str, Any]] = ()) -> None:
    with engine.begin() as conn:
        if offers:
            conn.execute(insert(Offer), offers)
        if postings:
            conn.execute(insert(Posting), list(postings))


REGIONS = (("Île-de-France", "75", "Paris"), ("Bretagne", "35", "Rennes"), ("Occitanie", "34", "Montpellier"),
           ("Auvergne-Rhône-Alpes", "42", "Saint-Étienne"), ("La Réunion", "974", "Saint-Denis"))
FAMILIES = ("developpement", "data", "cybersecurite", "infrastructure", "produit_projet")
CATEGORIES = ("A", "B", "C", "A+")
SOURCES = ("pep", "ministere", "flux", "api")


def bulk_catalogue(engine: Engine, n: int, *, start: int = 0, chunk: int = 10_000) -> None:
    """Insert offers number ``start`` to ``n - 1`` (every 4th merged from two sources), varied fields.

    Offer ``i`` is published on 2026-01-05 + (i mod 70) days: ten weeks of 1/7 each.
    """
    first_day = date(2026, 1, 5)
    for base in range(start, n, chunk):
        offers, postings = [], []
        for i in range(base, min(n, base + chunk)):
            region, dept, city = REGIONS[i % len(REGIONS)]
            oid = f"o{i:07d}"
            offers.append(offer(
                oid, title=f"Ingénieur·e {FAMILIES[i % 5]} n°{i}", employer=f"Ministère numéro {i % 37}",
                region=region, department_code=dept, city=city, category=CATEGORIES[i % 4],
                job_family=FAMILIES[i % 5], published_at=first_day + timedelta(days=i % 70),
                salary_min=30000 + i % 20000, salary_max=None if i % 3 else 60000,
                description="Missions : concevoir, développer, maintenir. " * 3,
                description_html="<p>Missions : concevoir, développer, maintenir.</p>" * 3,
            ))
            postings.append(posting(oid, SOURCES[i % 4], f"R{i}"))
            if i % 4 == 0:
                postings.append(posting(oid, "ministere", f"M{i}"))
        insert_rows(engine, offers, postings)


def replicate_catalogue(engine: Engine, copies: int) -> None:
    """Add ``copies`` copies of every offer and posting now in the database, in SQL.

    Copy ``k`` of offer ``X`` is ``X~k`` (postings follow, references suffixed alike): a
    catalogue of 1,000 offers grows to 50,000 with ``copies=49`` in about a second,
    with ``INSERT … SELECT`` statements that run on SQLite and PostgreSQL alike.
    """
    offers, postings = Offer.__table__, Posting.__table__
    offer_cols = [c for c in offers.c]
    posting_cols = [c for c in postings.c if c.name != "id"]
    with engine.begin() as conn:
        originals_o = ~offers.c.id.contains("~")
        originals_p = ~postings.c.offer_id.contains("~")
        for k in range(1, copies + 1):
            suffix = f"~{k}"
            conn.execute(insert(offers).from_select(
                [c.name for c in offer_cols],
                select(*[(c + suffix) if c.name == "id" else c for c in offer_cols]).where(originals_o)))
            conn.execute(insert(postings).from_select(
                [c.name for c in posting_cols],
                select(*[(c + suffix) if c.name in ("offer_id", "reference") else c for c in posting_cols])
                .where(originals_p)))
