"""The ``osukit`` command line (the ``osukit[cli]`` extra: typer and rich).

``osukit --help`` lists the commands; docs/cli.md describes them. Every error
ends as one line on stderr (plus a hint) and a non-zero exit code; ``--debug``
shows the traceback instead.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]


def _missing_cli(exc: ImportError) -> int:
    sys.stderr.write(
        f"osukit: the command line needs the optional extra (missing: {exc.name or exc}): pip install 'osukit[cli]'\n"
    )
    return 9


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        import rich  # noqa: F401
        import typer  # noqa: F401
    except ImportError as exc:
        return _missing_cli(exc)
    from ._app import run_app

    return run_app(args)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: run and exit with the command's exit code."""
    sys.exit(run(argv))
