"""`fer vpc-rule`: print a TOML rule file for a VPC flow log format.

    fer vpc-rule --format '${version} ${vpc-id} ${srcaddr} ${dstaddr} ${action} ${log-status}'
    fer vpc-rule --header-of AWSLogs/…/123456789010_vpcflowlogs_us-east-1_fl-…_ab12cd34.log.gz

The format comes from a format string as given to `aws ec2 create-flow-logs --log-format`, or from
the header line of a flow log file (plain or gzip). Unknown fields exit 2 naming them.
"""

from __future__ import annotations

import argparse
import sys

from fer.aws import vpc
from fer.errors import FerError

__all__ = ["add_parser", "run"]


def add_parser(
    subparsers: argparse._SubParsersAction,  # type: ignore[type-arg]
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "vpc-rule",
        help="print a rule file (TOML) for a VPC flow log format",
        description="Print a TOML rule file for a VPC flow log format: the source settings "
        "(category, epoch timestamp at the `start` field, exclusion of S3 header lines) and one "
        "rule in the style of Sumo Logic's VPCFlowLogFER.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--format", metavar="FORMAT",
                        help="a flow log format string, ${field} ${field} ... (or a header line)")
    source.add_argument("--header-of", metavar="FILE",
                        help="read the format from the header line of this flow log file "
                        "(plain or gzip)")
    parser.add_argument("--name", default="VPCFlowLogFER", help="rule name (default: %(default)s)")
    parser.add_argument("--category", default="aws/vpc/flowlogs",
                        help="source category, also the rule's scope (default: %(default)s)")
    parser.add_argument("--keep", metavar="FIELDS",
                        help="comma-separated AWS field names to keep in the output (default: the "
                        "seed's ten fields for the default format, every field otherwise)")
    parser.add_argument("--tolerant", action="store_true",
                        help="parse with an anchored regex that treats runs of spaces as one "
                        "separator and rejects lines with the wrong number of values")
    parser.set_defaults(handler=run)
    return parser


def run(args: argparse.Namespace) -> int:
    try:
        if args.format is not None:
            fields = vpc.parse_format(args.format)
        else:
            fields = vpc.header_of(args.header_of)
        keep = [k.strip() for k in args.keep.split(",") if k.strip()] if args.keep else None
        text = vpc.rule_file(fields, name=args.name, category=args.category, keep=keep,
                             tolerant=args.tolerant)
    except FerError as error:
        print(f"fer vpc-rule: {error}", file=sys.stderr)
        return 2
    sys.stdout.write(text)
    return 0
