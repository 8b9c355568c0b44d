"""`fer report`: the VPC Flow Logs app's six dashboards as one self-contained HTML file (or JSON).

    fer report --app vpc-flow-logs records.ndjson --output report.html
    fer report --app vpc-flow-logs --rules examples/vpc_flow_logs/rules.toml raw/ --output report.html

RECORDS are NDJSON (as `fer run` writes it, `.gz` too) or Parquet files, read by DuckDB in place. With
`--rules`, they are raw inputs instead (as for `fer run`): the rules are run over them first and the
records go straight into the report. Exit status: 0 done, 1 unreadable records or a damaged input,
2 bad usage (unknown filter, bad outlier settings, a bad rule file).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from typing import Any

from fer.analytics.filters import FILTER_FIELDS, FilterError, parse_filter
from fer.analytics.outlier import DIRECTIONS, OutlierError
from fer.analytics.settings import ReportSettings

__all__ = ["add_parser", "report"]

APPS = ("vpc-flow-logs",)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report",
        help="the VPC Flow Logs app's dashboards as a self-contained HTML report",
        description=(
            "Compute the six dashboards of the Amazon VPC Flow Logs app (Overview, Accepts, Rejects, "
            "Traffic, Security Groups, Outliers) over extracted records and write them as one HTML "
            "file with everything inline, or as JSON panel data."
        ),
    )
    parser.add_argument("--app", choices=APPS, default="vpc-flow-logs", help="the app (default: vpc-flow-logs)")
    parser.add_argument("records", nargs="+", metavar="RECORDS",
                        help="NDJSON or Parquet record files; with --rules, raw inputs as for `fer run`")
    parser.add_argument("--output", "-o", metavar="FILE",
                        help="where to write the report (`-` for stdout; required for HTML)")
    parser.add_argument("--json", action="store_true", help="write the panel data as JSON instead of HTML")
    parser.add_argument("--title", default="Amazon VPC Flow Logs", help="the report's title")
    group = parser.add_argument_group("outlier settings")
    group.add_argument("--timeslice", default="1m", help="bucket width: 30s, 1m, 5m, 1h, 1d (default 1m)")
    group.add_argument("--window", type=int, default=10, help="baseline points (default 10)")
    group.add_argument("--threshold", type=float, default=3, help="band half-width in σ (default 3)")
    group.add_argument("--consecutive", type=int, default=1, help="indicators in a row for a violation (default 1)")
    group.add_argument("--direction", choices=DIRECTIONS, default="+-", help="watched side: +, - or +- (default +-)")
    group.add_argument("--fill-missing", action="store_true", help="empty buckets are zero points in outlier series")
    parser.add_argument("--filter", action="append", default=[], metavar="NAME=PATTERN",
                        help=f"an app filter, wildcard pattern (repeatable): {', '.join(FILTER_FIELDS)}")
    parser.add_argument("--geoip", metavar="FILE.mmdb", help="GeoIP database (MaxMind DB format) for source locations")
    raw = parser.add_argument_group("extracting first")
    raw.add_argument("--rules", metavar="RULES", help="run this rule file over raw inputs and report the records")
    raw.add_argument("--input-format", choices=("auto", "lines", "cloudwatch"), default="auto",
                     help="with --rules: how to read the inputs (default auto)")
    raw.add_argument("--category", metavar="CAT", help="with --rules: default _sourceCategory")
    parser.set_defaults(handler=report)
    return parser


def _usage(message: str) -> int:
    print(f"fer report: {message}", file=sys.stderr)
    return 2


def _engine_records(args: argparse.Namespace, problems: list[str]) -> Iterator[dict[str, Any]]:
    """The records of running `--rules` over the raw inputs (rules loaded now, so that a bad rule
    file fails before anything is read)."""
    # Imported here: reporting from NDJSON must not need the compiler or the engine.
    import fer
    from fer.inputs import iter_messages

    if not os.path.exists(args.rules):
        raise fer.FerRuleError("no such rule file", path=args.rules)
    engine = fer.Engine(fer.load_rules(args.rules), category=args.category)

    def on_problem(name: str, description: str) -> None:
        problems.append(f"{name}: {description}")
        print(f"fer report: {name}: {description}", file=sys.stderr)

    return engine.process(iter_messages(args.records, args.input_format, on_problem=on_problem))


def report(args: argparse.Namespace) -> int:
    from fer.analytics.panels import compute_panels
    from fer.analytics.store import StoreError
    from fer.analytics.geoip import GeoIPError

    if not args.json and not args.output:
        return _usage("an HTML report needs --output FILE (or use --json for the panel data on stdout)")
    if args.input_format != "auto" or args.category:
        if not args.rules:
            return _usage("--input-format and --category only apply with --rules")
    try:
        settings = ReportSettings(
            timeslice=args.timeslice, window=args.window, threshold=args.threshold,
            consecutive=args.consecutive, direction=args.direction, fill_missing=args.fill_missing,
        )
        filters = [parse_filter(text) for text in args.filter]
    except (OutlierError, FilterError) as error:
        return _usage(str(error))
    if args.geoip and not os.path.isfile(args.geoip):
        return _usage(f"{args.geoip}: no such GeoIP database")

    problems: list[str] = []
    source: Any = _engine_records(args, problems) if args.rules else args.records
    try:
        data = compute_panels(source, filters=filters, settings=settings, geoip=args.geoip)
    except GeoIPError as error:
        return _usage(str(error))
    except StoreError as error:
        print(f"fer report: {error}", file=sys.stderr)
        return 1

    if args.json:
        text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    else:
        from fer.report import render_html

        text = render_html(data, title=args.title)
    if args.output in (None, "-"):
        sys.stdout.write(text)
    else:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as error:
            return _usage(f"cannot write {args.output}: {error.strerror or error}")
        summary = data["summary"]
        print(f"fer report: {summary['matched']:,} of {summary['records']:,} records -> {args.output}",
              file=sys.stderr)
    return 1 if problems else 0
