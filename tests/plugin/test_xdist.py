"""Under pytest-xdist every worker process gets its own server, and all tests pass."""

from __future__ import annotations

import pytest

RECORDING_TESTS = """
import pytest
from sendhelp import send


@pytest.mark.parametrize("n", range(8))
def test_mail(mailtrap, worker_id, n):
    address = mailtrap.unique_address()
    send(mailtrap, address, f"message {n}")
    [msg] = mailtrap.wait_for(to=address)
    assert msg.subject == f"message {n}"
    assert len(mailtrap.messages()) == 1  # nothing from the other worker's tests
    with open(f"seen-{worker_id}.txt", "a") as f:
        f.write(f"{mailtrap.smtp_port}\\n")
"""


def ports_by_worker(pytester: pytest.Pytester) -> dict[str, set[int]]:
    return {
        path.stem.removeprefix("seen-"): {int(p) for p in path.read_text().split()}
        for path in pytester.path.glob("seen-*.txt")
    }


def test_two_workers_each_get_their_own_server(with_send: pytest.Pytester):
    with_send.makepyfile(RECORDING_TESTS)
    result = with_send.runpytest_subprocess("-n", "2", timeout=60)
    result.assert_outcomes(passed=8)
    seen = ports_by_worker(with_send)
    assert sorted(seen) == ["gw0", "gw1"]
    assert all(len(ports) == 1 for ports in seen.values()), seen  # reused across tests
    assert seen["gw0"] != seen["gw1"]


def test_fixed_ports_shift_by_worker_and_each_worker_prints_its_own(
    with_send: pytest.Pytester, free_port
):
    port = free_port(span=2)
    with_send.makepyfile(RECORDING_TESTS)
    result = with_send.runpytest_subprocess(
        "-n", "2", f"--mailtrap-ports=smtp={port}", "--mailtrap-print-url", timeout=60
    )
    result.assert_outcomes(passed=8)
    assert ports_by_worker(with_send) == {"gw0": {port}, "gw1": {port + 1}}
    result.stderr.fnmatch_lines_random(
        [
            f"[[]gw0[]] mailtrap: smtp 127.0.0.1:{port}, *",
            f"[[]gw1[]] mailtrap: smtp 127.0.0.1:{port + 1}, *",
        ]
    )
