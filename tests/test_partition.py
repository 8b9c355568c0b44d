"""fer.partition: rules as text, one file per unit of work, and `run_parallel` on local processes.

The reference everywhere is what one process gives: `fer run` itself (its NDJSON output) or
`Engine.process` over `fer.inputs.iter_messages`, the loop `fer run` runs.
"""

from __future__ import annotations

import gzip
import importlib.util
import json
import pickle
from pathlib import Path

import pytest

import fer
from fer.cli import main
from fer.engine import Engine, EngineStats
from fer.errors import FerRuleError
from fer.inputs import InputStats, iter_messages
from fer.partition import (
    FileResult,
    RulesText,
    as_rules_text,
    dump_rules,
    load_rules_text,
    merge_stats,
    process_file,
    run_parallel,
)
from fer.rules import Rule, RuleSet

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "vpc_flow_logs" / "rules.toml"
EXAMPLE_JSON = ROOT / "examples" / "vpc_flow_logs" / "rules.sumo.json"
DEFAULT_LOG = ROOT / "tests" / "data" / "vpc" / "default-v2.log"


def _load_example(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "examples" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


write_corpus = _load_example("scale_out").write_corpus


def single_process(inputs, rules=EXAMPLE, **engine_options):
    """`fer run`'s loop: records, statistics (decode problems included) and problems."""
    engine = Engine(fer.load_rules(rules), **engine_options)
    counters = InputStats()
    records = list(engine.process(iter_messages([str(item) for item in inputs], stats=counters)))
    engine.stats.decode_errors += counters.decode_errors
    return records, engine.stats, counters.problems


def same_rules(first: RuleSet, second: RuleSet) -> None:
    assert [(r.name, r.scope, r.expression, r.enabled) for r in first] == [
        (r.name, r.scope, r.expression, r.enabled) for r in second
    ]
    assert first.source == second.source


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """8 gzip files × 300 records in the S3 layout, plus a loose plain file and damaged inputs."""
    top = write_corpus(tmp_path_factory.mktemp("corpus") / "s3", files=8, records=300)
    extra = top.parent
    (extra / "loose.log").write_bytes(DEFAULT_LOG.read_bytes() + b"bad utf-8 \xff\xfe 1418530010 1418530070\n")
    whole = gzip.compress(DEFAULT_LOG.read_bytes() * 20, mtime=0)
    (extra / "cut.log.gz").write_bytes(whole[: len(whole) // 2])
    return top


# ---- rules as text


def tricky_ruleset() -> RuleSet:
    return RuleSet.from_rules(
        [
            Rule("quotes \"and\" \\ back", 'source="a\\b" and "x"', 'parse "a=\\"*\\"" as a\n| where a != "\t"'),
            Rule("unicode ünï 🚀", "", 'parse regex "(?<word>é+)"', enabled=False),
        ],
        {
            "category": "cat\x7fdel", "host": "h", "name": "n",
            "timestamp": {"format": "yyyy-MM-dd HH:mm:ss", "timezone": "Europe/Paris"},
            "processing_rule": [
                {"name": "mask it", "type": "mask", "regex": "secret=(\\w+)", "mask": "*"},
                {"name": "hash it", "type": "hash", "regex": "user=(\\w+)", "algorithm": "sha256"},
                {"name": "keep", "type": "include", "regex": ".*"},
            ],
        },
    )


@pytest.mark.parametrize("make", [lambda: fer.load_rules(EXAMPLE), lambda: fer.load_rules(EXAMPLE_JSON),
                                  tricky_ruleset], ids=["toml", "sumo-json", "tricky"])
def test_dump_rules_reloads_to_the_same_rules(make) -> None:
    rules = make()
    text = dump_rules(rules)
    same_rules(load_rules_text(RulesText(text, "toml")), rules)
    assert dump_rules(load_rules_text(text)) == text  # canonical: a fixed point


def test_as_rules_text_accepts_paths_text_and_rule_sets(tmp_path) -> None:
    from_path = as_rules_text(EXAMPLE)
    assert from_path.format == "toml" and from_path.name == str(EXAMPLE)
    assert from_path.text == EXAMPLE.read_text()
    assert as_rules_text(str(EXAMPLE_JSON)).format == "json"
    from_text = as_rules_text(EXAMPLE_JSON.read_text())
    assert from_text.format == "auto"
    same_rules(from_text.load(), fer.load_rules(EXAMPLE_JSON))
    same_rules(as_rules_text(fer.load_rules(EXAMPLE)).load(), fer.load_rules(EXAMPLE))
    assert pickle.loads(pickle.dumps(from_path)) == from_path
    with pytest.raises(TypeError):
        as_rules_text(42)  # type: ignore[arg-type]


def test_bad_rules_fail_in_the_caller_with_their_own_name(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "r"\nparse = \'parse "x" as\'\n')
    with pytest.raises(FerRuleError) as caught:
        as_rules_text(bad)
    assert caught.value.path == str(bad) and caught.value.rule == "r"
    assert f"{bad}:3:" in str(caught.value) and "fer-rules-" not in str(caught.value)
    with pytest.raises(FerRuleError) as caught:
        as_rules_text(bad.read_text())
    assert caught.value.path == "<rules>" and "fer-rules-" not in str(caught.value)
    for missing in (tmp_path / "missing.toml", str(tmp_path / "missing.toml")):
        with pytest.raises(FerRuleError, match="cannot read rule file"):
            as_rules_text(missing)


def test_rules_compile_once_per_process() -> None:
    text = as_rules_text(EXAMPLE)
    assert load_rules_text(text) is load_rules_text(RulesText(text.text, text.format, text.name))


# ---- one file


def test_process_file_writes_what_fer_run_writes(corpus, tmp_path, capsys) -> None:
    output = tmp_path / "run.ndjson"
    assert main(["run", "--rules", str(EXAMPLE), "--quiet", "--output", str(output), str(corpus)]) == 0
    written = [json.loads(line) for line in output.read_text().splitlines()]
    rules = as_rules_text(EXAMPLE)
    files = sorted(corpus.rglob("*.gz"))
    mine = [
        record
        for path in files
        for record in process_file(path, rules, source_name=path.relative_to(corpus).as_posix()).records
    ]
    assert len(mine) == len(written) == 8 * 300
    assert mine == written
    assert mine[0]["_sourceName"].startswith("AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/05/06/")


def test_process_file_statistics_and_keywords(corpus) -> None:
    loose = corpus.parent / "loose.log"
    result = process_file(loose, EXAMPLE, category="override", host="h", name="n")
    records, stats, problems = single_process([loose], category="override", host="h", name="n")
    assert result.records == records and result.stats == stats and result.problems == problems == []
    assert stats.decode_errors == 1 and records[0]["_sourceHost"] == "h"
    assert result.path == str(loose) and result.source_name is None and not result.damaged


def test_damaged_input_is_reported_not_raised(corpus, tmp_path) -> None:
    cut = corpus.parent / "cut.log.gz"
    result = process_file(cut, as_rules_text(EXAMPLE))
    records, stats, problems = single_process([cut])
    assert result.records == records and 0 < len(records) < 20 * 10
    assert result.stats == stats
    assert result.problems == problems and result.damaged
    assert "truncated" in result.problems[0][1]
    missing = process_file(tmp_path / "missing.log", as_rules_text(EXAMPLE))
    assert missing.records == [] and "cannot read" in missing.problems[0][1]
    with pytest.raises(ValueError, match="input format"):
        process_file(cut, as_rules_text(EXAMPLE), input_format="xml")


def test_fsspec_urls_read_the_same(corpus) -> None:
    fsspec = pytest.importorskip("fsspec")
    path = sorted(corpus.rglob("*.gz"))[3]
    memory = fsspec.filesystem("memory")
    memory.pipe("/fer-test/object.log.gz", path.read_bytes())
    rules = as_rules_text(EXAMPLE)
    local = process_file(path, rules, source_name="name")
    for url in ("memory://fer-test/object.log.gz", path.as_uri()):
        remote = process_file(url, rules, source_name="name")
        assert remote.records == local.records and remote.stats == local.stats
        assert remote.problems == []
    gone = process_file("memory://fer-test/none.log", rules)
    assert gone.records == [] and gone.problems[0][0] == "memory://fer-test/none.log"


def test_file_results_pickle() -> None:
    result = process_file(DEFAULT_LOG, as_rules_text(EXAMPLE))
    copy = pickle.loads(pickle.dumps(result))
    assert isinstance(copy, FileResult) and copy.records == result.records and copy.stats == result.stats


# ---- many files on local processes


@pytest.mark.parametrize("workers", [1, 2])
def test_run_parallel_equals_one_engine(corpus, workers) -> None:
    inputs = [corpus, corpus.parent / "loose.log", corpus.parent / "cut.log.gz",
              corpus.parent / "missing.log", DEFAULT_LOG]
    heard: list[tuple[str, str]] = []
    results = list(run_parallel(inputs, fer.load_rules(EXAMPLE), workers,
                                on_problem=lambda *problem: heard.append(problem)))
    records, stats, problems = single_process(inputs)
    assert [record for result in results for record in result.records] == records
    assert merge_stats(results) == stats
    assert merge_stats(results).to_dict()["rules"].keys() == stats.to_dict()["rules"].keys()
    assert heard == problems and len(problems) == 2
    assert [result.path for result in results][-4:] == [str(path) for path in inputs[1:]]


def test_run_parallel_checks_its_arguments(corpus) -> None:
    with pytest.raises(ValueError, match="workers"):
        list(run_parallel([corpus], EXAMPLE, 0))
    with pytest.raises(ValueError, match="input format"):
        list(run_parallel([corpus], EXAMPLE, 2, input_format="xml"))
    with pytest.raises(FerRuleError):
        list(run_parallel([corpus], "[[rule]]\nname = 1\n", 2))


def test_merge_stats_sums() -> None:
    one = EngineStats.from_dict({"messages_in": 2, "rules": {"a": {"in_scope": 1, "matched": 1, "failed": 0}}})
    two = EngineStats.from_dict({"messages_in": 3, "rules": {"a": {"in_scope": 2, "matched": 0, "failed": 2}}})
    total = merge_stats([one, two])
    assert total.messages_in == 5 and total.rules["a"].to_dict() == {"in_scope": 3, "matched": 1, "failed": 2}
    assert one.messages_in == 2  # inputs untouched
