"""Decoding CloudWatch Logs subscription payloads (the collection stage before any rule runs).

A subscription filter delivers log events as one JSON document,
`{"messageType", "owner", "logGroup", "logStream", "subscriptionFilters", "logEvents": [...]}`,
gzip-compressed. How it is wrapped depends on the destination:

- a Lambda receives `{"awslogs": {"data": base64(gzip(json))}}`;
- Kinesis Data Streams and Firehose carry the raw gzip bytes (base64 text once exported);
- tools and tests often hold the JSON already decoded.

`decode_payload` accepts all of these and returns the decoded document, validated, or raises
`PayloadError` naming what is wrong. `iter_log_events` turns a payload into `LogEvent`s, yielding nothing
for the `CONTROL_MESSAGE` health checks CloudWatch sends when a subscription is created.
`iter_payload_file` reads a file holding one payload or one payload per line and yields errors as values
so that a reader can report a damaged payload and go on with the next one.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import json
import os
import re
import zlib
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from fer.errors import FerError

__all__ = [
    "PayloadError",
    "LogEvent",
    "decode_payload",
    "iter_log_events",
    "is_control_message",
    "looks_like_payload",
    "iter_payload_file",
    "iter_payload_data",
    "CONTROL_MESSAGE",
    "DATA_MESSAGE",
]

CONTROL_MESSAGE = "CONTROL_MESSAGE"
DATA_MESSAGE = "DATA_MESSAGE"

_GZIP_MAGIC = b"\x1f\x8b"
# base64 of the gzip magic plus the deflate method byte (1f 8b 08): every payload encoded for a
# Lambda or exported from Kinesis starts with it.
_BASE64_GZIP_PREFIX = "H4sI"
_WHITESPACE = re.compile(r"\s+")


class PayloadError(FerError):
    """A CloudWatch Logs payload that cannot be decoded. Names the file and line when known."""

    def __init__(self, reason: str, *, path: str | None = None, line: int | None = None) -> None:
        self.reason = reason
        self.path = path
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = self.path if self.line is None else f"{self.path}:{self.line}"
        elif self.line is not None:
            where = f"line {self.line}"
        return f"{where}: {self.reason}" if where else self.reason

    def located(self, *, path: str | None = None, line: int | None = None) -> PayloadError:
        """The same error with its place filled in (what is already known is kept)."""
        return PayloadError(
            self.reason,
            path=self.path if self.path is not None else path,
            line=self.line if self.line is not None else line,
        )

    def __reduce__(self):  # keep errors picklable (Dask workers send them back)
        return (_rebuild, (self.reason, self.path, self.line))


def _rebuild(reason: str, path: str | None, line: int | None) -> PayloadError:
    return PayloadError(reason, path=path, line=line)


@dataclass(frozen=True, slots=True)
class LogEvent:
    """One log event of a payload, with the payload's group, stream and owner (account)."""

    message: str
    timestamp: int | None
    id: str
    log_group: str
    log_stream: str
    owner: str = ""


# ---------------------------------------------------------------------------------------------
# Decoding, one layer at a time


def decode_payload(payload: bytes | bytearray | memoryview | str | Mapping[str, Any]) -> Mapping[str, Any]:
    """Decode any wrapping of a subscription payload into its validated JSON document.

    Accepted: the Lambda event `{"awslogs": {"data": …}}` (as a mapping or JSON text), raw gzip bytes,
    base64 text of the gzip bytes, JSON text or bytes, or the decoded mapping itself.
    """
    if isinstance(payload, Mapping):
        return _from_mapping(payload, wrapped_ok=True)
    if isinstance(payload, (bytes, bytearray, memoryview)):
        data = bytes(payload)
        if data.startswith(_GZIP_MAGIC):
            return _from_mapping(_json(_gunzip(data)), wrapped_ok=False)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise PayloadError(f"not UTF-8 text and not gzip ({error.reason} at byte {error.start})") from None
        return _from_text(text)
    if isinstance(payload, str):
        return _from_text(payload)
    raise TypeError(f"a payload is bytes, str or a mapping, not {type(payload).__name__}")


def _from_text(text: str) -> Mapping[str, Any]:
    stripped = text.strip().lstrip("\ufeff")
    if not stripped:
        raise PayloadError("empty payload")
    if stripped[0] in "{[\"":
        return _from_mapping(_json(stripped), wrapped_ok=True)
    # Anything else can only be base64 text of the gzip bytes (Kinesis records, exported events).
    return _from_mapping(_json(_gunzip(_base64(stripped))), wrapped_ok=False)


def _from_mapping(document: Any, *, wrapped_ok: bool) -> Mapping[str, Any]:
    if not isinstance(document, Mapping):
        raise PayloadError(f"expected a JSON object, found {_json_type(document)}")
    if "awslogs" in document and wrapped_ok:
        awslogs = document["awslogs"]
        if not isinstance(awslogs, Mapping) or "data" not in awslogs:
            raise PayloadError('"awslogs" has no "data" field')
        data = awslogs["data"]
        if not isinstance(data, str):
            raise PayloadError(f'"awslogs.data" must be base64 text, found {_json_type(data)}')
        return _from_mapping(_json(_gunzip(_base64(data))), wrapped_ok=False)
    _validate(document)
    return document


def _base64(text: str) -> bytes:
    # Exported payloads are sometimes wrapped at 76 columns; the alphabet itself is checked strictly
    # so that a plain text line is not mistaken for (garbage) base64.
    compact = _WHITESPACE.sub("", text)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as error:
        raise PayloadError(f"bad base64: {error}") from None


def _gunzip(data: bytes) -> bytes:
    if not data.startswith(_GZIP_MAGIC):
        raise PayloadError("not gzip data (a payload's data is gzip-compressed JSON)")
    try:
        return gzip.decompress(data)
    except EOFError:
        raise PayloadError("truncated gzip data") from None
    except (gzip.BadGzipFile, zlib.error, OSError) as error:
        raise PayloadError(f"damaged gzip data: {error}") from None


def _json(data: bytes | str) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError as error:
        raise PayloadError(f"not UTF-8 JSON ({error.reason} at byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise PayloadError(f"not JSON: {error.msg} at line {error.lineno} column {error.colno}") from None
    except RecursionError:
        raise PayloadError("not JSON: nested too deeply") from None


def _json_type(value: Any) -> str:
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "an array"
        case Mapping():
            return "an object"
    return type(value).__name__


def _validate(document: Mapping[str, Any]) -> None:
    """Check the decoded document's shape, so that iterating over it cannot fail half-way."""
    message_type = document.get("messageType")
    if message_type is not None and not isinstance(message_type, str):
        raise PayloadError(f'"messageType" must be a string, found {_json_type(message_type)}')
    for key in ("owner", "logGroup", "logStream"):
        value = document.get(key)
        if value is not None and not isinstance(value, str):
            raise PayloadError(f'"{key}" must be a string, found {_json_type(value)}')
    if message_type == CONTROL_MESSAGE:
        return  # health checks carry no data; their events (if any) are never read
    if "logEvents" not in document:
        if message_type is None:
            raise PayloadError('not a CloudWatch Logs payload: no "awslogs", "messageType" or "logEvents"')
        raise PayloadError('missing "logEvents"')
    events = document["logEvents"]
    if not isinstance(events, list):
        raise PayloadError(f'"logEvents" must be an array, found {_json_type(events)}')
    for index, event in enumerate(events):
        if not isinstance(event, Mapping):
            raise PayloadError(f"logEvents[{index}] must be an object, found {_json_type(event)}")
        if "message" not in event:
            raise PayloadError(f'logEvents[{index}] has no "message"')
        if not isinstance(event["message"], str):
            raise PayloadError(f'logEvents[{index}].message must be a string, found {_json_type(event["message"])}')
        event_id = event.get("id")
        if event_id is not None and not isinstance(event_id, str):
            raise PayloadError(f"logEvents[{index}].id must be a string, found {_json_type(event_id)}")
        timestamp = event.get("timestamp")
        if timestamp is not None and _timestamp(timestamp) is None:
            raise PayloadError(
                f"logEvents[{index}].timestamp must be epoch milliseconds, found {_json_type(timestamp)} {timestamp!r}"
            )


def _timestamp(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():  # 1.4e12 is still a whole number of ms
        return int(value)
    return None


# ---------------------------------------------------------------------------------------------
# Events


def is_control_message(decoded: Mapping[str, Any]) -> bool:
    """True for the health-check payloads CloudWatch sends; they carry no data."""
    return decoded.get("messageType") == CONTROL_MESSAGE


def iter_log_events(payload: bytes | str | Mapping[str, Any]) -> Iterator[LogEvent]:
    """The log events of one payload (in any form `decode_payload` accepts), in payload order.

    Raises PayloadError (before yielding anything) when the payload is malformed.
    """
    decoded = decode_payload(payload)
    if is_control_message(decoded):
        return iter(())
    return _events(decoded)


def _events(decoded: Mapping[str, Any]) -> Iterator[LogEvent]:
    group = decoded.get("logGroup") or ""
    stream = decoded.get("logStream") or ""
    owner = decoded.get("owner") or ""
    for event in decoded["logEvents"]:
        timestamp = event.get("timestamp")
        yield LogEvent(
            message=event["message"],
            timestamp=None if timestamp is None else _timestamp(timestamp),
            id=event.get("id") or "",
            log_group=group,
            log_stream=stream,
            owner=owner,
        )


# ---------------------------------------------------------------------------------------------
# Files

# The first key of a decoded payload (AWS writes messageType first) or of a Lambda event.
_PAYLOAD_START = re.compile(rb'\A\s*\{\s*"(awslogs|messageType)"\s*:')
_OTHER_KEYS = re.compile(rb'\A\s*\{\s*"(owner|logGroup|logStream|subscriptionFilters|logEvents)"\s*:')


def looks_like_payload(head: bytes) -> bool:
    """Cheap sniff of a file's first bytes: does it hold CloudWatch payloads rather than plain lines?

    `head` is the start of the file's (already decompressed) content; a few hundred bytes suffice.
    JSON log lines such as the collection Lambda's `{"message": …}` are not payloads.
    """
    head = head.removeprefix(b"\xef\xbb\xbf")
    if _PAYLOAD_START.match(head):
        return True
    if _OTHER_KEYS.match(head) and b'"logEvents"' in head:
        return True
    return head.lstrip().startswith(_BASE64_GZIP_PREFIX.encode())


def iter_payload_file(path: str | os.PathLike[str]) -> Iterator[tuple[int | None, LogEvent | PayloadError]]:
    """The events of a file holding one payload, or one payload per line, with their line numbers.

    Yields `(line, event)` for each log event and `(line, PayloadError)` for each payload that cannot be
    decoded (and for an unreadable file); the line is None when the file holds a single payload.
    Errors carry the path and line. Never raises for the file's content.
    """
    name = os.fspath(path)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        yield None, PayloadError(f"cannot read: {error.strerror or error}", path=name)
        return
    yield from iter_payload_data(data, name=name)


def iter_payload_data(data: bytes, *, name: str = "<payload>") -> Iterator[tuple[int | None, LogEvent | PayloadError]]:
    """`iter_payload_file` for content already in memory (standard input, an object store...)."""
    if data.startswith(_GZIP_MAGIC):
        # Raw gzip bytes: one payload (what Kinesis carries), or, as Firehose writes them to S3,
        # gzip of several payload documents one after another.
        try:
            data = _gunzip(data)
        except PayloadError as error:
            yield None, error.located(path=name)
            return
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        yield None, PayloadError(f"not UTF-8 text ({error.reason} at byte {error.start})", path=name)
        return

    documents = _json_documents(text)
    if documents is not None:
        single = len(documents) == 1
        for number, document in documents:
            yield from _located_events(document, name, None if single else number)
        return

    lines = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not _one_per_line(line for _, line in lines):
        # One payload: base64 text (perhaps wrapped), a damaged pretty-printed document, or garbage.
        # One error for the file rather than one per line of a document that spans many.
        yield from _located_events(text, name, None)
        return
    for number, line in lines:
        yield from _located_events(line, name, number)


def _one_per_line(lines: Iterable[str]) -> bool:
    """Do these lines hold one payload each? Yes when one of them is a JSON object on its own (a
    pretty-printed document has none), or when several start like base64 gzip (a wrapped base64
    payload has only its first line that way)."""
    encoded = 0
    for line in lines:
        stripped = line.strip()
        if stripped.startswith(_BASE64_GZIP_PREFIX):
            encoded += 1
            if encoded > 1:
                return True
        elif stripped.startswith("{") and stripped.endswith("}"):
            try:
                if isinstance(json.loads(stripped), dict):
                    return True
            except (ValueError, RecursionError):
                pass
    return False


def _located_events(payload: Any, name: str, line: int | None) -> Iterator[tuple[int | None, LogEvent | PayloadError]]:
    try:
        events = list(iter_log_events(payload))
    except PayloadError as error:
        yield line, error.located(path=name, line=line)
        return
    for event in events:
        yield line, event


def _json_documents(text: str) -> list[tuple[int, Any]] | None:
    """The JSON documents the text holds one after another (with their starting lines), or None.

    This reads a pretty-printed payload, one payload per line, and Firehose's concatenated documents
    alike. None (any syntax error) sends the caller to line-by-line reading, which reports errors per
    line.
    """
    decoder = json.JSONDecoder()
    documents: list[tuple[int, Any]] = []
    position = 0
    end = len(text)
    # Lines are counted incrementally: counting from the start for every document would be
    # quadratic in a file of thousands of one-line payloads.
    line = 1
    counted = 0
    while True:
        while position < end and text[position] in " \t\r\n":
            position += 1
        if position == end:
            break
        if text[position] not in "{[":
            return None
        try:
            document, next_position = decoder.raw_decode(text, position)
        except (json.JSONDecodeError, RecursionError):
            return None
        line += text.count("\n", counted, position)
        counted = position
        documents.append((line, document))
        position = next_position
    return documents or None
