"""TLS material for every server: a given certificate and key, or a self-signed one made on demand.

A generated certificate comes from a private CA (made with ``trustme``) and names ``localhost``,
``127.0.0.1``, ``::1`` and the configured hostname; the CA is written to a file and offered as a
ready client :class:`ssl.SSLContext`, so tests verify the connection instead of switching
verification off.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass
class TlsMaterial:
    """A server context for STARTTLS and implicit TLS, and how clients can trust it."""

    server_context: ssl.SSLContext
    ca_path: str | None
    _tempdir: str | None = None

    @classmethod
    def self_signed(cls, hostname: str) -> TlsMaterial:
        import trustme  # imported here: only TLS users pay for loading cryptography

        ca = trustme.CA(organization_name="mailtrap test CA")
        names = list(dict.fromkeys(["localhost", "127.0.0.1", "::1", hostname]))
        # A subject CN as well as the SANs: some clients (fetchmail) insist on one.
        cert = ca.issue_cert(*names, common_name=hostname)
        context = _server_context()
        cert.configure_cert(context)
        tempdir = tempfile.mkdtemp(prefix="mailtrap-tls-")
        ca_path = Path(tempdir, "ca.pem")
        ca.cert_pem.write_to_path(str(ca_path))
        return cls(context, str(ca_path), tempdir)

    @classmethod
    def from_files(cls, cert_file: str, key_file: str) -> TlsMaterial:
        context = _server_context()
        context.load_cert_chain(cert_file, key_file)
        return cls(context, cert_file)

    def client_context(self) -> ssl.SSLContext:
        """An SSL context for clients that trusts this material's CA (or the system's)."""
        return ssl.create_default_context(cafile=self.ca_path)

    def close(self) -> None:
        """Remove generated files."""
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None


def _server_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
