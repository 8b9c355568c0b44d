"""Measuring rules: the library behind `fer bench` and the `benchmarks/` suite.

- Deterministic corpora of VPC flow log records (`flow_records`, `mixed_corpus`, `engine_corpus`,
  `write_gzip_inputs`): a plain seeded generator, fast enough to make 100,000 records in well under a
  second, so that benchmarks and `fer bench` without inputs measure the same bytes on every machine.
- `time_rounds` / `Timing`: several rounds of one piece of work, reported per message as the median
  and the spread (fastest and slowest round). The median is the figure to quote; the spread says how
  quiet the machine was.
- `bench_rules`: what `fer bench` reports for a rule file: reading and decoding the inputs, the whole
  engine, and each rule alone on the messages in its scope.
- `compare_results`: the change against an earlier `fer bench --json` run.
"""

from __future__ import annotations

import gzip
import os
import random
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from fer.aws.vpc import DEFAULT_HEADER
from fer.engine import Engine
from fer.rules import RuleSet

__all__ = [
    "BenchResult",
    "RuleTiming",
    "Timing",
    "bench_rules",
    "compare_results",
    "engine_corpus",
    "flow_records",
    "format_result",
    "mixed_corpus",
    "time_rounds",
    "write_gzip_inputs",
]

ACCOUNT = "123456789010"
_PORTS = (22, 80, 443, 3389, 5432, 8080, 53, 123)
_PROTOCOLS = (6, 6, 6, 17, 17, 1)


# --------------------------------------------------------------------------------------------
# Corpora


def flow_records(count: int, seed: int = 2014, *, nodata: float = 0.1) -> list[str]:
    """`count` default-format (version 2) VPC flow log records; about `nodata` of them NODATA."""
    rng = random.Random(seed)
    enis = [f"eni-0a1b2c3d4e5f{index:05d}" for index in range(64)]
    start = 1_715_000_000
    records: list[str] = []
    for index in range(count):
        eni = enis[rng.randrange(len(enis))]
        begin = start + index // 20
        end = begin + rng.randrange(30, 90)
        if rng.random() < nodata:
            records.append(f"2 {ACCOUNT} {eni} - - - - - - - {begin} {end} - NODATA")
            continue
        source = f"10.0.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        target = f"172.31.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        packets = rng.randrange(1, 200)
        size = packets * rng.randrange(40, 1500)
        action = "ACCEPT" if rng.random() < 0.85 else "REJECT"
        records.append(
            f"2 {ACCOUNT} {eni} {source} {target} {rng.randrange(1024, 65536)} {rng.choice(_PORTS)} "
            f"{rng.choice(_PROTOCOLS)} {packets} {size} {begin} {end} {action} OK"
        )
    return records


def mixed_corpus(count: int, seed: int = 2014) -> list[str]:
    """Flow records as a CloudWatch-fed source sees them: about a third wrapped as
    `{"message": …, "logStream": …, "logGroup": …}` (the collection Lambda's VPC-JSON), the rest raw;
    about a tenth NODATA."""
    rng = random.Random(seed + 1)
    corpus: list[str] = []
    for record in flow_records(count, seed):
        if rng.random() < 1 / 3:
            eni = record.split(" ", 3)[2]
            wrapped = {"message": record, "logStream": f"{eni}-all", "logGroup": "VPCFlowLogs"}
            corpus.append(orjson.dumps(wrapped).decode())
        else:
            corpus.append(record)
    return corpus


def engine_corpus(count: int, seed: int = 2014, *, object_records: int = 500) -> list[str]:
    """`mixed_corpus` with the S3 header line before every `object_records` records (as each S3
    object starts), so that the source's header exclusion has work to do."""
    corpus: list[str] = []
    for index, line in enumerate(mixed_corpus(count, seed)):
        if index % object_records == 0:
            corpus.append(DEFAULT_HEADER)
        corpus.append(line)
    return corpus


def write_gzip_inputs(directory: str | os.PathLike[str], files: int, records: int,
                      seed: int = 2014) -> list[Path]:
    """`files` gzip S3 objects of `records` raw records each (header first); returns their paths.

    Deterministic: gzip's header carries no time stamp (`mtime=0`).
    """
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for number in range(files):
        lines = [DEFAULT_HEADER, *flow_records(records, seed + number)]
        path = folder / f"{ACCOUNT}_vpcflowlogs_us-east-1_fl-{number:04d}.log.gz"
        data = ("\n".join(lines) + "\n").encode()
        path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))
        paths.append(path)
    return paths


# --------------------------------------------------------------------------------------------
# Timing


@dataclass(frozen=True)
class Timing:
    """Several rounds of the same work over `count` messages (seconds per round)."""

    count: int
    rounds: tuple[float, ...]

    @property
    def median_us(self) -> float:
        """Median microseconds per message: the figure to quote."""
        return statistics.median(self.rounds) / max(self.count, 1) * 1e6

    @property
    def fastest_us(self) -> float:
        return min(self.rounds) / max(self.count, 1) * 1e6

    @property
    def slowest_us(self) -> float:
        return max(self.rounds) / max(self.count, 1) * 1e6

    @property
    def per_second(self) -> float:
        """Messages per second at the median."""
        median = statistics.median(self.rounds)
        return self.count / median if median > 0 else float("inf")

    @property
    def spread(self) -> float:
        """(slowest - fastest) / median: 0.05 means the rounds agreed within 5 %."""
        median = statistics.median(self.rounds)
        return (max(self.rounds) - min(self.rounds)) / median if median > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "rounds": len(self.rounds),
            "median_us": self.median_us,
            "fastest_us": self.fastest_us,
            "slowest_us": self.slowest_us,
            "messages_per_second": self.per_second,
            "spread": self.spread,
        }


def time_rounds(work: Callable[[], object], count: int, rounds: int = 5) -> Timing:
    """Run `work()` `rounds` times (after one unmeasured warm-up) and time each round."""
    if rounds < 1:
        raise ValueError("rounds must be at least 1")
    work()  # warm-up: caches, first-use imports, the allocator
    times: list[float] = []
    clock = time.perf_counter
    for _ in range(rounds):
        began = clock()
        work()
        times.append(clock() - began)
    return Timing(count, tuple(times))


def _drain(items: Iterable[object]) -> None:
    for _ in items:
        pass


# --------------------------------------------------------------------------------------------
# Benchmarking a rule file


@dataclass(frozen=True)
class RuleTiming:
    """One rule alone on the messages in its scope."""

    name: str
    in_scope: int
    matched: int
    timing: Timing | None  # None when no message was in scope

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "in_scope": self.in_scope,
            "matched": self.matched,
            "timing": None if self.timing is None else self.timing.to_dict(),
        }


@dataclass(frozen=True)
class BenchResult:
    """What `fer bench` measured."""

    rules_file: str
    inputs: tuple[str, ...]  # empty: generated flow records
    messages: int
    reading: Timing | None  # reading and decoding the inputs (None for generated records)
    engine: Timing  # the whole engine: processing rules, timestamps, scopes, rules, records
    rules: tuple[RuleTiming, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "fer_bench": 1,
            "rules_file": self.rules_file,
            "inputs": list(self.inputs),
            "messages": self.messages,
            "reading": None if self.reading is None else self.reading.to_dict(),
            "engine": self.engine.to_dict(),
            "rules": [rule.to_dict() for rule in self.rules],
        }


def bench_rules(
    rules: RuleSet,
    messages: Callable[[], Iterable[Any]] | Sequence[Any],
    *,
    rules_file: str = "",
    inputs: Sequence[str] = (),
    rounds: int = 5,
    category: str | None = None,
    host: str | None = None,
    name: str | None = None,
) -> BenchResult:
    """Measure a rule set on messages.

    `messages` is either the messages themselves or a function reading them afresh (then reading
    and decoding is timed on its own). The engine runs over the whole list; each enabled rule then
    runs alone over the messages its scope selects (after the source's processing rules), through
    the same entry point the engine uses.
    """
    reading: Timing | None = None
    if callable(messages):
        read = messages
        loaded = list(read())
        reading = time_rounds(lambda: _drain(read()), len(loaded), rounds)
    else:
        loaded = list(messages)
    count = len(loaded)

    timed_engine = Engine(rules, category=category, host=host, name=name)

    def run_engine() -> None:
        _drain(timed_engine.process(loaded))

    engine_timing = time_rounds(run_engine, count, rounds)

    # Each rule on its own: the engine's own preparation and scope selection, done once up front.
    engine = Engine(rules, category=category, host=host, name=name)
    prepared = [p for p in (engine._prepare(m, count=False) for m in loaded) if p is not None]
    compiled = engine._rules
    per_rule: list[list[tuple[str, dict[str, str]]]] = [[] for _ in compiled]
    for record, metadata in prepared:
        raw = record["_raw"]
        for index in engine._selector.select(raw, metadata):
            per_rule[index].append((raw, metadata))
    results: list[RuleTiming] = []
    for rule, selected in zip(compiled, per_rule):
        run = rule.safe
        matched = sum(1 for raw, metadata in selected if run(raw, metadata) is not None)

        def work(run: Callable[..., Any] = run, selected: list[Any] = selected) -> None:
            for raw, metadata in selected:
                run(raw, metadata)

        timing = time_rounds(work, len(selected), rounds) if selected else None
        results.append(RuleTiming(rule.name, len(selected), matched, timing))
    return BenchResult(rules_file, tuple(inputs), count, reading, engine_timing, tuple(results))


# --------------------------------------------------------------------------------------------
# Reporting


def _us(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def _rate(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _change(now: float | None, before: float | None) -> str:
    if now is None or before is None or before <= 0:
        return "-"
    percent = (now - before) / before * 100
    return f"{percent:+.1f} %"


def compare_results(current: Mapping[str, Any], previous: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Rows (`what`, `before_us`, `now_us`, `change`): reading, engine and each rule by name.

    Both arguments are `BenchResult.to_dict()` documents (what `fer bench --json` writes).
    A negative change is faster.
    """

    def median(entry: Mapping[str, Any] | None) -> float | None:
        return None if not entry else float(entry["median_us"])

    rows: list[dict[str, Any]] = []
    for label in ("reading", "engine"):
        now, before = median(current.get(label)), median(previous.get(label))
        if now is not None or before is not None:
            rows.append({"what": label, "before_us": before, "now_us": now,
                         "change": _change(now, before)})
    earlier = {rule["name"]: rule for rule in previous.get("rules", [])}
    for rule in current.get("rules", []):
        old = earlier.get(rule["name"])
        now = median(rule.get("timing"))
        before = median(old.get("timing")) if old else None
        rows.append({"what": f"rule {rule['name']}", "before_us": before, "now_us": now,
                     "change": _change(now, before)})
    return rows


def format_result(result: BenchResult, previous: Mapping[str, Any] | None = None) -> str:
    """The human-readable report `fer bench` prints."""
    source = ", ".join(result.inputs) if result.inputs else "generated VPC flow records"
    rounds = len(result.engine.rounds)
    lines = [f"{result.rules_file}: {result.messages:,} messages ({source}), {rounds} rounds",
             "median per message; spread = (slowest - fastest) / median", ""]
    header = ("", "in scope", "matched", "µs/msg", "msgs/s", "spread")
    rows: list[tuple[str, ...]] = []
    if result.reading is not None:
        r = result.reading
        rows.append(("reading + decoding", f"{r.count:,}", "-", _us(r.median_us), _rate(r.per_second),
                     f"{r.spread:.0%}"))
    e = result.engine
    rows.append(("engine (all rules)", f"{e.count:,}", "-", _us(e.median_us), _rate(e.per_second),
                 f"{e.spread:.0%}"))
    for rule in result.rules:
        t = rule.timing
        rows.append((f"rule {rule.name}", f"{rule.in_scope:,}", f"{rule.matched:,}",
                     _us(t.median_us if t else None), _rate(t.per_second if t else None),
                     f"{t.spread:.0%}" if t else "-"))
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        lines.append(f"{row[0]:<{widths[0]}}  " + "  ".join(
            f"{cell:>{width}}" for cell, width in zip(row[1:], widths[1:], strict=True)))
    if previous is not None:
        lines += ["", "change against the earlier run (negative is faster):"]
        changes = compare_results(result.to_dict(), previous)
        width = max((len(row["what"]) for row in changes), default=4)
        lines.append(f"{'':<{width}}  {'before':>8}  {'now':>8}  {'change':>9}")
        for item in changes:
            lines.append(f"{item['what']:<{width}}  {_us(item['before_us']):>8}  {_us(item['now_us']):>8}  "
                         f"{item['change']:>9}")
    return "\n".join(lines)
