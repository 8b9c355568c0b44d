"""Measure issue 4's targets and print them (the figures in docs/performance.md).

    python benchmarks/targets.py                 # ratios, compile time, fer run 1 and 2 workers
    python benchmarks/targets.py --memory-gb 1   # also: fer run over 1 GB of plain input, peak RSS

Ratios are taken in one process on one corpus after checking both sides give identical output, with
fer and the baseline timed in alternating rounds (so a busy machine slows both alike); the median of
the per-round ratios is reported with the medians of each side. `fer run` is timed as the command
line itself, in subprocesses, several times each; the medians are reported.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import fer
from fer.bench import mixed_corpus, write_gzip_inputs

RULES = ROOT / "examples" / "vpc_flow_logs" / "rules.toml"


def _drain(items: Iterable[Any]) -> None:
    for _ in items:
        pass


def alternate(ours: Callable[[], object], theirs: Callable[[], object], rounds: int) -> tuple[float, float, float]:
    """(median seconds ours, median seconds theirs, median of the per-round ratios)."""
    ours()
    theirs()
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        began = time.perf_counter()
        ours()
        middle = time.perf_counter()
        theirs()
        a.append(middle - began)
        b.append(time.perf_counter() - middle)
    ratios = [x / y for x, y in zip(a, b)]
    return statistics.median(a), statistics.median(b), statistics.median(ratios)


def seed_rule_ratio(rounds: int) -> None:
    from support import MIXED, SEED_RULE, hand_seed

    pipeline = fer.compile(SEED_RULE)
    assert [pipeline.apply(m) for m in MIXED] == [hand_seed(m) for m in MIXED]
    apply = pipeline.apply

    def ours() -> None:
        for message in MIXED:
            apply(message)

    def theirs() -> None:
        for message in MIXED:
            hand_seed(message)

    a, b, ratio = alternate(ours, theirs, rounds)
    n = len(MIXED)
    print(f"Pipeline.apply, seed rule, mixed corpus: fer {a / n * 1e9:,.0f} ns/msg, "
          f"hand-written {b / n * 1e9:,.0f} ns/msg, ratio {ratio:.2f} (target <= 1.3)")


def engine_ratio(rounds: int) -> None:
    from support import ENGINE_CORPUS
    from test_engine import hand_vpc_source

    engine = fer.Engine(fer.load_rules(RULES), clock=lambda: 0.0)
    assert list(engine.process(ENGINE_CORPUS)) == list(hand_vpc_source(ENGINE_CORPUS))
    a, b, ratio = alternate(lambda: _drain(engine.process(ENGINE_CORPUS)),
                            lambda: _drain(hand_vpc_source(ENGINE_CORPUS)), rounds)
    n = len(ENGINE_CORPUS)
    print(f"Engine.process, full VPC source: fer {a / n * 1e6:.2f} µs/msg, "
          f"hand-written {b / n * 1e6:.2f} µs/msg, ratio {ratio:.2f} (target <= 1.5)")


def compile_time() -> None:
    from support import SEED_RULE

    code = ("import time, fer\nfrom fer.parser import _parser\n"
            "t = time.perf_counter(); _parser(); built = time.perf_counter() - t\n"
            f"rule = {SEED_RULE!r}\n"
            "fer.compile(rule)\n"
            "times = []\n"
            "for _ in range(50):\n"
            "    t = time.perf_counter(); fer.compile(rule); times.append(time.perf_counter() - t)\n"
            "times.sort()\n"
            "print(built * 1e3, times[len(times) // 2] * 1e3)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    built, compiled = map(float, done.stdout.split())
    print(f"parser built (first use in a fresh process, Lark cache): {built:.1f} ms; "
          f"compiling the seed rule: {compiled:.2f} ms median (target < 5 ms)")


def _fer_run(args: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-m", "fer", "run", "--quiet", "--rules", str(RULES), *args],
                   check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def fer_run_throughput(files: int, records: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = [str(p) for p in write_gzip_inputs(folder, files, records)]
        messages = files * (records + 1)
        one: list[float] = []
        two: list[float] = []
        for _ in range(repeats):
            one.append(_fer_run(["-o", os.devnull, *paths]))
            two.append(_fer_run(["--workers", "2", "-o", os.devnull, *paths]))
        a, b = statistics.median(one), statistics.median(two)
        print(f"fer run, {files} gzip files x {records:,} records -> NDJSON: one process "
              f"{messages / a:,.0f} msgs/s (median of {repeats}, {a:.2f} s); --workers 2 "
              f"{messages / b:,.0f} msgs/s ({b:.2f} s); speed-up {a / b:.2f}x (target >= 1.7)")


def streaming_memory(gigabytes: float) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.log"
        block = ("\n".join(mixed_corpus(50_000)) + "\n").encode()
        target = int(gigabytes * 2**30)
        with open(path, "wb") as handle:
            written = 0
            while written < target:
                handle.write(block)
                written += len(block)
        code = ("import sys\nfrom fer.cli import main\n"
                f"status = main(['run', '--quiet', '--rules', {str(RULES)!r}, '-o', '/dev/null', {str(path)!r}])\n"
                "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
                "sys.exit(status)\n")
        began = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        elapsed = time.perf_counter() - began
        peak = int(done.stdout.split()[-1]) / 1024
        print(f"fer run over {written / 2**30:.2f} GiB of plain input: peak resident {peak:.0f} MiB "
              f"(target < 200), {elapsed:.0f} s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--run-repeats", type=int, default=3)
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--records", type=int, default=50_000)
    parser.add_argument("--memory-gb", type=float, default=0.0)
    parser.add_argument("--only", choices=("apply", "engine", "compile", "run", "memory"))
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if args.only in (None, "apply"):
        seed_rule_ratio(args.rounds)
    if args.only in (None, "engine"):
        engine_ratio(args.rounds)
    if args.only in (None, "compile"):
        compile_time()
    if args.only in (None, "run"):
        fer_run_throughput(args.files, args.records, args.run_repeats)
    if args.memory_gb > 0 or args.only == "memory":
        streaming_memory(args.memory_gb or 1.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
