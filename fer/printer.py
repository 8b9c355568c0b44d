"""AST back to source: `to_source(query)` writes text that parses to an equal AST.

Used by `fer explain`, by error messages and by the round-trip property test
(`parse(to_source(q)) == q` for every AST the parser produces). Every compound expression is
parenthesised, so the printed text never depends on precedence.
"""

from __future__ import annotations

import math
import re

from fer import ast
from fer.parser import number_value

__all__ = ["to_source", "expr_source", "name_source", "string_source"]

_BARE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RESERVED = frozenset(
    {"and", "or", "not", "in", "matches", "contains", "as", "nodrop", "true", "false", "null"}
)
# A stage word at the start of an expression stage is read as that stage unless `as` follows it.
_STAGE_WORD = re.compile(r"(?i)(parse|extract|json|keyvalue|kv|csv|split|where|fields)\b")
_UNSIGNED_NUMBER = re.compile(
    r"\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?:Ki|Mi|Gi|Ti|Pi|ns|us|ms|[kKMGTPsmhdw])?"
)


def to_source(query: ast.Query) -> str:
    """The source text of a whole query, one stage per line."""
    return "\n| ".join(_stage(stage) for stage in query.stages)


# --------------------------------------------------------------------------- literals and names


_PAIRS_WITH_BACKSLASH = frozenset({'"', "\\", "n", "r", "t", "", "\n", "\r", "\t"})


def string_source(value: str) -> str:
    """A double-quoted literal. A backslash is doubled only where it would otherwise start an escape,
    so regexes print as written (`"\\d+"`, not `"\\\\d+"`)."""
    out = []
    for i, ch in enumerate(value):
        if ch == "\\":
            # Doubled when the next printed character would pair with it into an escape: a quote,
            # a backslash, `n` `r` `t`, a control character printed as `\n` `\r` `\t`, or the end.
            following = value[i + 1] if i + 1 < len(value) else ""
            out.append("\\\\" if following in _PAIRS_WITH_BACKSLASH else "\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def name_source(name: str) -> str:
    """A field name: bare when the lexer reads it back as a name, else `%"..."`."""
    if _BARE_NAME.fullmatch(name) and name.lower() not in _RESERVED:
        return name
    return "%" + string_source(name)


def _option_source(value: str) -> str:
    escaped = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "'" + "".join(escaped.get(ch, ch) for ch in value) + "'"


def _number_source(node: ast.NumberLit) -> str:
    # Keep the spelling the user wrote (`1.5s`) when it still means the same value.
    text = node.text
    unsigned = text.lstrip("-")
    if text and _UNSIGNED_NUMBER.fullmatch(unsigned):
        sign = -1.0 if (len(text) - len(unsigned)) % 2 else 1.0
        if sign * number_value(unsigned) == node.value:
            return text
    value = node.value
    if math.isinf(value):
        return "1e999" if value > 0 else "-1e999"  # float("1e999") is inf
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value)) if value or math.copysign(1, value) > 0 else "-0.0"
    return repr(value)


# --------------------------------------------------------------------------- expressions


def expr_source(node: ast.Expr) -> str:
    """One expression; compound expressions come back in parentheses."""
    match node:
        case ast.StringLit(value=value):
            return string_source(value)
        case ast.NumberLit():
            return _number_source(node)
        case ast.BoolLit(value=value):
            return "true" if value else "false"
        case ast.NullLit():
            return "null"
        case ast.RegexLit(pattern=pattern):
            return f"/{pattern}/"
        case ast.FieldRef(name=name):
            return name_source(name)
        case ast.Negate(operand=operand):
            return f"-{expr_source(operand)}"
        case ast.Not(operand=operand):
            return f"(not {expr_source(operand)})"
        case ast.Arith(op=op, left=left, right=right) | ast.Compare(op=op, left=left, right=right):
            return f"({expr_source(left)} {op} {expr_source(right)})"
        case ast.Logical(op=op, left=left, right=right):
            return f"({expr_source(left)} {op} {expr_source(right)})"
        case ast.Conditional(cond=cond, then=then, otherwise=otherwise, ternary=True):
            return f"({expr_source(cond)} ? {expr_source(then)} : {expr_source(otherwise)})"
        case ast.Conditional(cond=cond, then=then, otherwise=otherwise):
            return f"if({expr_source(cond)}, {expr_source(then)}, {expr_source(otherwise)})"
        case ast.InList(value=value, options=options, negated=negated):
            word = "not in" if negated else "in"
            return f"({expr_source(value)} {word} ({_expr_list(options)}))"
        case ast.Matches(value=value, pattern=pattern):
            return f"({expr_source(value)} matches {expr_source(pattern)})"
        case ast.Contains(haystack=haystack, needle=needle):
            return f"({expr_source(haystack)} contains {expr_source(needle)})"
        case ast.Call(name=name, args=args):
            return f"{name}({_expr_list(args)})"
    raise TypeError(f"not an expression node: {node!r}")


def _expr_list(items: tuple[ast.Expr, ...]) -> str:
    return ", ".join(expr_source(item) for item in items)


# --------------------------------------------------------------------------- stages


def _names(names: tuple[ast.Name, ...]) -> str:
    return ", ".join(name_source(n.text) for n in names)


def _strings(items: tuple[ast.StringLit, ...]) -> str:
    return ", ".join(string_source(s.value) for s in items)


def _source_option(source: ast.FieldRef | None) -> str:
    return "" if source is None else f" field={name_source(source.name)}"


def _tail(names: tuple[ast.Name, ...] | None, nodrop: bool) -> str:
    text = f" as {_names(names)}" if names else ""
    return text + (" nodrop" if nodrop else "")


def _auto_keys(keys: tuple[ast.StringLit, ...]) -> str:
    return f" keys {_strings(keys)}" if keys else ""


def _stage(stage: ast.Stage) -> str:
    match stage:
        case ast.ParseAnchor(source=source, patterns=patterns, nodrop=nodrop):
            body = ", ".join(f"{string_source(p.pattern)} as {_names(p.names)}" for p in patterns)
            return f"parse{_source_option(source)} {body}" + (" nodrop" if nodrop else "")
        case ast.ParseRegex(source=source, regexes=regexes, nodrop=nodrop, multi=multi):
            flags = (" multi" if multi else "") + (" nodrop" if nodrop else "")
            return f"parse regex{_source_option(source)} {_strings(regexes)}{flags}"
        case ast.Json(auto=True, source=source, paths=paths, names=names, nodrop=nodrop):
            return f"json{_source_option(source)} auto{_auto_keys(paths)}{_tail(names, nodrop)}"
        case ast.Json(source=source, paths=paths, names=names, nodrop=nodrop):
            return f"json{_source_option(source)} {_strings(paths)}{_tail(names, nodrop)}"
        case ast.KeyValue(auto=True, source=source, keys=keys, names=names, nodrop=nodrop):
            return f"kv{_source_option(source)} auto{_auto_keys(keys)}{_tail(names, nodrop)}"
        case ast.KeyValue(source=source, keys=keys, names=names, regex=None, nodrop=nodrop):
            return f"kv{_source_option(source)} {_strings(keys)}{_tail(names, nodrop)}"
        case ast.KeyValue(source=source, keys=keys, names=names, regex=regex, nodrop=nodrop):
            assert regex is not None
            mode = f"regex {string_source(regex.value)} keys {_strings(keys)}"
            return f"kv{_source_option(source)} {mode}{_tail(names, nodrop)}"
        case ast.Csv():
            return _csv(stage)
        case ast.Assign(value=value, target=target):
            return f"{_stage_expr(value)} as {name_source(target.text)}"
        case ast.ConvertInPlace(function=function, target=target):
            return f"{function}({name_source(target.name)})"
        case ast.Where(cond=cond):
            return f"where {expr_source(cond)}"
        case ast.Fields(mode=mode, names=names):
            return f"fields {'- ' if mode == 'remove' else ''}{_names(names)}"
    raise TypeError(f"not a stage node: {stage!r}")


def _stage_expr(value: ast.Expr) -> str:
    text = expr_source(value)
    # `json(x) as y` would start a json stage; a lone field (`json as j`) is read as a field.
    if not isinstance(value, ast.FieldRef) and _STAGE_WORD.match(text):
        return f"({text})"
    return text


def _csv(stage: ast.Csv) -> str:
    parts = [stage.kind, name_source(stage.source.name)]
    defaults = ast.Csv(stage.kind, stage.source, ())
    for option in ("delim", "quote", "escape"):
        value = getattr(stage, option)
        if value != getattr(defaults, option):
            parts.append(f"{option}={_option_source(value)}")
    columns = [
        name_source(c.name.text) if c.index is None else f"{c.index} as {name_source(c.name.text)}"
        for c in stage.columns
    ]
    parts.append("extract " + ", ".join(columns))
    if stage.nodrop:
        parts.append("nodrop")
    return " ".join(parts)
