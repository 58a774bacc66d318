"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest

from mailtrap.auth.hashes import hash_password


@pytest.fixture(scope="module")
def htpasswd(tmp_path_factory):
    """An htpasswd file with the viewer's own user ``admin`` (password ``admin-pw``)."""
    path = tmp_path_factory.mktemp("ui") / "htpasswd"
    path.write_text(f"admin:{hash_password('admin-pw', 'apr_md5_crypt')}\n")
    return str(path)
