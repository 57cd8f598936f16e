"""Postings: what each source publishes, one row per ``(source, reference)``, with history.

The item pipeline hands normalized postings over in batches; this module stores them and
keeps the incremental-crawl state that the next crawl of the source starts from::

    result = upsert_postings(session, [(normalized, raw_item_dict), ...],
                             run_id=12, seen_at=crawl_time)
    result.new, result.updated, result.unchanged      # counters of the crawl run
    result.changed_offer_ids                          # offers to refresh (storage.offers)

    mark_seen(session, "pep", ["2026-2561234"], run_id=12, seen_at=crawl_time)
    mark_gone(session, "pep", reference="2026-2558790", run_id=12, at=now)      # 404/410
    mark_missing_gone(session, "pep", run_id=12, at=now, seen_since=crawl_time)
    known_listing_entries(session, "pep")   # {listing_ref: {"reference", "listing_key", "offer"}}

How a posting changes:

- **Upsert** by ``(source, reference)``. A content hash of the tracked fields
  (:data:`TRACKED_FIELDS`: the catalogue record plus what deduplication relies on) tells
  unchanged postings apart without reading them back; when the hash differs, the stored
  values are read and each field that really changed writes one ``changes`` row (entity
  ``"posting"``, ``entity_id`` the posting id, old/new value as text — see
  :func:`as_change_text` — and the run id).
- New or changed **digital** postings get ``dedup_pending = True`` (``pipeline.dedup``
  assigns them to offers). Non-digital postings are stored too, so the incremental crawl
  knows them, but never belong to an offer: a posting that stops being digital leaves
  its offer.
- ``first_seen_at`` is set once; ``last_seen_at`` and ``last_run_id`` move on every
  sighting (upsert or :func:`mark_seen`). A ``gone`` posting seen again is ``active``
  again, and its offer is refreshed.
- ``status`` is ``active`` or ``gone`` (absent from a complete listing after a
  succeeded crawl, or its page answered 404/410). Deadline expiry is a state of offers
  (``storage.offers``), not of postings.

Every function works on the caller's session and never commits. Batches are read with
one query per few hundred keys and written with bulk INSERT/UPDATE statements (SQLite
and PostgreSQL alike): a batch of 10,000 postings costs a handful of statements, not
10,000 round trips.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import CursorResult, String, Table, Update, bindparam, delete, insert, or_, select, text, update
from sqlalchemy.orm import Session

from storage.models import RECORD_FIELDS, Base, Change, NonOfferPage, Posting
from storage.types import utcnow

if TYPE_CHECKING:  # the shape only: storage never imports crawlers at run time
    from normalize.record import NormalizedPosting
    from crawlers.items import KnownEntry

log = logging.getLogger(__name__)

#: fields whose change is a change of the posting (one ``changes`` row each): the
#: catalogue record, plus the URL, the digital flag and the facts deduplication uses
TRACKED_FIELDS: tuple[str, ...] = (
    *RECORD_FIELDS, "url", "is_digital", "employer_key", "pep_references", "salary_net",
)

#: how many keys go into one ``IN (…)`` list
BATCH_SIZE = 500

_DATE_FIELDS = frozenset({"published_at", "deadline"})
_INT_FIELDS = frozenset({"salary_min", "salary_max"})
_LIST_FIELDS = frozenset({"pep_references"})
_DICT_FIELDS = frozenset({"salary_net"})
_BOOL_FIELDS = frozenset({"is_digital"})

#: length limits of the bounded text columns (PostgreSQL refuses longer values)
_MAX_LENGTH: dict[str, int] = {
    column.name: column.type.length
    for column in Posting.__table__.columns
    if isinstance(column.type, String) and column.type.length
}

_NON_OFFER_URL_LENGTH: int = getattr(NonOfferPage.__table__.c.url.type, "length", None) or 1000

#: the columns read back for every posting of a batch (cheap: no long text)
_LIGHT_COLUMNS = (
    Posting.id, Posting.source, Posting.reference, Posting.content_hash, Posting.status,
    Posting.offer_id, Posting.listing_ref, Posting.listing_key, Posting.detail_fetched,
    Posting.detail_fetched_at, Posting.dedup_pending,
)

#: the listing bookkeeping a posting carries besides its content
_BOOKKEEPING = ("listing_ref", "listing_key", "detail_fetched")

T = TypeVar("T")


@dataclass
class UpsertResult:
    """What :func:`upsert_postings` did with one batch.

    ``new`` + ``updated`` + ``unchanged`` + ``skipped`` = the number of items given.
    ``updated`` counts content changes and postings back from ``gone``; ``skipped``
    counts items that could not be stored (no source, reference or title; a reference
    too long for its column) or that a later item of the same batch with the same
    ``(source, reference)`` superseded. ``changed_offer_ids``: offers whose postings
    changed, came back, or left them. The upsert itself refreshes the offers of postings
    that came back or stopped being digital (no later step would); changed postings are
    ``dedup_pending``, and ``pipeline.dedup`` refreshes their offers. Refreshing any of
    these again (``storage.offers.refresh_offers``) is harmless.
    """

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_offer_ids: set[str] = field(default_factory=set)
    skipped: int = 0


# ---------------------------------------------------------------------------- helpers


def chunked(values: Iterable[T], size: int = BATCH_SIZE) -> Iterator[list[T]]:
    """Successive lists of at most ``size`` values (``itertools.batched`` of Python 3.12)."""
    batch: list[T] = []
    for value in values:
        batch.append(value)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def as_change_text(value: Any) -> str | None:
    """The text a ``changes`` row keeps for a value, also used for the content hash.

    >>> as_change_text(date(2027, 1, 4)), as_change_text(45000), as_change_text(True)
    ('2027-01-04', '45000', 'true')
    >>> as_change_text({"min": 2500, "period": "monthly"})
    '{"min": 2500, "period": "monthly"}'

    ``None`` stays ``None``; lists and dicts become JSON with sorted keys, so that the
    same value always gives the same text.
    """
    if value is None:
        return None
    if type(value) is str:  # most values: the checks below would all fail first
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def change_row(entity: str, entity_id: str | int, name: str, old: Any, new: Any,
               *, run_id: int | None, at: datetime) -> dict[str, Any]:
    """One ``changes`` row (as a dict for a bulk INSERT)."""
    return {"entity": entity, "entity_id": str(entity_id), "field": name,
            "old_value": as_change_text(old), "new_value": as_change_text(new),
            "run_id": run_id, "changed_at": at}


def insert_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (dicts with the same keys) into ``model``'s table: one executemany.

    A Core INSERT, not the ORM's bulk INSERT: the ORM leaves the None values of each row
    out of its INSERT and groups consecutive rows by the keys left, so rows holding nulls
    in different columns (a change with no old value, a posting without a deadline) went
    one statement each — most of the time of storing a first crawl. Here a None is bound
    as NULL, which is what the ORM's omission gave too: no column written with a None
    here has a default that an omission would have applied (JSON columns store None as
    JSON ``null`` either way). Columns absent from the rows take their defaults, row by
    row, as before. Nothing when ``rows`` is empty.
    """
    if rows:
        session.execute(insert(model.__table__), list(rows))


#: the name of the primary-key parameter of :func:`update_rows` (a column's own name is
#: reserved by Core for its SET clause)
_ID_PARAM = "b_id"


@lru_cache(maxsize=32)
def _update_by_id(table: Table, columns: tuple[str, ...]) -> Update:
    """``UPDATE table SET col = :col, … WHERE id = :b_id``, built once per shape."""
    return (update(table).where(table.c.id == bindparam(_ID_PARAM))
            .values({name: bindparam(name) for name in columns}))


def update_rows(session: Session, model: type[Base], rows: Sequence[Mapping[str, Any]]) -> None:
    """UPDATE the rows of ``model``'s table by primary key ``id``: one executemany.

    Every row sets the columns of the first row's keys (but ``id``); all rows must have
    the same keys. A Core UPDATE rather than the ORM's "bulk UPDATE by primary key": the
    same statement, without the ORM's per-row bookkeeping (which costs as much as the
    parameter processing itself on the thousands of rows of a first crawl). Like the ORM
    bulk form, objects held by the session are not refreshed: callers expire them.

    ``id`` travels under its own parameter name only: a parameter named after a column
    joins the SET clause, and ``SET id = id`` is a key update. SQLite then checks every
    table referencing the row (``offer_merges.matched_posting_id`` has no index: a scan of
    all merges per updated posting, 50 times the cost of the update itself at 10,000 postings,
    and growing with the catalogue).
    """
    if not rows:
        return
    columns = tuple(name for name in rows[0] if name != "id")
    session.execute(_update_by_id(model.__table__, columns),
                    [{**{name: row[name] for name in columns}, _ID_PARAM: row["id"]} for row in rows])


def insert_changes(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Write ``changes`` rows in one bulk INSERT (nothing when ``rows`` is empty)."""
    insert_rows(session, Change, rows)


def content_hash(values: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the tracked fields of a posting, in :data:`TRACKED_FIELDS` order.

    Each field is its :func:`as_change_text` form followed by a record separator; null
    is a lone NUL byte, so that null and "" differ.
    """
    texts = [as_change_text(values.get(name)) for name in TRACKED_FIELDS]
    joined = "".join("\x00\x1e" if t is None else t + "\x1e" for t in texts)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()  # one update: same digest


def _coerce(name: str, value: Any) -> Any:
    """``value`` as the column ``name`` stores it; raises TypeError/ValueError when unusable."""
    if name in _BOOL_FIELDS:
        return True if value is None else bool(value)
    if name in _LIST_FIELDS:
        return [str(v) for v in value] if value else []
    if value is None:
        return None
    if name in _DATE_FIELDS:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            return date.fromisoformat(value.strip()[:10])
        raise TypeError(f"not a date: {type(value).__name__}")
    if name in _INT_FIELDS:
        if isinstance(value, bool):
            raise TypeError("a boolean is not an amount")
        return round(value) if isinstance(value, float) else int(value)
    if name in _DICT_FIELDS:
        if not isinstance(value, Mapping):
            raise TypeError(f"not an object: {type(value).__name__}")
        return dict(value)
    text = value if isinstance(value, str) else str(value)
    if "\x00" in text:  # PostgreSQL refuses NUL in a text (the whole batch failed): dropped
        text = text.replace("\x00", "")
    limit = _MAX_LENGTH.get(name)
    if limit and len(text) > limit:
        raise ValueError(f"longer than {limit} characters")
    return text


_JSON_SCALARS = (str, int, float, bool, type(None))


def _is_json_safe(value: Any) -> bool:
    """True when ``value`` is made of JSON types only (str keys, finite structure)."""
    if isinstance(value, _JSON_SCALARS):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_json_safe(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _is_json_safe(v) for k, v in value.items())
    return False


def _jsonable(value: Any) -> Any:
    """``value`` with anything JSON cannot hold turned into text (raw items are free-form)."""
    if _is_json_safe(value):
        return value
    try:
        return json.loads(json.dumps(value, ensure_ascii=False, default=str))
    except (TypeError, ValueError):
        return {"unserializable": str(value)}


@dataclass
class _Incoming:
    """One item of a batch, ready to store."""

    key: tuple[str, str]
    values: dict[str, Any]  # TRACKED_FIELDS
    extra: dict[str, Any]  # the other columns (bookkeeping, derived facts, raw)
    digest: str

    def columns(self) -> dict[str, Any]:
        """Every column the item sets, JSON columns made safe (only for rows written)."""
        return {**self.values, **self.extra, "job_family_evidence": _jsonable(self.extra["job_family_evidence"]),
                "raw": _jsonable(self.extra["raw"]), "content_hash": self.digest}


def _prepare(posting: NormalizedPosting, raw: Mapping[str, Any] | None) -> _Incoming | None:
    """Validate and coerce one item; None (and a log line) when it cannot be stored."""
    source = (posting.source or "").replace("\x00", "").strip()
    reference = str(posting.reference).replace("\x00", "").strip() if posting.reference is not None else ""
    title = (posting.title or "").replace("\x00", "").strip()
    if not source or not reference or not title:
        log.warning("posting not stored: source %r, reference %r, title %r (all three are required)",
                    posting.source, posting.reference, posting.title)
        return None
    if len(source) > _MAX_LENGTH["source"] or len(reference) > _MAX_LENGTH["reference"]:
        log.warning("posting not stored: source or reference too long (%r, %r)", source[:120], reference[:240])
        return None
    warnings = [str(w) for w in (posting.warnings or [])]
    values: dict[str, Any] = {}
    for name in TRACKED_FIELDS:
        given = getattr(posting, name, None)
        try:
            values[name] = _coerce(name, given)
        except (TypeError, ValueError, OverflowError) as exc:
            values[name] = None if name not in _LIST_FIELDS else []
            warnings.append(f"{name}: value {given!r} not stored ({exc})")
    raw = dict(raw or {})
    listing_ref = raw.get("listing_ref")
    listing_key = raw.get("listing_key")
    extra = {
        "listing_ref": None if listing_ref is None else str(listing_ref).replace("\x00", ""),
        "listing_key": None if listing_key is None else str(listing_key).replace("\x00", ""),
        "detail_fetched": bool(raw.get("detail_fetched", True)),
        "job_family_evidence": posting.job_family_evidence or {},
        "warnings": warnings,
        "raw": raw,
    }
    return _Incoming((source, reference), values, extra, content_hash(values))


def _load_light(session: Session, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    """The stored rows (light columns) of ``keys``: one query per source and chunk."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for source, reference in keys:
        by_source[source].append(reference)
    found: dict[tuple[str, str], Any] = {}
    for source, references in by_source.items():
        for chunk in chunked(references):
            rows = session.execute(
                select(*_LIGHT_COLUMNS).where(Posting.source == source, Posting.reference.in_(chunk))
            )
            for row in rows:
                found[(row.source, row.reference)] = row
    return found


def _load_tracked(session: Session, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """The stored tracked fields of the postings ``ids`` (only those whose hash differs)."""
    columns = [Posting.id] + [getattr(Posting, name) for name in TRACKED_FIELDS]
    out: dict[int, dict[str, Any]] = {}
    for chunk in chunked(ids):
        for row in session.execute(select(*columns).where(Posting.id.in_(chunk))):
            out[row.id] = {name: getattr(row, name) for name in TRACKED_FIELDS}
    return out


# ------------------------------------------------------------------------------ upsert


def upsert_postings(session: Session, items: Sequence[tuple[NormalizedPosting, Mapping[str, Any]]], *,
                    run_id: int | None, seen_at: datetime) -> UpsertResult:
    """Insert or update a batch of postings by ``(source, reference)``.

    ``items`` pairs each :class:`~normalize.record.NormalizedPosting` with its raw item
    dict (``crawlers.items.RawPosting.to_dict()``: ``listing_ref``, ``listing_key`` and
    ``detail_fetched`` are read from it, and the whole dict is kept in ``postings.raw``).
    ``seen_at`` is the sighting time (aware, or naive UTC)::

        r = upsert_postings(session, [(posting, raw)], run_id=12, seen_at=crawl_time)
        (r.new, r.updated, r.unchanged)        # (1, 0, 0)

    Upserting the same batch again gives ``(0, 0, 1)`` and writes no ``changes`` row.
    Values a column cannot hold (a 5-letter category, a salary that is not a number)
    are stored as null with a warning appended to the posting's ``warnings``.
    """
    result = UpsertResult()
    incoming: dict[tuple[str, str], _Incoming] = {}
    for posting, raw in items:
        try:
            prepared = _prepare(posting, raw)
        except Exception:  # noqa: BLE001 - one bad item never loses the batch
            log.exception("posting not stored: unexpected value in %r", getattr(posting, "reference", None))
            prepared = None
        if prepared is None:
            result.skipped += 1
            continue
        if prepared.key in incoming:
            log.debug("posting %s/%s given twice in one batch: the later one is stored", *prepared.key)
            result.skipped += 1
        incoming[prepared.key] = prepared
    if not incoming:
        return result

    stored = _load_light(session, incoming)
    stale_ids = [row.id for key, row in stored.items() if row.content_hash != incoming[key].digest]
    old_values = _load_tracked(session, stale_ids)

    inserts: list[dict[str, Any]] = []
    full_updates: list[dict[str, Any]] = []
    touch: dict[bool, list[int]] = {True: [], False: []}  # detail_fetched → ids only seen again
    changes: list[dict[str, Any]] = []
    refresh_now: set[str] = set()  # offers whose posting came back or left: nothing else refreshes them
    for key, item in incoming.items():
        row = stored.get(key)
        digital = item.values["is_digital"]
        if row is None:
            inserts.append({
                "source": key[0], "reference": key[1], **item.columns(), "status": "active", "offer_id": None,
                "first_seen_at": seen_at, "last_seen_at": seen_at, "last_run_id": run_id,
                "detail_fetched_at": seen_at if item.extra["detail_fetched"] else None,
                "gone_at": None, "dedup_pending": digital,
            })
            result.new += 1
            continue

        old = old_values.get(row.id, {})
        changed = [] if not old else [
            name for name in TRACKED_FIELDS
            if as_change_text(old[name]) != as_change_text(item.values[name])
        ]
        revived = row.status == "gone"
        bookkeeping_moved = any(getattr(row, name) != item.extra[name] for name in _BOOKKEEPING)
        if not changed and not revived and not bookkeeping_moved and row.content_hash == item.digest:
            touch[item.extra["detail_fetched"]].append(row.id)
            result.unchanged += 1
            continue

        offer_id = row.offer_id
        if changed or revived:
            result.updated += 1
            changes.extend(change_row("posting", row.id, name, old[name], item.values[name],
                                      run_id=run_id, at=seen_at) for name in changed)
            if revived:
                changes.append(change_row("posting", row.id, "status", "gone", "active",
                                          run_id=run_id, at=seen_at))
            if row.offer_id:
                result.changed_offer_ids.add(row.offer_id)
                if revived or not digital:
                    refresh_now.add(row.offer_id)
            if not digital:
                offer_id = None  # only digital postings belong to offers
        else:
            result.unchanged += 1
        full_updates.append({
            "id": row.id, **item.columns(), "status": "active", "gone_at": None, "offer_id": offer_id,
            "last_seen_at": seen_at, "last_run_id": run_id,
            "detail_fetched_at": seen_at if item.extra["detail_fetched"] else row.detail_fetched_at,
            "dedup_pending": digital and (bool(changed) or bool(row.dedup_pending)),
        })

    if inserts:
        insert_rows(session, Posting, inserts)
        _keep_statistics_fresh(session, len(inserts))
    update_rows(session, Posting, full_updates)
    for fetched, ids in touch.items():
        values: dict[str, Any] = {"last_seen_at": seen_at, "last_run_id": run_id}
        if fetched:
            values["detail_fetched_at"] = seen_at
        for chunk in chunked(ids):
            session.execute(update(Posting).where(Posting.id.in_(chunk)).values(**values)
                            .execution_options(synchronize_session=False))
    insert_changes(session, changes)
    _forget_non_offers(session, incoming.values())
    _expire_cached(session, [row.id for row in stored.values()])
    if refresh_now:
        from storage.offers import refresh_offers  # offers build on postings: imported at use

        refresh_offers(session, refresh_now, run_id=run_id)
    return result


#: PostgreSQL: re-ANALYZE ``postings`` once this share of it changed since the last analysis
_ANALYZE_SHARE = 0.2
_ANALYZE_MIN_ROWS = 2000


def _keep_statistics_fresh(session: Session, inserted: int) -> None:
    """On PostgreSQL, ANALYZE ``postings`` when it grew fast since its last analysis.

    A first crawl fills an empty table by the thousand within a minute, before autovacuum
    gathers statistics; without them the planner takes ``source = …`` for a selective
    condition and scans every posting of the source for each batch instead of probing the
    ``(source, reference)`` and ``(source, listing_ref)`` indexes (a 100,000-posting load
    went from minutes to seconds). ANALYZE samples a bounded number of rows and does not
    block readers or writers; without the right to analyze, PostgreSQL only warns.
    """
    if inserted < 100 or session.get_bind().dialect.name != "postgresql":
        return
    row = session.execute(text(
        "SELECT n_live_tup, n_mod_since_analyze FROM pg_stat_user_tables "
        "WHERE relid = 'postings'::regclass")).first()
    if row is None:
        return
    live, modified = int(row[0] or 0), int(row[1] or 0) + inserted
    if modified >= _ANALYZE_MIN_ROWS and modified >= _ANALYZE_SHARE * max(live, 1):
        session.execute(text("ANALYZE postings"))
        log.debug("ANALYZE postings (%d rows changed of about %d)", modified, live)


def _expire_cached(session: Session, ids: Iterable[int]) -> None:
    """Postings the session holds as objects are re-read after a bulk UPDATE changed their rows."""
    for posting_id in ids:
        obj = session.identity_map.get(Session.identity_key(Posting, posting_id))
        if obj is not None:
            session.expire(obj)


def _forget_non_offers(session: Session, items: Iterable[_Incoming]) -> None:
    """A listed URL that now carries a posting is no longer a known non-offer page."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for item in items:
        if item.extra["listing_ref"]:
            by_source[item.key[0]].append(item.extra["listing_ref"])
    for source, urls in by_source.items():
        for chunk in chunked(urls):
            session.execute(delete(NonOfferPage).where(NonOfferPage.source == source, NonOfferPage.url.in_(chunk))
                            .execution_options(synchronize_session=False))


# ------------------------------------------------------------------- seen, gone, known


def mark_seen(session: Session, source: str, listing_refs: Iterable[str], *,
              run_id: int | None, seen_at: datetime) -> int:
    """Known, unchanged postings seen in the listing without a detail fetch.

    Moves ``last_seen_at`` / ``last_run_id`` of the source's postings whose
    ``listing_ref`` is given; returns how many postings moved. ``gone`` postings are
    left alone (:func:`known_listing_entries` never offers them to the spider, so a
    sighting of one is a re-listing that deserves a detail fetch, via the upsert).
    """
    refs = list(dict.fromkeys(r for r in listing_refs if r))
    count = 0
    for chunk in chunked(refs):
        outcome: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(Posting)
            .where(Posting.source == source, Posting.listing_ref.in_(chunk), Posting.status != "gone")
            .values(last_seen_at=seen_at, last_run_id=run_id)
            .execution_options(synchronize_session=False)
        )
        count += max(outcome.rowcount or 0, 0)
    return count


def _mark_rows_gone(session: Session, rows: Sequence[Any], *, run_id: int | None, at: datetime) -> None:
    """Set ``status = gone`` on ``rows`` (with ``id``), one ``changes`` row each."""
    for chunk in chunked([row.id for row in rows]):
        session.execute(update(Posting).where(Posting.id.in_(chunk))
                        .values(status="gone", gone_at=at)
                        .execution_options(synchronize_session=False))
    insert_changes(session, [change_row("posting", row.id, "status", row.status, "gone", run_id=run_id, at=at)
                             for row in rows])
    _expire_cached(session, [row.id for row in rows])


def mark_gone(session: Session, source: str, *, reference: str | None = None, listing_ref: str | None = None,
              run_id: int | None, at: datetime) -> str | None:
    """One posting whose own page answered 404 or 410 is ``gone`` (any source, even a feed).

    The posting is found by ``reference``, else by ``listing_ref``. Returns its offer id
    (to refresh), or None when the posting is unknown or belongs to no offer. A posting
    already gone keeps its first ``gone_at``.
    """
    if reference:
        where = Posting.reference == str(reference).strip()
    elif listing_ref:
        where = Posting.listing_ref == listing_ref
    else:
        log.warning("mark_gone(%r) needs a reference or a listing_ref", source)
        return None
    rows = session.execute(select(Posting.id, Posting.status, Posting.offer_id)
                           .where(Posting.source == source, where)).all()
    _mark_rows_gone(session, [row for row in rows if row.status != "gone"], run_id=run_id, at=at)
    return next((row.offer_id for row in rows if row.offer_id), None)


def mark_missing_gone(session: Session, source: str, *, run_id: int | None, at: datetime,
                      seen_since: datetime) -> set[str]:
    """After a succeeded crawl of a complete listing: unseen postings of ``source`` are gone.

    A posting is unseen when the run ``run_id`` did not see it (CATALOGUE.md: it
    disappeared from the source's listing); without a run, when its ``last_seen_at`` is
    before ``seen_since`` (the crawl's start). Not both: times are kept to the second, and a
    posting the previous crawl saw in the second this crawl started was then spared.
    The caller checks that the crawl succeeded and that the source's listing is complete
    (CATALOGUE.md). Returns the ids of the offers affected (refresh them: an offer whose
    postings are all gone expires).
    """
    # ``== "active"`` (a posting is active or gone), not ``!= "gone"``: two equalities, so
    # SQLite reads ix_postings_source_status and skips the gone postings of years past
    unseen = [Posting.source == source, Posting.status == "active"]
    if run_id is not None:  # its source's lease: no other run saw anything meanwhile
        unseen.append(or_(Posting.last_run_id.is_(None), Posting.last_run_id != run_id))
    else:
        unseen.append(Posting.last_seen_at < seen_since)
    rows = session.execute(select(Posting.id, Posting.status, Posting.offer_id).where(*unseen)).all()
    _mark_rows_gone(session, rows, run_id=run_id, at=at)
    if rows:
        log.info("%s: %d postings not seen %s marked gone", source, len(rows),
                 f"by run {run_id}" if run_id is not None else f"since {seen_since.isoformat()}")
    return {row.offer_id for row in rows if row.offer_id}


def remember_non_offer(session: Session, source: str, url: str, listing_key: str | None, reason: str | None) -> None:
    """Remember a listed URL that carries no offer, so it is not fetched again while unchanged."""
    if not url or len(url) > _NON_OFFER_URL_LENGTH:
        log.warning("%s: non-offer page not remembered (URL empty or too long): %r", source, (url or "")[:200])
        return
    page = session.get(NonOfferPage, (source, url))
    if page is None:
        session.add(NonOfferPage(source=source, url=url, listing_key=listing_key, reason=reason, seen_at=utcnow()))
    else:
        page.listing_key, page.reason, page.seen_at = listing_key, reason, utcnow()
    session.flush()



def known_listing_entries(session: Session, source: str) -> dict[str, KnownEntry]:
    """What the next crawl of ``source`` may skip, keyed by listing ref.

    ``{listing_ref: {"reference", "listing_key", "offer": True}}`` for the postings that are
    not gone — whether their detail page was read or their listing entry alone said enough
    (a feed item classified not digital from its title: an unchanged one is not even
    classified again; the periodic full refresh reconsiders it) — and ``{url: {"reference":
    None, "listing_key", "offer": False}}`` for the source's known non-offer pages (a posting
    wins when both name the same URL).
    """
    known: dict[str, KnownEntry] = {}
    for url, key in session.execute(select(NonOfferPage.url, NonOfferPage.listing_key)
                                    .where(NonOfferPage.source == source)):
        known[url] = {"reference": None, "listing_key": key, "offer": False}
    rows = session.execute(
        select(Posting.listing_ref, Posting.reference, Posting.listing_key).where(
            Posting.source == source, Posting.status == "active",  # by index: see mark_missing_gone
            Posting.listing_ref.is_not(None),
        )
    )
    for listing_ref, reference, key in rows:
        if listing_ref:
            known[listing_ref] = {"reference": reference, "listing_key": key, "offer": True}
    return known
