"""The example exchanges of RFC 3501 sections 6.4, 6.5 and 7 (selected state, server
responses), replayed against the engine; how a replay compares, and where ours differs from
the example: tests/support/rfc3501_examples.py.
"""

from __future__ import annotations

from imap_replay import replay
from rfc3501_examples import USER, claim, fill, validity

from mailtrap.store import MailboxId

# -- 6.4 selected state ---------------------------------------------------------------------------


def test_6_4_1_check(client, deliver):
    deliver()
    replay(
        client().select(),
        """
        C: FXXZ CHECK
        S: FXXZ OK CHECK Completed
        """,
    )


def test_6_4_2_close(client, deliver, store):
    deliver()
    one = client().select()
    one.ok("p STORE 1 +FLAGS (\\Deleted)")
    replay(
        one,
        """
        C: A341 CLOSE
        S: A341 OK CLOSE completed
        """,
    )
    assert store.folder(USER).total == 0


def test_6_4_3_expunge(client, store):
    fill(store, 12)
    one = client().select()
    one.ok("p STORE 3,4,7,11 +FLAGS.SILENT (\\Deleted)")
    replay(
        one,
        """
        C: A202 EXPUNGE
        S: * 3 EXPUNGE
        S: * 3 EXPUNGE
        S: * 5 EXPUNGE
        S: * 8 EXPUNGE
        S: A202 OK EXPUNGE completed
        """,
    )


def test_6_4_4_search(client, store):
    # 884 messages: 2, 84 and 882 flagged from Jones, 883 flagged from Smith, and the six
    # octets of UTF-8 the example writes "XXXXXX" in message 43's body.
    utf8 = "äöü".encode()
    for n in range(1, 885):
        sender = b"Smith <smith@x.org>" if n == 883 else b"Jones <jones@x.org>"
        body = utf8 if n == 43 else b"body %d" % n
        raw = b"From: %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s\r\n" % (sender, body)
        store.deliver("a@x.org", [USER], raw)
    store.store_flags(USER, [2, 84, 882, 883], ["\\Flagged"], "add")
    one = client().select()
    replay(
        one,
        """
        C: A282 SEARCH FLAGGED SINCE 1-Feb-1994 NOT FROM "Smith"
        S: * SEARCH 2 84 882
        S: A282 OK SEARCH completed
        C: A283 SEARCH TEXT "string not in mailbox"
        S: * SEARCH
        S: A283 OK SEARCH completed
        """,
    )
    assert one.send(b"A284 SEARCH CHARSET UTF-8 TEXT {6}\r\n") == b"+ Ready for literal data\r\n"
    assert one.send(utf8 + b"\r\n") == b"* SEARCH 43\r\nA284 OK SEARCH completed\r\n"


def test_6_4_5_fetch(client, store):
    fill(store, 4)
    one = client().select()
    responses = replay(
        one,
        """
        C: A654 FETCH 2:4 (FLAGS BODY[HEADER.FIELDS (DATE FROM)])
        S: * 2 FETCH ....
        S: * 3 FETCH ....
        S: * 4 FETCH ....
        S: A654 OK FETCH completed
        """,
    )
    assert responses[0] == (
        b"* 2 FETCH (FLAGS (\\Seen \\Recent) BODY[HEADER.FIELDS (DATE FROM)] {35}\r\n"
        b"From: Jones <jones@example.org>\r\n\r\n)\r\n"
    )


def test_6_4_6_store(client, store):
    fill(store, 4)
    store.store_flags(USER, [2], ["\\Seen"], "add")
    store.store_flags(USER, [4], ["\\Seen", "\\Flagged"], "add")
    claim(client)
    replay(
        client().select(),
        """
        C: A003 STORE 2:4 +FLAGS (\\Deleted)
        S: * 2 FETCH (FLAGS (\\Deleted \\Seen))
        S: * 3 FETCH (FLAGS (\\Deleted))
        S: * 4 FETCH (FLAGS (\\Deleted \\Flagged \\Seen))
        S: A003 OK STORE completed
        """,
    )


def test_6_4_7_copy(client, store):
    fill(store, 4)
    store.create_folder(MailboxId(USER, "MEETING"))
    replay(
        client().select(),
        """
        C: A003 COPY 2:4 MEETING
        S: A003 OK COPY completed
        """,
    )
    assert store.folder(MailboxId(USER, "MEETING")).total == 3


def test_6_4_8_uid_fetch(client, store):
    # The example's UIDs are 4827313, 4827943 and 4828442; these are laid out the same way:
    # messages 23 to 25 with UIDs far apart, named by a UID range that starts and ends on them.
    fill(store, 60)
    store.expunge(USER, [*range(23, 30), *range(31, 45), *range(46, 60)])
    store.store_flags(USER, [30, 45, 60], ["\\Seen"], "add")
    claim(client)
    replay(
        client().select(),
        """
        C: A999 UID FETCH 30:60 FLAGS
        S: * 23 FETCH (FLAGS (\\Seen) UID 30)
        S: * 24 FETCH (FLAGS (\\Seen) UID 45)
        S: * 25 FETCH (FLAGS (\\Seen) UID 60)
        S: A999 OK UID FETCH completed
        """,
    )


def test_6_5_1_experimental_commands(client):
    # XPIG-LATIN is not offered (CAPABILITY does not list it), so it is an unknown command.
    one = client()
    assert b"XPIG-LATIN" not in one.ok("a441 CAPABILITY")[0]
    replay(
        one,
        """
        C: A442 XPIG-LATIN
        S: A442 BAD unknown command
        """,
    )


# -- 7 server responses ---------------------------------------------------------------------------


def test_7_1_1_ok(client):
    # The example's "* OK [ALERT] System shutdown in 10 minutes" is a warning this server never
    # has to give; the greeting and the login are replayed.
    one = client()
    assert one.greeting.startswith(b"* OK ")
    replay(
        one,
        """
        C: A001 LOGIN fred blurdybloop
        S: A001 OK LOGIN Completed
        """,
    )


def test_7_1_2_no(client, store):
    # The "Disk is 98% full" warnings have no cause here; COPY that fails says NO, as in the
    # example (here because the target does not exist, with TRYCREATE).
    fill(store, 200)
    store.create_folder(MailboxId(USER, "owatagusiam"))
    replay(
        client().select(),
        """
        C: A222 COPY 1:2 owatagusiam
        S: A222 OK COPY completed
        C: A223 COPY 3:200 blurdybloop
        S: A223 NO COPY failed: no such mailbox
        """,
    )


def test_7_1_3_bad(client, store):
    # The untagged BADs of the example: a command line too long, an empty line. The disk crash
    # and its untagged BAD/OK have no cause here; the EXPUNGE completes.
    fill(store, 1)
    one = client(max_line=100).select()
    replay(
        one,
        f"""
        C: {"x" * 200}
        S: * BAD Command line too long
        C:
        S: * BAD Empty command line
        C: A443 EXPUNGE
        S: A443 OK Expunge completed
        """,
    )


def test_7_1_4_preauth(client):
    # PREAUTH is for connections authenticated by outside means; this server has none, so
    # every connection starts with "* OK" and needs LOGIN (RFC 3501 7.1.1).
    assert client().greeting.startswith(b"* OK [CAPABILITY IMAP4rev1 ")


def test_7_1_5_bye(client):
    one = client()
    one.connection.timed_out()
    assert one.pending() == b"* BYE Autologout; idle for too long\r\n"
    assert one.connection.closed


def test_7_2_responses(client, store):
    # 7.2.1-7.2.6: CAPABILITY, LIST, LSUB, STATUS, SEARCH and FLAGS, each from its command
    one = client().login()
    one.ok('p1 CREATE "~/Mail/foo/x"')
    one.ok('p2 DELETE "~/Mail/foo"')
    one.ok("p3 SUBSCRIBE #news.comp.mail.misc")
    store.create_folder(MailboxId(USER, "blurdybloop"))
    fill(store, 231, "blurdybloop")
    uidnext = store.folder(MailboxId(USER, "blurdybloop")).uidnext
    fill(store, 6)
    for uid in (2, 3, 6):
        store.store_flags(USER, [uid], ["\\Answered"], "add")
    replay(
        one,
        f"""
        C: q1 LIST "" ~/Mail/foo
        S: * LIST (\\Noselect) "/" ~/Mail/foo
        S: q1 OK done
        C: q2 LSUB "" #news.comp.mail.misc
        S: * LSUB () "/" #news.comp.mail.misc
        S: q2 OK done
        C: q3 STATUS blurdybloop (MESSAGES UIDNEXT)
        S: * STATUS blurdybloop (MESSAGES 231 UIDNEXT {uidnext})
        S: q3 OK done
        C: q4 SELECT INBOX
        S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
        S: * 6 EXISTS
        S: * 6 RECENT
        S: * OK [UNSEEN 1] first unseen
        S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] flags
        S: * OK [UIDVALIDITY {validity(store)}] UIDs valid
        S: * OK [UIDNEXT 7] next
        S: q4 OK [READ-WRITE] done
        C: q5 SEARCH ANSWERED
        S: * SEARCH 2 3 6
        S: q5 OK done
        """,
    )


def test_7_3_1_and_7_3_2_exists_and_recent(client, store):
    fill(store, 18)
    claim(client)
    one = client().select()
    fill(store, 5)
    replay(
        one,
        """
        C: a NOOP
        S: * 23 EXISTS
        S: * 5 RECENT
        S: a OK done
        """,
    )


def test_7_4_2_fetch(client, store):
    fill(store, 22)
    store.deliver("a@x.org", [USER], b"Subject: big\r\n\r\n" + b"x" * (44827 - 18) + b"\r\n")
    store.store_flags(USER, [23], ["\\Seen"], "add")
    claim(client)
    replay(
        client().select(),
        """
        C: a FETCH 23 (FLAGS RFC822.SIZE)
        S: * 23 FETCH (FLAGS (\\Seen) RFC822.SIZE 44827)
        S: a OK done
        """,
    )


def test_7_4_1_expunge_numbers(client, store):
    fill(store, 50)
    one = client().select()
    store.expunge(USER, [44])
    replay(
        one,
        """
        C: a NOOP
        S: * 44 EXPUNGE
        S: a OK done
        """,
    )


def test_7_5_continuation(client):
    replay(
        client(),
        """
        C: A001 LOGIN {11}
        S: + Ready for additional command text
        C: FRED FOOBAR {7}
        S: + Ready for additional command text
        C: fat man
        S: A001 OK LOGIN completed
        C: A044 BLURDYBLOOP {102856}
        S: A044 BAD No such command as "BLURDYBLOOP"
        """,
    )
