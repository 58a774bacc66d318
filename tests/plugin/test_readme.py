"""The README's "Testing with pytest" section: its examples run, and its option table is true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mailtrap_pytest.options import OPTIONS

README = Path(__file__).resolve().parents[2] / "README.md"


def section() -> str:
    text = README.read_text()
    start = text.index("\n## Testing with pytest\n")
    end = text.index("\n## ", start + 1)
    return text[start:end]


def files() -> dict[str, str]:
    """Every python and toml block of the section, by the file name on its first line."""
    found = {}
    for language, body in re.findall(r"```(\w+)\n(.*?)```", section(), re.S):
        if language not in {"python", "toml"}:
            continue
        first = body.splitlines()[0]
        assert first.startswith("# "), f"a {language} example must start with '# FILENAME'"
        name = first[2:].strip()
        assert name not in found, f"two examples are called {name}"
        found[name] = body
    return found


def test_readme_examples_run_and_pass(pytester: pytest.Pytester):
    examples = files()
    assert {"conftest.py", "pyproject.toml"} < set(examples)
    for name, body in examples.items():
        (pytester.path / name).write_text(body)
    tests = sum(len(re.findall(r"^(?:async )?def test_", body, re.M)) for body in examples.values())
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=tests)
    assert tests >= 3
    result.stdout.fnmatch_lines(["mailtrap: smtp 127.0.0.1:*"])  # pyproject's print_url


def test_readme_option_table_matches_the_plugin():
    rows = re.findall(r"^\| `(--mailtrap-[a-z-]+)[^`]*` \| `(\w+)` \| `(\w+)` \|", section(), re.M)
    assert rows == [(o.flag, o.ini, o.env) for o in OPTIONS]


def test_readme_fixture_table_names_every_fixture(pytester: pytest.Pytester):
    named = set(re.findall(r"^\| `(mailtrap\w*)` \| (?:function|session) \|", section(), re.M))
    listed = pytester.runpytest("--fixtures").stdout.str()
    ours = re.findall(r"^(\w+)(?: \[session scope\])? -- \S*pytest_plugin/plugin\.py", listed, re.M)
    assert len(ours) == 4
    assert named == set(ours)
