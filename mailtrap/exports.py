"""Names a package exports but loads only when first used (PEP 562 module ``__getattr__``).

Start-up is what a test run pays for every module it imports: a package lists here what it
exports from modules that a sink taking mail never needs (SQLite, fault rules, logins), and
``from package import name`` still works for all of them.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def later(package: str, modules: dict[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``{".module": (name, ...)}`` says where
    each name lives, relative to the package."""
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(module, package), name)

    return __getattr__
