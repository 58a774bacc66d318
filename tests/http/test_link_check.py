"""Mailpit's link check over HTTP against real local web servers: statuses, redirects followed
or not, closed ports and slow servers within bounded time, and no way into the network: internal
addresses are refused after resolution and on every redirect unless allowed."""

from __future__ import annotations

import time

from localweb import Site

from mailtrap.api import linkcheck


def mail_with_links(build, deliver, links: list[str], images: list[str] = ()):
    html = "".join(f'<a href="{u}">link</a>' for u in links)
    html += "".join(f'<img src="{u}">' for u in images)
    return deliver(build(subject="links", text="see the HTML", html=f"<p>{html}</p>"))


def statuses(reply) -> dict[str, tuple[int, str]]:
    assert reply.status == 200, reply.body
    data = reply.json()
    found = {link["URL"]: (link["StatusCode"], link["Status"]) for link in data["Links"]}
    assert data["Errors"] == sum(1 for code, _ in found.values() if code == 0 or code >= 400)
    return found


def test_statuses_of_links_and_images(mailtrap_factory, api_for, build, site, closed_port):
    trap = mailtrap_factory(allow_internal_http_requests=True)
    api = api_for(trap)
    links = [f"{site.url}/ok", f"{site.url}/gone", f"{site.url}/moved", "mailto:x@example.com"]
    closed = f"http://127.0.0.1:{closed_port}/"
    message = mail_with_links(
        build,
        lambda raw: trap.store.deliver("a@x.org", ["b@x.org"], raw),
        [*links, closed],
        images=[f"{site.url}/ok?img=1"],
    )
    found = statuses(api.get(f"/api/v1/message/{message.id}/link-check"))
    assert found == {
        f"{site.url}/ok": (200, "OK"),
        f"{site.url}/gone": (404, "Not Found"),
        f"{site.url}/moved": (302, "Found"),  # not followed unless asked
        closed: (0, "connection refused"),
        f"{site.url}/ok?img=1": (200, "OK"),  # images too; mailto: is not checked
    }
    assert ("HEAD", "/ok?img=1") in site.requests
    followed = statuses(api.get(f"/api/v1/message/{message.id}/link-check", follow="true"))
    assert followed[f"{site.url}/moved"] == (200, "OK")
    assert api.get("/api/v1/message/latest/link-check").status == 200


def test_redirect_loops_end(mailtrap_factory, api_for, build, site):
    trap = mailtrap_factory(allow_internal_http_requests=True)
    raw = build(subject="loop", text=f"{site.url}/loop")
    message = trap.store.deliver("a@x.org", ["b@x.org"], raw)
    found = statuses(api_for(trap).get(f"/api/v1/message/{message.id}/link-check", follow="1"))
    assert found == {f"{site.url}/loop": (0, f"more than {linkcheck.MAX_REDIRECTS} redirects")}


def test_a_slow_server_costs_bounded_time(mailtrap_factory, api_for, build, site):
    trap = mailtrap_factory(allow_internal_http_requests=True)
    raw = build(subject="slow", text=f"{site.url}/slow {site.url}/ok")
    message = trap.store.deliver("a@x.org", ["b@x.org"], raw)
    started = time.monotonic()
    found = statuses(api_for(trap).get(f"/api/v1/message/{message.id}/link-check"))
    assert time.monotonic() - started < linkcheck.TIMEOUT + 3
    assert found == {f"{site.url}/slow": (0, "timed out"), f"{site.url}/ok": (200, "OK")}


INTERNAL = [
    "http://127.0.0.1:{port}/ok",
    "http://localhost:{port}/ok",  # refused after resolution
    "http://[::1]:{port}/ok",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/",
    "http://224.0.0.1/",
    "http://0.0.0.0:{port}/ok",
    "http://[::ffff:127.0.0.1]:{port}/ok",  # IPv4-mapped
    "http://[::ffff:7f00:1]:{port}/ok",
    "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "http://[fe80::1]/",
    "http://[fc00::1]/",
]


def test_internal_addresses_are_refused_by_default(api, build, deliver, site):
    urls = [u.format(port=site.server.server_address[1]) for u in INTERNAL]
    message = mail_with_links(build, deliver, urls)
    found = statuses(api.get(f"/api/v1/message/{message.id}/link-check", follow="true"))
    assert list(found) == urls
    for url, (code, status) in found.items():
        assert code == 0, url
        assert "internal address" in status and "--allow-internal-http-requests" in status, url
    assert site.requests == []  # nothing reached the server


def test_every_redirect_is_vetted_again(site):
    """A public-looking first hop that redirects inward is refused at the redirect."""
    inner = Site("127.0.0.2")
    outer = Site("127.0.0.1", away=f"{inner.url}/ok")
    try:
        checker = linkcheck.LinkChecker(False, allowed=lambda ip: str(ip) == "127.0.0.1")
        [followed] = checker.check([f"{outer.url}/away"], follow=True)
        assert followed.status_code == 0 and "127.0.0.2 is an internal address" in followed.status
        assert outer.requests == [("HEAD", "/away")] and inner.requests == []
        [not_followed] = checker.check([f"{outer.url}/away"], follow=False)
        assert not_followed.status_code == 302
    finally:
        inner.close()
        outer.close()


def test_odd_urls(mailtrap_factory, api_for, build):
    trap = mailtrap_factory(allow_internal_http_requests=True)
    raw = build(
        subject="odd",
        text="x",
        html='<a href="http://:80/">a</a><a href="http://[::1">b</a>',
    )
    message = trap.store.deliver("a@x.org", ["b@x.org"], raw)
    found = statuses(api_for(trap).get(f"/api/v1/message/{message.id}/link-check"))
    assert all(code == 0 for code, _ in found.values())


def test_link_check_of_unknown_message(api):
    reply = api.get("/api/v1/message/0123456789abcdef/link-check")
    assert reply.status == 404 and reply.json()["Error"]


def test_the_internal_address_test():
    import ipaddress

    public = ["8.8.8.8", "93.184.216.34", "2606:4700::1111", "2a00:1450:4001:80b::200e"]
    for text in public:
        assert not linkcheck.is_internal(ipaddress.ip_address(text)), text
    for url in INTERNAL:
        host = (
            url.split("//")[1].rsplit(":", 1)[0]
            if "]" not in url
            else url.split("[")[1].split("]")[0]
        )
        host = host.split("/")[0]
        if host == "localhost":
            continue
        assert linkcheck.is_internal(ipaddress.ip_address(host)), host
