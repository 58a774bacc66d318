"""``python -m mailtrap``: the command line."""

from .cli import main

raise SystemExit(main())
