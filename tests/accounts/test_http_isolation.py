"""The HTTP API and websocket with accounts: basic auth, and one account never sees another's.

Two accounts with mail for both; alice logs in with her account's password, an admin with
``--ui-auth``. Every route either answers with alice's mail only or refuses, and nothing of
bob's leaks, not even a count: Mailpit's routes, the checks and thumbnails, tags, MailHog's API
and Jim, and the live feed's tag frames.
"""

from __future__ import annotations

import base64
import io
import json
import smtplib
import socket
import subprocess
import urllib.error
import urllib.request

import pytest
from localweb import Site
from PIL import Image
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from mailtrap import MailTrap
from mailtrap.auth.hashes import hash_password

ALICE, BOB = "alice@example.com", "bob@example.com"
USERS = {ALICE: "alice-pw", BOB: "bob-pw"}


@pytest.fixture(scope="module")
def htpasswd(tmp_path_factory):
    path = tmp_path_factory.mktemp("ui") / "htpasswd"
    path.write_text(f"admin:{hash_password('admin-pw', 'apr_md5_crypt')}\n")
    return str(path)


@pytest.fixture
def trap(htpasswd):
    with MailTrap(auth="users", users=dict(USERS), ui_auth=htpasswd) as trap:
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [ALICE], b"Subject: for alice\r\n\r\nhers\r\n")
            smtp.sendmail("app@example.com", [BOB], b"Subject: bob secret\r\n\r\nhis\r\n")
            smtp.sendmail("app@example.com", [BOB], b"Subject: bob second\r\n\r\nhis\r\n")
            smtp.sendmail("app@example.com", [ALICE, BOB], b"Subject: both\r\n\r\nours\r\n")
        trap.wait_for(count=4)
        yield trap


def call(trap, path, who=None, method="GET", body=None, headers=None):
    request = urllib.request.Request(trap.http_url + path, method=method, headers=headers or {})
    if who is not None:
        token = base64.b64encode(f"{who[0]}:{who[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def alice_call(trap, path, **kwargs):
    return call(trap, path, (ALICE, "alice-pw"), **kwargs)


def ids(trap, subject):
    return [m.id for m in trap.messages(subject=subject)]


def listed(trap, path, who):
    status, _, body = call(trap, path, who)
    assert status == 200, body
    return json.loads(body)


# -- logging in ----------------------------------------------------------------------------------


def test_every_route_but_the_probes_asks_for_basic_auth(trap):
    for path in (
        "/api/v1/messages",
        "/",
        "/api/v1/info",
        f"/api/v1/message/{ids(trap, 'both')[0]}",
    ):
        status, headers, body = call(trap, path)
        assert status == 401, path
        assert headers["WWW-Authenticate"] == 'Basic realm="mailtrap", charset="UTF-8"'
        assert json.loads(body) == {"Error": "log in first"}
    assert call(trap, "/livez")[0] == 200
    assert call(trap, "/readyz")[0] == 200


@pytest.mark.parametrize(
    "who",
    [(ALICE, "wrong"), ("nobody@example.com", "alice-pw"), ("admin", "alice-pw"), (ALICE, "")],
)
def test_wrong_credentials_read_nothing(trap, who):
    status, _, body = call(trap, "/api/v1/messages", who)
    assert status == 401 and b"alice" not in body


def test_malformed_authorization_is_refused(trap):
    for header in ("Basic !!!", "Basic YWxpY2U=", "Bearer x", "Basic "):
        status, _, _ = call(trap, "/api/v1/messages", headers={"Authorization": header})
        assert status == 401, header


# -- what alice sees -----------------------------------------------------------------------------


def test_lists_and_counts_are_alices_only(trap):
    page = listed(trap, "/api/v1/messages", (ALICE, "alice-pw"))
    assert sorted(m["Subject"] for m in page["messages"]) == ["both", "for alice"]
    assert (page["total"], page["messages_count"]) == (2, 2)
    found = listed(trap, "/api/v1/search?query=secret", (ALICE, "alice-pw"))
    assert found["messages"] == [] and found["total"] == 2  # her INBOX's total, not bob's


def test_another_accounts_mailbox_is_404_whether_or_not_it_exists(trap):
    for mailbox in (BOB, "nobody@example.com"):
        status, _, body = alice_call(trap, f"/api/v1/messages?mailbox={mailbox}")
        assert status == 404 and json.loads(body) == {"Error": "no such mailbox"}
    assert alice_call(trap, f"/api/v1/messages?mailbox={ALICE.upper()}")[0] == 200


def test_another_accounts_message_is_404_by_every_route(trap):
    [secret] = ids(trap, "bob secret")
    for path in (
        f"/api/v1/message/{secret}",
        f"/api/v1/message/{secret}/headers",
        f"/api/v1/message/{secret}/raw",
        f"/api/v1/message/{secret}/part/1",
        f"/view/{secret}.html",
        f"/view/{secret}.txt",
    ):
        status, _, body = alice_call(trap, path)
        assert status == 404 and b"secret" not in body, path
    # the same answer as for an ID nobody has
    assert (
        alice_call(trap, "/api/v1/message/nonesuch")[2]
        == alice_call(trap, f"/api/v1/message/{secret}")[2]
    )
    latest = json.loads(alice_call(trap, "/api/v1/message/latest")[2])
    assert latest["Subject"] == "both"


def test_the_mailbox_list_is_alices_account_only(trap):
    boxes = listed(trap, "/api/v1/mailboxes", (ALICE, "alice-pw"))["mailboxes"]
    assert [box["Address"] for box in boxes] == [ALICE]


def test_info_counts_alices_inbox_only(trap):
    info = listed(trap, "/api/v1/info", (ALICE, "alice-pw"))
    assert (info["Messages"], info["Unread"]) == (2, 2)
    assert info["RuntimeStats"]["SMTPAccepted"] == 0


def test_marking_read_and_deleting_everything_touch_alices_mail_only(trap):
    [secret] = ids(trap, "bob secret")
    [both] = ids(trap, "both")
    assert alice_call(trap, "/api/v1/messages", method="PUT", body={"Read": True})[0] == 200
    assert (
        alice_call(trap, "/api/v1/messages", method="PUT", body={"IDs": [secret], "Read": True})[0]
        == 200
    )
    assert not trap.store.is_read(secret)
    assert alice_call(trap, "/api/v1/messages", method="DELETE", body={"IDs": [secret]})[0] == 200
    assert alice_call(trap, "/api/v1/messages", method="DELETE")[0] == 200
    assert sorted(m.subject for m in trap.messages()) == ["bob second", "bob secret", "both"]
    assert [m.id for m in trap.mailbox(BOB).messages] == [
        *ids(trap, "bob secret"),
        *ids(trap, "bob second"),
        both,
    ]
    assert trap.mailbox(ALICE).messages == []


def test_the_long_poll_never_answers_with_bobs_mail(trap):
    [secret] = ids(trap, "bob secret")
    status, _, _ = alice_call(trap, "/api/v1/wait?query=subject:secret&timeout=0.5")
    assert status == 408
    status, _, body = alice_call(trap, f"/api/v1/wait?since={secret}&timeout=0")
    assert status == 404 and json.loads(body) == {"Error": "since: no message with this ID"}
    assert alice_call(trap, f"/api/v1/wait?mailbox={BOB}&timeout=0")[0] == 404
    assert json.loads(alice_call(trap, "/api/v1/wait?query=subject:both")[2])["Subject"] == "both"


def test_server_settings_are_for_the_viewers_own_users(trap):
    for path in ("/api/v1/rules", "/api/v1/refused", "/api/v1/chaos"):
        assert alice_call(trap, path)[0] == 403, path
        assert call(trap, path, ("admin", "admin-pw"))[0] == 200, path


def test_an_admin_sees_everything(trap):
    page = listed(trap, "/api/v1/messages", ("admin", "admin-pw"))
    assert page["total"] == 4
    [secret] = ids(trap, "bob secret")
    assert call(trap, f"/api/v1/message/{secret}", ("admin", "admin-pw"))[0] == 200
    assert len(listed(trap, "/api/v1/mailboxes", ("admin", "admin-pw"))["mailboxes"]) == 2


# -- the websocket -------------------------------------------------------------------------------


def _ws(trap, who=None):
    headers = {}
    if who is not None:
        headers["Authorization"] = (
            "Basic " + base64.b64encode(f"{who[0]}:{who[1]}".encode()).decode()
        )
    url = trap.http_url.replace("http://", "ws://") + "/api/events"
    return connect(url, additional_headers=headers, open_timeout=5)


def _frames(ws, until_subject, timeout=5):
    frames = []
    while True:
        frame = json.loads(ws.recv(timeout=timeout))
        frames.append(frame)
        if frame["Type"] == "new" and frame["Data"]["Subject"] == until_subject:
            return frames


def test_the_websocket_needs_a_login(trap):
    with pytest.raises(InvalidStatus) as refused:
        _ws(trap).close()
    assert refused.value.response.status_code == 403
    with pytest.raises(InvalidStatus):
        _ws(trap, (ALICE, "wrong")).close()


def test_the_websocket_feeds_alice_her_mail_only(trap):
    with _ws(trap, (ALICE, "alice-pw")) as ws, _ws(trap, ("admin", "admin-pw")) as admin:
        first = json.loads(ws.recv(timeout=5))
        assert first == {"Type": "stats", "Data": {"Total": 2, "Unread": 2}}
        assert json.loads(admin.recv(timeout=5))["Data"]["Total"] == 4
        with smtplib.SMTP(trap.smtp_host, trap.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [BOB], b"Subject: bob third\r\n\r\nhis\r\n")
            smtp.sendmail("app@example.com", [ALICE], b"Subject: alice last\r\n\r\nhers\r\n")
        frames = _frames(ws, "alice last")
        assert [f["Data"]["Subject"] for f in frames if f["Type"] == "new"] == ["alice last"]
        assert all("bob" not in json.dumps(f) for f in frames)
        admin_frames = _frames(admin, "alice last")
        assert [f["Data"]["Subject"] for f in admin_frames if f["Type"] == "new"] == [
            "bob third",
            "alice last",
        ]
        # bob reading his copy of "both" is no news to alice; her stats stay hers
        [both] = ids(trap, "both")
        call(trap, f"/api/v1/message/{both}", (BOB, "bob-pw"))
        stats = json.loads(ws.recv(timeout=5))
        while stats["Type"] != "stats":
            assert stats["Type"] != "update", stats
            stats = json.loads(ws.recv(timeout=5))
        assert stats["Data"] == {"Total": 3, "Unread": 3}


# -- as a new user would: curl -------------------------------------------------------------------


def test_curl_with_basic_auth(trap, need_tool):
    curl = need_tool("curl")
    url = trap.http_url + "/api/v1/messages"
    done = subprocess.run(
        [curl, "-sS", "-f", "-u", f"{ALICE}:alice-pw", url], capture_output=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    assert sorted(m["Subject"] for m in json.loads(done.stdout)["messages"]) == [
        "both",
        "for alice",
    ]
    wrong = subprocess.run(
        [curl, "-sS", "-u", f"{ALICE}:wrong", "-o", "/dev/null", "-w", "%{http_code}", url],
        capture_output=True,
        timeout=30,
    )
    assert wrong.stdout == b"401"


def test_an_htpasswd_file_made_by_htpasswd(tmp_path, need_tool):
    tool = need_tool("htpasswd", "apache2-utils")
    path = tmp_path / "htpasswd"
    subprocess.run([tool, "-cb", str(path), "ops", "apr1-pw"], check=True, capture_output=True)
    subprocess.run([tool, "-bB", str(path), "dev", "bcrypt-pw"], check=True, capture_output=True)
    with MailTrap(ui_auth=str(path)) as trap:  # any mode: only the viewer's users get in
        assert call(trap, "/api/v1/messages")[0] == 401
        assert call(trap, "/api/v1/messages", ("ops", "apr1-pw"))[0] == 200
        assert call(trap, "/api/v1/messages", ("dev", "bcrypt-pw"))[0] == 200
        assert call(trap, "/api/v1/messages", ("dev", "apr1-pw"))[0] == 401
        assert call(trap, "/api/v1/messages", ("anyone@example.com", "x"))[0] == 401


# -- Host and CORS -------------------------------------------------------------------------------


def test_a_foreign_host_is_refused_on_loopback(trap):
    status, _, body = call(trap, "/livez", headers={"Host": "attacker.example"})
    assert status == 403 and json.loads(body) == {"Error": "this Host is not allowed here"}
    assert call(trap, "/livez", headers={"Host": "localhost:8025"})[0] == 200
    assert call(trap, "/livez", headers={"Host": "mail.localhost"})[0] == 200


def test_allowed_hosts_and_cors_when_asked():
    with MailTrap(http_allowed_hosts="mail.test, *.ci.test", api_cors="https://app.test") as trap:
        assert call(trap, "/livez", headers={"Host": "mail.test"})[0] == 200
        assert call(trap, "/livez", headers={"Host": "x.ci.test:80"})[0] == 200
        assert call(trap, "/livez", headers={"Host": "127.0.0.1"})[0] == 403
        status, headers, _ = call(
            trap, "/api/v1/messages", headers={"Host": "mail.test", "Origin": "https://app.test"}
        )
        assert status == 200 and headers["Access-Control-Allow-Origin"] == "https://app.test"
        status, headers, _ = call(
            trap,
            "/api/v1/messages",
            method="OPTIONS",
            headers={
                "Host": "mail.test",
                "Origin": "https://app.test",
                "Access-Control-Request-Method": "DELETE",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert status == 204 and "DELETE" in headers["Access-Control-Allow-Methods"]
        _, headers, _ = call(
            trap, "/api/v1/messages", headers={"Host": "mail.test", "Origin": "https://evil.test"}
        )
        assert "Access-Control-Allow-Origin" not in headers


def test_cors_is_off_by_default():
    with MailTrap() as trap:
        _, headers, _ = call(trap, "/api/v1/messages", headers={"Origin": "https://app.test"})
        assert "Access-Control-Allow-Origin" not in headers


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
    with _ws(tagged, ALICE_LOGIN) as ws, _ws(tagged, ADMIN) as admin:
        assert json.loads(ws.recv(timeout=5))["Type"] == "stats"
        assert json.loads(admin.recv(timeout=5))["Type"] == "stats"
        call(tagged, "/api/v1/tags", ADMIN, method="PUT", body={"IDs": [secret], "Tags": ["t"]})
        call(tagged, "/api/v1/tags/bulk", ADMIN, method="PUT", body={"Name": "heap"})
        call(tagged, "/api/v1/tags", (BOB, "bob-pw"), method="PUT", body={"IDs": [both]})
        with smtplib.SMTP(tagged.smtp_host, tagged.smtp_port) as smtp:
            smtp.sendmail("app@example.com", [ALICE], b"Subject: alice last\r\n\r\nhers\r\n")
        frames = _frames(ws, "alice last")
        admin_frames = _frames(admin, "alice last")
    kinds = [(f["Type"], f["Data"]) for f in frames if f["Type"] in ("update", "prune")]
    assert kinds == [("update", {"ID": both, "Tags": []})]
    assert secret not in json.dumps(frames)
    admin_kinds = [(f["Type"], f["Data"]) for f in admin_frames if f["Type"] != "stats"]
    assert admin_kinds[:3] == [
        ("update", {"ID": secret, "Tags": ["t"]}),
        ("prune", None),
        ("update", {"ID": both, "Tags": []}),
    ]
