"""The optimizing back end: one generated Python function per expression.

The generated function `extract(raw, meta)` takes the message's `_raw` and a dict of its other fields
(lower-case keys) and returns the output dict or None when a stage drops. What makes it fast
(performance.md): every field lives in a local variable, the output dict is built once at the end,
matchers and regexes are module globals compiled once, and common shapes are specialised:

- an anchor pattern whose anchors are one caseless character becomes `str.split` with maxsplit
  (the seed's 14 wildcards: ~600 ns against ~2100 for a lazy-group regex, and no backtracking);
- `x matches "{*"` becomes `x.startswith("{")`, other wildcard shapes `endswith`/`in`/`==`;
- a `json` stage whose paths all start with a key never decodes text that cannot be an object;
- `=`/`!=`/`in` between a field and string literals are plain string comparisons.

User text never enters the generated source as code: literals go through `repr()` and every compiled
object is a global with a generated name.
"""

from __future__ import annotations

import itertools
import linecache
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from fer import ast, values
from fer import functions as library
from fer.anchor import compile_anchor, split_pattern
from fer.ast import field_key
from fer.csvsplit import make_splitter
from fer.jsonpath import MISSING, extract, load_document, parse_path, render_json
from fer.keyvalue import make_infer_extractor, make_regex_extractor
from fer.plan import csv_columns, json_names, kv_names, output_plan, stage_targets
from fer.regex import translate
from fer.runtime import OBJECT_START, load_object, render_bool
from fer.wildcard import make_wildcard_matcher, wildcard_match

# Static types of generated expressions. A trailing "?" means the value may also be None.
STR, STR_N, NUM, NUM_N, BOOL, BOOL_N, ANY, NULL = "str", "str?", "num", "num?", "bool", "bool?", "any", "null"
_NON_NULL = {STR, NUM, BOOL}

# Globals every generated module starts with (names are fixed; user-derived objects get numbered names).
_BASE_GLOBALS: dict[str, Any] = {
    "MISSING": MISSING,
    "_render": values.render,
    "_render_bool": render_bool,
    "_render_json": render_json,
    "_truth": values.truth,
    "_and": values.logical_and,
    "_or": values.logical_or,
    "_not": values.logical_not,
    "_equals": values.equals,
    "_not_equals": values.not_equals,
    "_order": values.order,
    "_arith": values.arith,
    "_negate": values.negate,
    "_as_text": values.as_text,
    "_in_list": library.in_list,
    "_contains": library.contains,
    "_replace_regex": library.replace_regex,
    "_wildcard_match": wildcard_match,
    "_load_document": load_document,
    "_load_object": load_object,
    "_extract_path": extract,
    "_OBJECT_START": OBJECT_START,
    "_loads": orjson.loads,
    "_JSONDecodeError": orjson.JSONDecodeError,
}

_counter = itertools.count()


@dataclass
class GeneratedCode:
    """The generated source and the function it defines."""

    source: str
    function: Callable[[str | None, dict[str, str | None]], dict[str, str] | None]
    filename: str


@dataclass
class _Emitter:
    lines: list[str] = field(default_factory=list)
    depth: int = 1

    def line(self, text: str) -> None:
        self.lines.append("    " * self.depth + text)


class _Generator:
    def __init__(self, query: ast.Query) -> None:
        self.query = query
        self.plan = output_plan(query)
        self.globals: dict[str, Any] = dict(_BASE_GLOBALS)
        self.out = _Emitter()
        self.locals: dict[str, str] = {}  # field key -> python local name
        self.bound: set[str] = set()  # keys whose local is assigned on every path reaching here
        self.non_null: set[str] = set()  # keys known to hold a str here
        self.written = {t.key for stage in query.stages for t in stage_targets(stage)}
        self.temp_ids = itertools.count(1)
        self.reads_after = _reads_after(query)
        # field key -> local holding its first character ('' when the field is null), bound by a
        # `json` stage and reused by a later `matches "c*"` on the same field while the field is
        # unchanged: the seed's rule tests `_raw`'s first character twice (json, then the `if`).
        self.heads: dict[str, str] = {}

    # ----------------------------------------------------------------- names

    def constant(self, prefix: str, value: object) -> str:
        """Bind an object as a global of the generated module; return its name."""
        for name, existing in self.globals.items():
            if name.startswith(prefix) and existing is value:
                return name
        name = f"{prefix}{next(self.temp_ids)}"
        self.globals[name] = value
        return name

    def temp(self, prefix: str = "_t") -> str:
        return f"{prefix}{next(self.temp_ids)}"

    def local(self, key: str) -> str:
        if key == "_raw":
            return "raw"
        if key not in self.locals:
            safe = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in key)
            if not safe.isidentifier() or not safe.isascii():
                safe = "f"
            self.locals[key] = f"v_{safe}_{len(self.locals)}"
        return self.locals[key]

    def read(self, key: str) -> tuple[str, str]:
        """Python expression and static type for reading field `key` here."""
        if key == "_raw":
            return "raw", STR_N
        if key in self.written:
            if key not in self.bound:
                return "None", NULL
            return self.local(key), STR if key in self.non_null else STR_N
        return self.local(key), STR_N  # an input field, loaded at the top of the function

    def assign(self, key: str, expression: str, non_null: bool) -> None:
        self.out.line(f"{self.local(key)} = {expression}")
        self.heads.pop(key, None)
        self.bound.add(key)
        (self.non_null.add if non_null else self.non_null.discard)(key)

    def fail_names(self, keys: list[str]) -> None:
        """nodrop failure: names not yet assigned become null; assigned ones keep their value."""
        unbound = [key for key in keys if key not in self.bound]
        for key in unbound:
            self.heads.pop(key, None)
        if unbound:
            self.out.line(" = ".join(self.local(key) for key in unbound) + " = None")
        else:
            self.out.line("pass")

    # ----------------------------------------------------------------- function

    def generate(self) -> str:
        body_start = len(self.out.lines)
        for index, stage in enumerate(self.query.stages):
            self.out.line(f"# stage {index + 1}: {type(stage).__name__}")
            self.stage(stage, index)
        self.output()
        body = self.out.lines[body_start:]
        header = ["def extract(raw, meta):"]
        inputs = sorted(key for key in self.locals if key not in self.written)
        for key in inputs:
            header.append(f"    {self.locals[key]} = meta.get({key!r})")
        return "\n".join(header + body) + "\n"

    def output(self) -> None:
        items: list[str] = []
        conditional: list[tuple[str, str]] = []
        for key, spelling in zip(self.plan.keys, self.plan.spellings):
            name = self.local(key)
            if key in self.non_null and not conditional:
                items.append(f"{spelling!r}: {name}")
            else:
                conditional.append((spelling, name if key in self.bound else "None"))
        self.out.line("out = {" + ", ".join(items) + "}")
        for spelling, name in conditional:
            if name == "None":
                continue
            self.out.line(f"if {name} is not None:")
            self.out.line(f"    out[{spelling!r}] = {name}")
        self.out.line("return out")

    # ----------------------------------------------------------------- stages

    def stage(self, stage: ast.Stage, index: int) -> None:
        match stage:
            case ast.ParseAnchor():
                self.anchor_stage(stage)
            case ast.ParseRegex():
                self.regex_stage(stage)
            case ast.Json():
                self.json_stage(stage)
            case ast.KeyValue():
                self.kv_stage(stage)
            case ast.Csv():
                self.csv_stage(stage)
            case ast.Assign(value=value, target=target):
                code, kind = self.expr(value)
                self.assign(field_key(target.text), _render(code, kind), kind in _NON_NULL)
            case ast.ConvertInPlace(function=function, target=target):
                key = field_key(target.name)
                spec = library.lookup(function)
                assert spec is not None
                impl = self.constant("_fn", spec.impl)
                current, _ = self.read(key)
                self.assign(key, f"_render({impl}({current}))", False)
            case ast.Where(cond=cond):
                test = self.truth_test(cond)
                self.out.line(f"if not ({test}):")
                self.out.line("    return None")
            case ast.Fields(mode=mode, names=names):
                named = {field_key(name.text) for name in names}
                for key in sorted(self.bound & self.written):
                    if (mode == "keep") != (key in named) and key in self.reads_after[index]:
                        self.assign(key, "None", False)

    def source_text(self, source: ast.FieldRef | None) -> tuple[str, bool]:
        """Bind the stage's input to a temporary; returns (name, known non-null)."""
        code, kind = self.read("_raw" if source is None else field_key(source.name))
        if kind == NULL:
            return "None", False
        if code.isidentifier():
            return code, kind == STR
        name = self.temp("_in")
        self.out.line(f"{name} = {code}")
        return name, kind == STR

    def on_input(self, target: str, text: str, non_null: bool, call: str, empty: str = "None") -> None:
        """`target = call` on the stage's input `text`, or `empty` when that input is null."""
        if text == "None":
            self.out.line(f"{target} = {empty}")
            return
        guard = "" if non_null else f" if {text} is not None else {empty}"
        self.out.line(f"{target} = {call}{guard}")

    def store_results(self, groups: list[tuple[list[str], str, str | list[str]]], nodrop: bool) -> None:
        """Each group: (target keys, python test that the piece matched, its values).

        The values are either one expression giving a sequence (unpacked into the targets) or one
        expression per target. Without nodrop any failure drops; with nodrop each failing group
        applies §3.1's rule. Every piece's result was computed from the stage's input before this
        runs, so a target that is also the input cannot change what other pieces read.
        """
        if not nodrop:
            for _, ok, _ in groups:
                self.out.line(f"if not ({ok}):")
                self.out.line("    return None")
        for keys, ok, results in groups:
            if nodrop:
                self.out.line(f"if {ok}:")
                self.out.depth += 1
            if isinstance(results, list):
                for key, value in zip(keys, results):
                    self.out.line(f"{self.local(key)} = {value}")
            else:
                targets = ", ".join(self.local(key) for key in keys) + ("," if len(keys) == 1 else "")
                self.out.line(f"{targets} = {results}")
            if nodrop:
                self.out.depth -= 1
                self.out.line("else:")
                self.out.depth += 1
                self.fail_names(keys)
                self.out.depth -= 1
            self.bound.update(keys)
            for key in keys:
                self.heads.pop(key, None)

    def anchor_stage(self, stage: ast.ParseAnchor) -> None:
        text, non_null = self.source_text(stage.source)
        groups: list[tuple[list[str], str, str | list[str]]] = []
        all_keys: list[str] = []
        for pattern in stage.patterns:
            keys = [field_key(name.text) for name in pattern.names]
            pieces = split_pattern(pattern.pattern)
            result = self.temp("_m")
            split = _split_plan(pieces)
            if text == "None":
                self.out.line(f"{result} = None")
            elif split is not None:
                separator, maxsplit, first = split
                self.on_input(result, text, non_null, f"{text}.split({separator!r}, {maxsplit})", "()")
                wanted = len(keys)
                ok = f"len({result}) == {maxsplit + 1}"
                if first == 0 and wanted == maxsplit + 1:
                    groups.append((keys, ok, result))
                else:
                    groups.append((keys, ok, f"{result}[{first}:{first + wanted}]"))
                all_keys.extend(keys)
                continue
            else:
                matcher = self.constant("_anchor", compile_anchor(pieces))
                self.on_input(result, text, non_null, f"{matcher}({text})")
            groups.append((keys, f"{result} is not None", result))
            all_keys.extend(keys)
        self.store_results(groups, stage.nodrop)
        self._mark(all_keys, non_null=not stage.nodrop)

    def regex_stage(self, stage: ast.ParseRegex) -> None:
        text, non_null = self.source_text(stage.source)
        groups: list[tuple[list[str], str, str | list[str]]] = []
        for literal in stage.regexes:
            translated = translate(literal.value)
            compiled = self.constant("_re", translated.compiled)
            result = self.temp("_m")
            self.on_input(result, text, non_null, f"{compiled}.search({text})")
            names = translated.names
            group_code = f"{result}.group({', '.join(repr(n) for n in names)})"
            values_code: str | list[str] = [group_code] if len(names) == 1 else group_code
            groups.append(([field_key(n) for n in names], f"{result} is not None", values_code))
        self.store_results(groups, stage.nodrop)
        self._mark([key for keys, _, _ in groups for key in keys], non_null=False)

    def json_stage(self, stage: ast.Json) -> None:
        text, non_null = self.source_text(stage.source)
        paths = [parse_path(path.value) for path in stage.paths]
        document = self.temp("_doc")
        branch = False
        bound_before = set(self.bound)
        source_key = "_raw" if stage.source is None else field_key(stage.source.name)
        head = ""
        if text == "None":
            self.out.line(f"{document} = MISSING")
        elif all(_first_key(path) is not None for path in paths):
            # Every path starts with a key, so only an object can hold them: text whose first
            # character is neither `{` nor JSON whitespace skips the whole stage (its fields fail at
            # once). On the seed's mixed VPC corpus this branch took the json stage from ~330 ns to
            # ~60 ns for raw lines (no call, no MISSING chain), and the first character is kept in a
            # local for a later `matches "{*"` (the seed's `if`).
            head = self.temp("_head")
            guard = "" if non_null else f" if {text} is not None else ''"
            self.out.line(f"{head} = {text}[:1]{guard}")
            self.out.line(f"if {head} in _OBJECT_START:")
            self.out.depth += 1
            # orjson straight from the generated code (one Python call less: ~70 ns per wrapped
            # record); whatever it refuses takes `_load_object`'s careful path.
            self.out.line("try:")
            self.out.line(f"    {document} = _loads({text})")
            self.out.line("except _JSONDecodeError:")
            self.out.line(f"    {document} = _load_object({text})")
            branch = True
        else:
            self.out.line(f"{document} = _load_document({text})")
        groups: list[tuple[list[str], str, str | list[str]]] = []
        for path, name in zip(paths, json_names(stage)):
            value = self.temp("_v")
            key = _single_key(path)
            if key is not None:
                self.out.line(
                    f"{value} = {document}.get({key!r}, MISSING) if type({document}) is dict else MISSING"
                )
            else:
                path_name = self.constant("_path", path)
                self.out.line(
                    f"{value} = MISSING if {document} is MISSING else _extract_path({document}, {path_name})"
                )
            rendered = f"{value} if type({value}) is str else _render_json({value})"
            groups.append(([field_key(name)], f"{value} is not MISSING", [rendered]))
        self.store_results(groups, stage.nodrop)
        targets = [key for keys, _, _ in groups for key in keys]
        if branch:
            self.out.depth -= 1
            self.out.line("else:")
            self.out.depth += 1
            if stage.nodrop:
                # Every group fails: the same names become null as in the branch above.
                after, self.bound = self.bound, bound_before
                self.fail_names(targets)
                self.bound = after
            else:
                self.out.line("return None")
            self.out.depth -= 1
        self._mark(targets, non_null=False)
        if head and source_key not in targets:
            self.heads[source_key] = head

    def kv_stage(self, stage: ast.KeyValue) -> None:
        text, non_null = self.source_text(stage.source)
        groups: list[tuple[list[str], str, str | list[str]]] = []
        for key_literal, name in zip(stage.keys, kv_names(stage)):
            if stage.regex is None:
                extractor = make_infer_extractor(key_literal.value)
            else:
                extractor = make_regex_extractor(key_literal.value, translate(stage.regex.value))
            function = self.constant("_kv", extractor)
            value = self.temp("_v")
            self.on_input(value, text, non_null, f"{function}({text})")
            groups.append(([field_key(name)], f"{value} is not None", [value]))
        self.store_results(groups, stage.nodrop)
        self._mark([key for keys, _, _ in groups for key in keys], non_null=not stage.nodrop)

    def csv_stage(self, stage: ast.Csv) -> None:
        text, non_null = self.source_text(stage.source)
        splitter = self.constant("_split", make_splitter(stage.kind, stage.delim, stage.quote, stage.escape))
        cells = self.temp("_cells")
        self.on_input(cells, text, non_null, f"{splitter}({text})", "()")
        count = self.temp("_n")
        self.out.line(f"{count} = len({cells})")
        for column, name in csv_columns(stage):
            self.assign(field_key(name), f"{cells}[{column - 1}] if {count} >= {column} else None", False)

    def _mark(self, keys: list[str], *, non_null: bool) -> None:
        for key in keys:
            self.heads.pop(key, None)
            self.bound.add(key)
            (self.non_null.add if non_null else self.non_null.discard)(key)

    # ----------------------------------------------------------------- expressions

    def truth_test(self, cond: ast.Expr) -> str:
        """A Python expression that is true exactly when `cond` is true (language.md §7)."""
        code, kind = self.expr(cond)
        if kind == BOOL:
            return code
        if kind == NULL:
            return "False"
        return f"_truth({code}) is True"

    def expr(self, node: ast.Expr) -> tuple[str, str]:
        match node:
            case ast.StringLit(value=value):
                return repr(value), STR
            case ast.NumberLit(value=value):
                return repr(float(value)), NUM
            case ast.BoolLit(value=value):
                return repr(value), BOOL
            case ast.NullLit():
                return "None", NULL
            case ast.FieldRef(name=name):
                return self.read(field_key(name))
            case ast.Negate(operand=operand):
                code, _ = self.expr(operand)
                return f"_negate({code})", NUM_N
            case ast.Not(operand=operand):
                code, kind = self.expr(operand)
                if kind == BOOL:
                    return f"(not {code})", BOOL
                return f"_not(_truth({code}))", BOOL_N
            case ast.Arith(op=op, left=left, right=right):
                a, _ = self.expr(left)
                b, _ = self.expr(right)
                return f"_arith({op!r}, {a}, {b})", NUM_N
            case ast.Compare():
                return self.compare(node)
            case ast.Logical(op=op, left=left, right=right):
                a, a_kind = self.expr(left)
                b, b_kind = self.expr(right)
                if a_kind == BOOL and b_kind == BOOL:
                    return f"({a} {op} {b})", BOOL
                a = a if a_kind in (BOOL, BOOL_N) else f"_truth({a})"
                b = b if b_kind in (BOOL, BOOL_N) else f"_truth({b})"
                return f"{'_and' if op == 'and' else '_or'}({a}, {b})", BOOL_N
            case ast.Conditional(cond=cond, then=then, otherwise=otherwise):
                test = self.truth_test(cond)
                a, a_kind = self.expr(then)
                b, b_kind = self.expr(otherwise)
                return f"({a} if {test} else {b})", _join(a_kind, b_kind)
            case ast.InList():
                return self.in_list(node)
            case ast.Matches(value=value, pattern=pattern):
                return self.matches(value, pattern)
            case ast.Contains(haystack=haystack, needle=needle):
                a, _ = self.expr(haystack)
                b, _ = self.expr(needle)
                return f"_contains({a}, {b})", BOOL
            case ast.Call(name=name, args=args):
                return self.call(name, args)
        raise TypeError(f"cannot generate {node!r}")  # pragma: no cover

    def compare(self, node: ast.Compare) -> tuple[str, str]:
        a, a_kind = self.expr(node.left)
        b, b_kind = self.expr(node.right)
        strings = {a_kind, b_kind} <= {STR, STR_N} and STR in {a_kind, b_kind}
        if node.op == "=":
            if strings:  # two strings: plain comparison; None never equals a str
                return f"({a} == {b})", BOOL
            return f"_equals({a}, {b})", BOOL
        if node.op == "!=":
            if strings:
                checks = [f"{x} is not None" for x, kind in ((a, a_kind), (b, b_kind)) if kind == STR_N]
                return "(" + " and ".join(checks + [f"{a} != {b}"]) + ")", BOOL
            return f"_not_equals({a}, {b})", BOOL
        return f"_order({node.op!r}, {a}, {b})", BOOL

    def in_list(self, node: ast.InList) -> tuple[str, str]:
        subject, kind = self.expr(node.value)
        if kind in (STR, STR_N) and all(isinstance(option, ast.StringLit) for option in node.options):
            options = self.constant("_set", frozenset(option.value for option in node.options))  # type: ignore[union-attr]
            if node.negated:
                return f"({subject} is not None and {subject} not in {options})", BOOL
            return f"({subject} in {options})", BOOL
        options_code = "(" + "".join(self.expr(option)[0] + ", " for option in node.options) + ")"
        if node.negated:
            value = self.temp("_x")
            return f"(({value} := {subject}) is not None and not _in_list({value}, {options_code}))", BOOL
        return f"_in_list({subject}, {options_code})", BOOL

    def matches(self, value: ast.Expr, pattern: ast.StringLit | ast.RegexLit | ast.FieldRef) -> tuple[str, str]:
        if isinstance(value, ast.FieldRef) and isinstance(pattern, ast.StringLit):
            head = self.heads.get(field_key(value.name))
            wildcard = pattern.value
            if head is not None and len(wildcard) == 2 and wildcard[1] == "*" and wildcard[0] != "*":
                # `x matches "c*"` with x's first character already in a local ('' for null).
                return f"({head} == {wildcard[0]!r})", BOOL
        code, kind = self.expr(value)
        if kind == NULL:
            return "False", BOOL
        if kind not in (STR, STR_N):
            code = f"_as_text({code})"
        if code.isidentifier():
            subject = code
            guard = "" if kind == STR else f"{subject} is not None and "
        else:
            subject = self.temp("_s")
            # Bind once with := so the subject is evaluated a single time.
            guard = f"({subject} := {code}) is not None and "
        match pattern:
            case ast.StringLit(value=wildcard):
                test = _wildcard_test(subject, wildcard)
                if test is None:
                    matcher = self.constant("_wc", make_wildcard_matcher(wildcard))
                    test = f"{matcher}({subject})"
            case ast.RegexLit(pattern=regex):
                compiled = self.constant("_re", translate(regex).compiled)
                test = f"{compiled}.fullmatch({subject}) is not None"
            case ast.FieldRef(name=name):
                other, other_kind = self.read(field_key(name))
                if other_kind == NULL:
                    return "False", BOOL
                test = f"{other} is not None and _wildcard_match({subject}, {other})"
        return f"({guard}{test})", BOOL

    def call(self, name: str, args: tuple[ast.Expr, ...]) -> tuple[str, str]:
        key = ast.function_key(name)
        if key == "replace" and len(args) == 3 and isinstance(args[1], ast.RegexLit):
            compiled = self.constant("_re", translate(args[1].pattern).compiled)
            s, _ = self.expr(args[0])
            r, _ = self.expr(args[2])
            return f"_replace_regex({s}, {compiled}, {r})", STR_N
        spec = library.lookup(name)
        assert spec is not None, name
        impl = self.constant("_fn", spec.impl)
        codes = ", ".join(self.expr(arg)[0] for arg in args)
        return f"{impl}({codes})", NUM_N if spec.returns_number else ANY


# --------------------------------------------------------------------------- helpers


def _render(code: str, kind: str) -> str:
    """Python expression storing a value into a field (language.md §2)."""
    if kind in (STR, STR_N, NULL):
        return code
    if kind == BOOL:
        return f"_render_bool({code})"
    return f"_render({code})"


def _join(a: str, b: str) -> str:
    if a == b:
        return a
    if {a, b} <= {STR, STR_N, NULL}:
        return STR_N
    if {a, b} <= {NUM, NUM_N, NULL}:
        return NUM_N
    if {a, b} <= {BOOL, BOOL_N, NULL}:
        return BOOL_N
    return ANY


def _caseless(ch: str) -> bool:
    return ch.lower() == ch == ch.upper() == ch.casefold()


def _split_plan(pieces: tuple[str, ...]) -> tuple[str, int, int] | None:
    """(separator, maxsplit, index of the first capture) when `str.split` matches like the scan.

    Applies when every interior anchor is the same single caseless character `c` and the outer
    pieces are empty or `c`. The scan finds each `c` at its first occurrence after the previous
    one, which is exactly what split with a maxsplit does; a trailing `*` takes the rest (the last
    split element), a trailing `c` ends the match (the element after it is ignored).
    """
    stars = len(pieces) - 1
    if stars < 1:
        return None
    interior = pieces[1:-1]
    candidates = {piece for piece in pieces if piece}
    if len(candidates) != 1:
        return None
    (separator,) = candidates
    if len(separator) != 1 or not _caseless(separator):
        return None
    if any(piece != separator for piece in interior):
        return None
    leading = 1 if pieces[0] == separator else 0
    trailing = 1 if pieces[-1] == separator else 0
    return separator, (stars - 1) + leading + trailing, leading


def _wildcard_test(subject: str, wildcard: str) -> str | None:
    """Inline Python for the common wildcard shapes, or None to call a compiled matcher."""
    stars = wildcard.count("*")
    if stars == 0:
        return f"{subject} == {wildcard!r}"
    if stars == 1 and wildcard.endswith("*"):
        return f"{subject}.startswith({wildcard[:-1]!r})"
    if stars == 1 and wildcard.startswith("*"):
        return f"{subject}.endswith({wildcard[1:]!r})"
    if stars == 2 and wildcard.startswith("*") and wildcard.endswith("*") and len(wildcard) > 1:
        return f"{wildcard[1:-1]!r} in {subject}"
    return None


def _first_key(path: Any) -> str | None:
    steps = tuple(path)
    if steps and isinstance(steps[0], str):
        return steps[0]
    return getattr(steps[0], "key", None) if steps else None


def _single_key(path: Any) -> str | None:
    steps = tuple(path)
    if len(steps) != 1:
        return None
    return _first_key(path)


def _reads(node: object) -> set[str]:
    """Field keys an AST node reads."""
    found: set[str] = set()
    if isinstance(node, ast.FieldRef):
        found.add(field_key(node.name))
    if isinstance(node, (tuple, list)):
        for item in node:
            found |= _reads(item)
        return found
    for name in getattr(node, "__dataclass_fields__", {}):
        if name in ("span", "target"):
            continue
        child = getattr(node, name)
        if isinstance(child, (tuple, list)) or hasattr(child, "__dataclass_fields__"):
            found |= _reads(child)
    return found


def _reads_after(query: ast.Query) -> list[set[str]]:
    """For each stage index, the keys that later stages read or write.

    A field that `fields` removes must really become null when a later stage reads it, and also when
    a later stage writes it: a failing `nodrop` keeps a field's current value, and a removed field's
    current value is null (language.md §3.1), not what it held before the removal.
    """
    result: list[set[str]] = []
    later: set[str] = set()
    for stage in reversed(query.stages):
        result.append(set(later))
        later |= _reads(stage)
        later |= {target.key for target in stage_targets(stage)}
    result.reverse()
    return result


def generate(query: ast.Query) -> GeneratedCode:
    """Generate, compile and load the extraction function for a checked query."""
    generator = _Generator(query)
    source = generator.generate()
    filename = f"<fer-generated-{next(_counter)}>"
    # Registered in linecache so tracebacks and debuggers show the generated lines (as attrs does).
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace = dict(generator.globals)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - source built from the AST only
    return GeneratedCode(source=source, function=namespace["extract"], filename=filename)
