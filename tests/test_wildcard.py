"""fer.wildcard: `matches "pattern"` (language.md §4)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fer.wildcard import make_wildcard_matcher, wildcard_match, wildcard_regex

CASES = [
    ("abc", "abc", True),
    ("abc", "abcd", False),
    ("abc", "ABC", False),
    ("", "", True),
    ("", "a", False),
    ("*", "", True),
    ("*", "anything\nat all", True),
    ("**", "x", True),
    ("10.*", "10.0.0.1", True),
    ("10.*", "110.0.0.1", False),
    ("*.com", "a.b.com", True),
    ("*.com", "a.b.com.au", False),
    ("*err*", "an error", True),
    ("*err*", "an ERROR", False),
    ("a*c", "abc", True),
    ("a*c", "ac", True),
    ("a*c", "a", False),
    ("aa*aa", "aaa", False),
    ("aa*aa", "aaaa", True),
    ("a*b*c", "a\nb\nc", True),
    ("a*b*c", "acb", False),
    ("*a*b*", "xxbxxaxx", False),
    ("a.b*", "axb", False),  # `.` is literal
    ("[x]*", "[x]y", True),
    ("a*ab*b", "ab", False),
    ("a*ab*b", "aabb", True),
]


@pytest.mark.parametrize(("pattern", "value", "expected"), CASES)
def test_matches(pattern: str, value: str, expected: bool) -> None:
    assert make_wildcard_matcher(pattern)(value) is expected
    assert wildcard_match(value, pattern) is expected


@settings(max_examples=1000)
@given(st.text(alphabet="ab*\n.", max_size=8), st.text(alphabet="ab\n.", max_size=12))
def test_agrees_with_regex(pattern: str, value: str) -> None:
    expected = re.fullmatch(wildcard_regex(pattern), value, re.DOTALL) is not None
    assert make_wildcard_matcher(pattern)(value) is expected


def test_linear_on_long_failing_input() -> None:
    matcher = make_wildcard_matcher("*a*a*a*a*a*a*a*b")
    started = time.perf_counter()
    assert matcher("a" * 200_000) is False
    assert time.perf_counter() - started < 0.5
