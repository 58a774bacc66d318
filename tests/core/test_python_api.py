"""The MailTrap facade: wait_for, filters, clear, pruning, side-by-side instances, stop."""

from __future__ import annotations

import asyncio
import smtplib
import socket
import threading
import time
from datetime import UTC, datetime

import pytest

from mailtrap import MailTrap, MailWaitTimeout


def send(trap, subject, to=("alice@example.com",), sender="app@example.com", body="hi"):
    raw = f"From: {sender}\r\nTo: {', '.join(to)}\r\nSubject: {subject}\r\n\r\n{body}\r\n"
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.sendmail(sender, list(to), raw.encode())


def send_later(trap, delay, *args, **kwargs):
    thread = threading.Thread(target=lambda: (time.sleep(delay), send(trap, *args, **kwargs)))
    thread.start()
    return thread


def test_wait_for_returns_as_soon_as_mail_arrives(mailtrap):
    thread = send_later(mailtrap, 0.2, "Welcome aboard")
    started = time.monotonic()
    [msg] = mailtrap.wait_for(to="alice@example.com", subject="welcome", timeout=10)
    assert time.monotonic() - started < 5  # far below the timeout: woken by the delivery
    assert msg.subject == "Welcome aboard"
    thread.join()


def test_wait_for_counts_mail_that_arrived_before_the_call(mailtrap):
    send(mailtrap, "early one")
    send(mailtrap, "early two")
    got = mailtrap.wait_for(count=2, timeout=0.5)
    assert [m.subject for m in got] == ["early one", "early two"]


def test_wait_for_returns_first_count_in_arrival_order(mailtrap):
    for n in range(4):
        send(mailtrap, f"n{n}")
    assert [m.subject for m in mailtrap.wait_for(count=3)] == ["n0", "n1", "n2"]


def test_wait_for_filters(mailtrap):
    send(mailtrap, "to bob", to=("bob@example.com",), sender="other@example.com")
    send(mailtrap, "Order 42 shipped", to=("carol@example.com", "bcc@example.com"))
    [msg] = mailtrap.wait_for(to="BCC@example.com", sender="app@example.com", subject="ORDER 42")
    assert msg.subject == "Order 42 shipped"
    assert mailtrap.messages(sender="other@example.com")[0].subject == "to bob"
    assert mailtrap.messages(to="nobody@example.com") == []
    with pytest.raises(TypeError, match="unknown filter"):
        mailtrap.wait_for(recipient="x")


def test_wait_for_timeout_lists_what_arrived_closest_first(mailtrap):
    send(mailtrap, "Unrelated newsletter", to=("zed@example.com",))
    send(mailtrap, "Password reset", to=("alice@example.org",))
    with pytest.raises(MailWaitTimeout) as error:
        mailtrap.wait_for(to="alice@example.com", subject="password reset", timeout=0.3)
    text = str(error.value)
    assert "waited 0.3s for 1 message(s) matching to='alice@example.com'" in text
    assert "2 message(s) arrived, closest first" in text
    assert text.index("Password reset") < text.index("Unrelated newsletter")
    assert isinstance(error.value, AssertionError)


def test_wait_for_timeout_with_nothing(mailtrap):
    with pytest.raises(MailWaitTimeout, match="no messages arrived"):
        mailtrap.wait_for(timeout=0.05)


def test_wait_for_sees_clear_and_later_mail(mailtrap):
    send(mailtrap, "old")
    mailtrap.clear()
    thread = send_later(mailtrap, 0.1, "new")
    [msg] = mailtrap.wait_for(timeout=5)
    assert msg.subject == "new"
    thread.join()


def test_wait_for_async_does_not_block_the_loop(mailtrap):
    async def main():
        ticks = 0

        async def ticker():
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        sender = asyncio.get_running_loop().run_in_executor(
            None, lambda: (time.sleep(0.2), send(mailtrap, "async hello"))
        )
        [msg] = await mailtrap.wait_for_async(subject="async", timeout=5)
        await sender
        task.cancel()
        return msg, ticks

    msg, ticks = asyncio.run(main())
    assert msg.subject == "async hello"
    assert ticks >= 5  # the loop kept running while we waited


def test_wait_for_async_timeout(mailtrap):
    with pytest.raises(MailWaitTimeout):
        asyncio.run(mailtrap.wait_for_async(subject="never", timeout=0.1))


def test_clear_keeps_uidnext(mailtrap):
    send(mailtrap, "one")
    send(mailtrap, "two")
    before = mailtrap.mailbox("alice@example.com")
    mailtrap.clear()
    assert mailtrap.messages() == []
    send(mailtrap, "three")
    mailtrap.wait_for(subject="three")
    after = mailtrap.mailbox("alice@example.com")
    assert after.uidvalidity == before.uidvalidity
    assert after.uidnext == before.uidnext + 1
    assert after.messages[0].subject == "three"


def test_message_fields(mailtrap):
    raw = (
        b"From: App <app@example.com>\r\nTo: Alice <alice@example.com>\r\nCc: c@example.com\r\n"
        b"Subject: Fields\r\nDate: Fri, 27 Nov 2026 10:00:00 +0000\r\nMessage-ID: <m1@x>\r\n"
        b"Content-Type: text/html\r\n\r\n<a href='https://example.com/a'>a</a>\r\n"
    )
    with smtplib.SMTP(mailtrap.smtp_host, mailtrap.smtp_port) as smtp:
        smtp.sendmail("bounce@example.com", ["alice@example.com"], raw)
    [msg] = mailtrap.wait_for()
    assert msg.sender == "bounce@example.com"
    assert str(msg.from_) == "App <app@example.com>"
    assert [a.address for a in msg.to] == ["alice@example.com"]
    assert [a.address for a in msg.cc] == ["c@example.com"]
    assert msg.message_id == "<m1@x>" and msg.date.year == 2026
    assert msg.html.startswith("<a href") and msg.text == ""
    assert msg.links == ["https://example.com/a"]
    assert msg.size == len(raw) and msg.raw == raw
    assert ("Subject", "Fields") in msg.headers
    assert mailtrap.mailbox("alice@example.com").unread == 1


def test_max_messages_prunes_oldest_first():
    with MailTrap(max_messages=2) as trap:
        for n in range(4):
            send(trap, f"m{n}")
        trap.wait_for(subject="m3")
        assert [m.subject for m in trap.messages()] == ["m2", "m3"]


def test_two_instances_side_by_side_never_collide():
    with MailTrap() as one, MailTrap() as two:
        assert one.smtp_port != two.smtp_port
        send(one, "for one")
        send(two, "for two")
        assert [m.subject for m in one.wait_for()] == ["for one"]
        assert [m.subject for m in two.wait_for()] == ["for two"]
        assert len(one.messages()) == len(two.messages()) == 1


def test_stop_leaves_no_thread_and_closes_ports():
    before = set(threading.enumerate())
    trap = MailTrap(tls=True).start()
    port, ca_path = trap.smtp_port, trap.ca_path
    held = smtplib.SMTP(trap.smtp_host, port, timeout=5)  # an open client does not delay stop
    trap.stop()
    trap.stop()  # idempotent
    held.close()
    assert set(threading.enumerate()) <= before
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert not __import__("os").path.exists(ca_path)


def test_busy_port_error_surfaces_in_the_caller():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        before = set(threading.enumerate())
        with pytest.raises(OSError, match=f"SMTP address 127.0.0.1:{port} is already in use"):
            MailTrap(smtp_port=port).start()
        assert set(threading.enumerate()) <= before


def test_unknown_option_is_a_type_error():
    with pytest.raises(TypeError, match="unknown MailTrap option"):
        MailTrap(smtp_prot=25)


@pytest.mark.parametrize("size", [0, -1])
def test_a_size_limit_below_one_byte_is_refused(size):
    with pytest.raises(ValueError, match="max_size must be at least 1 byte"):
        MailTrap(max_size=size)


def test_services_can_be_turned_off():
    with MailTrap(smtp_port=None) as trap:
        assert "smtp" not in trap.addresses
        with pytest.raises(KeyError, match="smtp is not running"):
            _ = trap.smtp_port


def test_folders_are_seen_and_seeded_from_python(mailtrap):
    alice = mailtrap.unique_address("alice")  # folders outlive clear(): keep them to this test
    send(mailtrap, "to the inbox", to=(alice,))
    inbox = mailtrap.mailbox(alice)
    assert (inbox.folder, inbox.folders) == ("INBOX", ["INBOX"])
    draft = b"From: a@example.com\r\nSubject: draft one\r\n\r\nunfinished\r\n"
    when = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    saved = mailtrap.mailbox(alice, "Drafts").append(
        draft, flags=["\\Draft", "\\Seen"], internal_date=when
    )
    assert saved.raw == draft and saved.subject == "draft one"
    assert saved.internal_date == when and saved.recipients == [] and saved.sender == ""
    drafts = mailtrap.mailbox(alice.upper(), "Drafts")
    assert (drafts.address, drafts.messages, drafts.unread) == (alice, [saved], 0)
    assert drafts.folders == ["INBOX", "Drafts"]
    assert mailtrap.mailbox(alice).messages[0].subject == "to the inbox"
    # appended mail is stored mail: every message once, but it has no envelope recipient
    assert {m.subject for m in mailtrap.messages()} == {"to the inbox", "draft one"}
    assert mailtrap.messages(to=alice)[0].subject == "to the inbox"
    assert mailtrap.wait_for(subject="draft", timeout=1) == [saved]


def test_unknown_folder_reads_empty(mailtrap):
    nothing = mailtrap.mailbox("nobody@example.com", "Sent")
    assert (nothing.messages, nothing.unread, nothing.folders) == ([], 0, [])


def test_messages_compare_by_id_and_stay_readable_once_read(mailtrap):
    send(mailtrap, "kept")
    [first] = mailtrap.messages()
    [again] = mailtrap.wait_for(subject="kept")
    assert first == again and hash(first) == hash(again) and first is not again
    assert first.text.strip() == "hi"
    mailtrap.clear()
    assert first.subject == "kept" and first.text.strip() == "hi"  # read before: still readable


def send_raw(trap, raw: bytes, to=("alice@example.com",)):
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=5) as smtp:
        smtp.sendmail("app@example.com", list(to), raw)


def test_tags_from_python(mailtrap):
    send_raw(mailtrap, b"Subject: tagged\r\nX-Tags: Signup, billing\r\n\r\nhi\r\n")
    send_raw(mailtrap, b"Subject: plain\r\n\r\nhi\r\n")
    [tagged] = mailtrap.wait_for(tag="signup", timeout=5)
    assert tagged.subject == "tagged"
    assert tagged.tags == ["billing", "Signup"]
    assert [m.subject for m in mailtrap.messages(tag="BILLING")] == ["tagged"]
    assert mailtrap.messages(tag="bill") == []  # a whole tag
    [plain] = mailtrap.messages(subject="plain")
    assert plain.tags == []
    mailtrap.store.set_tags([plain.id], ["later"])
    assert plain.tags == ["later"]  # the store's tags now
    assert [m.subject for m in mailtrap.messages(tag="later", subject="plain")] == ["plain"]
    with pytest.raises(MailWaitTimeout) as error:
        mailtrap.wait_for(tag="missing", timeout=0.1)
    assert "tags=['billing', 'Signup']" in str(error.value)
    mailtrap.clear()
    assert tagged.tags == []
