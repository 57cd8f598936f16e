"""The catalogue spiders, one per source kind (``name == kind``): :mod:`~crawlers.spiders.pep`,
:mod:`~crawlers.spiders.jobposting`, :mod:`~crawlers.spiders.feed`, :mod:`~crawlers.spiders.api`,
sharing :class:`crawlers.spiders.base.CatalogueSpider`. See docs/SOURCES.md."""
