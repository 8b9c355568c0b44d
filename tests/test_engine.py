"""fer.engine: ingest-time semantics (language.md §5-7) and statistics."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

import fer
from fer.engine import MAX_RULE_BYTES, MAX_VALUE_CHARS, Engine, EngineStats, RuleStats
from fer.rules import Rule, RuleSet

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vpc_flow_logs" / "rules.toml"
DATA = ROOT / "tests" / "data" / "vpc"
LINES = (DATA / "default-v2.log").read_text().splitlines()
HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
          "start end action log-status")


def engine_of(*rules: Rule, source=None, **kwargs) -> Engine:
    return Engine(RuleSet.from_rules(rules, source), **kwargs)


def r(name: str, expression: str, scope: str = "", enabled: bool = True) -> Rule:
    return Rule(name, scope, expression, enabled)


# ---- the VPC example end to end


def test_vpc_example_records():
    engine = Engine(fer.load_rules(EXAMPLE))
    records = list(engine.process([HEADER, *LINES]))
    assert len(records) == 7
    first = records[0]
    assert list(first)[:3] == ["_raw", "_sourceCategory", "_messagetime"]
    assert first == {
        "_raw": LINES[0],
        "_sourceCategory": "aws/vpc/flowlogs",
        "_messagetime": 1418530010000,
        "interfaceid": "eni-1235b8ca123456789",
        "src_ip": "172.31.16.139",
        "dest_ip": "172.31.16.21",
        "src_port": "20641",
        "dest_port": "22",
        "protocol": "6",
        "packets": "20",
        "bytes": "4249",
        "action": "ACCEPT",
        "status": "OK",
    }
    assert records[2]["status"] == "NODATA" and records[2]["_messagetime"] == 1431280876000
    assert records[6]["src_ip"] == "2001:db8:1234:a100:8d6e:3477:df66:f105"
    stats = engine.stats
    assert (stats.messages_in, stats.records_out, stats.excluded) == (8, 7, 1)
    assert stats.rules["VPCFlowLogFER"].to_dict() == {"in_scope": 7, "matched": 7, "failed": 0}
    assert stats.rules["VPCFlowLogEnrichment"].to_dict() == {"in_scope": 0, "matched": 0, "failed": 0}


def test_vpc_enriched_json_record_gets_both_rules():
    engine = Engine(EXAMPLE)
    message = ('{"message":"' + LINES[0] + '","security-group-ids":["sg-1","sg-2"],"direction":"inbound",'
               '"subnet-id":"subnet-1","vpc-id":"vpc-1","aws-region":"us-east-1"}')
    (record,) = engine.process([message])
    assert record["src_ip"] == "172.31.16.139" and record["vpc_id"] == "vpc-1"
    assert record["security_grp_ids"] == '["sg-1","sg-2"]' and record["direction"] == "inbound"
    assert record["_messagetime"] == 1418530010000


# ---- rules: all or nothing, first wins, collisions


def test_a_rule_that_drops_contributes_nothing_and_the_message_is_kept():
    engine = engine_of(r("Both", 'parse "a=*," as a | parse "b=*," as b'), r("Other", 'parse "c=*," as c'))
    records = list(engine.process(["a=1, c=3,", "a=1, b=2,", "nothing here"]))
    assert records == [
        {"_raw": "a=1, c=3,", "c": "3"},
        {"_raw": "a=1, b=2,", "a": "1", "b": "2"},
        {"_raw": "nothing here"},
    ]
    assert engine.stats.rules["Both"].to_dict() == {"in_scope": 3, "matched": 1, "failed": 2}
    assert engine.stats.rules["Other"].to_dict() == {"in_scope": 3, "matched": 1, "failed": 2}


def test_first_listed_rule_wins_a_field_case_insensitively():
    engine = engine_of(
        r("First", 'parse "user=*," as User'),
        r("Second", 'parse "user=*," as user, "id=*," as id'),
        r("Third", '"constant" as USER'),
    )
    (record,) = engine.process(["user=ann, id=7,"])
    assert record == {"_raw": "user=ann, id=7,", "User": "ann", "id": "7"}
    # A rule that did not match leaves the field to the next one.
    (record,) = engine.process(["id=8,"])
    assert record == {"_raw": "id=8,", "USER": "constant"}


def test_field_colliding_with_input_metadata_is_dropped():
    engine = engine_of(r("R", 'parse "env=*," as env, "x=*," as x'), source={"category": "c"})
    (record,) = engine.process([{"_raw": "env=from-raw, x=1,", "Env": "meta"}])
    assert record == {"_raw": "env=from-raw, x=1,", "Env": "meta", "_sourceCategory": "c", "x": "1"}


def test_disabled_rules_do_not_run():
    engine = engine_of(r("Off", 'parse "a=*" as a', enabled=False), r("On", 'parse "b=*" as b'))
    assert list(engine.process(["a=1 b=2"])) == [{"_raw": "a=1 b=2", "b": "2"}]
    assert engine.stats.rules["Off"].in_scope == 0


def test_scopes_select_rules_with_metadata_in_any_spelling():
    engine = engine_of(
        r("Web", 'parse "u=*" as u', scope="_sourceCategory=web/*"),
        r("Errors", 'parse "code=*" as code', scope="error"),
        category="db/main",
    )
    records = list(engine.process([
        "u=1 code=2",
        {"_raw": "u=1 code=2", "_SOURCECATEGORY": "Web/Prod"},
        "ERROR u=1 code=5",
    ]))
    assert records[0] == {"_raw": "u=1 code=2", "_sourceCategory": "db/main"}
    assert records[1] == {"_raw": "u=1 code=2", "_SOURCECATEGORY": "Web/Prod", "u": "1 code=2"}
    assert records[2]["code"] == "5" and "u" not in records[2]
    assert engine.stats.rules["Web"].in_scope == 1


# ---- limits


def test_long_values_are_cut_to_16384_characters():
    engine = engine_of(r("R", 'parse "v=*" as v'))
    (record,) = engine.process(["v=" + "x" * 100_000])
    assert len(record["v"]) == MAX_VALUE_CHARS and engine.stats.rules["R"].matched == 1


def test_a_rule_over_64_kib_contributes_nothing_and_counts_as_failed():
    names = ", ".join(f"f{i}" for i in range(5))
    pattern = " ".join("*" for _ in range(5))
    engine = engine_of(r("Big", f'parse "{pattern}" as {names}'), r("Small", 'parse "*" as whole'))
    value = "x" * MAX_VALUE_CHARS
    four = " ".join([value] * 4)
    (exact, over) = engine.process([four + " ", four + " y"])
    # 4 × 16,384 = 65,536 bytes: exactly 64 KiB is allowed.
    assert exact["f0"] == value and exact["f4"] == ""
    # One byte more: Big contributes nothing, the other rule still does.
    assert "f0" not in over and "f4" not in over
    assert len(over["whole"]) == MAX_VALUE_CHARS
    assert engine.stats.rules["Big"].to_dict() == {"in_scope": 2, "matched": 1, "failed": 1}


def test_64_kib_boundary_counts_utf8_bytes_after_the_cut():
    engine = engine_of(r("Two", 'parse "* *" as a, b'), r("Three", 'parse "* * *" as a3, b3, c3'))
    wide = "é" * 20_000  # cut to 16,384 characters = 32,768 bytes
    (record,) = engine.process([f"{wide} {wide}"])
    assert len(record["a"]) == MAX_VALUE_CHARS  # 2 × 32,768 = 65,536 bytes: allowed
    (record,) = engine.process([f"{wide} {wide} {wide}"])
    assert "a3" not in record  # 3 × 32,768 bytes > 64 KiB: Three contributes nothing
    assert engine.stats.rules["Three"].failed == 2  # the first message did not match at all
    assert engine.trace(f"{wide} {wide} {wide}").outcome("Three").outcome == "over-limit"
    assert MAX_RULE_BYTES == 65_536


# ---- order, robustness


def test_one_record_per_message_in_order():
    engine = engine_of(r("N", 'parse "n=*" as n'))
    messages = [f"n={i}" if i % 3 else "nothing" for i in range(1000)]
    records = list(engine.process(iter(messages)))
    assert [rec["_raw"] for rec in records] == messages
    assert engine.stats.records_out == 1000


@pytest.mark.parametrize(
    "message",
    ["", "\x00\x01", "{", '{"message": 3}', "\ud800", "é" * 10_000, "a\nb\r\nc", "*" * 5000],
)
def test_never_raises_for_content(message):
    engine = Engine(EXAMPLE)
    (record,) = engine.process([message])
    assert record["_raw"] == message


def test_bytes_messages_are_decoded_and_problems_counted():
    engine = engine_of(r("R", 'parse "a=*" as a'))
    records = list(engine.process([b"a=1", b"a=\xff"]))
    assert records[1] == {"_raw": "a=\ufffd", "a": "\ufffd"}
    assert engine.stats.decode_errors == 1


def test_a_message_without_raw_is_empty_not_an_error():
    (record,) = engine_of(r("R", 'parse "a=*" as a')).process([{"host": "h"}])
    assert record == {"_raw": "", "host": "h"}


def test_wrong_message_type_is_a_type_error():
    with pytest.raises(TypeError):
        list(engine_of(r("R", 'parse "a=*" as a')).process([42]))


# ---- processing rules and timestamps

SOURCE = {
    "category": "src/cat",
    "timestamp": {"format": "epoch", "locator": r"\s(\d{10,13})\s\d{10,13}"},
    "processing_rule": [
        {"name": "no debug", "type": "exclude", "regex": "DEBUG.*"},
        {"name": "hide card", "type": "mask", "regex": r"card=(\d+)", "mask": "#"},
    ],
}


def test_exclusion_is_counted_and_masking_changes_raw_before_rules():
    engine = engine_of(r("Card", 'parse "card=* " as card'), source=SOURCE, clock=lambda: 5.0)
    records = list(engine.process(["DEBUG noise", "pay card=4111 1700000000 1700000060 x"]))
    assert len(records) == 1
    assert records[0]["_raw"] == "pay card=# 1700000000 1700000060 x"
    assert records[0]["card"] == "#"
    assert records[0]["_messagetime"] == 1_700_000_000_000
    assert engine.stats.excluded == 1 and engine.stats.messages_in == 2


def test_include_rules_keep_only_matches():
    source = {"processing_rule": [{"name": "keep", "type": "include", "regex": "keep.*"}]}
    engine = engine_of(r("R", 'parse "keep *" as k'), source=source)
    assert [rec["_raw"] for rec in engine.process(["keep 1", "drop 2", "keep 3"])] == ["keep 1", "keep 3"]
    assert engine.stats.excluded == 1


def test_timestamp_precedence():
    engine = engine_of(r("R", 'parse "x=*" as x'), source=SOURCE, clock=lambda: 1234.5678)
    found, own, receipt = engine.process([
        {"_raw": "x=1 1700000000 1700000060", "_messagetime": 99},  # settings find one: it wins
        {"_raw": "x=2", "_messagetime": 42},  # nothing found: the message keeps its own
        "x=3",  # nothing found, none of its own: receipt time
    ])
    assert found["_messagetime"] == 1_700_000_000_000
    assert own["_messagetime"] == 42
    assert receipt["_messagetime"] == 1_234_567
    assert all(isinstance(rec["_messagetime"], int) for rec in (found, own, receipt))


def test_no_timestamp_settings_no_messagetime():
    engine = engine_of(r("R", 'parse "x=*" as x'))
    plain, carried = engine.process(["x=1 1700000000 1700000060", {"_raw": "x=2", "_messagetime": 7}])
    assert "_messagetime" not in plain and carried["_messagetime"] == 7


def test_rules_can_read_messagetime_and_metadata():
    engine = engine_of(r("R", "_messagetime as t | _sourcehost as h"), source=SOURCE, host="web-1")
    (record,) = engine.process(["a 1700000000 1700000060"])
    assert record["t"] == "1700000000000" and record["h"] == "web-1"


# ---- metadata precedence


def test_metadata_precedence_message_over_kwargs_over_source():
    engine = engine_of(r("R", 'parse "a=*" as a'),
                       source={"category": "file-cat", "host": "file-host", "name": "file-name"},
                       category="kw-cat", host="kw-host")
    plain, own = engine.process(["a=1", {"_raw": "a=2", "_sourcecategory": "own-cat"}])
    assert plain == {"_raw": "a=1", "_sourceCategory": "kw-cat", "_sourceHost": "kw-host",
                     "_sourceName": "file-name", "a": "1"}
    # The message's own spelling is kept, and no second spelling is added.
    assert own == {"_raw": "a=2", "_sourcecategory": "own-cat", "_sourceHost": "kw-host",
                   "_sourceName": "file-name", "a": "2"}


def test_cloudwatch_like_message_keeps_its_metadata():
    engine = Engine(EXAMPLE, category="cli/cat", name="cli-name")
    message = {"_raw": LINES[1], "_sourceName": "eni-1-all", "_sourceHost": "VPCFlowLogs",
               "_messagetime": 1418530010000}
    (record,) = engine.process([message])
    assert record["_sourceName"] == "eni-1-all" and record["_sourceHost"] == "VPCFlowLogs"
    assert record["_sourceCategory"] == "cli/cat"
    # cli/cat is not the rule's scope: no fields; the message is still emitted.
    assert "src_ip" not in record and record["_messagetime"] == 1418530010000


# ---- statistics


def test_stats_access_and_merge():
    engine = Engine(EXAMPLE)
    list(engine.process(LINES))
    stats = engine.stats
    assert stats["messages_in"] == 7 and stats["rules"]["VPCFlowLogFER"]["matched"] == 7
    as_dict = stats.to_dict()
    assert as_dict["rules"]["VPCFlowLogFER"] == {"in_scope": 7, "matched": 7, "failed": 0}
    total = EngineStats().merge(stats).merge(as_dict)
    assert total.messages_in == 14 and total.rules["VPCFlowLogFER"].matched == 14
    assert EngineStats.from_dict(as_dict) == stats
    assert RuleStats(1, 2, 3)["failed"] == 3
    with pytest.raises(KeyError):
        stats["nope"]
    assert pickle.loads(pickle.dumps(stats)) == stats


def test_engine_accepts_a_list_of_rules_or_a_path():
    assert Engine([r("A", 'parse "a=*" as a')]).process_one("a=1") == {"_raw": "a=1", "a": "1"}
    assert Engine(str(EXAMPLE)).rules.names[0] == "VPCFlowLogFER"


def test_trace_says_what_each_rule_did():
    engine = engine_of(
        r("Drops", 'parse "zzz=*" as z'),
        r("Matches", 'parse "a=*" as a'),
        r("Elsewhere", 'parse "a=*" as a2', scope="_sourceCategory=nope"),
        r("Off", 'parse "a=*" as a3', enabled=False),
    )
    trace = engine.trace("a=1")
    assert [(o.rule, o.outcome) for o in trace.rules] == [
        ("Drops", "dropped"), ("Matches", "matched"), ("Elsewhere", "out-of-scope"), ("Off", "disabled")]
    assert trace.outcome("Matches").fields == {"a": "1"}
    assert trace.record == {"_raw": "a=1", "a": "1"}
    assert engine.stats.messages_in == 0


def test_library_example_runs(capsys):
    import runpy

    runpy.run_path(str(ROOT / "examples" / "vpc_flow_logs" / "library_example.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "apply:  {'src': '172.31.16.139', 'dst': '172.31.16.21', 'action': 'ACCEPT'}" in out
    assert "'excluded': 1" in out
    assert "CloudWatch actions: {'ACCEPT': 3, 'REJECT': 2, '-': 2} problems: []" in out
