"""Source settings and processing rules (language.md §6, §7; the `[source]` table of api.md)."""

from __future__ import annotations

import hashlib
import pickle
import tomllib
from pathlib import Path
from typing import Any

import pytest

from fer.errors import FerRuleError
from fer.source import ProcessingRule, SourceProcessor, SourceSettings

DATA = Path(__file__).parent / "data" / "vpc"
HEADER_RULE = (
    "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end "
    "action log-status"
)
V3_HEADER = DATA.joinpath("v3-tcp-flags.log").read_text().splitlines()[0]


def processor(*rules: ProcessingRule, **settings: Any) -> SourceProcessor:
    return SourceProcessor(SourceSettings(processing_rules=rules, **settings))


def rule(type_: str, regex: str, **extra: str) -> ProcessingRule:
    return ProcessingRule(name=f"{type_} {regex}", type=type_, regex=regex, **extra)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# processing rules
# --------------------------------------------------------------------------------------------------


def test_no_rules_is_identity() -> None:
    p = SourceProcessor(SourceSettings())
    assert p.passthrough
    raw = "anything at all"
    assert p.process(raw) is raw
    assert p.read_timestamp(raw) is None
    assert SourceProcessor().process("x") == "x"


def test_include_needs_a_full_match() -> None:
    p = processor(rule("include", r".*ERROR.*"), rule("include", r"WARN \d+"))
    assert p.process("an ERROR here") == "an ERROR here"
    assert p.process("WARN 12") == "WARN 12"
    assert p.process("WARN 12 and more") is None  # not the entire message
    assert p.process("fine") is None


def test_include_is_not_dotall() -> None:
    assert processor(rule("include", r".*ERROR.*")).process("ERROR\nsecond line") is None
    assert processor(rule("include", r"(?s).*ERROR.*")).process("ERROR\nsecond line") is not None


def test_exclude_needs_a_full_match() -> None:
    p = processor(rule("exclude", r".*DEBUG.*"))
    assert p.process("a DEBUG line") is None
    assert p.process("an INFO line") == "an INFO line"
    assert processor(rule("exclude", "DEBUG")).process("a DEBUG line") == "a DEBUG line"


def test_exclude_beats_include() -> None:
    p = processor(rule("include", r".*ERROR.*"), rule("exclude", r".*healthcheck.*"))
    assert p.process("ERROR in healthcheck") is None
    assert p.process("ERROR in payment") == "ERROR in payment"
    # Order in the file does not matter.
    p = processor(rule("exclude", r".*healthcheck.*"), rule("include", r".*ERROR.*"))
    assert p.process("ERROR in healthcheck") is None


def test_seed_header_exclusion() -> None:
    p = processor(ProcessingRule(name="skip S3 header lines", type="exclude", regex=HEADER_RULE))
    default_header = HEADER_RULE
    assert p.process(default_header) is None
    for line in DATA.joinpath("default-v2.log").read_text().splitlines():
        assert p.process(line) == line


def test_header_exclusion_for_custom_formats() -> None:
    # The seed's literal rule only drops the default header; a custom format's header needs its own.
    seed = processor(ProcessingRule(name="seed", type="exclude", regex=HEADER_RULE))
    assert seed.process(V3_HEADER) == V3_HEADER
    generic = processor(rule("exclude", r"version( [a-z-]+)+"))
    lines = DATA.joinpath("v3-tcp-flags.log").read_text().splitlines()
    kept = [line for line in lines if generic.process(line) is not None]
    assert kept == lines[1:]
    for name in ("nat-gateway.log", "transit-gateway.log", "v5-service-path.log"):
        header = DATA.joinpath(name).read_text().splitlines()[0]
        assert processor(rule("exclude", r"[a-z-]+( [a-z-]+)+")).process(header) is None


def test_mask_with_groups() -> None:
    p = processor(rule("mask", r"card=(\d+)", mask="****"))
    assert p.process("card=4111111111111111 ok card=5500 end") == "card=**** ok card=**** end"
    assert p.process("no card") == "no card"


def test_mask_several_groups_and_default_mask() -> None:
    p = processor(rule("mask", r"user=(\w+) pass=(\w+)"))
    assert p.process("user=bob pass=secret") == "user=# pass=#"


def test_mask_without_groups_masks_whole_match() -> None:
    p = processor(rule("mask", r"\d{3}-\d{2}-\d{4}", mask="XXX"))
    assert p.process("ssn 123-45-6789 and 987-65-4321") == "ssn XXX and XXX"


def test_mask_replaces_each_capture_once() -> None:
    # Nested groups: the outer one is replaced once, the inner one is not replaced again.
    p = processor(rule("mask", r"id=((\d+)-x)", mask="#"))
    assert p.process("id=12-x") == "id=#"
    # A group that matches nothing is left alone; so is an optional group not taken.
    assert processor(rule("mask", r"a(\d*)b")).process("ab a1b") == "ab a#b"
    assert processor(rule("mask", r"a(\d)?b")).process("ab a1b") == "ab a#b"
    # The mask text itself is not scanned again.
    assert processor(rule("mask", r"(x)", mask="xx")).process("axbx") == "axxbxx"


def test_hash_md5_and_sha256() -> None:
    md5 = processor(rule("hash", r"user=(\w+)"))
    assert md5.process("user=bob user=amy") == (
        f"user={hashlib.md5(b'bob').hexdigest()} user={hashlib.md5(b'amy').hexdigest()}"
    )
    sha = processor(rule("hash", r"user=(\w+)", algorithm="sha256"))
    assert sha.process("user=bob") == f"user={hashlib.sha256(b'bob').hexdigest()}"
    whole = processor(rule("hash", r"\d{4}"))
    assert whole.process("pin 1234") == f"pin {hashlib.md5(b'1234').hexdigest()}"


def test_hash_of_non_ascii_uses_utf8() -> None:
    p = processor(rule("hash", r"name=(\S+)"))
    assert p.process("name=José") == f"name={hashlib.md5('José'.encode()).hexdigest()}"


def test_rules_apply_in_order() -> None:
    p = processor(
        rule("include", r".*user=.*"),
        rule("mask", r"pass=(\S+)", mask="***"),
        rule("hash", r"user=(\w+)"),
    )
    assert p.process("user=bob pass=x1") == f"user={hashlib.md5(b'bob').hexdigest()} pass=***"
    assert p.process("nothing") is None


def test_java_named_groups_in_rules() -> None:
    p = processor(rule("mask", r"card=(?<digits>\d+)"))
    assert p.process("card=4111") == "card=#"


# --------------------------------------------------------------------------------------------------
# timestamps through the processor
# --------------------------------------------------------------------------------------------------


def test_read_timestamp_with_seed_settings() -> None:
    p = SourceProcessor(SourceSettings(timestamp_format="epoch", timestamp_locator=r"\s(\d{10,13})\s\d{10,13}"))
    assert p.reads_timestamps
    for line in DATA.joinpath("default-v2.log").read_text().splitlines():
        assert p.read_timestamp(line) == int(line.split()[10]) * 1000
    assert p.read_timestamp("no timestamp") is None


def test_read_timestamp_with_zone() -> None:
    p = SourceProcessor(SourceSettings(timestamp_format="yyyy-MM-dd HH:mm:ss", timezone="Europe/Paris"))
    assert p.read_timestamp("2014-12-14 04:06:50 x") == 1418526410000


# --------------------------------------------------------------------------------------------------
# the [source] table
# --------------------------------------------------------------------------------------------------

API_EXAMPLE = r"""
[source]
category = "aws/vpc/flowlogs"      # _sourceCategory for messages that carry none (also host, name)
[source.timestamp]
format = "epoch"
locator = '\s(\d{10,13})\s\d{10,13}'
[[source.processing_rule]]
name = "skip S3 header lines"
type = "exclude"
regex = 'version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status'
"""


def test_from_mapping_reads_the_api_example() -> None:
    doc = tomllib.loads(API_EXAMPLE)
    settings = SourceSettings.from_mapping(doc["source"], path="rules.toml")
    assert settings == SourceSettings(
        category="aws/vpc/flowlogs",
        timestamp_format="epoch",
        timestamp_locator=r"\s(\d{10,13})\s\d{10,13}",
        processing_rules=(ProcessingRule(name="skip S3 header lines", type="exclude", regex=HEADER_RULE),),
    )
    assert SourceSettings.from_mapping(doc) == settings  # the whole document works too
    p = SourceProcessor(settings)
    assert p.process(HEADER_RULE) is None
    line = DATA.joinpath("default-v2.log").read_text().splitlines()[0]
    assert p.process(line) == line
    assert p.read_timestamp(line) == 1418530010000


def test_from_mapping_full() -> None:
    settings = SourceSettings.from_mapping(
        {
            "category": "c",
            "host": "h",
            "name": "n",
            "timestamp": {"format": "yyyy-MM-dd", "timezone": "Asia/Tokyo"},
            "processing_rule": [
                {"name": "m", "type": "mask", "regex": "(a)", "mask": "*"},
                {"name": "h", "type": "HASH", "regex": "(b)", "algorithm": "SHA256"},
                {"type": "include", "regex": ".*"},
            ],
        }
    )
    assert (settings.category, settings.host, settings.name, settings.timezone) == ("c", "h", "n", "Asia/Tokyo")
    assert settings.processing_rules == (
        ProcessingRule("m", "mask", "(a)", mask="*"),
        ProcessingRule("h", "hash", "(b)", algorithm="sha256"),
        ProcessingRule("processing rule 3", "include", ".*"),
    )


def test_from_mapping_empty() -> None:
    assert SourceSettings.from_mapping({}) == SourceSettings()


@pytest.mark.parametrize(
    ("data", "rule_name", "fragment"),
    [
        ({"categroy": "x"}, None, "unknown key 'categroy'"),
        ({"category": 3}, None, "must be a string"),
        ({"timestamp": "epoch"}, None, "must be a table"),
        ({"timestamp": {"format": "epoch", "zone": "UTC"}}, None, "unknown key 'zone'"),
        ({"timestamp": {"format": "epoch", "locator": r"\d+"}}, None, "exactly one unnamed capture group"),
        ({"timestamp": {"format": "epoch", "locator": r"(\d+) (\d+)"}}, None, "exactly one unnamed"),
        ({"timestamp": {"format": "epoch", "timezone": "Nowhere/City"}}, None, "unknown timezone"),
        ({"timestamp": {"format": "yyyy-qq"}}, None, "unsupported pattern letter"),
        ({"timestamp": {"locator": r"(\d+)"}}, None, "no format"),
        ({"processing_rule": "x"}, None, "array of tables"),
        ({"processing_rule": [{"name": "r", "type": "drop", "regex": "x"}]}, "r", "type must be one of"),
        ({"processing_rule": [{"name": "r", "type": "exclude"}]}, "r", "non-empty regex"),
        ({"processing_rule": [{"name": "r", "type": "exclude", "regex": "(x"}]}, "r", "invalid regex"),
        ({"processing_rule": [{"name": "r", "type": "exclude", "regex": "x", "mask": "#"}]}, "r", "mask rules"),
        ({"processing_rule": [{"name": "r", "type": "hash", "regex": "x", "algorithm": "sha1"}]}, "r", "md5 or sha256"),
        ({"processing_rule": [{"name": "r", "type": "mask", "regex": "x", "algorithm": "md5"}]}, "r", "hash rules"),
        ({"processing_rule": [{"name": "r", "type": "mask", "regex": "x", "extra": 1}]}, "r", "unknown key 'extra'"),
        ({"processing_rule": [{"name": 5, "type": "mask", "regex": "x"}]}, None, "must be a string"),
    ],
)
def test_from_mapping_errors(data: dict[str, Any], rule_name: str | None, fragment: str) -> None:
    with pytest.raises(FerRuleError) as info:
        SourceSettings.from_mapping(data, path="rules.toml")
    assert info.value.path == "rules.toml"
    assert info.value.rule == rule_name
    assert fragment in str(info.value)
    assert "rules.toml" in str(info.value)
    assert pickle.loads(pickle.dumps(info.value)).message == info.value.message


def test_settings_are_frozen() -> None:
    settings = SourceSettings()
    with pytest.raises(AttributeError):
        settings.category = "x"  # type: ignore[misc]
