"""The plugin's cost and the session's ends: lazy imports, no assertion rewriting of ours, and
keeping the server alive."""

from __future__ import annotations

import json
import re
import signal
import smtplib
import socket
import subprocess
import sys

import pytest

PROBE = """
import json
import sys

def loaded():
    tops = ("mailtrap", "aiosmtpd", "mailtrap_pytest")
    return sorted(m for m in sys.modules if m.split(".")[0] in tops)

def pytest_collection_finish(session):
    with open("at_collection.json", "w") as f:
        json.dump(loaded(), f)

def pytest_sessionfinish(session):
    with open("at_finish.json", "w") as f:
        json.dump(loaded(), f)
"""


def test_loading_the_plugin_imports_no_server_code(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
):
    # only our plugin: others installed alongside (smtpdfix, say) import aiosmtpd themselves
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    pytester.makeconftest(PROBE)
    pytester.makepyfile(
        """
        def test_plain():
            pass

        def test_mail(mailtrap):
            assert mailtrap.smtp_port
        """
    )
    # a fresh process: this one imported mailtrap long ago
    result = pytester.runpytest_subprocess("-p", "mailtrap_pytest.plugin", timeout=60)
    result.assert_outcomes(passed=2)
    at_collection = json.loads((pytester.path / "at_collection.json").read_text())
    assert at_collection == ["mailtrap_pytest", "mailtrap_pytest.options", "mailtrap_pytest.plugin"]
    at_finish = json.loads((pytester.path / "at_finish.json").read_text())
    assert {"mailtrap", "aiosmtpd", "mailtrap_pytest.trap"} <= set(at_finish)  # the probe works


REWRITE_PROBE = """
import json
import sys

import pytest

# What installing mailtrap-sink from a wheel does: pytest marks every package of a distribution
# with a pytest11 entry point for assertion rewriting (an editable install marks less).
pytest.register_assert_rewrite("mailtrap")

def pytest_sessionfinish(session):
    ours = [m for name, m in sys.modules.items() if name.split(".")[0] == "mailtrap"]
    with open("rewrites.json", "w") as f:
        json.dump(
            {
                "through pytest's loader": sum(
                    type(m.__loader__).__name__ == "AssertionRewritingHook" for m in ours
                ),
                "rewritten": sorted(m.__name__ for m in ours if "@py_builtins" in vars(m)),
            },
            f,
        )
"""


def test_pytest_parses_our_modules_but_never_rewrites_them(pytester: pytest.Pytester):
    # A rewritten module gets pytest's helpers (@py_builtins) among its globals; ours say
    # PYTEST_DONT_REWRITE in their docstrings (tests/test_packaging.py checks that every one does).
    pytester.makeconftest(REWRITE_PROBE)
    pytester.makepyfile(
        """
        def test_mail(mailtrap):
            assert mailtrap.smtp_port
        """
    )
    result = pytester.runpytest_subprocess(timeout=60)  # the plugin from its entry point
    result.assert_outcomes(passed=1)
    found = json.loads((pytester.path / "rewrites.json").read_text())
    assert found["through pytest's loader"] >= 20  # the probe sees the marked modules
    assert found["rewritten"] == []


def keep_alive_run(pytester: pytest.Pytester, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM], ids=["INT", "TERM"])
def test_keep_alive_serves_after_the_tests_until_interrupted(
    pytester: pytest.Pytester, stop_signal: signal.Signals
):
    pytester.makepyfile(
        """
        def test_one(mailtrap):
            pass
        """
    )
    process = keep_alive_run(pytester, "--mailtrap-keep-alive")
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("mailtrap kept alive"):
                break
        output = "".join(lines)
        assert re.search(r"^=+ 1 passed in .* =+$", output, re.M), output  # summary came first
        port = int(re.search(r"smtp 127\.0\.0\.1:(\d+)", lines[-1]).group(1))
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:  # the server still answers
            smtp.sendmail("a@example.com", ["inspect@example.com"], b"Subject: later\r\n\r\nx")
        process.send_signal(stop_signal)
        process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)


def test_keep_alive_without_a_mail_test_ends_at_once(pytester: pytest.Pytester):
    pytester.makepyfile("def test_plain():\n    pass\n")
    process = keep_alive_run(pytester, "--mailtrap-keep-alive")
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "mailtrap: no test used the mail fixtures; nothing to keep alive" in output


def test_keep_alive_refuses_xdist(pytester: pytest.Pytester):
    result = pytester.runpytest("-n", "2", "--mailtrap-keep-alive")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --mailtrap-keep-alive needs a single test process*"])
