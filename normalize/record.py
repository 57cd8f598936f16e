"""From a raw posting (what the source publishes) to a normalized catalogue posting.

:func:`normalize_posting` is the one entry point the pipeline calls. It is pure: the
same raw item and crawl time always give the same result; problems never raise, they
come back as ``warnings`` (e.g. ``"published: unknown date format '…'"``).

INTERFACE OWNED BY normalize/ — see docs/ARCHITECTURE.md.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Mapping


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
    #: why this job_family: {"family": ..., "score": ..., "matches": [{"rule":..., "text":..., "weight":...}]}
    job_family_evidence: dict[str, Any] = field(default_factory=dict)
    #: PEP references quoted in the text ("Référence PEP : 2026-2561234")
    pep_references: list[str] = field(default_factory=list)
    #: employer identity for dedup ("DINUM" and "Direction interministérielle du numérique (DINUM)" alike)
    employer_key: str | None = None
    #: net salary figures seen (kept apart, never in salary_min/max), e.g. {"net_min": 2500, "net_max": 2500, "period": "monthly"}
    salary_net: dict[str, Any] | None = None
    warnings: list[str] = field(default_factory=list)

    def record(self) -> dict[str, Any]:
        return asdict(self)


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
    gets ``autre_numerique``).
    """
    raise NotImplementedError  # implemented by the normalize work
