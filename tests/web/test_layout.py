"""Layout: usable at 375 px (no sideways overflow anywhere), light and dark themes follow the
system, and screenshots of the main views for the README (docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.timeout(120)

ROWS = "#message-list li.message"
PHONE = {"width": 375, "height": 740}
#: A phone: 375 CSS pixels wide, touch, sharp (2x) screenshots; reduced motion, so the mailbox
#: drawer opens without sliding and is measured where it ends up.
PHONE_CONTEXT = {
    "viewport": PHONE,
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
    "reduced_motion": "reduce",
}
DESKTOP = {"width": 1280, "height": 800}
#: Screenshots of the main views: committed, shown in the README, rewritten by every run.
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
#: Fixed locale and zone, and pinned list times, keep the screenshots the same from run to run.
STABLE = {"locale": "en-GB", "timezone_id": "UTC"}

#: Everything visible that pokes out sideways: the page itself, any element past the viewport's
#: edges, and any scrolling box that scrolls sideways.
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  const found = [];
  if (document.documentElement.scrollWidth > width) {
    found.push(`the page is ${document.documentElement.scrollWidth}px wide`);
  }
  for (const el of document.body.querySelectorAll('*')) {
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 1 || box.left < -1) {
      found.push(`${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)}px`);
    }
    if (['auto', 'scroll'].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${name(el)} scrolls sideways (${el.scrollWidth} > ${el.clientWidth})`);
    }
  }
  return found;
}"""

WELCOME_HTML = """<!doctype html><html>
<body style="margin:0;font-family:sans-serif;background:#f3f4f8">
<table width="100%" cellpadding="0" cellspacing="0"><tr><td align="center" style="padding:24px">
<table width="100%" style="max-width:520px;background:#ffffff;border-radius:8px" cellpadding="24">
<tr><td><h1 style="margin:0 0 12px;color:#1f3a8a">Welcome to Acme, Ann!</h1>
<p style="color:#333;line-height:1.5">
Thanks for signing up. Confirm your address to get started:</p>
<p><a href="https://acme.example/confirm?token=8f14e45f"
style="display:inline-block;padding:10px 18px;
background:#2563eb;color:#fff;border-radius:6px;text-decoration:none">Confirm my email</a></p>
<p style="color:#777;font-size:13px">If you did not sign up, ignore this mail.</p>
</td></tr></table></td></tr></table></body></html>"""


def send_sample_mail(trap, send_mail):
    """A small, realistic inbox: several recipients, HTML, attachments, a Bcc."""
    when = dt.datetime(2025, 3, 14, 9, 0, tzinfo=dt.UTC)
    mails = [
        dict(
            to=["ops@example.com"],
            sender="Monitoring <alerts@status.example>",
            subject="Nightly backup finished",
            text="All 14 databases were backed up.",
        ),
        dict(
            to=["bob@example.com"],
            sender="Acme <security@acme.example>",
            subject="Reset your password",
            text="Use code 493021 to reset your password.",
        ),
        dict(
            to=["ann@example.com"],
            cc=["billing@example.com"],
            sender="Acme Billing <billing@acme.example>",
            subject="Your invoice #2041",
            text="Your invoice for March is attached.",
            attachments=[("invoice-2041.pdf", b"%PDF-1.4\n% sample\n", "application/pdf")],
        ),
        dict(
            to=["team@example.com"],
            sender="Acme <news@acme.example>",
            bcc=["carol@example.com"],
            subject="Weekly digest: 3 new features",
            text="Dark mode, exports and faster search.",
        ),
        dict(
            to=["Ann Lee <ann@example.com>"],
            sender="Acme <hello@acme.example>",
            subject="Welcome to Acme, Ann!",
            text="Thanks for signing up. Confirm: https://acme.example/confirm?token=8f14e45f",
            html=WELCOME_HTML,
        ),
    ]
    for minutes, mail in zip((3, 17, 26, 41, 42), mails, strict=True):
        send_mail(trap, date=when + dt.timedelta(minutes=minutes), **mail)


def mail_body(page, selector):
    return page.frame_locator("#view-panel iframe").locator(selector)


def pin_times(page):
    """Arrival times are real; for the screenshots, show the same ones every run (the list may
    re-render at any moment after a live event, so re-pin whenever it does)."""
    page.evaluate("""() => {
      const list = document.getElementById('message-list');
      const times = ['10:42', '10:41', '10:26', '10:17', '10:03'];
      const pin = () => list.querySelectorAll('time').forEach((t, i) => {
        if (t.textContent !== times[i]) t.textContent = times[i] || '09:00';
      });
      const watch = {childList: true, subtree: true, characterData: true};
      new MutationObserver(pin).observe(list, watch);
      pin();
    }""")


def shoot(page, name):
    # Wait for the last counts (reading a message lowers them), then pin the times.
    expect(page.locator("#mailbox-list .mailbox-all .badge")).to_have_text("4")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def assert_no_sideways_overflow(page, where):
    assert page.evaluate(OVERFLOW) == [], f"horizontal overflow at 375 px, {where}"


def test_phone_width_layout(mailtrap, new_context, viewer, send_mail):
    send_sample_mail(mailtrap, send_mail)
    send_mail(
        mailtrap,
        to=["a-very-long-address.with.many.parts@subdomain.example.com"],
        subject="Averyveryverylongsubjectwithoutanyspacesthatmustwrapormaskitself_" * 2,
        text="https://example.com/" + "x" * 200,
    )
    context = new_context(**PHONE_CONTEXT, **STABLE)
    page = viewer(context.new_page(), mailtrap)
    expect(page.locator(ROWS)).to_have_count(6)
    expect(page.locator(".view-pane")).to_be_hidden()
    expect(page.locator("#mailboxes")).not_to_be_in_viewport()
    assert_no_sideways_overflow(page, "message list")

    # mailboxes live in a drawer behind the menu button
    page.locator("#menu-toggle").tap()
    expect(page.locator("#mailboxes")).to_be_in_viewport()
    assert_no_sideways_overflow(page, "mailbox drawer")
    page.locator("#mailbox-list a[data-mailbox='ann@example.com']").tap()
    expect(page.locator("#mailboxes")).not_to_be_in_viewport()
    expect(page.locator(f"{ROWS} .subject")).to_have_text(
        ["Welcome to Acme, Ann!", "Your invoice #2041"]
    )

    # a message takes the whole screen, with a way back
    page.locator(ROWS, has_text="Your invoice").tap()
    expect(page.locator("#view-subject")).to_have_text("Your invoice #2041")
    expect(page.locator(".list-pane")).to_be_hidden()
    for tab in ("text", "headers", "raw", "attachments"):
        page.locator(f"#tab-{tab}").tap()
        expect(page.locator("#view-panel")).to_have_attribute("data-tab", tab)
        assert_no_sideways_overflow(page, f"{tab} tab")
    page.locator("#view-back").tap()
    expect(page.locator(".list-pane")).to_be_visible()
    expect(page.locator(".view-pane")).to_be_hidden()

    # the long one wraps or truncates instead of widening the page
    page.locator("#menu-toggle").tap()
    page.locator("#mailbox-list .mailbox-all a").tap()
    page.locator(ROWS, has_text="Averyvery").tap()
    for tab in ("text", "headers", "raw"):
        page.locator(f"#tab-{tab}").tap()
        expect(page.locator("#view-panel")).to_have_attribute("data-tab", tab)
        assert_no_sideways_overflow(page, f"long message, {tab} tab")


def test_screenshots_of_the_main_views(mailtrap, new_context, viewer, send_mail):
    send_sample_mail(mailtrap, send_mail)
    shots = []

    for scheme in ("light", "dark"):
        context = new_context(viewport=DESKTOP, color_scheme=scheme, **STABLE)
        page = viewer(context.new_page(), mailtrap)
        pin_times(page)
        expect(page.locator(ROWS)).to_have_count(5)
        page.locator(ROWS, has_text="Welcome to Acme").click()
        expect(mail_body(page, "h1")).to_have_text("Welcome to Acme, Ann!")
        page.mouse.move(0, DESKTOP["height"] - 1)
        shots.append(shoot(page, f"desktop-{scheme}"))

    context = new_context(**PHONE_CONTEXT, **STABLE)
    page = viewer(context.new_page(), mailtrap)
    pin_times(page)
    expect(page.locator(ROWS)).to_have_count(5)
    shots.append(shoot(page, "phone-list"))
    page.locator("#menu-toggle").tap()
    expect(page.locator("#mailboxes")).to_be_in_viewport()
    shots.append(shoot(page, "phone-mailboxes"))
    page.locator("#drawer-backdrop").tap(position={"x": 360, "y": 400})
    page.locator(ROWS, has_text="Welcome to Acme").tap()
    expect(mail_body(page, "h1")).to_have_text("Welcome to Acme, Ann!")
    shots.append(shoot(page, "phone-message"))

    for path in shots:
        assert path.stat().st_size > 10_000, f"{path} looks empty"


def test_themes_follow_the_system(mailtrap, new_context, viewer):
    backgrounds = {}
    for scheme in ("light", "dark"):
        page = viewer(new_context(color_scheme=scheme).new_page(), mailtrap)
        backgrounds[scheme] = page.evaluate("""() => {
          const colour = getComputedStyle(document.body).backgroundColor;
          const [r, g, b] = colour.match(/\\d+/g).map(Number);
          return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
        }""")
    assert backgrounds["light"] > 0.8 and backgrounds["dark"] < 0.2, backgrounds
