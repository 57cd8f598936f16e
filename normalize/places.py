"""Where a job is: commune, department code and current region, from what a page says.

Sources describe a place in many ways: a free text ("Paris (75)", "75 - Paris", "Lyon 3e
Arrondissement", "27 BOULEVARD DE STALINGRAD 92240 MALAKOFF", "Hauts-de-Seine (92)",
"Rhône-Alpes", "Télétravail"), or structured parts (a JSON-LD ``addressLocality`` and
``postalCode``, an API's ``city``/``postal_code``/``department``, pep's hidden
``content_dept`` "Ille-et-Vilaine (35)"). :func:`parse_place` reads all of them at once and
returns one :class:`Place`::

    >>> parse_place("ALLÉE DES TOPAZES 97400 SAINT-DENIS")
    Place(city='Saint-Denis', department_code='974', region='La Réunion')
    >>> parse_place("Saint-Denis (93)")
    Place(city='Saint-Denis', department_code='93', region='Île-de-France')
    >>> parse_place(city="Montpellier", department="Hérault")
    Place(city='Montpellier', department_code='34', region='Occitanie')
    >>> parse_place("Midi-Pyrénées")
    Place(city=None, department_code=None, region='Occitanie')
    >>> parse_place(department="Ille-et-Vilaine (35)")
    Place(city=None, department_code='35', region='Bretagne')

How a place is resolved (docs/PLACES.md tells the whole story):

0. **No place**: a text that says there is no fixed place ("Télétravail", "France
   entière", "Télétravail partiel") gives nothing (:func:`is_no_place`); remote work
   written beside a place is left out ("Bordeaux (33) - Télétravail partiel", "Télétravail
   (Paris)").
1. **Department evidence**, strongest first: the ``department`` argument; a code written
   in the text ("(2A)", "35 - Rennes"; "Nantes 44" and "93 Saint-Denis" only when the
   reference data has that commune in that department: "PARIS 15" is an arrondissement); a
   postal code (:func:`department_from_postcode`:
   "20188" → "2A", "97400" → "974"); else a department named by the text ("Hérault"),
   else the department of the commune found (when the name is not a homonym), else the
   only department of an overseas region.
2. **City**: the commune named by ``city`` or the text, spelled as INSEE writes it
   ("SAINT-ETIENNE" → "Saint-Étienne"). The department evidence decides between homonyms
   (Saint-Denis 93 / 974). A commune missing from the reference data is still placed when
   some department evidence backs it, and gets a French capitalization
   ("BOURG-LÈS-VALENCE (26)" → "Bourg-lès-Valence"); an unknown free text with no
   evidence at all is not taken for a city (it may be anything: "Siège", "Bâtiment B"),
   an unknown ``city`` field is (the source labelled it a city). A locality spread over
   several communes ("Paris La Défense": Courbevoie or Puteaux) gives no city.
3. **Region**: the current region of the department; without a department, the
   canonical form of a region named (:func:`canonical_region`: "Rhône-Alpes" →
   "Auvergne-Rhône-Alpes").

Nothing here raises on bad input: unreadable parts are ignored and what could be read is
returned (possibly ``Place(None, None, None)``). The reference data (``normalize/data/``:
departments, regions, communes, aliases) is read once at import; a lookup is a dict access,
and :func:`parse_place` caches its results (the same places come back all the time).
"""

from __future__ import annotations

import csv
import logging
import re
from pathlib import Path
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from normalize.text import clean_whitespace, fold

logger = logging.getLogger(__name__)

__all__ = [
    "COMMUNES",
    "DEPARTMENTS",
    "REGIONS",
    "Commune",
    "Department",
    "Place",
    "canonical_region",
    "capitalize_commune",
    "department_from_postcode",
    "department_name",
    "department_region",
    "is_no_place",
    "parse_place",
]


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Place:
    """A normalized place: any part may be ``None`` when the source does not say."""

    city: str | None = None  # commune name, properly capitalized with accents ("Saint-Étienne")
    department_code: str | None = None  # INSEE code "01".."95", "2A", "2B", "971".."976"
    region: str | None = None  # current region name ("Auvergne-Rhône-Alpes", "La Réunion")


@dataclass(frozen=True)
class Department:
    """One of the 101 departments (``normalize/data/departments.csv``)."""

    code: str
    name: str
    region: str  # current region name


@dataclass(frozen=True)
class Commune:
    """One commune of the reference data (``normalize/data/communes.csv``).

    ``role`` is ``prefecture``, ``sous-prefecture`` or ``commune``; ``postal_code`` is the
    commune's main postal code (Paris, Lyon and Marseille: the 1st arrondissement's).
    """

    name: str
    postal_code: str
    department_code: str
    role: str


@dataclass(frozen=True)
class _Entry:
    """What a commune-like name can stand for: a listed commune or an alias of one.

    ``official`` is False for aliases (former names, usual names, localities): when the
    department evidence contradicts every entry, an alias's target name is not used.
    ``name`` is None for a locality spread over several communes ("La Défense": Courbevoie
    or Puteaux): its department is known, its commune is not.
    """

    name: str | None
    department_code: str
    official: bool


# --------------------------------------------------------------------------- matching keys

_KEY_SEPARATORS = re.compile(r"[\s\-'`´_.,;:/()\[\]%«»\"]+")
#: abbreviations written in place names ("St-Denis", "Ste-Foy-lès-Lyon")
_KEY_WORDS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def _key(text: str | None) -> str:
    """The matching form of a name: folded, separators as single spaces, "St" → "saint".

    "Seine Saint Denis", "Seine-Saint-Denis" and "SEINE-ST-DENIS" share one key, so do
    "Val d'Oise" and "Val-d'Oise", "Marcq-en-Barœul" and "Marcq en Baroeul".
    """
    tokens = [t for t in _KEY_SEPARATORS.split(fold(text)) if t]
    return " ".join(_KEY_WORDS.get(t, t) for t in tokens)


_REGION_PREFIX = re.compile(r"^(?:region|fr)\s+")


def _region_key(text: str | None) -> str:
    """Like :func:`_key`, without a leading "Région" / ISO "FR-" ("Région Bretagne", "FR-BRE")."""
    return _REGION_PREFIX.sub("", _key(text))


# --------------------------------------------------------------------------- reference data


DATA_DIR = Path(__file__).with_name("data")


def _rows(name: str) -> Iterator[dict[str, str]]:
    """The rows of one CSV file of ``normalize/data/`` as dicts (header → cell)."""
    with open(DATA_DIR / name, encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


_LEADING_ARTICLE = re.compile(r"^(?:la|le|les|l) ")
#: separates the communes of a locality spread over several (place_aliases.csv ``commune``)
_SEVERAL_COMMUNES = "|"


@dataclass(frozen=True)
class _Tables:
    """Every lookup table, built once from the reference files."""

    region_names: dict[str, str]  # INSEE region code → name
    region_by_key: dict[str, str]  # key of any region name, alias, abbreviation → current name
    departments: dict[str, Department]  # code → department
    department_by_key: dict[str, str]  # key of a department name ("seine saint denis") → code
    sole_department: dict[str, str]  # region with a single department (overseas) → its code
    communes: tuple[Commune, ...]
    entries: dict[str, tuple[_Entry, ...]]  # key of a commune name or alias → what it stands for


def _load() -> _Tables:
    """Read the reference files of ``normalize/data/`` and build every lookup table."""
    region_names = {r["code"]: r["name"] for r in _rows("regions.csv")}
    region_by_key: dict[str, str] = {}
    for r in _rows("regions.csv"):
        region_by_key[_region_key(r["name"])] = r["name"]
        region_by_key[_region_key(r["iso_code"])] = r["name"]
    for r in _rows("region_aliases.csv"):
        region_by_key.setdefault(_region_key(r["alias"]), region_names[r["region_code"]])

    departments = {
        r["code"]: Department(r["code"], r["name"], region_names[r["region_code"]])
        for r in _rows("departments.csv")
    }
    department_by_key: dict[str, str] = {}
    for d in departments.values():
        department_by_key[_key(d.name)] = d.code
        department_by_key.setdefault(_LEADING_ARTICLE.sub("", _key(d.name)), d.code)  # "Réunion"
    per_region: dict[str, list[str]] = {}
    for d in departments.values():
        per_region.setdefault(d.region, []).append(d.code)

    communes = tuple(
        Commune(r["name"], r["postal_code"], r["department_code"], r["role"]) for r in _rows("communes.csv")
    )
    entries: dict[str, list[_Entry]] = {}
    for c in communes:
        entries.setdefault(_key(c.name), []).append(_Entry(c.name, c.department_code, True))
    for r in _rows("place_aliases.csv"):
        # a former or usual name → the commune; a locality → itself; a locality over several
        # communes ("Courbevoie|Puteaux") → no commune, only the department
        commune = r["commune"]
        name = None if _SEVERAL_COMMUNES in commune else commune or r["name"]
        entries.setdefault(_key(r["name"]), []).append(_Entry(name, r["department_code"], not commune))
    return _Tables(
        region_names=region_names,
        region_by_key=region_by_key,
        departments=departments,
        department_by_key=department_by_key,
        sole_department={region: codes[0] for region, codes in per_region.items() if len(codes) == 1},
        communes=communes,
        entries={k: tuple(v) for k, v in entries.items()},
    )


_TABLES = _load()
_REGION_BY_KEY = _TABLES.region_by_key
_DEPARTMENTS = _TABLES.departments
_DEPARTMENT_BY_KEY = _TABLES.department_by_key
_SOLE_DEPARTMENT = _TABLES.sole_department
_ENTRIES = _TABLES.entries

#: code → :class:`Department` for the 101 departments
DEPARTMENTS: Mapping[str, Department] = MappingProxyType(_DEPARTMENTS)
#: the 18 current region names
REGIONS: tuple[str, ...] = tuple(_TABLES.region_names.values())
#: the communes of the reference data (prefectures, sub-prefectures, communes over 20,000)
COMMUNES: tuple[Commune, ...] = _TABLES.communes

#: departments whose name is also the name of their only commune: the name means the city
_CITY_DEPARTMENTS = frozenset({"75"})


# --------------------------------------------------------------------------- public lookups


def _normalize_code(value: str | None) -> str | None:
    """A department code as INSEE writes it ("1" → "01", "2a" → "2A"), or None if not one."""
    if not value:
        return None
    code = value.strip().upper().replace(" ", "")
    if code.isdigit() and len(code) <= 2:
        code = code.zfill(2)
    return code if code in _DEPARTMENTS else None


def department_name(code: str) -> str | None:
    """The department's name: ``department_name("2A")`` → "Corse-du-Sud"; unknown → None."""
    norm = _normalize_code(code) if isinstance(code, str) else None
    return _DEPARTMENTS[norm].name if norm else None


def department_region(code: str) -> str | None:
    """The current region of a department: ``department_region("42")`` → "Auvergne-Rhône-Alpes"."""
    norm = _normalize_code(code) if isinstance(code, str) else None
    return _DEPARTMENTS[norm].region if norm else None


def canonical_region(name: str) -> str | None:
    """The current name of a region, from any of its names.

    Current names in any spelling ("ile de france", "Région Bretagne"), the regions before
    the 2016 reform ("Rhône-Alpes" → "Auvergne-Rhône-Alpes", "Midi-Pyrénées" → "Occitanie",
    "Centre" → "Centre-Val de Loire"), the provisional 2016 names, abbreviations and ISO
    codes ("ARA", "PACA", "IDF", "FR-NAQ"). Unknown → None.
    """
    if not isinstance(name, str):
        return None
    return _REGION_BY_KEY.get(_region_key(name))


#: postal codes in a department's range that belong to no department
#: (Saint-Barthélemy 97133 and Saint-Martin 97150 are overseas collectivities)
_NOT_DEPARTMENTS = frozenset({"97133", "97150"})
_POSTCODE_SHAPE = re.compile(r"\d{5}")
_CORSICA_INSEE_SHAPE = re.compile(r"2[AB]\d{3}")


def department_from_postcode(postcode: str) -> str | None:
    """The department of a French postal code, CEDEX codes included.

    The first two digits, except overseas (three digits: "97400" → "974") and Corsica,
    whose postal codes all start with 20: 200xx-201xx and the Ajaccio CEDEX codes 203xx
    → "2A"; 202xx and 204xx-206xx → "2B". A four-digit code lost its leading zero
    ("1000" → "01"). Not a departmental postal code (Monaco 98000, Saint-Martin 97150,
    "00000", text) → None.
    """
    if isinstance(postcode, int):
        postcode = str(postcode)
    if not isinstance(postcode, str):
        return None
    code = postcode.strip().upper().replace(" ", "")
    if _CORSICA_INSEE_SHAPE.fullmatch(code):  # an INSEE commune code written for a postcode
        return code[:2]
    if len(code) == 4 and code.isdigit():
        code = "0" + code
    if not _POSTCODE_SHAPE.fullmatch(code) or code in _NOT_DEPARTMENTS:
        return None
    if code.startswith("97"):
        return code[:3] if code[:3] in _DEPARTMENTS else None
    if code.startswith("20"):
        rest = int(code[2:])
        if rest < 200 or 300 <= rest < 400:
            return "2A"
        return "2B" if rest < 700 else None
    return code[:2] if code[:2] in _DEPARTMENTS else None


#: words written in lower case inside a commune name ("Saint-Germain-en-Laye", "Bourg-lès-Valence")
_LOWER_WORDS = frozenset({
    "à", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "lès", "lez",
    "sous", "sur", "ès",
})
_WORD_SPLIT = re.compile(r"([\s\-'’]+)")


def capitalize_commune(name: str) -> str:
    """French capitalization of a commune name written all in capitals (or all in lower case).

    "LE PLESSIS-ROBINSON" → "Le Plessis-Robinson", "SAINT-GERMAIN-EN-LAYE" →
    "Saint-Germain-en-Laye", "BOURG-LÈS-VALENCE" → "Bourg-lès-Valence",
    "VILLENEUVE-D'ASCQ" → "Villeneuve-d'Ascq". A name already in mixed case is kept as
    written (its author chose the capitals). Accents are kept, never added: a listed
    commune gets its official spelling from the reference data instead.
    """
    name = clean_whitespace(name) or ""
    if not (name.isupper() or name.islower()):
        return name
    parts = _WORD_SPLIT.split(name.lower())
    out: list[str] = []
    for i, part in enumerate(parts):
        if i % 2 or not part:  # a separator, kept as written
            out.append(part.replace("’", "'"))
            continue
        if i > 0 and part in _LOWER_WORDS:
            out.append(part)
        else:
            j = next((k for k, ch in enumerate(part) if ch.isalpha()), 0)
            out.append(part[:j] + part[j:j + 1].upper() + part[j + 1:])
    return "".join(out)


# --------------------------------------------------------------------------- reading a text

_COUNTRY = re.compile(r"(?:,|\s[-–—]|\()\s*france\s*\)?\s*$", re.IGNORECASE)
_PAREN_CODE = re.compile(r"\(\s*(\d{2,3}|2\s*[ABab])\s*\)")
_LEADING_CODE = re.compile(r"^\s*(\d{2,3}|2[ABab])\s*[-–—:]\s*(\S.*)$")
_TRAILING_CODE = re.compile(r"^(.*\S)\s*[-–—]\s*(\d{2,3}|2[ABab])\s*$")
#: a code written without a dash ("Nantes 44", "93 Saint-Denis"): a department code only when
#: the reference data has that commune in that department ("PARIS 15" is an arrondissement)
_LEADING_BARE_CODE = re.compile(r"^(\d{2,3}|2[ABab])\s+([^\W\d_].*)$")
_TRAILING_BARE_CODE = re.compile(r"^(.*[^\W\d_])\s+(\d{2,3}|2[ABab])$")
#: a " - " (or dash) between the parts of a place text: "Bordeaux (33) - Télétravail partiel"
_DASH_PARTS = re.compile(r"\s+[-–—]\s+")
#: a place in brackets after a no-place text: "Télétravail (Paris)"
_BRACKETED_AFTER = re.compile(r"^(?P<head>[^()]*?)\s*\((?P<inner>[^()]+)\)$")
_POSTCODE = re.compile(r"(?<![\w])(\d{5})(?![\w])")
_CEDEX = re.compile(r"\bcedex\b(?:\s*\d{1,2})?", re.IGNORECASE)
_TRAILING_PAREN = re.compile(r"\s*\([^()]*\)\s*$")
_ARRONDISSEMENT = re.compile(
    r"^(paris|lyon|marseille)[\s-]+\d{1,2}\s*(?:er|re|eme|ieme|me|e|°)?(?:\s*arr(?:ondissement)?)?$"
)
_LIST_SEPARATORS = re.compile(r"\s*[,;/|+]\s*|\s+(?:ou|et)\s+", re.IGNORECASE)
_HAS_LETTER = re.compile(r"[^\W\d_]")
_EDGE_PUNCTUATION = " ,;:-–—."

#: texts that say the job has no fixed place (matching keys)
_NOWHERE = frozenset(_key(t) for t in (
    "Télétravail", "Télétravail complet", "Télétravail total", "100 % télétravail",
    "Full remote", "Remote", "À distance", "France", "France entière", "Toute la France",
    "Partout en France", "France métropolitaine", "National", "Territoire national",
    "Non renseigné", "Non renseignée", "Non précisé", "Non précisée", "NC", "Inconnu",
    "Plusieurs sites", "Multi-sites", "Plusieurs localisations", "À définir",
))
#: remote work stated in a place text ("Télétravail partiel", "Télétravail possible",
#: "Télétravail 2 jours par semaine"): no place (a matching key, see _key)
_REMOTE_KEY = re.compile(
    r"^(?:100 )?(?:teletravail|remote|full remote|a distance|distanciel)"
    r"(?: (?:partiel|possible|total|complet|integral|occasionnel|ponctuel|autorise|accepte|hybride"
    r"|\d{1,2} (?:jours?|j)|par|semaine|jusqu|a|de|apres|mois))*$"
)
#: words that mark a street address: the text around them is not a commune name
_STREET_WORDS = frozenset({
    "rue", "avenue", "av", "bd", "boulevard", "allee", "allees", "place", "cours", "chemin", "route",
    "impasse", "quai", "square", "esplanade", "parvis", "rond", "point", "bp", "cs", "tsa", "palais",
    "batiment", "bat", "immeuble", "zone", "za", "zi", "zac", "lieu", "dit", "residence", "cedex",
    "voie", "passage", "sentier", "faubourg", "fg", "mail", "rampe",
})
_PARTICLES = frozenset({"de", "du", "des", "d", "la", "le", "les", "l", "sur", "sous", "en", "aux", "au"})
_MAX_NAME_WORDS = 6


def _says_no_place(text: str) -> bool:
    """True for a text meaning "no fixed place": "Télétravail", "France entière",
    "Télétravail partiel", "100 % télétravail"… (see :data:`_NOWHERE`)."""
    key = _key(text)
    return key in _NOWHERE or _REMOTE_KEY.match(key) is not None


@dataclass
class _Reading:
    """What one input text says, before the inputs are combined."""

    code: str | None = None  # a department code written as such: "(35)", "35 - Rennes"
    postcode_department: str | None = None  # the department of a postal code in the text
    department: str | None = None  # a department named by the text ("Hérault")
    entries: tuple[_Entry, ...] = ()  # listed communes the name stands for
    name: str | None = None  # the place name as written (for a commune missing from the data)
    region: str | None = None  # a region named by the text
    written: str | None = None  # the part of the text that named the place, as written
    nowhere: bool = False  # the text says there is no fixed place ("Télétravail", "France entière")


def _as_text(value: object) -> str | None:
    """Accept str (and int, e.g. a postal code decoded from JSON); anything else → None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return clean_whitespace(value)
    if value is not None:
        logger.debug("place: ignored a %s value", type(value).__name__)
    return None


def _looks_like_name(text: str) -> bool:
    """Could this be a commune name? No digits, a few words, no street word."""
    key = _key(text)
    words = key.split()
    return (
        bool(words) and len(words) <= _MAX_NAME_WORDS and len(text) <= 60
        and not any(ch.isdigit() for ch in text) and not _STREET_WORDS.intersection(words)
        and not _says_no_place(text)
    )


def _known(text: str, reading: _Reading) -> bool:
    """Fill ``reading`` from a name the reference data knows; True when one matched."""
    tries = [text]
    without_paren = _TRAILING_PAREN.sub("", text)
    if without_paren and without_paren != text:
        tries.append(without_paren)  # "Paris (15e)"
    for candidate in tries:
        key = _key(candidate)
        if not key:
            continue
        key = _ARRONDISSEMENT.sub(r"\1", key)  # "paris 15e arrondissement" → "paris"
        department = _DEPARTMENT_BY_KEY.get(key)
        entries = _ENTRIES.get(key, ())
        region = _REGION_BY_KEY.get(_region_key(candidate)) if not (department or entries) else None
        if department or entries or region:
            reading.department, reading.entries = department, entries
            reading.region = region or reading.region
            reading.written = candidate
            return True
    return False


def _suffix_entries(text: str) -> tuple[_Entry, ...]:
    """A listed commune ending an address written without postal code.

    "ALLÉE DES TOPAZES SAINT-DENIS" → Saint-Denis; "12 RUE DE PARIS" → nothing (a commune
    name after "de", "la"… is a street's name).
    """
    tokens = _key(text).split()
    for n in range(min(_MAX_NAME_WORDS, len(tokens)), 0, -1):
        entries = _ENTRIES.get(" ".join(tokens[-n:]))
        if entries and (n == len(tokens) or tokens[-n - 1] not in _PARTICLES):
            return entries
    return ()


def _in_department(name: str, code: str) -> bool:
    """Does the reference data have a commune (or a department) ``name`` in department ``code``?"""
    key = _key(name)
    return _DEPARTMENT_BY_KEY.get(key) == code or any(e.department_code == code for e in _ENTRIES.get(key, ()))


def _without_remote_parts(s: str) -> str | None:
    """``s`` without what says remote work or no fixed place; None when nothing else is left.

    "Bordeaux (33) - Télétravail partiel" → "Bordeaux (33)"; "Télétravail possible - Paris"
    → "Paris"; "Télétravail (Paris)" → "Paris"; "Télétravail" → None.
    """
    if _says_no_place(s):
        return None
    if (m := _BRACKETED_AFTER.match(s)) and m.group("head") and _says_no_place(m.group("head")):
        inner = m.group("inner").strip()
        return None if not inner or _says_no_place(inner) else inner
    parts = _DASH_PARTS.split(s)
    if len(parts) > 1:
        kept = [p for p in parts if not _says_no_place(p)]
        if not kept:
            return None
        if len(kept) < len(parts):
            return " - ".join(kept)
    return s


def _read(text: str | None) -> _Reading:
    """Read one free text: department code, postal code, and the place name it holds."""
    reading = _Reading()
    s = _as_text(text)
    if not s:
        return reading
    s = _without_remote_parts(_COUNTRY.sub("", s).strip())
    if not s:
        reading.nowhere = True
        return reading
    if code := _normalize_code(s):  # a bare department code: "35", "2A", "974"
        reading.code = code
        return reading

    m = _PAREN_CODE.search(s)
    if m and (code := _normalize_code(m.group(1))):
        reading.code = code
        s = f"{s[:m.start()]} {s[m.end():]}".strip()

    m = _TRAILING_PAREN.search(s)
    if m:  # "Saint-Denis (La Réunion)", "Lyon (Rhône)", "Paris (Île-de-France)"
        inner = m.group(0).strip(" ()")
        if (code := _DEPARTMENT_BY_KEY.get(_key(inner))) and reading.code in (None, code):
            reading.code, s = code, s[:m.start()]
        elif region := _REGION_BY_KEY.get(_region_key(inner)):
            reading.region, s = region, s[:m.start()]

    postcodes = [pm for pm in _POSTCODE.finditer(s) if department_from_postcode(pm.group(1))]
    if postcodes:
        pm = postcodes[-1]  # the last one: "CS 70001 75007 PARIS"
        reading.postcode_department = department_from_postcode(pm.group(1))
        after = _CEDEX.sub("", s[pm.end():]).split(",")[0].strip(_EDGE_PUNCTUATION)
        before = s[:pm.start()].strip(_EDGE_PUNCTUATION).rsplit(",", 1)[-1].strip(_EDGE_PUNCTUATION)
        s = after if _HAS_LETTER.search(after) else before
    elif reading.code is None:  # "35 - Rennes", "Rennes - 35" (never in an address: "12-14 rue…")
        if (m := _LEADING_CODE.match(s)) and (code := _normalize_code(m.group(1))):
            reading.code, s = code, m.group(2)
        elif (m := _TRAILING_CODE.match(s)) and (code := _normalize_code(m.group(2))):
            reading.code, s = code, m.group(1)
        elif ((m := _TRAILING_BARE_CODE.match(s)) and (code := _normalize_code(m.group(2)))
              and _in_department(m.group(1), code)):  # "Nantes 44", "Saint-Denis 974"
            reading.code, s = code, m.group(1)
        elif ((m := _LEADING_BARE_CODE.match(s)) and (code := _normalize_code(m.group(1)))
              and _in_department(m.group(2), code)):  # "93 Saint-Denis"
            reading.code, s = code, m.group(2)

    s = _CEDEX.sub("", s).strip(_EDGE_PUNCTUATION)
    if not s or _says_no_place(s):
        return reading
    if _known(s, reading):
        return reading
    # a list ("Paris ou Lyon", "20 rue du Lac, Lyon", "Saint-Denis, La Réunion"): the first
    # known place; a department or region named after it is evidence for it
    parts = [p.strip(_EDGE_PUNCTUATION) for p in _LIST_SEPARATORS.split(s)]
    for i, part in enumerate(parts if len(parts) > 1 else ()):
        if part and _known(part, reading):
            for rest in parts[i + 1:]:
                extra = _Reading()
                if rest and _known(rest, extra) and not extra.entries:
                    reading.code = reading.code or extra.department
                    reading.region = reading.region or extra.region
            return reading
    reading.entries = _suffix_entries(s)
    if not reading.entries and _looks_like_name(s):
        reading.name = reading.written = s
    return reading


# --------------------------------------------------------------------------- combining


def _read_department(value: object) -> str | None:
    """A department argument: a code ("35", "2A"), a name ("Hérault"), or both ("Rhône (69)")."""
    s = _as_text(value)
    if not s:
        return None
    code = _normalize_code(s)
    if code:
        return code
    reading = _read(s)
    return reading.code or reading.department or _SOLE_DEPARTMENT.get(reading.region or "")


def _spelling(reading: _Reading) -> str | None:
    """The city name of a reading whose entries the department evidence does not confirm.

    The official spelling shared by homonyms ("SAINT-DENIS (11)" → "Saint-Denis"); for an
    alias only (a former or usual name, "Saint-Ouen (41)"), the name as written.
    """
    official = [e.name for e in reading.entries if e.official and e.name]
    if official:
        return official[0]
    if reading.entries and all(e.name is None for e in reading.entries):
        return None  # a locality over several communes: which one is not said
    if reading.written and _looks_like_name(reading.written):
        return capitalize_commune(reading.written)
    return reading.entries[0].name if reading.entries else None


@dataclass(frozen=True)
class _Meaning:
    city: str | None = None
    department: str | None = None  # a department the reading itself implies (no hint given)


def _interpret(reading: _Reading, hint: str | None, region: str | None, *, is_city: bool) -> _Meaning:
    """What a reading's name means, given the department evidence (``hint``) of all inputs.

    A name that is both a commune and a department ("Mayenne", "Vienne") is the commune
    when it came as a city field (``is_city``) or when the evidence points to the
    commune's department ("Vienne (38)"); in free text it is otherwise the department
    (pep cards say "Mayenne (53)" for the department). "Paris" is always the city.
    """
    entries, named = reading.entries, reading.department
    if named and entries and (named in _CITY_DEPARTMENTS or is_city):
        named = None
    if hint:
        matching = [e for e in entries if e.department_code == hint]
        if matching and named != hint:
            return _Meaning(matching[0].name)
        if named:  # the text names a department ("Hauts-de-Seine (92)", "Vienne (86)")
            return _Meaning()
        if entries:  # a listed name, but another commune of that name ("Saint-Denis (11)")
            return _Meaning(_spelling(reading))
        return _Meaning(capitalize_commune(reading.name) if reading.name else None)
    if named:
        return _Meaning(None, named)
    if entries:
        departments = {e.department_code for e in entries}
        if len(departments) > 1 and region:  # a homonym: the region may tell which one
            in_region = tuple(e for e in entries if _DEPARTMENTS[e.department_code].region == region)
            if in_region:
                entries, departments = in_region, {e.department_code for e in in_region}
        if len(departments) == 1:
            return _Meaning(entries[0].name, entries[0].department_code)
        return _Meaning(_spelling(reading))  # still a homonym: the department stays unknown
    if reading.name and is_city:
        return _Meaning(capitalize_commune(reading.name))
    return _Meaning()


def is_no_place(text: str | None) -> bool:
    """True when ``text`` says the job has no fixed place ("Télétravail", "France entière",
    "Toute la France", "Télétravail partiel", "Non renseigné"…): :func:`parse_place` gives
    nothing for it, rightly (no warning is due).

    >>> is_no_place("France entière"), is_no_place("Télétravail"), is_no_place("Atlantide")
    (True, True, False)
    """
    return _read(text).nowhere if isinstance(text, str) else False


def parse_place(text: str | None = None, *, city: str | None = None, postal_code: str | None = None,
                department: str | None = None, region: str | None = None) -> Place:
    """Read a place from free text and/or structured parts; never raises.

    ``text``: a page's free text (pep ``li.ic--pin``, a feed's "Localisation");
    ``city``, ``postal_code``: a JSON-LD address or an API location; ``department``: a
    department code or name, with or without the code ("Ille-et-Vilaine (35)");
    ``region``: a region name in any form. See the module docstring for the rules.

    The same places come back again and again ("Paris (75)"): results are cached.
    """
    parts = tuple(_as_text(v) for v in (text, city, postal_code, department, region))
    return _parse_place(*parts)


@lru_cache(maxsize=8192)
def _parse_place(text: str | None, city: str | None, postal_code: str | None, department: str | None,
                 region: str | None) -> Place:
    """:func:`parse_place` on inputs already cleaned by :func:`_as_text` (hashable, cached)."""
    text_reading = _read(text)
    city_reading = _read(city)
    postal_department = department_from_postcode(postal_code) if postal_code else None
    postal_reading = _read(postal_code) if postal_code and not postal_department else _Reading()
    region_name = canonical_region(region) if region else None

    region_named = region_name or city_reading.region or text_reading.region
    hint = (
        _read_department(department)
        or city_reading.code or text_reading.code or postal_reading.code or postal_reading.department
        or city_reading.postcode_department or text_reading.postcode_department or postal_department
        or postal_reading.postcode_department  # a postal_code field holding more: "75007 Paris"
    )
    from_city = _interpret(city_reading, hint, region_named, is_city=True)
    from_text = _interpret(text_reading, hint, region_named, is_city=False)

    department_code = (
        hint or from_city.department or from_text.department or _SOLE_DEPARTMENT.get(region_named or "")
    )
    region_name = _DEPARTMENTS[department_code].region if department_code else region_named
    return Place(from_city.city or from_text.city, department_code, region_name)
