"""The refused-mail panel in Chromium: what rules refused shows up (stage, reply, envelope,
the rule), new refusals appear without a reload, hostile client strings stay text, rules can be
removed, the log cleared, and leaving the panel brings the list back."""

from __future__ import annotations

import contextlib
import re
import smtplib

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ITEMS = "#refused-list li.refused"
MESSAGE = b"From: shop@example.com\r\nSubject: Your receipt\r\n\r\nThanks!\r\n"


def try_send(trap, recipients, helo="shop.example", sender="shop@example.com"):
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.ehlo(helo)
        with contextlib.suppress(smtplib.SMTPException):
            smtp.sendmail(sender, recipients, MESSAGE)


def test_the_panel_shows_what_was_refused_and_why(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Delivered")
    rule = mailtrap.fail("rcpt", 550, "No such user here", to="ghost@*")
    mailtrap.fail("end", 554, subject="receipt", times=1)
    try_send(mailtrap, ["ghost@example.com"])
    try_send(mailtrap, ["bob@example.com"])

    viewer(page, mailtrap)
    link = page.locator("#refused-link")
    expect(link.locator(".badge")).to_have_text("2")
    link.click()
    assert "view=refused" in page.url
    expect(page.locator("#refused-pane")).to_be_visible()
    expect(page.locator("#message-list")).to_be_hidden()
    expect(link).to_have_attribute("aria-current", "page")
    expect(page).to_have_title(re.compile(r"^(\(1\) )?Refused mail — mailtrap$"))
    expect(page.locator("#refused-count")).to_have_text("2 refusals")

    items = page.locator(ITEMS)
    expect(items).to_have_count(2)
    newest, oldest = items.nth(0), items.nth(1)  # newest first
    expect(newest.locator(".stage")).to_have_text("END")
    expect(newest.locator(".reply")).to_have_text("554 5.3.0 Transaction failed")
    expect(newest.locator(".refused-envelope")).to_contain_text("Your receipt")
    expect(newest.locator(".refused-envelope")).to_contain_text("bob@example.com")
    expect(oldest.locator(".stage")).to_have_text("RCPT")
    expect(oldest.locator(".reply")).to_have_text("550 5.1.1 No such user here")
    expect(oldest.locator(".refused-envelope")).to_contain_text("ghost@example.com")
    expect(oldest.locator(".refused-envelope")).to_contain_text("shop.example")
    expect(oldest.locator(".refused-rule")).to_have_text(
        f"Rule {rule.id}: RCPT to ghost@* · 550 5.1.1 No such user here"
    )
    expect(oldest.locator(".dropped")).to_have_count(0)

    # the rules in force, with what they did; the expired one says it has no more to go
    rules = page.locator("#rules-list li.rule")
    expect(rules).to_have_count(2)
    expect(rules.nth(0)).to_contain_text("fired 1 time")
    expect(rules.nth(1)).to_contain_text("0 more times")

    # leaving the panel through a mailbox brings the list back
    page.locator("#mailbox-list a[data-mailbox='alice@example.com']").click()
    expect(page.locator("#refused-pane")).to_be_hidden()
    expect(page.locator("#message-list li.message .subject")).to_have_text(["Delivered"])
    assert "view=refused" not in page.url
    page.go_back()
    expect(page.locator("#refused-pane")).to_be_visible()


def test_new_refusals_appear_without_a_reload(mailtrap, page, viewer):
    mailtrap.fail("connect", drop=True)
    viewer(page, mailtrap, "#view=refused")
    expect(page.locator("#refused-empty")).to_be_visible()
    page.evaluate("window.sameDocument = true")

    with pytest.raises(smtplib.SMTPServerDisconnected):
        smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port, timeout=5)

    item = page.locator(ITEMS)
    expect(item).to_have_count(1)
    expect(item.locator(".stage")).to_have_text("CONNECT")
    expect(item.locator(".reply")).to_have_text("no reply")
    expect(item.locator(".dropped")).to_have_text("hung up")
    expect(page.locator("#refused-empty")).to_be_hidden()
    assert page.evaluate("window.sameDocument") is True


def test_hostile_client_strings_stay_text(mailtrap, page, viewer):
    mailtrap.fail("mail", 550)
    try_send(mailtrap, ["bob@example.com"], helo="<img src=x onerror=alert(1)>")
    viewer(page, mailtrap, "#view=refused")
    envelope = page.locator(f"{ITEMS} .refused-envelope")
    expect(envelope).to_contain_text("<img src=x onerror=alert(1)>")
    expect(page.locator("#refused-list img")).to_have_count(0)


def test_remove_a_rule_and_clear_the_log(mailtrap, page, viewer):
    rule = mailtrap.fail("rcpt", 451, to="bob@*")
    try_send(mailtrap, ["bob@example.com"])
    viewer(page, mailtrap, "#view=refused")
    expect(page.locator(ITEMS)).to_have_count(1)

    page.get_by_role("button", name=f"Remove rule {rule.id}").click()
    expect(page.locator("#rules-empty")).to_be_visible()
    assert mailtrap.faults.rules() == []
    try_send(mailtrap, ["bob@example.com"])
    assert len(mailtrap.wait_for()) == 1  # the rule is really gone

    page.locator("#refused-clear").click()
    expect(page.locator(ITEMS)).to_have_count(0)
    expect(page.locator("#refused-link .badge")).to_be_hidden()
    assert mailtrap.refused() == []


def test_keys_leave_the_hidden_list_alone(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Keep me")
    viewer(page, mailtrap)
    expect(page.locator("#message-list li.message")).to_have_count(1)
    page.locator("#refused-link").click()
    expect(page.locator("#refused-pane")).to_be_visible()
    page.keyboard.press("j")
    page.keyboard.press("Delete")
    page.keyboard.press("Escape")  # Escape leaves the panel
    expect(page.locator("#refused-pane")).to_be_hidden()
    expect(page.locator("#message-list li.message")).to_have_count(1)
    assert len(mailtrap.messages()) == 1
