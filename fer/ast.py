"""The abstract syntax tree: frozen, slotted dataclasses that carry a source span.

Nodes are data only; the passes (checker, optimizer, evaluator, code generator, printer) hold the
behaviour and `match` on the node classes. Spans are excluded from equality so that an AST printed
back to source and parsed again compares equal to the original.

Conventions:
- Field names keep the spelling the user wrote (`Name.text`, `FieldRef.name`); the case-insensitive
  identity of a field is `field_key(name)` (its lower-case form).
- String literals hold their value after escape processing (language.md §1).
- Numbers are floats (language.md §2: a number is a float64).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, TypeAlias, Union


@dataclass(frozen=True, slots=True)
class Span:
    """Where a node was written: character offsets [start, end) and the 1-based line:column of start."""

    start: int
    end: int
    line: int
    column: int


NO_SPAN = Span(0, 0, 1, 1)


def _span() -> Span:
    return field(default=NO_SPAN, compare=False, repr=False)  # type: ignore[return-value]


def field_key(name: str) -> str:
    """The case-insensitive identity of a field name (language.md §1)."""
    return name.lower()


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True, slots=True)
class StringLit:
    value: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NumberLit:
    value: float
    text: str = field(default="", compare=False)  # as written (with suffix), for printing
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class BoolLit:
    value: bool
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class NullLit:
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class RegexLit:
    """`/…/` after `matches` or as replace's second argument. `pattern` is the text between slashes."""

    pattern: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class FieldRef:
    """Reading a field (bare name or `%"quoted name"`)."""

    name: str
    span: Span = _span()


ArithOp = Literal["+", "-", "*", "/", "%"]
CompareOp = Literal["=", "!=", "<", ">", "<=", ">="]  # `==` lowers to `=`, `<>` to `!=`


@dataclass(frozen=True, slots=True)
class Negate:
    """Unary minus."""

    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Not:
    """`!x` / `not x` (three-valued)."""

    operand: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Arith:
    op: ArithOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Compare:
    op: CompareOp
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Logical:
    op: Literal["and", "or"]
    left: Expr
    right: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Conditional:
    """`if(cond, then, otherwise)` and `cond ? then : otherwise`. `ternary` remembers the spelling."""

    cond: Expr
    then: Expr
    otherwise: Expr
    ternary: bool = field(default=False, compare=False)
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class InList:
    """`x in (a, b)` / `x not in (…)`."""

    value: Expr
    options: tuple[Expr, ...]
    negated: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Matches:
    """`s matches "wild*card"` | `s matches /regex/` | `s matches field` (the field holds a wildcard)."""

    value: Expr
    pattern: StringLit | RegexLit | FieldRef
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Contains:
    """`a contains b` (also the function form `contains(a, b)`)."""

    haystack: Expr
    needle: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Call:
    """A function call. `name` is as written; `function_key(name)` is its identity."""

    name: str
    args: tuple[Expr, ...]
    span: Span = _span()


Expr: TypeAlias = Union[
    StringLit, NumberLit, BoolLit, NullLit, RegexLit, FieldRef, Negate, Not, Arith, Compare,
    Logical, Conditional, InList, Matches, Contains, Call,
]


def function_key(name: str) -> str:
    """Function names are case-insensitive (language.md §7)."""
    return name.lower()


# --------------------------------------------------------------------------- stages


@dataclass(frozen=True, slots=True)
class Name:
    """A field name being assigned (after `as`, in `fields`, in `extract`)."""

    text: str
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class AnchorPattern:
    """One `"pattern" as a, b` of a parse stage. `pattern` is the string value (escapes processed)."""

    pattern: str
    names: tuple[Name, ...]
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ParseAnchor:
    source: FieldRef | None  # `field=F`; None means _raw
    patterns: tuple[AnchorPattern, ...]
    nodrop: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ParseRegex:
    """`parse regex` / `extract`. `multi` is parsed so the checker can reject it with a clear error."""

    source: FieldRef | None
    regexes: tuple[StringLit, ...]
    nodrop: bool = False
    multi: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Json:
    """`json [field=F] "path", … [as a, …] [nodrop]`; `auto` parsed only to be rejected."""

    source: FieldRef | None
    paths: tuple[StringLit, ...]
    names: tuple[Name, ...] | None = None
    nodrop: bool = False
    auto: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class KeyValue:
    """`kv` / `keyvalue`: infer mode when `regex` is None, else regex mode with `keys`."""

    source: FieldRef | None
    keys: tuple[StringLit, ...]
    names: tuple[Name, ...] | None = None
    regex: StringLit | None = None
    nodrop: bool = False
    auto: bool = False
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class CsvColumn:
    """One item of `extract`: `3 as c` (index=3) or positional `c` / `_` (index=None)."""

    index: int | None
    name: Name
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Csv:
    """`csv F …` and `split F …` (`kind`). Options hold one character each."""

    kind: Literal["csv", "split"]
    source: FieldRef
    columns: tuple[CsvColumn, ...]
    delim: str = ","
    quote: str = '"'
    escape: str = "\\"
    nodrop: bool = False  # parsed so the checker can reject it
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Assign:
    """`expr as name`."""

    value: Expr
    target: Name
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class ConvertInPlace:
    """`num(f)` / `number(f)` / `toLong(f)` without `as`: converts the field in place."""

    function: str
    target: FieldRef
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Where:
    cond: Expr
    span: Span = _span()


@dataclass(frozen=True, slots=True)
class Fields:
    """`fields a, b` (keep) / `fields - a, b` (remove) / `fields + a` (keep)."""

    mode: Literal["keep", "remove"]
    names: tuple[Name, ...]
    span: Span = _span()


Stage: TypeAlias = Union[
    ParseAnchor, ParseRegex, Json, KeyValue, Csv, Assign, ConvertInPlace, Where, Fields,
]


@dataclass(frozen=True, slots=True)
class Query:
    """A whole parse expression: its stages in order."""

    stages: tuple[Stage, ...]
    span: Span = _span()


# Built-in metadata fields (language.md §1), by key. Input only: assigning one is a compile error.
METADATA_FIELDS: frozenset[str] = frozenset(
    {
        "_raw", "_messagetime", "_receipttime", "_sourcecategory", "_sourcehost", "_sourcename",
        "_source", "_collector", "_size", "_format", "_messagecount", "_view",
    }
)
