"""Hostile rules: user text never executes as code, and dangerous regexes are reported.

fer compiles expressions to Python source and `exec`s it, so every piece of user text that reaches the
generated code is a potential injection: string literals, `%"field names"`, anchor patterns, regexes,
JSON paths, kv keys, csv options, replacement strings, rule names and scopes. The model is
fastjsonschema's test_security.py: a table of injection attempts, each placed in every position,
compiled and applied; then

- no side effect happened: a marker file was not created, no attribute appeared on `builtins`;
- the generated Python parses, and its names and attributes are only those fer generates (an
  allowlist), so no `__import__`, `os`, `eval` or dunder attribute can appear;
- the payload's text appears in the generated source only inside string literals (tokenize).

The second half tests `fer.regex_safety.regex_warnings`, the compile-time warning for regexes prone to
catastrophic backtracking (fer cannot bound the run time of a user regex; see docs/property-testing.md).
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import re
import time
import tokenize
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import fer
from fer.errors import FerError
from fer.parser import parse
from fer.printer import string_source
from fer.regex_safety import query_regex_warnings, regex_warnings
from fer.rules import Rule, RuleSet

MARKER = "FER_PWNED"  # the file a successful injection would create, and the builtins attribute

# Injection attempts. Each would have an effect (create MARKER in the working directory, or set
# builtins.FER_PWNED) if it were ever spliced into the generated Python as code.
PAYLOADS: list[str] = [
    f"__import__('os').system('touch {MARKER}')",
    f'__import__("os").system("touch {MARKER}")',
    f"\"); open('{MARKER}', 'w'); (\"",
    f"'); open('{MARKER}', 'w'); ('",
    f'"""); open("{MARKER}", "w"); ("""',
    f"'''); open('{MARKER}', 'w'); ('''",
    f"\\'); open('{MARKER}', 'w'); (\\'",
    f'\\"); open("{MARKER}", "w"); (\\"',
    f"\\\\'); open('{MARKER}', 'w'); #",
    f"\nimport builtins; builtins.{MARKER} = 1\n",
    f"\\\nimport builtins; builtins.{MARKER} = 1\n",
    f"\r\nsetattr(__import__('builtins'), '{MARKER}', 1)\r\n",
    f"\u2028setattr(__import__('builtins'), '{MARKER}', 1)\u2028",
    f"\u2029\x0c\x0bsetattr(__import__('builtins'), '{MARKER}', 1)",
    f"\x00'); open('{MARKER}', 'w'); ('\x00",
    f"{{__import__('os').system('touch {MARKER}')}}",
    f"f'{{open(\"{MARKER}\", \"w\")}}'",
    "%(__class__)s %s %r {0.__class__.__mro__} {__builtins__}",
    f"$1 ${{{MARKER}}} \\1 \\g<0>",
    f"# {MARKER}\nopen('{MARKER}', 'w')",
    f"*/ open('{MARKER}', 'w') /*",
    f"// \n| where __import__('os').system('touch {MARKER}') = 0",
    f"{MARKER}=1; exec(\"open('{MARKER}','w')\")",
]


def lit(text: str) -> str:
    """A fer string literal holding exactly `text` (quotes and backslashes escaped)."""
    return string_source(text)


def qname(text: str) -> str:
    """A quoted field name `%"…"` for `text`."""
    return "%" + string_source(text)


def regex_of(text: str) -> str:
    """A valid regex matching `text` literally, with one named group (Python's escaping suits
    Java's dialect: a backslash before any non-alphanumeric character is that character)."""
    escaped = "".join(ch if ch.isalnum() else "\\" + ch if ch.isascii() and ch.isprintable() else
                      f"\\x{{{ord(ch):x}}}" for ch in text)
    return f"(?<n>x*){escaped}"


# Each position places a payload somewhere a user writes text.
POSITIONS = {
    "string literal": lambda p: f"{lit(p)} as f",
    "concat argument": lambda p: f'concat({lit(p)}, _raw) as f',
    "field name assigned": lambda p: f'"v" as {qname(p)}',
    "field name read": lambda p: f"{qname(p)} as f",
    "field name in fields": lambda p: f'"v" as {qname(p)} | fields {qname(p)}',
    "field name removed": lambda p: f'"v" as f | fields - {qname(p)}',
    "parse field=": lambda p: f'parse field={qname(p)} "*" as f nodrop',
    "anchor pattern": lambda p: f"parse {lit(p.replace('*', '') + '*')} as f nodrop",
    "anchor names": lambda p: f'parse "a=*" as {qname(p)} nodrop',
    "regex": lambda p: f"parse regex {lit(regex_of(p))} nodrop",
    "matches regex": lambda p: f"_raw matches /{regex_of(p).replace('/', '[/]')}/ as f",
    "matches wildcard": lambda p: f"_raw matches {lit(p)} as f",
    "contains": lambda p: f"_raw contains {lit(p)} as f",
    "in list": lambda p: f"_raw in ({lit(p)}, {lit(p[::-1])}) as f",
    "comparison": lambda p: f"where _raw != {lit(p)}",
    "replace literal": lambda p: f"replace(_raw, {lit(p)}, {lit(p)}) as f",
    "replace regex": lambda p: f"replace(_raw, /x/, {lit(p)}) as f",
    "json path": lambda p: f"json {lit(p)} as f nodrop",
    "json bracket path": lambda p: f"json {lit('[' + repr(p) + ']')} as f nodrop",
    "json path, no as": lambda p: f"json {lit(p)} nodrop",
    "kv key": lambda p: f"kv {lit(p)} as f nodrop",
    "kv key, no as": lambda p: f"kv {lit(p)} nodrop",
    "kv regex": lambda p: f"kv regex {lit(regex_of(p).replace('(?<n>x*)', '(x*)'))} keys \"k\" as f nodrop",
    "function argument": lambda p: f"if(isNull({lit(p)}), urldecode({lit(p)}), base64Decode({lit(p)})) as f",
}

def messages_for(payload: str) -> list[str]:
    """Messages to apply the generated code to: the payload itself (so matches happen), and JSON
    that carries it under its own name as a key."""
    return [payload, "x", f"k={payload}", json.dumps({payload: payload, "a": payload})]


ALLOWED_BUILTINS = frozenset({"dict", "len", "str", "type", "isinstance", "tuple", "list", "int",
                              "float", "bool", "min", "max", "None", "True", "False", "range"})
ALLOWED_ATTRIBUTES = frozenset({
    "fullmatch", "get", "group", "search", "split", "startswith", "match", "lower", "upper",
    "strip", "find", "partition", "append", "items", "groupdict", "span", "start", "end", "join",
    "endswith", "casefold", "index", "rstrip", "lstrip", "replace", "groups", "keys", "values",
})
# Names fer generates: parameters and the output dict, field locals `v_<name>_<n>`, temporaries and
# module globals that all start with `_`, and the MISSING sentinel.
GENERATED_NAME = re.compile(r"raw|meta|out|MISSING|v_[A-Za-z0-9_]*_\d+|_[A-Za-z][A-Za-z0-9_]*")


def check_generated_source(source: str) -> None:
    """The generated code holds user text only inside string literals, and names only fer's own."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            assert GENERATED_NAME.fullmatch(node.id) or node.id in ALLOWED_BUILTINS, (
                f"unexpected name {node.id!r} in generated code:\n{source}")
            assert "__" not in node.id.strip("_") or node.id.startswith("v_"), node.id
            assert not (node.id.startswith("__") and node.id.endswith("__")), node.id
        elif isinstance(node, ast.Attribute):
            assert node.attr in ALLOWED_ATTRIBUTES, (
                f"unexpected attribute {node.attr!r} in generated code:\n{source}")
        elif isinstance(node, (ast.Import, ast.ImportFrom, ast.Global, ast.Nonlocal, ast.Lambda,
                               ast.ClassDef, ast.Delete, ast.JoinedStr)):
            raise AssertionError(f"unexpected {type(node).__name__} in generated code:\n{source}")
        elif isinstance(node, ast.FunctionDef):
            assert node.name == "extract", node.name
    # Outside string literals (and fer's own `# stage n: Kind` comments) the marker never appears.
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            continue
        assert MARKER not in token.string, f"payload outside a string literal: {token!r}\n{source}"
        if token.type == tokenize.COMMENT:
            assert re.fullmatch(r"# [\w :,()-]*", token.string), f"comment with user text: {token!r}"


@pytest.mark.parametrize("bad", [
    f"def extract(raw, meta):\n    __import__('os').system('touch {MARKER}')\n",
    "def extract(raw, meta):\n    import os\n    return None\n",
    "def extract(raw, meta):\n    return raw.__class__\n",
    "def extract(raw, meta):\n    return eval(raw)\n",
    f"def extract(raw, meta):\n    # stage 1: {MARKER}\n    return None\n",
    f"def extract(raw, meta):\n    v_x_0 = 1; {MARKER} = 2\n",
    "def extract(raw, meta):\n    return f'{raw}'\n",
])
def test_the_source_check_catches_injected_code(bad: str) -> None:
    """The check above is not vacuous: code a naive generator could emit fails it."""
    with pytest.raises(AssertionError):
        check_generated_source(bad)


@pytest.fixture
def sandbox(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in an empty directory where the marker file would appear."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


def assert_no_side_effect(where: Path) -> None:
    assert not (where / MARKER).exists(), "an injection created the marker file"
    assert not hasattr(builtins, MARKER), "an injection set an attribute on builtins"


@pytest.mark.parametrize("position", list(POSITIONS))
@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_payload_never_executes(payload: str, position: str, sandbox: Path) -> None:
    source = POSITIONS[position](payload)
    for backend in ("compiled", "reference"):
        try:
            pipeline = fer.compile(source, backend=backend)  # type: ignore[arg-type]
        except FerError:
            assert_no_side_effect(sandbox)
            continue
        if backend == "compiled":
            check_generated_source(pipeline.python_source)
            pipeline.explain()
        for message in messages_for(payload):
            pipeline.apply(message)
            pipeline.apply({"_raw": message, payload: payload})
        assert pipeline.internal_errors == 0
        assert_no_side_effect(sandbox)


def test_the_positions_compile() -> None:
    """The table is meaningful: with a harmless payload every position compiles."""
    for position, make in POSITIONS.items():
        fer.compile(make("hello world"))


def test_payloads_mostly_compile() -> None:
    """Most (payload, position) pairs reach code generation, not only the parser's error path."""
    compiled = 0
    for payload in PAYLOADS:
        for make in POSITIONS.values():
            try:
                fer.compile(make(payload))
                compiled += 1
            except FerError:
                pass
    assert compiled >= 0.8 * len(PAYLOADS) * len(POSITIONS)


@pytest.mark.parametrize("char", ["'", '"', "\\", "\n", "\x00", "\u2028", "#", "{", "%", "\t"])
@pytest.mark.parametrize("option", ["delim", "quote", "escape"])
@pytest.mark.parametrize("stage", ["csv", "split"])
def test_csv_options_never_execute(stage: str, option: str, char: str, sandbox: Path) -> None:
    escaped = {"'": "\\'", "\\": "\\", "\n": "\n", "\t": "\\t"}.get(char, char)
    source = f"{stage} _raw {option}='{escaped}' extract a, b"
    try:
        pipeline = fer.compile(source)
    except FerError:
        assert_no_side_effect(sandbox)
        return
    check_generated_source(pipeline.python_source)
    for message in (f"a{char}b", char * 10, f"x{char}{PAYLOADS[0]}"):
        pipeline.apply(message)
    assert pipeline.internal_errors == 0
    assert_no_side_effect(sandbox)


@pytest.mark.parametrize("payload", PAYLOADS, ids=range(len(PAYLOADS)))
def test_rule_names_and_scopes_never_execute(payload: str, sandbox: Path) -> None:
    scopes = [lit(payload), f"_sourceCategory={lit(payload)}", f"{lit(payload)} OR x", "*"]
    rules = []
    for number, scope in enumerate(scopes):
        try:
            rules.append(Rule(f"{payload} #{number}", scope, f"{lit(payload)} as f{number}"))
        except FerError:
            continue
    assert rules, "no rule compiled at all"
    engine = fer.Engine(RuleSet.from_rules(rules), category=payload)
    records = list(engine.process([payload, {"_raw": payload, "_sourceCategory": payload}, "x"]))
    assert len(records) == 3
    assert_no_side_effect(sandbox)
    RuleSet.from_rules(rules).warnings()


@given(st.sampled_from(PAYLOADS), st.sampled_from(sorted(POSITIONS)), st.text(max_size=20))
def test_payload_variations_never_execute(payload: str, position: str, noise: str) -> None:
    """The table's payloads cut and combined with random text, in random positions."""
    cut = len(noise) % (len(payload) + 1)
    text = payload[:cut] + noise + payload[cut:]
    try:
        pipeline = fer.compile(POSITIONS[position](text))
    except FerError:
        return
    check_generated_source(pipeline.python_source)
    pipeline.apply(text)
    assert pipeline.internal_errors == 0
    assert not hasattr(builtins, MARKER)
    assert not Path(MARKER).exists()


# --------------------------------------------------------------------------- regex safety

# (pattern, a word every warning about it must contain)
DANGEROUS = [
    (r"(a+)+", "nested quantifiers"),
    (r"^(a+)+$", "nested quantifiers"),
    (r"(a*)*b", "nested quantifiers"),
    (r"(.*)*", "nested quantifiers"),
    (r"(?:.+)+x", "nested quantifiers"),
    (r"(\w+\s?)*$", "nested quantifiers"),
    (r"(?:\s*\w+)+$", "nested quantifiers"),
    (r"(.*,)*x", "nested quantifiers"),
    (r"(?<name>[a-z]+)+!", "nested quantifiers"),
    (r"^(\d+|x)*$", "nested quantifiers"),
    (r"(a|a)*", "overlapping alternatives"),
    (r"(a|aa)*b", "overlapping alternatives"),
    (r"(?:foo|foofoo)+x", "overlapping alternatives"),
    (r"(?:ab|ab)+x", "overlapping alternatives"),
    (r"(?:GET|G\w+)+x", "overlapping alternatives"),
    (r"(?:\d+|\w+)*!", "quantifiers"),
    (r"\d+\d+", "adjacent unbounded quantifiers"),
    (r".*.*=", "adjacent unbounded quantifiers"),
    (r"\w+_*\w+", "adjacent unbounded quantifiers"),
    (r"(?<a>\d+)(?<b>\d+)x", "adjacent unbounded quantifiers"),
    (r"\s*(?:\t)*x", "adjacent unbounded quantifiers"),
    (r".*?(?<n>\d+)", "adjacent unbounded quantifiers"),
    (r"(?i)[A-Z]+[a-z]+!", "adjacent unbounded quantifiers"),  # overlap only case-insensitively
]

SAFE = [
    r"(?<n>\d+)\.(?<m>\d+)",
    r"^ *(?<a>\S+) +(?<b>\S+) *$",  # fer.aws.vpc's tolerant rule shape
    r"(\d+\.)+\d+",
    r"(?:GET|POST|PUT)+",
    r"(?:foo|foobar)+x",  # unambiguous: after foo the next iteration starts with f, not b
    r"(x|[a-z])*",  # one character class to the engine
    r"(\d|\w)+",
    r"(ab|ac)*",  # factored to a[bc]: no ambiguity
    r"(ab|a)*c",
    r"(a++)+",  # possessive: no backtracking into it
    r"(?>a+)+",  # atomic
    r"user=(?<user>[^ ]+)",
    r"(?<ip>\d{1,3}(?:\.\d{1,3}){3})",
    r"(?<x>.*) (?<y>.*)",
    r"[A-Z]+[a-z]+",  # disjoint classes
    r"\d+\s+\d+",
    r"(?<key>\w+)=(?<value>\S+)",
    r"\Qa+b+\E+",  # \Q…\E: literal text, not quantifiers
    "",
]


@pytest.mark.parametrize(("pattern", "word"), DANGEROUS)
def test_dangerous_regexes_are_reported(pattern: str, word: str) -> None:
    found = regex_warnings(pattern)
    assert found, f"no warning for {pattern!r}"
    assert any(word in warning for warning in found), found
    for warning in found:
        # Human-readable: names a construct and gives advice.
        assert "(" in warning or "+" in warning or "*" in warning
        assert any(advice in warning for advice in ("possessive", "atomic", "separate")), warning


@pytest.mark.parametrize("pattern", SAFE)
def test_safe_regexes_are_not_reported(pattern: str) -> None:
    assert regex_warnings(pattern) == []


def test_warning_names_the_offending_construct() -> None:
    (warning,) = regex_warnings(r"^user=(?<user>(\w+\s?)*)$")
    assert warning.startswith("nested quantifiers in (\\w+\\s?)*: the inner \\w+")
    (adjacent,) = regex_warnings(r"(?<a>\d+)(?<b>[0-9]+)")
    assert "\\d+" in adjacent and "[0-9]+" in adjacent


@pytest.mark.parametrize("pattern", ["(", "(?<n>x", "[a-", "(?<a>x)(?<A>y)", "\\p{L}", "x{2,1}"])
def test_invalid_patterns_give_no_warning(pattern: str) -> None:
    assert regex_warnings(pattern) == []


def test_warned_construct_is_really_slow_and_the_fix_is_not() -> None:
    """The reason for the warning, measured on a small input: each extra character doubles the
    time of `(a+)+$`; the possessive form the warning suggests stays linear."""
    slow = re.compile(r"(a+)+$")
    fixed = re.compile(r"(a++)+$")
    text = "a" * 18 + "!"
    start = time.perf_counter()
    slow.search(text)
    slow_time = time.perf_counter() - start
    start = time.perf_counter()
    fixed.search(text)
    fixed_time = time.perf_counter() - start
    assert slow_time > 20 * fixed_time
    assert regex_warnings(r"(a+)+$") and not regex_warnings(r"(a++)+$")


def test_query_warnings_find_every_regex_in_an_expression() -> None:
    query = parse(
        'parse regex "(?<a>(x+)+)" nodrop'
        ' | kv regex "(\\w+)=(\\d+\\d+)" keys "k" nodrop'
        " | _raw matches /(y|y)*/ as m"
        ' | replace(_raw, /.*.*z/, "") as r'
        ' | parse "safe=*" as s'
    )
    found = query_regex_warnings(query)
    assert len(found) == 4, found
    assert found[0].startswith("regex '(?<a>(x+)+)': nested quantifiers")
    assert query_regex_warnings(parse('parse regex "(?<n>\\d+)"')) == []


def test_long_patterns_are_analysed_quickly() -> None:
    # The 16,384-character expression limit bounds a pattern; the analysis stays well under a second.
    for pattern in ("(a" * 3000 + ")" * 3000, r"a+b" * 4000, "(?:a|b|" * 500 + "c" + ")" * 500,
                    r"(?<n>\d+)" + r"[a-z]\s+" * 1500):
        start = time.perf_counter()
        regex_warnings(pattern)
        assert time.perf_counter() - start < 2.0, pattern[:40]


@given(st.text(alphabet="ab()|*+?.\\dws[]^$-{}1,<>:?=!", max_size=30))
def test_regex_warnings_never_raise(pattern: str) -> None:
    found = regex_warnings(pattern)
    assert isinstance(found, list) and all(isinstance(w, str) for w in found)
