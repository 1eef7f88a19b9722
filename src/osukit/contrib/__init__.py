"""Optional integrations that need extras (``pip install 'osukit[redis]'`` …).

* [`osukit.contrib.redis`][osukit.contrib.redis] - a rate limiter and a token store shared by many
  processes and machines through Redis.

Nothing here is imported by ``import osukit``.
"""
