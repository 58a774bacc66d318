"""What the container tests send and how they read mail back: over HTTP (the README's CI step:
the long-poll, then the list), POP3 and IMAP, from the port the container published."""

from __future__ import annotations

import imaplib
import json
import poplib
import smtplib
import urllib.parse
import urllib.request
from email.message import EmailMessage


def mail(to: str, subject: str, size: int = 0) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "ci@example.com"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Hello from the container test.\n" + "x" * size)
    return message


def send(port: int, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(message)


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=15) as response:
        assert response.status == 200
        return json.load(response)


def subjects_over_http(port: int, address: str) -> list[str]:
    base = f"http://127.0.0.1:{port}/api/v1"
    # The README's CI step first: the long-poll finds the message (already there: at once).
    query = urllib.parse.urlencode({"query": f"to:{address} subject:Welcome", "timeout": "10"})
    assert get_json(f"{base}/wait?{query}")["Subject"].startswith("Welcome")
    listing = get_json(f"{base}/messages")
    return [
        summary["Subject"]
        for summary in listing["messages"]
        if address in [person["Address"] for person in summary["To"]]
    ]


def subjects_over_pop3(port: int, address: str) -> list[str]:
    pop = poplib.POP3("127.0.0.1", port, timeout=10)
    try:
        pop.user(address)
        pop.pass_("any password")
        count, _size = pop.stat()
        headers = [pop.top(number, 0)[1] for number in range(1, count + 1)]
    finally:
        pop.quit()
    return [
        line.decode().removeprefix("Subject: ")
        for lines in headers
        for line in lines
        if line.startswith(b"Subject: ")
    ]


def subjects_over_imap(port: int, address: str) -> list[str]:
    with imaplib.IMAP4("127.0.0.1", port, timeout=10) as imap:
        imap.login(address, "any password")
        imap.select("INBOX", readonly=True)
        _, [numbers] = imap.search(None, "ALL")
        subjects = []
        for number in numbers.split():
            _, data = imap.fetch(number, "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
            header = data[0][1].decode().strip()
            subjects.append(header.removeprefix("Subject: "))
        imap.logout()
    return subjects


#: Each protocol's way of listing the subjects an address got, given the port it is on.
READ_BACK = {"http": subjects_over_http, "pop3": subjects_over_pop3, "imap": subjects_over_imap}
