import sys

from .._exceptions import OsukitError
from .server import main

try:
    sys.exit(main())
except OsukitError as exc:
    sys.stderr.write(f"osukit: {exc}\n")
    sys.exit(2)
