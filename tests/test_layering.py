"""DESIGN.md's dependency rules, checked on the source: who may import whom."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "mailtrap"

IO_MODULES = {"asyncio", "socket", "ssl", "selectors", "threading", "socketserver"}
FRAMEWORKS = {"flask", "werkzeug", "aiosmtpd", "uvicorn", "a2wsgi", "websockets"}
ABOVE_PROTOCOLS = {"servers", "api", "runtime", "threaded", "testing", "cli", "cli_values", "mail"}
ABOVE_STORE = ABOVE_PROTOCOLS | {"protocols"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    module = _module_name(path)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join(base + ([node.module] if node.module else []))
                found.add(name)
                found.update(f"{name}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module or "")
    return found


def _sources(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def _layer(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "mailtrap" else ""


@pytest.mark.parametrize("path", _sources(PACKAGE / "protocols"), ids=lambda p: p.name)
def test_protocol_engines_are_sans_io(path):
    for name in imports_of(path):
        top = name.split(".")[0]
        assert top not in IO_MODULES | FRAMEWORKS, f"{path.name} imports {name}"
        assert _layer(name) not in ABOVE_PROTOCOLS, f"{path.name} imports {name}"


@pytest.mark.parametrize(
    "path",
    [
        *_sources(PACKAGE / "store"),
        *(PACKAGE / name for name in ("message.py", "mime.py", "mimetree.py", "mimeheaders.py")),
    ],
    ids=lambda p: p.name,
)
def test_store_and_message_know_no_front_end(path):
    for name in imports_of(path):
        assert _layer(name) not in ABOVE_STORE, f"{path.name} imports {name}"
        assert name.split(".")[0] not in FRAMEWORKS - {"websockets"} | {"asyncio"}


@pytest.mark.parametrize(
    "path",
    [*_sources(PACKAGE / "faults"), *_sources(PACKAGE / "auth")],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_fault_rules_and_the_authenticator_are_pure_logic(path):
    # They decide; the servers act: the SMTP layer carries fault verdicts out
    # (servers/faults.py), every front-end asks the authenticator (which sits below the
    # protocols, next to the store, and knows neither). A lock is allowed (tests add rules
    # from their own thread, the viewer checks logins from its own), sockets and loops are not.
    for name in imports_of(path):
        top = name.split(".")[0]
        assert top not in IO_MODULES - {"threading"} | FRAMEWORKS, f"{path.name} imports {name}"
        assert _layer(name) not in ABOVE_STORE | {"store"}, f"{path.name} imports {name}"


def test_servers_and_api_never_import_each_other():
    for path in _sources(PACKAGE / "servers"):
        assert not any(_layer(n) == "api" for n in imports_of(path)), path
    for path in _sources(PACKAGE / "api"):
        assert not any(_layer(n) == "servers" for n in imports_of(path)), path


@pytest.mark.parametrize("path", _sources(PACKAGE), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_core_never_imports_pytest_or_the_plugin(path):
    for name in imports_of(path):
        assert name.split(".")[0] not in {"pytest", "mailtrap_pytest", "_pytest"}, path


def test_the_checker_sees_relative_imports():
    names = imports_of(PACKAGE / "store" / "memory.py")
    assert "mailtrap.message" in names and "mailtrap.store.events" in names


_MESSAGE_WORDS = ("message", "record", "stored", "entry")


def _mentions_a_message(node: ast.AST) -> bool:
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    names += [n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)]
    return any(word in name.lower() for name in names for word in _MESSAGE_WORDS)


@pytest.mark.parametrize(
    "path",
    [p for p in _sources(PACKAGE) if "store" not in p.relative_to(PACKAGE).parts],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_messages_are_never_compared_by_identity(path):
    """Records, not live objects: a backend may return a fresh object for every read."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands, operands[1:], strict=False):
            if not isinstance(op, ast.Is | ast.IsNot):
                continue
            if any(isinstance(side, ast.Constant) for side in (left, right)):
                continue  # `is None` and the like
            assert not (_mentions_a_message(left) or _mentions_a_message(right)), (
                f"{path.name}:{node.lineno} compares by identity: {ast.unparse(node)}"
            )
