"""``mailtrap healthcheck``: is every configured server answering? HTTP's ``/readyz`` must
answer 200; SMTP, POP3 and IMAP (plain or implicit TLS) must greet as they should. For the
container's HEALTHCHECK and for scripts: one line per problem, exit status 1 when any.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import socket
import sys

from .config import SERVICES, Config, Listen, Service

#: What a healthy server says first, by service (implicit-TLS ones are probed in TLS).
_GREETINGS = {
    "smtp": b"220",
    "smtps": b"220",
    "pop3": b"+OK",
    "pop3s": b"+OK",
    "imap": b"* OK",
    "imaps": b"* OK",
}


def _probe_host(listen: Listen) -> str:
    return {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(listen.host, listen.host)


def check_http(listen: Listen, timeout: float = 3.0) -> str | None:
    """Probe the HTTP server: ``GET /readyz`` must answer 200."""
    import http.client

    host = _probe_host(listen)
    connection = http.client.HTTPConnection(host, listen.port, timeout=timeout)
    try:
        connection.request("GET", "/readyz")
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as error:
        return f"http at {listen}: {error}"
    finally:
        connection.close()
    return None if status == 200 else f"http at {listen}: /readyz answered {status}"


def check_service(service: Service, listen: Listen, timeout: float = 3.0) -> str | None:
    """Probe one server; None when healthy, else what went wrong."""
    import ssl

    if service.name == "http":
        return check_http(listen, timeout)
    greeting = _GREETINGS.get(service.name)
    if greeting is None:
        return None
    try:
        with socket.create_connection((_probe_host(listen), listen.port), timeout) as sock:
            if service.implicit_tls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                with context.wrap_socket(sock) as tls:
                    first = tls.recv(512)
            else:
                first = sock.recv(512)
    except OSError as error:
        return f"{service.name} at {listen}: {error}"
    if not first.startswith(greeting):
        return f"{service.name} at {listen}: unexpected greeting {first[:60]!r}"
    return None


def healthcheck(config: Config) -> int:
    problems = [
        problem
        for service in SERVICES
        if (listen := config.listen(service)) is not None
        and (problem := check_service(service, listen)) is not None
    ]
    for problem in problems:
        print(f"mailtrap healthcheck: {problem}", file=sys.stderr)
    return 1 if problems else 0
