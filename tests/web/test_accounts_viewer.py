"""The viewer in a browser with accounts: an account's password shows its own mail only, live
updates included; an ``--ui-auth`` user sees everything; no password, no viewer."""

from __future__ import annotations

from playwright.sync_api import expect

from mailtrap import MailTrap
from mailtrap.auth.hashes import hash_password

ROWS = "#message-list li.message"
ALICE, BOB = "alice@example.com", "bob@example.com"


def subjects(page):
    return page.locator(f"{ROWS} .subject")


def test_alice_sees_her_mail_only_and_the_admin_everything(
    new_context, viewer, send_mail, tmp_path
):
    htpasswd = tmp_path / "htpasswd"
    htpasswd.write_text(f"admin:{hash_password('admin-pw', 'apr_md5_crypt')}\n")
    users = {ALICE: "alice-pw", BOB: "bob-pw"}
    with MailTrap(auth="users", users=users, ui_auth=str(htpasswd)) as trap:
        send_mail(trap, to=[ALICE], subject="For Alice")
        send_mail(trap, to=[BOB], subject="For Bob")
        trap.wait_for(count=2)

        alice = new_context(http_credentials={"username": ALICE, "password": "alice-pw"})
        page = viewer(alice.new_page(), trap)
        expect(subjects(page)).to_have_text(["For Alice"])
        expect(page.locator("#mailbox-list")).not_to_contain_text(BOB)
        # live: bob's new mail never shows, hers does
        send_mail(trap, to=[BOB], subject="Bob again")
        send_mail(trap, to=[ALICE], subject="Alice again")
        expect(subjects(page)).to_have_text(["Alice again", "For Alice"])

        admin = new_context(http_credentials={"username": "admin", "password": "admin-pw"})
        page = viewer(admin.new_page(), trap)
        expect(subjects(page)).to_have_count(4)

        # (a page asked for a password it does not have is a navigation error in Chromium:
        # the browser's own requests show the answer)
        assert new_context().request.get(trap.http_url + "/").status == 401
        wrong = new_context(http_credentials={"username": ALICE, "password": "wrong"})
        assert wrong.request.get(trap.http_url + "/api/v1/messages").status == 401
