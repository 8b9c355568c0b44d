"""`fer test`: run the `[[rule.example]]`s of rule files, like `vector test`.

How an example runs (the decision this command documents): its `input` goes through an `Engine`
holding only that rule (enabled even when the file disables it) and the file's `[source]`, so the
processing rules, timestamp settings, default metadata (which scopes usually test) and the 16,384
character cut all apply, exactly as in `fer run`. Other rules of the file are left out so that each
example tests its own rule alone.

- `fields = {...}`: the rule must match and extract exactly these fields: same names (spelled as the
  rule outputs them), same string values, nothing missing, nothing extra.
- `dropped = true`: the rule must contribute nothing: its expression drops the message, the message
  is out of its scope or over the 64 KiB limit, or a processing rule excludes it.

Each failure prints a diff per field; then `N passed, M failed`. Exit status 1 on any failure, 2 for
a bad rule file.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fer.cli._common import load_rules_or_fail
from fer.engine import Engine, RuleOutcome
from fer.rules import Rule, RuleExample, RuleSet

__all__ = ["add_parser", "test", "ExampleResult", "run_examples"]

_NO_MATCH = {
    "dropped": "its expression dropped the message",
    "out-of-scope": "the message is out of the rule's scope",
    "over-limit": "its fields exceed 64 KiB",
    "excluded": "a processing rule excluded the message",
}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "test",
        help="run the examples written in rule files",
        description=(
            "Run every [[rule.example]] through an engine holding that rule and the file's "
            "[source], compare the extracted fields with the expected ones and print a diff "
            "for each failure."
        ),
    )
    parser.add_argument("rules", nargs="+", metavar="RULES", help="TOML rule files with examples")
    parser.add_argument("--verbose", "-v", action="store_true", help="list passing examples too")
    parser.set_defaults(handler=test)
    return parser


@dataclass(frozen=True)
class ExampleResult:
    """One example's verdict; `problems` is the diff (empty when it passed)."""

    path: str
    rule: str
    number: int
    example: RuleExample
    outcome: RuleOutcome
    problems: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def title(self) -> str:
        label = f" ({self.example.name})" if self.example.name else ""
        return f"{self.rule} example {self.number}{label}"


def run_examples(ruleset: RuleSet) -> Iterator[ExampleResult]:
    """Every example of every rule of a loaded rule set, in file order."""
    for rule in ruleset:
        if not rule.examples:
            continue
        engine = Engine(RuleSet.from_rules([_enabled(rule)], ruleset.source))
        for number, example in enumerate(rule.examples, 1):
            outcome = engine.trace(example.input).outcome(rule.name)
            yield ExampleResult(
                ruleset.path or "<rules>", rule.name, number, example, outcome,
                tuple(_compare(example, outcome)),
            )


def test(args: argparse.Namespace) -> int:
    passed = failed = 0
    failures: list[ExampleResult] = []
    for path in args.rules:
        ruleset = load_rules_or_fail(path)
        untested = [rule.name for rule in ruleset if not rule.examples]
        print(f"{path}:")
        for result in run_examples(ruleset):
            if result.passed:
                passed += 1
                if args.verbose:
                    print(f"  ok      {result.title}")
            else:
                failed += 1
                failures.append(result)
                print(f"  FAILED  {result.title}")
        if not args.verbose and not any(r.path == path for r in failures):
            print("  all examples passed" if any(r.examples for r in ruleset) else "  no examples")
        for name in untested:
            print(f"  note: rule {name!r} has no examples")

    for result in failures:
        print(f"\n--- {result.path}: {result.title}")
        print(f"input: {_show_input(result.example.input)}")
        for problem in result.problems:
            print(f"  {problem}")
    print(f"\n{passed} passed, {failed} failed")
    sys.stdout.flush()
    return 1 if failed else 0


def _enabled(rule: Rule) -> Rule:
    return rule if rule.enabled else dataclasses.replace(rule, enabled=True)


def _compare(example: RuleExample, outcome: RuleOutcome) -> Iterator[str]:
    matched = outcome.outcome == "matched"
    actual: Mapping[str, str] = outcome.fields or {}
    if example.dropped:
        if matched:
            shown = ", ".join(f"{k}={v!r}" for k, v in actual.items()) or "no fields"
            yield f"expected the rule to contribute nothing, but it matched: {shown}"
        return
    expected = example.fields or {}
    if not matched:
        yield f"expected fields, but the rule contributed nothing: {_NO_MATCH.get(outcome.outcome, outcome.outcome)}"
        for key, value in expected.items():
            yield f"missing    {key}: expected {_show(value)}"
        return
    for key, value in expected.items():
        if key not in actual:
            near = [k for k in actual if k.lower() == key.lower()]
            hint = f" (the rule spells it {near[0]!r})" if near else ""
            yield f"missing    {key}: expected {_show(value)}{hint}"
        elif actual[key] != value:
            yield f"different  {key}: expected {_show(value)}, got {_show(actual[key])}"
    for key, value in actual.items():
        if key not in expected:
            yield f"unexpected {key}: {_show(value)}"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def _show_input(message: str | Mapping[str, str]) -> str:
    if isinstance(message, str):
        return _show(message)
    return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in message.items()) + "}"
