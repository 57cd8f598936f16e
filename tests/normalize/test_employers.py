"""normalize.employers: categories of employers, the title-suffix rule, employer keys."""

from __future__ import annotations

import pytest

from normalize.employers import employer_key, is_employer_category, split_employer_suffix
from normalize.titles import clean_title


@pytest.mark.parametrize("name", [
    "Communes", "Conseils départementaux", "Conseils régionaux", "Etablissements publics locaux",
    "Établissements publics locaux", "Intercommunalités", "Départements", "Régions", "Centres de gestion",
    "CCAS et CIAS", "  conseils   DÉPARTEMENTAUX ", "Conseils d&eacute;partementaux",
])
def test_categories(name: str) -> None:
    assert is_employer_category(name)


@pytest.mark.parametrize("name", [
    None, "", "Département de la Loire", "Région Auvergne-Rhône-Alpes", "Ville de Grenoble",
    "Direction interministérielle du numérique (DINUM)", "Archives nationales", "Cour des comptes",
])
def test_not_categories(name: str | None) -> None:
    assert not is_employer_category(name)


SPLITS = [
    # (raw title, raw employer) -> (clean title, employer)
    (("Chef de projet applications métiers (h/f) - VILLE DE VILLEURBANNE", "Communes"),
     ("Chef de projet applications métiers", "VILLE DE VILLEURBANNE")),
    (("Administrateur systèmes et réseaux (H/F) - Région Auvergne-Rhône-Alpes", "Conseils régionaux"),
     ("Administrateur systèmes et réseaux", "Région Auvergne-Rhône-Alpes")),
    (("Chargé de recrutement (H/F) - CONSEIL DÉPARTEMENTAL DU MORBIHAN", "Conseils départementaux"),
     ("Chargé de recrutement", "CONSEIL DÉPARTEMENTAL DU MORBIHAN")),
    (("Technicien de proximité informatique (H/F) - COMMUNAUTÉ D'AGGLOMÉRATION DU PAYS BASQUE",
      "Etablissements publics locaux"),
     ("Technicien de proximité informatique", "COMMUNAUTÉ D'AGGLOMÉRATION DU PAYS BASQUE")),
    (("Développeur mobile (H/F) - DÉPARTEMENT DE LA GIRONDE", "Conseils départementaux"),
     ("Développeur mobile", "DÉPARTEMENT DE LA GIRONDE")),
    # no gender marker: the suffix still names an organisation
    (("Technicien informatique - Ville de Saint-Denis", "Communes"), ("Technicien informatique", "Ville de Saint-Denis")),
    (("Développeur web - Grenoble Métropole", "Intercommunalités"), ("Développeur web", "Grenoble Métropole")),
    # the marker after the employer, a non-breaking space around the dash
    (("Dev web - CCAS DE LYON (H/F)", "CCAS et CIAS"), ("Dev web", "CCAS DE LYON")),
    (("Dev web (H/F)\u00a0-\u00a0Ville de Lyon", "Communes"), ("Dev web", "Ville de Lyon")),
    # not cut: the employer is a real one
    (("INGENIEUR CYBERSECURITE - AUDITEUR", "Direction du renseignement et de la sécurité de la Défense (DRSD)"),
     ("INGENIEUR CYBERSECURITE - AUDITEUR", "Direction du renseignement et de la sécurité de la Défense (DRSD)")),
    (("Chef de projet MOA - dossier patient informatisé (F/H)", "Centre hospitalier universitaire de Lille"),
     ("Chef de projet MOA - dossier patient informatisé", "Centre hospitalier universitaire de Lille")),
    # not cut: a category, but the suffix does not look like an employer
    (("Chef de projet MOA - dossier patient informatisé", "Communes"),
     ("Chef de projet MOA - dossier patient informatisé", "Communes")),
    (("Développeur web (H/F)", "Communes"), ("Développeur web", "Communes")),
    (("Développeur web - H/F", "Communes"), ("Développeur web", "Communes")),
    # an en dash never cuts
    (("Ingénieur systèmes – Ville de Lyon", "Communes"), ("Ingénieur systèmes – Ville de Lyon", "Communes")),
    # no employer at all: nothing is guessed
    (("Technicien (H/F) - VILLE DE LYON", None), ("Technicien - VILLE DE LYON", None)),
    ((None, "Communes"), (None, "Communes")),
]


@pytest.mark.parametrize(("raw", "expected"), SPLITS)
def test_split_employer_suffix(raw: tuple[str | None, str | None], expected: tuple[str | None, str | None]) -> None:
    title, employer = split_employer_suffix(*raw)
    assert (clean_title(title), employer) == expected


KEYS = [
    ("Direction interministérielle du numérique (DINUM)", "dinum"),
    ("DINUM", "dinum"),
    ("dinum", "dinum"),
    ("Direction générale des Finances publiques (DGFiP)", "dgfip"),
    ("DGFIP", "dgfip"),
    ("Institut national de la statistique et des études économiques (INSEE)", "insee"),
    ("Secrétariat général commun départemental de la Corse-du-Sud (SGCD 2A)", "sgcd 2a"),
    ("Académie de Rennes – Division des systèmes d'information (DSI)", "academie de rennes dsi"),
    ("Académie de Rennes - DSI", "academie de rennes dsi"),
    ("VILLE DE VILLEURBANNE", "ville de villeurbanne"),
    ("Ville de Villeurbanne", "ville de villeurbanne"),
    ("Région Auvergne-Rhône-Alpes", "region auvergne rhone alpes"),
    ("RÉGION AUVERGNE RHÔNE-ALPES", "region auvergne rhone alpes"),
    ("Ville d’Annecy", "ville d annecy"),
    ("  Cour   des comptes ", "cour des comptes"),
    ("Centre (ex-Pôle emploi)", "centre ex pole emploi"),
    # an acronym of the whole name: a dash inside the name gives no parent
    ("Assistance Publique - Hôpitaux de Paris (AP-HP)", "ap hp"),
    ("AP-HP", "ap hp"),
    # an acronym after or before a dash, beside the name it abbreviates: like one in brackets
    ("Direction interministérielle du numérique - DINUM", "dinum"),
    ("DINUM - Direction interministérielle du numérique", "dinum"),
    ("Direction générale des Finances publiques – DGFiP", "dgfip"),
    ("Agence nationale de la sécurité des systèmes d'information - ANSSI", "anssi"),
    ("Ministère de l'Intérieur - Direction du numérique - DNUM", "ministere de l interieur dnum"),
    ("Ministère de l'Intérieur - Direction du numérique (DNUM)", "ministere de l interieur dnum"),
    # ... but not beside a name it does not abbreviate
    ("Ville de Lyon - DSI", "ville de lyon dsi"),
    ("CHU - Centre hospitalier universitaire de Lille", "chu centre hospitalier universitaire de lille"),
]


@pytest.mark.parametrize(("name", "key"), KEYS)
def test_employer_key(name: str, key: str) -> None:
    assert employer_key(name) == key


def test_employer_key_empty() -> None:
    assert employer_key(None) is None
    assert employer_key("  ") is None
    assert employer_key("()") is None
