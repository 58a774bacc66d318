"""What aiosmtpd's ``SMTP._getaddr`` costs per MAIL FROM / RCPT TO, for the report to aiosmtpd
(bench/README.md): the whole call, its two parts (defining a ``typing.Protocol`` class, then the
``email`` package's header parser), the garbage collections it causes, and mailtrap's fast path
for the same argument.

    python bench/aiosmtpd_getaddr.py

Needs only aiosmtpd (and mailtrap for the last line). Prints figures; asserts nothing.
"""

from __future__ import annotations

import asyncio
import gc
import timeit
import typing
from collections.abc import Callable
from email._header_value_parser import get_angle_addr

from aiosmtpd.smtp import SMTP

ARG = "<alice@example.com> SIZE=1024"
CALLS = 20_000


def per_call_us(call: Callable[[], object]) -> float:
    return min(timeit.repeat(call, number=CALLS, repeat=5)) / CALLS * 1e6


def collections_during(call: Callable[[], object]) -> list[int]:
    gc.collect()
    before = [generation["collections"] for generation in gc.get_stats()]
    for _ in range(CALLS):
        call()
    after = [generation["collections"] for generation in gc.get_stats()]
    return [a - b for a, b in zip(after, before, strict=True)]


def define_protocol_class() -> None:
    # What _getaddr does first on every call (aiosmtpd 1.4.6, smtp.py).
    class AddrSpec(typing.Protocol):
        @property
        def addr_spec(self) -> str: ...


def parse_with_email_package() -> object:
    # What it does next: RFC 5322's angle-addr grammar, then the token tree's addr_spec.
    return get_angle_addr(ARG)[0].addr_spec


def main() -> None:
    loop = asyncio.new_event_loop()
    server = SMTP(object(), hostname="localhost", loop=loop)
    loop.close()
    rows = [
        ("SMTP._getaddr(arg), the whole call", lambda: server._getaddr(ARG)),
        ("  defining the typing.Protocol class", define_protocol_class),
        ("  get_angle_addr(arg)[0].addr_spec", parse_with_email_package),
    ]
    try:
        from mailtrap.servers.smtp_address import ordinary_address

        rows.append(("mailtrap's fast path for the same arg", lambda: ordinary_address(ARG)))
    except ImportError:
        pass
    print(f"argument {ARG!r}; best of 5 x {CALLS:,} calls")
    print(f"{'':40} {'us/call':>8}  gc collections (gen 0, 1, 2) per {CALLS:,} calls")
    for label, call in rows:
        print(f"{label:40} {per_call_us(call):8.2f}  {collections_during(call)}")


if __name__ == "__main__":
    main()
