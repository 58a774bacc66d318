"""The command parser: one small test per grammar rule (RFC 3501 9); FETCH items and SEARCH
keys are in test_imap_parser_items.py."""

from __future__ import annotations

import pytest
from imap_commands import bad, parse

from mailtrap.protocols.imap import commands as c
from mailtrap.protocols.imap.lexer import CommandLexer
from mailtrap.protocols.imap.parser import CommandError, parse_command
from mailtrap.protocols.imap.sequence import SequenceSet, parse_sequence_set

# -- tag and command name ----------------------------------------------------------------------


def test_command_names_are_case_insensitive():
    assert parse(b"t noop") == c.Noop()


def test_missing_tag():
    lexer = CommandLexer()
    lexer.feed(b"+x NOOP\r\n")
    with pytest.raises(CommandError) as caught:
        parse_command(lexer.next_event())  # type: ignore[arg-type]
    assert caught.value.tag is None


def test_unknown_command():
    assert bad(b"t FROB") == "unknown command"


def test_trailing_garbage():
    assert "unexpected" in bad(b"t NOOP extra")


def test_double_space():
    assert bad(b"t LOGIN  a b") == "expected a string"


# -- strings -----------------------------------------------------------------------------------


def test_astring_atom():
    assert parse(b"t LOGIN alice pw") == c.Login(b"alice", b"pw")


def test_astring_atom_may_hold_close_bracket():
    assert parse(b"t LOGIN a]b pw") == c.Login(b"a]b", b"pw")


def test_quoted_with_escapes():
    assert parse(b't LOGIN "a \\"b\\" \\\\c" pw') == c.Login(b'a "b" \\c', b"pw")


def test_quoted_bad_escape():
    assert bad(b't LOGIN "a\\x" pw') == "bad escape in quoted string"


def test_unterminated_quoted():
    assert bad(b't LOGIN "abc') == "unterminated quoted string"


def test_literal():
    assert parse(b"t LOGIN {3+}\r\nx y {2+}\r\n\r\n") == c.Login(b"x y", b"\r\n")


def test_literal_with_nul_is_refused():
    assert bad(b"t LOGIN {3+}\r\na\0b pw") == "NUL in literal"


def test_mailbox_inbox_any_case():
    assert parse(b"t SELECT iNbOx") == c.Select(b"INBOX")


def test_mailbox_other_names_keep_case():
    assert parse(b"t EXAMINE Archive") == c.Select(b"Archive", readonly=True)


# -- simple commands ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "command"),
    [
        (b"t CAPABILITY", c.Capability()),
        (b"t LOGOUT", c.Logout()),
        (b"t STARTTLS", c.StartTls()),
        (b"t CHECK", c.Check()),
        (b"t CLOSE", c.Close()),
        (b"t UNSELECT", c.Unselect()),
        (b"t EXPUNGE", c.Expunge()),
        (b"t IDLE", c.Idle()),
        (b"t NAMESPACE", c.Namespace()),
    ],
)
def test_commands_without_arguments(line, command):
    assert parse(line) == command


def test_authenticate_without_initial_response():
    assert parse(b"t AUTHENTICATE plain") == c.Authenticate("PLAIN")


def test_authenticate_with_a_trailing_space_has_no_initial_response():
    # mutt through Cyrus SASL writes "AUTHENTICATE CRAM-MD5 " (a space and nothing after it).
    assert parse(b"t AUTHENTICATE CRAM-MD5 ") == c.Authenticate("CRAM-MD5")


def test_authenticate_with_initial_response():
    assert parse(b"t AUTHENTICATE PLAIN AGEAYg==") == c.Authenticate("PLAIN", b"AGEAYg==")


def test_authenticate_with_empty_initial_response():
    assert parse(b"t AUTHENTICATE PLAIN =") == c.Authenticate("PLAIN", b"=")


def test_subscribe_and_unsubscribe():
    assert parse(b"t SUBSCRIBE INBOX") == c.Subscribe(b"INBOX")
    assert parse(b"t UNSUBSCRIBE INBOX") == c.Subscribe(b"INBOX", subscribe=False)


def test_list_with_wildcards():
    assert parse(b"""t LIST "" *""") == c.ListMailboxes(b"", (b"*",))
    assert parse(b"t LSUB ref %/x") == c.ListMailboxes(b"ref", (b"%/x",), lsub=True)


def test_list_empty_pattern():
    assert parse(b't LIST "" ""') == c.ListMailboxes(b"", (b"",))


def test_list_extended_selection_patterns_and_return_options():
    # RFC 5258 3, RFC 5819 2, RFC 6154 5.2
    assert parse(b't LIST (SUBSCRIBED RECURSIVEMATCH) "" ("INBOX" "Sent/%")') == c.ListMailboxes(
        b"",
        (b"INBOX", b"Sent/%"),
        select=frozenset({"SUBSCRIBED", "RECURSIVEMATCH"}),
        extended=True,
    )
    command = parse(b't LIST "" % RETURN (special-use CHILDREN STATUS (MESSAGES UNSEEN))')
    assert command == c.ListMailboxes(
        b"",
        (b"%",),
        returns=frozenset({"SPECIAL-USE", "CHILDREN"}),
        status=("MESSAGES", "UNSEEN"),
        extended=True,
    )
    assert parse(b't LIST () "" ""') == c.ListMailboxes(b"", (b"",), extended=True)


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b't LIST (FROB) "" *', "unknown LIST selection option"),
        (b't LIST (RECURSIVEMATCH) "" *', "RECURSIVEMATCH needs another selection option"),
        (b't LIST "" * RETURN (FROB)', "unknown LIST return option"),
        (b't LIST "" * RETURN (STATUS (SIZE))', "unknown status item"),
        (b't LIST "" * FROB (x)', "expected RETURN"),
        (b't LSUB (SUBSCRIBED) "" *', "expected a string"),
    ],
)
def test_list_extended_errors(line, error):
    assert bad(line) == error


def test_create_delete_rename():
    assert parse(b"t CREATE owatagusiam/") == c.Create(b"owatagusiam/")
    assert parse(b"t CREATE inbox") == c.Create(b"INBOX")
    assert parse(b"t DELETE foo/bar") == c.Delete(b"foo/bar")
    assert parse(b"t RENAME blurdybloop sarasoop") == c.Rename(b"blurdybloop", b"sarasoop")
    assert parse(b't RENAME "a b" {3+}\r\nc d') == c.Rename(b"a b", b"c d")


def test_create_with_special_use():
    # RFC 6154 5.3: the uses in canonical case, each once
    command = parse(b"t CREATE MySpecial (USE (\\drafts \\Sent \\Drafts))")
    assert command == c.Create(b"MySpecial", ("\\Drafts", "\\Sent"))
    assert parse(b"t CREATE x (USE (\\Bogus))") == c.Create(b"x", ("\\Bogus",))
    assert parse(b"t CREATE x (USE ())") == c.Create(b"x")
    assert bad(b"t CREATE x (FOO (1))") == "unknown CREATE parameter"
    assert bad(b"t CREATE x (USE (Drafts))") == "expected a special-use attribute"


def test_append_with_flags_and_date():
    command = parse(b't APPEND Sent (\\Seen $Label) " 7-Feb-1994 21:52:25 -0800" {2+}\r\nhi')
    assert command == c.Append(
        b"Sent", (c.AppendMessage(b"hi", ("\\Seen", "$Label"), 760686745.0),)
    )
    assert parse(b"t APPEND INBOX {2+}\r\nhi") == c.Append(b"INBOX", (c.AppendMessage(b"hi"),))


def test_multiappend_tolerates_imapclients_double_space():
    command = parse(b"t APPEND x {1+}\r\na  {1+}\r\nb")
    assert command == c.Append(b"x", (c.AppendMessage(b"a"), c.AppendMessage(b"b")))
    assert bad(b"t APPEND x  {1+}\r\na") == "expected the message as a literal"


def test_multiappend():
    # RFC 3502 6: one or more messages, each with its own flags and date
    command = parse(b't APPEND x (\\Seen) {1+}\r\na "07-Feb-1994 22:43:04 -0800" {1+}\r\nb')
    assert command == c.Append(
        b"x",
        (c.AppendMessage(b"a", ("\\Seen",)), c.AppendMessage(b"b", (), 760689784.0)),
    )


@pytest.mark.parametrize(
    ("line", "error"),
    [
        (b"t APPEND x", "expected a message"),
        (b't APPEND x "hello"', "bad date-time"),
        (b"t APPEND x hello", "expected the message as a literal"),
        (b't APPEND x "31-Feb-1994 21:52:25 -0800" {1+}\r\na', "bad date-time"),
        (b't APPEND x "07-Foo-1994 21:52:25 -0800" {1+}\r\na', "bad date-time"),
        (b"t APPEND x (\\Recent) {1+}\r\na", "unknown system flag"),
        (b"t APPEND x {1+}\r\na b", "expected the message as a literal"),
        (b"t APPEND x {1+}\r\na(", "expected a space"),
    ],
)
def test_append_errors(line, error):
    assert bad(line) == error


def test_copy_move_and_uid_expunge():
    assert parse(b"t COPY 2:4 MEETING") == c.Copy(parse_sequence_set(b"2:4"), b"MEETING")
    assert parse(b"t UID MOVE 42:69 foo") == c.Copy(
        parse_sequence_set(b"42:69"), b"foo", uid=True, move=True
    )
    assert parse(b"t MOVE 1 inbox") == c.Copy(parse_sequence_set(b"1"), b"INBOX", move=True)
    assert parse(b"t UID EXPUNGE 3000:3002") == c.UidExpunge(parse_sequence_set(b"3000:3002"))
    assert parse(b"t EXPUNGE") == c.Expunge()
    assert bad(b"t UID EXPUNGE") == "expected a space"
    assert bad(b"t EXPUNGE 1") == "unexpected characters after the command"


def test_status():
    assert parse(b"t STATUS INBOX (messages UIDNEXT)") == c.Status(
        b"INBOX", ("MESSAGES", "UIDNEXT")
    )


def test_status_unknown_item():
    assert bad(b"t STATUS INBOX (SIZE)") == "unknown status item"


def test_id_nil_and_pairs():
    assert parse(b"t ID NIL") == c.Id()
    assert parse(b't ID ("name" "x" "os" NIL)') == c.Id(((b"name", b"x"), (b"os", None)))


def test_enable():
    assert parse(b"t ENABLE condstore utf8=accept") == c.Enable(("CONDSTORE", "UTF8=ACCEPT"))


def test_enable_needs_a_capability():
    assert bad(b"t ENABLE") == "expected a capability"


# -- sequence sets and flags ----------------------------------------------------------------------


def test_sequence_set():
    command = parse(b"t FETCH 1:3,5,7:*,* FLAGS")
    assert command.sequence == SequenceSet(((1, 3), (5, 5), (7, None), (None, None)))


@pytest.mark.parametrize("text", [b"0", b"1:", b",1", b"1,,2", b"a"])
def test_bad_sequence_sets(text):
    with pytest.raises(CommandError):
        parse(b"t FETCH " + text + b" FLAGS")


def test_store_modes_and_flags():
    command = parse(b"t UID STORE 1 -FLAGS.SILENT (\\seen $Label)")
    assert command == c.Store(SequenceSet(((1, 1),)), "remove", True, ("\\Seen", "$Label"), True)


def test_store_flags_without_parentheses():
    command = parse(b"t STORE 1 FLAGS \\Deleted \\Flagged")
    assert command.mode == "replace"
    assert command.flags == ("\\Deleted", "\\Flagged")


def test_store_cannot_set_recent():
    assert bad(b"t STORE 1 +FLAGS (\\Recent)") == "unknown system flag"
