"""fer.values: conversion, rendering, truth, comparisons, arithmetic (language.md §2, §7)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer import values as v

TO_NUMBER = [
    ("12", 12.0),
    ("  -3 ", -3.0),
    ("+4", 4.0),
    ("1.5", 1.5),
    (".5", 0.5),
    ("5.", 5.0),
    ("3.14e+4", 31400.0),
    ("1E-2", 0.01),
    ("\t7\n", 7.0),
    (2.5, 2.5),
    ("", None),
    (" ", None),
    ("0x1F", None),
    ("NaN", None),
    ("nan", None),
    ("Infinity", None),
    ("inf", None),
    ("1_000", None),
    ("1,000", None),
    ("10k", None),
    ("1.5s", None),
    ("e5", None),
    (".", None),
    ("+", None),
    ("1e", None),
    ("١٢", None),  # Arabic-Indic digits: float() takes them, the language does not
    (True, None),
    (False, None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), TO_NUMBER)
def test_to_number(value: v.Value, expected: float | None) -> None:
    assert v.to_number(value) == expected


FORMAT = [
    (310.0, "310"),
    (-0.0, "0"),
    (0.5, "0.5"),
    (-2.0, "-2"),
    (1e20, "1e+20"),
    (1e15, "1000000000000000"),
    (2.0**63, "9.223372036854776e+18"),
    (-(2.0**63), "-9.223372036854776e+18"),
    (2.0**62, "4611686018427387904"),
    (0.1 + 0.2, "0.30000000000000004"),
    (1e-7, "1e-07"),
    (math.inf, "inf"),
]


@pytest.mark.parametrize(("x", "expected"), FORMAT)
def test_format_number(x: float, expected: str) -> None:
    assert v.format_number(x) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("abc", "abc"), ("", ""), (3.0, "3"), (2.5, "2.5"), (True, "true"), (False, "false"), (None, None)],
)
def test_render_and_as_text(value: v.Value, expected: str | None) -> None:
    assert v.render(value) == expected
    assert v.as_text(value) == expected


TRUTH = [
    (True, True),
    (False, False),
    ("true", True),
    (" TRUE ", True),
    ("False", False),
    ("\tfalse\n", False),
    ("yes", None),
    ("", None),
    ("1", None),
    (1.0, None),
    (0.0, None),
    (None, None),
]


@pytest.mark.parametrize(("value", "expected"), TRUTH)
def test_truth(value: v.Value, expected: bool | None) -> None:
    assert v.truth(value) is expected


THREE = [True, False, None]


@pytest.mark.parametrize("a", THREE)
@pytest.mark.parametrize("b", THREE)
def test_three_valued_logic(a: bool | None, b: bool | None) -> None:
    # Kleene logic as the ordering False < None < True: and = min, or = max.
    rank = {False: 0, None: 1, True: 2}
    back = {0: False, 1: None, 2: True}
    assert v.logical_and(a, b) is back[min(rank[a], rank[b])]
    assert v.logical_or(a, b) is back[max(rank[a], rank[b])]


def test_logical_not() -> None:
    assert v.logical_not(True) is False
    assert v.logical_not(False) is True
    assert v.logical_not(None) is None


EQUALS = [
    ("a", "a", True),
    ("a", "A", False),
    ("1", "1.0", False),  # two strings compare as text
    (1.0, "1.0", True),  # a number on one side: numeric
    ("1.0", 1.0, True),
    (1.0, " 1 ", True),
    (1.0, 1.0, True),
    (1.0, 2.0, False),
    (1.0, "x", False),
    (3.0, "3", True),
    (2.5, "abc", False),
    (True, "true", True),
    (True, "TRUE", False),
    (True, 1.0, False),
    (True, True, True),
    (None, None, False),
    (None, "a", False),
    ("a", None, False),
]


@pytest.mark.parametrize(("a", "b", "expected"), EQUALS)
def test_equals(a: v.Value, b: v.Value, expected: bool) -> None:
    assert v.equals(a, b) is expected
    if a is None or b is None:
        assert v.not_equals(a, b) is False
    else:
        assert v.not_equals(a, b) is (not expected)


ORDER = [
    ("<", "2", "10", True),  # both convert: numeric
    ("<", "b", "a", False),
    ("<", "10", "9x", True),  # text: "1" < "9"
    (">", 3.0, "2.5", True),
    ("<=", "1", 1.0, True),
    (">=", "a", "a", True),
    ("<", None, "1", False),
    (">", "1", None, False),
    ("<", True, "u", True),  # booleans compare as their text
]


@pytest.mark.parametrize(("op", "a", "b", "expected"), ORDER)
def test_order(op: str, a: v.Value, b: v.Value, expected: bool) -> None:
    assert v.order(op, a, b) is expected


def test_order_rejects_unknown_operator() -> None:
    with pytest.raises(ValueError):
        v.order("==", "a", "b")


ARITH = [
    ("+", "2", "3", 5.0),
    ("+", 2.0, "x", None),
    ("-", "10", 4.0, 6.0),
    ("*", " 1.5 ", "2", 3.0),
    ("/", "1", "4", 0.25),
    ("/", "1", "0", None),
    ("/", "1", "-0", None),
    ("%", "-7", "3", -1.0),
    ("%", "7", "-3", 1.0),
    ("%", "7.5", "2", 1.5),
    ("%", "7", "0", None),
    ("+", True, 1.0, None),
    ("+", 1.0, False, None),
    ("+", None, 1.0, None),
    ("-", 1.0, None, None),
]


@pytest.mark.parametrize(("op", "a", "b", "expected"), ARITH)
def test_arith(op: str, a: v.Value, b: v.Value, expected: float | None) -> None:
    assert v.arith(op, a, b) == expected


def test_modulo_of_infinity_is_null() -> None:
    assert v.arith("%", math.inf, 2.0) is None


def test_negate() -> None:
    assert v.negate("3") == -3.0
    assert v.negate(2.5) == -2.5
    assert v.negate("x") is None
    assert v.negate(True) is None
    assert v.negate(None) is None


def test_is_number() -> None:
    assert v.is_number(1.0)
    assert not v.is_number(True)
    assert not v.is_number("1")
    assert not v.is_number(None)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_render_round_trip_is_stable(x: float) -> None:
    text = v.format_number(x)
    back = v.to_number(text)
    assert back == x
    assert back is not None and v.render(back) == text


@given(st.integers(min_value=-(2**53), max_value=2**53))
def test_integers_render_without_fraction(n: int) -> None:
    assert v.format_number(float(n)) == str(n)
