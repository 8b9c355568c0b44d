"""Decoding CloudWatch Logs subscription payloads: every wrapping, control messages, damage."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path

import pytest

from fer.aws.cloudwatch import (
    LogEvent,
    PayloadError,
    decode_payload,
    is_control_message,
    iter_log_events,
    iter_payload_data,
    iter_payload_file,
    looks_like_payload,
)
from fer.errors import FerError

DATA = Path(__file__).parent / "data" / "vpc"
VPC_EVENT = DATA / "cloudwatch-vpc-event.json"
VPC_DECODED = DATA / "cloudwatch-vpc-event.decoded.json"
TEST_EVENT = DATA / "cloudwatch-test-event.json"
CONTROL_EVENT = DATA / "cloudwatch-control-event.json"
DEFAULT_V2 = (DATA / "default-v2.log").read_text().splitlines()


def document(*messages: str, group: str = "G", stream: str = "S", **extra) -> dict:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": "123456789010",
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["f"],
        "logEvents": [
            {"id": f"id{index}", "timestamp": 1000 + index, "message": message}
            for index, message in enumerate(messages)
        ],
        **extra,
    }


def gz(doc: dict) -> bytes:
    return gzip.compress(json.dumps(doc).encode())


def b64(doc: dict) -> str:
    return base64.b64encode(gz(doc)).decode()


def lambda_event(doc: dict) -> dict:
    return {"awslogs": {"data": b64(doc)}}


def messages(payload) -> list[str]:
    return [event.message for event in iter_log_events(payload)]


# --- the real payloads -------------------------------------------------------------------------


def test_vpc_event_decodes_to_the_seven_default_records():
    events = list(iter_log_events(json.loads(VPC_EVENT.read_text())))
    assert [event.message for event in events] == DEFAULT_V2
    assert {event.log_group for event in events} == {"VPCFlowLogs"}
    assert {event.log_stream for event in events} == {"eni-1235b8ca123456789-all"}
    assert {event.owner for event in events} == {"123456789010"}
    # event timestamp = record start x 1000
    for event in events:
        assert event.timestamp == int(event.message.split()[10]) * 1000


def test_encoded_and_decoded_vpc_event_agree():
    encoded = decode_payload(VPC_EVENT.read_text())
    decoded = decode_payload(VPC_DECODED.read_bytes())
    assert encoded == decoded == json.loads(VPC_DECODED.read_text())


def test_console_test_event_has_two_events():
    events = list(iter_log_events(TEST_EVENT.read_bytes()))
    assert events == [
        LogEvent("[ERROR] First test message", 1440442987000, "eventId1", "testLogGroup", "testLogStream", "123456789123"),
        LogEvent("[ERROR] Second test message", 1440442987001, "eventId2", "testLogGroup", "testLogStream", "123456789123"),
    ]


def test_control_message_yields_nothing():
    decoded = decode_payload(CONTROL_EVENT.read_text())
    assert is_control_message(decoded)
    assert list(iter_log_events(CONTROL_EVENT.read_text())) == []
    assert list(iter_payload_file(CONTROL_EVENT)) == []
    assert not is_control_message(decode_payload(VPC_DECODED.read_text()))


# --- every wrapping ----------------------------------------------------------------------------

DOC = document("a b c", "second")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(lambda_event(DOC), id="lambda-event-dict"),
        pytest.param(json.dumps(lambda_event(DOC)), id="lambda-event-text"),
        pytest.param(json.dumps(lambda_event(DOC)).encode(), id="lambda-event-bytes"),
        pytest.param(gz(DOC), id="raw-gzip-bytes"),
        pytest.param(bytearray(gz(DOC)), id="raw-gzip-bytearray"),
        pytest.param(b64(DOC), id="base64-text"),
        pytest.param(b64(DOC).encode(), id="base64-bytes"),
        pytest.param("\n".join(b64(DOC)[i : i + 76] for i in range(0, len(b64(DOC)), 76)) + "\n", id="base64-wrapped"),
        pytest.param(json.dumps(DOC), id="json-text"),
        pytest.param(json.dumps(DOC, indent=2).encode(), id="json-bytes-pretty"),
        pytest.param(b"\xef\xbb\xbf" + json.dumps(DOC).encode(), id="json-with-bom"),
        pytest.param(DOC, id="decoded-dict"),
    ],
)
def test_every_payload_shape(payload):
    decoded = decode_payload(payload)
    assert decoded["logEvents"] == DOC["logEvents"]
    events = list(iter_log_events(payload))
    assert [event.message for event in events] == ["a b c", "second"]
    assert events[0] == LogEvent("a b c", 1000, "id0", "G", "S", "123456789010")


def test_missing_optional_fields_default():
    events = list(iter_log_events({"logEvents": [{"message": "m"}]}))
    assert events == [LogEvent("m", None, "", "", "", "")]


def test_float_timestamp_that_is_whole():
    doc = {"messageType": "DATA_MESSAGE", "logEvents": [{"message": "m", "timestamp": 1.4e12}]}
    assert next(iter_log_events(doc)).timestamp == 1400000000000


def test_type_errors_for_non_payload_objects():
    with pytest.raises(TypeError):
        decode_payload(42)  # type: ignore[arg-type]


# --- malformed payloads ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"awslogs": {"data": "not base64!!"}}, "bad base64"),
        ({"awslogs": {"data": "abc"}}, "bad base64"),
        ({"awslogs": {"data": base64.b64encode(b"plain").decode()}}, "not gzip"),
        ({"awslogs": {"data": base64.b64encode(gz(DOC)[:40]).decode()}}, "truncated gzip"),
        ({"awslogs": {"data": base64.b64encode(gzip.compress(b"{nope")).decode()}}, "not JSON"),
        ({"awslogs": {"data": base64.b64encode(gzip.compress(b"[1, 2]")).decode()}}, "expected a JSON object"),
        ({"awslogs": {"data": 12}}, "base64 text"),
        ({"awslogs": {}}, 'no "data"'),
        ({"awslogs": "x"}, 'no "data"'),
        (gz(DOC)[:30], "truncated gzip"),
        (b"\x1f\x8b" + b"\x00" * 30, "gzip"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        ("{not json", "not JSON"),
        ("", "empty payload"),
        ("   \n", "empty payload"),
        ("[]", "expected a JSON object"),
        ('"text"', "expected a JSON object"),
        ({"foo": 1}, "not a CloudWatch Logs payload"),
        ({"messageType": "DATA_MESSAGE"}, 'missing "logEvents"'),
        ({"messageType": 3, "logEvents": []}, '"messageType" must be a string'),
        ({"logGroup": 3, "logEvents": []}, '"logGroup" must be a string'),
        ({"logEvents": {}}, '"logEvents" must be an array'),
        ({"logEvents": ["m"]}, "logEvents[0] must be an object"),
        ({"logEvents": [{"id": "x"}]}, 'logEvents[0] has no "message"'),
        ({"logEvents": [{"message": 5}]}, "logEvents[0].message must be a string"),
        ({"logEvents": [{"message": "m"}, {"message": "m", "timestamp": "soon"}]}, "logEvents[1].timestamp"),
        ({"logEvents": [{"message": "m", "timestamp": True}]}, "logEvents[0].timestamp"),
        ({"logEvents": [{"message": "m", "id": 7}]}, "logEvents[0].id"),
    ],
)
def test_malformed_payloads_raise_payload_error(payload, reason):
    with pytest.raises(PayloadError, match=reason.replace("[", r"\[").replace("]", r"\]")) as info:
        list(iter_log_events(payload))
    assert isinstance(info.value, FerError)


def test_malformed_payload_raises_before_any_event():
    bad = {"logEvents": [{"message": "fine"}, {"message": None}]}
    iterator = None
    with pytest.raises(PayloadError):
        iterator = iter_log_events(bad)
    assert iterator is None


def test_payload_error_renders_place_and_pickles():
    import pickle

    error = PayloadError("truncated gzip data", path="a.json", line=3)
    assert str(error) == "a.json:3: truncated gzip data"
    assert str(PayloadError("x", path="a.json")) == "a.json: x"
    assert str(PayloadError("x")) == "x"
    again = pickle.loads(pickle.dumps(error))
    assert (again.reason, again.path, again.line) == ("truncated gzip data", "a.json", 3)


# --- files -------------------------------------------------------------------------------------


def test_file_with_one_encoded_payload():
    items = list(iter_payload_file(VPC_EVENT))
    assert [line for line, _ in items] == [None] * 7
    assert [event.message for _, event in items] == DEFAULT_V2


def test_file_with_one_pretty_printed_payload():
    items = list(iter_payload_file(VPC_DECODED))
    assert [event.message for _, event in items] == DEFAULT_V2


def test_file_with_raw_gzip_bytes(tmp_path):
    path = tmp_path / "payload.gz"
    path.write_bytes(gz(DOC))
    assert [(line, event.message) for line, event in iter_payload_file(path)] == [(None, "a b c"), (None, "second")]


def test_firehose_style_concatenated_documents(tmp_path):
    path = tmp_path / "firehose"
    path.write_bytes(gzip.compress((json.dumps(document("one")) + json.dumps(document("two"))).encode()))
    assert [event.message for _, event in iter_payload_file(path)] == ["one", "two"]


def test_file_with_one_payload_per_line_reports_line_numbers(tmp_path):
    path = tmp_path / "payloads.ndjson"
    lines = [
        json.dumps(lambda_event(document("first"))),
        "",
        json.dumps(document("second", "third")),
        json.dumps({"awslogs": {"data": "%%%"}}),  # bad base64
        json.dumps({"awslogs": {"data": base64.b64encode(gz(DOC)[:25]).decode()}}),  # truncated gzip
        "{this is not json",
        b64(document("fourth")),
        CONTROL_EVENT.read_text().strip(),  # a control message: no events, no error
        "   ",
        json.dumps(document("fifth")),
    ]
    path.write_text("\n".join(lines) + "\n")
    items = list(iter_payload_file(path))
    good = [(line, item.message) for line, item in items if isinstance(item, LogEvent)]
    bad = [(line, item) for line, item in items if isinstance(item, PayloadError)]
    assert good == [(1, "first"), (3, "second"), (3, "third"), (7, "fourth"), (10, "fifth")]
    assert [line for line, _ in bad] == [4, 5, 6]
    assert all(error.path == str(path) and error.line == line for line, error in bad)
    assert "bad base64" in str(bad[0][1])
    assert "truncated gzip" in str(bad[1][1])
    assert str(bad[2][1]).startswith(f"{path}:6: not JSON")


def test_file_of_json_lines_all_good_keeps_line_numbers(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(document("a")) + "\n\n" + json.dumps(document("b")) + "\n")
    assert [(line, event.message) for line, event in iter_payload_file(path)] == [(1, "a"), (3, "b")]


def test_single_damaged_payload_file_reported_without_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text("{truncated")
    [(line, error)] = list(iter_payload_file(path))
    assert line is None and isinstance(error, PayloadError)
    assert str(error).startswith(f"{path}: not JSON")


def test_truncated_gzip_file(tmp_path):
    path = tmp_path / "bad.gz"
    path.write_bytes(gz(DOC)[:-12])
    [(line, error)] = list(iter_payload_file(path))
    assert isinstance(error, PayloadError) and "truncated gzip" in error.reason and error.path == str(path)


def test_unreadable_file_is_an_error_value(tmp_path):
    [(line, error)] = list(iter_payload_file(tmp_path / "missing.json"))
    assert line is None and isinstance(error, PayloadError) and "cannot read" in str(error)


def test_empty_file_has_no_events_but_an_error(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("")
    [(_, error)] = list(iter_payload_file(path))
    assert isinstance(error, PayloadError) and "empty" in error.reason


def test_iter_payload_data_names_the_source():
    [(_, error)] = list(iter_payload_data(b"garbage", name="<stdin>"))
    assert error.path == "<stdin>"


# --- sniffing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (VPC_EVENT.read_bytes()[:200], True),
        (VPC_DECODED.read_bytes()[:200], True),
        (TEST_EVENT.read_bytes()[:64], True),
        (b'{"messageType":"DATA_MESSAGE"', True),
        (b'  \n{ "awslogs" : {', True),
        (b'\xef\xbb\xbf{"messageType":', True),
        (b'{"owner":"1","logGroup":"g","logEvents":[', True),
        (b64(DOC).encode()[:100], True),
        (b'{"message":"2 123456789010 eni-1 1.1.1.1 2.2.2.2 1 2 6 1 1 1 2 ACCEPT OK"}', False),
        (b'{"owner":"alice","text":"hello"}', False),
        ((DATA / "default-v2.log").read_bytes()[:200], False),
        ((DATA / "v3-tcp-flags.log").read_bytes()[:200], False),
        (b"", False),
        (gz(DOC)[:50], False),  # decompress first
    ],
)
def test_looks_like_payload(head, expected):
    assert looks_like_payload(head) is expected


def test_wrapped_base64_file_is_one_payload(tmp_path):
    text = b64(DOC)
    path = tmp_path / "wrapped.b64"
    path.write_text("\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\n")
    assert [(line, event.message) for line, event in iter_payload_file(path)] == [(None, "a b c"), (None, "second")]


def test_base64_payload_per_line(tmp_path):
    path = tmp_path / "kinesis.txt"
    path.write_text(b64(document("one")) + "\n" + b64(document("two")) + "\n" + "H4sIbroken\n")
    items = list(iter_payload_file(path))
    assert [(line, getattr(item, "message", None)) for line, item in items] == [(1, "one"), (2, "two"), (3, None)]
    assert isinstance(items[2][1], PayloadError)


def test_damaged_pretty_printed_payload_is_one_error(tmp_path):
    path = tmp_path / "damaged.json"
    path.write_text(VPC_DECODED.read_text()[:-40])
    [(line, error)] = list(iter_payload_file(path))
    assert line is None and isinstance(error, PayloadError) and "not JSON" in error.reason


def test_damaged_first_line_of_ndjson_keeps_the_rest(tmp_path):
    path = tmp_path / "p.ndjson"
    path.write_text('{"logEvents": [{"message": "lost"}\n' + json.dumps(document("kept")) + "\n")
    items = list(iter_payload_file(path))
    assert isinstance(items[0][1], PayloadError) and items[0][0] == 1
    assert [(line, item.message) for line, item in items[1:]] == [(2, "kept")]
