"""pytest configuration for the benchmark suite (`pytest benchmarks`).

The benchmark files import `support` (this folder's shared corpora, baselines and peers); pytest's
default import mode puts this folder on `sys.path` for them. Run once without timing, as CI does:

    pytest benchmarks --benchmark-disable

and timed, writing the JSON that `benchmarks/report.py` turns into docs/benchmarks.md and .svg:

    pytest benchmarks --benchmark-only --benchmark-json=benchmarks/results.json
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
