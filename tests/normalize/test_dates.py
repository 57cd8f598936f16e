"""normalize.dates.parse_date: the date shapes the sources write, table-driven."""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from normalize.dates import parse_date

#: the samples' crawl: 22 November 2026, 10:00 in Paris
CRAWL = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Europe/Paris"))

CASES = [
    # numeric day/month/year
    ("12/11/2026", date(2026, 11, 12)),
    ("12-11-2026", date(2026, 11, 12)),
    ("12.11.2026", date(2026, 11, 12)),
    ("1/2/2027", date(2027, 2, 1)),
    ("13/11/26", date(2026, 11, 13)),
    ("08/01/2027", date(2027, 1, 8)),
    # French long forms
    ("12 novembre 2026", date(2026, 11, 12)),
    ("1er décembre 2026", date(2026, 12, 1)),
    ("lundi 3 novembre 2026", date(2026, 11, 3)),
    ("vendredi 5 février 2027", date(2027, 2, 5)),
    ("15 janvier 2027", date(2027, 1, 15)),
    ("15 JANVIER 2027", date(2027, 1, 15)),
    ("3 déc. 2026", date(2026, 12, 3)),
    ("17 août 2026", date(2026, 8, 17)),
    ("12 novembre", date(2026, 11, 12)),            # no year: the nearest to the crawl
    ("5 janvier", date(2027, 1, 5)),                # ... which may be next year
    # with a prefix, as pages write them
    ("Publiée le 13/11/2026", date(2026, 11, 13)),
    ("En ligne depuis le 02 octobre 2026", date(2026, 10, 2)),
    ("Vacant à partir du 01/10/2026", date(2026, 10, 1)),
    ("Date limite de candidature : 01/11/2026", date(2026, 11, 1)),
    ("Publiée le 2026-11-13", date(2026, 11, 13)),
    # ISO dates and timestamps → the Europe/Paris date
    ("2026-11-18", date(2026, 11, 18)),
    ("2026-11-05T10:42:17+01:00", date(2026, 11, 5)),
    ("2027-01-31T23:59:59+01:00", date(2027, 1, 31)),
    ("2026-11-08T23:30:00Z", date(2026, 11, 9)),
    ("2026-06-30T22:30:00+00:00", date(2026, 7, 1)),   # summer time: UTC+2
    ("2026-11-16T14:05:33-04:00", date(2026, 11, 16)),
    ("2026-11-03T10:00:00", date(2026, 11, 3)),        # no offset: already local
    # RFC 822 (RSS pubDate)
    ("Thu, 12 Nov 2026 23:45:00 GMT", date(2026, 11, 13)),
    ("Tue, 20 Oct 2026 09:30:00 +0200", date(2026, 10, 20)),
    ("Thu, 19 Nov 2026 17:40:00 +0100", date(2026, 11, 19)),
    ("Sat, 31 Oct 2026 23:30:00 -0000", date(2026, 11, 1)),
    # relative to the crawl time
    ("Publiée il y a 3 jours", date(2026, 11, 19)),
    ("il y a une semaine", date(2026, 11, 15)),
    ("il y a 2 mois", date(2026, 9, 22)),
    ("il y a 5 heures", date(2026, 11, 22)),
    ("aujourd'hui", date(2026, 11, 22)),
    ("Publiée aujourd’hui", date(2026, 11, 22)),
    ("hier", date(2026, 11, 21)),
    ("avant-hier", date(2026, 11, 20)),
    # whitespace and entities as published
    ("\t 15&nbsp;janvier\u202f2027 \n", date(2027, 1, 15)),
    # odd formats handled by the dateparser fallback
    ("November 3, 2026", date(2026, 11, 3)),
    ("2026/11/12", date(2026, 11, 12)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_parse_date(text: str, expected: date) -> None:
    warnings: list[str] = []
    assert parse_date(text, now=CRAWL, warnings=warnings) == expected
    assert warnings == []


#: a day and month without a year, crawl on 2026-11-22: a publication date is never in the
#: future (the latest such date not after the crawl day); a deadline takes the nearest year
YEARLESS = [
    ("Publiée le 3 janvier", "published", date(2026, 1, 3)),
    ("Publiée le 3 janvier", "deadline", date(2027, 1, 3)),
    ("5 janvier", "published", date(2026, 1, 5)),
    ("5 janvier", "deadline", date(2027, 1, 5)),
    ("12 novembre", "published", date(2026, 11, 12)),
    ("12 novembre", "deadline", date(2026, 11, 12)),
    ("22 novembre", "published", date(2026, 11, 22)),   # the crawl day itself
    ("23 novembre", "published", date(2025, 11, 23)),
    ("23 novembre", "deadline", date(2026, 11, 23)),
    ("29 février", "published", date(2024, 2, 29)),     # the last 29 February
    ("Jan 3", "published", date(2026, 1, 3)),           # dateparser fallback, past preferred too
]


@pytest.mark.parametrize(("text", "field", "expected"), YEARLESS)
def test_year_left_out_depends_on_the_field(text: str, field: str, expected: date) -> None:
    warnings: list[str] = []
    assert parse_date(text, now=CRAWL, warnings=warnings, field=field) == expected
    assert warnings == []


@pytest.mark.parametrize(("text", "warning"), [
    ("bientôt", "deadline: unknown date format 'bientôt'"),
    ("31/02/2026", "deadline: invalid date '31/02/2026'"),
    ("30 février 2027", "deadline: invalid date '30 février 2027'"),
    ("n'importe quoi 99", "deadline: unknown date format \"n'importe quoi 99\""),
    ("31/11/2026", "deadline: invalid date '31/11/2026'"),
    # placeholders of the sources' software: kept, 1900 would win the merge's earliest published_at
    ("31/12/9999", "deadline: implausible date '31/12/9999'"),
    ("01/01/1900", "deadline: implausible date '01/01/1900'"),
    ("0001-01-01", "deadline: implausible date '0001-01-01'"),
    # out of what a date can hold once converted or computed: never an OverflowError
    ("9999-12-31T23:59:59Z", "deadline: implausible date '9999-12-31T23:59:59Z'"),
    ("9999-12-31T23:59:59+00:00", "deadline: implausible date '9999-12-31T23:59:59+00:00'"),
    ("9999-12-31T23:59:59-05:00", "deadline: implausible date '9999-12-31T23:59:59-05:00'"),
    ("0001-01-01T00:30:00+01:00", "deadline: implausible date '0001-01-01T00:30:00+01:00'"),
    ("Fri, 31 Dec 9999 23:30:00 -0500", "deadline: implausible date 'Fri, 31 Dec 9999 23:30:00 -0500'"),
    ("il y a 9999999999 jours", "deadline: implausible date 'il y a 9999999999 jours'"),
    ("il y a 9999999999 heures", "deadline: implausible date 'il y a 9999999999 heures'"),
    ("il y a 999999999999 mois", "deadline: implausible date 'il y a 999999999999 mois'"),
    ("il y a 99999999999 ans", "deadline: implausible date 'il y a 99999999999 ans'"),
    ("il y a 5000 ans", "deadline: implausible date 'il y a 5000 ans'"),
    ("il y a " + "9" * 5000 + " jours", "deadline: implausible date 'il y a " + "9" * 73 + "'"),
    ("12 novembre 99999", "deadline: implausible date '12 novembre 99999'"),  # not "12 novembre" of this year
    ("12 novembre " + "9" * 5000, "deadline: implausible date '12 novembre " + "9" * 68 + "'"),
])
def test_unreadable_date_gives_none_and_a_warning(text: str, warning: str) -> None:
    warnings: list[str] = []
    assert parse_date(text, now=CRAWL, warnings=warnings, field="deadline") is None
    assert warnings == [warning]


@pytest.mark.parametrize("text", [None, "", "   ", "Dès que possible", "Non renseignée", "-"])
def test_no_date_is_none_without_warning(text: str | None) -> None:
    warnings: list[str] = []
    assert parse_date(text, now=CRAWL, warnings=warnings) is None
    assert warnings == []


def test_bad_input_types_never_raise() -> None:
    assert parse_date(12345, now=CRAWL) is None  # type: ignore[arg-type]
    assert parse_date(["12/11/2026"], now=CRAWL) is None  # type: ignore[arg-type]
    assert parse_date("12/11/2026", now=CRAWL, tz="Not/AZone") == date(2026, 11, 12)


def test_date_and_datetime_objects() -> None:
    assert parse_date(date(2026, 1, 2)) == date(2026, 1, 2)
    assert parse_date(datetime(2026, 11, 8, 23, 30, tzinfo=timezone.utc)) == date(2026, 11, 9)


def test_datetime_out_of_range_once_converted() -> None:
    warnings: list[str] = []
    late = datetime(9999, 12, 31, 23, 59, tzinfo=timezone.utc)
    assert parse_date(late, warnings=warnings, field="deadline") is None
    assert warnings == ["deadline: implausible date '9999-12-31T23:59:00+00:00'"]


def test_timezone_decides_the_calendar_date() -> None:
    assert parse_date("2026-11-08T23:30:00Z", tz="UTC") == date(2026, 11, 8)
    assert parse_date("2026-11-08T23:30:00Z", tz="Europe/Paris") == date(2026, 11, 9)


def test_relative_dates_follow_the_crawl_time_in_paris() -> None:
    # 23:30 UTC on the 21st is already the 22nd in Paris
    late = datetime(2026, 11, 21, 23, 30, tzinfo=timezone.utc)
    assert parse_date("aujourd'hui", now=late) == date(2026, 11, 22)
    assert parse_date("hier", now=late) == date(2026, 11, 21)
