"""From a raw posting (what the source publishes) to a normalized catalogue posting.

:func:`normalize_posting` is the one entry point the pipeline calls. It is pure: the
same raw item and crawl time always give the same result; problems never raise, they
come back as ``warnings`` (e.g. ``"published: unknown date format '…'"``), one string per
field that could not be read.

Each field comes from one building block (docs/NORMALIZATION.md tells the rules):

- ``title``, ``employer``: raw ``title`` + ``employer`` →
  :func:`~normalize.employers.split_employer_suffix` (the territorial employer suffix),
  then :func:`~normalize.titles.clean_title`;
- ``ministry``: raw ``ministry``, cleaned (only what the source states);
- ``public_service``: raw ``public_service`` and ``ministry`` →
  :func:`~normalize.contracts.parse_public_service`;
- ``category``, ``contract``: :func:`~normalize.contracts.parse_category`,
  :func:`~normalize.contracts.parse_contract`;
- ``city``, ``department_code``, ``region``: raw ``location``, ``city``, ``postal_code``,
  ``department``, ``region`` → :func:`normalize.places.parse_place`;
- ``remote``: :func:`~normalize.remote.parse_remote`;
- ``salary_min``, ``salary_max``, ``salary_net``: :func:`~normalize.salary.parse_salary`;
- ``published_at``, ``deadline``: :func:`~normalize.dates.parse_date` (the crawl time
  anchors relative dates);
- ``description``, ``description_html``: :func:`~normalize.text.sanitize_and_flatten`;
- ``job_family``, ``is_digital``, ``job_family_evidence``: cleaned title, raw
  ``job_labels`` and the description → :func:`normalize.classify.classify`;
- ``pep_references``: :func:`find_pep_references` on the description;
- ``employer_key``: :func:`~normalize.employers.employer_key` of the final employer.

INTERFACE OWNED BY normalize/ — see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

from normalize.classify import classify
from normalize.contracts import parse_category, parse_contract, parse_public_service
from normalize.dates import parse_date
from normalize.employers import employer_key, is_employer_category, split_employer_suffix
from normalize.places import is_no_place, parse_place
from normalize.remote import parse_remote
from normalize.salary import parse_salary
from normalize.text import clean_text, sanitize_and_flatten
from normalize.titles import clean_title

log = logging.getLogger(__name__)

#: the three shapes of a PEP (Choisir le service public) offer reference
_PEP_REFERENCE = re.compile(r"(?<!\w)(?:\d{4}-\d{6,7}|DEF_\d+-\d+|O\d{15})(?![\w-])", re.IGNORECASE)
#: what introduces a quoted reference, right before it: "Référence PEP : ", "Réf. PEP n° "
_QUOTED_BEFORE = re.compile(
    r"\br[ée]f(?:[ée]rence|\.)?\s*(?:de l['’]offre\s*)?(?:sur\s*)?(?:la\s*)?"
    r"(?:PEP|place de l['’]emploi public|choisir le service public)\s*(?:n[°o]\.?\s*)?:?\s*$",
    re.IGNORECASE,
)
#: an offer URL of the PEP site, up to "-reference-"
_URL_BEFORE = re.compile(r"(?:choisirleservicepublic|place-emploi-public)\.gouv\.fr/offre-emploi/[\w%.-]*-reference-$",
                         re.IGNORECASE)
_CONTEXT_CHARS = 160
#: every reference shape holds a run of 6 digits: texts without one are skipped at C speed
#: (spelt out, not ``\d{6}``: a pattern opening with a character class gets re's fast
#: scan to its first possible start, a repeat does not)
_DIGIT_RUN = re.compile(r"\d\d\d\d\d\d")


@dataclass
class NormalizedPosting:
    """One posting, every field of the catalogue record normalized (CATALOGUE.md)."""

    source: str
    reference: str | None
    url: str | None
    title: str | None
    employer: str | None = None
    ministry: str | None = None
    public_service: str | None = None  # etat | territoriale | hospitaliere
    category: str | None = None  # A+ | A | B | C
    contract: str | None = None  # titulaire | contractuel | titulaire_ou_contractuel | apprentissage | stage
    city: str | None = None
    department_code: str | None = None
    region: str | None = None
    remote: str | None = None  # aucun | partiel | total
    salary_min: int | None = None
    salary_max: int | None = None
    published_at: date | None = None
    deadline: date | None = None
    job_family: str | None = None  # None only when not digital
    description: str | None = None
    description_html: str | None = None
    #: False: not a digital job (kept out of the catalogue, counted as not_digital)
    is_digital: bool = True
    #: why this job_family: {"family": ..., "score": ..., "matches": [{"rule":..., "text":..., "weight":...}],
    #: "unknown_labels": [source labels no classifier rule knows, e.g. a new "Métier de référence"]}
    job_family_evidence: dict[str, Any] = field(default_factory=dict)
    #: PEP references quoted in the description ("Référence PEP : 2026-2561234", an offer URL)
    pep_references: list[str] = field(default_factory=list)
    #: employer identity for dedup ("DINUM" and "Direction interministérielle du numérique (DINUM)" alike)
    employer_key: str | None = None
    #: net salary figures seen (kept apart, never in salary_min/max), as published:
    #: e.g. {"net_min": 2500, "net_max": 2500, "period": "monthly"} (see normalize/salary.py)
    salary_net: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return asdict(self)


def find_pep_references(*texts: str | None) -> list[str]:
    """PEP offer references quoted in ``texts``, in order of appearance, without repeats.

    A reference counts when it is introduced as one ("Référence PEP : 2026-2561234",
    "Réf. PEP 2026-2561234", "Réf. de l'offre sur Choisir le service public : …") or is
    the reference of a choisirleservicepublic.gouv.fr (or place-emploi-public.gouv.fr)
    offer URL ("…/offre-emploi/…-reference-2026-2561234/"). Shapes: ``2026-2561234``,
    ``DEF_15-00064919``, ``O056261001001569``.

    >>> find_pep_references("Référence PEP : 2026-2561234", "Voir https://choisirleservicepublic.gouv.fr/offre-emploi/dev-reference-O056261001001569/")
    ['2026-2561234', 'O056261001001569']
    """
    found: list[str] = []
    for text in texts:
        if not text or not _DIGIT_RUN.search(text):
            continue
        for match in _PEP_REFERENCE.finditer(text):  # cheap: digits; the context is read only on a hit
            before = text[max(0, match.start() - _CONTEXT_CHARS):match.start()]
            ref = match.group(0).upper()
            if ref not in found and (_QUOTED_BEFORE.search(before) or _URL_BEFORE.search(before)):
                found.append(ref)
    return found


def _labels(value: object) -> list[str]:
    items: Iterable[object] = [value] if isinstance(value, str) else value if isinstance(value, (list, tuple)) else ()
    return [label for label in (clean_text(v) for v in items) if label]


def normalize_posting(
    raw: Mapping[str, Any],
    *,
    crawl_time: datetime,
    digital_only: bool = False,
    timezone: str = "Europe/Paris",
) -> NormalizedPosting:
    """Normalize one raw posting (a ``crawlers.items.RawPosting`` as a dict).

    ``crawl_time`` (aware) anchors relative dates ("Publiée il y a 3 jours");
    ``digital_only`` sources never yield ``is_digital=False`` (an unclassifiable posting
    gets ``autre_numerique``); ``timezone`` is the zone whose calendar dates are kept.
    """
    if not isinstance(raw, Mapping) and hasattr(raw, "to_dict"):
        raw = raw.to_dict()
    get = raw.get
    warnings: list[str] = []

    title_text, employer = split_employer_suffix(clean_text(get("title")), clean_text(get("employer")))
    title = clean_title(title_text)
    if employer and is_employer_category(employer):
        warnings.append(f"employer: {employer!r} is a category of employers, the real employer is not stated")
    ministry = clean_text(get("ministry"))

    place = _place(raw, warnings)
    salary = parse_salary(get("salary"), warnings=warnings)
    description_html, description = sanitize_and_flatten(get("description_html"))
    family, digital, evidence = _classification(title, _labels(get("job_labels")), description, digital_only, warnings)

    return NormalizedPosting(
        source=clean_text(get("source")) or "",
        reference=clean_text(get("reference")),
        url=clean_text(get("url")),
        title=title,
        employer=employer,
        ministry=ministry,
        public_service=parse_public_service(get("public_service"), ministry, warnings=warnings),
        category=parse_category(get("category"), warnings=warnings),
        contract=parse_contract(get("contract"), warnings=warnings),
        city=place[0],
        department_code=place[1],
        region=place[2],
        remote=parse_remote(get("remote"), warnings=warnings),
        salary_min=salary.min,
        salary_max=salary.max,
        published_at=parse_date(get("published"), now=crawl_time, tz=timezone, warnings=warnings, field="published"),
        deadline=parse_date(get("deadline"), now=crawl_time, tz=timezone, warnings=warnings, field="deadline"),
        job_family=family,
        description=description,
        description_html=description_html,
        is_digital=digital,
        job_family_evidence=evidence,
        pep_references=find_pep_references(description, description_html),
        employer_key=employer_key(employer),
        salary_net=salary.net,
        warnings=warnings,
    )


def _place(raw: Mapping[str, Any], warnings: list[str]) -> tuple[str | None, str | None, str | None]:
    """``(city, department_code, region)`` by :func:`normalize.places.parse_place`."""
    parts = {name: clean_text(raw.get(name)) for name in ("location", "city", "postal_code", "department", "region")}
    if not any(parts.values()):
        return None, None, None
    try:
        place = parse_place(parts["location"], city=parts["city"], postal_code=parts["postal_code"],
                            department=parts["department"], region=parts["region"])
    except Exception:  # noqa: BLE001 - a places bug must not lose the posting; logged with its input
        log.exception("parse_place failed on %r", parts)
        warnings.append("place: could not be read")
        return None, None, None
    if place.city is None and place.department_code is None and place.region is None:
        # "Télétravail", "France entière": no fixed place, rightly null, nothing to warn about
        unread = [v for v in parts.values() if v and not is_no_place(v)]
        if unread:
            shown = " / ".join(v for v in parts.values() if v)
            warnings.append(f"place: unknown place {shown[:80]!r}")
    return place.city, place.department_code, place.region


def _classification(
    title: str | None, labels: list[str], description: str | None, digital_only: bool, warnings: list[str]
) -> tuple[str | None, bool, dict[str, Any]]:
    """``(job_family, is_digital, evidence)`` by :func:`normalize.classify.classify`."""
    try:
        result = classify(title or "", labels, description, digital_only=digital_only)
    except Exception:  # noqa: BLE001 - a classifier bug must not lose the posting; logged
        log.exception("classify failed on %r", title)
        warnings.append("job_family: could not be classified")
        return ("autre_numerique", True, {}) if digital_only else (None, False, {})
    return result.job_family, bool(result.is_digital), result.as_evidence()
