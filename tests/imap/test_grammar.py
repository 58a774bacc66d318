"""The strict response checker itself (tests/support/imap_grammar.py): its transcription of the
RFCs' prose values, RFC example responses it must accept, near misses it must reject, the way it
cuts a stream into responses, and its watch over every IMAP connection of the test process."""

from __future__ import annotations

import imaplib

import pytest
from handmade import corruptions, msg, rich_message
from imap_grammar import (
    GrammarError,
    ImapGrammar,
    ResponseSpy,
    ResponseStream,
    check,
    split_responses,
)
from mailclients import ALICE, seed

from mailtrap.protocols.imap import format as fmt
from mailtrap.protocols.imap import too_many_connections
from mailtrap.protocols.imap.structure import body_structure, envelope, message_structure

# --- prose values -------------------------------------------------------------------------
# RFC 3501 9 says these in words; imap.abnf writes them as octet ranges. Each range must be
# exactly what the words say, computed from the RFC's own named rules.


def matches(rule: str, octet: int) -> bool:
    try:
        ImapGrammar(rule).parse_all(chr(octet))
    except Exception:
        return False
    return True


def octets(rule: str) -> set[int]:
    return {octet for octet in range(256) if matches(rule, octet)}


CR_LF = {0x0D, 0x0A}


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        # <any CHAR except atom-specials>
        ("ATOM-CHAR", lambda: octets("CHAR") - octets("atom-specials")),
        # <any CHAR except CR and LF>
        ("TEXT-CHAR", lambda: octets("CHAR") - CR_LF),
        # <any TEXT-CHAR except quoted-specials>
        ("quoted-text-char", lambda: octets("TEXT-CHAR") - octets("quoted-specials")),
        # <any TEXT-CHAR except "]">
        ("resp-code-text-char", lambda: octets("TEXT-CHAR") - {ord("]")}),
        # <any ASTRING-CHAR except "+">
        ("tag-char", lambda: octets("ASTRING-CHAR") - {ord("+")}),
    ],
)
def test_prose_values_are_transcribed_octet_for_octet(rule, words):
    assert octets(rule) == words()


def test_the_named_sets_are_the_rfcs():
    assert octets("CHAR") == set(range(1, 128))  # RFC 5234 B.1
    assert octets("atom-specials") == {*b'(){ %*"\\]', *range(32), 127}
    assert octets("CHAR8") == set(range(1, 256))


# --- what the grammar accepts: responses from the RFCs' examples --------------------------

RFC_EXAMPLES = [
    # RFC 3501 8 (sample connection); its long FETCH line joined where it was broken
    b"* OK IMAP4rev1 Service Ready\r\n",
    b"a001 OK LOGIN completed\r\n",
    b"* 18 EXISTS\r\n",
    b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
    b"* 2 RECENT\r\n",
    b"* OK [UNSEEN 17] Message 17 is the first unseen message\r\n",
    b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
    b"a002 OK [READ-WRITE] SELECT completed\r\n",
    b'* 12 FETCH (FLAGS (\\Seen) INTERNALDATE "17-Jul-1996 02:44:25 -0700" '
    b'RFC822.SIZE 4286 ENVELOPE ("Wed, 17 Jul 1996 02:23:25 -0700 (PDT)" '
    b'"IMAP4rev1 WG mtg summary and minutes" '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'(("Terry Gray" NIL "gray" "cac.washington.edu")) '
    b'((NIL NIL "imap" "cac.washington.edu")) '
    b'((NIL NIL "minutes" "CNRI.Reston.VA.US")("John Klensin" NIL "KLENSIN" "MIT.EDU")) '
    b'NIL NIL "<B27397-0100000@cac.washington.edu>") '
    b'BODY ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 3028 92))\r\n',
    b"* 12 FETCH (BODY[HEADER] {21}\r\nSubject: x\r\nTo: y\r\n\r\n)\r\n",
    b"* 12 FETCH (FLAGS (\\Seen \\Deleted))\r\n",
    b"* BYE IMAP4rev1 server terminating connection\r\n",
    b"a006 OK LOGOUT completed\r\n",
    # RFC 3501 7.4.1, 7.4.2, 7.5
    b"* 44 EXPUNGE\r\n",
    b"* 23 FETCH (FLAGS (\\Seen) RFC822.SIZE 44827)\r\n",
    b'* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 1152 '
    b'23)("TEXT" "PLAIN" ("CHARSET" "US-ASCII" "NAME" "cc.diff") '
    b'"<960723163407.20117h@cac.washington.edu>" "Compiler diff" "BASE64" 4554 73) "MIXED"))\r\n',
    b"+ Ready for additional command text\r\n",
    b'A044 BAD No such command as "BLURDYBLOOP"\r\n',
    # RFC 2971 3.1 (ID)
    b'* ID ("name" "Cyrus" "version" "1.5" "os" "sunos" "os-version" "5.5" '
    b'"support-url" "mailto:cyrus-bugs+@andrew.cmu.edu")\r\n',
    b"* ID NIL\r\n",
    # RFC 2342 / RFC 9051 6.3.10 (NAMESPACE), descriptors side by side
    b'* NAMESPACE (("" "/")) NIL NIL\r\n',
    b'* NAMESPACE (("" "/")("#mh/" "/" "X-PARAM" ("FLAG1" "FLAG2"))) NIL NIL\r\n',
    # RFC 5161 3.1 (ENABLE)
    b"* CAPABILITY IMAP4rev1 ID LITERAL+ ENABLE X-GOOD-IDEA\r\n",
    b"* ENABLED X-GOOD-IDEA\r\n",
    b"* ENABLED\r\n",
    # RFC 4315 3 (UIDPLUS)
    b"A003 OK [APPENDUID 38505 3955] APPEND completed\r\n",
    b"A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
    b"* NO [UIDNOTSTICKY] Non-persistent UIDs\r\n",
    b"* OK [PERMANENTFLAGS (\\Deleted \\Seen)] Limited\r\n",
    # RFC 5530 3 (response codes)
    b"p NO [NONEXISTENT] No such mailbox\r\n",
    # RFC 6154 (SPECIAL-USE attributes in LIST; RFC 9051 6.3.10's example names)
    b'* LIST (\\Sent \\HasNoChildren) "/" "Sent Mail"\r\n',
    b'* LIST (\\NonExistent \\Archive) "/" Archives\r\n',
    b"* OK [USEATTR] done\r\n",
    # RFC 5258 5 (LIST-EXTENDED)
    b'* LIST (\\Marked \\NoInferiors \\Subscribed) "/" inbox\r\n',
    b'* LIST (\\NonExistent \\Subscribed) "/" "Fruit/Peach"\r\n',
    b'* LIST () "/" "Foo" ("CHILDINFO" ("SUBSCRIBED"))\r\n',
    b'* LIST (\\Remote) "/" "Bar" ("CHILDINFO" ("SUBSCRIBED" "X" ("A" "B")))\r\n',
    # RFC 5819 (LIST-STATUS): a STATUS response after the LIST response
    b"* STATUS INBOX (MESSAGES 17 UNSEEN 16)\r\n",
    # RFC 6851 4.3 (MOVE), RFC 7889 (APPENDLIMIT), RFC 4469 (TOOBIG)
    b"* OK [COPYUID 432432 42:69 1202:1229] Moved\r\n",
    b"* CAPABILITY IMAP4rev1 MOVE APPENDLIMIT=257890\r\n",
    b"a NO [TOOBIG] Message too large\r\n",
    b"A003 OK [APPENDUID 38505 3955:3956] APPEND completed\r\n",
]


@pytest.mark.parametrize("response", RFC_EXAMPLES, ids=lambda r: r[:30].decode("latin-1"))
def test_rfc_examples_are_accepted(response):
    check(response)


def test_greeting_rule():
    check(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] ready\r\n", "greeting")
    check(b"* BYE Too many connections, try again later\r\n", "greeting")
    with pytest.raises(GrammarError):
        check(b"a1 OK ready\r\n", "greeting")


# --- what the grammar rejects --------------------------------------------------------------

NEAR_MISSES = [
    # RFC 3501 9 body-type-mpart: a space between the parts (the defect PHP and Ruby tripped on)
    b'* 1 FETCH (BODYSTRUCTURE (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) '
    b'("TEXT" "HTML" NIL NIL NIL "7BIT" 1 1) "ALTERNATIVE"))\r\n',
    # env-to = "(" 1*address ")": a space between the addresses
    b'* 1 FETCH (ENVELOPE (NIL NIL NIL NIL NIL ((NIL NIL "a" "b") (NIL NIL "c" "d")) '
    b"NIL NIL NIL NIL))\r\n",
    # an empty address list is NIL, never ()
    b"* 1 FETCH (ENVELOPE (NIL NIL () NIL NIL NIL NIL NIL NIL NIL))\r\n",
    # SP is exactly one space
    b"* 1  EXISTS\r\n",
    b"* 1 FETCH (UID 1  FLAGS ())\r\n",
    b"* 1\tEXISTS\r\n",
    # text is 1*TEXT-CHAR
    b"a1 OK\r\n",
    b"a1 OK \r\n",
    # nz-number
    b"* 0 EXPUNGE\r\n",
    b"* 1 FETCH (UID 0)\r\n",
    # msg-att has at least one item
    b"* 1 FETCH ()\r\n",
    # a literal's count is exact; no NUL in a literal or anywhere
    b"* 1 FETCH (BODY[] {4}\r\nabc)\r\n",
    b"* 1 FETCH (BODY[] {2}\r\nabc)\r\n",
    b"* 1 FETCH (BODY[] {3}\r\na\x00c)\r\n",
    b'* 1 FETCH (ENVELOPE ("a\x00" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n',
    # quoted strings are 7-bit, without CR or LF
    b'* 1 FETCH (ENVELOPE ("caf\xc3\xa9" NIL NIL NIL NIL NIL NIL NIL NIL NIL))\r\n',
    # the hierarchy delimiter is one QUOTED-CHAR
    b'* LIST () "//" INBOX\r\n',
    # response-tagged needs OK, NO or BAD; a tag never contains "+"
    b"a1 BYE gone\r\n",
    b"a+1 OK done\r\n",
    # every line ends in CRLF
    b"* 1 EXISTS\n",
    # STATUS: UIDNEXT and UIDVALIDITY are nz-number (RFC 3501 Erratum 261, RFC 4466 3)
    b"* STATUS INBOX (UIDNEXT 0)\r\n",
    # the response section names the part, not BODY.PEEK
    b"* 1 FETCH (BODY.PEEK[] {1}\r\nx)\r\n",
    # partial origin only: <origin>, never <origin.length>
    b"* 1 FETCH (BODY[]<0.1> {1}\r\nx)\r\n",
    # RFC 5258: the extended data is a parenthesised list
    b'* LIST () "/" Foo "CHILDINFO"\r\n',
]


@pytest.mark.parametrize("response", NEAR_MISSES, ids=lambda r: r[:30].decode("latin-1"))
def test_near_misses_are_rejected(response):
    with pytest.raises(GrammarError):
        check(response)


def test_the_error_points_at_where_the_grammar_stopped():
    line = b'* 1 FETCH (BODY (("TEXT" "PLAIN" NIL NIL NIL "7BIT" 1 1) ("TEXT" "HTML"'
    line += b' NIL NIL NIL "7BIT" 1 1) "ALTERNATIVE"))\r\n'
    with pytest.raises(GrammarError) as error:
        check(line)
    text, caret = str(error.value).splitlines()[1:3]
    assert text.strip().startswith("* 1 FETCH (BODY ((")
    column = caret.index("^")
    assert text[column - 1 : column + 3] == ') ("'  # at the space between the parts


# --- the stream: responses cut as a client reads them --------------------------------------

STREAM = (
    b"* OK [CAPABILITY IMAP4rev1] ready\r\n"
    b"* 1 FETCH (BODY[] {14}\r\nhi\r\n{3}\r\nabc\r\n UID 4)\r\n"
    b"+ idling\r\n"
    b"a1 OK done\r\n"
)


def test_split_whole_and_byte_by_byte():
    found, rest = split_responses(STREAM)
    assert rest == b""
    assert found == [
        b"* OK [CAPABILITY IMAP4rev1] ready\r\n",
        b"* 1 FETCH (BODY[] {14}\r\nhi\r\n{3}\r\nabc\r\n UID 4)\r\n",
        b"+ idling\r\n",
        b"a1 OK done\r\n",
    ]
    stream = ResponseStream()
    for octet in STREAM:
        stream.feed(bytes([octet]))
    assert stream.responses == 4 and stream.errors == [] and stream.pending == b""


def test_an_incomplete_response_waits():
    found, rest = split_responses(b"a1 OK done\r\n* 1 FETCH (BODY[] {10}\r\nabc")
    assert found == [b"a1 OK done\r\n"]
    assert rest == b"* 1 FETCH (BODY[] {10}\r\nabc"


def test_the_first_response_must_be_a_greeting():
    stream = ResponseStream()
    stream.feed(b"a1 OK done\r\n")
    assert stream.errors and "greeting" in stream.errors[0]


# --- the spy: every IMAP connection of this process ----------------------------------------


def test_the_spy_reports_the_offending_response_with_its_connection():
    spy = ResponseSpy()
    connection = ResponseStream()  # any object stands for a connection
    spy.record(connection, b"* OK ready\r\n* 1 FETCH ()\r\n")
    with pytest.raises(GrammarError) as error:
        spy.check()
    assert "IMAP connection #1, response 2" in str(error.value)
    assert "* 1 FETCH ()" in str(error.value)
    spy.check()  # reported once


def test_end_to_end_sessions_are_checked(mailtrap, imap_responses):
    seed(mailtrap, [b"Subject: one\r\n\r\nbody\r\n"])
    imap_responses.check()
    before = imap_responses.responses
    with imaplib.IMAP4(mailtrap.smtp_host, mailtrap.imap_port) as imap:
        imap.login(ALICE, "x")
        imap.select("INBOX")
        imap.fetch("1", "(BODYSTRUCTURE ENVELOPE BODY[])")
        imap.logout()
    imap_responses.check()
    # greeting, LOGIN, SELECT's seven lines and OK, FETCH and OK, BYE and OK
    assert imap_responses.responses - before >= 12


def test_the_connection_limit_refusal_is_a_greeting():
    check(too_many_connections(), "greeting")


# --- the formatter on odd messages: BODY, BODYSTRUCTURE and ENVELOPE against their rules -----


def odd_messages() -> list[bytes]:
    """Messages the structure tests break the parser with, and random corruptions of one."""
    raw = rich_message()
    return [

        b"",
        b"Subject: only a header",
        b"no header at all\r\n",
        b"\r\nbody after an empty header\r\n",
        b"Subject: x\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\none\n--b--\n",
        b"Subject: cr\rFrom: a@b\r\rbody\r",
        b"Subject: a\x00b\r\nFrom: <@route:a@b>\r\n\r\nn\x00l\r\n",
        msg("Content-Type: multipart/mixed", "", "--b", "", "x", "--b--"),
        msg('Content-Type: multipart/mixed; boundary=""', "", "--", "", "x", "----"),
        msg(b"From: J\xf6rg <j@example.com>", b"Subject: \xff", b"Content-Type: text/plain;"
            b" name=\xe9", b"Content-Disposition: attachment; filename=\xe9", b"", b"x"),
        msg("Content-Type: message/rfc822", "Content-Transfer-Encoding: base64", "", "U3Vi"),
        msg("Content-Type: multipart/mixed; boundary=b", "", "--b",
            "Content-Type: message/rfc822", "", "--b--"),
        msg('Content-Type: text/plain; title*0*=us-ascii\'en\'a; title*1="b"; title=c',
            "Content-Disposition: inline; filename*=utf-8''%E2%82%AC.txt", "Content-ID: <i@d>",
            "Content-Description: a \"quoted\" one", "Content-MD5: Q2hlY2sgSW50ZWdyaXR5IQ==",
            "Content-Location: http://example.com/a", "", "x"),
        b"".join(msg(f"Content-Type: multipart/mixed; boundary=b{i}", "", f"--b{i}")
                 for i in range(66)) + msg("", "leaf"),
        msg("Content-Type: message/rfc822", "") * 66 + msg("Subject: bottom", "", "x"),
        raw,
        *(raw[:end] for end in range(0, len(raw), len(raw) // 8)),
        *corruptions(raw, 3501, 40),
    ]  # fmt: skip


@pytest.mark.parametrize("raw", odd_messages(), ids=lambda raw: str(len(raw)))
def test_odd_messages_give_grammatical_structures(raw):
    structure = message_structure(raw)
    check(fmt.value(body_structure(structure, extensible=False)), "body")
    check(fmt.value(body_structure(structure, extensible=True)), "body")
    check(fmt.value(envelope(structure)), "envelope")
