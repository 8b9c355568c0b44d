"""Helpers shared by the subcommands: loading rules, the run summary, progress on a terminal."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

from fer.engine import EngineStats
from fer.errors import FerRuleError
from fer.rules import RuleSet, load_rules

__all__ = ["load_rules_or_fail", "format_summary", "Progress", "with_progress", "plural"]

T = TypeVar("T")


def load_rules_or_fail(path: str) -> RuleSet:
    """Load a rule file; a missing or broken one raises FerRuleError, which `fer.cli.main` turns
    into exit status 2 with the error on stderr."""
    if not os.path.exists(path):
        raise FerRuleError("no such rule file", path=path)
    return load_rules(path)


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def format_summary(stats: EngineStats, rules: RuleSet | None = None) -> str:
    """The run summary: totals, then one row per rule (in scope, matched, failed)."""
    totals = [
        ("messages in", stats.messages_in),
        ("records out", stats.records_out),
        ("excluded", stats.excluded),
        ("decode problems", stats.decode_errors),
    ]
    width = max(len(label) for label, _ in totals)
    numbers = max(len(f"{value:,}") for _, value in totals)
    lines = [f"{label:<{width}}  {value:>{numbers},}" for label, value in totals]
    if stats.rules:
        disabled = {rule.name for rule in rules or () if not rule.enabled}
        names = [name + (" (disabled)" if name in disabled else "") for name in stats.rules]
        header = ("rule", "in scope", "matched", "failed")
        rows = [
            (label, f"{r.in_scope:,}", f"{r.matched:,}", f"{r.failed:,}")
            for label, r in zip(names, stats.rules.values(), strict=True)
        ]
        widths = [max(len(row[i]) for row in (header, *rows)) for i in range(4)]
        lines.append("")
        for row in (header, *rows):
            lines.append(
                f"{row[0]:<{widths[0]}}  "
                + "  ".join(f"{cell:>{w}}" for cell, w in zip(row[1:], widths[1:], strict=True))
            )
    return "\n".join(lines)


class Progress:
    """A one-line message counter on a terminal, redrawn at most a few times a second."""

    INTERVAL = 0.25

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def update(self, count: int, *, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self.last < self.INTERVAL:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        self.stream.write(f"\r{count:,} messages  {count / elapsed:,.0f}/s")
        self.stream.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")  # clear the line before the summary is printed
            self.stream.flush()


def with_progress(items: Iterable[T], progress: Progress | None) -> Iterator[T]:
    """Pass items through, updating progress every 1,024 (checking the clock per item costs more)."""
    if progress is None:
        yield from items
        return
    count = 0
    for count, item in enumerate(items, 1):  # noqa: B007 - count is used after the loop
        if not count & 1023:
            progress.update(count)
        yield item
    progress.update(count, force=True)
    progress.finish()
