"""Render postings as the four source kinds publish them (HTML, XML, JSON), plus the feed
kind's Atom variant (beta.gouv.fr ``/jobs.xml``: :func:`atom_feed`).

Every function takes the base URL of the kind on the replica (e.g.
``http://127.0.0.1:8123/pep``) and returns the document text; all links are absolute on
that base. The page chrome comes from copies of the sample pages under ``templates/``
(``{{name}}`` placeholders); the offer parts are built here with the samples' markup:
DSFR classes, ``span.sr-only`` labels, tabs, ``&nbsp;``, U+202F and entities included.
The wording of each fact is the one chosen by the generator (``posting.wording``) for the
value in ``posting.truth``, so the page always means its ground truth.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from crawlers.replica import data as D
from crawlers.replica.generator import (
    PARIS,
    Dataset,
    Posting,
    paris_midnight_utc,
    stable_hash,
)

TEMPLATES = Path(__file__).with_name("templates")
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
NNBSP = "\u202f"
NBSP = "\u00a0"
PEP_PAGE_SIZE = 20
SITEMAP_CHUNK = 1000


@cache
def template(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def fill(text: str, **values: str) -> str:
    """Replace ``{{name}}`` placeholders (unknown names are left untouched)."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def esc(text: str | None) -> str:
    return html.escape(text or "", quote=True)


# ------------------------------------------------------------------ wordings
def display_title(p: Posting, *, nbsp: str = "&nbsp;", escape: bool = True) -> str:
    """The title as the source publishes it: gender marker, employer suffix, reference suffix,
    and sometimes stray whitespace (a doubled space, a tab before the marker)."""
    w = p.wording
    title = esc(p.truth["title"]) if escape else p.truth["title"]
    if w.get("spaces"):
        title = title.replace(" ", "  ", 1)
    marker = w.get("marker") or ""
    if marker:
        title += (nbsp if w.get("nbsp") else "\t" if w.get("spaces") else " ") + marker
    if w.get("suffix") and p.source_kind == "pep":
        title += " - " + (esc(w["suffix"]) if escape else w["suffix"])
    if w.get("ref_suffix"):
        title += f" - Réf. 2026-{sum(map(ord, p.reference)) * 97 % 900000 + 100000}"
    return title


def euros(amount: int, sep: str = NNBSP) -> str:
    return f"{amount:,}".replace(",", sep)


def fr_long(day: date, *, weekday: bool = False, two_digits: bool = False) -> str:
    d = "1er" if day.day == 1 and not two_digits else (f"{day.day:02d}" if two_digits else str(day.day))
    text = f"{d} {D.MONTHS_FR[day.month - 1]} {day.year}"
    return f"{D.DAYS_FR[day.weekday()]} {text}" if weekday else text


def rfc822(instant: datetime, gmt: bool) -> str:
    if gmt:
        u = instant.astimezone(UTC)
        return f"{D.DAYS_EN[u.weekday()]}, {u.day:02d} {D.MONTHS_EN[u.month - 1]} {u.year} {u:%H:%M:%S} GMT"
    local = instant.astimezone(PARIS)
    return f"{D.DAYS_EN[local.weekday()]}, {local.day:02d} {D.MONTHS_EN[local.month - 1]} {local.year} {local:%H:%M:%S %z}"


def paris_iso(day: date, hour: int = 10, minute: int = 0) -> str:
    return datetime.combine(day, time(hour, minute), tzinfo=PARIS).isoformat()


def overseas_iso(day: date, department_code: str | None) -> str | None:
    """A timestamp of Paris date ``day`` written in the overseas department's local time, at
    an hour whose local date is another day when the offsets allow it: 22:30 in Paris is
    01:30 the next day in La Réunion, 00:30 in Paris is 19:30 the day before in Guadeloupe.
    None for a department without its own time zone."""
    zone = D.OVERSEAS_TIMEZONES.get(department_code or "")
    if zone is None:
        return None
    local = ZoneInfo(zone)
    east = datetime.combine(day, time(12), tzinfo=local).utcoffset() > datetime.combine(
        day, time(12), tzinfo=PARIS).utcoffset()
    instant = datetime.combine(day, time(22, 30) if east else time(0, 30), tzinfo=PARIS)
    return instant.astimezone(local).isoformat()


def arrondissement(p: Posting) -> int | None:
    """The municipal arrondissement of the posting's commune (Paris, Lyon, Marseille: the
    postcode's last two digits), or None."""
    job, city = p.job, p.truth.get("city")
    if job is None or city not in D.ARRONDISSEMENT_CITIES or job.commune.name != city:
        return None
    return int(job.commune.postcode[-2:]) or None


def arrondissement_name(city: str, number: int) -> str:
    """The arrondissement as INSEE names it: "Lyon 3e Arrondissement", "Paris 1er Arrondissement"."""
    return f"{city} {number}{'er' if number == 1 else 'e'} Arrondissement"


_REMOTE_DEFAULT = {"aucun": "Non", "partiel": "Oui", "total": "100 % télétravail"}


def remote_label(p: Posting) -> str | None:
    """The remote-work wording of a feed or api posting: the generator's wording of the job's
    value, or a plain one when the truth has been changed since (``Dataset.update``)."""
    value = p.truth.get("remote")
    if value is None:
        return None
    word = p.wording.get("remote")
    if word and p.wording.get("remote_for", value) == value:
        return word
    return _REMOTE_DEFAULT[value]


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def description_html(p: Posting) -> tuple[str, str]:
    """(missions, profile) HTML; some postings carry a script or an event handler to sanitize,
    some are written with named entities (``&eacute;``, ``&rsquo;``, ``&nbsp;``), and a copy of
    a pep offer may end its profile quoting the PEP reference (:func:`pep_quote`)."""
    missions, profile = p.description
    t = p.truth
    intro = f"{esc(t['employer'])} recrute pour renforcer ses équipes"
    if t.get("city"):
        intro += f" à {esc(t['city'])}"
    m_html = f"<p>{intro}. Au sein de l’équipe, {esc(missions)}</p>"
    if p.wording.get("entities"):
        m_html = "<p><strong>Vos missions&nbsp;:</strong></p>" + _entities(m_html).replace("’", "&rsquo;")
    if p.wording.get("inject"):
        m_html += ('<p>Découvrez <a href="javascript:alert(1)" onclick="track()">notre équipe</a>.</p>'
                   "<script>window.tracker && tracker.send('offre')</script>")
    p_html = f"<p>{esc(profile)}</p><p>Poste ouvert à {esc(_contract_phrase(t.get('contract')))}.</p>" + pep_quote(p)
    return m_html, p_html


def pep_quote(p: Posting) -> str:
    """The paragraph quoting the posting's PEP reference, or "" (``wording["pep_ref"]``).

    Three wordings, each one ``normalize.record.find_pep_references`` reads: "Référence PEP :
    2026-2561234", "Réf. PEP n° 2026-2561234", and the offer's URL on Choisir le service public.
    """
    ref = p.wording.get("pep_ref")
    if not ref:
        return ""
    style = p.wording.get("pep_ref_style", "label")
    if style == "short":
        return f"<p>Réf. PEP n° {esc(ref)}</p>"
    if style == "url":
        slug = p.wording.get("pep_slug") or "offre"
        return ("<p>Offre également publiée sur Choisir le service public : "
                f"https://choisirleservicepublic.gouv.fr/offre-emploi/{esc(slug)}-reference-{esc(ref)}/</p>")
    return f"<p>Référence PEP : {esc(ref)}</p>"


def _contract_phrase(contract: str | None) -> str:
    return {"titulaire": "des fonctionnaires", "contractuel": "des contractuels"}.get(
        contract or "", "des fonctionnaires et des contractuels")


# ====================================================================== pep
_VERSANT = {"etat": ("Fonction publique de l'État", "Fonction Publique de l&#x27;Etat"),
            "territoriale": ("Fonction publique Territoriale", "Fonction Publique Territoriale"),
            "hospitaliere": ("Fonction publique Hospitalière", "Fonction Publique Hospitalière")}
_PEP_CATEGORY = {"A": "Catégorie A (cadre)", "A+": "Catégorie A+", "B": "Catégorie B (profession intermédiaire)",
                 "C": "Catégorie C (employé et ouvrier)"}
_NATURE = {"titulaire_ou_contractuel": "Emploi ouvert aux titulaires et aux contractuels",
           "titulaire": "Emploi ouvert uniquement aux titulaires",
           "contractuel": "Emploi ouvert uniquement aux contractuels"}


def pep_card_employer(p: Posting) -> str:
    job = p.job
    if p.wording.get("suffix") and job is not None and job.employer.pep_category:
        return job.employer.pep_category
    return p.truth["employer"]


def pep_card(p: Posting, base: str, *, listing: bool = True) -> str:
    """One ``div.fr-card--offer`` (listing: horizontal in ``li.fr-col-12.item``; else a recommendation)."""
    t = p.truth
    title = display_title(p)
    plain = html.unescape(title)
    href = f"{base}{p.url}"
    versant = _VERSANT.get(t["public_service"] or "etat")[0]
    loc = ""
    code = t.get("department_code")
    if code and code in D.DEPARTMENTS:
        loc = (f"""					<li class="fr-icon-map-pin-2-line fr-icon--sm">
						<span class="sr-only">Localisation : </span>
						{esc(D.DEPARTMENTS[code].card_label)} <strong>({code})</strong>					</li>
""")
    published = _d(t["published_at"])
    fav = f"{stable_hash(p.reference, p.revision):x}"
    klass = "fr-card fr-card--horizontal fr-card--horizontal-tier fr-card--offer" if listing else "fr-card fr-card--offer"
    data_click = "" if listing else (
        f"""																					data-at-click='{{"event":"click.navigation","data":{{"click" : "{esc(plain).replace("&#x27;", "&#039;")}","click_chapter1" : "Offres","click_chapter2" : "Details offres","click_chapter3" : "Autres offres","event_general_placement" : "Body", "from_recommandation": "0", "from_alert": "0"}}}}'\n""")
    icon = (f"""									<div class="fr-card-svg_text fr-responsive-img is-icon">
						<svg width="200px" height="200px" viewBox="0 0 200 200" xmlns="http://www.w3.org/2000/svg">
							<rect fill="#00006D" fill-rule="nonzero" x="0" y="0" width="200" height="200" />
							<circle fill="#000091" fill-rule="nonzero" cx="-4" cy="170.050781" r="133" />
						</svg>
						<p>{versant.replace(" ", "<br>", 2) if t["public_service"] != "etat" else "Fonction<br>publique<br>de l'État"}</p>
					</div>
""" if t["public_service"] != "etat" else
            f"""															<img aria-hidden="true" loading="lazy" class="fr-responsive-img is-icon" src="{base}/wp-content/uploads/2025/01/logo-{p.job.employer.acronym.lower() if p.job else 'etat'}-605x605.png" alt="{esc(t.get('ministry') or 'République française')}">
""")
    return f"""
<div class="{klass}">
	<div class="fr-card__body">
		<div class="fr-card__content">
							<h3 class="fr-card__title">

											<a
							href="{href}"
														class="is-same-domain
        							"
																					target="_blank"
{data_click}														
																					aria-label="{esc(plain)}, nouvelle fenêtre"
														>

							{title}
													</a>
									</h3>
			
							<div class="fr-card__start">
																<ul class="fr-tags-group" role="presentation">
															<li>
									
	<p		
		class="fr-tag "
	>
				
		Numérique	</p>
								</li>
													</ul>
									</div>
			
			
							<ul class="fr-card__desc">
{loc}					<li class="fr-icon-file-line fr-icon--sm">
						<span class="sr-only">Fonction publique : </span>
						{versant}					</li>

					<li class="fr-icon-user-line  fr-icon--sm">
						<span class="sr-only">Employeur : </span>
													{esc(pep_card_employer(p))}											</li>

					<li class="fr-icon-calendar-line  fr-icon--sm">
						En ligne depuis le {fr_long(published, two_digits=True) if published else ""}					</li>
				</ul>
			
					</div>

					<div class="fr-card__footer">
														<button id="fav-{fav}" data-parcours-focuser="login" data-title="{esc(plain)}" data-module="components/favorite-btn" type="button" class="fr-link fr-icon-star-line fr-link--icon-right action-bar-favorite-btn checkbox-favorite-btn fr-link fav tl-color--blue td-none">
						<span class="text fr-m-0">
							<span class="fav-default">Ajouter aux favoris</span>
							<span class="sr-only access-text" data-offer="{esc(plain)}"> : {title}</span>
						</span>
					</button>
							</div>

			</div>

			<div class="fr-card__header">
			<div class="fr-card__img">
{icon}												</div>
		</div>
	
</div>"""


def pep_listing(ds: Dataset, base: str, page: int) -> str:
    """Listing page ``page`` (1-based): 20 cards newest first and the DSFR pagination."""
    items = ds.ordered("pep")
    total = len(items)
    last = max(1, -(-total // PEP_PAGE_SIZE))
    chunk = items[(page - 1) * PEP_PAGE_SIZE: page * PEP_PAGE_SIZE] if page >= 1 else []
    cards = "<ul class=\"fr-grid-row fr-grid-row--gutters\">\n" + "".join(
        f"\t\t\t\t\t\t\t\t\t\t\t\t<li class=\"fr-col-12 item\">\n\t\t\t\t\t\t\t\t{pep_card(p, base)}\t\t\t\t\t\t</li>\n"
        for p in chunk) + "\t\t\t\t\t\t\t\t\t\t\t</ul>"

    def url(n: int) -> str:
        return f"{base}/nos-offres/filtres/domaine/3522/page/{n}/"

    def link(cls: str, label: str, target: int | None, extra: str = "") -> str:
        if target is None:
            return f'<li><a class="fr-pagination__link{cls}" aria-disabled="true" role="link">{label}</a></li>'
        return f'<li><a class="fr-pagination__link{cls}" href="{url(target)}"{extra}>{label}</a></li>'

    has_prev = page > 1
    has_next = page < last
    numbers = []
    for n in sorted({1, max(1, page - 1), page, min(last, page + 1), last}):
        if n == page:
            numbers.append(f'<li><a class="fr-pagination__link" aria-current="page" title="Page {n}">{n}</a></li>')
        else:
            numbers.append(f'<li><a class="fr-pagination__link" href="{url(n)}" title="Page {n}">{n}</a></li>')
    nav = ('<nav role="navigation" class="fr-pagination fr-mt-6w" aria-label="Pagination">\n'
           '                    <ul class="fr-pagination__list">\n                        '
           + "\n                        ".join([
               link(" fr-pagination__link--first", "Première page", 1 if has_prev else None),
               link(" fr-pagination__link--prev fr-pagination__link--lg-label", "Page précédente",
                    page - 1 if has_prev else None),
               *numbers,
               link(" fr-pagination__link--next fr-pagination__link--lg-label", "Page suivante",
                    page + 1 if has_next else None),
               link(" fr-pagination__link--last", "Dernière page", last if has_next else None)])
           + "\n                    </ul>\n                </nav>")
    return fill(template("pep/listing.html"), base=base, canonical=url(page), total=f"{total:,}".replace(",", NBSP),
                page=str(page), cards=cards, pagination=nav)


def _pep_salary_cell(p: Posting) -> str:
    t = p.truth
    style = p.wording.get("salary_style", "none")
    lo, hi = t.get("salary_min"), t.get("salary_max")
    if lo is None or hi is None:
        style = "absent" if style == "absent" else "none"
    if style == "absent":
        return ""
    none = "Non renseignée"

    def annual(a: int, b: int, tail: str) -> str:
        return f"Entre {euros(a, '&nbsp;')}&nbsp;€ et {euros(b, '&nbsp;')}&nbsp;€ brut annuel{tail}"

    if style == "two":
        contract = annual(min(lo + 2400, hi), hi, ", selon expérience")
        civil = annual(lo, max(lo, hi - 3600), " (grille indiciaire et primes)")
    elif style == "contract_only":
        contract = f"{euros(lo)}&nbsp;€ – {euros(hi)}&nbsp;€ bruts annuels"
        civil = "Selon grille indiciaire + RIFSEEP" if p.revision % 2 == 0 and stable_hash(p.reference) % 2 else none
    elif style == "monthly":
        contract = f"Entre {euros(lo // 12, '&nbsp;')}&nbsp;€ et {euros(hi // 12, '&nbsp;')}&nbsp;€ brut mensuel"
        civil = none
    elif style == "grille":
        contract = none
        civil = f"Entre {euros(lo // 12, ' ')} € et {euros(hi // 12, ' ')} € brut mensuel"
    else:
        contract = civil = none
    return f"""
                        <li class="table-cell span-row-sm-2 span-row-md-1" data-module="salary">
                            <div class="salaire">
                                <span>
                                    <strong>Rémunération</strong>
                                </span>
                                <span class="fr-text--xs tl-color--grey-dark fr-mt-1w">Fourchette indicative pour les contractuels</span>
                                <span class="offer-result" tabindex="0">
                                                                            {contract}                                                                    </span>

                                <span class="fr-text--xs tl-color--grey-dark fr-mt-1w">Fourchette indicative pour les fonctionnaires</span>
                                <span class="offer-result"  tabindex="0">
                                                                            {civil}                                                                    </span>
                            </div>
                        </li>
"""


def _cell(label: str, value: str, extra_class: str = "") -> str:
    return f"""
                        <li class="table-cell{extra_class}">
                            <span>
                                <strong>{label}</strong>
                            </span>
                            <span>
                                                                     {value}                                                            </span>
                        </li>
"""


def _accordion(ref: str, i: int, title: str, body: str) -> str:
    return f"""                                                    <li>
                                <section class="fr-accordion">

                                    
                                                                                    <h3 class="fr-accordion__title">
                                            
                                            <button class="fr-accordion__btn" aria-expanded="false" aria-controls="accordion-{ref}-{i}">{title}</button>


                                            
                                                                            </h3>
                                                                        <div class="fr-collapse rte" id="accordion-{ref}-{i}">
                                        {body}                                    </div>
                                </section>
                            </li>
"""


def _pep_place(p: Posting) -> str | None:
    t, w = p.truth, p.wording
    if not t.get("city") or w.get("place") == "none":
        return None
    job = p.job
    postcode = job.commune.postcode if job and job.commune.name == t["city"] else ""
    street = job.street if job else "1 RUE DE LA RÉPUBLIQUE"
    number = arrondissement(p) if w.get("place") == "arrondissement" else None
    if number:
        return esc(f"{t['city'].upper()} {number}")
    if w.get("place") in ("town", "arrondissement"):
        return esc(t["city"])
    if w.get("place") == "cedex":
        return esc(f"{street} {postcode[:2]}{int(postcode[2:] or 0) + 88:03d} {t['city'].upper()} CEDEX 1"
                   if postcode[:2] not in ("97", "20") else f"{street} {postcode} {t['city'].upper()} CEDEX")
    return esc(f"{street} {postcode} {t['city'].upper()}".replace("  ", " "))


def pep_offer(p: Posting, ds: Dataset, base: str) -> str:
    """The offer page ``/offre-emploi/{slug}-reference-{REF}/``."""
    t, w, ref = p.truth, p.wording, p.reference
    title = display_title(p)
    plain = html.unescape(title)
    url = f"{base}{p.url}"
    code = t.get("department_code")
    dept = D.DEPARTMENTS.get(code or "")
    published = _d(t["published_at"])
    modified = p.modified.astimezone(PARIS).date()
    versant_visible, versant_hidden = _VERSANT.get(t["public_service"] or "etat")
    metier = p.job.title.metier if p.job and p.job.title.family else "Chargée / Chargé de mission"
    hidden = f"""<input type="hidden" name="content_categorie" id="content_categorie" value="{esc(_PEP_CATEGORY.get(t.get('category') or '', ''))}">
    <input type="hidden" name="content_versant" id="content_versant" value="{versant_hidden}">
    <input type="hidden" name="content_dept" id="content_dept" value="{esc(f'{dept.name} ({code})' if dept else '')}">
    <input type="hidden" name="content_reg" id="content_reg" value="{esc(t.get('region') or '')}">
    <input type="hidden" name="content_metier" id="content_metier" value="{esc(metier)}">
    <input type="hidden" name="content_domaine" id="content_domaine" value="Numérique">
    <input type="hidden" name="content_entite" id="content_entite" value="{esc(pep_card_employer(p))}">
    <input type="hidden" name="content_ref" id="content_ref" value="{ref}">

        <input type="hidden" name="content_startPublicationDate_day" id="content_startPublicationDate_day" value="{published.day:02d}">
    <input type="hidden" name="content_startPublicationDate_month" id="content_startPublicationDate_month" value="{published.month:02d}">
    <input type="hidden" name="content_startPublicationDate_year" id="content_startPublicationDate_year" value="{published.year}">

        <input type="hidden" name="content_modificationDate_day" id="content_modificationDate_day" value="{modified.day:02d}">
    <input type="hidden" name="content_modificationDate_month" id="content_modificationDate_month" value="{modified.month:02d}">
    <input type="hidden" name="content_modificationDate_year" id="content_modificationDate_year" value="{modified.year}">"""
    place = _pep_place(p)
    pin = "" if place is None else f"""
                                  <li class="fr-col-12 fr-col-lg-4 ic ic--top ic--pin">
                      <span class="sr-only">Localisation : </span>
                        {place}                    </li>"""
    deadline = _d(t.get("deadline"))
    deadline_p = "" if not deadline else f"""
                                                                        <p class=" fr-text--sm fr-mb-0 fr-mt-2w">
                                <span class="fr-icon-information-line fr-icon--sm tl-color--bluelight" aria-hidden="true"></span>
                                Date limite de candidature : {deadline:%d/%m/%Y}                            </p>"""
    cells = ""
    if t.get("contract") in _NATURE:
        cells += f"""
                        <li class="table-cell span-col-sm-2 span-col-md-3">
                                                            <span>
                                    <strong>Nature de l’emploi</strong>
                                </span>
                                <span>
                                                                            {_NATURE[t['contract']]}                                                                    </span>
                                                    </li>
"""
    cells += _cell("Expérience souhaitée", w.get("experience", "Confirmé"))
    cells += _pep_salary_cell(p)
    if t.get("category") in _PEP_CATEGORY:
        cells += _cell("Catégorie", _PEP_CATEGORY[t["category"]])
    cells += _cell("Management", "Oui" if w.get("management") else "Non")
    if t.get("remote") in ("partiel", "total", "aucun"):
        cells += _cell("Télétravail possible", "Non" if t["remote"] == "aucun" else "Oui")
    missions, profile = description_html(p)
    callouts = "" if not w.get("has_callouts", True) else """
                                                                <!-- card block -->
                            <div class="block-cards">
        <h2 class="fr-mb-5w">Éléments de candidature</h2>

                    
<div class="fr-callout ">
			<h3 class="fr-callout__title">
			Documents à transmettre		</h3>
	
			<div class="fr-callout__text">
			CV et lettre de motivation		</div>		
	
	</div>                
            </div>"""
    accordions = _accordion(ref, 0, "Informations complémentaires",
                            f"<p>Poste ouvert {_contract_phrase(t.get('contract'))}. Restauration collective, remboursement partiel des frais de transport.</p>")
    if stable_hash(ref) % 3:
        accordions += _accordion(ref, 1, "Conditions particulières d’exercice", "<p>D&eacute;placements ponctuels.</p>")
    accordions += _accordion(ref, 2, "Statut du poste", f"Vacant &agrave; partir du {(deadline or published + timedelta(days=60)):%d/%m/%Y}")
    accordions += _accordion(ref, 3, "Métier de référence", esc(metier).replace("é", "&eacute;"))
    others = [o for o in ds.ordered("pep")[:8] if o is not p][:3]
    reco = "".join(f"""
                <li class="fr-col-12 fr-col-md-6 fr-col-lg-4 ">
                    {pep_card(o, base, listing=False)}                </li>
              """ for o in others)
    apply_href = f"mailto:recrutement@{(p.job.employer.acronym.lower() if p.job else 'rh')}.gouv.fr?subject={ref} - {esc(plain)}"
    main = fill(_PEP_MAIN, base=base, ref=ref, title=title, title_attr=esc(plain), url=url, versant=versant_visible,
                employer=esc(pep_card_employer(p)), pin=pin, deadline=deadline_p, cells=cells, missions=missions,
                profile=profile, callouts=callouts, accordions=accordions, reco=reco, apply=apply_href,
                about=esc(f"{t['employer']} met en œuvre les politiques publiques et recrute des agents engagés."))
    ld = {"@context": "https://schema.org/", "@type": "JobPosting", "title": plain,
          "addressLocality": f"{dept.name if dept else ''} ({code}), France",
          "jobLocation": {"@type": "Place", "address": {"@type": "PostalAddress",
                          "streetAddress": f"{t.get('city') or ''} ({code}), France",
                          "addressLocality": f"{t.get('city') or ''} ({code}), France",
                          "addressRegion": t.get("region") or "", "addressCountry": "France",
                          "postalCode": f"{dept.name if dept else ''} ({code})"}},
          "hiringOrganization": pep_card_employer(p), "experienceRequirements": w.get("experience", ""),
          "Description": "\n" + re.sub(r"<[^>]+>", "", html.unescape(missions)) + "\n", "skills": "",
          "datePosted": f"{published:%d/%m/%Y}", "industry": "Numérique", "educationRequirements": ""}
    jsonld = '<script type="application/ld+json">\n    ' + json.dumps(ld).replace("/", "\\/") + "</script>"
    city = (t.get("city") or "").upper()
    return fill(template("pep/offer.html"), base=base, head_title=esc(f"{plain} {city} | Choisir le service public"),
                meta_desc=esc(re.sub(r"<[^>]+>", "", html.unescape(missions))[:160] + "..."), canonical=url,
                page_name=esc(plain), hidden_inputs=hidden, main=main, jsonld=jsonld)


_PEP_MAIN = """<main role="main" class="dsfr main-content-single-offer" data-reference="{{ref}}">
    <input class="js-user-journey-mapping-taxonomy" type="hidden" name="user-journey-mapping-taxonomy" value="3522">

    <span id="main-content" tabindex="-1"></span>

    
<div class="strate strate-breadcrumb">
    <div class="fr-container">
        <div class="fr-grid-row fr-grid-row--center">
            <div class="fr-col-12">

                <nav role="navigation" class="fr-breadcrumb fr-mb-1w fr-mt-2w" aria-label="vous êtes ici :">
                    <button class="fr-breadcrumb__button fr-mb-1w" aria-expanded="false" aria-controls="breadcrumb-{{ref}}">Voir le fil d’Ariane</button>
                    <div class="fr-collapse" id="breadcrumb-{{ref}}">
                        <ol class="fr-breadcrumb__list">
                                                            <li>
                                    <a class="fr-breadcrumb__link fr-text--sm" href="{{base}}">Accueil</a>
                                </li>
                                                                        <li><a class="fr-breadcrumb__link fr-text--sm" href="{{base}}/nos-offres/">Offres d'emploi</a></li>
                                        <li><a class="fr-breadcrumb__link fr-text--sm" aria-current="page">{{title}}</a></li>
                        </ol>
                    </div>
                </nav>
            </div>
        </div>
    </div>
</div>
    <!-- strate-hero-offer -->
    <div class="strate-hero-offer bg-color--grey-light fr-pb-6w fr-pb-md-9w">
    <picture class="background">
        <source srcset="{{base}}/wp-content/themes/biep//assets/img/background/offer-default-sm.svg" type="image/jpg" media="(max-width: 36em)">
        <source srcset="{{base}}/wp-content/themes/biep//assets/img/background/offer-default.svg" type="image/jpg">
        <img loading="lazy" src="{{base}}/wp-content/themes/biep//assets/img/background/offer-default-sm.svg" alt="">
    </picture>
    <div class="informations-wrapper">
        <div class="fr-container logo-container">
            <div class="fr-grid-row fr-grid-row--middle fr-grid-row--gutters">
                <div class="fr-col-6 fr-col-sm-3 fr-col-xl-2 logo">
                    <div class="logo-wrapper">
                                                    <img loading="lazy" class="fr-responsive-img" src="{{base}}/wp-content/uploads/2025/02/logo-605x605.png" alt="Logo">
                                            </div>
                </div>
            </div>
        </div>


        <div class="fr-container d-none d-lg-block">
            <div class="fr-col-9 fr-col-offset-3 fr-col-xl-10 fr-col-offset-xl-2">
                <ul class="actions isDesktop">
            <li>
            <a class="fr-link--download fr-link" download="true" href="{{base}}/wp-content/uploads/pdf-offers/pdf-{{ref}}/offre.pdf">
                Télécharger<span class="fr-link__detail">PDF – 26.14Ko</span>
            </a>
        </li>
    
    <li>
                                <button id="fav-hero-{{ref}}" data-parcours-focuser="login" data-module="components/favorite-btn" type="button" class="action-bar-favorite-btn checkbox-favorite-btn fav tl-color--blue td-none fr-link fr-icon-star-line fr-link--icon-right" data-title="{{title_attr}}" data-open="#modal-login">
                <span class="text fr-text--md tl-color--blue fr-mb-0">
                    <span class="fr-mb-0 fav-default">Ajouter aux favoris</span>
                    <span class="sr-only access-text"> : {{title}}</span>
                </span>
            </button>
        
    </li>
</ul>            </div>
        </div>


        <div class="fr-container fr-mt-12w fr-mt-sm-1w fr-mt-md-10w fr-mt-lg-6w title block-relative">
            <div class="fr-grid-row fr-grid-row--gutters fr-mt-lg-12w">
                <div class="fr-col-12 fr-col-lg-7">
                    <h1 class="fr-mb-0">{{title}}</h1>
                    <div class="bloc-share-wrapper fr-col-12 fr-col-lg-4 fr-col-offset-lg-1 d-none d-lg-block">
                        <div class="fr-share">
    <p class="fr-share__title">Partager la page</p>

            <p class="fr-share__text">Veuillez <button class="btnlink btnlink--inherit-font" data-open="fr-consent-modal">autoriser le dépôt de cookies</button> pour partager sur Facebook, Twitter et LinkedIn.</p>
    
    
    <ul class="fr-share__group">
        <li>
            <a class="fr-share__link fr-share__link--linkedin js-share-popup" title="Partager sur LinkedIn - nouvelle fenêtre"  target="_blank" rel="noopener" data-share-title="Partager sur LinkedIn" data-share-width="550" data-share-height="550">Partager sur LinkedIn</a>
        </li>
        <li>
            <a class="fr-share__link fr-share__link--mail" href="mailto:?subject={{ref}} - {{title_attr}}&body={{title_attr}} {{url}}" title="Partager par email" target="_blank">Partager par email</a>
        </li>
        <li>
            <button class="fr-share__link fr-share__link--copy" data-id="share-{{ref}}" data-url="{{url}}" title="Copier dans le presse-papier">Copier dans le presse-papier</button>
        </li>
    </ul>
</div>                    </div>
                </div>
                <div class="fr-col-12 fr-col-lg-7 fr-pt-0">
                                            <p class="number fr-mb-0 fr-text--sm">
                            <span aria-hidden="true">Réf.</span>
                            <span class="sr-only">Référence : </span>
                            {{ref}}                        </p>
                                    </div>
            </div>

            <ul class="fr-grid-row  fr-grid-row--top fr-grid-row--gutters fr-mt-4w">
                                    <li class="fr-col-12 fr-col-lg-3 ic ic--top ic--file">
                        <span class="sr-only">Fonction publique : </span>
                        <span>{{versant}}</span>
                    </li>
                
                                  <li class="fr-col-12 fr-col-lg-5 ic ic--top ic--user">
                      <span class="sr-only">Employeur : </span>
                      {{employer}}                                        </li>
                {{pin}}
                            </ul>

                          <div class="fr-grid-row fr-grid-row--gutters fr-mt-4w">
                  <div class="fr-col-12">

                                            
	<a					href="{{base}}/metiers/numerique/"

					
		class="fr-tag "
	>
					<span class="sr-only">
				Domaine :			</span>
				
		Numérique	</a>
                    
                  </div>
              </div>
                        <div class="fr-grid-row fr-grid-row--gutters fr-mt-2w">
                <div class="fr-col-12 buttons-wrapper">
                        <a
    data-at-click-exempt='{"event":"click.exit","data":{"click" : "Postuler par mail","click_chapter1" : "Offres","click_chapter2" : "Details offres","click_chapter3" : "Postuler","event_general_placement" : "Body"}}'

    href="{{apply}}" class="fr-btn fr-btn--lg fr-mt-2w fr-fi-mail-line  fr-btn--icon-left">
      <!-- <span class="ic ic--mail ic--white" aria-hidden="true"></span> -->
      <span>Postuler par mail</span>
    </a>
    {{deadline}}
                    
                </div>
            </div>

            <div class="fr-grid-row fr-grid-row--middle fr-grid-row--gutters fr-mt-3w fr-mt-md-4w">
                <div class="fr-col-12">
                    <ul class="table">
{{cells}}                    </ul>
                </div>
            </div>
        </div>
    </div>
</div>
    <div class="strate-two-columns fr-pt-3w fr-pt-md-8w fr-pb-3w fr-pb-md-7w bg-color--white">
        <div class="fr-container">
            <div class="fr-grid-row fr-grid-row--gutters">
                <div class="fr-col-12 fr-col-md-12 fr-col-lg-6 fr-col-offset-lg-2  col-left rte">
                                                                <h2>Vos missions en quelques mots</h2>

                        
                        <div >
                            <div class=" fr-mb-3w">
                                {{missions}}                            </div>

                                                    </div>


                    
                                                                <h2 class="fr-mt-8w">Profil recherché</h2>

                        
                        <div >
                            <div >
                                {{profile}}
                            </div>

                                                    </div>
                    {{callouts}}
                                    </div>
                            </div>
        </div>
    </div>

            <div class="strate-two-columns about-agency fr-pt-md-3w fr-pb-3w fr-pb-md-8w bg-color--grey-light">
        <div class="fr-container">

            
            <div class="fr-grid-row">
                <h2 class="fr-mb-2w fr-mb-md-6w">Qui sommes-nous&nbsp;?</h2>
            </div>

            <div class="fr-grid-row fr-grid-row--gutters rte">
                <div class="fr-col-12 fr-col-md-10 fr-col-lg-5">


                                            <img loading="lazy" src="{{base}}/wp-content/uploads/2022/01/presentation.svg" class="fr-responsive-img" alt="">
                                    </div>

                <div class="fr-col-12 fr-col-md-10 fr-col-lg-5 fr-col-offset-md-1">

                    
                                            <div data-module="components/clamp" >
                            <div class="text-clamp--text">
                                <p>{{about}}</p>                            </div>

                                                                                            <button class="text-clamp--cta btnlink fr-link fr-link--icon-right fr-icon-arrow-down-s-line fr-mt-3w" aria-expanded="false" aria-controls="id-{{ref}}-more"> Afficher la suite</button>
                                <div class="text-clamp--hiddentext  fr-mt-2w" hidden tabindex="-1" id="id-{{ref}}-more">
<h3 class="fr-mt-4w">Descriptif du service</h3>
<p>Le service réunit des agents et des prestataires organisés en équipes autonomes.</p>
</div>
                                                    </div>
                                                        </div>
            </div>

        </div>
    </div>
    
        <div class="strate strate-accordions bg-color--white">
        <div class="fr-container">
            <div class="fr-grid-row fr-grid-row--gutters">
                <div class="fr-col-12">
                                            <h2 class="fr-mb-2w fr-mb-md-5w">À propos de l'offre</h2>
                                    </div>
            </div>
            <div class="fr-grid-row fr-grid-row--gutters">
                <div class="fr-col-12 fr-col-md-8">
                    <ul class="fr-accordions-group">
{{accordions}}                                            </ul>
                </div>
                <div class="fr-col-12 fr-col-offset-md-1 fr-col-md-3 col-img">
                    <img loading="lazy" class="fr-responsive-img" src="{{base}}/wp-content/themes/biep//assets/img/illustration/accordeon.svg" alt="">
                </div>
            </div>
        </div>
    </div>

    
<div class="strate strate-cards-list strate-cards-list-mapping">
    <div class="fr-container">

                    <div class="fr-grid-row fr-grid-row--gutters">
                <div class="fr-col-12 fr-col-md-10 fr-mb-9w fr-pb-0">
                                            <div class="title">
                            <h2 class="fr-mb-4w fr-mb-lg-0">Des offres d'emplois recommandées pour vous</h2>
                        </div>
                    
                                    </div>
            </div>
        
        <ul class="fr-grid-row fr-grid-row--gutters">
              {{reco}}      </ul>
    </div>
</div>
            <div class="strate strate-sep bg-color--grey-light d-none d-md-block"></div>
</main>"""


# ====================================================================== jobposting
def sitemap_children(ds: Dataset, *, non_offer_pages: bool = True) -> list[str]:
    """Names of the child sitemaps (``pages`` first when non-offer pages are listed)."""
    n = len(ds.ordered("jobposting"))
    chunks = max(1, -(-n // SITEMAP_CHUNK))
    names = ["emplois"] if chunks == 1 else [f"emplois-{i}" for i in range(1, chunks + 1)]
    return (["pages"] if non_offer_pages else []) + names


def _lastmod(p: Posting) -> str:
    return p.modified.astimezone(PARIS).replace(microsecond=0).isoformat()


def sitemap_index(ds: Dataset, base: str, *, non_offer_pages: bool = True) -> str:
    items = ds.ordered("jobposting")
    newest = _lastmod(items[0]) if items else "2026-09-30T12:00:00+02:00"
    entries = "".join(
        f"\t<sitemap>\n\t\t<loc>{base}/sitemaps/{name}.xml</loc>\n\t\t<lastmod>"
        f"{'2026-09-30T12:00:00+02:00' if name == 'pages' else newest}</lastmod>\n\t</sitemap>\n"
        for name in sitemap_children(ds, non_offer_pages=non_offer_pages))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<?xml-stylesheet type="text/xsl" href="{base}/sitemaps/sitemap.xsl"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{entries}</sitemapindex>\n<!-- XML Sitemap generated on {ds.today.isoformat()} -->\n")


def sitemap_child(ds: Dataset, base: str, name: str) -> str | None:
    if name == "pages":
        urls = [(f"{base}/", "2026-11-18T14:10:02+01:00"), (f"{base}/a-propos/", "2026-09-30T12:00:00+02:00")]
    else:
        items = ds.ordered("jobposting")
        if name == "emplois":
            if len(items) > SITEMAP_CHUNK:
                return None
            chunk = items
        else:
            try:
                i = int(name.removeprefix("emplois-"))
            except ValueError:
                return None
            chunk = items[(i - 1) * SITEMAP_CHUNK: i * SITEMAP_CHUNK]
            if i < 1 or not chunk:
                return None
        urls = [(f"{base}{p.url}", _lastmod(p)) for p in chunk]
    body = "".join(f"\t<url>\n\t\t<loc>{esc(u)}</loc>\n\t\t<lastmod>{m}</lastmod>\n\t</url>\n" for u, m in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<?xml-stylesheet type="text/xsl" href="{base}/sitemaps/sitemap.xsl"?>\n'
            '<urlset xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.sitemaps.org/schemas/sitemap/0.9 http://www.sitemaps.org/schemas/sitemap/0.9/sitemap.xsd" xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            f"{body}</urlset>\n")


def jobposting_static(name: str, base: str) -> str:
    return fill(template(f"jobposting/{name}.html"), base=base)


def _entities(text: str) -> str:
    return text.replace("é", "&eacute;").replace("ô", "&ocirc;").replace("'", "&#039;")


def jobposting_ld(p: Posting, base: str) -> dict[str, Any]:
    """The schema.org JobPosting of the page."""
    t, w = p.truth, p.wording
    missions, profile = description_html(p)
    desc = f"<h3>Mission</h3>{missions}\n<h3>Votre profil</h3>{profile}"
    title = display_title(p, nbsp=NBSP, escape=False)
    if w.get("shape") == "places":
        desc, title = _entities(desc), _entities(title)
    published = _d(t["published_at"])
    style = w.get("date_style")
    posted = (published.isoformat() if style == "date" else
              paris_midnight_utc(published, 30).strftime("%Y-%m-%dT%H:%M:%SZ") if style == "z_late" else
              (style == "local" and overseas_iso(published, t.get("department_code"))) or paris_iso(published, 10, 42))
    ld: dict[str, Any] = {"@context": "https://schema.org/", "@type": "JobPosting", "title": title,
                          "description": desc,
                          "identifier": {"@type": "PropertyValue", "name": t["employer"], "value": p.reference},
                          "datePosted": posted}
    deadline = _d(t.get("deadline"))
    if deadline:
        ld["validThrough"] = (deadline.isoformat() if w.get("valid_style") == "date"
                              else datetime.combine(deadline, time(23, 59, 59), tzinfo=PARIS).isoformat())
    emp = w.get("employment")
    if emp:
        ld["employmentType"] = emp.split("+") if "+" in emp else emp
    org: dict[str, Any] = {"@type": "Organization", "name": t["employer"]}
    if t.get("ministry"):
        org["parentOrganization"] = {"@type": "GovernmentOrganization", "name": t["ministry"]}
    ld["hiringOrganization"] = org
    if t.get("city"):
        code = t.get("department_code") or ""
        job = p.job
        postcode = job.commune.postcode if job and job.commune.name == t["city"] else (code.zfill(2) + "000")[:5]
        place = {"@type": "Place", "address": {"@type": "PostalAddress", "addressLocality": t["city"],
                                               "postalCode": postcode, "addressRegion": t.get("region") or "",
                                               "addressCountry": "FR"}}
        if w.get("shape") == "places":
            dept = D.DEPARTMENTS.get(code)
            other = next((c for c in (dept.communes if dept else ()) if c.name != t["city"]), None)
            ld["jobLocation"] = [place] + ([{"@type": "Place", "address": {
                "@type": "PostalAddress", "addressLocality": other.name, "postalCode": other.postcode,
                "addressRegion": t.get("region") or "", "addressCountry": "FR"}}] if other else [])
        else:
            ld["jobLocation"] = place
    if t.get("remote") == "total":
        ld["jobLocationType"] = "TELECOMMUTE"
        ld["applicantLocationRequirements"] = {"@type": "Country", "name": "France"}
    lo, hi = t.get("salary_min"), t.get("salary_max")
    if lo is not None and hi is not None and w.get("salary_style") != "absent":
        monthly = w.get("salary_style") == "month"
        ld["baseSalary"] = {"@type": "MonetaryAmount", "currency": "EUR", "value": {
            "@type": "QuantitativeValue", "minValue": lo // 12 if monthly else lo,
            "maxValue": hi // 12 if monthly else hi, "unitText": "MONTH" if monthly else "YEAR"}}
    if t.get("job_family"):
        ld["occupationalCategory"] = D.OCCUPATIONAL[t["job_family"]]
    return ld


def _script_json(obj: Any, **kw: Any) -> str:
    """JSON safe inside a <script> element: "</" written "<\\/" (valid JSON, as real sites do)."""
    return json.dumps(obj, **kw).replace("</", "<\\/")


def jobposting_offer(p: Posting, ds: Dataset, base: str, *, with_jsonld: bool = True) -> str:
    t, w = p.truth, p.wording
    url = f"{base}{p.url}"
    ld = jobposting_ld(p, base)
    shape = w.get("shape", "plain")
    head = body = ""
    if with_jsonld:
        if shape == "graph":
            graph = {"@context": "https://schema.org", "@graph": [
                {"@type": "WebPage", "@id": f"{url}#webpage", "url": url, "inLanguage": "fr-FR"},
                {"@type": "BreadcrumbList", "itemListElement": [
                    {"@type": "ListItem", "position": 1, "name": "Accueil", "item": f"{base}/"},
                    {"@type": "ListItem", "position": 2, "name": ld["title"]}]},
                {"@type": "Organization", "@id": f"{base}/#organization", "name": "Métiers du numérique de l'État",
                 "parentOrganization": {"@type": "GovernmentOrganization",
                                        "name": "Direction interministérielle du numérique (DINUM)"}},
                {**{k: v for k, v in ld.items() if k != "@context"}, "@id": f"{url}#jobposting"}]}
            head = ('<script type="application/ld+json" class="yoast-schema-graph">'
                    + json.dumps(graph, ensure_ascii=False).replace("/", "\\/") + "</script>")
        elif shape == "two_scripts":
            crumbs = {"@context": "https://schema.org", "@type": "BreadcrumbList", "itemListElement": [
                {"@type": "ListItem", "position": 1, "name": "Accueil", "item": f"{base}/"}]}
            head = ('<script type="application/ld+json">' + _script_json(crumbs, ensure_ascii=False) + "</script>\n"
                    '<script type="application/ld+json">\ufeff\n   \n' + _script_json(ld, ensure_ascii=False, indent=2)
                    + "\n</script>")
        elif shape == "bom":
            head = '<script type="application/ld+json">\ufeff\n  ' + _script_json(ld, ensure_ascii=False) + "\n</script>"
        elif shape == "escaped":
            head = '    <script type="application/ld+json">  ' + _script_json(ld) + "  </script>"
        elif shape == "places":
            head = '<script type="application/ld+json">\n' + _script_json(ld, ensure_ascii=False) + "\n</script>"
        else:
            body = '<script type="application/ld+json">' + _script_json(ld, ensure_ascii=False) + "</script>\n"
    title = display_title(p)
    missions, profile = description_html(p)
    code = t.get("department_code")
    place = f"{t['city']} ({code})" if t.get("city") else "Télétravail complet"
    facts = [("fr-icon-building-line", "Recruteur", esc(t["employer"])),
             ("fr-icon-map-pin-2-line", "Localisation", esc(place))]
    if w.get("employment"):
        facts.append(("fr-icon-file-text-line", "Types de contrat", esc(w["employment"].replace("+", ", "))))
    if t.get("salary_min") is not None and w.get("salary_style") != "absent":
        facts.append(("fr-icon-money-euro-circle-line", "Rémunération",
                      f"Entre {t['salary_min'] // 1000} K€ et {t['salary_max'] // 1000} K€ bruts annuels"))
    if t.get("deadline"):
        facts.append(("fr-icon-calendar-line", "Date limite", f"{_d(t['deadline']):%d/%m/%Y}"))
    facts.append(("fr-icon-hashtag", "Référence interne", esc(p.reference)))
    facts_html = "\n".join(f'                                <li class="{c}"><span class="job-infos__label">{label}</span> {v}</li>'
                           for c, label, v in facts)
    similar = [o for o in ds.ordered("jobposting")[:6] if o is not p][:3]
    similar_html = "".join(f"""
                <li class="fr-col-12 fr-col-md-6 fr-col-lg-4">
                    <div class="fr-card fr-enlarge-link fr-card--sm">
                        <div class="fr-card__body">
                            <div class="fr-card__content">
                                <h3 class="fr-card__title"><a href="{base}{o.url}">{display_title(o)}</a></h3>
                                <p class="fr-card__desc">{esc(o.truth['employer'])}</p>
                                <div class="fr-card__end"><p class="fr-card__detail fr-icon-map-pin-2-line">{esc(o.truth.get('city') or '')} ({o.truth.get('department_code') or ''})</p></div>
                            </div>
                        </div>
                    </div>
                </li>""" for o in similar)
    main = f"""<main id="contenu" role="main" class="job-page">
    <div class="fr-container">
        <nav role="navigation" class="fr-breadcrumb" aria-label="vous êtes ici :">
            <button class="fr-breadcrumb__button" aria-expanded="false" aria-controls="breadcrumb-1">Voir le fil d’Ariane</button>
            <div class="fr-collapse" id="breadcrumb-1">
                <ol class="fr-breadcrumb__list">
                    <li><a class="fr-breadcrumb__link" href="{base}/">Accueil</a></li>
                    <li><a class="fr-breadcrumb__link" href="{base}/emplois/">Offres d’emploi</a></li>
                    <li><a class="fr-breadcrumb__link" aria-current="page">{title}</a></li>
                </ol>
            </div>
        </nav>

        <div class="fr-grid-row fr-grid-row--gutters">
            <div class="fr-col-12 fr-col-lg-8">
                <p class="fr-badge fr-badge--info fr-badge--no-icon fr-mb-2w">Numérique</p>
                <h1>{title}</h1>
                <p class="fr-text--lead job-recruiter">{esc(t['employer'])}{' · ' + esc(t['ministry']) if t.get('ministry') else ''}</p>

                <section class="job-section" id="mission">
                    <h2>Mission</h2>
                    {missions}
                </section>
                <section class="job-section" id="profil">
                    <h2>Votre profil</h2>
                    {profile}
                </section>
                <section class="job-section" id="processus">
                    <h2>Processus de recrutement</h2>
                    <p>Entretien avec l’équipe, puis avec la direction.</p>
                </section>
            </div>

            <div class="fr-col-12 fr-col-lg-4">
                <div class="fr-card fr-card--no-arrow job-infos">
                    <div class="fr-card__body">
                        <div class="fr-card__content">
                            <h2 class="fr-card__title">Informations</h2>
                            <ul class="fr-raw-list job-infos__list">
{facts_html}
                            </ul>
                            <a class="fr-btn fr-btn--lg fr-mt-3w" href="{url}candidater/">Postuler</a>
                        </div>
                    </div>
                </div>
            </div>
        </div>
    </div>

    <section class="fr-container fr-py-6w similar-jobs">
        <h2>Offres similaires</h2>
        <ul class="fr-grid-row fr-grid-row--gutters fr-raw-list">{similar_html}
        </ul>
    </section>
</main>"""
    plain = html.unescape(title)
    return fill(template("jobposting/offer.html"), base=base, head_title=esc(f"{plain} – {t['employer']} | Métiers du numérique"),
                meta_desc=esc(re.sub(r"<[^>]+>", "", html.unescape(missions))[:155]), canonical=url,
                jsonld_head=head, main=main, jsonld_body=body)


# ====================================================================== feed
def _feed_category(p: Posting) -> str:
    cat = p.wording.get("category") or p.truth.get("category") or ""
    return cat


def _feed_salary(p: Posting) -> str:
    t, w = p.truth, p.wording
    style = w.get("salary_style", "none")
    lo, hi = t.get("salary_min"), t.get("salary_max")
    if style == "net" and lo is None and p.job and p.job.salary:
        net = round(p.job.salary[0] / 12 * 0.78, -1)
        return ("Rémunération : " if w.get("net_label") else "") + f"{euros(int(net), ' ')} € net/mois"
    if style == "from_k" and lo is not None and hi is None:
        return f"à partir de {lo // 1000}k€"
    if lo is None or hi is None:
        return w.get("grille", "Selon grille indiciaire + RIFSEEP") if style == "grille" else "Non renseignée"
    if style == "monthly":
        return f"Entre {euros(lo // 12, ' ')} € et {euros(hi // 12, ' ')} € brut mensuel + régime indemnitaire"
    if style == "monthly_plain":
        return f"entre {euros(lo // 12, ' ')} et {euros(hi // 12, ' ')} € bruts mensuels"
    sep = NNBSP if stable_hash(p.reference) % 2 else " "
    return f"{euros(lo, sep)} € - {euros(hi, sep)} € brut annuel"


def _feed_place(p: Posting) -> str | None:
    """dd "Localisation": "Ville (NN)", "NN - Ville", "69003 Lyon", a street address, "PARIS 15",
    "Lyon 3e Arrondissement"; without a city, the department's or the region's bare name, or
    "Télétravail" / "France entière" for a job with no place."""
    t = p.truth
    code = t.get("department_code") or ""
    if not t.get("city"):
        if code in D.DEPARTMENTS:
            return D.DEPARTMENTS[code].name
        return t.get("region") or p.wording.get("nowhere")
    job = p.job
    postcode = job.commune.postcode if job and job.commune.name == t["city"] else code + "000"
    style = p.wording.get("place", "paren")
    number = arrondissement(p) if style == "arrondissement" else None
    if number:
        return f"PARIS {number}" if t["city"] == "Paris" else arrondissement_name(t["city"], number)
    if style == "dash":
        return f"{code} - {t['city']}"
    if style == "postcode":
        return f"{postcode} {t['city']}"
    if style == "street":
        return f"{job.street.title() if job else '1 Rue Nationale'}, {postcode} {t['city']}"
    return f"{t['city']} ({code})"


def _feed_deadline(p: Posting) -> str | None:
    deadline = _d(p.truth.get("deadline"))
    if not deadline:
        return None
    style = p.wording.get("deadline_style", "slash")
    if style == "dash":
        return f"{deadline:%d-%m-%Y}"
    if style == "long":
        return fr_long(deadline)
    if style == "weekday":
        return fr_long(deadline, weekday=True)
    return f"{deadline:%d/%m/%Y}"


def _feed_domain(p: Posting) -> str:
    return p.job.title.domain if p.job else "Informatique"


def feed_rss(ds: Dataset, base: str, window: int = 100) -> str:
    items = ds.ordered("feed")
    if window:
        items = items[:window]
    out = []
    for p in items:
        t, w = p.truth, p.wording
        summary = f"<p><strong>{esc(t['employer'])}</strong></p><p>{esc(p.description[0][:1].upper() + p.description[0][1:])}</p>"
        contract = w.get("contract") or ""
        versant = ("\n      <category>Fonction publique territoriale</category>"
                   if t.get("public_service") == "territoriale" else "")
        pub_date = ("" if feed_item_undated(p, ds.shown_today())
                    else f"      <pubDate>{rfc822(w['pub_instant'], w.get('pub_gmt', False))}</pubDate>\n")
        out.append(f"""    <item>
      <title>{esc(display_title(p, nbsp=NBSP, escape=False))}</title>
      <link>{base}{p.url}</link>
      <guid isPermaLink="false">{p.reference}</guid>
{pub_date}      <dc:creator>{esc(t['employer'])}</dc:creator>
      <description><![CDATA[{summary}]]></description>
      <category>{esc('Catégorie ' + t['category'] if t.get('category') else '')}</category>
      <category>{esc(_feed_domain(p))}</category>
      <category>{esc(contract)}</category>{versant}
    </item>
""")
    newest = items[0].wording["pub_instant"] if items else datetime.combine(ds.today, time(6), tzinfo=PARIS)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>Offres d'emploi – Bourse de l’emploi territorial</title>
    <link>{base}/offres/</link>
    <description>Les {window or len(items)} dernières offres d'emploi publiées par les collectivités et les établissements publics territoriaux.</description>
    <language>fr-fr</language>
    <lastBuildDate>{rfc822(newest, False)}</lastBuildDate>
    <ttl>60</ttl>
    <atom:link href="{base}/offres/rss.xml" rel="self" type="application/rss+xml" />
{''.join(out)}  </channel>
</rss>
"""


def feed_item_undated(p: Posting, today: date) -> bool:
    """The digital items whose page dates them relatively carry no ``pubDate`` (optional in
    RSS): the spider must then read the page's "Publiée il y a N jours"."""
    w = p.wording
    days = (today - w["pub_instant"].astimezone(PARIS).date()).days
    return bool(w.get("relative_date")) and bool(p.truth.get("is_digital")) and 0 <= days <= 30


def _feed_published(day: date, today: date, relative: bool) -> str:
    """p.offre-date: "Publiée le 13/11/2026", or relative to ``today`` (the dataset's day, the
    crawl's: :meth:`~crawlers.replica.generator.Dataset.shown_today`) within a month: "Publiée
    aujourd’hui", "Publiée hier", "Publiée il y a 3 jours"."""
    days = (today - day).days
    if not relative or not 0 <= days <= 30:
        return f"Publiée le {day:%d/%m/%Y}"
    if days == 0:
        return "Publiée aujourd’hui"
    return "Publiée hier" if days == 1 else f"Publiée il y a {days} jours"


def feed_offer(p: Posting, ds: Dataset, base: str) -> str:
    t, w = p.truth, p.wording
    title = display_title(p)
    pub = w["pub_instant"].astimezone(PARIS).date()
    pairs: list[tuple[str, str]] = []
    service = "Direction du numérique et des systèmes d'information" if t["is_digital"] else "Direction des ressources"
    if w.get("employer_dd", True):
        pairs.append(("Employeur", esc(t["employer"])))
    place = _feed_place(p)
    if place:
        pairs.append(("Localisation", esc(place)))
    deadline = _feed_deadline(p)
    if deadline:
        pairs.append(("Date limite", deadline))
    pairs.append(("Type de contrat", esc(w.get("contract") or "")))
    if _feed_category(p):
        pairs.append(("Catégorie", esc(_feed_category(p))))
    pairs.append(("Rémunération", _feed_salary(p)))
    remote = remote_label(p)
    if remote:
        pairs.append(("Télétravail", esc(remote)))
    pairs.append(("Service", esc(service if w.get("employer_dd", True) else t["employer"])))
    dl = "\n".join(f"          <dt>{k}</dt>\n          <dd>{v}</dd>" for k, v in pairs)
    missions, profile = description_html(p)
    article = f"""<article class="offre" id="offre-{p.reference}">
          <header class="offre-entete">
            <p class="offre-ref">Référence : {p.reference}</p>
            <h1>{title}</h1>
            <p class="offre-date">{_feed_published(pub, ds.shown_today(), w.get("relative_date", False))}</p>
          </header>

          <dl class="offre-infos">
{dl}
          </dl>

          <div class="offre-description">
<h2>Missions</h2>
{missions}
<h2>Profil</h2>
{profile}
          </div>

          <p class="offre-postuler">
            <a class="btn btn-primary btn-lg" href="{base}/offres/{p.reference}/candidater">Postuler à cette offre</a>
            <a class="btn btn-outline-secondary" href="{base}/offres/{p.reference}.pdf">Télécharger l'offre (PDF)</a>
          </p>
        </article>"""
    others = [o for o in ds.ordered("feed")[:5] if o is not p][:4]
    similar = "\n".join(f'          <li><a href="{base}{o.url}">{display_title(o)}</a> <span class="employeur">{esc(o.truth["employer"])}</span></li>'
                        for o in others)
    plain = html.unescape(title)
    return fill(template("feed/offer.html"), base=base, head_title=esc(f"{plain} – {t['employer']} | Bourse de l’emploi territorial"),
                meta_desc=esc(p.description[0][:150]), canonical=f"{base}{p.url}", reference=p.reference,
                article=article, similar=similar)


# ====================================================================== api
def api_summary(p: Posting, base: str) -> dict[str, Any]:
    return {"id": p.api_id, "reference": p.reference, "title": display_title(p, nbsp=NBSP, escape=False),
            "updated_at": p.modified.astimezone(PARIS).replace(microsecond=0).isoformat(),
            "url": f"{base}/recrutement/offre/{p.api_id}"}


def api_list(ds: Dataset, base: str, page: int, per_page: int) -> dict[str, Any]:
    items = ds.ordered("api")
    total = len(items)
    pages = max(1, -(-total // per_page))
    chunk = items[(page - 1) * per_page: page * per_page] if page >= 1 else []
    return {"data": [api_summary(p, base) for p in chunk],
            "meta": {"page": page, "per_page": per_page, "total": total, "total_pages": pages}}


def api_detail(p: Posting, base: str) -> dict[str, Any]:
    t, w = p.truth, p.wording
    published = _d(t["published_at"])
    published_at = (paris_midnight_utc(published, 30).strftime("%Y-%m-%dT%H:%M:%SZ")
                    if w.get("date_style") == "z_late" else
                    (w.get("date_style") == "local" and overseas_iso(published, t.get("department_code")))
                    or paris_iso(published))
    lo, hi = t.get("salary_min"), t.get("salary_max")
    salary = None
    if lo is not None and hi is not None:
        monthly = w.get("salary_style") == "monthly"
        salary = {"min": lo // 12 if monthly else lo, "max": hi // 12 if monthly else hi,
                  "period": "monthly" if monthly else "annual"}
    code = t.get("department_code")
    job = p.job
    missions, profile = description_html(p)
    number = arrondissement(p) if w.get("arrondissement") else None
    city = arrondissement_name(t["city"], number) if number else t.get("city")
    return {
        "id": p.api_id, "reference": p.reference, "title": display_title(p, nbsp=NBSP, escape=False),
        "organization": {"name": t["employer"], "ministry": t.get("ministry")},
        "location": {"city": city,
                     "postal_code": job.commune.postcode if job and job.commune.name == t.get("city") else None,
                     "department": D.DEPARTMENTS[code].name if code in D.DEPARTMENTS else None},
        "contract_type": w.get("contract"),
        "category": w.get("category") if t.get("category") else None,
        "remote": remote_label(p),
        "salary": salary, "published_at": published_at, "closing_date": t.get("deadline"),
        "updated_at": p.modified.astimezone(PARIS).replace(microsecond=0).isoformat(),
        "description_html": missions, "profile_html": profile,
        "job_family": w.get("job_family_label", "Systèmes d'information"),
        "url": f"{base}/recrutement/offre/{p.api_id}",
    }


# ====================================================================== feed, Atom variant
ATOM = "http://www.w3.org/2005/Atom"


def atom_title(p: Posting) -> str:
    """The entry's title as published: "<Rôles> - Offre de <startup>" (a gender marker after
    the roles on some entries), unescaped."""
    w = p.wording
    roles = w["roles"] + (f" {w['marker']}" if w.get("marker") else "")
    return f"{roles} - Offre de {w['startup']}"


def atom_instant(instant: datetime, utc: bool) -> str:
    """An Atom date (RFC 3339): Paris local time with its offset, or UTC with ``Z``."""
    if utc:
        return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return instant.astimezone(PARIS).replace(microsecond=0).isoformat()


def atom_content_html(p: Posting) -> str:
    """The whole offer as the entry's ``content`` (HTML): who we are, the mission, the profile,
    the conditions (free text), how to apply. Some entries use named entities (``&nbsp;``)."""
    w, t = p.wording, p.truth
    family = t.get("job_family") or "developpement"
    missions = D.ATOM_MISSIONS.get(family, D.ATOM_MISSIONS["developpement"])
    nbsp = "&nbsp;" if w.get("entities") else " "
    items = "".join(f"<li>{esc(m)}{nbsp};</li>" if i < len(missions) - 1 else f"<li>{esc(m)}.</li>"
                    for i, m in enumerate(missions))
    parts = [
        "<h2>Qui sommes-nous ?</h2>",
        f"<p>{esc(w['startup'])} {esc(w['pitch'])} Le service est construit par une startup d’État "
        f"accompagnée par {esc(w['incubator'])}.</p>",
        "<h2>Votre mission</h2>",
        f"<p>Au sein d’une petite équipe autonome, vous aurez pour mission de{nbsp}:</p>",
        f"<ul>{items}</ul>",
        "<h2>Votre profil</h2>",
        f"<p>{esc(D.ATOM_PROFILES.get(family, ''))}</p>",
    ]
    if w.get("conditions"):
        parts += ["<h2>Conditions</h2>", f"<p>{esc(w['conditions'])}</p>"]
    parts += ["<h2>Pour candidater</h2>",
              f"<p>Envoyez votre CV et quelques lignes sur vos motivations à "
              f"<a href=\"mailto:recrutement@beta.gouv.fr\">recrutement@beta.gouv.fr</a> en précisant "
              f"« {esc(w['roles'])} – {esc(w['startup'])} ».</p>"]
    html_text = "\n".join(parts)
    return html_text.replace("’", "&rsquo;") if w.get("entities") else html_text


def atom_feed(ds: Dataset, base: str) -> str:
    """The Atom feed (beta.gouv.fr ``/jobs.xml`` shape, as jekyll-feed writes it): every open
    position, newest first, the offer's HTML escaped in ``content type="html"``."""
    entries = ds.atom_entries()
    out = []
    for p in entries:
        w = p.wording
        out.append(f"""  <entry>
    <title>{esc(atom_title(p))}</title>
    <link href="{base}{p.url}" rel="alternate" type="text/html" title="{esc(atom_title(p))}"/>
    <id>{base}{p.reference}</id>
    <published>{atom_instant(w['published'], w.get('utc', False))}</published>
    <updated>{atom_instant(w['updated'], w.get('utc', False))}</updated>
    <author><name>{esc(w['author'])}</name></author>
    <domaine>{esc(w['domaine'])}</domaine>
    <content type="html" xml:base="{base}{p.url}">{esc(atom_content_html(p))}</content>
  </entry>
""")
    newest = max((p.wording["updated"] for p in entries),
                 default=datetime.combine(ds.today, time(6), tzinfo=PARIS))
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="{ATOM}" xml:lang="fr">
  <generator uri="https://jekyllrb.com/" version="4.3.3">Jekyll</generator>
  <link href="{base}/jobs.xml" rel="self" type="application/atom+xml"/>
  <link href="{base}/recrutement/" rel="alternate" type="text/html" hreflang="fr"/>
  <updated>{atom_instant(newest, False)}</updated>
  <id>{base}/jobs.xml</id>
  <title type="html">Offres d’emploi – beta.gouv.fr</title>
  <subtitle>Rejoignez les startups d’État et de territoires</subtitle>
{''.join(out)}</feed>
"""


def atom_page(p: Posting, ds: Dataset, base: str) -> str:
    """The page an entry links to (the spider never needs it: the entry holds the offer)."""
    w = p.wording
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
  <meta charset="utf-8">
  <title>{esc(atom_title(p))} | beta.gouv.fr</title>
  <link rel="canonical" href="{base}{p.url}">
  <link rel="alternate" type="application/atom+xml" href="{base}/jobs.xml" title="Offres d’emploi">
</head>
<body>
  <main class="fr-container" role="main">
    <article class="job">
      <h1>{esc(atom_title(p))}</h1>
      <p class="fr-tag">{esc(w['domaine'])}</p>
      <p class="job-date">Publiée le {w['published'].astimezone(PARIS):%d/%m/%Y}</p>
      {atom_content_html(p)}
    </article>
  </main>
</body>
</html>
"""
