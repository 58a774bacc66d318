"""``--mailtrap-*`` options, ``mailtrap_*`` ini keys and ``MAILTRAP_*`` variables."""

from __future__ import annotations

import pytest
from mailtrap_pytest.options import OPTIONS, Settings, parse_bool, parse_ports


def expect_smtp_port(pytester: pytest.Pytester, port: int) -> None:
    pytester.makepyfile(
        f"""
        def test_port(mailtrap):
            assert mailtrap.smtp_port == {port}
        """
    )


def test_ini_key_fixes_a_port(pytester: pytest.Pytester, free_port):
    port = free_port()
    pytester.makeini(f"[pytest]\nmailtrap_ports = smtp={port}\n")
    expect_smtp_port(pytester, port)
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"mailtrap: ports smtp={port}"])  # in the header


def test_variable_beats_ini_and_flag_beats_variable(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, free_port
):
    ini_port, env_port, flag_port = free_port(), free_port(), free_port()
    pytester.makeini(f"[pytest]\nmailtrap_ports = smtp={ini_port}\n")
    monkeypatch.setenv("MAILTRAP_PORTS", f"smtp={env_port}")
    expect_smtp_port(pytester, env_port)
    pytester.runpytest().assert_outcomes(passed=1)
    expect_smtp_port(pytester, flag_port)
    pytester.runpytest(f"--mailtrap-ports=smtp={flag_port}").assert_outcomes(passed=1)


def test_fixed_ports_keep_what_mailtrap_config_turned_off():
    services = {"smtp": 1025, "smtps": 1465, "http": 8025}
    fixed = Settings(fixed_ports=True)
    assert fixed.port_options(services, off=set()) == {
        "smtp_port": 1025,
        "smtps_port": 1465,
        "http_port": 8025,
    }
    assert fixed.port_options(services, off={"http"}) == {"smtp_port": 1025, "smtps_port": 1465}
    both = Settings(fixed_ports=True, ports={"smtp": 2525, "http": 0})
    assert both.port_options(services, off=set()) == {
        "smtp_port": 2525,
        "smtps_port": 1465,
        "http_port": 0,
    }
    assert Settings().port_options(services, off=set()) == {}


def test_xdist_workers_shift_fixed_ports_by_their_number():
    services = {"smtp": 1025, "http": 8025}
    worker3 = Settings(fixed_ports=True, ports={"http": 0}, worker=3)
    assert worker3.port_options(services, off=set()) == {"smtp_port": 1028, "http_port": 0}


def test_ports_for_a_server_this_mailtrap_lacks_are_refused():
    with pytest.raises(ValueError, match="this mailtrap has no imap server"):
        Settings(ports={"imap": 1143}).port_options({"smtp": 1025}, off=set())


@pytest.mark.parametrize(
    ("text", "ports"),
    [
        ("smtp=2525", {"smtp": 2525}),
        ("smtp=2525,http=8080", {"smtp": 2525, "http": 8080}),
        (" SMTP=1 , imap=0 pop3=3", {"smtp": 1, "imap": 0, "pop3": 3}),
        ("", {}),
    ],
)
def test_parse_ports(text, ports):
    assert parse_ports(text) == ports


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("smtp", "expected SERVICE=PORT"),
        ("smtp=x", "expected SERVICE=PORT"),
        ("smtp=70000", "expected SERVICE=PORT"),
        ("ftp=21", "unknown server 'ftp'"),
    ],
)
def test_parse_ports_rejects(text, problem):
    with pytest.raises(ValueError, match=problem):
        parse_ports(text)


def test_parse_bool():
    assert [parse_bool(t) for t in ("1", "true", "Yes", "on")] == [True] * 4
    assert [parse_bool(t) for t in ("0", "false", "NO", "off", "")] == [False] * 5
    with pytest.raises(ValueError, match="expected true or false"):
        parse_bool("maybe")


def test_every_option_has_a_flag_an_ini_key_and_a_variable(pytester: pytest.Pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["mail sink fixtures (mailtrap):"])
    text = " ".join(result.stdout.str().split())
    for option in OPTIONS:
        assert option.flag in text
        assert option.env == "MAILTRAP_" + option.name.upper().replace("-", "_")
        assert f"[env {option.env}, ini {option.ini}]" in text
        assert f"{option.ini} (" in text  # listed among the ini keys


def test_bad_variable_is_a_usage_error(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.setenv("MAILTRAP_PORTS", "smtp=x")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: MAILTRAP_PORTS: expected SERVICE=PORT, got 'smtp=x'"])
    monkeypatch.setenv("MAILTRAP_PRINT_URL", "maybe")
    monkeypatch.delenv("MAILTRAP_PORTS")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: MAILTRAP_PRINT_URL: expected true or false, got 'maybe'"])


def test_bad_flag_and_bad_ini_name_themselves(pytester: pytest.Pytester):
    result = pytester.runpytest("--mailtrap-ports=ftp=21")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: --mailtrap-ports: unknown server 'ftp'; use one of *"])
    pytester.makeini("[pytest]\nmailtrap_ports = smtp\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["ERROR: ini mailtrap_ports: expected SERVICE=PORT, got 'smtp'"])


def test_print_url_prints_where_the_server_listens(pytester: pytest.Pytester, monkeypatch):
    pytester.makepyfile(
        """
        def test_one(mailtrap):
            print("PORT", mailtrap.smtp_port)
        def test_two(mailtrap):
            pass
        """
    )
    monkeypatch.setenv("MAILTRAP_PRINT_URL", "yes")
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=2)
    port = next(line.split()[1] for line in result.outlines if line.startswith("PORT "))
    result.stdout.fnmatch_lines(["mailtrap: print url", f"mailtrap: smtp 127.0.0.1:{port}*"])
    assert result.stdout.str().count("mailtrap: smtp ") == 1  # once per session
    monkeypatch.setenv("MAILTRAP_PRINT_URL", "0")
    assert "mailtrap: smtp " not in pytester.runpytest().stdout.str()


def test_print_url_names_the_web_viewer_exactly_when_http_runs(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        def test_one(mailtrap):
            try:
                url = mailtrap.http_url
            except (AttributeError, KeyError):  # no HTTP server (yet) in this mailtrap
                url = None
            print("URL", url)
        """
    )
    result = pytester.runpytest("-s", "--mailtrap-print-url")
    result.assert_outcomes(passed=1)
    url = next(line.split()[1] for line in result.outlines if line.startswith("URL "))
    [line] = [line for line in result.outlines if line.startswith("mailtrap: smtp ")]
    if url == "None":
        assert "web viewer" not in line
    else:
        assert url.startswith("http://127.0.0.1:")
        assert line.endswith(f", web viewer {url}")
