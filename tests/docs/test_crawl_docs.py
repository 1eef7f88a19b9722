"""The facts a new user missed are in the docs: what an id crawl costs, null rows for missing ids, how to
give a ClientPool a token with scopes, and how to retry dead letters or resubmit a distributed crawl."""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _text(name: str) -> str:
    return re.sub(r"\s+", " ", (DOCS / name).read_text(encoding="utf-8"))


def test_each_user_id_costs_one_request_and_100k_take_28_hours() -> None:
    for page in ("cli.md", "pagination.md"):
        text = _text(page)
        assert "each user id costs one request of the rate limit" in text.lower(), page
        assert "1-100000" in text and "60 requests/minute" in text and "about 28 hours" in text, page
    assert 100_000 / 60 / 60 == 100_000 / 3600 and round(100_000 / 60 / 60) == 28


def test_distributed_docs_null_rows_retry_dead_and_delete() -> None:
    text = _text("distributed.md")
    assert "stored with value `null`" in text
    for needed in ("osukit crawl retry-dead --name", "osukit crawl delete --name maps --yes", "CrawlQueue(",
                   ".delete()", "queue.requeue_dead()", "to submit `maps` again, delete it first",
                   "crawl work --wait", "tasks left ÷ tasks per minute"):
        assert needed in text, needed


def test_scaling_docs_show_pool_add_with_a_scoped_token() -> None:
    text = _text("scaling.md")
    assert "pool.add(token, user_id=me.id)" in text and "pool.add(token)" in text
    assert 'osukit.AuthorizationCode(client_id, secret, "https://example.com/callback", ["identify", "public"])' in text
    assert 'scopes=("identify", "public")' in text and "osukit.Token(" in text
