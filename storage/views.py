"""The public view ``catalogue_offers``: one row per offer, the record of CATALOGUE.md.

Kept as SQL text per dialect, created by the Alembic migrations (a view is part of the
schema: it changes only through a migration, never silently).

``status`` is computed against today's Europe/Paris date, so an offer whose deadline
passed reads ``expired`` whether or not a crawl ran since. SQLite has no time zone
database: the Paris offset is derived from the EU summer-time rule (last Sunday of
March / October, 01:00 UTC).
"""

from __future__ import annotations

VIEW_NAME = "catalogue_offers"

#: the view's columns, in order (the catalogue record of CATALOGUE.md)
VIEW_COLUMNS: tuple[str, ...] = (
    "id", "title", "employer", "ministry", "public_service", "category", "contract",
    "city", "department_code", "region", "remote", "salary_min", "salary_max",
    "published_at", "deadline", "job_family", "description", "description_html",
    "status", "first_seen_at", "last_seen_at", "sources",
)

_SQLITE_TODAY_PARIS = (
    "date('now', CASE WHEN datetime('now') >= "
    "date(strftime('%Y','now') || '-03-25', 'weekday 0') || ' 01:00:00' "
    "AND datetime('now') < date(strftime('%Y','now') || '-10-25', 'weekday 0') || ' 01:00:00' "
    "THEN '+2 hours' ELSE '+1 hour' END)"
)

_COMMON = """
    o.id, o.title, o.employer, o.ministry, o.public_service, o.category, o.contract,
    o.city, o.department_code, o.region, o.remote, o.salary_min, o.salary_max,
    o.published_at, o.deadline, o.job_family, o.description, o.description_html,
"""

SQLITE_VIEW = f"""
CREATE VIEW {VIEW_NAME} AS
SELECT {_COMMON}
    CASE WHEN o.status = 'expired'
              OR (o.deadline IS NOT NULL AND o.deadline < {_SQLITE_TODAY_PARIS})
         THEN 'expired' ELSE 'active' END AS status,
    o.first_seen_at AS first_seen_at,
    o.last_seen_at AS last_seen_at,
    (SELECT json_group_array(json_object('source', p.source, 'reference', p.reference, 'url', p.url))
       FROM (SELECT source, reference, url FROM postings
              WHERE offer_id = o.id ORDER BY source, reference) AS p) AS sources
FROM offers AS o
"""

POSTGRESQL_VIEW = f"""
CREATE VIEW {VIEW_NAME} AS
SELECT {_COMMON}
    CASE WHEN o.status = 'expired'
              OR (o.deadline IS NOT NULL AND o.deadline < (now() AT TIME ZONE 'Europe/Paris')::date)
         THEN 'expired' ELSE 'active' END AS status,
    to_char(o.first_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS first_seen_at,
    to_char(o.last_seen_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS last_seen_at,
    COALESCE((SELECT json_agg(json_build_object('source', p.source, 'reference', p.reference, 'url', p.url)
                              ORDER BY p.source, p.reference)
                FROM postings AS p WHERE p.offer_id = o.id), '[]'::json)::text AS sources
FROM offers AS o
"""


def create_view_sql(dialect_name: str) -> str:
    if dialect_name == "postgresql":
        return POSTGRESQL_VIEW
    if dialect_name == "sqlite":
        return SQLITE_VIEW
    raise ValueError(f"unsupported database dialect: {dialect_name}")


DROP_VIEW_SQL = f"DROP VIEW IF EXISTS {VIEW_NAME}"
