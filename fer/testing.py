"""Hypothesis strategies for property-testing rules: VPC flow records, their deliveries, hostile
messages and random valid parse expressions.

Import them in your own tests (Hypothesis is a test dependency, not a runtime one):

    from hypothesis import given
    import fer
    from fer.aws import vpc
    from fer.testing import vpc_json_messages

    RULE = fer.compile(vpc.rule_expression(vpc.DEFAULT_FORMAT))   # the seed's VPCFlowLogFER

    @given(vpc_json_messages())
    def test_rule_reads_raw_and_wrapped_records(message):
        assert RULE.apply(message.text)["src_ip"] == message.record.values["srcaddr"]
        assert RULE.apply(message.record.text) == RULE.apply(message.text)

Every record strategy produces records that AWS could have written: values separated by single
spaces, `-` where AWS writes it (NODATA/SKIPDATA records, absent ECS metadata, ingress traffic
path, ...), ids in the real shapes (`eni-` + 17 hex digits, 12-digit accounts), start <= end. The
strategies are built from draws, never from filters, so they stay fast and shrink to plain records
(status OK, IPv4, TCP).
"""

from __future__ import annotations

import base64
import functools
import gzip
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Final

from hypothesis import strategies as st
from hypothesis.strategies import DrawFn, SearchStrategy

from fer.aws.vpc import DEFAULT_FORMAT, FIELDS, field_name, format_version, header_line

__all__ = [
    "FlowRecord",
    "VpcJsonMessage",
    "flow_records",
    "flow_formats",
    "vpc_json_messages",
    "cloudwatch_payloads",
    "s3_objects",
    "s3_key",
    "encode_payload",
    "messages",
    "expressions",
]


# --------------------------------------------------------------------------- records


@dataclass(frozen=True, eq=True)
class FlowRecord:
    """One flow log record: its line, and each value by AWS field name.

    >>> r = FlowRecord(("srcaddr", "action"), "10.0.0.1 ACCEPT", {"srcaddr": "10.0.0.1", "action": "ACCEPT"})
    >>> r.fields()
    {'src_ip': '10.0.0.1', 'Action': 'ACCEPT'}
    """

    format: tuple[str, ...]
    text: str
    values: dict[str, str] = field(hash=False)
    # The record's log status even when the format leaves `log-status` out (NODATA and SKIPDATA
    # records write `-` for every flow attribute).
    status: str = "OK"

    def __hash__(self) -> int:
        return hash(self.text)

    def fields(self, names: Callable[[str], str] = field_name) -> dict[str, str]:
        """The values keyed by `names(aws_field)`: fer's field names by default."""
        return {names(f): self.values[f] for f in self.format}


@dataclass(frozen=True, eq=True)
class VpcJsonMessage:
    """A record as the collection Lambda's VPC-JSON mode sends it: `text` is the compact JSON."""

    text: str
    record: FlowRecord
    document: dict[str, Any] = field(hash=False)

    def __hash__(self) -> int:
        return hash(self.text)


# Values AWS writes as `-` in NODATA and SKIPDATA records (no flow, so no flow attributes).
_NO_FLOW_DASH: Final = frozenset({
    "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "action",
    "tcp-flags", "type", "pkt-srcaddr", "pkt-dstaddr", "pkt-src-aws-service", "pkt-dst-aws-service",
    "flow-direction", "traffic-path", "reject-reason", "encryption-status",
    "ecs-cluster-arn", "ecs-cluster-name", "ecs-container-instance-arn", "ecs-container-instance-id",
    "ecs-container-id", "ecs-second-container-id", "ecs-service-name", "ecs-task-definition-arn",
    "ecs-task-arn", "ecs-task-id", "resource-id",
})
_ECS_FIELDS: Final = tuple(f for f in FIELDS if f.startswith("ecs-"))

_HEX: Final = "0123456789abcdef"
_REGIONS: Final[dict[str, str]] = {
    "us-east-1": "use1", "us-west-2": "usw2", "eu-west-1": "euw1", "eu-central-1": "euc1",
    "ap-southeast-2": "apse2", "ap-northeast-1": "apne1", "sa-east-1": "sae1",
}
_SERVICE_PORTS: Final = (22, 80, 443, 3389, 53, 123, 25, 3306, 5432, 6379, 8080, 9200, 5001)
# The flags VPC flow logs report: FIN 1, SYN 2, RST 4, SYN-ACK 18, and their ORs within an interval.
_TCP_FLAGS: Final = ("2", "18", "3", "19", "1", "4", "0", "6", "22")
_AWS_SERVICES: Final = (
    "AMAZON", "AMAZON_APPFLOW", "AMAZON_CONNECT", "API_GATEWAY", "CLOUDFRONT", "CODEBUILD",
    "DYNAMODB", "EBS", "EC2", "EC2_INSTANCE_CONNECT", "GLOBALACCELERATOR", "KINESIS_VIDEO_STREAMS",
    "ROUTE53", "ROUTE53_HEALTHCHECKS", "ROUTE53_RESOLVER", "S3", "WORKSPACES_GATEWAYS",
)
_EPOCH_MIN: Final = 1_400_000_000  # 2014: flow logs were announced in 2015
_EPOCH_MAX: Final = 1_900_000_000


# Strategies are built once and reused: building one per draw costs more than the draw itself
# (validation dominated the profile, about 5 ms per default record before caching).
@functools.cache
def _choice(values: tuple[Any, ...]) -> SearchStrategy[Any]:
    return st.sampled_from(values)


@functools.cache
def _ints(low: int, high: int) -> SearchStrategy[int]:
    return st.integers(low, high)


@functools.cache
def _hex(n: int) -> SearchStrategy[str]:
    return st.text(alphabet=_HEX, min_size=n, max_size=n)


@functools.cache
def _resource_id(prefix: str) -> SearchStrategy[str]:
    # New-style ids have 17 hex digits; resources created before 2018 may still carry 8.
    return st.one_of(_hex(17), _hex(8)).map(lambda h: f"{prefix}-{h}")


_ACCOUNTS: Final = st.text(alphabet="0123456789", min_size=12, max_size=12)


@dataclass(frozen=True)
class _Context:
    """Values shared by the records of one delivery (one S3 object, one CloudWatch stream)."""

    account: str | None = None
    region: str | None = None
    interface: str | None = None


@functools.cache
def _private_ipv4() -> SearchStrategy[str]:
    return st.one_of(
        st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(1, 254)).map(
            lambda t: f"10.{t[0]}.{t[1]}.{t[2]}"),
        st.tuples(st.integers(16, 31), st.integers(0, 255), st.integers(1, 254)).map(
            lambda t: f"172.{t[0]}.{t[1]}.{t[2]}"),
        st.tuples(st.integers(0, 255), st.integers(1, 254)).map(lambda t: f"192.168.{t[0]}.{t[1]}"),
    )


@functools.cache
def _address(family: str) -> SearchStrategy[str]:
    if family == "6":
        return st.ip_addresses(v=6).map(str)
    return st.one_of(_private_ipv4(), st.ip_addresses(v=4).map(str))


_PACKETS: Final = st.one_of(st.integers(1, 100), st.integers(1, 2_000_000))
_INSTANCE: Final = st.one_of(_resource_id("i"), st.just("-"))
_SERVICE: Final = st.one_of(st.just("-"), st.sampled_from(_AWS_SERVICES))
_SECOND_CONTAINER: Final = st.one_of(st.just("-"), _hex(64))
_NAT: Final = st.one_of(st.just("-"), _resource_id("nat"))


class _RecordBuilder:
    """Draws the values of one record lazily, so that a format only pays for its own fields."""

    def __init__(self, draw: DrawFn, status: str, ctx: _Context) -> None:
        self.draw = draw
        self.status = status
        self.ctx = ctx
        self.cache: dict[str, str] = {}
        self.flow = status == "OK"

    def get(self, name: str) -> str:
        if name not in self.cache:
            if not self.flow and name in _NO_FLOW_DASH:
                self.cache[name] = "-"
            else:
                self.cache[name] = getattr(self, "v_" + name.replace("-", "_"))()
        return self.cache[name]

    # -- shared choices -------------------------------------------------------------------
    def family(self) -> str:
        if "_family" not in self.cache:
            self.cache["_family"] = self.draw(_choice(("4", "4", "4", "6")))
        return self.cache["_family"]

    def ports(self) -> tuple[str, str]:
        if "_ports" not in self.cache:
            proto = self.get("protocol")
            if proto in ("6", "17"):
                service = str(self.draw(_choice(_SERVICE_PORTS)))
                ephemeral = str(self.draw(_ints(1024, 65535)))
                to_service = self.draw(_choice((False, True)))
                pair = (ephemeral, service) if to_service else (service, ephemeral)
            else:  # ICMP and others carry no ports
                pair = ("0", "0")
            self.cache["_ports"] = "{} {}".format(*pair)
        src, dst = self.cache["_ports"].split()
        return src, dst

    def region(self) -> str:
        if self.ctx.region:
            return self.ctx.region
        if "_region" not in self.cache:
            self.cache["_region"] = self.draw(_choice(tuple(sorted(_REGIONS))))
        return self.cache["_region"]

    def ecs(self) -> bool:
        if "_ecs" not in self.cache:
            self.cache["_ecs"] = "1" if self.draw(_ints(0, 4)) == 0 else ""
        return bool(self.cache["_ecs"])

    # -- one method per field -------------------------------------------------------------
    def v_version(self) -> str:
        return "2"  # replaced by the format's version in _draw_record

    def v_account_id(self) -> str:
        return self.ctx.account or self.draw(_ACCOUNTS)

    def v_interface_id(self) -> str:
        return self.ctx.interface or self.draw(_resource_id("eni"))

    def v_srcaddr(self) -> str:
        return self.draw(_address(self.family()))

    def v_dstaddr(self) -> str:
        return self.draw(_address(self.family()))

    def v_srcport(self) -> str:
        return self.ports()[0]

    def v_dstport(self) -> str:
        return self.ports()[1]

    def v_protocol(self) -> str:
        kind = self.draw(_choice(("6", "6", "17", "icmp", "47", "50")))
        if kind == "icmp":
            return "58" if self.family() == "6" else "1"
        return kind

    def v_packets(self) -> str:
        return str(self.draw(_PACKETS))

    def v_bytes(self) -> str:
        # At least one minimal packet per packet, at most a jumbo frame per packet.
        per_packet = self.draw(_ints(20, 9001))
        return str(int(self.get("packets")) * per_packet)

    def v_start(self) -> str:
        return str(self.draw(_ints(_EPOCH_MIN, _EPOCH_MAX)))

    def v_end(self) -> str:
        return str(int(self.get("start")) + self.draw(_ints(0, 600)))

    def v_action(self) -> str:
        return self.draw(_choice(("ACCEPT", "REJECT")))

    def v_log_status(self) -> str:
        return self.status

    def v_vpc_id(self) -> str:
        return self.draw(_resource_id("vpc"))

    def v_subnet_id(self) -> str:
        return self.draw(_resource_id("subnet"))

    def v_instance_id(self) -> str:
        # '-' for requester-managed interfaces (NAT gateways, load balancers, endpoints).
        return self.draw(_INSTANCE)

    def v_tcp_flags(self) -> str:
        return self.draw(_choice(_TCP_FLAGS)) if self.get("protocol") == "6" else "0"

    def v_type(self) -> str:
        return "IPv6" if self.family() == "6" else "IPv4"

    def v_pkt_srcaddr(self) -> str:
        same = self.draw(_ints(0, 3)) > 0
        return self.get("srcaddr") if same else self.draw(_address(self.family()))

    def v_pkt_dstaddr(self) -> str:
        same = self.draw(_ints(0, 3)) > 0
        return self.get("dstaddr") if same else self.draw(_address(self.family()))

    def v_region(self) -> str:
        return self.region()

    def v_az_id(self) -> str:
        return f"{_REGIONS.get(self.region(), 'use1')}-az{self.draw(_ints(1, 6))}"

    def v_sublocation_type(self) -> str:
        if "_subloc" not in self.cache:
            self.cache["_subloc"] = self.draw(
                _choice(("-", "-", "-", "outpost", "localzone", "wavelength")))
        return self.cache["_subloc"]

    def v_sublocation_id(self) -> str:
        kind = self.v_sublocation_type()
        code = _REGIONS.get(self.region(), "use1")
        if kind == "outpost":
            return self.draw(_resource_id("op"))
        if kind == "localzone":
            return f"{code}-bos1-az1"
        if kind == "wavelength":
            return f"{code}-wl1-bos-wlz1"
        return "-"

    def v_pkt_src_aws_service(self) -> str:
        return self.draw(_SERVICE)

    def v_pkt_dst_aws_service(self) -> str:
        return self.draw(_SERVICE)

    def v_flow_direction(self) -> str:
        return self.draw(_choice(("ingress", "egress")))

    def v_traffic_path(self) -> str:
        if self.get("flow-direction") == "ingress":
            return "-"  # AWS documents the path for egress traffic only
        return str(self.draw(_ints(1, 8)))

    def _ecs_value(self, make: Callable[[], str]) -> str:
        return make() if self.ecs() else "-"

    def _ecs_ids(self) -> dict[str, str]:
        if "_ecs_cluster" not in self.cache:
            self.cache["_ecs_cluster"] = self.draw(_choice(("default", "web", "batch-jobs")))
            self.cache["_ecs_service"] = self.draw(_choice(("api", "worker", "frontend")))
            self.cache["_ecs_task"] = self.draw(_hex(32))
            self.cache["_ecs_ci"] = self.draw(_hex(32))
        account = self.ctx.account or self.cache.setdefault("_ecs_account", self.draw(_ACCOUNTS))
        prefix = f"arn:aws:ecs:{self.region()}:{account}"
        cluster = self.cache["_ecs_cluster"]
        return {
            "cluster": cluster,
            "prefix": prefix,
            "service": self.cache["_ecs_service"],
            "task": self.cache["_ecs_task"],
            "ci": self.cache["_ecs_ci"],
        }

    def v_ecs_cluster_arn(self) -> str:
        return self._ecs_value(lambda: "{prefix}:cluster/{cluster}".format(**self._ecs_ids()))

    def v_ecs_cluster_name(self) -> str:
        return self._ecs_value(lambda: self._ecs_ids()["cluster"])

    def v_ecs_container_instance_arn(self) -> str:
        return self._ecs_value(
            lambda: "{prefix}:container-instance/{cluster}/{ci}".format(**self._ecs_ids()))

    def v_ecs_container_instance_id(self) -> str:
        return self._ecs_value(lambda: self._ecs_ids()["ci"])

    def v_ecs_container_id(self) -> str:
        return self._ecs_value(lambda: self.draw(_hex(64)))

    def v_ecs_second_container_id(self) -> str:
        return self._ecs_value(lambda: self.draw(_SECOND_CONTAINER))

    def v_ecs_service_name(self) -> str:
        return self._ecs_value(lambda: self._ecs_ids()["service"])

    def v_ecs_task_definition_arn(self) -> str:
        return self._ecs_value(
            lambda: "{prefix}:task-definition/{service}:".format(**self._ecs_ids())
            + str(self.draw(_ints(1, 40))))

    def v_ecs_task_arn(self) -> str:
        return self._ecs_value(lambda: "{prefix}:task/{cluster}/{task}".format(**self._ecs_ids()))

    def v_ecs_task_id(self) -> str:
        return self._ecs_value(lambda: self._ecs_ids()["task"])

    def v_reject_reason(self) -> str:
        if self.get("action") != "REJECT":
            return "-"
        return self.draw(_choice(("-", "-", "BPA")))

    def v_resource_id(self) -> str:
        return self.draw(_NAT)

    def v_encryption_status(self) -> str:
        return self.draw(_choice(("-", "0", "1", "2", "3")))


_STATUSES: Final = ("OK",) * 18 + ("NODATA", "SKIPDATA")


def _status_strategy(status: str | Iterable[str] | None) -> SearchStrategy[str]:
    if status is None:
        return st.sampled_from(_STATUSES)
    if isinstance(status, str):
        return st.just(status)
    return st.sampled_from(tuple(status))


def _check_format(fields: Iterable[str]) -> tuple[str, ...]:
    fields = tuple(fields)
    unknown = [f for f in fields if f not in FIELDS]
    if unknown or not fields:
        raise ValueError(f"not a flow log format: unknown fields {unknown}" if unknown else
                         "a flow log format needs at least one field")
    return fields


def _draw_record(draw: DrawFn, fields: tuple[str, ...], version: int | None,
                 status: SearchStrategy[str], ctx: _Context) -> FlowRecord:
    builder = _RecordBuilder(draw, draw(status), ctx)
    values = {name: builder.get(name) for name in fields}
    if "version" in values:
        values["version"] = str(version if version is not None else format_version(fields))
    return FlowRecord(fields, " ".join(values[f] for f in fields), values, builder.status)


def flow_records(
    fields: Iterable[str] = DEFAULT_FORMAT,
    *,
    version: int | None = None,
    status: str | Iterable[str] | None = None,
) -> SearchStrategy[FlowRecord]:
    """Valid flow log records of a format (default: the 14 version-2 fields).

    `version` overrides the value written in the `version` field (default: what AWS writes, 2 for
    the default format, else the highest version among the fields). `status` fixes the log status
    (`"OK"`, `"NODATA"`, `"SKIPDATA"` or several of them); by default most records are OK.

    >>> from hypothesis import given
    >>> @given(flow_records(["srcaddr", "dstaddr", "action"], status="OK"))
    ... def test(record):
    ...     assert record.text.split(" ") == [record.values[f] for f in record.format]
    >>> test()
    """
    fields = _check_format(fields)
    statuses = _status_strategy(status)

    @st.composite
    def build(draw: DrawFn) -> FlowRecord:
        return _draw_record(draw, fields, version, statuses, _Context())

    return build()


def flow_formats(*, min_size: int = 1, max_size: int | None = None) -> SearchStrategy[tuple[str, ...]]:
    """Custom formats: distinct documented fields in any order.

    >>> from hypothesis import given
    >>> @given(flow_formats(max_size=5))
    ... def test(fmt):
    ...     assert 1 <= len(fmt) <= 5 and len(set(fmt)) == len(fmt)
    >>> test()
    """
    return st.lists(st.sampled_from(tuple(FIELDS)), min_size=min_size, max_size=max_size,
                    unique=True).map(tuple)


# --------------------------------------------------------------------------- deliveries


def _compact(document: Mapping[str, Any]) -> str:
    # The Lambda runs on Node.js: JSON.stringify writes no spaces and leaves non-ASCII as is.
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def _include(choice: bool | None) -> SearchStrategy[bool]:
    return st.booleans() if choice is None else st.just(choice)


def vpc_json_messages(
    records: SearchStrategy[FlowRecord] | None = None,
    *,
    log_info: bool | None = None,
    security_groups: bool | None = None,
) -> SearchStrategy[VpcJsonMessage]:
    """Records wrapped as the collection Lambda's VPC-JSON mode sends them.

    `{"message": <record>}` plus `logStream`/`logGroup` (INCLUDE_LOG_INFO) and `security-group-ids`
    (array), `direction`, `subnet-id`, `vpc-id`, `aws-region` (INCLUDE_SECURITY_GROUP_INFO), keys in
    that order, compact JSON. `log_info` and `security_groups`: True always, False never, None
    either. `direction` is left out for records without a flow (NODATA, SKIPDATA).

    >>> from hypothesis import given
    >>> @given(vpc_json_messages(log_info=True))
    ... def test(m):
    ...     assert m.text.startswith('{"message":"') and '"logStream":' in m.text
    >>> test()
    """
    records = records if records is not None else flow_records()
    with_log_info = _include(log_info)
    with_groups = _include(security_groups)

    @st.composite
    def build(draw: DrawFn) -> VpcJsonMessage:
        record = draw(records)
        doc: dict[str, Any] = {"message": record.text}
        interface = record.values.get("interface-id") or draw(_resource_id("eni"))
        if draw(with_log_info):
            doc["logStream"] = f"{interface}-all"
            doc["logGroup"] = draw(st.sampled_from(("VPCFlowLogs", "/aws/vpc/flowlogs")))
        if draw(with_groups):
            doc["security-group-ids"] = draw(st.lists(_resource_id("sg"), min_size=1, max_size=3,
                                                      unique=True))
            if record.values.get("log-status", "OK") == "OK":
                doc["direction"] = draw(st.sampled_from(("inbound", "outbound", "internal")))
            doc["subnet-id"] = record.values.get("subnet-id") or draw(_resource_id("subnet"))
            doc["vpc-id"] = record.values.get("vpc-id") or draw(_resource_id("vpc"))
            doc["aws-region"] = record.values.get("region") or draw(st.sampled_from(sorted(_REGIONS)))
        return VpcJsonMessage(_compact(doc), record, doc)

    return build()


def _event_id(timestamp_ms: int, sequence: int) -> str:
    # CloudWatch Logs event ids are 56-digit decimal strings.
    return f"{timestamp_ms:020d}{sequence:036d}"[-56:]


def _payload(owner: str, group: str, stream: str, messages: list[tuple[int, str]]) -> dict[str, Any]:
    return {
        "messageType": "DATA_MESSAGE",
        "owner": owner,
        "logGroup": group,
        "logStream": stream,
        "subscriptionFilters": ["SumoCWLogsLambda"],
        "logEvents": [
            {"id": _event_id(ts, i), "timestamp": ts, "message": text}
            for i, (ts, text) in enumerate(messages)
        ],
    }


def encode_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """`{"awslogs": {"data": base64(gzip(json))}}`, as a Lambda subscription receives a payload."""
    data = gzip.compress(json.dumps(payload).encode("utf-8"), mtime=0)
    return {"awslogs": {"data": base64.b64encode(data).decode("ascii")}}


def cloudwatch_payloads(
    records: SearchStrategy[FlowRecord] | None = None,
    *,
    encoded: bool = True,
    max_events: int = 10,
) -> SearchStrategy[dict[str, Any]]:
    """CloudWatch Logs subscription payloads carrying flow records, one log event per record.

    A DATA_MESSAGE with `owner`, `logGroup`, `logStream` (`<eni>-all`), `subscriptionFilters` and
    `logEvents` whose `timestamp` is the record's `start` × 1000, in time order. With the default
    `records` every event is a default-format record of the stream's interface and the owner's
    account, as CloudWatch delivers them (one stream per interface); with your own `records` the
    stream and owner follow the first record. `encoded=True` gives `{"awslogs": {"data": …}}` as the
    Lambda receives it, `encoded=False` the decoded dict.

    >>> from hypothesis import given
    >>> @given(cloudwatch_payloads(encoded=False))
    ... def test(p):
    ...     assert p["messageType"] == "DATA_MESSAGE" and p["logEvents"]
    >>> test()
    """
    statuses = _status_strategy(None)

    @st.composite
    def build(draw: DrawFn) -> dict[str, Any]:
        count = draw(_ints(1, max_events))
        if records is None:
            ctx = _Context(account=draw(_ACCOUNTS), interface=draw(_resource_id("eni")))
            batch = [_draw_record(draw, DEFAULT_FORMAT, None, statuses, ctx) for _ in range(count)]
        else:
            batch = [draw(records) for _ in range(count)]
        owner = batch[0].values.get("account-id") or draw(_ACCOUNTS)
        interface = batch[0].values.get("interface-id") or draw(_resource_id("eni"))
        fallback = draw(_ints(_EPOCH_MIN, _EPOCH_MAX))
        events = sorted((int(r.values.get("start", fallback)) * 1000, r.text) for r in batch)
        payload = _payload(owner, "VPCFlowLogs", f"{interface}-all", events)
        return encode_payload(payload) if encoded else payload

    return build()


def s3_key(account: str, region: str, flow_log_id: str, when: datetime, digest: str) -> str:
    """The key AWS gives a flow log object: `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/
    <account>_vpcflowlogs_<region>_<fl-id>_YYYYMMDDTHHmmZ_<hash>.log.gz`."""
    day = when.strftime("%Y/%m/%d")
    stamp = when.strftime("%Y%m%dT%H%MZ")
    return (f"AWSLogs/{account}/vpcflowlogs/{region}/{day}/"
            f"{account}_vpcflowlogs_{region}_{flow_log_id}_{stamp}_{digest}.log.gz")


def s3_objects(
    fields: Iterable[str] = DEFAULT_FORMAT, *, max_records: int = 20
) -> SearchStrategy[tuple[str, bytes]]:
    """S3 flow log objects: `(key, gzip bytes)` holding the format's header line and records of one
    account and Region, the key in AWS's layout and timed at the 5-minute window of the first start.

    >>> import gzip
    >>> from hypothesis import given
    >>> @given(s3_objects())
    ... def test(obj):
    ...     key, data = obj
    ...     assert key.endswith(".log.gz")
    ...     assert gzip.decompress(data).decode().startswith("version account-id ")
    >>> test()
    """
    fields = _check_format(fields)
    statuses = _status_strategy(None)

    @st.composite
    def build(draw: DrawFn) -> tuple[str, bytes]:
        ctx = _Context(account=draw(_ACCOUNTS), region=draw(st.sampled_from(sorted(_REGIONS))))
        count = draw(st.integers(0, max_records))
        batch = [_draw_record(draw, fields, None, statuses, ctx) for _ in range(count)]
        starts = [int(r.values["start"]) for r in batch if "start" in r.values]
        first = min(starts) if starts else draw(st.integers(_EPOCH_MIN, _EPOCH_MAX))
        when = datetime.fromtimestamp(first - first % 300, tz=timezone.utc)
        key = s3_key(ctx.account or "", ctx.region or "", draw(_hex(17).map(lambda h: f"fl-{h}")),
                     when, draw(_hex(8)))
        body = "".join(line + "\n" for line in [header_line(fields), *(r.text for r in batch)])
        return key, gzip.compress(body.encode("utf-8"), mtime=0)

    return build()


# --------------------------------------------------------------------------- hostile messages


_JSON_SCALARS: Final = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**63), 2**63), st.floats(allow_nan=False),
    st.text(max_size=20),
)
_JSON_VALUES: Final = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def _mangled_record() -> SearchStrategy[str]:
    """Default-format records with delivery damage: doubled or tab separators, cut short, padded."""
    def mangle(text: str, how: int, where: int) -> str:
        cut = where % (len(text) + 1)
        return [
            text.replace(" ", "  ", 1 + where % 3),
            text.replace(" ", "\t"),
            text[:cut],
            f"  {text}  \r\n",
            text + " extra",
            f'{{"message":"{text}"',  # truncated JSON
            f'{{"message": {json.dumps(text)}, "message": "dup"}}',
        ][how]
    return st.builds(mangle, flow_records().map(lambda r: r.text), st.integers(0, 6),
                     st.integers(0, 10_000))


def messages() -> SearchStrategy[str]:
    """Arbitrary, hostile-ish messages: NUL and control characters, lone surrogates, very long
    lines, JSON and broken JSON, and damaged flow records. A rule's `apply` must never raise on them.

    >>> from hypothesis import given
    >>> @given(messages())
    ... def test(m):
    ...     assert isinstance(m, str)
    >>> test()
    """
    any_char = st.characters()
    return st.one_of(
        st.text(),
        st.text(alphabet=st.sampled_from("\x00\x01\x7f\t\r\n \u2028\ufeff{}[]\":=*\\")),
        st.text(alphabet=any_char, max_size=40),
        st.lists(st.characters(categories=["Cs"]), min_size=1, max_size=4).map("x".join),
        st.builds(lambda s, n: (s or "ab ") * n, st.text(max_size=8), st.integers(1_000, 20_000)),
        _JSON_VALUES.map(lambda v: json.dumps(v, ensure_ascii=False)),
        _JSON_VALUES.map(lambda v: json.dumps({"message": v})),
        _mangled_record(),
    )


# --------------------------------------------------------------------------- expressions

# Field names for generated expressions: plain identifiers that are no keyword, stage word,
# function name or metadata field, in mixed case (names are case-insensitive).
_NAMES: Final = (
    "user", "host", "port", "code", "msg", "src", "dst", "n1", "n2", "total", "method", "sev",
    "tag", "ip", "bytes_in", "ratio", "label", "flag", "ts", "a", "b", "c", "x_1", "Vpc_ID",
)
_QUOTED_NAMES: Final = ('%"src-ip"', '%"a.b"', '%"with space"')
_PIECE_TOKENS: Final = tuple("abcXYZ019 =:;,-[]()<>/.@#{}") + ('\\"', "q\\*q", "\\t", "user=", "GET ")
_STRING_TOKENS: Final = tuple("abcxyzABC0129 -_.:/*?") + ('\\"', "\\\\", "\\n", "\\t", "é", "ok")
_REGEX_BODIES: Final = (
    r"\d+", r"\w+", r"[a-z]+", r"\S+?", r"[^ ]*", r"(?:GET|POST)", r"\d{1,3}(?:\.\d{1,3}){3}",
    r"[A-Z][a-z]*", r".*?",
)
_REGEX_SEPARATORS: Final = ("=", ":", " ", r"\s+", "-", r"\.", "/", "user=", r"\[")
_JSON_PATHS: Final = ("a", "b.c", "items[0]", "items[*].id", "$.x.y", "['key.with.dots']", "msg",
                      "level", "n1")
_KV_KEYS: Final = ("user", "port", "status", "id", "level", "k-1")
_NUMBERS: Final = ("0", "1", "12", "-3", "1.5", "3.14e+4", "2k", "1Ki", "1.5s", "10ms", "7")
_COMPARATORS: Final = ("=", "==", "!=", "<>", "<", ">", "<=", ">=")
_ARITHMETIC: Final = ("+", "-", "*", "/", "%")
_UNARY_FUNCTIONS: Final = ("toLowerCase", "toUpperCase", "trim", "length", "urlencode",
                           "urldecode", "base64Encode", "abs", "round", "num", "isNull")
_PREDICATES: Final = ("isNull", "isEmpty", "isBlank", "isNumeric", "isValidIP", "isValidIPv4",
                      "isPrivateIP", "isPublicIP")


_PERMUTED_NAMES: Final = st.permutations(_NAMES)


@functools.cache
def _token_lists(tokens: tuple[str, ...], min_size: int, max_size: int,
                 unique: bool = False) -> SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(tokens), min_size=min_size, max_size=max_size, unique=unique)


def _word(draw: DrawFn, word: str) -> str:
    """A keyword in a random case (operator and option words are case-insensitive)."""
    return draw(_choice((word, word, word, word.upper(), word.capitalize())))


def _name(draw: DrawFn) -> str:
    return draw(_choice(_NAMES))


def _names(draw: DrawFn, n: int) -> list[str]:
    # Distinct case-insensitively: naming a field twice in one list can be an error (§3.6).
    pool = draw(_PERMUTED_NAMES)
    return list(pool[:n])


def _string(draw: DrawFn) -> str:
    return '"' + "".join(draw(_token_lists(_STRING_TOKENS, 0, 6))) + '"'


def _ref(draw: DrawFn) -> str:
    if draw(_ints(0, 9)) == 0:
        return draw(_choice(_QUOTED_NAMES))
    return _name(draw)


def _atom(draw: DrawFn) -> str:
    kind = draw(_ints(0, 5))
    if kind <= 2:
        return _ref(draw)
    if kind == 3:
        return _string(draw)
    if kind == 4:
        return draw(_choice(_NUMBERS))
    return draw(_choice(("true", "false", "null", "_raw")))


def _value(draw: DrawFn, depth: int) -> str:
    """An expression that computes a value (string, number, boolean or null)."""
    if depth <= 0:
        return _atom(draw)
    d = depth - 1
    kind = draw(_ints(0, 9))
    if kind == 0:
        return f"if({_condition(draw, d)}, {_value(draw, d)}, {_value(draw, d)})"
    if kind == 1:
        return f"({_condition(draw, d)} ? {_value(draw, d)} : {_value(draw, d)})"
    if kind == 2:
        parts = [_value(draw, d) for _ in range(draw(_ints(2, 4)))]
        return f"{_word(draw, 'concat')}({', '.join(parts)})"
    if kind == 3:
        op = draw(_choice(_ARITHMETIC))
        return f"({_value(draw, d)} {op} {_value(draw, d)})"
    if kind == 4:
        return f"{draw(_choice(_UNARY_FUNCTIONS))}({_value(draw, d)})"
    if kind == 5:
        fn = draw(_choice(("min", "max")))
        return f"{fn}({_value(draw, d)}, {_value(draw, d)})"
    if kind == 6:
        end = draw(_choice(("", ", 3")))
        return f"substring({_value(draw, d)}, 1{end})"
    if kind == 7:
        pattern = draw(_choice(('"a"', "/[0-9]+/", "/(\\w+)@/")))
        return f"replace({_value(draw, d)}, {pattern}, \"x$1\")" if "(" in pattern else \
            f"replace({_value(draw, d)}, {pattern}, \"x\")"
    if kind == 8:
        return f"-({_value(draw, d)})"
    return _atom(draw)


def _condition(draw: DrawFn, depth: int) -> str:
    """An expression used as a truth value: comparisons, matches, in, and/or/not."""
    d = max(depth - 1, 0)
    kind = draw(_ints(0, 8 if depth > 0 else 5))
    if kind == 0:
        return f"({_value(draw, d)} {draw(_choice(_COMPARATORS))} {_value(draw, d)})"
    if kind == 1:
        pattern = draw(_choice(('"10.*"', '"*"', '"a*b"', '""', "/[a-z]+\\d*/", "/.*/")))
        return f"({_ref(draw)} {_word(draw, 'matches')} {pattern})"
    if kind == 2:
        items = ", ".join(_string(draw) if draw(_choice((False, True))) else draw(_choice(_NUMBERS))
                          for _ in range(draw(_ints(1, 3))))
        neg = draw(_choice(("in", "not in")))
        return f"({_ref(draw)} {neg} ({items}))"
    if kind == 3:
        return f"{draw(_choice(_PREDICATES))}({_value(draw, d)})"
    if kind == 4:
        return f"({_value(draw, d)} {_word(draw, 'contains')} {_string(draw)})"
    if kind == 5:
        return draw(_choice(("true", "false")))
    if kind == 6:
        op = draw(_choice(("and", "or")))
        return f"({_condition(draw, d)} {_word(draw, op)} {_condition(draw, d)})"
    if kind == 7:
        neg = draw(_choice(("!", "not ")))
        return f"{neg}({_condition(draw, d)})"
    return f"compareCIDRPrefix({_ref(draw)}, \"10.0.0.0\", 8)"


def _field_option(draw: DrawFn) -> str:
    if draw(_choice((False, True))):
        return ""
    return f"{_word(draw, 'field')}={draw(_choice(('_raw', *_NAMES[:6])))} "


def _nodrop(draw: DrawFn) -> str:
    return f" {_word(draw, 'nodrop')}" if draw(_choice((False, True))) else ""


def _anchor_pattern(draw: DrawFn, stars: int) -> str:
    """A pattern with exactly `stars` wildcards, never two in a row (`**` is an error)."""
    def piece(min_size: int) -> str:
        return "".join(draw(_token_lists(_PIECE_TOKENS, min_size, 4)))
    middle = [piece(1) for _ in range(stars - 1)]
    return "*".join([piece(0), *middle, piece(0)])


def _stage_parse(draw: DrawFn) -> str:
    groups = []
    used = _names(draw, 6)
    for _ in range(draw(_ints(1, 2))):
        n = draw(_ints(1, 3))
        names, used = used[:n], used[n:]
        if not names:
            break
        groups.append(f'"{_anchor_pattern(draw, len(names))}" {_word(draw, "as")} {", ".join(names)}')
    return f"{_word(draw, 'parse')} {_field_option(draw)}{', '.join(groups)}{_nodrop(draw)}"


def _regex(draw: DrawFn, names: list[str]) -> str:
    parts = [draw(_choice(("", "(?i)", "^")))]
    for i, name in enumerate(names):
        if i or draw(_choice((False, True))):
            parts.append(draw(_choice(_REGEX_SEPARATORS)))
        opener = draw(_choice(("(?<", "(?<", "(?P<")))
        parts.append(f"{opener}{name}>{draw(_choice(_REGEX_BODIES))})")
    return "".join(parts)


def _stage_regex(draw: DrawFn) -> str:
    names = _names(draw, 4)
    regexes = [_regex(draw, names[:2]), _regex(draw, names[2:4])][: draw(_ints(1, 2))]
    quoted = ", ".join(f'"{r}"' for r in regexes)
    head = draw(_choice(("parse regex", "parse regex", "extract")))
    head = " ".join(_word(draw, w) for w in head.split())
    return f"{head} {_field_option(draw)}{quoted}{_nodrop(draw)}"


def _stage_json(draw: DrawFn) -> str:
    paths = draw(_token_lists(_JSON_PATHS, 1, 3, True))
    quoted = ", ".join(f'"{p}"' for p in paths)
    alias = ""
    if draw(_ints(0, 3)):
        alias = f" {_word(draw, 'as')} {', '.join(_names(draw, len(paths)))}"
    return f"{_word(draw, 'json')} {_field_option(draw)}{quoted}{alias}{_nodrop(draw)}"


def _stage_kv(draw: DrawFn) -> str:
    keys = draw(_token_lists(_KV_KEYS, 1, 3, True))
    quoted = ", ".join(f'"{k}"' for k in keys)
    alias = f" {_word(draw, 'as')} {', '.join(_names(draw, len(keys)))}" if draw(_choice((False, True))) else ""
    word = _word(draw, draw(_choice(("kv", "keyvalue"))))
    if draw(_ints(0, 3)) == 0:
        regex = draw(_choice((r"(\w+)=(\w+)", r"(\w[\w-]*)\s*:\s*(\S+)", r"=([^ ,]*)")))
        return (f'{word} {_field_option(draw)}{_word(draw, "regex")} "{regex}" '
                f"{_word(draw, 'keys')} {quoted}{alias}{_nodrop(draw)}")
    return f"{word} {_field_option(draw)}{quoted}{alias}{_nodrop(draw)}"


def _stage_csv(draw: DrawFn) -> str:
    word = draw(_choice(("csv", "split")))
    source = draw(_choice(("_raw", "msg", "line")))
    options = []
    if draw(_choice((False, True))):
        options.append(f"{_word(draw, 'delim')}='{draw(_choice((',', ';', ':', '|', ' ')))}'")
    if draw(_ints(0, 3)) == 0:
        options.append(f"{_word(draw, 'quote')}='\"'")
    if draw(_ints(0, 5)) == 0:
        options.append(f"{_word(draw, 'escape')}='\\'")
    names = _names(draw, draw(_ints(1, 4)))
    columns, column = [], 0
    for name in names:
        if draw(_choice((False, True))):  # numbered: strictly after the previous column
            column += draw(_ints(1, 3))
            columns.append(f"{column} {_word(draw, 'as')} {name}")
        else:  # positional, maybe after a skipped column
            if draw(_ints(0, 3)) == 0:
                columns.append("_")
                column += 1
            column += 1
            columns.append(name)
    opts = " ".join(options) + (" " if options else "")
    return f"{_word(draw, word)} {source} {opts}{_word(draw, 'extract')} {', '.join(columns)}"


def _stage_assign(draw: DrawFn) -> str:
    if draw(_ints(0, 7)) == 0:  # in-place conversion, the one assignment without `as`
        return f"{draw(_choice(('num', 'number', 'toLong')))}({_name(draw)})"
    if draw(_ints(0, 3)) == 0:
        value = _condition(draw, draw(_ints(0, 2)))
    else:
        value = _value(draw, draw(_ints(0, 3)))
    target = _name(draw) if draw(_ints(0, 7)) else draw(_choice(_QUOTED_NAMES))
    return f"{value} {_word(draw, 'as')} {target}"


def _stage_where(draw: DrawFn) -> str:
    return f"{_word(draw, 'where')} {_condition(draw, draw(_ints(0, 3)))}"


def _stage_fields(draw: DrawFn) -> str:
    mode = draw(_choice(("", "", "- ", "+ ")))
    return f"{_word(draw, 'fields')} {mode}{', '.join(_names(draw, draw(_ints(1, 4))))}"


_STAGES: Final = (
    _stage_parse, _stage_parse, _stage_regex, _stage_json, _stage_kv, _stage_csv,
    _stage_assign, _stage_assign, _stage_where, _stage_fields,
)
_PIPES: Final = (" | ", " | ", "\n| ", " |\n  ", "\n  | ", "|", " // note\n| ", " /* c */ | ")


def expressions(max_stages: int = 5) -> SearchStrategy[str]:
    """Random valid parse expressions built from a small grammar of stages: parse (anchor), parse
    regex with named groups, json, kv (infer and regex modes), csv/split, assignments (if, ?:,
    concat, arithmetic, comparisons, matches, in, functions), where, and fields; keywords in random
    case, comments and line breaks between stages. Every one must compile with `fer.compile`.

    >>> from hypothesis import given
    >>> @given(expressions())
    ... def test(text):
    ...     assert text.strip() and len(text) <= 16384
    >>> test()
    """
    @st.composite
    def build(draw: DrawFn) -> str:
        count = draw(_ints(1, max_stages))
        stages = [draw(_choice(_STAGES))(draw) for _ in range(count)]
        text = stages[0]
        for stage in stages[1:]:
            text += draw(_choice(_PIPES)) + stage
        return ("| " if draw(_ints(0, 9)) == 0 else "") + text

    return build()
