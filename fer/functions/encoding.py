"""Encoding functions: urldecode, urlencode (Java URLDecoder/URLEncoder), base64Decode, base64Encode.

language.md §7: `+` decodes to a space and a malformed `%zz` is kept as written; invalid base64 is
returned unchanged (Sumo's base64decode.md). Invalid input is detected by regex screens, not by
catching exceptions, since these run per message.
"""

from __future__ import annotations

import base64
import re

from fer.functions.registry import function
from fer.values import Value, as_text

__all__ = ["urldecode", "urlencode", "base64_decode", "base64_encode", "CHARSETS"]

_PERCENT_RUN = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
# URLEncoder keeps letters, digits and `.-*_`, writes a space as `+`, everything else as %XX of
# its UTF-8 bytes (upper-case hex). A lone surrogate has no UTF-8 form: Java writes `?` for it.
_URL_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-*_")
_URL_BYTE = tuple(
    chr(b) if b in _URL_SAFE else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)
)
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?")

# Charset names Sumo documents for base64Decode, to Python codecs. UTF-16/32 without a byte order
# mark are big-endian in Java; Python's plain "utf-16" would assume the machine's order.
CHARSETS: dict[str, str] = {
    "us-ascii": "ascii",
    "ascii": "ascii",
    "utf-8": "utf-8",
    "utf8": "utf-8",
    "iso-8859-1": "latin-1",
    "utf-16": "utf-16",
    "utf-16be": "utf-16-be",
    "utf-16le": "utf-16-le",
    "utf-32": "utf-32",
    "utf-32be": "utf-32-be",
    "utf-32le": "utf-32-le",
}
_BOMS = {
    "utf-16": ((b"\xfe\xff", "utf-16-be"), (b"\xff\xfe", "utf-16-le")),
    "utf-32": ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le")),
}


def _decode_percent_run(m: re.Match[str]) -> str:
    raw = bytes(int(m.group()[i + 1 : i + 3], 16) for i in range(0, len(m.group()), 3))
    return raw.decode("utf-8", "replace")


@function(
    "urldecode",
    usage="urldecode(s)",
    summary="the URL-decoded text (`+` is a space, %XX are UTF-8 bytes; malformed escapes kept)",
    min_args=1,
    examples=(
        (("http%3A%2F%2Fexample.com%2Fa%20b",), "http://example.com/a b"),
        (("a+b%2Bc",), "a b+c"),
        (("%E2%82%AC",), "€"),
        (("100%zz",), "100%zz"),
        (("50%",), "50%"),
        ((None,), None),
    ),
)
def urldecode(s: Value) -> str | None:
    text = as_text(s)
    if text is None:
        return None
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    return _PERCENT_RUN.sub(_decode_percent_run, text)


@function(
    "urlencode",
    usage="urlencode(s)",
    summary="the URL-encoded text, as Java's URLEncoder writes it (space as `+`)",
    min_args=1,
    examples=(
        (("a b&c=d/é",), "a+b%26c%3Dd%2F%C3%A9"),
        (("safe.-*_~",), "safe.-*_%7E"),
        ((None,), None),
    ),
)
def urlencode(s: Value) -> str | None:
    text = as_text(s)
    if text is None:
        return None
    data = text.encode("utf-8", "replace")
    return "".join(_URL_BYTE[b] for b in data)


def _codec(charset: Value) -> str | None:
    if charset is None:
        return "utf-8"
    name = as_text(charset)
    return None if name is None else CHARSETS.get(name.strip().lower())


def _decode_bytes(raw: bytes, codec: str) -> str:
    for bom, endian in _BOMS.get(codec, ()):
        if raw.startswith(bom):
            return raw[len(bom) :].decode(endian, "replace")
    if codec in _BOMS:
        codec = codec + "-be"
    return raw.decode(codec, "replace")


@function(
    "base64Decode",
    usage="base64Decode(s[, charset])",
    summary="the text a base64 string encodes (UTF-8 unless a charset is named); invalid input unchanged",
    min_args=1,
    max_args=2,
    examples=(
        (("aHR0cDovL2NvZGVjLmFwYWNoZS5vcmcvY29tbW1vbnM=",), "http://codec.apache.org/commmons"),
        (("VABoAGkAcwAgAGkAcwAgAGEAIAB0AGUAcwB0ACAAcwB0AHIAaQBuAGcA", "UTF-16LE"), "This is a test string"),
        (("44GC44KK44GM44GoIOOBlOOBluOBhOOBvuOBmQ==",), "ありがと ございます"),
        (("aGk",), "hi"),
        (("not base64!",), "not base64!"),
        (("abcde",), "abcde"),
        ((None,), None),
        (("aGk=", "klingon"), None),
    ),
)
def base64_decode(s: Value, charset: Value = None) -> str | None:
    text = as_text(s)
    if text is None:
        return None
    codec = _codec(charset)
    if codec is None:
        return None
    if _BASE64.fullmatch(text) is None:
        return text
    raw = base64.b64decode(text + "=" * (-len(text) % 4))
    return _decode_bytes(raw, codec)


@function(
    "base64Encode",
    usage="base64Encode(s[, charset])",
    summary="the base64 encoding of the text's bytes (UTF-8 unless a charset is named)",
    min_args=1,
    max_args=2,
    examples=(
        (("hi",), "aGk="),
        (("This is a test string", "UTF-16LE"), "VABoAGkAcwAgAGkAcwAgAGEAIAB0AGUAcwB0ACAAcwB0AHIAaQBuAGcA"),
        (("",), ""),
        ((None,), None),
    ),
)
def base64_encode(s: Value, charset: Value = None) -> str | None:
    text = as_text(s)
    if text is None:
        return None
    codec = _codec(charset)
    if codec is None:
        return None
    if codec == "utf-16":
        raw = b"\xfe\xff" + text.encode("utf-16-be", "replace")  # Java: a BOM, then big-endian
    elif codec == "utf-32":
        raw = text.encode("utf-32-be", "replace")  # Java: big-endian, no BOM
    else:
        raw = text.encode(codec, "replace")
    return base64.b64encode(raw).decode("ascii")
