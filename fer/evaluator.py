"""The reference back end: a plain walk over the checked AST, fields in a dict.

This is the executable form of language.md, written to be obviously right rather than fast. The
optimizing compiler (codegen.py) must give identical results; the test suite runs every case through
both. Nothing here is clever: each stage reads and writes the `fields` dict keyed by lower-case key.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from functools import lru_cache

from fer import ast, values
from fer import functions as library
from fer.anchor import compile_anchor, split_pattern
from fer.ast import field_key
from fer.csvsplit import make_splitter
from fer.jsonpath import MISSING, extract, load_document, parse_path, render_json
from fer.keyvalue import make_infer_extractor, make_regex_extractor
from fer.plan import csv_columns, json_names, kv_names, output_plan, stage_targets
from fer.regex import translate
from fer.wildcard import make_wildcard_matcher, wildcard_match

Fields = dict[str, "str | None"]


class _Dropped(Exception):
    """A stage dropped the message."""


class Evaluator:
    """Evaluates one checked query against messages."""

    def __init__(self, query: ast.Query) -> None:
        self.query = query
        self.plan = output_plan(query)
        # Fields the expression writes are its own: a message's metadata of the same name is not
        # visible through them (the engine drops such collisions anyway, language.md §7 "Ingest").
        self.written = frozenset(t.key for stage in query.stages for t in stage_targets(stage))

    def apply(self, fields: Fields) -> dict[str, str] | None:
        """Run every stage over `fields` (input keyed by lower-case key); None when dropped."""
        for key in self.written:
            fields.pop(key, None)
        assigned: set[str] = set()
        try:
            for stage in self.query.stages:
                run_stage(stage, fields, assigned)
                assigned.update(target.key for target in stage_targets(stage))
        except _Dropped:
            return None
        output: dict[str, str] = {}
        for key, spelling in zip(self.plan.keys, self.plan.spellings):
            value = fields.get(key)
            if value is not None:
                output[spelling] = value
        return output


# --------------------------------------------------------------------------- stages


def _source(fields: Fields, source: ast.FieldRef | None) -> str | None:
    return fields.get("_raw" if source is None else field_key(source.name))


def _store(fields: Fields, names: tuple[str, ...], results: tuple[str | None, ...] | None, nodrop: bool) -> None:
    """Assign one pattern's (path's, key's) results, or apply the failure rules of §3.1."""
    if results is not None:
        for name, value in zip(names, results):
            fields[field_key(name)] = value
        return
    if not nodrop:
        raise _Dropped
    for name in names:
        fields.setdefault(field_key(name), None)


def run_stage(stage: ast.Stage, fields: Fields, assigned: set[str]) -> None:
    """Run one stage. `assigned`: keys written by earlier stages (the only ones `fields` removes)."""
    match stage:
        case ast.ParseAnchor():
            _run_anchor(stage, fields)
        case ast.ParseRegex():
            _run_regex(stage, fields)
        case ast.Json():
            _run_json(stage, fields)
        case ast.KeyValue():
            _run_kv(stage, fields)
        case ast.Csv():
            _run_csv(stage, fields)
        case ast.Assign(value=value, target=target):
            fields[field_key(target.text)] = values.render(evaluate(value, fields))
        case ast.ConvertInPlace(function=function, target=target):
            spec = library.lookup(function)
            assert spec is not None
            key = field_key(target.name)
            fields[key] = values.render(spec.impl(fields.get(key)))
        case ast.Where(cond=cond):
            if values.truth(evaluate(cond, fields)) is not True:
                raise _Dropped
        case ast.Fields(mode=mode, names=names):
            named = {field_key(name.text) for name in names}
            for key in assigned:
                if (mode == "keep") != (key in named):
                    fields.pop(key, None)
        case _:  # pragma: no cover - the checker admits no other stage
            raise TypeError(f"unknown stage {stage!r}")


def _run_anchor(stage: ast.ParseAnchor, fields: Fields) -> None:
    text = _source(fields, stage.source)
    outcomes = []
    for pattern in stage.patterns:
        captures = None if text is None else _anchor(pattern.pattern)(text)
        outcomes.append((tuple(name.text for name in pattern.names), captures))
    for names, captures in outcomes:
        _store(fields, names, captures, stage.nodrop)


def _run_regex(stage: ast.ParseRegex, fields: Fields) -> None:
    text = _source(fields, stage.source)
    outcomes = []
    for literal in stage.regexes:
        translated = translate(literal.value)
        match = None if text is None else translated.compiled.search(text)
        results = None if match is None else tuple(match.group(name) for name in translated.names)
        outcomes.append((translated.names, results))
    for names, results in outcomes:
        _store(fields, names, results, stage.nodrop)


def _run_json(stage: ast.Json, fields: Fields) -> None:
    document = load_document(_source(fields, stage.source))
    outcomes = []
    for path, name in zip(stage.paths, json_names(stage)):
        value = MISSING if document is MISSING else extract(document, parse_path(path.value))
        outcomes.append(((name,), None if value is MISSING else (render_json(value),)))
    for names, results in outcomes:
        _store(fields, names, results, stage.nodrop)


def _run_kv(stage: ast.KeyValue, fields: Fields) -> None:
    text = _source(fields, stage.source)
    outcomes = []
    for key, name in zip(stage.keys, kv_names(stage)):
        if stage.regex is None:
            extractor = make_infer_extractor(key.value)
        else:
            extractor = make_regex_extractor(key.value, translate(stage.regex.value))
        value = None if text is None else extractor(text)
        outcomes.append(((name,), None if value is None else (value,)))
    for names, results in outcomes:
        _store(fields, names, results, stage.nodrop)


def _run_csv(stage: ast.Csv, fields: Fields) -> None:
    text = fields.get(field_key(stage.source.name))
    cells = [] if text is None else make_splitter(stage.kind, stage.delim, stage.quote, stage.escape)(text)
    for column, name in csv_columns(stage):
        fields[field_key(name)] = cells[column - 1] if column <= len(cells) else None


@lru_cache(maxsize=1024)
def _anchor(pattern: str) -> Callable[[str], tuple[str, ...] | None]:
    return compile_anchor(split_pattern(pattern))


# --------------------------------------------------------------------------- expressions


def evaluate(node: ast.Expr, fields: Mapping[str, str | None]) -> values.Value:
    """The value of an expression (str, float, bool or None)."""
    match node:
        case ast.StringLit(value=value):
            return value
        case ast.NumberLit(value=value):
            return float(value)
        case ast.BoolLit(value=value):
            return value
        case ast.NullLit():
            return None
        case ast.FieldRef(name=name):
            return fields.get(field_key(name))
        case ast.Negate(operand=operand):
            return values.negate(evaluate(operand, fields))
        case ast.Not(operand=operand):
            return values.logical_not(values.truth(evaluate(operand, fields)))
        case ast.Arith(op=op, left=left, right=right):
            return values.arith(op, evaluate(left, fields), evaluate(right, fields))
        case ast.Compare(op=op, left=left, right=right):
            a, b = evaluate(left, fields), evaluate(right, fields)
            if op == "=":
                return values.equals(a, b)
            if op == "!=":
                return values.not_equals(a, b)
            return values.order(op, a, b)
        case ast.Logical(op=op, left=left, right=right):
            a = values.truth(evaluate(left, fields))
            b = values.truth(evaluate(right, fields))
            return values.logical_and(a, b) if op == "and" else values.logical_or(a, b)
        case ast.Conditional(cond=cond, then=then, otherwise=otherwise):
            chosen = then if values.truth(evaluate(cond, fields)) is True else otherwise
            return evaluate(chosen, fields)
        case ast.InList(value=value, options=options, negated=negated):
            subject = evaluate(value, fields)
            found = library.in_list(subject, [evaluate(option, fields) for option in options])
            if negated:
                return subject is not None and not found
            return found
        case ast.Matches(value=value, pattern=pattern):
            return _matches(values.as_text(evaluate(value, fields)), pattern, fields)
        case ast.Contains(haystack=haystack, needle=needle):
            return library.contains(evaluate(haystack, fields), evaluate(needle, fields))
        case ast.Call(name=name, args=args):
            return _call(name, args, fields)
        case _:  # pragma: no cover - the checker admits no other expression
            raise TypeError(f"cannot evaluate {node!r}")


def _matches(text: str | None, pattern: ast.StringLit | ast.RegexLit | ast.FieldRef, fields: Mapping[str, str | None]) -> bool:
    if text is None:
        return False
    match pattern:
        case ast.StringLit(value=wildcard):
            return make_wildcard_matcher(wildcard)(text)
        case ast.RegexLit(pattern=regex):
            return translate(regex).compiled.fullmatch(text) is not None
        case ast.FieldRef(name=name):
            value = fields.get(field_key(name))
            return value is not None and wildcard_match(text, value)
    return False  # pragma: no cover


def _call(name: str, args: tuple[ast.Expr, ...], fields: Mapping[str, str | None]) -> values.Value:
    key = ast.function_key(name)
    if key == "replace" and len(args) == 3 and isinstance(args[1], ast.RegexLit):
        compiled: re.Pattern[str] = translate(args[1].pattern).compiled
        return library.replace_regex(evaluate(args[0], fields), compiled, evaluate(args[2], fields))
    spec = library.lookup(name)
    assert spec is not None, name
    return spec.impl(*(evaluate(arg, fields) for arg in args))
