"""Career sites publishing schema.org ``JobPosting`` JSON-LD (one offer per page).

:class:`JobPostingPage` finds the page's JobPosting wherever it sits — alone, inside an
``@graph`` next to a WebPage/BreadcrumbList/Organization, or in the second of several
scripts — found with ``<link rel=canonical>`` in one walk of the page
(:func:`jsonld_scripts`) and read as extruct reads them (:func:`crawlers.pages.read_jsonld`: a UTF-8 BOM,
stray whitespace, ASCII escapes such as ``\\u00e9``, HTML/JS comment lines are fine). A
page without a JobPosting (the home page, an about page, a removed offer) gives
``job_posting is None`` and ``to_raw() is None``: the spider counts it as a non-offer page.

Raw values are the JSON-LD's own, with HTML entities decoded in the text fields
("proximit&eacute;" → "proximité"); ``description`` stays HTML, ``baseSalary`` stays the
``MonetaryAmount`` dict and ``employmentType`` a string or a list, for the normalizers.

    >>> page = JobPostingPage(html_text, "https://metiers.numerique.gouv.fr/emploi/…/")  # doctest: +SKIP
    >>> page.to_raw("metiers_numerique").reference                                       # doctest: +SKIP
    'DNUM-2026-0187'
"""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urljoin

from crawlers.items import RawPosting
from crawlers.pages import clean_text, first, has_type, parse_html, read_jsonld

JSONLD_TYPE = "application/ld+json"


def jsonld_scripts(doc: Any) -> tuple[list[Any], Any]:
    """The page's ``<script type="application/ld+json">`` elements and its first ``<link
    rel="canonical">`` (None without), in one walk of the tree.

    The same elements as the CSS selectors ``script[type="application/ld+json"]`` and
    ``link[rel="canonical"]`` (exact attribute values), in document order; one ``iter``
    restricted to the two tags costs half as much as the two selectors' walks over the page.
    """
    scripts: list[Any] = []
    canonical = None
    for el in doc.iter("script", "link"):
        if el.tag == "script":
            if el.get("type") == JSONLD_TYPE:
                scripts.append(el)
        elif canonical is None and el.get("rel") == "canonical":
            canonical = el
    return scripts, canonical


def _name(value: Any) -> str | None:
    """``name`` of an Organization (or the value itself when the source gives a string)."""
    if isinstance(value, list):
        value = first(value)
    if isinstance(value, dict):
        value = value.get("name")
    return clean_text(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


class JobPostingPage:
    """An offer page of a JSON-LD career site."""

    def __init__(self, text: str | bytes | None, url: str) -> None:
        self.url = url
        scripts, self._canonical = jsonld_scripts(parse_html(text))
        self._objects, self.invalid_scripts = read_jsonld(scripts)

    @cached_property
    def job_posting(self) -> dict[str, Any] | None:
        """The page's JobPosting object, or None when the page carries none."""
        return first(o for o in self._objects if has_type(o, "JobPosting"))

    def _get(self, key: str) -> Any:
        return (self.job_posting or {}).get(key)

    # ------------------------------------------------------------------ raw fields
    @cached_property
    def reference(self) -> str | None:
        """``identifier.value`` (``identifier`` may also be a plain string or a list)."""
        ident = self._get("identifier")
        if isinstance(ident, list):
            ident = first(ident)
        if isinstance(ident, dict):
            ident = ident.get("value", ident.get("@id"))
        return clean_text(ident)

    @cached_property
    def canonical_url(self) -> str:
        """The JSON-LD ``url``, else ``<link rel=canonical>``, else the page URL."""
        url = self._get("url")
        if isinstance(url, str) and url.strip():
            return urljoin(self.url, url.strip())
        link = self._canonical
        href = (link.get("href") or "").strip() if link is not None else ""
        return urljoin(self.url, href) if href else self.url

    @cached_property
    def _address(self) -> dict[str, Any]:
        """The first ``jobLocation``'s ``address`` (a PostalAddress, or {"text": …})."""
        place = first(_as_list(self._get("jobLocation")))
        address = place.get("address") if isinstance(place, dict) else None
        if isinstance(address, list):
            address = first(address)
        if isinstance(address, str):
            return {"text": address}
        return address if isinstance(address, dict) else {}

    @cached_property
    def remote(self) -> str | None:
        """"TELECOMMUTE" when ``jobLocationType`` says so, else None."""
        kinds = [str(k) for k in _as_list(self._get("jobLocationType"))]
        return "TELECOMMUTE" if any(k.upper().endswith("TELECOMMUTE") for k in kinds) else None

    @cached_property
    def contract(self) -> str | list[str] | None:
        value = self._get("employmentType")
        if isinstance(value, list):
            items = [t for t in (clean_text(v) for v in value) if t]
            return items or None
        return clean_text(value)

    @cached_property
    def job_labels(self) -> list[str]:
        return [t for t in (clean_text(v) for v in _as_list(self._get("occupationalCategory"))) if t]

    @cached_property
    def salary(self) -> dict[str, Any] | str | None:
        value = self._get("baseSalary")
        if isinstance(value, (dict, str)):
            return value or None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        return None

    @cached_property
    def description_html(self) -> str | None:
        value = self._get("description")
        return (value.strip() or None) if isinstance(value, str) else None

    def to_raw(self, source: str, kind: str = "jobposting") -> RawPosting | None:
        """The JobPosting as a :class:`~crawlers.items.RawPosting`; None without a JobPosting."""
        if self.job_posting is None:
            return None
        organization = self._get("hiringOrganization")
        parent = organization.get("parentOrganization") if isinstance(organization, dict) else None
        address = self._address
        return RawPosting(
            source=source, kind=kind, url=self.canonical_url, reference=self.reference,
            title=clean_text(self._get("title")), employer=_name(organization), ministry=_name(parent),
            contract=self.contract, location=clean_text(address.get("text")),
            city=clean_text(address.get("addressLocality")), postal_code=clean_text(address.get("postalCode")),
            region=clean_text(address.get("addressRegion")), remote=self.remote, salary=self.salary,
            published=clean_text(self._get("datePosted")), deadline=clean_text(self._get("validThrough")),
            description_html=self.description_html, job_labels=self.job_labels,
        )
