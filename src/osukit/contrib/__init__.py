"""Optional integrations that need extras (``pip install 'osukit[redis]'`` …).

* [`osukit.contrib.redis`][osukit.contrib.redis] - a rate limiter and a token store shared by many
  processes and machines through Redis.
* ``osukit.contrib.sqlite`` - ``SqliteCheckpointStore``: crawl and score-feed positions in SQLite.

Nothing here is imported by ``import osukit``.
"""
