"""Checkpoint stores: where a crawl (``client.crawl(...)``) or a score feed (``scores.follow(...)``)
keeps its position, so a restart carries on where it stopped.

Pass one as ``checkpoint=``:

* a file path (a `str` or `os.PathLike`) or a `FileCheckpoint`: an atomic, fsync'ed JSON file, one machine;
* `SqliteCheckpointStore` (``osukit.contrib.sqlite``): WAL-mode SQLite, cheap per save, one machine;
* ``osukit.contrib.redis.RedisCheckpointStore``: shared by machines (needs ``osukit[redis]``);
* anything with ``load``/``save``/``delete`` (`CheckpointStore`).

A checkpoint that cannot be read (damaged JSON, not a SQLite file) raises `osukit.CheckpointError`;
delete or move it to start over (it holds a position, never a login).
"""

from __future__ import annotations

from ._crawl import CheckpointStore, FileCheckpoint, as_checkpoint_store
from .sqlite import SqliteCheckpointStore

__all__ = ["CheckpointStore", "FileCheckpoint", "SqliteCheckpointStore", "as_checkpoint_store"]
