"""The example exchanges of the extensions this server offers, replayed against the engine:
RFC 4315 (UIDPLUS), RFC 6851 (MOVE), RFC 3502 (MULTIAPPEND), RFC 6154 (SPECIAL-USE) and RFC
7888 (LITERAL+). See tests/support/rfc3501_examples.py for how a replay compares; values only
a given server has (UIDVALIDITY) are this server's, the rest is laid out to be the example's
own.
"""

from __future__ import annotations

from imap_replay import replay

from mailtrap.store import MailboxId

USER = "bob@example.com"
MESSAGE = (
    "C: Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\n"
    "C: From: Fred Foobar <foobar@Blurdybloop.COM>\n"
    "C: Subject: afternoon meeting\n"
    "C: To: mooch@owatagu.siam.edu\n"
    "C: Message-Id: <B27397-0100000@Blurdybloop.COM>\n"
    "C: MIME-Version: 1.0\n"
    "C: Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
    "C:\n"
    "C: Hello Joe, do you think we can meet at 3:30 tomorrow?\n"
)


def folder(store, name: str) -> MailboxId:
    mailbox = MailboxId(USER, name)
    store.open_account(USER)
    if store.folder(mailbox) is None:
        store.create_folder(mailbox)
    return mailbox


def fill_to_uid(store, mailbox: MailboxId, uids: list[int]) -> None:
    """Messages with exactly these UIDs in a folder: append up to the last, expunge the rest."""
    for _ in range(uids[-1] - store.folder(mailbox).uidnext + 1):
        store.append(mailbox, b"Subject: filler\r\n\r\nx\r\n")
    gone = set(range(1, uids[-1] + 1)) - set(uids)
    store.expunge(mailbox, sorted(gone))


def validity(store, name: str) -> int:
    return store.folder(MailboxId(USER, name)).uidvalidity


# -- RFC 4315 UIDPLUS -----------------------------------------------------------------------------


def test_rfc4315_uid_expunge(client, store):
    inbox = folder(store, "INBOX")
    fill_to_uid(store, inbox, [1, 2, 3000, 3001, 3002, 3003])
    store.store_flags(inbox, [2, 3000, 3001, 3002, 3003], ["\\Deleted"], "add")
    replay(
        client().select(),
        """
        C: A003 UID EXPUNGE 3000:3002
        S: * 3 EXPUNGE
        S: * 3 EXPUNGE
        S: * 3 EXPUNGE
        S: A003 OK UID EXPUNGE completed
        """,
    )
    assert [e.uid for e in store.snapshot(inbox).entries] == [1, 2, 3003]


def test_rfc4315_appenduid_and_copyuid(client, store):
    saved = folder(store, "saved-messages")
    fill_to_uid(store, saved, [3954])
    meeting = folder(store, "meeting")
    fill_to_uid(store, meeting, [3955])
    store.expunge(meeting, [3955])
    inbox = folder(store, "INBOX")
    fill_to_uid(store, inbox, [1, 304, 319, 320])
    folder(store, "funny")
    one = client().select()
    replay(
        one,
        f"""
        C: A003 APPEND saved-messages (\\Seen) {{310}}
        S: + Ready for literal data
        {MESSAGE}
        C:
        S: A003 OK [APPENDUID {validity(store, "saved-messages")} 3955] APPEND completed
        C: A004 COPY 2:4 meeting
        S: A004 OK [COPYUID {validity(store, "meeting")} 304,319:320 3956:3958] Done
        C: A005 UID COPY 305:310 meeting
        S: A005 OK No matching messages, so nothing copied
        """,
    )
    # A006/A007 copy to "funny", a mailbox whose UIDs do not last (UIDNOTSTICKY): this
    # server has none of those, so the copy has its COPYUID and SELECT no UIDNOTSTICKY.
    replay(
        one,
        f"""
        C: A006 COPY 2 funny
        S: A006 OK [COPYUID {validity(store, "funny")} 304 1] Done
        C: A007 SELECT funny
        S: * 1 EXISTS
        S: * 1 RECENT
        S: * OK [UNSEEN 1] Message 1 is first unseen
        S: * OK [UIDVALIDITY {validity(store, "funny")}] Validity session-only
        S: * OK [UIDNEXT 2] Predicted next UID
        S: * FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)
        S: * OK [PERMANENTFLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft \\*)] Limited
        S: A007 OK [READ-WRITE] SELECT completed
        """,
    )


# -- RFC 6851 MOVE --------------------------------------------------------------------------------


def test_rfc6851_uid_move(client, store):
    inbox = folder(store, "INBOX")
    fill_to_uid(store, inbox, [*range(1, 22), *range(42, 70), 80])  # 42 is message 22
    foo = folder(store, "foo")
    fill_to_uid(store, foo, [1201])
    store.expunge(foo, [1201])
    one = client().select()
    expunges = "\n".join("        S: * 22 EXPUNGE" for _ in range(42, 70))
    replay(
        one,
        f"""
        C: a UID MOVE 42:69 foo
        S: * OK [COPYUID {validity(store, "foo")} 42:69 1202:1229]
{expunges}
        S: a OK Done
        """,
    )
    assert [e.uid for e in store.snapshot(foo).entries] == list(range(1202, 1230))
    assert [e.uid for e in store.snapshot(inbox).entries] == [*range(1, 22), 80]
    # RFC 6851 4.4's example answers with VANISHED, for a client that enabled QRESYNC; this
    # server does not offer QRESYNC, so EXPUNGE is what a client gets (above).
    assert b"QRESYNC" not in one.ok("b CAPABILITY")[0]


# -- RFC 3502 MULTIAPPEND -------------------------------------------------------------------------

SECOND = (
    "C: Date: Mon, 7 Feb 1994 22:43:04 -0800 (PST)\n"
    "C: From: Joe Mooch <mooch@OWATAGU.example.net>\n"
    "C: Subject: Re: afternoon meeting\n"
    "C: To: foobar@blurdybloop.example.com\n"
    "C: Message-Id: <a0434793874930@OWATAGU.example.net>\n"
    "C: MIME-Version: 1.0\n"
    "C: Content-Type: TEXT/PLAIN; CHARSET=US-ASCII\n"
    "C:\n"
    "C: 3:30 is fine with me.\n"
)


def test_rfc3502_multiappend(client, store):
    saved = folder(store, "saved-messages")
    test = folder(store, "test")
    first = MESSAGE.replace("Blurdybloop.COM", "Blurdybloop.example.COM").replace(
        "owatagu.siam.edu", "owatagu.example.net"
    )
    size = lambda lines: len(lines.replace("C: ", "").replace("C:", "").replace("\n", "\r\n"))  # noqa: E731
    one = client(max_message=35402).login()
    replay(
        one,
        f"""
        C: A003 APPEND saved-messages (\\Seen) {{{size(first)}}}
        S: + Ready for literal data
        {first}
        C:  (\\Seen) " 7-Feb-1994 22:43:04 -0800" {{{size(SECOND)}}}
        S: + Ready for literal data
        {SECOND}
        C:
        S: A003 OK APPEND completed
        C: A004 APPEND bogusname (\\Flagged) {{1023}}
        S: A004 NO [TRYCREATE] No such mailbox as bogusname
        """.replace("{first}", first),
    )
    entries = store.snapshot(saved).entries
    assert [sorted(e.flags) for e in entries] == [["\\Seen"], ["\\Seen"]]
    assert entries[1].message.internal_date == 760689784.0
    # A005: the second message is refused (there for a full disk; here for its size), and
    # then none of the command's messages is appended (RFC 3502 3).
    replay(
        one,
        """
        C: A005 APPEND test (\\Flagged) {99}
        S: + Ready for literal data
        C: Date: Mon, 7 Feb 2000 22:43:04 -0800 (PST)
        C: From: Fred Foobar <fred@example.com>
        C: Subject: hmm...
        C:  {35403}
        S: A005 NO APPEND failed: Disk quota exceeded
        """,
    )
    assert store.folder(test).total == 0
    assert one.command("A006 NOOP") == [b"A006 OK NOOP completed"]


# -- RFC 6154 SPECIAL-USE -------------------------------------------------------------------------


def rfc6154_account(client):
    """The example's account: Inbox, ToDo, Projects (with children), SentMail, MyDrafts and
    Trash; our own Drafts and Sent are renamed to the example's names (their uses go along)."""
    one = client().login()
    for line in (
        "RENAME Drafts MyDrafts",
        "RENAME Sent SentMail",
        "DELETE Junk",
        "DELETE Archive",
        "CREATE ToDo",
        "CREATE Projects/Plans",
    ):
        one.ok("p " + line)
    return one


def test_rfc6154_list(client):
    # 5.1; \Marked is left out (RFC 3501 7.2.2: a server that cannot tell sends neither)
    replay(
        rfc6154_account(client),
        """
        C: t1 LIST "" "%"
        S: * LIST (\\Marked \\HasNoChildren) "/" INBOX
        S: * LIST (\\HasNoChildren) "/" ToDo
        S: * LIST (\\HasChildren) "/" Projects
        S: * LIST (\\Sent \\HasNoChildren) "/" SentMail
        S: * LIST (\\Marked \\Drafts \\HasNoChildren) "/" MyDrafts
        S: * LIST (\\Trash \\HasNoChildren) "/" Trash
        S: t1 OK done
        """,
    )


def test_rfc6154_list_extended(client):
    # 5.2
    replay(
        rfc6154_account(client),
        """
        C: t1 LIST (SPECIAL-USE) "" "*"
        S: * LIST (\\Sent \\HasNoChildren) "/" SentMail
        S: * LIST (\\Marked \\Drafts \\HasNoChildren) "/" MyDrafts
        S: * LIST (\\Trash \\HasNoChildren) "/" Trash
        S: t1 OK done
        C: t1 LIST "" "%" RETURN (SPECIAL-USE)
        S: * LIST (\\Marked) "/" INBOX
        S: * LIST () "/" ToDo
        S: * LIST () "/" Projects
        S: * LIST (\\Sent) "/" SentMail
        S: * LIST (\\Marked \\Drafts) "/" MyDrafts
        S: * LIST (\\Trash) "/" Trash
        S: t1 OK done
        """,
    )


def test_rfc6154_create_special_use(client, store):
    # 5.3. (5.4's examples use METADATA, which this server does not offer.)
    one = client().login()
    replay(
        one,
        """
        C: t1 CREATE MySpecial (USE (\\Drafts \\Sent))
        S: t1 OK MySpecial created
        C: t2 LIST "" MySpecial
        S: * LIST (\\HasNoChildren \\Drafts \\Sent) "/" MySpecial
        S: t2 OK done
        """,
    )
    assert b"METADATA" not in one.ok("t3 CAPABILITY")[0]
    # and a use this server cannot give, with RFC 6154's USEATTR
    replay(
        one,
        """
        C: t4 CREATE Everything (USE (\\All))
        S: t4 NO [USEATTR] \\All is not supported
        """,
    )


# -- RFC 7888 LITERAL+ ----------------------------------------------------------------------------


def test_rfc7888_non_synchronizing_literals(client):
    one = client()
    replay(
        one,
        """
        C: A001 LOGIN {11+}
        C: FRED FOOBAR {7+}
        C: fat man
        S: A001 OK LOGIN completed
        """,
    )
    assert one.connection.session.user == "FRED FOOBAR"
