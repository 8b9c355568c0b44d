"""fer.csvsplit: `csv` and `split` cells (language.md §3.8, §7)."""

from __future__ import annotations

import csv
import io

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fer.csvsplit import make_splitter

CSV = [
    ("a,b,c", ["a", "b", "c"]),
    ("a,,c", ["a", "", "c"]),
    ("", [""]),
    (",", ["", ""]),
    ('"a,b",c', ["a,b", "c"]),
    ('"a ""quoted"" word",x', ['a "quoted" word', "x"]),
    ('""', [""]),
    ('"",""', ["", ""]),
    ('a"b,c', ['a"b', "c"]),  # a quote inside an unquoted cell is literal
    ('"ab"cd,e', ["abcd", "e"]),
    ('"unterminated,x', ["unterminated,x"]),
    (r'"a\"b",c', ['a"b', "c"]),
    (r"a\,b,c", ["a,b", "c"]),
    (r"C:\temp,x", [r"C:\temp", "x"]),
    (r"a\\,b", ["a\\", "b"]),
    ("x,\"multi\nline\"", ["x", "multi\nline"]),
]


@pytest.mark.parametrize(("text", "cells"), CSV)
def test_csv(text: str, cells: list[str]) -> None:
    assert make_splitter("csv")(text) == cells


SPLIT = [
    ("a b  c", " ", ["a", "b", "", "c"]),
    ("user:acct:sess", ":", ["user", "acct", "sess"]),
    ('a:"b:c":d', ":", ["a", "b:c", "d"]),
    ('a:x"b:c"y:d', ":", ["a", "xb:cy", "d"]),
    (r"a\:b:c", ":", ["a:b", "c"]),
    ('"a""b":c', ":", ["ab", "c"]),
    ("a\tb", "\t", ["a", "b"]),
    (r"C:\temp", ",", [r"C:\temp"]),
]


@pytest.mark.parametrize(("text", "delim", "cells"), SPLIT)
def test_split(text: str, delim: str, cells: list[str]) -> None:
    assert make_splitter("split", delim=delim)(text) == cells


def test_custom_quote_and_escape() -> None:
    split = make_splitter("split", delim=":", quote="'", escape="#")
    assert split("a:'b:c':d#:e") == ["a", "b:c", "d:e"]
    csvs = make_splitter("csv", delim=";", quote="'", escape="")
    assert csvs("'a;b';'it''s';\\x") == ["a;b", "it's", "\\x"]


@pytest.mark.parametrize(
    ("kwargs"), [{"delim": ""}, {"delim": ",,"}, {"quote": "ab"}, {"delim": ",", "quote": ","}]
)
def test_bad_options(kwargs: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        make_splitter("csv", **kwargs)


cells_st = st.lists(st.text(alphabet='ab ,"\n:', max_size=6), min_size=1, max_size=6)


@given(cells_st)
def test_csv_round_trip_with_csv_module(cells: list[str]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    line = out.getvalue()
    if cells == [""]:
        line = '""'  # csv writes an empty single-cell row as nothing; say it explicitly
    assert make_splitter("csv")(line) == cells


@given(st.text(alphabet='ab,"', max_size=15))
def test_csv_agrees_with_csv_module(line: str) -> None:
    # No escape character here: Python's csv module has none by default.
    try:
        rows = list(csv.reader([line], strict=True))
    except csv.Error:
        return  # malformed for the csv module (e.g. `"a"b`): we are lenient there
    expected = rows[0] if rows and rows[0] else [""]
    assert make_splitter("csv", escape="")(line) == expected


@given(st.lists(st.text(alphabet="ab c", max_size=5), min_size=1, max_size=8), st.sampled_from([",", ":", "|"]))
def test_plain_cells_split_like_str_split(cells: list[str], delim: str) -> None:
    line = delim.join(cells)
    assert make_splitter("split", delim=delim)(line) == cells
    assert make_splitter("csv", delim=delim)(line) == cells
