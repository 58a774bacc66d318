"""Mailpit's SpamAssassin check against Debian's spamd (started here with -L: no network
tests), attachment thumbnails with Pillow (bounded pixels: a decompression bomb is a 4xx), and
the web UI configuration."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from mailtrap.api import spamassassin, thumbs

SPAM = (
    b"From: winner@example.com\r\nTo: you@example.com\r\nSubject: Buy VIAGRA now FREE MONEY\r\n"
    b"\r\nClick here to get rich quick. 100% free, no risk.\r\n"
)


def test_sa_check_against_spamd(mailtrap_factory, api_for, spamd, build):
    trap = mailtrap_factory(spamassassin=spamd)
    api = api_for(trap)
    spam = trap.store.deliver("winner@example.com", ["you@example.com"], SPAM)
    report = api.ok_json(f"/api/v1/message/{spam.id}/sa-check")
    assert report["Error"] == ""
    assert report["IsSpam"] is True and report["Score"] >= 5
    names = {rule["Name"]: rule for rule in report["Rules"]}
    assert "MISSING_DATE" in names and names["MISSING_DATE"]["Score"] > 0
    assert names["MISSING_DATE"]["Description"] == "Missing Date: header"
    assert abs(sum(rule["Score"] for rule in report["Rules"]) - report["Score"]) < 0.2
    ham = trap.store.deliver("a@example.com", ["b@example.com"], build(subject="Meeting notes"))
    clean = api.ok_json(f"/api/v1/message/{ham.id}/sa-check")
    assert clean["Error"] == "" and clean["IsSpam"] is False and clean["Score"] < 5
    assert api.ok_json("/api/v1/webui")["SpamAssassin"] is True
    assert api.get("/api/v1/message/0123456789abcdef/sa-check").status == 404


def test_sa_check_without_spamassassin_is_a_json_404(api, deliver, build):
    message = deliver(build())
    reply = api.get(f"/api/v1/message/{message.id}/sa-check")
    assert reply.status == 404 and "--spamassassin" in reply.json()["Error"]
    assert api.ok_json("/api/v1/webui")["SpamAssassin"] is False


def test_sa_check_with_spamd_down(mailtrap_factory, api_for, build, closed_port):
    trap = mailtrap_factory(spamassassin=f"127.0.0.1:{closed_port}")
    message = trap.store.deliver("a@example.com", ["b@example.com"], build())
    report = api_for(trap).ok_json(f"/api/v1/message/{message.id}/sa-check")
    assert report["Error"].startswith("cannot reach spamd") and report["Rules"] is None


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (b"", "no SPAMD status line"),
        (b"HTTP/1.1 200 OK\r\n\r\n", "no SPAMD status line"),
        (b"SPAMD/1.1 76 Bad header line: x\r\n\r\n", "spamd answered 76 Bad header line: x"),
        (b"SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n", "no Spam header"),
    ],
)
def test_odd_spamd_answers(answer, error):
    assert error in spamassassin.parse(answer).error


def test_report_parsing_joins_wrapped_descriptions():
    answer = (
        b"SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.2 / 5.0\r\n\r\n"
        b" pts rule name              description\n"
        b"---- ---------------------- ------------------\n"
        b" 1.2 SOME_RULE              A long description\n"
        b"                            that wraps\n"
        b"-0.0 OTHER                  Informational\n"
    )
    report = spamassassin.parse(answer)
    assert (report.is_spam, report.score) == (False, 1.2)
    assert report.rules == [
        {"Name": "SOME_RULE", "Score": 1.2, "Description": "A long description that wraps"},
        {"Name": "OTHER", "Score": -0.0, "Description": "Informational"},
    ]


# -- thumbnails ----------------------------------------------------------------------------------


def image_bytes(size, color, kind="PNG", mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, color).save(out, kind)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` x ``height`` pixels in a few bytes (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack("!I", len(data)) + kind + data + struct.pack("!I", zlib.crc32(kind + data))
        )

    header = struct.pack("!IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def with_images(deliver, build):
    return deliver(
        build(
            subject="pictures",
            attachments=[
                ("big.png", "image/png", image_bytes((400, 300), "red")),
                ("small.jpg", "image/jpeg", image_bytes((50, 40), "blue", "JPEG")),
                ("clear.png", "image/png", image_bytes((360, 240), (0, 0, 0, 0), mode="RGBA")),
                ("notes.txt", "text/plain", b"not a picture"),
                ("broken.png", "image/png", b"\x89PNG garbage"),
                ("bomb.png", "image/png", png_header_only(8_000, 8_000)),  # over our bound
                ("huge.png", "image/png", png_header_only(30_000, 30_000)),  # over Pillow's
            ],
        )
    )


def thumb(api, message, name):
    part = next(
        a["PartID"]
        for a in api.ok_json(f"/api/v1/message/{message.id}")["Attachments"]
        if a["FileName"] == name
    )
    return api.get(f"/api/v1/message/{message.id}/part/{part}/thumb")


def picture(reply) -> Image.Image:
    assert reply.status == 200, reply.body
    assert reply.headers["Content-Type"] == "image/jpeg"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(reply.body))
    assert image.format == "JPEG" and image.size == (thumbs.WIDTH, thumbs.HEIGHT)
    return image.convert("RGB")


def near(pixel, color, slack=40):
    return all(abs(a - b) <= slack for a, b in zip(pixel, color, strict=True))


def test_thumbnails(api, with_images):
    big = picture(thumb(api, with_images, "big.png"))  # filled: red to the edges
    assert near(big.getpixel((90, 60)), (255, 0, 0)) and near(big.getpixel((1, 1)), (255, 0, 0))
    small = picture(thumb(api, with_images, "small.jpg"))  # fitted, never enlarged, on white
    assert near(small.getpixel((90, 60)), (0, 0, 255)) and near(
        small.getpixel((2, 2)), (255, 255, 255)
    )
    clear = picture(thumb(api, with_images, "clear.png"))  # transparency on white, not black
    assert near(clear.getpixel((90, 60)), (255, 255, 255))
    for name in ("notes.txt", "broken.png"):  # Mailpit's blank thumbnail
        blank = picture(thumb(api, with_images, name))
        assert near(blank.getpixel((90, 60)), (255, 255, 255))


def test_a_decompression_bomb_is_refused(api, with_images):
    reply = thumb(api, with_images, "bomb.png")
    assert reply.status == 422
    assert "8000x8000" in reply.json()["Error"]
    huge = thumb(api, with_images, "huge.png")
    assert huge.status == 422 and "decompression bomb" in huge.json()["Error"]
    assert api.get("/livez").status == 200


def test_thumbnails_of_unknown_parts_and_messages(api, with_images):
    assert api.get(f"/api/v1/message/{with_images.id}/part/99/thumb").status == 404
    assert api.get("/api/v1/message/0123456789abcdef/part/1/thumb").status == 404


def test_webui_configuration(api):
    assert api.ok_json("/api/v1/webui") == {
        "Label": "",
        "MessageRelay": {
            "Enabled": False,
            "SMTPServer": "",
            "ReturnPath": "",
            "AllowedRecipients": "",
            "BlockedRecipients": "",
            "OverrideFrom": "",
            "PreserveMessageIDs": False,
            "RecipientAllowlist": "",
        },
        "SpamAssassin": False,
        "ChaosEnabled": True,
        "DuplicatesIgnored": False,
        "HideDeleteAllButton": False,
    }
