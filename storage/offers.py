"""Offers: one row per real job, its record merged from its postings (CATALOGUE.md "Rules").

``pipeline.dedup`` decides which postings are the same job: it creates the offer row
(``id`` = :func:`offer_id_for` of the founding posting), points the postings at it
(``postings.offer_id``) and writes ``offer_merges``. This module computes everything
else, from the postings alone::

    refresh_offers(session, {"o3kq…", "obv7…"}, run_id=12)   # merged fields, status, history
    expire_by_deadline(session, run_id=12)                    # deadlines passed since the last run
    touch_seen_offers(session, "pep", run_id=12)              # offers whose postings the run saw
    explain(session, "o3kq…")                                 # offer, postings, merges, provenance

The merge (:func:`merge_postings`), per CATALOGUE.md:

- only digital postings take part (a non-digital posting never belongs to an offer);
- per field, a value beats null;
- ``published_at`` is the earliest date of the postings;
- every other field takes the value of the *best* posting: the one with the most non-null
  fields among :data:`COUNTED_FIELDS` (the 15 record fields from ``title`` to
  ``job_family``, ``ministry`` included), ties going to the earliest published posting,
  then to the source name in alphabetical order (then the reference, for a total order);
  when the best posting has no value for a field, the next posting in that order that
  has one gives it;
- ``salary_min`` and ``salary_max`` come together from one posting, and so do
  ``description`` and ``description_html`` (a text and its HTML never mix two postings).

Status: ``expired`` when the deadline is before today's Europe/Paris date
(``expired_reason = "deadline"``) or when every posting of the offer is gone
(``"gone"``), else ``active`` — an expired offer whose posting comes back and whose
deadline is not past is active again. The view ``catalogue_offers`` applies the same
deadline rule on the fly, so it never shows an offer active past its deadline.

Every change of a record field or of ``status`` writes a ``changes`` row (entity
``"offer"``). The first computation of a new offer (its ``search_text`` still null)
writes none: its creation is recorded by ``offer_merges``.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from normalize.text import fold
from storage.models import RECORD_FIELDS, Change, Offer, OfferMerge, Posting
from storage.postings import as_change_text, change_row, chunked, insert_changes, update_rows
from storage.types import utcnow

log = logging.getLogger(__name__)

PARIS = ZoneInfo("Europe/Paris")

#: the fields counted to rank postings (CATALOGUE.md: "the most non-null record fields")
COUNTED_FIELDS: tuple[str, ...] = (
    "title", "employer", "ministry", "public_service", "category", "contract",
    "city", "department_code", "region", "remote", "salary_min", "salary_max",
    "published_at", "deadline", "job_family",
)

#: fields that always come together from one posting
FIELD_GROUPS: tuple[tuple[str, ...], ...] = (("salary_min", "salary_max"), ("description", "description_html"))

_GROUP_OF: dict[str, tuple[str, ...]] = {name: group for group in FIELD_GROUPS for name in group}

#: the record fields as the merge takes them, in order: each group once, every other field alone
_MERGE_GROUPS: tuple[tuple[str, ...], ...] = tuple(dict.fromkeys(_GROUP_OF.get(name, (name,))
                                                                 for name in RECORD_FIELDS))

#: offer columns whose change writes a ``changes`` row
TRACKED_FIELDS: tuple[str, ...] = (*RECORD_FIELDS, "status")

#: the posting columns a merge reads
_POSTING_COLUMNS = (
    Posting.id, Posting.offer_id, Posting.source, Posting.reference, Posting.url, Posting.status,
    Posting.is_digital, Posting.first_seen_at, Posting.last_seen_at,
    *(getattr(Posting, name) for name in RECORD_FIELDS),
)


def offer_id_for(source: str, reference: str) -> str:
    """The catalogue id of an offer founded by the posting ``(source, reference)``.

    >>> offer_id_for("pep", "2026-2561234")
    'og4hwlg4t4vx'

    "o" and 11 lower-case base32 characters of a SHA-256 of the pair (55 bits): short,
    URL-safe, and stable — it is computed once, when the offer is created, and never
    changes when other postings join the offer later.
    """
    digest = hashlib.sha256(f"{source}\x1f{reference}".encode()).digest()
    return "o" + base64.b32encode(digest).decode("ascii")[:11].lower()


def paris_today() -> date:
    """Today's date in Europe/Paris (the calendar the catalogue's dates use)."""
    return datetime.now(PARIS).date()


# ------------------------------------------------------------------------------ merging


def non_null_count(posting: Mapping[str, Any]) -> int:
    """How many of the :data:`COUNTED_FIELDS` of ``posting`` have a value."""
    return sum(1 for name in COUNTED_FIELDS if posting.get(name) is not None)


def rank_key(posting: Mapping[str, Any]) -> tuple[Any, ...]:
    """Sort key of the merge order: most complete, earliest published, source, reference."""
    published = posting.get("published_at")
    return (-non_null_count(posting), published is None, published or date.min,
            posting.get("source") or "", posting.get("reference") or "", posting.get("id") or 0)


@dataclass
class Merged:
    """The merged record of an offer, and where each value came from."""

    #: the record fields (:data:`storage.models.RECORD_FIELDS`)
    values: dict[str, Any]
    #: field → id (else reference) of the posting that gave the value; None when no posting has one
    provenance: dict[str, Any]
    #: the postings, best first (the merge order)
    order: list[Mapping[str, Any]]


def merge_postings(postings: Iterable[Mapping[str, Any]]) -> Merged:
    """Merge the records of the postings of one offer (CATALOGUE.md "Rules").

    Each posting is a mapping with the record fields, ``source``, ``reference`` and
    (optionally) ``id``. Non-digital postings (``is_digital`` False) are ignored.

    >>> pep = {"source": "pep", "reference": "2026-2561234", "title": "Développeur back-end Python",
    ...        "category": "A", "city": "Paris", "published_at": date(2026, 11, 18)}
    >>> jp = {"source": "jobposting", "reference": "DINUM-2026-042", "title": "Développeuse / Développeur",
    ...       "ministry": "Services du Premier ministre", "published_at": date(2026, 11, 17)}
    >>> m = merge_postings([jp, pep])        # pep has 4 non-null counted fields, jobposting 3
    >>> m.values["title"], m.values["ministry"], m.values["published_at"]
    ('Développeur back-end Python', 'Services du Premier ministre', datetime.date(2026, 11, 17))
    """
    order = [p for p in postings if p.get("is_digital", True) is not False]
    if len(order) > 1:  # most offers have one posting: nothing to rank
        order.sort(key=rank_key)
    values: dict[str, Any] = {}
    provenance: dict[str, Any] = {}
    for group in _MERGE_GROUPS:
        giver: Mapping[str, Any] | None
        if group == ("published_at",):
            giver = min((p for p in order if p.get("published_at") is not None),
                        key=lambda p: p["published_at"], default=None)
        else:
            giver = next((p for p in order if any(p.get(g) is not None for g in group)), None)
        source = None if giver is None else giver.get("id", giver.get("reference"))
        for g in group:
            values[g] = giver.get(g) if giver is not None else None
            provenance[g] = source
    return Merged(values, provenance, order)


def offer_status(deadline: date | None, posting_statuses: Iterable[str], today: date) -> tuple[str, str | None]:
    """``(status, expired_reason)`` of an offer: ``("expired", "deadline" | "gone")`` or ``("active", None)``.

    >>> offer_status(date(2026, 2, 1), ["active"], date(2026, 11, 22))
    ('expired', 'deadline')
    >>> offer_status(None, ["gone", "active"], date(2026, 11, 22))
    ('active', None)
    """
    if deadline is not None and deadline < today:
        return "expired", "deadline"
    statuses = list(posting_statuses)
    if statuses and all(s == "gone" for s in statuses):
        return "expired", "gone"
    return "active", None


# ----------------------------------------------------------------------------- refresh


#: the offer columns a refresh reads (and may write)
_OFFER_COLUMNS = (
    Offer.id, Offer.status, Offer.expired_at, Offer.expired_reason, Offer.search_text, Offer.employer_search,
    Offer.first_seen_at, Offer.last_seen_at, Offer.updated_at, *(getattr(Offer, name) for name in RECORD_FIELDS),
)
#: what a refresh writes for an offer that changed in any way (one shape: one executemany per chunk)
_WRITTEN = (*RECORD_FIELDS, "status", "expired_at", "expired_reason", "search_text", "employer_search",
            "first_seen_at", "last_seen_at", "updated_at")


def refresh_offers(session: Session, offer_ids: Iterable[str], *, run_id: int | None,
                   today: date | None = None) -> int:
    """Recompute the offers ``offer_ids`` from their digital postings; returns how many changed.

    "Changed" counts offers whose record fields or status moved (a new offer's first
    computation included) and offers deleted; new seen times alone do not count.

    Sets the merged record fields, ``first_seen_at`` (min) / ``last_seen_at`` (max) over
    the postings, ``status`` / ``expired_at`` / ``expired_reason`` (against ``today``,
    default today's Europe/Paris date), ``search_text`` = fold(title + " " +
    description) and ``employer_search`` = fold(employer). Each changed record field or
    status writes a ``changes`` row (entity ``"offer"``) with ``run_id``. An offer left
    without any digital posting is deleted (with its ``offer_merges``; a ``changes`` row
    ``status`` → ``deleted`` records it). Unknown ids are ignored.

    Works on rows, in chunks of a few hundred offers: two SELECTs per chunk, then one bulk
    UPDATE of the offers that moved (no ORM object per offer: a first crawl refreshes
    thousands).
    """
    today = today or paris_today()
    ids = sorted({i for i in offer_ids if i})
    changed_count = 0
    session.flush()  # offers the dedup step just added must be in the database to be read back
    for chunk in chunked(ids):
        offers = {row.id: dict(row._mapping) for row in session.execute(
            select(*_OFFER_COLUMNS).where(Offer.id.in_(chunk)))}
        postings: dict[str, list[dict[str, Any]]] = {oid: [] for oid in offers}
        rows = session.execute(select(*_POSTING_COLUMNS)
                               .where(Posting.offer_id.in_(list(offers)), Posting.is_digital.is_(True)))
        for row in rows:
            postings[row.offer_id].append(dict(row._mapping))
        now = utcnow()
        changes: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        empty: list[dict[str, Any]] = []
        for oid, offer in offers.items():
            if not postings[oid]:
                empty.append(offer)
                continue
            changed, rows_changes, values = _apply(offer, postings[oid], today=today, now=now, run_id=run_id)
            changes.extend(rows_changes)
            changed_count += changed
            if values is not None:
                updates.append(values)
        update_rows(session, Offer, updates)
        for offer in empty:
            changes.append(change_row("offer", offer["id"], "status", offer["status"], "deleted",
                                      run_id=run_id, at=now))
            log.info("offer %s has no digital posting left: deleted", offer["id"])
        if empty:
            gone = [offer["id"] for offer in empty]
            session.execute(update(Posting).where(Posting.offer_id.in_(gone)).values(offer_id=None)
                            .execution_options(synchronize_session=False))
            session.execute(delete(OfferMerge).where(OfferMerge.offer_id.in_(gone)))
            session.execute(delete(Offer).where(Offer.id.in_(gone)).execution_options(synchronize_session=False))
            changed_count += len(gone)
        insert_changes(session, changes)
    session.expire_all()  # ORM objects loaded before (dedup's new offers) must read the new values
    return changed_count


def _apply(offer: Mapping[str, Any], postings: Sequence[Mapping[str, Any]], *, today: date, now: datetime,
           run_id: int | None) -> tuple[bool, list[dict[str, Any]], dict[str, Any] | None]:
    """The merged values of ``offer``: (whether its record or status changed, its ``changes`` rows,
    the row to write — every :data:`_WRITTEN` column and ``id`` — or None when nothing moved)."""
    merged = merge_postings(postings)
    status, reason = offer_status(merged.values["deadline"], (p["status"] for p in postings), today)
    new = {**merged.values, "status": status}
    first_time = offer["search_text"] is None
    changes = [] if first_time else [
        change_row("offer", offer["id"], name, offer[name], new[name], run_id=run_id, at=now)
        for name in TRACKED_FIELDS if as_change_text(offer[name]) != as_change_text(new[name])
    ]
    row = {name: offer[name] for name in _WRITTEN}
    if status == "expired":
        if offer["status"] != "expired" or offer["expired_at"] is None:
            row["expired_at"] = now
        row["expired_reason"] = reason
    else:
        row["expired_at"] = row["expired_reason"] = None
    moved = {name for name, value in new.items() if offer[name] != value}
    row.update(new)
    row["first_seen_at"] = min(p["first_seen_at"] for p in postings)
    row["last_seen_at"] = max(p["last_seen_at"] for p in postings)
    if first_time or moved & {"title", "description"}:  # folding long texts is the costly part
        row["search_text"] = fold(f"{new['title'] or ''} {new['description'] or ''}")
    if first_time or "employer" in moved:
        row["employer_search"] = fold(new["employer"]) or None
    changed = first_time or bool(changes)
    if changed:
        row["updated_at"] = now
    if row == {name: offer[name] for name in _WRITTEN}:
        return changed, changes, None
    return changed, changes, {**row, "id": offer["id"]}


def touch_seen_offers(session: Session, source: str, *, run_id: int) -> int:
    """Move ``last_seen_at`` of the offers whose postings of ``source`` run ``run_id`` saw.

    A re-crawl marks unchanged postings seen (``storage.postings.mark_seen``) without
    refreshing their offers; the offer's ``last_seen_at`` (CATALOGUE.md: when the pipeline
    last saw *any* posting of the offer) must move all the same. One UPDATE: each such
    offer takes the latest ``last_seen_at`` of its postings; returns how many offers moved.
    Seen times are not record fields: no ``changes`` row.
    """
    from sqlalchemy import func

    latest = (select(func.max(Posting.last_seen_at)).where(Posting.offer_id == Offer.id)
              .correlate(Offer).scalar_subquery())
    # active postings only, read by ix_postings_source_status rather than among every posting
    # the source ever had: one this run saw and then found gone (its page answered 404) had
    # its offer refreshed, last_seen_at included, by the post-crawl just before
    seen_by_run = select(Posting.offer_id).where(
        Posting.source == source, Posting.status == "active", Posting.last_run_id == run_id,
        Posting.offer_id.is_not(None))
    outcome = session.execute(
        update(Offer).where(Offer.id.in_(seen_by_run), Offer.last_seen_at < latest)
        .values(last_seen_at=latest).execution_options(synchronize_session=False))
    return max(getattr(outcome, "rowcount", 0) or 0, 0)


def expire_by_deadline(session: Session, *, run_id: int | None, today: date | None = None) -> int:
    """Active offers whose deadline is before ``today`` (Europe/Paris) become expired.

    Returns how many expired; each writes a ``changes`` row (``status`` active → expired,
    ``expired_reason = "deadline"``). The view already shows them expired; this makes the
    table agree and dates the expiry.
    """
    today = today or paris_today()
    ids = list(session.scalars(select(Offer.id).where(
        Offer.status == "active", Offer.deadline.is_not(None), Offer.deadline < today)))
    now = utcnow()
    for chunk in chunked(ids):
        session.execute(update(Offer).where(Offer.id.in_(chunk))
                        .values(status="expired", expired_reason="deadline", expired_at=now, updated_at=now))
    insert_changes(session, [change_row("offer", oid, "status", "active", "expired", run_id=run_id, at=now)
                             for oid in ids])
    return len(ids)


# ----------------------------------------------------------------------------- explain


def _plain(value: Any) -> Any:
    """JSON-friendly: dates and timestamps as ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return value


_MERGE_COLUMNS = ("posting_id", "matched_posting_id", "rule", "score", "field_scores", "run_id", "created_at")
#: every posting column but the bulky raw item and the offer id (known)
_EXPLAIN_POSTING_COLUMNS = tuple(c.key for c in Posting.__table__.columns if c.key not in ("raw", "offer_id"))


def _row_dict(obj: Any, columns: Iterable[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


def explain(session: Session, offer_id: str, *, today: date | None = None) -> dict[str, Any] | None:
    """Everything about one offer, JSON-ready; None when the id is unknown.

    ``offer["status"]`` is the table's; ``offer["catalogue_status"]`` is what the view
    ``catalogue_offers`` (and so every export) shows: also ``expired`` when the deadline is
    before ``today`` (default today's Europe/Paris date) though no crawl has run since.

    ``{"offer": {...its columns..., "catalogue_status": "active" | "expired"},
       "postings": [{...columns..., "non_null_fields": 14, "merge": {...} | None}, ...]  # merge order
       "fields": {field: {"value": ..., "posting_id": ...}},   # who gave each merged value
       "merges": [{"posting_id", "matched_posting_id", "rule", "score", "field_scores", "run_id", "created_at"}],
       "changes": [{"field", "old_value", "new_value", "run_id", "changed_at"}]}``   # the offer's history
    """
    offer = session.get(Offer, offer_id)
    if offer is None:
        return None
    postings = list(session.scalars(select(Posting).where(Posting.offer_id == offer_id)))
    records = {p.id: {name: getattr(p, name) for name in ("id", "source", "reference", "is_digital", *RECORD_FIELDS)}
               for p in postings}
    merged = merge_postings(records.values())
    rank = {record["id"]: i for i, record in enumerate(merged.order)}
    postings.sort(key=lambda p: (rank.get(p.id, len(rank)), p.id))  # merge order, non-digital last
    merges = [_row_dict(m, _MERGE_COLUMNS) for m in session.scalars(
        select(OfferMerge).where(OfferMerge.offer_id == offer_id).order_by(OfferMerge.created_at, OfferMerge.id))]
    merge_of = {m["posting_id"]: m for m in merges}  # the latest merge record of each posting
    history = session.scalars(select(Change).where(Change.entity == "offer", Change.entity_id == offer_id)
                              .order_by(Change.changed_at, Change.id))
    today = today or paris_today()
    shown = "expired" if offer.status == "expired" or (offer.deadline is not None and offer.deadline < today) \
        else "active"
    return {
        "offer": {**_row_dict(offer, (c.key for c in Offer.__table__.columns)), "catalogue_status": shown},
        "postings": [{**_row_dict(p, _EXPLAIN_POSTING_COLUMNS), "non_null_fields": non_null_count(records[p.id]),
                      "merge": merge_of.get(p.id)} for p in postings],
        "fields": {name: {"value": _plain(merged.values[name]), "posting_id": merged.provenance[name]}
                   for name in RECORD_FIELDS},
        "merges": merges,
        "changes": [_row_dict(c, ("field", "old_value", "new_value", "run_id", "changed_at")) for c in history],
    }
