"""``python -m symnn``: the command line."""

from symnn.cli import main

raise SystemExit(main())
