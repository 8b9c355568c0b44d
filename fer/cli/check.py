"""`fer check`: compile every rule of rule files and list every error, then the warnings.

Exit status: 0 when every rule compiles (warnings do not count), 1 when any rule or file is invalid,
2 when a file does not exist.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from fer.cli._common import plural
from fer.rules import check_rules, load_rules

__all__ = ["add_parser", "check"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "check",
        help="compile rule files and report every error",
        description=(
            "Compile every rule (disabled ones too) and print each error with the file, the rule, "
            "line:column and a caret. Warnings (colliding rules, Sumo's limits) follow."
        ),
    )
    parser.add_argument("rules", nargs="+", metavar="RULES", help="rule files (TOML or Sumo FER JSON)")
    parser.set_defaults(handler=check)
    return parser


def check(args: argparse.Namespace) -> int:
    missing = [path for path in args.rules if not os.path.exists(path)]
    for path in missing:
        print(f"fer check: {path}: no such rule file", file=sys.stderr)
    if missing:
        return 2

    failed = False
    for path in args.rules:
        errors = check_rules(path)
        if errors:
            failed = True
            for error in errors:
                print(f"error: {error}\n")
            print(f"{path}: {plural(len(errors), 'error')}")
            continue
        ruleset = load_rules(path)
        warnings = ruleset.warnings()
        for warning in warnings:
            print(f"warning: {path}: {warning}")
        enabled = len(ruleset.enabled)
        disabled = len(ruleset) - enabled
        summary = f"{path}: {plural(len(ruleset), 'rule')} OK"
        if disabled:
            summary += f" ({disabled} disabled)"
        if warnings:
            summary += f", {plural(len(warnings), 'warning')}"
        print(summary)
    return 1 if failed else 0
