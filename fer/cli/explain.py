"""`fer explain`: show what a rule file (or one expression) compiles to.

For a rule file: the source settings, then per rule its scope, the stages and the generated Python
(`Pipeline.explain()`). An argument that is not an existing file is compiled as an expression.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

from fer.cli._common import load_rules_or_fail, plural

__all__ = ["add_parser", "explain"]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "explain",
        help="show the stages and generated Python of rules or an expression",
        description=(
            "Print, for each rule of a rule file, its scope, its stages and the Python it compiles "
            "to. An argument that is not an existing file is taken as a parse expression."
        ),
    )
    parser.add_argument("target", metavar="RULES_OR_EXPRESSION",
                        help="a rule file, or a parse expression in quotes")
    parser.set_defaults(handler=explain)
    return parser


def explain(args: argparse.Namespace) -> int:
    print(explain_text(args.target))
    return 0


def explain_text(target: str) -> str:
    """The explanation `fer explain` prints (FerError for a bad file or expression)."""
    if not os.path.isfile(target):
        from fer.pipeline import compile as compile_expression

        return compile_expression(target).explain().rstrip("\n")

    ruleset = load_rules_or_fail(target)
    blocks: list[str] = [f"# rule file {target}: {plural(len(ruleset), 'rule')}"]
    source = _describe_source(ruleset.source)
    if source:
        blocks.append("# source\n" + "\n".join(f"#   {line}" for line in source))
    for number, rule in enumerate(ruleset, 1):
        state = "enabled" if rule.enabled else "disabled"
        header = [
            f"# rule {number}: {rule.name} ({state})",
            f"# scope: {rule.scope or '(empty: every message)'}",
            f"# fields: {', '.join(rule.pipeline.fields) or '(none)'}",
        ]
        blocks.append("\n".join(header) + "\n" + rule.pipeline.explain().rstrip("\n"))
    return "\n\n".join(blocks)


def _describe_source(settings: Any) -> list[str]:
    lines: list[str] = []
    for attribute, label in (("category", "_sourceCategory"), ("host", "_sourceHost"),
                             ("name", "_sourceName")):
        value = getattr(settings, attribute, None)
        if value is not None:
            lines.append(f"{label} = {value!r} (default)")
    if getattr(settings, "timestamp_format", None):
        locator = settings.timestamp_locator
        lines.append(
            f"timestamp: format {settings.timestamp_format}"
            + (f", locator {locator}" if locator else "")
            + f", timezone {settings.timezone}"
        )
    for rule in getattr(settings, "processing_rules", ()):
        lines.append(f"processing rule {rule.name!r}: {rule.type} {rule.regex}")
    return lines
