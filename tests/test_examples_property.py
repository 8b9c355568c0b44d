"""The user-facing example in examples/property_testing runs, as a user would run it.

It is a separate pytest project (a rule file and its property tests, outside `testpaths`), so it runs
in a subprocess: its own rootdir, Hypothesis' default settings rather than this suite's profile, and
a failure shows the example's own output.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "property_testing"


def test_property_testing_example_passes(tmp_path: Path) -> None:
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    # Hypothesis' example database goes to a temporary directory, not into examples/.
    env = {**os.environ, "PYTHONPATH": path, "HYPOTHESIS_STORAGE_DIRECTORY": str(tmp_path)}
    env.pop("HYPOTHESIS_PROFILE", None)  # the example must pass with Hypothesis' own defaults
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:benchmark",
         "--rootdir", str(EXAMPLE), str(EXAMPLE)],
        cwd=EXAMPLE, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout, result.stdout


def test_example_rule_file_checks_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "fer", "check", str(EXAMPLE / "rules.toml")],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
