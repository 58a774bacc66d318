"""The viewer's SMTP features in Chromium: the Release button (through a second mailtrap as the
relay server) and the SMTP tab (the transcript of the dialogue that delivered a message)."""

from __future__ import annotations

import json
import re
import smtplib
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"


def open_message(page, subject):
    page.locator(ROWS, has_text=subject).click()
    expect(page.locator("#view-subject")).to_have_text(subject)


def test_release_button_sends_through_the_relay(mailtrap_factory, page, viewer, send_mail):
    upstream = mailtrap_factory()
    trap = mailtrap_factory(relay=f"127.0.0.1:{upstream.smtp_port}")
    send_mail(trap, to=["alice@example.com"], cc=["bob@example.com"], subject="Ship it")
    viewer(page, trap)
    open_message(page, "Ship it")

    page.locator("#view-release").click()
    dialog = page.locator("#release-dialog")
    expect(dialog).to_be_visible()
    field = page.locator("#release-to")
    expect(field).to_have_value("alice@example.com, bob@example.com")  # To and Cc to start with
    field.fill("real@x.org, other@x.org")
    page.locator("#release-send").click()

    expect(dialog).to_be_hidden()
    expect(page.locator("#view-status")).to_have_text("Released to real@x.org, other@x.org")
    [copy] = upstream.wait_for(to="real@x.org")
    assert copy.recipients == ["real@x.org", "other@x.org"]
    assert copy.subject == "Ship it"


def test_release_errors_stay_in_the_dialog(mailtrap_factory, page, viewer, send_mail):
    refusing = mailtrap_factory(max_size=100)  # refuses anything bigger with 552
    trap = mailtrap_factory(relay=f"127.0.0.1:{refusing.smtp_port}")
    send_mail(trap, to=["alice@example.com"], subject="Too big", text="x" * 500)
    viewer(page, trap)
    open_message(page, "Too big")

    page.locator("#view-release").click()
    page.locator("#release-send").click()
    error = page.locator("#release-error")
    expect(error).to_contain_text("Not released: SMTP error:")
    expect(error).to_contain_text("552")
    expect(page.locator("#release-dialog")).to_be_visible()  # still open, to fix or cancel
    page.locator("#release-dialog button[value='cancel']").click()
    expect(page.locator("#release-dialog")).to_be_hidden()
    assert refusing.messages() == []


def test_release_without_a_relay_says_how_to_set_one_up(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="No relay")
    viewer(page, mailtrap)
    open_message(page, "No relay")
    page.locator("#view-release").click()
    page.locator("#release-send").click()
    expect(page.locator("#release-error")).to_contain_text("--relay HOST:PORT")


def test_smtp_tab_shows_the_transcript(mailtrap, page, viewer, send_mail):
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.user, smtp.password = "app", "hunter2-s3cret"
        smtp.auth("PLAIN", smtp.auth_plain)  # login() would pick CRAM-MD5
        smtp.sendmail(
            "app@example.com",
            ["alice@example.com"],
            b"Subject: Dialogue\r\nTo: alice@example.com\r\n\r\nbody text\r\n",
        )
        client = "{}:{}".format(*smtp.sock.getsockname()[:2])
    [msg] = mailtrap.wait_for()
    viewer(page, mailtrap)
    open_message(page, "Dialogue")

    page.locator("#tab-transcript").click()
    expect(page.locator("#view-panel")).to_have_attribute("data-tab", "transcript")
    facts = page.locator("#view-panel .transcript-facts")
    expect(facts).to_have_text(f"Client {client} · No TLS")
    rows = page.locator("#view-panel .transcript-table tr")
    expect(rows.first.locator(".transcript-who")).to_have_text("S:")
    expect(rows.first.locator(".transcript-text")).to_contain_text("220 localhost mailtrap")
    expect(rows.first.locator(".transcript-time")).to_have_text("+0.000 ms")
    auth = page.locator("#view-panel tr.transcript-in", has_text="AUTH")
    expect(auth.locator(".transcript-text")).to_have_text("AUTH PLAIN ********")
    expect(rows.last.locator(".transcript-text")).to_have_text(f"250 OK: queued as {msg.id}")
    expect(rows.last.locator(".transcript-time")).to_have_text(re.compile(r"^\+\d+\.\d{3} m?s$"))
    panel = page.locator("#view-panel").inner_text()
    assert "hunter2" not in panel and "body text" not in panel


def test_smtp_tab_for_mail_sent_over_http(mailtrap, page, viewer):
    request = urllib.request.Request(
        f"{mailtrap.http_url}/api/v1/send",
        json.dumps(
            {
                "From": {"Email": "a@example.com"},
                "To": [{"Email": "b@example.com"}],
                "Subject": "Web",
            }
        ).encode(),
        {"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).close()
    viewer(page, mailtrap)
    open_message(page, "Web")
    page.locator("#tab-transcript").click()
    expect(page.locator("#view-panel")).to_contain_text("did not arrive over SMTP")


def test_smtp_tab_fits_a_phone(mailtrap, new_context, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Small screen")
    context = new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    page = viewer(context.new_page(), mailtrap)
    page.locator(ROWS, has_text="Small screen").tap()
    expect(page.locator("#view-panel")).to_contain_text("Hello there.")  # shown: tabs work now
    page.locator("#tab-transcript").tap()
    expect(page.locator("#view-panel .transcript-table tr").first).to_be_visible()
    widths = page.evaluate(
        """() => [document.documentElement.scrollWidth, document.documentElement.clientWidth,
                  document.getElementById('view-tabs').scrollWidth,
                  document.getElementById('view-tabs').clientWidth]"""
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3] + 1, widths
