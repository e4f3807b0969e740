"""``python -m sknlp``: the ``sknlp`` command (see :mod:`sknlp.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
