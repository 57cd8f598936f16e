"""pep page objects on every sample page: listing cards and the 8 offer pages, field by field.

Values that EXPECTED.md states as published (references, card titles and employers, codes,
regions, dates) are read from its tables; the raw wordings EXPECTED.md only describes in
prose (places, salary texts, métiers) are spelled out here.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from crawl_kit import BASE_URLS, french_date
from expected_tables import record_rows, tables

from crawlers.pages.pep import PepListingPage, PepOfferPage, reference_from_url
from normalize.text import clean_whitespace

BASE = BASE_URLS["pep"]
LISTING = "/nos-offres/filtres/domaine/3522/page/{n}/"
VERSANTS = {"etat": "Fonction publique de l'État", "territoriale": "Fonction publique Territoriale",
            "hospitaliere": "Fonction publique Hospitalière"}
CONTRACTS = {"titulaire_ou_contractuel": "Emploi ouvert aux titulaires et aux contractuels",
             "titulaire": "Emploi ouvert uniquement aux titulaires",
             "contractuel": "Emploi ouvert uniquement aux contractuels"}
#: per offer page: (li.ic--pin place, Rémunération range texts, Métier de référence)
RAW = {
    "2026-2561234": ("20 AVENUE DE SÉGUR 75007 PARIS",
                     ["Entre 48 000 € et 62 000 € brut annuel, selon expérience",
                      "Entre 45 000 € et 58 000 € brut annuel (grille indiciaire et primes)"],
                     "Développeuse / Développeur"),
    "2026-2558790": ("35 RUE DE LA GARE 75019 PARIS", ["Non renseigné"],  # no cell: the JSON-LD fallback
                     "Responsable Sécurité des Systèmes d'Information - RSSI"),
    "O069261112000873": ("Villeurbanne", ["Non renseignée", "Non renseignée"],
                         "Cheffe / Chef de projet maitrise d'œuvre SI"),
    "O069261020001187": ("Clermont-Ferrand", ["Non renseignée", "Non renseignée"],
                         "Administratrice / Administrateur d'outils, de systèmes, de réseaux et/ou de télécoms"),
    "2026-2549016": ("ALLÉE DES TOPAZES 97400 SAINT-DENIS",
                     ["42 000 € – 55 000 € bruts annuels",
                      "Selon grille indiciaire des ingénieurs hospitaliers, majorée de 40 % (indemnité de vie chère)"],
                     "Architecte technique"),
    "2026-2552377": ("165 RUE GARIBALDI 69003 LYON",
                     ["De 40 000 € à 52 000 € bruts annuels selon diplôme et expérience", "Non renseignée"],
                     "Data engineer"),
    "DEF_15-00071842": (None, ["Entre 3 200 € et 4 200 € brut mensuel", "Non renseignée"], "Product Owner"),
    "2026-2451189": ("PALAIS LANTIVY COURS NAPOLÉON 20188 AJACCIO CEDEX 1",
                     ["Non renseignée", "Entre 2 250 € et 2 950 € brut mensuel selon échelon"],
                     "Technicienne / Technicien support utilisateurs"),
}
#: text that must (first) and must not (second) be in the description of some pages
DESCRIPTION = {
    "2026-2561234": (["Vos principales activités", "Maîtrise de PostgreSQL"], []),
    "DEF_15-00071842": (["porte la vision produit", "Nationalité française exigée"], []),
}
NOT_DESCRIPTION = ("Des offres d'emplois recommandées", "Qui sommes-nous", "Éléments de candidature",
                   "Documents à transmettre", "Ajouter aux favoris", "Partager la page", "À propos de l'offre",
                   "Informations complémentaires", "Vacant", "cookies")


def _cards_table(samples: Path) -> list[dict[str, str]]:
    """The "Listing cards" table; its first "page" column (the listing page) as ``listing_page``."""
    md = (samples / "pep" / "EXPECTED.md").read_text(encoding="utf-8")
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|") and "card title (as published)" in line)
    header = [c.strip() for c in lines[start].strip().strip("|").split("|")]
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        row = dict(zip(header, cells, strict=True))
        row["listing_page"] = cells[header.index("page")]
        rows.append(row)
    return rows


def _files_table(samples: Path) -> dict[str, str]:
    md = (samples / "pep" / "EXPECTED.md").read_text(encoding="utf-8")
    rows = next(rows for rows in tables(md) if rows and "offer page" in rows[0])
    return {r["#"]: r["offer page"].strip("`") for r in rows}


def _published(cell: str) -> str:
    return clean_whitespace(html.unescape(cell.strip("`")))


def _listing(samples: Path, n: int) -> PepListingPage:
    path = samples / "pep" / "samples" / LISTING.format(n=n).lstrip("/") / "index.html"
    return PepListingPage(path.read_text(encoding="utf-8"), BASE + LISTING.format(n=n))


@pytest.fixture(scope="module")
def cards(samples_dir: Path) -> dict[str, tuple[int, object]]:
    """reference → (page number, card) over both listing pages."""
    out = {}
    for n in (1, 2):
        for card in _listing(samples_dir, n).cards:
            out[card.reference] = (n, card)
    return out


def test_listing_pages_have_20_then_5_offer_cards_in_table_order(samples_dir):
    rows = _cards_table(samples_dir)
    for n, count in ((1, 20), (2, 5)):
        page = _listing(samples_dir, n)
        refs = [c.reference for c in page.cards]
        assert len(refs) == count
        assert refs == [r["reference"].strip("`") for r in rows if r["listing_page"] == str(n)]
        assert page.skipped_cards == 0
        # the "Créer une alerte" and "Nos conseils" cards are fr-cards too, but not offers
        assert all("/offre-emploi/" in c.url for c in page.cards)


def test_next_link_on_page_1_and_disabled_on_page_2(samples_dir):
    assert _listing(samples_dir, 1).next_url == BASE + LISTING.format(n=2)
    assert _listing(samples_dir, 2).next_url is None


@pytest.mark.parametrize("column", ["card title (as published)", "card employer", "department_code",
                                    "public_service", "published_at", "reference"])
def test_every_card_field_matches_the_listing_cards_table(samples_dir, cards, column):
    for row in _cards_table(samples_dir):
        ref = row["reference"].strip("`")
        page, card = cards[ref]
        assert str(page) == row["listing_page"]
        expected = None if row[column] == "null" else row[column]
        got = _card_value(card, column)
        if column == "card title (as published)":
            expected = _published(expected)
        elif column == "reference":
            expected = expected.strip("`")
        assert got == expected, (ref, column)


def _card_value(card, column: str):
    if column == "card title (as published)":
        return card.title
    if column == "card employer":
        return card.employer
    if column == "department_code":
        return card.department_code
    if column == "public_service":
        return {v: k for k, v in VERSANTS.items()}[card.versant]
    if column == "published_at":
        return french_date(card.published)
    return reference_from_url(card.url)


def test_cards_carry_domain_place_label_and_a_stable_distinct_listing_key(samples_dir, cards):
    assert {card.domain for _, card in cards.values()} == {"Numérique"}
    assert cards["2026-2547731"][1].location is None  # card 14 has no "Localisation"
    assert cards["O093261006000771"][1].location == "Seine Saint Denis"
    assert cards["2026-2561234"][1].location == "Paris"
    keys = [card.listing_key for _, card in cards.values()]
    assert len(set(keys)) == 25
    again = {c.reference: c.listing_key for c in _listing(samples_dir, 1).cards}
    assert all(cards[ref][1].listing_key == key for ref, key in again.items())


def test_card_listing_key_changes_with_the_card_text(samples_dir):
    path = samples_dir / "pep" / "samples" / LISTING.format(n=2).lstrip("/") / "index.html"
    text = path.read_text(encoding="utf-8")
    before = {c.reference: c.listing_key for c in PepListingPage(text, BASE).cards}
    changed = text.replace("En ligne depuis le 02 octobre 2026", "En ligne depuis le 03 octobre 2026")
    after = {c.reference: c.listing_key for c in PepListingPage(changed, BASE).cards}
    assert before["2026-2451189"] != after["2026-2451189"]
    assert {k: v for k, v in before.items() if k != "2026-2451189"} == \
        {k: v for k, v in after.items() if k != "2026-2451189"}


@pytest.fixture(scope="module")
def offers(samples_dir: Path) -> dict[str, tuple[PepOfferPage, object]]:
    """reference (EXPECTED) → (page object, its RawPosting)."""
    files = _files_table(samples_dir)
    out = {}
    for row in record_rows(samples_dir / "pep" / "EXPECTED.md"):
        number = next(k for k, v in files.items() if v.endswith(f"-reference-{row['reference']}/index.html"))
        path = samples_dir / "pep" / "samples" / files[number]
        url = BASE + "/" + files[number].removesuffix("index.html")
        page = PepOfferPage(path.read_text(encoding="utf-8"), url)
        out[row["reference"]] = (page, page.to_raw("pep"))
    return out


def _expected_rows(samples_dir: Path) -> list[dict]:
    return record_rows(samples_dir / "pep" / "EXPECTED.md")


def test_offer_pages_give_every_raw_field(samples_dir, offers, cards):
    cards_by_ref = {r["reference"].strip("`"): r for r in _cards_table(samples_dir)}
    for row in _expected_rows(samples_dir):
        ref = row["reference"]
        _page, raw = offers[ref]
        card_row = cards_by_ref[ref]
        place, salary, metier = RAW[ref]
        assert (raw.source, raw.kind, raw.reference) == ("pep", "pep", ref)
        assert raw.url == cards[ref][1].url  # canonical URL = the card's href
        assert raw.title == _published(card_row["card title (as published)"])
        assert raw.employer == card_row["card employer"]
        assert raw.public_service == VERSANTS[row["public_service"]]
        assert raw.category.split()[:2] == ["Catégorie", row["category"]]
        assert raw.contract == CONTRACTS[row["contract"]]
        assert raw.location == place
        if row["city"]:
            assert row["city"].upper().replace("É", "E") in raw.location.upper().replace("É", "E")
        assert raw.department.endswith(f"({row['department_code']})")
        assert raw.region == row["region"]
        assert raw.remote == {"partiel": "Oui", "aucun": "Non", None: None}[row["remote"]]
        assert raw.salary == salary
        day, month, year = raw.published.split("/")
        assert f"{year}-{month}-{day}" == row["published_at"]
        if row["deadline"]:
            day, month, year = raw.deadline.split("/")
            assert f"{year}-{month}-{day}" == row["deadline"]
        else:
            assert raw.deadline is None
        assert raw.job_labels == [metier, "Numérique"]
        assert raw.ministry is None and raw.city is None and raw.postal_code is None
        assert raw.experience in ("Confirmé", "Débutant")
        assert raw.extra["management"] in ("Oui", "Non")


def test_offer_description_is_only_missions_and_profile(offers, cards):
    other_titles = {card.title for _, card in cards.values()}
    for ref, (_page, raw) in offers.items():
        desc = raw.description_html
        assert desc.startswith("<h2>Vos missions en quelques mots</h2>")
        assert "Profil recherché" in desc
        must, _ = DESCRIPTION.get(ref, ([], []))
        for text in must:
            assert text in desc, (ref, text)
        for text in NOT_DESCRIPTION:
            assert text not in desc, (ref, text)
        assert not [t for t in other_titles if t in desc], ref


def test_offer_page_without_hero_falls_back_to_the_jsonld():
    page = PepOfferPage("""<html><head><link rel="canonical" href="https://x.gouv.fr/offre-emploi/a-reference-2026-1/"></head>
        <body><main class="main-content-single-offer" data-reference="2026-1"></main>
        <script type="application/ld+json">\ufeff {"@type": "JobPosting", "title": "Data engineer\\u00a0(F/H)",
         "hiringOrganization": "Communes", "datePosted": "18/11/2026", "baseSalary": "Non renseign\\u00e9",
         "jobLocation": {"address": {"postalCode": "Paris (75)", "addressRegion": "\\u00cele-de-France"}},
         "Description": "\\nVos missions : coder.\\n"}</script></body></html>""", "https://x.gouv.fr/")
    raw = page.to_raw("pep")
    assert (raw.reference, raw.url) == ("2026-1", "https://x.gouv.fr/offre-emploi/a-reference-2026-1/")
    assert (raw.title, raw.employer, raw.published) == ("Data engineer (F/H)", "Communes", "18/11/2026")
    assert (raw.department, raw.region, raw.salary) == ("Paris (75)", "Île-de-France", ["Non renseigné"])
    assert raw.description_html == "<p>Vos missions : coder.</p>"


@pytest.mark.parametrize("text", [None, "", "<html>", "\x00garbage", "<?xml version='1.0' encoding='utf-8'?><p>x</p>"])
def test_page_objects_never_crash_on_bad_input(text):
    listing = PepListingPage(text, BASE)
    assert listing.cards == [] and listing.next_url is None
    raw = PepOfferPage(text, BASE + "/offre-emploi/x-reference-2026-9/").to_raw("pep")
    assert raw.reference == "2026-9" and raw.title is None and raw.description_html is None


# ---------------------------------------------------------------- the page's other facts (raw ``extra``)
LEGAL_BASIS_L332_8 = (
    "Art. L332-8 disposition 2 du code général de la fonction publique - Un contractuel peut être recruté sur "
    "ce poste pour les besoins des services ou de par la nature des fonctions lorsqu'aucune candidature d'un "
    "fonctionnaire n'a abouti. Le contrat proposé ne peut excéder trois ans, renouvelable dans la limite d'une "
    "durée maximale de six ans.")
DOCUMENTS_CV_LM = "Documents à transmettre : CV et lettre de motivation"
#: per offer page: the ``extra`` values beside "management", exactly as the sample pages say them
#: (a key missing here must be missing from the raw item)
EXTRA = {
    "2026-2561234": {
        "additional_information": (
            "Poste ouvert aux fonctionnaires de catégorie A (détachement ou position normale d’activité) et aux "
            "contractuels (CDD de 3 ans renouvelable, article L332-2 du code général de la fonction publique). "
            "Rémunération selon profil et expérience, dans le cadre du référentiel de rémunération des contractuels "
            "du numérique de l’État. Remboursement partiel des frais de transport, restauration collective, "
            "jusqu’à 3 jours de télétravail par semaine."),
        "working_conditions": "Déplacements ponctuels en région.",
        "vacancy": "Vacant à partir du 04/01/2027",
        "apply_email": "recrutement.dinum@numerique.gouv.fr",
        "employer_presentation": (
            "Placée sous l’autorité du Premier ministre, la direction interministérielle du numérique (DINUM) "
            "élabore la stratégie numérique de l’État et pilote sa mise en œuvre. Elle accompagne les ministères "
            "dans leur transformation numérique, conseille le Gouvernement et développe des services et des "
            "ressources partagés comme le réseau interministériel de l’État, FranceConnect ou data.gouv.fr. "
            "Descriptif du service Le département Produits interministériels réunit une soixantaine d’agents et "
            "de prestataires organisés en équipes produit autonomes, selon l’approche des startups d’État."),
        "application_details": DOCUMENTS_CV_LM + "\nPersonnes à contacter : recrutement.dinum@numerique.gouv.fr",
    },
    "2026-2558790": {
        "additional_information": ("Poste ouvert aux seuls fonctionnaires, par voie de détachement ou de mutation. "
                                   "Prise de poste souhaitée au 1er janvier 2027."),
        "working_conditions": "Habilitation au niveau Secret requise (procédure engagée à la prise de poste).",
        "vacancy": "Vacant à partir du 01/01/2027",
        "apply_email": "recrutement.snum@justice.gouv.fr",
        "employer_presentation": (
            "Le ministère de la Justice emploie près de 95 000 agents. Il prépare et veille à l’application des "
            "lois, assure le fonctionnement des juridictions, l’exécution des peines et la prise en charge des "
            "mineurs délinquants. Son secrétariat général apporte son appui aux directions dans les domaines des "
            "ressources humaines, des finances, de l’immobilier et du numérique."),
        "application_details": ("Documents à transmettre : CV, lettre de motivation et trois derniers comptes rendus "
                                "d’entretien professionnel\nPersonnes à contacter : recrutement.snum@justice.gouv.fr"),
    },
    "O069261112000873": {
        "additional_information": (
            "Consultez le détail complet de l'offre sur la page https://www.emploi-territorial.fr/offre/"
            "o069261112000873-chef-projet-applications-metiers?pk_campaign=ep ou en cliquant sur le bouton "
            "\"Postuler sur le site employeur\"."),
        "working_conditions": ("Poste ouvert(s) sur le(s) grade(s) suivant(s) de la Fonction Publique Territoriale : "
                               "Ingénieur, Ingénieur principal, Attaché, Attaché principal"),
        "legal_basis": LEGAL_BASIS_L332_8,
        "vacancy": "Vacant à partir du 01/02/2027",
        "apply_url": ("https://www.emploi-territorial.fr/offre/o069261112000873-chef-projet-applications-metiers"
                      "?pk_campaign=ep"),
        "employer_presentation": (
            "La commune est la collectivité territoriale la plus proche des habitants. Administrée par un conseil "
            "municipal élu pour six ans et par le maire, elle exerce des compétences étendues : état civil, écoles "
            "maternelles et élémentaires, action sociale de proximité, urbanisme, voirie communale, culture et "
            "sport. Travailler dans une commune, c’est contribuer chaque jour à la qualité du service rendu aux "
            "habitants, dans des métiers très variés. Les communes recrutent des profils techniques, administratifs, "
            "sociaux, culturels et sportifs, du premier emploi au poste de direction."),
    },
    "O069261020001187": {
        "additional_information": (
            "Consultez le détail complet de l'offre sur la page https://www.emploi-territorial.fr/offre/"
            "o069261020001187-administrateur-systemes-reseaux?pk_campaign=ep ou en cliquant sur le bouton "
            "\"Postuler sur le site employeur\"."),
        "working_conditions": ("Poste ouvert(s) sur le(s) grade(s) suivant(s) de la Fonction Publique Territoriale : "
                               "Ingénieur, Ingénieur principal Astreintes techniques rémunérées."),
        "legal_basis": LEGAL_BASIS_L332_8,
        "vacancy": "Vacant à partir du 01/01/2027",
        "apply_url": ("https://www.emploi-territorial.fr/offre/o069261020001187-administrateur-systemes-reseaux"
                      "?pk_campaign=ep"),
        "employer_presentation": (
            "La Région est une collectivité territoriale administrée par un conseil régional élu pour six ans. Elle "
            "est compétente en matière de développement économique, de transports, de formation professionnelle, "
            "d’aménagement du territoire et de construction, d’entretien et d’équipement des lycées. Les Régions "
            "emploient des agents dans les services administratifs et techniques de l’Hôtel de Région et dans les "
            "lycées publics (accueil, restauration, entretien, maintenance)."),
    },
    "2026-2549016": {
        "additional_information": ("Recrutement par voie de mutation, de détachement ou contractuelle (CDD de 3 ans). "
                                   "Majoration de traitement de 40 % (indemnité de vie chère) pour les titulaires."),
        "vacancy": "Vacant à partir du 01/03/2027",
        "apply_email": "recrutement.dsn@chu-reunion.fr",
        "employer_presentation": (
            "Établissement public de santé de référence de l’océan Indien, le CHU de La Réunion assure des missions "
            "de soins, d’enseignement et de recherche. Il dispose de plus de 2 000 lits et places et accueille "
            "chaque année plus de 300 000 consultations."),
        "application_details": DOCUMENTS_CV_LM + "\nPersonnes à contacter : recrutement.dsn@chu-reunion.fr",
    },
    "2026-2552377": {
        "additional_information": ("Contrat de droit public (CDD de 3 ans, article L332-2 du code général de la "
                                   "fonction publique), renouvelable. Rémunération selon diplôme et expérience."),
        "vacancy": "Vacant à partir du 01/02/2027",
        "apply_email": "dr69-recrutement@insee.fr",
        "employer_presentation": (
            "L’Institut national de la statistique et des études économiques (Insee) est une direction générale du "
            "ministère de l’Économie et des Finances. Il emploie près de 5 000 agents, dont une part importante "
            "d’informaticiens, au siège à Montrouge et dans ses directions régionales."),
        "application_details": DOCUMENTS_CV_LM + "\nPersonnes à contacter : dr69-recrutement@insee.fr",
    },
    "DEF_15-00071842": {
        "additional_information": ("Contrat de 3 ans renouvelable. Restauration collective sur site, transports pris "
                                   "en charge à 75 %."),
        "working_conditions": ("Poste soumis à habilitation de défense. Déplacements ponctuels sur les sites de la "
                               "DGA."),
        "vacancy": "Vacant à partir du 01/12/2026",
        "apply_url": "https://www.civils.defense.gouv.fr/offres/def_15-00071842",
        "employer_presentation": (
            "Le ministère des Armées et des Anciens combattants assure la protection du territoire national, de la "
            "population et des intérêts français partout dans le monde. Pour la réalisation de ses missions, il "
            "emploie, outre les militaires, plus de 64 000 civils en France et à l’étranger. Le poste est "
            "accessible aux personnes en situation de handicap. Le ministère est un employeur « handi-engagé ». "
            "Descriptif du service La Direction générale de l’armement (DGA) conduit les programmes d’armement et "
            "prépare l’avenir des systèmes de défense. Ses centres d’expertise et d’essais emploient plus de "
            "9 000 personnes."),
        "application_details": DOCUMENTS_CV_LM,
    },
    "2026-2451189": {
        "additional_information": ("Poste ouvert aux seuls fonctionnaires (mutation, détachement). "
                                   "Astreintes indemnisées."),
        "vacancy": "Vacant à partir du 01/12/2026",
        "apply_email": "sgcd-recrutement@corse-du-sud.gouv.fr",
        "employer_presentation": (
            "Le ministère de l’Intérieur et des Outre-mer garantit la sécurité des citoyens, l’exercice des "
            "libertés publiques et l’administration du territoire. Dans chaque département, le secrétariat général "
            "commun départemental mutualise les fonctions support de la préfecture et des directions "
            "départementales."),
        "application_details": ("Documents à transmettre : CV, lettre de motivation et dernier arrêté de situation "
                                "administrative\nPersonnes à contacter : sgcd-recrutement@corse-du-sud.gouv.fr"),
    },
}
#: the experience cell of each page
EXPERIENCE = {"2026-2552377": "Débutant", "2026-2451189": "Débutant"}


def test_extra_table_covers_every_offer_page(offers):
    assert set(EXTRA) == set(offers)


@pytest.mark.parametrize("ref", sorted(EXTRA))
def test_offer_page_extra_holds_every_other_fact_of_the_page(offers, ref):
    page, raw = offers[ref]
    expected = EXTRA[ref]
    assert {k: v for k, v in raw.extra.items() if k != "management"} == expected
    for key in ("additional_information", "working_conditions", "legal_basis", "vacancy", "apply_email",
                "apply_url", "employer_presentation", "application_details"):
        assert getattr(page, key) == expected.get(key), key  # one property per fact, None when absent
    assert page.other_accordions is None
    assert raw.experience == EXPERIENCE.get(ref, "Confirmé")
    for text in (v for v in raw.extra.values() if isinstance(v, str)):
        assert text == text.strip() and "\xa0" not in text and "\u202f" not in text and "  " not in text
        assert "&" not in text.replace(" & ", "")  # entities decoded
    presentation = raw.extra["employer_presentation"]
    assert "Afficher la suite" not in presentation and "Qui sommes-nous" not in presentation
    # none of it leaks into the description (CATALOGUE.md: missions and profile only)
    for key in ("employer_presentation", "application_details", "vacancy", "legal_basis", "working_conditions"):
        if key in expected:
            assert expected[key].split("\n")[0][:40] not in raw.description_html, key


def _variant(samples_dir: Path, ref: str, edit) -> tuple[PepOfferPage, object]:
    """The sample offer page ``ref`` edited by ``edit(doc)`` (an lxml document), parsed again."""
    import lxml.html

    path = next((samples_dir / "pep" / "samples" / "offre-emploi").glob(f"*-reference-{ref}/index.html"))
    doc = lxml.html.document_fromstring(path.read_bytes())
    edit(doc)
    url = BASE + "/offre-emploi/" + path.parent.name + "/"
    page = PepOfferPage(lxml.html.tostring(doc, encoding="unicode"), url)
    return page, page.to_raw("pep")


def _rename_accordion(old: str, new: str):
    def edit(doc):
        buttons = [b for b in doc.cssselect("section.fr-accordion .fr-accordion__btn") if b.text_content() == old]
        assert buttons, old
        buttons[0].text = new
    return edit


def _drop(selector: str):
    def edit(doc):
        found = doc.cssselect(selector)
        assert found, selector
        for el in found:
            el.drop_tree()
    return edit


def _record_fields(raw) -> dict:
    return {k: v for k, v in raw.to_dict().items() if k != "extra"}


@pytest.mark.parametrize(("name", "ref", "edit", "changed", "others"), [
    # a renamed known title is still recognised by its first word
    ("renamed status", "2026-2561234", _rename_accordion("Statut du poste", "STATUT DE L’EMPLOI :"),
     {}, None),
    ("renamed legal basis", "O069261112000873",
     _rename_accordion("Fondement juridique", "Fondement juridique du recrutement"), {}, None),
    # an unknown title is kept with its title, never raises, and takes no known key
    ("unknown title", "2026-2561234",
     _rename_accordion("Conditions particulières d’exercice", "Avantages sociaux"),
     {"working_conditions": None}, [{"title": "Avantages sociaux", "text": "Déplacements ponctuels en région."}]),
    # accordions without a title: all kept, in page order (the métier comes from content_metier)
    ("untitled accordions", "2026-2552377", _drop("section.fr-accordion .fr-accordion__title"),
     {"additional_information": None, "vacancy": None},
     [{"title": None, "text": EXTRA["2026-2552377"]["additional_information"]},
      {"title": None, "text": EXTRA["2026-2552377"]["vacancy"]},
      {"title": None, "text": "Data engineer"}]),
    # no accordion at all: no accordion key; the métier falls back on the analytics input
    ("no accordion", "O069261112000873", _drop("section.fr-accordion"),
     {"additional_information": None, "working_conditions": None, "legal_basis": None, "vacancy": None}, None),
    ("no about-the-offer strip", "2026-2561234", _drop("div.strate-accordions"),
     {"additional_information": None, "working_conditions": None, "vacancy": None}, None),
    # the other optional parts, each missing
    ("no apply button", "2026-2561234", _drop("div.strate-hero-offer a.fr-btn"), {"apply_email": None}, None),
    ("no employer presentation", "DEF_15-00071842", _drop("div.about-agency"), {"employer_presentation": None}, None),
    ("no callouts", "2026-2451189", _drop("div.block-cards"), {"application_details": None}, None),
])
def test_offer_page_variants(samples_dir, offers, name, ref, edit, changed, others):
    page, raw = _variant(samples_dir, ref, edit)
    _original_page, original = offers[ref]
    expected = {k: v for k, v in {**EXTRA[ref], **changed}.items() if v is not None}
    assert {k: v for k, v in raw.extra.items() if k not in ("management", "other_accordions")} == expected
    assert raw.extra.get("other_accordions") == others == page.other_accordions
    assert raw.extra["management"] == original.extra["management"]
    # the record fields do not move (the métier comes from content_metier without its accordion)
    assert _record_fields(raw) == _record_fields(original), name


def test_apply_button_is_read_by_its_label_and_its_link(samples_dir):
    def relative_site_link(doc):
        button = doc.cssselect("div.strate-hero-offer a.fr-btn")[0]
        button.set("href", "/candidater/2026-2561234/")
        for child in list(button):
            button.remove(child)
        button.text = "Postuler en ligne"

    page, raw = _variant(samples_dir, "2026-2561234", relative_site_link)
    assert (page.apply_email, page.apply_url) == (None, BASE + "/candidater/2026-2561234/")
    assert raw.extra["apply_url"] == BASE + "/candidater/2026-2561234/"

    def encoded_mailto(doc):
        doc.cssselect("div.strate-hero-offer a.fr-btn")[0].set("href", "MAILTO:%20rh%40exemple.gouv.fr?subject=x")

    page, _ = _variant(samples_dir, "2026-2561234", encoded_mailto)
    assert (page.apply_email, page.apply_url) == ("rh@exemple.gouv.fr", None)

    def unlabelled(doc):  # a button that does not say "Postuler" is not the apply button
        for span in doc.cssselect("div.strate-hero-offer a.fr-btn span"):
            span.text = "Télécharger"

    page, raw = _variant(samples_dir, "2026-2561234", unlabelled)
    assert page.apply_email is None and "apply_email" not in raw.extra


def test_experience_falls_back_to_the_jsonld():
    page = PepOfferPage("""<html><body><main class="main-content-single-offer" data-reference="2026-1"></main>
        <script type="application/ld+json">{"@type": "JobPosting", "experienceRequirements": "Confirm\\u00e9"}
        </script></body></html>""", BASE + "/offre-emploi/a-reference-2026-1/")
    raw = page.to_raw("pep")
    assert raw.experience == "Confirmé"
    assert raw.extra == {}  # nothing else on that page


@pytest.mark.parametrize("classes", ["fr-card", "fr-card fr-card--offer", "x\tfr-card\ny", "fr-card__title",
                                     "fr-cards", " fr-card ", "fr-card\u00a0x", "FR-CARD", ""])
def test_select_matches_what_a_css_selector_matches(classes: str) -> None:
    """The pep page objects' ``select``/``has_classes`` (no XPath) agree with lxml's CSSSelector,
    whitespace that separates classes and look-alike class names included."""
    from lxml.cssselect import CSSSelector

    from crawlers.pages import parse_html, select

    for html_elements in (True, False):
        doc = parse_html(f'<div><p class="{classes}">a</p><p class="fr-card">b</p><p>c</p></div>',
                         html_elements=html_elements)
        assert list(select(doc, "p", "fr-card")) == CSSSelector("p.fr-card")(doc)
        assert list(select(doc, "*", "fr-card")) == CSSSelector(".fr-card")(doc)
