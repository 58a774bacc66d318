"""HTTP plumbing: the route table, the one JSON error writer, and the uvicorn interface we use."""

from __future__ import annotations

import inspect
import json
import smtplib
import socket
import time
from importlib.metadata import requires, version

import uvicorn
from packaging.requirements import Requirement

from mailtrap.api import asgi
from mailtrap.api.routes import ROUTES


def test_the_table_lists_each_route_once_with_one_answerer():
    keys = [(route.method, route.path) for route in ROUTES]
    assert len(keys) == len(set(keys))
    for route in ROUTES:
        assert (route.view is None) != (route.handler is None), route
        assert route.operation["summary"] and route.operation["responses"], route
        assert not route.websocket or route.handler, route


def test_every_route_in_the_table_is_answered(mailtrap_factory, api_for, build):
    """No route of the table falls through to the catch-all 404 or 405."""
    with socket.socket() as closed:  # a spamd address, so sa-check is on (its spamd is down)
        closed.bind(("127.0.0.1", 0))
        spamd = f"127.0.0.1:{closed.getsockname()[1]}"
    trap = mailtrap_factory(spamassassin=spamd)
    api = api_for(trap)
    raw = build(
        subject="every route", html="<p>hi</p>", attachments=[("a.txt", "text/plain", b"hi")]
    )
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=30) as smtp:  # so it has a transcript
        smtp.sendmail("app@example.com", ["alice@example.com"], raw)
    [message] = trap.wait_for(subject="every route")
    assert api.request("POST", "/api/v2/jim", body={"AcceptChance": 1.0}).status == 201
    [attachment] = api.ok_json(f"/api/v1/message/{message.id}")["Attachments"]
    values = {"ID": message.id, "PartID": attachment["PartID"], "name": "index.html"}
    for route in ROUTES:
        if route.websocket or route.method != "GET":
            continue
        path = route.path.format(**values)
        reply = api.request("GET", path, {"timeout": 0, "query": "subject:"})
        assert reply.status not in (404, 405), (route.path, reply.status, reply.body[:200])


def _assert_json_error(reply, status: int) -> str:
    assert reply.status == status, (reply.status, reply.body)
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Referrer-Policy"] == "no-referrer"
    assert int(reply.headers["Content-Length"]) == len(reply.body)
    body = reply.json()
    assert list(body) == ["Error"] and isinstance(body["Error"], str) and body["Error"]
    return body["Error"]


def test_every_kind_of_error_is_written_alike(api, mailtrap_factory, api_for):
    # Flask: a route's ApiError, werkzeug's 404 and 405
    assert "not found" in _assert_json_error(api.get("/api/v1/message/nope"), 404)
    assert _assert_json_error(api.get("/no/such/thing"), 404) == "Not Found"
    wrong = api.request("PATCH", "/api/v1/messages")
    _assert_json_error(wrong, 405)
    assert "GET" in wrong.headers["Allow"]
    # the router: a method the table does not list for an async route, a websocket over HTTP
    post = api.request("POST", "/api/v1/wait")
    _assert_json_error(post, 405)
    assert post.headers["Allow"] == "GET, HEAD"
    assert "websocket" in _assert_json_error(api.get("/api/events"), 426)
    # the long-poll: bad input and a timeout
    assert "timeout" in _assert_json_error(api.get("/api/v1/wait", timeout="soon"), 400)
    timed_out = api.get("/api/v1/wait", query="subject:never", timeout=0)
    assert "never" in _assert_json_error(timed_out, 408)
    assert timed_out.headers["Cache-Control"] == "no-store"
    # the WSGI bridge: a body over the limit, refused before it is read
    small = api_for(mailtrap_factory(max_size=1024))
    huge = small.request("POST", "/api/v1/send", raw=b"x" * (2 * 1024 * 1024))
    assert "request body over" in _assert_json_error(huge, 413)


def test_head_is_answered_like_get_on_async_routes(api):
    reply = api.request("HEAD", "/api/v1/wait", {"timeout": 0})
    assert reply.status == 408 and reply.body == b""
    assert reply.headers["Content-Type"] == "application/json"


def test_uvicorn_is_within_the_bounds_the_tests_cover():
    [wanted] = [
        Requirement(line) for line in requires("mailtrap-sink") or [] if line.startswith("uvicorn")
    ]
    assert wanted.specifier, "pyproject.toml must bound uvicorn"
    assert version("uvicorn") in wanted.specifier


def test_the_uvicorn_interface_we_drive_is_there():
    """What api/asgi.py uses of uvicorn beyond documented settings: fails if uvicorn changes it."""
    assert "sockets" in inspect.signature(uvicorn.Server.serve).parameters
    config = uvicorn.Config(
        lambda scope, receive, send: None,
        http="h11",
        ws="websockets-sansio",
        lifespan="off",
        interface="asgi3",
        log_config=None,
        timeout_graceful_shutdown=1,
    )
    # asgi.py loads the config in a worker thread (front-ends built on first use); serve() then
    # leaves a loaded config alone.
    config.load()
    assert config.loaded and "if not config.loaded" in inspect.getsource(uvicorn.Server._serve)
    server = uvicorn.Server(config)
    assert server.started is False and server.should_exit is False


def test_a_request_cut_by_stop_still_gets_a_json_answer(mailtrap_factory):
    """A request still being read when stop's grace period ends is answered 503 in JSON."""
    trap = mailtrap_factory()
    with socket.create_connection(("127.0.0.1", trap.port("http")), timeout=10) as sock:
        sock.sendall(
            b"POST /api/v1/send HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n"
        )
        # uvicorn answers 100 Continue once the handler asks for the body: it is in flight.
        assert sock.recv(64).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
        sock.sendall(b'{"From": ')
        started = time.monotonic()
        trap.stop()
        assert time.monotonic() - started < asgi.GRACE + 2
        reply = b""
        while chunk := sock.recv(4096):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 503 ")
    assert b"content-type: application/json" in head.lower()
    assert json.loads(body) == {"Error": "the server is stopping"}


def test_a_chunked_request_body_reaches_the_route(api, mailtrap):
    """Node's http client sends JSON bodies chunked (no Content-Length): the route sees it all."""
    import http.client

    connection = http.client.HTTPConnection(mailtrap.smtp_host, mailtrap.port("http"), timeout=10)
    try:
        chunks = iter([b'{"From": {"Email": "a@example.com"}, ', b'"To": [{"Email": "b@x.org"}]}'])
        connection.request("POST", "/api/v1/send", body=chunks, encode_chunked=True)
        reply = connection.getresponse()
        assert reply.status == 200, reply.read()
        assert json.loads(reply.read())["ID"]
    finally:
        connection.close()
    assert mailtrap.wait_for(to="b@x.org")
