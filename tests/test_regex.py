"""fer.regex: Java/RE2 patterns translated to Python `re` (language.md §3.2, §7)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer.regex import RegexError, search_groups, translate

TRANSLATIONS = [
    (r"(?<user>\w+)", r"(?P<user>\w+)"),
    (r"(?P<user>\w+)", r"(?P<user>\w+)"),
    (r"(?<=a)b(?<!c)", r"(?<=a)b(?<!c)"),
    (r"(?<q>['\"])x\k<q>", r"(?P<q>['\"])x(?P=q)"),
    (r"\Qa.b*\E+", r"a\.b\*+"),
    (r"\Qno end", r"no\ end"),
    (r"a\z", r"a\Z"),
    (r"a\Z", r"a(?=\n?\Z)"),
    (r"a*+b++c?+d{2}+", r"a*+b++c?+d{2}+"),
    (r"(?>ab|a)c", r"(?>ab|a)c"),
    (r"a(?i)b|c", r"a(?i:b)|(?i:c)"),
    (r"(a(?i)b|c)d", r"(a(?i:b)|(?i:c))d"),
    (r"a(?i)b(?s)c|d", r"a(?i:b(?s:c))|(?i:(?s:d))"),
    (r"(?i)abc", r"(?i)abc"),
    (r"(?i)(?s)abc", r"(?i)(?s)abc"),
    (r"(?-i)abc", r"(?-i:abc)"),
    (r"(?i:x)y", r"(?i:x)y"),
    (r"(?d)x", r"x"),
    (r"[(|)]+", r"[(\|)]+"),
    (r"[]a]", r"[\]a]"),
    (r"[^]a]", r"[^\]a]"),
    (r"[a-z[0-9]]", r"[a-z0-9]"),
    (r"[\]\\(]", r"[\]\\(]"),
    (r"[\Q]-\E]", r"[\]\-]"),
    (r"\e\x{41}\0101", r"\x1b\U00000041\x41"),
    (r"(?#comment)a", r"a"),
    (r"(?x) a # (not a group\n b", "(?x) a # (not a group\\n b"),
    (r"\d\w\s\b", r"\d\w\s\b"),
]


@pytest.mark.parametrize(("java", "python"), TRANSLATIONS)
def test_translation(java: str, python: str) -> None:
    assert translate(java).python == python


MATCHES = [
    (r"reported:\s(?<exception>(?i)error)\s", "reported: ERROR x", {"exception": "ERROR"}),
    (r"reported:\s(?<exception>(?i)error)\s", "reported: Error x", {"exception": "Error"}),
    (r"reported:\s(?<exception>(?i)error)\s", "REPORTED: error x", None),
    (r"a(?i)b|c", "C", {}),
    (r"^a(?i)b|c$", "aB", {}),
    (r"^a(?i)b|c$", "AB", None),
    (r"(?<d>\d+)", "x١٢3", {"d": "3"}),  # \d is ASCII-only
    (r"(?<w>\w+)", "é_a", {"w": "_a"}),
    (r"(?i)(?<k>é)", "É", None),  # case-insensitivity is ASCII-only
    (r"(?<a>x)|(?<b>y)", "y", {"a": None, "b": "y"}),
    (r"(?<h>a\hb)", "a\u00a0b", {"h": "a\u00a0b"}),
    (r"(?<z>end)\Z", "the end\n", {"z": "end"}),
    (r"(?<z>end)\z", "the end\n", None),
]


@pytest.mark.parametrize(("java", "text", "groups"), MATCHES)
def test_search(java: str, text: str, groups: dict[str, str | None] | None) -> None:
    assert search_groups(translate(java).compiled, text) == groups


def test_names_and_unnamed_groups() -> None:
    t = translate(r"(?<First>a)(b)(?:c)(?P<second>d)(e)(?=f)")
    assert t.names == ("First", "second")
    assert t.unnamed_groups == 2
    assert t.source == r"(?<First>a)(b)(?:c)(?P<second>d)(e)(?=f)"
    assert t.compiled.flags & re.ASCII


def test_translate_is_cached() -> None:
    assert translate(r"(?<x>y)") is translate(r"(?<x>y)")


ERRORS = [
    (r"(?<n>\p{L}+)", 5, r"\p"),
    (r"ab\P{Lu}", 2, r"\P"),
    (r"(?<n>a", 0, "missing )"),
    (r"a)", 1, "unbalanced"),
    (r"[abc", 0, "character class"),
    (r"[a&&[b]]", 2, "intersection"),
    (r"x(?<1a>y)", 4, "group name"),
    (r"ab(?<n>c)(?<n>d)", 13, "redefinition"),
    (r"abc\y", 3, "bad escape"),
    (r"ab*?+*", 4, "multiple repeat"),
    (r"(?q)", 2, "flag"),
    (r"\Gx", 0, r"\G"),
]


@pytest.mark.parametrize(("java", "offset", "fragment"), ERRORS)
def test_errors(java: str, offset: int, fragment: str) -> None:
    with pytest.raises(RegexError) as info:
        translate(java)
    assert fragment in info.value.message
    assert info.value.offset == offset


def test_search_groups_of_null() -> None:
    assert search_groups(translate("(?<a>x)").compiled, None) is None


@given(st.text(alphabet="ab()[]|?*+\\<>:=!^$.{}0-9iPQEkz", max_size=16))
def test_any_pattern_translates_or_raises_regex_error(pattern: str) -> None:
    try:
        t = translate(pattern)
    except RegexError as exc:
        assert 0 <= exc.offset <= len(pattern)
    else:
        assert isinstance(t.compiled, re.Pattern)


@given(st.from_regex(r"[a-z0-9 .,-]{0,12}", fullmatch=True), st.text(alphabet="ab0 .,-", max_size=20))
def test_plain_patterns_are_unchanged(pattern: str, text: str) -> None:
    t = translate(pattern)
    assert t.python == pattern
    assert (t.compiled.search(text) is None) == (re.search(pattern, text, re.ASCII) is None)
