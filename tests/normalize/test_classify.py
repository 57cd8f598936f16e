"""The digital-job classifier: samples, replica, behaviours, and its measured quality."""

from __future__ import annotations

import html
import importlib.util
import json
import random
import re
import sys
from pathlib import Path

import pytest

from normalize.classify import JOB_FAMILIES, Classification, classify, load_rules
from normalize.text import fold, strip_accents

REPO = Path(__file__).resolve().parents[2]

# ----------------------------------------------------------------------------- samples
# Every sample posting of ../shared/sources, with the title and labels a spider passes
# (read from the sample pages; test_sample_labels_are_the_published_ones checks it) and the
# family EXPECTED.md gives (test_sample_table_matches_expected_md checks it).
# (kind, reference, file under samples/<kind>/, title as published, labels, family or None)
PEP_METIER_PAGE = "samples/offre-emploi/{}/index.html"
SAMPLES: list[tuple[str, str, str, str, tuple[str, ...], str | None]] = [
    ("pep", "2026-2561234", PEP_METIER_PAGE.format("developpeur-back-end-python-hf-reference-2026-2561234"),
     "Développeur back-end Python (H/F)", ("Développeuse / Développeur", "Numérique"), "developpement"),
    ("pep", "2026-2558790", PEP_METIER_PAGE.format("adjointe-au-rssi-ministriel-fh-reference-2026-2558790"),
     "ADJOINT(E) AU RSSI MINISTÉRIEL (F/H)",
     ("Responsable Sécurité des Systèmes d'Information - RSSI", "Numérique"), "cybersecurite"),
    ("pep", "O069261112000873", PEP_METIER_PAGE.format(
        "chef-de-projet-applications-metiers-hf---ville-de-villeurbanne-reference-O069261112000873"),
     "Chef de projet applications métiers (h/f) - VILLE DE VILLEURBANNE",
     ("Cheffe / Chef de projet maitrise d'œuvre SI", "Numérique"), "produit_projet"),
    ("pep", "O069261020001187", PEP_METIER_PAGE.format(
        "administrateur-systemes-et-reseaux-hf---region-auvergne-rhone-alpes-reference-O069261020001187"),
     "Administrateur systèmes et réseaux (H/F) - Région Auvergne-Rhône-Alpes",
     ("Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms", "Numérique"),
     "infrastructure"),
    ("pep", "2026-2549016",
     PEP_METIER_PAGE.format("architecte-technique-infrastructures-et-cloud-fh-reference-2026-2549016"),
     "Architecte technique infrastructures et cloud F/H", ("Architecte technique", "Numérique"), "architecture"),
    ("pep", "2026-2552377", PEP_METIER_PAGE.format("data-engineer-fh-reference-2026-2552377"),
     "Data engineer\u00a0(F/H)", ("Data engineer", "Numérique"), "data"),
    ("pep", "DEF_15-00071842",
     PEP_METIER_PAGE.format("product-owner-plateforme-de-supervision---hf-reference-DEF_15-00071842"),
     "Product Owner plateforme de supervision - H/F", ("Product Owner", "Numérique"), "produit_projet"),
    ("pep", "2026-2451189", PEP_METIER_PAGE.format("technicien-informatique-de-proximite-hf-reference-2026-2451189"),
     "Technicien informatique de proximité (H/F)",
     ("Technicienne / Technicien support utilisateurs", "Numérique"), "support"),
    ("jobposting", "DNUM-2026-0187", "samples/emploi/ingenieure-cloud-et-conteneurs-kubernetes-dnum/index.html",
     "Ingénieur·e cloud & conteneurs (Kubernetes) H/F",
     ("M1801 - Administration de systèmes d'information",), "infrastructure"),
    ("jobposting", "DNE-2026-114", "samples/emploi/data-engineer-plateforme-de-donnees-educatives-dne/index.html",
     "Data engineer - plateforme de données éducatives (H/F)", ("Data / Intelligence artificielle",), "data"),
    ("jobposting", "DRFIP33-2026-052",
     "samples/emploi/technicienne-support-et-proximite-informatique-drfip-gironde/index.html",
     "Technicien·ne support et proximité informatique (H/F)",
     ("M1810 - Production et exploitation de systèmes d'information",), "support"),
    ("jobposting", "ANTS-2026-DEV-07", "samples/emploi/developpeuse-front-end-react-teletravail-ants/index.html",
     "Développeur·se front-end React (F/H) – 100 % télétravail",
     ("M1805 - Études et développement informatique",), "developpement"),
    ("jobposting", "CCOMPTES-2026-031", "samples/emploi/designer-ux-ui-cour-des-comptes/index.html",
     "Designer UX/UI (F/H)", ("Design",), "design"),
    ("jobposting", "DINUM-2026-042", "samples/emploi/developpeuse-developpeur-back-end-python-dinum/index.html",
     "Développeuse / Développeur back-end Python",
     ("M1805 - Études et développement informatique",), "developpement"),
    ("feed", "ETA-2026-004560", "samples/offres/rss.xml",
     "Directeur des systèmes d'information (F/H)", ("Informatique",), "autre_numerique"),
    ("feed", "ETA-2026-004552", "samples/offres/rss.xml",
     "Auxiliaire de puériculture (H/F)", ("Petite enfance",), None),
    ("feed", "ETA-2026-004541", "samples/offres/rss.xml",
     "Technicien de maintenance des bâtiments (H/F)", ("Bâtiment et patrimoine",), None),
    ("feed", "ETA-2026-004533", "samples/offres/rss.xml",
     "Responsable de la sécurité des systèmes d'information (RSSI) (H/F)", ("Informatique",), "cybersecurite"),
    ("feed", "ETA-2026-004517", "samples/offres/rss.xml",
     "Comptable – gestionnaire budgétaire et financier (H/F)", ("Finances",), None),
    ("feed", "ETA-2026-004502", "samples/offres/rss.xml",
     "Chargé d'études data / data analyst (H/F)", ("Informatique",), "data"),
    ("feed", "ETA-2026-004489", "samples/offres/rss.xml", "Agent d'entretien des locaux (H/F)",
     ("Entretien et propreté",), None),
    ("feed", "ETA-2026-004471", "samples/offres/rss.xml",
     "Gestionnaire ressources humaines carrière et paie (H/F)", ("Ressources humaines",), None),
    ("feed", "ETA-2026-004455", "samples/offres/rss.xml", "Développeur web PHP / Symfony (H/F)",
     ("Informatique",), "developpement"),
    ("feed", "ETA-2026-004402", "samples/offres/rss.xml", "Infirmier / Infirmière en EHPAD (H/F)",
     ("Médico-social",), None),
    ("feed", "ETA-2026-004398", "samples/offres/rss.xml", "Technicien informatique de proximité (H/F)",
     ("Informatique",), "support"),
    ("feed", "ETA-2026-004187", "samples/offres/rss.xml",
     "Ingénieur systèmes et réseaux – site de Clermont-Ferrand (F/H)", ("Informatique",), "infrastructure"),
]
API_SAMPLES: list[tuple[int, str | None]] = [
    (48530, "cybersecurite"), (48502, "produit_projet"), (48517, None), (48455, "infrastructure"),
    (48401, "support"), (48377, "developpement"), (48344, None), (48290, None), (48213, "data"),
]


def _api_detail(samples_dir: Path, offer_id: int) -> dict:
    return json.loads((samples_dir / "api/samples/api/v1/offers" / f"{offer_id}.json").read_text(encoding="utf-8"))


def _text_of(fragment: str) -> str:
    from lxml import html as lxml_html
    return lxml_html.fromstring(f"<div>{fragment}</div>").text_content()


def _decoded(text: str) -> str:
    """A sample file's text with HTML entities and JSON \\uXXXX escapes decoded, folded."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)
    return fold(html.unescape(text))


@pytest.mark.samples
@pytest.mark.parametrize("kind,reference,file,title,labels,family", SAMPLES, ids=[s[1] for s in SAMPLES])
def test_sample_postings(kind, reference, file, title, labels, family) -> None:
    got = classify(title, labels, digital_only=kind == "pep")
    assert (got.job_family, got.is_digital) == (family, family is not None), got.evidence


@pytest.mark.samples
@pytest.mark.parametrize("offer_id,family", API_SAMPLES)
def test_api_sample_postings(samples_dir: Path, offer_id: int, family: str | None) -> None:
    doc = _api_detail(samples_dir, offer_id)
    description = _text_of(doc["description_html"] + doc["profile_html"])
    got = classify(doc["title"], [doc["job_family"]], description)
    assert (got.job_family, got.is_digital) == (family, family is not None), got.evidence


@pytest.mark.samples
def test_teacher_mentioning_digital_tools_is_not_digital(samples_dir: Path) -> None:
    doc = _api_detail(samples_dir, 48517)
    description = _text_of(doc["description_html"])
    assert "outils numériques" in description
    for labels in ([doc["job_family"]], []):
        assert classify(doc["title"], labels, description).is_digital is False


@pytest.mark.samples
def test_feed_items_with_every_category_still_classify(samples_dir: Path) -> None:
    """A feed spider may pass all of an item's categories: "Catégorie A", the contract…"""
    rss = (samples_dir / "feed/samples/offres/rss.xml").read_text(encoding="utf-8")
    from lxml import etree
    items = etree.fromstring(rss.encode()).iter("item")
    expected = {ref: fam for kind, ref, _, _, _, fam in SAMPLES if kind == "feed"}
    for item in items:
        ref = item.findtext("guid")
        categories = [c.text for c in item.iter("category")]
        got = classify(item.findtext("title"), categories)
        assert got.job_family == expected[ref], (ref, categories, got.evidence)


@pytest.mark.samples
def test_sample_labels_are_the_published_ones(samples_dir: Path) -> None:
    for kind, reference, file, title, labels, _ in SAMPLES:
        text = _decoded((samples_dir / kind / file).read_text(encoding="utf-8"))
        for label in labels:
            assert fold(label) in text, (reference, label)
        assert fold(title.split(" (")[0].replace("\u00a0", " ")) in text.replace("\u00a0", " "), reference
    for offer_id, _ in API_SAMPLES:
        assert _api_detail(samples_dir, offer_id)["job_family"]


@pytest.mark.samples
def test_sample_table_matches_expected_md(samples_dir: Path) -> None:
    from expected_tables import record_rows

    contract: dict[str, str | None] = {}
    for kind in ("pep", "jobposting", "feed", "api"):
        for row in record_rows(samples_dir / kind / "EXPECTED.md"):
            contract[str(row["reference"])] = row["job_family"] if row["digital"] == "yes" else None
    mine = {ref: fam for _, ref, _, _, _, fam in SAMPLES}
    for offer_id, fam in API_SAMPLES:
        mine[_api_detail(samples_dir, offer_id)["reference"]] = fam
    assert len(mine) == 8 + 6 + 12 + 9
    assert mine == {ref: contract[ref] for ref in mine}


@pytest.mark.samples
def test_pep_listing_cards_are_digital_without_the_pep_flag(samples_dir: Path) -> None:
    """Recall check: the 25 cards of pep's digital listing, read as a mixed source would."""
    from expected_tables import tables

    md = (samples_dir / "pep/EXPECTED.md").read_text(encoding="utf-8")
    cards = next(t for t in tables(md) if t and "card title (as published)" in t[0])
    assert len(cards) == 25
    for card in cards:
        title = html.unescape(card["card title (as published)"])
        got = classify(title)
        assert got.is_digital and got.job_family in JOB_FAMILIES, (title, got.evidence)


# ----------------------------------------------------------------------------- replica

def _replica_cases():
    """(title, labels, description, digital_only, family) as each spider would pass them."""
    from crawlers.replica import data as D
    from crawlers.replica.generator import GENDER_MARKERS, reword

    def description(family: str | None) -> str:
        return f"{D.MISSIONS[family]} {D.PROFILES[family]}"

    def wordings(title: str) -> set[str]:
        out = {title, title.upper()}
        for seed in range(40):   # reword() picks at random among its variants
            out.add(reword(title, random.Random(seed)))
        return out

    for job in D.DIGITAL_TITLES:
        api_label = "Sécurité des systèmes d'information" if job.family == "cybersecurite" else "Systèmes d'information"
        for wording in sorted(wordings(job.title)):
            for marker in GENDER_MARKERS:
                shown = f"{wording} {marker}".strip()
                for desc in (None, description(job.family)):
                    yield f"{shown} - Ville de Mâcon", (job.metier, "Numérique"), desc, True, job.family
                    yield shown, (job.metier, "Numérique"), desc, True, job.family
                    yield f"{shown} - Réf. 2026-123456", (D.OCCUPATIONAL[job.family],), desc, False, job.family
                    yield shown, (job.domain,), desc, False, job.family
                    yield shown, (api_label,), desc, False, job.family
    for job in D.NON_DIGITAL_TITLES:
        for wording in sorted(wordings(job.title)):
            for desc in (None, description(None)):
                yield wording, (job.domain,), desc, False, None
                yield wording, (D.API_NON_DIGITAL_LABEL[job.title],), desc, False, None


def test_families_are_the_replica_families() -> None:
    from crawlers.replica import data as D

    assert JOB_FAMILIES == D.FAMILIES


def test_replica_titles_classify_as_the_generator_says() -> None:
    wrong = []
    cases = 0
    for title, labels, desc, digital_only, family in _replica_cases():
        cases += 1
        got = classify(title, labels, desc, digital_only=digital_only)
        if got.job_family != family or got.is_digital != (family is not None):
            wrong.append((title, labels, got.job_family, family))
    assert cases > 3000
    assert wrong == []


# ----------------------------------------------------------------------------- behaviours

@pytest.mark.parametrize("title,family", [
    # accents and case
    ("DÉVELOPPEUR JAVA", "developpement"),
    ("developpeur java", "developpement"),
    ("Développeur Java", "developpement"),
    # gender forms
    ("Développeuse Java", "developpement"),
    ("Technicienne support utilisateurs", "support"),
    ("Cheffe de projet informatique", "produit_projet"),
    ("Ingénieure systèmes", "infrastructure"),
    ("Technicien·ne support", "support"),
    ("Ingénieur.e réseaux", "infrastructure"),
    ("Administratrice systèmes et réseaux", "infrastructure"),
    ("ADJOINT(E) AU RSSI", "cybersecurite"),
    ("Directrice des systèmes d'information", "autre_numerique"),
    # abbreviations
    ("Dév. Java", "developpement"),
    ("Ingé DevOps", "infrastructure"),
    ("DSI adjoint", "autre_numerique"),
    ("RSSI", "cybersecurite"),
    ("Analyste SOC", "cybersecurite"),
    ("SRE", "infrastructure"),
    ("PO - plateforme de téléservices", "produit_projet"),
    ("UX/UI designer", "design"),
    ("Chef de projet S.I.", "produit_projet"),
    # the pep sample card the issue names
    ("Ingénieur DevOps / SRE", "infrastructure"),
    # head noun first: a project manager is produit_projet whatever the subject
    ("Chef de projet SI décisionnel", "produit_projet"),
    ("Administrateur de bases de données", "data"),
])
def test_title_forms(title: str, family: str) -> None:
    got = classify(title)
    assert (got.job_family, got.is_digital) == (family, True), got.evidence


@pytest.mark.parametrize("title,labels", [
    ("Technicien de maintenance des bâtiments", ()),
    ("Chargé de communication numérique", ()),
    ("Gestionnaire de données RH", ()),
    ("Chargé de validation des acquis", ()),          # "data" is not inside "validation"
    ("Assistant de direction, si possible bilingue", ()),  # "si" is not "SI"
    ("Professeur d'informatique", ("Enseignement",)),
    ("Acheteur informatique", ()),
    ("Chef de projet travaux", ()),
    ("Architecte des bâtiments de France", ()),
    ("Responsable sécurité incendie", ()),
    ("Technicien réseaux de chaleur", ()),
    ("Gestionnaire de parc automobile", ()),
    ("Agent d'entretien", ("Entretien",)),
    ("Jardinier (H/F) - Ville de Mâcon", ()),          # "Mâcon" is not "maçon", and never digital anyway
])
def test_near_misses_are_not_digital(title: str, labels: tuple[str, ...]) -> None:
    got = classify(title, labels)
    assert (got.job_family, got.is_digital) == (None, False), got.evidence


@pytest.mark.parametrize("title,family", [
    ("Technicien réseaux de chaleur", None),       # overlapping: "technicien réseaux" | "réseau de chaleur"
    ("Ingénieur sécurité incendie", None),         # "ingénieur sécurité" | "sécurité incendie"
    ("Animateur numérique", "autre_numerique"),    # a longer digital keyword contains "animateur"
    ("Conseiller numérique France Services", "autre_numerique"),
])
def test_non_digital_keywords_are_not_hidden_by_overlaps(title: str, family: str | None) -> None:
    assert classify(title).job_family == family


@pytest.mark.parametrize("title,labels,family", [
    # a job name in the title says the family better than a board's coarse domain
    ("Ops / SRE", ["Développement"], "infrastructure"),
    ("Ingénieur·e DevOps", ["Développement"], "infrastructure"),
    ("Administrateur·rice systèmes / SRE", ["Développement"], "infrastructure"),
    ("Data engineer", ["Développement"], "data"),
    # the domain still decides when the title names no job of another family
    ("Développeur·se fullstack", ["Développement"], "developpement"),
    ("Chargé de mission", ["Développement"], "developpement"),
    ("Intrapreneur·e", ["Produit"], "produit_projet"),
    # an official métier label (pep "Métier de référence") keeps its full weight
    ("Ingénieur DevOps", ["Développeuse / Développeur"], "developpement"),
])
def test_a_coarse_domain_label_yields_to_the_title(title: str, labels: list[str], family: str) -> None:
    c = classify(title, labels)
    assert c.is_digital and c.job_family == family, c.evidence


def test_data_needs_a_word_boundary() -> None:
    assert classify("Data engineer").job_family == "data"
    assert not any(e["text"].lower() == "data" for e in classify("Chargé de validation").evidence)


def test_evidence_explains_the_decision() -> None:
    got = classify("Data engineer (F/H)", ["Data engineer", "Numérique"])
    assert got.evidence[0] == {"rule": "label", "text": "Data engineer", "family": "data", "weight": 8.0,
                               "digital": 8.0, "list": "labels"}
    assert {"rule": "title", "text": "Data engineer", "family": "data", "weight": 6.0, "digital": 6.0,
            "list": "jobs"} in got.evidence
    assert got.score == sum(e["digital"] for e in got.evidence)
    stored = got.as_evidence()
    assert stored["family"] == "data" and stored["score"] == got.score and len(stored["matches"]) == 3
    assert stored["unknown_labels"] == []
    json.dumps(stored)


@pytest.mark.parametrize("title,texts", [
    ("Technicien·ne support (H/F)", ["Technicien·ne support"]),
    ("Cheffe de projet informatique", ["Cheffe de projet informatique"]),
    ("Développeuse / Développeur", ["Développeuse"]),          # one job name counts once
    ("ADJOINT(E) AU RSSI", ["RSSI"]),
    ("Ingé systèmes Linux", ["Ingé systèmes", "Linux"]),
])
def test_title_matches_keep_the_published_spelling(title: str, texts: list[str]) -> None:
    assert [e["text"] for e in classify(title).evidence] == texts


def test_unknown_label_falls_back_to_keywords() -> None:
    got = classify("Développeur", ["Catégorie A", "Titulaire ou contractuel"])
    assert got.job_family == "developpement"
    assert got.unknown_labels == ("Catégorie A", "Titulaire ou contractuel")
    # stored with the posting (job_family_evidence), not only logged: visible, fixable later
    assert got.as_evidence()["unknown_labels"] == ["Catégorie A", "Titulaire ou contractuel"]
    # an unknown métier label is read for its words
    got = classify("Chargé de mission", ["Ingénieure / Ingénieur cloud"])
    assert (got.job_family, got.unknown_labels) == ("infrastructure", ("Ingénieure / Ingénieur cloud",))
    assert got.evidence[0]["rule"] == "label_words"


@pytest.mark.parametrize("title,labels,unknown", [
    ("Développeur", ["Développeuse / Développeur", "Numérique"], []),
    ("Développeur", ["Chargée / Chargé de la valorisation des données patrimoniales"],
     ["Chargée / Chargé de la valorisation des données patrimoniales"]),   # a CSP métier the rules miss
    ("Chargé de mission", ["Métier inconnu", "M1805 - Études et développement informatique"], ["Métier inconnu"]),
])
def test_unknown_labels_are_stored_with_the_evidence(title: str, labels: list[str], unknown: list[str]) -> None:
    got = classify(title, labels)
    assert got.as_evidence()["unknown_labels"] == unknown
    json.dumps(got.as_evidence())


def test_known_label_beats_the_title_keywords() -> None:
    # the official métier names the family even when the title leans elsewhere
    got = classify("Chef de projet SI décisionnel", ["Data engineer"])
    assert got.job_family == "data"


def test_rome_codes_in_labels() -> None:
    assert classify("Chargé de mission", ["M1805 - Études et développement informatique"]).job_family == "developpement"
    # M1802 says digital, not which family: the title decides
    m1802 = "M1802 - Expertise et support en systèmes d'information"
    assert classify("Analyste SOC", [m1802]).job_family == "cybersecurite"
    assert classify("Chargé de mission", ["M1802"]).job_family == "autre_numerique"
    # a non-digital ROME label is read for its words
    assert classify("Professeur", ["K2107 - Enseignement général du second degré"]).is_digital is False


def test_title_outweighs_description() -> None:
    description = "Données, data, SQL, statistiques, tableaux de bord, entrepôt de données."
    assert classify("Chef de projet informatique", description=description).job_family == "produit_projet"


@pytest.mark.parametrize("description,family", [
    ("Vous administrez les serveurs Linux, la virtualisation et les sauvegardes.", "infrastructure"),
    ("Vous écrivez des tests automatisés et participez aux revues de code en Python.", "developpement"),
])
def test_description_breaks_title_ties(description: str, family: str) -> None:
    title = "Développeur / administrateur systèmes"   # two job names, equal weight
    assert classify(title).job_family in ("developpement", "infrastructure")
    assert classify(title, description=description).job_family == family


def test_description_alone_never_makes_a_job_digital() -> None:
    description = ("Vous développez des applications web, administrez les serveurs Linux, "
                   "pilotez la cybersécurité, le système d'information et les tests automatisés en Python.")
    got = classify("Chargé de mission", description=description)
    assert got.is_digital is False and got.job_family is None
    assert any(e["rule"] == "description" for e in got.evidence)


def test_vague_words_do_not_add_up_to_digital() -> None:
    # "technicien", "maintenance", "réseau" each fit IT jobs, but not together without context
    assert classify("Technicien de maintenance des réseaux d'eau").is_digital is False
    assert classify("Technicien de maintenance des réseaux", ["Informatique"]).job_family == "support"


@pytest.mark.parametrize("title,labels", [
    ("Chargé de mission", ()),
    ("Infirmier", ("Médico-social",)),
    ("", ()),
    (None, ()),
])
def test_digital_only_never_gives_not_digital(title, labels) -> None:
    got = classify(title, labels, digital_only=True)
    assert (got.job_family, got.is_digital) == ("autre_numerique", True)


@pytest.mark.parametrize("title,labels,description", [
    (None, (), None),
    ("", [], ""),
    ("   ", ["", "  "], "   "),
    ("Développeur", "Informatique", None),                 # a bare string instead of a list
    ("Développeur", [None, 3, "Informatique"], None),      # junk in the labels
    ("Développeur", None, None),
    ("Développeur", 42, 42),                             # not even iterable
    ("(H/F) - · . ( )", (), "<p></p>"),
])
def test_odd_input_never_raises(title, labels, description) -> None:
    got = classify(title, labels, description)
    assert isinstance(got, Classification)
    assert got.job_family in (*JOB_FAMILIES, None)


def test_bare_string_label_is_one_label() -> None:
    got = classify("Développeur", "Informatique")
    assert [e["text"] for e in got.evidence if e["rule"] == "label"] == ["Informatique"]


def test_accent_free_and_capitalised_titles_agree() -> None:
    for title in ("Ingénieur cybersécurité", "Développeuse front-end", "Chef de projet maîtrise d'ouvrage SI"):
        families = {classify(t).job_family for t in (title, title.upper(), strip_accents(title))}
        assert len(families) == 1, title


def test_rules_file_problems_are_all_reported(tmp_path: Path) -> None:
    rules = (REPO / "normalize/data/classifier_rules.toml").read_text(encoding="utf-8")
    bad = rules.replace('jobs = ["développeur", ', 'jobs = ["développeuse", "développeur", ', 1)
    bad = bad.replace("[families.design]", "[families.dessin]\njobs = []\n\n[families.design]", 1)
    path = tmp_path / "rules.toml"
    path.write_text(bad, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        load_rules(path)
    assert "'développeur' (developpement/jobs) repeats 'développeuse'" in str(err.value)
    assert "unknown family 'dessin'" in str(err.value)


# ----------------------------------------------------------------------------- quality

def _bench():
    """bench/classifier.py, loaded from its path (bench/ is not an installed package)."""
    name = "bench_classifier_under_test"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / "classifier.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module          # dataclasses look their module up while defined
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_labelled_set_precision_and_recall() -> None:
    bench = _bench()
    examples = bench.load_examples()
    digital = sum(e.digital for e in examples)
    assert len(examples) >= 200 and 0.35 < digital / len(examples) < 0.65
    assert {e.family for e in examples if e.digital} == set(JOB_FAMILIES)
    ev = bench.evaluate(examples)
    assert ev.precision >= 0.95, ev.errors
    assert ev.recall >= 0.95, ev.errors
    assert ev.family_accuracy >= 0.90, ev.confusions


def test_bench_counts_are_right() -> None:
    bench = _bench()
    ex = [bench.Example("Développeur", (), None, True, "developpement"),
          bench.Example("Jardinier", (), None, True, "developpement"),
          bench.Example("Data engineer", (), None, False, None),
          bench.Example("Infirmier", (), None, False, None),
          bench.Example("Data analyst", (), None, True, "design")]
    ev = bench.evaluate(ex)
    assert (ev.true_pos, ev.false_neg, ev.false_pos, ev.true_neg) == (2, 1, 1, 1)
    assert ev.precision == pytest.approx(2 / 3) and ev.recall == pytest.approx(2 / 3)
    assert (ev.family_right, ev.family_total) == (1, 2)
    assert ev.confusions == {("design", "data"): 1}
