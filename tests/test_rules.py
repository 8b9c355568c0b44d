"""fer.rules: TOML and Sumo JSON rule files, broken files, warnings, RuleSet."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

import fer
import fer.rules
from fer.errors import FerCompileError, FerRuleError, FerSyntaxError
from fer.rules import MAX_FIELD_NAMES, MAX_RULES, Rule, RuleExample, RuleSet, check_rules, load_rules

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vpc_flow_logs" / "rules.toml"
EXAMPLE_JSON = ROOT / "examples" / "vpc_flow_logs" / "rules.sumo.json"
VPC_FIELDS = ("interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets",
              "bytes", "action", "status")

SUMO_RULE = {
    "name": "Access",
    "scope": "_sourceCategory=web/*",
    "parseExpression": 'parse "user=* " as user',
    "enabled": True,
    "id": "0000000000001234",
    "createdAt": "2024-01-01T00:00:00Z",
    "fieldNames": ["user"],
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def error_of(path: Path) -> FerRuleError:
    with pytest.raises(FerRuleError) as caught:
        load_rules(path)
    return caught.value


# ---- the example files


def test_example_toml_loads():
    rules = fer.load_rules(str(EXAMPLE))
    assert isinstance(rules, fer.RuleSet)
    assert rules.names == ("VPCFlowLogFER", "VPCFlowLogEnrichment")
    first = rules["VPCFlowLogFER"]
    assert first.scope == "_sourceCategory=aws/vpc/flowlogs" and first.enabled
    assert first.expression.lstrip().startswith('json "message" as _rawvpc nodrop')
    assert first.pipeline.fields == VPC_FIELDS
    assert len(first.examples) >= 5
    assert rules.source.category == "aws/vpc/flowlogs"
    assert rules.source.timestamp_format == "epoch"
    assert rules.source.timestamp_locator == r"\s(\d{10,13})\s\d{10,13}"
    assert [r.type for r in rules.source.processing_rules] == ["exclude", "exclude"]
    assert rules.path == str(EXAMPLE)
    assert rules.warnings() == []


def test_example_json_is_the_same_rule():
    toml_rule = load_rules(EXAMPLE)["VPCFlowLogFER"]
    json_rule = load_rules(EXAMPLE_JSON)["VPCFlowLogFER"]
    assert json_rule.expression.strip() == toml_rule.expression.strip()
    assert json_rule.scope == toml_rule.scope
    assert json_rule.pipeline.fields == VPC_FIELDS
    assert json.loads(EXAMPLE_JSON.read_text())["data"][0]["fieldNames"] == list(VPC_FIELDS)


def test_path_objects_and_strings():
    assert load_rules(EXAMPLE).names == load_rules(str(EXAMPLE)).names


# ---- Sumo JSON shapes


@pytest.mark.parametrize(
    "document",
    [SUMO_RULE, [SUMO_RULE], {"data": [SUMO_RULE], "next": None}],
    ids=["object", "list", "data"],
)
def test_sumo_json_shapes(tmp_path, document):
    rules = load_rules(write(tmp_path, "rules.json", json.dumps(document)))
    assert len(rules) == 1
    rule = rules[0]
    assert (rule.name, rule.scope, rule.expression, rule.enabled) == (
        "Access", "_sourceCategory=web/*", 'parse "user=* " as user', True)
    assert rule.pipeline.fields == ("user",)


def test_sumo_json_enabled_defaults_and_disabled(tmp_path):
    plain = {k: v for k, v in SUMO_RULE.items() if k != "enabled"}
    off = dict(SUMO_RULE, name="Off", enabled=False)
    rules = load_rules(write(tmp_path, "rules.json", json.dumps([plain, off])))
    assert [r.enabled for r in rules] == [True, False]
    assert [r.name for r in rules.enabled] == ["Access"]


def test_format_sniffed_without_extension(tmp_path):
    assert load_rules(write(tmp_path, "rules", json.dumps([SUMO_RULE]))).names == ("Access",)
    toml = '[[rule]]\nname = "T"\nscope = "x"\nparse = \'parse "a=*" as a\'\n'
    assert load_rules(write(tmp_path, "rules2", toml)).names == ("T",)


def test_toml_minimal_rule_defaults(tmp_path):
    rules = load_rules(write(tmp_path, "r.toml", '[[rule]]\nname = "T"\nparse = \'parse "a=*" as a\'\n'))
    assert rules[0].scope == "" and rules[0].enabled is True and rules[0].examples == ()
    assert rules.source.category is None


def test_toml_examples(tmp_path):
    text = """
[[rule]]
name = "T"
scope = "x"
parse = 'parse "a=*" as a'
[[rule.example]]
input = "a=1"
fields = { a = "1" }
[[rule.example]]
name = "with metadata"
input = { _raw = "b", _sourceCategory = "x" }
dropped = true
"""
    examples = load_rules(write(tmp_path, "r.toml", text))[0].examples
    assert examples == (
        RuleExample("a=1", {"a": "1"}),
        RuleExample({"_raw": "b", "_sourceCategory": "x"}, None, True, "with metadata"),
    )


# ---- broken files: each names the file and the rule


def test_invalid_toml_reports_line_and_caret(tmp_path):
    path = write(tmp_path, "bad.toml", '[[rule]]\nname = "A"\nparse = "unterminated\n')
    error = error_of(path)
    assert error.path == str(path) and "invalid TOML" in str(error)
    assert isinstance(error.cause, FerSyntaxError) and error.cause.line == 3
    assert "^" in str(error) and str(path) in str(error)


def test_invalid_json_reports_line_and_column(tmp_path):
    path = write(tmp_path, "bad.json", '[\n  {"name": "A",\n   "scope": x}\n]')
    error = error_of(path)
    assert error.cause.line == 3 and error.cause.column == 13
    assert "3:13" in str(error) and "^" in str(error)


@pytest.mark.parametrize(
    ("body", "rule", "words"),
    [
        ('[[rule]]\nscope = "x"\nparse = "parse \\"a=*\\" as a"\n', "#1", "missing key `name`"),
        ('[[rule]]\nname = "A"\nscope = "x"\n', "A", "missing key `parse`"),
        ('[[rule]]\nname = "A"\nparse = 3\n', "A", "`parse` must be a string"),
        ('[[rule]]\nname = "A"\nenabled = "yes"\nparse = \'parse "a=*" as a\'\n', "A", "`enabled` must be true or false"),
        ('[[rule]]\nname = "A"\nparsee = "x"\nparse = \'parse "a=*" as a\'\n', "A", "unknown key 'parsee'"),
        ('[[rule]]\nname = ""\nparse = \'parse "a=*" as a\'\n', "#1", "non-empty"),
        ('[[rule]]\nname = "A"\nparse = \'parse "a=*" as a\'\n[[rule.example]]\ninput = "a=1"\n', "A", "either `fields`"),
        ('[[rule]]\nname = "A"\nparse = \'parse "a=*" as a\'\n[[rule.example]]\ninput = "a=1"\nfields = { a = 1 }\n', "A", "table of strings"),
        ('[[rule]]\nname = "A"\nparse = \'parse "a=*" as a\'\n[[rule.example]]\ninput = { host = "h" }\ndropped = true\n', "A", "needs `_raw`"),
    ],
)
def test_bad_keys_and_types(tmp_path, body, rule, words):
    path = write(tmp_path, "bad.toml", body)
    error = error_of(path)
    assert error.path == str(path) and error.rule == rule
    assert words in str(error)
    assert str(path) in str(error)


def test_json_missing_parse_expression(tmp_path):
    path = write(tmp_path, "bad.json", json.dumps([{"name": "A", "scope": "x"}]))
    error = error_of(path)
    assert error.rule == "A" and "parseExpression" in str(error)


def test_duplicate_rule_names(tmp_path):
    rule = '[[rule]]\nname = "Same"\nparse = \'parse "a=*" as a\'\n'
    error = error_of(write(tmp_path, "dup.toml", rule + rule))
    assert error.rule == "Same" and "duplicate rule name" in str(error)


def test_rule_that_does_not_compile_carries_the_compile_error(tmp_path):
    text = '[[rule]]\nname = "Ok"\nparse = \'parse "a=*" as a\'\n\n[[rule]]\nname = "Broken"\nscope = "x"\nparse = \'\'\'\nparse "a=*" as a\n| parse "b=* *" as b\n\'\'\'\n'
    path = write(tmp_path, "r.toml", text)
    error = error_of(path)
    assert error.rule == "Broken" and error.path == str(path)
    assert isinstance(error.cause, FerCompileError)
    assert error.cause.line == 2
    rendered = str(error)
    assert "'Broken'" in rendered and f"2:{error.cause.column}" in rendered and "^" in rendered
    assert f"{path}:10:" in rendered  # where the problem sits in the file itself


def test_disabled_rules_are_compiled_too(tmp_path):
    text = '[[rule]]\nname = "Off"\nenabled = false\nparse = "parse (("\n'
    error = error_of(write(tmp_path, "r.toml", text))
    assert error.rule == "Off" and isinstance(error.cause, FerSyntaxError)


def test_bad_scope(tmp_path):
    text = '[[rule]]\nname = "S"\nscope = "(a OR"\nparse = \'parse "a=*" as a\'\n'
    error = error_of(write(tmp_path, "r.toml", text))
    assert error.rule == "S" and "scope" in str(error) and isinstance(error.cause, FerSyntaxError)


def test_bad_source_settings(tmp_path):
    text = '[source]\ncolour = "red"\n[[rule]]\nname = "A"\nparse = \'parse "a=*" as a\'\n'
    error = error_of(write(tmp_path, "r.toml", text))
    assert error.path == str(tmp_path / "r.toml")


def test_unknown_top_level_key(tmp_path):
    error = error_of(write(tmp_path, "r.toml", '[rules]\nname = "A"\n'))
    assert "unknown top-level key 'rules'" in str(error)


def test_missing_file(tmp_path):
    error = error_of(tmp_path / "nope.toml")
    assert "cannot read" in str(error) and error.path == str(tmp_path / "nope.toml")


def test_check_rules_collects_every_error(tmp_path):
    text = (
        '[[rule]]\nname = "A"\nparse = "parse (("\n'
        '[[rule]]\nname = "B"\nparse = \'parse "a=*" as a\'\n'
        '[[rule]]\nname = "C"\nparse = \'parse "a=* *" as a\'\n'
        '[[rule]]\nname = "B"\nparse = \'parse "a=*" as a\'\n'
        '[[rule]]\nparse = \'parse "a=*" as a\'\n'
    )
    errors = check_rules(write(tmp_path, "r.toml", text))
    assert [e.rule for e in errors] == ["A", "C", "B", "#5"]
    assert all(e.path == str(tmp_path / "r.toml") for e in errors)
    assert check_rules(EXAMPLE) == []


# ---- warnings


def rule(name, scope, expression, enabled=True):
    return Rule(name, scope, expression, enabled)


def test_warning_for_overlapping_rules_with_colliding_fields():
    rules = RuleSet.from_rules([
        rule("First", "_sourceCategory=web/*", 'parse "user=* " as user, "ip=*" as IP'),
        rule("Second", "_sourceCategory=web/prod", 'parse "ip=*" as ip'),
        rule("Elsewhere", "_sourceCategory=db", 'parse "ip=*" as ip'),
        rule("Off", "", 'parse "ip=*" as ip', enabled=False),
    ])
    warnings = rules.warnings()
    assert len(warnings) == 1
    assert "'First'" in warnings[0] and "'Second'" in warnings[0] and "ip" in warnings[0]
    assert "wins" in warnings[0]


def test_warning_for_too_many_rules_and_field_names():
    many = [rule(f"R{i}", f"_sourceCategory=c{i}", f'parse "a=*" as f{i}') for i in range(MAX_RULES + 1)]
    warnings = RuleSet.from_rules(many).warnings()
    assert any(f"{MAX_RULES + 1} rules" in w for w in warnings)
    names = ", ".join(f"f{i}" for i in range(MAX_FIELD_NAMES + 1))
    stars = " ".join("*" for _ in range(MAX_FIELD_NAMES + 1))
    wide = RuleSet.from_rules([rule("Wide", "", f'parse "{stars}" as {names}')])
    assert any(f"{MAX_FIELD_NAMES + 1} distinct field names" in w for w in wide.warnings())


# ---- Rule and RuleSet objects


def test_rule_compiles_when_built():
    built = Rule("R", "error", 'parse "a=*" as a')
    assert built.pipeline.apply("a=1") == {"a": "1"}
    assert built.compiled_scope.matches("an error here", {})
    with pytest.raises(FerRuleError) as caught:
        Rule("R", "", 'parse "a=*"')
    assert caught.value.rule == "R" and caught.value.cause is not None


def test_ruleset_lookup_duplicates_and_pickling():
    rules = RuleSet.from_rules([rule("A", "", 'parse "a=*" as a'), rule("B", "", 'parse "b=*" as b')],
                               {"category": "cat"})
    assert rules["B"].name == "B" and rules[0].name == "A" and "A" in rules and len(rules) == 2
    assert rules.source.category == "cat"
    with pytest.raises(FerRuleError):
        RuleSet.from_rules([rule("A", "", 'parse "a=*" as a')] * 2)
    copy = pickle.loads(pickle.dumps(rules))
    assert copy.names == rules.names and copy.source == rules.source
    assert copy["A"].pipeline.apply("a=2") == {"a": "2"}


def test_errors_pickle():
    error = FerRuleError("x", path="p", rule="r", cause=FerSyntaxError("bad", source="ab", line=1, column=2))
    assert str(pickle.loads(pickle.dumps(error))) == str(error)


def test_loads_rules_from_text():
    text = EXAMPLE.read_text()
    rules = fer.rules.loads_rules(text, "toml", name="vpc.toml")
    assert rules.names == load_rules(EXAMPLE).names and rules.path == "vpc.toml"
    assert fer.rules.loads_rules(EXAMPLE_JSON.read_text()).names == ("VPCFlowLogFER",)
    assert fer.rules.loads_rules(text).path is None
    with pytest.raises(FerRuleError) as caught:
        fer.rules.loads_rules('[[rule]]\nname = "A"\nparse = "parse (("\n', name="given.toml")
    assert caught.value.path == "given.toml" and caught.value.rule == "A"
