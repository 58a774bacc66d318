"""The README's Python examples run as written (POP3 and pytest ones have their own tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples(heading: str) -> list[str]:
    section = re.search(
        rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", README.read_text(), re.M | re.S
    )
    assert section, f"README has no section {heading!r}"
    return re.findall(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)


@pytest.mark.parametrize("heading", ["The Python API", "Reading mail over IMAP"])
def test_readme_example_runs(heading):
    [code] = _examples(heading)
    namespace: dict = {}
    exec(compile(code, f"README.md ({heading})", "exec"), namespace)
    assert namespace["trap"] is not None  # every example runs a MailTrap and asserts inside
