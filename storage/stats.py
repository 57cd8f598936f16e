"""The catalogue at a glance: counts by source, job family, region, category, contract,
offers per week and duplicates merged per source pair.

Every figure is one aggregate query on the view ``catalogue_offers`` (joined with
``postings`` where sources matter), over the offers selected by an
:class:`storage.exports.ExportFilters` (by default the active offers), so ``catalogue
stats``, ``catalogue report`` and ``catalogue export`` always agree on what "the
catalogue" is.

>>> stats = compute_stats(engine)                                # active offers
>>> stats.total, stats.by_region[0]
(1234, Count(value='Île-de-France', offers=402))
>>> stats_all = compute_stats(engine, ExportFilters(status="all"))

Definitions:

- ``by_source``: offers with at least one posting from the source (an offer merged from
  two sources counts once under each: the sum can exceed ``total``);
- ``per_week``: offers by the ISO week (its Monday) of their ``published_at`` date, or of
  the date they were first seen when the source gives no publication date; only weeks
  with offers are listed;
- ``source_pairs``: for each pair of sources (a, b), the offers holding postings of both
  (a == b: one source published the same job twice);
- ``merged_offers``: offers holding two postings or more.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, NamedTuple

from sqlalchemy import Engine, and_, func, or_, select

from normalize.text import fold
from storage.exports import ExportFilters, catalogue_offers, filtered_view
from storage.models import Posting

#: the per-field breakdowns, in display order: (attribute of CatalogueStats, view column)
BREAKDOWNS: tuple[tuple[str, str], ...] = (
    ("by_job_family", "job_family"),
    ("by_region", "region"),
    ("by_category", "category"),
    ("by_contract", "contract"),
)


class Count(NamedTuple):
    """One bar of a breakdown: a value (None: not known) and its number of offers."""

    value: str | None
    offers: int


class WeekCount(NamedTuple):
    """Offers first published in the ISO week starting on ``week`` (a Monday)."""

    week: date
    offers: int


class PairCount(NamedTuple):
    """Offers merged from postings of ``source_a`` and ``source_b`` (a <= b)."""

    source_a: str
    source_b: str
    offers: int


@dataclass
class CatalogueStats:
    """The figures of ``catalogue stats`` and ``catalogue report``."""

    #: the status selection the figures cover: active | expired | all
    status: str
    #: offers in the selection
    total: int
    #: offers in the whole catalogue, by status (whatever the selection)
    active: int
    expired: int
    #: postings of the selected offers
    postings: int
    #: selected offers holding two postings or more
    merged_offers: int
    by_source: list[Count] = field(default_factory=list)
    by_job_family: list[Count] = field(default_factory=list)
    by_region: list[Count] = field(default_factory=list)
    by_category: list[Count] = field(default_factory=list)
    by_contract: list[Count] = field(default_factory=list)
    per_week: list[WeekCount] = field(default_factory=list)
    source_pairs: list[PairCount] = field(default_factory=list)
    generated_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc).replace(microsecond=0))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: breakdowns as lists of objects, dates as ISO strings."""
        out = asdict(self)
        out["generated_at"] = self.generated_at.isoformat()
        for name in ("by_source", *(attr for attr, _ in BREAKDOWNS)):
            out[name] = [c._asdict() for c in getattr(self, name)]
        out["per_week"] = [{"week": w.week.isoformat(), "offers": w.offers} for w in self.per_week]
        out["source_pairs"] = [p._asdict() for p in self.source_pairs]
        return out


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def _to_date(value: Any) -> date | None:
    """A date from a date or the start of an ISO text ("2026-03-02T…"); None when unreadable."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def _sorted_counts(rows: Any) -> list[Count]:
    """Largest first, then alphabetically (accents ignored: "Île-de-France" among the I's), unknown last."""
    counts = [Count(value, int(n)) for value, n in rows]
    return sorted(counts, key=lambda c: (-c.offers, c.value is None, fold(c.value), c.value or ""))


def compute_stats(engine: Engine, filters: ExportFilters | None = None) -> CatalogueStats:
    """Every figure of the catalogue for the offers ``filters`` select (default: active)."""
    filters = filters or ExportFilters()
    v = catalogue_offers.c
    source, conds = filtered_view(filters)
    selected_ids = select(v.id).select_from(source).where(*conds)
    p = Posting.__table__.c
    with engine.connect() as conn:
        by_status = dict(conn.execute(select(v.status, func.count()).group_by(v.status)).all())
        total = conn.execute(select(func.count()).select_from(source).where(*conds)).scalar_one()
        breakdowns = {
            attr: _sorted_counts(conn.execute(
                select(v[col], func.count()).select_from(source).where(*conds).group_by(v[col])))
            for attr, col in BREAKDOWNS
        }
        by_source = _sorted_counts(conn.execute(
            select(p.source, func.count(func.distinct(p.offer_id)))
            .where(p.offer_id.in_(selected_ids)).group_by(p.source)))
        postings = conn.execute(
            select(func.count()).select_from(Posting.__table__).where(p.offer_id.in_(selected_ids))
        ).scalar_one()
        merged = conn.execute(select(func.count()).select_from(
            select(p.offer_id).where(p.offer_id.in_(selected_ids))
            .group_by(p.offer_id).having(func.count() > 1).subquery())).scalar_one()
        weeks: dict[date, int] = {}
        published = conn.execute(
            select(v.published_at, func.count()).select_from(source)
            .where(*conds, v.published_at.is_not(None)).group_by(v.published_at))
        first_seen_day = func.substr(v.first_seen_at, 1, 10)
        unpublished = conn.execute(
            select(first_seen_day, func.count()).select_from(source)
            .where(*conds, v.published_at.is_(None)).group_by(first_seen_day))
        for day, n in [*published, *unpublished]:
            parsed = _to_date(day)
            if parsed is not None:
                monday = week_start(parsed)
                weeks[monday] = weeks.get(monday, 0) + int(n)
        p1 = Posting.__table__.alias("p1")
        p2 = Posting.__table__.alias("p2")
        pairs = conn.execute(
            select(p1.c.source, p2.c.source, func.count(func.distinct(p1.c.offer_id)))
            .select_from(p1.join(p2, and_(
                p1.c.offer_id == p2.c.offer_id,
                or_(p1.c.source < p2.c.source, and_(p1.c.source == p2.c.source, p1.c.id < p2.c.id)))))
            .where(p1.c.offer_id.in_(selected_ids))
            .group_by(p1.c.source, p2.c.source))
        source_pairs = sorted((PairCount(a, b, int(n)) for a, b, n in pairs),
                              key=lambda pc: (-pc.offers, pc.source_a, pc.source_b))
    return CatalogueStats(
        status=filters.status,
        total=int(total),
        active=int(by_status.get("active", 0)),
        expired=int(by_status.get("expired", 0)),
        postings=int(postings),
        merged_offers=int(merged),
        by_source=by_source,
        per_week=[WeekCount(w, n) for w, n in sorted(weeks.items())],
        source_pairs=source_pairs,
        **breakdowns,
    )
