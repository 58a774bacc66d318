"""The example exchanges of RFC 3501 sections 6.1 and 6.2 (any state, not authenticated),
replayed against the engine; how a replay compares, and where ours differs from the example:
tests/support/rfc3501_examples.py.
"""

from __future__ import annotations

from imap_replay import replay
from rfc3501_examples import USER, claim, fill

# -- 6.1 any state -------------------------------------------------------------------------------


def test_6_1_1_capability_and_starttls(client):
    # The example's lists are "IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED", then after TLS
    # "IMAP4rev1 AUTH=GSSAPI AUTH=PLAIN". Ours: no GSSAPI, and LOGIN is allowed in plain text
    # (a test sink), so no LOGINDISABLED; STARTTLS is listed until TLS is on.
    one = client(tls_available=True)
    before = " ".join(one.connection.session.capabilities())
    assert before.startswith("IMAP4rev1 ") and " STARTTLS" in before
    replay(
        one,
        f"""
        C: abcd CAPABILITY
        S: * CAPABILITY {before}
        S: abcd OK CAPABILITY completed
        C: efgh STARTTLS
        S: efgh OK STARTLS completed
        """,
    )
    one.connection.tls_started()
    after = before.replace(" STARTTLS", "")
    assert " AUTH=PLAIN" in after
    replay(
        one,
        f"""
        C: ijkl CAPABILITY
        S: * CAPABILITY {after}
        S: ijkl OK CAPABILITY completed
        """,
    )


def test_6_1_2_noop(client, store):
    # a047's NOOP: message 22 expunged, two new messages (23 EXISTS, 3 recent with one from
    # before), and message 14's flags changed by another session.
    fill(store, 20)
    claim(client)  # messages 1-20 are another session's recent ones
    fill(store, 2)
    one = client().select()  # 21 and 22 are recent for this session
    replay(
        one,
        """
        C: a002 NOOP
        S: a002 OK NOOP completed
        """,
    )
    store.expunge(USER, [22])
    fill(store, 2)
    store.store_flags(USER, [14], ["\\Seen", "\\Deleted"], "add")
    replay(
        one,
        """
        C: a047 NOOP
        S: * 22 EXPUNGE
        S: * 23 EXISTS
        S: * 3 RECENT
        S: * 14 FETCH (FLAGS (\\Seen \\Deleted))
        S: a047 OK NOOP completed
        """,
    )


def test_6_1_3_logout(client):
    one = client()
    replay(
        one,
        """
        C: A023 LOGOUT
        S: * BYE IMAP4rev1 Server logging out
        S: A023 OK LOGOUT completed
        """,
    )
    assert one.connection.closed


# -- 6.2 not authenticated state -------------------------------------------------------------------


def test_6_2_1_starttls(client):
    # Example's capability lines before and after TLS: see 6.1.1 (no LOGINDISABLED here).
    one = client(tls_available=True)
    replay(
        one,
        """
        C: a002 STARTTLS
        S: a002 OK Begin TLS negotiation now
        """,
    )
    one.connection.tls_started()
    replay(
        one,
        """
        C: a004 LOGIN joe password
        S: a004 OK LOGIN completed
        """,
    )


def test_6_2_2_authenticate(client):
    # GSSAPI is not offered: RFC 3501 6.2.2 says to reject an unsupported mechanism with NO.
    # The same exchange with PLAIN, which is (challenge "+", response, tagged OK).
    one = client()
    assert one.greeting.startswith(b"* OK ")  # the example's "S: * OK IMAP4rev1 Server"
    replay(
        one,
        """
        C: A001 AUTHENTICATE GSSAPI
        S: A001 NO unsupported mechanism
        C: A002 AUTHENTICATE PLAIN
        S: +
        C: AGJvYkBleGFtcGxlLmNvbQBzZWNyZXQ=
        S: A002 OK PLAIN authentication successful
        """,
    )
    assert one.connection.session.user == USER


def test_6_2_3_login(client):
    replay(
        client(),
        """
        C: a001 LOGIN SMITH SESAME
        S: a001 OK LOGIN completed
        """,
    )
