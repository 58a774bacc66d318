"""npm ``mailpit-api`` (node) against our server: tests/http/node/mailpit_client.mjs asserts."""

from __future__ import annotations

import io
from email.message import EmailMessage

from PIL import Image


def test_the_npm_mailpit_client_works_unchanged(node_script, mailtrap):
    summary = node_script("mailpit_client.mjs", mailtrap.http_url)
    assert summary["ok"] is True and summary["checks"] >= 25


def test_the_npm_mailpit_clients_checks_and_configuration(
    node_script, mailtrap_factory, api_for, spamd, site
):
    trap = mailtrap_factory(spamassassin=spamd, allow_internal_http_requests=True)
    message = EmailMessage()
    message["From"], message["To"] = "winner@example.com", "you@example.com"
    message["Subject"] = "Buy VIAGRA now FREE MONEY"
    message.set_content("Click here to get rich quick. 100% free, no risk.")
    message.add_alternative(
        f'<a href="{site.url}/ok">ok</a> <a href="{site.url}/gone">gone</a> '
        f'<a href="{site.url}/moved">moved</a> <img src="{site.url}/ok?logo=1">',
        subtype="html",
    )
    picture = io.BytesIO()
    Image.new("RGB", (640, 480), "green").save(picture, "PNG")
    message.add_attachment(picture.getvalue(), "image", "png", filename="photo.png")
    stored = trap.store.deliver("winner@example.com", ["you@example.com"], message.as_bytes())
    [photo] = api_for(trap).ok_json(f"/api/v1/message/{stored.id}")["Attachments"]
    summary = node_script("mailpit_checks.mjs", trap.http_url, stored.id, photo["PartID"], site.url)
    assert summary["ok"] is True and summary["checks"] >= 17


def test_the_npm_mailpit_clients_release(node_script, mailtrap_factory):
    upstream = mailtrap_factory()
    relay = f"127.0.0.1:{upstream.smtp_port}"
    trap = mailtrap_factory(relay=relay)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "app@example.com", "a@x.org", "Release"
    message.set_content("on its way")
    stored = trap.store.deliver("app@example.com", ["a@x.org"], message.as_bytes())
    summary = node_script("release_client.mjs", trap.http_url, stored.id, relay)
    assert summary["ok"] is True and summary["checks"] == 4
    [copy] = upstream.wait_for()
    assert copy.subject == "Release"
    assert copy.recipients == ["released@example.com", "second@example.com"]
