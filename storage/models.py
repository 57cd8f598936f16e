"""The catalogue database: SQLAlchemy 2.x typed models.

Internal tables may change (with an Alembic migration, ``storage/migrations``); the
public contract is the view ``catalogue_offers`` (``storage/views.py``), documented in
``../shared/CATALOGUE.md`` and ``docs/SCHEMA.md``.

- ``postings``: one row per (source, reference): what one source publishes, normalized,
  with its raw item kept beside (``raw``).
- ``offers``: one row per real job; its postings point to it (``postings.offer_id``).
- ``offer_merges``: why each posting joined its offer (rule, score, per-field scores).
- ``changes``: every change of a field of a posting or an offer, with its crawl run.
- ``crawl_runs``: one row per crawl of a source (status, counters, errors).
- ``crawl_locks``: a lease per source so that two crawls of one source never overlap.
- ``non_offer_pages``: listed URLs that carry no offer, not fetched again while unchanged.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    Unicode,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UTCDateTime, utcnow


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


#: the catalogue record fields shared by postings and offers (CATALOGUE.md), in order
RECORD_FIELDS: tuple[str, ...] = (
    "title", "employer", "ministry", "public_service", "category", "contract",
    "city", "department_code", "region", "remote", "salary_min", "salary_max",
    "published_at", "deadline", "job_family", "description", "description_html",
)


class _RecordMixin:
    title: Mapped[str] = mapped_column(Text)
    employer: Mapped[str | None] = mapped_column(Text)
    ministry: Mapped[str | None] = mapped_column(Text)
    public_service: Mapped[str | None] = mapped_column(String(20))
    category: Mapped[str | None] = mapped_column(String(4))
    contract: Mapped[str | None] = mapped_column(String(32))
    city: Mapped[str | None] = mapped_column(Text)
    department_code: Mapped[str | None] = mapped_column(String(3))
    region: Mapped[str | None] = mapped_column(Text)
    remote: Mapped[str | None] = mapped_column(String(10))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[date | None] = mapped_column(Date)
    deadline: Mapped[date | None] = mapped_column(Date)
    job_family: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str | None] = mapped_column(Text)
    description_html: Mapped[str | None] = mapped_column(Text)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100), index=True)
    kind: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="running")
    trigger: Mapped[str] = mapped_column(String(20), default="manual")
    full_refresh: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    pid: Mapped[int | None] = mapped_column(Integer)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)
    items_seen: Mapped[int] = mapped_column(Integer, default=0)
    items_new: Mapped[int] = mapped_column(Integer, default=0)
    items_updated: Mapped[int] = mapped_column(Integer, default=0)
    items_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    items_expired: Mapped[int] = mapped_column(Integer, default=0)
    items_rejected: Mapped[int] = mapped_column(Integer, default=0)
    not_digital: Mapped[int] = mapped_column(Integer, default=0)
    detail_skipped: Mapped[int] = mapped_column(Integer, default=0)
    not_found: Mapped[int] = mapped_column(Integer, default=0)
    non_offer_pages: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[int] = mapped_column(Integer, default=0)
    offers_new: Mapped[int] = mapped_column(Integer, default=0)
    offers_merged: Mapped[int] = mapped_column(Integer, default=0)
    #: list of {"url": ..., "reason": ...} (rejections, 404s, errors), capped
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    error_message: Mapped[str | None] = mapped_column(Text)
    #: everything else (Scrapy stats, warnings by kind, timings)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Offer(_RecordMixin, Base):
    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_published_at", "published_at"),
        Index("ix_offers_region", "region"),
        Index("ix_offers_department_code", "department_code"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(10), default="active", index=True)
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    expired_at: Mapped[datetime | None]
    #: why the offer expired: "deadline", "gone" (all postings gone from complete listings)
    expired_reason: Mapped[str | None] = mapped_column(String(20))
    #: accent- and case-folded "title description" (``normalize.text.fold``), for `export --search`
    search_text: Mapped[str | None] = mapped_column(Text)
    #: accent- and case-folded employer, for `export --employer`
    employer_search: Mapped[str | None] = mapped_column(Text)


class Posting(_RecordMixin, Base):
    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("source", "reference", name="uq_postings_source_reference"),
        Index("ix_postings_dedup_pending", "dedup_pending"),
        Index("ix_postings_department_code", "department_code"),
        Index("ix_postings_source_listing_ref", "source", "listing_ref"),
        # every crawl reads its source's postings that are not gone (what it may skip, then
        # what it did not see): without it, a scan of every posting the source ever had,
        # the gone ones accumulating night after night
        Index("ix_postings_source_status", "source", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    reference: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(Text)
    offer_id: Mapped[str | None] = mapped_column(ForeignKey("offers.id"), index=True)
    is_digital: Mapped[bool] = mapped_column(Boolean, default=True)
    job_family_evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    pep_references: Mapped[list[Any]] = mapped_column(JSON, default=list)
    employer_key: Mapped[str | None] = mapped_column(Text)
    raw: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    warnings: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: the posting's identity in its source's listing (pep/feed/api: the reference; jobposting: the sitemap URL)
    listing_ref: Mapped[str | None] = mapped_column(Text)
    listing_key: Mapped[str | None] = mapped_column(Text)
    #: False when the posting was built from its listing entry alone (e.g. a feed item not digital)
    detail_fetched: Mapped[bool] = mapped_column(Boolean, default=True)
    #: net salary figures seen (never in salary_min/max), e.g. {"min": 2500, "max": 2500, "period": "monthly"}
    salary_net: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    #: active | gone (absent from a complete listing, or 404/410): nothing else (deadline
    #: expiry is an offer's state); the reads of a source's live postings ask for ``active``
    status: Mapped[str] = mapped_column(String(10), default="active")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    detail_fetched_at: Mapped[datetime | None]
    gone_at: Mapped[datetime | None]
    last_run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    dedup_pending: Mapped[bool] = mapped_column(Boolean, default=True)


class OfferMerge(Base):
    """Why a posting belongs to its offer."""

    __tablename__ = "offer_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    posting_id: Mapped[int] = mapped_column(ForeignKey("postings.id"), index=True)
    #: the posting already in the offer that it matched (null for the founding posting)
    matched_posting_id: Mapped[int | None] = mapped_column(ForeignKey("postings.id"))
    #: "founder" | "reference" (quoted PEP reference) | "fuzzy"
    rule: Mapped[str] = mapped_column(String(20))
    score: Mapped[float | None] = mapped_column(Float)
    field_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Change(Base):
    """One change of one field of a posting or an offer."""

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_entity", "entity", "entity_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(10))  # "posting" | "offer"
    entity_id: Mapped[str] = mapped_column(String(32))
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("crawl_runs.id"), index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


class CrawlLock(Base):
    """A lease on a source: held by one crawl at a time, taken over once expired."""

    __tablename__ = "crawl_locks"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    run_id: Mapped[int | None] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class NonOfferPage(Base):
    __tablename__ = "non_offer_pages"

    source: Mapped[str] = mapped_column(String(100), primary_key=True)
    url: Mapped[str] = mapped_column(String(1000), primary_key=True)
    listing_key: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    seen_at: Mapped[datetime] = mapped_column(default=utcnow)


class SchedulerJob(Base):
    """APScheduler 3.x's job store (``SQLAlchemyJobStore``, table ``apscheduler_jobs``).

    Declared here, column for column as APScheduler creates it, so that the migrations own
    the table (a PostgreSQL role without CREATE rights can run the scheduler) and schema
    comparisons do not see a stranger. Written only through APScheduler (``scheduler.py``).
    """

    __tablename__ = "apscheduler_jobs"

    id: Mapped[str] = mapped_column(Unicode(191), primary_key=True)
    #: UTC POSIX timestamp of the next run (null: paused)
    next_run_time: Mapped[float | None] = mapped_column(Float(25), index=True)
    #: the pickled job (trigger, function reference, arguments)
    job_state: Mapped[bytes] = mapped_column(LargeBinary)
