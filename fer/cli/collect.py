"""`fer collect`: the collection Lambda's transformation, offline, as lines on stdout.

    fer collect --log-format VPC-JSON --include-log-info --enis enis.json payload.json \\
        | fer run --rules examples/vpc_flow_logs/rules.toml

reproduces the seed's CloudWatch path (CloudWatch Logs → Lambda → HTTP source → rule) from saved
subscription payloads: each line written is one line the HTTP source would receive. A payload file
holds one payload (encoded, decoded, or raw gzip) or one per line; `-` (or no file) reads stdin. A
malformed payload is reported on stderr with its file and line and skipped; the exit status is then 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from fer.aws.cloudwatch import LogEvent, PayloadError, iter_payload_data, iter_payload_file
from fer.aws.collect import CollectStats, Collector

__all__ = ["add_parser", "run"]

PROG = "fer collect"


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "collect",
        help="turn CloudWatch Logs payloads into the lines Sumo's collection Lambda sends",
        description="Decode CloudWatch Logs subscription payloads and write, one per line, what the "
        "Sumo Logic collection Lambda would send to its HTTP source (VPC-RAW records, or VPC-JSON "
        "objects with optional log info and interface enrichment), with the Lambda's defects fixed.",
    )
    parser.add_argument("payloads", nargs="*", metavar="PAYLOAD",
                        help="payload files (one payload, or one per line); '-' or none reads stdin")
    parser.add_argument("--log-format", required=True, choices=("VPC-JSON", "VPC-RAW"),
                        help="what the Lambda's LOG_FORMAT says")
    parser.add_argument("--include-log-info", action="store_true",
                        help="add logStream and logGroup (VPC-JSON only; INCLUDE_LOG_INFO)")
    parser.add_argument("--enis", metavar="FILE",
                        help="saved `aws ec2 describe-network-interfaces` output: adds security groups, "
                        "direction, subnet, VPC and region (VPC-JSON only; INCLUDE_SECURITY_GROUP_INFO)")
    parser.add_argument("--internal-cidr", action="append", default=[], metavar="CIDR",
                        help="drop records whose source and destination are both inside these blocks "
                        "(repeatable; IPv4 or IPv6)")
    parser.add_argument("--legacy-prefix", metavar="P1,P2",
                        help="the Lambda's VPC_CIDR_PREFIX behaviour instead: plain string prefixes on "
                        "tokens 3 and 4 (compatibility only; excludes --internal-cidr)")
    parser.add_argument("--format", metavar="FORMAT",
                        help="the records' flow log format string (or header line); default: the "
                        "default version 2 format")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the lines here instead of stdout")
    parser.set_defaults(handler=run)
    return parser


def _usage_error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 2


def run(args: argparse.Namespace) -> int:
    if args.log_format == "VPC-RAW" and args.enis:
        return _usage_error("--enis needs --log-format VPC-JSON")
    if args.log_format == "VPC-RAW" and args.include_log_info:
        return _usage_error("--include-log-info needs --log-format VPC-JSON")
    if args.internal_cidr and args.legacy_prefix is not None:
        return _usage_error("--internal-cidr and --legacy-prefix are mutually exclusive")

    # Bad CIDR blocks, formats or interface files raise FerError: `fer.cli.main` reports it, exit 2.
    collector = Collector(
        log_format=args.log_format,
        include_log_info=args.include_log_info,
        enis=args.enis,
        internal_cidrs=args.internal_cidr,
        legacy_prefixes=args.legacy_prefix or (),
        record_format=args.format,
    )

    def report(error: PayloadError) -> None:
        print(f"{PROG}: {error} (skipped)", file=sys.stderr)

    collection = collector.run(_items(args.payloads or ["-"]), on_error=report)
    if args.output:
        with open(args.output, "w", encoding="utf-8", newline="\n") as out:
            _write(collection, out)
    else:
        _write(collection, sys.stdout)
        sys.stdout.flush()
    print(_summary(collection.stats), file=sys.stderr)
    return 1 if collection.stats.payload_errors else 0


def _items(paths: Sequence[str]) -> Iterator[LogEvent | PayloadError]:
    for path in paths:
        pairs = iter_payload_data(sys.stdin.buffer.read(), name="<stdin>") if path == "-" else iter_payload_file(path)
        for _line, item in pairs:
            yield item


def _write(lines: Iterator[str], out: TextIO) -> None:
    # Batched writes: one write call per line costs more than the transformation itself.
    batch: list[str] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= 1024:
            out.write("\n".join(batch) + "\n")
            batch.clear()
    if batch:
        out.write("\n".join(batch) + "\n")


def _summary(stats: CollectStats) -> str:
    parts = [
        ("events in", stats.events_in),
        ("lines out", stats.lines_out),
        ("empty skipped", stats.skipped_empty),
        ("internal filtered", stats.filtered_internal),
        ("enriched", stats.enriched),
        ("malformed payloads", stats.payload_errors),
    ]
    return f"{PROG}: " + ", ".join(f"{label} {value:,}" for label, value in parts)
