"""Wildcard patterns of `s matches "pattern"` (language.md §4): whole-string, `*` = any run.

Every character but `*` is literal and case-sensitive; `*` matches any run, newlines included. Most
patterns have a shape a `str` method answers without a regex (`abc*` is `startswith`, ~40 ns against
~250 ns for a compiled `re.fullmatch`), so the matcher is specialised by shape.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = ["make_wildcard_matcher", "wildcard_match", "wildcard_regex"]


def wildcard_regex(pattern: str) -> str:
    """The regex source (to be used with DOTALL and fullmatch) equivalent to a wildcard pattern."""
    return ".*".join(re.escape(piece) for piece in pattern.split("*"))


def make_wildcard_matcher(pattern: str) -> Callable[[str], bool]:
    """A predicate telling whether a whole string matches `pattern`."""
    if "*" not in pattern:
        return pattern.__eq__
    collapsed = re.sub(r"\*+", "*", pattern)  # `a**b` is `a*b`
    inner = collapsed.strip("*")
    if "*" not in inner:
        starts = collapsed.startswith("*")
        ends = collapsed.endswith("*")
        if not inner:
            return _always
        if starts and ends:
            return lambda s: inner in s
        if ends:
            return lambda s: s.startswith(inner)
        if starts:
            return lambda s: s.endswith(inner)
    return _scanner(collapsed.split("*"))


def _scanner(pieces: list[str]) -> Callable[[str], bool]:
    """Prefix, suffix, then each middle piece at its first occurrence in between.

    Placing every middle piece as far left as possible can only leave more room for the rest, so the
    scan is exact and linear. The equivalent regex `a.*b.*c` backtracks polynomially on failing
    input (the trap language.md §3.1 describes for anchors), so it is not used here.
    """
    head, tail, middle = pieces[0], pieces[-1], pieces[1:-1]
    need = sum(len(p) for p in pieces)

    def match(s: str) -> bool:
        if len(s) < need or not s.startswith(head) or not s.endswith(tail):
            return False
        pos = len(head)
        end = len(s) - len(tail)
        for piece in middle:
            found = s.find(piece, pos, end)
            if found < 0:
                return False
            pos = found + len(piece)
        return True

    return match


def _always(_s: str) -> bool:
    return True


@functools.lru_cache(maxsize=4096)
def _cached_matcher(pattern: str) -> Callable[[str], bool]:
    return make_wildcard_matcher(pattern)


def wildcard_match(value: str, pattern: str) -> bool:
    """`value matches pattern` for a pattern known only at run time (`s matches field`)."""
    return _cached_matcher(pattern)(value)
