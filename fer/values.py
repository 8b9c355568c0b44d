"""Runtime values: number conversion, rendering, three-valued truth, comparisons and arithmetic.

Shared by the reference evaluator and by generated code (language.md §2 and §7). Expression values are
`str | float | bool | None`; a field holds `str | None`. Every function here is total: bad input gives
None (or False for comparisons), never an exception, because these run once per message.
"""

from __future__ import annotations

import math
import re
from typing import Final

__all__ = [
    "Value",
    "to_number",
    "format_number",
    "render",
    "as_text",
    "truth",
    "logical_and",
    "logical_or",
    "logical_not",
    "equals",
    "not_equals",
    "order",
    "arith",
    "negate",
    "is_number",
]

Value = str | float | bool | None

# A decimal number: sign, digits with an optional fraction (or a bare fraction), optional exponent,
# surrounded by optional whitespace (which float() skips itself, so no strip() copy is needed).
# Checked with a regex before float() because float() also takes "nan", "inf", "1_000" and non-ASCII
# digits, and because a failing float() costs an exception (~1 µs) on a hot path.
_DECIMAL: Final = re.compile(r"\s*[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_DECIMAL_MATCH: Final = _DECIMAL.fullmatch

_INT_LIMIT: Final = 2.0**63


def is_number(v: Value) -> bool:
    """True for a float (a number in the language); bools are not numbers."""
    return type(v) is float


def to_number(v: Value) -> float | None:
    """The number a value stands for, or None (bools and null never convert)."""
    if type(v) is float:
        return v
    if type(v) is str:
        if _DECIMAL_MATCH(v) is None:
            return None
        return float(v)
    return None


def format_number(x: float) -> str:
    """Render a number: integral values below 2**63 in magnitude as integers, else shortest repr."""
    if x.is_integer() and -_INT_LIMIT < x < _INT_LIMIT:
        return str(int(x))
    return repr(x)


def render(v: Value) -> str | None:
    """The text stored into a field for a value (null stays null)."""
    if type(v) is str:
        return v
    if v is None:
        return None
    if v is True:
        return "true"
    if v is False:
        return "false"
    return format_number(v)  # type: ignore[arg-type]


def as_text(v: Value) -> str | None:
    """A value as the string functions see it; the same rules as storing it into a field."""
    return render(v)


def truth(v: Value) -> bool | None:
    """Three-valued truth of a condition: the string "true"/"false" (any case, trimmed) counts."""
    if v is True or v is False:
        return v
    if type(v) is str:
        s = v.strip().lower()
        if s == "true":
            return True
        if s == "false":
            return False
    return None


def logical_and(a: bool | None, b: bool | None) -> bool | None:
    """Kleene conjunction: false wins over unknown."""
    if a is False or b is False:
        return False
    if a is True and b is True:
        return True
    return None


def logical_or(a: bool | None, b: bool | None) -> bool | None:
    """Kleene disjunction: true wins over unknown."""
    if a is True or b is True:
        return True
    if a is False and b is False:
        return False
    return None


def logical_not(a: bool | None) -> bool | None:
    """Kleene negation: not unknown is unknown."""
    if a is None:
        return None
    return not a


def equals(a: Value, b: Value) -> bool:
    """`=`: numeric when one side is a number and the other converts, else case-sensitive text."""
    if a is None or b is None:
        return False
    if type(a) is float:
        nb = to_number(b)
        if nb is not None:
            return a == nb
    elif type(b) is float:
        na = to_number(a)
        if na is not None:
            return na == b
    return render(a) == render(b)


def not_equals(a: Value, b: Value) -> bool:
    """`!=`: the negation of `=`, except that any comparison with null is false."""
    if a is None or b is None:
        return False
    return not equals(a, b)


def order(op: str, a: Value, b: Value) -> bool:
    """`<`, `>`, `<=`, `>=`: numeric when both sides convert to numbers, else text order."""
    if a is None or b is None:
        return False
    na = to_number(a)
    nb = to_number(b)
    x: float | str | None
    y: float | str | None
    if na is not None and nb is not None:
        x, y = na, nb
    else:
        x, y = render(a), render(b)
    if op == "<":
        return x < y  # type: ignore[operator]
    if op == ">":
        return x > y  # type: ignore[operator]
    if op == "<=":
        return x <= y  # type: ignore[operator]
    if op == ">=":
        return x >= y  # type: ignore[operator]
    raise ValueError(f"unknown comparison operator {op!r}")


def _arith_operand(v: Value) -> float | None:
    # Booleans are not numbers; a string converts only when it is a decimal number.
    if type(v) is float:
        return v
    if type(v) is str:
        return to_number(v)
    return None


def arith(op: str, a: Value, b: Value) -> float | None:
    """`+ - * / %` over numbers; a non-numeric operand or a zero divisor gives null."""
    x = _arith_operand(a)
    if x is None:
        return None
    y = _arith_operand(b)
    if y is None:
        return None
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        return None if y == 0.0 else x / y
    if op == "%":
        if y == 0.0 or math.isinf(x) or math.isnan(x) or math.isnan(y):
            # Java gives NaN here; math.fmod raises. NaN has no place in a field, so null.
            return None
        # Java's % takes the sign of the dividend (-7 % 3 == -1), which is fmod, not Python's %.
        return math.fmod(x, y)
    raise ValueError(f"unknown arithmetic operator {op!r}")


def negate(a: Value) -> float | None:
    """Unary minus; null for anything that is not a number."""
    x = _arith_operand(a)
    if x is None:
        return None
    return -x
