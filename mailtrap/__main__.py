"""``python -m mailtrap``: the command line.

PYTEST_DONT_REWRITE
"""

from .cli import main

raise SystemExit(main())
