"""Hostile mail runs nothing: not in the viewer's sandboxed frame, not at /view/{ID}.html opened
directly. Remote images stay blocked until asked for, and our own page runs under its CSP."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"
#: How long to wait for something that should NOT happen before saying it didn't.
QUIET_PERIOD_MS = 1000


def hostile_html(probe_url: str) -> str:
    """Every way we know for mail to try to run script, each one phoning home if it works."""

    def payload(how: str) -> str:
        return f"window.pwned='{how}';top.pwned='{how}';fetch('{probe_url}/{how}');alert('{how}')"

    return f"""<!doctype html>
<html><head>
<meta http-equiv="refresh" content="2;url=javascript:{payload("refresh")}">
<script>{payload("script")}</script>
<script src="{probe_url}/external.js"></script>
</head>
<body onload="{payload("bodyonload")}">
<h1 id="title">Totally normal newsletter</h1>
<img id="broken" src="data:image/png;base64,broken" onerror="{payload("onerror")}">
<svg><image href="data:," onload="{payload("svg")}"/></svg>
<a id="jslink" href="javascript:{payload("link")}">Claim your prize</a>
<iframe srcdoc="<script>{payload("srcdoc")}</script>"></iframe>
<object data="javascript:{payload("object")}"></object>
</body></html>"""


def assert_nothing_ran(frame, page, probe, dialogs):
    page.wait_for_timeout(QUIET_PERIOD_MS)
    assert frame.evaluate("typeof window.pwned") == "undefined"
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert probe.requests == [], f"the mail reached the network: {probe.requests}"
    assert dialogs == [], f"the mail opened dialogs: {dialogs}"


def test_hostile_mail_executes_nothing(mailtrap, context, page_errors, viewer, send_mail, probe):
    dialogs: list[str] = []
    context.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page = viewer(context.new_page(), mailtrap)
    send_mail(
        mailtrap,
        to=["victim@example.com"],
        subject="You won!",
        text="See the HTML part.",
        html=hostile_html(probe.url),
    )
    page.locator(ROWS, has_text="You won!").click()
    message_id = re.search(r"message=([^&]+)", page.url).group(1)

    iframe = page.locator("#view-panel iframe")
    sandbox = iframe.get_attribute("sandbox")
    assert sandbox is not None, "the HTML body is not sandboxed"
    assert "allow-scripts" not in sandbox and "allow-same-origin" not in sandbox
    frame = iframe.element_handle().content_frame()
    frame.wait_for_selector("#title")
    assert frame.url.endswith(f"/view/{message_id}.html")
    # a sandbox without allow-same-origin gives the mail an opaque origin: no access to our API
    assert frame.evaluate("self.origin") == "null"

    frame.locator("#jslink").click()
    assert_nothing_ran(frame, page, probe, dialogs)
    assert frame.url.endswith(f"/view/{message_id}.html"), "the javascript: link navigated"
    expect(page.frame_locator("#view-panel iframe").locator("#title")).to_be_visible()

    # /view/{ID}.html opened on its own, outside any sandbox: its CSP forbids scripts
    direct = context.new_page()
    page_errors.watch(direct)
    response = direct.goto(f"{mailtrap.http_url}/view/{message_id}.html")
    csp = response.headers.get("content-security-policy", "")
    assert re.search(r"(script-src|default-src) 'none'", csp), csp
    direct.wait_for_selector("#title")
    direct.locator("#jslink").click()
    direct.wait_for_timeout(QUIET_PERIOD_MS)
    assert direct.evaluate("typeof window.pwned") == "undefined"
    assert direct.url.endswith(f"/view/{message_id}.html")
    assert probe.requests == [], f"the mail reached the network: {probe.requests}"
    assert dialogs == [], f"the mail opened dialogs: {dialogs}"


def tracking_mail(probe_url: str, name: str) -> dict:
    return {
        "to": ["alice@example.com"],
        "subject": f"Newsletter with {name}",
        "html": f'<h1 id="title">News</h1><img id="pixel" src="{probe_url}/{name}" alt="">',
    }


def open_first(page):
    page.locator(ROWS).first.click()
    expect(page.frame_locator("#view-panel iframe").locator("#title")).to_be_visible()


def test_remote_images_are_blocked_by_default(mailtrap, page, viewer, send_mail, probe):
    send_mail(mailtrap, **tracking_mail(probe.url, "pixel.png"))
    viewer(page, mailtrap)
    open_first(page)
    notice = page.locator("#remote-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Remote images are blocked")
    page.wait_for_timeout(QUIET_PERIOD_MS)
    assert probe.requests == []


def test_remote_images_load_when_asked_for(mailtrap, page, viewer, send_mail, probe):
    send_mail(mailtrap, **tracking_mail(probe.url, "pixel.png"))
    viewer(page, mailtrap)
    open_first(page)
    notice = page.locator("#remote-notice")
    notice.locator("#load-remote").click(timeout=2_000)
    expect(notice).to_be_hidden()
    expect(page.frame_locator("#view-panel iframe").locator("#title")).to_be_visible()
    for _ in range(50):
        if probe.requests:
            break
        page.wait_for_timeout(100)
    assert probe.requests == ["/pixel.png"]

    # the next message starts blocked again
    send_mail(mailtrap, **tracking_mail(probe.url, "again.png"))
    page.locator(ROWS, has_text="again.png").click()
    expect(page.locator("#remote-notice")).to_be_visible()
    expect(page.locator("#load-remote")).to_be_visible()


def test_plain_html_mail_shows_no_remote_notice(mailtrap, page, viewer, send_mail):
    send_mail(
        mailtrap,
        to=["alice@example.com"],
        subject="Links only",
        html='<p>Visit <a href="https://example.com/">our site</a></p>',
    )
    viewer(page, mailtrap)
    page.locator(ROWS).first.click()
    expect(page.frame_locator("#view-panel iframe").locator("a")).to_have_text("our site")
    expect(page.locator("#remote-notice")).to_be_hidden()


def test_our_page_runs_under_a_strict_csp(mailtrap, page, send_mail):
    messages: list[str] = []
    page.on("console", lambda message: messages.append(message.text))
    send_mail(mailtrap, to=["alice@example.com"], subject="CSP check", html="<p>Hi</p>")
    response = page.goto(mailtrap.http_url)
    csp = response.headers.get("content-security-policy", "")
    script_src = re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)", csp)
    assert script_src, f"no script policy on our page: {csp!r}"
    assert "'unsafe-inline'" not in script_src.group(1)
    assert "'unsafe-eval'" not in script_src.group(1)
    expect(page.locator("body")).to_have_attribute("data-live", "live")
    page.locator(ROWS).first.click()
    for tab in ("text", "headers", "raw", "attachments", "html"):
        page.locator(f"#tab-{tab}").click()
        expect(page.locator("#view-panel")).to_have_attribute("data-tab", tab)
    violations = [m for m in messages if "Content Security Policy" in m]
    assert violations == []
