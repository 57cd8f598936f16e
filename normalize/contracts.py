"""Contract, category and public service ("versant"): the CATALOGUE.md vocabularies.

>>> parse_contract("Emploi ouvert aux titulaires et aux contractuels")
'titulaire_ou_contractuel'
>>> parse_contract(["FULL_TIME", "TEMPORARY"]), parse_contract("FULL_TIME") is None
('contractuel', True)
>>> parse_category("Catégorie B (profession intermédiaire)"), parse_category("A (ingénieur territorial)")
('B', 'A')
>>> parse_public_service("Fonction Publique de l'Etat"), parse_public_service(None, ministry="Services du PM")
('etat', 'etat')

Contracts (``titulaire``, ``contractuel``, ``titulaire_ou_contractuel``,
``apprentissage``, ``stage``) are read from the folded label:

- apprenticeship words ("apprentissage", "apprenti", "alternance", "contrat de
  professionnalisation") → ``apprentissage``; internship words ("stage", "stagiaire",
  schema.org ``INTERN``) → ``stage``;
- "… uniquement aux titulaires / fonctionnaires" → ``titulaire``; "… uniquement aux
  contractuels" → ``contractuel``;
- civil-servant words ("titulaire", "fonctionnaire", "statutaire", "mutation",
  "détachement") together with contract-staff words ("contractuel", "non titulaire",
  "CDD", "CDI", "contrat", "vacataire", schema.org ``CONTRACTOR`` / ``TEMPORARY``) →
  ``titulaire_ou_contractuel``; either alone → ``titulaire`` or ``contractuel``;
- working-time words (schema.org ``FULL_TIME``, ``PART_TIME``, "Temps complet"…) say
  nothing about the contract → ``None`` without a warning;
- a list (schema.org ``employmentType``) combines its items: titulaire + contractuel →
  ``titulaire_ou_contractuel``; otherwise the one contract stated (a job contract beats an
  apprenticeship or an internship listed beside it).

A label that is none of these gives ``None`` and, when a ``warnings`` list is given,
``"contract: unknown contract label '…'"`` (likewise ``category:`` and ``public_service:``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from normalize.text import clean_text, fold

CONTRACTS = ("titulaire", "contractuel", "titulaire_ou_contractuel", "apprentissage", "stage")
CATEGORIES = ("A+", "A", "B", "C")
PUBLIC_SERVICES = ("etat", "territoriale", "hospitaliere")

_APPRENTICESHIP = re.compile(r"\b(?:apprenti(?:ssage|e)?s?|alternan(?:ce|t)|contrat de professionnalisation)\b")
_INTERNSHIP = re.compile(r"\b(?:stages?|stagiaires?|intern(?:ship)?)\b")
_ONLY = r"\b(?:uniquement|seulement|exclusivement|reserve)e?s? aux "
_ONLY_TITULAIRE = re.compile(_ONLY + r"(?:titulaires|fonctionnaires)\b")
_ONLY_CONTRACTUEL = re.compile(_ONLY + r"(?:contractuels|non titulaires)\b")
_NON_TITULAIRE = re.compile(r"\bnon[- ]titulaires?\b")
#: "titulaire" as "holder of" a licence or a diploma ("Titulaire du permis B", "titulaire
#: d'un master"): a requirement, not the civil-servant status
_HOLDER_OF = re.compile(
    r"\btitulaires? (?:du|des|de la|de l'|de|d'une?|d') ?(?:\w+ )?"
    r"(?:permis|diplomes?|master|licence|bac\w*|brevet|certificat|titre|doctorat|bts|dut|but|cap|habilitation"
    r"|carte|caces|qualification)\b"
)
_TITULAIRE = re.compile(r"\b(?:titulaires?|fonctionnaires?|statutaires?|mutation|detachement)\b")
_CONTRACTUEL = re.compile(
    r"\b(?:contractuel(?:le)?s?|cdd|cdi|contrats?|vacataires?|contractor|temporary|interim|non[- ]titulaires?)\b"
)
#: working time or generic words that say nothing about the contract
_SILENT_CONTRACT = re.compile(
    r"^(?:full[_ ]time|part[_ ]time|per[_ ]diem|volunteer|other|temps (?:complet|plein|partiel|non complet)"
    r"|plein temps|non renseigne|non precise|-|n/?a)$"
)
_ITEM_SEPARATOR = re.compile(r"\s*[,;+|]\s*")
_SCHEMA_LIST = re.compile(r"[A-Z_]+(?:\s*[,;+|]\s*[A-Z_]+)+")

#: "Catégorie A", "Catégories : A" (a plural label), "Cat. B"
_CATEGORY = re.compile(r"\b(?:categories?|cat\.?)\s*:?\s*(a\s?\+|[abc])(?![^\W\d_])")
_BARE_CATEGORY = re.compile(r"^(a\s?\+|[abc])(?![^\W\d_])")
#: a second category right after the first ("A ou B", "A/B", "B, C"): the offer is open to
#: several, and one value in the record would be wrong for the others
_MORE_CATEGORY = re.compile(r"^\s*(?:ou|et|/|,|-)\s*(?:categories?\s*|cat\.?\s*)?(a\s?\+|[abc])(?![^\W\d_])")
#: what says there is no category: None without a warning ("Non renseignée", "NC",
#: "Catégorie non renseignée", "Catégorie : sans objet")
_SILENT_CATEGORY = re.compile(
    r"^(?:(?:categories?|cat\.?)\s*:?\s*)?"
    r"(?:-|n/?a|nc|n\.c\.?|sans objet|hors categorie|non (?:renseigne|precise|communique|defini)e?s?|aucune?)$"
)

_VERSANTS = (
    ("hospitaliere", re.compile(r"\bhospitali|\bfph\b|\bsante\b")),
    ("territoriale", re.compile(r"\bterritorial|\bfpt\b|\bcollectivites?\b")),
    ("etat", re.compile(r"\betat\b|\bfpe\b|\bstate\b|\bministere")),
)


def _items(value: object) -> list[str]:
    """A contract value as a list of folded labels (schema.org lists, "FULL_TIME, TEMPORARY")."""
    if isinstance(value, str):
        values: Iterable[object] = [value]
    elif isinstance(value, (list, tuple)):
        values = value
    else:
        return []
    out: list[str] = []
    for item in values:
        text = clean_text(item)
        if not text:
            continue
        if _SCHEMA_LIST.fullmatch(text):  # "FULL_TIME+TEMPORARY", "FULL_TIME, TEMPORARY"
            out.extend(fold(part) for part in _ITEM_SEPARATOR.split(text))
        else:
            out.append(fold(text))
    return out


#: how many distinct labels the readings below remember: a source words its contracts,
#: categories and services in a dozen ways, repeated on every posting
_LABELS_CACHED = 1024


@lru_cache(maxsize=_LABELS_CACHED)
def _one_contract(label: str) -> str | None:
    if _APPRENTICESHIP.search(label):
        return "apprentissage"
    if _INTERNSHIP.search(label):
        return "stage"
    if _ONLY_TITULAIRE.search(label):
        return "titulaire"
    if _ONLY_CONTRACTUEL.search(label):
        return "contractuel"
    contract = _CONTRACTUEL.search(label) is not None
    titulaire = _TITULAIRE.search(_HOLDER_OF.sub(" ", _NON_TITULAIRE.sub(" ", label))) is not None
    if titulaire and contract:
        return "titulaire_ou_contractuel"
    if titulaire:
        return "titulaire"
    if contract:
        return "contractuel"
    return None


def parse_contract(value: str | list[str] | None, *, warnings: list[str] | None = None) -> str | None:
    """The contract of a posting (see the module docstring), or ``None``."""
    found: set[str] = set()
    unknown: list[str] = []
    for label in _items(value):
        contract = _one_contract(label)
        if contract:
            found.add(contract)
        elif not _SILENT_CONTRACT.match(label):
            unknown.append(label)
    if unknown and not found and warnings is not None:
        shown = value if isinstance(value, str) else ", ".join(map(str, value or ()))
        warnings.append(f"contract: unknown contract label {(clean_text(shown) or '')[:80]!r}")
    if not found:
        return None
    if "titulaire_ou_contractuel" in found or {"titulaire", "contractuel"} <= found:
        return "titulaire_ou_contractuel"
    for contract in ("titulaire", "contractuel", "apprentissage", "stage"):
        if contract in found:
            return contract
    return None  # pragma: no cover - found only holds CONTRACTS


def parse_category(value: str | None, *, warnings: list[str] | None = None) -> str | None:
    """``A+``, ``A``, ``B`` or ``C`` from "Catégorie A (cadre)", "Cat. B", "A (ingénieur
    territorial)", a bare letter…; ``None`` when absent or unreadable.

    An offer open to several categories ("A ou B", "Catégorie B/C") has no one category:
    ``None`` and ``"category: several categories '…'"`` (the first letter would be wrong
    for every reader filtering on the other).
    """
    text = clean_text(value)
    if not text:
        return None
    return _with_warning(_read_category(text), warnings)


def _with_warning(reading: tuple[str | None, str | None], warnings: list[str] | None) -> str | None:
    """The value of a cached ``(value, warning or None)`` reading; the warning goes to ``warnings``."""
    value, warning = reading
    if warning is not None and warnings is not None:
        warnings.append(warning)
    return value


@lru_cache(maxsize=_LABELS_CACHED)
def _read_category(text: str) -> tuple[str | None, str | None]:
    """``(category, warning)`` of a cleaned category label (see :func:`parse_category`)."""
    folded = fold(text)
    match = _CATEGORY.search(folded) or _BARE_CATEGORY.match(folded)
    if match:
        first = match.group(1).replace(" ", "").upper()
        more = _MORE_CATEGORY.match(folded[match.end():])
        if more and more.group(1).replace(" ", "").upper() != first:
            return None, f"category: several categories {text[:80]!r}"
        return first, None
    if not _SILENT_CATEGORY.match(folded):
        return None, f"category: unknown category {text[:80]!r}"
    return None, None


def parse_public_service(
    value: str | None, ministry: str | None = None, *, warnings: list[str] | None = None
) -> str | None:
    """``etat``, ``territoriale`` or ``hospitaliere``.

    ``etat`` whenever the source names a parent ministry (``ministry``: a ministry's own
    services and State agencies belong to the State); else what ``value`` says ("Fonction
    publique de l'État", "Fonction Publique de l'Etat", "FPE", "Fonction publique
    Territoriale", "Fonction publique Hospitalière", "FPT", "FPH"…); else ``None``.
    """
    if clean_text(ministry):
        return "etat"
    text = clean_text(value)
    if not text:
        return None
    return _with_warning(_read_public_service(text), warnings)


@lru_cache(maxsize=_LABELS_CACHED)
def _read_public_service(text: str) -> tuple[str | None, str | None]:
    """``(versant, warning)`` of a cleaned public-service label (see :func:`parse_public_service`)."""
    folded = fold(text)
    for versant, pattern in _VERSANTS:
        if pattern.search(folded):
            return versant, None
    return None, f"public_service: unknown public service {text[:80]!r}"
