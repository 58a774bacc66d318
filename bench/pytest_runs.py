"""How the pytest benchmarks run pytest (``pytest_fixture.py``).

Every pytest run is a separate process with plugin autoloading off, loading only the plugin it
measures, with bytecode cached as for an installed package. Each loads exactly one plugin with
``-p``: the suites without one load an empty module. pytest looks a ``-p`` name up among every
installed package's entry points (13 M instructions, 2-3 ms here); with autoloading on, as users
run it, every run pays that lookup, so it is no cost of mail and must not count as one.

smtpdfix is not a dependency of mailtrap: it is installed with pip into a temporary folder for
this run only (needs the package index; without it that comparison is skipped with a message).
"""

from __future__ import annotations

import os
import re
import resource
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

#: Bytecode of the benchmark's processes, kept for the whole run (the checkout may be read-only).
PYCACHE = Path(tempfile.mkdtemp(prefix="mailtrap-bench-pycache-"))


def environment(extra_path: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILTRAP_")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # import as an installed package would
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    if extra_path:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [extra_path, env.get("PYTHONPATH")]))
    return env


class Suite:
    """One variant's test folder, written once, run as many times as asked."""

    def __init__(
        self, root: Path, files: dict[str, str], tests: int, plugin: str | None, functions: int = 1
    ) -> None:
        root.mkdir(parents=True)
        (root / "pytest.ini").write_text("[pytest]\n")
        for name, text in files.items():
            (root / name).write_text(textwrap.dedent(text).replace("TESTS", str(tests)))
        self.root = root
        self.tests = tests * functions
        if plugin is None:  # the same entry-point lookup as the suites with a plugin
            (root / "no_plugin.py").write_text('"""An empty plugin: see the module docstring."""\n')
        self.args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        self.args += ["-p", plugin or "no_plugin"]

    def run(self, env: dict[str, str]) -> tuple[float, float]:
        """Seconds from starting the pytest process to its exit, and the CPU seconds it used
        (all its threads, user and system: less disturbed by other work on the machine)."""
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        self._pytest([], env)
        took = time.perf_counter() - started
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (
            cpu_after.ru_stime - cpu_before.ru_stime
        )
        return took, cpu

    def instructions(self, env: dict[str, str]) -> int:
        """The instructions one run executes, in all its threads (under valgrind's callgrind,
        about 50 times slower)."""
        valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        return int(re.search(r"Collected : (\d+)", self._pytest(valgrind, env)).group(1))

    def _pytest(self, prefix: list[str], env: dict[str, str]) -> str:
        """Run the suite (under ``prefix``, if any); its standard error."""
        done = subprocess.run(
            [*prefix, *self.args], cwd=self.root, env=env, capture_output=True, text=True
        )
        if done.returncode != 0 or f"{self.tests} passed" not in done.stdout:
            raise SystemExit(f"benchmark run failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
        return done.stderr


#: smtpdfix and the one dependency of it that mailtrap's own dependencies do not bring.
PIP = ["smtpdfix", "portpicker"]


def install_smtpdfix(folder: Path) -> str | None:
    """pip-install smtpdfix into ``folder``, for this run only."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(folder), *PIP],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        print(f"\nsmtpdfix could not be installed, so it is left out:\n{done.stderr[-500:]}")
        return None
    return str(folder)
