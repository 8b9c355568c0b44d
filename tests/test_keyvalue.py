"""fer.keyvalue: `kv` infer and regex modes (language.md §3.7, §7)."""

from __future__ import annotations

import pytest

from fer.keyvalue import default_name, make_infer_extractor, make_regex_extractor
from fer.regex import translate

INFER = [
    ("user", "user=bob action=login", "bob"),
    ("action", "user=bob action=login", "login"),
    ("user", "user = bob", "bob"),
    ("user", "user: bob", "bob"),
    ("user", "user -> bob", "bob"),
    ("user", "user->bob", "bob"),
    ("user", 'user="Bob Smith" x=1', "Bob Smith"),
    ("user", "user='Bob Smith' x=1", "Bob Smith"),
    ("a", "a=,b=2", ""),
    ("a", "a=", ""),
    ("b", "a=,b=2", "2"),
    ("v", "v=1;w=2", "1"),
    ("v", "v=1&w=2", "1"),
    ("v", "v=1|w=2", "1"),
    ("v", "[v=1]", "1"),
    ("v", "{v:1}", "1"),
    ("v", "(v=1)", "1"),
    ("v", "v=1\tw", "1"),
    ("v", "v=a:b/c", "a:b/c"),
    ("id", "pid=3 id=4", "4"),
    ("id", "_id=3 id=4", "4"),
    ("id", "id_x=3 id=4", "4"),
    ("id", "x.id=5", "5"),
    ("id", "ID=4", None),  # keys are case-sensitive
    ("user", "username=bob", None),
    ("user", "the user logged in; user=bob", "bob"),
    ("user", "no key here", None),
    ("src ip", "src ip=10.0.0.1", "10.0.0.1"),
    ("a.b", "a.b=1 axb=2", "1"),
    ("k", "k=first k=second", "first"),
    ("q", 'q="unterminated', '"unterminated'),
]


@pytest.mark.parametrize(("key", "text", "expected"), INFER)
def test_infer(key: str, text: str, expected: str | None) -> None:
    assert make_infer_extractor(key)(text) == expected


REGEX = [
    # Two groups: group 1 must equal the key.
    (r"(\w+)=(\w+)", "user", "user=bob action=login", "bob"),
    (r"(\w+)=(\w+)", "action", "user=bob action=login", "login"),
    (r"(\w+)=(\w+)", "login", "user=bob action=login", None),
    (r"(\w+)=(\w+)", "b", "b c=2 b=3", "3"),  # a match whose group 1 differs is skipped
    (r"(\w+)=(\w+)", "ser", "user=bob ser=x", "bob"),  # plain substring: found inside "user"
    (r"(\w+)=(\w+)", "zzz", "user=bob", None),
    # One group: the first match at or after the key's first occurrence.
    (r"=(\w+)", "action", "user=bob action=login", "login"),
    (r"=(\w+)", "user", "user=bob action=login", "bob"),
    (r"=(\w+)", "login", "user=bob action=login", None),
]


@pytest.mark.parametrize(("pattern", "key", "text", "expected"), REGEX)
def test_regex(pattern: str, key: str, text: str, expected: str | None) -> None:
    assert make_regex_extractor(key, translate(pattern))(text) == expected


def test_regex_needs_one_or_two_groups() -> None:
    with pytest.raises(ValueError):
        make_regex_extractor("k", translate(r"(a)(b)(c)"))
    with pytest.raises(ValueError):
        make_regex_extractor("k", translate(r"abc"))


@pytest.mark.parametrize(
    ("key", "name"),
    [("user", "user"), ("src ip", "src_ip"), ("a.b-c", "a_b_c"), ("é", "_"), ("_x1", "_x1")],
)
def test_default_name(key: str, name: str) -> None:
    assert default_name(key) == name
