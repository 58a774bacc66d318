"""npm ``mailpit-api`` (node) against our server: tests/http/node/mailpit_client.mjs asserts."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

NODE_DIR = Path(__file__).parent / "node"


def test_the_npm_mailpit_client_works_unchanged(node_client, mailtrap):
    result = subprocess.run(
        [node_client, "mailpit_client.mjs", mailtrap.http_url],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["ok"] is True and summary["checks"] >= 25
