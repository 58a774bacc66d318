"""The README's "Accounts and passwords" examples run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


def _blocks() -> list[str]:
    text = README.read_text()
    start = text.index("\n## Accounts and passwords\n")
    end = text.index("\n## ", start + 1)
    return re.findall(r"^```python\n(.*?)^```", text[start:end], re.M | re.S)


def test_the_python_api_example_runs():
    code = _blocks()[0]
    namespace: dict = {}
    exec(compile(code, "README.md (Accounts and passwords)", "exec"), namespace)
    assert namespace["trap"] is not None


def test_the_fixture_example_passes(pytester: pytest.Pytester):
    code = _blocks()[1]
    name = code.splitlines()[0][2:].split(":")[0].strip()
    (pytester.path / name).write_text(code)
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", name)
    result.assert_outcomes(passed=1)
