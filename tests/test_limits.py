"""The limits of language.md §1, §5 and §7, at their edges.

- An expression longer than 16,384 characters is a `FerCompileError` (characters, not bytes); in a
  rule file it is a `FerRuleError` carrying that error.
- The Engine cuts field values to 16,384 characters; `Pipeline.apply` does not (§7 "Ingest").
- When one rule's values for one message exceed 64 KiB of UTF-8 (after the cut), that rule
  contributes nothing for that message and counts as failed; the message is still emitted with the
  other rules' fields.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fer
from fer.errors import FerCompileError, FerRuleError
from fer.rules import Rule, RuleSet

LIMIT = 16_384
RULE_BYTES = 64 * 1024


def padded(length: int, filler: str = " ") -> str:
    """A valid expression of exactly `length` characters (padding in a comment at the end)."""
    head = 'parse "a=*" as a'
    if length == len(head):
        return head
    comment = " // "
    pad = length - len(head) - len(comment)
    assert pad >= 0
    return head + comment + filler * pad


# --------------------------------------------------------------------------- expression length


@pytest.mark.parametrize("backend", ["compiled", "reference"])
@pytest.mark.parametrize("filler", [" ", "x", "é", "😀"])
def test_expression_of_exactly_the_limit_compiles(backend: str, filler: str) -> None:
    source = padded(LIMIT, filler)
    assert len(source) == LIMIT
    assert fer.compile(source, backend=backend).apply("a=1") == {"a": "1"}  # type: ignore[arg-type]


@pytest.mark.parametrize("backend", ["compiled", "reference"])
@pytest.mark.parametrize("filler", [" ", "x", "é", "😀"])
def test_expression_one_over_the_limit_is_a_compile_error(backend: str, filler: str) -> None:
    source = padded(LIMIT + 1, filler)
    with pytest.raises(FerCompileError) as caught:
        fer.compile(source, backend=backend)  # type: ignore[arg-type]
    error = caught.value
    assert "16,384" in str(error)
    # The position is inside the source (the first character past the limit).
    lines = source.split("\n")
    assert 1 <= error.line <= len(lines)
    assert 1 <= error.column <= len(lines[error.line - 1]) + 1


def test_the_limit_counts_characters_not_bytes() -> None:
    source = padded(LIMIT, "😀")
    assert len(source.encode("utf-8")) > 4 * (LIMIT - 20)  # far over 16,384 bytes, still fine
    fer.compile(source)


def test_huge_expression_is_rejected_quickly() -> None:
    # A megabyte of expression is refused by length before the parser sees it.
    with pytest.raises(FerCompileError):
        fer.compile('parse "a=*" as a' + " | " + "where true | " * 100_000 + "where true")


@given(st.integers(LIMIT - 5, LIMIT + 5))
def test_limit_edge(length: int) -> None:
    source = padded(length)
    if length <= LIMIT:
        fer.compile(source)
    else:
        with pytest.raises(FerCompileError):
            fer.compile(source)


def test_over_long_rule_expression_is_a_rule_error() -> None:
    with pytest.raises(FerRuleError) as caught:
        Rule("long", "", padded(LIMIT + 1))
    assert isinstance(caught.value.cause, FerCompileError)


# --------------------------------------------------------------------------- value length


def engine_for(*expressions: str) -> fer.Engine:
    rules = [Rule(f"r{i}", "", expression) for i, expression in enumerate(expressions)]
    return fer.Engine(RuleSet.from_rules(rules))


def test_pipeline_apply_does_not_cut() -> None:
    message = "v=" + "x" * (LIMIT * 2)
    assert len(fer.compile('parse "v=*" as v').apply(message)["v"]) == LIMIT * 2


@pytest.mark.parametrize("size", [LIMIT - 1, LIMIT, LIMIT + 1, LIMIT * 3])
@pytest.mark.parametrize("char", ["x", "é", "😀"])
def test_engine_cuts_values_to_16384_characters(size: int, char: str) -> None:
    engine = engine_for('parse "v=*" as v')
    record = engine.process_one("v=" + char * size)
    assert record is not None
    assert record["v"] == char * min(size, LIMIT)
    assert record["_raw"] == "v=" + char * size  # the message itself is never cut
    assert engine.stats.rules["r0"].matched == 1


def test_cut_values_keep_their_beginning() -> None:
    value = "".join(chr(0x41 + i % 26) for i in range(LIMIT + 500))
    record = engine_for('parse "v=*" as v').process_one("v=" + value)
    assert record is not None and record["v"] == value[:LIMIT]


# --------------------------------------------------------------------------- 64 KiB per rule

FOUR_FIELDS = 'parse "a=*;b=*;c=*;d=*;" as a, b, c, d'


def four(a: str, b: str, c: str, d: str) -> str:
    return f"a={a};b={b};c={c};d={d};"


def test_exactly_64_kib_is_kept() -> None:
    # Four values of 16,384 ASCII characters: 65,536 bytes, not over the limit.
    value = "x" * LIMIT
    engine = engine_for(FOUR_FIELDS)
    record = engine.process_one(four(value, value, value, value))
    assert record is not None and record["d"] == value
    assert engine.stats.rules["r0"].matched == 1 and engine.stats.rules["r0"].failed == 0


def test_one_byte_over_64_kib_contributes_nothing() -> None:
    value = "x" * LIMIT
    engine = engine_for(FOUR_FIELDS, '"kept" as other')
    message = four(value, value, value, "é" + "x" * (LIMIT - 1))  # 65,537 bytes
    record = engine.process_one(message)
    assert record is not None, "the message is never lost"
    assert record["_raw"] == message
    assert not {"a", "b", "c", "d"} & set(record), "all or nothing"
    assert record["other"] == "kept"  # the other rule still contributes
    assert engine.stats.rules["r0"].failed == 1 and engine.stats.rules["r0"].matched == 0
    assert engine.stats.rules["r1"].matched == 1
    outcome = engine.trace(message).outcome("r0")
    assert outcome.outcome == "over-limit"


def test_the_64_kib_limit_counts_bytes_after_the_cut() -> None:
    # Each value is cut to 16,384 characters first: five ASCII values of 20,000 characters are
    # 5 × 16,384 = 81,920 bytes after the cut, over the limit; two are 32,768 bytes, kept.
    long = "x" * 20_000
    engine = engine_for(
        'parse "a=*;b=*;" as a, b',
        'parse "a=*;b=*;c=*;d=*;e=*;" as a2, b2, c2, d2, e2',
    )
    record = engine.process_one(f"a={long};b={long};c={long};d={long};e={long};")
    assert record is not None
    assert len(record["a"]) == LIMIT and len(record["b"]) == LIMIT
    assert "a2" not in record
    assert engine.stats.rules["r1"].failed == 1


@pytest.mark.parametrize(("char", "count", "kept"), [
    ("é", 2, True),     # 2 × 16,384 × 2 bytes = 64 KiB exactly
    ("é", 3, False),    # 96 KiB
    ("😀", 1, True),    # 16,384 × 4 bytes = 64 KiB exactly
    ("😀", 2, False),
    ("\ud800", 1, True),  # a lone surrogate counts 3 bytes (surrogatepass)
    ("\ud800", 2, False),
])
def test_multibyte_values(char: str, count: int, kept: bool) -> None:
    names = ["a", "b", "c"][:count]
    pattern = "".join(f"{n}=*;" for n in names)
    engine = engine_for(f'parse "{pattern}" as {", ".join(names)}')
    record = engine.process_one("".join(f"{n}={char * LIMIT};" for n in names))
    assert record is not None
    assert ("a" in record) is kept
    assert engine.stats.rules["r0"].failed == (0 if kept else 1)


@given(st.lists(st.integers(0, 3 * LIMIT), min_size=1, max_size=5), st.sampled_from(["x", "é", "😀"]))
def test_rule_limit_property(sizes: list[int], char: str) -> None:
    """For any sizes: values are cut to 16,384 characters, and the rule contributes iff the cut
    values total at most 64 KiB of UTF-8."""
    names = [f"f{i}" for i in range(len(sizes))]
    pattern = "".join(f"{n}=*;" for n in names)
    engine = engine_for(f'parse "{pattern}" as {", ".join(names)}')
    record = engine.process_one("".join(f"{n}={char * s};" for n, s in zip(names, sizes)))
    assert record is not None
    total = sum(len((char * min(s, LIMIT)).encode("utf-8")) for s in sizes)
    if total <= RULE_BYTES:
        for name, size in zip(names, sizes):
            assert record[name] == char * min(size, LIMIT)
    else:
        assert not set(names) & set(record)
        assert engine.stats.rules["r0"].failed == 1
