"""fer.jsonpath: json paths, loading, extraction, rendering (language.md §3.3, §7)."""

from __future__ import annotations

import json

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer.jsonpath import (
    MISSING,
    WILDCARD,
    JsonPathError,
    extract,
    load_document,
    parse_path,
    path_text,
    render_json,
)

PATHS = [
    ("a", ("a",)),
    ("a.b.c", ("a", "b", "c")),
    ("$.a.b", ("a", "b")),
    ("a[0]", ("a", 0)),
    ("a[12][3]", ("a", 12, 3)),
    ("a[*].b", ("a", WILDCARD, "b")),
    ("['key with.dots']", ("key with.dots",)),
    ('["k"].x', ("k", "x")),
    ("$['a']", ("a",)),
    ("$[0]", (0,)),
    (r"['it\'s']", ("it's",)),
    ("a.*", ("a", WILDCARD)),
    ("logStream", ("logStream",)),
    ("@timestamp", ("@timestamp",)),
    ("$foo", ("$foo",)),
    ("a-b.c d", ("a-b", "c d")),
]


@pytest.mark.parametrize(("text", "steps"), PATHS)
def test_parse_path(text: str, steps: tuple[object, ...]) -> None:
    assert parse_path(text) == steps


PATH_ERRORS = [
    ("$", 0),
    ("", 0),
    ("$.", 2),
    ("a..b", 2),
    ("a.", 1),
    ("a[x]", 2),
    ("a[0]b", 4),
    ("['open", 1),
    ("['k'x", 4),
    (".a", 0),
]


@pytest.mark.parametrize(("text", "offset"), PATH_ERRORS)
def test_parse_path_errors(text: str, offset: int) -> None:
    with pytest.raises(JsonPathError) as info:
        parse_path(text)
    assert info.value.offset == offset
    assert info.value.message


def test_path_text_round_trips() -> None:
    for text, steps in PATHS:
        assert parse_path(path_text(steps)) == steps, text


LOAD = [
    ('{"a": 1}', {"a": 1}),
    ('  {"a": 1}\n', {"a": 1}),
    ("[1, 2]", [1, 2]),
    ("3", 3),
    ("-2.5e3", -2500.0),
    ('"s"', "s"),
    ("true", True),
    ("null", None),
    ('{"a": 1, "a": 2}', {"a": 2}),  # duplicate keys: the last wins
    ("18446744073709551616", 18446744073709551616),  # beyond orjson's range: the fallback
    (None, MISSING),
    ("", MISSING),
    ("   ", MISSING),
    ("2 123456789012 eni-1 10.0.0.1", MISSING),
    ('{"a": 1', MISSING),
    ('{"a": 1} {"b": 2}', MISSING),
    ("{'a': 1}", MISSING),
    ("NaN", MISSING),
    ('{"a": NaN}', MISSING),
    ("nulls", MISSING),
    ('"', MISSING),
    ("[1,]", MISSING),
]


@pytest.mark.parametrize(("text", "expected"), LOAD)
def test_load_document(text: str | None, expected: object) -> None:
    assert load_document(text) == expected
    if expected is MISSING:
        assert load_document(text) is MISSING


DOC = {
    "a": {"b": {"c": "deep"}},
    "n": None,
    "list": [{"b": 1}, {"x": 2}, {"b": [3, 4]}],
    "nested": [[1, 2], [3]],
    "key with.dots": "dotted",
    "Case": "upper",
    "empty": [],
}

EXTRACT = [
    ("a.b.c", "deep"),
    ("a.b", {"c": "deep"}),
    ("a.x", MISSING),
    ("a.b.c.d", MISSING),
    ("n", None),
    ("n.x", MISSING),
    ("list[0].b", 1),
    ("list[5]", MISSING),
    ("a[0]", MISSING),
    ("list[*].b", [1, [3, 4]]),
    ("list[*].zzz", MISSING),
    ("empty[*]", MISSING),
    ("nested[*][*]", [1, 2, 3]),
    ("['key with.dots']", "dotted"),
    ("case", MISSING),
    ("Case", "upper"),
    ("a.*", [{"c": "deep"}]),
]


@pytest.mark.parametrize(("path", "expected"), EXTRACT)
def test_extract(path: str, expected: object) -> None:
    assert extract(DOC, parse_path(path)) == expected


def test_extract_from_missing_document() -> None:
    assert extract(MISSING, parse_path("a")) is MISSING
    assert extract(load_document("null"), parse_path("a")) is MISSING


RENDER = [
    ("s", "s"),
    (True, "true"),
    (False, "false"),
    (None, None),
    (MISSING, None),
    (1, "1"),
    (1.0, "1"),
    (2.5, "2.5"),
    (-0.0, "0"),
    (2**63 - 1, "9223372036854775807"),
    (2**63, "9.223372036854776e+18"),
    (1e300, "1e+300"),
    ([1, 2, 3], "[1,2,3]"),
    ([1.0, 2], "[1.0,2]"),
    ({"a": 1, "b": [True, None]}, '{"a":1,"b":[true,null]}'),
    ({"z": 1, "a": 2}, '{"z":1,"a":2}'),  # document order
    ([2**70], "[1180591620717411303424]"),
    ({"é": "ü"}, '{"é":"ü"}'),
]


@pytest.mark.parametrize(("value", "expected"), RENDER)
def test_render_json(value: object, expected: str | None) -> None:
    assert render_json(value) == expected


def test_render_json_from_loaded_document() -> None:
    doc = load_document('{"x": 1.0, "y": [1.0, 2], "z": {"k": "v"}}')
    assert render_json(extract(doc, parse_path("x"))) == "1"
    assert render_json(extract(doc, parse_path("y"))) == "[1.0,2]"
    assert render_json(extract(doc, parse_path("z"))) == '{"k":"v"}'


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**62), 2**62) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3),
    max_leaves=10,
)


@given(json_values, st.sampled_from(["", " ", "\n", "\t \r\n"]))
def test_any_dumped_document_loads(value: object, pad: str) -> None:
    text = pad + orjson.dumps(value).decode() + pad
    assert load_document(text) == value
    assert load_document(pad + json.dumps(value, indent=2) + pad) == value


@given(st.text(max_size=30))
def test_load_document_never_raises(text: str) -> None:
    load_document(text)


@given(st.text(max_size=20))
def test_parse_path_parses_or_raises_its_own_error(text: str) -> None:
    try:
        parse_path(text)
    except JsonPathError as exc:
        assert 0 <= exc.offset <= len(text)
