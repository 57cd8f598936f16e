"""normalize.remote.parse_remote: remote-work labels → aucun | partiel | total."""

from __future__ import annotations

import pytest

from normalize.remote import parse_remote

CASES = [
    ("Oui", "partiel"),
    ("oui", "partiel"),
    ("Oui, 2 jours par semaine", "partiel"),
    ("Jusqu'à 2 jours par semaine", "partiel"),
    ("Jusqu’à 3 jours par semaine après la période d’intégration", "partiel"),
    ("Possible (1 jour par semaine)", "partiel"),
    ("Télétravail partiel possible", "partiel"),
    ("Télétravail possible (2 jours par semaine)", "partiel"),
    ("Télétravail possible (1 jour par semaine)", "partiel"),
    ("2 jours par semaine", "partiel"),
    ("Télétravail", "partiel"),
    ("Hybride", "partiel"),
    ("100 % télétravail", "total"),
    ("100% télétravail", "total"),
    ("100\u00a0% télétravail", "total"),
    ("Télétravail total", "total"),
    ("Télétravail complet depuis la France", "total"),
    ("TELECOMMUTE", "total"),
    ("telecommute", "total"),
    ("Full remote", "total"),
    ("Non", "aucun"),
    ("NON", "aucun"),
    ("Pas de télétravail", "aucun"),
    ("Non, poste en présentiel", "aucun"),
    ("Télétravail non autorisé", "aucun"),
    ("Aucun", "aucun"),
    # the label written in front of the value: the value decides
    ("Télétravail possible : Oui", "partiel"),
    ("Télétravail possible : Non", "aucun"),
    ("Télétravail : non", "aucun"),
    ("Télétravail : 2 jours par semaine", "partiel"),
    ("Télétravail : télétravail total", "total"),
    ("Télétravail possible", "partiel"),
    ("Impossible", "aucun"),
    ("Télétravail impossible", "aucun"),
    # negations written with "pas"
    ("Ce poste n'est pas éligible au télétravail", "aucun"),
    ("Pas éligible au télétravail", "aucun"),
    ("Télétravail : pas possible", "aucun"),
    ("Télétravail non possible", "aucun"),
    # on site: none, unless the text also grants some remote work
    ("Poste en présentiel", "aucun"),
    ("Poste en présentiel 5 jours sur 5", "aucun"),
    ("Télétravail : présentiel", "aucun"),
    ("Présentiel 3 jours, télétravail 2 jours", "partiel"),
    ("En présentiel sur site, télétravail 2 jours possible", "partiel"),
    ("Télétravail : 2 jours par semaine après 6 mois de présentiel", "partiel"),
    # a bare "total" / "complet" is full remote, "temps complet" is working time
    ("Télétravail : complet", "total"),
    ("Oui, total", "total"),
    ("Temps complet", None),
    ("Temps partiel", None),
    ("A temps complet", None),
    ("FULL_TIME", None),
    ("Temps complet, télétravail 2 jours", "partiel"),
    (True, "partiel"),
    (False, "aucun"),
    (None, None),
    ("", None),
    ("  ", None),
    ("Non renseigné", None),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_parse_remote(value: object, expected: str | None) -> None:
    warnings: list[str] = []
    assert parse_remote(value, warnings=warnings) == expected
    assert warnings == []


def test_unknown_label_warns() -> None:
    warnings: list[str] = []
    assert parse_remote("Peut-être", warnings=warnings) is None
    assert warnings == ["remote: unknown remote label 'Peut-être'"]


@pytest.mark.parametrize("text", ["1" * 20_000, "1 " * 10_000 + "jours", "présentiel " + "2" * 20_000 + " jours"])
def test_long_texts_are_read_in_bounded_time(text: str) -> None:
    """20,000 digits took 7.6 s (a quadratic "\\d+ jours" pattern): one field must never stall a crawl."""
    import time

    start = time.perf_counter()
    parse_remote(text, warnings=[])
    assert time.perf_counter() - start < 1.0


def test_odd_types_never_raise() -> None:
    assert parse_remote(["Oui"]) is None
    assert parse_remote({"remote": "Oui"}) is None
