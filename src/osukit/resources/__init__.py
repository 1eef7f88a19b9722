"""One module per API group.

``resources/<group>.py`` holds the group's routes and parameter types (no
I/O); ``resources/_async/<group>.py`` the async methods, written by hand;
``resources/_sync/<group>.py`` the sync methods, generated from them by
``scripts/unasync.py``.
"""
