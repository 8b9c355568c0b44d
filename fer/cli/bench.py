"""`fer bench RULES [INPUT…]`: how fast a rule file runs, before it is deployed.

Per rule, messages per second and microseconds per message on the user's sample (or on generated VPC
flow records when no input is given); reading and decoding the inputs timed apart from extraction;
several rounds, reported as the median and the spread. `--json` writes the figures as JSON (keep it
to compare later), `--compare PREVIOUS.json` shows the change against such an earlier run.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import orjson

from fer.bench import bench_rules, format_result, mixed_corpus
from fer.cli._common import load_rules_or_fail
from fer.inputs import INPUT_FORMATS, InputStats, iter_messages

__all__ = ["add_parser", "bench"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bench",
        help="measure a rule file's speed on sample data (or generated flow records)",
        description=(
            "Time a rule file: reading and decoding the inputs, the whole engine, and each rule "
            "alone on the messages in its scope. Several rounds; the median and the spread are "
            "reported. Without INPUT, generated VPC flow log records are used."
        ),
    )
    parser.add_argument("rules", metavar="RULES", help="rule file (TOML, or Sumo Logic FER JSON)")
    parser.add_argument("inputs", nargs="*", metavar="INPUT",
                        help="sample files or directories (plain or gzip lines, CloudWatch payloads)")
    parser.add_argument("--rounds", type=int, default=5, metavar="N", help="timed rounds (default 5)")
    parser.add_argument("--records", type=int, default=20_000, metavar="N",
                        help="generated records when no INPUT is given (default 20000)")
    parser.add_argument("--input-format", choices=INPUT_FORMATS, default="auto",
                        help="how to read the inputs (default: auto, by content)")
    parser.add_argument("--category", metavar="CAT", help="_sourceCategory for messages that carry none")
    parser.add_argument("--host", metavar="H", help="default _sourceHost")
    parser.add_argument("--name", metavar="N", help="default _sourceName")
    parser.add_argument("--json", action="store_true", help="write the figures as JSON on stdout")
    parser.add_argument("--compare", metavar="PREVIOUS.json",
                        help="show the change against an earlier `fer bench --json` run")
    parser.set_defaults(handler=bench)
    return parser


def bench(args: argparse.Namespace) -> int:
    if args.rounds < 1 or args.records < 1:
        print("fer bench: --rounds and --records must be at least 1", file=sys.stderr)
        return 2
    rules = load_rules_or_fail(args.rules)
    previous: dict[str, Any] | None = None
    if args.compare:
        try:
            with open(args.compare, "rb") as handle:
                previous = orjson.loads(handle.read())
        except (OSError, orjson.JSONDecodeError) as error:
            print(f"fer bench: cannot read {args.compare}: {error}", file=sys.stderr)
            return 2
        if not isinstance(previous, dict) or "engine" not in previous:
            print(f"fer bench: {args.compare} is not a `fer bench --json` result", file=sys.stderr)
            return 2

    problems: list[str] = []
    if args.inputs:
        def read() -> list[Any]:
            stats = InputStats()
            found = list(iter_messages(args.inputs, args.input_format,
                                       on_problem=lambda n, d: problems.append(f"{n}: {d}"), stats=stats))
            return found

        messages: Any = read
        if not read():
            for problem in dict.fromkeys(problems):
                print(f"fer bench: {problem}", file=sys.stderr)
            print("fer bench: the inputs hold no messages", file=sys.stderr)
            return 1
    else:
        messages = mixed_corpus(args.records)

    result = bench_rules(rules, messages, rules_file=args.rules, inputs=tuple(args.inputs),
                         rounds=args.rounds, category=args.category, host=args.host, name=args.name)
    for problem in dict.fromkeys(problems):
        print(f"fer bench: {problem}", file=sys.stderr)
    if args.json:
        document = result.to_dict()
        if previous is not None:
            from fer.bench import compare_results

            document["compare"] = compare_results(document, previous)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print(format_result(result, previous))
    return 1 if problems else 0
