"""npm ``mailhog`` (node) against our server: tests/http/node/mailhog_client.mjs asserts."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage


def three_messages(smtp) -> None:
    welcome = EmailMessage()
    welcome["From"], welcome["To"], welcome["Subject"] = (
        "App <app@example.com>",
        "alice@example.com",
        "Welcome Alice",
    )
    welcome.set_content("Hello Alice, confirm at https://example.com/c/1\n")
    welcome.add_attachment(b"report body", "text", "plain", filename="report.txt")
    smtp("app@example.com", ["alice@example.com"], welcome.as_bytes())

    invoice = EmailMessage()
    invoice["From"], invoice["To"], invoice["Subject"] = (
        "billing@example.com",
        "bob@example.com",
        "Invoice €",
    )
    invoice.set_content("Total: 10 € (quoted-printable)\n", cte="quoted-printable")
    smtp("billing@example.com", ["bob@example.com"], invoice.as_bytes())

    reset = EmailMessage()
    reset["From"], reset["To"], reset["Subject"] = (
        "app@example.com",
        "carol@example.com",
        "Reset password",
    )
    reset.set_content("<p><b>Reset</b> it here</p>", subtype="html", cte="base64")
    smtp("app@example.com", ["carol@example.com"], reset.as_bytes())


def test_the_npm_mailhog_client_works_unchanged(node_script, mailtrap_factory):
    upstream = mailtrap_factory()
    trap = mailtrap_factory(relay=f"127.0.0.1:{upstream.smtp_port}")

    def smtp(sender: str, to: list[str], raw: bytes) -> None:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port, timeout=10) as client:
            client.sendmail(sender, to, raw)

    three_messages(smtp)
    trap.wait_for(count=3)
    summary = node_script("mailhog_client.mjs", trap.http_url, upstream.smtp_port)
    assert summary["ok"] is True and summary["checks"] >= 22
    [copy] = upstream.wait_for(to="released@example.com")
    assert copy.subject == "Welcome Alice" and copy.recipients == ["released@example.com"]
