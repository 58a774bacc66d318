"""The transcript recorder and its encoding, without sockets (mailtrap.transcript is sans-I/O)."""

from __future__ import annotations

import time

import pytest

from mailtrap.transcript import LINE_LIMIT, PART_LIMIT, Recorder, decode, queued_reply


def session(recorder: Recorder, *lines: tuple[str, bytes | str]) -> None:
    for direction, text in lines:
        if direction == "in":
            recorder.client(text)
        elif direction == "secret":
            recorder.secret(text)
        else:
            recorder.server(text)


def texts(blob: bytes, message_id: str = "ID") -> list[tuple[str, str]]:
    return [(line.direction, line.text) for line in decode(blob, message_id).lines]


def test_round_trip_with_times_client_and_tls():
    before = time.time()
    recorder = Recorder("[::1]:2525", tls="TLSv1.3 TLS_AES_128_GCM_SHA256")
    session(
        recorder,
        ("out", "220 mail.test ESMTP"),
        ("in", b"EHLO client\r\n"),
        ("out", "250-mail.test\r\n250 HELP"),  # a multi-line reply pushed at once
        ("in", b"AUTH LOGIN\r\n"),
        ("out", "334 VXNlciBOYW1lAA=="),
        ("secret", b"YWxpY2U=\r\n"),
        ("out", "334 UGFzc3dvcmQA"),
        ("secret", b"*\r\n"),  # cancelled: kept, it is no secret
        ("in", b"MAIL FROM:<a@b>\r\n"),
        ("out", "250 OK"),
    )
    blob = recorder.delivered(data_end=True)
    dialogue = decode(blob, "abc")
    assert dialogue.client == "[::1]:2525" and dialogue.tls == "TLSv1.3 TLS_AES_128_GCM_SHA256"
    assert texts(blob, "abc") == [
        ("out", "220 mail.test ESMTP"),
        ("in", "EHLO client"),
        ("out", "250-mail.test"),
        ("out", "250 HELP"),
        ("in", "AUTH LOGIN"),
        ("out", "334 VXNlciBOYW1lAA=="),
        ("in", "********"),
        ("out", "334 UGFzc3dvcmQA"),
        ("in", "*"),
        ("in", "MAIL FROM:<a@b>"),
        ("out", "250 OK"),
        ("in", "."),
        ("out", queued_reply("abc")),
    ]
    times = [line.time for line in dialogue.lines]
    assert before <= times[0] and times == sorted(times) and times[-1] <= time.time()


def test_the_next_message_gets_the_opening_and_its_own_lines_only():
    recorder = Recorder("127.0.0.1:1")
    session(recorder, ("out", "220 hi"), ("in", b"EHLO x"), ("out", "250 HELP"))
    session(recorder, ("in", b"MAIL FROM:<one@x>"), ("out", "250 OK"))
    first = recorder.delivered(data_end=False)
    session(recorder, ("out", queued_reply("1")))  # the reply to the first: in its transcript
    session(recorder, ("in", b"RSET"), ("out", "250 OK"), ("in", b"MAIL FROM:<two@x>"))
    second = recorder.delivered(data_end=True)
    assert texts(first)[-1] == ("out", queued_reply("ID"))
    assert texts(second) == [
        ("out", "220 hi"),
        ("in", "EHLO x"),
        ("out", "250 HELP"),
        ("in", "RSET"),
        ("out", "250 OK"),
        ("in", "MAIL FROM:<two@x>"),
        ("in", "."),
        ("out", queued_reply("ID")),
    ]
    one, two = decode(first, "ID").lines, decode(second, "ID").lines
    assert [line.time for line in two[:3]] == [line.time for line in one[:3]]
    assert two[3].time >= one[-1].time  # the clock runs on across messages


def test_each_part_is_cut_and_counted():
    recorder = Recorder("127.0.0.1:1")
    for _ in range(3000):
        session(recorder, ("in", b"NOOP"), ("out", "250 OK"))
    session(recorder, ("in", b"MAIL FROM:<a@b> " + b"x" * 5000))
    for _ in range(3000):
        session(recorder, ("in", b"RCPT TO:<b@c>"), ("out", "250 OK"))
    blob = recorder.delivered(data_end=True)
    dialogue = decode(blob, "ID")
    kept_text = sum(len(line.text) + 1 for line in dialogue.lines[:-2])  # less the message's end
    assert kept_text <= 2 * PART_LIMIT
    kept = len(dialogue.lines)
    assert dialogue.omitted == 12001 - kept + 2  # every line sent, less those kept (and the end)
    mail = next(line.text for line in dialogue.lines if line.text.startswith("MAIL"))
    assert len(mail) == LINE_LIMIT + 3 and mail.endswith("...")
    assert dialogue.lines[-1].text == queued_reply("ID")
    assert len(blob) < 1500


@pytest.mark.parametrize("blob", [b"", b"\x02abc", b"\x01not deflate at all"])
def test_decode_refuses_what_it_did_not_make(blob):
    with pytest.raises(ValueError):
        decode(blob, "ID")
