"""Static facts about a checked query that both back ends share.

What each stage assigns (field keys and spellings, in order), and which fields the expression outputs
with which spelling (language.md §1 "Output spelling" and §7 "fields"). Keeping this in one place is
what lets the reference evaluator and the code generator agree on names by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

from fer import ast
from fer.ast import field_key


@dataclass(frozen=True, slots=True)
class Target:
    """A field a stage writes: its key (identity) and the spelling used at that place."""

    key: str
    spelling: str


def regex_names(stage: ast.ParseRegex) -> tuple[str, ...]:
    """Named groups of every regex of a `parse regex` stage, in order, first spelling of each key."""
    from fer.regex import translate

    seen: dict[str, str] = {}
    for literal in stage.regexes:
        for name in translate(literal.value).names:
            seen.setdefault(field_key(name), name)
    return tuple(seen.values())


def json_names(stage: ast.Json) -> tuple[str, ...]:
    if stage.names is not None:
        return tuple(name.text for name in stage.names)
    return tuple(path.value for path in stage.paths)


def kv_names(stage: ast.KeyValue) -> tuple[str, ...]:
    if stage.names is not None:
        return tuple(name.text for name in stage.names)
    from fer.keyvalue import default_name

    return tuple(default_name(key.value) for key in stage.keys)


def csv_columns(stage: ast.Csv) -> tuple[tuple[int, str], ...]:
    """(1-based column, name) pairs; `_` skips a column; a positional item takes the next column."""
    resolved: list[tuple[int, str]] = []
    column = 0
    for item in stage.columns:
        column = item.index if item.index is not None else column + 1
        if item.name.text != "_":
            resolved.append((column, item.name.text))
    return tuple(resolved)


def stage_targets(stage: ast.Stage) -> tuple[Target, ...]:
    """The fields a stage may write, in the order it writes them."""
    match stage:
        case ast.ParseAnchor(patterns=patterns):
            names = [name.text for pattern in patterns for name in pattern.names]
        case ast.ParseRegex():
            names = list(regex_names(stage))
        case ast.Json():
            names = list(json_names(stage))
        case ast.KeyValue():
            names = list(kv_names(stage))
        case ast.Csv():
            names = [name for _, name in csv_columns(stage)]
        case ast.Assign(target=target):
            names = [target.text]
        case ast.ConvertInPlace(target=target):
            names = [target.name]
        case _:
            names = []
    return tuple(Target(field_key(name), name) for name in names)


@dataclass(frozen=True, slots=True)
class OutputPlan:
    """The fields an expression can output, in output order, with their output spelling."""

    keys: tuple[str, ...]
    spellings: tuple[str, ...]


def output_plan(query: ast.Query) -> OutputPlan:
    """Follow the stages: assignments add fields, `fields` allowlists keep, `fields -` removes.

    Spelling: the last allowlist that names a field decides; otherwise its first assignment.
    Order: allowlist order for fields kept by the last allowlist, then fields assigned after it.
    """
    live: dict[str, str] = {}  # key -> spelling, in current output order
    first_spelling: dict[str, str] = {}
    for stage in query.stages:
        if isinstance(stage, ast.Fields):
            named = {field_key(name.text): name.text for name in stage.names}
            if stage.mode == "keep":
                live = {key: spelling for key, spelling in named.items() if key in live}
            else:
                live = {key: spelling for key, spelling in live.items() if key not in named}
            continue
        for target in stage_targets(stage):
            first_spelling.setdefault(target.key, target.spelling)
            live.setdefault(target.key, first_spelling[target.key])
    return OutputPlan(tuple(live), tuple(live.values()))


def message_fields(message: object) -> dict[str, str | None]:
    """The input of an expression as fields keyed by lower-case key: `_raw` plus any metadata."""
    if isinstance(message, str):
        return {"_raw": message}
    fields: dict[str, str | None] = {}
    for key, value in message.items():  # type: ignore[attr-defined]
        if isinstance(key, str):
            fields.setdefault(key.lower(), value if value is None or isinstance(value, str) else str(value))
    return fields
