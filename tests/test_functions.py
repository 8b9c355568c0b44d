"""fer.functions: the function library (language.md §4, §7); every spec example runs here."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer.functions import (
    FUNCTIONS,
    FunctionSpec,
    check_replacement,
    contains,
    in_list,
    lookup,
    replace_regex,
    suggest,
)
from fer.functions.encoding import urldecode, urlencode
from fer.functions.numbers import round_
from fer.regex import translate
from fer.values import Value

SPECIALS = [lookup("if"), lookup("contains")]
ALL_SPECS: list[FunctionSpec] = [*FUNCTIONS.values(), *(s for s in SPECIALS if s is not None)]
EXAMPLES = [
    pytest.param(spec, example.args, example.result, id=f"{spec.name}{example.args!r}")
    for spec in ALL_SPECS
    for example in spec.examples
]


def same(a: Value, b: Value) -> bool:
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(("spec", "args", "result"), EXAMPLES)
def test_examples(spec: FunctionSpec, args: tuple[Value, ...], result: Value) -> None:
    assert same(spec.impl(*args), result)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=lambda s: s.name)
def test_specs_are_consistent(spec: FunctionSpec) -> None:
    assert spec.examples, "every function carries examples"
    assert 0 <= spec.min_args <= spec.max_args
    assert spec.usage.startswith(spec.name + "(")
    assert spec.summary
    for example in spec.examples:
        assert spec.min_args <= len(example.args) <= spec.max_args
        if spec.returns_number:
            assert example.result is None or type(example.result) is float


REQUIRED = [
    "isNull", "isEmpty", "isBlank", "isNumeric", "isValidIP", "isValidIPv4", "isValidIPv6",
    "isPrivateIP", "isPublicIP", "compareCIDRPrefix", "concat", "substring", "toLowerCase",
    "toUpperCase", "trim", "length", "replace", "urldecode", "urlencode", "base64Decode",
    "base64Encode", "parseHex", "num", "number", "toLong", "abs", "round", "ceil", "floor", "min", "max",
]  # fmt: skip


@pytest.mark.parametrize("name", REQUIRED)
def test_required_functions_exist(name: str) -> None:
    spec = lookup(name)
    assert spec is not None and spec.name == name
    assert lookup(name.upper()) == spec
    assert FUNCTIONS[name.lower()] == spec


ARITY = [("if", 3, 3), ("contains", 2, 2), ("concat", 2, 16), ("substring", 2, 3), ("min", 2, 2),
         ("max", 2, 2), ("round", 1, 1), ("base64Decode", 1, 2), ("compareCIDRPrefix", 3, 3)]  # fmt: skip


@pytest.mark.parametrize(("name", "low", "high"), ARITY)
def test_arity(name: str, low: int, high: int) -> None:
    spec = lookup(name)
    assert spec is not None and (spec.min_args, spec.max_args) == (low, high)


def test_if_and_contains_are_not_library_functions() -> None:
    assert "if" not in FUNCTIONS and "contains" not in FUNCTIONS
    assert lookup("If") is not None


def test_unknown_and_suggestions() -> None:
    assert lookup("nosuch") is None
    assert suggest("tolowercas") == "toLowerCase"
    assert suggest("substr") == "substring"
    assert suggest("isvalidipv") in ("isValidIPv4", "isValidIPv6")
    assert suggest("xyzzy") is None


def test_returns_number_flags() -> None:
    numeric = {s.name for s in FUNCTIONS.values() if s.returns_number}
    assert numeric == {"num", "number", "toLong", "length", "parseHex", "abs", "round", "ceil", "floor", "min", "max"}


REPLACE_REGEX = [
    ("http://somewebsite.com/flight/12345678/certification", r"[0-9]{5,}", "", "http://somewebsite.com/flight//certification"),
    ("http://somewebsite.com/flight/12345678/certification", r"(flight)\/([0-9]{5,})", "new-$2-url",
     "http://somewebsite.com/new-12345678-url/certification"),
    ("flight/12345", r"(?<section>flight)\/(?<id>[0-9]{5,})", "${id}:${section}", "12345:flight"),
    ("a1b2", r"[0-9]", "<$0>", "a<1>b<2>"),
    ("ab", r"(a)", "$12", "a2b"),  # one group: "$12" is group 1, then "2"
    ("cost", r"cost", "\\$5", "$5"),
    ("x", r"x", "\\\\", "\\"),
    ("ab", r"(a)|(b)", "[$2]", "[][b]"),  # a group that did not take part is empty
    ("no match", r"zzz", "y", "no match"),
    ("aaa", r"a*", "-", "--"),  # Python's re: empty matches adjacent to a previous match count too
]  # fmt: skip


@pytest.mark.parametrize(("text", "pattern", "replacement", "expected"), REPLACE_REGEX)
def test_replace_regex(text: str, pattern: str, replacement: str, expected: str) -> None:
    compiled = translate(pattern).compiled
    assert check_replacement(replacement, compiled) is None
    assert replace_regex(text, compiled, replacement) == expected


@pytest.mark.parametrize("replacement", ["$2", "${nope}", "$", "cost $", "a\\", "$x"])
def test_bad_replacements(replacement: str) -> None:
    compiled = translate(r"(a)").compiled
    assert check_replacement(replacement, compiled)
    assert replace_regex("abc", compiled, replacement) is None


def test_replace_regex_with_null() -> None:
    compiled = translate(r"a").compiled
    assert replace_regex(None, compiled, "b") is None
    assert replace_regex("a", compiled, None) is None
    assert replace_regex(12.0, translate("1").compiled, "x") == "x2"


CONTAINS = [("hello", "ell", True), ("hello", "ELL", False), ("", "", True), (None, "", False), ("a", None, False)]


@pytest.mark.parametrize(("a", "b", "expected"), CONTAINS)
def test_contains(a: Value, b: Value, expected: bool) -> None:
    assert contains(a, b) is expected


IN_LIST = [
    ("a", ("a", "b"), True),
    ("c", ("a", "b"), False),
    ("A", ("a",), False),
    ("1.0", (1.0,), True),  # numeric: a number on one side
    ("1.0", ("1",), False),  # two strings: text
    (None, ("a", None), False),
    ("a", (), False),
]


@pytest.mark.parametrize(("value", "options", "expected"), IN_LIST)
def test_in_list(value: Value, options: tuple[Value, ...], expected: bool) -> None:
    assert in_list(value, options) is expected


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False))
def test_round_is_java_half_up(x: float) -> None:
    result = round_(x)
    assert result is not None
    assert result == math.floor(x) or result == math.floor(x) + 1
    assert abs(result - x) <= 0.5
    if abs(result - x) == 0.5:
        assert result > x  # ties go up


@given(st.text(max_size=20))
def test_url_round_trip(text: str) -> None:
    if any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return  # lone surrogates have no UTF-8 form
    assert urldecode(urlencode(text)) == text


@pytest.mark.parametrize("spec", list(FUNCTIONS.values()), ids=lambda s: s.name)
def test_functions_never_raise_on_odd_values(spec: FunctionSpec) -> None:
    odd: list[Value] = [None, "", " ", "x", "-1", "1e400", True, False, 0.0, -1.5, math.inf, 1e300, "%", "é"]
    for value in odd:
        args = [value] * spec.min_args
        spec.impl(*args)
        if spec.max_args > spec.min_args:
            spec.impl(*args, value)
