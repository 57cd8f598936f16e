"""Remote work → ``aucun``, ``partiel`` or ``total`` (CATALOGUE.md ``remote``).

>>> [parse_remote(v) for v in ("Oui", "Oui, 2 jours par semaine", "Non", "TELECOMMUTE", None)]
['partiel', 'partiel', 'aucun', 'total', None]

Read from the folded label, in this order:

1. *none*: "Non", "Pas de télétravail", "Aucun", "Sans télétravail", "Télétravail non
   autorisé / impossible / non éligible", "Poste en présentiel" → ``aucun``;
2. *full*: schema.org ``TELECOMMUTE``, "100 % télétravail", "Télétravail total / complet /
   intégral", "full remote", "entièrement à distance" → ``total``;
3. *partial*: "Oui", "Possible", "Télétravail partiel possible", "Jusqu'à 2 jours…",
   "2 jours par semaine", "hybride", "occasionnel", a bare "Télétravail" → ``partiel``.

A label written in front of its value ("Télétravail possible : Non", "Télétravail : oui")
is read by its value alone: the label's own words ("télétravail possible") say nothing.

``True``/``False`` (a JSON boolean) mean ``partiel``/``aucun``. ``None``, an empty label or
"Non renseigné" → ``None`` (the source says nothing); any other label → ``None`` and, when a ``warnings``
list is given, ``"remote: unknown remote label '…'"``.
"""

from __future__ import annotations

import re

from normalize.text import clean_text, fold

REMOTE_VALUES = ("aucun", "partiel", "total")

#: a field label in front of its value: "Télétravail possible : ", "Télétravail :", "Remote:"
_LABEL = re.compile(r"^(?:possibilite de )?(?:teletravail|remote)(?: possible| autorise)?\s*:\s*(?=\S)")
#: labels that say nothing: None without a warning
_SILENT = re.compile(r"^(?:non (?:renseigne|precise|communique|defini)e?|n/?a|nc|-+|a (?:definir|voir))$")
_NONE = re.compile(
    r"^non\b|^no$|\bpas (?:de |du |en )?teletravail|\baucun\b|\bsans teletravail"
    r"|teletravail (?:non|impossible|exclu|interdit)|\bnon (?:autorise|eligible|possible|ouvert)|\bimpossible\b"
    r"|\bpresentiel\b|\bsur site uniquement\b|^0 jours?\b"
)
_FULL = re.compile(
    r"telecommute|\b100 ?%|teletravail (?:total|complet|integral|a temps (?:complet|plein))"
    r"|full[ -]?remote|fully remote|entierement (?:a distance|en teletravail)|\btotal\b|\bcomplet\b"
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
    folded = _LABEL.sub("", fold(text))
    if _SILENT.match(folded):
        return None
    if _NONE.search(folded):
        return "aucun"
    if _FULL.search(folded):
        return "total"
    if _PARTIAL.search(folded):
        return "partiel"
    if warnings is not None:
        warnings.append(f"remote: unknown remote label {text[:80]!r}")
    return None
