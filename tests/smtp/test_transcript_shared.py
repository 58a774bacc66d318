"""Transcripts kept as a shared template and a few bytes a message (mailtrap.transcript_shared),
without sockets: the round trip, sharing between messages and connections, the self-contained
form, long pauses, the bounds a hostile client meets, forgetting, and the limits (applied once a
part is done) giving what they gave line by line."""

from __future__ import annotations

import random

import pytest

from mailtrap import transcript
from mailtrap.store import MemoryStore
from mailtrap.transcript import LINE_LIMIT, PART_LIMIT, Recorder, decode, queued_reply
from mailtrap.transcript_shared import (
    FORMAT,
    TEXT,
    Template,
    Templates,
    compressed,
    text_of,
    uncompressed,
)

OPENING = [
    ("out", "220 mail.test ESMTP"),
    ("in", b"EHLO client\r\n"),
    ("out", "250-mail.test"),
    ("out", "250 HELP"),
]


def transaction(sender: bytes = b"a@b") -> list[tuple[str, object]]:
    return [
        ("in", b"MAIL FROM:<" + sender + b">\r\n"),
        ("out", "250 OK"),
        ("in", b"RCPT TO:<c@d>\r\n"),
        ("out", "250 OK"),
        ("in", b"DATA\r\n"),
        ("out", "354 End data with <CR><LF>.<CR><LF>"),
    ]


def play(recorder: Recorder, lines) -> None:
    """As the server layer calls it: command lines as read, other client lines, replies."""
    for direction, text in lines:
        if direction == "in":
            recorder.command(text)
        elif direction == "client":
            recorder.client(text)
        elif direction == "secret":
            recorder.secret(text)
        else:
            recorder.server(text)


def send(recorder: Recorder, sender: bytes = b"a@b", queued: str = "250 OK: queued as 1"):
    play(recorder, transaction(sender))
    encoded = recorder.delivered(data_end=True)
    recorder.server(queued)
    return encoded


def texts(encoded, message_id: str = "ID") -> list[tuple[str, str]]:
    return [(line.direction, line.text) for line in decode(encoded, message_id).lines]


class Clock:
    """A monotonic clock (ns) that moves only when told."""

    def __init__(self) -> None:
        self.now = 10**15

    def __call__(self) -> int:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    made = Clock()
    monkeypatch.setattr(transcript, "_monotonic_ns", made)
    return made


def test_messages_with_the_same_lines_share_one_template():
    table = Templates()
    one = Recorder(("127.0.0.1", 40001), None, table)
    play(one, OPENING)
    first, second, third = (send(one) for _ in range(3))
    other = Recorder(("127.0.0.1", 40002), None, table)
    play(other, OPENING)
    fourth = send(other)

    # Seen once, a text is kept self-contained; from the second time on, it is shared.
    assert isinstance(first, bytes) and first[:1] == FORMAT
    assert isinstance(second[0], Template) and second[0] is third[0] is fourth[0]
    assert len(table) == 1
    assert len(second[1]) < 32  # this message's own: times and port
    expected = [
        *[(d, t.decode().rstrip("\r\n") if isinstance(t, bytes) else t) for d, t in OPENING],
        ("in", "MAIL FROM:<a@b>"),
        ("out", "250 OK"),
        ("in", "RCPT TO:<c@d>"),
        ("out", "250 OK"),
        ("in", "DATA"),
        ("out", "354 End data with <CR><LF>.<CR><LF>"),
        ("in", "."),
        ("out", queued_reply("ID")),
    ]
    for encoded in (first, second, third, fourth):
        assert texts(encoded) == expected
    assert decode(third, "x").client == "127.0.0.1:40001"
    assert decode(fourth, "x").client == "127.0.0.1:40002"
    assert "queued" not in second[0].key[3][4]  # (the queued ID comes from the message)


def deltas_of(encoded) -> tuple[list[int], list[int]]:
    """The µs between lines, as the text has them: the opening's, the transaction's."""
    rows = text_of(encoded).decode().split("\n")
    count = len(rows[1].split(" ")[0])  # the opening's lines
    opening = [int(n) for n in rows[2].split(",") if n]
    return opening, [int(n) for n in rows[4 + count].split(",") if n]


def test_both_forms_decode_alike_to_the_microsecond(clock):
    table = Templates()
    recorder = Recorder("[::1]:2525", "TLSv1.3 TLS_AES_128_GCM_SHA256", table)
    for direction, text in OPENING:
        clock.now += 1_234_567
        play(recorder, [(direction, text)])
    encodings = []
    for n in range(3):  # BDAT, DATA, BDAT: the first and last share a text
        for direction, text in transaction():
            clock.now += 7_000 + 1_000 * n
            play(recorder, [(direction, text)])
        clock.now += 3_000
        encodings.append(recorder.delivered(data_end=n == 1))
        recorder.server("250 OK: queued as x")
    first, data, shared = encodings
    assert isinstance(first, bytes) and isinstance(data, bytes) and isinstance(shared, tuple)
    alone = compressed(uncompressed(shared))
    assert isinstance(alone, bytes) and decode(alone, "m") == decode(shared, "m")
    assert text_of(alone) == text_of(shared)
    # the SQLite store's form while mail arrives: the text itself, compressed later
    whole = uncompressed(shared)
    assert whole == TEXT + text_of(shared) and decode(whole, "m") == decode(shared, "m")
    assert compressed(whole) == alone and compressed(alone) == alone
    assert uncompressed(alone) == alone and uncompressed(None) is compressed(None) is None
    dialogue = decode(shared, "m")
    assert dialogue.client == "[::1]:2525" and dialogue.tls == "TLSv1.3 TLS_AES_128_GCM_SHA256"
    assert deltas_of(shared) == ([1234] * 4, [105, 9, 9, 9, 9, 9, 3])
    # after DATA, the end of the data and the accepting reply share a time
    assert deltas_of(data) == ([1234] * 4, [53, 8, 8, 8, 8, 8, 3, 0])


def test_pauses_of_more_than_a_second(clock):
    table = Templates()
    slow_opening = Recorder(("127.0.0.1", 1), None, table)
    clock.now += 3 * 10**9  # the greeting, 3 s after the connection: LEB128 for its times
    play(slow_opening, OPENING)
    slow_transaction = Recorder(("127.0.0.1", 2), None, table)
    play(slow_transaction, OPENING)
    encodings = []
    for recorder in (slow_opening, slow_transaction, slow_opening, slow_transaction):
        for direction, text in transaction():
            clock.now += 2 * 10**9 if recorder is slow_transaction else 1_000
            play(recorder, [(direction, text)])
        encodings.append(recorder.delivered(data_end=True))
        recorder.server("250 OK: queued as x")
    assert all(isinstance(encoded, tuple) for encoded in encodings[1:])
    assert deltas_of(encodings[2])[0] == [3 * 10**6, 0, 0, 0]
    # 14 s and 12 µs since its opening, across its first message and the other's two
    assert deltas_of(encodings[3]) == ([0] * 4, [14_000_012, *[2 * 10**6] * 5, 0, 0])
    for encoded in encodings[1:]:
        assert decode(encoded, "m") == decode(compressed(uncompressed(encoded)), "m")


def test_a_text_seen_once_stays_self_contained_and_the_table_bounded():
    table = Templates(limit=8)
    kept = []
    for n in range(50):  # a new sender every time
        recorder = Recorder(("10.0.0.1", 1000 + n), None, table)
        play(recorder, OPENING)
        kept.append(send(recorder, b"user%d@example.com" % n))
    assert all(isinstance(encoded, bytes) for encoded in kept)
    assert len(table) == 0 and len(table._seen) <= 8
    assert texts(kept[17])[len(OPENING)] == ("in", "MAIL FROM:<user17@example.com>")


def test_a_hostile_client_repeating_new_lines_grows_nothing_beyond_its_messages():
    table = Templates(limit=8)
    kept = []
    for n in range(40):  # each new text twice: each could become a template
        recorder = Recorder(("10.0.0.1", 2000 + n), None, table)
        play(recorder, OPENING)
        kept += [send(recorder, b"x%d@y" % n), send(recorder, b"x%d@y" % n)]
    assert len(table) == 8 and len(table._seen) <= 8
    shared = [encoded for encoded in kept if isinstance(encoded, tuple)]
    assert len(shared) == 8  # the first eight texts' second messages; the rest self-contained
    for n, encoded in enumerate(kept):
        assert texts(encoded)[len(OPENING)] == ("in", f"MAIL FROM:<x{n // 2}@y>")


def test_a_template_goes_with_the_last_message_that_uses_it():
    table = Templates()
    recorder = Recorder(("127.0.0.1", 5), None, table)
    play(recorder, OPENING)
    kept = [send(recorder) for _ in range(3)]
    assert len(table) == 1
    del kept[1:], recorder  # the messages that share it, and their connection
    assert len(table) == 0  # freed by reference counting: no cycle holds a template


def test_the_memory_store_forgets_with_its_messages():
    table = Templates()
    recorder = Recorder(("127.0.0.1", 5), None, table)
    play(recorder, OPENING)
    store = MemoryStore()
    raw = b"Subject: x\r\n\r\nx\r\n"
    try:
        ids = [store.deliver("a@b", ["c@d"], raw, transcript=send(recorder)).id for _ in range(3)]
        del recorder
        kept = store.transcript(ids[2])
        assert isinstance(kept, tuple) and kept[0] is store.transcript(ids[1])[0]
        assert texts(kept, ids[2])[-1] == ("out", queued_reply(ids[2]))
        del kept
        assert len(table) == 1
        store.delete(ids[1:])
        assert len(table) == 0 and store.transcript(ids[0]) is not None
    finally:
        store.close()


def test_the_cut_at_8_kb_and_masked_secrets_hold_in_both_forms():
    table = Templates()
    encodings = []
    for _ in range(2):
        recorder = Recorder(("127.0.0.1", 9), None, table)
        play(recorder, [*OPENING, ("in", b"AUTH LOGIN\r\n"), ("out", "334 VXNlcm5hbWU6")])
        play(recorder, [("secret", b"YWxpY2U=\r\n"), ("out", "334 UGFzc3dvcmQ6")])
        play(
            recorder, [("secret", b"c2VjcmV0\r\n"), ("out", "235 2.7.0 Authentication successful")]
        )
        play(recorder, [("in", b"NOOP\r\n"), ("out", "250 OK")] * 1000)
        encodings.append(send(recorder))
    for encoded in encodings:
        dialogue = decode(encoded, "m")
        text = "\n".join(line.text for line in dialogue.lines)
        assert "YWxpY2U" not in text and "c2VjcmV0" not in text and text.count("********") == 2
        assert sum(len(line.text) + 1 for line in dialogue.lines[:-2]) <= 2 * PART_LIMIT
        assert dialogue.omitted > 1000
    assert isinstance(encodings[1], tuple)
    assert decode(encodings[1], "m") == decode(compressed(uncompressed(encodings[1])), "m")


# -- the limits, applied late, against the line-by-line rules they replace ---------------------


class LineByLine:
    """The rules as they were applied to each line as it came (the recorder before this one)."""

    def __init__(self) -> None:
        self.parts: list[tuple[list[tuple[str, str]], int]] = []
        self.lines: list[tuple[str, str]] = []
        self.size = self.omitted = 0
        self.opened = self.accepted = False

    def _new(self) -> None:
        self.lines, self.size, self.omitted = [], 0, 0

    def client(self, line: bytes) -> None:
        if not self.opened and line[:4].upper() == b"MAIL":
            self.opened = True
            self.parts.append((self.lines, self.omitted))
            self._new()
        if len(line) > LINE_LIMIT or line.find(b"\n", 0, -1) >= 0:
            line = line[:LINE_LIMIT].replace(b"\n", b" ") + b"..."
        if not line.endswith(b"\n"):
            line += b"\n"
        if self.size + len(line) > PART_LIMIT:
            self.omitted += 1
            return
        self.size += len(line)
        self.lines.append(("in", line.decode("utf-8", "replace").rstrip("\n").rstrip("\r")))

    def server(self, reply) -> None:
        if self.accepted:
            self.accepted = False
            if reply[:3] in ("250", b"250"):
                return
        if not isinstance(reply, str):
            reply = reply.decode("utf-8", "surrogateescape")
        if "\n" in reply:
            for line in reply.splitlines():
                self.server(line)
            return
        if len(reply) > LINE_LIMIT:
            reply = reply[:LINE_LIMIT] + "..."
        if self.size + len(reply) + 1 > PART_LIMIT:
            self.omitted += 1
            return
        self.size += len(reply) + 1
        text = reply.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        self.lines.append(("out", text))

    def delivered(self, data_end: bool) -> tuple[list[tuple[str, str]], int]:
        if not self.opened:
            self.opened = True
            self.parts.append((self.lines, self.omitted))
            self._new()
        opening, opening_omitted = self.parts[0]
        lines = opening + self.lines + ([("in", ".")] if data_end else [])
        result = ([*lines, ("out", queued_reply("m"))], opening_omitted + self.omitted)
        self._new()
        self.accepted = True
        return result


def random_events(rng: random.Random) -> list[tuple[str, object]]:
    events: list[tuple[str, object]] = [("out", "220 hi")]
    for _ in range(rng.randrange(1, 5)):  # messages
        for _ in range(rng.choice([0, 2, 40, 400])):  # lines before MAIL (or between messages)
            kind = rng.random()
            if kind < 0.3:
                events.append(("in", b"NOOP " + b"n" * rng.choice([0, 10, 200, 1000]) + b"\r\n"))
            elif kind < 0.35:
                events.append(("client", rng.choice([b"start of a long one...", b"a\nb", b"x"])))
            elif kind < 0.4:
                events.append(("secret", rng.choice([b"*\r\n", b"c2VjcmV0\r\n"])))
            elif kind < 0.5:
                events.append(("out", rng.choice(["250-a\r\n250 b", b"250 as bytes", "5" * 1200])))
            else:
                events.append(("out", rng.choice(["250 OK", "250 " + "r" * rng.randrange(900)])))
        events += [("in", b"MAIL FROM:<a@b>\r\n"), ("out", "250 OK"), ("in", b"DATA\r\n")]
        events.append(("end", rng.random() < 0.7))
        events.append(("out", rng.choice(["250 OK: queued as 1", "451 no", "250 again"])))
    return events


@pytest.mark.parametrize("seed", range(12))
def test_limits_applied_late_give_what_they_gave_line_by_line(seed):
    rng = random.Random(seed)
    events = random_events(rng)
    table = Templates()
    recorder, reference = Recorder(("127.0.0.1", 1), None, table), LineByLine()
    for kind, value in events:
        if kind == "end":
            encoded = recorder.delivered(data_end=bool(value))
            lines, omitted = reference.delivered(bool(value))
            dialogue = decode(encoded, "m")
            assert [(line.direction, line.text) for line in dialogue.lines] == lines
            assert dialogue.omitted == omitted
            times = [line.time for line in dialogue.lines]
            assert times == sorted(times)
            continue
        play(recorder, [(kind, value)])
        if kind in ("in", "client"):
            reference.client(value)  # type: ignore[arg-type]
        elif kind == "secret":
            reference.client(b"*" if value.strip() == b"*" else transcript.MASK)  # type: ignore[union-attr]
        else:
            reference.server(value)


def test_a_message_recorded_like_the_last_one_after_another_opening_is_not_taken_for_it():
    table = Templates()
    kept = []
    for host, hello in (("10.0.0.1", b"EHLO one\r\n"), ("10.0.0.1", b"EHLO two\r\n")) * 2 + (
        ("10.0.0.2", b"EHLO two\r\n"),
    ):
        recorder = Recorder((host, 25), None, table)
        play(recorder, [OPENING[0], ("in", hello), *OPENING[2:]])
        kept.append(send(recorder))
    assert [texts(k)[1] for k in kept] == [("in", "EHLO one"), ("in", "EHLO two")] * 2 + [
        ("in", "EHLO two")
    ]
    assert [decode(k, "m").client for k in kept] == ["10.0.0.1:25"] * 4 + ["10.0.0.2:25"]
    assert kept[2][0] is not kept[3][0] and len(table) == 2
