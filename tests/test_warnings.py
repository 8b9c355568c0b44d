"""Regex backtracking warnings reach users: Pipeline.warnings, RuleSet.warnings(), fer check, explain."""

from __future__ import annotations

import fer
from fer.cli import main

RISKY = 'parse regex "(?<a>(?:x+)+)y"'
SAFE = 'parse regex "(?<a>x+)y"'


def test_pipeline_warns_about_nested_quantifiers() -> None:
    (warning,) = fer.compile(RISKY).warnings
    assert "(?:x+)+" in warning and "nested quantifiers" in warning
    assert fer.compile(SAFE).warnings == ()


def test_rule_set_and_fer_check_show_the_warning(tmp_path, capsys) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(f"[[rule]]\nname = 'risky'\nscope = 'x'\nparse = '{RISKY}'\n")
    warnings = fer.load_rules(path).warnings()
    assert any(w.startswith("rule 'risky': regex") for w in warnings)
    assert main(["check", str(path)]) == 0  # a warning is not an error
    assert "nested quantifiers" in capsys.readouterr().out


def test_explain_lists_warnings(capsys) -> None:
    assert main(["explain", RISKY]) == 0
    assert "warning: regex" in capsys.readouterr().out
