"""PyPI ``mailpit-api-client`` against our server, every answer parsed by its own models."""

from __future__ import annotations

import pytest

mailpit_api = pytest.importorskip("mailpit.client.api", reason="pip install -e '.[test]'")


@pytest.fixture
def client(mailtrap):
    return mailpit_api.API(mailtrap.http_url, timeout=10)


@pytest.fixture
def two_messages(smtp, build):
    # The client's Headers model requires Delivered-To (which relaying MTAs add); Mailpit does
    # not invent one, and neither do we.
    smtp(
        "app@example.com",
        ["alice@example.com", "hidden@example.com"],
        build(
            subject="First",
            attachments=[("notes.txt", "text/plain", b"some notes")],
            headers={"Delivered-To": "alice@example.com"},
        ),
    )
    smtp(
        "app@example.com",
        ["bob@example.com"],
        build(subject="Second", to="bob@example.com", headers={"Delivered-To": "bob@example.com"}),
    )


def test_list_and_get(client, two_messages):
    listing = client.get_messages()
    assert (listing.total, listing.unread, listing.count, listing.start) == (2, 2, 2, 0)
    assert [m.subject for m in listing.messages] == ["Second", "First"]
    first = listing.messages[1]
    assert first.from_.address == "app@example.com"
    assert [c.address for c in first.bcc] == ["hidden@example.com"]
    assert first.attachments == 1 and first.read is False
    message = client.get_message(first.id)
    assert message.subject == "First" and message.read is True
    assert message.text.startswith("Hello there")
    assert [a.file_name for a in message.attachments] == ["notes.txt"]
    assert client.get_messages(limit=1, start=1).messages[0].subject == "First"


def test_latest_headers_and_part(client, two_messages):
    latest = client.get_message("latest")
    assert latest.subject == "Second"
    headers = client.get_message_headers(latest.id)
    assert headers.delivered_to == ["bob@example.com"]
    assert headers.from_ == ["App <app@example.com>"]
    assert headers.message_id[0].startswith("<")
    assert headers.content_type[0].startswith("text/plain")
    first = client.get_messages().messages[1]
    [attachment] = client.get_message(first.id).attachments
    assert client.get_message_attachment(first.id, attachment.part_id) == "some notes"


def test_read_status(client, two_messages):
    ids = [m.id for m in client.get_messages().messages]
    client.put_messages(ids, "Read", True)
    assert client.get_messages().unread == 0
    client.put_messages(ids[:1], "Read", False)
    listing = client.get_messages()
    assert listing.unread == 1 and listing.messages[0].read is False


def test_delete_by_id_and_all(client, two_messages):
    listing = client.get_messages()
    client.delete_messages([listing.messages[0].id])
    assert [m.subject for m in client.get_messages().messages] == ["First"]
    client.delete_messages([])
    assert client.get_messages().total == 0
