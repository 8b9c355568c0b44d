"""String functions: concat, substring, toLowerCase, toUpperCase, trim, length, replace.

Arguments are values; strings functions see numbers and booleans as their rendered text
(`concat("a", 4)` is "a4"). Null in gives null out unless the documentation says otherwise
(concat treats null as empty; length(null) is 0).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from fer.functions.registry import function
from fer.values import Value, as_text, to_number

__all__ = [
    "concat",
    "substring",
    "to_lower_case",
    "to_upper_case",
    "trim",
    "length",
    "replace",
    "replace_regex",
    "check_replacement",
]

# Java's String.trim(): every character up to U+0020, control characters included.
_TRIM_CHARS = "".join(chr(c) for c in range(0x21))


@function(
    "concat",
    usage="concat(a, b[, …])",
    summary="the texts of 2 to 16 values end to end; null counts as empty",
    min_args=2,
    max_args=16,
    examples=(
        (("time", 4.0, "logs"), "time4logs"),
        (("time", " ", 4.0, " ", "logs"), "time 4 logs"),
        (("a", None, "b"), "ab"),
        ((None, None), ""),
        ((True, 2.5), "true2.5"),
    ),
)
def concat(*parts: Value) -> str:
    return "".join(t for t in map(as_text, parts) if t is not None)


def _offset(v: Value) -> int | None:
    # Offsets are integers; a fractional number is truncated as Java's (int) cast would.
    x = to_number(v)
    if x is None or x != x or x in (float("inf"), float("-inf")):
        return None
    return int(x)


@function(
    "substring",
    usage="substring(s, start[, end])",
    summary="the characters from start (0-based) up to end (exclusive, clipped to the length)",
    min_args=2,
    max_args=3,
    examples=(
        (("Hello world!", 6.0), "world!"),
        (("Sumo Logic", 0.0, 4.0), "Sumo"),
        (("Sumo Logic", 0.0, 100.0), "Sumo Logic"),
        (("Sumo Logic", "5", "7"), "Lo"),
        (("abc", 3.0), ""),
        (("Hello world", -1.0), None),
        (("Hello world", 3.0, 2.0), None),
        (("abc", 4.0), None),
        ((None, 0.0), None),
        ((12345.0, 1.0, 3.0), "23"),
    ),
)
def substring(s: Value, start: Value, end: Value = None) -> str | None:
    text = as_text(s)
    first = _offset(start)
    if text is None or first is None or first < 0 or first > len(text):
        return None
    if end is None:
        return text[first:]
    last = _offset(end)
    if last is None or last < first:
        return None
    return text[first:last]


@function(
    "toLowerCase",
    usage="toLowerCase(s)",
    summary="the text in lower case",
    min_args=1,
    examples=((("Hello World",), "hello world"), ((None,), None), ((True,), "true")),
)
def to_lower_case(s: Value) -> str | None:
    text = as_text(s)
    return None if text is None else text.lower()


@function(
    "toUpperCase",
    usage="toUpperCase(s)",
    summary="the text in upper case",
    min_args=1,
    examples=((("Hello World",), "HELLO WORLD"), ((None,), None)),
)
def to_upper_case(s: Value) -> str | None:
    text = as_text(s)
    return None if text is None else text.upper()


@function(
    "trim",
    usage="trim(s)",
    summary="the text without leading and trailing spaces (and control characters)",
    min_args=1,
    examples=(((" Hello World  ",), "Hello World"), (("\t x \r\n",), "x"), (("\u00a0x",), "\u00a0x"), ((None,), None)),
)
def trim(s: Value) -> str | None:
    text = as_text(s)
    return None if text is None else text.strip(_TRIM_CHARS)


@function(
    "length",
    usage="length(s)",
    summary="the number of characters in the text (0 for null)",
    min_args=1,
    examples=((("abc",), 3.0), (("",), 0.0), ((None,), 0.0), (("héllo",), 5.0), ((310.0,), 3.0)),
    returns_number=True,
)
def length(s: Value) -> float:
    text = as_text(s)
    return 0.0 if text is None else float(len(text))


@function(
    "replace",
    usage='replace(s, "old", "new")',
    summary="every occurrence of old replaced by new (or of /regex/, with $1 and ${name})",
    min_args=3,
    examples=(
        (("a.b.c", ".", "->"), "a->b->c"),
        (("module_name_x", "_", " "), "module name x"),
        (("abc", "z", "y"), "abc"),
        ((None, "a", "b"), None),
        (("abc", None, "b"), None),
        (("abc", "b", None), None),
        (("aaa", "a", ""), ""),
    ),
)
def replace(s: Value, old: Value, new: Value) -> str | None:
    text, o, n = as_text(s), as_text(old), as_text(new)
    if text is None or o is None or n is None:
        return None
    return text.replace(o, n)


def _compile_replacement(template: str, pattern: re.Pattern[str]) -> Callable[[re.Match[str]], str] | str:
    """A function building the replacement text for one match, or an error message."""
    parts: list[str | int] = []
    literal: list[str] = []
    i = 0
    n = len(template)
    while i < n:
        c = template[i]
        if c == "\\":
            if i + 1 >= n:
                return "a replacement cannot end with a backslash"
            literal.append(template[i + 1])
            i += 2
            continue
        if c != "$":
            literal.append(c)
            i += 1
            continue
        if i + 1 < n and template[i + 1] == "{":
            end = template.find("}", i + 2)
            name = template[i + 2 : end] if end > 0 else ""
            if not name or name not in pattern.groupindex:
                return f"no group named {name!r} in the regex" if name else "bad ${name} reference"
            ref = pattern.groupindex[name]
            i = end + 1
        elif i + 1 < n and template[i + 1].isdigit() and template[i + 1].isascii():
            # Java reads as many digits as still name an existing group: with 3 groups, "$12" is
            # group 1 followed by the text "2".
            ref = int(template[i + 1])
            if ref > pattern.groups:
                return f"no group {ref} in the regex"
            i += 2
            while i < n and template[i].isdigit() and template[i].isascii():
                longer = ref * 10 + int(template[i])
                if longer > pattern.groups:
                    break
                ref = longer
                i += 1
        else:
            return "a $ in a replacement starts a group reference ($1, ${name}); write \\$ for a dollar"
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(ref)
    if literal:
        parts.append("".join(literal))
    frozen = tuple(parts)

    def build(m: re.Match[str]) -> str:
        return "".join(p if type(p) is str else (m.group(p) or "") for p in frozen)  # type: ignore[arg-type]

    if all(type(p) is str for p in frozen):
        text = "".join(frozen)  # type: ignore[arg-type]
        return lambda _m: text
    return build


@functools.lru_cache(maxsize=256)
def _cached_replacement(template: str, pattern: re.Pattern[str]) -> Callable[[re.Match[str]], str] | str:
    return _compile_replacement(template, pattern)


def check_replacement(template: str, pattern: re.Pattern[str]) -> str | None:
    """An error message when `template` is not a valid replacement for `pattern`, else None.

    For the checker: a literal replacement can be validated at compile time.
    """
    built = _cached_replacement(template, pattern)
    return built if isinstance(built, str) else None


def replace_regex(s: Value, compiled: re.Pattern[str], replacement: Value) -> str | None:
    """`replace(s, /re/, "…$1…${name}…")`: every match replaced; null in, null out.

    An invalid replacement template (a reference to a group that does not exist) gives null: Java
    would throw, and at ingest a rule must not fail on one message.
    """
    text = as_text(s)
    template = as_text(replacement)
    if text is None or template is None:
        return None
    build = _cached_replacement(template, compiled)
    if isinstance(build, str):
        return None
    return compiled.sub(build, text)
