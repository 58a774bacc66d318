"""Info, health, the OpenAPI document, JSON errors everywhere, viewer files and their headers."""

from __future__ import annotations

import asyncio
import re
import socket
import threading

import pytest

from mailtrap.api import ASYNC_ROUTES, HttpServer
from mailtrap.config import SERVICES, Listen
from mailtrap.healthcheck import check_service
from mailtrap.store import MemoryStore


def test_info(api, deliver, build):
    deliver(build())
    info = api.ok_json("/api/v1/info")
    assert info["Messages"] == 1 and info["Unread"] == 1
    assert info["Version"] and info["Tags"] == {}
    stats = info["RuntimeStats"]
    assert stats["SMTPAccepted"] >= 1 and stats["Uptime"] >= 0 and stats["Waiting"] == 0


def test_health_probes(api, mailtrap):
    assert (api.get("/livez").status, api.get("/livez").text) == (200, "ok")
    assert api.get("/readyz").status == 200
    [http] = [s for s in SERVICES if s.name == "http"]
    assert check_service(http, Listen("127.0.0.1", mailtrap.port("http"))) is None


def test_health_check_reports_a_dead_port():
    [http] = [s for s in SERVICES if s.name == "http"]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    problem = check_service(http, Listen("127.0.0.1", port), timeout=1)
    assert problem and problem.startswith("http at")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/message/latest/html-check",  # Mailpit's HTML check is not offered
        "/no/such/thing",
    ],
)
def test_routes_we_do_not_offer_are_json_404(api, path):
    reply = api.get(path)
    assert reply.status == 404
    assert reply.json() == {"Error": "Not Found"}


def test_release_and_wrong_methods_are_json_errors(api):
    release = api.request("POST", "/api/v1/message/abc/release", body={"To": ["x@example.com"]})
    assert release.status in (404, 405) and release.json()["Error"]
    wrong = api.request("PATCH", "/api/v1/messages")
    assert wrong.status == 405 and wrong.json()["Error"] and "GET" in wrong.headers["Allow"]
    assert api.request("POST", "/api/v1/wait").status == 405


def test_websocket_path_over_plain_http_is_426(api):
    reply = api.get("/api/events")
    assert reply.status == 426 and "websocket" in reply.json()["Error"]


def test_every_answer_has_nosniff(api):
    for path in ("/api/v1/messages", "/livez", "/nothing", "/api/v1/wait?timeout=0"):
        assert api.get(path).headers["X-Content-Type-Options"] == "nosniff", path


def _registered_routes(trap) -> set[tuple[str, str]]:
    server = trap._runtime.runtime.server("http")
    assert isinstance(server, HttpServer)
    app = server.bridge.app
    routes = set(ASYNC_ROUTES)
    for rule in app.url_map.iter_rules():
        path = re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule.rule)
        routes.update((method, path) for method in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def test_openapi_documents_exactly_the_registered_routes(api, mailtrap):
    document = api.ok_json("/api/v1/openapi.json")
    assert document["openapi"].startswith("3.")
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }
    assert documented == _registered_routes(mailtrap)
    refs = re.findall(r'"#/components/schemas/(\w+)"', api.get("/api/v1/openapi.json").text)
    assert set(refs) <= set(document["components"]["schemas"])


class _ServerThread:
    """An HttpServer on its own loop and thread, for an assets folder of the test's own."""

    def __init__(self, assets) -> None:
        self.loop = asyncio.new_event_loop()
        self.server = HttpServer(MemoryStore(), assets=assets, max_size=1 << 20, version="test")
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.http_url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.server.start(self.sock), self.loop).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.server.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()
        self.sock.close()


@pytest.fixture
def viewer(tmp_path, api_for):
    (tmp_path / "index.html").write_text("<!doctype html><title>viewer</title>")
    (tmp_path / "app.js").write_text("console.log('hi')")
    (tmp_path / "notes.py").write_text("SECRET = 1")
    running = _ServerThread(tmp_path)
    yield api_for(running)
    running.close()


def test_viewer_files_are_served_with_a_strict_csp(viewer):
    index = viewer.get("/")
    assert index.status == 200 and b"<title>viewer</title>" in index.body
    csp = index.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    script = viewer.get("/app.js")
    assert script.headers["Content-Type"].startswith("text/javascript")
    assert script.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("path", ["/notes.py", "/..%2Fnotes.py", "/missing.js", "/.hidden.js"])
def test_viewer_serves_nothing_else(viewer, path):
    reply = viewer.get(path)
    assert reply.status == 404 and reply.json()["Error"]


def test_without_a_viewer_the_root_is_json_404(tmp_path, api_for):
    running = _ServerThread(tmp_path)
    try:
        reply = api_for(running).get("/")
        assert reply.status == 404 and reply.json()["Error"]
    finally:
        running.close()
