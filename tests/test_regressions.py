"""Regression tests: one per bug found by the property tests, the hostile-input tests or fuzzing.

Each test names where the bug was found and holds its minimal reproducer. A test here that fails
means the bug is back (or not fixed yet): the property it came from is not to be weakened instead.
"""

from __future__ import annotations

import pytest

import fer
from fer.errors import FerCompileError, FerError, FerRuleError
from fer.rules import Rule

# --------------------------------------------------------------------------- 1.
# Found by tests/test_hostile.py::test_csv_options_never_execute. `csv`/`split` with two options
# naming the same character (an explicit one clashing with a default: delim='"' against quote='"',
# delim='\' against escape='\') raised ValueError out of fer.compile (from csvsplit.make_splitter,
# called by the code generator and the evaluator), not FerCompileError: language.md §7 says every
# string compiles or raises FerError, and Rule/load_rules let the ValueError through as well.

CLASHING_OPTIONS = [
    "csv _raw delim='\"' extract a",
    "split _raw delim='\\' extract a",
    "csv _raw quote='\\' extract a",
    "split _raw escape='\"' extract a",
    "csv _raw delim=',' quote=',' extract a",
]


@pytest.mark.parametrize("backend", ["compiled", "reference"])
@pytest.mark.parametrize("source", CLASHING_OPTIONS)
def test_clashing_csv_options_are_a_compile_error(source: str, backend: str) -> None:
    with pytest.raises(FerCompileError) as caught:
        fer.compile(source, backend=backend)  # type: ignore[arg-type]
    # Positioned inside the source, like every compile error.
    assert caught.value.line == 1 and 1 <= caught.value.column <= len(source)


def test_clashing_csv_options_in_a_rule_are_a_rule_error() -> None:
    with pytest.raises(FerRuleError) as caught:
        Rule("csv", "", CLASHING_OPTIONS[0])
    assert isinstance(caught.value.cause, FerError)


# --------------------------------------------------------------------------- 2.
# Found by the Hypothesis-driven fuzz run (tests/fuzz/fuzz_fer.py --hypothesis), shrunk by hand.
# A field removed by `fields` came back in the compiled back end when a later `nodrop` stage failed
# to assign it: the generated code kept the field's local variable bound, so the failed stage "kept"
# the old value. language.md §3.1: with nodrop a name keeps what it *holds*, and after `fields - f`
# (or an allowlist without f) f holds nothing: it is null. The reference evaluator gets it right.

REMOVED_THEN_NODROP = [
    ('"x" as user | fields - user | parse "a=*" as user nodrop', "b"),
    ('"x" as user | fields dst | parse "a=*" as user nodrop', "b"),
    ('"x" as user | fields - user | json "a" as user nodrop', ""),
    ('"x" as user | fields - user | kv "k" as user nodrop', "b"),
    ('"x" as user | fields - user | parse regex "(?<user>a)" nodrop', "b"),
    ('csv _raw extract 1 as user | fields dst | json "a" as user nodrop', ""),
]


@pytest.mark.parametrize(("source", "message"), REMOVED_THEN_NODROP)
def test_removed_field_stays_removed_after_failed_nodrop(source: str, message: str) -> None:
    assert fer.compile(source, backend="reference").apply(message) == {}
    assert fer.compile(source).apply(message) == {}


def test_removed_field_can_be_assigned_again() -> None:
    # The other half of the rule: a successful stage after `fields -` assigns the field as usual.
    source = '"x" as user | fields - user | parse "a=*" as user nodrop'
    for backend in ("compiled", "reference"):
        assert fer.compile(source, backend=backend).apply("a=1") == {"user": "1"}  # type: ignore[arg-type]
