"""fer.dask on a real two-process LocalCluster: the records, statistics and problems of one process,
a worker killed mid-run, DataFrame/NDJSON/Parquet output.

One cluster for the module (start-up is the slow part); its logs are silenced, except that a killed
worker makes the nanny say so, which is expected.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

dask = pytest.importorskip("dask")
distributed = pytest.importorskip("distributed")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

import dask.bag as db  # noqa: E402 - after the skips

import fer  # noqa: E402
import fer.dask as fd  # noqa: E402
from fer.engine import Engine  # noqa: E402
from fer.errors import FerRuleError  # noqa: E402
from fer.inputs import InputStats, iter_messages  # noqa: E402

from test_partition import EXAMPLE, write_corpus  # noqa: E402 - tests/ is on sys.path (conftest)

ROOT = Path(__file__).resolve().parent.parent
GENERATOR = ROOT / "examples" / "vpc_flow_logs" / "generate_sample.py"


def single_process(inputs):
    """`fer run`'s loop in this process: the reference for everything below."""
    engine = Engine(fer.load_rules(EXAMPLE))
    counters = InputStats()
    records = list(engine.process(iter_messages([str(item) for item in inputs], stats=counters)))
    engine.stats.decode_errors += counters.decode_errors
    return records, engine.stats, counters.problems


def canonical(record: dict) -> str:
    return json.dumps(record, sort_keys=True)


def by_file(records: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for record in records:
        grouped.setdefault(record.get("_sourceName", ""), []).append(record)
    return grouped


_COUNTS: dict[int, tuple[list[dict], Counter]] = {}


def multiset(records: list[dict]) -> Counter:
    # The references are compared several times: count them once (the list is kept alive with it).
    cached = _COUNTS.get(id(records))
    if cached is None or cached[0] is not records:
        cached = _COUNTS[id(records)] = (records, Counter(map(canonical, records)))
    return cached[1]


def assert_same_records(got: list[dict], expected: list[dict]) -> None:
    assert len(got) == len(expected)
    assert Counter(map(canonical, got)) == multiset(expected)  # nothing lost or doubled
    assert by_file(got) == by_file(expected)  # in order within each file
    assert got == expected  # and, one partition per file in input order, in order overall


# ---- fixtures


@pytest.fixture(scope="module")
def client():
    from distributed import Client, LocalCluster

    # A worker that dies takes its tasks with it; Dask reruns them unless they were on this many
    # dying workers already (the default is 3; say so rather than rely on it).
    with dask.config.set({"distributed.scheduler.allowed-failures": 3,
                          "distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0",
                               silence_logs=logging.CRITICAL)
        with Client(cluster) as client:
            yield client
        cluster.close()


@pytest.fixture(scope="module")
def example_tree(tmp_path_factory) -> Path:
    """The example's S3 export (a day of it: ~270 small gzip objects with S3 header lines)."""
    out = tmp_path_factory.mktemp("example")
    if GENERATOR.exists():
        subprocess.run([sys.executable, str(GENERATOR), str(out), "--records", "1000", "--days", "1"],
                       check=True, capture_output=True, cwd=ROOT)
        return out
    return write_corpus(out / "s3", files=30, records=30).parent  # the generator is the example's own


@pytest.fixture(scope="module")
def big_tree(tmp_path_factory) -> Path:
    """40 gzip files × 2,000 records, plus one truncated object (damaged input)."""
    top = write_corpus(tmp_path_factory.mktemp("big") / "s3", files=40, records=2000)
    whole = next(top.rglob("*.gz")).read_bytes()
    damaged = top / "AWSLogs" / "zz-damaged.log.gz"
    damaged.write_bytes(gzip.compress(gzip.decompress(whole), mtime=0)[: len(whole) // 3])
    return top


@pytest.fixture(scope="module")
def big_reference(big_tree):
    return single_process([big_tree])


@pytest.fixture(scope="module")
def big_result(client, big_tree):
    result = fd.read_records_with_stats(big_tree, EXAMPLE)
    return result, result.compute()


# ---- records and statistics


def test_example_tree_gives_the_single_process_records(client, example_tree) -> None:
    s3 = example_tree / "s3"
    expected, stats, problems = single_process([s3])
    result = fd.read_records_with_stats(s3, EXAMPLE)
    assert result.bag.npartitions == len(result.files) == sum(1 for _ in s3.rglob("*.gz"))
    records, got_stats, got_problems = result.compute()
    assert_same_records(records, expected)
    assert got_stats == stats and got_stats.excluded == len(result.files)  # one header line each
    assert got_problems == problems == []


def test_cloudwatch_payloads_through_a_glob(client, example_tree) -> None:
    pattern = str(example_tree / "cloudwatch" / "eni-0a1b2c3d4e5f6000[12]_*.json")
    files = sorted(example_tree.joinpath("cloudwatch").glob("eni-0a1b2c3d4e5f6000[12]_*.json"))
    expected, stats, _ = single_process(files)
    result = fd.read_records_with_stats([pattern, example_tree / "cloudwatch" / "control-message.json"],
                                        fer.load_rules(EXAMPLE))
    assert [spec.path for spec in result.files][:-1] == [str(path) for path in files]
    records, got_stats, problems = result.compute()
    assert_same_records(records, expected)
    assert got_stats == stats and problems == []
    assert records[0]["_sourceName"].startswith("eni-0a1b2c3d4e5f60001")  # the log stream


def test_large_corpus_records_statistics_and_problems(big_reference, big_result) -> None:
    expected, stats, problems = big_reference
    result, (records, got_stats, got_problems) = big_result
    assert len(result.files) == 41 and result.bag.npartitions == 41
    assert_same_records(records, expected)
    assert got_stats == stats and got_stats.to_dict() == stats.to_dict()
    assert stats.records_out > 80_000 and stats.rules["VPCFlowLogEnrichment"].matched > 0
    assert got_problems == problems and len(problems) == 1 and "truncated" in problems[0][1]


def test_read_records_is_a_bag_and_takes_urls_and_rule_text(client, big_tree) -> None:
    day = big_tree / "AWSLogs" / "123456789010" / "vpcflowlogs" / "us-east-1" / "2024" / "05" / "07"
    bag = fd.read_records(day.as_uri() + "/*.gz", EXAMPLE.read_text())
    assert isinstance(bag, db.Bag) and bag.npartitions == 13
    assert_same_records(bag.compute(), single_process(sorted(day.glob("*.gz")))[0])


def _kill_first_worker_to_get_here(records: list[dict], marker: str, victim: str) -> list[dict]:
    """Kill this worker process when it reaches the victim file, the first time only."""
    if records and records[0].get("_sourceName") == victim:
        try:
            os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return records
        os._exit(1)  # no clean-up, no goodbye to the scheduler: as a crash or an OOM kill does
    return records


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(client, big_tree, big_reference, tmp_path) -> None:
    expected, stats, _ = big_reference
    result = fd.read_records_with_stats(big_tree, EXAMPLE)
    marker = tmp_path / "killed"
    victim = result.files[20].source_name  # half-way: both workers hold finished partitions by then
    bag = result.bag.map_partitions(_kill_first_worker_to_get_here, str(marker), victim)
    records, got_stats = dask.compute(bag, result.stats)
    assert marker.exists()  # a worker did die
    assert_same_records(records, expected)
    assert got_stats == stats
    client.wait_for_workers(2, timeout=60)  # the nanny restarted it, for the tests after this one


# ---- output


FIELDS = ["_sourceName", "src_ip", "BYTES", "action", "direction", "nowhere"]


def test_to_dataframe_columns_and_values(big_reference, big_result) -> None:
    expected = big_reference[0]
    result, _ = big_result
    frame = fd.to_dataframe(result.bag, FIELDS)
    assert list(frame.columns) == [*FIELDS, "_messagetime"]
    local = frame.compute()
    assert all(str(local[column].dtype) == "string" for column in FIELDS)
    assert str(local["_messagetime"].dtype) == "Int64"
    assert len(local) == len(expected)
    assert local["src_ip"].tolist()[:3] == [record.get("src_ip") for record in expected[:3]]
    # "BYTES" finds `bytes` (names fold case); a field a record lacks is null, never "".
    assert local["BYTES"].tolist() == [record.get("bytes", pd.NA) for record in expected]
    assert local["direction"].isna().sum() == sum("direction" not in record for record in expected)
    assert local["nowhere"].isna().all()
    assert local["_messagetime"].tolist() == [record["_messagetime"] for record in expected]

    default = fd.to_dataframe(result, messagetime=False)
    assert list(default.columns) == list(result.fields)
    assert result.fields[:2] == ("interfaceid", "src_ip") and "vpc_id" in result.fields
    with pytest.raises(TypeError, match="fields"):
        fd.to_dataframe(result.bag)


def test_ndjson_round_trip(big_reference, big_result, tmp_path) -> None:
    expected = big_reference[0]
    result, _ = big_result
    paths = fd.write_ndjson(result, tmp_path / "out")
    assert len(paths) == 41 and Path(paths[0]).name == "part-00000.ndjson"
    lines = [line for path in paths for line in Path(path).read_text("utf-8").splitlines()]
    assert [json.loads(line) for line in lines] == expected


def test_parquet_round_trip(big_reference, big_result, tmp_path) -> None:
    import dask.dataframe as dd

    result, _ = big_result
    paths = fd.write_parquet(result, tmp_path / "records", fields=FIELDS)
    assert len(paths) == 41 and Path(paths[-1]).name == "part-00040.parquet"
    back = dd.read_parquet(tmp_path / "records").compute().reset_index(drop=True)
    assert len(back) == len(big_reference[0])
    for field in ("_sourceName", "src_ip", "direction"):
        assert back[field].tolist() == [record.get(field, pd.NA) for record in big_reference[0]]
    assert back["BYTES"].tolist() == [record.get("bytes", pd.NA) for record in big_reference[0]]
    assert back["nowhere"].isna().all()
    assert back["_messagetime"].tolist() == [record["_messagetime"] for record in big_reference[0]]
    assert list(back.columns) == [*FIELDS, "_messagetime"]
    assert str(back["src_ip"].dtype).startswith("string") and str(back["_messagetime"].dtype) == "Int64"


# ---- without the cluster


def test_bad_rules_fail_before_anything_runs(tmp_path) -> None:
    with pytest.raises(FerRuleError):
        fd.read_records(tmp_path, '[[rule]]\nname = "r"\nparse = "parse"\n')
    with pytest.raises(ValueError, match="input format"):
        fd.read_records(tmp_path, EXAMPLE, input_format="xml")
    with pytest.raises(ValueError, match="standard input"):
        fd.read_records("-", EXAMPLE)


def test_list_files_walks_urls_in_fer_run_order(tmp_path) -> None:
    fsspec = pytest.importorskip("fsspec")
    names = ["b.log", "a/z.log", "a/b/c.log", "a/a.log", ".hidden/x.log", "a/.x.log", "c/d.log"]
    memory = fsspec.filesystem("memory")
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x\n")
        memory.pipe(f"/fer-walk/{name}", b"x\n")
    local = fd.list_files(tmp_path)
    remote = fd.list_files("memory://fer-walk/")
    assert [spec.source_name for spec in remote] == [spec.source_name for spec in local] == [
        "b.log", "a/a.log", "a/z.log", "a/b/c.log", "c/d.log"]
    # fsspec's own spelling of the URL (the memory filesystem roots its paths at "/").
    assert remote[0].path.replace(":///", "://") == "memory://fer-walk/b.log"
    assert [spec.path.replace(":///", "://") for spec in fd.list_files("memory://fer-walk/a/*.log")] == [
        "memory://fer-walk/a/a.log", "memory://fer-walk/a/z.log"]
    assert [spec.source_name for spec in fd.list_files(tmp_path / "a" / "*.log")] == [None, None]


def test_no_input_files_and_the_local_scheduler(tmp_path) -> None:
    result = fd.read_records_with_stats(tmp_path, EXAMPLE)  # an empty directory
    records, stats, problems = dask.compute(result.bag, result.stats, result.problems, scheduler="sync")
    assert records == [] and problems == []
    assert stats == single_process([tmp_path])[1]  # every rule listed, with zero counts
    assert list(fd.to_dataframe(result).compute(scheduler="sync").columns)[-1] == "_messagetime"


def test_outputs_and_statistics_read_each_file_once(tmp_path, monkeypatch) -> None:
    top = write_corpus(tmp_path / "s3", files=3, records=50)
    opened: list[str] = []
    real = fd.process_file

    def counting(path, *args, **kwargs):
        opened.append(path)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(fd, "process_file", counting)  # the sync scheduler runs tasks right here
    result = fd.read_records_with_stats(top, EXAMPLE)
    for outputs in ((result.bag, result.problems),
                    (fd.write_ndjson(result, tmp_path / "json", compute=False),),
                    (fd.write_parquet(result, tmp_path / "parquet", compute=False),)):
        opened.clear()
        *_, stats = dask.compute(*outputs, result.stats, scheduler="sync")
        assert sorted(opened) == sorted(spec.path for spec in result.files)
        assert stats.records_out == 150
    assert len(list((tmp_path / "json").iterdir())) == len(list((tmp_path / "parquet").iterdir())) == 3
    with dask.config.set(scheduler="sync"):
        fields_only = fd.write_ndjson(result.bag, tmp_path / "fields", fields_only=True)
    first = json.loads(Path(fields_only[0]).read_text().splitlines()[0])
    assert "_raw" not in first and first["src_ip"] and "_sourceName" in first


def test_write_parquet_takes_a_dataframe(tmp_path) -> None:
    result = fd.read_records_with_stats(write_corpus(tmp_path / "s3", files=2, records=20), EXAMPLE)
    frame = fd.to_dataframe(result, ["src_ip"], messagetime=False)
    with dask.config.set(scheduler="sync"):
        fd.write_parquet(frame, tmp_path / "frame")
        back = pd.read_parquet(tmp_path / "frame")
    assert back["src_ip"].tolist() == frame["src_ip"].compute().tolist() and len(back) == 40
