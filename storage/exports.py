"""Analysts' exports of the catalogue: CSV, XLSX, JSON and JSON Lines.

Every export reads the public view ``catalogue_offers`` (``storage/views.py``), so it
carries exactly the record of ``../shared/CATALOGUE.md``, with the same field names
and values, one row per offer:

- ``json``: one JSON array of objects; ``sources`` is a list of
  ``{"source", "reference", "url"}`` objects; dates are ISO strings.
- ``jsonl``: the same objects, one per line.
- ``csv``: UTF-8 with a byte order mark, ``;``-separated by default (French Excel opens
  it in columns); ``sources`` is flattened to ``source_names`` and ``source_urls``,
  each joined by ``" | "``.
- ``xlsx``: the same columns as CSV in a real workbook: dates and timestamps are date
  cells, salaries are numbers, the header row is frozen and carries an autofilter.

In CSV and XLSX only, a text that would start a spreadsheet formula (``=``, ``+``,
``-``, ``@``, tab, carriage return) is prefixed with an apostrophe
(:func:`neutralize_formula`).

Exports stream: rows are read in batches (a server-side cursor on PostgreSQL), written
as they come, and never collected in memory, so a catalogue of any size exports in
constant memory.

>>> engine = storage.db.connect("sqlite:///catalogue.db")
>>> filters = build_filters(engine, regions=["ile-de-france"], categories=["A"])
>>> with open("offres.csv", "wb") as out:
...     export_offers(engine, out, fmt="csv", filters=filters)
42
"""

from __future__ import annotations

import csv
import errno
import json
import logging
import os
import tempfile
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Date, Engine, FromClause, Integer, Select, Text, and_, column, exists, func, or_, select, table

from normalize.text import fold
from storage.models import Offer, Posting
from storage.views import VIEW_COLUMNS, VIEW_NAME

logger = logging.getLogger(__name__)

#: export formats, in the order they are documented
FORMATS: tuple[str, ...] = ("csv", "xlsx", "json", "jsonl")

#: values of ``--status``: the view's ``status``, or both
STATUSES: tuple[str, ...] = ("active", "expired", "all")

#: the closed vocabularies of the record (CATALOGUE.md), by field
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "public_service": ("etat", "territoriale", "hospitaliere"),
    "category": ("A+", "A", "B", "C"),
    "contract": ("titulaire", "contractuel", "titulaire_ou_contractuel", "apprentissage", "stage"),
    "remote": ("aucun", "partiel", "total"),
    "job_family": ("developpement", "data", "cybersecurite", "infrastructure", "produit_projet",
                   "architecture", "design", "support", "autre_numerique"),
}

#: INSEE department codes: metropolitan 01-95 (Corsica as 2A/2B, no 20) and overseas 971-976
DEPARTMENT_CODES: frozenset[str] = frozenset(
    [f"{n:02d}" for n in range(1, 96) if n != 20] + ["2A", "2B"] + [str(n) for n in range(971, 977)]
)

#: the flat columns of CSV and XLSX: the view's, ``sources`` replaced by two joined columns
FLAT_COLUMNS: tuple[str, ...] = tuple(c for c in VIEW_COLUMNS if c != "sources") + ("source_names", "source_urls")

#: separator of the flattened ``sources`` values
SOURCES_SEPARATOR = " | "

#: first characters that make a spreadsheet read a text cell as a formula
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")

#: Excel's limit on the characters of one cell
XLSX_MAX_CELL = 32_767

#: approximate XLSX column widths (characters) by column; others get 14
_XLSX_WIDTHS: dict[str, float] = {
    "id": 18, "title": 50, "employer": 40, "ministry": 30, "public_service": 13, "category": 9,
    "contract": 22, "city": 22, "department_code": 10, "region": 26, "remote": 9,
    "salary_min": 11, "salary_max": 11, "published_at": 12, "deadline": 12, "job_family": 16,
    "description": 60, "description_html": 40, "status": 9, "first_seen_at": 19, "last_seen_at": 19,
    "source_names": 24, "source_urls": 50,
}

#: rows fetched per round trip (and per server-side cursor batch on PostgreSQL)
BATCH_SIZE = 1000

_DATE_COLUMNS = frozenset({"published_at", "deadline"})
_INT_COLUMNS = frozenset({"salary_min", "salary_max"})
_TIMESTAMP_COLUMNS = frozenset({"first_seen_at", "last_seen_at"})

#: the view as a selectable with typed columns: dates come back as ``date`` on both
#: dialects; timestamps are ISO 8601 UTC text ("2026-11-22T01:02:03Z") in the view
catalogue_offers = table(
    VIEW_NAME,
    *(column(name, Date() if name in _DATE_COLUMNS else Integer() if name in _INT_COLUMNS else Text())
      for name in VIEW_COLUMNS),
)

_SOURCES_INDEX = VIEW_COLUMNS.index("sources")


class FilterError(ValueError):
    """A filter value is not allowed; the message is one line, fit for the user."""


@dataclass(frozen=True)
class ExportFilters:
    """What to export: values within one filter are ORed, different filters ANDed.

    Build it with :func:`build_filters`, which checks and canonicalizes the values
    (``"a"`` → ``"A"``, ``"ile-de-france"`` → ``"Île-de-France"``); an empty tuple means
    "no filter on this field".
    """

    sources: tuple[str, ...] = ()
    status: str = "active"
    regions: tuple[str, ...] = ()
    departments: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    contracts: tuple[str, ...] = ()
    job_families: tuple[str, ...] = ()
    #: folded employer substrings (any one must occur in the folded employer)
    employers: tuple[str, ...] = ()
    published_since: date | None = None
    published_until: date | None = None
    #: folded queries; each is a tuple of words that must all occur in title or description
    searches: tuple[tuple[str, ...], ...] = ()


@dataclass
class ExportResult:
    """What an export wrote."""

    format: str
    rows: int = 0
    #: XLSX cells cut to Excel's 32,767-character limit
    truncated_cells: int = 0
    #: XLSX cells whose control characters (not allowed in XML) were removed
    cleaned_cells: int = 0
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- filters


def split_values(values: Iterable[str] | None) -> list[str]:
    """Values given by repeating an option and/or separated by commas, trimmed, in order.

    >>> split_values(["A,B", " C ", ""])
    ['A', 'B', 'C']
    """
    out: list[str] = []
    for value in values or ():
        out.extend(part.strip() for part in value.split(",") if part.strip())
    return out


def parse_iso_date(value: str | date | None, option: str = "date") -> date | None:
    """``"2026-03-01"`` → ``date(2026, 3, 1)``; a bad value raises :class:`FilterError`."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise FilterError(f"{option}: {value!r} is not an ISO date (YYYY-MM-DD)") from None


def _in_vocabulary(field_name: str, values: Iterable[str], option: str) -> tuple[str, ...]:
    allowed = VOCABULARIES[field_name]
    by_folded = {fold(v): v for v in allowed}
    out: list[str] = []
    for value in values:
        canonical = by_folded.get(fold(value))
        if canonical is None:
            raise FilterError(f"{option}: unknown value {value!r} (allowed: {', '.join(allowed)})")
        out.append(canonical)
    return tuple(dict.fromkeys(out))


def _department_code(value: str) -> str:
    code = value.strip().upper()
    if code.isdigit() and len(code) == 1:
        code = "0" + code
    if code not in DEPARTMENT_CODES:
        raise FilterError(
            f"--department: unknown department code {value!r} (INSEE codes such as 01, 2A, 75, 971)"
        )
    return code


def _region_reference() -> tuple[Callable[[str], str | None] | None, tuple[str, ...]]:
    """``normalize.places.canonical_region`` and the current region names, when that
    module is there and loads; else ``(None, ())`` (regions are then matched against
    the catalogue's own values)."""
    try:
        from normalize import places
    except Exception as exc:  # noqa: BLE001 - missing or broken: fall back, say so once
        logger.warning("normalize.places unavailable (%s): --region matched against the catalogue", exc)
        return None, ()
    return getattr(places, "canonical_region", None), tuple(getattr(places, "REGIONS", ()))


def distinct_values(engine: Engine, attribute: Any) -> list[str]:
    """The distinct non-null values of a model column (e.g. ``Posting.source``), sorted."""
    with engine.connect() as conn:
        return sorted(v for (v,) in conn.execute(select(attribute).distinct()) if v)


def _regions(engine: Engine, values: Iterable[str]) -> tuple[str, ...]:
    values = list(values)
    if not values:
        return ()
    canonical_region, reference = _region_reference()
    catalogue_regions = distinct_values(engine, Offer.region)
    out: list[str] = []
    for value in values:
        name: str | None = None
        if canonical_region is not None:
            try:
                name = canonical_region(value)
            except Exception:  # noqa: BLE001 - a helper's bug must not break the export
                logger.warning("canonical_region(%r) raised; matching against the catalogue", value)
        if name is None:
            name = next((r for r in catalogue_regions if fold(r) == fold(value)), None)
        if name is None:
            allowed = ", ".join(reference or catalogue_regions) or "none in the catalogue yet"
            raise FilterError(f"--region: unknown region {value!r} (allowed: {allowed})")
        out.append(name)
    return tuple(dict.fromkeys(out))


def _sources(engine: Engine, values: Iterable[str], configured: Collection[str]) -> tuple[str, ...]:
    values = list(values)
    if not values:
        return ()
    known = sorted(set(configured) | set(distinct_values(engine, Posting.source)))
    unknown = [v for v in values if v not in known]
    if unknown:
        raise FilterError(f"--source: unknown source {unknown[0]!r} (known: {', '.join(known) or 'none'})")
    return tuple(dict.fromkeys(values))


def build_filters(
    engine: Engine,
    *,
    sources: Iterable[str] = (),
    status: str = "active",
    regions: Iterable[str] = (),
    departments: Iterable[str] = (),
    categories: Iterable[str] = (),
    contracts: Iterable[str] = (),
    job_families: Iterable[str] = (),
    employers: Iterable[str] = (),
    published_since: str | date | None = None,
    published_until: str | date | None = None,
    searches: Iterable[str] = (),
    configured_sources: Collection[str] = (),
) -> ExportFilters:
    """Check and canonicalize filter values; raise :class:`FilterError` (one line) when one is wrong.

    - vocabularies (category, contract, job family, status) match case- and
      accent-insensitively: ``"a+"`` gives ``"A+"``;
    - ``regions``: the current region name, any case or accents (``"ile-de-france"``),
      through ``normalize.places.canonical_region`` when available, else against the
      regions present in the catalogue;
    - ``departments``: INSEE codes (``"2a"`` → ``"2A"``, ``"5"`` → ``"05"``);
    - ``sources``: a configured source (``configured_sources``) or one present in the
      catalogue;
    - ``employers``: substrings, accent- and case-insensitive;
    - ``searches``: each value is a query whose words must all occur in the title or the
      description (accent- and case-insensitive); several queries are ORed.
    """
    if fold(status) not in STATUSES:
        raise FilterError(f"--status: unknown value {status!r} (allowed: {', '.join(STATUSES)})")
    status = fold(status)
    since = parse_iso_date(published_since, "--published-since")
    until = parse_iso_date(published_until, "--published-until")
    if since and until and since > until:
        raise FilterError(f"--published-since {since} is after --published-until {until}")
    folded_employers = tuple(dict.fromkeys(f for f in (fold(e) for e in employers) if f))
    queries = tuple(dict.fromkeys(q for q in (tuple(fold(s).split()) for s in searches) if q))
    return ExportFilters(
        sources=_sources(engine, sources, configured_sources),
        status=status,
        regions=_regions(engine, regions),
        departments=tuple(dict.fromkeys(_department_code(d) for d in departments)),
        categories=_in_vocabulary("category", categories, "--category"),
        contracts=_in_vocabulary("contract", contracts, "--contract"),
        job_families=_in_vocabulary("job_family", job_families, "--job-family"),
        employers=folded_employers,
        published_since=since,
        published_until=until,
        searches=queries,
    )


def _like_contains(folded: str) -> str:
    escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filter_conditions(filters: ExportFilters) -> list[Any]:
    """SQL conditions on ``catalogue_offers`` (``v``) joined with ``offers`` for ``filters``."""
    v = catalogue_offers.c
    o = Offer.__table__.c
    conds: list[Any] = []
    if filters.status != "all":
        conds.append(v.status == filters.status)
    if filters.sources:
        p = Posting.__table__.c
        conds.append(exists().where(p.offer_id == v.id, p.source.in_(filters.sources)))
    for values, col in ((filters.regions, v.region), (filters.departments, v.department_code),
                        (filters.categories, v.category), (filters.contracts, v.contract),
                        (filters.job_families, v.job_family)):
        if values:
            conds.append(col.in_(values))
    if filters.employers:
        conds.append(or_(*(o.employer_search.like(_like_contains(e), escape="\\") for e in filters.employers)))
    if filters.published_since:
        conds.append(v.published_at >= filters.published_since)
    if filters.published_until:
        conds.append(v.published_at <= filters.published_until)
    if filters.searches:
        conds.append(or_(*(
            and_(*(o.search_text.like(_like_contains(word), escape="\\") for word in words))
            for words in filters.searches
        )))
    return conds


def filtered_view(filters: ExportFilters | None = None) -> tuple[FromClause, list[Any]]:
    """The FROM clause (the view, joined with ``offers`` when a filter needs it) and the
    WHERE conditions for ``filters``: the building blocks of exports and stats."""
    filters = filters or ExportFilters()
    source: FromClause = catalogue_offers
    if filters.employers or filters.searches:
        offers = Offer.__table__
        source = catalogue_offers.join(offers, offers.c.id == catalogue_offers.c.id)
    return source, filter_conditions(filters)


def offers_query(filters: ExportFilters | None = None) -> Select[Any]:
    """The SELECT of the view's columns for ``filters``, newest publication first.

    ``sources`` stays the view's JSON text: it is aggregated in SQL, not per row.
    """
    v = catalogue_offers.c
    source, conds = filtered_view(filters)
    stmt = select(*(v[name] for name in VIEW_COLUMNS)).select_from(source).where(*conds)
    return stmt.order_by(v.published_at.desc().nulls_last(), v.id)


def iter_offer_rows(engine: Engine, filters: ExportFilters | None = None,
                    *, batch_size: int = BATCH_SIZE) -> Iterator[tuple[Any, ...]]:
    """Stream the view's rows for ``filters`` as tuples in ``VIEW_COLUMNS`` order.

    ``sources`` is decoded to a list of dicts (an unreadable value gives ``[]`` and a
    warning). Rows come in batches of ``batch_size`` (a server-side cursor on
    PostgreSQL): memory does not grow with the size of the catalogue.
    """
    stmt = offers_query(filters)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch_size).execute(stmt)
        for row in result:
            values = list(row)
            raw = values[_SOURCES_INDEX]
            try:
                values[_SOURCES_INDEX] = json.loads(raw) if raw else []
            except (TypeError, ValueError):
                logger.warning("offer %s: unreadable sources %r", values[0], raw)
                values[_SOURCES_INDEX] = []
            yield tuple(values)


def iter_offers(engine: Engine, filters: ExportFilters | None = None) -> Iterator[dict[str, Any]]:
    """Stream the records (dicts, field names of CATALOGUE.md, ``sources`` a list)."""
    for row in iter_offer_rows(engine, filters):
        yield dict(zip(VIEW_COLUMNS, row))


def count_offers(engine: Engine, filters: ExportFilters | None = None) -> int:
    """How many offers ``filters`` select."""
    stmt = offers_query(filters).order_by(None)
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


# --------------------------------------------------------------------------- cell values


def neutralize_formula(text: str) -> str:
    """Prefix an apostrophe to a text a spreadsheet would read as a formula.

    >>> neutralize_formula("=HYPERLINK(\\"http://x\\")")
    '\\'=HYPERLINK("http://x")'
    >>> neutralize_formula("Développeur")
    'Développeur'
    """
    if text and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _flat_sources(sources: list[dict[str, Any]]) -> tuple[str, str]:
    names = SOURCES_SEPARATOR.join(str(s.get("source") or "") for s in sources)
    urls = SOURCES_SEPARATOR.join(str(s.get("url") or "") for s in sources)
    return names, urls


def _json_default(value: Any) -> str:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"not JSON serializable: {type(value).__name__}")


# --------------------------------------------------------------------------- writers


class _Utf8Sink:
    """A text ``write()`` target that sends UTF-8 bytes to a binary stream in ~64 KiB chunks.

    Fewer, larger writes than a ``TextIOWrapper`` (no per-row encode call), constant
    memory, and the caller's stream is never closed or detached.
    """

    CHUNK = 64 * 1024

    def __init__(self, out: IO[bytes], *, bom: bool = False) -> None:
        self._out = out
        self._parts: list[str] = ["\ufeff"] if bom else []
        self._size = 0

    def write(self, text: str) -> None:
        self._parts.append(text)
        self._size += len(text)
        if self._size >= self.CHUNK:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            self._out.write("".join(self._parts).encode("utf-8", "replace"))
            self._parts.clear()
            self._size = 0


def _write_json(rows: Iterable[tuple[Any, ...]], out: IO[bytes], result: ExportResult, *, lines: bool) -> None:
    sink = _Utf8Sink(out)
    dumps = json.JSONEncoder(ensure_ascii=False, default=_json_default).encode
    if lines:
        for row in rows:
            sink.write(dumps(dict(zip(VIEW_COLUMNS, row))) + "\n")
            result.rows += 1
    else:
        sink.write("[")
        for row in rows:
            sink.write(("\n" if result.rows == 0 else ",\n") + dumps(dict(zip(VIEW_COLUMNS, row))))
            result.rows += 1
        sink.write("\n]\n" if result.rows else "]\n")
    sink.flush()


def _csv_cells(row: tuple[Any, ...]) -> list[Any]:
    cells: list[Any] = []
    for i, value in enumerate(row):
        if i == _SOURCES_INDEX:
            continue
        if value is None:
            cells.append("")
        elif isinstance(value, str):
            cells.append(neutralize_formula(value))
        elif isinstance(value, date):
            cells.append(value.isoformat())
        else:
            cells.append(value)
    names, urls = _flat_sources(row[_SOURCES_INDEX])
    cells.append(neutralize_formula(names))
    cells.append(neutralize_formula(urls))
    return cells


def _write_csv(rows: Iterable[tuple[Any, ...]], out: IO[bytes], result: ExportResult, *, delimiter: str) -> None:
    sink = _Utf8Sink(out, bom=True)
    writer = csv.writer(sink, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(FLAT_COLUMNS)
    for row in rows:
        writer.writerow(_csv_cells(row))
        result.rows += 1
    sink.flush()


def _xlsx_text(value: str, result: ExportResult) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)
        result.cleaned_cells += 1
    value = neutralize_formula(value)
    if len(value) > XLSX_MAX_CELL:
        value = value[:XLSX_MAX_CELL]
        result.truncated_cells += 1
    return value


def _xlsx_timestamp(value: str) -> datetime | str:
    """ISO UTC text → naive UTC datetime (Excel has no time zones); bad text stays text."""
    try:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return value


def _xlsx_cells(row: tuple[Any, ...], result: ExportResult) -> list[Any]:
    cells: list[Any] = []
    for name, value in zip(VIEW_COLUMNS, row):
        if name == "sources":
            continue
        if isinstance(value, str):
            value = _xlsx_timestamp(value) if name in _TIMESTAMP_COLUMNS else _xlsx_text(value, result)
        cells.append(value)
    names, urls = _flat_sources(row[_SOURCES_INDEX])
    cells.append(_xlsx_text(names, result))
    cells.append(_xlsx_text(urls, result))
    return cells


def _write_xlsx(rows: Iterable[tuple[Any, ...]], out: IO[bytes], result: ExportResult) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("offres")
    for i, name in enumerate(FLAT_COLUMNS, 1):
        ws.column_dimensions[get_column_letter(i)].width = _XLSX_WIDTHS.get(name, 14)
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for name in FLAT_COLUMNS:
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    for row in rows:
        ws.append(_xlsx_cells(row, result))
        result.rows += 1
    ws.auto_filter.ref = f"A1:{get_column_letter(len(FLAT_COLUMNS))}{result.rows + 1}"
    wb.save(out)
    if result.truncated_cells:
        result.warnings.append(f"{result.truncated_cells} cell(s) cut to Excel's {XLSX_MAX_CELL} characters")
    if result.cleaned_cells:
        result.warnings.append(f"{result.cleaned_cells} cell(s) had control characters removed")


def write_rows(rows: Iterable[tuple[Any, ...]], out: IO[bytes], *, fmt: str, delimiter: str = ";") -> ExportResult:
    """Write view rows (``VIEW_COLUMNS`` order, ``sources`` decoded) to the binary stream ``out``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r} (allowed: {', '.join(FORMATS)})")
    if len(delimiter) != 1 or delimiter in "\"\r\n":
        raise ValueError(f"the CSV delimiter must be one character other than a quote or newline (got {delimiter!r})")
    result = ExportResult(format=fmt)
    if fmt == "csv":
        _write_csv(rows, out, result, delimiter=delimiter)
    elif fmt == "xlsx":
        _write_xlsx(rows, out, result)
    else:
        _write_json(rows, out, result, lines=fmt == "jsonl")
    return result


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _counted(rows: Iterable[Any], progress: Callable[[int], None], every: int = 250) -> Iterator[Any]:
    """``rows`` as they come, calling ``progress(count)`` every ``every`` rows and at the end."""
    count = 0
    for count, row in enumerate(rows, 1):
        yield row
        if count % every == 0:
            progress(count)
    progress(count)


def export_offers(
    engine: Engine,
    out: IO[bytes] | str | os.PathLike[str],
    *,
    fmt: str,
    filters: ExportFilters | None = None,
    delimiter: str = ";",
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ExportResult:
    """Export the offers selected by ``filters`` to ``out`` in format ``fmt``.

    ``progress`` (optional) is called with the number of rows written so far, every few
    hundred rows (the command line shows it on a terminal).

    ``out`` is a binary stream (left open) or a path. A path to a regular file (or to
    none yet) is written through a temporary file in the same directory and renamed at
    the end, so a failed export never leaves a half-written file behind; a symbolic link
    is followed (the file it points to is replaced, the link stays). A path to anything
    else that exists — ``/dev/null``, ``/dev/stdout``, a named pipe — is opened and
    written in place: renaming over it would replace the device or pipe by a file.
    Rows are fetched ``batch_size`` at a time: the memory an export needs is about one
    batch, whatever the number of offers.
    """
    rows = iter_offer_rows(engine, filters, batch_size=batch_size)
    if progress is not None:
        rows = _counted(rows, progress)
    if not isinstance(out, (str, os.PathLike)):
        return write_rows(rows, out, fmt=fmt, delimiter=delimiter)
    path = Path(out)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    if path.exists() and not path.is_file():  # a device, a pipe: no temporary file, no rename
        with open(path, "wb") as stream:
            return write_rows(rows, stream, fmt=fmt, delimiter=delimiter)
    if path.is_symlink():
        path = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as stream:
            result = write_rows(rows, stream, fmt=fmt, delimiter=delimiter)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it private; an export is an ordinary file
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return result
