"""The HTML report: the figures of :mod:`storage.stats` as one self-contained page.

One HTML file with inline CSS and inline SVG charts: it opens offline, from a mail
attachment or a file share, with no script, font or image to fetch. Charts:

- offers per week (the last ``weeks`` weeks up to the latest week with offers),
- offers per region, per job family, per source,
- duplicates merged per source pair (offers holding postings of both sources),

plus the totals and small tables by category and contract. Each chart is followed by
its figures as a table (``<details>``, readable without JavaScript), and each bar
carries ``data-label``/``data-value`` attributes, so the page can be checked by a
machine as well as read.

>>> stats = write_report(engine, "report.html")          # active offers
>>> html = render_report(compute_stats(engine, ExportFilters(status="all")))
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import date, timedelta
from html import escape
from pathlib import Path

from sqlalchemy import Engine

from storage.exports import ExportFilters
from storage.stats import CatalogueStats, Count, compute_stats

#: bars shown per horizontal chart; the rest are summed in one "autres" bar
MAX_BARS = 30
#: label shown for a null value
UNKNOWN_LABEL = "non renseigné"
#: the selection each status covers, in the report's words
_STATUS_WORDS = {"active": "offres actives", "expired": "offres expirées", "all": "toutes les offres"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;margin:2rem auto;max-width:60rem;
padding:0 1rem;color:#161616;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:2px solid #000091}
.meta{color:#555;margin-top:0}
dl.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.6rem;margin:1rem 0}
dl.totals div{background:#f5f5fe;border-radius:4px;padding:.6rem .8rem}
dl.totals dt{font-size:.8rem;color:#555}dl.totals dd{margin:0;font-size:1.4rem;font-weight:700}
svg{max-width:100%;height:auto;font-size:12px}svg text{fill:#161616}
.bar{fill:#000091}.bar.other{fill:#8585f6}.col{fill:#000091}.axis{stroke:#999;stroke-width:1}
.note{color:#555;font-size:.9rem}
details{margin:.3rem 0 1rem}summary{cursor:pointer;color:#000091}
table{border-collapse:collapse;font-size:.9rem}td,th{padding:.15rem .6rem;border-bottom:1px solid #ddd;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.side{display:grid;grid-template-columns:repeat(auto-fit,minmax(16rem,1fr));gap:1.5rem}
"""


def format_number(n: int) -> str:
    """French thousands separator (narrow no-break space): 12345 → "12 345"."""
    return f"{n:,}".replace(",", "\u202f")


def _label(value: str | None) -> str:
    return UNKNOWN_LABEL if value is None else value


def _capped(items: list[tuple[str, int]], limit: int = MAX_BARS) -> list[tuple[str, int, bool]]:
    """(label, value, is_other): the first ``limit - 1`` items, the rest summed as "autres"."""
    if len(items) <= limit:
        return [(label, value, False) for label, value in items]
    head = items[: limit - 1]
    rest = sum(value for _, value in items[limit - 1:])
    return [(label, value, False) for label, value in head] + [(f"autres ({len(items) - limit + 1})", rest, True)]


def _short(text: str, width: int = 34) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def bar_chart_svg(items: list[tuple[str, int]], *, caption: str) -> str:
    """A horizontal bar chart, one bar per (label, value), as inline SVG."""
    rows = _capped(items)
    if not rows:
        return '<p class="note">Aucune donnée.</p>'
    label_w, bar_w, value_w, row_h = 240, 400, 70, 22
    top = max(value for _, value, _ in rows) or 1
    height = len(rows) * row_h + 4
    parts = [f'<svg role="img" aria-label="{escape(caption)}" viewBox="0 0 {label_w + bar_w + value_w} {height}" '
             f'width="{label_w + bar_w + value_w}" height="{height}">']
    for i, (label, value, other) in enumerate(rows):
        y = i * row_h + 2
        w = round(bar_w * value / top, 1)
        parts.append(
            f'<g class="row" data-label="{escape(label)}" data-value="{value}">'
            f"<title>{escape(label)} : {format_number(value)}</title>"
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(_short(label))}</text>'
            f'<rect class="bar{" other" if other else ""}" x="{label_w}" y="{y + 3}" width="{w}" height="{row_h - 6}"/>'
            f'<text x="{label_w + w + 5}" y="{y + 15}">{format_number(value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def column_chart_svg(items: list[tuple[date, int]], *, caption: str) -> str:
    """A column chart of weekly counts (one column per week, Monday's date under some)."""
    if not items:
        return '<p class="note">Aucune donnée.</p>'
    col_w, chart_h, left, bottom, top_pad = 22, 180, 40, 34, 16
    width = left + len(items) * col_w + 10
    height = chart_h + bottom + top_pad
    top = max(n for _, n in items) or 1
    label_every = max(1, len(items) // 13 + (1 if len(items) % 13 else 0))
    parts = [f'<svg role="img" aria-label="{escape(caption)}" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}">',
             f'<line class="axis" x1="{left}" y1="{top_pad + chart_h}" x2="{width - 5}" y2="{top_pad + chart_h}"/>',
             f'<text x="{left - 4}" y="{top_pad + 4}" text-anchor="end">{format_number(top)}</text>',
             f'<text x="{left - 4}" y="{top_pad + chart_h}" text-anchor="end">0</text>']
    for i, (week, n) in enumerate(items):
        x = left + i * col_w + 3
        h = round(chart_h * n / top, 1)
        label = week.isoformat()
        parts.append(
            f'<g class="week" data-label="{label}" data-value="{n}">'
            f"<title>semaine du {week.strftime('%d/%m/%Y')} : {format_number(n)}</title>"
            f'<rect class="col" x="{x}" y="{top_pad + chart_h - h}" width="{col_w - 6}" height="{h}"/></g>'
        )
        if i % label_every == 0:
            parts.append(f'<text x="{x + (col_w - 6) / 2}" y="{top_pad + chart_h + 14}" '
                         f'text-anchor="middle">{week.strftime("%d/%m")}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(header: tuple[str, str], rows: Iterable[tuple[str, int]]) -> str:
    body = "".join(f"<tr><td>{escape(label)}</td><td class=\"n\">{format_number(n)}</td></tr>" for label, n in rows)
    return (f"<table><thead><tr><th>{escape(header[0])}</th><th class=\"n\">{escape(header[1])}</th></tr></thead>"
            f"<tbody>{body}</tbody></table>")


def _section(chart_id: str, title: str, chart: str, rows: list[tuple[str, int]], note: str = "") -> str:
    note_html = f'<p class="note">{escape(note)}</p>' if note else ""
    return (f'<section id="{chart_id}"><h2>{escape(title)}</h2>{note_html}{chart}'
            f"<details><summary>Données</summary>{_table(('', 'offres'), rows)}</details></section>")


def week_window(per_week: Iterable[tuple[date, int]], weeks: int) -> tuple[list[tuple[date, int]], int]:
    """The last ``weeks`` weeks up to the latest one with offers, gaps filled with 0,
    and the number of offers published before that window."""
    counts = dict(per_week)
    if not counts or weeks < 1:
        return [], sum(counts.values())
    last = max(counts)
    first = last - timedelta(weeks=weeks - 1)
    window = [(first + timedelta(weeks=i), counts.get(first + timedelta(weeks=i), 0)) for i in range(weeks)]
    earlier = sum(n for w, n in counts.items() if w < first)
    return window, earlier


def _counts(items: list[Count]) -> list[tuple[str, int]]:
    return [(_label(c.value), c.offers) for c in items]


def render_report(stats: CatalogueStats, *, title: str = "Catalogue du numérique public", weeks: int = 26) -> str:
    """The report as one HTML page (a string), self-contained."""
    window, earlier = week_window(stats.per_week, weeks)
    weeks_note = (f"{format_number(earlier)} offres publiées avant le {window[0][0].strftime('%d/%m/%Y')} "
                  "ne sont pas montrées." if earlier and window else "")
    weeks_note = ("Par semaine de publication (ou de première collecte quand la source ne date pas l'offre). "
                  + weeks_note).strip()
    pairs = [(f"{p.source_a} ↔ {p.source_b}" if p.source_a != p.source_b else f"{p.source_a} (doublons internes)",
              p.offers) for p in stats.source_pairs]
    totals = (
        ("total", "Offres du rapport", stats.total),
        ("active", "Actives (catalogue)", stats.active),
        ("expired", "Expirées (catalogue)", stats.expired),
        ("postings", "Annonces (sources)", stats.postings),
        ("merged", "Offres fusionnées", stats.merged_offers),
    )
    totals_html = "".join(
        f'<div><dt>{escape(label)}</dt><dd id="total-{key}" data-value="{n}">{format_number(n)}</dd></div>'
        for key, label, n in totals
    )
    sections = [
        _section("chart-weeks", "Offres par semaine",
                 column_chart_svg(window, caption="Offres par semaine"),
                 [(w.strftime("%d/%m/%Y"), n) for w, n in window], weeks_note),
        _section("chart-regions", "Offres par région",
                 bar_chart_svg(_counts(stats.by_region), caption="Offres par région"), _counts(stats.by_region)),
        _section("chart-job-families", "Offres par famille de métiers",
                 bar_chart_svg(_counts(stats.by_job_family), caption="Offres par famille de métiers"),
                 _counts(stats.by_job_family)),
        _section("chart-sources", "Offres par source",
                 bar_chart_svg(_counts(stats.by_source), caption="Offres par source"), _counts(stats.by_source),
                 "Une offre publiée sur plusieurs sources compte pour chacune."),
        _section("chart-source-pairs", "Doublons fusionnés par paire de sources",
                 bar_chart_svg(pairs, caption="Doublons fusionnés par paire de sources"), pairs,
                 "Offres réunissant des annonces des deux sources."),
    ]
    side = (
        '<section id="tables"><h2>Par catégorie et par contrat</h2><div class="side">'
        f'<div id="table-categories">{_table(("catégorie", "offres"), _counts(stats.by_category))}</div>'
        f'<div id="table-contracts">{_table(("contrat", "offres"), _counts(stats.by_contract))}</div>'
        "</div></section>"
    )
    generated = stats.generated_at.strftime("%d/%m/%Y %H:%M UTC")
    return (
        '<!DOCTYPE html>\n<html lang="fr"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1><p class=\"meta\">Généré le {generated} — "
        f"{escape(_STATUS_WORDS.get(stats.status, stats.status))}.</p>"
        f'<dl class="totals">{totals_html}</dl>'
        + "".join(sections) + side + "</body></html>\n"
    )


def write_report(engine: Engine, path: str | os.PathLike[str], filters: ExportFilters | None = None,
                 *, weeks: int = 26) -> CatalogueStats:
    """Compute the stats for ``filters`` (default: active offers), write the report to
    ``path`` (UTF-8) and return the stats."""
    stats = compute_stats(engine, filters)
    Path(path).write_text(render_report(stats, weeks=weeks), encoding="utf-8")
    return stats
