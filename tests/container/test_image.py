"""The container image: built from the Dockerfile and run with rootful podman, for real.

build-image.sh builds the image (from a locally made base: no registry is reachable here). The
containers publish their ports on loopback only, and the checks talk to them with the standard
library's clients. Mail is read back over every protocol the project serves at the time the
test runs (HTTP, POP3, IMAP: whichever are in mailtrap.config.SERVICES). Every container and the
built image are removed at the end, pass or fail; the base image and the build cache stay.
"""

from __future__ import annotations

import json
import os
import smtplib
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from container_readback import READ_BACK, get_json, mail, send

from mailtrap.config import SERVICE_NAMES

HERE = Path(__file__).resolve().parent
ENV = {
    **os.environ,
    "CONTAINERS_CONF": os.environ.get("CONTAINERS_CONF") or str(HERE / "containers.conf"),
}
#: Container ports of the image's servers (the Dockerfile EXPOSEs all four).
PORTS = {"smtp": 1025, "http": 8025, "pop3": 1110, "imap": 1143}
#: The protocols that can read caught mail back, among those the project serves today.
READERS = [name for name in ("http", "pop3", "imap") if name in SERVICE_NAMES]
#: A cold build (base image from Debian packages, dependencies from PyPI) takes a few minutes.
BUILD_TIMEOUT = 780

# The suite's 60 s default cannot cover building the image; the module builds it once.
pytestmark = pytest.mark.timeout(BUILD_TIMEOUT + 120)


def podman(*args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
    result = subprocess.run(
        ["podman", *args], check=False, env=ENV, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        pytest.fail(f"podman {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


class Container:
    """One running container, reached through its loopback-published ports."""

    def __init__(self, name: str) -> None:
        self.name = name

    def port(self, container_port: int) -> int:
        """The host port that ``container_port`` is published on (an ephemeral one)."""
        published = podman("port", self.name, f"{container_port}/tcp").stdout.split()
        host, _, port = published[0].rpartition(":")
        assert host == "127.0.0.1", f"published beyond loopback: {published}"
        return int(port)

    def exec(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return podman("exec", self.name, *args, check=check)

    def inspect(self) -> dict:
        return json.loads(podman("container", "inspect", self.name).stdout)[0]

    def logs(self) -> str:
        result = podman("logs", self.name, check=False)
        return result.stdout + result.stderr

    def wait_healthy(self, timeout: float = 30) -> None:
        """Run the image's HEALTHCHECK until it passes (no systemd here to schedule it)."""
        deadline = time.monotonic() + timeout
        while True:
            result = podman("healthcheck", "run", self.name, check=False)
            if result.returncode == 0:
                return
            if time.monotonic() > deadline:
                pytest.fail(
                    f"{self.name} never became healthy: {result.stdout}{result.stderr}\n"
                    f"container log:\n{self.logs()}"
                )
            time.sleep(0.25)


class Podman:
    """The image built for this module and the containers started from it; cleans up after."""

    def __init__(self) -> None:
        self.image: str | None = None
        self.build_error: str | None = None
        self.containers: list[Container] = []
        self.shared: Container | None = None

    def build(self) -> str:
        if self.build_error is not None:
            pytest.fail(self.build_error)
        if self.image is None:
            tag = f"localhost/mailtrap-test:{uuid.uuid4().hex[:12]}"
            started = time.monotonic()
            result = subprocess.run(
                ["bash", str(HERE / "build-image.sh"), tag],
                check=False,
                env=ENV,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
            )
            if result.returncode != 0:
                self.build_error = f"building the image failed:\n{result.stderr[-6000:]}"
                podman("rmi", "--force", tag, check=False)
                pytest.fail(self.build_error)
            self.image = tag
            print(f"image {tag} built in {time.monotonic() - started:.1f} s")
        return self.image

    def run(
        self,
        *args: str,
        publish: tuple[int, ...] = (),
        env: dict | None = None,
        mounts: dict | None = None,
        volumes: dict | None = None,
    ) -> Container:
        """Start the image detached; ``args`` go to mailtrap (the image's entrypoint);
        ``mounts`` maps host files to read-only paths in the container, ``volumes`` named
        volumes to writable ones."""
        container = Container(f"mailtrap-test-{uuid.uuid4().hex[:12]}")
        self.containers.append(container)
        options = [f"--publish=127.0.0.1::{port}" for port in publish]
        options += [f"--env={name}={value}" for name, value in (env or {}).items()]
        options += [f"--volume={host}:{inside}:ro" for host, inside in (mounts or {}).items()]
        options += [f"--volume={name}:{inside}" for name, inside in (volumes or {}).items()]
        podman("run", "--detach", f"--name={container.name}", *options, self.build(), *args)
        return container

    def cleanup(self) -> None:
        for container in self.containers:
            podman("rm", "--force", "--volumes", "--time=0", container.name, check=False)
        if self.image is not None:
            podman("rmi", "--force", self.image, check=False)


@pytest.fixture(scope="module")
def images():
    state = Podman()
    yield state
    state.cleanup()


@pytest.fixture
def built(need_tool, images) -> Podman:
    need_tool("podman")
    need_tool("runc")
    need_tool("mmdebstrap")
    if os.geteuid() != 0:
        why = "the container test needs rootful podman and mmdebstrap: run it as root"
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail(why)
        pytest.skip(why)
    images.build()
    return images


@pytest.fixture
def sink(built) -> Container:
    """One container with the image's defaults, shared by the module's tests, healthy."""
    if built.shared is None:
        built.shared = built.run(publish=tuple(PORTS.values()))
        built.shared.wait_healthy()
    return built.shared


def test_image_metadata(built):
    [image] = json.loads(podman("image", "inspect", built.build()).stdout)
    config = image["Config"]
    assert set(config["ExposedPorts"]) == {f"{port}/tcp" for port in PORTS.values()}
    # docker format keeps HEALTHCHECK (podman's default OCI format would silently drop it).
    assert image["Healthcheck"]["Test"] == ["CMD", "mailtrap", "healthcheck"]
    user = config["User"].split(":")[0]
    assert user.isdigit() and user != "0", "a numeric non-root user, as runAsNonRoot requires"
    assert "/data" in config["Volumes"]
    assert "MAILTRAP_LISTEN=0.0.0.0" in config["Env"]
    assert config["Entrypoint"] == ["mailtrap"]
    # Arguments after the image name go to mailtrap.
    version = podman("run", "--rm", built.build(), "--version").stdout
    assert version.startswith("mailtrap ")


def test_health_check_passes_and_can_fail(sink):
    assert sink.inspect()["State"]["Health"]["Status"] == "healthy"
    # The same command against a port nothing serves must fail, or "healthy" means nothing.
    result = sink.exec("mailtrap", "healthcheck", "--smtp", "1999", check=False)
    assert result.returncode == 1
    assert "smtp" in result.stderr


@pytest.mark.parametrize("reader", READERS)
def test_mail_sent_over_smtp_is_read_back(sink, reader):
    address = f"{reader}-{uuid.uuid4().hex[:8]}@example.com"
    subject = f"Welcome over {reader}"
    send(sink.port(PORTS["smtp"]), mail(address, subject))
    assert READ_BACK[reader](sink.port(PORTS[reader]), address) == [subject]


def test_sendmail_is_on_the_path(sink):
    """Apps and PHP's mail() run sendmail -t -i (PHP's default path is /usr/sbin/sendmail)."""
    address = f"sendmail-{uuid.uuid4().hex[:8]}@example.com"
    for command in ("sendmail", "/usr/sbin/sendmail"):
        raw = f"To: {address}\nSubject: Welcome via {command}\n\n.\nhello\n".encode()
        result = subprocess.run(
            ["podman", "exec", "-i", sink.name, command, "-t", "-i"],
            input=raw,
            env=ENV,
            capture_output=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
    assert READ_BACK["http"](sink.port(PORTS["http"]), address) == [  # newest first
        "Welcome via /usr/sbin/sendmail",
        "Welcome via sendmail",
    ]


def test_options_come_from_mailtrap_variables(built):
    # A port, the greeting name and the size limit as variables; the health check must read
    # the same variables, or it would probe port 1025 and never pass.
    container = built.run(
        publish=(2525,),
        env={
            "MAILTRAP_SMTP": "2525",
            "MAILTRAP_HOSTNAME": "sink.ci.test",
            "MAILTRAP_MAX_SIZE": "20000",
        },
    )
    container.wait_healthy()
    port = container.port(2525)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        code, greeting = smtp.ehlo()
        assert code == 250
        assert greeting.startswith(b"sink.ci.test")
        assert smtp.esmtp_features["size"] == "20000"
    send(port, mail("small@example.com", "fits"))
    with pytest.raises(smtplib.SMTPResponseException) as refused:
        send(port, mail("big@example.com", "too big", size=30_000))
    assert refused.value.smtp_code == 552


def test_runs_as_non_root_with_a_writable_data_directory(sink):
    status = sink.exec("cat", "/proc/1/status").stdout
    uids = next(line.split()[1:] for line in status.splitlines() if line.startswith("Uid:"))
    assert "0" not in uids, f"PID 1 runs with uids {uids}"
    probe = "import os; open('/data/probe', 'w').write('x'); print(os.stat('/data').st_uid)"
    owner = sink.exec("python", "-c", probe).stdout.strip()
    assert owner == uids[0]
    assert "/data" in [mount["Destination"] for mount in sink.inspect()["Mounts"]]


def test_image_has_no_build_tools(sink):
    found = sink.exec(
        "sh", "-c", 'for tool in gcc cc c++ make ld as; do command -v "$tool"; done; true'
    ).stdout
    assert found == ""
    installers = (
        "import importlib.util as u;"
        "print([m for m in ('pip', 'setuptools', 'wheel') if u.find_spec(m)])"
    )
    assert sink.exec("python", "-c", installers).stdout.strip() == "[]"
    megabytes = int(sink.exec("du", "-sm", "/opt/mailtrap").stdout.split()[0])
    assert megabytes < 60, f"the application's environment takes {megabytes} MB"


def test_stops_within_two_seconds(built):
    container = built.run(publish=(PORTS["smtp"],))
    container.wait_healthy()
    # A client holding a connection open, as an app under test might, must not delay the stop.
    with smtplib.SMTP("127.0.0.1", container.port(PORTS["smtp"]), timeout=10) as smtp:
        smtp.ehlo()
        started = time.monotonic()
        podman("stop", "--time=10", container.name)
        elapsed = time.monotonic() - started
        with pytest.raises((smtplib.SMTPServerDisconnected, OSError)):
            smtp.noop()
    assert elapsed < 2.0, f"podman stop took {elapsed:.2f} s"
    # Exit status 0: mailtrap handled SIGTERM itself; 137 would mean podman had to SIGKILL it.
    assert container.inspect()["State"]["ExitCode"] == 0


def test_rules_from_a_mounted_file(built, tmp_path):
    # The CI recipe: the rules file mounted read-only, named by MAILTRAP_RULES.
    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps([{"Stage": "rcpt", "Code": 550, "Text": "Nobody here", "To": "*@gone.example"}])
    )
    rules.chmod(0o644)
    container = built.run(
        publish=(PORTS["smtp"], PORTS["http"]),
        env={"MAILTRAP_RULES": "/etc/mailtrap/rules.json"},
        mounts={rules: "/etc/mailtrap/rules.json"},
    )
    container.wait_healthy()
    with smtplib.SMTP("127.0.0.1", container.port(PORTS["smtp"]), timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail("ci@example.com")
        assert smtp.rcpt("ann@gone.example") == (550, b"5.1.1 Nobody here")
    base = f"http://127.0.0.1:{container.port(PORTS['http'])}/api/v1"
    [refusal] = get_json(f"{base}/refused")["refused"]
    assert refusal["Recipients"] == ["ann@gone.example"]
    assert "1 fault-injection rule(s) in force" in container.logs()


def test_mail_survives_a_restart_with_its_database_on_a_volume(built):
    """The README's persistent set-up: a volume on /data and MAILTRAP_DB=/data/mailtrap.db."""
    volume = f"mailtrap-test-{uuid.uuid4().hex[:12]}"
    podman("volume", "create", volume)
    started: list[Container] = []
    try:
        options = {
            "publish": (PORTS["smtp"], PORTS["http"]),
            "env": {"MAILTRAP_DB": "/data/mailtrap.db"},
            "volumes": {volume: "/data"},
        }
        first = built.run(**options)
        started.append(first)
        first.wait_healthy()
        send(first.port(PORTS["smtp"]), mail("kept@example.com", "Kept across restarts"))
        podman("stop", "--time=10", first.name)
        podman("rm", first.name)
        second = built.run(**options)
        started.append(second)
        second.wait_healthy()
        listed = get_json(f"http://127.0.0.1:{second.port(PORTS['http'])}/api/v1/messages")
        assert [m["Subject"] for m in listed["messages"]] == ["Kept across restarts"]
        podman("stop", "--time=10", second.name)
    finally:
        for container in started:
            podman("rm", "--force", "--time=0", container.name, check=False)
        podman("volume", "rm", "--force", volume, check=False)
