"""normalize.salary.parse_salary: salary wordings → gross annual euros, net kept apart."""

from __future__ import annotations

from pathlib import Path

import pytest

from normalize.salary import Salary, parse_salary

NNBSP, NBSP = "\u202f", "\u00a0"

CASES = [
    # annual texts
    ("45 000 € - 55 000 € brut annuel", 45000, 55000),
    ("45 000 € – 55 000 € bruts annuels", 45000, 55000),
    (f"42{NNBSP}000{NBSP}€ – 55{NNBSP}000{NBSP}€ bruts annuels", 42000, 55000),
    (f"Entre 48{NBSP}000{NBSP}€ et 62{NBSP}000{NBSP}€ brut annuel, selon expérience", 48000, 62000),
    ("Entre 48&nbsp;000&nbsp;€ et 62&nbsp;000&nbsp;€ brut annuel", 48000, 62000),
    ("Entre 45 000 € et 58 000 € brut annuel (grille indiciaire et primes)", 45000, 58000),
    ("De 40 000 € à 52 000 € bruts annuels selon diplôme et expérience", 40000, 52000),
    ("45.000 € - 55.000 €", 45000, 55000),
    ("45'000 € à 55'000 €", 45000, 55000),
    ("45000 - 55000 brut annuel", 45000, 55000),
    ("45 000 euros bruts par an", 45000, 45000),
    # k€
    ("à partir de 42k€", 42000, None),
    ("A partir de 42 K€ brut annuel", 42000, None),
    ("42 k€", 42000, 42000),
    ("Entre 45 et 55 k€", 45000, 55000),
    ("45-55k€", 45000, 55000),
    ("42,5 k€", 42500, 42500),
    ("jusqu'à 50 000 €", None, 50000),
    # monthly texts (× 12)
    ("entre 3 200 et 3 800 € bruts mensuels", 38400, 45600),
    ("Entre 3 200 € et 4 200 € brut mensuel", 38400, 50400),
    ("Entre 2 250 € et 2 950 € brut mensuel selon échelon", 27000, 35400),
    ("Entre 3 000 € et 3 900 € brut mensuel + régime indemnitaire", 36000, 46800),
    ("3.200 € brut/mois", 38400, 38400),
    ("2 500,50 € brut par mois", 30006, 30006),
    ("3 000 €", 36000, 36000),                      # no period: the magnitude says monthly
    ("Rémunération brute : 2 000 € par mois", 24000, 24000),
    ("Rémunérations brutes : 3 000 € à 3 500 € mensuels", 36000, 42000),
    ("2 000 € à 2 500 €, brut mensuel", 24000, 30000),  # the period after a comma still counts
    ("1 766,92 € brut mensuel", 21203, 21203),          # a decimal comma is no clause boundary
    ("Indice majoré 390, soit 1 850 € brut mensuel", 22200, 22200),
    # no gross amount
    ("selon grille", None, None),
    ("Selon grille indiciaire + RIFSEEP", None, None),
    ("Selon grille indiciaire des ingénieurs hospitaliers, majorée de 40 % (indemnité de vie chère)", None, None),
    ("Non renseignée", None, None),
    ("100 % du traitement indiciaire", None, None),
    ("80 %", None, None),
    ("", None, None),
    (None, None, None),
    # JSON-LD baseSalary (MonetaryAmount)
    ({"@type": "MonetaryAmount", "currency": "EUR", "value": {"@type": "QuantitativeValue", "minValue": 42000,
                                                              "maxValue": 56000, "unitText": "YEAR"}}, 42000, 56000),
    ({"@type": "MonetaryAmount", "currency": "EUR", "value": {"@type": "QuantitativeValue", "minValue": 3300,
                                                              "maxValue": 4000, "unitText": "MONTH"}}, 39600, 48000),
    ({"@type": "MonetaryAmount", "currency": "EUR", "value": {"value": 45000, "unitText": "YEAR"}}, 45000, 45000),
    ({"@type": "MonetaryAmount", "currency": "EUR", "value": 3500, "unitText": "MONTH"}, 42000, 42000),
    ({"@type": "MonetaryAmount", "currency": "EUR", "value": {"minValue": "40 000", "maxValue": "50000"}}, 40000, 50000),
    ({"@type": "QuantitativeValue", "minValue": 40000, "maxValue": 50000, "unitText": "YEAR"}, 40000, 50000),
    # a bare number (schema.org allows a Number as baseSalary): a gross annual amount
    (45000, 45000, 45000),
    (45000.0, 45000, 45000),
    ("45000", 45000, 45000),               # as the jobposting page hands it on
    ("45 000", 45000, 45000),
    ("45000.0", 45000, 45000),
    ([42000, "Entre 45 000 € et 58 000 € brut annuel"], 42000, 58000),
    # a minus with a figure before it is a range dash, not a sign
    ("45 000 € -55 000 €", 45000, 55000),
    ("- 3 000 € brut mensuel", 36000, 36000),   # a list dash, apart from the figure
    # the API's shape
    ({"min": 42000, "max": 56000, "period": "annual"}, 42000, 56000),
    ({"min": 2900, "max": 3600, "period": "monthly"}, 34800, 43200),
    ({"min": 2250, "max": None, "period": "monthly"}, 27000, None),
    ({"min": None, "max": None, "period": "annual"}, None, None),
    # pep's two ranges: the lowest and the highest gross annual figure
    (["Entre 48 000 € et 62 000 € brut annuel, selon expérience",
      "Entre 45 000 € et 58 000 € brut annuel (grille indiciaire et primes)"], 45000, 62000),
    (["Non renseignée", "Entre 2 250 € et 2 950 € brut mensuel selon échelon"], 27000, 35400),
    (["De 40 000 € à 52 000 € bruts annuels selon diplôme et expérience", "Non renseignée"], 40000, 52000),
    (["Entre 3 200 € et 4 200 € brut mensuel", "Entre 45 000 € et 48 000 € brut annuel"], 38400, 50400),
    (["Non renseignée", "Non renseignée"], None, None),
    ([], None, None),
]


@pytest.mark.parametrize(("value", "low", "high"), CASES)
def test_parse_salary(value: object, low: int | None, high: int | None) -> None:
    warnings: list[str] = []
    salary = parse_salary(value, warnings=warnings)
    assert (salary.min, salary.max) == (low, high)
    assert salary.net is None
    assert warnings == []


NET = [
    ("Rémunération : 2 500 € net/mois", {"net_min": 2500, "net_max": 2500, "period": "monthly"}, (None, None)),
    ("Entre 2 000 et 2 400 € nets mensuels", {"net_min": 2000, "net_max": 2400, "period": "monthly"}, (None, None)),
    ("30 000 € net annuel", {"net_min": 30000, "net_max": 30000, "period": "annual"}, (None, None)),
    ("2 500 € net/mois (soit 3 200 € brut)", {"net_min": 2500, "net_max": 2500, "period": "monthly"}, (38400, 38400)),
    (["2 000 € net mensuel", "30 000 € net annuel"], {"net_min": 24000, "net_max": 30000, "period": "annual"},
     (None, None)),
    # feminine forms: "rémunération nette" is net, "rémunération brute" gross
    ("Rémunération nette : 2 000 € par mois", {"net_min": 2000, "net_max": 2000, "period": "monthly"}, (None, None)),
    # a gross annual range and a net monthly figure in one sentence: each clause keeps its own period
    ("28 000 € – 35 000 € brut annuel, 2 100 € net mensuel", {"net_min": 2100, "net_max": 2100, "period": "monthly"},
     (28000, 35000)),
    ("Rémunération nette mensuelle 2100 €, brute annuelle 32 000 €",
     {"net_min": 2100, "net_max": 2100, "period": "monthly"}, (32000, 32000)),
    # a net and a gross figure in one clause: each keeps its own kind
    ("2 500 € net / 3 200 € brut mensuel", {"net_min": 2500, "net_max": 2500, "period": "monthly"}, (38400, 38400)),
    ("2 500 € net et 3 200 € brut par mois", {"net_min": 2500, "net_max": 2500, "period": "monthly"},
     (38400, 38400)),
    ("2 500 € net mensuel - 3 200 € brut mensuel", {"net_min": 2500, "net_max": 2500, "period": "monthly"},
     (38400, 38400)),
    ("Net : 2 500 € / Brut : 3 200 €", {"net_min": 2500, "net_max": 2500, "period": "monthly"}, (38400, 38400)),
    ("3 200 € brut / 2 500 € net", {"net_min": 2500, "net_max": 2500, "period": "monthly"}, (38400, 38400)),
    ("brut 3 200 € net 2 500 €", {"net_min": 2500, "net_max": 2500, "period": "monthly"}, (38400, 38400)),
    ("Net : 2 500 € - 2 800 € / Brut : 3 200 € - 3 500 €", {"net_min": 2500, "net_max": 2800, "period": "monthly"},
     (38400, 42000)),
    ("2 000 - 2 500 € net / 3 000 - 3 500 € brut", {"net_min": 2000, "net_max": 2500, "period": "monthly"},
     (36000, 42000)),
    ("2 500 € net mensuel - 38 400 € brut annuel", {"net_min": 2500, "net_max": 2500, "period": "monthly"},
     (38400, 38400)),
]


@pytest.mark.parametrize(("value", "net", "gross"), NET)
def test_net_figures_kept_apart(value: object, net: dict, gross: tuple[int | None, int | None]) -> None:
    salary = parse_salary(value)
    assert (salary.min, salary.max) == gross
    assert salary.net == net


@pytest.mark.parametrize(("value", "warning"), [
    ("Attractive", "salary: unknown salary format 'Attractive'"),
    ("15 € brut de l'heure", "salary: hourly or daily amount not converted \"15 € brut de l'heure\""),
    ({"currency": "EUR", "value": {"value": 25, "unitText": "HOUR"}}, "salary: HOUR amount not converted"),
    ({"currency": "EUR", "value": {"value": 180, "unitText": "DAY"}}, "salary: DAY amount not converted"),
    ({"currency": "USD", "value": 50000}, "salary: currency 'USD' is not euros"),
    ("Indice majoré 390", "salary: no euro amount in 'Indice majoré 390'"),
    ("2 000 000 € brut annuel", "salary: implausible gross annual amount 2000000"),
    ("TJM 600 €", "salary: hourly or daily amount not converted 'TJM 600 €'"),
    ("2 000 € - 35 000 €", "salary: amounts too far apart to be one range (2000 to 35000)"),
    # a negative amount is never read as a positive salary
    ("-3000 €", "salary: negative amount in '-3000 €'"),
    ("Salaire : -3 000 € brut", "salary: negative amount in 'Salaire : -3 000 € brut'"),
    ("\u22123000 €", "salary: negative amount in '\u22123000 €'"),
    ({"min": "-3000 €", "period": "monthly"}, "salary: implausible gross annual amount -36000"),
    # numbers that are no amount: never an OverflowError
    ({"value": float("inf")}, "salary: not an amount 'inf'"),
    ({"currency": "EUR", "value": {"value": float("nan")}}, "salary: not an amount 'nan'"),
    ({"value": 10 ** 400}, "salary: not an amount 'an integer of 1329 bits'"),
    ({"minValue": float("inf"), "maxValue": 50000}, "salary: not an amount 'inf'"),   # not half read
    ({"min": 1e300, "max": 50000, "period": "annual"}, "salary: not an amount '1e+300'"),
    (float("inf"), "salary: not an amount 'inf'"),
    pytest.param(10 ** 5000, "salary: not an amount 'an integer of 16610 bits'", id="int-of-5000-digits"),
    ("111 111 111 111 111 111 €", "salary: no euro amount in '111 111 111 111 111 111 €'"),
    # a bare number is taken as annual: too small for that, left out
    (3000, "salary: implausible gross annual amount 3000"),
    ("3000", "salary: implausible gross annual amount 3000"),
])
def test_unreadable_salary_warns(value: object, warning: str) -> None:
    warnings: list[str] = []
    salary = parse_salary(value, warnings=warnings)
    assert salary == Salary()
    assert warnings == [warning]  # once, even when both ends of a range are wrong


@pytest.mark.parametrize("text", ["1" * 20_000, "1 " * 10_000 + "€", "111 " * 5_000 + "€", "1,1" * 6_000 + "%",
                                  "2 500 € net / " * 1_500])
def test_long_texts_are_read_in_bounded_time(text: str) -> None:
    """20,000 digits took 15 s (quadratic figure patterns): one field must never stall a crawl."""
    import time

    start = time.perf_counter()
    salary = parse_salary(text, warnings=[])
    assert time.perf_counter() - start < 1.0
    assert isinstance(salary, Salary)


def test_odd_types_never_raise() -> None:
    for value in (True, 3.5, {"value": None}, {"min": "n/a"}, [None, {}], object()):
        assert isinstance(parse_salary(value), Salary)


def test_every_pep_sample_salary_cell(samples_dir: Path) -> None:
    """The real wordings of the pep samples' "Rémunération" cells are all read without warnings."""
    from lxml import html as lxml_html

    pages = sorted((samples_dir / "pep" / "samples" / "offre-emploi").glob("*/index.html"))
    assert pages
    seen = 0
    for page in pages:
        tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
        for cell in tree.cssselect('[data-module="salary"]'):
            ranges = [" ".join(r.text_content().split()) for r in cell.cssselect("span.offer-result")]
            warnings: list[str] = []
            salary = parse_salary(ranges, warnings=warnings)
            assert warnings == [], (page.parent.name, ranges)
            assert salary.net is None
            seen += 1
    assert seen == 7  # D2 has no salary cell
