"""Wiki models: corpus round-trip and hand-written cases for what the corpus lacks."""

from __future__ import annotations

import json

from osukit._models import unknown_fields
from osukit.models.wiki import WikiPage
from tests._helpers import assert_lossless, corpus_bytes


def test_corpus_lossless() -> None:
    obj = assert_lossless(corpus_bytes("v2/get_wiki_page_200.json"), WikiPage)
    assert obj.layout == "main_page"
    assert obj.subtitle is None
    assert "en" in obj.available_locales


def test_article_with_subtitle_and_tags() -> None:
    raw = {
        "available_locales": ["en", "id", "ja", "pt-br"],
        "layout": "markdown_page",
        "locale": "en",
        "markdown": "# osu! (game mode)\n",
        "path": "Game_modes/osu!",
        "subtitle": "Game modes",
        "tags": ["tap", "circles"],
        "title": "osu! (game mode)",
    }
    obj = assert_lossless(json.dumps(raw).encode(), WikiPage)
    assert obj.tags == ["tap", "circles"]
    assert obj.subtitle == "Game modes"


def test_unknown_field_tolerated() -> None:
    raw = json.loads(corpus_bytes("v2/get_wiki_page_200.json"))
    raw["outdated"] = True
    obj = assert_lossless(json.dumps(raw).encode(), WikiPage, strict=False)
    assert unknown_fields(obj) == {"outdated": True}
