"""The bundled sample under examples/vpc_flow_logs/sample is exactly what the generator writes.

The main job (examples/vpc_flow_logs/run.sh) runs over the committed sample; this keeps the sample
and its generator from drifting apart.
"""

from __future__ import annotations

import filecmp
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

EXAMPLE = ROOT / "examples" / "vpc_flow_logs"


def _files(top: Path) -> dict[str, Path]:
    return {str(path.relative_to(top)): path for path in sorted(top.rglob("*")) if path.is_file()}


def test_bundled_sample_is_reproducible(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(EXAMPLE / "generate_sample.py"), str(tmp_path)],
        check=True, capture_output=True, timeout=120,
    )
    bundled, fresh = _files(EXAMPLE / "sample"), _files(tmp_path)
    assert bundled.keys() == fresh.keys()
    different = [name for name in bundled if not filecmp.cmp(bundled[name], fresh[name], shallow=False)]
    assert different == []
