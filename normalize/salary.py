"""Salaries → gross annual euros (CATALOGUE.md ``salary_min`` / ``salary_max``).

>>> parse_salary("45 000 € - 55 000 € brut annuel")
Salary(min=45000, max=55000, net=None)
>>> parse_salary("entre 3 200 et 3 800 € bruts mensuels")          # monthly × 12
Salary(min=38400, max=45600, net=None)
>>> parse_salary(["Non renseignée", "Entre 2 250 € et 2 950 € brut mensuel selon échelon"])
Salary(min=27000, max=35400, net=None)
>>> parse_salary("Rémunération : 2 500 € net/mois")                 # net: kept apart
Salary(min=None, max=None, net={'net_min': 2500, 'net_max': 2500, 'period': 'monthly'})
>>> parse_salary({"min": 2900, "max": 3600, "period": "monthly"})
Salary(min=34800, max=43200, net=None)

What a source may give, and what comes out:

- **a text** ("Entre 45 000 € et 58 000 € brut annuel (grille indiciaire et primes)",
  "à partir de 42k€", "42 k€", "3.200 € brut/mois"): see *Reading a text* below;
- **a list of texts** (pep's two ranges, for contract staff and for civil servants, either
  possibly "Non renseignée"): every range that has figures counts; ``min`` is the lowest
  and ``max`` the highest gross annual figure among them;
- **a schema.org** ``MonetaryAmount`` (JSON-LD ``baseSalary``): ``value`` a number or a
  ``QuantitativeValue`` with ``minValue``/``maxValue`` or ``value``; ``unitText`` ``YEAR``
  (as is) or ``MONTH`` (× 12). ``HOUR``, ``DAY`` and ``WEEK`` amounts are **not** converted
  (how many hours or days a year is not stated): ``None`` and a warning. A currency other
  than EUR gives ``None`` and a warning. Without ``unitText`` the magnitude decides (below);
- **the API's** ``{"min", "max", "period"}``: ``period`` ``annual`` as is, ``monthly`` × 12;
- **a bare number** (schema.org allows a Number as ``baseSalary``: ``45000``, or the text
  "45000" the jobposting page makes of it, and nothing else in the text): assumed a gross
  **annual** amount, the catalogue's unit. Nothing says it is monthly, so it is never
  multiplied: under 5 000 € it is implausible as a yearly salary, ``None`` and a warning.
  An infinite, NaN or absurdly large number gives ``None`` and ``"salary: not an amount …"``.

Reading a text: entities, U+00A0/U+202F and whitespace are cleaned; percentages are
dropped ("majorée de 40 %" is not an amount); the text is cut into clauses at ``;``,
brackets, "soit" and ", " (a comma then a space: never a decimal comma); in each clause the amounts are the figures followed by ``€``,
``euros``, ``k€`` or ``k`` (``k`` × 1000), plus a bare figure that opens a range closed by
such an amount ("entre 3 200 **et** 3 800 €", "45 **-** 55 k€"). A text with no currency
at all but a salary word (brut, net, annuel, mensuel, salaire, rémunération) takes its
bare figures. Thousands separators may be a space, U+00A0, U+202F, ``.`` or ``'``;
decimals a comma. The period of a clause is its own word ("annuel", "/an", "mensuel",
"/mois", "par mois"), else the text's, else the magnitude: 10 000 or more is annual,
500 to 9 999 is monthly. "à partir de" / "dès" / "minimum" give only ``min``, "jusqu'à" /
"maximum" only ``max``. A monthly figure is × 12, rounded to the euro.

Net salaries: a clause that says "net" (and not "brut") is net; a figure that says neither
is taken as gross. A clause that says both ("2 500 € net / 3 200 € brut mensuel", "Net :
2 500 € / Brut : 3 200 €", "2 500 € net et 3 200 € brut par mois") is first cut between its
net and its gross figures (at the separator between the two qualifiers:
:func:`_net_gross_parts`), so each figure keeps its own kind. Net figures never fill
``min``/``max``: they go to ``Salary.net``
(``{"net_min", "net_max", "period"}``, as published; annualized with ``"period":
"annual"`` when the net ranges mix periods), which the record keeps as ``salary_net``.

A minus glued to a figure with no figure before it ("-3000 €", "Salaire : -3 000 €") is a
sign, not a range dash: a negative amount gives ``None`` and ``"salary: negative amount in
…"``, never the positive figure. Runs of more than 15 digits are no figure
(:func:`normalize.text.bound_digit_runs`: they also made the figure patterns quadratic).

``None`` without a warning for what says there is no amount ("Non renseignée", "Selon
grille indiciaire + RIFSEEP", a percentage); ``None`` with a warning (``"salary: …"``) for a
text whose figures cannot be read, an hourly or daily amount (a "TJM" too), a range whose
highest figure is more than 4 times its lowest (they were not one range), or a gross annual
figure outside 5 000–500 000 €.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from normalize.text import bound_digit_runs, clean_text, fold

Period = Literal["annual", "monthly"]

#: plausible gross annual salaries of the public service (outside: a misread, with a warning)
ANNUAL_RANGE = (5_000, 500_000)
#: the magnitude rule for a figure without a period
ANNUAL_FROM = 10_000
MONTHLY_FROM = 500
#: the highest figure of one range is at most this many times its lowest: beyond, the
#: figures were not one range (a monthly and an annual amount read together) — None, a warning
MAX_SPREAD = 4
#: a figure with more digits is no amount ("111 111 111 111 111 €" is not 1.1e14 euros)
_MAX_AMOUNT_DIGITS = 12


@dataclass(frozen=True)
class Salary:
    """Gross annual euros (``min``/``max``) and, apart, the net figures seen (``net``)."""

    min: int | None = None
    max: int | None = None
    net: dict[str, Any] | None = None


@dataclass(frozen=True)  # shared by every posting with the same salary text (_read_text)
class _Range:
    low: float | None
    high: float | None
    period: Period | None
    net: bool


_NON_DIGIT = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
_PERCENT = re.compile(r"\d+(?:[.,]\d+)?\s*%")
#: clause boundaries: ";", brackets, "soit", and a comma followed by a space (a decimal comma never is):
#: "28 000 € – 35 000 € brut annuel, 2 100 € net mensuel" is two clauses, each with its own period
_CLAUSE_SPLIT = re.compile(r"[;()\[\]]|,\s|\bsoit\b")
_AMOUNT = re.compile(
    r"(?<![\w.,])(\d{1,3}(?:[ .'’]\d{3})+|\d+)(?:,(\d{1,2})|\.(\d{1,2}))?(?![\d])"
    r"\s*(k\s*€|k(?:eur|euros?)?\b|€|eur(?:os?)?\b)?"
)
_RANGE_CONNECTOR = re.compile(r"^\s*(?:€|eur(?:os?)?)?\s*(?:brute?s?|net(?:te)?s?)?\s*(?:-|–|—|a|et|au|jusqu'a|/)\s*$")
_CURRENCY = re.compile(r"€|\beur(?:os?)?\b|\bk€")
_SALARY_WORD = re.compile(r"\b(?:brute?s?|net(?:te)?s?|annuel\w*|mensuel\w*|salaires?|remuneration|traitement)\b")
#: "net", "nets", "nette(s)" ("rémunération nette"); "brut", "bruts", "brute(s)"
_NET = re.compile(r"\bnet(?:te)?s?\b")
_GROSS = re.compile(r"\bbrute?s?\b")
#: a net or gross word, to tell which figures of a clause holding both are which
_QUALIFIER = re.compile(r"\b(?:(net(?:te)?s?)|brute?s?)\b")
#: what may stand between a qualifier written first and its figure: "Net : 2 500 €",
#: "brut mensuel de 3 200 €"
_QUALIFIER_BEFORE = re.compile(r"\s*(?:(?:mensuel|annuel)\w*\s*)?(?::|de)?\s*\d")
#: what separates two amounts: a dash, a slash, "et", "ou", "+"
_SEPARATOR = re.compile(r"[/|+\-–—]|\b(?:et|ou)\b")
#: a minus glued to a figure; a sign (not a range dash) when no figure comes before it
_MINUS = re.compile(r"[-−](?=\d)")
_ANNUAL = re.compile(r"annuel|(?:/|\bpar)\s*an(?:nee)?\b|\byear|\bk€?\s*/?\s*an\b")
_MONTHLY = re.compile(r"mensuel|(?:/|\bpar)\s*mois\b|(?:€|\bbrute?s?|\bnet(?:te)?s?)\s+mois\b|\bmonth")
_HOURLY_DAILY = re.compile(
    r"horaire|(?:/|\bpar|\bde l')\s*(?:heure|jour)\b|/\s*h\b|\bhour|journalier|\bdaily|\btjm\b"
)
_FROM = re.compile(r"(?:a partir|des|minimum|au moins|plancher|min\.?)\s*(?:de|d')?\s*:?\s*$")
_UP_TO = re.compile(r"(?:jusqu'a|maximum|au plus|plafond|max\.?)\s*(?:de)?\s*:?\s*$")
#: texts that say there is no amount: None without a warning
_SILENT = re.compile(
    r"non (?:renseigne|communique|precise|defini)|selon|grille|statutaire|indiciaire|rifseep|negoci"
    r"|smic|^(?:-+|n/?a|nc|neant|aucune?)$"
)


def _number(whole: str, decimals: str | None) -> float | None:
    """The value of a figure; ``None`` for one too long to be an amount."""
    digits = whole if whole.isdigit() else _NON_DIGIT.sub("", whole)
    if len(digits.lstrip("0")) > _MAX_AMOUNT_DIGITS:
        return None
    return float(f"{digits}.{decimals}") if decimals else float(digits)


def _amounts(clause: str, *, bare_ok: bool) -> list[tuple[float, str]]:
    """``(value, text before it)`` for the amounts of one folded clause (see module doc)."""
    found = [(m, _number(m.group(1), m.group(2) or m.group(3)), m.group(4)) for m in _AMOUNT.finditer(clause)]
    out: list[tuple[float, str]] = []
    for i, (match, value, unit) in enumerate(found):
        if value is None:
            continue
        if not unit and not bare_ok:
            nxt = found[i + 1] if i + 1 < len(found) else None
            between = clause[match.end():nxt[0].start()] if nxt else ""
            if not (nxt and nxt[2] and _RANGE_CONNECTOR.match(between)):
                continue
            unit = nxt[2]  # "45 - 55 k€": the range's unit applies to both ends
        if unit and unit.startswith("k"):
            value *= 1000
        if value < MONTHLY_FROM / 5:  # "13e mois", "2 jours": not an amount
            continue
        before = clause[max(0, match.start() - 20):match.start()]
        out.append((value, before))
    return out


def _period_of(text: str) -> Period | Literal["other"] | None:
    if _HOURLY_DAILY.search(text):
        return "other"
    if _MONTHLY.search(text):
        return "monthly"
    if _ANNUAL.search(text):
        return "annual"
    return None


def _net_gross_parts(clause: str) -> list[str]:
    """A clause cut so that no part holds both a net and a gross figure.

    "2 500 € net / 3 200 € brut mensuel", "Net : 2 500 € / Brut : 3 200 €", "2 500 € net et
    3 200 € brut par mois": one clause, two kinds of figure. Between two consecutive
    qualifiers of different kinds the clause is cut at a separator: when the first
    qualifier is written before its figure ("Net : 2 500 €"), at the last separator before
    the second qualifier; when it follows its figure ("2 500 € net mensuel"), at the first
    separator after it (a period word right after it stays with it); without a separator,
    right before (resp. after) the qualifier. A clause with one kind only is left whole.
    """
    if not (_NET.search(clause) and _GROSS.search(clause)):
        return [clause]
    qualifiers = list(_QUALIFIER.finditer(clause))
    cuts: list[int] = []
    for first, second in zip(qualifiers, qualifiers[1:]):
        if (first.group(1) is None) == (second.group(1) is None):
            continue  # same kind: "brut ... bruts"
        gap_start, gap_end = first.end(), second.start()
        separators = list(_SEPARATOR.finditer(clause, gap_start, gap_end))
        if _QUALIFIER_BEFORE.match(clause, first.end()):
            cut = separators[-1].start() if separators else second.start()
        else:
            cut = separators[0].start() if separators else first.end()
        if not cuts or cut > cuts[-1]:
            cuts.append(cut)
    bounds = [0, *cuts, len(clause)]
    return [clause[a:b] for a, b in zip(bounds, bounds[1:])]


def _signed_negative(clause: str) -> bool:
    """True when a figure of the clause carries a minus sign ("-3000 €", "Salaire : -3 000 €").

    A minus counts as a sign when it is glued to the figure, written U+2212 or after
    nothing but words (no figure before it: else it is a range dash, "45 000 -55 000 €").
    """
    for match in _MINUS.finditer(clause):
        start = match.start()
        if match.group() == "−":
            return True
        if (start == 0 or not clause[start - 1].isalnum()) and not _DIGIT.search(clause, 0, start):
            return True
    return False


def _by_magnitude(value: float) -> Period | None:
    if value >= ANNUAL_FROM:
        return "annual"
    if value >= MONTHLY_FROM:
        return "monthly"
    return None


def _text_ranges(text: str, warnings: list[str]) -> list[_Range]:
    """The ranges of a salary text (see the module doc); its warnings go to ``warnings``."""
    ranges, found = _read_text(text)
    warnings.extend(found)
    return list(ranges)


@lru_cache(maxsize=4096)
def _read_text(text: str) -> tuple[tuple[_Range, ...], tuple[str, ...]]:
    """``(ranges, warnings)`` of a salary text, cached: a source repeats its salary texts
    ("Non renseignée", its grids and usual ranges), and reading one takes some twenty
    pattern searches."""
    warnings: list[str] = []
    ranges = _parse_text(text, warnings)
    return tuple(ranges), tuple(warnings)


def _parse_text(text: str, warnings: list[str]) -> list[_Range]:
    cleaned = clean_text(text)
    if not cleaned:
        return []
    folded = fold(bound_digit_runs(cleaned))
    plain = _AMOUNT.fullmatch(folded)
    if plain and not plain.group(4):
        # a bare number and nothing else: schema.org allows a Number as ``baseSalary`` (the
        # jobposting page hands it on as text, "45000"). Assumed a yearly gross amount
        # (CATALOGUE.md's unit); implausible as that (under 5 000 €: a monthly figure? an
        # index?), it is left out with a warning, never multiplied on a guess
        value = _number(plain.group(1), plain.group(2) or plain.group(3))
        if value is not None:
            return [_Range(value, value, "annual", net=False)]
    without_percent = _PERCENT.sub(" ", folded)
    if not _DIGIT.search(without_percent):
        if not _SILENT.search(folded) and without_percent == folded:
            warnings.append(f"salary: unknown salary format {cleaned[:80]!r}")
        return []
    text_period = _period_of(without_percent)
    text_net = bool(_NET.search(without_percent)) and not _GROSS.search(without_percent)
    bare_ok = not _CURRENCY.search(without_percent) and bool(_SALARY_WORD.search(without_percent))
    ranges: list[_Range] = []
    clauses = [part for clause in _CLAUSE_SPLIT.split(without_percent) for part in _net_gross_parts(clause)]
    if any(_signed_negative(clause) for clause in clauses):
        warnings.append(f"salary: negative amount in {cleaned[:80]!r}")
        return []
    for clause in clauses:
        period = _period_of(clause) or text_period
        if period == "other":
            if _AMOUNT.search(clause):
                warnings.append(f"salary: hourly or daily amount not converted {cleaned[:80]!r}")
                return []
            continue
        amounts = _amounts(clause, bare_ok=bare_ok)
        if not amounts:
            continue
        if _NET.search(clause):
            net = not _GROSS.search(clause)
        else:
            net = False if _GROSS.search(clause) else text_net
        values = [v for v, _ in amounts]
        low, high = min(values), max(values)
        if len(values) == 1:
            before = amounts[0][1]
            if _FROM.search(before):
                high = None
            elif _UP_TO.search(before):
                low = None
        ranges.append(_Range(low, high, period or _by_magnitude(max(values)), net))
    if not ranges and not _SILENT.search(folded):
        warnings.append(f"salary: no euro amount in {cleaned[:80]!r}")
    return ranges


def _to_float(value: object) -> float | None:
    """A number of a structured salary; ``None`` when none, or not a finite amount (see
    :func:`_not_finite`)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        try:
            number = float(value)
        except OverflowError:  # an int beyond a float
            return None
        return number if math.isfinite(number) and abs(number) < 10 ** _MAX_AMOUNT_DIGITS else None
    if isinstance(value, str):
        text = fold(bound_digit_runs(clean_text(value) or ""))
        match = _AMOUNT.search(text)
        if match:
            number = _number(match.group(1), match.group(2) or match.group(3))
            if number is not None and _signed_negative(text):
                return -number
            return number
    return None


def _shown(number: float) -> str:
    """A number for a warning (``str`` refuses integers of more than 4300 digits)."""
    if isinstance(number, int) and number.bit_length() > 128:
        return f"an integer of {number.bit_length()} bits"
    return str(number)[:40]


def _plain_number_range(value: float, sink: list[str]) -> list[_Range]:
    """A salary given as a bare number (schema.org ``baseSalary`` may be a Number): a
    yearly gross amount (see :func:`_text_ranges`)."""
    number = _to_float(value)
    if number is None:
        sink.append(f"salary: not an amount {_shown(value)!r}")
        return []
    return [_Range(number, number, "annual", net=False)]


def _not_finite(value: object) -> bool:
    """A number that is no amount: infinite, NaN, or beyond any salary (1e300)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return _to_float(value) is None


_UNITS: dict[str, Period | Literal["other"]] = {
    "year": "annual", "annual": "annual", "yearly": "annual", "annuel": "annual", "an": "annual",
    "month": "monthly", "monthly": "monthly", "mensuel": "monthly", "mois": "monthly",
    "hour": "other", "day": "other", "week": "other", "hourly": "other", "daily": "other", "weekly": "other",
}


def _dict_range(value: dict[str, Any], warnings: list[str]) -> list[_Range]:
    """schema.org MonetaryAmount / QuantitativeValue, or the API's {"min", "max", "period"}."""
    if "period" in value or "min" in value or "max" in value:
        low, high, unit = _to_float(value.get("min")), _to_float(value.get("max")), value.get("period")
    else:
        currency = clean_text(value.get("currency"))
        if currency and currency.upper() not in ("EUR", "€", "EURO", "EUROS"):
            warnings.append(f"salary: currency {currency!r} is not euros")
            return []
        inner = value.get("value") if "value" in value else value
        unit = value.get("unitText")
        if isinstance(inner, dict):
            unit = inner.get("unitText") or unit
            low, high = _to_float(inner.get("minValue")), _to_float(inner.get("maxValue"))
            if low is None and high is None:
                low = high = _to_float(inner.get("value"))
        else:
            low = high = _to_float(inner)
    given = [value.get(k) for k in ("min", "max", "value", "minValue", "maxValue")]
    if isinstance(value.get("value"), dict):
        given += [value["value"].get(k) for k in ("minValue", "maxValue", "value")]
    bad = next((v for v in given if _not_finite(v)), None)
    if bad is not None:  # Infinity, NaN, 1e300: not read, and said
        warnings.append(f"salary: not an amount {_shown(bad)!r}")
        return []
    if low is None and high is None:
        return []
    period = _UNITS.get(fold(clean_text(unit) or "")) if unit else None
    if period == "other":
        warnings.append(f"salary: {clean_text(unit)} amount not converted")
        return []
    if period is None:
        period = _by_magnitude(max(v for v in (low, high) if v is not None))
    return [_Range(low, high, period, net=False)]


def _annual(value: float | None, period: Period | None) -> int | None:
    if value is None or period is None:
        return None
    return round(value * (12 if period == "monthly" else 1))


def _net_summary(ranges: list[_Range]) -> dict[str, Any] | None:
    if not ranges:
        return None
    periods = {r.period for r in ranges}
    if len(periods) == 1 and None not in periods:
        lows = [r.low for r in ranges if r.low is not None]
        highs = [r.high for r in ranges if r.high is not None]
        low, high = min(lows, default=None), max(highs, default=None)
        return {"net_min": None if low is None else round(low), "net_max": None if high is None else round(high),
                "period": periods.pop()}
    lows = [a for r in ranges if (a := _annual(r.low, r.period)) is not None]
    highs = [a for r in ranges if (a := _annual(r.high, r.period)) is not None]
    return {"net_min": min(lows, default=None), "net_max": max(highs, default=None), "period": "annual"}


def _warn(sink: list[str], message: str) -> None:
    if message not in sink:
        sink.append(message)


def parse_salary(value: object, *, warnings: list[str] | None = None) -> Salary:
    """Gross annual ``min``/``max`` and the net figures of a raw salary (see module doc)."""
    sink: list[str] = [] if warnings is None else warnings
    items = value if isinstance(value, (list, tuple)) else [value]
    ranges: list[_Range] = []
    for item in items:
        if isinstance(item, dict):
            ranges += _dict_range(item, sink)
        elif isinstance(item, str):
            ranges += _text_ranges(item, sink)
        elif isinstance(item, (int, float)) and not isinstance(item, bool):
            ranges += _plain_number_range(item, sink)
    lows: list[int] = []
    highs: list[int] = []
    for r in ranges:
        if r.net or r.period is None:
            continue
        if r.low is not None and r.high is not None and r.high > MAX_SPREAD * r.low:
            _warn(sink, f"salary: amounts too far apart to be one range ({r.low:g} to {r.high:g})")
            continue
        for bound, out in ((r.low, lows), (r.high, highs)):
            annual = _annual(bound, r.period)
            if annual is None:
                continue
            if ANNUAL_RANGE[0] <= annual <= ANNUAL_RANGE[1]:
                out.append(annual)
            else:
                _warn(sink, f"salary: implausible gross annual amount {annual}")
    low, high = min(lows, default=None), max(highs, default=None)
    if low is not None and high is not None and low > high:
        low, high = high, low
    return Salary(low, high, _net_summary([r for r in ranges if r.net]))
