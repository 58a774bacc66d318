"""Benchmark: the 5-test send-and-wait suites as a CI job runs them, with everything installed
from wheels and pytest's plugin autoloading on, the first run after the install (pytest's
assertion-rewrite cache empty) and a later one.

pytest rewrites the asserts of every package in a distribution that declares a ``pytest11``
entry point (its ``_mark_plugins_for_rewrite``), caching the rewritten bytecode in its own
``.pyc`` files, which no installer writes. mailtrap-sink declares one, so the first pytest run
after ``pip install mailtrap-sink`` parses and compiles every mailtrap module the fixture
imports (rewriting none: each says ``PYTEST_DONT_REWRITE``); a CI job that installs afresh pays
that on every run, in every xdist worker, and later runs load them through pytest's hook.
smtpdfix's distribution is rewritten the same way; the floor (aiosmtpd in a conftest) is not.
``pytest_fixture.py`` measures an editable install with ``-p``, where none of this happens.

    python bench/pytest_installed.py [--rounds 10]
    python bench/pytest_installed.py --instructions   # in instructions (valgrind), ours and
                                                      # the floor: the same on every run

Builds mailtrap-sink's wheel and installs it, pytest and smtpdfix into throw-away virtual
environments (both need the package index). One more environment shows what moving the
``pytest11`` entry point into a distribution of its own would give: a copy of the mailtrap-sink
one whose metadata is rewritten so (``split_plugin_out``). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

from pytest_runs import Suite
from pytest_suites import FILES, FLOOR, NO_MAIL, OURS, SMTPDFIX

ROOT = Path(__file__).resolve().parent.parent
TESTS = 5
SPLIT = "mailtrap, plugin split out"
#: Each suite's files: every suite runs with the plugins its environment has, none named.
SUITES = {**FILES, SPLIT: FILES[OURS]}


def environment_with(work: Path, name: str, packages: list[str]) -> Path:
    """A virtual environment of its own holding pytest and ``packages``; its python."""
    venv.create(work / name, with_pip=True)
    python = work / name / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run([*pip, "pytest", *packages], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"could not install {packages} for the benchmark:\n{done.stderr}")
    return python


def mailtrap_wheel(work: Path) -> str:
    build = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(work), str(ROOT)]
    done = subprocess.run(build, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"could not build mailtrap-sink's wheel:\n{done.stderr}")
    [wheel] = work.glob("mailtrap_sink-*.whl")
    return str(wheel)


def split_plugin_out(python: Path) -> Path:
    """A copy of ``python``'s environment where the pytest11 entry point belongs to a
    distribution of its own holding only ``mailtrap_pytest`` (its RECORD lines move with it),
    as if the plugin were packaged apart: pytest then marks only that package for rewriting."""
    source = python.parent.parent
    copy = source.with_name(source.name + "-split")
    shutil.copytree(source, copy, symlinks=True)  # bin/python finds its pyvenv.cfg
    [info] = copy.glob("lib/python3*/site-packages/mailtrap_sink-*.dist-info")
    entry_points = (info / "entry_points.txt").read_text()
    (info / "entry_points.txt").write_text(re.sub(r"\[pytest11\][^\[]*", "", entry_points))
    plugin = info.with_name("mailtrap_sink_pytest-0.dist-info")
    plugin.mkdir()
    (plugin / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: mailtrap-sink-pytest\nVersion: 0\n"
    )
    (plugin / "entry_points.txt").write_text("[pytest11]\nmailtrap = mailtrap_pytest.plugin\n")
    lines = (info / "RECORD").read_text().splitlines(keepends=True)
    (plugin / "RECORD").write_text("".join(x for x in lines if x.startswith("mailtrap_pytest/")))
    return copy / "bin" / "python"


def forget_rewrites(python: Path) -> None:
    """Delete pytest's rewritten bytecode of the installed packages, as after a fresh install."""
    for pyc in python.parent.parent.glob("lib/python3*/site-packages/**/*-pytest-*.pyc"):
        pyc.unlink()


def suites_in(work: Path) -> dict[str, tuple[Path, Suite]]:
    """Each suite, and the python of the environment it runs in."""
    # As users have them: pytest alone (and aiosmtpd, for the floor), or with mailtrap-sink, or
    # with smtpdfix. Every cost counts against pytest alone: a plugin that imports its server
    # when pytest loads it pays that in every run, mail or not.
    bare = environment_with(work, "bare", ["aiosmtpd"])
    ours = environment_with(work, "with-mailtrap", [mailtrap_wheel(work)])
    theirs = environment_with(work, "with-smtpdfix", ["smtpdfix"])
    runs = {
        NO_MAIL: bare,
        FLOOR: bare,
        OURS: ours,
        SPLIT: split_plugin_out(ours),
        SMTPDFIX: theirs,
    }
    suites = {}
    for n, (name, python) in enumerate(runs.items()):
        suite = Suite(work / f"suite-{n}", SUITES[name], TESTS, None)
        suite.args = [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        suites[name] = (python, suite)
    return suites


def timed(suites: dict[str, tuple[Path, Suite]], env: dict[str, str], rounds: int) -> None:
    times = {(name, cold): [] for name in suites for cold in (False, True)}
    for round_ in range(rounds + 1):  # round 0 fills the caches, not counted
        for name, (python, suite) in suites.items():
            for cold in (True, False):  # the first run after the install, then a later one
                if cold:
                    forget_rewrites(python)
                took = suite.run(env)
                if round_:
                    times[name, cold].append(took)
    print(
        f"\n{TESTS} send-and-wait tests, installed from wheels, plugin autoloading on "
        f"({rounds} interleaved rounds;\nseconds of the whole pytest process minus the same "
        "suite without mail and without a plugin, median of each round's difference;\n"
        "wall-clock, then CPU):"
    )
    for cold in (False, True):
        print("  the first run after the install" if cold else "  later runs")
        cost = {}
        base = times[NO_MAIL, cold]
        for name in suites:
            if name == NO_MAIL:
                continue
            cost[name] = [
                statistics.median(t[i] - b[i] for t, b in zip(times[name, cold], base, strict=True))
                for i in (0, 1)
            ]
            print(f"    {name:30} {cost[name][0]:6.3f}   {cost[name][1]:6.3f}")
        for i, kind in enumerate(("wall", "CPU")):
            for name in (OURS, SPLIT):
                print(
                    f"    {kind:4}: {name:27} / floor {cost[name][i] / cost[FLOOR][i]:.2f}x, "
                    f"/ smtpdfix {cost[name][i] / cost[SMTPDFIX][i]:.2f}x"
                )


def counted(suites: dict[str, tuple[Path, Suite]], env: dict[str, str]) -> None:
    """Instructions (valgrind's callgrind) of each run but smtpdfix's, whose polling for its
    servers runs more often the slower the machine."""
    counts = {}
    for name, (python, suite) in suites.items():
        if name == SMTPDFIX:
            continue
        suite.run(env)  # fills the caches
        for cold in (False, True):
            if cold:
                forget_rewrites(python)
            counts[name, cold] = suite.instructions(env)
    print(
        f"\nInstructions of whole pytest processes, {TESTS} send-and-wait tests, installed from "
        "wheels, plugin autoloading on,\nminus the same suite without mail and without a plugin:"
    )
    for cold in (False, True):
        print("  the first run after the install" if cold else "  later runs")
        base = counts[NO_MAIL, cold]
        for name in (FLOOR, OURS, SPLIT):
            ratio = (counts[name, cold] - base) / (counts[FLOOR, cold] - base)
            print(f"    {name:30} {(counts[name, cold] - base) / 1e6:8.1f} M  {ratio:.2f}x floor")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds (default 10)")
    parser.add_argument(
        "--instructions", action="store_true", help="count instructions instead (needs valgrind)"
    )
    args = parser.parse_args()
    if args.instructions and shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian package valgrind)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MAILTRAP_", "PYTEST_"))}
    for name in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH"):
        env.pop(name, None)  # bytecode as pip compiled it at install, beside the sources
    with tempfile.TemporaryDirectory(prefix="mailtrap-bench-") as tmp:
        suites = suites_in(Path(tmp))
        if args.instructions:
            counted(suites, env)
        else:
            timed(suites, env, args.rounds)


if __name__ == "__main__":
    main()
