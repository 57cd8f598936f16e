"""normalize.contracts: contract, category and public service vocabularies (table-driven)."""

from __future__ import annotations

import pytest

from normalize.contracts import parse_category, parse_contract, parse_public_service

CONTRACTS = [
    # pep "Nature de l'emploi"
    ("Emploi ouvert aux titulaires et aux contractuels", "titulaire_ou_contractuel"),
    ("Emploi ouvert uniquement aux titulaires", "titulaire"),
    ("Emploi ouvert uniquement aux contractuels", "contractuel"),
    ("Emploi ouvert aux contractuels", "contractuel"),
    ("Emploi réservé aux fonctionnaires", "titulaire"),
    # feed / api / jobposting French labels
    ("Titulaire ou contractuel", "titulaire_ou_contractuel"),
    ("Fonctionnaire ou contractuel", "titulaire_ou_contractuel"),
    ("Fonctionnaire / Contractuel", "titulaire_ou_contractuel"),
    ("Poste ouvert aux fonctionnaires (mutation, détachement) et aux contractuels", "titulaire_ou_contractuel"),
    ("Titulaire", "titulaire"),
    ("TITULAIRE", "titulaire"),
    ("Fonctionnaire", "titulaire"),
    ("Mutation / détachement", "titulaire"),
    ("Contractuel", "contractuel"),
    ("Contractuelle", "contractuel"),
    ("CDD de 3 ans", "contractuel"),
    ("Contractuel (CDD de 3 ans)", "contractuel"),
    ("CDI", "contractuel"),
    ("Contrat de projet", "contractuel"),
    ("Agent non titulaire", "contractuel"),
    ("Vacataire", "contractuel"),
    ("Apprentissage", "apprentissage"),
    ("Contrat d'apprentissage", "apprentissage"),
    ("Alternance", "apprentissage"),
    ("Stage", "stage"),
    ("Stagiaire", "stage"),
    # schema.org employmentType
    ("CONTRACTOR", "contractuel"),
    ("TEMPORARY", "contractuel"),
    ("INTERN", "stage"),
    ("FULL_TIME", None),
    ("PART_TIME", None),
    (["FULL_TIME", "TEMPORARY"], "contractuel"),
    (["FULL_TIME"], None),
    (["FULL_TIME", "INTERN"], "stage"),
    (["CONTRACTOR", "Titulaire"], "titulaire_ou_contractuel"),
    ("FULL_TIME+TEMPORARY", "contractuel"),
    ("FULL_TIME, TEMPORARY", "contractuel"),
    # whitespace, entities
    ("  Emploi ouvert aux titulaires et\u00a0aux contractuels ", "titulaire_ou_contractuel"),
    ("Contractuel (CDD&nbsp;de 3&nbsp;ans)", "contractuel"),
    ("Temps complet", None),
    (None, None),
    ("", None),
    ([], None),
    # "titulaire de …" as the holder of a licence or a diploma says nothing of the status
    ("Titulaire d'un diplôme bac+3, CDD", "contractuel"),
    ("Titulaire du grade d'ingénieur ou contractuel", "titulaire_ou_contractuel"),
]


@pytest.mark.parametrize(("value", "expected"), CONTRACTS)
def test_parse_contract(value: object, expected: str | None) -> None:
    warnings: list[str] = []
    assert parse_contract(value, warnings=warnings) == expected  # type: ignore[arg-type]
    assert warnings == []


@pytest.mark.parametrize("value", ["Bénévole", ["Bénévole", "FULL_TIME"], "Service civique",
                                   "Titulaire du permis B", "Titulaire d'un master en informatique"])
def test_unknown_contract_warns(value: object) -> None:
    warnings: list[str] = []
    assert parse_contract(value, warnings=warnings) is None  # type: ignore[arg-type]
    assert len(warnings) == 1 and warnings[0].startswith("contract: unknown contract label")


def test_contract_warning_is_truncated() -> None:
    warnings: list[str] = []
    assert parse_contract("Bénévole " * 1200, warnings=warnings) is None
    assert warnings == [f"contract: unknown contract label {('Bénévole ' * 9)[:80]!r}"]


def test_contract_odd_types_never_raise() -> None:
    assert parse_contract({"type": "CDD"}) is None  # type: ignore[arg-type]
    assert parse_contract(42) is None  # type: ignore[arg-type]
    assert parse_contract([None, 3, "Contractuel"]) == "contractuel"  # type: ignore[list-item]


CATEGORIES = [
    ("Catégorie A (cadre)", "A"),
    ("Catégorie A+", "A+"),
    ("Catégorie A +", "A+"),
    ("Catégorie B (profession intermédiaire)", "B"),
    ("Catégorie C (employé et ouvrier)", "C"),
    ("A (ingénieur territorial)", "A"),
    ("A", "A"),
    ("a", "A"),
    ("B", "B"),
    ("C", "C"),
    ("A+", "A+"),
    ("Catégorie A", "A"),
    ("CATEGORIE B", "B"),
    ("Cat. C", "C"),
    ("Catégorie : A", "A"),
    ("Catégorie&nbsp;A", "A"),
    ("Hors catégorie", None),
    (None, None),
    ("", None),
    ("Catégorie A - cadre", "A"),       # "- c…" is a word, not a second category
    ("A / A", "A"),
    ("Catégories : A", "A"),            # a plural label
    ("Catégories A", "A"),
    # no category stated: None, no warning
    ("Non renseignée", None),
    ("Non renseigné", None),
    ("Non précisée", None),
    ("NC", None),
    ("Catégorie non renseignée", None),
    ("Catégorie : non précisée", None),
]


@pytest.mark.parametrize(("value", "expected"), CATEGORIES)
def test_parse_category(value: str | None, expected: str | None) -> None:
    warnings: list[str] = []
    assert parse_category(value, warnings=warnings) == expected
    assert warnings == []


@pytest.mark.parametrize("value", ["A ou B", "Catégorie A/B", "Catégorie B, C", "Catégorie A ou A+",
                                   "Catégories A et B", "Catégories : B ou C"])
def test_several_categories_are_none_with_a_warning(value: str) -> None:
    """An offer open to two categories was given the first: wrong for a reader filtering on the other."""
    warnings: list[str] = []
    assert parse_category(value, warnings=warnings) is None
    assert warnings == [f"category: several categories {value!r}"]


@pytest.mark.parametrize("value", ["D", "Attaché", "Agent"])
def test_unknown_category_warns(value: str) -> None:
    warnings: list[str] = []
    assert parse_category(value, warnings=warnings) is None
    assert warnings == [f"category: unknown category {value!r}"]


VERSANTS = [
    (("Fonction publique de l'État", None), "etat"),
    (("Fonction Publique de l'Etat", None), "etat"),
    (("Fonction Publique de l&#x27;Etat", None), "etat"),
    (("FPE", None), "etat"),
    (("Fonction publique Territoriale", None), "territoriale"),
    (("Fonction publique territoriale", None), "territoriale"),
    (("FPT", None), "territoriale"),
    (("Fonction publique Hospitalière", None), "hospitaliere"),
    (("FONCTION PUBLIQUE HOSPITALIERE", None), "hospitaliere"),
    (("FPH", None), "hospitaliere"),
    # a parent ministry named by the source: the State, whatever the text says
    ((None, "Services du Premier ministre"), "etat"),
    ((None, "Ministère de l'Éducation nationale"), "etat"),
    ((None, "Direction générale des Finances publiques (DGFiP)"), "etat"),
    (("Fonction publique Territoriale", "Ministère de l'Intérieur"), "etat"),
    # nothing stated
    ((None, None), None),
    ((None, "  "), None),
    (("", None), None),
]


@pytest.mark.parametrize(("args", "expected"), VERSANTS)
def test_parse_public_service(args: tuple[str | None, str | None], expected: str | None) -> None:
    warnings: list[str] = []
    assert parse_public_service(*args, warnings=warnings) == expected
    assert warnings == []


def test_unknown_public_service_warns() -> None:
    warnings: list[str] = []
    assert parse_public_service("Secteur privé", warnings=warnings) is None
    assert warnings == ["public_service: unknown public service 'Secteur privé'"]
