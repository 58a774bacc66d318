"""The HTTP API with accounts, continued: a message's checks and thumbnails, tags, MailHog's API
and Jim, and the live feed's tag frames, for alice (her account's password) and an admin
(``--ui-auth``): alice gets her mail only, and nothing of bob's leaks, not even a count.
"""

from __future__ import annotations

import base64
import io
import json
import smtplib
import socket

import pytest
from httpaccounts import ALICE, BOB, USERS, alice_call, call, frames_until, listed, live_feed
from localweb import Site
from PIL import Image

# -- the checks, tags, MailHog's API and Jim ------------------------------------------------------

ADMIN = ("admin", "admin-pw")
ALICE_LOGIN = (ALICE, "alice-pw")


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(out, "PNG")
    return out.getvalue()


def _mail(subject: str, tags: str, link: str) -> bytes:
    """A message with a link, an image attachment (part 2) and X-Tags."""
    image = base64.encodebytes(_png()).replace(b"\n", b"\r\n")
    return (
        (
            f"From: app@example.com\r\nSubject: {subject}\r\nX-Tags: {tags}\r\n"
            "MIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
            f"--b\r\nContent-Type: text/plain\r\n\r\nsee {link}\r\n"
            "--b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n"
            'Content-Disposition: attachment; filename="pic.png"\r\n\r\n'
        ).encode()
        + image
        + b"--b--\r\n"
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def site():
    server = Site()
    yield server
    server.close()


@pytest.fixture
def upstream(mailtrap_factory):
    """Where releases go (the --relay server)."""
    return mailtrap_factory()


@pytest.fixture
def tagged(mailtrap_factory, htpasswd, site, upstream):
    """Accounts with tagged mail, a relay and the checks on: alice's "hers" (tag alice-tag),
    bob's "secret" (bob-only, shared) and "both" (shared, in both INBOXes)."""
    trap = mailtrap_factory(
        auth="users",
        users=dict(USERS),
        ui_auth=htpasswd,
        relay=f"127.0.0.1:{upstream.smtp_port}",
        spamassassin=f"127.0.0.1:{_closed_port()}",  # answered with an Error: none is running
        allow_internal_http_requests=True,
    )
    with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
        smtp.sendmail("app@example.com", [ALICE], _mail("hers", "alice-tag", f"{site.url}/ok?a"))
        smtp.sendmail("app@example.com", [BOB], _mail("secret", "bob-only, shared", site.url))
        smtp.sendmail("app@example.com", [ALICE, BOB], _mail("both", "shared", site.url))
    trap.wait_for(count=3)
    return trap


def _id(trap, subject):
    [message] = trap.messages(subject=subject)
    return message.id


def test_checks_and_thumbnails_of_another_accounts_message_are_404(tagged, site):
    secret, hers = _id(tagged, "secret"), _id(tagged, "hers")
    for route in ("link-check", "sa-check", "part/2/thumb"):
        nobody = alice_call(tagged, f"/api/v1/message/nonesuch/{route}")
        status, _, body = alice_call(tagged, f"/api/v1/message/{secret}/{route}")
        assert (status, body) == (404, nobody[2]), route
        assert call(tagged, f"/api/v1/message/{secret}/{route}", ADMIN)[0] == 200, route
    assert site.requests == [("HEAD", "/")]  # the admin's check of bob's link, alone
    links = json.loads(alice_call(tagged, f"/api/v1/message/{hers}/link-check")[2])
    assert [link["URL"] for link in links["Links"]] == [f"{site.url}/ok?a"]
    report = json.loads(alice_call(tagged, f"/api/v1/message/{hers}/sa-check")[2])
    assert "cannot reach spamd" in report["Error"]
    status, headers, image = alice_call(tagged, f"/api/v1/message/{hers}/part/2/thumb")
    assert status == 200 and headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(image)).size == (180, 120)


def test_tags_listed_and_counted_are_alices_own(tagged):
    assert listed(tagged, "/api/v1/tags", ALICE_LOGIN) == ["alice-tag", "shared"]
    assert listed(tagged, "/api/v1/info", ALICE_LOGIN)["Tags"] == {"alice-tag": 1, "shared": 1}
    assert listed(tagged, "/api/v1/messages", ALICE_LOGIN)["tags"] == ["alice-tag", "shared"]
    assert listed(tagged, "/api/v1/search?query=tag:bob-only", ALICE_LOGIN)["messages"] == []
    assert listed(tagged, "/api/v1/tags", ADMIN) == ["alice-tag", "bob-only", "shared"]
    assert listed(tagged, "/api/v1/info", ADMIN)["Tags"] == {
        "alice-tag": 1,
        "bob-only": 1,
        "shared": 2,
    }


def test_alice_sets_tags_on_her_messages_only(tagged):
    secret, hers, both = _id(tagged, "secret"), _id(tagged, "hers"), _id(tagged, "both")
    for ids in ([secret], [hers, secret]):  # all or nothing, as for an unknown ID
        status, _, body = alice_call(
            tagged, "/api/v1/tags", method="PUT", body={"IDs": ids, "Tags": ["mine"]}
        )
        assert (status, json.loads(body)) == (404, {"Error": f"message not found: {secret}"})
    assert tagged.store.tags_of(secret) == ("bob-only", "shared")
    assert tagged.store.tags_of(hers) == ("alice-tag",)
    status, _, _ = alice_call(
        tagged, "/api/v1/tags", method="PUT", body={"IDs": [hers, both], "Tags": ["mine"]}
    )
    assert status == 200
    assert (tagged.store.tags_of(hers), tagged.store.tags_of(both)) == (("mine",), ("mine",))


def test_renaming_and_deleting_a_tag_are_for_the_viewers_own_users(tagged):
    secret = _id(tagged, "secret")
    rename = {"method": "PUT", "body": {"Name": "renamed"}}
    for path, how in (("/api/v1/tags/shared", rename), ("/api/v1/tags/bob-only", {})):
        assert alice_call(tagged, path, method=how.get("method", "DELETE"), **_body(how))[0] == 403
    assert tagged.store.tags_of(secret) == ("bob-only", "shared")
    assert call(tagged, "/api/v1/tags/shared", ADMIN, **rename)[0] == 200
    assert call(tagged, "/api/v1/tags/bob-only", ADMIN, method="DELETE")[0] == 200
    assert tagged.store.tags_of(secret) == ("renamed",)


def _body(how: dict) -> dict:
    return {"body": how["body"]} if "body" in how else {}


def test_mailhogs_lists_and_searches_are_alices_inbox(tagged):
    page = listed(tagged, "/api/v2/messages", ALICE_LOGIN)
    subjects = [m["Content"]["Headers"]["Subject"] for m in page["items"]]
    assert (subjects, page["total"], page["count"]) == ([["both"], ["hers"]], 2, 2)
    found = listed(tagged, "/api/v2/search?kind=containing&query=secret", ALICE_LOGIN)
    assert (found["items"], found["total"]) == ([], 0)
    found = listed(tagged, f"/api/v2/search?kind=to&query={BOB}", ALICE_LOGIN)
    assert [m["Content"]["Headers"]["Subject"] for m in found["items"]] == [["both"]]
    assert listed(tagged, "/api/v2/messages", ADMIN)["total"] == 3


def test_mailhogs_message_routes_answer_404_for_bobs(tagged, upstream):
    secret, hers = _id(tagged, "secret"), _id(tagged, "hers")
    release = {"method": "POST", "body": {"Email": "out@example.net"}}
    for path, how in (
        (f"/api/v1/messages/{secret}", {}),
        (f"/api/v1/messages/{secret}/download", {}),
        (f"/api/v1/messages/{secret}/release", release),
        (f"/api/v1/messages/{secret}", {"method": "DELETE"}),
    ):
        status, _, body = alice_call(tagged, path, **how)
        assert (status, json.loads(body)) == (404, {"Error": "message not found"}), path
    assert [m.id for m in tagged.mailbox(BOB).messages if m.id == secret] == [secret]
    status, _, raw = alice_call(tagged, f"/api/v1/messages/{hers}/download")
    assert status == 200 and b"Subject: hers\r\n" in raw
    assert json.loads(alice_call(tagged, f"/api/v1/messages/{hers}")[2])["ID"] == hers
    assert alice_call(tagged, f"/api/v1/messages/{hers}/release", **release)[0] == 200
    [copy] = upstream.wait_for(count=1)
    assert copy.subject == "hers" and copy.recipients == ["out@example.net"]


def test_alice_deleting_a_shared_message_over_mailhogs_api_leaves_bobs_copy(tagged):
    both = _id(tagged, "both")
    assert alice_call(tagged, f"/api/v1/messages/{both}", method="DELETE")[0] == 200
    assert both not in [m.id for m in tagged.mailbox(ALICE).messages]
    assert both in [m.id for m in tagged.mailbox(BOB).messages]


def test_jim_is_for_the_viewers_own_users(tagged):
    for method in ("GET", "POST", "PUT", "DELETE"):
        status, _, body = alice_call(tagged, "/api/v2/jim", method=method, body={})
        assert status == 403, (method, body)
    assert call(tagged, "/api/v2/jim", ADMIN)[0] == 404  # alice turned nobody on
    assert call(tagged, "/api/v2/jim", ADMIN, method="POST", body={})[0] == 201
    assert alice_call(tagged, "/api/v2/jim")[0] == 403
    assert call(tagged, "/api/v2/jim", ADMIN, method="DELETE")[0] == 200


def test_the_web_ui_configuration_answers_any_login(tagged, upstream):
    for who in (ALICE_LOGIN, ADMIN):
        relay = listed(tagged, "/api/v1/webui", who)["MessageRelay"]
        assert relay["SMTPServer"] == f"127.0.0.1:{upstream.smtp_port}"
    assert call(tagged, "/api/v1/webui")[0] == 401


def test_tag_frames_reach_only_the_messages_owners(tagged):
    secret, both = _id(tagged, "secret"), _id(tagged, "both")
    for number in range(70):  # more than the feed names one by one (live.MANY): a prune
        tagged.store.deliver("app@example.com", [BOB], f"X-Tags: bulk\r\n\r\n{number}\r\n".encode())
    with live_feed(tagged, ALICE_LOGIN) as ws, live_feed(tagged, ADMIN) as admin:
        assert json.loads(ws.recv(timeout=5))["Type"] == "stats"
        assert json.loads(admin.recv(timeout=5))["Type"] == "stats"
        call(tagged, "/api/v1/tags", ADMIN, method="PUT", body={"IDs": [secret], "Tags": ["t"]})
        call(tagged, "/api/v1/tags/bulk", ADMIN, method="PUT", body={"Name": "heap"})
        call(tagged, "/api/v1/tags", (BOB, "bob-pw"), method="PUT", body={"IDs": [both]})
        with smtplib.SMTP(tagged.smtp_host, tagged.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [ALICE], b"Subject: alice last\r\n\r\nhers\r\n")
        frames = frames_until(ws, "alice last")
        admin_frames = frames_until(admin, "alice last")
    kinds = [(f["Type"], f["Data"]) for f in frames if f["Type"] in ("update", "prune")]
    assert kinds == [("update", {"ID": both, "Tags": []})]
    assert secret not in json.dumps(frames)
    admin_kinds = [(f["Type"], f["Data"]) for f in admin_frames if f["Type"] != "stats"]
    assert admin_kinds[:3] == [
        ("update", {"ID": secret, "Tags": ["t"]}),
        ("prune", None),
        ("update", {"ID": both, "Tags": []}),
    ]
