"""Number functions: num/number, toLong, abs, round, ceil, floor, min, max, parseHex.

All return a float (numbers are float64 in the language) or None when an argument is not a number
(language.md §2, §7). Non-finite values never reach `math.floor`/`trunc`, which would raise.
"""

from __future__ import annotations

import math
import re

from fer.functions.registry import function
from fer.values import Value, to_number

__all__ = ["num", "to_long", "abs_", "round_", "ceil", "floor", "min_", "max_", "parse_hex"]


@function(
    "num",
    usage="num(s)",
    summary="the value as a number (null when it is not a decimal number); converts in place without `as`",
    min_args=1,
    examples=((("12",), 12.0), ((" 1.5e2 ",), 150.0), (("0x1F",), None), (("abc",), None), ((None,), None)),
    aliases=("number",),
    returns_number=True,
)
def num(s: Value) -> float | None:
    return to_number(s)


@function(
    "toLong",
    usage="toLong(s)",
    summary="the value as a whole number, truncated toward zero",
    min_args=1,
    examples=((("12.9",), 12.0), (("-12.9",), -12.0), (("7",), 7.0), (("x",), None)),
    returns_number=True,
)
def to_long(s: Value) -> float | None:
    x = to_number(s)
    if x is None or not math.isfinite(x):
        return None
    return float(math.trunc(x))


@function(
    "abs",
    usage="abs(x)",
    summary="the absolute value",
    min_args=1,
    examples=((("-3",), 3.0), ((2.5,), 2.5), (("x",), None)),
    returns_number=True,
)
def abs_(x: Value) -> float | None:
    n = to_number(x)
    return None if n is None else abs(n)


@function(
    "round",
    usage="round(x)",
    summary="the nearest whole number, halves rounded up (Java's Math.round: round(-2.5) = -2)",
    min_args=1,
    examples=(
        (("2.5",), 3.0),
        (("-2.5",), -2.0),
        (("2.4",), 2.0),
        (("-2.6",), -3.0),
        ((0.49999999999999994,), 0.0),
        (("x",), None),
    ),
    returns_number=True,
)
def round_(x: Value) -> float | None:
    n = to_number(x)
    if n is None or not math.isfinite(n):
        return n
    # floor(n + 0.5) would round 0.49999999999999994 up (the sum rounds to 1.0); compare the
    # fraction instead, which is exact.
    low = math.floor(n)
    return float(low + 1 if n - low >= 0.5 else low)


@function(
    "ceil",
    usage="ceil(x)",
    summary="the smallest whole number not below x",
    min_args=1,
    examples=((("1.2",), 2.0), (("-1.2",), -1.0), (("x",), None)),
    returns_number=True,
)
def ceil(x: Value) -> float | None:
    n = to_number(x)
    if n is None or not math.isfinite(n):
        return n
    return float(math.ceil(n))


@function(
    "floor",
    usage="floor(x)",
    summary="the largest whole number not above x",
    min_args=1,
    examples=((("1.8",), 1.0), (("-1.2",), -2.0), (("x",), None)),
    returns_number=True,
)
def floor(x: Value) -> float | None:
    n = to_number(x)
    if n is None or not math.isfinite(n):
        return n
    return float(math.floor(n))


@function(
    "min",
    usage="min(a, b)",
    summary="the smaller of two numbers",
    min_args=2,
    examples=((("3", "10"), 3.0), ((2.0, "-1"), -1.0), (("3", None), None)),
    returns_number=True,
)
def min_(a: Value, b: Value) -> float | None:
    x, y = to_number(a), to_number(b)
    if x is None or y is None:
        return None
    return x if x <= y else y


@function(
    "max",
    usage="max(a, b)",
    summary="the larger of two numbers",
    min_args=2,
    examples=((("3", "10"), 10.0), ((2.0, "-1"), 2.0), (("x", "1"), None)),
    returns_number=True,
)
def max_(a: Value, b: Value) -> float | None:
    x, y = to_number(a), to_number(b)
    if x is None or y is None:
        return None
    return x if x >= y else y


_HEX = re.compile(r"(?:0[xX])?([0-9A-Fa-f]{1,16})")


@function(
    "parseHex",
    usage="parseHex(s)",
    summary="the number written in hexadecimal (up to 16 digits, optional 0x; 16 digits are a signed 64-bit value)",
    min_args=1,
    examples=(
        (("12D230",), 1233456.0),
        (("0xABCD",), 43981.0),
        (("ff",), 255.0),
        (("FFFFFFFFFFFFFFFF",), -1.0),
        (("7FFFFFFFFFFFFFFF",), 9223372036854775807.0),
        (("11112222333344445",), None),
        (("0x",), None),
        (("xyz",), None),
        ((None,), None),
    ),
    returns_number=True,
)
def parse_hex(s: Value) -> float | None:
    if type(s) is not str:
        return None
    m = _HEX.fullmatch(s.strip())
    if m is None:
        return None
    value = int(m.group(1), 16)
    # Sixteen digits fill a Java long: the top bit is the sign (two's complement).
    if value >= 1 << 63:
        value -= 1 << 64
    return float(value)
