"""pytest fixtures for mailtrap: a session server per test process, cleared for every test.

Registered through the ``pytest11`` entry point ``mailtrap``. Loading it imports nothing heavy:
``mailtrap`` (and aiosmtpd) are imported inside the fixtures, so a run that uses no mail fixture
pays nothing. Also here: the ``--mailtrap-*`` options (see ``options.py``), the "Captured mail"
section of failure reports, and keeping the server alive after the session.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .options import Settings, add_options, read_settings

if TYPE_CHECKING:
    from mailtrap import MailTrap

    from .trap import PytestMailTrap

_SETTINGS = pytest.StashKey[Settings]()
#: The session server, when --mailtrap-keep-alive hands it over at the end of the session.
_KEPT = pytest.StashKey["MailTrap"]()
_EXIT_STATUS = pytest.StashKey[int]()
#: Per test item: every server the test got from the fixtures, for the failure report.
_USED = pytest.StashKey[list["MailTrap"]]()


# -- options ------------------------------------------------------------------------------------


def pytest_addoption(parser: pytest.Parser) -> None:
    add_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_SETTINGS] = read_settings(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    line = config.stash[_SETTINGS].describe()
    return [line] if line else []


def _announce(config: pytest.Config, text: str) -> None:
    """Show one line on the terminal now, even while output is captured."""
    capman = config.pluginmanager.getplugin("capturemanager")
    with capman.global_and_fixture_disabled() if capman else contextlib.nullcontext():
        reporter = config.pluginmanager.getplugin("terminalreporter")
        workerinput = getattr(config, "workerinput", None)
        if reporter is not None and workerinput is None:
            reporter.write_line(text)
        else:  # xdist workers have no terminal of their own; their stderr is the run's
            prefix = f"[{workerinput['workerid']}] " if workerinput else ""
            sys.stderr.write(f"{prefix}{text}\n")
            sys.stderr.flush()


# -- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def mailtrap_config() -> dict[str, Any]:
    """Keyword arguments for ``MailTrap(...)``, used to start ``mailtrap_server``.

    Override it in a conftest.py to configure the session server, e.g. ``return {"tls": True}``
    or ``{"max_size": 1_000_000}``. For one test with other settings use ``mailtrap_factory``.
    """
    return {}


@pytest.fixture(scope="session")
def mailtrap_server(
    mailtrap_config: dict[str, Any], pytestconfig: pytest.Config
) -> Iterator[PytestMailTrap]:
    """The session's running mailtrap: one per test process, so each xdist worker has its own.

    Started on first use, on ephemeral ports (unless --mailtrap-fixed-ports or --mailtrap-ports
    say otherwise); stopped at the end of the session (or kept for --mailtrap-keep-alive).
    Tests normally take ``mailtrap`` instead, which clears it first.
    """
    from .trap import PytestMailTrap

    settings = pytestconfig.stash[_SETTINGS]
    try:
        ports = _fixed_ports(settings, mailtrap_config)
    except ValueError as error:
        raise pytest.fail.Exception(str(error), pytrace=False) from None
    trap = PytestMailTrap(**{**mailtrap_config, **ports}).start()
    if settings.print_url:
        from .trap import listening

        _announce(pytestconfig, f"mailtrap: {listening(trap)}")
    try:
        yield trap
    finally:
        if settings.keep_alive:
            pytestconfig.stash[_KEPT] = trap
        else:
            trap.stop()


def _fixed_ports(settings: Settings, mailtrap_config: dict[str, Any]) -> dict[str, int]:
    """``MailTrap`` port arguments from the options; servers the config turned off stay off."""
    from mailtrap.config import SERVICES

    configured = dict(mailtrap_config.get("ports", {}))
    configured.update(
        (s.name, mailtrap_config[f"{s.name}_port"])
        for s in SERVICES
        if f"{s.name}_port" in mailtrap_config
    )
    return settings.port_options(
        {s.name: s.default_port for s in SERVICES},
        off={name for name, port in configured.items() if port is None},
    )


@pytest.fixture
def mailtrap(
    mailtrap_server: PytestMailTrap, request: pytest.FixtureRequest
) -> Iterator[PytestMailTrap]:
    """The session's mailtrap, emptied for this test: ``[msg] = mailtrap.wait_for(to=...)``.

    Send to ``mailtrap.smtp_settings`` (host, port, use_tls, use_ssl, ssl_context) and read
    with ``wait_for``, ``await wait_for_async``, ``messages``, ``mailbox``. ``unique_address()``
    gives the test a recipient of its own. Rules the test adds (``mailtrap.fail(...)``, or over
    HTTP) are removed when it ends, pass or fail. A failing test's report lists the mail it
    captured and what rules refused.
    """
    if mailtrap_server.store.count():
        mailtrap_server.clear()
    faults = mailtrap_server.faults
    faults.clear_refused()
    before = {rule.id for rule in faults.rules()}
    mailtrap_server.test_name = request.node.name
    request.node.stash.setdefault(_USED, []).append(mailtrap_server)
    yield mailtrap_server
    faults.remove_all(keep=before)


@pytest.fixture
def mailtrap_factory(request: pytest.FixtureRequest) -> Iterator[Callable[..., PytestMailTrap]]:
    """Start a separately configured mailtrap for this test: ``mailtrap_factory(tls=True)``.

    Takes the same keyword arguments as ``MailTrap(...)``; use it when a test needs settings
    the session server does not have. Every server it started stops when the test ends.
    """
    from .trap import PytestMailTrap

    started: list[PytestMailTrap] = []

    def factory(**options: Any) -> PytestMailTrap:
        trap = PytestMailTrap(**options).start()
        trap.test_name = request.node.name
        started.append(trap)
        request.node.stash.setdefault(_USED, []).append(trap)
        return trap

    yield factory
    for trap in reversed(started):
        trap.stop()


# -- reporting and the end of the session -------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    report = yield
    used = item.stash.get(_USED, None)
    if used:
        if report.failed:
            from .trap import captured_report

            report.sections.append(("Captured mail", "\n".join(map(captured_report, used))))
        if call.when == "teardown":
            del item.stash[_USED]  # let factory servers and their mail be freed
    return report


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    session.config.stash[_EXIT_STATUS] = exitstatus


def pytest_unconfigure(config: pytest.Config) -> None:
    trap = config.stash.get(_KEPT, None)
    if trap is None:
        settings = config.stash.get(_SETTINGS, None)
        if settings and settings.keep_alive:
            _announce(config, "mailtrap: no test used the mail fixtures; nothing to keep alive")
        return
    try:
        if config.stash.get(_EXIT_STATUS, 0) != pytest.ExitCode.INTERRUPTED:
            from .trap import listening

            _wait_for_interrupt(
                lambda: _announce(
                    config, f"mailtrap kept alive, Ctrl-C stops it: {listening(trap)}"
                )
            )
    finally:
        trap.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _wait_for_interrupt(announce: Callable[[], None]) -> None:
    """Sleep until Ctrl-C or SIGTERM, even where the shell started us with SIGINT ignored.

    The handlers are in place before ``announce()`` tells anyone that they may signal us.
    """
    previous = {}
    if threading.current_thread() is threading.main_thread():  # only it may set handlers
        previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        announce()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
