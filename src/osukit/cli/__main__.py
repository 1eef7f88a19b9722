"""``python -m osukit.cli``: the same as the ``osukit`` command."""

from . import main

if __name__ == "__main__":
    main()
