"""Generate a deterministic sample of VPC flow logs, delivered both ways AWS delivers them.

    python examples/vpc_flow_logs/generate_sample.py OUTDIR [--records N] [--days D] [--seed S]

writes
- `OUTDIR/s3/AWSLogs/123456789010/vpcflowlogs/us-east-1/YYYY/MM/DD/<account>_vpcflowlogs_<region>_
  <fl-id>_YYYYMMDDTHHmmZ_<hash>.log.gz`: real gzip objects, each starting with the default-format
  header line (the one the seed's exclude rule removes), one object per 5 minutes of traffic;
- `OUTDIR/cloudwatch/<eni>_<YYYYMMDD>.json`: the same records as CloudWatch Logs subscription
  payloads (`{"awslogs": {"data": …}}`, one payload per line, one stream per interface), plus
  `control-message.json`, a CONTROL_MESSAGE health check that readers must skip.

The traffic: a web tier behind public addresses, an app tier, a database, a bastion and a NAT
gateway, with a daily rhythm; ACCEPT and REJECT, NODATA and SKIPDATA, IPv6 on one interface. On the
second day it holds a traffic spike (14:00-14:04 UTC, bytes and packets about a thousand times the
baseline) and a burst of REJECTs from three scanning addresses (02:30-02:39 UTC), so the outlier
panels have something to find. Same seed, same bytes: gzip headers carry no time stamp.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import math
import random
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from fer.aws.vpc import DEFAULT_HEADER

ACCOUNT = "123456789010"
REGION = "us-east-1"
LOG_GROUP = "VPCFlowLogs"
# A fixed start keeps the output identical from run to run (and the spike on a known day).
FIRST_DAY = datetime(2024, 5, 6, tzinfo=timezone.utc)
OBJECT_SECONDS = 300  # AWS writes a new S3 object every 5 minutes (or at 75 MB)


@dataclass(frozen=True)
class Interface:
    eni: str
    role: str
    ipv4: str
    ipv6: str | None = None


INTERFACES = (
    Interface("eni-0a1b2c3d4e5f60001", "web", "10.0.1.10", "2600:1f18:4a3:6e01::10"),
    Interface("eni-0a1b2c3d4e5f60002", "web", "10.0.1.11"),
    Interface("eni-0a1b2c3d4e5f60003", "app", "10.0.2.20"),
    Interface("eni-0a1b2c3d4e5f60004", "db", "10.0.3.30"),
    Interface("eni-0a1b2c3d4e5f60005", "bastion", "10.0.0.5"),
    Interface("eni-0a1b2c3d4e5f60006", "nat", "10.0.0.100"),
)
BY_ROLE: dict[str, list[Interface]] = defaultdict(list)
for _iface in INTERFACES:
    BY_ROLE[_iface.role].append(_iface)

# Public clients, from a handful of networks (documentation ranges among them).
PUBLIC_PREFIXES = ("203.0.113", "198.51.100", "192.0.2", "52.94.76", "34.117.59", "185.199.108",
                   "91.198.174", "151.101.1", "81.2.69")
IPV6_CLIENTS = ("2001:db8:1234:a100::1f", "2001:db8:85a3::8a2e:370:7334", "2a00:1450:4001:81b::200e")
SCANNERS = ("198.51.100.23", "203.0.113.77", "185.220.101.4")
SCANNED_PORTS = (22, 23, 25, 445, 1433, 3306, 3389, 5900, 6379, 8080, 9200, 27017)


@dataclass
class Record:
    start: int
    interface: Interface
    text: str


class Generator:
    """Draws the records; every choice comes from one seeded `random.Random`."""

    def __init__(self, seed: int, days: int) -> None:
        self.rng = random.Random(seed)
        self.days = days
        self.origin = int(FIRST_DAY.timestamp())
        self.minutes = days * 1440
        # A daily rhythm: busy afternoons, quiet nights (UTC), so day-over-day panels line up.
        self.weights = [1.0 + 0.7 * math.sin(2 * math.pi * ((m % 1440) / 1440 - 0.35))
                        for m in range(self.minutes)]

    # -- pieces ---------------------------------------------------------------------------
    def public_ip(self) -> str:
        return f"{self.rng.choice(PUBLIC_PREFIXES)}.{self.rng.randint(1, 254)}"

    def ephemeral(self) -> int:
        return self.rng.randint(32768, 60999)

    def volume(self, scale: float = 1.0) -> tuple[int, int]:
        packets = max(1, int(self.rng.lognormvariate(2.5, 1.0) * scale))
        per_packet = self.rng.randint(60, 1400)
        return packets, packets * per_packet

    def line(self, iface: Interface, src: str, dst: str, sport: int, dport: int, proto: int,
             packets: int, size: int, start: int, action: str) -> Record:
        end = start + self.rng.randint(1, 59)
        text = (f"2 {ACCOUNT} {iface.eni} {src} {dst} {sport} {dport} {proto} {packets} {size} "
                f"{start} {end} {action} OK")
        return Record(start, iface, text)

    def empty(self, iface: Interface, start: int, status: str) -> Record:
        text = f"2 {ACCOUNT} {iface.eni} - - - - - - - {start} {start + 60} - {status}"
        return Record(start, iface, text)

    def start_in(self, minute: int) -> int:
        return self.origin + minute * 60 + self.rng.randint(0, 59)

    # -- traffic --------------------------------------------------------------------------
    def baseline(self, start: int) -> Record:
        kind = self.rng.random()
        web = self.rng.choice(BY_ROLE["web"])
        if kind < 0.40:  # public clients to the web tier
            packets, size = self.volume()
            return self.line(web, self.public_ip(), web.ipv4, self.ephemeral(),
                             self.rng.choice((443, 443, 80)), 6, packets, size, start, "ACCEPT")
        if kind < 0.55:  # web tier answering
            packets, size = self.volume(1.5)
            return self.line(web, web.ipv4, self.public_ip(), 443, self.ephemeral(), 6,
                             packets, size, start, "ACCEPT")
        if kind < 0.67:  # web -> app
            app = BY_ROLE["app"][0]
            packets, size = self.volume()
            return self.line(app, web.ipv4, app.ipv4, self.ephemeral(), 8080, 6, packets, size,
                             start, "ACCEPT")
        if kind < 0.75:  # app -> db
            db = BY_ROLE["db"][0]
            packets, size = self.volume(0.5)
            return self.line(db, BY_ROLE["app"][0].ipv4, db.ipv4, self.ephemeral(), 5432, 6,
                             packets, size, start, "ACCEPT")
        if kind < 0.81:  # egress through the NAT gateway, some of it DNS over UDP
            nat = BY_ROLE["nat"][0]
            packets, size = self.volume()
            if self.rng.random() < 0.3:
                return self.line(nat, nat.ipv4, "10.0.0.2", self.ephemeral(), 53, 17, 1,
                                 self.rng.randint(60, 120), start, "ACCEPT")
            return self.line(nat, nat.ipv4, self.public_ip(), self.ephemeral(), 443, 6,
                             packets, size, start, "ACCEPT")
        if kind < 0.85:  # IPv6 clients of the dual-stack web interface
            v6 = INTERFACES[0]
            packets, size = self.volume()
            return self.line(v6, self.rng.choice(IPV6_CLIENTS), v6.ipv6 or "", self.ephemeral(),
                             443, 6, packets, size, start, "ACCEPT")
        if kind < 0.87:  # ICMP pings, some refused
            web_action = self.rng.choice(("ACCEPT", "REJECT"))
            return self.line(web, self.public_ip(), web.ipv4, 0, 0, 1, 4, 336, start, web_action)
        if kind < 0.89:  # admins on the bastion
            bastion = BY_ROLE["bastion"][0]
            packets, size = self.volume()
            return self.line(bastion, "81.2.69.160", bastion.ipv4, self.ephemeral(), 22, 6,
                             packets, size, start, "ACCEPT")
        if kind < 0.96:  # background noise: the internet knocking on closed ports
            target = self.rng.choice(INTERFACES)
            return self.line(target, self.public_ip(), target.ipv4, self.ephemeral(),
                             self.rng.choice(SCANNED_PORTS), 6, 1, 40, start, "REJECT")
        if kind < 0.99:
            return self.empty(self.rng.choice(INTERFACES), start, "NODATA")
        return self.empty(self.rng.choice(INTERFACES), start, "SKIPDATA")

    def spike(self, count: int) -> list[Record]:
        """Bulk transfers out of the web tier on day 2, 14:00-14:04 UTC."""
        first = min(self.days - 1, 1) * 1440 + 14 * 60
        out = []
        for i in range(count):
            web = self.rng.choice(BY_ROLE["web"])
            packets = self.rng.randint(60_000, 120_000)
            out.append(self.line(web, web.ipv4, self.public_ip(), 443, self.ephemeral(), 6, packets,
                                 packets * self.rng.randint(1300, 1460),
                                 self.start_in(first + i % 5), "ACCEPT"))
        return out

    def reject_burst(self, count: int) -> list[Record]:
        """Three scanners sweeping ports on day 2, 02:30-02:39 UTC."""
        first = min(self.days - 1, 1) * 1440 + 2 * 60 + 30
        out = []
        for i in range(count):
            target = self.rng.choice(INTERFACES)
            out.append(self.line(target, SCANNERS[i % 3], target.ipv4, self.ephemeral(),
                                 self.rng.choice(SCANNED_PORTS), 6, self.rng.randint(1, 2),
                                 self.rng.choice((40, 44, 60)), self.start_in(first + i % 10),
                                 "REJECT"))
        return out

    def records(self, total: int) -> list[Record]:
        spike = max(20, total // 100)
        burst = max(40, total // 25)
        base = total - spike - burst
        if base < 0:
            raise SystemExit(f"--records must be at least {spike + burst}")
        minutes = self.rng.choices(range(self.minutes), weights=self.weights, k=base)
        out = [self.baseline(self.start_in(m)) for m in minutes]
        out += self.spike(spike) + self.reject_burst(burst)
        out.sort(key=lambda r: r.start)
        return out


def _stamp(epoch: int) -> datetime:
    return datetime.fromtimestamp(epoch, tz=timezone.utc)


def write_s3(root: Path, records: list[Record], rng: random.Random) -> int:
    """One gzip object per 5-minute window that has traffic; returns the number of objects."""
    flow_log_id = "fl-" + "".join(rng.choice("0123456789abcdef") for _ in range(17))
    windows: dict[int, list[Record]] = defaultdict(list)
    for record in records:
        windows[record.start - record.start % OBJECT_SECONDS].append(record)
    for window, batch in sorted(windows.items()):
        # AWS names an object after the end of the window it was delivered for.
        when = _stamp(window + OBJECT_SECONDS)
        folder = root / "AWSLogs" / ACCOUNT / "vpcflowlogs" / REGION / when.strftime("%Y/%m/%d")
        name = (f"{ACCOUNT}_vpcflowlogs_{REGION}_{flow_log_id}_{when.strftime('%Y%m%dT%H%MZ')}_"
                f"{rng.getrandbits(32):08x}.log.gz")
        body = DEFAULT_HEADER + "\n" + "".join(r.text + "\n" for r in batch)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(gzip.compress(body.encode("ascii"), mtime=0))
    return len(windows)


def _encode(payload: dict) -> str:
    data = gzip.compress(json.dumps(payload, separators=(",", ":")).encode("utf-8"), mtime=0)
    return json.dumps({"awslogs": {"data": base64.b64encode(data).decode("ascii")}})


def write_cloudwatch(root: Path, records: list[Record]) -> int:
    """Per interface and day a file of payloads (one per line, one per 5-minute batch); returns
    the number of payloads, the control message included."""
    batches: dict[tuple[str, str], dict[int, list[Record]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        day = _stamp(record.start).strftime("%Y%m%d")
        batches[(record.interface.eni, day)][record.start - record.start % OBJECT_SECONDS].append(record)
    root.mkdir(parents=True, exist_ok=True)
    count = 0
    for (eni, day), windows in sorted(batches.items()):
        lines = []
        for window, batch in sorted(windows.items()):
            events = [{"id": f"{r.start * 1000:020d}{i:036d}", "timestamp": r.start * 1000,
                       "message": r.text} for i, r in enumerate(batch)]
            lines.append(_encode({
                "messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": LOG_GROUP,
                "logStream": f"{eni}-all", "subscriptionFilters": ["SumoCWLogsLambda"],
                "logEvents": events,
            }))
        (root / f"{eni}_{day}.json").write_text("\n".join(lines) + "\n", encoding="ascii")
        count += len(lines)
    control = {
        "messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
        "logStream": "", "subscriptionFilters": [],
        "logEvents": [{"id": "", "timestamp": int(FIRST_DAY.timestamp()) * 1000,
                       "message": "CWL CONTROL MESSAGE: Checking health of destination Firehose."}],
    }
    (root / "control-message.json").write_text(_encode(control) + "\n", encoding="ascii")
    return count + 1


@dataclass(frozen=True)
class Summary:
    records: int
    objects: int
    payloads: int
    first: datetime
    last: datetime

    def __str__(self) -> str:
        return (f"wrote {self.records} records: {self.objects} S3 objects under s3/AWSLogs/, "
                f"{self.payloads} CloudWatch payloads under cloudwatch/ "
                f"({self.first:%Y-%m-%d %H:%M} to {self.last:%Y-%m-%d %H:%M} UTC)")


def generate(outdir: Path, records: int = 5000, days: int = 3, seed: int = 7) -> Summary:
    """Write the sample under `outdir` and say what was written."""
    if days < 1:
        raise SystemExit("--days must be at least 1")
    gen = Generator(seed, days)
    flows = gen.records(records)
    objects = write_s3(outdir / "s3", flows, gen.rng)
    payloads = write_cloudwatch(outdir / "cloudwatch", flows)
    return Summary(len(flows), objects, payloads, _stamp(flows[0].start), _stamp(flows[-1].start))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir", type=Path)
    parser.add_argument("--records", type=int, default=5000, help="records in all (default 5000)")
    parser.add_argument("--days", type=int, default=3, help="days of traffic (default 3)")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    args = parser.parse_args(argv)
    print(generate(args.outdir, args.records, args.days, args.seed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
