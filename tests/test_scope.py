"""Scopes (language.md §5, §7): parsing, matching, the selector, overlap analysis."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fer.errors import FerSyntaxError
from fer.scope import ScopeSelector, compile_scope, scopes_may_overlap

VPC = "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
META = {"_sourcecategory": "aws/vpc/flowlogs", "_sourcehost": "my host", "env": "Prod"}


def matches(scope: str, raw: str = "", metadata: dict[str, str] | None = None) -> bool:
    return compile_scope(scope).matches(raw, META if metadata is None else metadata)


# --------------------------------------------------------------------------------------------------
# metadata terms
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("_sourceCategory=aws/vpc/flowlogs", True),
        ("_sourceCategory=aws/vpc*", True),
        ("_SOURCECATEGORY=AWS/VPC*", True),  # name and value case-insensitive
        ("_sourceCategory=*flowlogs", True),
        ("_sourceCategory=*vpc*", True),
        ("_sourceCategory=aws/*/flowlogs", True),
        ("_sourceCategory=aws/vpc", False),  # whole-value match
        ("_sourceCategory=vpc*", False),
        ("_sourceCategory=*", True),
        ("_sourceCategory = aws/vpc/flowlogs", True),  # spaces around =
        ('_sourceHost="my host"', True),
        ('_sourceHost="MY HOST"', True),  # quoted: exact but case-insensitive
        ('_sourceHost="my*"', False),  # quoted: no wildcards
        ("env=prod", True),  # custom metadata
        ("missing=*", False),  # a message without the field does not match
        ("missing=x", False),
        ("_sourceCategory!=aws/vpc*", False),
        ("_sourceCategory!=gcp*", True),
    ],
)
def test_metadata_terms(scope: str, expected: bool) -> None:
    assert matches(scope, VPC) is expected


def test_quoted_star_is_literal() -> None:
    assert matches('_sourceHost="a*b"', "", {"_sourcehost": "A*B"})
    assert not matches('_sourceHost="a*b"', "", {"_sourcehost": "axxb"})


def test_not_of_missing_field_matches() -> None:
    assert matches("NOT missing=x", "")


# --------------------------------------------------------------------------------------------------
# keywords and phrases
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "raw", "expected"),
    [
        ("error", "an ERROR happened", True),
        ("error", "errors happened", False),  # term boundaries
        ("error", "suberror", False),
        ("error", "x=error;", True),
        ("error", "my_error", False),  # `_` is a term character
        ("fail*", "Failure", True),
        ("fail*", "fail", True),
        ("fail*", "afail", False),
        ("*456*", "id 123456789 ok", True),
        ("*456*", "id 123-456-789 ok", True),
        ("*456*", "id 123 45 6", False),
        ("com*services", "com.test.services", False),  # `*` stays within one term
        ("com*services", "comtestservices", True),
        ("com.test.services", "x com.test.services y", True),
        ("com.test.services", "xcom.test.services", False),
        ("10.0.0.1", "src 10.0.0.1 dst", True),
        ("10.0.0.1", "src 10.0.0.12 dst", False),
        ("ACCEPT", VPC, True),
        ("accept", VPC, True),
        ("REJECT", VPC, False),
        ("eni-1235b8ca123456789", VPC, True),
        ('"Deny inbound"', "rule: deny inbound traffic", True),
        ('"Deny inbound"', "rule: DENY    inbound", True),  # whitespace runs
        ('"Deny inbound"', "rule: deny\t\ninbound", True),
        ('"Deny  inbound"', "rule: deny inbound", True),
        ('"Deny inbound"', "rule: deny-inbound", False),
        ('"Deny inbound"', "rule: deny inbounds", False),
        ('"deny*"', "denyall", False),  # no wildcards in a phrase
        ('"deny*"', "a deny* b", True),
        ('"a \\"q\\""', 'x a "q" y', True),
    ],
)
def test_keywords(scope: str, raw: str, expected: bool) -> None:
    assert matches(scope, raw) is expected


def test_keyword_scope_reports_raw_use() -> None:
    scope = compile_scope("error _sourceCategory=x")
    assert scope.uses_raw
    assert scope.uses_metadata == frozenset({"_sourcecategory"})
    assert not compile_scope("_sourceCategory=x").uses_raw
    assert compile_scope("error").uses_metadata == frozenset()


# --------------------------------------------------------------------------------------------------
# operators
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scope", "raw", "expected"),
    [
        ("error fatal", "error fatal", True),  # implicit AND
        ("error fatal", "error only", False),
        ("error AND fatal", "fatal error", True),
        ("error and fatal", "error", False),
        ("error OR fatal", "fatal", True),
        ("error or fatal", "nothing", False),
        ("NOT error", "fine", True),
        ("not error", "error", False),
        ("!error", "error", False),
        ("! error", "fine", True),
        ("!!error", "error", True),
        ("a OR b AND c", "a", True),  # AND binds tighter: a OR (b AND c)
        ("a OR b AND c", "b", False),
        ("(a OR b) AND c", "a", False),
        ("(a OR b) AND c", "b c", True),
        ("NOT a AND b", "b", True),  # NOT binds tighter: (NOT a) AND b
        ("NOT a AND b", "a b", False),
        ("NOT (a AND b)", "a", True),
        ("NOT a OR b", "a b", True),
        ("a b OR c", "c", True),  # (a AND b) OR c
        ("a (b OR c)", "a c", True),
        ("((a))", "a", True),
        ("error AND NOT (fail* OR deny)", "error failed", False),
    ],
)
def test_operators(scope: str, raw: str, expected: bool) -> None:
    assert matches(scope, raw) is expected


def test_mixed_metadata_and_keywords() -> None:
    scope = "_sourceCategory=aws/vpc* AND (REJECT OR NODATA) !eni-111*"
    assert not matches(scope, VPC)
    assert matches(scope, VPC.replace("ACCEPT", "REJECT"))
    assert not matches(scope, VPC.replace("ACCEPT", "REJECT"), {"_sourcecategory": "other"})


@pytest.mark.parametrize("text", ["", "   ", "*", " * ", "**", "error OR *", "NOT (a AND NOT *)"])
def test_matches_everything(text: str) -> None:
    scope = compile_scope(text)
    assert scope.matches_everything
    assert scope.matches("anything", {})
    assert scope.matches("", {})


def test_star_in_conjunction_is_neutral() -> None:
    scope = compile_scope("* AND error")
    assert not scope.matches_everything
    assert scope.matches("error", {}) and not scope.matches("ok", {})


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("error AND", 10),
        ("AND error", 1),
        ("(error", 1),
        ("error)", 6),
        ('"unterminated', 1),
        ("_sourceCategory=", 17),
        ("()", 2),
        ("a OR OR b", 6),
        ('""', 1),
        ("NOT", 4),
    ],
)
def test_syntax_errors(text: str, column: int) -> None:
    with pytest.raises(FerSyntaxError) as info:
        compile_scope(text)
    assert info.value.line == 1
    assert info.value.column == column
    assert "^" in str(info.value)
    assert info.value.expected


def test_syntax_error_on_second_line() -> None:
    with pytest.raises(FerSyntaxError) as info:
        compile_scope("error\nOR")
    assert (info.value.line, info.value.column) == (2, 3)


# --------------------------------------------------------------------------------------------------
# ScopeSelector
# --------------------------------------------------------------------------------------------------


def test_selector_basic() -> None:
    scopes = [compile_scope(s) for s in [
        "_sourceCategory=aws/vpc*", "error", "*", "_sourceCategory=other", "NOT error", '"deny inbound"',
    ]]
    selector = ScopeSelector(scopes)
    assert not selector.always
    assert selector.select(VPC, META) == (0, 2, 4)
    assert selector.select("an error", META) == (0, 1, 2)
    assert selector.select("Deny  Inbound error", {"_sourcecategory": "other"}) == (1, 2, 3, 5)
    assert selector.select("", {}) == (2, 4)


def test_selector_always() -> None:
    selector = ScopeSelector([compile_scope(""), compile_scope("*")])
    assert selector.always
    assert selector.select("x", {}) == (0, 1)
    assert ScopeSelector([]).always
    assert ScopeSelector([]).select("x", {}) == ()


def test_selector_metadata_cache_is_keyed_by_values() -> None:
    selector = ScopeSelector([compile_scope("_sourceCategory=a"), compile_scope("_sourceHost=h*")])
    for _ in range(3):
        assert selector.select("", {"_sourcecategory": "A"}) == (0,)
        assert selector.select("", {"_sourcecategory": "A", "_sourcehost": "host"}) == (0, 1)
        assert selector.select("", {"_sourcehost": "x"}) == ()


def test_selector_straddling_phrase() -> None:
    # "deny inbound" is reported by the combined regex, hiding "inbound traffic" which overlaps it.
    scopes = [compile_scope('"deny inbound"'), compile_scope('"inbound traffic"'), compile_scope("inbound")]
    selector = ScopeSelector(scopes)
    assert selector.select("deny inbound traffic", {}) == (0, 1, 2)
    assert selector.select("inbound traffic", {}) == (1, 2)


def test_selector_hidden_single_term() -> None:
    # "fail*" and "failure" both match at the same place; only one is reported by the alternation.
    scopes = [compile_scope("fail*"), compile_scope("failure"), compile_scope("failure AND NOT x")]
    selector = ScopeSelector(scopes)
    assert selector.select("a failure", {}) == (0, 1, 2)
    assert selector.select("a failed", {}) == (0,)


_WORDS = ["error", "fail", "failure", "deny", "inbound", "ok", "x1", "com", "test", "a_b", "456", "123456"]
_SEPARATORS = [" ", "  ", ".", "-", "=", "\t", "_", ""]


@st.composite
def _raw(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=6))
    out = ""
    for word in words:
        out += draw(st.sampled_from(_SEPARATORS)) + (word.upper() if draw(st.booleans()) else word)
    return out


_TERMS = st.sampled_from([
    "error", "fail*", "*56", "*456*", "failure", "com*test", "com.test", '"deny inbound"', '"inbound  error"',
    "ok", "a_b", "_sourceCategory=aws/*", "_sourceCategory=AWS/VPC", '_sourceHost="h 1"', "env=p*", "*",
    "missing=*", "inbound", "*bound", '"error fail"', "ok-error", "*-*",
])


@st.composite
def _scope_text(draw: st.DrawFn, depth: int = 0) -> str:
    if depth > 2 or draw(st.booleans()):
        term = draw(_TERMS)
        return ("NOT " if draw(st.integers(0, 4)) == 0 else "") + term
    op = draw(st.sampled_from([" AND ", " OR ", " ", " or ", " and "]))
    left = draw(_scope_text(depth + 1))
    right = draw(_scope_text(depth + 1))
    text = left + op + right
    return f"({text})" if draw(st.booleans()) else text


_METADATA = st.fixed_dictionaries(
    {},
    optional={
        "_sourcecategory": st.sampled_from(["aws/vpc", "AWS/vpc", "gcp", "aws/"]),
        "_sourcehost": st.sampled_from(["h 1", "H 1", "h1"]),
        "env": st.sampled_from(["prod", "P", "dev"]),
    },
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_scope_text(), min_size=1, max_size=8), st.lists(st.tuples(_raw(), _METADATA), max_size=6))
def test_selector_agrees_with_every_scope(texts: list[str], messages: list[tuple[str, dict[str, str]]]) -> None:
    scopes = [compile_scope(t) for t in texts]
    selector = ScopeSelector(scopes)
    for raw, metadata in messages * 2:  # twice: the second pass goes through the caches
        expected = tuple(i for i, s in enumerate(scopes) if s.matches(raw, metadata))
        assert selector.select(raw, metadata) == expected


@given(st.text(max_size=30))
def test_any_text_parses_or_raises_syntax_error(text: str) -> None:
    try:
        scope = compile_scope(text)
    except FerSyntaxError:
        return
    scope.matches(text, {"_sourcecategory": text})


# --------------------------------------------------------------------------------------------------
# overlap
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("_sourceCategory=aws/vpc", "_sourceCategory=aws/elb", False),
        ("_sourceCategory=aws/vpc", "_sourceCategory=AWS/VPC", True),
        ("_sourceCategory=aws/vpc error", "_sourceCategory=aws/elb", False),
        ("_sourceCategory=aws/vpc*", "_sourceCategory=aws/elb", False),  # literal vs wildcard
        ("_sourceCategory=aws/vpc*", "_sourceCategory=aws/vpc/flow", True),
        ("_sourceCategory=aws/*", "_sourceCategory=gcp/*", False),
        ("_sourceCategory=aws/*", "_sourceCategory=*", True),
        ("_sourceCategory=*/vpc", "_sourceCategory=*/elb", False),
        ("_sourceCategory=a OR _sourceCategory=b", "_sourceCategory=c", False),
        ("_sourceCategory=a OR _sourceCategory=b", "_sourceCategory=b", True),
        ("_sourceCategory=a OR error", "_sourceCategory=b", True),
        ("_sourceCategory=a", "_sourceHost=a", True),
        ("error", "warn", True),
        ("", "_sourceCategory=x", True),
        ("NOT *", "", False),
    ],
)
def test_scopes_may_overlap(a: str, b: str, expected: bool) -> None:
    sa, sb = compile_scope(a), compile_scope(b)
    assert scopes_may_overlap(sa, sb) is expected
    assert scopes_may_overlap(sb, sa) is expected
