"""Wiki pages (``GET /wiki/{locale}/{path}``), after osu-web's ``WikiPageTransformer``."""

from __future__ import annotations

from .common import Model

__all__ = ["WikiPage"]


class WikiPage(Model):
    """A wiki article.

    Returned by ``GET /wiki/{locale}/{path}`` and in ``GET /search``
    (``wiki_page.data``).
    """

    available_locales: list[str]
    """Every locale the article is available in."""
    layout: str
    """Layout of the page (``markdown_page``, ``main_page``…)."""
    locale: str
    """All-lowercase BCP 47 language tag of this version."""
    markdown: str
    """Markdown source of the article."""
    path: str
    """Path of the article (``Game_modes/osu!``)."""
    subtitle: str | None
    """The article's subtitle."""
    tags: list[str]
    """Tags of the article."""
    title: str
    """Title of the article."""
