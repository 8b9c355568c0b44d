"""The `fer` command line: one module per subcommand, each with `add_parser(subparsers)`.

Each subcommand module defines `add_parser(subparsers) -> argparse.ArgumentParser` and sets
`handler=<function(args) -> int>` as a default on its parser. Exit codes: 0 success, 1 a problem
with the data (damaged input, failing rule tests, invalid rules in `fer check`), 2 bad usage or a
bad rule file.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from fer.errors import FerError

# Subcommand modules under fer.cli, in the order `fer --help` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "run",
    "check",
    "test",
    "explain",
    "bench",
    "vpc_rule",
    "collect",
    "report",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fer",
        description="Compile and run ingest-time field extraction rules (Sumo Logic FER language).",
    )
    from fer import __version__

    parser.add_argument("--version", action="version", version=f"fer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMANDS:
        try:
            module = importlib.import_module(f"fer.cli.{name}")
        except ModuleNotFoundError as error:  # pragma: no cover - only while a subcommand is being built
            if error.name != f"fer.cli.{name}":
                raise
            continue
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(handler(args) or 0)
    except FerError as error:
        print(f"fer {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"fer {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `fer run … | head` closes our stdout early; that is not an error worth a traceback.
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
