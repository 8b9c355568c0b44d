"""The collection Lambda's transformation done right: `fer.aws.collect`, `fer.aws.enis`, `fer collect`."""

from __future__ import annotations

import base64
import gzip
import io
import ipaddress
import json
from pathlib import Path

import pytest

import fer.cli
from fer.aws.cloudwatch import LogEvent, PayloadError
from fer.aws.collect import DEFAULT_FORMAT, Collector, collect, js_json, js_trim
from fer.aws.enis import Interface, InterfaceTable, load_enis, parse_enis
from fer.errors import FerError

TESTS = Path(__file__).parent
DATA = TESTS / "data" / "vpc"
ENIS = TESTS / "data" / "enis.json"
VPC_EVENT = DATA / "cloudwatch-vpc-event.json"
TEST_EVENT = DATA / "cloudwatch-test-event.json"
CONTROL_EVENT = DATA / "cloudwatch-control-event.json"
DEFAULT_V2 = (DATA / "default-v2.log").read_text().splitlines()
RULES = TESTS.parent / "examples" / "vpc_flow_logs" / "rules.toml"

ENI_A = "eni-1235b8ca123456789"  # subnet A1: 172.31.16.139 (+ .16.140, .20.7), ...f105, a100::140
ENI_A_PEER = "eni-0b2c3d4e5f6a7b8c9"  # subnet A1: 172.31.16.21, a100::21
ENI_DB = "eni-0c3d4e5f6a7b8c9d0"  # subnet A2: 172.31.2.15, a102:...:4071
ENI_APP = "eni-11111111aaaaaaaaa"  # subnet B1, other VPC: 10.8.1.10, 10.8.1.11
ENI_NAT = "eni-0d4e5f6a7b8c9d0e1"  # subnet B1: 10.8.1.20, no security groups
ENI_LAMBDA = "eni-0e5f6a7b8c9d0e1f2"  # subnet B2: 10.8.2.30, zone us-east-1d

KEY_ORDER = ["message", "logStream", "logGroup", "security-group-ids", "direction", "subnet-id", "vpc-id", "aws-region"]


def record(interface: str, src: str, dst: str, action: str = "ACCEPT", status: str = "OK") -> str:
    return f"2 123456789010 {interface} {src} {dst} 443 49152 6 10 840 1700000000 1700000060 {action} {status}"


def event(message: str, group: str = "VPCFlowLogs", stream: str = "eni-all") -> LogEvent:
    return LogEvent(message, 1700000000000, "id", group, stream, "123456789010")


def payload(*messages: str, message_type: str = "DATA_MESSAGE") -> dict:
    return {
        "messageType": message_type,
        "owner": "123456789010",
        "logGroup": "VPCFlowLogs",
        "logStream": "eni-all",
        "subscriptionFilters": ["f"],
        "logEvents": [{"id": str(i), "timestamp": 1, "message": m} for i, m in enumerate(messages)],
    }


def encoded(doc: dict) -> dict:
    return {"awslogs": {"data": base64.b64encode(gzip.compress(json.dumps(doc).encode())).decode()}}


@pytest.fixture(scope="module")
def enis() -> InterfaceTable:
    return load_enis(ENIS)


def enriched(enis: InterfaceTable, *messages: str, **options) -> list[dict]:
    lines = collect([event(m) for m in messages], log_format="VPC-JSON", enis=enis, **options)
    return [json.loads(line) for line in lines]


# --- the real payloads -------------------------------------------------------------------------


def test_vpc_raw_sends_the_records_as_is():
    collection = collect([VPC_EVENT.read_text()], log_format="VPC-RAW")
    assert list(collection) == DEFAULT_V2
    stats = collection.stats
    assert (stats.events_in, stats.lines_out, stats.skipped_empty, stats.filtered_internal, stats.payload_errors) == (7, 7, 0, 0, 0)


def test_vpc_json_wraps_each_record():
    lines = list(collect([json.loads(VPC_EVENT.read_text())], log_format="VPC-JSON"))
    assert lines == [js_json({"message": line}) for line in DEFAULT_V2]
    assert lines[0].startswith('{"message":"2 123456789010 eni-1235b8ca123456789 172.31.16.139 ')


def test_vpc_json_with_log_info():
    lines = list(collect([VPC_EVENT.read_bytes()], log_format="VPC-JSON", include_log_info=True))
    assert json.loads(lines[0]) == {
        "message": DEFAULT_V2[0],
        "logStream": "eni-1235b8ca123456789-all",
        "logGroup": "VPCFlowLogs",
    }
    assert lines[0].endswith('","logStream":"eni-1235b8ca123456789-all","logGroup":"VPCFlowLogs"}')


def test_test_event_is_not_a_flow_log_but_still_sent(enis):
    lines = list(collect([TEST_EVENT.read_text()], log_format="VPC-JSON", include_log_info=True, enis=enis))
    assert lines == [
        '{"message":"[ERROR] First test message","logStream":"testLogStream","logGroup":"testLogGroup"}',
        '{"message":"[ERROR] Second test message","logStream":"testLogStream","logGroup":"testLogGroup"}',
    ]


def test_control_messages_send_nothing():
    collection = collect([CONTROL_EVENT.read_text(), encoded(payload("x", message_type="CONTROL_MESSAGE"))], log_format="VPC-RAW")
    assert list(collection) == []
    assert collection.stats.events_in == 0 and collection.stats.payload_errors == 0


def test_the_seven_records_enriched(enis):
    lines = list(collect([VPC_EVENT.read_text()], log_format="VPC-JSON", include_log_info=True, enis=enis))
    objects = [json.loads(line) for line in lines]
    assert [o.get("direction") for o in objects] == [
        "internal",  # 172.31.16.139 -> 172.31.16.21: two interfaces of subnet A1
        None,  # 172.31.9.69 -> 172.31.9.12: neither end is known
        None,  # NODATA
        None,  # SKIPDATA
        "inbound",  # 203.0.113.12 -> 172.31.16.139
        "outbound",  # 172.31.16.139 -> 203.0.113.12
        "outbound",  # IPv6 from the interface's own address to subnet A2
    ]
    assert objects[0] == {
        "message": DEFAULT_V2[0],
        "logStream": "eni-1235b8ca123456789-all",
        "logGroup": "VPCFlowLogs",
        "security-group-ids": ["sg-0123456789abcdef0", "sg-0fedcba9876543210"],
        "direction": "internal",
        "subnet-id": "subnet-0aa11bb22cc33dd44",
        "vpc-id": "vpc-0a1b2c3d4e5f60718",
        "aws-region": "us-east-1",
    }
    # SKIPDATA is on the other VPC's interface: enriched, without a direction.
    assert objects[3]["vpc-id"] == "vpc-0f9e8d7c6b5a49382" and objects[3]["subnet-id"] == "subnet-0cc33dd44ee55ff66"
    for line, obj in zip(lines, objects, strict=True):
        assert list(obj) == [key for key in KEY_ORDER if key in obj]
        assert ", " not in line.replace(obj["message"], "") and '": ' not in line  # compact


# --- direction ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("interface", "src", "dst", "direction"),
    [
        pytest.param(ENI_A, "172.31.16.139", "172.31.16.21", "internal", id="internal-primary"),
        pytest.param(ENI_A, "172.31.16.21", "172.31.16.139", "internal", id="internal-reverse"),
        pytest.param(ENI_A, "172.31.20.7", "172.31.16.21", "internal", id="internal-from-secondary"),
        pytest.param(ENI_A_PEER, "172.31.16.140", "172.31.16.21", "internal", id="internal-captured-on-peer"),
        pytest.param(ENI_A, "2001:db8:1234:a100::21", "2001:db8:1234:a100:8d6e:3477:df66:f105", "internal", id="internal-ipv6"),
        pytest.param(ENI_APP, "10.8.1.10", "10.8.1.20", "internal", id="internal-other-vpc"),
        pytest.param(ENI_A, "198.51.100.7", "172.31.16.139", "inbound", id="inbound-primary"),
        pytest.param(ENI_A, "198.51.100.7", "172.31.16.140", "inbound", id="inbound-secondary"),
        pytest.param(ENI_A, "2001:db8:ffff::1", "2001:db8:1234:a100:0:0:0:140", "inbound", id="inbound-ipv6-other-spelling"),
        pytest.param(ENI_A, "172.31.2.15", "172.31.16.139", "inbound", id="inbound-from-other-subnet"),
        pytest.param(ENI_A, "172.31.16.139", "198.51.100.7", "outbound", id="outbound-primary"),
        pytest.param(ENI_A, "172.31.20.7", "198.51.100.7", "outbound", id="outbound-secondary"),
        pytest.param(ENI_A, "172.31.16.139", "172.31.2.15", "outbound", id="outbound-to-other-subnet"),
        pytest.param(ENI_APP, "10.8.1.11", "10.8.2.30", "outbound", id="outbound-to-other-subnet-b"),
        pytest.param(ENI_A, "2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8::9", "outbound", id="outbound-ipv6"),
        pytest.param(ENI_A, "198.51.100.7", "203.0.113.9", None, id="neither-end"),
        pytest.param(ENI_A, "172.31.16.21", "172.31.2.15", None, id="known-ends-other-subnets"),
        pytest.param(ENI_A, "-", "-", None, id="dashes"),
    ],
)
def test_direction(enis, interface, src, dst, direction):
    [obj] = enriched(enis, record(interface, src, dst))
    assert obj.get("direction") == direction
    assert obj["vpc-id"]  # the interface is known either way


def test_nodata_and_skipdata_have_no_direction(enis):
    nodata = f"2 123456789010 {ENI_A} - - - - - - - 1431280876 1431280934 - NODATA"
    skipdata = f"2 123456789010 {ENI_APP} - - - - - - - 1431280876 1431280934 - SKIPDATA"
    objects = enriched(enis, nodata, skipdata)
    assert [list(o) for o in objects] == [["message", "security-group-ids", "subnet-id", "vpc-id", "aws-region"]] * 2


def test_unknown_interface_is_not_enriched(enis):
    collection = collect([event(record("eni-0000000000000000f", "172.31.16.139", "172.31.16.21"))], log_format="VPC-JSON", enis=enis)
    [line] = list(collection)
    assert list(json.loads(line)) == ["message"]
    assert collection.stats.enriched == 0


def test_interface_without_groups_gets_an_empty_list(enis):
    [obj] = enriched(enis, record(ENI_NAT, "10.8.1.20", "203.0.113.50"))
    assert obj["security-group-ids"] == [] and obj["direction"] == "outbound"
    [obj] = enriched(enis, record(ENI_LAMBDA, "10.8.2.30", "10.8.1.20"))
    assert obj["aws-region"] == "us-east-1" and obj["subnet-id"] == "subnet-0dd44ee55ff66aa77"


def test_missing_facts_are_left_out():
    table = parse_enis({"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5"}]}]})
    [line] = collect([event(record("eni-1", "10.0.0.5", "10.0.0.9"))], log_format="VPC-JSON", enis=table)
    assert line == json.dumps({"message": record("eni-1", "10.0.0.5", "10.0.0.9"), "direction": "outbound"}, separators=(",", ":"))


def test_interface_is_read_by_format(enis):
    fields = ("version", "srcaddr", "dstaddr", "interface-id", "action", "log-status")
    message = f"3 172.31.16.139 172.31.16.21 {ENI_A} ACCEPT OK"
    [obj] = enriched(enis, message, record_format=fields)
    assert obj["direction"] == "internal" and obj["subnet-id"] == "subnet-0aa11bb22cc33dd44"
    # Read with the default format, the same record is unreadable: no enrichment rather than a wrong one.
    [obj] = enriched(enis, message)
    assert list(obj) == ["message"]
    # A format without interface-id cannot be enriched.
    [obj] = enriched(enis, "172.31.16.139 172.31.16.21", record_format="${srcaddr} ${dstaddr}")
    assert list(obj) == ["message"]


def test_same_address_in_two_vpcs():
    table = parse_enis([
        {"NetworkInterfaceId": "eni-a", "SubnetId": "subnet-a", "VpcId": "vpc-a", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5"}]},
        {"NetworkInterfaceId": "eni-b", "SubnetId": "subnet-b", "VpcId": "vpc-b", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.5"}, {"PrivateIpAddress": "10.0.0.6"}]},
        {"NetworkInterfaceId": "eni-c", "SubnetId": "subnet-a", "VpcId": "vpc-a", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.7"}]},
    ])
    assert table.direction("eni-a", "10.0.0.5", "10.0.0.7") == "internal"
    # 10.0.0.6 is only in subnet-b; eni-a's own 10.0.0.5 counts as subnet-a even though eni-b shares it.
    assert table.direction("eni-a", "10.0.0.5", "10.0.0.6") == "outbound"
    assert table.direction("eni-b", "10.0.0.5", "10.0.0.6") == "internal"
    assert table.direction("eni-x", "10.0.0.5", "10.0.0.6") is None


# --- trimming and empty events ----------------------------------------------------------------


def test_trailing_newline_and_blanks_are_trimmed():
    messages = [DEFAULT_V2[0] + "\n", "  \t" + DEFAULT_V2[1] + " \r\n", "\n", "", "   ", "\u00a0\ufeff" + DEFAULT_V2[4] + "\u2028"]
    collection = collect([payload(*messages)], log_format="VPC-RAW")
    assert list(collection) == [DEFAULT_V2[0], DEFAULT_V2[1], DEFAULT_V2[4]]
    stats = collection.stats
    assert (stats.events_in, stats.lines_out, stats.skipped_empty) == (6, 3, 3)


def test_js_trim_is_javascripts():
    assert js_trim("\t\v\f \u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeffx y\n\r") == "x y"
    # Python's str.strip() would remove these; JavaScript's trim keeps them.
    assert js_trim("\x1cx\x85") == "\x1cx\x85"
    assert js_trim("\u200bx") == "\u200bx"  # zero-width space is not whitespace


def test_inner_newline_is_kept_in_json():
    [line] = collect([event("a\nb\n")], log_format="VPC-JSON")
    assert line == '{"message":"a\\nb"}'


def test_js_json_matches_json_stringify():
    assert js_json({"message": 'q"\\ \b\f\n\r\t\x00\x1f\x7f é € 😀 \u2028'}) == (
        '{"message":"q\\"\\\\ \\b\\f\\n\\r\\t\\u0000\\u001f\x7f é € 😀 \u2028"}'
    )
    assert js_json({"message": "lone \ud800 end"}) == '{"message":"lone \\ud800 end"}'
    assert js_json({"message": "pair \ud83d\ude00"}) == '{"message":"pair 😀"}'
    assert js_json({"a": ["x", "y"], "b": 1}) == '{"a":["x","y"],"b":1}'


# --- the internal-traffic filter ---------------------------------------------------------------


def kept(messages, **options) -> list[str]:
    return list(collect([event(m) for m in messages], log_format="VPC-RAW", **options))


def test_cidr_and_legacy_prefix_differ_on_10_8():
    looks_alike = record("eni-1", "10.80.1.1", "10.8.1.1")
    # The Lambda's string prefix: "10.8" matches 10.80.1.1 too, so the record is dropped.
    assert kept([looks_alike], legacy_prefixes=["10.8"]) == []
    # A real block: 10.80.1.1 is outside 10.8.0.0/16, so the record is kept.
    assert kept([looks_alike], internal_cidrs=["10.8.0.0/16"]) == [looks_alike]


def test_cidr_and_legacy_prefix_differ_on_10_8_0_0():
    inside = record("eni-1", "10.8.1.1", "10.8.2.2")
    # The documented example value "10.8.0.0" is a prefix of almost nothing: the record is kept.
    assert kept([inside], legacy_prefixes="10.8.0.0,10.9.0.0") == [inside]
    assert kept([inside], internal_cidrs=["10.8.0.0/16"]) == []


def test_filter_needs_both_ends_internal():
    messages = [
        record("eni-1", "10.8.1.1", "10.8.2.2"),
        record("eni-1", "10.8.1.1", "198.51.100.1"),
        record("eni-1", "198.51.100.1", "10.8.1.1"),
        record("eni-1", "10.8.1.1", "10.9.1.1"),
    ]
    collection = collect([event(m) for m in messages], log_format="VPC-RAW", internal_cidrs=["10.8.0.0/16", "10.9.0.0/16"])
    assert list(collection) == messages[1:3]
    assert collection.stats.filtered_internal == 2


def test_filter_ipv6_blocks():
    ipv6 = DEFAULT_V2[6]
    assert kept([ipv6], internal_cidrs=["2001:db8:1234:a100::/56"]) == []
    assert kept([ipv6], internal_cidrs=["2001:db8:1234:a100::/64"]) == [ipv6]  # a102 is outside
    assert kept([ipv6], internal_cidrs=["0.0.0.0/0"]) == [ipv6]  # family mismatch


def test_filter_never_drops_what_it_cannot_read():
    everything = ["0.0.0.0/0", "::/0"]
    unreadable = [
        DEFAULT_V2[2],  # NODATA: "-" addresses
        DEFAULT_V2[3],  # SKIPDATA
        "2 123456789010 eni-1 10.8.1.1 10.8.2.2",  # too few fields
        record("eni-1", "10.8.1.1", "10.8.2.2") + " extra",  # too many: the layout is not the format's
        record("eni-1", "not-an-ip", "10.8.2.2"),
        "[ERROR] First test message",
    ]
    assert kept(unreadable, internal_cidrs=everything) == unreadable
    # The legacy mode reads single-space tokens 3 and 4 whatever the format: it keeps records that
    # have no token 4 (where the Lambda would have thrown) and "-" addresses.
    legacy_unreadable = [DEFAULT_V2[2], DEFAULT_V2[3], "2 123456789010 eni-1 10.8.1.1", "[ERROR] First test message"]
    assert kept(legacy_unreadable, legacy_prefixes=["1", "2", "t"]) == legacy_unreadable


def test_filter_tolerates_the_double_space():
    damaged = record("eni-1", "10.8.1.1", "10.8.2.2").replace(" 443 ", " 443  ")
    assert kept([damaged], internal_cidrs=["10.8.0.0/16"]) == []


def test_filter_reads_addresses_by_format_legacy_does_not():
    fields = ("version", "vpc-id", "srcaddr", "dstaddr", "action", "log-status")
    message = "5 vpc-0a1b2c3d4e5f60718 10.8.1.1 10.8.2.2 ACCEPT OK"
    assert kept([message], internal_cidrs=["10.8.0.0/16"], record_format=fields) == []
    assert kept([message], internal_cidrs=["10.8.0.0/16"], record_format="${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}") == []
    # The Lambda's tokens 3 and 4 are dstaddr and action here: nothing is filtered.
    assert kept([message], legacy_prefixes=["10.8"], record_format=fields) == [message]


def test_filter_applies_before_enrichment_in_vpc_json(enis):
    messages = [record(ENI_A, "172.31.16.139", "172.31.16.21"), record(ENI_A, "172.31.16.139", "198.51.100.7")]
    collection = collect([event(m) for m in messages], log_format="VPC-JSON", enis=enis, internal_cidrs=["172.31.0.0/16"])
    [line] = list(collection)
    assert json.loads(line)["direction"] == "outbound"
    assert (collection.stats.filtered_internal, collection.stats.enriched) == (1, 1)


# --- options -----------------------------------------------------------------------------------


def test_default_format_is_the_format_modules():
    from fer.aws import vpc

    assert DEFAULT_FORMAT == vpc.DEFAULT_FORMAT == tuple(
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status".split()
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"log_format": "VPC-RAW", "enis": InterfaceTable()}, "VPC-JSON"),
        ({"log_format": "VPC-RAW", "include_log_info": True}, "VPC-JSON"),
        ({"log_format": "Others"}, "unknown log format"),
        ({"log_format": "VPC-RAW", "internal_cidrs": ["10.0.0.0/8"], "legacy_prefixes": ["10."]}, "mutually exclusive"),
        ({"log_format": "VPC-RAW", "internal_cidrs": ["10.8.1.1/16"]}, "did you mean 10.8.0.0/16"),
        ({"log_format": "VPC-RAW", "internal_cidrs": ["10.8.0.0"]}, "no prefix length"),
        ({"log_format": "VPC-RAW", "internal_cidrs": ["10.8.0.0/33"]}, "not a CIDR block"),
        ({"log_format": "VPC-RAW", "record_format": ("version", "srcadr")}, "srcaddr"),
        ({"log_format": "VPC-RAW", "record_format": "${version} ${version}"}, "twice"),
    ],
)
def test_bad_options_fail_at_once(options, message):
    with pytest.raises(FerError, match=message) as info:
        collect([], **options)
    assert isinstance(info.value, ValueError)


def test_legacy_prefixes_parse_like_the_lambda():
    assert Collector(log_format="VPC-RAW", legacy_prefixes=" 10.8 , ,10.9,").legacy_prefixes == ("10.8", "10.9")
    assert Collector(log_format="VPC-RAW", legacy_prefixes=",").legacy_prefixes == ()


def test_enis_given_as_path_or_interfaces(enis):
    message = record(ENI_A, "198.51.100.7", "172.31.16.139")
    by_path = list(collect([event(message)], log_format="VPC-JSON", enis=str(ENIS)))
    by_list = list(collect([event(message)], log_format="VPC-JSON", enis=list(enis.values())))
    assert by_path == by_list == list(collect([event(message)], log_format="VPC-JSON", enis=enis))


def test_payload_errors_are_counted_and_reported():
    seen: list[PayloadError] = []
    items = [
        encoded(payload("one")),
        "%%% not base64",
        PayloadError("truncated gzip data", path="x.gz"),
        {"awslogs": {"data": base64.b64encode(gzip.compress(b"{")).decode()}},
        event("two"),
        gzip.compress(json.dumps(payload("three", "")).encode()),
    ]
    collection = collect(items, log_format="VPC-RAW", on_error=seen.append)
    assert list(collection) == ["one", "two", "three"]
    assert collection.stats.payload_errors == 3 and collection.errors == seen
    assert [e.reason.split(":")[0] for e in seen] == ["bad base64", "truncated gzip data", "not JSON"]
    assert collection.stats.as_dict() == {
        "events_in": 4, "lines_out": 3, "skipped_empty": 1, "filtered_internal": 0, "payload_errors": 3, "enriched": 0,
    }


def test_collection_is_lazy():
    def items():
        yield event("a")
        raise AssertionError("read too far")

    collection = collect(items(), log_format="VPC-RAW")
    assert next(collection) == "a"


# --- the interface file ------------------------------------------------------------------------


def test_fixture_interfaces(enis):
    assert len(enis) == 6
    a = enis[ENI_A]
    assert a.private_ipv4 == ("172.31.16.139", "172.31.16.140", "172.31.20.7")
    assert a.ipv6 == ("2001:db8:1234:a100:8d6e:3477:df66:f105", "2001:db8:1234:a100::140")
    assert a.security_group_ids == ("sg-0123456789abcdef0", "sg-0fedcba9876543210")
    assert (a.subnet_id, a.vpc_id, a.availability_zone, a.region) == (
        "subnet-0aa11bb22cc33dd44", "vpc-0a1b2c3d4e5f60718", "us-east-1a", "us-east-1",
    )
    assert enis[ENI_NAT].security_group_ids == ()
    assert {i.vpc_id for i in enis.values()} == {"vpc-0a1b2c3d4e5f60718", "vpc-0f9e8d7c6b5a49382"}
    assert len({i.subnet_id for i in enis.values()}) == 4
    assert [i.id for i in enis.holding(ipaddress.ip_address("172.31.16.140"))] == [ENI_A]


def test_region_without_zone():
    assert Interface("eni-1", None, (), ()).region is None
    assert Interface("eni-1", None, (), (), availability_zone="eu-west-3c").region == "eu-west-3"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not JSON"),
        ('{"Reservations": []}', 'no "NetworkInterfaces"'),
        ('{"NetworkInterfaces": {}}', "must be an array"),
        ('{"NetworkInterfaces": [1]}', r"NetworkInterfaces\[0\] must be an object"),
        ('{"NetworkInterfaces": [{"SubnetId": "s"}]}', 'no "NetworkInterfaceId"'),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "Groups": "sg-1"}]}', "Groups must be an array"),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "Groups": [{"GroupName": "x"}]}]}', 'no "GroupId"'),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddresses": [{"PrivateIpAddress": "10.0.0.300"}]}]}', "not an IPv4 address"),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "PrivateIpAddresses": [{"PrivateIpAddress": "::1"}]}]}', "not an IPv4 address"),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "Ipv6Addresses": [{"Ipv6Address": "10.0.0.1"}]}]}', "not an IPv6 address"),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1", "VpcId": 5}]}', '"VpcId" must be a string'),
        ('{"NetworkInterfaces": [{"NetworkInterfaceId": "eni-1"}, {"NetworkInterfaceId": "eni-1"}]}', "duplicate network interface eni-1"),
    ],
)
def test_malformed_interface_files(tmp_path, content, message):
    path = tmp_path / "enis.json"
    path.write_text(content)
    with pytest.raises(FerError, match=message) as info:
        load_enis(path)
    assert str(path) in str(info.value)


def test_missing_interface_file(tmp_path):
    with pytest.raises(FerError, match="cannot read"):
        load_enis(tmp_path / "nope.json")


# --- the command line --------------------------------------------------------------------------


def run_cli(capsys, *argv: str) -> tuple[int, str, str]:
    status = fer.cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_cli_vpc_raw(capsys):
    status, out, err = run_cli(capsys, "collect", "--log-format", "VPC-RAW", str(VPC_EVENT), str(CONTROL_EVENT))
    assert status == 0
    assert out.splitlines() == DEFAULT_V2 and out.endswith("\n")
    assert "events in 7" in err and "lines out 7" in err and "malformed payloads 0" in err


def test_cli_vpc_json_enriched_matches_library(capsys, enis):
    status, out, _ = run_cli(capsys, "collect", "--log-format", "VPC-JSON", "--include-log-info", "--enis", str(ENIS), str(VPC_EVENT))
    assert status == 0
    expected = list(collect([VPC_EVENT.read_text()], log_format="VPC-JSON", include_log_info=True, enis=enis))
    assert out.splitlines() == expected


def test_cli_filters(capsys):
    status, out, err = run_cli(capsys, "collect", "--log-format", "VPC-RAW", "--internal-cidr", "172.31.16.0/20", "--internal-cidr", "2001:db8:1234::/48", str(VPC_EVENT))
    assert status == 0
    assert out.splitlines() == [DEFAULT_V2[i] for i in (1, 2, 3, 4, 5)]
    assert "internal filtered 2" in err
    status, out, _ = run_cli(capsys, "collect", "--log-format", "VPC-RAW", "--legacy-prefix", "172.31.16,172.31.9", str(VPC_EVENT))
    assert out.splitlines() == [DEFAULT_V2[i] for i in (2, 3, 4, 5, 6)]


def test_cli_format_option(capsys, tmp_path):
    path = tmp_path / "custom.json"
    path.write_text(json.dumps(payload("5 vpc-1 10.8.1.1 10.8.2.2 ACCEPT OK", "5 vpc-1 10.8.1.1 8.8.8.8 ACCEPT OK")))
    status, out, _ = run_cli(
        capsys, "collect", "--log-format", "VPC-RAW", "--internal-cidr", "10.8.0.0/16",
        "--format", "${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}", str(path),
    )
    assert status == 0 and out == "5 vpc-1 10.8.1.1 8.8.8.8 ACCEPT OK\n"


def test_cli_output_file(capsys, tmp_path):
    target = tmp_path / "lines.ndjson"
    status, out, _ = run_cli(capsys, "collect", "--log-format", "VPC-JSON", "--output", str(target), str(VPC_EVENT))
    assert status == 0 and out == ""
    assert [json.loads(line)["message"] for line in target.read_text().splitlines()] == DEFAULT_V2


def test_cli_reads_stdin(capsys, monkeypatch):
    data = gzip.compress(json.dumps(payload("a b", "c d")).encode())
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, _ = run_cli(capsys, "collect", "--log-format", "VPC-RAW")
    assert status == 0 and out == "a b\nc d\n"


def test_cli_malformed_payloads_are_reported_and_skipped(capsys, tmp_path):
    lines_file = tmp_path / "payloads.ndjson"
    lines_file.write_text("\n".join([
        json.dumps(encoded(payload("first"))),
        json.dumps({"awslogs": {"data": "@@@"}}),
        json.dumps(payload("second")),
        "{truncated",
    ]) + "\n")
    bad_file = tmp_path / "bad.gz"
    bad_file.write_bytes(gzip.compress(json.dumps(payload("lost")).encode())[:-10])
    status, out, err = run_cli(capsys, "collect", "--log-format", "VPC-RAW", str(lines_file), str(bad_file), str(VPC_EVENT), str(tmp_path / "missing.json"))
    assert status == 1
    assert out.splitlines() == ["first", "second", *DEFAULT_V2]
    assert f"{lines_file}:2: bad base64" in err
    assert f"{lines_file}:4: not JSON" in err
    assert f"{bad_file}: truncated gzip data" in err
    assert f"{tmp_path / 'missing.json'}: cannot read" in err
    assert "malformed payloads 4" in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--log-format", "VPC-RAW", "--enis", str(ENIS)], "--enis needs --log-format VPC-JSON"),
        (["--log-format", "VPC-RAW", "--include-log-info"], "--include-log-info needs"),
        (["--log-format", "VPC-RAW", "--internal-cidr", "10.0.0.0/8", "--legacy-prefix", "10."], "mutually exclusive"),
        (["--log-format", "VPC-RAW", "--internal-cidr", "10.0.0.1/8"], "host bits"),
        (["--log-format", "VPC-RAW", "--format", "${version} ${srcadr}"], "srcaddr"),
        (["--log-format", "VPC-JSON", "--enis", str(DATA / "README.md")], "not JSON"),
    ],
)
def test_cli_usage_errors_exit_2(capsys, argv, message):
    status, out, err = run_cli(capsys, "collect", *argv, str(VPC_EVENT))
    assert status == 2 and out == ""
    assert message in err


def test_cli_argparse_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        fer.cli.main(["collect", str(VPC_EVENT)])  # --log-format is required
    assert info.value.code == 2
    with pytest.raises(SystemExit) as info:
        fer.cli.main(["collect", "--log-format", "Others", str(VPC_EVENT)])
    assert info.value.code == 2


# --- end to end: payload -> collect -> rules == rules over the raw records ---------------------


@pytest.mark.parametrize("log_format", ["VPC-RAW", "VPC-JSON"])
def test_end_to_end_same_fields_as_raw_records(log_format, enis):
    import fer as fer_package

    engine_options = {"category": "aws/vpc/flowlogs"}
    options = {"enis": enis, "include_log_info": True} if log_format == "VPC-JSON" else {}
    lines = list(collect([VPC_EVENT.read_text()], log_format=log_format, **options))
    via_lambda = list(fer_package.Engine(fer_package.load_rules(RULES), **engine_options).process(lines))
    direct = list(fer_package.Engine(fer_package.load_rules(RULES), **engine_options).process(DEFAULT_V2))
    seed_fields = ["_messagetime", "interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets", "bytes", "action", "status"]

    def fields(record: dict) -> dict:
        return {name: record.get(name) for name in seed_fields}

    assert len(via_lambda) == len(direct) == 7
    assert [fields(r) for r in via_lambda] == [fields(r) for r in direct]
    assert fields(direct[0]) == {
        "_messagetime": 1418530010000, "interfaceid": "eni-1235b8ca123456789", "src_ip": "172.31.16.139", "dest_ip": "172.31.16.21",
        "src_port": "20641", "dest_port": "22", "protocol": "6", "packets": "20", "bytes": "4249",
        "action": "ACCEPT", "status": "OK",
    }
    if log_format == "VPC-JSON":
        # The example's second rule reads the enrichment (vpc-app.md §3).
        assert via_lambda[0].get("direction") == "internal"
        assert via_lambda[0].get("vpc_id") == "vpc-0a1b2c3d4e5f60718"
        assert "vpc_id" not in direct[0]
