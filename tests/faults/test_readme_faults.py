"""The README's "Making SMTP fail on purpose" section: its examples run as written."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from mailtrap import MailTrap
from mailtrap.faults.schema import specs_from_json

README = Path(__file__).resolve().parents[2] / "README.md"


def blocks(language: str) -> list[str]:
    text = README.read_text()
    start = text.index("\n## Making SMTP fail on purpose\n")
    section = text[start : text.index("\n## ", start + 1)]
    return re.findall(rf"^```{language}\n(.*?)^```", section, re.M | re.S)


def test_the_python_example_runs():
    [example] = [b for b in blocks("python") if not b.startswith("# test_")]
    namespace: dict = {}
    exec(compile(example, "README.md (Making SMTP fail on purpose)", "exec"), namespace)
    assert len(namespace["trap"].faults.rules()) == 5  # what the example leaves in force


def test_the_pytest_example_passes(pytester: pytest.Pytester):
    [example] = [b for b in blocks("python") if b.startswith("# test_")]
    name = example.splitlines()[0].removeprefix("# ").strip()
    (pytester.path / name).write_text(example)
    pytester.runpytest().assert_outcomes(passed=1)


def test_the_rules_file_example_is_valid():
    [example] = blocks("json")
    specs = specs_from_json(json.loads(example))
    assert [s.stage for s in specs] == ["rcpt", "mail", "connect"]


def test_the_curl_example_adds_a_rule(need_tool):
    need_tool("curl")
    [example] = blocks("sh")
    with MailTrap() as trap:
        command = example.replace("http://127.0.0.1:8025", trap.http_url)
        result = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["Reply"] == "550 5.1.1 No such user"
        [rule] = trap.faults.rules()
        assert rule.spec.to == "*@blocked.example"
