"""`fer bench` (issue 4), `fer run --workers`, and the measuring library `fer.bench`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import fer
from fer.bench import (
    bench_rules,
    compare_results,
    engine_corpus,
    flow_records,
    mixed_corpus,
    time_rounds,
    write_gzip_inputs,
)
from fer.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vpc_flow_logs" / "rules.toml"
DATA = ROOT / "tests" / "data" / "vpc"


# ---- corpora


def test_corpora_are_deterministic_and_shaped_as_documented() -> None:
    assert flow_records(50) == flow_records(50)
    assert flow_records(50, seed=1) != flow_records(50, seed=2)
    mixed = mixed_corpus(3000)
    wrapped = sum(line.startswith("{") for line in mixed) / len(mixed)
    nodata = sum(line.endswith("NODATA") or 'NODATA"' in line for line in mixed) / len(mixed)
    assert 0.28 < wrapped < 0.39 and 0.07 < nodata < 0.13
    pipeline = fer.compile(next(iter(fer.load_rules(EXAMPLE))).expression)
    assert all(pipeline.apply(line) is not None for line in mixed)
    headers = [line for line in engine_corpus(1000, object_records=250) if line.startswith("version")]
    assert len(headers) == 4


def test_gzip_inputs_are_byte_identical(tmp_path: Path) -> None:
    first = write_gzip_inputs(tmp_path / "a", 2, 10)
    second = write_gzip_inputs(tmp_path / "b", 2, 10)
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_time_rounds_reports_median_and_spread() -> None:
    timing = time_rounds(lambda: sum(range(1000)), count=1000, rounds=3)
    assert len(timing.rounds) == 3 and timing.median_us > 0 and timing.per_second > 0
    assert timing.fastest_us <= timing.median_us <= timing.slowest_us
    with pytest.raises(ValueError):
        time_rounds(lambda: None, 1, rounds=0)


def test_bench_rules_times_each_rule_on_its_scope() -> None:
    result = bench_rules(fer.load_rules(EXAMPLE), mixed_corpus(300), rounds=1)
    names = [rule.name for rule in result.rules]
    assert names == ["VPCFlowLogFER", "VPCFlowLogEnrichment"]
    seed, enrichment = result.rules
    assert seed.in_scope == seed.matched == 300 and seed.timing is not None
    assert enrichment.in_scope == 0 and enrichment.timing is None  # no "vpc-id" in this corpus
    assert result.reading is None and result.engine.count == 300


# ---- fer bench


def test_fer_bench_on_generated_records(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", str(EXAMPLE), "--records", "400", "--rounds", "2"]) == 0
    out = capsys.readouterr().out
    assert "generated VPC flow records" in out
    assert "engine (all rules)" in out and "rule VPCFlowLogFER" in out and "µs/msg" in out


def test_fer_bench_on_the_example_data_json_and_compare(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", str(EXAMPLE), str(DATA / "default-v2.log"), "--rounds", "2", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["messages"] == 7
    assert document["reading"]["median_us"] > 0 and document["engine"]["rounds"] == 2
    seed = document["rules"][0]
    assert seed["name"] == "VPCFlowLogFER" and seed["in_scope"] == 7 and seed["matched"] == 7
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(document))

    assert main(["bench", str(EXAMPLE), str(DATA / "default-v2.log"), "--rounds", "1",
                 "--compare", str(previous)]) == 0
    out = capsys.readouterr().out
    assert "change against the earlier run" in out and "rule VPCFlowLogFER" in out and "%" in out

    assert main(["bench", str(EXAMPLE), str(DATA / "default-v2.log"), "--rounds", "1", "--json",
                 "--compare", str(previous)]) == 0
    rows = json.loads(capsys.readouterr().out)["compare"]
    assert [row["what"] for row in rows][:2] == ["reading", "engine"]


def test_compare_results_marks_faster_as_negative() -> None:
    before = {"engine": {"median_us": 10.0}, "rules": [{"name": "r", "timing": {"median_us": 4.0}}]}
    now = {"engine": {"median_us": 5.0}, "rules": [{"name": "r", "timing": {"median_us": 5.0}},
                                                   {"name": "new", "timing": None}]}
    rows = {row["what"]: row["change"] for row in compare_results(now, before)}
    assert rows == {"engine": "-50.0 %", "rule r": "+25.0 %", "rule new": "-"}


def test_fer_bench_on_a_users_rule_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nname = "users"\nscope = "login"\nparse = \'parse "user=* " as user\'\n')
    sample = tmp_path / "sample.log"
    sample.write_text("login user=alice ok\nlogout user=bob ok\nlogin nobody\n")
    assert main(["bench", str(rules), str(sample), "--rounds", "2"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("rule users"))
    assert row.split()[2:4] == ["2", "1"]  # in scope, matched


def test_fer_bench_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", str(tmp_path / "missing.toml")]) == 2
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert main(["bench", str(EXAMPLE), "--compare", str(bad)]) == 2
    assert main(["bench", str(EXAMPLE), "--rounds", "0"]) == 2
    empty = tmp_path / "empty.log"
    empty.write_text("")
    assert main(["bench", str(EXAMPLE), str(empty)]) == 1
    capsys.readouterr()


# ---- fer run --workers


def test_run_with_workers_writes_what_one_process_writes(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    inputs = [str(p) for p in write_gzip_inputs(tmp_path / "s3", 3, 200)]
    one, two = tmp_path / "one.ndjson", tmp_path / "two.ndjson"
    assert main(["run", "--rules", str(EXAMPLE), "-o", str(one), *inputs]) == 0
    summary_one = capsys.readouterr().err
    assert main(["run", "--rules", str(EXAMPLE), "--workers", "2", "-o", str(two), *inputs]) == 0
    summary_two = capsys.readouterr().err
    assert one.read_bytes() == two.read_bytes() and one.stat().st_size > 0
    assert summary_one == summary_two and "excluded" in summary_two
    assert main(["run", "--rules", str(EXAMPLE), "--workers", "0", *inputs]) == 2


def test_run_with_workers_reports_damaged_inputs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write_gzip_inputs(tmp_path / "s3", 1, 50)[0]
    damaged = tmp_path / "damaged.log.gz"
    damaged.write_bytes(good.read_bytes()[:-20])
    out = tmp_path / "out.ndjson"
    assert main(["run", "--rules", str(EXAMPLE), "--workers", "2", "-o", str(out),
                 str(good), str(damaged)]) == 1
    assert "damaged.log.gz" in capsys.readouterr().err


# ---- streaming memory, scaled down (docs/performance.md has the 1 GB figure)


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmHWM from /proc (Linux)")
def test_run_streams_in_bounded_memory(tmp_path: Path) -> None:
    sample = tmp_path / "big.log"
    lines = "\n".join(mixed_corpus(20_000)) + "\n"
    sample.write_text(lines * 8, encoding="utf-8")  # ~21 MB: far more than the resident size allowed
    code = (
        "import sys\n"
        "from fer.cli import main\n"
        f"status = main(['run', '--quiet', '--rules', {str(EXAMPLE)!r}, '-o', '/dev/null', {str(sample)!r}])\n"
        # VmHWM, not getrusage's ru_maxrss: Linux carries the parent's peak across fork + exec
        # into ru_maxrss, so under a big pytest process it would report pytest's size.
        "print(next(l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')))\n"
        "sys.exit(status)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak_mb = int(done.stdout.split()[-1]) / 1024  # VmHWM is in kB
    assert sample.stat().st_size > 20 * 2**20
    assert peak_mb < 120, peak_mb
