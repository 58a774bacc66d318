"""Input for the fuzz tests (tests/fuzz): random octets, and lines built from each protocol's own
words (so the parsers get past their first token), plus mutations of real messages."""

from __future__ import annotations

from hypothesis import strategies as st

IMAP_WORDS = [
    "FETCH", "UID", "STORE", "SEARCH", "SELECT", "EXAMINE", "LIST", "LSUB", "STATUS", "IDLE",
    "NOOP", "CHECK", "EXPUNGE", "CLOSE", "UNSELECT", "ID", "ENABLE", "NAMESPACE", "CAPABILITY",
    "AUTHENTICATE", "PLAIN", "LOGIN", "LOGOUT", "INBOX", "1", "2", "*", "1:*", "0", "2:1",
    "4294967296", "(", ")", "[", "]", "<0.5>", "BODY[", "BODY.PEEK[", "HEADER.FIELDS", "TEXT",
    "MIME", "1.2", "FLAGS", "+FLAGS", "-FLAGS.SILENT", "\\Seen", "\\Recent", "NIL", '"q"',
    '"\\\\"', '"a\\b"', "{3+}\r\nabc", "{0}\r\n", "{5}", "{0+}\r\n", "CHARSET", "UTF-8", "OR",
    "NOT", "SUBJECT", "HEADER", "BEFORE", "1-Jan-2024", "LARGER", "ENVELOPE", "BODYSTRUCTURE",
    "RFC822", "ALL", "FULL", "%", "%*%*", "DONE", "APPEND", "=", '""', "1,3:5,*",
]  # fmt: skip
POP3_WORDS = [
    "USER", "PASS", "APOP", "AUTH", "PLAIN", "STLS", "CAPA", "QUIT", "STAT", "LIST", "UIDL",
    "RETR", "TOP", "DELE", "NOOP", "RSET", "1", "2", "0", "-1", "99999999999", "*", "=",
    "alice@example.com", "AGFsaWNlAHg=",
]  # fmt: skip


def _lines(words: list[str], tagged: bool) -> st.SearchStrategy[bytes]:
    built = st.lists(st.sampled_from(words), min_size=1, max_size=8).map(
        lambda picked: (("t " if tagged else "") + " ".join(picked) + "\r\n").encode()
    )
    junk = st.binary(max_size=80).map(lambda b: b + b"\r\n")
    return st.one_of(built, built, junk, st.binary(max_size=40))


imap_input = st.lists(_lines(IMAP_WORDS, tagged=True), max_size=12)
pop3_input = st.lists(_lines(POP3_WORDS, tagged=False), max_size=12)

MESSAGE = (
    b"From: Alice <alice@example.com>\r\nTo: bob@example.com, (c) <c@example.com>\r\n"
    b"Subject: =?utf-8?q?caf=C3=A9?= hello\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    b"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n"
    b"body https://example.com/x\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n"
    b"Subject: inner\r\n\r\ninner\r\n--b\r\nContent-Type: application/pdf; name=a.pdf\r\n"
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--b--\r\n"
)
_PIECES = [
    b"\r\n", b"\n", b"--b", b"--b--", b":", b"(", b")", b"<", b">", b",", b"=?", b"?=", b"\x00",
    b"\xff", b"Content-Type: multipart/mixed; boundary=b\r\n", b"\r\n\r\n",
]  # fmt: skip


@st.composite
def mutated_message(draw: st.DrawFn) -> bytes:
    """MESSAGE with a few cuts, repeats and insertions."""
    data = bytearray(MESSAGE)
    for _ in range(draw(st.integers(0, 6))):
        where = draw(st.integers(0, len(data)))
        how = draw(st.integers(0, 2))
        if how == 0:
            data[where:where] = draw(st.sampled_from(_PIECES)) * draw(st.integers(1, 50))
        elif how == 1:
            del data[where : where + draw(st.integers(1, 40))]
        else:
            data[where:where] = draw(st.binary(max_size=20))
    return bytes(data)


messages = st.one_of(mutated_message(), st.binary(max_size=2000))
