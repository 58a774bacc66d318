"""mailtrap's pytest plugin: installed as ``mailtrap_pytest``, registered as pytest11 ``mailtrap``.

``from mailtrap_pytest import PytestMailTrap`` names the type the fixtures return (for type
hints); it is loaded on first use, so importing this package stays free.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .trap import PytestMailTrap

__all__ = ["PytestMailTrap"]


def __getattr__(name: str) -> Any:
    if name == "PytestMailTrap":
        from .trap import PytestMailTrap

        return PytestMailTrap
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
