"""The SASL mechanisms and their wire codec, on their own: every step, every malformed input."""

from __future__ import annotations

import base64

import pytest

from mailtrap.auth import Cancelled, Challenge, Digest, Malformed, Password, Refusal
from mailtrap.auth.hashes import apop, cram_md5
from mailtrap.auth.sasl import MAX_LINE, CramMd5, Login, Plain, decode, mechanism


def b64(data: bytes) -> bytes:
    return base64.b64encode(data)


# -- the codec -------------------------------------------------------------------------------


def test_decode_reads_base64():
    assert decode(b64(b"\0alice@example.com\0secret")) == b"\0alice@example.com\0secret"


def test_an_equals_sign_is_an_empty_initial_response_only():
    # RFC 4954 4 / RFC 4959 3: "=" stands for an empty initial response on the command line.
    assert decode(b"=", initial=True) == b""
    with pytest.raises(Malformed):
        decode(b"=")


def test_an_empty_line_is_an_empty_response():
    assert decode(b"") == b""


def test_a_star_cancels():
    with pytest.raises(Cancelled):
        decode(b"*")
    with pytest.raises(Cancelled):
        decode(b"*", initial=True)


@pytest.mark.parametrize("line", [b"not base64!", b"YWJj=ZGVm", b"YW", b"\xff\xfe", b"YWJj\0"])
def test_bad_base64_is_malformed(line):
    with pytest.raises(Malformed):
        decode(line)


def test_white_space_around_a_line_is_ignored():
    assert decode(b"  " + b64(b"abc") + b"\r\n") == b"abc"


def test_lines_up_to_12288_octets_are_taken_longer_ones_are_malformed():
    # RFC 4954 4: servers must take 12,288-octet response lines.
    longest = b"A" * MAX_LINE
    assert len(decode(longest)) == MAX_LINE // 4 * 3
    with pytest.raises(Malformed):
        decode(longest + b"AAAA")


def test_a_challenge_goes_on_the_wire_in_base64():
    assert Challenge(b"Username:").line == b"VXNlcm5hbWU6"
    assert Challenge(b"").line == b""


# -- PLAIN (RFC 4616) ------------------------------------------------------------------------


def test_plain_without_an_initial_response_asks_with_an_empty_challenge():
    assert Plain().start(None) == Challenge(b"")


def test_plain_in_one_step():
    credentials = Plain().start(b"\0alice@example.com\0secret")
    assert credentials == Password("alice@example.com", b"secret")


def test_plain_after_the_challenge():
    exchange = Plain()
    exchange.start(None)
    assert exchange.respond(b"\0bob@example.com\0pw") == Password("bob@example.com", b"pw")


def test_plain_takes_an_authorization_identity_equal_to_the_authentication_identity():
    credentials = Plain().start(b"alice@EXAMPLE.com\0alice@example.com\0secret")
    assert credentials == Password("alice@example.com", b"secret")


@pytest.mark.parametrize(
    "message",
    [
        b"bob@example.com\0alice@example.com\0secret",  # authzid is somebody else
        b"\0\0secret",  # empty authcid
        b"\0alice@example.com\0",  # empty password
        b"\0alice@example.com",  # no second NUL
        b"alice@example.com",  # no NUL at all
        b"\0alice@example.com\0sec\0ret",  # an embedded NUL: four fields
        b"\0alice\0@example.com\0secret",
        b"\0" + b"a" * 256 + b"\0secret",  # a name over 255 octets
        b"\0\xff\xfe@example.com\0secret",  # a name that is not UTF-8
        b"\0alice\r\n@example.com\0secret",  # control characters in the name
        b"\0 alice@example.com\0secret",  # white space around the name
        b"\0alice@example.com\0" + b"p" * 1025,  # an overlong password
        b"",
    ],
)
def test_plain_refuses_what_breaks_the_rules(message):
    with pytest.raises(Refusal):
        Plain().start(message)


def test_the_longest_name_and_password_are_taken():
    name = "a" * 243 + "@example.com"
    assert len(name) == 255
    credentials = Plain().start(b"\0" + name.encode() + b"\0" + b"p" * 1024)
    assert credentials == Password(name, b"p" * 1024)


def test_a_utf8_name_is_taken():
    name = "jörg@bücher.example"
    assert Plain().start(b"\0" + name.encode() + b"\0pw") == Password(name, b"pw")


def test_an_exchange_that_finished_takes_nothing_more():
    exchange = Plain()
    exchange.start(b"\0alice@example.com\0secret")
    with pytest.raises(Malformed):
        exchange.respond(b"\0alice@example.com\0secret")


def test_credentials_never_show_their_secret():
    credentials = Plain().start(b"\0alice@example.com\0hunter2")
    assert "hunter2" not in repr(credentials) and "hunter2" not in str(credentials)


# -- LOGIN -----------------------------------------------------------------------------------


def test_login_asks_for_the_name_then_the_password():
    exchange = Login()
    assert exchange.start(None) == Challenge(b"Username:")
    assert exchange.respond(b"alice@example.com") == Challenge(b"Password:")
    assert exchange.respond(b"secret") == Password("alice@example.com", b"secret")


def test_login_takes_the_name_as_initial_response():
    exchange = Login()
    assert exchange.start(b"alice@example.com") == Challenge(b"Password:")
    assert exchange.respond(b"secret") == Password("alice@example.com", b"secret")


@pytest.mark.parametrize("name", [b"", b"a" * 256, b"al\0ice", b"\xc3", b"al\x7fice"])
def test_login_refuses_a_bad_name_at_once(name):
    with pytest.raises(Refusal):
        Login().start(name)


@pytest.mark.parametrize("secret", [b"", b"sec\0ret", b"x" * 1025])
def test_login_refuses_a_bad_password(secret):
    exchange = Login()
    exchange.start(b"alice@example.com")
    with pytest.raises(Refusal):
        exchange.respond(secret)


# -- CRAM-MD5 (RFC 2195) ---------------------------------------------------------------------


def test_cram_md5_speaks_first_with_a_msg_id_challenge():
    exchange = CramMd5("mail.example", nonce=lambda: "1896", clock=lambda: 697170952.5)
    assert exchange.start(None) == Challenge(b"<1896.697170952@mail.example>")


def test_cram_md5_takes_the_name_and_digest_of_rfc_2195s_example():
    challenge = b"<1896.697170952@postoffice.reston.mci.net>"
    assert cram_md5(b"tanstaaftanstaaf", challenge) == "b913a602c7eda7a495b4e6e7334d3890"
    exchange = CramMd5("postoffice.reston.mci.net", nonce=lambda: "1896", clock=lambda: 697170952)
    exchange.start(None)
    credentials = exchange.respond(b"tim B913A602C7EDA7A495B4E6E7334D3890")
    assert credentials == Digest("tim", challenge, "b913a602c7eda7a495b4e6e7334d3890", "cram-md5")


def test_every_cram_md5_challenge_is_new():
    assert CramMd5().start(None) != CramMd5().start(None)


def test_cram_md5_takes_no_initial_response():
    with pytest.raises(Malformed):
        CramMd5().start(b"tim b913a602c7eda7a495b4e6e7334d3890")


@pytest.mark.parametrize(
    "response",
    [
        b"tim",
        b"tim b913a602c7eda7a495b4e6e7334d389",  # 31 digits
        b"tim b913a602c7eda7a495b4e6e7334d3890a",  # 33 digits
        b"tim zz13a602c7eda7a495b4e6e7334d3890",
        b" b913a602c7eda7a495b4e6e7334d3890",  # no name
        b"t\0m b913a602c7eda7a495b4e6e7334d3890",
        b"",
    ],
)
def test_cram_md5_refuses_a_malformed_response(response):
    exchange = CramMd5()
    exchange.start(None)
    with pytest.raises(Refusal):
        exchange.respond(response)


def test_apop_digest_of_rfc_1939s_example():
    assert apop(b"tanstaaf", b"<1896.697170952@dbc.mtview.ca.us>") == (
        "c4c9334bac560ecc979e58001b3e22fb"
    )


# -- the mechanism table ---------------------------------------------------------------------


def test_mechanisms_by_name_in_any_case():
    assert isinstance(mechanism("plain"), Plain)
    assert isinstance(mechanism("LOGIN"), Login)
    assert isinstance(mechanism("Cram-MD5", "host.example"), CramMd5)
    assert mechanism("SCRAM-SHA-256") is None
    assert mechanism("GSSAPI") is None


def test_whole_exchanges_through_the_codec():
    """What a protocol does: decode each line, step, send the challenge's line."""
    exchange = mechanism("LOGIN")
    assert exchange.start(None).line == b"VXNlcm5hbWU6"
    assert exchange.respond(decode(b64(b"alice@example.com"))).line == b"UGFzc3dvcmQ6"
    assert exchange.respond(decode(b64(b"secret"))) == Password("alice@example.com", b"secret")


def test_an_empty_initial_response_is_an_empty_name_for_login():
    with pytest.raises(Refusal):
        mechanism("LOGIN").start(decode(b"=", initial=True))


def test_the_authenticator_offers_exactly_the_mechanisms_there_are():
    # The authenticator names them without loading this module (it loads with the first AUTH).
    from mailtrap.auth.authenticator import MECHANISMS as OFFERED
    from mailtrap.auth.sasl import MECHANISMS

    assert tuple(MECHANISMS) == OFFERED
