"""Feed page objects: the sample RSS feed and its 6 offer pages, our Atom sample, and the
category wordings."""

from __future__ import annotations

from pathlib import Path

import pytest
from crawl_kit import BASE_URLS, DATA
from expected_tables import record_rows, tables

import crawlers.pages.feed as feed_module
from crawlers.pages.feed import FeedOfferPage, category_kind, offer_text_html, parse_feed, plain_rss_entries

BASE = BASE_URLS["feed"]
#: per digital reference: (Localisation, Type de contrat, Catégorie, Télétravail, Rémunération, Date limite)
PAGES = {
    "ETA-2026-004560": ("Annecy (74)", "Titulaire ou contractuel", "A", None,
                        "Entre 4 200 € et 5 300 € brut mensuel", "15/02/2027"),
    "ETA-2026-004533": ("Valence (26)", "Titulaire ou contractuel", "A (ingénieur territorial)", "Oui",
                        "Entre 46 000 € et 58 000 € brut annuel", "vendredi 5 février 2027"),
    "ETA-2026-004502": ("Saint-Étienne (42)", "Titulaire", "Catégorie A", "Possible (1 jour par semaine)",
                        "Selon grille indiciaire + RIFSEEP", "22/01/2027"),
    "ETA-2026-004455": ("20 rue du Lac, 69003 Lyon", "Contractuel (CDD de 3 ans)", "A", "Jusqu'à 2 jours par semaine",
                        "40 000 € - 48 000 € brut annuel", "31/01/2027"),
    "ETA-2026-004398": ("Grenoble (38)", "Titulaire ou contractuel", "B", "Non",
                        "Entre 2 300 € et 2 700 € brut mensuel", "15 janvier 2027"),
    "ETA-2026-004187": ("Clermont-Ferrand (63)", "Titulaire ou contractuel", "A", "Oui, 2 jours par semaine",
                        "Entre 3 000 € et 3 900 € brut mensuel + régime indemnitaire", "08/01/2027"),
}
CONTRACT_WORDS = {"titulaire_ou_contractuel": "Titulaire ou contractuel", "titulaire": "Titulaire",
                  "contractuel": "Contractuel"}


@pytest.fixture(scope="module")
def feed(samples_dir: Path):
    return parse_feed((samples_dir / "feed" / "samples" / "offres" / "rss.xml").read_bytes(), BASE + "/offres/rss.xml")


@pytest.fixture(scope="module")
def rows(samples_dir: Path) -> list[dict]:
    return record_rows(samples_dir / "feed" / "EXPECTED.md")


def test_rss_items_in_feed_order_with_listing_identity(feed, rows):
    assert feed.version == "rss20" and feed.is_feed and feed.error is None
    assert [e.guid for e in feed.entries] == [r["reference"] for r in rows]
    for entry in feed.entries:
        assert entry.listing_ref == entry.guid
        assert entry.listing_key == entry.published and entry.published.endswith(("+0100", "+0200", "GMT"))
        assert entry.link == f"{BASE}/offres/{entry.guid}.html"
        assert not entry.atom and not entry.has_full_offer
        assert len(entry.domains) == 1 and category_kind(entry.domains[0]) == "domain"


def test_rss_item_alone_gives_the_not_digital_rows(feed, rows):
    by_ref = {e.guid: e for e in feed.entries}
    for row in rows:
        raw = by_ref[row["reference"]].to_raw("emploi_territorial_aura", detail_fetched=False)
        assert raw.detail_fetched is False
        assert (raw.reference, raw.url) == (row["reference"], f"{BASE}/offres/{row['reference']}.html")
        assert raw.employer == row["employer"]  # dc:creator
        assert raw.category == f"Catégorie {row['category']}"
        assert raw.contract == CONTRACT_WORDS[row["contract"]]
        assert raw.title.startswith(row["title"])
        assert raw.location is None and raw.salary is None and raw.deadline is None
        assert raw.public_service is None  # no item states a versant
        assert raw.description_html.startswith("<p><strong>")  # the item's own summary


def _files(samples: Path) -> dict[str, str]:
    """reference → offer page file (EXPECTED.md's record table and "offer page" table joined on "#")."""
    all_tables = tables((samples / "feed" / "EXPECTED.md").read_text(encoding="utf-8"))
    files = next(rows for rows in all_tables if rows and "offer page" in rows[0])
    records = next(rows for rows in all_tables if rows and "job_family" in rows[0] and "reference" in rows[0])
    by_number = {r["#"]: r["offer page"].strip("`") for r in files}
    return {r["reference"]: by_number[r["#"]] for r in records if r["#"] in by_number}


def test_the_digital_items_are_the_ones_with_a_page(samples_dir, rows):
    assert set(_files(samples_dir)) == {r["reference"] for r in rows if r["digital"] == "yes"} == set(PAGES)


@pytest.mark.parametrize("reference", sorted(PAGES))
def test_offer_pages_complete_their_item(samples_dir, feed, rows, reference):
    row = next(r for r in rows if r["reference"] == reference)
    entry = next(e for e in feed.entries if e.guid == reference)
    path = _files(samples_dir)[reference]
    html = (samples_dir / "feed" / "samples" / path).read_text(encoding="utf-8")
    raw = FeedOfferPage(html, entry.link).to_raw(entry, "emploi_territorial_aura")
    assert raw.url == f"{BASE}/{path}"  # the item's link, as published
    place, contract, category, remote, salary, deadline = PAGES[reference]
    assert raw.detail_fetched is True
    assert (raw.reference, raw.url, raw.listing_ref) == (reference, entry.link, reference)
    assert raw.title == entry.title and raw.title.startswith(row["title"])
    assert raw.employer == row["employer"]
    assert (raw.location, raw.contract, raw.category, raw.remote, raw.salary, raw.deadline) == \
        (place, contract, category, remote, salary, deadline)
    assert row["city"] in raw.location
    assert raw.published == entry.published
    assert raw.job_labels == ["Informatique"]
    assert raw.description_html.startswith("<h2>Missions</h2>")
    assert "BP 20" not in str(raw.to_dict()) and "contact@" not in str(raw.to_dict())  # the footer's dl


def test_employer_from_service_when_the_page_has_no_employeur():
    page = FeedOfferPage("""<article class="offre"><h1>Chef de projet</h1><dl class="offre-infos">
        <dt>Service</dt><dd>Ville de Lyon</dd><dt>Catégorie</dt><dd>A</dd></dl></article>
        <footer><dl class="coordonnees"><dt>Employeur</dt><dd>Le centre de gestion</dd></dl></footer>""", "u")
    assert page.employer == "Ville de Lyon"
    assert page.infos == {"service": "Ville de Lyon", "categorie": "A"}


def test_labels_are_matched_by_text_whatever_their_order_case_and_accents():
    page = FeedOfferPage("""<article class="offre"><dl class="offre-infos"><div>
        <dt>TELETRAVAIL :</dt><dd>Oui</dd></div><dt>Rémunération</dt><dd>2&nbsp;000&#8239;€</dd>
        <dt>Date  limite</dt><dd> 08/01/2027 </dd></dl></article>""", "u")
    assert page.infos == {"teletravail": "Oui", "remuneration": "2 000 €", "date limite": "08/01/2027"}


def test_atom_sample_entries_are_complete_offers():
    feed = parse_feed((DATA / "jobs.xml").read_bytes(), "https://beta.gouv.fr/jobs.xml")
    assert feed.version == "atom10" and len(feed.entries) == 3
    first, second, third = feed.entries
    assert all(e.atom and e.has_full_offer for e in feed.entries)
    raw = first.to_raw("beta_gouv")
    assert raw.title == "Développeur·se fullstack" and raw.employer == "Mon Suivi Justice"
    assert raw.reference == raw.listing_ref == "https://beta.gouv.fr/recrutement/2026/11/18/mon-suivi-justice.developpeur-fullstack"
    assert raw.url == "https://beta.gouv.fr/recrutement/2026/11/18/mon-suivi-justice.developpeur-fullstack.html"
    assert raw.published == "2026-11-18T10:00:00+01:00" and raw.listing_key == "2026-11-19T15:30:00+01:00"
    assert raw.job_labels == ["Développement"] and raw.detail_fetched is True
    assert "<h2>Votre mission</h2>" in raw.description_html and "&lt;" not in raw.description_html
    # CATALOGUE.md: the employer's presentation is not the offer's text
    assert "Qui sommes-nous" not in raw.description_html and "aide les personnes" not in raw.description_html
    assert raw.extra == {"startup": "Mon Suivi Justice", "author": "beta.gouv.fr"}
    assert raw.location is None and raw.contract is None and raw.salary is None
    assert second.title_and_startup == ("Product Owner, Coach·e produit", "Démarches Simplifiées")
    assert third.to_raw("b").title == "Designer UX/UI & accessibilité"


@pytest.mark.parametrize("content, kept, left_out", [
    ("<h2>Qui sommes-nous ?</h2><p>Une startup.</p><h2>Votre mission</h2><ul><li>Coder</li></ul>"
     "<h2>Votre profil</h2><p>Curieux.</p><h2>Pour candidater</h2><p>Écrivez à x@beta.gouv.fr</p>",
     ["Votre mission", "Coder", "Votre profil", "Curieux"], ["Une startup", "x@beta.gouv.fr"]),
    # headings of another level, other wordings, inside one wrapping div, text before the first heading
    ("<div>Intro. <h3>QUI EST-CE ?</h3><p>Une équipe.</p><h3>Mission</h3><p>Coder.</p>"
     "<h3>Comment candidater&nbsp;?</h3><p>CV.</p></div>",
     ["Intro.", "Mission", "Coder."], ["Une équipe", "CV."]),
    ("<h2>Processus de recrutement</h2><p>Deux entretiens.</p><h2>Conditions</h2><p>CDD, Paris.</p>",
     ["Conditions", "CDD, Paris."], ["Deux entretiens"]),
    # no such heading: the content as it stands
    ("<p>Démarches Simplifiées&nbsp;: vous portez la vision produit.</p>", ["vision produit"], []),
    ("<h2>Missions</h2><p>Coder.</p>", ["Missions", "Coder."], []),
])
def test_atom_content_keeps_the_offers_own_text(content, kept, left_out):
    text = offer_text_html(content)
    assert all(part in text for part in kept), text
    assert not any(part in text for part in left_out), text


@pytest.mark.parametrize("content", [None, "", "   ", "texte seul", "<p>"])
def test_atom_content_that_is_not_sections_is_left_as_it_is(content):
    assert offer_text_html(content) == content


@pytest.mark.parametrize("term, kind", [
    ("Catégorie A", "category"), ("catégorie A+", "category"), ("B", "category"), ("A (ingénieur territorial)", "category"),
    ("Titulaire ou contractuel", "contract"), ("Contractuel (CDD de 3 ans)", "contract"), ("CDD de 3 ans", "contract"),
    ("Emploi ouvert uniquement aux titulaires", "contract"), ("Apprentissage", "contract"),
    ("Fonction publique territoriale", "versant"), ("Informatique", "domain"), ("Bâtiment et patrimoine", "domain"),
    ("Médico-social", "domain"), ("Analyse de données", "domain"), ("", None), (None, None),
])
def test_category_kinds(term, kind):
    assert category_kind(term) == kind


@pytest.mark.parametrize("text", [None, b"", b"<html><body>502 Bad Gateway</body></html>", "pas du tout un flux"])
def test_not_a_feed(text):
    feed = parse_feed(text, "u")
    assert not feed.is_feed and feed.entries == []


def test_empty_but_valid_feed_is_a_feed():
    feed = parse_feed(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>', "u")
    assert feed.is_feed and feed.entries == []


UNDATED_ITEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Offres</title>
<item><title>Data analyst (H/F)</title><link>https://example.org/offres/ETA-1.html</link>
<guid isPermaLink="false">ETA-1</guid><dc:creator>Ville de Lyon</dc:creator>
<category>Informatique</category><description><![CDATA[<p>Ville de Lyon</p>]]></description></item>
</channel></rss>"""

PAGE = """<html><body><article class="offre"><h1>Data analyst (H/F)</h1>
<p class="offre-date">Publiée il y a 3 jours</p>
<dl class="offre-infos"><dt>Localisation</dt><dd>Lyon (69)</dd></dl>
<div class="offre-description"><p>Analyse des données.</p></div></article></body></html>"""


def test_an_item_without_pubdate_takes_the_pages_publication_line_and_a_content_key():
    entry = parse_feed(UNDATED_ITEM, "https://example.org/offres/rss.xml").entries[0]
    assert entry.published is None
    key = entry.listing_key
    assert key and key.startswith("sha1:")
    assert parse_feed(UNDATED_ITEM, "x").entries[0].listing_key == key  # stable across crawls
    changed = UNDATED_ITEM.replace(b"Data analyst (H/F)", b"Data scientist (H/F)")
    assert parse_feed(changed, "x").entries[0].listing_key != key
    raw = FeedOfferPage(PAGE, entry.link).to_raw(entry, "flux")
    assert raw.published == "Publiée il y a 3 jours"


def test_the_pages_title_wins_over_the_items():
    """feedparser may re-decode a title's characters; the page's h1 is the offer's title."""
    entry = parse_feed(UNDATED_ITEM.replace(b"Data analyst (H/F)", b"DATA ANALYST"), "x").entries[0]
    raw = FeedOfferPage(PAGE, entry.link).to_raw(entry, "flux")
    assert raw.title == "Data analyst (H/F)"


@pytest.mark.parametrize("title", ["TECHNICIEN DE PROXIMITÉ\u00a0(F/H)", "Ingénieur·e réseau – Télécoms", "Chef de projet"])
def test_titles_of_a_utf8_feed_are_read_as_written(title):
    """feedparser's guess at double-encoded UTF-8 must not garble real text (É + U+00A0)."""
    xml = UNDATED_ITEM.replace(b"Data analyst (H/F)", title.encode("utf-8"))
    assert parse_feed(xml, "x").entries[0].title == title
    no_declaration = xml.replace(b'<?xml version="1.0" encoding="UTF-8"?>\n', b"")
    assert parse_feed(no_declaration, "x").entries[0].title == title
    latin1 = xml.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').decode("utf-8").encode("latin-1", "replace")
    if "–" not in title and "·" not in title:
        assert parse_feed(latin1, "x").entries[0].title == title


def _read(data: bytes) -> tuple[str, str | None, list[dict]]:
    """What parse_feed gives of ``data``: version, error, every entry and its raw posting."""
    feed = parse_feed(data, "x")
    return feed.version, feed.error, [vars(entry) | {"raw": vars(entry.to_raw("s"))} for entry in feed.entries]


def _read_by_feedparser(data: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str | None, list[dict]]:
    """:func:`_read` with feedparser alone (the plain reading turned off)."""
    with monkeypatch.context() as patch:
        patch.setattr(feed_module, "plain_rss_entries", lambda _data: None)
        return _read(data)


def _item(*children: str, channel: str = "") -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>Offres</title>'
            '<atom:link href="https://example.org/rss.xml" rel="self" type="application/rss+xml"/>'
            f'{channel}<item>{"".join(children)}</item></channel></rss>').encode("utf-8")


#: items the plain reading reads: same entries as feedparser's
PLAIN_ITEMS = {
    "whole item": _item("<title> Data  analyst (H/F) </title>", "<link>https://e.org/o/1.html</link>",
                        '<guid isPermaLink="false">ETA-1</guid>', "<pubDate>Mon, 07 Dec 2026 22:50:00 +0100</pubDate>",
                        "<dc:creator>Communaut&#xE9; d&#x27;agglom&#233;ration</dc:creator>",
                        "<description><![CDATA[<p>Ville &amp; <b>CCAS</b></p>]]></description>",
                        "<category>Catégorie A</category>", "<category>Informatique</category>",
                        "<category>Informatique</category>", "<category> </category>"),
    "permalink guid, no link": _item("<title>x</title>", "<guid>https://e.org/o/2.html</guid>"),
    "guid after link": _item("<link>https://e.org/o/3</link>", '<guid isPermaLink="true">https://e.org/g/3</guid>'),
    "guid before link": _item("<guid>https://e.org/g/4</guid>", "<link>https://e.org/o/4</link>"),
    "empty elements": _item("<title/>", "<link></link>", "<guid/>", "<pubDate> </pubDate>", "<description/>"),
    "escaped markup": _item("<title>A &lt;b&gt; B</title>", "<description>&lt;p&gt;x&lt;/p&gt;</description>"),
    "comment in a value": _item("<title>Chef <!-- x --> de projet</title>", "<guid>g</guid>"),
    "non-breaking space": _item("<title>Ingénieur réseau\u00a0(F/H)</title>", "<guid>g</guid>"),
    "typographic text": _item("<title>Ingénieur·e « réseau » – Télécoms’</title>", "<guid>g</guid>"),
    "channel image": _item("<title>x</title>", channel="<image><url>https://e.org/i.png</url><title>i</title></image>"),
    "no declaration": _item("<title>Développeur</title>").replace(b'<?xml version="1.0" encoding="UTF-8"?>', b""),
}
#: documents left to feedparser, whose reading of them differs or may differ
NOT_PLAIN = {
    "latin-1": _item("<title>x</title>").replace(b"UTF-8", b"ISO-8859-1"),
    "double-encoded text": _item("<title>Ã©tÃ©</title>"),
    "text feedparser takes for double-encoded": _item("<title>PROXIMITÉ\u00a0(F/H)</title>"),
    "C1 control": _item("<title>x&#x85;y</title>"),
    "link with an entity": _item("<link>https://e.org/o?a=1&amp;b=2</link>"),
    "extra slashes": _item("<link>https:///e.org/o</link>"),
    "markup in a value": _item("<description><p>x</p></description>"),
    "repeated title": _item("<title>a</title>", "<title>b</title>"),
    "other element": _item("<title>a</title>", "<author>a@e.org (A)</author>"),
    "category domain": _item('<category domain="x">Informatique</category>'),
    "base URI": _item("<title>a</title>", channel='<link xml:base="https://e.org/">x</link>'),
    "atom": (DATA / "jobs.xml").read_bytes(),
    "rss 0.91": _item("<title>a</title>").replace(b'version="2.0"', b'version="0.91"'),
    "not well-formed": _item("<title>a &nbsp; b</title>"),
    "doctype after a long comment": _item("<title>&x;</title>").replace(
        b"?>", b"?>\n<!--" + b" " * 2000 + b'-->\n<!DOCTYPE rss [<!ENTITY x "y">]>', 1),
}


@pytest.mark.parametrize("data", PLAIN_ITEMS.values(), ids=PLAIN_ITEMS.keys())
def test_the_plain_rss_reading_gives_feedparsers_entries(data, monkeypatch):
    assert plain_rss_entries(data) is not None
    assert _read(data) == _read_by_feedparser(data, monkeypatch)


@pytest.mark.parametrize("data", NOT_PLAIN.values(), ids=NOT_PLAIN.keys())
def test_other_documents_are_left_to_feedparser(data):
    assert plain_rss_entries(data) is None


def test_the_sample_feed_is_read_plainly_with_feedparsers_entries(samples_dir, monkeypatch):
    data = (samples_dir / "feed" / "samples" / "offres" / "rss.xml").read_bytes()
    assert plain_rss_entries(data) is not None
    read = _read(data)
    assert len(read[2]) == 12 and read == _read_by_feedparser(data, monkeypatch)
