"""The viewer shows each account's folders and their messages: the special-use folders an IMAP
login makes, what IMAP clients append, copy and move into them, nested folders, and each
folder's own unread count, read state and "Delete all"."""

from __future__ import annotations

import imaplib
import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"


def folder_link(page, account, folder):
    return page.locator(f"#mailbox-list a[data-account='{account}'][data-folder='{folder}']")


def subjects(page):
    return page.locator(f"{ROWS} .subject")


def raw(subject: str) -> bytes:
    return f"From: a@example.org\r\nTo: b@example.org\r\nSubject: {subject}\r\n\r\nx\r\n".encode()


def imap(trap, user: str) -> imaplib.IMAP4:
    client = imaplib.IMAP4(trap.smtp_host, trap.imap_port, timeout=10)
    client.login(user, "pw")
    return client


def test_folders_and_their_messages(mailtrap, page, viewer, send_mail):
    user = mailtrap.unique_address()  # an account of its own: folders outlive clear()
    send_mail(mailtrap, to=[user], subject="Welcome")
    send_mail(mailtrap, to=[user], subject="Your order")
    client = imap(mailtrap, user)
    client.append("Sent", r"(\Seen)", None, raw("Re: Your order"))
    client.append("Drafts", None, None, raw("Half-written"))
    client.create("Projects/2024")
    client.select("INBOX")
    client.copy("1", "Projects/2024")

    viewer(page, mailtrap)
    account = page.locator(
        "#mailbox-list li.mailbox", has=page.locator(f"a[data-mailbox='{user}']")
    )
    names = account.locator(".folder-list .folder-name")
    expect(names).to_have_text(["Archive", "Drafts", "Junk", "Projects", "2024", "Sent", "Trash"])
    expect(folder_link(page, user, "Projects/2024")).to_have_attribute(
        "title", re.compile("1 message")
    )
    expect(folder_link(page, user, "Drafts").locator(".badge")).to_have_text("1")
    expect(folder_link(page, user, "Sent").locator(".badge")).to_have_count(0)  # appended \Seen
    expect(folder_link(page, user, "Junk")).to_have_class(re.compile(r"\bempty\b"))

    folder_link(page, user, "Sent").click()
    expect(subjects(page)).to_have_text(["Re: Your order"])
    expect(page.locator("#list-title")).to_have_text(
        f"{user} \N{SINGLE RIGHT-POINTING ANGLE QUOTATION MARK} Sent"
    )
    expect(folder_link(page, user, "Sent")).to_have_attribute("aria-current", "page")
    expect(page.locator(f"#mailbox-list a[data-mailbox='{user}']")).not_to_have_attribute(
        "aria-current", "page"
    )
    assert "folder=Sent" in page.url

    # reading a draft marks it read in Drafts only
    folder_link(page, user, "Drafts").click()
    expect(subjects(page)).to_have_text(["Half-written"])
    page.locator(ROWS, has_text="Half-written").click()
    expect(page.locator("#view-subject")).to_have_text("Half-written")
    expect(folder_link(page, user, "Drafts").locator(".badge")).to_have_count(0)
    [entry] = mailtrap.store.snapshot(mailtrap.store.resolve((user, "Drafts"))).entries
    assert entry.seen

    # a message an IMAP client moves into the folder on screen shows up without a reload
    folder_link(page, user, "Trash").click()
    expect(page.locator("#list-empty")).to_be_visible()
    client.xatom("UID", "MOVE", "2", "Trash")
    expect(subjects(page)).to_have_text(["Your order"])
    expect(page.locator(f"#mailbox-list a[data-mailbox='{user}'] .badge")).to_have_text("1")

    # a folder's "Delete all" empties that folder and no other
    folder_link(page, user, "Projects/2024").click()
    expect(subjects(page)).to_have_text(["Welcome"])
    page.locator("#delete-all").click()
    dialog = page.locator("dialog[open]")
    expect(dialog).to_contain_text(f"in Projects/2024 of {user}")
    dialog.get_by_role("button", name="Delete all").click()
    expect(page.locator("#list-empty")).to_be_visible()
    assert [m.subject for m in mailtrap.mailbox(user).messages] == ["Welcome"]
    client.logout()


def test_a_folder_link_opens_that_folder(mailtrap, page, viewer):
    user = mailtrap.unique_address()
    client = imap(mailtrap, user)
    client.append("Archive", None, None, raw("Old news"))
    client.logout()
    viewer(page, mailtrap, f"#mailbox={quote(user)}&folder=Archive")
    expect(subjects(page)).to_have_text(["Old news"])
    expect(folder_link(page, user, "Archive")).to_have_attribute("aria-current", "page")
    page.go_back()  # to about:blank and forward again: the view comes back from the URL
    page.go_forward()
    expect(subjects(page)).to_have_text(["Old news"])
