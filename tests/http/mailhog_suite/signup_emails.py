"""A test suite as a MailHog user wrote it (not collected by ours: run against a server by
tests/http/test_mailhog_user_suite.py). Nothing here knows of mailtrap: it talks to "MailHog"
at MAILHOG_URL and sends mail to SMTP_HOST:SMTP_PORT, as it did in CI before the switch."""

import json
import os
import quopri
import smtplib
import time
import urllib.parse
import urllib.request
from email.message import EmailMessage

MAILHOG_URL = os.environ.get("MAILHOG_URL", "http://localhost:8025")
SMTP_HOST = os.environ.get("SMTP_HOST", "localhost")
SMTP_PORT = int(os.environ.get("SMTP_PORT", "1025"))


def mailhog(path, method="GET"):
    request = urllib.request.Request(MAILHOG_URL + path, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        body = response.read()
    return json.loads(body) if body else None


def search(kind, query):
    return mailhog(f"/api/v2/search?kind={kind}&query={urllib.parse.quote(query)}")


def wait_for_mail_to(address, timeout=5):
    deadline = time.time() + timeout
    while True:
        result = search("to", address)
        if result["total"] or time.time() > deadline:
            return result["items"]
        time.sleep(0.1)


def send_signup_email(to, name):
    """The application under test."""
    message = EmailMessage()
    message["From"] = "Shop <no-reply@shop.example>"
    message["To"] = f"{name} <{to}>"
    message["Subject"] = "Confirm your account"
    message.set_content(
        f"Hi {name},\n\nplease confirm your account: https://shop.example/confirm?token=abc123\n",
        cte="quoted-printable",
    )
    message.add_attachment(b"terms", "text", "plain", filename="terms.txt")
    with smtplib.SMTP(SMTP_HOST, SMTP_PORT) as smtp:
        smtp.send_message(message)


def setup_function():
    mailhog("/api/v1/messages", method="DELETE")


def test_signup_sends_a_confirmation_email():
    send_signup_email("new.user@example.com", "New User")
    [email] = wait_for_mail_to("new.user@example.com")
    assert email["Content"]["Headers"]["Subject"] == ["Confirm your account"]
    assert email["Raw"]["From"] == "no-reply@shop.example"
    assert [f"{p['Mailbox']}@{p['Domain']}" for p in email["To"]] == ["new.user@example.com"]
    text = next(
        p for p in email["MIME"]["Parts"] if "text/plain" in p["Headers"]["Content-Type"][0]
    )
    body = quopri.decodestring(text["Body"]).decode()
    assert "https://shop.example/confirm?token=abc123" in body


def test_attachment_is_included():
    send_signup_email("attach@example.com", "Attach")
    [email] = wait_for_mail_to("attach@example.com")
    dispositions = [
        p["Headers"].get("Content-Disposition", [""])[0] for p in email["MIME"]["Parts"]
    ]
    assert 'attachment; filename="terms.txt"' in dispositions


def test_only_the_right_person_gets_it():
    send_signup_email("first@example.com", "First")
    send_signup_email("second@example.com", "Second")
    wait_for_mail_to("second@example.com")
    assert search("to", "first@example.com")["total"] == 1
    assert search("from", "no-reply@shop.example")["total"] == 2
    assert search("containing", "token=abc123")["total"] == 2
    assert mailhog("/api/v2/messages")["total"] == 2


def test_messages_can_be_deleted_one_by_one():
    send_signup_email("gone@example.com", "Gone")
    [email] = wait_for_mail_to("gone@example.com")
    assert mailhog(f"/api/v1/messages/{email['ID']}")["ID"] == email["ID"]
    mailhog(f"/api/v1/messages/{email['ID']}", method="DELETE")
    assert mailhog("/api/v2/messages")["total"] == 0
