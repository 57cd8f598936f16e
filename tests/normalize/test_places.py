"""normalize.places: reference data, postal codes, regions, and place parsing (table-driven).

The sample-based tests read the raw place strings out of ../shared/sources sample pages
(the same selectors the page objects use) and check them against the EXPECTED.md tables.
"""

from __future__ import annotations

import csv
import doctest
import json
import re
from collections import Counter
from importlib import resources
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from expected_tables import record_rows, tables

import normalize.places as places
from crawlers.replica import data as replica
from normalize.places import (
    COMMUNES,
    DEPARTMENTS,
    REGIONS,
    Place,
    canonical_region,
    capitalize_commune,
    department_from_postcode,
    department_name,
    department_region,
    parse_place,
)

IDF = "Île-de-France"
ARA = "Auvergne-Rhône-Alpes"
PACA = "Provence-Alpes-Côte d'Azur"
OCC = "Occitanie"
NAQ = "Nouvelle-Aquitaine"


# --------------------------------------------------------------------------- reference data

def test_counts() -> None:
    assert len(DEPARTMENTS) == 101
    assert len(REGIONS) == len(set(REGIONS)) == 18
    assert {d.region for d in DEPARTMENTS.values()} == set(REGIONS)


@pytest.mark.parametrize(("region", "count"), [
    (ARA, 12), ("Bourgogne-Franche-Comté", 8), ("Bretagne", 4), ("Centre-Val de Loire", 6), ("Corse", 2),
    ("Grand Est", 10), ("Hauts-de-France", 5), (IDF, 8), ("Normandie", 5), (NAQ, 12), (OCC, 13),
    ("Pays de la Loire", 5), (PACA, 6), ("Guadeloupe", 1), ("Martinique", 1), ("Guyane", 1),
    ("La Réunion", 1), ("Mayotte", 1),
])
def test_departments_per_region(region: str, count: int) -> None:
    assert sum(d.region == region for d in DEPARTMENTS.values()) == count


def test_every_department_has_one_prefecture_and_communes_are_consistent() -> None:
    prefectures = Counter(c.department_code for c in COMMUNES if c.role == "prefecture")
    assert set(prefectures) == set(DEPARTMENTS) and set(prefectures.values()) == {1}
    assert {c.role for c in COMMUNES} == {"prefecture", "sous-prefecture", "commune"}
    assert len({(c.name, c.department_code) for c in COMMUNES}) == len(COMMUNES)
    for c in COMMUNES:  # each main postal code lies in the commune's own department
        assert department_from_postcode(c.postal_code) == c.department_code, c


def test_aliases_are_consistent() -> None:
    text = resources.files("normalize").joinpath("data", "place_aliases.csv").read_text("utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    names = {(c.name, c.department_code) for c in COMMUNES} | {(r["name"], r["department_code"]) for r in rows}
    for row in rows:
        assert department_from_postcode(row["postal_code"]) == row["department_code"], row
        communes = row["commune"].split("|") if row["commune"] else []
        assert all((c, row["department_code"]) in names for c in communes), row
        # a locality over several communes ("Courbevoie|Puteaux") has no one commune: city None
        target = None if len(communes) > 1 else row["commune"] or row["name"]
        assert parse_place(row["name"]) == Place(target, row["department_code"],
                                                 department_region(row["department_code"])), row


def test_enough_communes() -> None:
    # 101 prefectures, the ~230 sub-prefectures, and the ~470 communes over 20,000 inhabitants
    assert len(COMMUNES) > 600
    assert sum(c.role == "sous-prefecture" for c in COMMUNES) > 220


@pytest.mark.parametrize(("name", "code", "region", "role"), [
    ("Paris", "75", IDF, "prefecture"),
    ("Bourg-en-Bresse", "01", ARA, "prefecture"),
    ("Saint-Étienne", "42", ARA, "prefecture"),
    ("Valence", "26", ARA, "prefecture"),
    ("Ajaccio", "2A", "Corse", "prefecture"),
    ("Bastia", "2B", "Corse", "prefecture"),
    ("Pontoise", "95", IDF, "prefecture"),  # de jure chef-lieu (the prefecture's offices are in Cergy)
    ("Évry-Courcouronnes", "91", IDF, "prefecture"),
    ("Charleville-Mézières", "08", "Grand Est", "prefecture"),
    ("Basse-Terre", "971", "Guadeloupe", "prefecture"),
    ("Mamoudzou", "976", "Mayotte", "prefecture"),
    ("Saint-Denis", "974", "La Réunion", "prefecture"),
    ("Saint-Denis", "93", IDF, "sous-prefecture"),
    ("Saint-Pierre", "974", "La Réunion", "sous-prefecture"),
    ("Saint-Pierre", "972", "Martinique", "sous-prefecture"),
    ("Montreuil", "62", "Hauts-de-France", "sous-prefecture"),
    ("Montreuil", "93", IDF, "commune"),
    ("Vienne", "38", ARA, "sous-prefecture"),
    ("Cherbourg-en-Cotentin", "50", "Normandie", "sous-prefecture"),
    ("L'Haÿ-les-Roses", "94", IDF, "sous-prefecture"),
    ("Château-Chinon (Ville)", "58", "Bourgogne-Franche-Comté", "sous-prefecture"),
    ("Villeurbanne", "69", ARA, "commune"),
    ("Vandœuvre-lès-Nancy", "54", "Grand Est", "commune"),
    ("Malakoff", "92", IDF, "commune"),
    ("Les Abymes", "971", "Guadeloupe", "commune"),
    ("Schœlcher", "972", "Martinique", "commune"),
    ("Le Tampon", "974", "La Réunion", "commune"),
])
def test_sample_of_communes(name: str, code: str, region: str, role: str) -> None:
    commune = next(c for c in COMMUNES if c.name == name and c.department_code == code)
    assert commune.role == role
    assert department_region(commune.department_code) == region


@pytest.mark.parametrize(("code", "name", "region"), [
    ("01", "Ain", ARA), ("1", "Ain", ARA), ("2A", "Corse-du-Sud", "Corse"), ("2b", "Haute-Corse", "Corse"),
    ("13", "Bouches-du-Rhône", PACA), ("21", "Côte-d'Or", "Bourgogne-Franche-Comté"), ("69", "Rhône", ARA),
    ("90", "Territoire de Belfort", "Bourgogne-Franche-Comté"), ("93", "Seine-Saint-Denis", IDF),
    ("95", "Val-d'Oise", IDF), ("971", "Guadeloupe", "Guadeloupe"), ("974", "La Réunion", "La Réunion"),
    ("976", "Mayotte", "Mayotte"), ("20", None, None), ("975", None, None), ("00", None, None),
    ("96", None, None), ("", None, None), ("Paris", None, None),
])
def test_department_name_and_region(code: str, name: str | None, region: str | None) -> None:
    assert department_name(code) == name
    assert department_region(code) == region


# --------------------------------------------------------------------------- postal codes

@pytest.mark.parametrize(("postcode", "code"), [
    ("75007", "75"), ("75116", "75"), ("69003", "69"), ("13001", "13"), ("92240", "92"),
    ("01000", "01"), ("1000", "01"), ("08000", "08"), (" 35000 ", "35"), (59000, "59"),
    ("20000", "2A"), ("20090", "2A"), ("20137", "2A"), ("20188", "2A"), ("20303", "2A"),  # Ajaccio CEDEX
    ("20200", "2B"), ("20250", "2B"), ("20260", "2B"), ("20401", "2B"), ("20600", "2B"),
    ("97100", "971"), ("97139", "971"), ("97200", "972"), ("97300", "973"), ("97400", "974"),
    ("97410", "974"), ("97600", "976"), ("75095", "75"),  # a CEDEX code
    ("97133", None), ("97150", None), ("97500", None),  # Saint-Barthélemy, Saint-Martin, Saint-Pierre-et-M.
    ("98000", None), ("00000", None), ("7500", "07"), ("750077", None), ("ABCDE", None), ("", None),
    ("Paris (75)", None), ("2A004", "2A"), (None, None), (["75007"], None),
])
def test_department_from_postcode(postcode: object, code: str | None) -> None:
    assert department_from_postcode(postcode) == code  # type: ignore[arg-type]


# --------------------------------------------------------------------------- regions

@pytest.mark.parametrize(("name", "region"), [
    ("Auvergne-Rhône-Alpes", ARA), ("auvergne rhone alpes", ARA), ("Rhône-Alpes", ARA), ("rhone alpes", ARA),
    ("Auvergne", ARA), ("ARA", ARA), ("AURA", ARA), ("FR-ARA", ARA),
    ("Midi-Pyrénées", OCC), ("Languedoc-Roussillon", OCC), ("Languedoc-Roussillon-Midi-Pyrénées", OCC),
    ("Occitanie", OCC), ("Aquitaine", NAQ), ("Limousin", NAQ), ("Poitou-Charentes", NAQ),
    ("Nouvelle Aquitaine", NAQ), ("Alsace", "Grand Est"), ("Lorraine", "Grand Est"),
    ("Champagne-Ardenne", "Grand Est"), ("Grand-Est", "Grand Est"), ("Nord-Pas-de-Calais", "Hauts-de-France"),
    ("Picardie", "Hauts-de-France"), ("Hauts de France", "Hauts-de-France"),
    ("Basse-Normandie", "Normandie"), ("Haute-Normandie", "Normandie"), ("Bourgogne", "Bourgogne-Franche-Comté"),
    ("Franche-Comté", "Bourgogne-Franche-Comté"), ("Centre", "Centre-Val de Loire"),
    ("Centre-Val-de-Loire", "Centre-Val de Loire"), ("Île-de-France", IDF), ("Ile de France", IDF),
    ("ILE-DE-FRANCE", IDF), ("IDF", IDF), ("Région Bretagne", "Bretagne"), ("Bretagne", "Bretagne"),
    ("PACA", PACA), ("Région Sud", PACA), ("Provence-Alpes-Côte d’Azur", PACA),
    ("Pays de la Loire", "Pays de la Loire"),
    ("Corse", "Corse"), ("Réunion", "La Réunion"), ("La Réunion", "La Réunion"), ("Guyane", "Guyane"),
    ("Mayotte", "Mayotte"), ("Guadeloupe", "Guadeloupe"), ("Martinique", "Martinique"),
    ("Hérault", None), ("Paris", None), ("Atlantide", None), ("", None), (None, None),
])
def test_canonical_region(name: str, region: str | None) -> None:
    assert canonical_region(name) == region  # type: ignore[arg-type]


# --------------------------------------------------------------------------- capitalization

@pytest.mark.parametrize(("written", "expected"), [
    ("LE PLESSIS-ROBINSON", "Le Plessis-Robinson"),
    ("SAINT-GERMAIN-EN-LAYE", "Saint-Germain-en-Laye"),
    ("BOURG-LÈS-VALENCE", "Bourg-lès-Valence"),
    ("VILLENEUVE-D'ASCQ", "Villeneuve-d'Ascq"),
    ("SAINT-MARTIN-D’HÈRES", "Saint-Martin-d'Hères"),
    ("L'HAŸ-LES-ROSES", "L'Haÿ-les-Roses"),
    ("LA SEYNE-SUR-MER", "La Seyne-sur-Mer"),
    ("CHAMBRAY-LÈS-TOURS", "Chambray-lès-Tours"),
    ("MANDELIEU-LA-NAPOULE", "Mandelieu-la-Napoule"),
    ("AIX-EN-PROVENCE", "Aix-en-Provence"),
    ("CHÂTEAU-CHINON (VILLE)", "Château-Chinon (Ville)"),
    ("les abymes", "Les Abymes"),
    ("ÉVIAN-LES-BAINS", "Évian-les-Bains"),
    ("Sophia Antipolis", "Sophia Antipolis"),  # mixed case: kept as written
    ("Sainte-foy", "Sainte-foy"),
])
def test_capitalize_commune(written: str, expected: str) -> None:
    assert capitalize_commune(written) == expected


# --------------------------------------------------------------------------- parse_place


def P(city: str | None, code: str | None, region: str | None) -> Place:  # noqa: N802 - a table helper
    return Place(city, code, region)


PARIS, LYON, MARSEILLE = P("Paris", "75", IDF), P("Lyon", "69", ARA), P("Marseille", "13", PACA)
NOWHERE = P(None, None, None)

#: (text, keyword arguments, expected place)
CASES: list[tuple[object, dict[str, object], Place]] = [
    # free text: "Ville (NN)", "NN - Ville", arrondissements
    ("Paris (75)", {}, PARIS),
    ("75 - Paris", {}, PARIS),
    ("Paris - 75", {}, PARIS),
    ("PARIS 15", {}, PARIS),
    ("Paris 15e", {}, PARIS),
    ("Paris 7ème arrondissement", {}, PARIS),
    ("Paris (15e)", {}, PARIS),
    ("Paris, France", {}, PARIS),
    ("Lyon 3e Arrondissement", {}, LYON),
    ("69003 Lyon", {}, LYON),
    ("Lyon 69003", {}, LYON),
    ("Marseille 13e", {}, MARSEILLE),
    ("Marseille 1er", {}, MARSEILLE),
    ("Ajaccio (2A)", {}, P("Ajaccio", "2A", "Corse")),
    ("2A - Ajaccio", {}, P("Ajaccio", "2A", "Corse")),
    ("Bastia (2B)", {}, P("Bastia", "2B", "Corse")),
    ("Basse-Terre (971)", {}, P("Basse-Terre", "971", "Guadeloupe")),
    ("971 - Basse-Terre", {}, P("Basse-Terre", "971", "Guadeloupe")),
    ("Cayenne", {}, P("Cayenne", "973", "Guyane")),
    ("Mamoudzou", {}, P("Mamoudzou", "976", "Mayotte")),
    # homonyms: the department evidence decides
    ("Saint-Denis (974)", {}, P("Saint-Denis", "974", "La Réunion")),
    ("Saint-Denis (93)", {}, P("Saint-Denis", "93", IDF)),
    ("Saint-Denis", {}, P("Saint-Denis", None, None)),
    ("Saint-Denis", {"region": "La Réunion"}, P("Saint-Denis", "974", "La Réunion")),
    ("St-Denis (93)", {}, P("Saint-Denis", "93", IDF)),
    ("Saint-Pierre (974)", {}, P("Saint-Pierre", "974", "La Réunion")),
    ("Saint-Pierre (972)", {}, P("Saint-Pierre", "972", "Martinique")),
    ("Montreuil (93)", {}, P("Montreuil", "93", IDF)),
    ("Montreuil-sous-Bois", {}, P("Montreuil", "93", IDF)),
    ("Montreuil-sur-Mer", {}, P("Montreuil", "62", "Hauts-de-France")),
    ("Saint-Louis (68)", {}, P("Saint-Louis", "68", "Grand Est")),
    ("Valence (26)", {}, P("Valence", "26", ARA)),
    ("Valence", {}, P("Valence", "26", ARA)),
    ("Vienne (38)", {}, P("Vienne", "38", ARA)),
    ("Vienne", {}, P(None, "86", NAQ)),  # in free text a department name is the department
    ("Vienne (86)", {}, P(None, "86", NAQ)),
    (None, {"city": "Vienne"}, P("Vienne", "38", ARA)),  # a city field names the commune
    ("Mayenne (53)", {}, P(None, "53", "Pays de la Loire")),
    (None, {"city": "Mayenne"}, P("Mayenne", "53", "Pays de la Loire")),
    ("Saint-Denis (11)", {}, P("Saint-Denis", "11", OCC)),  # a commune outside the data, same name
    ("Saint-Denis (La Réunion)", {}, P("Saint-Denis", "974", "La Réunion")),
    ("Saint-Denis, La Réunion", {}, P("Saint-Denis", "974", "La Réunion")),
    ("Vienne, Isère", {}, P("Vienne", "38", ARA)),
    ("Lyon (Rhône)", {}, LYON),
    ("Saint-Pierre-et-Miquelon", {}, NOWHERE),  # an overseas collectivity, not a department
    ("97500 Saint-Pierre-et-Miquelon", {}, NOWHERE),
    # regions
    ("Bretagne", {}, P(None, None, "Bretagne")),
    ("Rhône-Alpes", {}, P(None, None, ARA)),
    ("Midi-Pyrénées", {}, P(None, None, OCC)),
    ("Île-de-France", {}, P(None, None, IDF)),
    ("Corse", {}, P(None, None, "Corse")),
    ("La Réunion", {}, P(None, "974", "La Réunion")),
    # departments
    ("Hérault", {}, P(None, "34", OCC)),
    ("Pyrénées Atlantiques", {}, P(None, "64", NAQ)),
    ("Pyrénées Atlantiques (64)", {}, P(None, "64", NAQ)),
    ("Seine Saint Denis", {}, P(None, "93", IDF)),
    ("Seine Saint Denis (93)", {}, P(None, "93", IDF)),
    ("Hauts-de-Seine (92)", {}, P(None, "92", IDF)),
    ("Corse du Sud (2A)", {}, P(None, "2A", "Corse")),
    ("Cote d'Or (21)", {}, P(None, "21", "Bourgogne-Franche-Comté")),
    ("Val d'Oise (95)", {}, P(None, "95", IDF)),
    ("Guadeloupe (971)", {}, P(None, "971", "Guadeloupe")),
    ("35", {}, P(None, "35", "Bretagne")),
    # no place
    ("Télétravail", {}, NOWHERE),
    ("Télétravail complet", {}, NOWHERE),
    ("France entière", {}, NOWHERE),
    ("Toute la France", {}, NOWHERE),
    ("France", {}, NOWHERE),
    ("Télétravail", {"department": "Paris (75)"}, P(None, "75", IDF)),
    # full addresses
    ("27 BOULEVARD DE STALINGRAD 92240 MALAKOFF", {}, P("Malakoff", "92", IDF)),
    ("ALLÉE DES TOPAZES 97400 SAINT-DENIS", {}, P("Saint-Denis", "974", "La Réunion")),
    ("PALAIS LANTIVY COURS NAPOLÉON 20188 AJACCIO CEDEX 1", {}, P("Ajaccio", "2A", "Corse")),
    ("27 AVENUE IMPÉRATRICE EUGÉNIE 20303 AJACCIO CEDEX", {}, P("Ajaccio", "2A", "Corse")),
    ("RN 193 20600 BASTIA", {}, P("Bastia", "2B", "Corse")),
    ("165 RUE GARIBALDI 69003 LYON", {}, LYON),
    ("20 rue du Lac, 69003 Lyon", {}, LYON),
    ("20 AVENUE DE SÉGUR 75007 PARIS", {}, PARIS),
    ("12-14 RUE DE LA PAIX 75002 PARIS", {}, PARIS),
    ("CS 70001 75007 PARIS CEDEX 07", {}, PARIS),
    ("1 PLACE DE LA PRÉFECTURE 13282 MARSEILLE CEDEX 20", {}, MARSEILLE),
    ("Malakoff, 92240", {}, P("Malakoff", "92", IDF)),
    ("ALLÉE DES TOPAZES SAINT-DENIS", {"department": "La Réunion (974)"}, P("Saint-Denis", "974", "La Réunion")),
    ("12 RUE DE PARIS", {}, NOWHERE),  # a street named after Paris is not Paris
    # spelling: the official name, accents restored; unlisted communes capitalized
    ("Saint-Étienne (42)", {}, P("Saint-Étienne", "42", ARA)),
    ("SAINT-ETIENNE", {}, P("Saint-Étienne", "42", ARA)),
    ("saint etienne", {}, P("Saint-Étienne", "42", ARA)),
    ("Clermont-Ferrand", {}, P("Clermont-Ferrand", "63", ARA)),
    ("Villeurbanne", {}, P("Villeurbanne", "69", ARA)),
    ("VANDOEUVRE-LES-NANCY", {}, P("Vandœuvre-lès-Nancy", "54", "Grand Est")),
    ("Cherbourg", {}, P("Cherbourg-en-Cotentin", "50", "Normandie")),
    ("LE PLESSIS-ROBINSON", {}, P("Le Plessis-Robinson", "92", IDF)),
    ("SAINT-GERMAIN-EN-LAYE", {}, P("Saint-Germain-en-Laye", "78", IDF)),
    ("BOURG-LÈS-VALENCE (26)", {}, P("Bourg-lès-Valence", "26", ARA)),
    ("4 RUE DU PONT 26500 BOURG-LÈS-VALENCE", {}, P("Bourg-lès-Valence", "26", ARA)),
    ("CHAMBRAY-LÈS-TOURS (37)", {}, P("Chambray-lès-Tours", "37", "Centre-Val de Loire")),
    ("Saint-Ouen (41)", {}, P("Saint-Ouen", "41", "Centre-Val de Loire")),  # not Saint-Ouen-sur-Seine
    ("Trifouilly-les-Oies", {}, NOWHERE),  # unknown, no department evidence: not taken for a city
    ("Ploërmel", {"department": "Morbihan (56)"}, P("Ploërmel", "56", "Bretagne")),
    ("Sophia Antipolis", {}, P("Sophia Antipolis", "06", PACA)),
    # a business district over several communes (Courbevoie, Puteaux): not a commune, no city
    ("Paris La Défense", {}, P(None, "92", IDF)),
    ("La Défense", {}, P(None, "92", IDF)),
    ("La Défense (75)", {}, P(None, "75", IDF)),
    ("Paris ou Lyon", {}, PARIS),
    ("Rennes (35) ou Nantes (44)", {}, P("Rennes", "35", "Bretagne")),
    ("Télétravail possible - Paris", {}, PARIS),
    # remote work written beside the place: the place alone counts
    ("Bordeaux (33) - Télétravail partiel", {}, P("Bordeaux", "33", NAQ)),
    ("Paris - Télétravail possible", {}, PARIS),
    ("Lyon - Télétravail", {}, LYON),
    ("100 % télétravail - Lyon", {}, LYON),
    ("Télétravail (Paris)", {}, PARIS),
    ("Télétravail (75)", {}, P(None, "75", IDF)),
    ("Télétravail partiel", {}, NOWHERE),
    ("Télétravail 2 jours par semaine", {}, NOWHERE),
    ("Télétravail (France entière)", {}, NOWHERE),
    # a department code without a dash: only when the data has that commune in it
    ("Nantes 44", {}, P("Nantes", "44", "Pays de la Loire")),
    ("Rennes 35", {}, P("Rennes", "35", "Bretagne")),
    ("Saint-Denis 93", {}, P("Saint-Denis", "93", IDF)),
    ("Saint-Denis 974", {}, P("Saint-Denis", "974", "La Réunion")),
    ("93 Saint-Denis", {}, P("Saint-Denis", "93", IDF)),
    ("Paris 75", {}, PARIS),
    ("Lyon 69", {}, LYON),
    ("PARIS 20", {}, PARIS),                # an arrondissement, not the department 20
    ("Lyon 9", {}, LYON),
    ("Rennes 44", {}, NOWHERE),             # Rennes is not in 44: no evidence either way
    # format characters (bidi overrides…) are no part of a name
    ("\u202e(75)", {}, P(None, "75", IDF)),
    ("\u202eParis\u202c (75)", {}, PARIS),
    ("\u2066Lyon\u2069", {}, LYON),
    ("Loir et Cher", {}, P(None, "41", "Centre-Val de Loire")),
    # structured parts: JSON-LD, API, pep hidden inputs
    (None, {"city": "Paris", "postal_code": "75007"}, PARIS),
    (None, {"city": "Lognes", "postal_code": "77185", "region": "Île-de-France"}, P("Lognes", "77", IDF)),
    (None, {"city": "Charleville-Mézières", "postal_code": "08000"}, P("Charleville-Mézières", "08", "Grand Est")),
    (None, {"city": "Bordeaux", "postal_code": "33000", "region": "Nouvelle-Aquitaine"}, P("Bordeaux", "33", NAQ)),
    (None, {"city": "Les Abymes", "postal_code": "97139", "department": "Guadeloupe"},
     P("Les Abymes", "971", "Guadeloupe")),
    (None, {"city": "Montpellier", "department": "Hérault"}, P("Montpellier", "34", OCC)),
    (None, {"city": "Aix-en-Provence", "postal_code": "13100", "department": "Bouches-du-Rhône"},
     P("Aix-en-Provence", "13", PACA)),
    (None, {"city": "Trifouilly", "postal_code": "21500"}, P("Trifouilly", "21", "Bourgogne-Franche-Comté")),
    (None, {"city": "Trifouilly"}, P("Trifouilly", None, None)),  # a city field is a city
    (None, {"postal_code": "35000"}, P(None, "35", "Bretagne")),
    (None, {"postal_code": 8000}, P(None, "08", "Grand Est")),
    (None, {"city": "Saint-Denis", "postal_code": "CS 10001 97400 SAINT-DENIS"}, P("Saint-Denis", "974", "La Réunion")),
    ("Vannes", {"department": "Morbihan (56)"}, P("Vannes", "56", "Bretagne")),
    (None, {"department": "Ille-et-Vilaine (35)"}, P(None, "35", "Bretagne")),
    (None, {"department": "Ille-et-Vilaine (35)", "region": "Bretagne"}, P(None, "35", "Bretagne")),
    (None, {"department": "35"}, P(None, "35", "Bretagne")),
    (None, {"department": "2a"}, P(None, "2A", "Corse")),
    (None, {"department": "Réunion"}, P(None, "974", "La Réunion")),
    (None, {"region": "La Réunion"}, P(None, "974", "La Réunion")),
    (None, {"region": "Rhône-Alpes"}, P(None, None, ARA)),
    ("Paris", {"region": "Bretagne"}, PARIS),  # the department's region wins
    # pep's non-standard JSON-LD (fallback): department labels in locality and postalCode
    (None, {"city": "Corse-du-Sud (2A), France", "postal_code": "Corse-du-Sud (2A)"}, P(None, "2A", "Corse")),
    (None, {"city": "Rhône (69), France", "postal_code": "Rhône (69)", "region": "Auvergne-Rhône-Alpes"},
     P(None, "69", ARA)),
    (None, {"city": "Paris (75), France", "postal_code": "Paris (75)"}, PARIS),
    # bad input never raises
    (None, {}, NOWHERE),
    ("", {}, NOWHERE),
    ("   ", {}, NOWHERE),
    (["Paris"], {}, NOWHERE),
    ({"city": "Paris"}, {}, NOWHERE),
    ("(((", {"postal_code": "xx", "department": "??", "region": "!!"}, NOWHERE),
    ("x" * 10_000, {}, NOWHERE),
]


@pytest.mark.parametrize(("text", "kwargs", "expected"), CASES, ids=[f"{i}-{c[0]!r:.40}" for i, c in enumerate(CASES)])
def test_parse_place(text: object, kwargs: dict[str, object], expected: Place) -> None:
    assert parse_place(text, **kwargs) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(("text", "expected"), [
    ("Télétravail", True), ("France entière", True), ("Toute la France", True), ("Télétravail partiel", True),
    ("Télétravail 2 jours par semaine", True), ("Télétravail (France entière)", True), ("Non renseigné", True),
    ("Paris", False), ("Atlantide", False), ("Télétravail (Paris)", False), ("Télétravail (75)", False),
    ("", False), (None, False),
])
def test_is_no_place(text: str | None, expected: bool) -> None:
    """What says there is no fixed place: record.py does not warn about it."""
    assert places.is_no_place(text) is expected


def test_enough_cases() -> None:
    assert len(CASES) >= 30


def test_module_examples() -> None:
    assert doctest.testmod(places).failed == 0


# --------------------------------------------------------------------------- replica communes

#: names carried by two communes of different departments: without a hint they stay unplaced
HOMONYMS = {"Saint-Denis", "Saint-Pierre", "Montreuil"}
#: commune names that are also a department's name: alone in free text, the department
DEPARTMENT_NAMES = {"Vienne": Place(None, "86", NAQ)}


def _replica_communes() -> list[replica.Commune]:
    return [c for d in replica.DEPARTMENTS.values() for c in d.communes]


@pytest.mark.parametrize("commune", _replica_communes(), ids=lambda c: f"{c.name}-{c.department_code}")
def test_every_replica_commune_resolves(commune: replica.Commune) -> None:
    name, code, pc = commune.name, commune.department_code, commune.postcode
    expected = Place(name, code, department_region(code))
    assert department_region(code) == replica.DEPARTMENTS[code].region
    # the shapes the replica renders: JSON-LD/API parts, "Ville (NN)", "NN - Ville", "CP Ville", addresses
    assert parse_place(city=name, postal_code=pc) == expected
    assert parse_place(f"{name} ({code})") == expected
    assert parse_place(f"{code} - {name}") == expected
    assert parse_place(f"{pc} {name}") == expected
    assert parse_place(f"Rue De La République, {pc} {name}") == expected
    assert parse_place(f"1 RUE DE LA RÉPUBLIQUE {pc} {name.upper()}") == expected
    assert parse_place(name, department=f"{replica.DEPARTMENTS[code].name} ({code})") == expected
    if not pc.startswith(("97", "20")):  # the replica's CEDEX shape
        assert parse_place(f"RUE PASTEUR {pc[:2]}{int(pc[2:]) + 88:03d} {name.upper()} CEDEX 1") == expected
    if name in HOMONYMS:
        assert parse_place(name) == Place(name, None, None)
    elif name in DEPARTMENT_NAMES:
        assert parse_place(name) == DEPARTMENT_NAMES[name]
        assert parse_place(city=name) == expected
    else:
        assert parse_place(name) == expected


@pytest.mark.parametrize("department", list(replica.DEPARTMENTS.values()), ids=lambda d: d.code)
def test_every_replica_department_label_resolves(department: replica.Department) -> None:
    code = department.code
    expected_city = "Paris" if code == "75" else None
    assert parse_place(f"{department.card_label} ({code})") == Place(expected_city, code, department.region)
    assert parse_place(department=department.name) == Place(None, code, department.region)
    assert parse_place(department=department.card_label) == Place(None, code, department.region)
    assert DEPARTMENTS[code].name == department.name


# --------------------------------------------------------------------------- the samples


def _text(node) -> str:
    """A node's text without its hidden label (``span.sr-only``)."""
    for label in node.select(".sr-only"):
        label.decompose()
    return node.get_text(" ", strip=True)


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def _expected_place(row: dict[str, object]) -> Place:
    return Place(row["city"], row["department_code"], row["region"])  # type: ignore[arg-type]


def _by_reference(rows: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {str(r["reference"]): r for r in rows}


@pytest.mark.samples
def test_pep_offer_pages(samples_dir: Path) -> None:
    expected = _by_reference(record_rows(samples_dir / "pep" / "EXPECTED.md"))
    seen = set()
    for page in (samples_dir / "pep" / "samples" / "offre-emploi").glob("*/index.html"):
        soup = _soup(page)
        reference = soup.select_one("main[data-reference]")["data-reference"]
        pin = soup.select_one("li.ic--pin")
        place = parse_place(_text(pin) if pin else None,
                            department=soup.select_one("input#content_dept")["value"],
                            region=soup.select_one("input#content_reg")["value"])
        assert place == _expected_place(expected[reference]), reference
        if pin:  # the free text alone gives the same place (D3, D4 name a listed town)
            assert parse_place(_text(pin)) == _expected_place(expected[reference]), reference
        seen.add(reference)
    assert seen == set(expected)


@pytest.mark.samples
def test_pep_listing_cards(samples_dir: Path) -> None:
    md = (samples_dir / "pep" / "EXPECTED.md").read_text(encoding="utf-8")
    cards = next(rows for rows in tables(md) if rows and "card title (as published)" in rows[0])
    expected = {r["reference"].strip("`"): r for r in cards}
    seen = set()
    for page in (samples_dir / "pep" / "samples" / "nos-offres").rglob("index.html"):
        for card in _soup(page).select("div.fr-card--offer"):
            href = card.select_one("h3.fr-card__title a")["href"]
            reference = re.search(r"-reference-([^/]+)/?$", href).group(1)
            pin = card.select_one("li.fr-icon-map-pin-2-line")
            place = parse_place(_text(pin) if pin else None)
            row = expected[reference]
            want = (None if row["department_code"] == "null" else row["department_code"],
                    None if row["region"] == "null" else row["region"])
            assert (place.department_code, place.region) == want, reference
            seen.add(reference)
    assert seen == set(expected)


@pytest.mark.samples
def test_feed_pages(samples_dir: Path) -> None:
    expected = _by_reference(record_rows(samples_dir / "feed" / "EXPECTED.md"))
    pages = sorted((samples_dir / "feed" / "samples" / "offres").glob("*.html"))
    assert len(pages) == 6
    for page in pages:
        soup = _soup(page)
        dt = next(dt for dt in soup.select("dl.offre-infos dt") if dt.get_text(strip=True) == "Localisation")
        location = dt.find_next_sibling("dd").get_text(" ", strip=True)
        assert parse_place(location) == _expected_place(expected[page.stem]), location


def _job_postings(node: object):
    if isinstance(node, dict):
        if node.get("@type") == "JobPosting":
            yield node
        for value in node.values():
            yield from _job_postings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _job_postings(value)


@pytest.mark.samples
def test_jobposting_addresses(samples_dir: Path) -> None:
    expected = _by_reference(record_rows(samples_dir / "jobposting" / "EXPECTED.md"))
    seen = set()
    for page in (samples_dir / "jobposting" / "samples" / "emploi").glob("*/index.html"):
        scripts = _soup(page).select('script[type="application/ld+json"]')
        posting = next(p for s in scripts for p in _job_postings(json.loads(s.get_text().strip().lstrip("\ufeff"))))
        identifier = posting["identifier"]
        reference = identifier["value"] if isinstance(identifier, dict) else identifier
        location = posting["jobLocation"]
        address = (location[0] if isinstance(location, list) else location)["address"]
        place = parse_place(city=address.get("addressLocality"), postal_code=address.get("postalCode"),
                            region=address.get("addressRegion"))
        assert place == _expected_place(expected[reference]), reference
        seen.add(reference)
    assert seen == set(expected)


@pytest.mark.samples
def test_api_locations(samples_dir: Path) -> None:
    expected = _by_reference(record_rows(samples_dir / "api" / "EXPECTED.md"))
    seen = set()
    for path in (samples_dir / "api" / "samples" / "api" / "v1" / "offers").glob("[0-9]*.json"):
        offer = json.loads(path.read_text(encoding="utf-8"))
        location = offer["location"]
        place = parse_place(city=location.get("city"), postal_code=location.get("postal_code"),
                            department=location.get("department"))
        assert place == _expected_place(expected[offer["reference"]]), offer["reference"]
        seen.add(offer["reference"])
    assert seen == set(expected)
