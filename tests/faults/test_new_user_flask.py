"""Tried as a new user would: a small Flask app that sends a welcome mail and retries when the
mail server says "try again later", served over real HTTP and pointed at the ``mailtrap``
fixture, whose rule fails the app's first send with 451."""

from __future__ import annotations

import json
import smtplib
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
from flask import Flask, request
from werkzeug.serving import make_server


def create_app(mail: dict) -> Flask:
    """The app under test: ``mail`` holds its SMTP settings, as an app's config would."""
    app = Flask("signup")
    app.config.update(MAIL_HOST=mail["host"], MAIL_PORT=mail["port"], MAIL_RETRIES=3)

    def send_mail(to: str, subject: str, body: str) -> int:
        """Send; on a temporary failure (4xx) wait a moment and try again. Returns attempts."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "signup@example.com", to, subject
        message.set_content(body)
        retries = app.config["MAIL_RETRIES"]
        for attempt in range(1, retries + 1):
            try:
                with smtplib.SMTP(
                    app.config["MAIL_HOST"], app.config["MAIL_PORT"], timeout=10
                ) as smtp:
                    smtp.send_message(message)
                return attempt
            except smtplib.SMTPResponseException as error:
                if not 400 <= error.smtp_code < 500 or attempt == retries:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    @app.post("/signup")
    def signup() -> tuple[dict, int]:
        address = request.form["email"]
        try:
            attempts = send_mail(address, "Welcome!", "Confirm: https://example.com/confirm")
        except smtplib.SMTPResponseException as error:
            return {"sent": False, "error": error.smtp_code}, 502
        return {"sent": True, "attempts": attempts}, 200

    return app


@pytest.fixture
def app_url(mailtrap) -> Iterator[str]:
    """The app served over HTTP on an ephemeral port, sending to the test's mailtrap."""
    server = make_server("127.0.0.1", 0, create_app(mailtrap.smtp_settings), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def sign_up(app_url: str, email: str) -> tuple[int, dict]:
    data = urllib.parse.urlencode({"email": email}).encode()
    try:
        with urllib.request.urlopen(f"{app_url}/signup", data=data, timeout=10) as reply:
            return reply.status, json.load(reply)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.load(error)


def test_the_apps_retry_gets_the_mail_through_after_a_451(mailtrap, app_url):
    address = mailtrap.unique_address()
    mailtrap.fail("mail", 451, times=1)  # the first send fails, the retry goes through

    assert sign_up(app_url, address) == (200, {"sent": True, "attempts": 2})

    [message] = mailtrap.wait_for(to=address)
    assert message.subject == "Welcome!"
    assert message.links == ["https://example.com/confirm"]
    assert len(mailtrap.messages(to=address)) == 1  # one message, not two
    [refusal] = mailtrap.refused()
    assert refusal.reply == "451 4.3.0 Local error in processing, try again later"
    assert refusal.attempt.sender == "signup@example.com"


def test_the_app_gives_up_on_a_permanent_failure(mailtrap, app_url):
    address = mailtrap.unique_address()
    rule = mailtrap.fail("end", 554, "Message rejected as spam", to=address)

    assert sign_up(app_url, address) == (502, {"sent": False, "error": 554})
    assert rule.fired == 1  # no retry of a 5xx
    assert mailtrap.messages() == []
