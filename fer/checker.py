"""Pipeline stage 2, checking: every rule a well-formed expression must also obey (language.md §7).

`check(query, source)` returns the query unchanged or raises `FerCompileError` pointing at the node
at fault: the length limit, anchor patterns (`**`, no `*`, star/name counts), unknown functions and
arity, assigning built-in metadata, regexes (translation errors, group rules, `multi`), `auto` modes,
json paths, csv/split options and columns, duplicate names in `fields`, and where `matches` patterns
and `/regex/` literals may appear. Run `check_length(source)` before parsing so that a huge input
is rejected before Lark spends time on it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from fer import ast
from fer.anchor import split_pattern
from fer.errors import FerCompileError
from fer.functions import lookup, suggest
from fer.jsonpath import JsonPathError, parse_path
from fer.regex import RegexError, TranslatedRegex, translate

__all__ = ["check", "check_length", "MAX_EXPRESSION_LENGTH"]

MAX_EXPRESSION_LENGTH = 16_384

_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\[\s\S])*"')
_ESCAPES = frozenset('"\\nrt')
_NOT_KEY_CHAR = re.compile(r"[^A-Za-z0-9_]")


def check_length(source: str) -> None:
    """Reject an expression longer than 16,384 characters (§1), counting characters, not bytes."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise FerCompileError.at(
            f"expression is {len(source):,} characters long; the limit is {MAX_EXPRESSION_LENGTH:,}",
            source,
            MAX_EXPRESSION_LENGTH,
        )


def check(query: ast.Query, source: str) -> ast.Query:
    """Check a parsed query against the rules of §7; returns it unchanged."""
    check_length(source)
    checker = _Checker(source)
    for stage in query.stages:
        checker.stage(stage)
    return query


class _Checker:
    def __init__(self, source: str) -> None:
        self.source = source

    # ---- reporting

    def error(self, message: str, span: ast.Span) -> FerCompileError:
        # Only the offsets matter: line and column are recomputed from `span.start`, so the helper
        # spans built below carry placeholder line/column values.
        return FerCompileError.at(message, self.source, span.start, width=max(1, span.end - span.start))

    def error_at(self, message: str, offset: int, width: int = 1) -> FerCompileError:
        return FerCompileError.at(message, self.source, offset, width=width)

    def word_span(self, span: ast.Span, word: str) -> ast.Span:
        """The last occurrence of an option word (`nodrop`, `multi`, `auto`) inside a stage."""
        text = self.source[span.start : span.end]
        found = list(re.finditer(rf"(?i)\b{word}\b", text))
        if not found:
            return span
        start = span.start + found[-1].start()
        return ast.Span(start, start + len(word), span.line, span.column)

    def literal_span(self, start: int) -> ast.Span:
        """The span of the string literal that starts at `start` in the source."""
        m = _STRING_LITERAL.match(self.source, start)
        end = m.end() if m else start + 1
        return ast.Span(start, end, 1, 1)

    def literal_offset(self, start: int, value_offset: int) -> int:
        """Source offset of character `value_offset` of the string literal's value (escapes undone)."""
        i, seen = start + 1, 0
        while seen < value_offset and i < len(self.source) and self.source[i] != '"':
            if self.source[i] == "\\" and i + 1 < len(self.source):
                pair_is_escape = self.source[i + 1] in _ESCAPES
                i += 2
                seen += 1 if pair_is_escape else 2
            else:
                i += 1
                seen += 1
        return i

    # ---- names

    def assigned(self, name: str, span: ast.Span) -> None:
        if ast.field_key(name) in ast.METADATA_FIELDS:
            raise self.error(f"`{name}` is built-in metadata and cannot be assigned", span)

    def names(self, names: tuple[ast.Name, ...] | None) -> None:
        for name in names or ():
            self.assigned(name.text, name.span)

    def count(self, what: str, wanted: int, names: tuple[ast.Name, ...] | None) -> None:
        if names is not None and len(names) != wanted:
            where = ast.Span(names[0].span.start, names[-1].span.end, 1, 1)
            raise self.error(
                f"{_count(wanted, what)} but {_count(len(names), 'name')} after `as`", where
            )

    # ---- regexes

    def regex(self, literal: ast.StringLit) -> TranslatedRegex:
        try:
            return translate(literal.value)
        except RegexError as exc:
            offset = self.literal_offset(literal.span.start, exc.offset)
            raise self.error_at(f"bad regex: {exc.message}", offset) from None

    def regex_literal(self, literal: ast.RegexLit) -> TranslatedRegex:
        try:
            return translate(literal.pattern)
        except RegexError as exc:
            raise self.error_at(f"bad regex: {exc.message}", literal.span.start + 1 + exc.offset) from None

    # ---- stages

    def stage(self, stage: ast.Stage) -> None:
        match stage:
            case ast.ParseAnchor():
                self.parse_anchor(stage)
            case ast.ParseRegex():
                self.parse_regex(stage)
            case ast.Json():
                self.json(stage)
            case ast.KeyValue():
                self.keyvalue(stage)
            case ast.Csv():
                self.csv(stage)
            case ast.Assign(value=value, target=target):
                self.expression(value)
                self.assigned(target.text, target.span)
            case ast.ConvertInPlace(target=target):
                self.assigned(target.name, target.span)
            case ast.Where(cond=cond):
                self.expression(cond)
            case ast.Fields(names=names):
                self.fields(names)

    def parse_anchor(self, stage: ast.ParseAnchor) -> None:
        for pattern in stage.patterns:
            where = self.literal_span(pattern.span.start)
            pieces = split_pattern(pattern.pattern)
            stars = len(pieces) - 1
            if stars == 0:
                raise self.error("the pattern has no `*`: nothing to extract", where)
            if any(piece == "" for piece in pieces[1:-1]):
                raise self.error("`**` in a pattern: two wildcards need text between them", where)
            if stars != len(pattern.names):
                raise self.error(
                    f"the pattern has {stars} `*` but {_count(len(pattern.names), 'name')} after `as`",
                    pattern.span,
                )
            self.names(pattern.names)

    def parse_regex(self, stage: ast.ParseRegex) -> None:
        if stage.multi:
            raise self.error(
                "`multi` is not supported in ingest-time rules", self.word_span(stage.span, "multi")
            )
        spellings: dict[str, str] = {}
        for literal in stage.regexes:
            translated = self.regex(literal)
            where = self.literal_span(literal.span.start)
            if translated.unnamed_groups:
                raise self.error(
                    "unnamed capturing group: write (?:…) to group, or (?<name>…) to extract", where
                )
            if not translated.names:
                raise self.error("parse regex needs a named group such as (?<name>…)", where)
            for name in translated.names:
                first = spellings.setdefault(ast.field_key(name), name)
                if first != name:
                    raise self.error(
                        f"group names `{first}` and `{name}` differ only by case (field names are "
                        "case-insensitive)",
                        where,
                    )
                self.assigned(name, where)

    def json(self, stage: ast.Json) -> None:
        if stage.auto:
            raise self.error(
                "`json auto` is not supported in ingest-time rules: name the paths",
                self.word_span(stage.span, "auto"),
            )
        for path in stage.paths:
            try:
                parse_path(path.value)
            except JsonPathError as exc:
                offset = self.literal_offset(path.span.start, exc.offset)
                raise self.error_at(f"bad json path: {exc.message}", offset) from None
        self.count("path", len(stage.paths), stage.names)
        if stage.names is None:
            for path in stage.paths:
                self.assigned(path.value, path.span)
        self.names(stage.names)

    def keyvalue(self, stage: ast.KeyValue) -> None:
        if stage.auto:
            raise self.error(
                "`kv auto` is not supported in ingest-time rules: name the keys",
                self.word_span(stage.span, "auto"),
            )
        if stage.regex is not None:
            translated = self.regex(stage.regex)
            groups = len(translated.names) + translated.unnamed_groups
            if not 1 <= groups <= 2:
                raise self.error(
                    f"a kv regex needs one group (the value) or two (key and value); it has {groups}",
                    self.literal_span(stage.regex.span.start),
                )
        self.count("key", len(stage.keys), stage.names)
        if stage.names is None:
            for key in stage.keys:
                self.assigned(_NOT_KEY_CHAR.sub("_", key.value), key.span)
        self.names(stage.names)

    def csv(self, stage: ast.Csv) -> None:
        if stage.nodrop:
            raise self.error(
                f"`{stage.kind}` never drops a message, so `nodrop` is not allowed",
                self.word_span(stage.span, "nodrop"),
            )
        for option in ("delim", "quote", "escape"):
            value = getattr(stage, option)
            if len(value) != 1:
                raise self.error(
                    f"`{option}` must be one character, such as ','", self.word_span(stage.span, option)
                )
        self.distinct_options(stage)
        for column in stage.columns:
            if column.index is not None and column.index < 1:
                raise self.error("csv columns are numbered from 1", column.span)
            if column.name.text != "_":
                self.assigned(column.name.text, column.name.span)

    def distinct_options(self, stage: ast.Csv) -> None:
        # One character cannot both split cells and quote them (fer.csvsplit refuses to build such a
        # splitter); `delim='"'` collides with the default quote, so say which options clash.
        values = {"delim": stage.delim, "quote": stage.quote, "escape": stage.escape}
        clashing = [o for o in values if list(values.values()).count(values[o]) > 1]
        if not clashing:
            return
        # Point at the clashing option written last (a default value has no place in the source).
        written = [s for s in (self.word_span(stage.span, o) for o in clashing) if s != stage.span]
        where = max(written, key=lambda span: span.start, default=stage.span)
        shown = " and ".join(f"`{o}`" for o in clashing)
        both = "both" if len(clashing) == 2 else "all"
        raise self.error(
            f"{shown} are {both} {values[clashing[0]]!r}: delim, quote and escape must be different "
            "characters",
            where,
        )

    def fields(self, names: tuple[ast.Name, ...]) -> None:
        seen: set[str] = set()
        for name in names:
            key = ast.field_key(name.text)
            if key in seen:
                raise self.error(f"`{name.text}` is named twice in `fields`", name.span)
            seen.add(key)

    # ---- expressions

    def expression(self, root: ast.Expr) -> None:
        # An explicit stack rather than recursion: nesting depth is bounded only by the 16,384
        # character limit.
        for node, regex_allowed in _walk(root):
            match node:
                case ast.RegexLit():
                    if not regex_allowed:
                        raise self.error(
                            "a /regex/ literal is only allowed after `matches` and as the second "
                            "argument of replace",
                            node.span,
                        )
                    self.regex_literal(node)
                case ast.Matches(pattern=pattern):
                    if not isinstance(pattern, (ast.StringLit, ast.RegexLit, ast.FieldRef)):
                        raise self.error(
                            "`matches` takes a string, a /regex/ or a field holding a pattern",
                            pattern.span,
                        )
                case ast.Call():
                    self.call(node)

    def call(self, node: ast.Call) -> None:
        key = ast.function_key(node.name)
        count = len(node.args)
        if key == "if":
            raise self.error(f"if takes 3 arguments (condition, then, else), got {count}", node.span)
        if key == "contains":
            raise self.error(f"contains takes 2 arguments, got {count}", node.span)
        spec = lookup(node.name)
        if spec is None:
            closest = suggest(node.name)
            hint = f" (did you mean `{closest}`?)" if closest else ""
            raise self.error(f"unknown function `{node.name}`{hint}", node.span)
        if count < spec.min_args or (spec.max_args is not None and count > spec.max_args):
            raise self.error(
                f"{spec.name} takes {_arity(spec.min_args, spec.max_args)}, got {count}", node.span
            )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _arity(low: int, high: int | None) -> str:
    if high is None:
        return f"at least {_count(low, 'argument')}"
    if low == high:
        return _count(low, "argument")
    return f"{low} to {high} arguments"


def _walk(root: ast.Expr) -> Iterator[tuple[ast.Expr, bool]]:
    """Every node of an expression, with whether a /regex/ literal may stand there."""
    stack: list[tuple[ast.Expr, bool]] = [(root, False)]
    while stack:
        node, regex_allowed = stack.pop()
        yield node, regex_allowed
        stack.extend(reversed(_children(node)))


def _children(node: ast.Expr) -> list[tuple[ast.Expr, bool]]:
    match node:
        case ast.Negate(operand=operand) | ast.Not(operand=operand):
            return [(operand, False)]
        case ast.Arith(left=left, right=right) | ast.Compare(left=left, right=right):
            return [(left, False), (right, False)]
        case ast.Logical(left=left, right=right):
            return [(left, False), (right, False)]
        case ast.Conditional(cond=cond, then=then, otherwise=otherwise):
            return [(cond, False), (then, False), (otherwise, False)]
        case ast.InList(value=value, options=options):
            return [(value, False)] + [(option, False) for option in options]
        case ast.Matches(value=value, pattern=pattern):
            return [(value, False), (pattern, True)]
        case ast.Contains(haystack=haystack, needle=needle):
            return [(haystack, False), (needle, False)]
        case ast.Call(name=name, args=args):
            replace = ast.function_key(name) == "replace"
            return [(arg, replace and i == 1) for i, arg in enumerate(args)]
    return []
