"""A score-feed consumer for the hard-kill test: appends each score id to a file, flushed, then asks for
the next. Run: python -m tests.feeds._follow_worker BASE_URL CLIENT_ID SECRET CHECKPOINT_DB SINK"""

from __future__ import annotations

import sys

import osukit
from osukit.contrib.sqlite import SqliteCheckpointStore

from .conftest import LiveClock


def main(base_url: str, client_id: str, secret: str, db: str, sink: str) -> None:
    clock = LiveClock(base_url)
    with osukit.Client(client_id=client_id, client_secret=secret, base_url=base_url, rate_limit=0,
                       clock=clock) as osu, open(sink, "a", encoding="utf-8") as out:
        with osu.scores.follow(checkpoint=SqliteCheckpointStore(db)) as feed:
            for item in feed:
                assert isinstance(item, osukit.models.scores.Score)
                out.write(f"{item.id}\n")
                out.flush()


if __name__ == "__main__":
    main(*sys.argv[1:6])
