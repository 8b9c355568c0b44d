"""Message readers: the inputs of `fer run` (api.md "Command line").

- **lines**: plain text or gzip (told apart by the magic bytes, not the name), one message per line,
  `\\n` / `\\r\\n` removed, empty lines skipped, invalid UTF-8 decoded with U+FFFD and counted. `-`
  means standard input. A directory is walked recursively in sorted order (hidden entries skipped);
  each file's path relative to the named directory becomes `_sourceName`, so an S3 export keeps its
  `AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/...` names.
- **cloudwatch**: CloudWatch Logs subscription payloads (`fer.aws.cloudwatch`), one per file or one per
  line. Each log event is a message with `_raw` = its message, `_sourceName` = the log stream,
  `_sourceHost` = the log group, `_messagetime` = the event timestamp. CONTROL_MESSAGEs yield nothing.
- **auto**: per file, by sniffing the (decompressed) first bytes.

Everything streams: a file is read line by line, never whole (1 GB inputs stay far under 200 MB of
memory), except a file holding a single multi-line CloudWatch payload, which is bounded by what a
subscription can deliver. A damaged input (truncated gzip, unreadable file, malformed payload) is
reported through `on_problem(name, description)` after the messages read before the damage, and
reading goes on with the next input.

A message is a `str` (a line with no metadata of its own) or a `dict` with `_raw` and metadata, the two
shapes `fer.engine.Engine.process` accepts.
"""

from __future__ import annotations

import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from fer.aws.cloudwatch import PayloadError, iter_log_events, iter_payload_data, looks_like_payload

__all__ = [
    "Message",
    "InputFile",
    "InputStats",
    "InputFormat",
    "INPUT_FORMATS",
    "expand_inputs",
    "iter_file_messages",
    "iter_messages",
]

Message = str | dict[str, Any]
InputFormat = Literal["auto", "lines", "cloudwatch"]
INPUT_FORMATS: tuple[str, ...] = ("auto", "lines", "cloudwatch")
ProblemHandler = Callable[[str, str], None]

STDIN_NAME = "<stdin>"
_GZIP_MAGIC = b"\x1f\x8b"
_BOM = b"\xef\xbb\xbf"
_BUFFER = 1 << 16  # 64 KiB reads: large enough that per-read overhead vanishes, small in memory
_SNIFF = 4096  # bytes of decompressed content looked at to tell lines from payloads


@dataclass(frozen=True)
class InputFile:
    """One input to read: a file path, or `-` for standard input."""

    path: str
    name: str  # how problems refer to it (the path as given, `<stdin>`)
    source_name: str | None = None  # `_sourceName` of its messages (files found under a directory)


@dataclass
class InputStats:
    """Counters the readers keep while messages stream out."""

    files: int = 0
    decode_errors: int = 0
    problems: list[tuple[str, str]] = field(default_factory=list)


def expand_inputs(
    inputs: Sequence[str | os.PathLike[str]] | None,
    *,
    on_problem: ProblemHandler | None = None,
    stats: InputStats | None = None,
) -> Iterator[InputFile]:
    """The files behind the named inputs, directories walked; no input (or `-`) is standard input.

    Nothing is opened here, so a scale-out runner can partition the list by file.
    """
    report = _reporter(on_problem, stats)
    for item in inputs or ("-",):
        path = os.fspath(item)
        if path == "-":
            yield InputFile("-", STDIN_NAME)
        elif os.path.isdir(path):
            yield from _walk(path, report)
        else:
            yield InputFile(path, path)  # a missing file is reported when it is opened


def _walk(top: str, report: ProblemHandler) -> Iterator[InputFile]:
    def on_error(error: OSError) -> None:
        report(error.filename or top, f"cannot read directory: {error.strerror or error}")

    for directory, subdirectories, files in os.walk(top, onerror=on_error):
        # Sorted in place so os.walk descends in order too; hidden entries (.DS_Store, .git) are
        # never log data.
        subdirectories[:] = sorted(d for d in subdirectories if not d.startswith("."))
        for filename in sorted(files):
            if filename.startswith("."):
                continue
            full = os.path.join(directory, filename)
            yield InputFile(full, full, Path(os.path.relpath(full, top)).as_posix())


def iter_messages(
    inputs: Sequence[str | os.PathLike[str]] | None,
    input_format: InputFormat | str = "auto",
    *,
    on_problem: ProblemHandler | None = None,
    stats: InputStats | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Message]:
    """Every message of every input, in order (api.md `fer run`)."""
    _check_format(input_format)
    for file in expand_inputs(inputs, on_problem=on_problem, stats=stats):
        yield from iter_file_messages(
            file, input_format, on_problem=on_problem, stats=stats, stdin=stdin
        )


def iter_file_messages(
    file: InputFile | str | os.PathLike[str],
    input_format: InputFormat | str = "auto",
    *,
    source_name: str | None = None,
    on_problem: ProblemHandler | None = None,
    stats: InputStats | None = None,
    stdin: BinaryIO | None = None,
) -> Iterator[Message]:
    """The messages of one file (or `-`), for runners that partition work by file."""
    _check_format(input_format)
    if not isinstance(file, InputFile):
        path = os.fspath(file)
        file = InputFile(path, STDIN_NAME if path == "-" else path, source_name)
    elif source_name is not None:
        file = InputFile(file.path, file.name, source_name)
    report = _reporter(on_problem, stats)
    counters = stats if stats is not None else InputStats()

    handle: BinaryIO | None = None
    try:
        if file.path == "-":
            raw = stdin if stdin is not None else sys.stdin.buffer
        else:
            handle = raw = open(file.path, "rb", buffering=_BUFFER)  # noqa: SIM115 - closed below
    except OSError as error:
        report(file.name, f"cannot read: {error.strerror or error}")
        return
    counters.files += 1
    try:
        stream = _decompressed(_peekable(raw))
        if input_format == "auto":
            head = stream.peek(_SNIFF)[:_SNIFF]
            input_format = "cloudwatch" if looks_like_payload(head) else "lines"
        if input_format == "lines":
            yield from _lines(stream, file.source_name, counters)
        else:
            yield from _cloudwatch(stream, file, report)
    except EOFError:
        report(file.name, "truncated: the compressed data ends before its end-of-stream marker")
    except (OSError, zlib.error) as error:  # gzip.BadGzipFile is an OSError
        report(file.name, f"damaged: {error.strerror if isinstance(error, OSError) and error.strerror else error}")
    finally:
        if handle is not None:
            handle.close()


def _check_format(input_format: str) -> None:
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")


def _reporter(on_problem: ProblemHandler | None, stats: InputStats | None) -> ProblemHandler:
    def report(name: str, description: str) -> None:
        if stats is not None:
            stats.problems.append((name, description))
        if on_problem is not None:
            on_problem(name, description)

    return report


def _peekable(stream: BinaryIO) -> Any:
    # Sniffing needs peek(); BytesIO and raw pipes lack it.
    return stream if hasattr(stream, "peek") else io.BufferedReader(stream, _BUFFER)  # type: ignore[arg-type]


def _decompressed(stream: Any) -> Any:
    if stream.peek(2)[:2] == _GZIP_MAGIC:
        # GzipFile buffers internally and reads multi-member files (concatenated .gz) as one stream.
        return gzip.GzipFile(fileobj=stream, mode="rb")
    return stream


def _lines(stream: Any, source_name: str | None, counters: InputStats) -> Iterator[Message]:
    first = True
    for line in stream:
        if line[-1:] == b"\n":
            line = line[:-2] if line[-2:-1] == b"\r" else line[:-1]
        if first:
            first = False
            if line.startswith(_BOM):
                line = line[3:]
        if not line:
            continue
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            text = line.decode("utf-8", "replace")
            counters.decode_errors += 1
        if source_name is None:
            yield text
        else:
            yield {"_raw": text, "_sourceName": source_name}


def _cloudwatch(stream: Any, file: InputFile, report: ProblemHandler) -> Iterator[Message]:
    """One payload per line when the first line is a whole payload, else one payload in the file."""
    number = 0
    first = b""
    for line in stream:
        number += 1
        if line.strip():
            first = line
            break
    if not first:
        return
    try:
        events = list(iter_log_events(first))
    except PayloadError:
        # Not a payload on its own: a pretty-printed (or concatenated) payload spread over lines.
        # Read the rest; subscription payloads are at most a few MB.
        for line_number, item in iter_payload_data(first + stream.read(), name=file.name):
            if isinstance(item, PayloadError):
                where = "" if line_number is None else f"line {line_number + number - 1}: "
                report(file.name, f"{where}malformed payload: {item.reason}")
            else:
                yield _event_message(item, file.source_name)
        return
    for event in events:
        yield _event_message(event, file.source_name)
    for line in stream:
        number += 1
        if not line.strip():
            continue
        try:
            events = list(iter_log_events(line))
        except PayloadError as error:
            report(file.name, f"line {number}: malformed payload: {error.reason}")
            continue
        for event in events:
            yield _event_message(event, file.source_name)


def _event_message(event: Any, source_name: str | None) -> dict[str, Any]:
    message: dict[str, Any] = {"_raw": event.message}
    stream = event.log_stream or source_name
    if stream:
        message["_sourceName"] = stream
    if event.log_group:
        message["_sourceHost"] = event.log_group
    if event.timestamp is not None:
        message["_messagetime"] = event.timestamp
    return message
