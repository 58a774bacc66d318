"""`mailtrap` run as a user runs it: a real ``python -m mailtrap`` process, every service on an
ephemeral port unless the arguments say otherwise, and the addresses it printed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time


class Server:
    """`mailtrap` started as a process with every service on an ephemeral port."""

    def __init__(self, *args, env=None):
        everything_ephemeral = {f"MAILTRAP_{name.upper()}": "0" for name in service_names()}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mailtrap", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **everything_ephemeral, **(env or {})},
        )
        self.addresses = {}
        self.header = header = self.proc.stdout.readline()
        assert "is catching mail" in header, header + self.proc.stderr.read()
        while (line := self.proc.stdout.readline()) and not line.startswith("Ctrl-C"):
            name, address = line.split()
            self.addresses[name.lower()] = address

    def port(self, name):
        return int(self.addresses[name].rpartition(":")[2])

    def stop(self, sig=signal.SIGTERM):
        started = time.monotonic()
        self.proc.send_signal(sig)
        code = self.proc.wait(10)
        self.proc.stdout.close()
        self.proc.stderr.close()
        return code, time.monotonic() - started


def service_names():
    from mailtrap.config import SERVICE_NAMES

    return SERVICE_NAMES
