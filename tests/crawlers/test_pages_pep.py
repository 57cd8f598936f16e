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
