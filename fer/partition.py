"""Scale-out's unit of work: one input file through the engine, in a process that holds no state of
its caller. Shared by `fer run --workers N` (`run_parallel`, processes on one machine) and `fer.dask`
(a Dask cluster).

Rules travel as text, never as pickled code: `as_rules_text` turns a rule file, a `RuleSet` (written
out as canonical TOML by `dump_rules`) or rule-file text into a `RulesText`, and each worker process
compiles it once (`load_rules_text` keeps a cache keyed by the text). A worker therefore needs only
the `fer` package, and what it runs is exactly what `fer.load_rules` would build from that text.

`process_file` gives what `fer run` gives for the same file: the same records in the same order
(`_sourceName` = the path relative to a named directory, see `fer.inputs`), the statistics of that
file alone (`EngineStats.merge` sums them), and the problems it met (a damaged input is reported,
never raised). A file is never split: gzip cannot be read from the middle.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import shutil
import tempfile
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, BinaryIO, Literal

from fer.engine import Engine, EngineStats
from fer.errors import FerRuleError
from fer.inputs import (
    INPUT_FORMATS,
    InputFile,
    InputStats,
    expand_inputs,
    iter_file_messages,
)
from fer.ndjson import encode_record, encode_records
from fer.rules import RuleSet, loads_rules

__all__ = [
    "RulesText",
    "FileResult",
    "as_rules_text",
    "dump_rules",
    "load_rules_text",
    "process_file",
    "run_parallel",
    "merge_stats",
]

RulesFormat = Literal["toml", "json", "auto"]
ProblemHandler = Callable[[str, str], None]

# Spool files are written and copied in blocks of this size.
_COPY_CHUNK = 1 << 20

# A worker keeps this many compiled rule sets; one run uses one, a long-lived Dask worker may serve
# a few jobs with different rules.
_RULES_CACHE_SIZE = 8


# --------------------------------------------------------------------------------------------
# Rules as text


@dataclass(frozen=True, slots=True)
class RulesText:
    """A rule file's text and format: what travels to the workers (small, hashable, picklable).

    `name` labels errors (the file the text came from).
    """

    text: str
    format: RulesFormat = "auto"
    name: str = field(default="<rules>", compare=False)

    def load(self) -> RuleSet:
        """The compiled rule set (cached per process)."""
        return load_rules_text(self)


def as_rules_text(rules: RulesText | RuleSet | str | os.PathLike[str]) -> RulesText:
    """Rules in their travelling form, checked here so that a bad rule file fails before any work.

    - a `RuleSet`: its canonical TOML (`dump_rules`), so rule sets built in code travel too;
    - a path (`os.PathLike`, or a one-line `str` not starting with `[` or `{`): the file's text
      and format;
    - any other `str`: rule-file text (TOML or Sumo JSON, told apart by content).

    Raises `FerRuleError` (bad rules) or `OSError` (unreadable file).
    """
    if isinstance(rules, RulesText):
        result = rules
    elif isinstance(rules, RuleSet):
        # Already compiled and valid: canonical TOML reloads to the same rules.
        return RulesText(dump_rules(rules), "toml", rules.path or "<rules>")
    elif isinstance(rules, os.PathLike) or (isinstance(rules, str) and _looks_like_path(rules)):
        path = os.fspath(rules)
        try:
            text = Path(path).read_bytes().decode("utf-8-sig")
        except OSError as error:
            raise FerRuleError(f"cannot read rule file: {error.strerror or error}", path=path) from None
        except UnicodeDecodeError as error:
            raise FerRuleError(f"not UTF-8 text (byte {error.start})", path=path) from None
        suffix = Path(path).suffix.lower()
        format_: RulesFormat = "json" if suffix == ".json" else "toml" if suffix == ".toml" else "auto"
        result = RulesText(text, format_, path)
    elif isinstance(rules, str):
        result = RulesText(rules)
    else:
        raise TypeError(
            f"rules are a RuleSet, a rule file path or rule-file text, not {type(rules).__name__}"
        )
    load_rules_text(result)  # fail early, in the caller, with the file's name
    return result


def _looks_like_path(text: str) -> bool:
    # Rule-file text holds a newline (TOML tables need one) or is JSON starting with `[` or `{`; a
    # path does neither. A mistyped path is then reported as "cannot read", not as bad TOML.
    return "\n" not in text and not text.lstrip().startswith(("[", "{"))


def load_rules_text(rules: RulesText | str) -> RuleSet:
    """Compile rule-file text, once per process per distinct text (the workers' cache)."""
    if isinstance(rules, str):
        rules = RulesText(rules)
    return _load_cached(rules.text, rules.format, rules.name)


@functools.lru_cache(maxsize=_RULES_CACHE_SIZE)
def _load_cached(text: str, format_: RulesFormat, name: str) -> RuleSet:
    return loads_rules(text, format_, name)


def dump_rules(rules: RuleSet) -> str:
    """A rule set as canonical TOML: `[source]`, then every rule (examples are left out: they are for
    `fer test` and change nothing a run does). `fer.load_rules` reads it back to the same rules."""
    lines: list[str] = []
    source = rules.source
    top = [(key, getattr(source, key)) for key in ("category", "host", "name")]
    if any(value is not None for _, value in top):
        lines.append("[source]")
        lines += [f"{key} = {_toml_string(value)}" for key, value in top if value is not None]
        lines.append("")
    if source.timestamp_format is not None:
        lines.append("[source.timestamp]")
        lines.append(f"format = {_toml_string(source.timestamp_format)}")
        if source.timestamp_locator is not None:
            lines.append(f"locator = {_toml_string(source.timestamp_locator)}")
        lines.append(f"timezone = {_toml_string(source.timezone)}")
        lines.append("")
    for processing in source.processing_rules:
        lines.append("[[source.processing_rule]]")
        lines.append(f"name = {_toml_string(processing.name)}")
        lines.append(f"type = {_toml_string(processing.type)}")
        lines.append(f"regex = {_toml_string(processing.regex)}")
        # The loader accepts `mask` only on mask rules and `algorithm` only on hash rules.
        if processing.type == "mask":
            lines.append(f"mask = {_toml_string(processing.mask)}")
        if processing.type == "hash":
            lines.append(f"algorithm = {_toml_string(processing.algorithm)}")
        lines.append("")
    for rule in rules:
        lines.append("[[rule]]")
        lines.append(f"name = {_toml_string(rule.name)}")
        lines.append(f"scope = {_toml_string(rule.scope)}")
        lines.append(f"enabled = {'true' if rule.enabled else 'false'}")
        lines.append(f"parse = {_toml_string(rule.expression)}")
        lines.append("")
    return "\n".join(lines)


# TOML basic strings: these escapes, and \uXXXX for the other control characters (and DEL).
_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f", "\r": "\\r"}


def _toml_string(value: str) -> str:
    out = ['"']
    for char in value:
        escaped = _TOML_ESCAPES.get(char)
        if escaped is not None:
            out.append(escaped)
        elif char < " " or char == "\x7f":
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


# --------------------------------------------------------------------------------------------
# One file


@dataclass(slots=True)
class FileResult:
    """What one input file gave: its records in order, its statistics, its problems."""

    path: str  # what was opened (a local path or an fsspec URL)
    source_name: str | None  # `_sourceName` given to its messages (files found under a directory)
    records: list[dict[str, Any]]
    stats: EngineStats
    problems: list[tuple[str, str]] = field(default_factory=list)  # (input name, description)
    ndjson: bytes | None = None  # the records as NDJSON instead, when asked for (`records` is empty)
    ndjson_path: str | None = None  # or: a spool file holding that NDJSON (run_parallel's workers)

    def write_ndjson(self, output: IO[bytes]) -> None:
        """Copy this file's NDJSON to `output` (and remove its spool file, if it has one)."""
        if self.ndjson is not None:
            output.write(self.ndjson)
        if self.ndjson_path is not None:
            with open(self.ndjson_path, "rb") as spool:
                shutil.copyfileobj(spool, output, _COPY_CHUNK)
            os.unlink(self.ndjson_path)
            self.ndjson_path = None

    @property
    def damaged(self) -> bool:
        return bool(self.problems)


def process_file(
    path_or_url: str | os.PathLike[str],
    rules_text: RulesText | RuleSet | str | os.PathLike[str],
    *,
    input_format: str = "auto",
    category: str | None = None,
    host: str | None = None,
    name: str | None = None,
    source_name: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
    ndjson: bool = False,
    fields_only: bool = False,
    spool: str | None = None,
) -> FileResult:
    """Run the rules over one file (plain or gzip lines, or CloudWatch payloads) or fsspec URL.

    The records are those `fer run` writes for the file; `source_name` is the `_sourceName` its
    messages carry (`fer run` gives files found under a named directory their relative path).
    `storage_options` go to fsspec for URLs (`s3://...`: credentials, region, ...).
    With `ndjson=True` the records come back encoded as `fer run` writes them (`.ndjson`, one bytes
    object: sending it between processes is a copy, where a list of dicts is pickled field by
    field), `fields_only` leaving `_raw` out. With `spool` (a file path) that NDJSON is written to
    the file instead and `.ndjson_path` names it.
    """
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")
    ruleset = _ruleset(rules_text)
    engine = Engine(ruleset, category=category, host=host, name=name)
    counters = InputStats()
    path = os.fspath(path_or_url)
    if _is_url(path):
        messages = _url_messages(path, input_format, source_name, counters, storage_options)
    else:
        messages = iter_file_messages(
            InputFile(path, "<stdin>" if path == "-" else path, source_name), input_format, stats=counters
        )
    encoded: bytes | None = None
    records: list[dict[str, Any]] = []
    if spool is not None:
        with open(spool, "wb", buffering=_COPY_CHUNK) as handle:
            write = handle.write
            for record in engine.process(messages):
                write(encode_record(record, fields_only))
    elif ndjson:
        encoded = encode_records(engine.process(messages), fields_only)
    else:
        records = list(engine.process(messages))
    # As `fer run` does: lines that were not UTF-8 are counted by the reader, reported by the engine.
    engine.stats.decode_errors += counters.decode_errors
    return FileResult(path, source_name, records, engine.stats, list(counters.problems), encoded, spool)


def _ruleset(rules: RulesText | RuleSet | str | os.PathLike[str]) -> RuleSet:
    if isinstance(rules, RuleSet):
        return rules  # already compiled, in this process
    if isinstance(rules, RulesText) or (isinstance(rules, str) and not _looks_like_path(rules)):
        return load_rules_text(rules)
    return as_rules_text(rules).load()


def _is_url(path: str) -> bool:
    # Windows drive letters (`C:\...`) are one character before the colon; URLs say `scheme://`.
    scheme, sep, _ = path.partition("://")
    return bool(sep) and len(scheme) > 1


def _url_messages(
    url: str,
    input_format: str,
    source_name: str | None,
    counters: InputStats,
    storage_options: Mapping[str, Any] | None,
) -> Iterator[Any]:
    import fsspec  # the optional extra `fer[dask]`; only URLs need it

    try:
        handle: BinaryIO = fsspec.open(url, "rb", **dict(storage_options or {})).open()
    except OSError as error:  # FileNotFoundError, PermissionError, a bucket that says no
        counters.problems.append((url, f"cannot read: {error.strerror or error}"))
        return
    try:
        # `iter_file_messages` reads the stream it is given for "-"; the name labels problems.
        # The reader sniffs gzip by content, so fsspec must not decompress (compression=None).
        yield from iter_file_messages(
            InputFile("-", url, source_name), input_format, stats=counters, stdin=handle
        )
    finally:
        handle.close()


# --------------------------------------------------------------------------------------------
# Many files, processes on one machine


def run_parallel(
    paths: Iterable[str | os.PathLike[str] | InputFile],
    rules_text: RulesText | RuleSet | str | os.PathLike[str],
    workers: int | None = None,
    *,
    input_format: str = "auto",
    category: str | None = None,
    host: str | None = None,
    name: str | None = None,
    on_problem: ProblemHandler | None = None,
    mp_context: str | None = None,
    ndjson: bool = False,
    fields_only: bool = False,
) -> Iterator[FileResult]:
    """`process_file` over every input on `workers` processes, results in input order.

    Inputs are expanded as `fer run` expands them (directories walked in sorted order, relative
    `_sourceName`s); `-` (standard input) is read in this process. Order is kept within each file
    and across files, so the records concatenated equal one engine's output over all inputs.
    `on_problem(name, description)` hears every problem in input order: unreadable directories
    while expanding, and each file's problems just before its result is yielded.
    At most `2 × workers` files are in flight, so memory stays bounded by a few files' records.
    """
    if input_format not in INPUT_FORMATS:
        raise ValueError(f"input format must be one of {', '.join(INPUT_FORMATS)}, not {input_format!r}")
    rules = as_rules_text(rules_text)
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    files = _expand(paths, on_problem)
    options: dict[str, Any] = {"input_format": input_format, "category": category, "host": host,
                               "name": name, "ndjson": ndjson, "fields_only": fields_only}

    def report(result: FileResult) -> FileResult:
        if on_problem is not None:
            for problem in result.problems:
                on_problem(*problem)
        return result

    if workers == 1:
        for file in files:
            yield report(process_file(file.path, rules, source_name=file.source_name, **options))
        return

    context = multiprocessing.get_context(mp_context or _default_start_method())
    # With `ndjson`, workers write each file's NDJSON to a spool file and send back only its name:
    # a 50,000-record file is ~20 MB of NDJSON, and sending that as bytes through the pool's pipe
    # (pickled, copied in 64 KiB pipe chunks, unpickled) cost the workers ~0.12 s of system time
    # per file, a third of the work itself; 2 workers then ran no faster than one process.
    spool_dir = tempfile.mkdtemp(prefix="fer-run-") if ndjson else None
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque[Future[FileResult] | InputFile] = deque()
            window = 2 * workers
            iterator = iter(files)
            exhausted = False
            number = 0
            while True:
                while not exhausted and len(pending) < window:
                    upcoming = next(iterator, None)
                    if upcoming is None:
                        exhausted = True
                    elif upcoming.path == "-":
                        pending.append(upcoming)  # standard input belongs to this process
                    else:
                        number += 1
                        spool = None if spool_dir is None else os.path.join(spool_dir, f"{number}.ndjson")
                        pending.append(pool.submit(process_file, upcoming.path, rules,
                                                   source_name=upcoming.source_name, spool=spool, **options))
                if not pending:
                    break
                head = pending.popleft()
                if isinstance(head, InputFile):
                    yield report(process_file(head.path, rules, source_name=head.source_name, **options))
                else:
                    yield report(head.result())
    finally:
        if spool_dir is not None:
            shutil.rmtree(spool_dir, ignore_errors=True)


def _expand(
    paths: Iterable[str | os.PathLike[str] | InputFile], on_problem: ProblemHandler | None
) -> Iterator[InputFile]:
    given: list[str | os.PathLike[str]] = []
    for item in paths:
        if isinstance(item, InputFile):
            yield from expand_inputs(given, on_problem=on_problem) if given else ()
            given = []
            yield item
        else:
            given.append(item)
    if given:
        yield from expand_inputs(given, on_problem=on_problem)


def _default_start_method() -> str:
    # Not "fork": the caller may hold threads (a progress bar, a Dask client) and forking a
    # threaded process can deadlock. "forkserver" forks from a clean single-threaded server, so a
    # worker costs a fork rather than a fresh interpreter ("spawn", the fallback elsewhere).
    return "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


def merge_stats(results: Iterable[FileResult | EngineStats], into: EngineStats | None = None) -> EngineStats:
    """Sum the statistics of many files (in order, so per-rule entries keep the rule order)."""
    total = into if into is not None else EngineStats()
    for item in results:
        total.merge(item.stats if isinstance(item, FileResult) else item)
    return total
