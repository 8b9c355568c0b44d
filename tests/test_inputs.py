"""fer.inputs: lines (plain, gzip, stdin, directories) and CloudWatch payload files."""

from __future__ import annotations

import base64
import gzip
import io
import json
import tracemalloc
from pathlib import Path

import pytest

from fer.inputs import InputFile, InputStats, expand_inputs, iter_file_messages, iter_messages

DATA = Path(__file__).parent / "data" / "vpc"
DEFAULT = DATA / "default-v2.log"
DEFAULT_LINES = DEFAULT.read_text().splitlines()


class Problems(list):
    def __call__(self, name: str, description: str) -> None:
        self.append((name, description))


def read(inputs, input_format="auto", **kwargs):
    problems = Problems()
    stats = InputStats()
    messages = list(iter_messages([str(i) for i in inputs], input_format, on_problem=problems,
                                  stats=stats, **kwargs))
    return messages, problems, stats


# ---- lines


def test_plain_file_one_message_per_line():
    messages, problems, stats = read([DEFAULT])
    assert messages == DEFAULT_LINES
    assert problems == [] and stats.files == 1 and stats.decode_errors == 0


def test_gzip_detected_by_content_not_name(tmp_path):
    path = tmp_path / "records.txt"  # no .gz suffix on purpose
    path.write_bytes(gzip.compress(DEFAULT.read_bytes()))
    messages, problems, _ = read([path])
    assert messages == DEFAULT_LINES and problems == []


def test_multi_member_gzip(tmp_path):
    path = tmp_path / "two.gz"
    path.write_bytes(gzip.compress(b"a\n") + gzip.compress(b"b\n"))
    assert read([path])[0] == ["a", "b"]


def test_truncated_gzip_keeps_lines_before_the_damage_and_reports(tmp_path):
    data = DEFAULT.read_bytes() * 500
    whole = gzip.compress(data)
    path = tmp_path / "cut.log.gz"
    path.write_bytes(whole[: len(whole) // 2])
    messages, problems, _ = read([path, DEFAULT])
    assert len(problems) == 1
    name, description = problems[0]
    assert name == str(path) and "truncated" in description
    every = DEFAULT_LINES * 500
    damaged = messages[: len(messages) - len(DEFAULT_LINES)]
    assert 0 < len(damaged) < len(every)
    assert damaged == every[: len(damaged)]  # a clean prefix: nothing garbled, nothing reordered
    assert messages[-len(DEFAULT_LINES):] == DEFAULT_LINES  # the next input still read


def test_corrupt_gzip_is_reported(tmp_path):
    path = tmp_path / "bad.gz"
    whole = bytearray(gzip.compress(DEFAULT.read_bytes()))
    whole[20:40] = b"\x00" * 20
    path.write_bytes(bytes(whole))
    messages, problems, _ = read([path])
    assert [name for name, _ in problems] == [str(path)]


def test_line_endings_empty_lines_and_bom(tmp_path):
    path = tmp_path / "crlf.log"
    path.write_bytes(b"\xef\xbb\xbffirst\r\n\r\n\nsecond\r\n  \nin\rside\nlast without newline")
    messages, _, _ = read([path])
    assert messages == ["first", "second", "  ", "in\rside", "last without newline"]


def test_invalid_utf8_is_replaced_and_counted(tmp_path):
    path = tmp_path / "latin1.log"
    path.write_bytes("café\n".encode("latin-1") + b"ok\n" + b"\xff\xfe\n")
    messages, problems, stats = read([path])
    assert messages == ["caf\ufffd", "ok", "\ufffd\ufffd"]
    assert stats.decode_errors == 2 and problems == []


def test_stdin_plain_and_gzip():
    messages, _, _ = read(["-"], stdin=io.BytesIO(b"a\nb\n"))
    assert messages == ["a", "b"]
    messages, _, _ = read([], stdin=io.BytesIO(gzip.compress(b"x\r\ny\n")))
    assert messages == ["x", "y"]


def test_missing_file_is_a_problem_and_the_rest_goes_on(tmp_path):
    messages, problems, _ = read([tmp_path / "nope.log", DEFAULT])
    assert messages == DEFAULT_LINES
    assert problems == [(str(tmp_path / "nope.log"), "cannot read: No such file or directory")]


def test_unreadable_file_is_a_problem(tmp_path, monkeypatch):
    # Permission bits cannot make a file unreadable for root (CI runs as root), so the open itself
    # is made to fail the way it does for an unprivileged user.
    import builtins

    import fer.inputs

    path = tmp_path / "secret.log"
    path.write_text("x\n")

    def denied(name, *args, **kwargs):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied", str(name))
        return builtins.open(name, *args, **kwargs)

    monkeypatch.setattr(fer.inputs, "open", denied, raising=False)
    messages, problems, _ = read([path, DEFAULT])
    assert messages == DEFAULT_LINES
    assert problems == [(str(path), "cannot read: Permission denied")]


def s3_export(root: Path) -> list[str]:
    """An S3 export of VPC flow logs: AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<file>.log.gz"""
    day = root / "AWSLogs" / "123456789010" / "vpcflowlogs" / "us-east-1" / "2024" / "03"
    names = []
    for date, stamp in (("14", "0905"), ("14", "0900"), ("13", "2355")):
        folder = day / date
        folder.mkdir(parents=True, exist_ok=True)
        name = f"123456789010_vpcflowlogs_us-east-1_fl-0123456789abcdef0_202403{date}T{stamp}Z_a1b2c3d4.log.gz"
        (folder / name).write_bytes(gzip.compress(f"header {date}{stamp}\nrecord {date}{stamp}\n".encode()))
        names.append((folder / name).relative_to(root).as_posix())
    (day / "14" / ".DS_Store").write_bytes(b"\x00\x01junk")
    return sorted(names)


def test_directory_walked_in_sorted_order_with_relative_source_names(tmp_path):
    names = s3_export(tmp_path / "bucket")
    messages, problems, stats = read([tmp_path / "bucket"])
    assert problems == [] and stats.files == 3
    assert [m["_sourceName"] for m in messages] == [n for n in names for _ in range(2)]
    assert names[0].startswith("AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/03/13/")
    assert messages[0] == {"_raw": "header 132355", "_sourceName": names[0]}


def test_expand_inputs_lists_files_for_partitioning(tmp_path):
    names = s3_export(tmp_path / "b")
    files = list(expand_inputs([str(tmp_path / "b"), "-", str(DEFAULT)]))
    assert [f.source_name for f in files] == [*names, None, None]
    assert files[3] == InputFile("-", "<stdin>")
    assert files[4].path == str(DEFAULT)


def test_iter_file_messages_per_file(tmp_path):
    messages = list(iter_file_messages(DEFAULT, source_name="vpc/a.log"))
    assert messages[0] == {"_raw": DEFAULT_LINES[0], "_sourceName": "vpc/a.log"}
    assert len(messages) == 7


def test_reading_streams_in_constant_memory(tmp_path):
    path = tmp_path / "big.log.gz"
    line = DEFAULT_LINES[0].encode() + b"\n"
    with gzip.open(path, "wb", compresslevel=1) as handle:
        for _ in range(200):
            handle.write(line * 1000)  # 200,000 lines, ~24 MB uncompressed
    tracemalloc.start()
    count = sum(1 for _ in iter_messages([str(path)], on_problem=Problems()))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 200_000
    assert peak < 4 * 1024 * 1024


def test_unknown_format_is_rejected():
    with pytest.raises(ValueError):
        list(iter_messages([str(DEFAULT)], "xml"))


# ---- CloudWatch payloads

EXPECTED_FIRST = {
    "_raw": DEFAULT_LINES[0],
    "_sourceName": "eni-1235b8ca123456789-all",
    "_sourceHost": "VPCFlowLogs",
    "_messagetime": 1418530010000,
}


@pytest.mark.parametrize("name", ["cloudwatch-vpc-event.json", "cloudwatch-vpc-event.decoded.json"])
@pytest.mark.parametrize("input_format", ["auto", "cloudwatch"])
def test_cloudwatch_payload_file(name, input_format):
    messages, problems, _ = read([DATA / name], input_format)
    assert problems == []
    assert [m["_raw"] for m in messages] == DEFAULT_LINES
    assert messages[0] == EXPECTED_FIRST
    assert messages[6]["_messagetime"] == 1477913708000


def test_control_message_yields_nothing():
    messages, problems, _ = read([DATA / "cloudwatch-control-event.json"])
    assert messages == [] and problems == []


def test_one_payload_per_line_with_a_malformed_one(tmp_path):
    encoded = json.dumps(json.loads((DATA / "cloudwatch-vpc-event.json").read_text()))
    control = json.dumps(json.loads((DATA / "cloudwatch-control-event.json").read_text()))
    test_event = json.dumps(json.loads((DATA / "cloudwatch-test-event.json").read_text()))
    path = tmp_path / "payloads.ndjson"
    path.write_text("\n".join([encoded, control, '{"awslogs": {"data": "bm90IGd6aXA="}}', "", test_event]) + "\n")
    messages, problems, _ = read([path])
    assert len(messages) == 7 + 2
    assert messages[-1]["_raw"] == "[ERROR] Second test message"
    assert messages[-1]["_sourceHost"] == "testLogGroup"
    assert len(problems) == 1
    name, description = problems[0]
    assert name == str(path) and description.startswith("line 3: malformed payload")


def test_gzipped_decoded_payload_is_detected(tmp_path):
    path = tmp_path / "payload.gz"
    path.write_bytes(gzip.compress((DATA / "cloudwatch-vpc-event.decoded.json").read_bytes()))
    messages, problems, _ = read([path])
    assert messages[0] == EXPECTED_FIRST and problems == []


def test_raw_gzip_payload_from_lambda_data(tmp_path):
    event = json.loads((DATA / "cloudwatch-vpc-event.json").read_text())
    path = tmp_path / "kinesis.bin"
    path.write_bytes(base64.b64decode(event["awslogs"]["data"]))
    messages, problems, _ = read([path], "cloudwatch")
    assert len(messages) == 7 and problems == []


def test_malformed_payload_file_in_cloudwatch_mode(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"messageType": "DATA_MESSAGE", "logEvents": [\n')
    messages, problems, _ = read([path, DATA / "cloudwatch-test-event.json"], "cloudwatch")
    assert [name for name, _ in problems] == [str(path)]
    assert len(messages) == 2  # the next file still read


def test_plain_lines_in_cloudwatch_mode_are_problems(tmp_path):
    messages, problems, _ = read([DEFAULT], "cloudwatch")
    assert messages == [] and problems and problems[0][0] == str(DEFAULT)


def test_lines_mode_reads_a_payload_file_as_lines():
    messages, _, _ = read([DATA / "cloudwatch-test-event.json"], "lines")
    assert messages == [(DATA / "cloudwatch-test-event.json").read_text().strip()]


def test_vpc_json_lines_are_not_payloads(tmp_path):
    path = tmp_path / "vpc-json.log"
    path.write_text('{"message": "2 123456789010 eni-1 - - - - - - - 1431280876 1431280934 - NODATA"}\n')
    messages, problems, _ = read([path])
    assert messages == [path.read_text().strip()] and problems == []


def test_payload_under_directory_keeps_stream_as_source_name(tmp_path):
    folder = tmp_path / "cw" / "2024"
    folder.mkdir(parents=True)
    (folder / "event.json").write_bytes((DATA / "cloudwatch-vpc-event.json").read_bytes())
    messages, _, _ = read([tmp_path / "cw"])
    assert messages[0]["_sourceName"] == "eni-1235b8ca123456789-all"
