"""Fuzz target for fer: compile any expression, apply it to any message, and check the invariants.

Not collected by pytest (no `test_` prefix). Run with atheris (libFuzzer), see tests/fuzz/README.md:

    .venv/bin/python tests/fuzz/fuzz_fer.py --seed-corpus /tmp/ferfuzz/corpus
    .venv/bin/python tests/fuzz/fuzz_fer.py /tmp/ferfuzz/corpus -dict=/tmp/ferfuzz/fer.dict \\
        -max_total_time=600 -timeout=10 -max_len=4096

or without atheris, driven by Hypothesis for a time budget:

    .venv/bin/python tests/fuzz/fuzz_fer.py --hypothesis --seconds 600

One input is `expression SEP message [SEP scope]` (SEP = b"\\n\\x1e\\n"), each part decoded as UTF-8
with `surrogateescape`, so invalid bytes become lone surrogates, the worst a caller can hand fer.
What counts as a finding (an exception escaping `check_one`):

- `fer.compile` raising anything but `fer.FerError`, or a `FerError` whose line/column lie outside
  the source; the two back ends disagreeing on whether the text compiles;
- `to_source` of a parsed AST not parsing back to an equal AST;
- `apply` raising, the back ends disagreeing, `Pipeline.internal_errors` becoming non-zero;
- `regex_warnings`/`query_regex_warnings` raising, or scope compilation raising anything but
  `FerError`.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

SEP = b"\n\x1e\n"
# Messages longer than this add run time, not coverage: the long-line cases live in the properties.
MAX_MESSAGE = 8192


class Finding(AssertionError):
    """An invariant broke; the message says which and on what."""


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def _split(data: bytes) -> tuple[str, str, str | None]:
    parts = data.split(SEP, 2)
    expression = _decode(parts[0])
    message = _decode(parts[1][:MAX_MESSAGE]) if len(parts) > 1 else ""
    scope = _decode(parts[2]) if len(parts) > 2 else None
    return expression, message, scope


def _position_inside(error: object, source: str) -> None:
    line = getattr(error, "line", None)
    column = getattr(error, "column", None)
    if line is None or column is None:
        return
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        raise Finding(f"error line {line} outside 1..{len(lines)}: {error!r} for {source!r}")
    if not 1 <= column <= len(lines[line - 1]) + 1:
        raise Finding(f"error column {column} outside line {line} ({len(lines[line - 1])} chars): "
                      f"{error!r} for {source!r}")


def check_one(expression: str, message: str, scope: str | None) -> None:
    """Every invariant for one (expression, message, scope) triple. Raises `Finding` on a bug."""
    import fer
    from fer.errors import FerError
    from fer.parser import parse
    from fer.printer import to_source
    from fer.regex_safety import query_regex_warnings, regex_warnings
    from fer.scope import compile_scope

    try:
        regex_warnings(expression)
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        raise Finding(f"regex_warnings raised {error!r} on {expression!r}") from error

    if scope is not None:
        try:
            compiled_scope = compile_scope(scope)
        except FerError as error:
            _position_inside(error, scope)
        else:
            compiled_scope.matches(message, {"_sourcecategory": message[:20]})

    try:
        compiled = fer.compile(expression)
    except FerError as error:
        _position_inside(error, expression)
        try:
            fer.compile(expression, backend="reference")
        except FerError:
            return
        raise Finding(f"only the compiled back end rejects {expression!r}: {error}") from error
    reference = fer.compile(expression, backend="reference")

    query = parse(expression)
    try:
        query_regex_warnings(query)
    except Exception as error:  # noqa: BLE001 - any exception is the finding
        raise Finding(f"query_regex_warnings raised {error!r} on {expression!r}") from error
    printed = to_source(query)
    if parse(printed) != query:
        raise Finding(f"round trip changed the AST: {expression!r} printed as {printed!r}")

    got = compiled.apply(message)
    want = reference.apply(message)
    if compiled.internal_errors or reference.internal_errors:
        raise Finding(f"internal error applying {expression!r} to {message!r}")
    if got != want:
        raise Finding(f"back ends disagree on {expression!r} × {message!r}: {got!r} != {want!r}")
    if got is not None and not all(isinstance(v, str) for v in got.values()):
        raise Finding(f"non-string value from {expression!r} on {message!r}: {got!r}")


def test_one_input(data: bytes) -> None:
    """The atheris entry point."""
    check_one(*_split(data))


# libFuzzer dictionary: the language's words and punctuation, so mutations make plausible stages.
DICTIONARY = (
    "parse", "regex", "extract", "json", "kv", "keyvalue", "csv", "split", "where", "fields",
    "as", "nodrop", "field=", "keys", "infer", "delim=", "quote=", "escape=", "multi", "auto",
    "and", "or", "not", "in", "matches", "contains", "true", "false", "null", "_raw", "%\"",
    " | ", "\"*\"", "(?<n>", "(?P<n>", "\\d+", "\\Q", "\\E", "(?i)", "$.", "[*]", "['",
    "if(", "concat(", "replace(", "substring(", "num(", "toLong(", "parseHex(", "round(",
    "1Ki", "1.5s", "3e+4", "//", "/*", "*/", "\\\"", "\u2028", "{\"message\":",
)


def _dictionary_entry(word: str) -> str:
    """libFuzzer's dictionary syntax: a quoted string with only `\\\\`, `\\"` and `\\xHH` escapes."""
    out = []
    for byte in word.encode("utf-8"):
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif 0x20 <= byte < 0x7F:
            out.append(char)
        else:
            out.append(f"\\x{byte:02X}")
    return '"' + "".join(out) + '"'


def _write_seed_corpus(directory: Path) -> None:
    """Seed inputs: every case file expression with its first input; and `fer.dict` beside the
    corpus directory (pass it as `-dict=`)."""
    import tomllib

    directory.mkdir(parents=True, exist_ok=True)
    with open(directory.parent / "fer.dict", "w", encoding="utf-8") as out:
        for word in DICTIONARY:
            out.write(_dictionary_entry(word) + "\n")
    if any(directory.iterdir()):
        return
    count = 0
    for path in sorted((ROOT / "tests" / "cases").glob("*.toml")):
        for case in tomllib.loads(path.read_text(encoding="utf-8")).get("case", []):
            message = case.get("input")
            if message is None and case.get("inputs"):
                message = case["inputs"][0].get("input")
            if not isinstance(message, str):
                message = ""
            data = case["expr"].encode("utf-8", "surrogateescape") + SEP + message.encode(
                "utf-8", "surrogateescape")
            (directory / f"case-{count:04d}").write_bytes(data)
            count += 1


# Known findings, reported and waiting for a fix, that a run can step around (`--avoid-known`) so that
# it keeps looking for new ones. Each is a regression test in tests/test_regressions.py; remove its
# entry here once that test passes.
KNOWN: dict[str, re.Pattern[str]] = {
    # (none open: test_regressions.py #2, a field removed by `fields` then a failing `nodrop` stage,
    # was fixed in fer/codegen.py)
}


def _hypothesis_loop(seconds: float, avoid_known: bool = False) -> int:
    """Fuzzing without atheris: Hypothesis draws triples until the time budget is spent."""
    from hypothesis import HealthCheck, assume, given, settings
    from hypothesis import strategies as st

    from fer.testing import expressions, messages

    texts = st.one_of(expressions(), st.text(), st.text(alphabet='parse regex json "*|%=,()/\\ as'))
    deadline = time.monotonic() + seconds
    runs = 0

    @settings(max_examples=10**9, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(texts, messages(), st.none() | st.text(max_size=40))
    def run(expression: str, message: str, scope: str | None) -> None:
        nonlocal runs
        if time.monotonic() > deadline:
            raise _Done
        if avoid_known:
            assume(not any(known.search(expression) for known in KNOWN.values()))
        runs += 1
        check_one(expression, message[:MAX_MESSAGE], scope)

    started = time.monotonic()
    try:
        run()
    except _Done:
        pass
    except Exception:
        print(f"hypothesis fuzz: finding after {runs} inputs, {time.monotonic() - started:.0f} s")
        raise
    print(f"hypothesis fuzz: {runs} inputs in {seconds:.0f} s, no finding")
    return 0


class _Done(BaseException):
    """Ends the Hypothesis loop when the time budget is spent (not a finding). A BaseException, so
    that Hypothesis stops at once instead of treating it as a failure to shrink."""


def main() -> int:
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--hypothesis", action="store_true")
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--avoid-known", action="store_true")
    parser.add_argument("--seed-corpus", type=Path)
    known, rest = parser.parse_known_args()
    if known.seed_corpus:
        _write_seed_corpus(known.seed_corpus)
        return 0
    if known.hypothesis:
        return _hypothesis_loop(known.seconds, known.avoid_known)

    import atheris

    with atheris.instrument_imports():
        import fer  # noqa: F401
        import fer.codegen  # noqa: F401
        import fer.evaluator  # noqa: F401
        import fer.parser  # noqa: F401
        import fer.printer  # noqa: F401
        import fer.regex_safety  # noqa: F401
        import fer.scope  # noqa: F401
        import fer.pipeline  # noqa: F401
    atheris.Setup([sys.argv[0], *rest], test_one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
