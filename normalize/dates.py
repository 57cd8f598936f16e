"""Dates as sources write them → the Europe/Paris calendar date.

>>> parse_date("12/11/2026"), parse_date("1er décembre 2026"), parse_date("Publiée le 13/11/2026")
(datetime.date(2026, 11, 12), datetime.date(2026, 12, 1), datetime.date(2026, 11, 13))
>>> parse_date("2026-11-08T23:30:00Z")          # 00:30 on the 9th in Paris
datetime.date(2026, 11, 9)
>>> parse_date("Thu, 12 Nov 2026 23:45:00 GMT")  # RFC 822 (RSS pubDate)
datetime.date(2026, 11, 13)
>>> from datetime import datetime, timezone
>>> parse_date("Publiée il y a 3 jours", now=datetime(2026, 11, 22, 9, tzinfo=timezone.utc))
datetime.date(2026, 11, 19)
>>> parse_date("bientôt") is None
True

The common shapes are read by compiled regexes, in this order (the first that matches
wins):

1. ISO 8601 (``2026-11-18``, ``2026-11-05T10:42:17+01:00``, ``…Z``) by
   :meth:`datetime.fromisoformat`;
2. day/month/year with ``/``, ``-`` or ``.`` (``12/11/2026``, ``12-11-2026``, ``12.11.26``),
   anywhere in the text ("Vacant à partir du 01/10/2026");
3. an ISO date inside a text ("Publiée le 2026-11-13");
4. RFC 822 / RFC 2822 (``Tue, 20 Oct 2026 09:30:00 +0200``) by :mod:`email.utils`;
5. a day and a French (or English) month name, weekday and "1er" allowed ("lundi 3
   novembre 2026", "15 janv. 2027"); without a year, for a publication date
   (``field="published"``) the latest such date not after ``now`` (a publication is never
   in the future), for any other date (a deadline) the year that puts it nearest to ``now``;
6. relative to ``now`` (the crawl time): "aujourd'hui", "hier", "avant-hier",
   "il y a 3 jours / 2 semaines / 1 mois / 5 heures".

Anything else goes to `dateparser <https://dateparser.readthedocs.io>`_ (French and
English, day-first), imported on first use only. A value that still cannot be read gives
``None`` and, when a ``warnings`` list is given, ``"<field>: unknown date format '…'"``
(``"<field>: invalid date '31/02/2026'"`` for a date that does not exist).
Phrases that say there is no date ("Dès que possible", "Non renseignée") give ``None``
without a warning. A date more than :data:`PLAUSIBLE_YEARS` years away from ``now``
("31/12/9999", "01/01/1900": placeholders of the source's software) gives ``None`` and
``"<field>: implausible date …"``: kept, it would win the merge's "earliest
``published_at``" or keep an offer open forever. So does a date that leaves the years
1..9999 once converted or computed ("9999-12-31T23:59:59Z", "il y a 9999999999 jours",
"12 novembre 99999"): never an exception.

A timestamp with an offset (or ``Z``, or an RFC 822 zone) is converted to ``tz`` before
its date is taken; a timestamp without one is taken as already local.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, timedelta, tzinfo
from email.utils import parsedate_to_datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from normalize.text import clean_text, fold

log = logging.getLogger(__name__)

DEFAULT_TZ = "Europe/Paris"
#: a date further than this from ``now`` is a placeholder, not a date (None and a warning)
PLAUSIBLE_YEARS = 20
#: longer texts are not handed to dateparser (a date field is short; a paragraph is not a date)
_DATEPARSER_MAX_CHARS = 120

_MONTHS = {
    **dict.fromkeys(("janvier", "janv", "jan", "january"), 1),
    **dict.fromkeys(("fevrier", "fevr", "fev", "february", "feb"), 2),
    **dict.fromkeys(("mars", "mar", "march"), 3),
    **dict.fromkeys(("avril", "avr", "april", "apr"), 4),
    **dict.fromkeys(("mai", "may"), 5),
    **dict.fromkeys(("juin", "june", "jun"), 6),
    **dict.fromkeys(("juillet", "juil", "july", "jul"), 7),
    **dict.fromkeys(("aout", "august", "aug"), 8),
    **dict.fromkeys(("septembre", "sept", "sep", "september"), 9),
    **dict.fromkeys(("octobre", "oct", "october"), 10),
    **dict.fromkeys(("novembre", "nov", "november"), 11),
    **dict.fromkeys(("decembre", "dec", "december"), 12),
}
_NUMBER_WORDS = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
                 "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "quinze": 15, "trente": 30}
_UNIT_DAYS = {"jour": 1, "semaine": 7}

_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DMY = re.compile(r"(?<![\d/.-])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/.-]|:\d)")
_ISO_IN_TEXT = re.compile(
    r"(?<!\d)\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?(?![\d-])"
)
_RFC822 = re.compile(r"^(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}")
#: the year may be longer than 4 digits only to be refused ("12 novembre 99999" is no date,
#: not "12 novembre" of the nearest year)
_LONG = re.compile(r"(?<!\d)(\d{1,2})\s*(?:er|e)?\s+(?:de\s+)?([a-z]+)\.?(?:,?\s+(\d{4,}))?(?!\d)")
_AGO = re.compile(
    r"\bil y a\s+(\d+|" + "|".join(_NUMBER_WORDS) + r")\s+(minute|heure|jour|semaine|mois|an)s?\b"
)
_TODAY = re.compile(r"\baujourd'?hui\b|\btoday\b")
_DAY_BEFORE = re.compile(r"\bavant[- ]hier\b")
_YESTERDAY = re.compile(r"\bhier\b|\byesterday\b")
#: phrases that say "no date": None without a warning
_NO_DATE = re.compile(
    r"^(?:-+|n/?a|nc|aucune?|sans objet|sans date)$|des que possible|au plus vite|immediat"
    r"|non (?:renseigne|precise|communique|defini)e?s?|a (?:definir|determiner|pourvoir)"
)


@lru_cache(maxsize=16)
def _zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown timezone %r, using %s", tz, DEFAULT_TZ)
        return ZoneInfo(DEFAULT_TZ)


#: returned by the regex paths for a date that matched a shape but does not exist (31/02)
_INVALID = date.min
#: returned for a date outside what :class:`datetime.date` can hold once converted or
#: computed ("9999-12-31T23:59:59Z" is already year 10000 in Paris; "il y a 99999999999 ans"):
#: a placeholder, like a date more than PLAUSIBLE_YEARS away (None and "implausible date")
_OUT_OF_RANGE = date.max
#: longest run of digits read as a count or a year: a longer one is out of any date's range
#: (and ``int()`` on thousands of digits is slow, then refused by Python)
_MAX_NUMBER_DIGITS = 6


def _local_date(moment: datetime, zone: tzinfo) -> date:
    """The calendar date of ``moment`` in ``zone`` (a naive moment is already local).

    :data:`_OUT_OF_RANGE` when the conversion leaves the years 1..9999.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        return moment.date()
    try:
        return moment.astimezone(zone).date()
    except (OverflowError, ValueError):
        return _OUT_OF_RANGE


def _make_date(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000
    try:
        return date(year, month, day)
    except (ValueError, OverflowError):
        return None


def _infer_year(month: int, day: int, today: date, field: str) -> date | None:
    """The date of a day and month written without a year.

    A publication date cannot be in the future: for ``field == "published"`` it is the
    latest such date not after ``today`` ("3 janvier" read on 2026-11-22 → 2026-01-03;
    "29 février" → the last 29 February). Any other date (a deadline) takes the year that
    puts it nearest to ``today`` ("5 janvier" read on 2026-11-22 → 2027-01-05).
    """
    if field == "published":
        for year in range(today.year, today.year - 8, -1):  # 8 years always hold a 29 February
            found = _make_date(year, month, day)
            if found is not None and found <= today:
                return found
        return None
    candidates = [d for y in (today.year - 1, today.year, today.year + 1) if (d := _make_date(y, month, day))]
    return min(candidates, key=lambda d: abs((d - today).days)) if candidates else None


def _relative(folded: str, now: datetime, zone: tzinfo) -> date | None:
    today = _local_date(now, zone)
    if _TODAY.search(folded):
        return today
    if _DAY_BEFORE.search(folded):
        return today - timedelta(days=2)
    if _YESTERDAY.search(folded):
        return today - timedelta(days=1)
    match = _AGO.search(folded)
    if not match:
        return None
    count_text, unit = match.groups()
    if count_text.isdigit() and len(count_text.lstrip("0")) > _MAX_NUMBER_DIGITS:
        return _OUT_OF_RANGE  # "il y a 9999999999 jours": further than any date
    count = int(count_text) if count_text.isdigit() else _NUMBER_WORDS[count_text]
    try:
        if unit in _UNIT_DAYS:
            return today - timedelta(days=count * _UNIT_DAYS[unit])
        if unit in ("minute", "heure"):
            delta = timedelta(minutes=count) if unit == "minute" else timedelta(hours=count)
            moment = now if now.tzinfo else now.replace(tzinfo=zone)
            return _local_date(moment - delta, zone)
    except (OverflowError, ValueError):
        return _OUT_OF_RANGE
    months = count * (12 if unit == "an" else 1)
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    if not 1 <= year <= 9999:
        return _OUT_OF_RANGE
    for day in (today.day, 30, 29, 28):
        if d := _make_date(year, month + 1, day):
            return d
    return None


def _with_dateparser(text: str, now: datetime, zone: tzinfo, *, past: bool = False) -> date | None:
    """The slow path: dateparser (imported here, on first use: it takes a second to load).

    ``past``: a date written without its year is taken in the past (a publication date).
    """
    try:
        import dateparser
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    base = now.astimezone(zone).replace(tzinfo=None) if now.tzinfo else now
    try:
        parsed = dateparser.parse(text, languages=["fr", "en"], settings={
            "DATE_ORDER": "DMY", "RELATIVE_BASE": base, "PREFER_DAY_OF_MONTH": "first",
            "REQUIRE_PARTS": ["day", "month"], "RETURN_AS_TIMEZONE_AWARE": False,
            "TO_TIMEZONE": str(zone), "TIMEZONE": str(zone),
            "PREFER_DATES_FROM": "past" if past else "current_period",
        })
    except Exception as exc:  # noqa: BLE001 - dateparser raises on some odd input; never crash
        log.debug("dateparser failed on %r: %s", text, exc)
        return None
    return parsed.date() if parsed else None  # a naive local datetime: no conversion to overflow


def parse_date(
    text: str | date | None,
    *,
    now: datetime | None = None,
    tz: str | tzinfo = DEFAULT_TZ,
    warnings: list[str] | None = None,
    field: str = "date",
) -> date | None:
    """Read one date; ``None`` when there is none or it cannot be read (see the module doc).

    ``now`` (aware, default: the current time) anchors relative dates and years left out;
    ``tz`` is the zone whose calendar date is wanted; ``warnings``, when given, receives
    ``"<field>: unknown date format '<text>'"`` for a value that could not be read.
    ``field`` names the warnings and decides the year of a date written without one
    (``"published"``: never after ``now``; otherwise the nearest to ``now``).
    """
    if text is None:
        return None
    if isinstance(text, datetime):
        found = _local_date(text, _zone(tz))
        if found is _OUT_OF_RANGE:
            if warnings is not None:
                warnings.append(f"{field}: implausible date {text.isoformat()[:80]!r}")
            return None
        return found
    if isinstance(text, date):
        return text
    cleaned = clean_text(text)
    if not cleaned:
        return None
    zone = _zone(tz)
    now = now or datetime.now(zone)
    found = _fast_paths(cleaned, zone)
    if found is None:
        folded = fold(cleaned)
        found = _long_date(folded, now, zone, field) or _relative(folded, now, zone)
        if found is None:
            if _NO_DATE.search(folded):
                return None
            if len(cleaned) <= _DATEPARSER_MAX_CHARS:
                found = _with_dateparser(cleaned, now, zone, past=field == "published")
    if found is _INVALID:
        if warnings is not None:
            warnings.append(f"{field}: invalid date {cleaned[:80]!r}")
        return None
    if found is None and warnings is not None:
        warnings.append(f"{field}: unknown date format {cleaned[:80]!r}")
    if found is not None and abs(found.year - _local_date(now, zone).year) > PLAUSIBLE_YEARS:
        if warnings is not None:
            warnings.append(f"{field}: implausible date {cleaned[:80]!r}")
        return None
    return found


@lru_cache(maxsize=4096)
def _fast_paths(text: str, zone: tzinfo) -> date | None:
    """The date of ``text`` by the shapes 1-4 of the module doc (they do not depend on
    ``now``), or ``None``. Cached: a crawl's postings share a few hundred dates."""
    if _ISO_START.match(text):
        try:
            return _local_date(datetime.fromisoformat(text), zone)
        except ValueError:
            pass
    match = _DMY.search(text)
    if match:
        day, _sep, month, year = match.groups()
        return _make_date(int(year), int(month), int(day)) or _INVALID
    match = _ISO_IN_TEXT.search(text)
    if match:
        try:
            return _local_date(datetime.fromisoformat(match.group(0)), zone)
        except ValueError:
            pass
    if _RFC822.match(text):
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if moment.tzinfo is None:  # "-0000": UTC with no local information
            moment = moment.replace(tzinfo=ZoneInfo("UTC"))
        return _local_date(moment, zone)
    return None


def _long_date(folded: str, now: datetime, zone: tzinfo, field: str) -> date | None:
    for match in _LONG.finditer(folded):
        day, month_name, year = match.groups()
        month = _MONTHS.get(month_name)
        if month is None:
            continue
        if year:
            if len(year) > 4:
                return _OUT_OF_RANGE
            return _make_date(int(year), month, int(day)) or _INVALID
        return _infer_year(month, int(day), _local_date(now, zone), field) or _INVALID
    return None
