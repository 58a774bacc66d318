"""What mail clients see survives a restart of ``mailtrap --db``, clean or by SIGKILL: IMAP's
UIDVALIDITY, UIDNEXT, UIDs, flags, folders and subscriptions, POP3's UIDLs, and each message's
tags and SMTP transcript over the API (the issue's restart test, through real clients)."""

from __future__ import annotations

import imaplib
import json
import poplib
import re
import signal
import smtplib
import urllib.request
from typing import Any

import pytest
from cliserver import Server

BOB = "bob@example.com"


def send(server: Server, subject: str, tags: str) -> None:
    head = f"From: app@example.com\r\nTo: {BOB}\r\nSubject: {subject}\r\nX-Tags: {tags}\r\n"
    raw = head + "\r\nhi\r\n"
    with smtplib.SMTP("127.0.0.1", server.port("smtp"), timeout=5) as smtp:
        smtp.sendmail("app@example.com", [BOB], raw.encode())


def arrange(server: Server) -> None:
    """Mail, then what a user does to it over IMAP: a folder, a copy, flags, an expunge."""
    for n, tags in enumerate(["billing", "billing,urgent", "misc"], 1):
        send(server, f"message {n}", tags)
    imap = imaplib.IMAP4("127.0.0.1", server.port("imap"), timeout=5)
    try:
        imap.login(BOB, "any")
        assert imap.create("Receipts")[0] == "OK" and imap.subscribe("Receipts")[0] == "OK"
        imap.select("INBOX")
        assert imap.uid("COPY", "1", "Receipts")[0] == "OK"
        assert imap.uid("STORE", "2", "+FLAGS", r"(\Flagged $Label)")[0] == "OK"
        assert imap.uid("STORE", "3", "+FLAGS", r"(\Deleted)")[0] == "OK"
        assert imap.expunge()[0] == "OK"
    finally:
        imap.logout()
    send(server, "message 4", "late")  # UID 4: UIDNEXT must not go back to 4


def observe(server: Server) -> dict[str, Any]:
    """Everything a client can see of the mailbox."""
    seen: dict[str, Any] = {}
    imap = imaplib.IMAP4("127.0.0.1", server.port("imap"), timeout=5)
    try:
        imap.login(BOB, "any")
        for folder in ("INBOX", "Receipts"):
            seen[f"{folder} status"] = imap.status(folder, "(MESSAGES UIDNEXT UIDVALIDITY)")
            imap.select(folder, readonly=True)
            _, lines = imap.uid("FETCH", "1:*", "(FLAGS)")
            # \Recent belongs to a session (RFC 3501 2.3.2), not to the mailbox
            seen[f"{folder} flags"] = [re.sub(rb" ?\\Recent", b"", line) for line in lines]
        seen["folders"] = sorted(imap.list()[1])
        seen["subscribed"] = sorted(imap.lsub()[1])
    finally:
        imap.logout()
    pop = poplib.POP3("127.0.0.1", server.port("pop3"), timeout=5)
    try:
        pop.user(BOB)
        pop.pass_("any")
        seen["uidl"] = pop.uidl()[1]
    finally:
        pop.quit()
    api = server.addresses["http"]
    with urllib.request.urlopen(f"{api}/api/v1/messages", timeout=5) as reply:
        listed = json.load(reply)["messages"]
    seen["tags"] = {m["ID"]: m["Tags"] for m in listed}
    for message_id in seen["tags"]:
        with urllib.request.urlopen(f"{api}/api/v1/message/{message_id}/transcript") as reply:
            seen[f"transcript {message_id}"] = json.load(reply)
    return seen


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL], ids=["clean", "crash"])
def test_what_clients_see_survives_a_restart(tmp_path, stop):
    path = str(tmp_path / "mail.db")
    server = Server("--db", path)
    try:
        arrange(server)
        before = observe(server)
    finally:
        server.stop(stop)
    assert before["INBOX status"][1] != before["Receipts status"][1]
    assert len(before["uidl"]) == 3 and len(before["tags"]) == 3
    again = Server("--db", path)
    try:
        assert observe(again) == before
    finally:
        again.stop()
