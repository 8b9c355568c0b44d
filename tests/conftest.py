"""Shared test configuration: Hypothesis profiles and paths to bundled data."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

TESTS = Path(__file__).parent
ROOT = TESTS.parent
DATA = TESTS / "data"
VPC_DATA = DATA / "vpc"

sys.path.insert(0, str(TESTS))  # case-file reader and fixtures are plain modules beside the tests

# "ci": deadline-free and at least 500 examples per property (issue: property tests).
settings.register_profile(
    "ci", max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
