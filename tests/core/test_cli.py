"""The command line as a user runs it: a real `python -m mailtrap` process."""

from __future__ import annotations

import json
import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import urllib.request

import pytest
from cliserver import Server, service_names

from mailtrap import MailTrap
from mailtrap.cli_values import parse_address
from mailtrap.runtime import SERVER_SWITCH_INTERVAL


def run(*args, env=None, timeout=15):
    return subprocess.run(
        [sys.executable, "-m", "mailtrap", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1025", (None, 1025)),
        ("0.0.0.0:25", ("0.0.0.0", 25)),
        ("[::1]:2525", ("::1", 2525)),
        ("localhost:0", ("localhost", 0)),
        ("off", None),
        ("OFF", None),
    ],
)
def test_parse_address(text, expected):
    assert parse_address(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "1:2:x", "70000", "[::1]2525", "-1"])
def test_parse_address_rejects(text):
    with pytest.raises(ValueError, match="bad address"):
        parse_address(text)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_prints_addresses_and_stops_on_signal(sig):
    server = Server()
    try:
        assert server.addresses["smtp"].startswith("127.0.0.1:")
        assert "127.0.0.1:1025" not in server.addresses.values()  # every port was ephemeral
        with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=5) as smtp:
            smtp.sendmail("a@example.com", ["b@example.com"], b"Subject: cli\r\n\r\nx\r\n")
    finally:
        code, took = server.stop(sig)
    assert code == 0
    assert took < 2


def test_environment_variables_and_flags(tmp_path):
    server = Server("--max-size", "5000", env={"MAILTRAP_MAX_SIZE": "999999"})
    try:
        with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=5) as smtp:
            smtp.ehlo()
            assert smtp.esmtp_features["size"] == "5000"  # the flag beats its variable
    finally:
        server.stop()
    server = Server(env={"MAILTRAP_MAX_SIZE": "4321", "MAILTRAP_HOSTNAME": "mx.test"})
    try:
        with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=5) as smtp:
            _, banner = smtp.ehlo()
            assert smtp.esmtp_features["size"] == "4321"
            assert banner.startswith(b"mx.test")
    finally:
        server.stop()


def test_busy_port_is_one_line_and_exit_2():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run(
            "--smtp", str(port), env={f"MAILTRAP_{n.upper()}": "0" for n in service_names()}
        )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(rf"127\.0\.0\.1:{port} is already in use.*--smtp or MAILTRAP_SMTP", lines[0])


@pytest.mark.parametrize(
    ("args", "env", "needle"),
    [
        (["--no-such-flag"], {}, "unrecognized arguments: --no-such-flag"),
        (["--smtp", "nonsense"], {}, "--smtp / MAILTRAP_SMTP: bad address"),
        ([], {"MAILTRAP_MAX_SIZE": "lots"}, "--max-size / MAILTRAP_MAX_SIZE"),
        (["--max-size", "0"], {}, "--max-size / MAILTRAP_MAX_SIZE: a message can be no smaller"),
        ([], {"MAILTRAP_DB_SYNC": "sometimes"}, "--db-sync / MAILTRAP_DB_SYNC: expected normal"),
        ([], {"MAILTRAP_TLS_SELF_SIGNED": "maybe"}, "MAILTRAP_TLS_SELF_SIGNED"),
        (["--tls-cert", "/nonexistent.pem"], {}, "--tls-cert and --tls-key go together"),
        (["--tls-cert", "/no.pem", "--tls-key", "/no.key"], {}, "no such file: /no.pem"),
        (["--spamassassin", "spamd"], {}, "--spamassassin / MAILTRAP_SPAMASSASSIN: bad address"),
        (["--spamassassin", "localhost:0"], {}, "expected HOST:PORT of a spamd"),
        ([], {"MAILTRAP_ALLOW_INTERNAL_HTTP_REQUESTS": "perhaps"}, "ALLOW_INTERNAL_HTTP_REQUESTS"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(args, env, needle):
    result = run(*args, env=env)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_help_lists_every_flag_with_its_default():
    result = run("--help")
    assert result.returncode == 0
    for flag in ("--smtp", "--listen", "--max-size", "--max-messages", "--tls-self-signed"):
        assert flag in result.stdout
    assert "MAILTRAP_" in result.stdout


def test_healthcheck_reports_up_and_down():
    server = Server("--tls-self-signed")
    try:
        ports = {f"MAILTRAP_{name.upper()}": str(server.port(name)) for name in server.addresses}
        result = run("healthcheck", "--tls-self-signed", env=ports)
        assert result.returncode == 0, result.stderr
    finally:
        server.stop()
    result = run("healthcheck", env=ports)
    assert result.returncode == 1
    assert "Connection refused" in result.stderr


def test_command_line_defaults_and_max_messages(monkeypatch):
    from mailtrap.cli import _build_parser, config_from_args

    def config(*args):
        return config_from_args(_build_parser("mailtrap", health=False).parse_args(list(args)))

    for name in service_names():
        monkeypatch.delenv(f"MAILTRAP_{name.upper()}", raising=False)
    monkeypatch.delenv("MAILTRAP_MAX_MESSAGES", raising=False)
    default = config()
    assert default.max_messages == 10_000  # pruned oldest first (tests/core/test_store.py)
    assert default.host == "127.0.0.1" and default.ports["smtp"] == 1025
    assert config("--max-messages", "0").max_messages is None  # 0: unlimited
    monkeypatch.setenv("MAILTRAP_MAX_MESSAGES", "5")
    assert config().max_messages == 5
    assert config("--max-messages", "7").max_messages == 7


def test_check_flags(monkeypatch):
    from mailtrap.cli import _build_parser, config_from_args

    def config(*args):
        return config_from_args(_build_parser("mailtrap", health=False).parse_args(list(args)))

    for name in ("SPAMASSASSIN", "ALLOW_INTERNAL_HTTP_REQUESTS"):
        monkeypatch.delenv(f"MAILTRAP_{name}", raising=False)
    default = config()
    assert default.spamassassin is None and default.allow_internal_http_requests is False
    assert config("--spamassassin", "spamd.local:783").spamassassin == "spamd.local:783"
    assert config("--spamassassin", "783").spamassassin == "127.0.0.1:783"
    assert config("--spamassassin", "[::1]:783").spamassassin == "[::1]:783"
    assert config("--allow-internal-http-requests").allow_internal_http_requests is True
    monkeypatch.setenv("MAILTRAP_ALLOW_INTERNAL_HTTP_REQUESTS", "true")
    monkeypatch.setenv("MAILTRAP_SPAMASSASSIN", "127.0.0.1:7830")
    assert config().allow_internal_http_requests is True
    assert config().spamassassin == "127.0.0.1:7830"


# -- --rules FILE: fault-injection rules from the start ------------------------------------------

RULES = [
    {"Stage": "rcpt", "Code": 550, "Text": "Blocked here", "To": "*@blocked.example"},
    {"stage": "mail", "rate": {"Count": 1, "Seconds": 600}, "Sender": "bulk@*"},
]


@pytest.mark.parametrize("how", ["flag", "variable"])
def test_rules_from_a_file_are_in_force_from_the_start(tmp_path, how):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES))
    args, env = (
        (["--rules", str(path)], {}) if how == "flag" else ([], {"MAILTRAP_RULES": str(path)})
    )
    server = Server(*args, env=env)
    try:
        with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=5) as smtp:
            smtp.ehlo()
            smtp.mail("app@example.com")
            assert smtp.rcpt("ann@blocked.example") == (550, b"5.1.1 Blocked here")
            assert smtp.rcpt("bob@example.com")[0] == 250
            smtp.rset()
            assert smtp.mail("bulk@example.com")[0] == 250
            smtp.rset()
            assert smtp.mail("bulk@example.com")[0] == 451
        url = f"http://{server.addresses['http'].removeprefix('http://')}/api/v1/rules"
        with urllib.request.urlopen(url, timeout=5) as reply:
            listed = json.load(reply)
        assert [(r["Stage"], r["Fired"]) for r in listed] == [("rcpt", 1), ("mail", 1)]
    finally:
        server.stop()


def test_the_banner_says_rules_are_in_force(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps(RULES))
    server = Server("--rules", str(path))
    try:
        assert "(2 fault-injection rule(s) in force)" in server.header
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "cannot read {path}: No such file or directory"),
        ("[{", "{path} is not valid JSON"),
        ('[{"Stage": "rcpt", "Code": 250}]', "{path}: code must be at least 400"),
        ('[{"Stage": "rcpt"}, {"Stage": "helo"}]', "{path}: rule 2: stage must be one of"),
        ('{"Code": 550}', "{path}: Stage is required"),
    ],
)
def test_a_bad_rules_file_is_one_line_and_exit_2(tmp_path, content, needle):
    path = tmp_path / "rules.json"
    if content is not None:
        path.write_text(content)
    result = run(
        "--rules", str(path), "--smtp", "0", "--http", "0", "--pop3", "off", "--imap", "off"
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("mailtrap: error: --rules / MAILTRAP_RULES: ")
    assert needle.format(path=path) in lines[0]


def test_the_server_process_hands_the_gil_over_sooner_and_the_fixture_leaves_it():
    # The command line's process is only a server: a shorter switch interval lets the SMTP
    # committer take the GIL from the busy loop sooner. In-process, the tests' own is kept.
    probe = (
        "import runpy, sys, threading, time\n"
        "def say():\n"
        "    deadline = time.monotonic() + 10\n"
        "    while sys.getswitchinterval() == 0.005 and time.monotonic() < deadline:\n"
        "        time.sleep(0.01)\n"
        "    print('switch', sys.getswitchinterval(), flush=True)\n"
        "threading.Thread(target=say, daemon=True).start()\n"
        "sys.argv = ['mailtrap']\n"
        "runpy.run_module('mailtrap', run_name='__main__')\n"
    )
    everything_ephemeral = {f"MAILTRAP_{name.upper()}": "0" for name in service_names()}
    proc = subprocess.Popen(
        [sys.executable, "-c", probe],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **everything_ephemeral},
    )
    try:
        switch, up = None, False
        for line in iter(proc.stdout.readline, ""):  # the interval, and the banner's end
            switch = line if line.startswith("switch") else switch
            up = up or line.startswith("Ctrl-C")
            if switch and up:
                break
        assert switch is not None and float(switch.split()[1]) == SERVER_SWITCH_INTERVAL < 0.005
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
        proc.stdout.close()
        proc.stderr.close()
    before = sys.getswitchinterval()
    with MailTrap() as trap:
        assert trap.smtp_port and sys.getswitchinterval() == before
