"""HTTP plumbing: the uvicorn interface we use, within the version bounds the tests cover."""

from __future__ import annotations

import inspect
from importlib.metadata import requires, version

import uvicorn
from packaging.requirements import Requirement


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
    server = uvicorn.Server(config)
    assert server.started is False and server.should_exit is False
