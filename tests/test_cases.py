"""One runner for every case file: each case through both back ends, which must agree."""

from __future__ import annotations

import pytest

import fer
from casefiles import Case, load_cases

CASES = load_cases()


def _compile_both(case: Case) -> tuple[fer.Pipeline, fer.Pipeline]:
    return fer.compile(case.expr), fer.compile(case.expr, backend="reference")


@pytest.mark.parametrize("case", [c for c in CASES if c.error is None], ids=lambda c: c.id)
def test_case_output(case: Case) -> None:
    compiled, reference = _compile_both(case)
    if case.output_fields is not None:
        assert compiled.fields == case.output_fields
    for expectation in case.expectations:
        expected = expectation.fields
        got_reference = reference.apply(expectation.message)
        got_compiled = compiled.apply(expectation.message)
        assert got_reference == expected, f"reference evaluator on {expectation.message!r}"
        assert got_compiled == expected, f"compiled code on {expectation.message!r}\n{compiled.python_source}"
        assert compiled.internal_errors == 0, compiled.python_source


@pytest.mark.parametrize("case", [c for c in CASES if c.error is not None], ids=lambda c: c.id)
def test_case_error(case: Case) -> None:
    error_class = getattr(fer, case.error)
    with pytest.raises(error_class) as caught:
        fer.compile(case.expr)
    error = caught.value
    text = str(error)
    if case.error_message is not None:
        assert case.error_message.lower() in text.lower(), text
    if case.line is not None:
        assert error.line == case.line, text
    if case.column is not None:
        assert error.column == case.column, text
    # Every compile error shows line:column, the source line and a caret.
    assert f"{error.line}:{error.column}" in text
    assert "^" in text


def test_case_files_are_not_empty() -> None:
    assert len(CASES) >= 50
