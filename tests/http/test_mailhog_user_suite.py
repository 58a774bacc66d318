"""Tried as a new user would: a test suite written for MailHog (tests/http/mailhog_suite), its
``/api/v2/search?kind=to&query=...`` and all, passes unchanged against mailtrap: it runs in its
own pytest process (copied out of our tree, so none of our configuration or conftests apply),
pointed at our HTTP and SMTP ports through the variables it already reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

SUITE = Path(__file__).parent / "mailhog_suite" / "signup_emails.py"


def test_a_mailhog_suite_passes_unchanged(mailtrap, tmp_path):
    env = {
        **os.environ,
        "MAILHOG_URL": mailtrap.http_url,
        "SMTP_HOST": mailtrap.smtp_host,
        "SMTP_PORT": str(mailtrap.smtp_port),
    }
    suite = shutil.copy(SUITE, tmp_path / "test_signup_emails.py")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:mailtrap",
            "-p",
            "no:cacheprovider",
            "-q",
            suite,
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout
