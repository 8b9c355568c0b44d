"""Small helpers that generated code calls, beside the runtime library it imports directly.

Everything here is a global of the generated module, bound once when an expression is compiled, so a
call costs one global lookup and one call (no attribute chains on the hot path).
"""

from __future__ import annotations

import orjson

from fer.jsonpath import MISSING, load_document

__all__ = ["OBJECT_START", "load_object", "render_bool"]

# Whitespace JSON allows before a document.
_JSON_SPACE = " \t\r\n"
# First characters of text that can be a JSON object: `{` or JSON whitespace (never "").
OBJECT_START = frozenset("{" + _JSON_SPACE)
_loads = orjson.loads
_JSONDecodeError = orjson.JSONDecodeError


def load_object(text: str | None) -> object:
    """A JSON document only when it can be an object; MISSING otherwise.

    Used when every path of a `json` stage starts with a key: a document that is not an object can
    never hold such a path. Skipping orjson for non-objects saves the ~1100 ns a failing loads costs
    (performance.md) on every raw VPC line given to `json "message"`: a line such as `2 1234…` begins
    with a digit, which *is* a valid JSON start (a number), so a first-character test for "any JSON"
    would not skip it.
    """
    # The common case first: `{...}` goes straight to orjson (~150 ns less than `load_document`'s
    # general screening on a 190-byte CloudWatch wrapper); anything orjson refuses takes the careful
    # path, which retries it and falls back to the standard library exactly as before.
    if text is not None and text[:1] == "{" and text[-1:] == "}":
        try:
            return _loads(text)
        except _JSONDecodeError:
            return load_document(text)
    if text is None:
        return MISSING
    head = text[:1]
    if head == "{":
        return load_document(text)
    if head and head in _JSON_SPACE and text.lstrip(_JSON_SPACE)[:1] == "{":
        return load_document(text)
    return MISSING


def render_bool(value: bool) -> str:
    return "true" if value else "false"
