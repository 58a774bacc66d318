"""Exploratory property-based fuzzing: the suite's fuzz tests (tests/fuzz) with random examples.

Run from the repository root:  python bench/fuzz.py  (--examples N per test, default 20,000;
extra arguments go to pytest, e.g. -k imap). The suite runs the same tests derandomised with
400 examples each; here hypothesis draws new ones every run and shrinks any failure it finds
to a small example, which belongs in the suite as a regression case.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=20000)
    args, rest = parser.parse_known_args()
    env = dict(os.environ, MAILTRAP_FUZZ="explore", MAILTRAP_FUZZ_EXAMPLES=str(args.examples))
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/fuzz", *rest]
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main())
