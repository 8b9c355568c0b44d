"""Rule files: `Rule`, `RuleSet`, `load_rules` (TOML and Sumo Logic FER JSON), `check_rules`.

A rule is compiled when it is built (disabled rules too, language.md §7), so a `RuleSet` that exists
is one that runs. Loading is strict: one bad rule rejects the file with a `FerRuleError` naming the
file and the rule; `check_rules` walks the whole file and returns every error instead (for
`fer check`).

Native TOML (api.md "Rule files")::

    [source]                       # optional: fer.source.SourceSettings.from_mapping
    category = "aws/vpc/flowlogs"

    [[rule]]
    name = "VPCFlowLogFER"
    scope = "_sourceCategory=aws/vpc/flowlogs"
    enabled = true                 # optional
    parse = '''json "message" as _rawvpc nodrop | ...'''

    [[rule.example]]               # optional, run by `fer test`
    input = "2 123456789010 eni-... ACCEPT OK"   # or a table: { _raw = "...", _sourceCategory = "..." }
    fields = { src_ip = "172.31.16.139" }         # the rule's extracted fields, or:
    # dropped = true                              # the rule contributes nothing

Sumo Logic JSON: one object, a list of objects, or `{"data": [...]}`, each with `name`, `scope`,
`parseExpression` and optionally `enabled`; other keys (`id`, `createdAt`, `fieldNames`) are ignored.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fer.errors import FerError, FerRuleError, FerSyntaxError

if TYPE_CHECKING:  # imported lazily at run time: the compiler pulls in Lark
    from fer.pipeline import Pipeline
    from fer.scope import Scope
    from fer.source import SourceSettings

__all__ = [
    "Rule",
    "RuleExample",
    "RuleSet",
    "load_rules",
    "loads_rules",
    "check_rules",
    "RulesFormat",
    "MAX_RULES",
    "MAX_FIELD_NAMES",
]

RulesFormat = Literal["auto", "toml", "json"]

# Sumo's per-account limits; exceeding them is a warning, not an error (language.md §5).
MAX_RULES = 50
MAX_FIELD_NAMES = 200

_TOML_TOP_KEYS = frozenset({"rule", "source"})
_TOML_RULE_KEYS = frozenset({"name", "scope", "enabled", "parse", "example", "description"})
_TOML_EXAMPLE_KEYS = frozenset({"name", "description", "input", "fields", "dropped"})


# --------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class RuleExample:
    """One `[[rule.example]]`: an input message and what the rule should make of it.

    `fields` is the exact dict of fields the rule should contribute; `dropped=True` says the rule
    should contribute nothing (its expression drops, the message is out of scope or excluded).
    """

    input: str | Mapping[str, str]
    fields: Mapping[str, str] | None = None
    dropped: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        if self.dropped and self.fields is not None:
            raise ValueError("an example gives either `fields` or `dropped = true`, not both")
        if not self.dropped and self.fields is None:
            raise ValueError("an example needs `fields` (the expected fields) or `dropped = true`")


@dataclass(frozen=True)
class Rule:
    """A field extraction rule: name, scope, parse expression, enabled flag (language.md §5).

    Building a `Rule` compiles its expression and scope (`pipeline`, `compiled_scope`); a rule that
    does not compile raises `FerRuleError` naming the rule and carrying the compile error.
    """

    name: str
    scope: str
    expression: str
    enabled: bool = True
    examples: tuple[RuleExample, ...] = ()
    pipeline: Pipeline = field(init=False, repr=False, compare=False)
    compiled_scope: Scope = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise FerRuleError("a rule needs a non-empty name", rule=None)
        for attribute in ("scope", "expression"):
            if not isinstance(getattr(self, attribute), str):
                raise FerRuleError(f"`{attribute}` must be a string", rule=self.name)
        if not isinstance(self.enabled, bool):
            raise FerRuleError("`enabled` must be true or false", rule=self.name)
        object.__setattr__(self, "examples", tuple(self.examples))

        from fer.pipeline import compile as compile_expression
        from fer.scope import compile_scope

        try:
            pipeline = compile_expression(self.expression)
        except FerError as error:
            raise FerRuleError("parse expression does not compile", rule=self.name, cause=error) from None
        try:
            scope = compile_scope(self.scope)
        except FerError as error:
            raise FerRuleError("scope does not compile", rule=self.name, cause=error) from None
        object.__setattr__(self, "pipeline", pipeline)
        object.__setattr__(self, "compiled_scope", scope)

    @property
    def fields(self) -> tuple[str, ...]:
        """Output field names, known at compile time."""
        return self.pipeline.fields

    def __reduce__(self):  # compiled code does not pickle: rebuild (recompile) on the other side
        return (Rule, (self.name, self.scope, self.expression, self.enabled, self.examples))


# --------------------------------------------------------------------------------------------
# Rule sets


class RuleSet:
    """An ordered collection of rules with the source settings they were written for.

    Iterating yields every rule, disabled ones included; `engine.Engine` runs the enabled ones in
    this order (the first listed wins a field collision, language.md §5).
    """

    __slots__ = ("_rules", "_by_name", "source", "path")

    def __init__(
        self,
        rules: Iterable[Rule] = (),
        source: SourceSettings | Mapping[str, Any] | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        self._rules: tuple[Rule, ...] = tuple(rules)
        self.path: str | None = os.fspath(path) if path is not None else None
        by_name: dict[str, Rule] = {}
        for rule in self._rules:
            if not isinstance(rule, Rule):
                raise TypeError(f"RuleSet holds Rule objects, not {type(rule).__name__}")
            if rule.name in by_name:
                raise FerRuleError("duplicate rule name", path=self.path, rule=rule.name)
            by_name[rule.name] = rule
        self._by_name = by_name
        self.source: SourceSettings = _source_settings(source, self.path)

    @classmethod
    def from_rules(
        cls, rules: Iterable[Rule], source: SourceSettings | Mapping[str, Any] | None = None
    ) -> RuleSet:
        """A rule set built in code rather than loaded from a file."""
        return cls(rules, source)

    def __iter__(self) -> Iterator[Rule]:
        return iter(self._rules)

    def __len__(self) -> int:
        return len(self._rules)

    def __getitem__(self, key: int | str) -> Rule:
        """A rule by position or by name."""
        if isinstance(key, str):
            return self._by_name[key]
        return self._rules[key]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __repr__(self) -> str:
        names = ", ".join(rule.name for rule in self._rules)
        where = f" from {self.path!r}" if self.path else ""
        return f"<RuleSet{where}: {names}>"

    def __reduce__(self):
        return (_rebuild_ruleset, (self._rules, self.source, self.path))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self._rules)

    @property
    def enabled(self) -> tuple[Rule, ...]:
        return tuple(rule for rule in self._rules if rule.enabled)

    def warnings(self) -> list[str]:
        """Problems that are not errors: colliding overlapping rules, Sumo's account limits."""
        from fer.scope import scopes_may_overlap

        found: list[str] = []
        enabled = self.enabled
        keys = [{name.lower(): name for name in rule.fields} for rule in enabled]
        for i, first in enumerate(enabled):
            for j in range(i + 1, len(enabled)):
                second = enabled[j]
                shared = [keys[j][key] for key in keys[j] if key in keys[i]]
                if not shared:
                    continue
                if not scopes_may_overlap(first.compiled_scope, second.compiled_scope):
                    continue
                found.append(
                    f"rules {first.name!r} and {second.name!r} can apply to the same message and "
                    f"both extract {', '.join(shared)}; {first.name!r} is listed first and wins"
                )
        for rule in self._rules:
            found += [f"rule {rule.name!r}: {warning}" for warning in rule.pipeline.warnings]
        if len(self._rules) > MAX_RULES:
            found.append(
                f"{len(self._rules)} rules: Sumo Logic allows at most {MAX_RULES} per account"
            )
        distinct = {name.lower() for rule in self._rules for name in rule.fields}
        if len(distinct) > MAX_FIELD_NAMES:
            found.append(
                f"{len(distinct)} distinct field names: Sumo Logic allows at most "
                f"{MAX_FIELD_NAMES} per account"
            )
        return found


def _rebuild_ruleset(rules: tuple[Rule, ...], source: SourceSettings, path: str | None) -> RuleSet:
    return RuleSet(rules, source, path=path)


def _source_settings(
    source: SourceSettings | Mapping[str, Any] | None, path: str | None
) -> SourceSettings:
    from fer.source import SourceSettings

    if isinstance(source, SourceSettings):
        return source
    try:
        return SourceSettings.from_mapping(dict(source or {}), path=path)
    except FerRuleError:
        raise
    except FerError as error:
        raise FerRuleError("invalid [source] settings", path=path, cause=error) from None


# --------------------------------------------------------------------------------------------
# Loading


def load_rules(path: str | os.PathLike[str]) -> RuleSet:
    """Load and compile a TOML or Sumo JSON rule file; raise `FerRuleError` on the first problem."""
    errors: list[FerRuleError] = []
    return _first_error_or(_load(path, errors), errors)


def loads_rules(text: str, format: RulesFormat = "auto", name: str = "<rules>") -> RuleSet:
    """`load_rules` for rule-file text already in memory; `name` labels errors (and `.path`).

    `format` is "toml", "json", or "auto" (told apart by content, as for a file without a suffix).
    """
    errors: list[FerRuleError] = []
    ruleset = _first_error_or(_load_text(text, name, format, errors), errors)
    if name == "<rules>":
        ruleset.path = None
    return ruleset


def check_rules(path: str | os.PathLike[str]) -> list[FerRuleError]:
    """Every error in a rule file (an empty list when it loads), for `fer check`."""
    errors: list[FerRuleError] = []
    _load(path, errors)
    return errors


def _first_error_or(ruleset: RuleSet | None, errors: list[FerRuleError]) -> RuleSet:
    if errors:
        raise errors[0]
    assert ruleset is not None
    return ruleset


def _load(path: str | os.PathLike[str], errors: list[FerRuleError]) -> RuleSet | None:
    """Read the file, collecting every error in `errors`; the RuleSet when there were none."""
    name = os.fspath(path)
    try:
        data = Path(name).read_bytes()
    except OSError as error:
        errors.append(FerRuleError(f"cannot read rule file: {error.strerror or error}", path=name))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        errors.append(FerRuleError(f"not UTF-8 text (byte {error.start})", path=name))
        return None
    suffix = Path(name).suffix.lower()
    format_: RulesFormat = "json" if suffix == ".json" else "toml" if suffix == ".toml" else "auto"
    return _load_text(text, name, format_, errors)


def _load_text(
    text: str, name: str, format_: RulesFormat, errors: list[FerRuleError]
) -> RuleSet | None:
    if format_ not in ("auto", "toml", "json"):
        raise ValueError(f"rule file format is auto, toml or json, not {format_!r}")
    if format_ == "json" or (format_ == "auto" and _is_json(text)):
        entries, source = _read_json(text, name, errors)
    else:
        entries, source = _read_toml(text, name, errors)
    if entries is None:
        return None

    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(entries, 1):
        rule = _build_rule(entry, text, name, errors)
        if rule is None:
            continue
        if rule.name in seen:
            errors.append(
                FerRuleError(
                    f"duplicate rule name (rule #{number}; first used by rule #{seen[rule.name]})",
                    path=name,
                    rule=rule.name,
                )
            )
            continue
        seen[rule.name] = number
        rules.append(rule)

    try:
        settings = _source_settings(source, name)
    except FerRuleError as error:
        errors.append(error)
        return None
    if errors:
        return None
    return RuleSet(rules, settings, path=name)


def _is_json(text: str) -> bool:
    # No telling extension: JSON starts with `{` or `[`; so does TOML's `[[rule]]`, so try JSON.
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return True
    if stripped.startswith("[") and not stripped.startswith("[["):
        try:
            json.loads(text)
        except ValueError:
            return False
        return True
    return False


@dataclass
class _Entry:
    """One rule as read from the file, before type checks."""

    number: int
    data: Mapping[str, Any]
    expression_key: str  # "parse" (TOML) or "parseExpression" (JSON)
    strict: bool  # TOML rejects unknown keys; Sumo exports carry extra ones


def _read_json(
    text: str, path: str, errors: list[FerRuleError]
) -> tuple[list[_Entry] | None, Mapping[str, Any] | None]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        cause = FerSyntaxError(error.msg, source=text, line=error.lineno, column=error.colno)
        errors.append(FerRuleError("invalid JSON", path=path, cause=cause))
        return None, None
    if isinstance(document, Mapping) and "data" in document and "parseExpression" not in document:
        document = document["data"]
    if isinstance(document, Mapping):
        document = [document]
    if not isinstance(document, list):
        errors.append(
            FerRuleError(
                "expected a rule object, a list of rules or {\"data\": [...]}", path=path
            )
        )
        return None, None
    return [_Entry(n, item, "parseExpression", False) for n, item in enumerate(document, 1)], None


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def _read_toml(
    text: str, path: str, errors: list[FerRuleError]
) -> tuple[list[_Entry] | None, Mapping[str, Any] | None]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        position = _TOML_POSITION.search(message)
        if position:
            cause = FerSyntaxError(
                message[: position.start()].strip(),
                source=text,
                line=int(position.group(1)),
                column=int(position.group(2)),
            )
            errors.append(FerRuleError("invalid TOML", path=path, cause=cause))
        else:
            errors.append(FerRuleError(f"invalid TOML: {message}", path=path))
        return None, None

    unknown = sorted(set(document) - _TOML_TOP_KEYS)
    if unknown:
        errors.append(
            FerRuleError(
                f"unknown top-level key {unknown[0]!r} (expected [[rule]] tables and [source])",
                path=path,
            )
        )
    rules = document.get("rule", [])
    if not isinstance(rules, list) or not all(isinstance(item, dict) for item in rules):
        errors.append(FerRuleError("`rule` must be an array of tables: write [[rule]]", path=path))
        return None, None
    source = document.get("source")
    if source is not None and not isinstance(source, dict):
        errors.append(FerRuleError("`source` must be a table: write [source]", path=path))
        source = None
    return [_Entry(n, item, "parse", True) for n, item in enumerate(rules, 1)], source


def _build_rule(entry: _Entry, text: str, path: str, errors: list[FerRuleError]) -> Rule | None:
    data = entry.data
    if not isinstance(data, Mapping):
        errors.append(FerRuleError(f"rule #{entry.number} is not an object", path=path))
        return None
    name = data.get("name")
    label = name if isinstance(name, str) and name.strip() else f"#{entry.number}"

    def fail(message: str) -> None:
        errors.append(FerRuleError(message, path=path, rule=label))

    if name is None:
        fail("missing key `name`")
        return None
    if not isinstance(name, str) or not name.strip():
        fail("`name` must be a non-empty string")
        return None
    if entry.strict:
        unknown = sorted(set(data) - _TOML_RULE_KEYS)
        if unknown:
            fail(f"unknown key {unknown[0]!r} (expected name, scope, enabled, parse, example)")
            return None
    expression = data.get(entry.expression_key)
    if expression is None:
        fail(f"missing key `{entry.expression_key}` (the parse expression)")
        return None
    scope = data.get("scope", "")
    enabled = data.get("enabled", True)
    for key, value, kind in (
        (entry.expression_key, expression, str),
        ("scope", scope, str),
        ("enabled", enabled, bool),
    ):
        if not isinstance(value, kind):
            expected = "true or false" if kind is bool else "a string"
            fail(f"`{key}` must be {expected}, not {type(value).__name__}")
            return None

    examples = _read_examples(data.get("example", []), fail)
    if examples is None:
        return None
    try:
        return Rule(name, scope, expression, enabled, examples)
    except FerRuleError as error:
        errors.append(_with_file_position(error, path, text, expression))
        if error.message.startswith("parse expression"):
            # Rule() stops at the expression; `fer check` wants the scope's error too.
            from fer.scope import compile_scope

            try:
                compile_scope(scope)
            except FerError as scope_error:
                errors.append(FerRuleError("scope does not compile", path=path, rule=label,
                                           cause=scope_error))
        return None


def _with_file_position(error: FerRuleError, path: str, text: str, expression: str) -> FerRuleError:
    """Add the file path, and where the error sits in the file when the expression is found there."""
    message = error.message
    cause = error.cause
    line = getattr(cause, "line", None)
    column = getattr(cause, "column", None)
    if expression and line is not None and column is not None and text.count(expression) == 1:
        start = text.index(expression)
        file_line = text.count("\n", 0, start) + line
        if line == 1:
            column += start - (text.rfind("\n", 0, start) + 1)
        message += f" (at {path}:{file_line}:{column})"
    return FerRuleError(message, path=path, rule=error.rule, cause=cause)


def _read_examples(raw: Any, fail) -> tuple[RuleExample, ...] | None:
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        fail("`example` must be an array of tables: write [[rule.example]]")
        return None
    examples: list[RuleExample] = []
    for number, item in enumerate(raw, 1):
        where = f"example #{number}"
        unknown = sorted(set(item) - _TOML_EXAMPLE_KEYS)
        if unknown:
            fail(f"{where}: unknown key {unknown[0]!r} (expected input, fields or dropped)")
            return None
        message = item.get("input")
        if isinstance(message, dict):
            if not all(isinstance(v, str) for v in message.values()):
                fail(f"{where}: `input` values must be strings")
                return None
            if not any(key.lower() == "_raw" for key in message):
                fail(f"{where}: an `input` table needs `_raw`")
                return None
        elif not isinstance(message, str):
            fail(f"{where}: `input` must be a string or a table with `_raw` and metadata")
            return None
        fields = item.get("fields")
        dropped = item.get("dropped", False)
        if not isinstance(dropped, bool):
            fail(f"{where}: `dropped` must be true or false")
            return None
        if fields is not None and (
            not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values())
        ):
            fail(f"{where}: `fields` must be a table of strings (write numbers as \"20\")")
            return None
        if dropped == (fields is not None):
            fail(f"{where}: give either `fields` (the expected fields) or `dropped = true`")
            return None
        label = item.get("name", item.get("description", ""))
        if not isinstance(label, str):
            fail(f"{where}: `name` must be a string")
            return None
        examples.append(RuleExample(message, fields, dropped, label))
    return tuple(examples)

