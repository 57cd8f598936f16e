"""Employers: categories of employers, the title-suffix rule, and the dedup key.

Choisir le service public shows, for territorial offers relayed from
emploi-territorial.fr, a *category* of employers ("Communes", "Conseils départementaux")
where the employer should be, and appends the real employer to the title::

    >>> split_employer_suffix("Chef de projet applications métiers (h/f) - VILLE DE VILLEURBANNE", "Communes")
    ('Chef de projet applications métiers (h/f)', 'VILLE DE VILLEURBANNE')
    >>> split_employer_suffix("INGENIEUR CYBERSECURITE - AUDITEUR", "Direction du renseignement (DRSD)")
    ('INGENIEUR CYBERSECURITE - AUDITEUR', 'Direction du renseignement (DRSD)')

The same employer, with or without its acronym, gets one key::

    >>> employer_key("Direction interministérielle du numérique (DINUM)") == employer_key("DINUM")
    True
    >>> employer_key("VILLE DE VILLEURBANNE")
    'ville de villeurbanne'
"""

from __future__ import annotations

import re
from functools import lru_cache

from normalize.text import clean_text, fold
from normalize.titles import ends_with_gender_marker, strip_gender_markers

#: collective names pep shows instead of a territorial employer (folded form)
EMPLOYER_CATEGORIES = frozenset(fold(name) for name in (
    "Communes", "Conseils départementaux", "Conseils régionaux", "Départements", "Régions",
    "Etablissements publics locaux", "Établissements publics locaux", "Autres établissements publics locaux",
    "Etablissements publics territoriaux", "Établissements publics de coopération intercommunale",
    "EPCI", "Intercommunalités", "Communautés de communes", "Communautés d'agglomération",
    "Communautés urbaines", "Métropoles", "Centres de gestion", "CCAS et CIAS", "CCAS", "CIAS",
    "Centres communaux d'action sociale", "Centres intercommunaux d'action sociale",
    "Syndicats intercommunaux", "Syndicats mixtes", "Syndicats", "SDIS",
    "Services départementaux d'incendie et de secours", "Offices publics de l'habitat",
    "Caisses des écoles", "Collectivités territoriales", "Collectivités", "Collectivités et établissements",
    "Autres collectivités", "Etablissements publics", "Établissements publics", "Autres",
    "Autres établissements", "Etablissements publics de santé", "Établissements sociaux et médico-sociaux",
))

#: words that make a title's last `` - `` part look like an organisation (folded, whole words)
_ORGANISATION_WORD = re.compile(
    r"\b(?:ville|commune|mairie|departement|region|conseil|communaute|metropole|agglomeration|agglo"
    r"|ccas|cias|centre|syndicat|sdis|etablissement|office|collectivite|prefecture|ministere"
    r"|direction|academie|rectorat|universite|hopital|hopitaux|chu|ch|ehpad|institut|agence"
    r"|eurometropole|territoire|pays|caisse|sivom|sivu|smictom|epci)\b"
)
#: the employer suffix separator: a hyphen between spaces (an en dash never cuts a title)
_SUFFIX_SEPARATOR = " - "
_MAX_ACRONYM = 20
_ACRONYM_TAIL = re.compile(r"^(?P<name>.*?)\s*\((?P<acronym>[^()]{1,%d})\)\s*$" % _MAX_ACRONYM)
_PARENT_SEPARATOR = re.compile(r"\s+[-–—]\s+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def is_employer_category(name: str | None) -> bool:
    """True when ``name`` is a category of employers, not an employer.

    >>> is_employer_category("Conseils départementaux"), is_employer_category("Département de la Loire")
    (True, False)
    """
    text = clean_text(name)
    return text is not None and _is_category(text)


@lru_cache(maxsize=4096)  # employer names repeat across a crawl
def _is_category(text: str) -> bool:
    return fold(text) in EMPLOYER_CATEGORIES


def _looks_like_employer(suffix: str, *, after_marker: bool) -> bool:
    if not suffix or len(suffix) < 3:
        return False
    if after_marker:  # "Titre (H/F) - EMPLOYEUR": the marker closes the job title
        return True
    letters = [c for c in suffix if c.isalpha()]
    if letters and all(c.isupper() for c in letters):
        return True
    return _ORGANISATION_WORD.search(fold(suffix)) is not None


def split_employer_suffix(title: str | None, employer: str | None) -> tuple[str | None, str | None]:
    """Apply the territorial employer rule of CATALOGUE.md.

    When ``employer`` is a category of employers and the title ends with
    `` - <real employer>``, return the title without that suffix and the real employer,
    kept as published (capitals stay capitals). Otherwise return both unchanged: a `` - ``
    inside a title is never cut for another reason, and an en dash never cuts.

    The suffix counts as an employer when it follows a gender marker ("… (H/F) - CONSEIL
    DÉPARTEMENTAL DU MORBIHAN"), is written in capitals, or names an organisation ("Ville
    de …", "… Métropole", "Région …", "CCAS de …"). Both arguments may be raw or cleaned;
    the title's own cleaning (:func:`normalize.titles.clean_title`) comes after.
    """
    if not title or not is_employer_category(employer):
        return title, employer
    head, sep, suffix = title.rpartition(_SUFFIX_SEPARATOR)
    if not sep:
        # a non-breaking space around the hyphen, or a tab: retry on the cleaned text
        cleaned = clean_text(title) or ""
        head, sep, suffix = cleaned.rpartition(_SUFFIX_SEPARATOR)
        if not sep:
            return title, employer
    suffix_clean = strip_gender_markers(clean_text(suffix) or "")  # "… - VILLE DE LYON (H/F)"
    if not head.strip() or not suffix_clean:  # "Développeur - H/F": a marker, not an employer
        return title, employer
    if not _looks_like_employer(suffix_clean, after_marker=ends_with_gender_marker(head)):
        return title, employer
    return head.rstrip(), suffix_clean


def employer_key(name: str | None) -> str | None:
    """Identity of an employer for dedup: folded, punctuation-free, acronym-aware.

    - a name ending with an acronym in brackets is keyed by that acronym, preceded by the
      parent organisation when the name has one before a dash: "Direction
      interministérielle du numérique (DINUM)" and "DINUM" → ``dinum``; "Académie de Rennes
      – Division des systèmes d'information (DSI)" → ``academie de rennes dsi``. A dash
      does not give a parent when the acronym abbreviates the whole name: "Assistance
      Publique - Hôpitaux de Paris (AP-HP)" → ``ap hp``, like "AP-HP";
    - an acronym given after or before a dash, beside the name it abbreviates, counts as
      one in brackets: "Direction interministérielle du numérique - DINUM" and "DINUM -
      Direction interministérielle du numérique" → ``dinum``;
    - any other name is its folded words: "VILLE DE VILLEURBANNE" and "Ville de
      Villeurbanne" → ``ville de villeurbanne``.

    Two different services sharing an acronym (two "DNUM" of two ministries) share a key:
    dedup must not treat the key alone as proof (it compares titles and places too).

    >>> employer_key("Académie de Rennes – Division des systèmes d'information (DSI)")
    'academie de rennes dsi'
    >>> employer_key(None) is None
    True
    """
    text = clean_text(name)
    return _key(text) if text else None


@lru_cache(maxsize=4096)
def _key(text: str) -> str | None:
    text = _dash_acronym_in_brackets(text)
    match = _ACRONYM_TAIL.match(text)
    if match and _is_acronym(match.group("acronym")):
        name, acronym = match.group("name"), match.group("acronym")
        if _abbreviates(acronym, name):
            parent = ""  # the acronym of the whole name: "Assistance Publique - Hôpitaux de Paris (AP-HP)"
        else:  # the acronym of the last part: "Académie de Rennes – Division des SI (DSI)"
            parent = " ".join(_PARENT_SEPARATOR.split(name)[:-1])
        text = f"{parent} {acronym}"
    key = _NON_ALNUM.sub(" ", fold(text)).strip()
    return key or None


def _dash_acronym_in_brackets(text: str) -> str:
    """An acronym given beside its name after or before a dash, written in brackets.

    "Direction interministérielle du numérique - DINUM" and "DINUM - Direction
    interministérielle du numérique" → "Direction interministérielle du numérique (DINUM)",
    when the name beside the acronym abbreviates to it (:func:`_abbreviates`): "Académie
    de Rennes - DSI" stays as it is (DSI is not "Académie de Rennes").
    """
    if "(" in text:
        return text
    parts = _PARENT_SEPARATOR.split(text)
    if len(parts) < 2:
        return text
    if _is_acronym(parts[-1]) and _abbreviates(parts[-1], parts[-2]):
        return f"{' - '.join(parts[:-1])} ({parts[-1]})"
    if len(parts) == 2 and _is_acronym(parts[0]) and _abbreviates(parts[0], parts[1]):
        return f"{parts[1]} ({parts[0]})"
    return text


#: little words an acronym may leave out ("Direction générale **des** Finances publiques")
_LITTLE_WORDS = frozenset({
    "a", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "par", "pour", "sur",
    "and", "of", "the", "for",
})


def _abbreviates(acronym: str, name: str) -> bool:
    """Is ``acronym`` made of the starts of the words of ``name``, in order?

    Every word gives a start of itself (one letter or more: "DINUM" is **D**irection
    **IN**terministérielle du **NUM**érique, "DGFiP" **D**irection **G**énérale des **Fi**nances
    **P**ubliques, "AP-HP" **A**ssistance **P**ublique - **H**ôpitaux de **P**aris); little
    words ("de", "du", "des"…) may give nothing. Case, accents and punctuation do not count.
    """
    letters = _NON_ALNUM.sub("", fold(acronym))
    words = _NON_ALNUM.sub(" ", fold(name)).split()
    if not letters or len(letters) > _MAX_ACRONYM or not words or len(words) > 3 * len(letters):
        return False

    @lru_cache(maxsize=None)
    def match(i: int, j: int) -> bool:  # letters[i:] from words[j:]
        if j == len(words):
            return i == len(letters)
        word = words[j]
        if word in _LITTLE_WORDS and match(i, j + 1):
            return True
        k = 0
        while k < len(word) and i + k < len(letters) and letters[i + k] == word[k]:
            k += 1
            if match(i + k, j + 1):
                return True
        return False

    return match(0, 0)


def _is_acronym(text: str) -> bool:
    """"DINUM", "SGCD 2A", "AP-HP", "DGFiP" are acronyms; "ex-Pôle emploi", "Kubernetes" are not."""
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 2 or len(text.split()) > 3:
        return False
    upper = sum(1 for c in letters if c.isupper())
    return upper >= 2 and upper * 2 >= len(letters)
