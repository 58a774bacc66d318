"""The viewer's everyday use: mailboxes filter, the message tabs render, search filters, actions
work, the keyboard drives it, links name the view, and 10,000 messages page quickly."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"
DASH = "\N{EN DASH}"


def mailbox_link(page, address):
    return page.locator(f"#mailbox-list a[data-mailbox='{address}']")


def subjects(page):
    return page.locator(f"{ROWS} .subject")


def open_message(page, subject):
    page.locator(ROWS, has_text=subject).click()
    expect(page.locator("#view-subject")).to_have_text(subject)
    return re.search(r"message=([^&]+)", page.url).group(1)


def test_selecting_a_mailbox_filters(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="For Alice")
    send_mail(mailtrap, to=["bob@example.com"], subject="For Bob 1")
    send_mail(mailtrap, to=["bob@example.com"], bcc=["carol@example.com"], subject="For Bob 2")
    viewer(page, mailtrap)
    expect(subjects(page)).to_have_text(["For Bob 2", "For Bob 1", "For Alice"])

    # All mail first, then one entry per envelope recipient (Bcc included) with unread counts
    names = page.locator("#mailbox-list .mailbox-name")
    expect(names.first).to_have_text("All mail")
    expect(names).to_have_count(4)
    expect(mailbox_link(page, "alice@example.com").locator(".badge")).to_have_text("1")
    expect(mailbox_link(page, "bob@example.com").locator(".badge")).to_have_text("2")
    expect(mailbox_link(page, "carol@example.com").locator(".badge")).to_have_text("1")
    expect(page.locator("#mailbox-list .mailbox-all .badge")).to_have_text("3")

    mailbox_link(page, "bob@example.com").click()
    expect(subjects(page)).to_have_text(["For Bob 2", "For Bob 1"])
    expect(page.locator("#list-title")).to_have_text("bob@example.com")
    expect(mailbox_link(page, "bob@example.com")).to_have_attribute("aria-current", "page")
    assert "mailbox=bob%40example.com" in page.url

    # the Bcc recipient's mailbox holds the message although no header names carol
    mailbox_link(page, "carol@example.com").click()
    expect(subjects(page)).to_have_text(["For Bob 2"])

    # reading a message lowers that mailbox's unread count
    mailbox_link(page, "bob@example.com").click()
    open_message(page, "For Bob 1")
    expect(mailbox_link(page, "bob@example.com").locator(".badge")).to_have_text("1")
    expect(page.locator(ROWS, has_text="For Bob 1")).to_have_class(re.compile(r"\bread\b"))

    page.locator("#mailbox-list .mailbox-all a").click()
    expect(subjects(page)).to_have_count(3)


def test_message_tabs(mailtrap, page, viewer, send_mail):
    csv = b"name,amount\nwidget,3\n"
    send_mail(
        mailtrap,
        to=["alice@example.com"],
        cc=["Bob <bob@example.com>"],
        sender="Reports <reports@example.com>",
        subject="Monthly report",
        text="The report is attached.\nDetails: https://example.com/report?id=7\n",
        html="<h1 id='heading'>Monthly report</h1><p>See the <b>attached</b> file.</p>",
        attachments=[("report.csv", csv, "text/csv")],
    )
    viewer(page, mailtrap)
    message_id = open_message(page, "Monthly report")

    meta = page.locator("#view-meta")
    expect(meta).to_contain_text("Reports <reports@example.com>")
    expect(meta).to_contain_text("alice@example.com")
    expect(meta).to_contain_text("Bob <bob@example.com>")

    # HTML first, in a sandboxed frame that renders the mail
    expect(page.locator("#tab-html")).to_have_attribute("aria-selected", "true")
    frame_element = page.locator("#view-panel iframe")
    expect(frame_element).to_have_attribute("sandbox", "")
    expect(frame_element).to_have_attribute("src", re.compile(rf"/view/{message_id}\.html"))
    body = page.frame_locator("#view-panel iframe")
    expect(body.locator("#heading")).to_have_text("Monthly report")
    expect(body.locator("b")).to_have_text("attached")

    page.locator("#tab-text").click()
    expect(page.locator("#view-panel .text-body")).to_contain_text("The report is attached.")
    link = page.locator("#view-panel .text-body a")
    expect(link).to_have_attribute("href", "https://example.com/report?id=7")

    page.locator("#tab-headers").click()
    subject_header = page.locator("th", has_text=re.compile("^Subject$"))
    subject_row = page.locator("#view-panel tr", has=subject_header)
    expect(subject_row.locator("td")).to_have_text("Monthly report")

    page.locator("#tab-raw").click()
    raw = page.locator("#view-panel .raw-source")
    expect(raw).to_contain_text("Subject: Monthly report")
    expect(raw).to_contain_text("Content-Type: multipart/mixed")

    page.locator("#tab-attachments").click()
    expect(page.locator("#tab-attachments")).to_have_text("Attachments (1)")
    download = page.locator("#view-panel a.attachment-name")
    expect(download).to_have_text("report.csv")
    expect(download).to_have_attribute("download", "report.csv")
    response = page.request.get(download.get_attribute("href"))
    assert response.ok and response.body() == csv

    # keyboard: arrows move between tabs
    page.locator("#tab-attachments").focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#tab-raw")).to_have_attribute("aria-selected", "true")


def test_text_only_mail_opens_on_the_text_tab(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Plain", text="Just <b>text</b> & more")
    viewer(page, mailtrap)
    open_message(page, "Plain")
    expect(page.locator("#tab-html")).to_be_disabled()
    expect(page.locator("#tab-text")).to_have_attribute("aria-selected", "true")
    # markup in text is shown as text, never interpreted
    expect(page.locator("#view-panel .text-body")).to_have_text("Just <b>text</b> & more\n")
    expect(page.locator("#view-panel b")).to_have_count(0)


def test_search_filters(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Invoice 42", text="Pay by Friday")
    send_mail(mailtrap, to=["bob@example.com"], subject="Welcome aboard", text="Glad you joined")
    send_mail(mailtrap, to=["alice@example.com"], subject="Password reset", text="Use this code")
    viewer(page, mailtrap)
    expect(subjects(page)).to_have_count(3)

    search = page.locator("#search")
    search.fill("subject:invoice")
    expect(subjects(page)).to_have_text(["Invoice 42"])
    expect(page.locator("#list-count")).to_have_text("1 match")
    assert "q=subject%3Ainvoice" in page.url

    search.fill("joined")
    expect(subjects(page)).to_have_text(["Welcome aboard"])

    search.fill("nothing-matches-this")
    expect(subjects(page)).to_have_count(0)
    expect(page.locator("#list-empty")).to_have_text("No messages match this search.")

    # search within a mailbox
    search.fill("")
    expect(subjects(page)).to_have_count(3)
    mailbox_link(page, "alice@example.com").click()
    search.fill("reset")
    expect(subjects(page)).to_have_text(["Password reset"])
    assert "mailbox=alice%40example.com" in page.url


def test_mark_unread_download_and_delete_all(mailtrap, page, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="First for Alice")
    send_mail(mailtrap, to=["alice@example.com"], subject="Second for Alice")
    send_mail(mailtrap, to=["bob@example.com"], subject="For Bob")
    viewer(page, mailtrap)

    open_message(page, "First for Alice")
    row = page.locator(ROWS, has_text="First for Alice")
    expect(row).to_have_class(re.compile(r"\bread\b"))
    page.locator("#view-toggle-read").click()
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    expect(page.locator("#view-toggle-read")).to_have_text("Mark read")
    expect(mailbox_link(page, "alice@example.com").locator(".badge")).to_have_text("2")

    # .eml download: exactly the bytes that arrived
    with page.expect_download() as info:
        page.locator("#view-download").click()
    download = info.value
    assert download.suggested_filename == "First for Alice.eml"
    [raw] = [m.raw for m in mailtrap.messages(subject="First for Alice")]
    with open(download.path(), "rb") as saved:
        assert saved.read() == raw

    # delete all, scoped to the mailbox on screen, after confirming
    mailbox_link(page, "alice@example.com").click()
    page.locator("#delete-all").click()
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("alice@example.com")
    dialog.locator("button[value='no']").click()
    expect(subjects(page)).to_have_count(2)

    page.locator("#delete-all").click()
    dialog.locator("button[value='yes']").click()
    expect(subjects(page)).to_have_count(0)
    expect(page.locator("#list-empty")).to_be_visible()
    assert [m.subject for m in mailtrap.messages()] == ["For Bob"]
    page.locator("#mailbox-list .mailbox-all a").click()
    expect(subjects(page)).to_have_text(["For Bob"])


def test_keyboard_navigation(mailtrap, page, viewer, send_mail):
    for n in (1, 2, 3, 4):
        send_mail(mailtrap, to=["alice@example.com"], subject=f"Message {n}")
    viewer(page, mailtrap)
    expect(subjects(page)).to_have_text(["Message 4", "Message 3", "Message 2", "Message 1"])
    cursor = page.locator(f"{ROWS}.cursor .subject")

    page.keyboard.press("j")
    expect(cursor).to_have_text("Message 4")
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    expect(cursor).to_have_text("Message 2")
    page.keyboard.press("k")
    expect(cursor).to_have_text("Message 3")

    page.keyboard.press("Enter")
    expect(page.locator("#view-subject")).to_have_text("Message 3")
    # with a message open, j and k open the next and previous ones
    page.keyboard.press("j")
    expect(page.locator("#view-subject")).to_have_text("Message 2")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#view-subject")).to_have_text("Message 3")

    page.keyboard.press("u")
    expect(page.locator(ROWS, has_text="Message 3")).to_have_class(re.compile(r"\bunread\b"))

    page.keyboard.press("Delete")
    expect(subjects(page)).to_have_text(["Message 4", "Message 2", "Message 1"])
    expect(page.locator("#view-subject")).to_have_text("Message 2")

    page.keyboard.press("Escape")
    expect(page.locator("#message-view")).to_be_hidden()
    assert "message=" not in page.url

    page.keyboard.press("/")
    expect(page.locator("#search")).to_be_focused()
    page.keyboard.type("Message 1")
    expect(subjects(page)).to_have_text(["Message 1"])
    page.keyboard.press("Escape")
    expect(page.locator("#search")).not_to_be_focused()
    page.keyboard.press("Delete")  # the cursor's message, with nothing open
    expect(subjects(page)).to_have_count(0)
    assert sorted(m.subject for m in mailtrap.messages()) == ["Message 2", "Message 4"]


def test_deep_links_name_mailbox_and_message(mailtrap, context, page_errors, viewer, send_mail):
    send_mail(mailtrap, to=["alice@example.com"], subject="Alice only")
    send_mail(mailtrap, to=["bob@example.com"], subject="Shared link target")
    send_mail(mailtrap, to=["bob@example.com"], subject="Another for Bob")
    page = viewer(context.new_page(), mailtrap)
    mailbox_link(page, "bob@example.com").click()
    message_id = open_message(page, "Shared link target")
    assert page.url.endswith(f"#mailbox=bob%40example.com&message={message_id}")

    # the link alone (as pasted from a CI log) opens the same view in a fresh tab
    link = f"#mailbox={quote('bob@example.com')}&message={message_id}"
    other = viewer(context.new_page(), mailtrap, link)
    expect(other.locator("#view-subject")).to_have_text("Shared link target")
    expect(mailbox_link(other, "bob@example.com")).to_have_attribute("aria-current", "page")
    expect(subjects(other)).to_have_text(["Another for Bob", "Shared link target"])
    expect(other.locator(f"{ROWS}[data-id='{message_id}'] .message-link")).to_have_attribute(
        "aria-current", "true"
    )
    other.reload()
    expect(other.locator("#view-subject")).to_have_text("Shared link target")

    # back and forward move between views
    open_message(other, "Another for Bob")
    other.go_back()
    expect(other.locator("#view-subject")).to_have_text("Shared link target")
    other.go_forward()
    expect(other.locator("#view-subject")).to_have_text("Another for Bob")

    # a link to a message that is gone says so
    gone = viewer(context.new_page(), mailtrap, "#message=no-such-message")
    expect(gone.locator("#view-panel")).to_contain_text("does not exist")


def test_ten_thousand_messages_page_quickly(mailtrap, page, viewer):
    for n in range(10_000):
        raw = (
            f"From: load@example.com\r\nTo: bulk@example.com\r\nSubject: Bulk {n:05d}\r\n\r\n"
            f"Body {n}\r\n"
        ).encode()
        mailtrap.store.deliver("load@example.com", ["bulk@example.com"], raw)
    viewer(page, mailtrap)
    expect(page.locator("#list-count")).to_have_text("10,000 messages")
    expect(page.locator("#page-info")).to_have_text(f"1{DASH}50 of 10,000")
    # one page in the DOM, never ten thousand rows
    expect(subjects(page)).to_have_count(50)
    expect(subjects(page).first).to_have_text("Bulk 09999")

    page.locator("#page-older").click()
    expect(page.locator("#page-info")).to_have_text(f"51{DASH}100 of 10,000")
    expect(subjects(page).first).to_have_text("Bulk 09949")
    page.locator("#page-newer").click()
    expect(page.locator("#page-info")).to_have_text(f"1{DASH}50 of 10,000")

    # j past the last row of a page continues on the next page
    page.locator(f"{ROWS} .message-link").last.focus()
    page.keyboard.press("j")
    expect(page.locator("#page-info")).to_have_text(f"51{DASH}100 of 10,000")
    expect(page.locator(f"{ROWS}.cursor .subject")).to_have_text("Bulk 09949")

    page.locator("#search").fill('subject:"Bulk 00007"')
    expect(subjects(page)).to_have_text(["Bulk 00007"])
