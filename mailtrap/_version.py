"""The package version, in one place.

PYTEST_DONT_REWRITE
"""

__version__ = "0.1.0"
