"""fer.testing: the strategies produce what they promise, fast, and their records parse back."""

from __future__ import annotations

import base64
import gzip
import ipaddress
import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fer.aws import vpc
from fer.testing import (
    FlowRecord,
    cloudwatch_payloads,
    expressions,
    flow_formats,
    flow_records,
    messages,
    s3_objects,
    vpc_json_messages,
)

ALL_FIELDS = tuple(vpc.FIELDS)
SHAPES = {
    "account-id": r"\d{12}",
    "interface-id": r"eni-(?:[0-9a-f]{8}|[0-9a-f]{17})",
    "vpc-id": r"vpc-(?:[0-9a-f]{8}|[0-9a-f]{17})",
    "subnet-id": r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})",
    "instance-id": r"-|i-(?:[0-9a-f]{8}|[0-9a-f]{17})",
    "action": r"ACCEPT|REJECT|-",
    "log-status": r"OK|NODATA|SKIPDATA",
    "tcp-flags": r"-|\d{1,2}",
    "type": r"IPv4|IPv6|EFA|-",
    "flow-direction": r"ingress|egress|-",
    "traffic-path": r"[1-8]|-",
    "az-id": r"[a-z]+\d-az\d",
    "ecs-cluster-arn": r"-|arn:aws:ecs:[a-z0-9-]+:\d{12}:cluster/[\w-]+",
    "ecs-task-arn": r"-|arn:aws:ecs:[a-z0-9-]+:\d{12}:task/[\w-]+/[0-9a-f]{32}",
    "ecs-task-id": r"-|[0-9a-f]{32}",
    "reject-reason": r"-|BPA",
    "encryption-status": r"-|[0-3]",
}
NO_FLOW_DASHES = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action")


def _split_back(record: FlowRecord) -> None:
    """A record's text is its values joined by single spaces, in format order."""
    parts = record.text.split(" ")
    assert parts == [record.values[f] for f in record.format]
    assert all(p and not any(c.isspace() for c in p) for p in parts)


def _check_values(record: FlowRecord) -> None:
    v = record.values
    for name, shape in SHAPES.items():
        if name in v:
            assert re.fullmatch(shape, v[name]), (name, v[name])
    assert v.get("log-status", record.status) == record.status
    if record.status != "OK":
        for name in NO_FLOW_DASHES:
            if name in v:
                assert v[name] == "-", name
        return
    for name in ("srcaddr", "dstaddr", "pkt-srcaddr", "pkt-dstaddr"):
        if name in v:
            ipaddress.ip_address(v[name])
    if "srcaddr" in v and "dstaddr" in v:
        assert ipaddress.ip_address(v["srcaddr"]).version == ipaddress.ip_address(v["dstaddr"]).version
    for name in ("srcport", "dstport"):
        if name in v:
            assert 0 <= int(v[name]) <= 65535
    if "protocol" in v:
        assert v["protocol"] in {"1", "6", "17", "47", "50", "58"}
        if v["protocol"] in {"1", "58"} and "srcport" in v:
            assert v["srcport"] == "0"
        if v["protocol"] != "6" and "tcp-flags" in v:
            assert v["tcp-flags"] == "0"
    if "packets" in v and "bytes" in v:
        assert int(v["bytes"]) >= 20 * int(v["packets"]) >= 20
    if "start" in v and "end" in v:
        assert int(v["start"]) <= int(v["end"]) <= int(v["start"]) + 600
        assert len(v["start"]) == 10


@given(flow_records())
def test_default_records_parse_back(record):
    assert record.format == vpc.DEFAULT_FORMAT
    assert len(record.text.split(" ")) == 14
    assert record.values["version"] == "2"
    _split_back(record)
    _check_values(record)


@given(flow_records(ALL_FIELDS))
def test_records_over_every_documented_field(record):
    _split_back(record)
    _check_values(record)
    assert record.values["version"] == str(max(f.version for f in vpc.FIELDS.values()))
    ecs = [record.values[f] for f in ALL_FIELDS if f.startswith("ecs-") and f != "ecs-second-container-id"]
    assert all(x == "-" for x in ecs) or all(x != "-" for x in ecs)  # ECS metadata comes together
    if record.values["flow-direction"] == "ingress":
        assert record.values["traffic-path"] == "-"


@given(flow_formats().flatmap(lambda fmt: flow_records(fmt)))
def test_records_of_any_custom_format(record):
    _split_back(record)
    _check_values(record)
    if "version" in record.format:
        assert record.values["version"] == str(vpc.format_version(record.format))


@pytest.mark.parametrize("status", ["NODATA", "SKIPDATA"])
@given(data=st.data())
def test_records_without_a_flow(status, data):
    record = data.draw(flow_records(status=status))
    assert record.values["log-status"] == record.status == status
    assert record.text.split(" ")[3:10] == ["-"] * 7
    assert record.values["action"] == "-"
    assert re.fullmatch(r"\d{10}", record.values["start"])


@given(flow_records(version=9, status=["OK"]))
def test_version_and_status_can_be_fixed(record):
    assert record.values["version"] == "9" and record.values["log-status"] == "OK"


def _sample(strategy, count: int = 400) -> list:
    """Examples drawn without shrinking (`find` would shrink each hit, which is slow)."""
    out: list = []

    @settings(max_examples=count, database=None, deadline=None)
    @given(strategy)
    def collect(example):
        out.append(example)

    collect()
    return out


def test_records_cover_the_interesting_cases():
    records = _sample(flow_records())
    assert any(":" in r.values["srcaddr"] for r in records)
    assert any(r.values["action"] == "REJECT" for r in records)
    assert any(r.values["protocol"] == "1" for r in records)
    assert any(r.values["protocol"] == "17" for r in records)
    assert any(r.status == "NODATA" for r in records)
    assert any(r.status == "SKIPDATA" for r in records)
    assert any(len(r.values["interface-id"]) == 12 for r in records)
    assert any(r.values["ecs-cluster-arn"] != "-" for r in _sample(flow_records(ALL_FIELDS), 200))


def test_fields_helper_and_names():
    record = FlowRecord(("srcaddr", "vpc-id"), "10.0.0.1 vpc-1",
                        {"srcaddr": "10.0.0.1", "vpc-id": "vpc-1"})
    assert record.fields() == {"src_ip": "10.0.0.1", "vpc_id": "vpc-1"}
    assert record.fields(vpc.output_name) == {"src_ip": "10.0.0.1", "vpc_id": "vpc-1"}
    assert record.fields(str) == {"srcaddr": "10.0.0.1", "vpc-id": "vpc-1"}
    assert hash(record) == hash(record.text)


def test_unknown_fields_are_rejected_early():
    with pytest.raises(ValueError):
        flow_records(["srcaddr", "nope"])
    with pytest.raises(ValueError):
        s3_objects([])


KEY_ORDER = ("message", "logStream", "logGroup", "security-group-ids", "direction", "subnet-id",
             "vpc-id", "aws-region")


@given(vpc_json_messages())
def test_vpc_json_messages_are_compact_and_ordered(message):
    doc = json.loads(message.text)
    assert doc == message.document
    assert doc["message"] == message.record.text
    assert message.text == json.dumps(doc, separators=(",", ":"), ensure_ascii=False)
    keys = list(doc)
    assert keys == [k for k in KEY_ORDER if k in doc]
    if "security-group-ids" in doc:
        assert doc["security-group-ids"] and all(re.fullmatch(r"sg-[0-9a-f]{8,17}", g)
                                                 for g in doc["security-group-ids"])
        assert {"subnet-id", "vpc-id", "aws-region"} <= set(doc)
    if "direction" in doc:
        assert doc["direction"] in {"inbound", "outbound", "internal"}
        assert message.record.status == "OK"
    if "logStream" in doc:
        assert doc["logStream"] == message.record.values["interface-id"] + "-all"


@given(vpc_json_messages(log_info=False, security_groups=False))
def test_vpc_json_messages_plain(message):
    assert list(json.loads(message.text)) == ["message"]


@given(vpc_json_messages(flow_records(vpc.parse_format("version vpc-id subnet-id srcaddr")),
                         log_info=True, security_groups=True))
def test_vpc_json_enrichment_agrees_with_the_record(message):
    doc = message.document
    assert doc["vpc-id"] == message.record.values["vpc-id"]
    assert doc["subnet-id"] == message.record.values["subnet-id"]


def _decode(payload: dict) -> dict:
    return json.loads(gzip.decompress(base64.b64decode(payload["awslogs"]["data"])))


@given(cloudwatch_payloads())
def test_cloudwatch_payloads_decode(payload):
    assert list(payload) == ["awslogs"]
    decoded = _decode(payload)
    assert decoded["messageType"] == "DATA_MESSAGE"
    assert list(decoded) == ["messageType", "owner", "logGroup", "logStream",
                             "subscriptionFilters", "logEvents"]
    assert re.fullmatch(r"\d{12}", decoded["owner"])
    assert decoded["logStream"].startswith("eni-") and decoded["logStream"].endswith("-all")
    for event in decoded["logEvents"]:
        assert re.fullmatch(r"\d{56}", event["id"])
        fields = event["message"].split(" ")
        assert len(fields) == 14
        assert event["timestamp"] == int(fields[10]) * 1000
        assert fields[1] == decoded["owner"]  # one account ...
        assert decoded["logStream"] == fields[2] + "-all"  # ... and one stream per interface
    times = [e["timestamp"] for e in decoded["logEvents"]]
    assert times == sorted(times)
    assert len({e["id"] for e in decoded["logEvents"]}) == len(decoded["logEvents"])


@given(cloudwatch_payloads(flow_records(["srcaddr", "action"]), encoded=False))
def test_cloudwatch_payloads_decoded_and_without_start(payload):
    assert payload["messageType"] == "DATA_MESSAGE"
    assert all(len(e["message"].split(" ")) == 2 for e in payload["logEvents"])


S3_KEY = re.compile(
    r"AWSLogs/(?P<a>\d{12})/vpcflowlogs/(?P<r>[a-z]{2}(?:-[a-z]+)+-\d)/(?P<y>\d{4})/(?P<m>\d{2})/"
    r"(?P<d>\d{2})/(?P=a)_vpcflowlogs_(?P=r)_fl-[0-9a-f]{17}_(?P=y)(?P=m)(?P=d)T\d{2}[0-5]\dZ_"
    r"[0-9a-f]{8}\.log\.gz"
)


@given(st.sampled_from([vpc.DEFAULT_FORMAT, ALL_FIELDS, ("srcaddr", "dstaddr")]).flatmap(
    lambda fmt: st.tuples(st.just(fmt), s3_objects(fmt, max_records=5))))
def test_s3_objects(case):
    fields, (key, data) = case
    match = S3_KEY.fullmatch(key)
    assert match, key
    lines = gzip.decompress(data).decode("utf-8").split("\n")
    assert lines[0] == vpc.header_line(fields)
    assert lines[-1] == ""  # every line ends in a newline
    for line in lines[1:-1]:
        values = line.split(" ")
        assert len(values) == len(fields)
        if "account-id" in fields:
            assert values[fields.index("account-id")] == match["a"]
        if "region" in fields:
            assert values[fields.index("region")] == match["r"]
    assert vpc.parse_format(lines[0]) == tuple(fields)


@given(messages())
def test_messages_are_strings(message):
    assert isinstance(message, str)


def test_messages_reach_the_hostile_cases():
    sample = _sample(messages(), 600)
    assert any("\x00" in m for m in sample)
    assert any(any(0xD800 <= ord(c) <= 0xDFFF for c in m) for m in sample)
    assert any(len(m) > 5000 for m in sample)
    assert any(m.startswith("{") and len(m) > 2 for m in sample)
    assert any("  " in m and "eni-" in m for m in sample)


STAGE_WORDS = ("parse", "extract", "json", "kv", "keyvalue", "csv", "split", "where", "fields")


@given(expressions())
def test_expressions_have_the_shape_of_a_pipeline(text):
    assert text.strip() and len(text) <= 16384
    # Quotes pair up once escapes are removed.
    unescaped = re.sub(r"\\.", "", re.sub(r"'\\?.'", "''", text))
    assert unescaped.count('"') % 2 == 0
    stages = re.split(r"\|", re.sub(r'"[^"]*"', '""', unescaped))
    assert 1 <= len([s for s in stages if s.strip()]) <= 5


def test_expressions_use_every_kind_of_stage():
    sample = [t.lower() for t in _sample(expressions(), 400)]
    for word in ("parse regex", "extract", "json", "kv", "keyvalue", "csv", "split", "where",
                 "fields", " as ", "?", "nodrop", "//", "/*", "%\""):
        assert any(word in t for t in sample), word


def _compile():
    import fer

    return fer.compile


def test_expressions_compile():
    compile_ = _compile()

    @given(expressions())
    def check(text):
        compile_(text)

    check()


def test_compiled_expressions_never_raise_on_messages():
    compile_ = _compile()

    # Cut to 2,000 characters: a user regex such as `(?<ip>[^ ]*)/…` is quadratic when it fails on
    # a long line without spaces (Python's re backtracks; 11,000 characters took 0.8 s per call),
    # and shrinking one slow example repeats that call thousands of times.
    @given(expressions(), st.lists(messages().map(lambda m: m[:2000]), max_size=3))
    def check(text, inputs):
        pipeline = compile_(text)
        for message in inputs:
            result = pipeline.apply(message)
            assert result is None or isinstance(result, dict)

    check()
