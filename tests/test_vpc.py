"""fer.aws.vpc (formats, rules from formats), `fer vpc-rule`, and the example's sample generator."""

from __future__ import annotations

import base64
import gzip
import importlib.util
import json
import re
import sys
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from hypothesis import given

from fer.aws import vpc
from fer.cli import main as cli_main
from fer.errors import FerError
from fer.testing import flow_formats, flow_records, vpc_json_messages

TESTS = Path(__file__).parent
VPC_DATA = TESTS / "data" / "vpc"
GENERATOR = TESTS.parent / "examples" / "vpc_flow_logs" / "generate_sample.py"

CUSTOM_FILES = ("v3-tcp-flags.log", "nat-gateway.log", "transit-gateway.log", "v5-service-path.log")

# The seed's VPCFlowLogFER parse expression, verbatim (seeds/vpc-flow-logs.md).
SEED_EXPRESSION = """json "message" as _rawvpc nodrop
| if (_raw matches "{*", _rawvpc,_raw) as message
| parse field=message "* * * * * * * * * * * * * *" as version,accountID,interfaceID,src_ip,dest_ip,src_port,dest_port,Protocol,Packets,bytes,StartSample,EndSample,Action,status
| fields interfaceid,src_ip,dest_ip,src_port,dest_port,protocol,packets,bytes,action,status"""
SEED_OUTPUT = ("interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets",
               "bytes", "action", "status")

# Every field AWS documents, with the version that introduced it (VPC User Guide, "Flow log records").
DOCUMENTED = {
    2: "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes "
       "start end action log-status",
    3: "vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr",
    4: "region az-id sublocation-type sublocation-id",
    5: "pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path",
    7: "ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn ecs-container-instance-id "
       "ecs-container-id ecs-second-container-id ecs-service-name ecs-task-definition-arn "
       "ecs-task-arn ecs-task-id",
    8: "reject-reason",
}


def _lines(name: str) -> list[str]:
    return (VPC_DATA / name).read_text().splitlines()


def _compile():
    import fer

    return fer.compile


# --------------------------------------------------------------------------- the field table


@pytest.mark.parametrize("version, names", sorted(DOCUMENTED.items()))
def test_every_documented_field_with_its_version(version, names):
    for name in names.split():
        assert vpc.FIELDS[name].version == version, name
        assert vpc.FIELDS[name].description


def test_default_format_is_the_version_2_fields_in_table_order():
    assert vpc.DEFAULT_FORMAT == tuple(DOCUMENTED[2].split())
    assert vpc.DEFAULT_HEADER == DOCUMENTED[2]
    assert list(vpc.FIELDS)[:14] == list(vpc.DEFAULT_FORMAT)


# --------------------------------------------------------------------------- parse_format


@pytest.mark.parametrize("name", CUSTOM_FILES)
def test_parse_format_reads_each_header(name):
    header = _lines(name)[0]
    fields = vpc.parse_format(header)
    assert fields == tuple(header.split())
    # The same format written as a format string gives the same fields.
    assert vpc.parse_format(vpc.format_string(fields)) == fields
    # Every record of the file has one value per field (the double-space record aside).
    for line in _lines(name)[1:]:
        if "  " not in line:
            assert len(line.split(" ")) == len(fields)


def test_parse_format_default_format_both_ways():
    assert vpc.parse_format(vpc.DEFAULT_HEADER) == vpc.DEFAULT_FORMAT
    text = "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} " \
           "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}"
    assert vpc.parse_format(text) == vpc.DEFAULT_FORMAT
    assert vpc.format_string(vpc.DEFAULT_FORMAT) == text


def test_parse_format_tolerates_surrounding_blanks_and_line_ends():
    assert vpc.parse_format("  version  srcaddr\r\n") == ("version", "srcaddr")
    assert vpc.parse_format("\ufeffversion srcaddr") == ("version", "srcaddr")
    assert vpc.parse_format("${version}${srcaddr}") == ("version", "srcaddr")


@pytest.mark.parametrize("text, needle", [
    ("${version} ${srcadr}", "'srcadr' (did you mean 'srcaddr'?)"),
    ("version account-id bogus", "'bogus'"),
    ("${version} ${vpc_id}", "'vpc_id' (did you mean 'vpc-id'?)"),
    ("", "empty flow log format"),
    ("   ", "empty flow log format"),
    ("${version}, ${srcaddr}", "unexpected text ','"),
    ("version srcaddr version", "'version' appears twice"),
])
def test_parse_format_errors_name_the_problem(text, needle):
    with pytest.raises(FerError) as info:
        vpc.parse_format(text)
    assert needle in str(info.value)


def test_unknown_field_errors_are_kept_short():
    with pytest.raises(FerError) as info:
        vpc.parse_format(_lines("default-v2.log")[0])
    assert "and 9 more" in str(info.value)


# --------------------------------------------------------------------------- names and versions


def test_field_names_follow_the_seed_for_the_default_format():
    names = [vpc.field_name(f) for f in vpc.DEFAULT_FORMAT]
    assert names == ["version", "accountID", "interfaceID", "src_ip", "dest_ip", "src_port",
                     "dest_port", "Protocol", "Packets", "bytes", "StartSample", "EndSample",
                     "Action", "status"]
    assert [vpc.output_name(f) for f in vpc.SEED_KEEP] == list(SEED_OUTPUT)


def test_field_names_of_other_fields_replace_dashes():
    for name in vpc.FIELDS:
        if name not in vpc.DEFAULT_FORMAT:
            assert vpc.field_name(name) == name.replace("-", "_")
            assert re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", vpc.field_name(name))
    with pytest.raises(FerError):
        vpc.field_name("nope")


@pytest.mark.parametrize("name, version", [("v3-tcp-flags.log", 3), ("transit-gateway.log", 3),
                                           ("nat-gateway.log", 3), ("v5-service-path.log", 5)])
def test_format_version_is_what_aws_writes(name, version):
    lines = _lines(name)
    fields = vpc.parse_format(lines[0])
    assert vpc.format_version(fields) == version
    if "version" in fields:
        assert {line.split()[fields.index("version")] for line in lines[1:]} == {str(version)}
    assert vpc.format_version(vpc.DEFAULT_FORMAT) == 2
    assert vpc.format_version(["srcaddr", "reject-reason"]) == 8


# --------------------------------------------------------------------------- rule text


def test_rule_for_the_default_format_is_the_seed_rule():
    assert vpc.rule_expression(vpc.DEFAULT_FORMAT) == SEED_EXPRESSION


def test_rule_for_a_custom_format_keeps_every_field():
    fields = vpc.parse_format(_lines("v5-service-path.log")[0])
    text = vpc.rule_expression(fields)
    parse_line = text.splitlines()[2]
    assert parse_line.count("*") == len(fields)
    assert parse_line.endswith(",".join(vpc.field_name(f) for f in fields))
    assert text.splitlines()[3] == "| fields " + ",".join(vpc.output_name(f) for f in fields)


def test_rule_keep_selects_outputs_and_checks_them():
    text = vpc.rule_expression(vpc.DEFAULT_FORMAT, keep=["srcaddr", "start"])
    assert text.endswith("| fields src_ip,StartSample")
    with pytest.raises(FerError, match="not a field of this format"):
        vpc.rule_expression(["srcaddr"], keep=["dstaddr"])
    with pytest.raises(FerError):
        vpc.rule_expression([])


def test_tolerant_rule_is_an_anchored_regex():
    text = vpc.rule_expression(["srcaddr", "action"], tolerant=True)
    assert '| parse regex field=message "^ *(?<src_ip>\\S+) +(?<Action>\\S+) *$"' in text


def test_timestamp_locator_finds_start_raw_and_wrapped():
    for name in ("v3-tcp-flags.log", "v5-service-path.log"):
        lines = _lines(name)
        fields = vpc.parse_format(lines[0])
        locator = re.compile(vpc.timestamp_locator(fields))
        assert locator.groups == 1
        for line in lines[1:]:
            start = line.split()[fields.index("start")]
            assert locator.search(line).group(1) == start
            wrapped = json.dumps({"message": line, "logStream": "eni-1-all 1234567890 1"},
                                 separators=(",", ":"))
            assert locator.search(wrapped).group(1) == start
        assert locator.search(lines[0]) is None  # never in a header line
    assert vpc.timestamp_locator(vpc.DEFAULT_FORMAT) == vpc.SEED_TIMESTAMP_LOCATOR
    assert vpc.timestamp_locator(vpc.parse_format(_lines("nat-gateway.log")[0])) is None


@pytest.mark.parametrize("name", CUSTOM_FILES + ("default",))
def test_rule_file_is_toml_with_source_and_rule(name):
    fields = vpc.DEFAULT_FORMAT if name == "default" else vpc.parse_format(_lines(name)[0])
    doc = tomllib.loads(vpc.rule_file(fields, name="MyRule", category="aws/vpc/custom"))
    assert doc["source"]["category"] == "aws/vpc/custom"
    (processing,) = doc["source"]["processing_rule"]
    assert processing["type"] == "exclude"
    assert re.fullmatch(processing["regex"], vpc.header_line(fields))
    if name != "default":
        for line in _lines(name)[1:]:
            assert not re.fullmatch(processing["regex"], line)
    if "start" in fields:
        assert doc["source"]["timestamp"] == {"format": "epoch",
                                              "locator": vpc.timestamp_locator(fields)}
    else:
        assert "timestamp" not in doc["source"]
    (rule,) = doc["rule"]
    assert rule["name"] == "MyRule"
    assert rule["scope"] == "_sourceCategory=aws/vpc/custom"
    assert rule["parse"].strip() == vpc.rule_expression(fields)


def test_rule_file_quotes_odd_names_and_categories():
    doc = tomllib.loads(vpc.rule_file(vpc.DEFAULT_FORMAT, name='a "quoted" name',
                                      category="my vpc logs"))
    assert doc["rule"][0]["name"] == 'a "quoted" name'
    assert doc["rule"][0]["scope"] == '_sourceCategory="my vpc logs"'
    with pytest.raises(FerError):
        vpc.rule_file(vpc.DEFAULT_FORMAT, category='bad"category')


# --------------------------------------------------------------------------- header_of


def test_header_of_plain_and_gzip(tmp_path):
    text = (VPC_DATA / "v5-service-path.log").read_bytes()
    packed = tmp_path / "object.log.gz"
    packed.write_bytes(gzip.compress(text))
    expected = tuple(_lines("v5-service-path.log")[0].split())
    assert vpc.header_of(VPC_DATA / "v5-service-path.log") == expected
    assert vpc.header_of(packed) == expected


def test_header_of_explains_files_without_a_header(tmp_path):
    with pytest.raises(FerError, match="looks like a record"):
        vpc.header_of(VPC_DATA / "default-v2.log")
    empty = tmp_path / "empty.log"
    empty.write_text("")
    with pytest.raises(FerError, match="empty"):
        vpc.header_of(empty)
    with pytest.raises(FerError):
        vpc.header_of(tmp_path / "missing.log")
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(gzip.compress(b"version srcaddr\n" * 100)[:15])
    with pytest.raises(FerError):
        vpc.header_of(broken)


# --------------------------------------------------------------------------- the command line


def test_cli_prints_a_toml_rule_file(capsys):
    assert cli_main(["vpc-rule", "--header-of", str(VPC_DATA / "transit-gateway.log"),
                     "--name", "TGW", "--category", "aws/tgw"]) == 0
    doc = tomllib.loads(capsys.readouterr().out)
    assert doc["rule"][0]["name"] == "TGW"
    assert doc["source"]["category"] == "aws/tgw"


def test_cli_format_option_and_defaults(capsys):
    assert cli_main(["vpc-rule", "--format", vpc.format_string(vpc.DEFAULT_FORMAT)]) == 0
    doc = tomllib.loads(capsys.readouterr().out)
    assert doc["rule"][0]["name"] == "VPCFlowLogFER"
    assert doc["rule"][0]["parse"].strip() == SEED_EXPRESSION
    assert doc["source"]["timestamp"]["locator"] == vpc.SEED_TIMESTAMP_LOCATOR


def test_cli_keep_and_tolerant(capsys):
    assert cli_main(["vpc-rule", "--format", "${srcaddr} ${dstaddr} ${action}",
                     "--keep", "srcaddr, action", "--tolerant"]) == 0
    parse = tomllib.loads(capsys.readouterr().out)["rule"][0]["parse"]
    assert "parse regex" in parse and parse.strip().endswith("| fields src_ip,action")


def test_cli_unknown_fields_exit_2(capsys):
    assert cli_main(["vpc-rule", "--format", "${version} ${srcadr}"]) == 2
    err = capsys.readouterr().err
    assert "fer vpc-rule:" in err and "'srcadr'" in err and "srcaddr" in err


def test_cli_needs_exactly_one_source(capsys):
    with pytest.raises(SystemExit) as info:
        cli_main(["vpc-rule"])
    assert info.value.code == 2
    with pytest.raises(SystemExit):
        cli_main(["vpc-rule", "--format", "version", "--header-of", "x"])


# --------------------------------------------------------------------------- with the compiler


def _expected(fields: tuple[str, ...], line: str, keep=None) -> dict[str, str]:
    values = dict(zip(fields, line.split(" ")))
    kept = vpc.SEED_KEEP if keep is None and fields == vpc.DEFAULT_FORMAT else (keep or fields)
    return {vpc.output_name(f): values[f] for f in kept}


def test_seed_rule_extracts_every_default_record_raw_and_wrapped():
    pipeline = _compile()(vpc.rule_expression(vpc.DEFAULT_FORMAT))
    assert tuple(pipeline.fields) == SEED_OUTPUT
    for line in _lines("default-v2.log"):
        expected = _expected(vpc.DEFAULT_FORMAT, line)
        assert pipeline.apply(line) == expected
        assert pipeline.apply(json.dumps({"message": line})) == expected
        assert pipeline.apply(json.dumps({"message": line}, separators=(",", ":"))) == expected


@pytest.mark.parametrize("name", CUSTOM_FILES)
def test_generated_rules_extract_every_custom_record(name):
    compile_ = _compile()
    lines = _lines(name)
    fields = vpc.parse_format(lines[0])
    anchor = compile_(vpc.rule_expression(fields))
    tolerant = compile_(vpc.rule_expression(fields, tolerant=True))
    for line in lines[1:]:
        clean = " ".join(line.split())
        expected = _expected(fields, clean)
        assert tolerant.apply(line) == expected
        assert tolerant.apply(json.dumps({"message": line})) == expected
        if line == clean:
            assert anchor.apply(line) == expected
            assert anchor.apply(json.dumps({"message": line})) == expected


def test_double_space_record_shifts_values_with_the_anchor_rule():
    """The documented behaviour (module docstring): an empty value, then everything shifted."""
    lines = _lines("v3-tcp-flags.log")
    fields = vpc.parse_format(lines[0])
    (damaged,) = [line for line in lines if "  " in line]
    out = _compile()(vpc.rule_expression(fields)).apply(damaged)
    assert out["dest_port"] == "43638"
    assert out["pkt_srcaddr"] == ""
    assert out["pkt_dstaddr"] == "10.0.0.62"
    assert out["protocol"] == "52.213.180.42"
    assert out["status"] == "19 OK"


def test_seed_rule_on_generated_records():
    pipeline = _compile()(vpc.rule_expression(vpc.DEFAULT_FORMAT))

    @given(vpc_json_messages(flow_records()))
    def check(message):
        expected = {vpc.output_name(f): message.record.values[f] for f in vpc.SEED_KEEP}
        assert pipeline.apply(message.record.text) == expected
        assert pipeline.apply(message.text) == expected

    check()


def test_generated_rules_on_generated_formats():
    compile_ = _compile()

    @given(flow_formats(max_size=12).flatmap(lambda fmt: flow_records(fmt)))
    def check(record):
        expected = {vpc.output_name(f): v for f, v in record.values.items()}
        assert compile_(vpc.rule_expression(record.format)).apply(record.text) == expected

    check()


@pytest.mark.parametrize("name", CUSTOM_FILES)
def test_rule_file_loads_and_runs_in_the_engine(tmp_path, name):
    _compile()
    import fer

    lines = _lines(name)
    fields = vpc.parse_format(lines[0])
    path = tmp_path / "rules.toml"
    path.write_text(vpc.rule_file(fields, category="aws/vpc/custom"))
    engine = fer.Engine(fer.load_rules(path))
    records = list(engine.process(lines))
    assert len(records) == len(lines) - 1  # the header line is excluded
    for line, record in zip(lines[1:], records):
        values = line.split()
        if "start" in fields:
            assert record["_messagetime"] == int(values[fields.index("start")]) * 1000
        assert record["src_ip"] == values[fields.index("srcaddr")]
        assert record["interfaceid"] == values[fields.index("interface-id")]


# --------------------------------------------------------------------------- the sample generator

KEY_LAYOUT = re.compile(
    r"AWSLogs/(?P<account>\d{12})/vpcflowlogs/(?P<region>[a-z]{2}(?:-[a-z]+)+-\d)/"
    r"(?P<y>\d{4})/(?P<m>\d{2})/(?P<d>\d{2})/"
    r"(?P=account)_vpcflowlogs_(?P=region)_fl-[0-9a-f]{8,17}_"
    r"(?P=y)(?P=m)(?P=d)T\d{4}Z_[0-9a-f]{8}\.log\.gz"
)


@pytest.fixture(scope="module")
def generator():
    spec = importlib.util.spec_from_file_location("generate_sample", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    # Dataclasses look their module up in sys.modules while the class is being built.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def sample(generator, tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    summary = generator.generate(out)
    return out, summary


def _s3_records(out: Path) -> list[str]:
    records = []
    for path in sorted((out / "s3").rglob("*")):
        if path.is_file():
            assert KEY_LAYOUT.fullmatch(path.relative_to(out / "s3").as_posix()), path
            lines = gzip.decompress(path.read_bytes()).decode("ascii").splitlines()
            assert lines[0] == vpc.DEFAULT_HEADER
            assert len(lines) > 1
            records += lines[1:]
    return records


def _cloudwatch_payloads(out: Path) -> list[dict]:
    payloads = []
    for path in sorted((out / "cloudwatch").glob("*.json")):
        for line in path.read_text().splitlines():
            data = json.loads(line)["awslogs"]["data"]
            payloads.append(json.loads(gzip.decompress(base64.b64decode(data))))
    return payloads


def test_sample_s3_objects_follow_the_aws_layout_and_add_up(sample):
    out, summary = sample
    records = _s3_records(out)
    assert len(records) == summary.records == 5000
    assert summary.objects == len(list((out / "s3").rglob("*.log.gz")))
    assert len({line.split()[11] for line in records}) > 1  # several days of traffic
    days = {p.parent.relative_to(out / "s3").as_posix()[-10:] for p in (out / "s3").rglob("*.gz")}
    assert len(days) >= 3
    for line in records:
        assert len(line.split(" ")) == 14


def test_sample_cloudwatch_payloads_carry_the_same_records(sample):
    out, summary = sample
    payloads = _cloudwatch_payloads(out)
    data = [p for p in payloads if p["messageType"] == "DATA_MESSAGE"]
    assert len(payloads) == summary.payloads
    assert [p["messageType"] for p in payloads].count("CONTROL_MESSAGE") == 1
    messages = [e["message"] for p in data for e in p["logEvents"]]
    assert sorted(messages) == sorted(_s3_records(out))
    for payload in data:
        for event in payload["logEvents"]:
            fields = event["message"].split()
            assert event["timestamp"] == int(fields[10]) * 1000
            assert payload["logStream"] == f"{fields[2]}-all"  # one stream per interface


def test_sample_mixes_the_kinds_of_traffic(sample):
    out, _ = sample
    records = [line.split() for line in _s3_records(out)]
    statuses = Counter(r[13] for r in records)
    actions = Counter(r[12] for r in records)
    assert statuses["NODATA"] and statuses["SKIPDATA"] and statuses["OK"]
    assert actions["ACCEPT"] and actions["REJECT"]
    assert any(":" in r[3] for r in records)  # IPv6
    assert len({r[2] for r in records}) >= 4
    assert any(r[3].startswith("10.") for r in records)
    assert any(not r[3].startswith("10.") and r[3] != "-" for r in records)


def test_sample_has_a_spike_and_a_reject_burst(sample):
    out, _ = sample
    bytes_per_minute: dict[int, int] = defaultdict(int)
    rejects_per_minute: Counter[int] = Counter()
    for r in (line.split() for line in _s3_records(out)):
        minute = int(r[10]) // 60
        if r[9] != "-":
            bytes_per_minute[minute] += int(r[9])
        if r[12] == "REJECT":
            rejects_per_minute[minute] += 1
    values = sorted(bytes_per_minute.values())
    median = values[len(values) // 2]
    assert sum(v > 1000 * median for v in values) >= 3
    rejects = sorted(rejects_per_minute.values())
    assert rejects[-1] >= 10 * max(1, rejects[len(rejects) // 2])


def test_sample_is_deterministic_and_fast(generator, tmp_path):
    import time

    began = time.perf_counter()
    first = generator.generate(tmp_path / "a", records=300, days=2, seed=3)
    assert time.perf_counter() - began < 5
    second = generator.generate(tmp_path / "b", records=300, days=2, seed=3)
    assert str(first) == str(second)
    files_a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*") if p.is_file())
    assert files_a == files_b
    for rel in files_a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()


def test_sample_command_line(generator, tmp_path, capsys):
    assert generator.main([str(tmp_path), "--records", "200", "--days", "1", "--seed", "5"]) == 0
    line = capsys.readouterr().out
    assert line.startswith("wrote 200 records") and line.count("\n") == 1
