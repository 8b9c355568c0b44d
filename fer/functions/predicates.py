"""Predicates: isNull, isEmpty, isBlank, isNumeric; `contains`, `in` and `if` (lowered by back ends).

Truth tables follow Sumo's documentation (isnull-isempty-isblank.md, isnumeric.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fer.functions.registry import Example, FunctionSpec, function, register_special
from fer.values import Value, as_text, equals, truth

__all__ = ["is_null", "is_empty", "is_blank", "is_numeric", "contains", "in_list", "if_"]


@function(
    "isNull",
    usage="isNull(s)",
    summary="true when the value is null",
    min_args=1,
    examples=(((None,), True), (("",), False), ((" ",), False), (("bob",), False)),
)
def is_null(s: Value) -> bool:
    return s is None


@function(
    "isEmpty",
    usage="isEmpty(s)",
    summary="true when the value is null or the empty string",
    min_args=1,
    examples=(((None,), True), (("",), True), ((" ",), False), (("bob",), False), ((" bob ",), False)),
)
def is_empty(s: Value) -> bool:
    return s is None or s == ""


@function(
    "isBlank",
    usage="isBlank(s)",
    summary="true when the value is null, empty or only whitespace",
    min_args=1,
    examples=(((None,), True), (("",), True), ((" ",), True), (("\t\n",), True), ((" bob ",), False)),
)
def is_blank(s: Value) -> bool:
    return s is None or (type(s) is str and (s == "" or s.isspace()))


# A Java number as Apache Commons' NumberUtils.isCreatable sees it (what Sumo's isNumeric documents):
# hexadecimal with 0x/0X/#, octal with a leading zero, decimal with fraction and exponent, and a type
# qualifier (L for integers; F or D for any decimal). No surrounding whitespace.
_HEX_NUMBER = re.compile(r"[+-]?(?:0[xX]|#)[0-9A-Fa-f]+")
_OCTAL_LIKE = re.compile(r"[+-]?0.")  # a leading zero, more after it and no point: octal
_OCTAL_NUMBER = re.compile(r"[+-]?0[0-7]+[lL]?")
_DECIMAL_NUMBER = re.compile(r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[fFdD]?|[0-9]+[lL])")


@function(
    "isNumeric",
    usage="isNumeric(s)",
    summary="true when the text is a valid Java number (decimal, 0x hex, octal, 1e5, 123L)",
    min_args=1,
    examples=(
        (("1.56",), True),
        (("1e5",), True),
        (("0x1F",), True),
        (("09",), False),
        (("123L",), True),
        (("abc",), False),
        (("",), False),
        ((" 1",), False),
        ((None,), False),
        ((2.0,), True),
    ),
)
def is_numeric(s: Value) -> bool:
    if type(s) is float:
        return True
    if type(s) is not str or not s:
        return False
    if _HEX_NUMBER.fullmatch(s):
        return True
    if _OCTAL_LIKE.match(s) and "." not in s and not _OCTAL_NUMBER.fullmatch(s):
        # Commons treats a leading zero without a point as octal: "09" is not a number, "0e5" neither.
        return False
    return _DECIMAL_NUMBER.fullmatch(s) is not None


def contains(a: Value, b: Value) -> bool:
    """`a contains b` / `contains(a, b)`: case-sensitive substring test; null is never contained."""
    ta = as_text(a)
    tb = as_text(b)
    if ta is None or tb is None:
        return False
    return tb in ta


def in_list(value: Value, options: Iterable[Value]) -> bool:
    """`value in (a, b, …)`: true when some option equals the value by the `=` rule."""
    if value is None:
        return False
    return any(equals(value, option) for option in options)


def if_(condition: Value, then: Value, otherwise: Value) -> Value:
    """`if(c, a, b)` evaluated eagerly (the back ends lower `if` to a conditional instead)."""
    return then if truth(condition) is True else otherwise


register_special(
    FunctionSpec(
        name="if",
        min_args=3,
        max_args=3,
        usage="if(condition, then, else)",
        summary="then when the condition is true, else otherwise (null conditions take else)",
        examples=(
            Example((True, "a", "b"), "a"),
            Example(("TRUE", "a", "b"), "a"),
            Example((None, "a", "b"), "b"),
            Example((False, "a", "b"), "b"),
        ),
        impl=if_,
        returns_number=False,
    )
)
register_special(
    FunctionSpec(
        name="contains",
        min_args=2,
        max_args=2,
        usage="contains(s, part)",
        summary="true when s contains part (case-sensitive); false with null",
        examples=(
            Example(("hello world", "o w"), True),
            Example(("hello", "H"), False),
            Example((None, "a"), False),
            Example(("a", None), False),
            Example((310.0, "31"), True),
        ),
        impl=contains,
        returns_number=False,
    )
)
