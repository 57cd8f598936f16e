"""normalize.record.normalize_posting on the sample postings of the four source kinds.

The raw dicts are what the page objects produce from ../shared/sources/<kind>/samples,
following the per-kind table of docs/ARCHITECTURE.md: pep and feed ones are written here
by hand from the sample pages (descriptions shortened), jobposting and api ones are mapped
here from the samples' JSON-LD / JSON exactly as the table says. The expected records are
read from the EXPECTED.md tables (tests/expected_tables.py), crawl on 2026-11-22.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html

from expected_tables import RECORD_COLUMNS, record_rows
from normalize.record import NormalizedPosting, normalize_posting

CRAWL = datetime(2026, 11, 22, 6, 0, tzinfo=ZoneInfo("Europe/Paris"))
DIGITAL_ONLY = {"pep": True, "jobposting": False, "feed": False, "api": False}
#: record columns compared with EXPECTED.md (``status`` is the storage's, from the deadline)
COMPARED = tuple(c for c in RECORD_COLUMNS if c != "status")


def _pep_description(missions: str, profile: str) -> str:
    """The two sections as the pep page object returns them (h2 + nested divs, in page order)."""
    return (f'<h2>Vos missions en quelques mots</h2>\n<div>\n    <div class=" fr-mb-3w">\n        <p>{missions}</p>'
            f'    </div>\n\n    </div>\n<h2 class="fr-mt-8w">Profil recherché</h2>\n<div>\n    <div>\n'
            f'        <p>{profile}</p>\n    </div>\n</div>')


def _pep(reference: str, slug: str, **fields: Any) -> dict[str, Any]:
    raw = {"source": "pep", "kind": "pep", "reference": reference, "listing_ref": reference,
           "url": f"https://choisirleservicepublic.gouv.fr/offre-emploi/{slug}-reference-{reference}/",
           "ministry": None, "city": None, "postal_code": None, "detail_fetched": True}
    raw.update(fields)
    return raw


PEP = {
    "D1": _pep(
        "2026-2561234", "developpeur-back-end-python-hf",
        title="Développeur back-end Python (H/F)",
        employer="Direction interministérielle du numérique (DINUM)",
        public_service="Fonction publique de l'État", category="Catégorie A (cadre)",
        contract="Emploi ouvert aux titulaires et aux contractuels",
        location="20 AVENUE DE SÉGUR 75007 PARIS", department="Paris (75)", region="Île-de-France",
        remote="Oui",
        salary=["Entre 48\u00a0000\u00a0€ et 62\u00a0000\u00a0€ brut annuel, selon expérience",
                "Entre 45\u00a0000\u00a0€ et 58\u00a0000\u00a0€ brut annuel (grille indiciaire et primes)"],
        published="18/11/2026", deadline="04/01/2027",
        description_html=_pep_description(
            "La direction interministérielle du numérique (DINUM) conçoit et opère des services numériques. "
            "Au sein du département «&nbsp;Produits interministériels&nbsp;», vous rejoignez une équipe produit."
            "<br>Vos principales activités&nbsp;:<br>- concevoir et développer des API REST en Python (FastAPI, "
            "Django) et leurs tests automatisés ;<br>- participer aux choix d’architecture et aux revues de code.",
            "Vous justifiez d’une expérience d’au moins trois ans en développement back-end Python.<br>- Maîtrise "
            "de PostgreSQL, des tests automatisés et de Git<br>- Sensibilité au logiciel libre"),
        job_labels=["Développeuse / Développeur", "Numérique"],
    ),
    "D2": _pep(
        "2026-2558790", "adjointe-au-rssi-ministriel-fh",
        title="ADJOINT(E) AU RSSI MINISTÉRIEL (F/H)",
        employer="Secrétariat général du ministère de la Justice - Service du numérique (SNUM)",
        public_service="Fonction publique de l'État", category="Catégorie A+",
        contract="Emploi ouvert uniquement aux titulaires",
        location="35 RUE DE LA GARE 75019 PARIS", department="Paris (75)", region="Île-de-France",
        remote="Oui", salary=None, published="16/11/2026", deadline=None,
        description_html=_pep_description(
            "Le service du numérique (SNUM) du secrétariat général du ministère de la Justice définit et met en œuvre "
            "la politique numérique du ministère.<br>Placé(e) auprès du responsable de la sécurité des systèmes "
            "d’information ministériel, vous :<br>- pilotez la gouvernance de la sécurité des systèmes d’information ;"
            "<br>- coordonnez le traitement des incidents de sécurité avec le CERT ministériel et l’ANSSI.",
            "Fonctionnaire de catégorie A+ justifiant d’une expérience significative en sécurité des systèmes "
            "d’information.<br>- Connaissance des référentiels (RGS, PSSIE, ISO 27001) et de la méthode EBIOS RM"),
        job_labels=["Responsable Sécurité des Systèmes d'Information - RSSI", "Numérique"],
    ),
    "D3": _pep(
        "O069261112000873", "chef-de-projet-applications-metiers-hf---ville-de-villeurbanne",
        title="Chef de projet applications métiers (h/f) - VILLE DE VILLEURBANNE",
        employer="Communes", public_service="Fonction publique Territoriale", category="Catégorie A (cadre)",
        contract="Emploi ouvert aux titulaires et aux contractuels",
        location="Villeurbanne", department="Rhône (69)", region="Auvergne-Rhône-Alpes",
        remote="Oui", salary=["Non renseignée", "Non renseignée"], published="12/11/2026", deadline="11/01/2027",
        description_html=_pep_description(
            "La Ville de Villeurbanne recherche un chef de projet applications métiers H/F<br><br>Au sein de la "
            "direction des systèmes d’information et du numérique (DSIN), le service Applications conduit les projets "
            "informatiques des directions de la Ville.<br><br>Vos missions :<br>- piloter les projets de mise en "
            "place ou d’évolution des applications métiers ;<br>- rédiger les cahiers des charges.<br><br>Consultez "
            "le détail complet de l'offre sur la page https://www.emploi-territorial.fr/offre/o069261112000873-"
            "chef-projet-applications-metiers?pk_campaign=ep",
            "Ce poste est fait pour vous si…<br>Vous avez une formation supérieure en informatique (bac+3 à bac+5)."
            "<br> <br>Votre petit + : une connaissance des progiciels métiers des collectivités."),
        job_labels=["Cheffe / Chef de projet maitrise d'œuvre SI", "Numérique"],
    ),
    "D4": _pep(
        "O069261020001187", "administrateur-systemes-et-reseaux-hf---region-auvergne-rhone-alpes",
        title="Administrateur systèmes et réseaux (H/F) - Région Auvergne-Rhône-Alpes",
        employer="Conseils régionaux", public_service="Fonction publique Territoriale", category="Catégorie A (cadre)",
        contract="Emploi ouvert aux titulaires et aux contractuels",
        location="Clermont-Ferrand", department="Puy-de-Dôme (63)", region="Auvergne-Rhône-Alpes",
        remote="Oui", salary=["Non renseignée", "Non renseignée"], published="20/10/2026", deadline="08/01/2027",
        description_html=_pep_description(
            "La Région Auvergne-Rhône-Alpes recherche un administrateur systèmes et réseaux H/F pour son site de "
            "Clermont-Ferrand.<br><br>Vos missions :<br>- administrer les serveurs Linux et Windows (virtualisation "
            "VMware, sauvegardes) ;<br>- exploiter et faire évoluer les réseaux LAN/WAN et la téléphonie sur IP.",
            "Titulaire d’un diplôme bac+3 à bac+5 en informatique, vous justifiez d’une expérience confirmée en "
            "administration systèmes et réseaux."),
        job_labels=["Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms", "Numérique"],
    ),
    "D5": _pep(
        "2026-2549016", "architecte-technique-infrastructures-et-cloud-fh",
        title="Architecte technique infrastructures et cloud F/H",
        employer="Centre hospitalier universitaire de La Réunion", public_service="Fonction publique Hospitalière",
        category="Catégorie A (cadre)", contract="Emploi ouvert aux titulaires et aux contractuels",
        location="ALLÉE DES TOPAZES 97400 SAINT-DENIS", department="La Réunion (974)", region="La Réunion",
        remote=None,
        salary=["42\u202f000\u00a0€ – 55\u202f000\u00a0€ bruts annuels",
                "Selon grille indiciaire des ingénieurs hospitaliers, majorée de 40 % (indemnité de vie chère)"],
        published="04/11/2026", deadline="28/02/2027",
        description_html=_pep_description(
            "Le CHU de La Réunion réunit plus de 7\u00a0000 professionnels.<br>Rattaché(e) au responsable du pôle "
            "infrastructures, vous :<br>- définissez l’architecture technique cible (centres de données, "
            "virtualisation, stockage, réseau, cloud de confiance) ;<br>- rédigez les dossiers d’architecture.",
            "Ingénieur(e) de formation (bac+5), vous justifiez d’au moins cinq ans d’expérience en architecture "
            "d’infrastructures."),
        job_labels=["Architecte technique", "Numérique"],
    ),
    "D6": _pep(
        "2026-2552377", "data-engineer-fh",
        title="Data engineer\u00a0(F/H)",
        employer="Institut national de la statistique et des études économiques (INSEE)",
        public_service="Fonction publique de l'État", category="Catégorie A (cadre)",
        contract="Emploi ouvert uniquement aux contractuels",
        location="165 RUE GARIBALDI 69003 LYON", department="Rhône (69)", region="Auvergne-Rhône-Alpes",
        remote="Oui", salary=["De 40 000 € à 52 000 € bruts annuels selon diplôme et expérience", "Non renseignée"],
        published="09/11/2026", deadline="31/01/2027",
        description_html=_pep_description(
            "L’Insee produit, analyse et diffuse des informations sur l’économie et la société françaises.<br>Au sein "
            "de l’équipe «\u00a0plateformes de données\u00a0», vous\u00a0:<br>- concevez et développez des chaînes "
            "d’ingestion et de transformation de données (Python, Spark, Trino).",
            "Diplômé(e) d’une école d’ingénieur ou d’un master en informatique ou en science des données."),
        job_labels=["Data engineer", "Numérique"],
    ),
    "D7": _pep(
        "DEF_15-00071842", "product-owner-plateforme-de-supervision---hf",
        title="Product Owner plateforme de supervision - H/F",
        employer="Direction générale de l'armement (DGA)", public_service="Fonction publique de l'État",
        category="Catégorie A (cadre)", contract="Emploi ouvert uniquement aux contractuels",
        location=None, department="Ille-et-Vilaine (35)", region="Bretagne",
        remote="Non", salary=["Entre 3 200 € et 4 200 € brut mensuel", "Non renseignée"],
        published="28/10/2026", deadline="31/01/2028",
        description_html=_pep_description(
            "DGA Maîtrise de l’information est le centre d’expertise et d’essais de la Direction générale de "
            "l’armement.<br>Au sein d’une équipe agile de douze personnes, le product owner\u00a0:<br>- porte la "
            "vision produit de la plateforme de supervision des systèmes d’information d’essais ;<br>- recueille et "
            "priorise les besoins des utilisateurs.",
            "Formation supérieure (bac+5) et première expérience réussie de product owner ou de chef de projet agile."
            "<br>- Connaissance des outils de suivi (Jira, GitLab)<br>- Nationalité française exigée (habilitation)"),
        job_labels=["Product Owner", "Numérique"],
    ),
    "D8": _pep(
        "2026-2451189", "technicien-informatique-de-proximite-hf",
        title="Technicien informatique de proximité (H/F)",
        employer="Secrétariat général commun départemental de la Corse-du-Sud (SGCD 2A)",
        public_service="Fonction publique de l'État", category="Catégorie B (profession intermédiaire)",
        contract="Emploi ouvert uniquement aux titulaires",
        location="PALAIS LANTIVY COURS NAPOLÉON 20188 AJACCIO CEDEX 1", department="Corse-du-Sud (2A)",
        region="Corse", remote="Non",
        salary=["Non renseignée", "Entre 2\u00a0250\u00a0€ et 2\u00a0950\u00a0€ brut mensuel selon échelon"],
        published="02/10/2026", deadline="01/02/2026",
        description_html=_pep_description(
            "Le secrétariat général commun départemental (SGCD) de la Corse-du-Sud assure les fonctions support de "
            "la préfecture.<br>Au sein du SIDSIC, vous\u00a0:<br>- assurez l’assistance de proximité aux utilisateurs "
            "(postes de travail, téléphonie, visioconférence) ;<br>- installez et maintenez le parc informatique.",
            "Fonctionnaire de catégorie B de la filière des systèmes d’information et de communication.<br>- Bonne "
            "connaissance des environnements Windows et des réseaux"),
        job_labels=["Technicienne / Technicien support utilisateurs", "Numérique"],
    ),
}


def _feed(reference: str, title: str, employer: str, published: str, labels: list[str],
          **fields: Any) -> dict[str, Any]:
    raw = {"source": "feed", "kind": "feed", "reference": reference, "listing_ref": reference,
           "listing_key": published, "url": f"https://www.emploi-territorial-aura.fr/offres/{reference}.html",
           "title": title, "employer": employer, "published": published, "job_labels": labels,
           "ministry": None, "public_service": None, "detail_fetched": True}
    raw.update(fields)
    return raw


FEED = {
    "F1": _feed(
        "ETA-2026-004187", "Ingénieur systèmes et réseaux – site de Clermont-Ferrand (F/H)",
        "Région Auvergne-Rhône-Alpes", "Tue, 20 Oct 2026 16:20:00 +0200", ["Informatique"],
        location="Clermont-Ferrand (63)", deadline="08/01/2027", contract="Titulaire ou contractuel", category="A",
        salary="Entre 3 000 € et 3 900 € brut mensuel + régime indemnitaire", remote="Oui, 2 jours par semaine",
        description_html=(
            '<div class="offre-description">\n<h2>Missions</h2>\n<p>Le service Infrastructures de la direction du '
            'numérique et des systèmes d’information garantit la disponibilité des serveurs. Sur le site de '
            'Clermont-Ferrand, vous\u00a0:</p>\n<ul>\n<li>administrez les serveurs Linux et Windows\u00a0;</li>\n'
            '<li>exploitez et faites évoluer les réseaux et la téléphonie sur IP\u00a0;</li>\n</ul>\n<h2>Profil</h2>\n'
            '<p>Bac+3 à bac+5 en informatique, expérience confirmée en administration systèmes et réseaux.</p>\n</div>')),
    "F2": _feed(
        "ETA-2026-004398", "Technicien informatique de proximité (H/F)", "Ville de Grenoble",
        "Tue, 03 Nov 2026 10:05:00 +0100", ["Informatique"],
        location="Grenoble (38)", deadline="15 janvier 2027", contract="Titulaire ou contractuel", category="B",
        salary="Entre 2 300 € et 2 700 € brut mensuel", remote="Non",
        description_html=(
            '<div class="offre-description">\n<h2>Missions</h2>\n<p>Au sein du pôle support de la direction des '
            'systèmes d’information, vous\u00a0:</p>\n<ul>\n<li>assurez l’assistance aux utilisateurs de niveau 1 et '
            '2\u00a0;</li>\n<li>installez, configurez et dépannez les postes de travail\u00a0;</li>\n</ul>\n</div>')),
    "F3": _feed(
        "ETA-2026-004455", "Développeur web PHP / Symfony (H/F)", "Métropole de Lyon",
        "Thu, 12 Nov 2026 23:45:00 GMT", ["Informatique"],
        location="20 rue du Lac, 69003 Lyon", deadline="31/01/2027", contract="Contractuel (CDD de 3 ans)",
        category="A", salary="40 000 € - 48 000 € brut annuel", remote="Jusqu'à 2 jours par semaine",
        description_html=(
            '<div class="offre-description">\n<h2>Missions</h2>\n<p>Au sein d’une équipe agile, vous\u00a0:</p>\n<ul>\n'
            '<li>développez et maintenez des applications web en PHP (Symfony) et JavaScript\u00a0;</li>\n'
            '<li>écrivez les tests automatisés\u00a0;</li>\n</ul>\n<h2>Profil</h2>\n<p>Deux ans d’expérience en '
            'développement Symfony.</p>\n</div>')),
    "F4": _feed(
        "ETA-2026-004502", "Chargé d'études data / data analyst (H/F)", "Département de la Loire",
        "Mon, 16 Nov 2026 08:30:00 +0100", ["Informatique"],
        location="Saint-Étienne (42)", deadline="22/01/2027", contract="Titulaire", category="Catégorie A",
        salary="Selon grille indiciaire + RIFSEEP", remote="Possible (1 jour par semaine)",
        description_html=(
            '<div class="offre-description">\n<h2>Missions</h2>\n<ul>\n<li>préparez, croisez et fiabilisez les données '
            'issues des applications métiers\u00a0;</li>\n<li>concevez des tableaux de bord et des études '
            'statistiques\u00a0;</li>\n</ul>\n</div>')),
    "F5": _feed(
        "ETA-2026-004533", "Responsable de la sécurité des systèmes d'information (RSSI) (H/F)",
        "Valence Romans Agglo", "Wed, 18 Nov 2026 11:00:00 +0100", ["Informatique"],
        location="Valence (26)", deadline="vendredi 5 février 2027", contract="Titulaire ou contractuel",
        category="A (ingénieur territorial)", salary="Entre 46 000 € et 58 000 € brut annuel", remote="Oui",
        description_html=(
            '<div class="offre-description">\n<h2>Missions</h2>\n<ul>\n<li>élaborez et faites vivre la politique de '
            'sécurité des systèmes d’information\u00a0;</li>\n<li>coordonnez la réponse aux incidents\u00a0;</li>\n'
            '</ul>\n</div>')),
    "F6": _feed(
        "ETA-2026-004560", "Directeur des systèmes d'information (F/H)", "Ville d'Annecy",
        "Thu, 19 Nov 2026 17:40:00 +0100", ["Informatique"],
        location="Annecy (74)", deadline="15/02/2027", contract="Titulaire ou contractuel", category="A",
        salary="Entre 4 200 € et 5 300 € brut mensuel", remote=None,
        description_html=(
            '<div class="offre-description">\n<h2>Missions</h2>\n<p>Rattaché(e) au directeur général adjoint '
            'Ressources, vous définissez et mettez en œuvre le schéma directeur du numérique de la Ville (1\u00a0900 '
            'agents, 120 applications).</p>\n</div>')),
    # not digital: built from the RSS item alone (its page is not fetched)
    "N5": _feed(
        "ETA-2026-004541", "Technicien de maintenance des bâtiments (H/F)", "Clermont Auvergne Métropole",
        "Wed, 18 Nov 2026 15:25:00 +0100", ["Bâtiment et patrimoine"],
        category="Catégorie B", contract="Titulaire ou contractuel", detail_fetched=False,
        description_html=("<p><strong>Clermont Auvergne Métropole</strong></p><p>Vous assurez le suivi technique des "
                          "bâtiments métropolitains (chauffage, électricité, sécurité incendie).</p>")),
    "N2": _feed(
        "ETA-2026-004471", "Gestionnaire ressources humaines carrière et paie (H/F)", "Ville de Grenoble",
        "Fri, 13 Nov 2026 14:30:00 +0100", ["Ressources humaines"],
        category="Catégorie B", contract="Titulaire ou contractuel", detail_fetched=False),
}


def _jsonld_posting(page: Path) -> dict[str, Any]:
    """The page's JobPosting (a script may start with a BOM; it may sit in an @graph)."""
    tree = lxml_html.fromstring(page.read_text(encoding="utf-8"))
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        data = json.loads(script.text.strip().lstrip("\ufeff").strip())
        for item in data.get("@graph", [data]):
            if item.get("@type") == "JobPosting":
                return item
    raise LookupError(page)


def _jobposting_raw(page: Path) -> dict[str, Any]:
    """ARCHITECTURE.md's jobposting column, literally."""
    ld = _jsonld_posting(page)
    org = ld.get("hiringOrganization") or {}
    places = ld.get("jobLocation") or []
    address = (places[0] if isinstance(places, list) else places).get("address") or {}
    ident = ld.get("identifier")
    labels = ld.get("occupationalCategory")
    return {
        "source": "jobposting", "kind": "jobposting",
        "reference": ident.get("value") if isinstance(ident, dict) else ident,
        "url": f"https://metiers.numerique.gouv.fr/emploi/{page.parent.name}/",
        "title": ld.get("title"), "employer": org.get("name"),
        "ministry": (org.get("parentOrganization") or {}).get("name"),
        "public_service": None, "category": None, "contract": ld.get("employmentType"), "location": None,
        "city": address.get("addressLocality"), "postal_code": address.get("postalCode"), "department": None,
        "region": address.get("addressRegion"),
        "remote": "TELECOMMUTE" if ld.get("jobLocationType") == "TELECOMMUTE" else None,
        "salary": ld.get("baseSalary"), "published": ld.get("datePosted"), "deadline": ld.get("validThrough"),
        "description_html": ld.get("description"),
        "job_labels": labels if isinstance(labels, list) else [labels] if labels else [],
    }


def _api_raw(detail: Path) -> dict[str, Any]:
    """ARCHITECTURE.md's api column, literally."""
    d = json.loads(detail.read_text(encoding="utf-8"))
    org, loc = d.get("organization") or {}, d.get("location") or {}
    return {
        "source": "api", "kind": "api", "reference": d["reference"], "url": d["url"], "title": d["title"],
        "employer": org.get("name"), "ministry": org.get("ministry"), "public_service": None,
        "category": d.get("category"), "contract": d.get("contract_type"), "location": None,
        "city": loc.get("city"), "postal_code": loc.get("postal_code"), "department": loc.get("department"),
        "region": None, "remote": d.get("remote"), "salary": d.get("salary"), "published": d.get("published_at"),
        "deadline": d.get("closing_date"),
        "description_html": "\n".join(p for p in (d.get("description_html"), d.get("profile_html")) if p),
        "job_labels": [d["job_family"]] if d.get("job_family") else [],
    }


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def expected(samples_dir: Path) -> dict[tuple[str, str], dict[str, object]]:
    rows = {}
    for kind in ("pep", "jobposting", "feed", "api"):
        for row in record_rows(samples_dir / kind / "EXPECTED.md"):
            rows[(kind, str(row["reference"]))] = row
    return rows


@pytest.fixture(scope="module")
def raws(samples_dir: Path) -> dict[str, dict[str, Any]]:
    """Every sample posting's raw dict, by its EXPECTED.md id (D1, J1, F1, N5, 48401…)."""
    out: dict[str, dict[str, Any]] = {**PEP, **FEED}
    jp = samples_dir / "jobposting" / "samples" / "emploi"
    files = {"J1": "ingenieure-cloud-et-conteneurs-kubernetes-dnum",
             "J2": "data-engineer-plateforme-de-donnees-educatives-dne",
             "J3": "technicienne-support-et-proximite-informatique-drfip-gironde",
             "J4": "developpeuse-front-end-react-teletravail-ants",
             "J5": "designer-ux-ui-cour-des-comptes",
             "J6": "developpeuse-developpeur-back-end-python-dinum"}
    for key, folder in files.items():
        out[key] = _jobposting_raw(jp / folder / "index.html")
    for detail in sorted((samples_dir / "api" / "samples" / "api" / "v1" / "offers").glob("4*.json")):
        out[detail.stem] = _api_raw(detail)
    return out


def _normalize(raw: dict[str, Any]) -> NormalizedPosting:
    return normalize_posting(raw, crawl_time=CRAWL, digital_only=DIGITAL_ONLY[raw["kind"]])


def _comparable(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


IDS = ["D1", "D2", "D3", "D4", "D5", "D6", "D7", "D8", "J1", "J2", "J3", "J4", "J5", "J6",
       "F1", "F2", "F3", "F4", "F5", "F6", "N5", "N2",
       "48530", "48502", "48517", "48455", "48401", "48377", "48344", "48290", "48213"]


@pytest.mark.parametrize("key", IDS)
def test_sample_posting_matches_expected(key: str, raws: dict, expected: dict) -> None:
    raw = raws[key]
    posting = _normalize(raw)
    row = expected[(raw["kind"], posting.reference)]
    got = {c: _comparable(getattr(posting, c)) for c in COMPARED}
    assert got == {c: row[c] for c in COMPARED}
    assert posting.is_digital is (row["digital"] == "yes")
    assert posting.warnings == []
    assert posting.source == raw["source"]
    assert posting.url == raw["url"]


@pytest.mark.parametrize("key", IDS)
def test_ministry_is_only_what_the_source_states(key: str, raws: dict) -> None:
    raw = raws[key]
    posting = _normalize(raw)
    if raw["kind"] in ("pep", "feed"):
        assert posting.ministry is None
    else:
        assert posting.ministry == raw["ministry"]
    if posting.ministry:
        assert posting.public_service == "etat"


def test_territorial_employer_suffix(raws: dict) -> None:
    d3, d4 = _normalize(raws["D3"]), _normalize(raws["D4"])
    assert (d3.title, d3.employer) == ("Chef de projet applications métiers", "VILLE DE VILLEURBANNE")
    assert (d4.title, d4.employer) == ("Administrateur systèmes et réseaux", "Région Auvergne-Rhône-Alpes")


def test_descriptions(raws: dict) -> None:
    d1 = _normalize(raws["D1"])
    assert "Vos principales activités" in d1.description and "Maîtrise de PostgreSQL" in d1.description
    assert d1.description.startswith("Vos missions en quelques mots\n\nLa direction interministérielle")
    assert "\u00a0" not in d1.description and "&nbsp;" not in d1.description
    assert "\n- concevoir et développer des API REST" in d1.description
    assert "<h2>Profil recherché</h2>" in d1.description_html and "<div" not in d1.description_html
    d7 = _normalize(raws["D7"])
    assert "porte la vision produit" in d7.description and "Nationalité française exigée" in d7.description
    j1 = _normalize(raws["J1"])
    assert "concevez et maintenez les clusters Kubernetes" in j1.description
    assert "\n- concevez et maintenez les clusters Kubernetes" in j1.description  # a list item on its own line
    j3 = _normalize(raws["J3"])
    assert "pôle informatique de proximité" in j3.description  # entities decoded
    assert "&eacute;" not in j3.description_html
    f1 = _normalize(raws["F1"])
    assert f1.description.startswith("Missions\n\nLe service Infrastructures")
    api = _normalize(raws["48213"])
    assert "Bac+5 en informatique" in api.description  # profile_html follows description_html
    for posting in (d1, d7, j1, j3, f1, api):
        assert "\n\n\n" not in posting.description


def test_pep_references_and_employer_keys_for_dedup(raws: dict) -> None:
    d1, j6 = _normalize(raws["D1"]), _normalize(raws["J6"])
    assert j6.pep_references == ["2026-2561234"]  # M1's decisive evidence
    assert d1.pep_references == []
    assert d1.employer_key == j6.employer_key == "dinum"
    d4, f1 = _normalize(raws["D4"]), _normalize(raws["F1"])
    assert d4.employer_key == f1.employer_key  # M2: same real employer after the suffix rule
    j2, api = _normalize(raws["J2"]), _normalize(raws["48213"])
    assert j2.employer_key == api.employer_key  # M3


def test_salary_net_stays_apart() -> None:
    raw = {**PEP["D1"], "salary": ["Rémunération : 2 500 € net/mois", "Non renseignée"]}
    posting = _normalize(raw)
    assert (posting.salary_min, posting.salary_max) == (None, None)
    assert posting.salary_net == {"net_min": 2500, "net_max": 2500, "period": "monthly"}
    assert posting.warnings == []


def test_not_digital_posting_is_kept_but_flagged(raws: dict) -> None:
    teacher = _normalize(raws["48517"])
    assert teacher.is_digital is False and teacher.job_family is None
    assert teacher.title == "Professeur contractuel de mathématiques"


def test_digital_only_source_never_drops(raws: dict) -> None:
    raw = {**PEP["D1"], "title": "Chargé de mission (H/F)", "job_labels": [], "description_html": "<p>Divers</p>"}
    posting = normalize_posting(raw, crawl_time=CRAWL, digital_only=True)
    assert posting.is_digital is True and posting.job_family is not None


def test_relative_dates_use_the_crawl_time() -> None:
    raw = {**PEP["D1"], "published": "Publiée il y a 3 jours", "deadline": "aujourd'hui"}
    posting = _normalize(raw)
    assert (posting.published_at, posting.deadline) == (date(2026, 11, 19), date(2026, 11, 22))


def test_unreadable_fields_give_one_warning_each() -> None:
    raw = {**PEP["D1"], "deadline": "bientôt", "published": "31/02/2026", "contract": "Bénévole",
           "category": "Catégorie Z", "remote": "Peut-être", "public_service": "Secteur privé",
           "salary": ["Attractive"]}
    posting = _normalize(raw)
    fields = sorted(w.split(":")[0] for w in posting.warnings)
    assert fields == ["category", "contract", "deadline", "public_service", "published", "remote", "salary"]
    assert "deadline: unknown date format 'bientôt'" in posting.warnings
    assert (posting.deadline, posting.published_at, posting.contract, posting.category, posting.remote,
            posting.public_service, posting.salary_min) == (None,) * 7
    assert posting.title == "Développeur back-end Python"  # the rest is still read


@pytest.mark.parametrize(("location", "warned"), [
    ("Télétravail", False),               # the documented null place: no warning
    ("France entière", False),
    ("Toute la France", False),
    ("Télétravail partiel", False),
    ("Atlantide", True),                  # something given, nothing recognized
    ("Télétravail / Atlantide", True),
])
def test_no_fixed_place_is_null_without_warning(location: str, warned: bool) -> None:
    raw = {**PEP["D1"], "location": location, "department": None, "region": None}
    posting = _normalize(raw)
    assert (posting.city, posting.department_code, posting.region) == (None, None, None)
    assert any(w.startswith("place:") for w in posting.warnings) is warned


def test_year_left_out_depends_on_the_field() -> None:
    """Crawl on 2026-11-22: a publication is never in the future, a deadline may be next year."""
    raw = {**PEP["D1"], "published": "Publiée le 3 janvier", "deadline": "3 janvier"}
    posting = _normalize(raw)
    assert (posting.published_at, posting.deadline) == (date(2026, 1, 3), date(2027, 1, 3))
    assert posting.warnings == []


def test_dates_out_of_range_never_lose_the_posting() -> None:
    raw = {**PEP["D1"], "published": "il y a 99999999999 ans", "deadline": "9999-12-31T23:59:59Z"}
    posting = _normalize(raw)
    assert (posting.published_at, posting.deadline) == (None, None)
    assert sorted(posting.warnings) == ["deadline: implausible date '9999-12-31T23:59:59Z'",
                                        "published: implausible date 'il y a 99999999999 ans'"]


def test_unknown_source_labels_are_kept_in_the_evidence() -> None:
    raw = {**PEP["D1"], "job_labels": ["Métier inconnu des règles", "Numérique"]}
    posting = _normalize(raw)
    assert posting.job_family == _normalize(PEP["D1"]).job_family  # the result does not change
    assert posting.job_family_evidence["unknown_labels"] == ["Métier inconnu des règles"]
    assert _normalize(PEP["D1"]).job_family_evidence["unknown_labels"] == []
    json.dumps(posting.job_family_evidence)


def test_category_employer_without_suffix_warns() -> None:
    raw = {**PEP["D3"], "title": "Chef de projet applications métiers (h/f)"}
    posting = _normalize(raw)
    assert posting.employer == "Communes"
    assert any(w.startswith("employer:") for w in posting.warnings)


@pytest.mark.parametrize("raw", [
    {"source": "x", "kind": "pep"},
    {"source": "x", "kind": "api", "title": None, "salary": {"min": "n/a"}, "job_labels": None},
    {"source": "x", "kind": "feed", "title": 42, "employer": ["?"], "published": 20261122, "contract": {"a": 1},
     "description_html": "<p><b>non fermé", "remote": 1, "city": 75, "department": "???"},
    {"source": "x", "kind": "jobposting", "title": "<script>alert(1)</script>Dev", "description_html": "\x00",
     "salary": [{"value": {"minValue": "beaucoup"}}], "job_labels": "Informatique"},
])
def test_bad_input_never_raises(raw: dict[str, Any]) -> None:
    posting = normalize_posting(raw, crawl_time=CRAWL, digital_only=False)
    assert isinstance(posting, NormalizedPosting)
    assert posting.source == "x"
    assert isinstance(posting.record(), dict)


RAW_WITH_WARNINGS = {
    "source": "s", "kind": "api", "reference": "R-1", "url": "http://x.invalid/1",
    "title": "Développeur Python - Réf. 2026-12 (H/F)", "employer": "DINUM",
    "category": "A ou B", "contract": "Mission floue", "public_service": "Fonction inconnue",
    "remote": "Selon humeur", "salary": "Salaire mystère", "published": "bientôt", "deadline": "31/02/2026",
    "job_labels": ["Label inconnu", "Numérique"], "description_html": "<p>Python, SQL</p>",
}


def test_cached_readings_give_the_same_record_and_warnings_every_time():
    """Labels, salaries, dates and titles are read once and remembered: a second posting
    with the same values must still get every warning (in a list of its own) and an
    evidence that is its own copy."""
    first = normalize_posting(RAW_WITH_WARNINGS, crawl_time=CRAWL)
    first.job_family_evidence["matches"][0]["text"] = "changed by a caller"
    second = normalize_posting(RAW_WITH_WARNINGS, crawl_time=CRAWL)
    third = normalize_posting(RAW_WITH_WARNINGS, crawl_time=CRAWL)
    assert second.record() == third.record()
    assert second.job_family_evidence["matches"][0]["text"] != "changed by a caller"
    assert second.warnings is not third.warnings
    assert [w.split(":")[0] for w in second.warnings] == [
        "salary", "public_service", "category", "contract", "remote", "published", "deadline"]
