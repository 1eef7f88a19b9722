"""A distributed-crawl worker in its own process (so tests and the bench can SIGKILL it):

    python -m tests.scale._dcrawl_worker CONFIG.json WORKER_NAME

CONFIG: redis, name, base_url, client_id, client_secret, sink ("jsonl" DIR | "sqlite" FILE),
budget (app-wide requests/min), per_token (requests/min of this worker's own token, or null:
every worker shares one token from the RedisTokenStore), visibility_timeout, poll.
"""

from __future__ import annotations

import json
import sys

import osukit
from osukit.contrib.distributed import CrawlQueue, JsonlSink, SQLiteSink, Worker
from osukit.contrib.redis import RedisRateLimiter, RedisTokenStore


def main(config_path: str, worker: str) -> int:
    cfg = json.loads(open(config_path).read())
    redis = cfg["redis"]
    app = RedisRateLimiter(redis, key=f"{cfg['name']}:app", per_minute=cfg["budget"], burst=cfg.get("burst", 1))
    limiter: osukit.RateLimiter = app
    extra: dict[str, object] = {}
    if cfg.get("per_token"):
        own = RedisRateLimiter(redis, key=f"{cfg['name']}:token:{worker}", per_minute=cfg["per_token"],
                               burst=cfg.get("burst", 1))
        limiter = osukit.LayeredRateLimiter(own, app)
    else:
        extra["token_store"] = RedisTokenStore(redis)
    queue = CrawlQueue(redis, cfg["name"], visibility_timeout=cfg["visibility_timeout"])
    sink = JsonlSink(cfg["sink"], worker) if cfg["sink_kind"] == "jsonl" else SQLiteSink(cfg["sink"])
    with osukit.Client(client_id=cfg["client_id"], client_secret=cfg["client_secret"], base_url=cfg["base_url"],
                       rate_limit=limiter, **extra) as client:  # type: ignore[arg-type]
        done = Worker(queue, client, sink, name=worker, poll=cfg.get("poll", 0.5)).run()
    sink.close()
    print(done)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
