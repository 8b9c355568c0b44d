"""Measure scale-out: the VPC flow log rules over a generated S3-style corpus, on 1 and 2 local Dask
worker processes, beside one plain process doing the same work (`fer run`'s loop).

    python examples/scale_out.py [--files 24] [--records 25000] [--workers 1 2] [--repeat 3] [--keep DIR]

Each run extracts every record and writes it as NDJSON (one file per input, as `fer run` would
write it), and sums the statistics; the timings exclude cluster start-up and corpus generation, and
the fastest of `--repeat` runs of each kind is reported (other jobs on a shared machine only ever
slow a run down).
`write_corpus` is also what the test suite uses to build its larger corpus.
"""

from __future__ import annotations

import argparse
import gzip
import json
import logging
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = HERE / "vpc_flow_logs" / "rules.toml"
ACCOUNT = "123456789010"
HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
          "start end action log-status")
_START = 1_714_953_600  # 2024-05-06 00:00:00 UTC: fixed, so the corpus is the same every time


def write_corpus(directory: str | os.PathLike[str], *, files: int = 40, records: int = 2000,
                 seed: int = 1) -> Path:
    """Write `files` gzip objects of `records` flow log lines each, under the S3 export layout
    `AWSLogs/<account>/vpcflowlogs/us-east-1/2024/05/DD/`, and return the top directory.

    Each object starts with the S3 header line (excluded by the rules' processing rule). Most lines
    are plain version-2 records; about one in ten is JSON-wrapped with the collection Lambda's
    enrichment (so the second rule matches), one in fifty is NODATA, and one in two hundred is not a
    flow record at all (the rule fails on it; it still carries start/end times, so `_messagetime`
    never depends on the clock and runs compare exactly).
    """
    rng = random.Random(seed)
    top = Path(directory)
    enis = [f"eni-0a1b2c3d4e5f6{n:04d}" for n in range(8)]
    for number in range(files):
        day = 6 + number % 3
        folder = top / "AWSLogs" / ACCOUNT / "vpcflowlogs" / "us-east-1" / "2024" / "05" / f"{day:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        start = _START + (day - 6) * 86_400 + number * 300
        name = f"{ACCOUNT}_vpcflowlogs_us-east-1_fl-0123456789abcdef0_202405{day:02d}T{number:04d}Z_{number:08x}.log.gz"
        lines = [HEADER]
        for index in range(records):
            begin = start + index % 300
            end = begin + rng.randrange(1, 60)
            eni = rng.choice(enis)
            roll = rng.random()
            if roll < 0.005:
                lines.append(f"connection reset by peer {begin} {end} after retries")
                continue
            if roll < 0.025:
                lines.append(f"2 {ACCOUNT} {eni} - - - - - - - {begin} {end} - NODATA")
                continue
            line = (
                f"2 {ACCOUNT} {eni} 10.0.{rng.randrange(256)}.{rng.randrange(1, 255)} "
                f"172.31.{rng.randrange(256)}.{rng.randrange(1, 255)} {rng.randrange(1024, 65536)} "
                f"{rng.choice((22, 80, 443, 3306, 5432))} {rng.choice((6, 17))} {rng.randrange(1, 500)} "
                f"{rng.randrange(40, 10**6)} {begin} {end} {rng.choice(('ACCEPT', 'REJECT'))} OK"
            )
            if roll < 0.125:
                line = json.dumps({
                    "message": line, "logStream": f"{eni}-all", "vpc-id": "vpc-abcdefab012345678",
                    "subnet-id": "subnet-aaaaaaaa012345678", "direction": rng.choice(("inbound", "outbound")),
                    "security-group-ids": ["sg-0123456789abcdef0"], "aws-region": "us-east-1",
                }, separators=(",", ":"))
            lines.append(line)
        # mtime=0: the same bytes every time.
        (folder / name).write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    return top


def _single_process(corpus: Path, out: Path) -> tuple[float, int]:
    """`fer run`'s work in this process: read, extract, write one NDJSON file per input."""
    import orjson

    from fer.engine import Engine
    from fer.inputs import expand_inputs, iter_file_messages
    from fer.rules import load_rules

    started = time.perf_counter()
    engine = Engine(load_rules(RULES))
    out.mkdir(parents=True)
    for number, file in enumerate(expand_inputs([corpus])):
        with open(out / f"part-{number:05d}.ndjson", "wb") as handle:
            for record in engine.process(iter_file_messages(file)):
                handle.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
    return time.perf_counter() - started, engine.stats.records_out


def _on_dask(corpus: Path, out: Path, workers: int, repeat: int) -> tuple[float, int]:
    import dask
    from distributed import Client, LocalCluster

    import fer.dask

    with LocalCluster(n_workers=workers, processes=True, threads_per_worker=1,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster):
        # Warm-up: import fer and compile the rules once in every worker (start-up, not throughput).
        warm = fer.dask.read_records_with_stats(sorted(corpus.rglob("*.gz"))[:workers], RULES)
        dask.compute(warm.bag.count(), warm.stats)

        best = float("inf")
        for run in range(repeat):
            started = time.perf_counter()
            result = fer.dask.read_records_with_stats(corpus, RULES)
            writes = fer.dask.write_ndjson(result, out / f"run-{run}", compute=False)
            _, stats = dask.compute(writes, result.stats)
            best = min(best, time.perf_counter() - started)
        return best, stats.records_out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=24)
    parser.add_argument("--records", type=int, default=25_000, help="records per file")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each kind; the fastest is reported (the machine may be shared)")
    parser.add_argument("--keep", type=Path, help="write the corpus here and keep it")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="fer-scale-out-"))
    try:
        corpus = write_corpus(args.keep or scratch / "corpus", files=args.files, records=args.records)
        size = sum(path.stat().st_size for path in corpus.rglob("*.gz"))
        print(f"corpus: {args.files} gzip files x {args.records:,} records "
              f"({args.files * args.records:,} records, {size / 1e6:.1f} MB compressed); "
              f"{os.cpu_count()} CPUs")
        runs = [_single_process(corpus, scratch / f"single-{run}") for run in range(args.repeat)]
        seconds, records = min(runs)
        print(f"{'one process (no Dask)':<26} {seconds:7.2f} s  {records / seconds:>9,.0f} records/s")
        baseline: float | None = None
        for workers in args.workers:
            seconds, count = _on_dask(corpus, scratch / f"dask-{workers}", workers, args.repeat)
            assert count == records, (count, records)
            baseline = baseline or seconds
            print(f"{f'Dask, {workers} worker process' + ('es' if workers > 1 else ''):<26} "
                  f"{seconds:7.2f} s  {count / seconds:>9,.0f} records/s  "
                  f"speed-up x{baseline / seconds:.2f}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
