"""The README's "Run as a CI service" snippets parse and agree with the Dockerfile and the CLI.

Each YAML snippet must parse; its mailtrap service may only map ports the image EXPOSEs and set
MAILTRAP_* variables the command line knows; the app must be pointed at the SMTP port, and the
step that reads mail back must call the long-poll on the published HTTP port.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from mailtrap.cli import env_name

ROOT = Path(__file__).resolve().parents[2]
SMTP, HTTP = 1025, 8025


def section(title: str) -> str:
    readme = (ROOT / "README.md").read_text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", readme, re.M | re.S)
    assert match, f"README has no section {title!r}"
    return match.group(1)


def yaml_snippets() -> dict[str, dict]:
    """The section's YAML blocks, by kind: GitHub Actions, GitLab CI, compose."""
    snippets = {}
    for block in re.findall(r"^```yaml\n(.*?)^```", section("Run as a CI service"), re.M | re.S):
        document = yaml.safe_load(block)
        if "jobs" in document:
            kind = "github"
        elif isinstance(document.get("services"), dict):
            kind = "compose"
        else:
            kind = "gitlab"
        assert kind not in snippets, f"two {kind} snippets"
        snippets[kind] = document
    assert set(snippets) == {"github", "gitlab", "compose"}
    return snippets


@pytest.fixture(scope="module")
def snippets() -> dict[str, dict]:
    return yaml_snippets()


def exposed_ports() -> set[int]:
    dockerfile = (ROOT / "Dockerfile").read_text()
    return {
        int(port)
        for line in re.findall(r"^EXPOSE (.+)$", dockerfile, re.M)
        for port in line.split()
    }


def known_variables() -> set[str]:
    help_text = subprocess.run(
        [sys.executable, "-m", "mailtrap", "--help"],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    flags = set(re.findall(r"(--[a-z][a-z0-9-]*)", help_text)) - {"--help", "--version"}
    assert "--smtp" in flags and "--max-size" in flags, help_text
    return {env_name(flag) for flag in flags}


def port_pairs(entries: list) -> list[tuple[int, int]]:
    """``HOST_PORT:CONTAINER_PORT`` entries, with or without a host address, as ints."""
    pairs = []
    for entry in entries:
        *_, host, container = str(entry).split(":")
        pairs.append((int(host), int(container)))
    return pairs


def check_variables(variables: dict) -> None:
    known = known_variables()
    ours = {name for name in variables if name.startswith("MAILTRAP_")}
    assert ours, "the snippet shows no MAILTRAP_* variable"
    assert ours <= known, f"unknown variables: {sorted(ours - known)}"
    assert all(isinstance(value, str) for value in variables.values()), "quote every value"


def wait_urls(commands: str) -> list[str]:
    urls = re.findall(r"http://[^\s/]+/api/v1/wait", commands)
    assert urls, "no step waits for mail with GET /api/v1/wait"
    assert "--data-urlencode 'timeout=" in commands
    return urls


def test_dockerfile_keeps_the_registry_default_base():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "ARG BASE=python:3.12-slim\n" in dockerfile
    assert re.findall(r"^FROM (\S+)", dockerfile, re.M) == ["${BASE}", "${BASE}"]
    assert exposed_ports() == {SMTP, HTTP, 1110, 1143}
    assert re.search(r'^HEALTHCHECK .*\n?.*CMD \["mailtrap", "healthcheck"\]', dockerfile, re.M)


def test_github_actions_service(snippets):
    job = snippets["github"]["jobs"]["test"]
    service = job["services"]["mailtrap"]
    pairs = port_pairs(service["ports"])
    assert {container for _, container in pairs} <= exposed_ports()
    published = {host for host, _ in pairs}
    check_variables(service["env"])
    assert job["env"]["SMTP_HOST"] == "localhost"
    assert int(job["env"]["SMTP_PORT"]) in published
    steps = "\n".join(step.get("run", "") for step in job["steps"])
    assert wait_urls(steps) == [f"http://localhost:{HTTP}/api/v1/wait"]
    assert HTTP in published


def test_gitlab_ci_service(snippets):
    job = snippets["gitlab"]["test"]
    [service] = job["services"]
    variables = service["variables"]
    check_variables(variables)
    assert int(variables["HEALTHCHECK_TCP_PORT"]) == SMTP
    alias = service["alias"]
    assert job["variables"]["SMTP_HOST"] == alias
    assert int(job["variables"]["SMTP_PORT"]) == SMTP
    assert wait_urls("\n".join(job["script"])) == [f"http://{alias}:{HTTP}/api/v1/wait"]


def test_compose_service_matches_the_image(snippets):
    services = snippets["compose"]["services"]
    mailtrap, app = services["mailtrap"], services["app"]
    pairs = port_pairs(mailtrap["ports"])
    # The compose file publishes every port the image serves, each on loopback, unchanged.
    assert sorted(container for _, container in pairs) == sorted(exposed_ports())
    assert all(host == container for host, container in pairs)
    assert all(str(entry).startswith("127.0.0.1:") for entry in mailtrap["ports"])
    check_variables(mailtrap["environment"])
    assert app["environment"]["SMTP_HOST"] == "mailtrap"
    assert int(app["environment"]["SMTP_PORT"]) == SMTP
    # service_healthy only works because the image has a HEALTHCHECK.
    assert app["depends_on"]["mailtrap"]["condition"] == "service_healthy"


def test_compose_commands_wait_on_the_published_port():
    commands = re.findall(r"^```sh\n(.*?)^```", section("Run as a CI service"), re.M | re.S)
    compose_run = next((c for c in commands if "docker compose up" in c), None)
    assert compose_run is not None, "no shell block starts the compose file"
    assert wait_urls(compose_run) == [f"http://localhost:{HTTP}/api/v1/wait"]


@pytest.mark.parametrize("kind", ["github", "gitlab", "compose"])
def test_snippets_name_the_same_image(snippets, kind):
    document = snippets[kind]
    if kind == "github":
        image = document["jobs"]["test"]["services"]["mailtrap"]["image"]
    elif kind == "gitlab":
        image = document["test"]["services"][0]["name"]
    else:
        image = document["services"]["mailtrap"]["image"]
    assert image == "registry.example.com/mailtrap-sink:latest"
