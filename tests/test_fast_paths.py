"""The speed-ups of issue 4 keep exact semantics: each fast path against the plain way it replaces."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fer
from fer.source import ProcessingRule, SourceProcessor, SourceSettings, _Exclusion
from fer.timestamps import (
    _EPOCH,
    _compile_locator,
    _digit_pair_locator,
    _read_epoch,
    compile_java_regex,
)

# Text made of what the VPC locator cares about: digits, the six ASCII whitespace characters,
# other ASCII, a non-ASCII digit and non-ASCII space (which `\d`/`\s` under re.ASCII do not match).
LOCATOR_TEXT = st.text(alphabet="0123456789 \t\n\r\x0b\x0cx-{}\"\u0663\u00a0é", max_size=60)


@pytest.mark.parametrize("locator", [r"\s(\d{10,13})\s\d{10,13}", r"\s(\d{2,3})\s\d{1,2}", r"\s(\d{3})\s\d{2}"])
@settings(max_examples=400, deadline=None)
@given(text=LOCATOR_TEXT)
def test_digit_pair_locator_finds_the_regex_first_capture(locator: str, text: str) -> None:
    compiled = _compile_locator(locator)
    fast = _digit_pair_locator(compiled)
    assert fast is not None
    found = compiled.search(text)
    assert fast(text) == (found.group(1) if found else None)


def test_only_the_digit_pair_shape_gets_the_fast_locator() -> None:
    assert _digit_pair_locator(_compile_locator(r"\s(\d{10,13})\s\d{10,13}")) is not None
    assert _digit_pair_locator(_compile_locator(r"start=(\d+)")) is None
    assert _digit_pair_locator(_compile_locator(r"\s(\d{10,13})\s+\d{10,13}")) is None


def _reference_epoch(text: str) -> int | None:
    found = _EPOCH.search(text)
    if found is None:
        return None
    seconds, fraction, millis, micros, nanos = found.groups()
    if seconds is not None:
        return int(seconds) * 1000 + (int(fraction[:3].ljust(3, "0")) if fraction else 0)
    if millis is not None:
        return int(millis)
    return int(micros) // 1000 if micros is not None else int(nanos) // 1_000_000


@settings(max_examples=500, deadline=None)
@given(text=st.text(alphabet="0123456789.\u0663 ", max_size=22))
def test_epoch_fast_path_equals_the_search(text: str) -> None:
    assert _read_epoch(text) == _reference_epoch(text)


EXCLUSIONS = [
    "version account-id interface-id srcaddr",
    "[a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)+",
    "(?i)Version.*",
    "a|b+c",
    "x*y",
    r"\d+ skip",
    r"^(foo|[b-d]x).*",
    "(?:)",
]


@pytest.mark.parametrize("pattern", EXCLUSIONS)
@settings(max_examples=200, deadline=None)
@given(text=st.text(alphabet="abcdxyVv01 -kips", max_size=20))
def test_exclusion_prefilter_agrees_with_fullmatch(pattern: str, text: str) -> None:
    regex = compile_java_regex(pattern)
    assert _Exclusion(regex)(text) == (regex.fullmatch(text) is not None)
    assert _Exclusion(regex)(pattern) == (regex.fullmatch(pattern) is not None)


def test_trigger_only_for_pure_exclusions_with_known_first_characters() -> None:
    def processor(*rules: ProcessingRule) -> SourceProcessor:
        return SourceProcessor(SourceSettings(processing_rules=rules))

    vpc = processor(ProcessingRule("h", "exclude", "version account-id"),
                    ProcessingRule("c", "exclude", "[a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)+"))
    assert vpc.trigger == frozenset("abcdefghijklmnopqrstuvwxyz")
    assert processor(ProcessingRule("d", "exclude", r"\d+")).trigger is None
    assert processor(ProcessingRule("m", "mask", "[a-z]+")).trigger is None
    assert processor(ProcessingRule("i", "include", "[a-z]+")).trigger is None


SEED = fer.compile("""json "message" as _rawvpc nodrop
| if (_raw matches "{*", _rawvpc,_raw) as message
| parse field=message "* * * * * * * * * * * * * *" as v,a,i,s,d,sp,dp,p,pk,b,st,en,ac,status
| fields i, s, status""")
SEED_REFERENCE = fer.compile(SEED.source, backend="reference")


@settings(max_examples=300, deadline=None)
@given(text=st.one_of(
    st.text(alphabet='{}" :,message1 2-\t\n', max_size=40),
    st.builds(lambda m: '{"message": ' + m + "}", st.text(alphabet='"1 2ab{}\\', max_size=30)),
))
def test_json_branch_and_shared_first_character_agree_with_the_reference(text: str) -> None:
    assert SEED.apply(text) == SEED_REFERENCE.apply(text)
    assert SEED.apply({"_raw": text}) == SEED_REFERENCE.apply({"_raw": text})


def test_first_character_is_not_reused_after_the_field_changes() -> None:
    expression = 'json field=x "a" as y nodrop | "[" as x | if(x matches "[*", "yes", "no") as t'
    compiled, reference = fer.compile(expression), fer.compile(expression, backend="reference")
    for message in ({"_raw": "", "x": '{"a": "1"}'}, {"_raw": "", "x": "plain"}, {"_raw": ""}):
        assert compiled.apply(message) == reference.apply(message)
    assert compiled.apply({"_raw": "", "x": '{"a": "1"}'})["t"] == "yes"


def test_json_stage_without_nodrop_drops_non_objects() -> None:
    pipeline = fer.compile('json "a" as a')
    reference = fer.compile('json "a" as a', backend="reference")
    assert pipeline.apply("plain") is None and pipeline.apply(" {\"a\": 1}") == {"a": "1"}
    big = '{"a": 12345678901234567890123}'  # orjson refuses it: the careful path takes over
    assert pipeline.apply(big) == reference.apply(big) is not None
    assert re.search(r"if _head\d+ in _OBJECT_START", pipeline.python_source)


def test_engine_shortcuts_give_what_the_selector_gives() -> None:
    from fer.rules import Rule

    rules = [
        Rule(name="category", scope="_sourceCategory=app", expression='parse "a=* " as a'),
        Rule(name="keyword", scope='_sourceCategory=app "vpc-id"', expression='parse "b=* " as b'),
        Rule(name="either", scope="error OR warn", expression='parse "c=*" as c'),
    ]
    messages = ["a=1 b=2 c=3", "a=1 vpc-id b=2 c=3", "ERROR a=1 b=2 c=3", "warn", "",
                {"_raw": "vpc-id b=9 ", "_sourceCategory": "other"}, "x vpc-idx b=1 "]
    engine = fer.Engine(rules, category="app", clock=lambda: 0.0)
    assert engine._keyword_search is not None  # the shortcut under test is in use
    expected = [engine.trace(message).record for message in messages]
    assert list(engine.process(messages)) == expected
    metadata_only = fer.Engine(rules[:1], category="app")
    assert metadata_only._constant_selection == (0,)
    assert list(metadata_only.process(messages)) == [metadata_only.trace(m).record for m in messages]
