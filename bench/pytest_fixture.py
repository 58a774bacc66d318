"""Benchmark of the pytest plugin: what loading it costs, the ``mailtrap`` fixture's own overhead
per test, and 1,000 tests that each send one message and wait for it, side by side with
smtpdfix's ``smtpd`` fixture and with a bare session-scoped aiosmtpd server (the floor).

    python bench/pytest_fixture.py [--tests 1000] [--rounds 5]

Every pytest run is a separate process with plugin autoloading off, loading only the plugin it
measures. smtpdfix is optional (``pip install smtpdfix``; it is not a dependency of mailtrap):
without it that comparison is skipped with a message. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

TIMING_CONFTEST = """
import json
import os
import time
from collections import defaultdict

import pytest

SETUP = defaultdict(list)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        SETUP[fixturedef.argname].append(time.perf_counter() - start)


PER_TEST = []


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        PER_TEST.append(time.perf_counter() - start)


@pytest.hookimpl(wrapper=True)
def pytest_runtestloop(session):
    start = time.perf_counter()
    try:
        return (yield)
    finally:
        figures = {
            "seconds": time.perf_counter() - start,
            "per_test": PER_TEST,
            "tests": session.testscollected,
            "failed": session.testsfailed,
            "setup": {name: times for name, times in SETUP.items()},
        }
        with open(os.environ["BENCH_OUT"], "w") as f:
            json.dump(figures, f)
"""

SEND = """
import smtplib

RAW = b"From: app@example.com\\r\\nTo: alice@example.com\\r\\nSubject: Welcome\\r\\n\\r\\nHi!\\r\\n"


def send(host, port, to="alice@example.com"):
    with smtplib.SMTP(host, port) as smtp:
        smtp.sendmail("app@example.com", [to], RAW)
"""

# The same test three times: send one message with smtplib, then wait for / look at it.
MAILTRAP_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(TESTS))
def test_send(mailtrap, n):
    send(mailtrap.smtp_host, mailtrap.smtp_port)
    [msg] = mailtrap.wait_for(to="alice@example.com", timeout=5)
    assert msg.subject == "Welcome"
"""

SMTPDFIX_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(TESTS))
def test_send(smtpd, n):
    send(smtpd.hostname, smtpd.port)
    [msg] = smtpd.messages
    assert msg["Subject"] == "Welcome"
"""

FLOOR_CONFTEST = """
import socket

import pytest
from aiosmtpd.controller import Controller


class Handler:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture(scope="session")
def bare_server():
    with socket.socket() as probe:  # Controller cannot listen on port 0 (aiosmtpd issue #276)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    handler = Handler()
    controller = Controller(handler, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    yield controller, handler
    controller.stop()


@pytest.fixture
def bare(bare_server):
    bare_server[1].messages.clear()
    return bare_server
"""

FLOOR_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(TESTS))
def test_send(bare, n):
    controller, handler = bare
    send(controller.hostname, controller.port)
    [envelope] = handler.messages
    assert b"Subject: Welcome" in envelope.content
"""

# Fixture overhead: `mailtrap` against `baseline`, which hands over the same session server
# without clearing it; the store holds nothing, one message, or one more mailbox per test.
OVERHEAD_CONFTEST = """
import pytest


@pytest.fixture
def baseline(mailtrap_server):
    return mailtrap_server
"""

OVERHEAD_TESTS = """
import pytest

RAW = b"Subject: x\\r\\n\\r\\nx\\r\\n"


@pytest.mark.parametrize("n", range(TESTS))
def test_baseline(baseline, n):
    pass


@pytest.mark.parametrize("n", range(TESTS))
def test_empty(mailtrap, n):
    pass


@pytest.mark.parametrize("n", range(TESTS))
def test_one_message(mailtrap, n):
    mailtrap.store.deliver("app@example.com", ["alice@example.com"], RAW)


@pytest.mark.parametrize("n", range(TESTS))
def test_unique_recipient(mailtrap, n):
    mailtrap.store.deliver("app@example.com", [mailtrap.unique_address()], RAW)
"""


#: Bytecode of the benchmark's processes, kept for the whole run (the checkout may be read-only).
PYCACHE = Path(tempfile.mkdtemp(prefix="mailtrap-bench-pycache-"))


def run_pytest(files: dict[str, str], plugin: str | None, tests: int) -> dict:
    """Run pytest in a fresh directory with only ``plugin`` loaded; return the timing figures."""
    with tempfile.TemporaryDirectory(prefix="mailtrap-bench-") as tmp:
        root = Path(tmp)
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "conftest.py").write_text(TIMING_CONFTEST + files.pop("conftest.py", ""))
        for name, text in files.items():
            (root / name).write_text(textwrap.dedent(text).replace("TESTS", str(tests)))
        env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "BENCH_OUT": str(root / "o")}
        env = {k: v for k, v in env.items() if not k.startswith("MAILTRAP_")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)  # import as an installed package would
        env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
        args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        if plugin:
            args += ["-p", plugin]
        done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"benchmark run failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
        return json.loads((root / "o").read_text())


def import_cost(runs: int = 15) -> tuple[float, list[str]]:
    """Best-of-``runs`` milliseconds to import the plugin (with bytecode caching, as installed),
    and the mailtrap/aiosmtpd modules that importing it loads."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    code = (
        "import sys, pytest, mailtrap_pytest.plugin; print(sorted(m for m in sys.modules "
        "if m.split('.')[0] in ('mailtrap', 'aiosmtpd')))"
    )
    best, loaded = float("inf"), []
    with tempfile.TemporaryDirectory() as cache:
        env["PYTHONPYCACHEPREFIX"] = cache
        for _ in range(runs):
            done = subprocess.run(
                [sys.executable, "-X", "importtime", "-c", code],
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            loaded = json.loads(done.stdout.replace("'", '"'))
            for line in done.stderr.splitlines():
                match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| mailtrap_pytest\.plugin$", line)
                if match:
                    best = min(best, int(match.group(1)) / 1000)
    return best, loaded


def us(seconds: list[float]) -> str:
    return f"{statistics.median(seconds) * 1e6:7.1f} µs"


def fixture_overhead(tests: int) -> None:
    figures = run_pytest(
        {"conftest.py": OVERHEAD_CONFTEST, "test_overhead.py": OVERHEAD_TESTS},
        "mailtrap_pytest.plugin",
        tests,
    )
    setup = figures["setup"]["mailtrap"]
    baseline = statistics.median(figures["setup"]["baseline"])
    print(f"\n`mailtrap` fixture setup, median of {tests} tests each (pytest's own hook included):")
    print(f"  baseline (same server, not cleared)   {us(figures['setup']['baseline'])}")
    for label, part in (
        ("store empty", setup[:tests]),
        ("one message to clear", setup[tests : 2 * tests]),
        (f"one message, {tests} more mailboxes", setup[2 * tests :]),
    ):
        extra = (statistics.median(part) - baseline) * 1e6
        print(f"  {label:37} {us(part)}  (clear + hand-over: {extra:5.1f} µs; target < 100)")
    last = setup[-tests // 10 :]
    print(f"  ... the last {len(last)} tests of the unique-recipient run: {us(last)}")


FLOOR = "floor: bare session aiosmtpd server"
OURS = "mailtrap fixture"
SMTPDFIX = "smtpdfix `smtpd` fixture"


def send_and_wait(tests: int, rounds: int) -> None:
    variants = {
        FLOOR: (
            {"conftest.py": FLOOR_CONFTEST, "sendhelp.py": SEND, "test_floor.py": FLOOR_TESTS},
            None,
        ),
        OURS: (
            {"sendhelp.py": SEND, "test_mailtrap.py": MAILTRAP_TESTS},
            "mailtrap_pytest.plugin",
        ),
    }
    if importlib.util.find_spec("smtpdfix") is None:
        print(
            "\nsmtpdfix is not installed: skipping the comparison with its `smtpd` fixture "
            "(pip install smtpdfix to include it; mailtrap does not depend on it)."
        )
    else:
        variants[SMTPDFIX] = (
            {"sendhelp.py": SEND, "test_smtpdfix.py": SMTPDFIX_TESTS},
            "smtpdfix.fixture",
        )
    steady: dict[str, list[float]] = {name: [] for name in variants}
    whole: dict[str, list[float]] = {name: [] for name in variants}
    first: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):  # interleaved, so a busy moment hurts every variant alike
        for name, (files, plugin) in variants.items():
            figures = run_pytest(dict(files), plugin, tests)
            assert figures["tests"] == tests and figures["failed"] == 0, figures
            times = figures["per_test"]
            first[name].append(times[0])
            steady[name].append(statistics.fmean(times[1:]))
            whole[name].append(figures["seconds"] / tests)
    med = statistics.median
    print(f"\n{tests} tests, each sending one message with smtplib and waiting for it,")
    print(f"{rounds} interleaved rounds. Per test: the mean after the first test (best round,")
    print("median round); the whole test loop including the first test; the first test alone")
    print("(server start and lazy imports; the floor imports aiosmtpd in its conftest, earlier):")
    for name in variants:
        best, middle = min(steady[name]) * 1e3, med(steady[name]) * 1e3
        loop, start = med(whole[name]) * 1e3, med(first[name]) * 1e3
        print(
            f"  {name:37} {best:5.2f} {middle:5.2f} ms  loop {loop:5.2f} ms  first {start:4.0f} ms"
        )
        print(f"  {'':37} rounds: {' '.join(f'{t * 1e3:.2f}' for t in steady[name])}")
    floor, ours = steady[FLOOR], steady[OURS]
    print(
        f"  mailtrap vs floor: {100 * (min(ours) / min(floor) - 1):+.1f}% best rounds, "
        f"{100 * (med(ours) / med(floor) - 1):+.1f}% median (target: +15% at most)"
    )
    if SMTPDFIX in steady:
        theirs = steady[SMTPDFIX]
        print(
            f"  smtpdfix / mailtrap: {min(theirs) / min(ours):.2f}x best rounds, "
            f"{med(theirs) / med(ours):.2f}x median, "
            f"{med(whole[SMTPDFIX]) / med(whole[OURS]):.2f}x whole loop (target: at least 2x)"
        )
        print(
            f"  smtpdfix / floor: {med(theirs) / med(floor):.2f}x median "
            "(what even the floor gains on smtpdfix here)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", type=int, default=1000, help="tests per run (default 1000)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    args = parser.parse_args()
    cost, loaded = import_cost()
    print(f"importing the plugin: {cost:.2f} ms (best of 15, bytecode cached)")
    print(f"  mailtrap/aiosmtpd modules it loads: {loaded or 'none'}")
    fixture_overhead(args.tests)
    send_and_wait(args.tests, args.rounds)


if __name__ == "__main__":
    main()
