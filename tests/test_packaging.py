"""The wheel ships exactly our three import names, the web assets and the pytest11 entry point;
none of its modules lets pytest rewrite its asserts."""

from __future__ import annotations

import ast
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(ROOT)],
        check=True,
        timeout=300,
        capture_output=True,
    )
    [path] = out.glob("mailtrap_sink-*.whl")
    with zipfile.ZipFile(path) as archive:
        yield archive


@pytest.mark.timeout(300)
def test_top_level_names(wheel):
    top = {name.split("/")[0] for name in wheel.namelist() if ".dist-info" not in name}
    assert top == {"mailtrap", "mailtrap_pytest", "mailtrap_web"}
    assert not any(name.startswith("tests/") or "/tests/" in name for name in wheel.namelist())


@pytest.mark.timeout(300)
def test_every_source_package_is_in_the_wheel(wheel):
    names = set(wheel.namelist())
    for path in (ROOT / "mailtrap").rglob("*.py"):
        assert path.relative_to(ROOT).as_posix() in names, path
    for path in (ROOT / "pytest_plugin").glob("*.py"):
        assert f"mailtrap_pytest/{path.name}" in names
    for path in (ROOT / "web").iterdir():
        if path.suffix in {".py", ".html", ".js", ".css"}:
            assert f"mailtrap_web/{path.name}" in names


@pytest.mark.timeout(300)
def test_entry_points(wheel):
    [entry_points] = [n for n in wheel.namelist() if n.endswith("entry_points.txt")]
    text = wheel.read(entry_points).decode()
    assert "[pytest11]\nmailtrap = mailtrap_pytest.plugin" in text
    assert "[console_scripts]\nmailtrap = mailtrap.cli:main" in text


def test_installed_names_import():
    import mailtrap_pytest.plugin
    import mailtrap_web

    import mailtrap

    assert mailtrap.__version__
    assert mailtrap_pytest.plugin.mailtrap.__doc__
    assert mailtrap_web.ASSETS.joinpath("__init__.py").is_file()


def test_every_module_opts_out_of_assertion_rewriting():
    # pytest rewrites the asserts of every package of a distribution that declares a pytest11
    # entry point: on the first run after an install it parses, rewrites and compiles each module
    # the fixture imports. PYTEST_DONT_REWRITE in a module's docstring skips the rewriting, about
    # a fifth of that cost (bench/README.md, "For pytest").
    for folder in ("mailtrap", "pytest_plugin", "web"):
        for path in (ROOT / folder).rglob("*.py"):
            docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
            assert "PYTEST_DONT_REWRITE" in docstring, path
