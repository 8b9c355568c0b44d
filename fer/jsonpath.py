"""The `json` operator's runtime: path parsing, document loading, extraction and rendering.

language.md §3.3 and §7. Paths are `a.b.c`, `a[0]`, `a[*].b`, `['key with.dots']` with an optional
leading `$.`; a parsed path is a plain tuple of steps (a `str` key, an `int` index or `WILDCARD`) so
that extraction is a tight loop with `type()` checks. Documents are loaded with orjson; the text is
screened first, because a failing `orjson.loads` costs ~1100 ns (mostly the exception) against ~50 ns
for looking at the first and last characters, and `json` stages often see lines that are not JSON.
"""

from __future__ import annotations

import json
import re
from typing import Final

import orjson

from fer.values import format_number

__all__ = [
    "JsonPathError",
    "JsonPath",
    "Step",
    "WILDCARD",
    "MISSING",
    "parse_path",
    "path_text",
    "load_document",
    "extract",
    "render_json",
]


class JsonPathError(Exception):
    """A malformed json path; `offset` indexes the path text."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


class _Wildcard:
    """The `[*]` step: every element of an array (or every value of an object)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "WILDCARD"


class _Missing:
    """What a path that matches nothing yields (distinct from JSON null, which is None)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


WILDCARD: Final = _Wildcard()
MISSING: Final = _Missing()

Step = str | int | _Wildcard
JsonPath = tuple[Step, ...]

_KEY_END = re.compile(r"[.\[]")
_INDEX = re.compile(r"\[(\d+|\*)\]")
_JSON_WS: Final = " \t\r\n"
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?")
_INT_LIMIT: Final = 2**63


# -- paths ----------------------------------------------------------------------------------------
def parse_path(text: str) -> JsonPath:
    """Parse a json path into its steps; raises JsonPathError with an offset."""
    i = 0
    n = len(text)
    if text.startswith("$"):
        if n == 1:
            raise JsonPathError("`$` alone selects the whole document; name a path such as $.key", 0)
        if text[1] == ".":
            i = 2
        elif text[1] == "[":
            i = 1
        else:
            i = 0  # `$foo` is a key that starts with a dollar sign
    if i >= n:
        raise JsonPathError("empty json path", i)
    steps: list[Step] = []
    expect_key = i == 0 or text[i - 1] == "."
    while i < n:
        if text[i] == "[":
            i = _parse_bracket(text, i, steps)
        elif expect_key:
            m = _KEY_END.search(text, i)
            end = n if m is None else m.start()
            if end == i:
                raise JsonPathError("empty key in json path", i)
            key = text[i:end]
            steps.append(WILDCARD if key == "*" else key)
            i = end
        else:
            raise JsonPathError("expected `.` or `[` in json path", i)
        if i < n and text[i] == ".":
            i += 1
            if i == n:
                raise JsonPathError("json path ends with `.`", i - 1)
            expect_key = True
        else:
            expect_key = False
    return tuple(steps)


def _parse_bracket(text: str, i: int, steps: list[Step]) -> int:
    """Parse `[0]`, `[*]`, `['key']` or `["key"]` at text[i] == "["; return the offset after it."""
    m = _INDEX.match(text, i)
    if m is not None:
        body = m.group(1)
        steps.append(WILDCARD if body == "*" else int(body))
        return m.end()
    quote = text[i + 1 : i + 2]
    if quote not in ("'", '"'):
        raise JsonPathError("expected an index, `*` or a quoted key inside [ ]", i + 1)
    key: list[str] = []
    j = i + 2
    while j < len(text):
        c = text[j]
        if c == "\\" and j + 1 < len(text) and text[j + 1] in (quote, "\\"):
            key.append(text[j + 1])
            j += 2
            continue
        if c == quote:
            if text[j + 1 : j + 2] != "]":
                raise JsonPathError("expected `]` after the quoted key", j + 1)
            steps.append("".join(key))
            return j + 2
        key.append(c)
        j += 1
    raise JsonPathError("unterminated quoted key in json path", i + 1)


def path_text(path: JsonPath) -> str:
    """A canonical spelling of a parsed path (for messages and `explain`)."""
    out: list[str] = []
    for step in path:
        if step is WILDCARD:
            out.append("[*]")
        elif type(step) is int:
            out.append(f"[{step}]")
        elif isinstance(step, str) and step and _KEY_END.search(step) is None and "]" not in step:
            out.append(f".{step}" if out else step)
        else:
            out.append("['" + str(step).replace("\\", "\\\\").replace("'", "\\'") + "']")
    return "".join(out)


# -- documents ------------------------------------------------------------------------------------
def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _could_be_json(text: str) -> bool:
    """Cheap screen: the first and last characters (or the whole text, for scalars) fit JSON."""
    first = text[:1]
    last = text[-1:]
    if first == "{":
        return last == "}"
    if first == "[":
        return last == "]"
    if first == '"':
        return last == '"' and len(text) >= 2
    if first in ("t", "f", "n"):
        return text in ("true", "false", "null")
    if first != "" and first in "-0123456789":
        return _JSON_NUMBER.fullmatch(text) is not None
    return False


def load_document(text: str | None) -> object:
    """The parsed JSON document, or MISSING for null input or text that is not one JSON document."""
    if text is None:
        return MISSING
    if text[:1] in _JSON_WS or text[-1:] in _JSON_WS:  # also true for "", which strips to ""
        text = text.strip(_JSON_WS)
    if not _could_be_json(text):
        return MISSING
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        pass
    # orjson refuses a few valid documents (integers beyond 64 bits, lone surrogate escapes); the
    # standard library takes them. Only reached for text that already failed, so speed is moot.
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (ValueError, RecursionError):
        return MISSING


def extract(document: object, path: JsonPath) -> object:
    """The value at `path` (None for JSON null), a list of all matches after a `[*]`, or MISSING."""
    node = document
    for k, step in enumerate(path):
        if node is MISSING:
            return MISSING
        if type(step) is str:
            node = node.get(step, MISSING) if type(node) is dict else MISSING
        elif type(step) is int:
            node = node[step] if type(node) is list and step < len(node) else MISSING
        else:
            matches = _collect(node, path, k)
            return matches if matches else MISSING
    return node


def _collect(node: object, path: JsonPath, k: int) -> list[object]:
    """All values reached from `node` by path[k:], where path[k] is a wildcard (flattened)."""
    if type(node) is list:
        children = node
    elif type(node) is dict:
        children = list(node.values())
    else:
        return []
    rest = path[k + 1 :]
    if not rest:
        return list(children)
    out: list[object] = []
    for child in children:
        found = extract(child, rest)
        if found is MISSING:
            continue
        if type(found) is list and WILDCARD in rest:
            out.extend(found)  # a later wildcard's matches are flattened into one list
        else:
            out.append(found)
    return out


def render_json(value: object) -> str | None:
    """A JSON value as field text: strings as-is, numbers by the number rules, compact JSON else."""
    if type(value) is str:
        return value
    if value is None or value is MISSING:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    if type(value) is int:
        return str(value) if -_INT_LIMIT < value < _INT_LIMIT else repr(float(value))
    if type(value) is float:
        return format_number(value)
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):
        # Values orjson cannot write (integers beyond 64 bits from the fallback loader).
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
