"""Generated VPC flow log records for the report tests, made without fer's engine.

The records look like what `fer run` writes for the VPC example: the seed's ten fields (strings, `-`
when not applicable), `_raw`, metadata, `_messagetime` (epoch ms) and, when enriched, the VPC-JSON
fields. The corpus deliberately holds ties in top lists, NODATA/SKIPDATA records, IPv6 flows, public
and private sources, a traffic spike, and buckets exactly one and seven days before others.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import orjson

START_MS = 1_700_000_000_000 - (1_700_000_000_000 % 3_600_000)  # an hour boundary, 2023-11-14 22:00 UTC
DAY_MS = 86_400_000
MINUTE_MS = 60_000

PUBLIC_SOURCES = ("8.8.8.8", "1.1.1.1", "81.2.69.160", "89.160.20.112", "2a02:cf40::1", "216.160.83.56")
PRIVATE_HOSTS = ("10.0.1.5", "10.0.1.6", "10.0.2.7", "172.31.16.139", "172.31.9.69", "fd00::10")
INTERFACES = ("eni-0a1b2c3d4e5f60001", "eni-0a1b2c3d4e5f60002", "eni-0a1b2c3d4e5f60003")
ENI_INFO = {
    "eni-0a1b2c3d4e5f60001": ("vpc-0aaa", "subnet-0a01", ["sg-web", "sg-ssh"]),
    "eni-0a1b2c3d4e5f60002": ("vpc-0aaa", "subnet-0a02", ["sg-db"]),
    "eni-0a1b2c3d4e5f60003": ("vpc-0bbb", "subnet-0b01", ["sg-web"]),
}
PORTS = ("22", "80", "443", "3389", "5432", "8080", "53", "123")
PROTOCOLS = ("6", "6", "6", "17", "1", "41", "58")


def flow_record(
    *,
    time_ms: int,
    interface: str,
    src: str,
    dst: str,
    src_port: str,
    dest_port: str,
    protocol: str,
    packets: str,
    size: str,
    action: str,
    status: str = "OK",
    enriched: bool = False,
    direction: str | None = None,
) -> dict[str, Any]:
    start = time_ms // 1000
    raw = (f"2 123456789010 {interface} {src} {dst} {src_port} {dest_port} {protocol} {packets} {size} "
           f"{start} {start + 60} {action} {status}")
    record: dict[str, Any] = {
        "_raw": raw,
        "_sourceCategory": "aws/vpc/flowlogs",
        "_sourceName": f"{interface}-all",
        "_messagetime": time_ms,
        "interfaceid": interface,
        "src_ip": src,
        "dest_ip": dst,
        "src_port": src_port,
        "dest_port": dest_port,
        "protocol": protocol,
        "packets": packets,
        "bytes": size,
        "action": action,
        "status": status,
    }
    if enriched and interface in ENI_INFO:
        vpc, subnet, groups = ENI_INFO[interface]
        record["security_grp_ids"] = json.dumps(groups, separators=(",", ":"))
        record["vpc_id"] = vpc
        record["subnet_id"] = subnet
        record["aws_region"] = "us-east-1"
        if direction is not None:
            record["direction"] = direction
    return record


def generate_records(seed: int = 7, count: int = 400, *, enriched: bool = True) -> list[dict[str, Any]]:
    """A reproducible corpus of flow records over about 20 minutes, plus fixed special cases."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for _ in range(count):
        minute = rng.randrange(20)
        # Minute 12 is a spike of traffic: three times as many flows land there.
        if rng.random() < 0.15:
            minute = 12
        time_ms = START_MS + minute * MINUTE_MS + rng.randrange(MINUTE_MS)
        interface = rng.choice(INTERFACES)
        inbound = rng.random() < 0.6
        outside = rng.choice(PUBLIC_SOURCES + PRIVATE_HOSTS)
        inside = rng.choice(PRIVATE_HOSTS)
        src, dst = (outside, inside) if inbound else (inside, outside)
        protocol = rng.choice(PROTOCOLS)
        action = "ACCEPT" if rng.random() < 0.7 else "REJECT"
        records.append(flow_record(
            time_ms=time_ms, interface=interface, src=src, dst=dst,
            src_port=str(rng.choice((rng.randrange(1024, 65536), 443, 22))),
            dest_port=rng.choice(PORTS) if protocol in ("6", "17") else "0",
            protocol=protocol, packets=str(rng.randrange(1, 50)), size=str(rng.randrange(40, 200_000)),
            action=action, enriched=enriched and rng.random() < 0.8,
            direction=rng.choice(("inbound", "outbound", "internal", None)),
        ))
    # NODATA / SKIPDATA: `-` everywhere but the interface and times.
    for i, status in enumerate(("NODATA", "SKIPDATA", "NODATA")):
        records.append(flow_record(
            time_ms=START_MS + (3 + i) * MINUTE_MS, interface=INTERFACES[i], src="-", dst="-",
            src_port="-", dest_port="-", protocol="-", packets="-", size="-", action="-", status=status,
            enriched=enriched,
        ))
    # Ties: two destination ports and two sources with exactly the same counts and bytes.
    for port, src in (("7001", "198.51.100.1"), ("7000", "198.51.100.2")):
        for k in range(30):
            records.append(flow_record(
                time_ms=START_MS + (k % 20) * MINUTE_MS, interface=INTERFACES[0], src=src, dst="10.0.1.5",
                src_port="40000", dest_port=port, protocol="6", packets="10", size="1048576",
                action="REJECT", enriched=enriched, direction="inbound",
            ))
    # The same buckets one and seven days earlier, so that the comparisons find values.
    for days in (1, 7):
        for minute in (2, 5):
            records.append(flow_record(
                time_ms=START_MS - days * DAY_MS + minute * MINUTE_MS + 1000, interface=INTERFACES[1],
                src="10.0.2.7", dst="8.8.8.8", src_port="50000", dest_port="53", protocol="17",
                packets=str(days), size=str(1000 * days), action="ACCEPT", enriched=enriched,
                direction="outbound",
            ))
    # A record without _messagetime (in no time series) and one with garbage bytes.
    odd = flow_record(time_ms=START_MS, interface=INTERFACES[2], src="10.0.1.6", dst="10.0.2.7",
                      src_port="1234", dest_port="443", protocol="6", packets="3", size="12x",
                      action="ACCEPT", enriched=enriched, direction="internal")
    del odd["_messagetime"]
    records.append(odd)
    # Text that must never break out of the report's script tag.
    records.append(flow_record(time_ms=START_MS + 7 * MINUTE_MS, interface="eni-</script><b>x</b>",
                               src="10.0.1.5", dst="10.0.1.6", src_port="1", dest_port="2", protocol="6",
                               packets="1", size="100", action="ACCEPT"))
    return records


def write_ndjson(records: list[dict[str, Any]], path: Path) -> Path:
    with path.open("wb") as handle:
        for record in records:
            handle.write(orjson.dumps(record) + b"\n")
    return path
