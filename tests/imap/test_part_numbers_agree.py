"""One part, one number: IMAP, the HTTP API and the MIME view agree on every tricky message.

Each message is stored in the running server; imapclient reads BODYSTRUCTURE and BODY[n] over
IMAP, the API is read over HTTP (``/api/v1/message/{ID}``'s PartIDs, then ``/part/{PartID}``),
and :func:`mailtrap.mime.parse` reads the same bytes. All three come from one walk
(``mailtrap.mimetree``), so they must name the same parts by the same numbers.
"""

from __future__ import annotations

import base64
import binascii
import quopri

import pytest
from apiclient import Api

from mailtrap.mime import REST, parse
from mailtrap.mimetree import MAX_DEPTH, MAX_PARTS

imapclient = pytest.importorskip("imapclient")

USER = "parts@example.com"


def _b64(data: bytes) -> bytes:
    text = base64.b64encode(data)
    return b"\r\n".join(text[i : i + 76] for i in range(0, len(text), 76))


NESTED = (
    b"From: a@example.com\r\nSubject: nested\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n\r\npreamble, no part of any part\r\n'
    b'--outer\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n'
    b"--alt\r\nContent-Type: text/plain\r\n\r\nplain\r\n"
    b'--alt\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n'
    b"--rel\r\nContent-Type: text/html\r\n\r\n<img src=cid:logo>\r\n"
    b"--rel\r\nContent-Type: image/png\r\nContent-ID: <logo>\r\n"
    b"Content-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: inline\r\n\r\n" + _b64(b"\x89PNG" + bytes(range(256))) + b"\r\n"
    b"--rel--\r\n--alt--\r\n"
    b"--outer\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="bin.dat"\r\n\r\n' + _b64(bytes(range(256)) * 9)
    + b"\r\n--outer\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b'Content-Disposition: attachment; filename="note.txt"\r\n\r\n'
    + quopri.encodestring("caf\u00e9 au lait\r\n".encode() * 40)
    + b"\r\n--outer\r\nContent-Type: message/rfc822\r\n"
    b'Content-Disposition: attachment; filename="fwd.eml"\r\n\r\n'
    b'Subject: inner\r\nContent-Type: multipart/mixed; boundary="in"\r\n\r\n'
    b"--in\r\nContent-Type: text/plain\r\n\r\ninner one\r\n"
    b"--in\r\nContent-Type: text/plain\r\n\r\ninner two\r\n--in--\r\n"
    b"--outer--\r\nepilogue, no part of any part\r\n"
)  # fmt: skip


def _multipart(boundary: bytes, *parts: bytes, close: bool = True) -> bytes:
    head = b"Subject: case\r\nContent-Type: multipart/mixed; boundary=" + boundary + b"\r\n\r\n"
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    return head + body + (b"--" + boundary + b"--\r\n" if close else b"")


ATTACHED = b'Content-Disposition: attachment; filename="a.txt"\r\n\r\nfirst'
DEEP = (
    b"".join(
        b"Content-Type: multipart/mixed; boundary=d%d\r\n\r\n--d%d\r\n" % (i, i)
        for i in range(MAX_DEPTH + 10)
    )
    + b"\r\ndeepest\r\n"
)
DIGEST = (
    b"Subject: digest\r\nContent-Type: multipart/digest; boundary=dg\r\n\r\n"
    b"--dg\r\n\r\nSubject: one\r\n\r\nfirst message\r\n"
    b"--dg\r\n\r\nSubject: two\r\n\r\nsecond message\r\n--dg--\r\n"
)  # fmt: skip

CORPUS = {
    "nested": NESTED,
    "bare-lf": NESTED.replace(b"\r\n", b"\n"),
    "bare-cr": NESTED.replace(b"\r\n", b"\r"),
    "no-boundary": b"Subject: x\r\nContent-Type: multipart/mixed\r\n\r\n--b\r\n\r\nbody\r\n",
    "boundary-never-seen": b"Content-Type: multipart/mixed; boundary=zz\r\n\r\nno parts\r\n",
    "unclosed": _multipart(b"u", ATTACHED, b"Content-Type: image/gif\r\n\r\nGIF89a", close=False),
    "prefix-trap": _multipart(b"ab", ATTACHED + b"\r\n--abc is text", b"\r\nsecond"),
    "padded-delimiter": _multipart(b"p", ATTACHED).replace(b"--p\r\n", b"--p \t\r\n"),
    "quoted-odd-boundary": _multipart(b'"a b:c?"', ATTACHED, b"\r\nx").replace(
        b'--"a b:c?"', b"--a b:c?"
    ),
    "part-without-headers": _multipart(b"h", b"\r\nbody only", b"no blank line at all"),
    "binary-with-nul": _multipart(
        b"n", ATTACHED, b"Content-Type: application/x-bin\r\n\r\n\x00\x01\x02\x00end"
    ),
    "digest": DIGEST,
    "deep": DEEP,
    "flood": _multipart(b"f", *[b"\r\n%d" % i for i in range(MAX_PARTS + 50)]),
}


def _leaves(structure, prefix: str = "") -> dict[str, tuple]:
    """IMAP's leaf parts by section number, from imapclient's parsed BODYSTRUCTURE."""
    if not structure.is_multipart:
        return {prefix or "1": structure}
    found: dict[str, tuple] = {}
    for index, child in enumerate(structure[0], 1):
        number = f"{prefix}.{index}" if prefix else str(index)
        if child.is_multipart:
            found.update(_leaves(child, number))
        else:
            found[number] = child
    return found


def _decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "BASE64":
        return binascii.a2b_base64(b"".join(body.split()) + b"==")
    if encoding == "QUOTED-PRINTABLE":
        return binascii.a2b_qp(body)
    return body


def _lines(data: bytes) -> bytes:
    """As IMAP sends bytes (RFC 3501 9: CRLF line ends, no NUL), to compare with the raw's."""
    data = data.replace(b"\0", b"\x80").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return data.replace(b"\n", b"\r\n")


@pytest.fixture
def client(mailtrap):
    with imapclient.IMAPClient(mailtrap.smtp_host, port=mailtrap.imap_port, ssl=False) as client:
        client.login(USER, "any password")
        client.select_folder("INBOX")
        yield client


@pytest.mark.parametrize("name", CORPUS)
def test_imap_the_api_and_the_view_number_parts_alike(mailtrap, client, name):
    raw = CORPUS[name]
    mailtrap.store.deliver("app@example.com", [USER], raw)
    [uid] = client.search(["ALL"])
    structure = client.fetch([uid], ["BODYSTRUCTURE"])[uid][b"BODYSTRUCTURE"]
    imap = _leaves(structure)

    api = Api(mailtrap.http_url)
    [listed] = api.ok_json("/api/v1/messages")["messages"]
    detail = api.ok_json(f"/api/v1/message/{listed['ID']}")
    served = {p["PartID"]: p for p in (*detail["Attachments"], *detail["Inline"])}
    view = parse(raw)
    viewed = {a.part_id: a for a in (*view.attachments, *view.inline)}

    assert set(served) == set(viewed)
    numbered = set(served) - {REST}
    assert numbered <= set(imap), f"the API numbers parts IMAP has not: {numbered - set(imap)}"
    bodies = set(imap) - numbered  # the text and HTML bodies, shown apart from attachments
    assert len(bodies) <= 2, bodies
    if REST in served:
        assert name == "flood" and len(imap) <= MAX_PARTS

    fetched = client.fetch([uid], [f"BODY.PEEK[{n}]" for n in sorted(numbered)])[uid]
    for number in sorted(numbered)[:40]:
        reply = api.get(f"/api/v1/message/{listed['ID']}/part/{number}")
        assert reply.status == 200, number
        assert reply.body == viewed[number].data, number
        assert served[number]["Size"] == len(reply.body), number
        leaf = imap[number]
        encoding = leaf[5].decode().upper() if isinstance(leaf[5], bytes) else "7BIT"
        imap_bytes = _decoded(fetched[f"BODY[{number}]".encode()], encoding)
        assert _lines(imap_bytes) == _lines(reply.body), number
        kind = f"{leaf[0].decode()}/{leaf[1].decode()}".lower()
        assert kind == served[number]["ContentType"] or kind == "text/plain", number


def test_the_corpus_reaches_the_walks_corners():
    view = {name: parse(raw) for name, raw in CORPUS.items()}
    ids = {name: [a.part_id for a in (*v.attachments, *v.inline)] for name, v in view.items()}
    assert ids["nested"] == ["2", "3", "4", "1.2.2"]
    assert ids["bare-lf"] == ids["bare-cr"] == ids["nested"]
    assert ids["deep"] == [".".join(["1"] * MAX_DEPTH)]
    assert ids["digest"] == ["1", "2"]
    assert ids["flood"][-1] == REST
    assert ids["unclosed"] == ["1", "2"] and ids["prefix-trap"] == ["1"]  # 2: the text body
    assert view["prefix-trap"].attachments[0].data == b"first\r\n--abc is text"
    assert view["part-without-headers"].text == "body only"
