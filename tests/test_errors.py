"""Syntax errors: the class, the line:column, the message, the caret and a readable "expected".

Also the property that any text at all either parses and checks or raises a `FerError`.
"""

from __future__ import annotations

import copyreg
import pickle
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fer.checker import check, check_length
from fer.errors import FerCompileError, FerError, FerSyntaxError
from fer.parser import parse

# (source, line, column, message fragment, expected fragment or None)
SYNTAX_ERRORS: list[tuple[str, int, int, str, str | None]] = [
    ("", 1, 1, "empty expression", '"parse"'),
    ("   // only a comment\n", 1, 1, "empty expression", "an expression"),
    ("|", 1, 2, "unexpected end of expression", '"where"'),
    ('parse "a*" as x |', 1, 18, "unexpected end of expression", "an expression"),
    ('parse "a*" as x\n|\n', 2, 2, "unexpected end of expression", None),
    ("where a ||  where b", 1, 10, "unexpected `|`", None),
    ('parse "a*" as x y', 1, 17, "unexpected `y`", '",", "nodrop", "|", end of expression'),
    ('parse "a*" as', 1, 14, "unexpected end of expression", "a field name"),
    ('parse "a*"', 1, 11, "unexpected end of expression", '"as"'),
    ('parse "a*" as and', 1, 15, "unexpected `and`", "a field name"),
    ("parse x", 1, 7, "unexpected `x`", "a string"),
    ('parse regex "(?<a>x)" as a', 1, 23, "unexpected `as`", '"multi"'),
    ("where", 1, 6, "unexpected end of expression", "an expression"),
    ("where a = ", 1, 10, "unexpected end of expression", "an expression"),
    ("where a = b = c", 1, 13, "unexpected `=`", "and"),
    ("where (a", 1, 9, "unexpected end of expression", '")"'),
    ("where a)", 1, 8, "unexpected `)`", None),
    ('where "abc', 1, 7, "unterminated string", None),
    ('where %"abc', 1, 7, "unterminated quoted field name", None),
    ("where a # b", 1, 9, "unexpected character '#'", "an operator"),
    ("where a\n  and\n  # b", 3, 3, "unexpected character '#'", "an expression"),
    ("where a /* never closed", 1, 9, "unterminated comment", None),
    ("where 10abc", 1, 7, "bad number `10abc`", None),
    ("where 1S", 1, 7, "bad number `1S`", None),
    ("where 1.5.5", 1, 10, "unexpected character '.'", None),
    ("where a in ()", 1, 13, "unexpected `)`", "an expression"),
    ("where a not b", 1, 13, "unexpected `b`", '"in"'),
    ("where true as x", 1, 12, "unexpected `as`", None),
    ('json "a" as', 1, 12, "unexpected end of expression", "a field name"),
    ('json "a" nodrop as x', 1, 17, "unexpected `as`", None),
    ("csv extract 1 as a", 1, 13, "unexpected `1`", '"delim"'),
    ("csv f extract", 1, 14, "unexpected end of expression", "a column number"),
    ("csv f delim=; extract a", 1, 13, "unexpected character ';'", "a quoted character"),
    ("csv f delim=' extract a", 1, 13, "bad option value", None),
    ("csv f extract 1.5 as a", 1, 16, "unexpected", None),
    ('kv regex "x"', 1, 13, "unexpected end of expression", '"keys", a string'),
    ("fields", 1, 7, "unexpected end of expression", "a field name"),
    ("fields a b", 1, 10, "unexpected `b`", '","'),
    ("fields -", 1, 9, "unexpected end of expression", "a field name"),
    ("a as b as c", 1, 8, "unexpected `as`", None),
    ("as x", 1, 1, "unexpected `as`", "an expression"),
    ("where a ? b", 1, 12, "unexpected end of expression", '":"'),
    ("where a matches", 1, 16, "unexpected end of expression", "an expression"),
    ("where a && b", 1, 9, "unexpected character '&'", None),
    ("where x\u00e9 = 1", 1, 8, "unexpected character 'é'", None),
    ("where \u017f = 1", 1, 7, "unexpected character 'ſ'", None),  # long s is not a name letter
    ("where \u212a = 1", 1, 7, "unexpected character", None),  # nor is the Kelvin sign
]


@pytest.mark.parametrize(
    ("source", "line", "column", "message", "expected"),
    SYNTAX_ERRORS,
    ids=[repr(s[0]) for s in SYNTAX_ERRORS],
)
def test_syntax_error(source: str, line: int, column: int, message: str, expected: str | None) -> None:
    with pytest.raises(FerSyntaxError) as info:
        parse(source)
    err = info.value
    assert (err.line, err.column) == (line, column), str(err)
    assert message in err.message
    if expected is not None:
        assert err.expected is not None and expected in err.expected, err.expected
    assert err.source == source


_LARK_INTERNALS = re.compile(r"__ANON|\$END|[A-Z]{2,}_[A-Z]|\b(LPAR|RPAR|COMMA|VBAR|NAME|STRING)\b")


@pytest.mark.parametrize("source", [s[0] for s in SYNTAX_ERRORS])
def test_expected_text_has_no_lark_internals(source: str) -> None:
    with pytest.raises(FerSyntaxError) as info:
        parse(source)
    assert not _LARK_INTERNALS.search(str(info.value)), str(info.value)


def test_str_has_position_source_line_and_caret() -> None:
    source = 'parse "a*" as x\n| where a = = b'
    with pytest.raises(FerSyntaxError) as info:
        parse(source)
    assert str(info.value).splitlines()[:3] == [
        "2:13: unexpected `=`",
        "| where a = = b",
        "            ^",
    ]
    assert "expected an expression" in str(info.value)


def test_caret_spans_the_whole_token() -> None:
    with pytest.raises(FerSyntaxError) as info:
        parse('parse "a*" as x nodrop nodrop')
    assert str(info.value).splitlines()[2] == " " * 23 + "^^^^^^"


def test_errors_pickle() -> None:
    with pytest.raises(FerSyntaxError) as info:
        parse("where (")
    copy = pickle.loads(pickle.dumps(info.value))
    assert type(copy) is FerSyntaxError and str(copy) == str(info.value)


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    with pytest.raises(FerSyntaxError, match="nested too deeply"):
        parse("where " + "-" * 5000 + "a")


def test_moderate_nesting_is_fine() -> None:
    source = "where " + "(-" * 200 + "a" + ")" * 200
    assert check(parse(source), source)


def test_length_limit() -> None:
    ok = "where a = " + '"' + "x" * (16_384 - 12) + '"'
    assert len(ok) == 16_384
    check_length(ok)
    too_long = ok[:-1] + 'x"'
    with pytest.raises(FerCompileError, match="16,385 characters long; the limit is 16,384"):
        check_length(too_long)
    with pytest.raises(FerCompileError):
        check(parse(too_long), too_long)


# ---------------------------------------------------------------------------- any text

_ALPHABET = st.sampled_from(
    list("abxyz_019 \n\t\"'\\%|,()=!<>+-*/?:.$[]{}#;&éK")
    + ["parse ", "regex ", "json ", "kv ", "csv ", "split ", "extract ", "where ", "fields ",
       " as ", " and ", " or ", " not ", " in ", " matches ", " contains ", " nodrop", " field=",
       " multi", " auto", " keys ", " delim=", "if(", "num(", "concat(", "replace(", "//", "/*",
       "*/", '"a*"', '"(?<n>x)"', "1.5s", "2Ki", "true", "null"]
)


def _parse_and_check(source: str) -> None:
    check_length(source)
    check(parse(source), source)


@given(st.text(max_size=60))
def test_any_text_parses_or_raises_fer_error(source: str) -> None:
    _assert_fer_error_or_success(source)


@given(st.lists(_ALPHABET, max_size=25).map("".join))
@example('parse "a*" as x | where x matches /a/ | fields x')
@example('json "a" as b | kv "k" | csv _raw extract 1 as c')
def test_token_soup_parses_or_raises_fer_error(source: str) -> None:
    _assert_fer_error_or_success(source)


def _assert_fer_error_or_success(source: str) -> None:
    try:
        _parse_and_check(source)
    except FerError as err:
        assert isinstance(err, (FerSyntaxError, FerCompileError))
        lines = source.split("\n")
        assert 1 <= err.line <= len(lines), (err.line, source)
        assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (err.column, source)
        str(err)  # rendering never fails


def test_errors_do_not_chain_lark_exceptions() -> None:
    # Lark's exceptions hold the parser state; chained as context they would make errors unpicklable
    # by tblib (installed by Dask) and keep the parser state alive.
    for source in ["where (", "concat(a, b)", "where a # b"]:
        with pytest.raises(FerError) as info:
            parse(source)
        assert info.value.__context__ is None and info.value.__cause__ is None


def test_errors_pickle_with_tblib_installed() -> None:
    tblib = pytest.importorskip("tblib.pickling_support")
    with pytest.raises(FerSyntaxError) as info:
        parse("where a = = b")
    had = FerSyntaxError in copyreg.dispatch_table
    tblib.install(info.value)
    try:
        copy = pickle.loads(pickle.dumps(info.value))
    finally:
        if not had:  # leave the process as we found it
            copyreg.dispatch_table.pop(FerSyntaxError, None)
    assert str(copy) == str(info.value)
