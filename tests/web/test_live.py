"""Live updates: mail sent over SMTP appears without a reload, deletions reach a second tab, and
a dropped websocket is shown and reconnected with back-off."""

from __future__ import annotations

import itertools
import json
import re
import time
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"


def test_new_mail_appears_without_reload(mailtrap, page, viewer, send_mail):
    viewer(page, mailtrap)
    expect(page.locator("#list-empty")).to_be_visible()
    page.evaluate("window.sameDocument = true")

    send_mail(
        mailtrap,
        to=["alice@example.com"],
        sender="Shop <shop@example.com>",
        subject="Your receipt",
        text="Thanks for your order, it ships tomorrow.",
        attachments=[("receipt.pdf", b"%PDF-1.4 fake", "application/pdf")],
    )

    row = page.locator(ROWS)
    expect(row).to_have_count(1)
    expect(row.locator(".subject")).to_have_text("Your receipt")
    expect(row.locator(".from")).to_have_text("Shop")
    expect(row.locator(".recipients")).to_have_text("To alice@example.com")
    expect(row.locator(".snippet")).to_contain_text("Thanks for your order")
    expect(row.locator(".time")).not_to_be_empty()
    expect(row.locator(".attachment-marker")).to_be_visible()
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(page.locator("#list-count")).to_have_text("1 message")
    # the mailbox column learnt about the new recipient, with its unread count
    alice = page.locator("#mailbox-list a[data-mailbox='alice@example.com']")
    expect(alice.locator(".badge")).to_have_text("1")

    send_mail(mailtrap, to=["bob@example.com"], subject="Second one")
    expect(page.locator(f"{ROWS} .subject")).to_have_text(["Second one", "Your receipt"])
    assert page.evaluate("window.sameDocument") is True, "the page was reloaded"


def test_delete_removes_it_in_a_second_tab_too(mailtrap, context, page_errors, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Keep me")
    send_mail(mailtrap, to=["alice@example.com"], subject="Delete me")
    first = viewer(context.new_page(), mailtrap)
    second = viewer(context.new_page(), mailtrap)
    expect(second.locator(ROWS)).to_have_count(2)

    # the second tab is reading the message the first tab deletes
    second.locator(ROWS, has_text="Delete me").click()
    expect(second.locator("#view-subject")).to_have_text("Delete me")
    first.locator(ROWS, has_text="Delete me").click()
    expect(first.locator("#view-subject")).to_have_text("Delete me")
    first.locator("#view-delete").click()

    expect(first.locator(f"{ROWS} .subject")).to_have_text(["Keep me"])
    expect(second.locator(f"{ROWS} .subject")).to_have_text(["Keep me"])
    expect(second.locator("#view-panel")).to_contain_text("deleted")
    assert [m.subject for m in mailtrap.messages()] == ["Keep me"]


def test_dropped_socket_is_shown_and_reconnected(mailtrap, page, viewer, send_mail):
    routes = []

    def route(ws):
        ws.connect_to_server()
        routes.append(ws)

    page.route_web_socket(re.compile(r"/api/events$"), route)
    viewer(page, mailtrap)
    banner = page.locator("#connection-banner")
    expect(banner).to_be_hidden()

    routes[0].close()  # the server side went away, as far as the page can tell
    expect(page.locator("body")).to_have_attribute("data-live", "down")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("reconnecting")
    expect(page.locator("#live-status")).to_contain_text("Offline")

    expect(page.locator("body")).to_have_attribute("data-live", "live")
    expect(banner).to_be_hidden()
    assert len(routes) == 2

    # and the new connection delivers live updates again
    send_mail(mailtrap, to=["alice@example.com"], subject="After the reconnect")
    expect(page.locator(f"{ROWS} .subject")).to_have_text(["After the reconnect"])


def test_reconnects_back_off(mailtrap, page, page_errors, send_mail):
    attempts: list[float] = []

    def route(ws):
        attempts.append(time.monotonic())
        if len(attempts) <= 4:
            ws.close()  # accept, then drop at once: a failing server
        else:
            ws.connect_to_server()

    page.route_web_socket(re.compile(r"/api/events$"), route)
    # the page's own clock for each attempt: the times this process sees the attempts at also
    # carry its event dispatch, which a busy machine can delay by more than the jitter allows
    page.add_init_script(
        "window.socketTimes = [];"
        "const PageSocket = window.WebSocket;"
        "window.WebSocket = class extends PageSocket {"
        "  constructor(...args) { window.socketTimes.push(performance.now()); super(...args); }"
        "};"
    )
    page_errors.watch(page)
    page.goto(mailtrap.http_url)
    expect(page.locator("#connection-banner")).to_be_visible()
    expect(page.locator("body")).to_have_attribute("data-live", "live", timeout=20_000)
    expect(page.locator("#connection-banner")).to_be_hidden()

    assert len(attempts) == 5
    times = [ms / 1000 for ms in page.evaluate("window.socketTimes")]
    gaps = [b - a for a, b in itertools.pairwise(times)][:4]
    assert len(gaps) == 4
    # 0.5 s, 1 s, 2 s, 4 s with +-20 % jitter: every wait is longer than the one before
    assert all(later > earlier for earlier, later in itertools.pairwise(gaps)), gaps
    assert gaps[0] < 1.0 and gaps[3] > 3.0, gaps

    send_mail(mailtrap, to=["alice@example.com"], subject="Finally connected")
    expect(page.locator(f"{ROWS} .subject")).to_have_text(["Finally connected"])


def test_retry_now_reconnects_at_once(mailtrap, page, page_errors):
    attempts: list[float] = []

    def route(ws):
        attempts.append(time.monotonic())
        if len(attempts) <= 4:
            ws.close()
        else:
            ws.connect_to_server()

    page.route_web_socket(re.compile(r"/api/events$"), route)
    page_errors.watch(page)
    page.goto(mailtrap.http_url)
    deadline = time.monotonic() + 20
    while len(attempts) < 4 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    expect(page.locator("body")).to_have_attribute("data-live", "down")
    # the fourth failure means a wait of about 4 s: the button must not sit it out
    clicked = time.monotonic()
    page.locator("#retry-now").click()
    expect(page.locator("body")).to_have_attribute("data-live", "live", timeout=2_000)
    assert len(attempts) == 5 and attempts[4] - clicked < 2.0


def test_live_refreshes_keep_the_rows_that_did_not_change(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Older")
    send_mail(mailtrap, to=["alice@example.com"], subject="Newer")
    viewer(page, mailtrap)
    expect(page.locator(f"{ROWS} .subject")).to_have_text(["Newer", "Older"])
    page.evaluate("window.kept = [...document.querySelectorAll('#message-list li.message')]")

    send_mail(mailtrap, to=["bob@example.com"], subject="Newest")
    expect(page.locator(f"{ROWS} .subject")).to_have_text(["Newest", "Newer", "Older"])
    # the new row went above the two that were there; those are the same nodes as before
    assert page.evaluate(
        "[...document.querySelectorAll('#message-list li.message')].slice(1)"
        ".every((row, i) => row === window.kept[i])"
    )

    # another client marks "Older" read: its row is drawn again, the others stay
    older = next(m for m in mailtrap.messages() if m.subject == "Older")
    request = urllib.request.Request(
        f"{mailtrap.http_url}/api/v1/messages",
        data=json.dumps({"IDs": [older.id], "Read": True}).encode(),
        headers={"Content-Type": "application/json"},
        method="PUT",
    )
    urllib.request.urlopen(request, timeout=5).close()
    expect(page.locator(ROWS, has_text="Older")).to_have_class(re.compile(r"\bread\b"))
    assert page.evaluate("[window.kept[0].isConnected, window.kept[1].isConnected]") == [
        True,
        False,
    ]


def test_a_click_across_a_refresh_that_changes_nothing_still_opens_the_message(
    mailtrap, page, viewer, send_mail
):
    send_mail(mailtrap, to=["alice@example.com"], subject="Click me")
    viewer(page, mailtrap, "#mailbox=alice%40example.com")
    row = page.locator(ROWS, has_text="Click me")
    row.hover()
    page.mouse.down()
    # mail for another mailbox: the live feed makes the viewer reload alice's list, unchanged
    with page.expect_response(re.compile(r"/api/v1/messages\?.*alice")) as reload:
        send_mail(mailtrap, to=["bob@example.com"], subject="Elsewhere")
    reload.value.finished()
    page.evaluate("new Promise((done) => setTimeout(done, 50))")  # the list has drawn what came
    page.mouse.up()
    expect(page.locator("#view-subject")).to_have_text("Click me")


def test_a_click_on_a_mailbox_across_a_refresh_still_selects_it(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="For Alice")
    send_mail(mailtrap, to=["bob@example.com"], subject="For Bob")
    viewer(page, mailtrap)
    alice = page.locator("#mailbox-list a[data-mailbox='alice@example.com']")
    expect(alice).to_be_visible()
    alice.hover()
    page.mouse.down()
    # Bob's count and the total change: their entries are drawn again, Alice's stays
    with page.expect_response(re.compile(r"/api/v1/mailboxes")) as reload:
        send_mail(mailtrap, to=["bob@example.com"], subject="Another for Bob")
    reload.value.finished()
    page.evaluate("new Promise((done) => setTimeout(done, 50))")  # the column has drawn it
    page.mouse.up()
    expect(page.locator(f"{ROWS} .subject")).to_have_text(["For Alice"])
    bob = page.locator("#mailbox-list a[data-mailbox='bob@example.com'] .badge")
    expect(bob).to_have_text("2")
