"""Printer tests: `parse(to_source(q)) == q` for every AST the parser produces."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer import ast
from fer.errors import FerError
from fer.parser import parse
from fer.printer import expr_source, name_source, string_source, to_source
from test_parser import EXPR_CASES, STAGE_CASES

ALL_SOURCES = [text for text, _ in STAGE_CASES] + [f"where {text}" for text, _ in EXPR_CASES]


@pytest.mark.parametrize("source", ALL_SOURCES)
def test_round_trip_of_parser_inputs(source: str) -> None:
    query = parse(source)
    printed = to_source(query)
    assert parse(printed) == query, printed
    assert to_source(parse(printed)) == printed  # printing is a fixed point


# ---------------------------------------------------------------------------- spellings


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        ("abc", '"abc"'),
        ('a"b', '"a\\"b"'),
        ("\\d+\\.\\d+", '"\\d+\\.\\d+"'),  # regex backslashes need no doubling
        ("a\\", '"a\\\\"'),  # a final backslash would escape the quote
        ("\\n", '"\\\\n"'),  # backslash + n, not a newline
        ("\\\\", '"\\\\\\\\"'),
        ("\n\t\r", '"\\n\\t\\r"'),
        ("\\\r", '"\\\\\\r"'),  # backslash + carriage return
    ],
)
def test_string_source(value: str, printed: str) -> None:
    assert string_source(value) == printed
    assert parse(f"where {printed}").stages[0] == ast.Where(ast.StringLit(value))


@pytest.mark.parametrize(
    ("name", "printed"),
    [
        ("src_ip", "src_ip"),
        ("_raw", "_raw"),
        ("a.b", '%"a.b"'),
        ("and", '%"and"'),
        ("NoDrop", '%"NoDrop"'),
        ("1st", '%"1st"'),
        ('say "hi"', '%"say \\"hi\\""'),
        ("json", "json"),
        ("", '%""'),
    ],
)
def test_name_source(name: str, printed: str) -> None:
    assert name_source(name) == printed


@pytest.mark.parametrize(
    ("node", "printed"),
    [
        (ast.NumberLit(12.0), "12"),
        (ast.NumberLit(-3.0), "-3"),
        (ast.NumberLit(0.5), "0.5"),
        (ast.NumberLit(1500.0, text="1.5s"), "1.5s"),
        (ast.NumberLit(1500.0, text="2s"), "1500"),  # a stale spelling is not trusted
        (ast.NumberLit(-2048.0, text="-2Ki"), "-2Ki"),
        (ast.NumberLit(1e20), "1e+20"),
        (ast.NumberLit(math.inf), "1e999"),
        (ast.NumberLit(-math.inf), "-1e999"),
        (ast.NumberLit(-0.0), "-0.0"),
    ],
)
def test_number_source(node: ast.NumberLit, printed: str) -> None:
    assert expr_source(node) == printed
    parsed = parse(f"where {printed}").stages[0]
    assert isinstance(parsed, ast.Where) and parsed.cond == node


def test_compound_expressions_are_parenthesised() -> None:
    query = parse("where !a = b or c and d * -e + 1 > 2")
    assert to_source(query) == "where ((not (a = b)) or (c and (((d * -e) + 1) > 2)))"


def test_stage_word_call_is_wrapped() -> None:
    query = parse("(json(x)) as y | parse as p")
    assert to_source(query) == "(json(x)) as y\n| parse as p"


def test_csv_options_print_only_when_not_default() -> None:
    query = parse("csv f delim=',' quote='\"' escape='\\' extract a")
    assert to_source(query) == "csv f extract a"
    query = parse("split f delim='\\t' quote='\\'' escape='\\\\' extract 2 as a, _")
    assert to_source(query) == "split f delim='\\t' quote='\\'' extract 2 as a, _"


# ---------------------------------------------------------------------------- generated ASTs

_reserved = {"and", "or", "not", "in", "matches", "contains", "as", "nodrop", "true", "false", "null"}
_bare_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: n.lower() not in _reserved
)
_any_names = st.one_of(_bare_names, st.text(max_size=8))
_function_names = _bare_names.filter(lambda n: n.lower() not in ("if", "contains"))
_regex_patterns = st.one_of(
    st.from_regex(r"[a-z.+?()\[\]^$|{}0-9 ][a-z.*+?()\[\]^$|{}0-9 ]{0,8}", fullmatch=True),
    st.sampled_from(["\\d+", "a\\/b", "\\w+\\s*", "(?<n>x)", "\\\\"]),
)

_leaves = st.one_of(
    st.builds(ast.StringLit, st.text(max_size=10)),
    st.builds(ast.NumberLit, st.floats(allow_nan=False)),
    st.builds(ast.BoolLit, st.booleans()),
    st.just(ast.NullLit()),
    st.builds(ast.FieldRef, _any_names),
    st.builds(ast.RegexLit, _regex_patterns),
)


def _negate(operand: ast.Expr) -> ast.Expr:
    # The parser folds the minus of `-3` into the number literal.
    if isinstance(operand, ast.NumberLit):
        return ast.NumberLit(-operand.value)
    return ast.Negate(operand)


def _compound(children: st.SearchStrategy[ast.Expr]) -> st.SearchStrategy[ast.Expr]:
    pairs = st.tuples(children, children)
    return st.one_of(
        children.map(_negate),
        st.builds(ast.Not, children),
        st.builds(ast.Arith, st.sampled_from(["+", "-", "*", "/", "%"]), children, children),
        st.builds(ast.Compare, st.sampled_from(["=", "!=", "<", ">", "<=", ">="]), children, children),
        st.builds(ast.Logical, st.sampled_from(["and", "or"]), children, children),
        st.builds(ast.Conditional, children, children, children, st.booleans()),
        st.builds(ast.InList, children, st.lists(children, min_size=1, max_size=3).map(tuple), st.booleans()),
        st.builds(ast.Matches, children, children),
        pairs.map(lambda p: ast.Contains(*p)),
        st.builds(
            ast.Call,
            _function_names,
            st.lists(children, max_size=3).map(tuple),
        ),
        # `if` with 3 arguments and `contains` with 2 become their own nodes
        st.builds(ast.Call, st.sampled_from(["if", "IF"]), st.lists(children, max_size=2).map(tuple)),
        st.builds(
            ast.Call,
            st.just("contains"),
            st.lists(children, max_size=3).filter(lambda args: len(args) != 2).map(tuple),
        ),
    )


_expressions = st.recursive(_leaves, _compound, max_leaves=12)
# Deferred only to keep the strategy's repr short (Hypothesis warns about multi-kilobyte reprs).
expressions = st.deferred(lambda: _expressions)
_names_tuple = st.lists(st.builds(ast.Name, _any_names), min_size=1, max_size=3).map(tuple)
_strings_tuple = st.lists(st.builds(ast.StringLit, st.text(max_size=6)), min_size=1, max_size=3).map(tuple)
_sources = st.one_of(st.none(), st.builds(ast.FieldRef, _any_names))
_option_chars = st.text(max_size=2)

stages = st.one_of(
    st.builds(ast.Where, expressions),
    st.builds(ast.Assign, expressions, st.builds(ast.Name, _any_names)),
    st.builds(
        ast.ParseAnchor,
        _sources,
        st.lists(st.builds(ast.AnchorPattern, st.text(max_size=8), _names_tuple), min_size=1, max_size=2).map(tuple),
        st.booleans(),
    ),
    st.builds(ast.ParseRegex, _sources, _strings_tuple, st.booleans(), st.booleans()),
    st.builds(ast.Json, _sources, _strings_tuple, st.one_of(st.none(), _names_tuple), st.booleans()),
    st.builds(ast.Json, _sources, st.just(()) | _strings_tuple, st.none() | _names_tuple, st.booleans(), st.just(True)),
    st.builds(
        ast.KeyValue,
        _sources,
        _strings_tuple,
        st.one_of(st.none(), _names_tuple),
        st.one_of(st.none(), st.builds(ast.StringLit, st.text(max_size=6))),
        st.booleans(),
    ),
    st.builds(
        ast.KeyValue, _sources, st.just(()) | _strings_tuple, st.none() | _names_tuple, st.none(), st.booleans(), st.just(True)
    ),
    st.builds(
        ast.Csv,
        st.sampled_from(["csv", "split"]),
        st.builds(ast.FieldRef, _any_names),
        st.lists(
            st.builds(ast.CsvColumn, st.one_of(st.none(), st.integers(-5, 50)), st.builds(ast.Name, _any_names)),
            min_size=1,
            max_size=3,
        ).map(tuple),
        _option_chars,
        _option_chars,
        _option_chars,
        st.booleans(),
    ),
    st.builds(
        ast.ConvertInPlace,
        st.sampled_from(["num", "number", "toLong", "NUM"]),
        st.builds(ast.FieldRef, _any_names),
    ),
    st.builds(ast.Fields, st.sampled_from(["keep", "remove"]), _names_tuple),
)


@given(expressions)
def test_generated_expressions_round_trip(node: ast.Expr) -> None:
    printed = expr_source(node)
    reparsed = parse(f"where {printed}").stages[0]
    assert isinstance(reparsed, ast.Where)
    assert reparsed.cond == node, printed


@given(st.lists(stages, min_size=1, max_size=4).map(tuple))
def test_generated_queries_round_trip(stage_list: tuple[ast.Stage, ...]) -> None:
    query = ast.Query(stage_list)
    printed = to_source(query)
    try:
        reparsed = parse(printed)
    except FerError as err:
        raise AssertionError(printed) from err
    assert reparsed == query, printed
