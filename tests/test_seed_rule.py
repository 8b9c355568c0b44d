"""The seed's VPCFlowLogFER, verbatim, on every VPC flow log record in tests/data/vpc.

Expected fields are computed here independently of fer: the rule's pattern is fourteen `*` separated
by single spaces, so (language.md §3.1, linear scan) field i is the i-th piece of `record.split(" ", 13)`
and the last wildcard takes the rest of the record. Every message runs through both back ends.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

import fer

VPC = Path(__file__).parent / "data" / "vpc"

# /work/shared/seeds/vpc-flow-logs.md, "Field Extraction Rule(s) for VPC Flow logs", verbatim.
SEED_RULE = """json "message" as _rawvpc nodrop
| if (_raw matches "{*", _rawvpc,_raw) as message
| parse field=message "* * * * * * * * * * * * * *" as version,accountID,interfaceID,src_ip,dest_ip,src_port,dest_port,Protocol,Packets,bytes,StartSample,EndSample,Action,status
| fields interfaceid,src_ip,dest_ip,src_port,dest_port,protocol,packets,bytes,action,status"""

OUTPUT = ("interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets", "bytes", "action", "status")
# Positions (0-based) of the output fields among the fourteen wildcards.
POSITIONS = (2, 3, 4, 5, 6, 7, 8, 9, 12, 13)

HEADER_V2 = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"


@pytest.fixture(scope="module")
def pipelines() -> tuple[fer.Pipeline, fer.Pipeline]:
    return fer.compile(SEED_RULE), fer.compile(SEED_RULE, backend="reference")


def expected_for(record: str) -> dict[str, str] | None:
    """What the rule must extract from one record, computed without fer."""
    pieces = record.split(" ", 13)
    if len(pieces) < 14:
        return None
    return {name: pieces[i] for name, i in zip(OUTPUT, POSITIONS)}


def apply_both(pipelines, message):
    compiled, reference = pipelines
    got_compiled = compiled.apply(message)
    got_reference = reference.apply(message)
    assert got_compiled == got_reference, f"back ends disagree on {message!r}"
    assert compiled.internal_errors == 0
    return got_compiled


def lines(name: str) -> list[str]:
    return (VPC / name).read_text(encoding="utf-8").splitlines()


DEFAULT_RECORDS = lines("default-v2.log")


def test_output_field_names(pipelines) -> None:
    compiled, reference = pipelines
    assert compiled.fields == OUTPUT
    assert reference.fields == OUTPUT


def test_default_records_are_all_there() -> None:
    assert len(DEFAULT_RECORDS) == 7
    assert all(len(r.split(" ")) == 14 for r in DEFAULT_RECORDS)


@pytest.mark.parametrize("record", DEFAULT_RECORDS)
def test_default_record_raw(pipelines, record: str) -> None:
    got = apply_both(pipelines, record)
    assert got == expected_for(record)
    assert tuple(got) == OUTPUT  # keys spelled and ordered as the allowlist


@pytest.mark.parametrize("record", DEFAULT_RECORDS)
def test_default_record_wrapped_as_json_message(pipelines, record: str) -> None:
    got = apply_both(pipelines, json.dumps({"message": record}))
    assert got == expected_for(record)


@pytest.mark.parametrize("record", DEFAULT_RECORDS)
def test_default_record_wrapped_with_stream_and_group(pipelines, record: str) -> None:
    # The Sumo Lambda's VPC-JSON shape: logStream and logGroup keys beside the message.
    wrapped = json.dumps(
        {"logStream": "eni-1235b8ca123456789-all", "message": record, "logGroup": "VPCFlowLogs"}
    )
    got = apply_both(pipelines, wrapped)
    assert got == expected_for(record)
    # _rawvpc, logStream and logGroup are not in the allowlist.
    assert set(got) == set(OUTPUT)


@pytest.mark.parametrize("record", DEFAULT_RECORDS)
def test_default_record_as_mapping_with_metadata(pipelines, record: str) -> None:
    message = {"_raw": record, "_sourceCategory": "aws/vpc/flowlogs", "_sourceHost": "VPCFlowLogs"}
    assert apply_both(pipelines, message) == expected_for(record)


def test_accepted_record_values(pipelines) -> None:
    got = apply_both(pipelines, DEFAULT_RECORDS[0])
    assert got == {
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


@pytest.mark.parametrize("status", ["NODATA", "SKIPDATA"])
def test_nodata_and_skipdata_keep_dashes(pipelines, status: str) -> None:
    (record,) = [r for r in DEFAULT_RECORDS if r.endswith(status)]
    got = apply_both(pipelines, record)
    assert got["status"] == status
    for name in ("src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets", "bytes", "action"):
        assert got[name] == "-", name
    assert got["interfaceid"].startswith("eni-")


def test_ipv6_record(pipelines) -> None:
    (record,) = [r for r in DEFAULT_RECORDS if "2001:db8" in r]
    got = apply_both(pipelines, record)
    assert got["src_ip"] == "2001:db8:1234:a100:8d6e:3477:df66:f105"
    assert got["dest_ip"] == "2001:db8:1234:a102:3304:8879:34cf:4071"
    assert got["src_port"] == "34892"
    assert got["dest_port"] == "22"


def test_s3_header_line_parses_as_a_record(pipelines) -> None:
    # The default-format S3 header has 14 tokens, so the rule extracts the column names as values.
    # At ingest it never gets here: the S3 source's "exclude messages that match" processing rule
    # (language.md §6, the seed's collection instructions) removes header lines before any rule runs.
    got = apply_both(pipelines, HEADER_V2)
    assert got == expected_for(HEADER_V2)
    assert got["interfaceid"] == "interface-id"
    assert got["status"] == "log-status"


def _decoded_payload() -> dict:
    return json.loads((VPC / "cloudwatch-vpc-event.decoded.json").read_text(encoding="utf-8"))


def test_cloudwatch_decoded_payload_messages(pipelines) -> None:
    payload = _decoded_payload()
    events = payload["logEvents"]
    assert [e["message"] for e in events] == DEFAULT_RECORDS
    for event in events:
        message = {
            "_raw": event["message"],
            "_sourceName": payload["logStream"],
            "_sourceHost": payload["logGroup"],
        }
        assert apply_both(pipelines, message) == expected_for(event["message"])


def test_cloudwatch_encoded_payload_matches_decoded(pipelines) -> None:
    encoded = json.loads((VPC / "cloudwatch-vpc-event.json").read_text(encoding="utf-8"))
    payload = json.loads(gzip.decompress(base64.b64decode(encoded["awslogs"]["data"])))
    assert payload["logEvents"] == _decoded_payload()["logEvents"]
    for event in payload["logEvents"]:
        assert apply_both(pipelines, event["message"]) == expected_for(event["message"])


def test_v3_record_with_double_space(pipelines) -> None:
    records = lines("v3-tcp-flags.log")[1:]
    (record,) = [r for r in records if "  " in r]
    assert len(record.split()) == 21
    got = apply_both(pipelines, record)
    # The seed rule assumes 14 single-space-separated fields. The linear scan takes each `*` up to
    # the next space: the double space yields an empty field (EndSample, not in the output), every
    # later field shifts by one, and the last wildcard takes the rest of the line.
    assert got == expected_for(record)
    pieces = record.split(" ", 13)
    assert pieces[11] == ""  # EndSample
    assert got["action"] == "10.0.0.62"
    assert got["status"] == "52.213.180.42 6 967 14 1566933133 1566933193 ACCEPT 19 OK"
    assert got["interfaceid"] == "subnet-aaaaaaaa012345678"  # custom layout: columns do not line up


def test_trailing_newline_goes_to_the_last_field(pipelines) -> None:
    record = DEFAULT_RECORDS[1] + "\n"
    got = apply_both(pipelines, record)
    assert got["status"] == "OK\n"
    assert got == expected_for(record)


def test_trailing_newline_inside_json_message(pipelines) -> None:
    record = DEFAULT_RECORDS[1] + "\n"
    got = apply_both(pipelines, json.dumps({"message": record}))
    assert got["status"] == "OK\n"


def test_non_matching_line_is_dropped(pipelines) -> None:
    line = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 ACCEPT OK"
    assert expected_for(line) is None
    assert apply_both(pipelines, line) is None


def test_json_without_message_is_dropped(pipelines) -> None:
    # _raw starts with "{", so the rule parses _rawvpc, which is null: the anchor parse fails.
    assert apply_both(pipelines, '{"logStream": "x", "logGroup": "y"}') is None


def test_empty_message_is_dropped(pipelines) -> None:
    assert apply_both(pipelines, "") is None


@pytest.mark.parametrize(
    "name", ["default-v2.log", "v3-tcp-flags.log", "nat-gateway.log", "transit-gateway.log", "v5-service-path.log"]
)
def test_every_record_of_every_file(pipelines, name: str) -> None:
    # Custom formats (and their header lines) are parsed by the same linear scan: lines with at least
    # 13 spaces give 14 fields (the last takes the rest); shorter ones (the NAT gateway's 6 columns)
    # are dropped.
    for record in lines(name):
        assert apply_both(pipelines, record) == expected_for(record), record


def test_nat_gateway_records_are_dropped(pipelines) -> None:
    for record in lines("nat-gateway.log"):
        assert apply_both(pipelines, record) is None


def test_stream_form_agrees_with_apply(pipelines) -> None:
    compiled, _ = pipelines
    messages = DEFAULT_RECORDS + ["short line", json.dumps({"message": DEFAULT_RECORDS[0]})]
    assert list(compiled.run(messages)) == [compiled.apply(m) for m in messages]
