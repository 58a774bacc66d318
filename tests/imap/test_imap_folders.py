"""Folder management with the engine, no sockets: the special-use folders of a new account,
CREATE, DELETE, RENAME, SUBSCRIBE, LIST and LSUB with their extensions, STATUS, and modified
UTF-7 names (RFC 3501 6.3, RFC 5258, RFC 5819, RFC 6154)."""

from __future__ import annotations

import pytest

from mailtrap.protocols.imap.utf7 import decode_utf7, encode_utf7
from mailtrap.store import MailboxId

USER = "bob@example.com"
FRESH = [
    b'* LIST (\\HasNoChildren) "/" INBOX',
    b'* LIST (\\HasNoChildren \\Archive) "/" Archive',
    b'* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
    b'* LIST (\\HasNoChildren \\Junk) "/" Junk',
    b'* LIST (\\HasNoChildren \\Sent) "/" Sent',
    b'* LIST (\\HasNoChildren \\Trash) "/" Trash',
]


def names(store, user: str = USER) -> list[str]:
    return [f.name for f in store.folders(user)]


# -- the folders of a new account (RFC 6154) ------------------------------------------------------


def test_a_new_account_has_its_special_use_folders_from_the_first_login(client, store):
    one = client().login()
    assert one.ok('a LIST "" "*"') == FRESH
    assert {f.name: f.special_use for f in store.folders(USER)} == {
        "INBOX": None,
        "Archive": "\\Archive",
        "Drafts": "\\Drafts",
        "Junk": "\\Junk",
        "Sent": "\\Sent",
        "Trash": "\\Trash",
    }
    # subscribed, so clients that show subscribed folders only show them too
    assert store.subscriptions(USER) == ["Archive", "Drafts", "INBOX", "Junk", "Sent", "Trash"]
    client().login()  # a second login adds nothing
    assert len(store.folders(USER)) == 6


def test_a_renamed_special_folder_keeps_its_use_and_is_not_made_again(client, store):
    client().login().ok("a RENAME Sent Outbox")
    client().login()
    assert "Sent" not in names(store)
    assert store.folder(MailboxId(USER, "Outbox")).special_use == "\\Sent"


def test_a_deleted_special_folder_comes_back_at_the_next_login(client, store):
    client().login().ok("a DELETE Junk")
    assert "Junk" not in names(store)
    client().login()
    assert store.folder(MailboxId(USER, "Junk")).special_use == "\\Junk"


def test_a_folder_of_that_name_made_before_the_login_is_left_as_it_is(client, store):
    store.open_account(USER)
    store.create_folder(MailboxId(USER, "Sent"))
    client().login()
    assert store.folder(MailboxId(USER, "Sent")).special_use is None
    assert names(store).count("Sent") == 1


# -- CREATE (RFC 3501 6.3.3, RFC 6154 5.3) --------------------------------------------------------


def test_create_makes_the_missing_levels(client, store):
    one = client().login()
    one.ok("a CREATE owatagusiam/")
    one.ok("b CREATE owatagusiam/blurdybloop")
    one.ok("c CREATE Work/2024/Q1")
    assert one.ok('d LIST "" "Work*"') == [
        b'* LIST (\\HasChildren) "/" Work',
        b'* LIST (\\HasChildren) "/" Work/2024',
        b'* LIST (\\HasNoChildren) "/" Work/2024/Q1',
    ]
    assert one.ok('e LIST "" owatagusiam/%') == [
        b'* LIST (\\HasNoChildren) "/" owatagusiam/blurdybloop'
    ]
    assert "owatagusiam" in names(store)


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("CREATE Sent", b"NO [ALREADYEXISTS] Mailbox already exists"),
        ("CREATE inbox", b"NO [ALREADYEXISTS] Mailbox already exists"),
        ('CREATE "a*b"', b"NO [CANNOT] That name cannot be used for a mailbox"),
        ('CREATE "50%"', b"NO [CANNOT] That name cannot be used for a mailbox"),
        ("CREATE a//b", b"NO [CANNOT] CREATE cannot be done here"),
        ('CREATE "&Jjo"', b"NO [CANNOT] That name cannot be used for a mailbox"),
        ('CREATE "&AGE-"', b"NO [CANNOT] That name cannot be used for a mailbox"),
        (
            "CREATE x (USE (\\All))",
            b"NO [USEATTR] That special use cannot be given to a mailbox here",
        ),
        (
            "CREATE x (USE (\\Bogus))",
            b"NO [USEATTR] That special use cannot be given to a mailbox here",
        ),
    ],
)
def test_create_refusals(client, store, line, reply):
    one = client().login()
    before = names(store)
    assert one.command("t " + line) == [b"t " + reply]
    assert names(store) == before


def test_create_with_special_use(client, store):
    one = client().login()
    one.ok("a CREATE MySpecial (USE (\\Drafts \\Sent))")
    assert one.ok('b LIST "" MySpecial') == [
        b'* LIST (\\HasNoChildren \\Drafts \\Sent) "/" MySpecial'
    ]
    assert store.folder(MailboxId(USER, "MySpecial")).special_uses == {"\\Drafts", "\\Sent"}


def test_create_a_child_of_inbox_in_any_case(client, store):
    one = client().login()
    one.ok("a CREATE inbox/Lists")
    assert one.ok('b LIST "" inbox/*') == [b'* LIST (\\HasNoChildren) "/" INBOX/Lists']
    assert one.ok('c LIST "" INBOX') == [b'* LIST (\\HasChildren) "/" INBOX']
    assert "INBOX/Lists" in names(store)


# -- DELETE (RFC 3501 6.3.4) ----------------------------------------------------------------------


def test_delete(client, store, deliver):
    one = client().login()
    one.ok("a CREATE foo/bar")
    one.ok("b CREATE blurdybloop")
    store.append(MailboxId(USER, "foo"), b"Subject: x\r\n\r\nx\r\n")
    one.ok("c DELETE blurdybloop")
    one.ok("d DELETE foo")  # keeps its child: becomes \Noselect, its mail goes
    assert one.ok('e LIST "" foo*') == [
        b'* LIST (\\Noselect \\HasChildren) "/" foo',
        b'* LIST (\\HasNoChildren) "/" foo/bar',
    ]
    assert store.count() == 0
    assert one.command("f DELETE foo") == [b"f NO [CANNOT] DELETE cannot be done here"]
    assert one.command("g SELECT foo") == [b"g NO [NONEXISTENT] No such mailbox"]
    one.ok("h DELETE foo/bar")
    one.ok("i DELETE foo")
    assert one.ok('j LIST "" foo*') == []
    assert one.command("k DELETE foo") == [b"k NO [NONEXISTENT] No such mailbox"]
    assert one.command("l DELETE INBOX") == [b"l NO [CANNOT] DELETE cannot be done here"]
    assert one.command('m DELETE "&Jjo"') == [b"m NO [NONEXISTENT] No such mailbox"]


def test_a_folder_made_again_gets_a_new_uidvalidity(client, store):
    one = client().login()
    one.ok("a CREATE x")
    [first] = one.ok("b STATUS x (UIDVALIDITY)")
    one.ok("c DELETE x")
    one.ok("d CREATE x")
    [second] = one.ok("e STATUS x (UIDVALIDITY)")
    assert int(second.split()[-1][:-1]) > int(first.split()[-1][:-1])


# -- RENAME (RFC 3501 6.3.5) ----------------------------------------------------------------------


def test_rename_carries_the_children_and_makes_missing_levels(client, store):
    one = client().login()
    one.ok("a CREATE foo/bar")
    one.ok("b RENAME foo zowie")
    one.ok("c RENAME zowie/bar baz/rag/zowie")
    assert one.ok('d LIST "" "*o*"') == [
        b'* LIST (\\HasNoChildren) "/" INBOX',  # INBOX matches in any case
        b'* LIST (\\HasNoChildren) "/" baz/rag/zowie',
        b'* LIST (\\HasNoChildren) "/" zowie',
    ]
    assert names(store)[6:] == ["baz", "baz/rag", "baz/rag/zowie", "zowie"]


@pytest.mark.parametrize(
    ("line", "reply"),
    [
        ("RENAME Nope x", b"NO [NONEXISTENT] No such mailbox"),
        ("RENAME Sent Trash", b"NO [ALREADYEXISTS] Mailbox already exists"),
        ("RENAME Sent inbox", b"NO [ALREADYEXISTS] Mailbox already exists"),
        ("RENAME Sent Sent/inside", b"NO [CANNOT] RENAME cannot be done here"),
        ('RENAME Sent "x*"', b"NO [CANNOT] That name cannot be used for a mailbox"),
    ],
)
def test_rename_refusals(client, store, line, reply):
    one = client().login()
    before = names(store)
    assert one.command("t " + line) == [b"t " + reply]
    assert names(store) == before


def test_rename_inbox_moves_its_mail(client, store, deliver):
    deliver(subject="one")
    deliver(subject="two")
    one = client().login()
    one.ok("a CREATE INBOX/bar")
    one.ok("b RENAME INBOX old-mail")
    assert one.ok('c LIST "" "*"')[:2] == [
        b'* LIST (\\HasChildren) "/" INBOX',
        b'* LIST (\\HasNoChildren) "/" INBOX/bar',
    ]
    assert one.ok("d STATUS INBOX (MESSAGES)") == [b"* STATUS INBOX (MESSAGES 0)"]
    assert one.ok("e STATUS old-mail (MESSAGES)") == [b"* STATUS old-mail (MESSAGES 2)"]


# -- SUBSCRIBE, UNSUBSCRIBE, LSUB (RFC 3501 6.3.6, 6.3.7, 6.3.9) ---------------------------------


def test_subscriptions_and_lsub(client, store):
    one = client().login()
    one.ok("a CREATE foo/bar")
    one.ok("b SUBSCRIBE foo/bar")
    one.ok("c SUBSCRIBE #news.comp.mail.mime")  # need not exist (RFC 3501 6.3.6)
    assert one.ok('d LSUB "" "*"') == [
        b'* LSUB () "/" INBOX',
        b'* LSUB () "/" #news.comp.mail.mime',
        b'* LSUB () "/" Archive',
        b'* LSUB () "/" Drafts',
        b'* LSUB () "/" Junk',
        b'* LSUB () "/" Sent',
        b'* LSUB () "/" Trash',
        b'* LSUB () "/" foo/bar',
    ]
    # RFC 3501 6.3.9: "%" lists foo for its subscribed child, \Noselect
    assert one.ok('e LSUB "" "f%"') == [b'* LSUB (\\Noselect) "/" foo']
    one.ok("f SUBSCRIBE foo")
    assert one.ok('g LSUB "" "f%"') == [b'* LSUB () "/" foo']
    one.ok("h UNSUBSCRIBE #news.comp.mail.mime")
    one.ok("i UNSUBSCRIBE never-subscribed")
    assert "#news.comp.mail.mime" not in store.subscriptions(USER)
    assert one.command('j SUBSCRIBE "&Jjo"')[0].startswith(b"j NO [CANNOT]")


def test_deleting_a_folder_keeps_its_subscription(client, store):
    # RFC 3501 6.3.6: the server must not remove a name from the subscriptions by itself
    one = client().login()
    one.ok("a DELETE Junk")
    assert b'* LSUB () "/" Junk' in one.ok('b LSUB "" "*"')
    assert one.ok('c LIST (SUBSCRIBED) "" "J*"') == [
        b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" Junk'
    ]


# -- LIST (RFC 3501 6.3.8) and its extensions -----------------------------------------------------


def test_list_patterns(client):
    one = client().login()
    one.ok("a CREATE Work/2024/Q1")
    assert [line.split()[-1] for line in one.ok('b LIST "" "%"')] == [
        b"INBOX",
        b"Archive",
        b"Drafts",
        b"Junk",
        b"Sent",
        b"Trash",
        b"Work",
    ]
    assert [line.split()[-1] for line in one.ok('c LIST "" "Work/%"')] == [b"Work/2024"]
    assert [line.split()[-1] for line in one.ok('d LIST "Work/" "*"')] == [
        b"Work/2024",
        b"Work/2024/Q1",
    ]
    assert [line.split()[-1] for line in one.ok('e LIST "" "*Q1"')] == [b"Work/2024/Q1"]
    assert [line.split()[-1] for line in one.ok('f LIST "" "in%"')] == [b"INBOX"]
    assert one.ok('g LIST "" "Nothing*"') == []


def test_list_extended_selection_and_return_options(client, store):
    one = client().login()
    one.ok("a CREATE Lists/python")
    one.ok("b SUBSCRIBE Lists/python")
    one.ok("c UNSUBSCRIBE Archive")
    one.ok("d SUBSCRIBE Gone")
    assert one.ok('e LIST (SUBSCRIBED) "" "*"') == [
        b'* LIST (\\HasNoChildren \\Subscribed) "/" INBOX',
        b'* LIST (\\HasNoChildren \\Subscribed \\Drafts) "/" Drafts',
        b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" Gone',
        b'* LIST (\\HasNoChildren \\Subscribed \\Junk) "/" Junk',
        b'* LIST (\\HasNoChildren \\Subscribed) "/" Lists/python',
        b'* LIST (\\HasNoChildren \\Subscribed \\Sent) "/" Sent',
        b'* LIST (\\HasNoChildren \\Subscribed \\Trash) "/" Trash',
    ]
    # RFC 5258 3.5: RECURSIVEMATCH names the parent whose subscribed child "%" does not reach
    assert one.ok('f LIST (SUBSCRIBED RECURSIVEMATCH) "" "L%"') == [
        b'* LIST (\\HasChildren) "/" Lists ("CHILDINFO" ("SUBSCRIBED"))'
    ]
    assert one.ok('g LIST "" "L*" RETURN (SUBSCRIBED CHILDREN)') == [
        b'* LIST (\\HasChildren) "/" Lists',
        b'* LIST (\\HasNoChildren \\Subscribed) "/" Lists/python',
    ]
    assert one.ok('h LIST "" ("INBOX" "Dr*" "Lists/%")') == [
        b'* LIST (\\HasNoChildren) "/" INBOX',
        b'* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
        b'* LIST (\\HasNoChildren) "/" Lists/python',
    ]
    assert one.ok('i LIST () "" ""') == []  # extended: "" is a pattern like any other


def test_list_special_use(client):
    # RFC 6154 5.2
    one = client().login()
    one.ok("a CREATE Lists")
    assert [line.split()[-1] for line in one.ok('b LIST (SPECIAL-USE) "" "*"')] == [
        b"Archive",
        b"Drafts",
        b"Junk",
        b"Sent",
        b"Trash",
    ]
    assert one.ok('c LIST "" "%" RETURN (SPECIAL-USE)')[1] == (
        b'* LIST (\\HasNoChildren \\Archive) "/" Archive'
    )


def test_list_status(client, store, deliver):
    # RFC 5819: a STATUS response after the LIST response of each selectable mailbox
    deliver()
    one = client().login()
    store.append(MailboxId(USER, "Sent"), b"Subject: s\r\n\r\nx\r\n", flags=["\\Seen"])
    one.ok("a CREATE x/y")
    one.ok("b DELETE x")
    assert one.ok('c LIST "" "*" RETURN (STATUS (MESSAGES UNSEEN))') == [
        b'* LIST (\\HasNoChildren) "/" INBOX',
        b"* STATUS INBOX (MESSAGES 1 UNSEEN 1)",
        b'* LIST (\\HasNoChildren \\Archive) "/" Archive',
        b"* STATUS Archive (MESSAGES 0 UNSEEN 0)",
        b'* LIST (\\HasNoChildren \\Drafts) "/" Drafts',
        b"* STATUS Drafts (MESSAGES 0 UNSEEN 0)",
        b'* LIST (\\HasNoChildren \\Junk) "/" Junk',
        b"* STATUS Junk (MESSAGES 0 UNSEEN 0)",
        b'* LIST (\\HasNoChildren \\Sent) "/" Sent',
        b"* STATUS Sent (MESSAGES 1 UNSEEN 0)",
        b'* LIST (\\HasNoChildren \\Trash) "/" Trash',
        b"* STATUS Trash (MESSAGES 0 UNSEEN 0)",
        b'* LIST (\\Noselect \\HasChildren) "/" x',  # no STATUS for a \Noselect name
        b'* LIST (\\HasNoChildren) "/" x/y',
        b"* STATUS x/y (MESSAGES 0 UNSEEN 0)",
    ]


# -- STATUS (RFC 3501 6.3.10) ---------------------------------------------------------------------


def test_status_of_every_folder(client, store, deliver):
    deliver()
    deliver()
    one = client().login()
    one.ok("a APPEND Drafts (\\Draft \\Seen) {12+}\r\nSubject: d\r\n")
    for name in (b"Archive", b"Junk", b"Sent", b"Trash"):
        [line] = one.ok(b"b STATUS " + name + b" (MESSAGES RECENT UNSEEN UIDNEXT)")
        assert line == b"* STATUS %s (MESSAGES 0 RECENT 0 UNSEEN 0 UIDNEXT 1)" % name
    [line] = one.ok("c STATUS Drafts (MESSAGES RECENT UNSEEN UIDNEXT)")
    assert line == b"* STATUS Drafts (MESSAGES 1 RECENT 1 UNSEEN 0 UIDNEXT 2)"
    [line] = one.ok("d STATUS inbox (MESSAGES RECENT UNSEEN UIDNEXT)")
    assert line == b"* STATUS INBOX (MESSAGES 2 RECENT 2 UNSEEN 2 UIDNEXT 3)"
    one.ok("e CREATE x/y")
    one.ok("f DELETE x")
    assert one.command("g STATUS x (MESSAGES)") == [b"g NO [NONEXISTENT] No such mailbox"]


# -- modified UTF-7 names (RFC 3501 5.1.3) --------------------------------------------------------

NON_ASCII = ["日本語", "Entwürfe", "~peter/mail/台北/日本語", "Ünïcödé & Ä", "emoji 📬", "a&b"]


@pytest.mark.parametrize("name", NON_ASCII)
def test_modified_utf7_round_trip(name):
    encoded = encode_utf7(name)
    assert encoded.isascii() and decode_utf7(encoded) == name


def test_non_ascii_names_both_ways(client, store):
    one = client().login()
    one.ok(b"a CREATE " + encode_utf7("Entwürfe/日本語"))
    assert store.folder(MailboxId(USER, "Entwürfe/日本語")) is not None
    store.create_folder(MailboxId(USER, "Ünïcödé & Ä"))  # made from Python, listed over IMAP
    listed = [line.split(b'"/" ')[1] for line in one.ok('b LIST "" "*"')]
    assert b"Entw&APw-rfe" in listed
    assert b"Entw&APw-rfe/&ZeVnLIqe-" in listed
    assert b'"&ANw-n&AO8-c&APY-d&AOk- &- &AMQ-"' in listed
    assert {decode_utf7(n.strip(b'"')) for n in listed} >= {
        "Entwürfe",
        "Entwürfe/日本語",
        "Ünïcödé & Ä",
    }
    assert b"* 0 EXISTS" in one.ok(b"c SELECT Entw&APw-rfe/&ZeVnLIqe-")
    one.ok(b'd RENAME "&ANw-n&AO8-c&APY-d&AOk- &- &AMQ-" &ZeVnLIqe-')
    assert store.folder(MailboxId(USER, "日本語")) is not None
