"""Read the catalogue tables of ../shared/sources/*/EXPECTED.md.

The EXPECTED.md files are the contract of what a correct spider + normalizer produce
from the sample pages; parsing their tables (instead of copying values into tests)
keeps the tests honest when the contract grows.
"""

from __future__ import annotations

import re
from pathlib import Path

RECORD_COLUMNS = (
    "title", "employer", "city", "department_code", "region", "category", "contract",
    "public_service", "remote", "salary_min", "salary_max", "published_at", "deadline",
    "job_family", "status",
)
_INT_COLUMNS = {"salary_min", "salary_max"}


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def tables(md: str) -> list[list[dict[str, str]]]:
    """Every markdown table of ``md`` as a list of row dicts (header → cell)."""
    out: list[list[dict[str, str]]] = []
    lines = md.splitlines()
    i = 0
    while i < len(lines) - 1:
        if lines[i].startswith("|") and re.match(r"^\|[\s\-|:]+\|$", lines[i + 1].strip()):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                cells = _cells(lines[i])
                rows.append(dict(zip(header, cells)))
                i += 1
            out.append(rows)
        else:
            i += 1
    return out


def value(column: str, cell: str) -> object:
    cell = cell.strip().strip("`")
    if cell == "null":
        return None
    if column in _INT_COLUMNS:
        return int(cell)
    return cell


def record_rows(expected_md: Path) -> list[dict[str, object]]:
    """The per-posting record table of one EXPECTED.md (rows with a `job_family` column)."""
    md = expected_md.read_text(encoding="utf-8")
    for rows in tables(md):
        if rows and "job_family" in rows[0] and "reference" in rows[0] and "merged offer" not in rows[0]:
            return [{**{k: value(k, v) for k, v in r.items() if k in RECORD_COLUMNS},
                     "reference": value("reference", r["reference"]), "digital": r.get("digital", "yes")}
                    for r in rows]
    raise LookupError(f"no record table in {expected_md}")


def merged_rows(expected_md: Path) -> list[dict[str, object]]:
    """The merged-offers table (M1..M3): `postings` is the list of (kind, reference)."""
    md = expected_md.read_text(encoding="utf-8")
    for rows in tables(md):
        if rows and "merged offer" in rows[0]:
            out = []
            for r in rows:
                postings = []
                for part in r["reference"].split("+"):
                    kind, ref = part.strip().split()[:2]
                    postings.append((kind, ref))
                out.append({**{k: value(k, v) for k, v in r.items() if k in RECORD_COLUMNS},
                            "postings": postings})
            return out
    raise LookupError(f"no merged table in {expected_md}")
