"""The response formatter: atom, quoted or literal by content; nothing can forge a line."""

from __future__ import annotations

import pytest

from mailtrap.protocols.imap import format as fmt
from mailtrap.protocols.imap.format import Atom, Joined, UnsafeToken


def test_plain_string_is_quoted():
    assert fmt.string("hello world") == b'"hello world"'


def test_quotes_and_backslashes_are_escaped():
    assert fmt.string('a "b" \\c') == b'"a \\"b\\" \\\\c"'


@pytest.mark.parametrize("data", [b"a\r\nb", b"a\rb", b"a\nb", b"a\0b", b"caf\xc3\xa9"])
def test_line_breaks_nul_and_8bit_go_as_literals(data):
    assert fmt.string(data) == b"{%d}\r\n" % len(data) + data


def test_long_strings_go_as_literals():
    assert fmt.string("x" * 2000).startswith(b"{2000}\r\n")


def test_str_is_sent_as_utf8():
    assert fmt.string("\u00e9") == b"{2}\r\n\xc3\xa9"


def test_astring_bare_atom_when_possible():
    assert fmt.astring(b"INBOX") == b"INBOX"
    assert fmt.astring(b"a]b") == b"a]b"


@pytest.mark.parametrize("data", [b"", b"two words", b"a(b", b"100%", b"a*", b"NIL", b'q"'])
def test_astring_quotes_what_an_atom_cannot_hold(data):
    assert fmt.astring(data) == fmt.string(data)


def test_nstring():
    assert fmt.nstring(None) == b"NIL"
    assert fmt.nstring("x") == b'"x"'


def test_values_convention():
    value = ["text", b"plain", None, 42, [Atom("\\Seen")], Joined((Atom("BODY["), Atom("]")))]
    assert fmt.value(value) == b'("text" "plain" NIL 42 (\\Seen) BODY[])'


def test_values_reject_what_has_no_imap_form():
    with pytest.raises(TypeError):
        fmt.value(1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        fmt.value(-1)


@pytest.mark.parametrize("text", ["a b", "a\r\n", 'x"', "(x", "caf\u00e9"])
def test_atom_is_checked(text):
    with pytest.raises(UnsafeToken):
        fmt.atom(text)


def test_is_atom():
    assert fmt.is_atom("Junk")
    assert not fmt.is_atom("a]")


def test_text_is_sanitised():
    assert fmt.text("bad\r\n* OK forged") == b"bad??* OK forged"
    assert fmt.text("[ALERT] x") == b"(ALERT] x"
    assert fmt.text("") == b"."


def test_status_line():
    line = fmt.status(b"a1", "OK", "done", [Atom("UIDNEXT"), 5])
    assert line == b"a1 OK [UIDNEXT 5] done\r\n"


def test_status_with_list_code():
    line = fmt.status(b"*", "OK", "x", [Atom("PERMANENTFLAGS"), [Atom("\\Seen"), Atom("\\*")]])
    assert line == b"* OK [PERMANENTFLAGS (\\Seen \\*)] x\r\n"


def test_untagged_and_continuation():
    assert fmt.untagged(Atom("SEARCH"), 1, 2) == b"* SEARCH 1 2\r\n"
    assert fmt.continuation() == b"+ \r\n"
    assert fmt.continuation("go\r\nahead") == b"+ go??ahead\r\n"


def test_literal_is_always_a_literal():
    assert fmt.literal(b"short") == b"{5}\r\nshort"
    assert fmt.literal(b"") == b"{0}\r\n"
