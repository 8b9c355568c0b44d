"""fer.anchor: pattern splitting and the linear-scan matcher (language.md §3.1)."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fer.anchor import compile_anchor, fold_case, split_pattern

SPLIT = [
    ("user=*:", ("user=", ":")),
    ("*", ("", "")),
    ("* *", ("", " ", "")),
    ("a*b*c", ("a", "b", "c")),
    (r"a\*b*", ("a*b", "")),
    (r"a\b*", ("a\\b", "")),
    (r"a\\*b", ("a\\*b",)),  # `\\*`: a literal backslash, then a literal star
    ("**", ("", "", "")),
    ("no star", ("no star",)),
    ("", ("",)),
    ("trailing\\", ("trailing\\",)),
]


@pytest.mark.parametrize(("pattern", "pieces"), SPLIT)
def test_split_pattern(pattern: str, pieces: tuple[str, ...]) -> None:
    assert split_pattern(pattern) == pieces


MATCH = [
    ("user=*:", "Aug 2 04:06:08: User=jsmith@demo.com: x", ("jsmith@demo.com",)),
    ("user=*:", "no user here", None),
    ("* * *", "a b c d", ("a", "b", "c d")),
    ("*", "", ("",)),
    ("*", "line1\nline2\n", ("line1\nline2\n",)),
    ("a*b", "xxAyyBzz", ("yy",)),
    ("a*b", "ab", ("",)),
    ("a*", "xA\nrest", ("\nrest",)),
    ("[*] *", "[x] [y] z", ("x", "[y] z")),
    ("GET * HTTP", "POST /x HTTP/1.1", None),
    ("from * to *", "FROM Alice TO Bob", ("Alice", "Bob")),
    ("ß*x", "SS-x", None),  # no multi-character folding: re.IGNORECASE does not equate ß and ss
    ("ſ*", "s1", ("1",)),
    ("K*", "\u212a9", ("9",)),  # Kelvin sign folds to k
    ("i*", "\u0130z", ("z",)),  # İ folds to i (simple mapping), keeping offsets right
    ("\u0130*", "iz", ("z",)),
    ("x\u0130y*z", "XİYabcZ", ("abc",)),
    ("σ*", "ς1", ("1",)),
    ("no star", "has NO STAR inside", ()),
]


@pytest.mark.parametrize(("pattern", "text", "expected"), MATCH)
def test_match(pattern: str, text: str, expected: tuple[str, ...] | None) -> None:
    assert compile_anchor(split_pattern(pattern))(text) == expected


def reference(pieces: tuple[str, ...]) -> re.Pattern[str]:
    """The regex the language defines the match by (language.md §3.1)."""
    parts = ["^.*?", re.escape(pieces[0])]
    for i, piece in enumerate(pieces[1:], start=1):
        if i == len(pieces) - 1 and piece == "":
            parts.append(r"(.*)\Z")
        else:
            parts.append("(.*?)" + re.escape(piece))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


# Letters that case-fold in unusual ways under re.IGNORECASE, mixed with plain ones and separators.
ALPHABET = "abAB sS:=\n*\\ſKkİiıΣσςµμßẞ\u0345ιΙ"
pieces_st = st.lists(st.text(alphabet=ALPHABET, max_size=4), min_size=1, max_size=5).map(tuple)


@settings(max_examples=1500, deadline=None)
@given(pieces_st, st.text(alphabet=ALPHABET, max_size=30))
@example(("a", "b"), "xAyB")
@example(("", ""), "anything")
@example(("İ", ""), "İİi")
def test_matches_reference_regex(pieces: tuple[str, ...], text: str) -> None:
    m = reference(pieces).match(text)
    expected = None if m is None else m.groups()
    assert compile_anchor(pieces)(text) == expected


@settings(max_examples=300, deadline=None)
@given(pieces_st, st.lists(st.sampled_from(["a", "b", " ", "ab", "b a"]), max_size=12).map("".join))
def test_matches_reference_on_planted_pieces(pieces: tuple[str, ...], filler: str) -> None:
    # Texts built from the pieces themselves, so that matches are frequent, not just failures.
    text = filler.join(pieces) + filler
    m = reference(pieces).match(text)
    assert compile_anchor(pieces)(text) == (None if m is None else m.groups())


@given(st.text(max_size=40))
def test_fold_case_keeps_length(text: str) -> None:
    folded = fold_case(text)
    assert folded is not None and len(folded) == len(text)


def test_linear_on_long_failing_line() -> None:
    pattern = " ".join(["*"] * 14) + " end"
    matcher = compile_anchor(split_pattern(pattern))
    line = "token " * 180_000  # ~1 MB, no "end"
    started = time.perf_counter()
    assert matcher(line) is None
    assert time.perf_counter() - started < 0.5


def test_linear_with_cased_anchors() -> None:
    matcher = compile_anchor(split_pattern("a=* b=* c=* d=* e=* f=* g=* h=* i=* j=* k=* l=* m=* n=* zz"))
    line = "a=1 b=2 c=3 d=4 " * 60_000
    started = time.perf_counter()
    assert matcher(line) is None
    assert time.perf_counter() - started < 0.5


def test_empty_pieces_tuple_is_rejected() -> None:
    with pytest.raises(ValueError):
        compile_anchor(())


@settings(max_examples=500, deadline=None)
@given(
    st.tuples(st.sampled_from(["", "<", "x "]), st.sampled_from([" ", ", ", ":"]), st.integers(1, 5)),
    st.text(alphabet="ab <,:x\n", max_size=30),
)
def test_split_fast_path_matches_reference(shape: tuple[str, str, int], text: str) -> None:
    first, sep, stars = shape
    pieces = (first, *([sep] * (stars - 1)), "")
    m = reference(pieces).match(text)
    assert compile_anchor(pieces)(text) == (None if m is None else m.groups())
