"""Turn a pytest-benchmark JSON run into docs/benchmarks.md (a table) and docs/benchmarks.svg (a chart).

    pytest benchmarks --benchmark-only --benchmark-json=benchmarks/results.json
    python benchmarks/report.py benchmarks/results.json            # writes docs/benchmarks.{md,svg}

Per group (a stage kind, the seed rule on one corpus, an engine setup, `fer run`), every entry's
median is shown per message (µs; `extra_info["messages"]` says how many messages one round handles)
and as a ratio to the group's hand-written baseline (1.00 = as fast as the best hand-written Python).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
COLOURS = {"fer": "#2f6fb0", "baseline": "#8a8a8a", "peer": "#d08a2c", "other": "#5a9e5a"}


@dataclass(frozen=True)
class Entry:
    group: str
    label: str  # fer, hand-written, or the peer's name
    kind: str  # fer | baseline | peer | other
    median_us: float  # per message (per call when the benchmark handles no messages)
    per_message: bool


def load(path: str | Path) -> list[Entry]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    entries: list[Entry] = []
    for bench in data.get("benchmarks", []):
        info = bench.get("extra_info") or {}
        messages = int(info.get("messages", 0) or 0)
        median = float(bench["stats"]["median"])
        kind = str(info.get("kind", "other"))
        label = _label(bench, kind, info)
        entries.append(Entry(
            group=str(bench.get("group") or bench["name"]),
            label=label,
            kind=kind,
            median_us=median / messages * 1e6 if messages else median * 1e6,
            per_message=bool(messages),
        ))
    return entries


def _label(bench: dict[str, Any], kind: str, info: dict[str, Any]) -> str:
    params = bench.get("params") or {}
    if kind == "baseline":
        return "hand-written Python"
    if kind == "peer":
        return str(params.get("peer", bench["name"]))
    if kind == "fer":
        workers = info.get("workers")
        return "fer" if workers in (None, 1) else f"fer --workers {workers}"
    return bench["name"].removeprefix("test_").replace("_", " ")


def _grouped(entries: Sequence[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        groups[entry.group].append(entry)
    order = {"fer": 0, "baseline": 1, "peer": 2, "other": 3}
    for items in groups.values():
        items.sort(key=lambda e: (order.get(e.kind, 9), e.label))
    return dict(sorted(groups.items()))


def _baseline(items: Sequence[Entry]) -> Entry | None:
    return next((e for e in items if e.kind == "baseline"), None)


def markdown(entries: Sequence[Entry], command: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Median time per message (µs) and the ratio to the hand-written Python baseline of the same",
        "group (lower is faster; fer's target ratios: 1.3 for the seed rule on the mixed corpus, 1.5 for",
        "the full VPC source). Reproduce with:",
        "",
        "```sh",
        command,
        "```",
        "",
        "| group | implementation | µs / message | × baseline |",
        "| --- | --- | ---: | ---: |",
    ]
    for group, items in _grouped(entries).items():
        base = _baseline(items)
        for entry in items:
            unit = f"{entry.median_us:,.2f}" if entry.per_message else f"{entry.median_us:,.0f} (per call)"
            ratio = f"{entry.median_us / base.median_us:.2f}" if base and base.median_us > 0 else "–"
            lines.append(f"| {group} | {entry.label} | {unit} | {ratio} |")
    return "\n".join(lines) + "\n"


def svg(entries: Sequence[Entry]) -> str:
    """Horizontal bars per group, each bar's length its ratio to the group's baseline."""
    groups = {g: items for g, items in _grouped(entries).items() if _baseline(items) is not None}
    bar, gap, left, width = 16, 10, 300, 420
    rows = sum(len(items) for items in groups.values())
    height = 60 + rows * (bar + 4) + len(groups) * (gap + 18)
    ratios = [e.median_us / _baseline(items).median_us  # type: ignore[union-attr]
              for items in groups.values() for e in items]
    top = max([1.0, *ratios]) * 1.08
    scale = width / top
    out = [
        (f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + 90}" height="{height}" '
         'font-family="sans-serif" font-size="12">'),
        ('<text x="10" y="20" font-size="14" font-weight="bold">Time per message relative to '
         'hand-written Python (1.0 = as fast)</text>'),
    ]
    x1 = left + scale
    out.append(f'<line x1="{x1:.1f}" y1="30" x2="{x1:.1f}" y2="{height - 10}" stroke="#444" '
               'stroke-dasharray="4 3"/>')
    out.append(f'<text x="{x1 + 3:.1f}" y="40" fill="#444">1.0</text>')
    y = 50
    for group, items in groups.items():
        base = _baseline(items)
        assert base is not None
        out.append(f'<text x="10" y="{y + 12}" font-weight="bold">{escape(group)}</text>')
        y += 18
        for entry in items:
            ratio = entry.median_us / base.median_us if base.median_us > 0 else 0.0
            colour = COLOURS.get(entry.kind, COLOURS["other"])
            out.append(f'<text x="20" y="{y + 12}">{escape(entry.label)}</text>')
            out.append(f'<rect x="{left}" y="{y}" width="{max(ratio * scale, 1):.1f}" height="{bar}" '
                       f'fill="{colour}"/>')
            out.append(f'<text x="{left + ratio * scale + 4:.1f}" y="{y + 12}">{ratio:.2f}× '
                       f'({entry.median_us:,.2f} µs)</text>')
            y += bar + 4
        y += gap
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("results", help="the JSON written by --benchmark-json")
    parser.add_argument("--markdown", default=str(ROOT / "docs" / "benchmarks.md"))
    parser.add_argument("--svg", default=str(ROOT / "docs" / "benchmarks.svg"))
    parser.add_argument("--command", default=(
        "pytest benchmarks --benchmark-only --benchmark-json=benchmarks/results.json\n"
        "python benchmarks/report.py benchmarks/results.json"))
    args = parser.parse_args(argv)
    entries = load(args.results)
    if not entries:
        print(f"{args.results}: no benchmarks", file=sys.stderr)
        return 1
    Path(args.markdown).parent.mkdir(parents=True, exist_ok=True)
    Path(args.markdown).write_text(markdown(entries, args.command), encoding="utf-8")
    Path(args.svg).write_text(svg(entries), encoding="utf-8")
    print(f"wrote {args.markdown} and {args.svg}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
