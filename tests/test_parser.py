"""Parser tests: source text -> AST, table-driven (language.md §1-4, §7).

`STAGE_CASES` and `EXPR_CASES` are also the inputs of the printer's round-trip test.
"""

from __future__ import annotations

import pytest

from fer import ast
from fer.errors import FerCompileError
from fer.parser import number_value, parse, unescape_string

# ---------------------------------------------------------------------------- node shorthands


def F(name: str) -> ast.FieldRef:
    return ast.FieldRef(name)


def S(value: str) -> ast.StringLit:
    return ast.StringLit(value)


def N(value: float) -> ast.NumberLit:
    return ast.NumberLit(float(value))


def Nm(*names: str) -> tuple[ast.Name, ...]:
    return tuple(ast.Name(n) for n in names)


def Ar(op: str, left: ast.Expr, right: ast.Expr) -> ast.Arith:
    return ast.Arith(op, left, right)  # type: ignore[arg-type]


def Cmp(op: str, left: ast.Expr, right: ast.Expr) -> ast.Compare:
    return ast.Compare(op, left, right)  # type: ignore[arg-type]


def And(left: ast.Expr, right: ast.Expr) -> ast.Logical:
    return ast.Logical("and", left, right)


def Or(left: ast.Expr, right: ast.Expr) -> ast.Logical:
    return ast.Logical("or", left, right)


def Call(name: str, *args: ast.Expr) -> ast.Call:
    return ast.Call(name, args)


TRUE, FALSE, NULL = ast.BoolLit(True), ast.BoolLit(False), ast.NullLit()
a, b, c, d, x = F("a"), F("b"), F("c"), F("d"), F("x")


def where_expr(text: str) -> ast.Expr:
    stage = parse(f"where {text}").stages[0]
    assert isinstance(stage, ast.Where)
    return stage.cond


# ---------------------------------------------------------------------------- expressions

EXPR_CASES: list[tuple[str, ast.Expr]] = [
    # literals
    ('"abc"', S("abc")),
    ("12", N(12)),
    ("-3", N(-3)),
    ("1.5", N(1.5)),
    ("3.14e+4", N(31400)),
    ("2E-3", N(0.002)),
    ("true", TRUE),
    ("FALSE", FALSE),
    ("Null", NULL),
    ("x matches /a.*b/", ast.Matches(x, ast.RegexLit("a.*b"))),
    # field names
    ("_rawvpc", F("_rawvpc")),
    ('%"a.b"', F("a.b")),
    ('%"say \\"hi\\""', F('say "hi"')),
    ('%"and"', F("and")),
    ("regex", F("regex")),  # option words are field names where no option can stand
    ("keys", F("keys")),
    ("parse", F("parse")),
    ("Android", F("Android")),  # a reserved word inside a name is fine
    ("notes", F("notes")),
    ("in_x", F("in_x")),
    # arithmetic and precedence
    ("a + b * c", Ar("+", a, Ar("*", b, c))),
    ("(a + b) * c", Ar("*", Ar("+", a, b), c)),
    ("a - b - c", Ar("-", Ar("-", a, b), c)),
    ("a / b % c", Ar("%", Ar("/", a, b), c)),
    ("a -3", Ar("-", a, N(3))),
    ("-a * b", Ar("*", ast.Negate(a), b)),
    ("- -a", ast.Negate(ast.Negate(a))),
    ("-(3)", N(-3)),
    ("2 * -3", Ar("*", N(2), N(-3))),
    # comparisons
    ("a = b", Cmp("=", a, b)),
    ("a == b", Cmp("=", a, b)),
    ("a != b", Cmp("!=", a, b)),
    ("a <> b", Cmp("!=", a, b)),
    ("a < b", Cmp("<", a, b)),
    ("a > b", Cmp(">", a, b)),
    ("a <= b", Cmp("<=", a, b)),
    ("a >= b", Cmp(">=", a, b)),
    ("a + 1 > b * 2", Cmp(">", Ar("+", a, N(1)), Ar("*", b, N(2)))),
    ('a in ("x", 2)', ast.InList(a, (S("x"), N(2)))),
    ("a IN (b)", ast.InList(a, (b,))),
    ('a not in ("x")', ast.InList(a, (S("x"),), negated=True)),
    ('a matches "10.*"', ast.Matches(a, S("10.*"))),
    ("a MATCHES b", ast.Matches(a, b)),
    ('a contains "x"', ast.Contains(a, S("x"))),
    ("contains(a, b)", ast.Contains(a, b)),
    ("CONTAINS(a)", Call("CONTAINS", a)),
    # logic: ?: < or < and < not < comparison
    ("a and b or c", Or(And(a, b), c)),
    ("a or b and c", Or(a, And(b, c))),
    ("a or b or c", Or(Or(a, b), c)),
    ("not a and b", And(ast.Not(a), b)),
    ("!a = b", ast.Not(Cmp("=", a, b))),
    ("! !a", ast.Not(ast.Not(a))),
    ("NOT a in (b)", ast.Not(ast.InList(a, (b,)))),
    ("a AND b", And(a, b)),
    ("a ? b : c", ast.Conditional(a, b, c, ternary=True)),
    ("a or b ? c : d", ast.Conditional(Or(a, b), c, d)),
    ("a ? b : c ? d : x", ast.Conditional(a, b, ast.Conditional(c, d, x))),
    ("a ? b ? c : d : x", ast.Conditional(a, ast.Conditional(b, c, d), x)),
    # calls
    ("if(a, b, c)", ast.Conditional(a, b, c)),
    ("IF(a = 1, b, c)", ast.Conditional(Cmp("=", a, N(1)), b, c)),
    ("if(a, b)", Call("if", a, b)),
    ('concat(a, " ", b)', Call("concat", a, S(" "), b)),
    ("now()", Call("now")),
    ("toLowerCase(trim(a))", Call("toLowerCase", Call("trim", a))),
    ('replace(a, /\\d+/, "#")', Call("replace", a, ast.RegexLit("\\d+"), S("#"))),
    ("json(a)", Call("json", a)),
    # a regex literal is lexed wherever an operand may stand; the checker limits where
    ("/x/", ast.RegexLit("x")),
    ("a / b / c", Ar("/", Ar("/", a, b), c)),
    ("x matches /a\\/b/", ast.Matches(x, ast.RegexLit("a\\/b"))),
]


@pytest.mark.parametrize(("text", "expected"), EXPR_CASES, ids=[t for t, _ in EXPR_CASES])
def test_expression(text: str, expected: ast.Expr) -> None:
    assert where_expr(text) == expected


# ---------------------------------------------------------------------------- literals


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("1.5", 1.5),
        ("3.14e+4", 31400),
        ("1e3", 1000),
        ("2k", 2000),
        ("2K", 2000),
        ("1.5M", 1_500_000),
        ("1G", 1e9),
        ("1T", 1e12),
        ("1P", 1e15),
        ("1Ki", 1024),
        ("2Mi", 2 * 1024**2),
        ("1Gi", 1024**3),
        ("1Ti", 1024**4),
        ("1Pi", 1024**5),
        ("5ns", 0.000005),
        ("5us", 0.005),
        ("5ms", 5),
        ("1.5s", 1500),
        ("0.1s", 100),
        ("2m", 120_000),
        ("1h", 3_600_000),
        ("1d", 86_400_000),
        ("1w", 604_800_000),
        ("1e999", float("inf")),
    ],
)
def test_number_value(text: str, value: float) -> None:
    assert number_value(text) == value
    assert where_expr(text) == N(value)


@pytest.mark.parametrize("text", ["10abc", "1S", "1H", "1ki", "1x", "1.5.5"])
def test_bad_number_suffix_is_a_syntax_error(text: str) -> None:
    from fer.errors import FerSyntaxError

    with pytest.raises(FerSyntaxError):
        parse(f"where {text} = 1")


def test_number_keeps_its_spelling() -> None:
    node = where_expr("1.5s")
    assert isinstance(node, ast.NumberLit) and node.text == "1.5s"


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ('"plain"', "plain"),
        ('"a\\"b"', 'a"b'),
        ('"a\\\\b"', "a\\b"),
        ('"\\n\\r\\t"', "\n\r\t"),
        ('"\\d+\\.\\d+"', "\\d+\\.\\d+"),  # other pairs are kept as written
        ('"\\\\d"', "\\d"),
        ('"\\u00e9"', "\\u00e9"),
        ('"multi\nline"', "multi\nline"),
        ('"é ☃"', "é ☃"),
        ('""', ""),
    ],
)
def test_string_escapes(source: str, value: str) -> None:
    assert where_expr(source) == S(value)
    assert unescape_string(source[1:-1]) == value


# ---------------------------------------------------------------------------- stages

SEED = """json "message" as _rawvpc nodrop
| if (_raw matches "{*", _rawvpc,_raw) as message
| parse field=message "* * * * * * * * * * * * * *" as version,accountID,interfaceID,src_ip,dest_ip,src_port,dest_port,Protocol,Packets,bytes,StartSample,EndSample,Action,status
| fields interfaceid,src_ip,dest_ip,src_port,dest_port,protocol,packets,bytes,action,status"""

SEED_NAMES = (
    "version accountID interfaceID src_ip dest_ip src_port dest_port Protocol Packets bytes "
    "StartSample EndSample Action status"
).split()

STAGE_CASES: list[tuple[str, tuple[ast.Stage, ...]]] = [
    (
        SEED,
        (
            ast.Json(None, (S("message"),), Nm("_rawvpc"), nodrop=True),
            ast.Assign(
                ast.Conditional(ast.Matches(F("_raw"), S("{*")), F("_rawvpc"), F("_raw")),
                ast.Name("message"),
            ),
            ast.ParseAnchor(
                F("message"), (ast.AnchorPattern(" ".join(["*"] * 14), Nm(*SEED_NAMES)),)
            ),
            ast.Fields(
                "keep",
                Nm("interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol",
                   "packets", "bytes", "action", "status"),
            ),
        ),
    ),
    # parse (anchor)
    ('parse "user=*:" as user', (ast.ParseAnchor(None, (ast.AnchorPattern("user=*:", Nm("user")),)),)),
    (
        'PARSE Field=%"my field" "a*b*" as x, y NODROP',
        (ast.ParseAnchor(F("my field"), (ast.AnchorPattern("a*b*", Nm("x", "y")),), nodrop=True),),
    ),
    (
        'parse "a=*" as a, "b=*,*" as b, c nodrop',
        (
            ast.ParseAnchor(
                None,
                (ast.AnchorPattern("a=*", Nm("a")), ast.AnchorPattern("b=*,*", Nm("b", "c"))),
                nodrop=True,
            ),
        ),
    ),
    ('parse "\\"*\\"" as q', (ast.ParseAnchor(None, (ast.AnchorPattern('"*"', Nm("q")),)),)),
    ('parse "*" as %"a b"', (ast.ParseAnchor(None, (ast.AnchorPattern("*", Nm("a b")),)),)),
    ('parse "*" as json', (ast.ParseAnchor(None, (ast.AnchorPattern("*", Nm("json")),)),)),
    # parse regex / extract
    ('parse regex "(?<a>\\d+)"', (ast.ParseRegex(None, (S("(?<a>\\d+)"),)),)),
    (
        'parse regex field=m "(?<a>x)", "(?<b>y)" nodrop',
        (ast.ParseRegex(F("m"), (S("(?<a>x)"), S("(?<b>y)")), nodrop=True),),
    ),
    ('extract "(?<a>x)" multi', (ast.ParseRegex(None, (S("(?<a>x)"),), multi=True),)),
    ('EXTRACT field=f "(?<a>x)" nodrop multi', (ast.ParseRegex(F("f"), (S("(?<a>x)"),), nodrop=True, multi=True),)),
    # json
    ('json "a"', (ast.Json(None, (S("a"),)),)),
    (
        'json field=m "a.b", "c[0]" as x, y nodrop',
        (ast.Json(F("m"), (S("a.b"), S("c[0]")), Nm("x", "y"), nodrop=True),),
    ),
    ("json auto", (ast.Json(None, (), auto=True),)),
    ("JSON field=m auto nodrop", (ast.Json(F("m"), (), auto=True, nodrop=True),)),
    ("json auto field=m", (ast.Json(F("m"), (), auto=True),)),
    # keyvalue
    ('kv "a", "b"', (ast.KeyValue(None, (S("a"), S("b"))),)),
    ('keyvalue infer "a" as x nodrop', (ast.KeyValue(None, (S("a"),), Nm("x"), nodrop=True),)),
    ('kv keys "a"', (ast.KeyValue(None, (S("a"),)),)),
    ('KV field=f infer keys "a", "b" as x, y', (ast.KeyValue(F("f"), (S("a"), S("b")), Nm("x", "y")),)),
    (
        'kv regex "(\\w+)=(\\w+)" keys "a", "b" as x, y nodrop',
        (ast.KeyValue(None, (S("a"), S("b")), Nm("x", "y"), regex=S("(\\w+)=(\\w+)"), nodrop=True),),
    ),
    ('kv field=f regex "=(\\w+)" keys "k"', (ast.KeyValue(F("f"), (S("k"),), regex=S("=(\\w+)")),)),
    ('keyvalue regex "=(.*?)," "a.b", "c"', (ast.KeyValue(None, (S("a.b"), S("c")), regex=S("=(.*?),")),)),
    ("kv auto", (ast.KeyValue(None, (), auto=True),)),
    ("keyvalue field=f auto", (ast.KeyValue(F("f"), (), auto=True),)),
    ('keyvalue auto keys "a", "b" as x, y nodrop', (ast.KeyValue(None, (S("a"), S("b")), Nm("x", "y"), nodrop=True, auto=True),)),
    ('json auto keys "a" as x', (ast.Json(None, (S("a"),), Nm("x"), auto=True),)),
    # csv / split
    (
        "csv _raw extract 1 as a, 3 as c",
        (ast.Csv("csv", F("_raw"), (ast.CsvColumn(1, ast.Name("a")), ast.CsvColumn(3, ast.Name("c")))),),
    ),
    (
        "csv _raw extract a, _, c",
        (
            ast.Csv(
                "csv",
                F("_raw"),
                (ast.CsvColumn(None, ast.Name("a")), ast.CsvColumn(None, ast.Name("_")),
                 ast.CsvColumn(None, ast.Name("c"))),
            ),
        ),
    ),
    (
        "CSV msg delim=';' quote='\\'' escape='\\' extract 3 as c, d",
        (
            ast.Csv(
                "csv", F("msg"), (ast.CsvColumn(3, ast.Name("c")), ast.CsvColumn(None, ast.Name("d"))),
                delim=";", quote="'", escape="\\",
            ),
        ),
    ),
    (
        "split _raw escape='\\', delim=':', quote='\"' extract a, b",
        (ast.Csv("split", F("_raw"), (ast.CsvColumn(None, ast.Name("a")), ast.CsvColumn(None, ast.Name("b"))), delim=":"),),
    ),
    ("split f delim='\\t' extract a", (ast.Csv("split", F("f"), (ast.CsvColumn(None, ast.Name("a")),), delim="\t"),)),
    ("split f delim=':' extract a nodrop", (ast.Csv("split", F("f"), (ast.CsvColumn(None, ast.Name("a")),), delim=":", nodrop=True),)),
    ("split f delim='ab' extract a", (ast.Csv("split", F("f"), (ast.CsvColumn(None, ast.Name("a")),), delim="ab"),)),
    ("split f delim='\\\\' extract a", (ast.Csv("split", F("f"), (ast.CsvColumn(None, ast.Name("a")),), delim="\\"),)),
    ("split f delim=\"|\" extract a", (ast.Csv("split", F("f"), (ast.CsvColumn(None, ast.Name("a")),), delim="|"),)),
    ("csv f extract 0 as a, -1 as b", (ast.Csv("csv", F("f"), (ast.CsvColumn(0, ast.Name("a")), ast.CsvColumn(-1, ast.Name("b")))),)),
    # assignment
    ('"literal" as f', (ast.Assign(S("literal"), ast.Name("f")),)),
    ("other as f", (ast.Assign(F("other"), ast.Name("f")),)),
    ("x * 8 as bits", (ast.Assign(Ar("*", x, N(8)), ast.Name("bits")),)),
    ('src matches "10.*" as internal', (ast.Assign(ast.Matches(F("src"), S("10.*")), ast.Name("internal")),)),
    ("a ? b : c as f", (ast.Assign(ast.Conditional(a, b, c), ast.Name("f")),)),
    ("a AS %\"x y\"", (ast.Assign(a, ast.Name("x y")),)),
    ("num(f)", (ast.ConvertInPlace("num", F("f")),)),
    ("number(%\"a b\")", (ast.ConvertInPlace("number", F("a b")),)),
    ("toLong(f)", (ast.ConvertInPlace("toLong", F("f")),)),
    ("TOLONG(f)", (ast.ConvertInPlace("TOLONG", F("f")),)),
    ("num(f) as g", (ast.Assign(Call("num", F("f")), ast.Name("g")),)),
    # a stage word followed by `as` is a field
    ("json as j", (ast.Assign(F("json"), ast.Name("j")),)),
    ("parse as p", (ast.Assign(F("parse"), ast.Name("p")),)),
    ("Where AS w", (ast.Assign(F("Where"), ast.Name("w")),)),
    ("fields as f", (ast.Assign(F("fields"), ast.Name("f")),)),
    ("kv as k | keyvalue as k2", (ast.Assign(F("kv"), ast.Name("k")), ast.Assign(F("keyvalue"), ast.Name("k2")))),
    ("csv as c | split as s | extract as e", (
        ast.Assign(F("csv"), ast.Name("c")), ast.Assign(F("split"), ast.Name("s")),
        ast.Assign(F("extract"), ast.Name("e")),
    )),
    ("(json(x)) as y", (ast.Assign(Call("json", x), ast.Name("y")),)),
    # where / fields
    ("where a > 1", (ast.Where(Cmp(">", a, N(1))),)),
    ("where regex", (ast.Where(F("regex")),)),
    ("fields a, b", (ast.Fields("keep", Nm("a", "b")),)),
    ("fields + a", (ast.Fields("keep", Nm("a")),)),
    ("fields - a, %\"b c\"", (ast.Fields("remove", Nm("a", "b c")),)),
    ("FIELDS -a", (ast.Fields("remove", Nm("a")),)),
    ("fields parse, json, keys", (ast.Fields("keep", Nm("parse", "json", "keys")),)),
    # pipes, comments, whitespace, case
    ("| where a", (ast.Where(a),)),
    ("where a|where b", (ast.Where(a), ast.Where(b))),
    ("  where a  \n\n |\n where b\n", (ast.Where(a), ast.Where(b))),
    ("// first\nwhere a // why\n| where b // end", (ast.Where(a), ast.Where(b))),
    ("/* block\n comment */ where /* inline */ a", (ast.Where(a),)),
    ("where a //b/ is a comment, not a regex", (ast.Where(a),)),
    ("where x matches /*a*/ \"b\"", (ast.Where(ast.Matches(x, S("b"))),)),
    ("where a /* c */ / b", (ast.Where(Ar("/", a, b)),)),
    ('where "a // not a comment"', (ast.Where(S("a // not a comment")),)),
    ('PaRsE "a*" As x NoDrOp', (ast.ParseAnchor(None, (ast.AnchorPattern("a*", Nm("x")),), nodrop=True),)),
]


@pytest.mark.parametrize(("text", "expected"), STAGE_CASES, ids=[t[:60] for t, _ in STAGE_CASES])
def test_stages(text: str, expected: tuple[ast.Stage, ...]) -> None:
    assert parse(text).stages == expected


# ---------------------------------------------------------------------------- spans


def test_spans_point_at_the_source() -> None:
    text = 'parse "a*" as x\n| where x = 1 and y'
    query = parse(text)
    assert query.span == ast.Span(0, len(text), 1, 1)
    anchor, where = query.stages
    assert isinstance(anchor, ast.ParseAnchor) and isinstance(where, ast.Where)
    assert anchor.patterns[0].span == ast.Span(6, 15, 1, 7)
    assert anchor.patterns[0].names[0].span == ast.Span(14, 15, 1, 15)
    assert text[where.span.start : where.span.end] == "where x = 1 and y"
    assert (where.span.line, where.span.column) == (2, 3)
    cond = where.cond
    assert isinstance(cond, ast.Logical)
    assert text[cond.left.span.start : cond.left.span.end] == "x = 1"
    assert cond.right.span == ast.Span(len(text) - 1, len(text), 2, 19)


def _all_nodes(node: object):
    yield node
    for slot in getattr(node, "__slots__", ()):
        value = getattr(node, slot)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if hasattr(item, "span"):
                yield from _all_nodes(item)


@pytest.mark.parametrize("text", [t for t, _ in STAGE_CASES])
def test_every_node_has_a_span(text: str) -> None:
    for node in _all_nodes(parse(text)):
        span = node.span
        assert span is not ast.NO_SPAN and 0 <= span.start < span.end <= len(text), node


# ---------------------------------------------------------------------------- bare expressions


@pytest.mark.parametrize(
    "text", ['concat(a, "x")', "a", "a + 1", "num(a, b)", "num(1)", "where a | num(a + 1)", "if(a, b, c)"]
)
def test_bare_expression_needs_as(text: str) -> None:
    with pytest.raises(FerCompileError, match="needs `as name`"):
        parse(text)


@pytest.mark.parametrize("text", [t for t, _ in STAGE_CASES])
def test_no_lark_objects_escape(text: str) -> None:
    for node in _all_nodes(parse(text)):
        assert type(node).__module__ == "fer.ast", node
        for slot in node.__slots__:
            value = getattr(node, slot)
            if isinstance(value, str):
                assert type(value) is str, (node, slot)  # not a lark.Token
