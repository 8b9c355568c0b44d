"""Pipeline stage 1, parsing: source text -> Lark tree -> `fer.ast` nodes with spans.

`parse(text)` is the entry point. The Lark LALR parser is built once per process; `cache=True` keeps
Lark's grammar analysis on disk, so building it costs ~10 ms instead of ~250 ms for this grammar. The
tree Lark produces is lowered by `_Lower`, one method per grammar alias, and never leaves this module.
Every Lark exception becomes a `FerSyntaxError` with the line and column of the problem and a readable
"expected ...".
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable, Iterator
from decimal import Context, Decimal, DecimalException
from pathlib import Path
from typing import Any, cast

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import (
    UnexpectedCharacters,
    UnexpectedInput,
    UnexpectedToken,
    VisitError,
)
from lark.lexer import PatternStr
from lark.tree import Meta

import fer
from fer import ast
from fer.errors import FerCompileError, FerError, FerSyntaxError, line_and_column

__all__ = ["parse", "number_value", "unescape_string", "grammar_path", "CONVERT_IN_PLACE"]

# Functions that may stand alone as a stage (`num(f)`), converting their field in place (§3.4).
CONVERT_IN_PLACE: frozenset[str] = frozenset({"num", "number", "tolong"})

_PARSER: Lark | None = None


def grammar_path() -> Path:
    """The grammar file: inside the package in a wheel, at the repository root in a dev checkout."""
    package_dir = Path(fer.__file__).parent
    for candidate in (package_dir / "grammars" / "fer.lark", package_dir.parent / "grammars" / "fer.lark"):
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"fer.lark not found next to {package_dir}")


def _parser() -> Lark:
    """The process-wide Lark parser, built on first use."""
    global _PARSER
    if _PARSER is None:
        _PARSER = Lark(
            grammar_path().read_text(encoding="utf-8"),
            parser="lalr",
            lexer="contextual",
            start="query",
            propagate_positions=True,
            maybe_placeholders=True,
            cache=True,
        )
    return _PARSER


def parse(text: str) -> ast.Query:
    """Parse a whole parse expression into an `ast.Query` (no semantic checks; see fer.checker)."""
    return _lower(_lark_parse(text), text)


# Errors are raised outside the `except` blocks below so that Lark's exception, which holds the
# parser's state, is not chained as `__context__`: the error stays small and picklable, also by tblib
# (which Dask installs, and which pickles the context too).


def _lark_parse(text: str) -> Tree:
    try:
        return _parser().parse(text)
    except UnexpectedInput as exc:
        error = _syntax_error(exc, text)
    raise error


def _lower(tree: Tree, text: str) -> ast.Query:
    try:
        return _Lower(text).transform(tree)
    except VisitError as exc:
        if not isinstance(exc.orig_exc, (FerError, RecursionError)):
            raise
        error = exc.orig_exc if isinstance(exc.orig_exc, FerError) else _too_deep(text)
    except RecursionError:
        error = _too_deep(text)
    error.__traceback__ = None
    raise error


def _too_deep(text: str) -> FerSyntaxError:
    # Lark's transformer recurses once per tree level; a few thousand nested operators (`- - - a`,
    # `f(f(f(…)))`) exhaust the Python stack well within the 16,384-character limit.
    return FerSyntaxError.at("expression is nested too deeply", text, 0)


# --------------------------------------------------------------------------- literals

_STRING_ESCAPES = {'"': '"', "\\": "\\", "n": "\n", "r": "\r", "t": "\t"}
_ESCAPE_PAIR = re.compile(r"\\([\s\S])")


def unescape_string(body: str) -> str:
    """Resolve `\\"`, `\\\\`, `\\n`, `\\r`, `\\t`; every other backslash pair stays as written (§1)."""
    if "\\" not in body:
        return body
    return _ESCAPE_PAIR.sub(lambda m: _STRING_ESCAPES.get(m.group(1), m.group(0)), body)


_OPTION_ESCAPES = {**_STRING_ESCAPES, "'": "'"}


def _option_value(token: Token) -> str:
    """A csv/split option: `'x'`, `'\\t'` (tab), `'\\'` (backslash), or a double-quoted string."""
    text = str(token)
    body = text[1:-1]
    if text.startswith('"'):
        return unescape_string(body)
    if body == "\\":
        return "\\"
    return _ESCAPE_PAIR.sub(lambda m: _OPTION_ESCAPES.get(m.group(1), m.group(0)), body)


_SUFFIX_RE = re.compile(r"(Ki|Mi|Gi|Ti|Pi|ns|us|ms|[kKMGTPsmhdw])$")
_MULTIPLIERS: dict[str, Decimal] = {
    "k": Decimal(1000), "K": Decimal(1000), "M": Decimal(1000) ** 2, "G": Decimal(1000) ** 3,
    "T": Decimal(1000) ** 4, "P": Decimal(1000) ** 5,
    "Ki": Decimal(1024), "Mi": Decimal(1024) ** 2, "Gi": Decimal(1024) ** 3,
    "Ti": Decimal(1024) ** 4, "Pi": Decimal(1024) ** 5,
    # Time suffixes give milliseconds.
    "ns": Decimal("0.000001"), "us": Decimal("0.001"), "ms": Decimal(1), "s": Decimal(1000),
    "m": Decimal(60_000), "h": Decimal(3_600_000), "d": Decimal(86_400_000), "w": Decimal(604_800_000),
}
# Wide exponent range so that `1e400k` overflows to inf in float() rather than raising in Decimal.
_DECIMAL = Context(prec=60, Emax=10**9, Emin=-(10**9))


def number_value(text: str) -> float:
    """The value of an unsigned number literal such as `12`, `3.14e+4`, `1.5s` (= 1500), `2Ki`."""
    suffix = _SUFFIX_RE.search(text)
    if suffix is None:
        return float(text)
    digits = text[: suffix.start()]
    try:
        # Decimal so that `0.1s` is exactly 100, not 100.00000000000001.
        return float(_DECIMAL.multiply(Decimal(digits), _MULTIPLIERS[suffix.group(1)]))
    except (DecimalException, OverflowError):
        return float(digits) * float(_MULTIPLIERS[suffix.group(1)])


# --------------------------------------------------------------------------- lowering


def _span_of(item: Meta | Token) -> ast.Span:
    if isinstance(item, Token):
        return ast.Span(item.start_pos or 0, item.end_pos or 0, item.line or 1, item.column or 1)
    return ast.Span(item.start_pos, item.end_pos, item.line, item.column)


def _tokens(children: Iterable[Any], *types: str) -> Iterator[Token]:
    return (c for c in children if isinstance(c, Token) and c.type in types)


def _has(children: Iterable[Any], type_: str) -> bool:
    return any(True for _ in _tokens(children, type_))


def _source(children: Iterable[Any]) -> ast.FieldRef | None:
    return next((c for c in children if isinstance(c, ast.FieldRef)), None)


def _string(token: Token) -> ast.StringLit:
    return ast.StringLit(unescape_string(token[1:-1]), span=_span_of(token))


def _strings(children: Iterable[Any]) -> tuple[ast.StringLit, ...]:
    return tuple(_string(t) for t in _tokens(children, "STRING"))


def _names(children: Iterable[Any]) -> tuple[ast.Name, ...] | None:
    names = tuple(c for c in children if isinstance(c, ast.Name))
    return names or None


def _field_name(token: Token) -> str:
    if token.type == "QUOTED_NAME":
        return unescape_string(token[2:-1])
    return str(token)


@v_args(meta=True)
class _Lower(Transformer):
    """Lowers the Lark tree to `fer.ast`, one method per alias in grammars/fer.lark."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    # ---- query and stages

    def query(self, meta: Meta, children: list[Any]) -> ast.Query:
        return ast.Query(tuple(children), span=_span_of(meta))

    def parse_anchor(self, meta: Meta, children: list[Any]) -> ast.ParseAnchor:
        # Children run flat: STRING AS name name ... STRING AS name ...; each STRING opens a pattern.
        groups: list[tuple[Token, list[ast.Name]]] = []
        for child in children:
            if isinstance(child, Token) and child.type == "STRING":
                groups.append((child, []))
            elif isinstance(child, ast.Name):
                groups[-1][1].append(child)
        patterns = tuple(
            ast.AnchorPattern(
                unescape_string(tok[1:-1]),
                tuple(names),
                # Lark types a token's position as optional; lexed tokens always have one.
                span=ast.Span(tok.start_pos or 0, names[-1].span.end, tok.line or 1, tok.column or 1),
            )
            for tok, names in groups
        )
        return ast.ParseAnchor(
            _source(children), patterns, nodrop=_has(children, "NODROP"), span=_span_of(meta)
        )

    def parse_regex(self, meta: Meta, children: list[Any]) -> ast.ParseRegex:
        return ast.ParseRegex(
            _source(children),
            _strings(children),
            nodrop=_has(children, "NODROP"),
            multi=_has(children, "MULTI"),
            span=_span_of(meta),
        )

    def json(self, meta: Meta, children: list[Any]) -> ast.Json:
        return ast.Json(
            _source(children),
            _strings(children),
            names=_names(children),
            nodrop=_has(children, "NODROP"),
            span=_span_of(meta),
        )

    def json_auto(self, meta: Meta, children: list[Any]) -> ast.Json:
        # Parsed only so that the checker can reject `auto` with a clear message.
        return dataclasses.replace(self.json(meta, children), auto=True)

    def kv_infer(self, meta: Meta, children: list[Any]) -> ast.KeyValue:
        return ast.KeyValue(
            _source(children),
            _strings(children),
            names=_names(children),
            nodrop=_has(children, "NODROP"),
            span=_span_of(meta),
        )

    def kv_regex(self, meta: Meta, children: list[Any]) -> ast.KeyValue:
        regex, *keys = _strings(children)
        return ast.KeyValue(
            _source(children),
            tuple(keys),
            names=_names(children),
            regex=regex,
            nodrop=_has(children, "NODROP"),
            span=_span_of(meta),
        )

    def kv_auto(self, meta: Meta, children: list[Any]) -> ast.KeyValue:
        return dataclasses.replace(self.kv_infer(meta, children), auto=True)

    def csv(self, meta: Meta, children: list[Any]) -> ast.Csv:
        return self._csv("csv", meta, children)

    def split(self, meta: Meta, children: list[Any]) -> ast.Csv:
        return self._csv("split", meta, children)

    def _csv(self, kind: str, meta: Meta, children: list[Any]) -> ast.Csv:
        options: dict[str, str] = dict(c for c in children if isinstance(c, tuple))
        columns = tuple(c for c in children if isinstance(c, ast.CsvColumn))
        source = _source(children)
        assert source is not None  # the grammar requires `csv F`
        return ast.Csv(
            kind,  # type: ignore[arg-type]
            source,
            columns,
            nodrop=_has(children, "NODROP"),
            span=_span_of(meta),
            **options,
        )

    def opt_delim(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("delim", _option_value(children[-1]))

    def opt_quote(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("quote", _option_value(children[-1]))

    def opt_escape(self, meta: Meta, children: list[Any]) -> tuple[str, str]:
        return ("escape", _option_value(children[-1]))

    def column_indexed(self, meta: Meta, children: list[Any]) -> ast.CsvColumn:
        return ast.CsvColumn(int(children[0]), children[-1], span=_span_of(meta))

    def column_positional(self, meta: Meta, children: list[Any]) -> ast.CsvColumn:
        return ast.CsvColumn(None, children[0], span=_span_of(meta))

    def where(self, meta: Meta, children: list[Any]) -> ast.Where:
        return ast.Where(children[-1], span=_span_of(meta))

    def fields_keep(self, meta: Meta, children: list[Any]) -> ast.Fields:
        return ast.Fields("keep", _names(children) or (), span=_span_of(meta))

    def fields_remove(self, meta: Meta, children: list[Any]) -> ast.Fields:
        return ast.Fields("remove", _names(children) or (), span=_span_of(meta))

    def assign(self, meta: Meta, children: list[Any]) -> ast.Assign:
        return ast.Assign(children[0], children[-1], span=_span_of(meta))

    def bare_expr(self, meta: Meta, children: list[Any]) -> ast.ConvertInPlace:
        value = children[0]
        match value:
            case ast.Call(name=name, args=(ast.FieldRef() as target,)) if (
                ast.function_key(name) in CONVERT_IN_PLACE
            ):
                return ast.ConvertInPlace(name, target, span=_span_of(meta))
        raise FerCompileError.at(
            "an expression stage needs `as name` to store its value "
            "(only num(f), number(f) and toLong(f) convert a field in place)",
            self._text,
            meta.start_pos,
            width=meta.end_pos - meta.start_pos,
        )

    def source(self, meta: Meta, children: list[Any]) -> ast.FieldRef:
        return children[-1]

    def field(self, meta: Meta, children: list[Any]) -> ast.FieldRef:
        return ast.FieldRef(_field_name(children[0]), span=_span_of(meta))

    def name(self, meta: Meta, children: list[Any]) -> ast.Name:
        return ast.Name(_field_name(children[0]), span=_span_of(meta))

    # ---- expressions

    def ternary(self, meta: Meta, children: list[Any]) -> ast.Conditional:
        cond, then, otherwise = children
        return ast.Conditional(cond, then, otherwise, ternary=True, span=_span_of(meta))

    def logical_or(self, meta: Meta, children: list[Any]) -> ast.Logical:
        return ast.Logical("or", children[0], children[-1], span=_span_of(meta))

    def logical_and(self, meta: Meta, children: list[Any]) -> ast.Logical:
        return ast.Logical("and", children[0], children[-1], span=_span_of(meta))

    def not_(self, meta: Meta, children: list[Any]) -> ast.Not:
        return ast.Not(children[-1], span=_span_of(meta))

    def compare(self, meta: Meta, children: list[Any]) -> ast.Compare:
        left, op, right = children
        return ast.Compare(_COMPARE_OPS[str(op)], left, right, span=_span_of(meta))

    def in_list(self, meta: Meta, children: list[Any]) -> ast.InList:
        return self._in(meta, children, negated=False)

    def not_in_list(self, meta: Meta, children: list[Any]) -> ast.InList:
        return self._in(meta, children, negated=True)

    def _in(self, meta: Meta, children: list[Any], negated: bool) -> ast.InList:
        value, *rest = (c for c in children if not isinstance(c, Token) or c.type not in ("IN", "NOT"))
        return ast.InList(value, tuple(rest), negated=negated, span=_span_of(meta))

    def matches(self, meta: Meta, children: list[Any]) -> ast.Matches:
        # The grammar accepts any operand after `matches`; the checker rejects all but a string, a
        # /regex/ or a field, with a better message than a syntax error could give.
        return ast.Matches(children[0], children[-1], span=_span_of(meta))

    def contains(self, meta: Meta, children: list[Any]) -> ast.Contains:
        return ast.Contains(children[0], children[-1], span=_span_of(meta))

    def add(self, meta: Meta, children: list[Any]) -> ast.Arith:
        return ast.Arith("+", children[0], children[-1], span=_span_of(meta))

    def sub(self, meta: Meta, children: list[Any]) -> ast.Arith:
        return ast.Arith("-", children[0], children[-1], span=_span_of(meta))

    def mul(self, meta: Meta, children: list[Any]) -> ast.Arith:
        return ast.Arith("*", children[0], children[-1], span=_span_of(meta))

    def div(self, meta: Meta, children: list[Any]) -> ast.Arith:
        return ast.Arith("/", children[0], children[-1], span=_span_of(meta))

    def mod(self, meta: Meta, children: list[Any]) -> ast.Arith:
        return ast.Arith("%", children[0], children[-1], span=_span_of(meta))

    def negate(self, meta: Meta, children: list[Any]) -> ast.Expr:
        operand = children[-1]
        if isinstance(operand, ast.NumberLit):
            # `-3` is a number literal (§1), so fold the sign in rather than keep a Negate node.
            return ast.NumberLit(-operand.value, text="-" + operand.text, span=_span_of(meta))
        return ast.Negate(operand, span=_span_of(meta))

    def string(self, meta: Meta, children: list[Any]) -> ast.StringLit:
        return _string(children[0])

    def number(self, meta: Meta, children: list[Any]) -> ast.NumberLit:
        text = str(children[0])
        return ast.NumberLit(number_value(text), text=text, span=_span_of(meta))

    def true(self, meta: Meta, children: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(True, span=_span_of(meta))

    def false(self, meta: Meta, children: list[Any]) -> ast.BoolLit:
        return ast.BoolLit(False, span=_span_of(meta))

    def null(self, meta: Meta, children: list[Any]) -> ast.NullLit:
        return ast.NullLit(span=_span_of(meta))

    def regex(self, meta: Meta, children: list[Any]) -> ast.RegexLit:
        return ast.RegexLit(str(children[0])[1:-1], span=_span_of(meta))

    def field_ref(self, meta: Meta, children: list[Any]) -> ast.FieldRef:
        return ast.FieldRef(_field_name(children[0]), span=_span_of(meta))

    def call(self, meta: Meta, children: list[Any]) -> ast.Expr:
        name = str(children[0])
        args = tuple(c for c in children[1:] if c is not None)
        span = _span_of(meta)
        key = ast.function_key(name)
        # `if` and `contains` have nodes of their own; with a wrong argument count they stay a Call
        # so that the checker reports the arity like any other function's.
        if key == "if" and len(args) == 3:
            return ast.Conditional(*args, ternary=False, span=span)
        if key == "contains" and len(args) == 2:
            return ast.Contains(*args, span=span)
        return ast.Call(name, args, span=span)


_COMPARE_OPS: dict[str, ast.CompareOp] = {
    "=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", ">": ">", "<=": "<=", ">=": ">=",
}


# --------------------------------------------------------------------------- syntax errors

# How terminals read in "expected ..." (keywords and punctuation are shown as written).
_TERMINAL_WORDS: dict[str, str] = {
    "NAME": "a field name",
    "QUOTED_NAME": 'a quoted field name %"..."',
    "STRING": "a string",
    "NUMBER": "a number",
    "COLUMN": "a column number",
    "OPTION_CHAR": "a quoted character",
    "REGEX_LITERAL": "a /regex/",
    "COMP_OP": "a comparison",
    "KV": '"kv"',
    "$END": "end of expression",
}
_OPERAND_STARTS = frozenset(
    {"NAME", "QUOTED_NAME", "STRING", "NUMBER", "TRUE", "FALSE", "NULL", "NOT", "REGEX_LITERAL",
     "CONTAINS", "!", "-", "("}
)
_OPERATORS = frozenset(
    {"COMP_OP", "AND", "OR", "IN", "NOT", "MATCHES", "CONTAINS", "+", "-", "*", "/", "%", "?"}
)


def _terminal_keys(names: Iterable[str]) -> set[str]:
    """Terminal names with anonymous punctuation (`LPAR`, `__ANON_3`) replaced by its text."""
    by_name = {t.name: t for t in _parser().terminals}
    keys = set()
    for name in names:
        term = by_name.get(name)
        if term is not None and isinstance(term.pattern, PatternStr):
            keys.add(term.pattern.value)
        else:
            keys.add(name)
    return keys


def _describe_terminal(key: str) -> str:
    if key in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[key]
    if key.isupper() and key.replace("_", "").isalpha():  # a keyword terminal: PARSE -> "parse"
        return f'"{key.lower()}"'
    return f'"{key}"'


def _describe_expected(names: Iterable[str]) -> str | None:
    keys = _terminal_keys(names)
    words: list[str] = []
    if {"NAME", "STRING", "NUMBER"} <= keys:
        keys -= _OPERAND_STARTS
        words.append("an expression")
    if {"+", "*"} <= keys:
        keys -= _OPERATORS
        words.append("an operator")
    words.extend(sorted(_describe_terminal(k) for k in keys))
    if not words:
        return None
    if len(words) == 1:
        return words[0]
    return "one of: " + ", ".join(words)


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of expression"
    text = str(token)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"`{text}`"


def _syntax_error(exc: UnexpectedInput, text: str) -> FerSyntaxError:
    if isinstance(exc, UnexpectedToken):
        return _unexpected_token(exc, text)
    if isinstance(exc, UnexpectedCharacters):
        return _unexpected_character(exc, text)
    # UnexpectedEOF and anything else Lark may add: point at the end.
    return _at(text, len(text), "unexpected end of expression", None)


def _unexpected_token(exc: UnexpectedToken, text: str) -> FerSyntaxError:
    token = exc.token
    try:
        accepted = exc.accepts or exc.expected
    except Exception:  # `accepts` replays the parser; never let it mask the real error
        accepted = exc.expected
    expected = _describe_expected(accepted)
    if token.type == "$END":
        # Lark borrows the last token's position for $END; point just after that token instead.
        if _is_empty(text):
            return _at(text, 0, "empty expression", expected)
        offset = token.end_pos if token.end_pos is not None else len(text)
        return _at(text, offset, "unexpected end of expression", expected)
    offset = token.start_pos or 0
    if offset > 0 and text.startswith("/*", offset - 1) and "*/" not in text[offset + 1 :]:
        # `a /* …` with no `*/`: the lexer took the `/` for a division and stumbled on the `*`.
        return _at(text, offset - 1, "unterminated comment", None, 2)
    message = _lexical_problem(text, offset) or f"unexpected {_describe_token(token)}"
    return _at(text, offset, message, expected, max(1, (token.end_pos or 0) - offset))


def _is_empty(text: str) -> bool:
    """True when the text holds nothing but whitespace and comments."""
    try:
        return next(iter(_parser().lex(text)), None) is None
    except UnexpectedInput:
        return False


def _unexpected_character(exc: UnexpectedCharacters, text: str) -> FerSyntaxError:
    # Lark declares `pos_in_stream = None` on the base class; UnexpectedCharacters always sets it.
    offset = cast(int, exc.pos_in_stream)
    char = text[offset] if offset < len(text) else ""
    message = _lexical_problem(text, offset) or f"unexpected character {char!r}"
    return _at(text, offset, message, _describe_expected(_accepted_before(text, offset, exc.allowed)))


@functools.lru_cache(maxsize=None)
def _terminal_re(name: str) -> re.Pattern[str]:
    """A grammar terminal as a Python regex, to re-check one token without running the lexer."""
    term = next(t for t in _parser().terminals if t.name == name)
    return re.compile(term.pattern.to_regexp())


_WORD = re.compile(r"[\w.+-]*")


def _lexical_problem(text: str, offset: int) -> str | None:
    """A precise message for a token that is broken in itself (rather than misplaced)."""
    rest = text[offset : offset + 2]
    if rest.startswith('"') and not _terminal_re("STRING").match(text, offset):
        return "unterminated string"
    if rest == '%"' and not _terminal_re("QUOTED_NAME").match(text, offset):
        return "unterminated quoted field name"
    if rest == "/*" and "*/" not in text[offset + 2 :]:
        return "unterminated comment"
    if rest.startswith("'") and not _terminal_re("OPTION_CHAR").match(text, offset):
        return "bad option value: write one character in single quotes, such as ','"
    if "0" <= rest[:1] <= "9" and not _terminal_re("NUMBER").match(text, offset):
        word = _WORD.match(text, offset).group()  # type: ignore[union-attr]
        return f"bad number `{word}` (suffixes: k K M G T P Ki Mi Gi Ti Pi, ns us ms s m h d w)"
    return None


def _accepted_before(text: str, offset: int, fallback: Iterable[str] | None) -> Iterable[str]:
    """Terminals the parser accepts after `text[:offset]`.

    Lark reports the lexer state's terminals, which LALR lookahead merging makes too generous (it
    offers `)` where no parenthesis is open); replaying the prefix gives the exact set. Errors only.
    """
    try:
        interactive = _parser().parse_interactive(text[:offset])
        interactive.exhaust_lexer()
        return interactive.accepts()
    except Exception:  # the replay is a nicety: any failure falls back to Lark's own set
        return fallback or ()


def _at(text: str, offset: int, message: str, expected: str | None, width: int = 1) -> FerSyntaxError:
    line, column = line_and_column(text, offset)
    return FerSyntaxError(message, source=text, line=line, column=column, width=width, expected=expected)
