"""Checker tests: every compile error of language.md §7, with its position, and what stays legal."""

from __future__ import annotations

import pytest

from fer.checker import check, check_length
from fer.errors import FerCompileError
from fer.parser import parse
from test_parser import STAGE_CASES, SEED


def compile_check(source: str):
    check_length(source)
    return check(parse(source), source)


# (source, line, column, message fragment)
COMPILE_ERRORS: list[tuple[str, int, int, str]] = [
    # parse (anchor)
    ('parse "a**b" as x, y', 1, 7, "`**`"),
    ('parse "abc" as x', 1, 7, "no `*`"),
    ('parse "a\\*b" as x', 1, 7, "no `*`"),  # an escaped star is literal
    ('parse "a*b*" as x', 1, 7, "2 `*` but 1 name"),
    ('parse "*" as x, y', 1, 7, "1 `*` but 2 names"),
    ('parse "a=*" as a, "b=**" as b, c', 1, 19, "`**`"),
    ('parse "a=*" as a,\n      "b=*" as b, c', 2, 7, "1 `*` but 2 names"),
    ('parse "*" as _raw', 1, 14, "`_raw` is built-in metadata"),
    ('parse "*" as _SourceCategory', 1, 14, "built-in metadata"),
    # parse regex
    ('parse regex "abc"', 1, 13, "needs a named group"),
    ('parse regex "(?<a>x)(b)"', 1, 13, "write (?:…)"),
    ('parse regex "(?<a>x)", "(y)"', 1, 24, "unnamed capturing group"),
    ('parse regex "(?<ab>x)", "(?<AB>y)"', 1, 25, "differ only by case"),
    ('parse regex "(?<ab>x)(?<aB>y)"', 1, 13, "differ only by case"),
    ('parse regex "(?<a>x"', 1, 14, "bad regex"),
    ('parse regex "\\d(?<a>[x"', 1, 21, "bad regex: unterminated character class"),
    ('parse regex "(?<a>\\p{Lu})"', 1, 19, "\\p{"),
    ('parse regex "(?<_raw>x)"', 1, 13, "built-in metadata"),
    ('parse regex "(?<a>x)" multi', 1, 23, "`multi` is not supported in ingest-time rules"),
    ('extract "(?<a>x)" nodrop multi', 1, 26, "not supported in ingest-time rules"),
    # json
    ("json auto", 1, 6, "`json auto` is not supported"),
    ("json field=m auto", 1, 14, "`json auto`"),
    ('json "$"', 1, 7, "`$` alone"),
    ('json "a..b"', 1, 9, "bad json path"),
    ('json "a", "b" as x', 1, 18, "2 paths but 1 name"),
    ('json "a" as x, y', 1, 13, "1 path but 2 names"),
    ('json "a" as _raw', 1, 13, "built-in metadata"),
    ('json "_raw"', 1, 6, "built-in metadata"),
    # keyvalue
    ("kv auto", 1, 4, "`kv auto` is not supported"),
    ('keyvalue auto keys "a" as b', 1, 10, "`kv auto` is not supported"),
    ('kv "a" as x, y', 1, 11, "1 key but 2 names"),
    ('kv "a", "b" as x', 1, 16, "2 keys but 1 name"),
    ('kv regex "abc" keys "a"', 1, 10, "it has 0"),
    ('kv regex "(a)(b)(c)" keys "a"', 1, 10, "it has 3"),
    ('kv regex "(a" keys "a"', 1, 11, "bad regex"),
    ('kv "_raw"', 1, 4, "built-in metadata"),
    ('kv "a" as _view', 1, 11, "built-in metadata"),
    # csv / split
    ("csv f extract a nodrop", 1, 17, "`nodrop` is not allowed"),
    ("split f extract a nodrop", 1, 19, "`split` never drops"),
    ("csv f extract 0 as a", 1, 15, "numbered from 1"),
    ("csv f extract a, -2 as b", 1, 18, "numbered from 1"),
    ("csv f delim='ab' extract a", 1, 7, "`delim` must be one character"),
    ("csv f quote='' extract a", 1, 7, "`quote` must be one character"),
    ("split f escape=\"\\\\\\\\\" extract a", 1, 9, "`escape` must be one character"),
    ("csv f extract 1 as _raw", 1, 20, "built-in metadata"),
    ("csv f delim='\"' extract a", 1, 7, "`delim` and `quote` are both '\"'"),
    ("split f escape='\"' extract a", 1, 9, "`quote` and `escape`"),
    ("csv f delim=';' escape=';' extract a", 1, 17, "must be different characters"),
    ("csv f delim=':' quote=':' escape=':' extract a", 1, 27, "`delim` and `quote` and `escape` are all"),
    # fields
    ("fields a, b, A", 1, 14, "`A` is named twice"),
    ("fields - x, %\"X\"", 1, 13, "named twice"),
    # assignment
    ("x as _sourceHost", 1, 6, "built-in metadata"),
    ("num(_raw)", 1, 5, "built-in metadata"),
    # functions
    ("where concatt(a, b)", 1, 7, "unknown function `concatt` (did you mean `concat`?)"),
    ("where nosuchthing(a)", 1, 7, "unknown function `nosuchthing`"),
    ("where substring(a)", 1, 7, "substring takes 2 to 3 arguments, got 1"),
    ("where round(a, 2)", 1, 7, "round takes 1 argument, got 2"),
    ("where min(a)", 1, 7, "min takes 2 arguments, got 1"),
    ("where if(a)", 1, 7, "if takes 3 arguments"),
    ("where contains(a)", 1, 7, "contains takes 2 arguments, got 1"),
    ("x as y | where a and\n  toLowerCase() = b", 2, 3, "toLowerCase takes 1 argument, got 0"),
    ("concat(a) as x", 1, 1, "concat takes"),
    # matches and regex literals
    ("where a matches b + c", 1, 17, "`matches` takes a string, a /regex/ or a field"),
    ("where a matches 3", 1, 17, "`matches` takes"),
    ("where /x/", 1, 7, "only allowed after `matches`"),
    ("/x/ as y", 1, 1, "only allowed after `matches`"),
    ('where replace(/x/, "x", "y")', 1, 15, "only allowed after `matches`"),
    ('where replace(a, "x", /y/)', 1, 23, "only allowed after `matches`"),
    ("where a in (/x/)", 1, 13, "only allowed"),
    ("where a matches /[/", 1, 18, "bad regex"),
    ('where replace(a, /(x/, "y")', 1, 19, "bad regex"),
]


@pytest.mark.parametrize(
    ("source", "line", "column", "message"), COMPILE_ERRORS, ids=[c[0] for c in COMPILE_ERRORS]
)
def test_compile_error(source: str, line: int, column: int, message: str) -> None:
    with pytest.raises(FerCompileError) as info:
        compile_check(source)
    err = info.value
    assert message in err.message, err.message
    assert (err.line, err.column) == (line, column), str(err)
    assert err.source == source
    assert "^" in str(err)


VALID: list[str] = [
    SEED,
    'parse "user=*:" as user',
    'parse "a\\**" as x',  # a literal star then a wildcard
    'parse "*" as x, "-*-" as y nodrop',
    'parse regex "(?<a>\\d+)(?:x|y)(?P<b>z)"',
    'parse regex "(?<a>x)", "(?<a>y)"',  # the same name in two regexes is one field
    'parse regex "reported:\\s(?<exception>(?i)error)\\s"',
    'json "a.b", "c[0]", "$.d", "e[*].f" as w, x, y, z nodrop',
    'kv "a", "b-c" as x, y',
    'kv regex "(\\w+)=(\\w+)" keys "a"',
    'kv regex "=(?<v>\\w+)" keys "a"',
    "csv _raw delim=';' extract 1 as a, _, c",
    "split f delim='\\t' extract 2 as a",
    "fields a, b | fields - c",
    "fields _raw, a",
    'where a matches "x*" and b matches /\\d+/ and c matches d',
    'replace(a, /(\\d+)/, "<$1>") as b',
    'replace(a, "x", "y") as b',
    "if(a, b, c) as d | a ? b : c as e",
    "contains(a, b) as c | a contains b as d",
    "IF(A, B, C) as d | ConCat(a, b) as x | TOLOWERCASE(a) as y",
    "num(a) | toLong(b) | number(c)",
    'concat(a, " ", b, "-", c) as d',
    "where isNull(a) or isEmpty(b) or isBlank(c)",
    "substring(a, 1) as b | substring(a, 1, 2) as c",
]


@pytest.mark.parametrize("source", VALID)
def test_valid(source: str) -> None:
    query = parse(source)
    assert check(query, source) is query


@pytest.mark.parametrize("source", [t for t, _ in STAGE_CASES])
def test_parser_inputs_check_or_raise_compile_errors(source: str) -> None:
    # The parser's own table includes deliberately invalid stages (json auto, csv nodrop, ...).
    try:
        compile_check(source)
    except FerCompileError:
        pass


def test_length_limit_counts_characters() -> None:
    source = 'where a = "' + "é" * (16_384 - 12) + '"'
    assert len(source) == 16_384 and len(source.encode()) > 16_384
    compile_check(source)


def test_length_error_points_past_the_limit() -> None:
    source = "where a = 1" + " " * 16_380
    with pytest.raises(FerCompileError) as info:
        check_length(source)
    assert (info.value.line, info.value.column) == (1, 16_385)
