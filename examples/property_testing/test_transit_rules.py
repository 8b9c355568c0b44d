"""Property tests for a rule file of your own, with the strategies in `fer.testing`.

    pip install "/path/to/fer[test]"   # from a checkout (distribution fer-rules); Hypothesis comes with the test extra
    pytest examples/property_testing

Example-based tests check the records you thought of; these check every record AWS could write in
your format: IPv4 and IPv6, NODATA and SKIPDATA records full of `-`, ports, protocols, TCP flags,
raw or wrapped by the collection Lambda, and hostile messages your rule must survive.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

import fer
from fer.testing import FlowRecord, flow_records, messages, vpc_json_messages

RULES = fer.load_rules(Path(__file__).with_name("rules.toml"))
RULE = RULES["TransitFlowLogs"].pipeline

# The format the flow log was created with (aws ec2 create-flow-logs --log-format "${version} ...").
FORMAT = (
    "version", "vpc-id", "subnet-id", "instance-id", "interface-id", "account-id", "type",
    "srcaddr", "dstaddr", "srcport", "dstport", "pkt-srcaddr", "pkt-dstaddr", "protocol",
    "bytes", "packets", "start", "end", "action", "tcp-flags", "log-status",
)
# Our field for each AWS field the rule keeps.
OURS = {
    "vpc-id": "vpc_id", "subnet-id": "subnet_id", "interface-id": "interface_id",
    "srcaddr": "src_ip", "dstaddr": "dest_ip", "srcport": "src_port", "dstport": "dest_port",
    "pkt-srcaddr": "pkt_src_ip", "pkt-dstaddr": "pkt_dest_ip", "protocol": "protocol",
    "bytes": "bytes", "packets": "packets", "action": "action", "tcp-flags": "tcp_flags",
    "log-status": "status",
}
VERDICT = {"REJECT": "blocked", "ACCEPT": "allowed", "-": "none"}

records = flow_records(FORMAT)


def expected(record: FlowRecord) -> dict[str, str]:
    """What the rule must extract: worked out from the values the record was built from."""
    fields = {ours: record.values[aws] for aws, ours in OURS.items()}
    fields["verdict"] = VERDICT[record.values["action"]]
    return fields


@given(records)
def test_every_record_gives_its_values(record: FlowRecord) -> None:
    assert RULE.apply(record.text) == expected(record)


@given(vpc_json_messages(records))
def test_wrapped_records_give_the_same_values(message) -> None:
    # The Lambda's VPC-JSON mode: {"message": "<record>", "logStream": ..., "direction": ...}
    assert RULE.apply(message.text) == expected(message.record)


@given(flow_records(FORMAT, status=["NODATA", "SKIPDATA"]))
def test_records_without_traffic(record: FlowRecord) -> None:
    fields = RULE.apply(record.text)
    assert fields is not None
    assert fields["status"] == record.status
    assert fields["src_ip"] == fields["action"] == "-"
    assert fields["verdict"] == "none"


@given(st.lists(st.one_of(messages(), records.map(lambda r: r.text)), max_size=8))
def test_the_engine_never_loses_a_message(batch: list[str]) -> None:
    engine = fer.Engine(RULES)
    out = list(engine.process(batch))
    assert [record["_raw"] for record in out] == batch
    assert RULE.internal_errors == 0  # no message made the generated code fail
