"""The wait long-poll: success, timeout, since, many waiters, and clients that hang up."""

from __future__ import annotations

import asyncio
import http.client
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from polling import until

from mailtrap.api import search
from mailtrap.api.wait import WaitHub
from mailtrap.store import MemoryStore
from mailtrap.store.query import Filter


def _waiting(api) -> int:
    return api.ok_json("/api/v1/info")["RuntimeStats"]["Waiting"]


def test_an_existing_match_answers_at_once(api, deliver, build):
    deliver(build(subject="first match"))
    deliver(build(subject="second match"))
    message = api.ok_json("/api/v1/wait", query="subject:match", timeout=5)
    assert message["Subject"] == "first match"
    assert message["Read"] is False  # waiting does not mark read
    assert message["Text"].startswith("Hello there")


def test_waits_for_a_message_delivered_later(api, smtp, build):
    def later():
        until(lambda: _waiting(api) == 1)
        smtp("app@example.com", ["carol@example.com"], build(subject="Welcome Carol"))

    sender = threading.Thread(target=later)
    sender.start()
    message = api.ok_json("/api/v1/wait", query="subject:welcome", mailbox="carol@example.com")
    sender.join()
    assert message["Subject"] == "Welcome Carol"
    assert _waiting(api) == 0


def test_since_a_message_id_skips_earlier_ones(api, deliver, build):
    old = deliver(build(subject="same subject"))
    threading.Timer(0.2, lambda: deliver(build(subject="same subject"))).start()
    message = api.ok_json("/api/v1/wait", query="subject:same", since=old.id, timeout=5)
    assert message["ID"] != old.id


def test_since_a_time(api, deliver, build):
    deliver(build(subject="before"))
    reply = api.get("/api/v1/wait", since="2999-01-01T00:00:00Z", timeout=0.2)
    assert reply.status == 408
    assert api.ok_json("/api/v1/wait", since="2000-01-01T00:00:00Z")["Subject"] == "before"


def test_timeout_is_408_json(api, deliver, build):
    deliver(build(subject="other"))
    reply = api.get("/api/v1/wait", query="subject:never", timeout=0.3)
    assert reply.status == 408
    assert "subject:never" in reply.json()["Error"]
    assert _waiting(api) == 0


def test_free_text_and_attachment_queries_wait_too(api, deliver, build):
    raw = build(text="the code is 424242", attachments=[("a.txt", "text/plain", b"x")])
    threading.Timer(0.2, lambda: deliver(raw)).start()
    message = api.ok_json("/api/v1/wait", query="424242 has:attachment", timeout=5)
    assert "424242" in message["Text"]


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"timeout": "soon"}, 400),
        ({"timeout": "-1"}, 400),
        ({"timeout": "301"}, 400),
        ({"query": "is:maybe"}, 400),
        ({"since": "2024-13-45T00:00:00Z"}, 400),
        ({"since": "0123456789abcdef"}, 404),
    ],
)
def test_bad_input(api, params, status):
    reply = api.get("/api/v1/wait", **params)
    assert reply.status == status and reply.json()["Error"]


def test_fifty_waiters_and_the_list_stays_fast(api, mailtrap, deliver, build):
    def wait(number: int):
        return api.get("/api/v1/wait", query=f"subject:number-{number}", timeout=20)

    with ThreadPoolExecutor(50) as pool:
        replies = [pool.submit(wait, n) for n in range(50)]
        assert until(lambda: _waiting(api) == 50, timeout=10)
        for _ in range(20):
            assert api.get("/api/v1/messages").status == 200
        # Served while all 50 still wait: waiting holds no worker thread (bench/ times it).
        assert not any(reply.done() for reply in replies)
        for number in range(50):
            deliver(build(subject=f"number-{number}"))
        subjects = sorted(r.result(timeout=20).json()["Subject"] for r in replies)
    assert subjects == sorted(f"number-{n}" for n in range(50))


def test_a_client_that_hangs_up_loses_its_waiter(api, mailtrap):
    connection = http.client.HTTPConnection("127.0.0.1", mailtrap.port("http"), timeout=5)
    connection.request("GET", "/api/v1/wait?" + urlencode({"query": "never", "timeout": 60}))
    assert until(lambda: _waiting(api) == 1)
    connection.close()
    assert until(lambda: _waiting(api) == 0, timeout=1.0)


def test_stopping_the_server_answers_waiters(mailtrap_factory, api_for):
    trap = mailtrap_factory()
    api = api_for(trap)
    with ThreadPoolExecutor(1) as pool:
        pending = pool.submit(api.get, "/api/v1/wait", query="never", timeout=60)
        assert until(lambda: _waiting(api) == 1)
        trap.stop()
        reply = pending.result(timeout=5)
    assert reply.status == 503 and reply.json()["Error"]


def test_a_flood_of_new_waiters_leaves_the_loop_two_thirds():
    # Each new waiter's query over stored mail runs in the hub's scanner thread; one right after
    # another first rests twice as long as the last took (issue 17, finding 9).
    store = MemoryStore()
    for n in range(20_000):
        store.deliver("a@example.com", ["bulk@example.com"], b"Subject: %d\r\n\r\nx" % n)
    question = Filter(search.parse("subject:absent").terms, None, 0)

    async def two_scans() -> list[float]:
        hub, loop = WaitHub(store), asyncio.get_running_loop()

        def timed() -> float:
            started = time.monotonic()
            assert hub._scan(question).total == 0
            return time.monotonic() - started

        try:
            return [await loop.run_in_executor(hub._scanner, timed) for _ in range(2)]
        finally:
            hub.close()

    try:
        alone, next_one = asyncio.run(two_scans())
    finally:
        store.close()
    assert next_one >= 1.5 * alone, (alone, next_one)
