"""`fer run` throughput: gzip S3 objects to NDJSON, in one process and with `--workers 2`, beside a
hand-written loop (gzip lines -> seed rule -> orjson lines) doing the same for the same files.

The timed `fer run` calls go through `fer.cli.main` in this process (one process) or its worker pool;
`docs/performance.md` has the figures from the command line itself."""

from __future__ import annotations

import gzip
import io
from contextlib import redirect_stderr
from pathlib import Path

import orjson
import pytest
from support import per_message
from test_engine import hand_vpc_source

from fer.bench import write_gzip_inputs
from fer.cli import main

RULES_FILE = Path(__file__).resolve().parent.parent / "examples" / "vpc_flow_logs" / "rules.toml"
FILES, RECORDS = 4, 2_500
_NEWLINE = orjson.OPT_APPEND_NEWLINE


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_gzip_inputs(tmp_path_factory.mktemp("s3"), FILES, RECORDS)


def fer_run(inputs: list[Path], output: Path, workers: int = 1) -> None:
    argv = ["run", "--quiet", "--rules", str(RULES_FILE), "--output", str(output),
            "--workers", str(workers), *map(str, inputs)]
    with redirect_stderr(io.StringIO()):
        assert main(argv) == 0


def hand_run(inputs: list[Path], output: Path) -> None:
    dumps = orjson.dumps
    with open(output, "wb") as out:
        for path in inputs:
            with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
                lines = (line.rstrip("\r\n") for line in handle)
                out.writelines(dumps(record, option=_NEWLINE) for record in hand_vpc_source(line for line in lines if line))


@pytest.mark.parametrize("workers", [1, 2])
def test_fer_run(benchmark, inputs: list[Path], tmp_path: Path, workers: int) -> None:
    expected, got = tmp_path / "hand.ndjson", tmp_path / "fer.ndjson"
    hand_run(inputs, expected)
    fer_run(inputs, got, workers)
    assert got.read_bytes() == expected.read_bytes()
    benchmark.group = "fer run: gzip to NDJSON"
    per_message(benchmark, FILES * RECORDS, kind="fer", workers=workers)
    benchmark.pedantic(fer_run, args=(inputs, got, workers), rounds=3, iterations=1)


def test_hand_written_run(benchmark, inputs: list[Path], tmp_path: Path) -> None:
    benchmark.group = "fer run: gzip to NDJSON"
    per_message(benchmark, FILES * RECORDS, kind="baseline")
    benchmark.pedantic(hand_run, args=(inputs, tmp_path / "hand.ndjson"), rounds=3, iterations=1)


