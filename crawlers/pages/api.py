"""A ministry recruitment platform's JSON API (page-numbered list, one document per offer).

* :class:`ApiListPage` — ``GET /api/v1/offers?page=N&per_page=50``: the offer
  :attr:`~ApiListPage.summaries` (``id``, ``reference``, ``updated_at``…) and
  ``meta.total_pages``, the number of pages to walk (never computed from ``total``: the
  platform trims its pages below ``per_page``);
* :class:`ApiOfferPage` — ``GET /api/v1/offers/{id}``: one offer, :meth:`~ApiOfferPage.to_raw`.

Both raise :class:`ValueError` on a body that is not the expected JSON object; the spider
logs, counts and moves on. Values stay as the API gives them (``salary`` the
``{"min", "max", "period"}`` dict, dates as written), text fields with entities decoded.

    >>> page = ApiListPage('{"data": [{"id": 1, "reference": "R-1"}], "meta": {"total_pages": 3}}', "…")
    >>> page.total_pages, page.summaries[0].reference
    (3, 'R-1')
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from crawlers.items import RawPosting
from crawlers.pages import clean_text


def _object(text: str | bytes | None, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text or b"")
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{what} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"{what} is not a JSON object")
    return data


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class ApiSummary:
    """One entry of a list page."""

    id: int
    reference: str | None
    title: str | None
    updated_at: str | None
    url: str | None

    @property
    def listing_ref(self) -> str:
        """The entry's identity in the listing: its reference (else its id)."""
        return self.reference or str(self.id)


class ApiListPage:
    """A list page: ``{"data": [summary…], "meta": {"page", "per_page", "total", "total_pages"}}``."""

    def __init__(self, text: str | bytes | None, url: str) -> None:
        self.url = url
        self._data = _object(text, f"list page {url}")
        #: entries without a usable ``id`` (counted by the spider as parse errors)
        self.skipped = 0
        self.summaries: list[ApiSummary] = []
        for item in self._data.get("data") or []:
            ident = _int(item.get("id")) if isinstance(item, dict) else None
            if ident is None:
                self.skipped += 1
                continue
            self.summaries.append(ApiSummary(
                id=ident, reference=clean_text(item.get("reference")), title=clean_text(item.get("title")),
                updated_at=clean_text(item.get("updated_at")), url=clean_text(item.get("url"))))

    @property
    def _meta(self) -> dict[str, Any]:
        meta = self._data.get("meta")
        return meta if isinstance(meta, dict) else {}

    @property
    def page(self) -> int | None:
        return _int(self._meta.get("page"))

    @property
    def total_pages(self) -> int | None:
        """``meta.total_pages`` (None when the API does not say)."""
        return _int(self._meta.get("total_pages"))


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


class ApiOfferPage:
    """One offer document of the API."""

    def __init__(self, text: str | bytes | None, url: str) -> None:
        self.url = url
        self.data = _object(text, f"offer {url}")

    @property
    def description_html(self) -> str | None:
        """``description_html`` then ``profile_html``."""
        parts = [self.data.get(k) for k in ("description_html", "profile_html")]
        joined = "\n".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        return joined or None

    @property
    def salary(self) -> dict[str, Any] | str | None:
        value = self.data.get("salary")
        return value if isinstance(value, (dict, str)) and value else None

    def to_raw(self, source: str, kind: str = "api") -> RawPosting:
        d = self.data
        organization, location = _dict(d.get("organization")), _dict(d.get("location"))
        family = clean_text(d.get("job_family"))
        return RawPosting(
            source=source, kind=kind, url=clean_text(d.get("url")), reference=clean_text(d.get("reference")),
            title=clean_text(d.get("title")), employer=clean_text(organization.get("name")),
            ministry=clean_text(organization.get("ministry")), category=clean_text(d.get("category")),
            contract=clean_text(d.get("contract_type")), city=clean_text(location.get("city")),
            postal_code=clean_text(location.get("postal_code")), department=clean_text(location.get("department")),
            remote=clean_text(d.get("remote")), salary=self.salary, published=clean_text(d.get("published_at")),
            deadline=clean_text(d.get("closing_date")), description_html=self.description_html,
            job_labels=[family] if family else [],
            extra={k: d[k] for k in ("id", "updated_at") if d.get(k) is not None},
        )
