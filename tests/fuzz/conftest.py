"""Hypothesis settings for the fuzz tests: derandomised (the same examples every run, so CI is
repeatable and fast); ``MAILTRAP_FUZZ=explore`` (bench/fuzz.py) runs many random examples."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "mailtrap",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=400,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "explore",
    derandomize=False,
    database=None,
    deadline=None,
    max_examples=int(os.environ.get("MAILTRAP_FUZZ_EXAMPLES", "20000")),
    suppress_health_check=list(HealthCheck),
)
settings.load_profile("explore" if os.environ.get("MAILTRAP_FUZZ") == "explore" else "mailtrap")
