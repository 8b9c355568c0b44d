"""`fer.compile`: the whole pipeline in one short function, and the `Pipeline` it returns.

    parse (Lark → AST) → check → optimize → generate Python (or: the reference evaluator)
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Literal

from fer import ast
from fer.checker import check, check_length
from fer.codegen import generate
from fer.evaluator import Evaluator
from fer.optimizer import optimize
from fer.parser import parse
from fer.plan import message_fields, output_plan
from fer.printer import to_source

__all__ = ["compile", "Pipeline"]

Backend = Literal["compiled", "reference"]
Message = str | Mapping[str, str]
_NO_METADATA: dict[str, str | None] = {}


class Pipeline:
    """A compiled parse expression. Reusable and thread-safe (it holds no per-message state)."""

    def __init__(self, source: str, query: ast.Query, backend: Backend = "compiled") -> None:
        self.source = source
        self.query = query
        self.backend: Backend = backend
        self.fields: tuple[str, ...] = output_plan(query).spellings
        self._reference = Evaluator(query)
        if backend == "compiled":
            generated = generate(query)
            self.python_source: str = generated.source
            self._extract = generated.function
        else:
            self.python_source = ""
            self._extract = self._evaluate
        self.internal_errors = 0

    def _evaluate(self, raw: str | None, meta: dict[str, str | None]) -> dict[str, str] | None:
        fields = dict(meta)
        fields["_raw"] = raw
        return self._reference.apply(fields)

    def apply(self, message: Message) -> dict[str, str] | None:
        """The fields the expression extracts from one message, or None when a stage drops it.

        `message` is the raw text or a mapping holding `_raw` and metadata. Never raises for any
        message content.
        """
        raw: str | None
        if type(message) is str:
            raw, meta = message, _NO_METADATA
        else:
            meta = message_fields(message)
            raw = meta.get("_raw")
        try:
            return self._extract(raw, meta)
        except Exception:  # noqa: BLE001 - a message must never crash a run (api.md)
            return self._recover(raw, meta)

    def extract(self, raw: str | None, meta: dict[str, str | None]) -> dict[str, str] | None:
        """apply() for callers that already hold `_raw` and lower-case metadata (the engine)."""
        try:
            return self._extract(raw, meta)
        except Exception:  # noqa: BLE001
            return self._recover(raw, meta)

    def _recover(self, raw: str | None, meta: dict[str, str | None]) -> dict[str, str] | None:
        # A failure here is a bug in fer, not in the message: count it, fall back to the
        # reference evaluator, and if even that fails, drop rather than crash the run.
        self.internal_errors += 1
        try:
            return self._evaluate(raw, meta)
        except Exception:  # noqa: BLE001
            return None

    def run(self, messages: Iterable[Message]) -> Iterator[dict[str, str] | None]:
        """apply() over a stream, in order."""
        extract = self._extract
        for message in messages:
            if type(message) is str:
                try:
                    yield extract(message, _NO_METADATA)
                except Exception:  # noqa: BLE001
                    yield self._recover(message, _NO_METADATA)
            else:
                yield self.apply(message)

    @functools.cached_property
    def warnings(self) -> tuple[str, ...]:
        """Problems that are not errors: regexes prone to catastrophic backtracking (computed on
        first use, so compiling stays cheap for callers that never ask)."""
        from fer.regex_safety import query_regex_warnings

        return tuple(query_regex_warnings(self.query))

    def explain(self) -> str:
        """The stages as fer understood them, the output fields, and the generated Python."""
        lines = [f"expression: {self.source.strip()}", "", "stages:"]
        for number, stage in enumerate(self.query.stages, 1):
            stage_source = to_source(ast.Query((stage,)))
            lines.append(f"  {number}. {type(stage).__name__:<15} {stage_source}")
        lines += ["", f"output fields: {', '.join(self.fields) or '(none)'}", ""]
        lines += [f"warning: {warning}" for warning in self.warnings]
        if self.warnings:
            lines.append("")
        if self.python_source:
            lines += ["generated Python:", self.python_source]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"fer.Pipeline({self.source!r})"

    def __reduce__(self):  # travel as source text: workers recompile (never pickled closures)
        return (compile, (self.source, self.backend))


def compile(source: str, backend: Backend = "compiled") -> Pipeline:  # noqa: A001 - the public name
    """Compile a parse expression. Raises FerSyntaxError or FerCompileError."""
    if not isinstance(source, str):
        raise TypeError(f"fer.compile() takes the expression text, not {type(source).__name__}")
    check_length(source)
    query = check(parse(source), source)
    query = optimize(query)
    return Pipeline(source, query, backend)

