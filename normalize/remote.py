"""Remote work → ``aucun``, ``partiel`` or ``total`` (CATALOGUE.md ``remote``).

>>> [parse_remote(v) for v in ("Oui", "Oui, 2 jours par semaine", "Non", "TELECOMMUTE", None)]
['partiel', 'partiel', 'aucun', 'total', None]

Read from the folded label, in this order:

1. *none*: "Non", "Pas de télétravail", "Aucun", "Sans télétravail", "Télétravail non
   autorisé / impossible / non éligible", "(Ce poste n'est) pas éligible au télétravail",
   "Télétravail : pas possible" → ``aucun``; "Poste en présentiel" too, unless the text
   also grants some remote work ("Présentiel 3 jours, télétravail 2 jours"; after a
   "Télétravail :" label, days: "Télétravail : 2 jours par semaine après 6 mois de
   présentiel") → then read on;
2. *full*: schema.org ``TELECOMMUTE``, "100 % télétravail", "Télétravail total / complet /
   intégral", "full remote", "entièrement à distance", a bare "Total" / "Complet" (a
   labelled value) → ``total``;
3. *partial*: "Oui", "Possible", "Télétravail partiel possible", "Jusqu'à 2 jours…",
   "2 jours par semaine", "hybride", "occasionnel", a bare "Télétravail" → ``partiel``.

A label written in front of its value ("Télétravail possible : Non", "Télétravail : oui")
is read by its value alone: the label's own words ("télétravail possible") say nothing.

``True``/``False`` (a JSON boolean) mean ``partiel``/``aucun``. ``None``, an empty label,
"Non renseigné" or a working time ("Temps complet", "Temps partiel", ``FULL_TIME``: not
about remote work) → ``None`` (the source says nothing); any other label → ``None`` and, when a ``warnings``
list is given, ``"remote: unknown remote label '…'"``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from normalize.text import bound_digit_runs, clean_text, fold

REMOTE_VALUES = ("aucun", "partiel", "total")

#: a field label in front of its value: "Télétravail possible : ", "Télétravail :", "Remote:"
_LABEL = re.compile(r"^(?:possibilite de )?(?:teletravail|remote)(?: possible| autorise)?\s*:\s*(?=\S)")
#: labels that say nothing: None without a warning
_SILENT = re.compile(r"^(?:non (?:renseigne|precise|communique|defini)e?|n/?a|nc|-+|a (?:definir|voir))$")
#: working time, not remote work ("Temps complet" is no "télétravail complet"): None, no warning
_WORKING_TIME = re.compile(
    r"^(?:a )?(?:temps (?:complet|plein|partiel|non complet|incomplet)|plein temps|mi-temps"
    r"|full[ _-]?time|part[ _-]?time)$"
)
#: a statement that there is no remote work
_NONE = re.compile(
    r"^non\b|^no$|\bpas (?:de |du |en )?teletravail|\baucun\b|\bsans teletravail"
    r"|teletravail (?:non|impossible|exclu|interdit)|\bimpossible\b|\bineligible\b"
    r"|\b(?:non|pas)(?: (?:eligible|autorise|possible|ouvert|prevu|accorde|envisageable)e?s?\b)"
    r"|^0 jours?\b"
)
#: on-site work: no remote work, unless the text also grants some ("Présentiel 3 jours,
#: télétravail 2 jours"; "Télétravail : 2 jours par semaine après 6 mois de présentiel")
_ON_SITE = re.compile(r"\bpresentiel\b|\bsur site uniquement\b")
#: remote work named as such (in a text without a "Télétravail :" label)
_REMOTE_WORD = re.compile(r"teletravail|\bremote\b|a distance|hybride|telecommute")
_FULL = re.compile(
    r"telecommute|\b100 ?%|teletravail (?:total|complet|integral|a temps (?:complet|plein))"
    r"|full[ -]?remote|fully remote|entierement (?:a distance|en teletravail)"
    r"|(?<!temps )(?<!non )\b(?:total|complet|integral)e?\b"  # not "temps complet" (working time)
)
_PARTIAL = re.compile(
    r"^oui\b|^yes$|possible|partiel|jusqu'a|\d+ ?(?:jours?|j)\b|\b(?:un|une|deux|trois|quatre) jours?\b"
    r"|hybride|occasionnel|ponctuel|flexible|teletravail|remote|a distance"
)


def parse_remote(value: object, *, warnings: list[str] | None = None) -> str | None:
    """The remote-work value of a posting (see the module docstring)."""
    if isinstance(value, bool):
        return "partiel" if value else "aucun"
    text = clean_text(value)
    if not text:
        return None
    remote, known = _read_remote(text)
    if not known and warnings is not None:
        warnings.append(f"remote: unknown remote label {text[:80]!r}")
    return remote


@lru_cache(maxsize=1024)  # a source words remote work in a dozen ways, on every posting
def _read_remote(text: str) -> tuple[str | None, bool]:
    """``(value, known)`` of a cleaned label: ``known`` is False for a label none of the
    rules reads (warned about by :func:`parse_remote`)."""
    whole = fold(bound_digit_runs(text))
    folded = _LABEL.sub("", whole)
    labelled = folded != whole  # "Télétravail : …": the value is about remote work
    if _SILENT.match(folded) or _WORKING_TIME.match(folded):
        return None, True
    if _NONE.search(folded):
        return "aucun", True
    if _ON_SITE.search(folded):
        granted = _REMOTE_WORD.search(folded) or (labelled and _PARTIAL.search(_ON_SITE.sub(" ", folded)))
        if not granted:
            return "aucun", True
    if _FULL.search(folded):
        return "total", True
    if _PARTIAL.search(folded):
        return "partiel", True
    return None, False
