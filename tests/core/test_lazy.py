"""Front-ends built on first use: what ``import mailtrap`` loads, building off the loop while
other clients are served, a front-end that fails to build, and the eager command line."""

from __future__ import annotations

import imaplib
import json
import logging
import poplib
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import urllib.error
import urllib.request

import pytest

from mailtrap import MailTrap
from mailtrap.config import Config
from mailtrap.runtime import BUILDERS
from mailtrap.store import MemoryStore
from mailtrap.threaded import ThreadedRuntime

#: Module prefixes a test that only sends and waits must never load.
HEAVY = (
    "flask",
    "werkzeug",
    "jinja2",
    "uvicorn",
    "websockets",
    "h11",
    "mailtrap_web",
    "mailtrap.api",
    "mailtrap.protocols",
    "mailtrap.servers.pop3",
    "mailtrap.servers.imap",
)

#: What a started server that takes mail and is waited on by address never needs: logins and
#: their failure delays, fault rules, the MIME walk and the indexer's worker (the indexer waits
#: for a search that reads documents).
UNASKED = (
    "mailtrap.auth.credentials",
    "mailtrap.auth.hashes",
    "mailtrap.auth.sasl",
    "mailtrap.auth.users",
    "mailtrap.auth.throttle",
    "mailtrap.logins",
    "mailtrap.store.docpool",
    "mailtrap.faults.refused",
    "mailtrap.faults.replies",
    "mailtrap.faults.spec",
    "mailtrap.facts",
    "mailtrap.mime",
    "html.parser",
)

LOADED = """
import json, smtplib, sys, urllib.request
HEAVY = {heavy!r}
UNASKED = {unasked!r}
def loaded():
    return sorted(m for m in sys.modules if m.startswith(HEAVY))
report = {{}}
import mailtrap
report["import"] = loaded()
report["import_aiosmtpd"] = "aiosmtpd" in sys.modules
MIME = {{"mailtrap.mime", "mailtrap.mimetree", "mailtrap.facts", "html.parser"}}
report["import_mime"] = sorted(MIME & set(sys.modules))
report["import_sqlite"] = sorted({{"sqlite3", "pickle"}} & set(sys.modules))
trap = mailtrap.MailTrap().start()
with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
    smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: hi\\r\\n\\r\\nhi\\r\\n")
[msg] = trap.wait_for(to="b@example.com", timeout=5)
report["started"] = loaded()
report["started_unasked"] = sorted(m for m in sys.modules if m.startswith(UNASKED))
with urllib.request.urlopen(trap.http_url + "/api/v1/messages", timeout=5) as reply:
    report["listed"] = json.load(reply)["total"]
report["after_http"] = loaded()
trap.stop()
print(json.dumps(report))
"""


def test_import_and_a_started_mailtrap_load_no_front_end():
    done = subprocess.run(
        [sys.executable, "-c", LOADED.format(heavy=HEAVY, unasked=UNASKED)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["import"] == []
    assert not report["import_aiosmtpd"]  # SMTP too is imported when the runtime starts
    assert report["import_mime"] == []  # the MIME view loads on the first body read
    assert report["import_sqlite"] == []  # the SQLite backend and the indexer's pipe: on use
    assert report["started"] == []
    assert report["started_unasked"] == []
    # The first HTTP request built the HTTP server, and it saw the mail sent before it existed.
    assert report["listed"] == 1
    assert "flask" in report["after_http"] and "uvicorn" in report["after_http"]
    assert not any(m.startswith("mailtrap.protocols") for m in report["after_http"])


def _get(url: str, timeout: float = 5) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_the_first_connection_waits_for_a_build_that_never_holds_the_loop():
    gate, building = threading.Event(), threading.Event()
    built_in: list[int] = []

    def slow_http(runtime):
        built_in.append(threading.get_ident())
        building.set()
        assert gate.wait(10)
        return BUILDERS["http"](runtime)

    threaded = ThreadedRuntime(Config(), MemoryStore())
    threaded.runtime.builders["http"] = slow_http
    threaded.start()
    try:
        addresses = threaded.runtime.addresses
        answer: list[tuple[int, bytes]] = []
        first = threading.Thread(
            target=lambda: answer.append(
                _get(f"http://127.0.0.1:{addresses['http'].port}/api/v1/info", 10)
            )
        )
        first.start()
        assert building.wait(5)  # the HTTP client connected and its server is being built
        assert built_in[0] != threaded._thread.ident  # in a worker thread, not the loop's
        # While the HTTP build is held, SMTP and a first POP3 session (its own build) are served.
        with smtplib.SMTP("127.0.0.1", addresses["smtp"].port, timeout=5) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: x\r\n\r\nx\r\n")
        pop = poplib.POP3("127.0.0.1", addresses["pop3"].port, timeout=5)
        pop.user("b@example.com")
        pop.pass_("any")
        assert pop.stat()[0] == 1
        pop.quit()
        assert first.is_alive() and not answer  # the HTTP client still waits, connected
        gate.set()
        first.join(10)
        [(status, body)] = answer
        assert status == 200 and json.loads(body)["RuntimeStats"]["SMTPAccepted"] == 1
        assert threaded.runtime.server("http") is not None
    finally:
        gate.set()
        threaded.stop()


BROKEN_MODULE = {
    "http": "mailtrap.api.asgi",
    "pop3": "mailtrap.servers.pop3",
    "imap": "mailtrap.servers.imap",
}


def _http_answer(trap: MailTrap) -> tuple[int, str]:
    status, body = _get(trap.http_url + "/api/v1/messages")
    return status, body.decode()


def _pop3_greeting(trap: MailTrap) -> str:
    pop = poplib.POP3(trap.smtp_host, trap.pop3_port, timeout=5)
    try:
        return pop.getwelcome().decode()
    finally:
        pop.close()


def _imap_greeting(trap: MailTrap) -> str:
    with imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=5) as imap:
        return imap.welcome.decode()


@pytest.mark.parametrize("broken", ["http", "pop3", "imap"])
def test_a_front_end_that_cannot_be_built_answers_with_its_protocols_error(
    broken, monkeypatch, caplog
):
    # A module that cannot be imported, as after a broken install: the real failure mode.
    monkeypatch.setitem(sys.modules, BROKEN_MODULE[broken], None)
    caplog.set_level(logging.ERROR, logger="mailtrap.runtime")
    with MailTrap() as trap:
        for _ in range(2):  # the first connection and the ones after it
            if broken == "http":
                status, body = _http_answer(trap)
                assert status == 500 and "could not start" in json.loads(body)["Error"]
            elif broken == "pop3":
                with pytest.raises(poplib.error_proto, match=r"-ERR \[SYS/PERM\]"):
                    _pop3_greeting(trap)
            else:
                with pytest.raises(imaplib.IMAP4.error, match=r"\* BYE \[UNAVAILABLE\]"):
                    _imap_greeting(trap)
        # The cause is logged, once.
        [record] = [r for r in caplog.records if "could not start" in r.getMessage()]
        assert broken in record.getMessage() and record.exc_info is not None
        assert BROKEN_MODULE[broken] in str(record.exc_info[1])
        # Every other front-end works.
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: ok\r\n\r\nok\r\n")
        assert trap.wait_for(to="b@example.com")[0].subject == "ok"
        if broken != "http":
            assert _http_answer(trap)[0] == 200
        if broken != "pop3":
            assert _pop3_greeting(trap).startswith("+OK")
        if broken != "imap":
            assert _imap_greeting(trap).startswith("* OK")


def test_an_implicit_tls_front_end_refuses_over_tls(monkeypatch):
    monkeypatch.setitem(sys.modules, "mailtrap.servers.imap", None)
    with MailTrap(tls=True) as trap:
        with pytest.raises(imaplib.IMAP4.error, match=r"\* BYE \[UNAVAILABLE\]"):
            imaplib.IMAP4_SSL(
                trap.smtp_host, trap.imaps_port, ssl_context=trap.ssl_context(), timeout=5
            )
        with pytest.raises(ssl.SSLError):  # a plain client never gets the text in clear
            imaplib.IMAP4_SSL(
                trap.smtp_host,
                trap.imaps_port,
                ssl_context=ssl.create_default_context(),
                timeout=5,
            )


def test_stop_before_any_connection_closes_the_unbuilt_sockets():
    trap = MailTrap().start()
    ports = [trap.port("http"), trap.pop3_port, trap.imap_port]
    trap.stop()
    for port in ports:
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=5)


def test_the_command_line_builds_every_front_end_at_start():
    # The same broken module as above: the command line fails at once instead of serving.
    code = (
        "import sys; sys.modules['mailtrap.servers.imap'] = None\n"
        "from mailtrap.cli import main\n"
        "sys.exit(main(['--smtp', '0', '--http', '0', '--pop3', '0', '--imap', '0']))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert done.returncode != 0
    assert "mailtrap.servers.imap" in done.stderr
    assert "catching mail" not in done.stdout


def _smtp_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name == "mailtrap-smtp"]


@pytest.mark.parametrize("lazy", [False, True])
def test_an_eager_runtime_runs_smtp_on_a_loop_of_its_own(lazy):
    # Eager (the command line): readers' long answers on the main loop never queue a 250.
    # Lazy (in-process): SMTP stays on the runtime's loop, and start-up makes no thread more.
    store = MemoryStore()
    threaded = ThreadedRuntime(Config(), store, lazy=lazy)
    threaded.start()
    try:
        assert _smtp_threads() == ([] if lazy else ["mailtrap-smtp"])
        port = threaded.runtime.addresses["smtp"].port
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            smtp.sendmail("a@x.org", ["b@x.org"], b"Subject: own loop\r\n\r\nx\r\n")
        [message] = store.messages()
        assert message.rcpt_tos == ("b@x.org",)
    finally:
        threaded.stop()
    assert _smtp_threads() == []  # stopped and joined with the runtime
