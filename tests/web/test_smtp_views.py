"""The viewer's SMTP features in Chromium: the Release button (through a second mailtrap as the
relay server)."""

from __future__ import annotations

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
