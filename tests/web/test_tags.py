"""Tags in the viewer: shown in list rows, the message header and a Tags column with counts;
a tag filters the list (as the search tag:NAME); the message header sets them; changes made
elsewhere show up live."""

from __future__ import annotations

import smtplib

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"


def send_tagged(trap, subject: str, tags: str | None) -> None:
    head = f"From: app@example.com\r\nTo: alice@example.com\r\nSubject: {subject}\r\n"
    if tags is not None:
        head += f"X-Tags: {tags}\r\n"
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10) as smtp:
        smtp.sendmail("app@example.com", ["alice@example.com"], (head + "\r\nHi.\r\n").encode())


def tag_link(page, name):
    return page.locator(f"#tag-list a[data-tag='{name}']")


def test_tags_shown_filtered_and_set(mailtrap, page, viewer):
    send_tagged(mailtrap, "Welcome", "Signup, billing")
    send_tagged(mailtrap, "Receipt", "billing")
    send_tagged(mailtrap, "Plain", None)
    viewer(page, mailtrap)
    rows = page.locator(ROWS)
    expect(rows.locator(".subject")).to_have_text(["Plain", "Receipt", "Welcome"])

    # shown: chips in the rows, and the Tags column with counts
    expect(rows.nth(2).locator(".tag")).to_have_text(["billing", "Signup"])
    expect(rows.nth(0).locator(".tag")).to_have_count(0)
    expect(page.locator("#tag-list .mailbox-name")).to_have_text(["billing", "Signup"])
    expect(tag_link(page, "billing").locator(".tag-count")).to_have_text("2")

    # filtered: a tag is the search tag:NAME
    tag_link(page, "Signup").click()
    expect(rows.locator(".subject")).to_have_text(["Welcome"])
    expect(page.locator("#search")).to_have_value("tag:Signup")
    expect(tag_link(page, "Signup")).to_have_attribute("aria-current", "page")
    page.locator("#search").fill("tag:billing")
    expect(rows.locator(".subject")).to_have_text(["Receipt", "Welcome"])

    # set: the message header's editor
    rows.filter(has_text="Receipt").click()
    expect(page.locator("#view-subject")).to_have_text("Receipt")
    expect(page.locator("#view-meta dd.tags .tag")).to_have_text(["billing"])
    page.locator("#edit-tags").click()
    page.locator("#tag-input").fill("billing, VIP customer, x/y")
    page.locator("#save-tags").click()
    expect(page.locator("#view-meta dd.tags .tag")).to_have_text(["billing", "VIP customer", "x y"])
    expect(tag_link(page, "VIP customer").locator(".tag-count")).to_have_text("1")
    [receipt] = mailtrap.messages(subject="Receipt")
    assert receipt.tags == ["billing", "VIP customer", "x y"]

    # Escape leaves the tags as they were
    page.locator("#edit-tags").click()
    page.locator("#tag-input").fill("gone")
    page.locator("#tag-input").press("Escape")
    expect(page.locator("#view-meta dd.tags .tag")).to_have_text(["billing", "VIP customer", "x y"])
    assert receipt.tags == ["billing", "VIP customer", "x y"]

    # a tag in the header filters too (a quoted search for names with spaces)
    page.locator("#view-meta dd.tags .tag", has_text="VIP customer").click()
    expect(page.locator("#search")).to_have_value('tag:"VIP customer"')
    expect(rows.locator(".subject")).to_have_text(["Receipt"])


def test_tag_changes_elsewhere_show_up_live(mailtrap, page, viewer):
    send_tagged(mailtrap, "Live", None)
    viewer(page, mailtrap)
    page.locator(ROWS).first.click()
    expect(page.locator("#view-subject")).to_have_text("Live")
    expect(page.locator("#view-meta dd.tags .muted")).to_have_text("none")
    [message] = mailtrap.messages()
    mailtrap.store.set_tags([message.id], ["from elsewhere"])
    expect(page.locator("#view-meta dd.tags .tag")).to_have_text(["from elsewhere"])
    expect(page.locator(ROWS).first.locator(".tag")).to_have_text(["from elsewhere"])
    expect(page.locator("#tag-list .mailbox-name")).to_have_text(["from elsewhere"])
    mailtrap.store.rename_tag("from elsewhere", "renamed")
    expect(page.locator("#view-meta dd.tags .tag")).to_have_text(["renamed"])
    mailtrap.store.delete_tag("renamed")
    expect(page.locator("#tag-list")).to_be_hidden()
    expect(page.locator(ROWS).first.locator(".tag")).to_have_count(0)
