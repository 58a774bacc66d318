"""The README's POP3 example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_pop3_example_runs():
    text = README.read_text()
    section = re.search(r"^## Reading mail over POP3\n(.*?)(?=^## )", text, re.M | re.S)
    assert section, "README has no POP3 section"
    [code] = re.findall(r"^```python\n(.*?)^```", section.group(1), re.M | re.S)
    namespace: dict = {}
    exec(compile(code, "README.md (POP3)", "exec"), namespace)
    assert namespace["lines"] == [b"Subject: Hi", b"", b"Hello"]
    assert namespace["trap"].mailbox("alice@example.com").messages == []
