"""Source settings: processing rules and timestamp reading, applied before any rule (language.md §6, §7).

`SourceSettings.from_mapping` reads the `[source]` table of a rule file (api.md) and validates it all at
load time; `SourceProcessor` turns the settings into one specialised `process(raw) -> str | None`
function (include, exclude, then mask/hash in file order) plus `read_timestamp(raw) -> int | None`.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from fer.errors import FerError, FerRuleError
from fer.timestamps import compile_java_regex, make_timestamp_reader

__all__ = ["ProcessingRule", "SourceProcessor", "SourceSettings"]

RuleType = Literal["include", "exclude", "mask", "hash"]
_RULE_TYPES = ("include", "exclude", "mask", "hash")
_ALGORITHMS = ("md5", "sha256")


@dataclass(frozen=True)
class ProcessingRule:
    """One processing rule of a source; `mask` is for mask rules, `algorithm` for hash rules."""

    name: str
    type: RuleType
    regex: str
    mask: str = "#"
    algorithm: Literal["md5", "sha256"] = "md5"


@dataclass(frozen=True)
class SourceSettings:
    """The `[source]` table: default metadata, timestamp settings and processing rules."""

    category: str | None = None
    host: str | None = None
    name: str | None = None
    timestamp_format: str | None = None
    timestamp_locator: str | None = None
    timezone: str = "UTC"
    processing_rules: tuple[ProcessingRule, ...] = field(default=())

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, path: str | None = None) -> SourceSettings:
        """Read a `[source]` table (or a whole document holding one); FerRuleError when it is wrong."""
        if set(data) == {"source"} and isinstance(data["source"], Mapping):
            data = data["source"]
        _check_keys(data, {"category", "host", "name", "timestamp", "processing_rule"}, "[source]", path)
        timestamp = data.get("timestamp", {})
        if not isinstance(timestamp, Mapping):
            raise FerRuleError("[source.timestamp] must be a table", path=path)
        _check_keys(timestamp, {"format", "locator", "timezone"}, "[source.timestamp]", path)
        rules_data = data.get("processing_rule", [])
        if isinstance(rules_data, Mapping):  # a single [source.processing_rule] table
            rules_data = [rules_data]
        if not isinstance(rules_data, Sequence) or isinstance(rules_data, str):
            raise FerRuleError("[[source.processing_rule]] must be an array of tables", path=path)
        settings = cls(
            category=_optional_str(data, "category", "[source]", path),
            host=_optional_str(data, "host", "[source]", path),
            name=_optional_str(data, "name", "[source]", path),
            timestamp_format=_optional_str(timestamp, "format", "[source.timestamp]", path),
            timestamp_locator=_optional_str(timestamp, "locator", "[source.timestamp]", path),
            timezone=_optional_str(timestamp, "timezone", "[source.timestamp]", path) or "UTC",
            processing_rules=tuple(_read_rule(r, i, path) for i, r in enumerate(rules_data, 1)),
        )
        settings.validate(path=path)
        return settings

    def validate(self, *, path: str | None = None) -> None:
        """Compile every regex and the timestamp reader once, raising FerRuleError on a problem."""
        for rule in self.processing_rules:
            try:
                _compile_rule(rule)
            except FerError as exc:
                raise FerRuleError(f"processing rule: {exc}", path=path, rule=rule.name) from None
        if self.timestamp_locator is not None and self.timestamp_format is None:
            raise FerRuleError("[source.timestamp] has a locator but no format", path=path)
        try:
            self.timestamp_reader()
        except FerError as exc:
            raise FerRuleError(f"[source.timestamp]: {exc}", path=path) from None

    def timestamp_reader(self) -> Callable[[str], int | None] | None:
        """The configured timestamp reader, or None when no format is set."""
        if self.timestamp_format is None:
            return None
        return make_timestamp_reader(self.timestamp_format, self.timestamp_locator, self.timezone)


def _check_keys(data: Mapping[str, Any], allowed: set[str], where: str, path: str | None,
                rule: str | None = None) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise FerRuleError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} in {where} "
            f"(allowed: {', '.join(sorted(allowed))})",
            path=path,
            rule=rule,
        )


def _optional_str(data: Mapping[str, Any], key: str, where: str, path: str | None,
                  rule: str | None = None) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise FerRuleError(f"{where} {key} must be a string, not {type(value).__name__}",
                           path=path, rule=rule)
    return value


def _read_rule(data: Any, index: int, path: str | None) -> ProcessingRule:
    where = "[[source.processing_rule]]"
    if not isinstance(data, Mapping):
        raise FerRuleError(f"{where} #{index} must be a table", path=path)
    name = _optional_str(data, "name", where, path) or f"processing rule {index}"
    _check_keys(data, {"name", "type", "regex", "mask", "algorithm"}, where, path, name)
    kind = _optional_str(data, "type", where, path, name)
    if kind is None or kind.lower() not in _RULE_TYPES:
        raise FerRuleError(f"type must be one of {', '.join(_RULE_TYPES)} (got {kind!r})",
                           path=path, rule=name)
    kind = kind.lower()
    regex = _optional_str(data, "regex", where, path, name)
    if not regex:
        raise FerRuleError("a processing rule needs a non-empty regex", path=path, rule=name)
    mask = _optional_str(data, "mask", where, path, name)
    if mask is not None and kind != "mask":
        raise FerRuleError(f"'mask' applies to mask rules, not {kind} rules", path=path, rule=name)
    algorithm = _optional_str(data, "algorithm", where, path, name)
    if algorithm is not None:
        if kind != "hash":
            raise FerRuleError(f"'algorithm' applies to hash rules, not {kind} rules", path=path, rule=name)
        if algorithm.lower() not in _ALGORITHMS:
            raise FerRuleError(f"algorithm must be md5 or sha256 (got {algorithm!r})", path=path, rule=name)
        algorithm = algorithm.lower()
    return ProcessingRule(
        name=name,
        type=kind,  # type: ignore[arg-type]  # checked against _RULE_TYPES above
        regex=regex,
        mask="#" if mask is None else mask,
        algorithm=algorithm or "md5",  # type: ignore[arg-type]  # checked against _ALGORITHMS above
    )


# --------------------------------------------------------------------------------------------------
# Processing
# --------------------------------------------------------------------------------------------------

_Rewrite = Callable[[str], str]


def _compile_rule(rule: ProcessingRule) -> re.Pattern[str]:
    if rule.type not in _RULE_TYPES:
        raise FerError(f"unknown processing rule type {rule.type!r}")
    if rule.type == "hash" and rule.algorithm not in _ALGORITHMS:
        raise FerError(f"unknown hash algorithm {rule.algorithm!r}")
    return compile_java_regex(rule.regex)


def _spans(regex: re.Pattern[str], raw: str) -> list[tuple[int, int]]:
    """Spans to replace: every group's text in every match (the whole match without groups).

    Nested or overlapping groups are replaced once (the outermost, leftmost wins); empty spans are
    skipped so that a pattern such as `(\\d*)` does not sprinkle masks between characters.
    """
    spans: list[tuple[int, int]] = []
    end = 0
    for m in regex.finditer(raw):
        candidates = [m.span(g) for g in range(1, regex.groups + 1)] if regex.groups else [m.span()]
        for start, stop in sorted(candidates, key=lambda span: (span[0], -span[1])):  # outer first
            if start >= end and stop > start:  # -1 (group not taken) fails `stop > start` too
                spans.append((start, stop))
                end = stop
    return spans


def _rewriter(regex: re.Pattern[str], replace: Callable[[str], str]) -> _Rewrite:
    def rewrite(raw: str) -> str:
        spans = _spans(regex, raw)
        if not spans:
            return raw
        out: list[str] = []
        last = 0
        for start, stop in spans:
            out.append(raw[last:start])
            out.append(replace(raw[start:stop]))
            last = stop
        out.append(raw[last:])
        return "".join(out)

    return rewrite


def _hasher(algorithm: str) -> Callable[[str], str]:
    new = hashlib.md5 if algorithm == "md5" else hashlib.sha256
    return lambda text: new(text.encode("utf-8")).hexdigest()


def _masker(mask: str) -> Callable[[str], str]:
    return lambda _text: mask


def _identity(raw: str) -> str:
    return raw


class SourceProcessor:
    """Applies a source's processing rules and reads its timestamps.

    `process(raw)` returns the (possibly masked or hashed) message, or None when an include/exclude
    rule removes it. With no rules it is the identity function itself, so the engine pays one call.

    `trigger`, when not None, is the set of first characters for which `process` can do anything:
    a message whose first character is not in it comes back unchanged, so the engine skips the call.
    It is known when the source has only exclude rules whose regexes begin with a known character set
    (the VPC headers: `[a-z]`, while records begin with a digit or `{`).
    """

    def __init__(self, settings: SourceSettings | None = None) -> None:
        self.settings = settings or SourceSettings()
        rules = self.settings.processing_rules
        compiled = [(rule, _compile_rule(rule)) for rule in rules]
        includes = tuple(rx.fullmatch for rule, rx in compiled if rule.type == "include")
        excludes = tuple(_Exclusion(rx) for rule, rx in compiled if rule.type == "exclude")
        rewrites: tuple[_Rewrite, ...] = tuple(
            _rewriter(rx, _masker(rule.mask) if rule.type == "mask" else _hasher(rule.algorithm))
            for rule, rx in compiled
            if rule.type in ("mask", "hash")
        )
        self.passthrough: bool = not compiled
        self.process: Callable[[str], str | None] = (
            _identity if self.passthrough else _processor(includes, excludes, rewrites)
        )
        self.trigger: frozenset[str] | None = None
        if compiled and not includes and not rewrites and all(x.first is not None for x in excludes):
            self.trigger = frozenset().union(*(x.first for x in excludes))  # type: ignore[arg-type]
        reader = self.settings.timestamp_reader()
        self.read_timestamp: Callable[[str], int | None] = reader if reader is not None else _no_timestamp

    @property
    def reads_timestamps(self) -> bool:
        return self.settings.timestamp_format is not None


def _no_timestamp(raw: str) -> None:
    return None


class _Exclusion:
    """An exclude rule's `fullmatch`, with cheap necessary conditions checked first.

    A `fullmatch` call costs ~250-400 ns even when it fails at the first character; the seed's two
    VPC exclusions cost ~1 µs per record that way. A regex that is plain text is compared with `==`;
    otherwise, when the characters a match can begin with are known (`[a-z]...`), the message's first
    character is looked up in that set (~40 ns) before the regex runs.
    """

    __slots__ = ("first", "fullmatch", "literal")

    def __init__(self, regex: re.Pattern[str]) -> None:
        self.fullmatch = regex.fullmatch
        self.literal: str | None = _literal_text(regex)
        self.first: frozenset[str] | None = (
            frozenset(self.literal[:1]) if self.literal else _first_characters(regex)
        )

    def __call__(self, raw: str) -> bool:
        first = self.first
        if first is not None and raw[:1] not in first:
            return False
        if self.literal is not None:
            return raw == self.literal
        return self.fullmatch(raw) is not None


def _parsed(regex: re.Pattern[str]) -> Any:
    try:
        from re import _parser  # type: ignore[attr-defined]  # CPython 3.11+: the regex parser

        return _parser.parse(regex.pattern, regex.flags)
    except Exception:  # noqa: BLE001 - any surprise only costs the optimisation
        return None


def _literal_text(regex: re.Pattern[str]) -> str | None:
    """The text a regex matches when it is plain characters, case-sensitive (else None)."""
    if regex.flags & re.IGNORECASE:
        return None
    parsed = _parsed(regex)
    if parsed is None or parsed.state.flags & re.IGNORECASE:
        return None
    from re import _constants  # type: ignore[attr-defined]

    chars: list[str] = []
    for op, value in parsed.data:
        if op is not _constants.LITERAL:
            return None
        chars.append(chr(value))
    return "".join(chars) or None


def _first_characters(regex: re.Pattern[str]) -> frozenset[str] | None:
    """Every character a non-empty match must begin with, when that is easy to know (else None)."""
    if regex.flags & re.IGNORECASE:
        return None
    parsed = _parsed(regex)
    if parsed is None or parsed.state.flags & re.IGNORECASE:
        return None
    try:
        found = _first_of(parsed.data)
    except Exception:  # noqa: BLE001 - an unexpected parse shape only costs the optimisation
        return None
    return frozenset(found) if found else None


def _first_of(items: Any) -> set[str] | None:
    from re import _constants as c  # type: ignore[attr-defined]

    for op, value in items:
        if op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue  # zero-width: the first character comes from what follows
        if op is c.LITERAL:
            return {chr(value)}
        if op is c.IN:
            chars: set[str] = set()
            for kind, item in value:
                if kind is c.LITERAL:
                    chars.add(chr(item))
                elif kind is c.RANGE and item[1] - item[0] <= 512:
                    chars.update(map(chr, range(item[0], item[1] + 1)))
                else:  # NEGATE, CATEGORY (\d, \s...), huge ranges: not worth knowing
                    return None
            return chars
        if op is c.SUBPATTERN:
            _group, add_flags, _del_flags, pattern = value
            if add_flags & re.IGNORECASE:
                return None
            return _first_of(pattern.data)
        if op is c.ATOMIC_GROUP:
            return _first_of(value.data)
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, _high, pattern = value
            return _first_of(pattern.data) if low >= 1 else None
        if op is c.BRANCH:
            union: set[str] = set()
            for branch in value[1]:
                found = _first_of(branch.data)
                if found is None:
                    return None
                union |= found
            return union
        return None
    return None  # the pattern can match the empty string


def _processor(
    includes: tuple[Callable[[str], re.Match[str] | None], ...],
    excludes: tuple[_Exclusion, ...],
    rewrites: tuple[_Rewrite, ...],
) -> Callable[[str], str | None]:
    def process(raw: str) -> str | None:
        if includes and not any(match(raw) for match in includes):
            return None
        for excluded in excludes:
            if excluded(raw):
                return None
        for rewrite in rewrites:
            raw = rewrite(raw)
        return raw

    return process
