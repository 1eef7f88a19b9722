"""A crawl run in a subprocess (so tests and the bench can SIGKILL it):

    python -m tests.scale._crawl_worker pages|ids BASE_URL CHECKPOINT OUT.jsonl [TOTAL]
"""

from __future__ import annotations

import asyncio
import sys

import osukit
from osukit.pagination import OffsetStyle


async def crawl_pages(base_url: str, checkpoint: str, out: str) -> int:
    async with osukit.AsyncClient(access_token="crawl-token-xyz", base_url=base_url, rate_limit=0,
                                  http_backend="httpx") as osu:

        def listing(cursor: int | None) -> osukit.AsyncPaginator[dict[str, object]]:
            async def fetch(params: object) -> object:
                return await osu.request("GET", "api/v2/items", params=params)  # type: ignore[arg-type]

            return osukit.AsyncPaginator(fetch, OffsetStyle(lambda r: r, page_size=100), cursor=cursor)

        crawl = osu.crawl(listing, checkpoint=checkpoint, progress=False)
        return await crawl.to_jsonl(out)


def crawl_ids(base_url: str, checkpoint: str, out: str, total: int) -> int:
    with osukit.Client(access_token="crawl-token-xyz", base_url=base_url, rate_limit=0) as osu:

        def batch(ids: list[int]) -> list[object]:
            return osu.request("GET", "api/v2/users", params={"ids[]": ids})["users"]  # type: ignore[no-any-return]

        crawl = osu.crawl(batch, ids=range(1, total + 1), checkpoint=checkpoint, concurrency=4, progress=False)
        return crawl.to_jsonl(out)


def main(argv: list[str]) -> int:
    kind, base_url, checkpoint, out = argv[:4]
    total = int(argv[4]) if len(argv) > 4 else 10_000
    if kind == "pages":
        n = asyncio.run(crawl_pages(base_url, checkpoint, out))
    else:
        n = crawl_ids(base_url, checkpoint, out, total)
    print(n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
