"""What the HTTP isolation tests (tests/accounts/test_http_isolation*.py) share: the two
accounts, and requests made as one of them or as nobody."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

from websockets.sync.client import connect

ALICE, BOB = "alice@example.com", "bob@example.com"
USERS = {ALICE: "alice-pw", BOB: "bob-pw"}


def call(trap, path, who=None, method="GET", body=None, headers=None):
    request = urllib.request.Request(trap.http_url + path, method=method, headers=headers or {})
    if who is not None:
        token = base64.b64encode(f"{who[0]}:{who[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def alice_call(trap, path, **kwargs):
    return call(trap, path, (ALICE, "alice-pw"), **kwargs)


def ids(trap, subject):
    return [m.id for m in trap.messages(subject=subject)]


def listed(trap, path, who):
    status, _, body = call(trap, path, who)
    assert status == 200, body
    return json.loads(body)


def live_feed(trap, who=None):
    """A websocket client of the live feed, logged in as ``who`` (a login, password pair)."""
    headers = {}
    if who is not None:
        headers["Authorization"] = (
            "Basic " + base64.b64encode(f"{who[0]}:{who[1]}".encode()).decode()
        )
    url = trap.http_url.replace("http://", "ws://") + "/api/events"
    return connect(url, additional_headers=headers, open_timeout=5)


def frames_until(ws, until_subject, timeout=5):
    """The frames received up to the "new" frame of the message with this subject."""
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        frames.append(frame)
        if frame["Type"] == "new" and frame["Data"]["Subject"] == until_subject:
            return frames
