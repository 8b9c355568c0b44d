"""Static detection of regexes prone to catastrophic backtracking (a compile-time warning).

fer runs user regexes (`parse regex`, `kv regex`, `matches /re/`, `replace(s, /re/, …)`) with Python's
backtracking `re` engine, which offers no time limit and cannot be interrupted from Python. A regex
such as `(a+)+$` needs 2^n steps to fail on `aaaa…b`; at n = 30 that is minutes for one message. fer
does not bound the run time of a user regex (language.md leaves the regex to the user, as Sumo does);
instead `regex_warnings` inspects the pattern when the rule is compiled and says which construct is
dangerous, so that `fer check`, `RuleSet.warnings()` and `Pipeline.warnings` can show it before the rule
ever meets traffic. Anchor `parse` patterns are matched by a linear scan and need no warning.

The analysis works on the tree that Python's own regex parser builds from the translated pattern
(`fer.regex.translate`), because that tree is what the engine runs: it has already folded `x|[a-z]`
into one character class and factored `ab|ac` into `a[bc]`, which remove the ambiguity a textual check
would report. Three constructs are reported:

- **nested quantifiers**: an unbounded repeat inside another, whose end the engine cannot tell from
  what follows it inside the loop (`(a+)+`, `(.*)*`, `(\\w+\\s?)*`, `(.*,)*`): exponential on failure;
- **overlapping alternatives under a quantifier**: two alternatives of a repeated group that can start
  at the same place (`(a|a)*`, `(a|aa)*`); alternatives of single characters (`(\\d|\\w)+`) are
  one character class to the engine and are fine: exponential on failure;
- **adjacent unbounded quantifiers over overlapping characters** (`\\d+\\d+`, `.*.*=`, `\\w+_*\\w+`):
  polynomial, one degree per repeat.

Possessive quantifiers (`a++`) and atomic groups (`(?>…)`) never backtrack and are exempt; that is also
the advice the warnings give. The check is a heuristic over character sets (it may warn on a pattern
that is ambiguous only in theory) and it never raises: a pattern that does not compile gets no warning,
since the compiler reports it as an error.

    >>> regex_warnings(r"(?<n>\\d+)\\.(?<m>\\d+)")
    []
    >>> for w in regex_warnings(r"^(a+)+$"): print(w)
    nested quantifiers in (a+)+: the inner a+ can stop anywhere inside the outer loop, so a failing match tries exponentially many ways to split the text; make the inner repeat possessive (a++) or the group atomic ((?>…)), or rewrite so each iteration starts with a character the previous one cannot consume
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

import re._constants as sre  # Python 3.11+: the regex parser's node kinds
import re._parser as sre_parse  # the tree `re` itself compiles

from fer.regex import RegexError, translate

__all__ = ["regex_warnings", "query_regex_warnings"]

_MAXREPEAT = sre.MAXREPEAT
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT)
_SINGLE = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)  # items matching exactly one character
# A pattern this long is analysed all the same; the limit only bounds the work of rendering.
_RENDER_LIMIT = 80

# Representatives of the characters a class can match: every Latin-1 character, plus a few beyond
# (line separator, a CJK ideograph, an astral character) and every literal the pattern names.
_BASE_UNIVERSE = frozenset(range(256)) | {0x2028, 0x4E2D, 0x1F600}
_DIGITS = frozenset(range(0x30, 0x3A))
_WORD = _DIGITS | frozenset(range(0x41, 0x5B)) | frozenset(range(0x61, 0x7B)) | {0x5F}
_SPACE = frozenset((0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D))


@dataclass(frozen=True)
class _Info:
    """What a piece of pattern can start with, whether it can match "", and the unbounded repeats
    that can be the first thing it consumes (for the adjacency check)."""

    first: frozenset[int]
    nullable: bool
    heads: tuple[int, ...]  # ids of repeat nodes


class _Analyzer:
    """One pass over one parsed pattern; collects warnings in order, without duplicates."""

    def __init__(self, tree: sre_parse.SubPattern, pattern: str) -> None:
        self.pattern = pattern
        self.names = {index: name for name, index in tree.state.groupdict.items()}
        literals = {code for code in _literals(tree.data)}
        self.universe = frozenset(_BASE_UNIVERSE | literals)
        self.ignorecase = bool(tree.state.flags & re.IGNORECASE)
        self.warnings: list[str] = []
        self.nested: set[int] = set()  # repeats already reported as nested (no second warning)
        self.repeats: dict[int, tuple[Any, Any]] = {}  # id -> (op, args), for rendering heads
        # Memos keyed by the id of a node's argument (alive as long as the tree): without them the
        # walk recomputes first sets per level, quadratic on a 16,384-character pattern.
        self._items: dict[int, _Info] = {}
        self._chars: dict[int, frozenset[int]] = {}
        self._lasts: dict[int, frozenset[int]] = {}

    # -- character sets ---------------------------------------------------------------------

    def _fold(self, codes: Iterable[int]) -> frozenset[int]:
        out = set(codes)
        if self.ignorecase:
            for code in list(out):
                char = chr(code)
                out.update(ord(c) for c in (char.lower(), char.upper()) if len(c) == 1)
        return frozenset(out)

    def _category(self, category: Any) -> frozenset[int]:
        table = {
            sre.CATEGORY_DIGIT: _DIGITS, sre.CATEGORY_WORD: _WORD, sre.CATEGORY_SPACE: _SPACE,
        }
        negated = {
            sre.CATEGORY_NOT_DIGIT: _DIGITS, sre.CATEGORY_NOT_WORD: _WORD,
            sre.CATEGORY_NOT_SPACE: _SPACE,
        }
        if category in table:
            return table[category]
        if category in negated:
            return self.universe - negated[category]
        return self.universe  # line-break categories and the like: assume anything

    def _class(self, items: Sequence[tuple[Any, Any]]) -> frozenset[int]:
        out: set[int] = set()
        negate = False
        for op, arg in items:
            if op is sre.NEGATE:
                negate = True
            elif op is sre.LITERAL:
                out.add(arg)
            elif op is sre.RANGE:
                low, high = arg
                out.update(c for c in self.universe if low <= c <= high)
            elif op is sre.CATEGORY:
                out.update(self._category(arg))
            else:  # RANGE_UNI_IGNORE and other internal forms: assume anything
                out.update(self.universe)
        folded = self._fold(out)
        return self.universe - folded if negate else folded

    def chars(self, seq: Sequence[tuple[Any, Any]]) -> frozenset[int]:
        """Every character `seq` (a list in the tree) may consume, anywhere."""
        key = id(seq)
        if key not in self._chars:
            self._chars[key] = self._chars_of(seq)
        return self._chars[key]

    def _chars_of(self, seq: Sequence[tuple[Any, Any]]) -> frozenset[int]:
        out: set[int] = set()
        for op, arg in seq:
            if op is sre.LITERAL:
                out |= self._fold((arg,))
            elif op is sre.NOT_LITERAL:
                out |= self.universe - self._fold((arg,))
            elif op is sre.ANY:
                out |= self.universe
            elif op is sre.IN:
                out |= self._class(arg)
            elif op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
                out |= self.chars(arg[2])
            elif op is sre.SUBPATTERN:
                out |= self.chars(arg[3])
            elif op is sre.ATOMIC_GROUP:
                out |= self.chars(arg)
            elif op is sre.BRANCH:
                for alternative in arg[1]:
                    out |= self.chars(alternative)
            elif op is sre.GROUPREF_EXISTS:
                out |= self.chars(arg[1])
                if arg[2] is not None:
                    out |= self.chars(arg[2])
            elif op is sre.GROUPREF:
                out |= self.universe
        return frozenset(out)

    # -- first sets ---------------------------------------------------------------------------

    def item(self, op: Any, arg: Any) -> _Info:
        if op is sre.LITERAL or op is sre.NOT_LITERAL or op is sre.ANY or op is sre.AT:
            return self._item(op, arg)
        key = id(arg)
        if key not in self._items:
            self._items[key] = self._item(op, arg)
        return self._items[key]

    def _item(self, op: Any, arg: Any) -> _Info:
        if op is sre.LITERAL:
            return _Info(self._fold((arg,)), False, ())
        if op is sre.NOT_LITERAL:
            return _Info(self.universe - self._fold((arg,)), False, ())
        if op is sre.ANY:
            return _Info(self.universe, False, ())
        if op is sre.IN:
            return _Info(self._class(arg), False, ())
        if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            low, high, body = arg
            inner = self.seq(body)
            heads: tuple[int, ...] = ()
            if high == _MAXREPEAT and op is not sre.POSSESSIVE_REPEAT:
                key = id(arg)
                self.repeats[key] = (op, arg)
                heads = (key,)
            return _Info(inner.first, low == 0 or inner.nullable, heads)
        if op is sre.SUBPATTERN:
            return self.seq(arg[3])
        if op is sre.ATOMIC_GROUP:
            inner = self.seq(arg)
            return _Info(inner.first, inner.nullable, ())  # no backtracking into it
        if op is sre.BRANCH:
            infos = [self.seq(alternative) for alternative in arg[1]]
            return _Info(
                frozenset().union(*(i.first for i in infos)),
                any(i.nullable for i in infos),
                tuple(h for i in infos for h in i.heads),
            )
        if op is sre.GROUPREF_EXISTS:
            yes = self.seq(arg[1])
            no = self.seq(arg[2]) if arg[2] is not None else _Info(frozenset(), True, ())
            return _Info(yes.first | no.first, yes.nullable or no.nullable, yes.heads + no.heads)
        if op is sre.GROUPREF:
            return _Info(self.universe, True, ())
        # AT (anchors), ASSERT, ASSERT_NOT: zero width.
        return _Info(frozenset(), True, ())

    def seq(self, seq: Sequence[tuple[Any, Any]]) -> _Info:
        first: set[int] = set()
        heads: list[int] = []
        for op, arg in seq:
            info = self.item(op, arg)
            first |= info.first
            heads.extend(info.heads)
            if not info.nullable:
                return _Info(frozenset(first), False, tuple(heads))
        return _Info(frozenset(first), True, tuple(heads))

    # -- the walk -------------------------------------------------------------------------------

    def walk(self, seq: Sequence[tuple[Any, Any]], follow: _Info, loop: tuple[Any, Any] | None,
             loop_follow: frozenset[int]) -> None:
        """Visit `seq` knowing what may follow it (`follow`), and, inside an unbounded loop, the
        innermost loop and what may follow within that loop only (`loop_follow`: the loop's own
        first set, and what comes after within its body)."""
        items = list(seq)
        # Suffix infos, computed right to left: what may follow item i, overall and within the loop.
        after: list[_Info] = [follow] * (len(items) + 1)
        after_loop: list[frozenset[int]] = [loop_follow] * (len(items) + 1)
        for i in range(len(items) - 1, -1, -1):
            info = self.item(*items[i])
            nxt, nxt_loop = after[i + 1], after_loop[i + 1]
            if info.nullable:
                after[i] = _Info(info.first | nxt.first, nxt.nullable, info.heads + nxt.heads)
                after_loop[i] = info.first | nxt_loop
            else:
                after[i] = info
                after_loop[i] = info.first
        for i, (op, arg) in enumerate(items):
            self.visit(op, arg, after[i + 1], loop, after_loop[i + 1])

    def visit(self, op: Any, arg: Any, follow: _Info, loop: tuple[Any, Any] | None,
              loop_follow: frozenset[int]) -> None:
        if op in _REPEATS and arg[1] == _MAXREPEAT:
            body = arg[2]
            # Inside a loop, the repeat's exit is ambiguous when another iteration of it could
            # start with a character that what follows it in the loop could also start with.
            if loop is not None and self.seq(body).first & loop_follow:
                self.nested.add(id(arg))
                outer = _render([loop], self.names)
                inner = _render([(op, arg)], self.names)
                self.warn(
                    f"nested quantifiers in {outer}: the inner {inner} can stop anywhere inside "
                    "the outer loop, so a failing match tries exponentially many ways to split "
                    f"the text; make the inner repeat possessive ({_possessive(inner)}) or the "
                    "group atomic ((?>…)), or rewrite so each iteration starts with a character "
                    "the previous one cannot consume")
            elif id(arg) not in self.nested:
                body_info = self.seq(body)
                body_last = self.last(body)
                for head in follow.heads:
                    other = self.repeats[head]
                    other_body = other[1][2]
                    # Ambiguous when this repeat could go on with a character the other could
                    # start with, and what it gives back the other could take.
                    if head == id(arg) or not (body_info.first & self.seq(other_body).first
                                               and body_last & self.chars(other_body)):
                        continue
                    this_text = _render([(op, arg)], self.names)
                    other_text = _render([other], self.names)
                    self.warn(
                        f"adjacent unbounded quantifiers {this_text} and {other_text} can match "
                        "the same characters: a failing match tries every way to share the text "
                        "between them (polynomial time, one degree per repeat); make the first "
                        "possessive, or separate them by a character neither can consume")
                    break
            body_first = self.seq(body).first
            inner_follow = _Info(body_first | follow.first, True, ())
            self.branches(body, (op, arg), body_first)
            self.walk(body, inner_follow, (op, arg), body_first)
            return
        if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            if op is sre.POSSESSIVE_REPEAT:  # no backtracking into it: analyse its body apart
                self.walk(arg[2], _Info(frozenset(), True, ()), None, frozenset())
            else:
                self.walk(arg[2], follow, loop, loop_follow)
            return
        if op is sre.SUBPATTERN:
            self.walk(arg[3], follow, loop, loop_follow)
        elif op is sre.ATOMIC_GROUP:
            self.walk(arg, _Info(frozenset(), True, ()), None, frozenset())
        elif op is sre.BRANCH:
            for alternative in arg[1]:
                self.walk(alternative, follow, loop, loop_follow)
        elif op is sre.GROUPREF_EXISTS:
            self.walk(arg[1], follow, loop, loop_follow)
            if arg[2] is not None:
                self.walk(arg[2], follow, loop, loop_follow)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            self.walk(arg[1], _Info(frozenset(), True, ()), None, frozenset())

    def branches(self, body: Sequence[tuple[Any, Any]], loop: tuple[Any, Any],
                 loop_first: frozenset[int]) -> None:
        """Overlapping alternatives directly in a loop's body (through groups, not other loops)."""
        for found, follow in self._branches_in(body, loop_first):
            alternatives = found[1]
            prefixes = [self.prefix(alternative, follow) for alternative in alternatives]
            for i in range(len(prefixes)):
                for j in range(i + 1, len(prefixes)):
                    # Overlapping when no position of the two prefixes tells them apart.
                    if all(a & b for a, b in zip(prefixes[i], prefixes[j])):
                        self.warn(
                            f"overlapping alternatives under a quantifier in "
                            f"{_render([loop], self.names)}: "
                            f"{_render(alternatives[i], self.names) or '(empty)'} and "
                            f"{_render(alternatives[j], self.names) or '(empty)'} can match at the "
                            "same place, so a failing match tries exponentially many combinations; "
                            "make the alternatives start differently or the group atomic ((?>…))")
                        return

    def _branches_in(self, seq: Sequence[tuple[Any, Any]],
                     loop_follow: frozenset[int]) -> Iterator[tuple[Any, frozenset[int]]]:
        items = list(seq)
        follows: list[frozenset[int]] = [loop_follow] * (len(items) + 1)
        for i in range(len(items) - 1, -1, -1):
            info = self.item(*items[i])
            follows[i] = info.first | follows[i + 1] if info.nullable else info.first
        for i, (op, arg) in enumerate(items):
            follow = follows[i + 1]
            if op is sre.BRANCH:
                yield arg, follow
                for alternative in arg[1]:
                    yield from self._branches_in(alternative, follow)
            elif op is sre.SUBPATTERN:
                yield from self._branches_in(arg[3], follow)

    def prefix(self, seq: Sequence[tuple[Any, Any]], follow: frozenset[int]) -> list[frozenset[int]]:
        """The character sets of the first positions of `seq` (at most 8): one per single-character
        item, then the first set of the rest (with `follow` when the rest may match "")."""
        out: list[frozenset[int]] = []
        items = list(seq)
        for i, (op, arg) in enumerate(items):
            if op in _SINGLE and len(out) < 8:
                out.append(self.item(op, arg).first)
                continue
            rest = self.seq(items[i:])
            out.append(rest.first | (follow if rest.nullable else frozenset()))
            return out
        out.append(follow)
        return out

    def last(self, seq: Sequence[tuple[Any, Any]]) -> frozenset[int]:
        """The characters `seq` (a list in the tree) may end with."""
        key = id(seq)
        if key not in self._lasts:
            out: set[int] = set()
            for op, arg in reversed(list(seq)):
                if op in _SINGLE:
                    out |= self.item(op, arg).first
                    break
                if op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
                    out |= self.last(arg[2])
                elif op is sre.SUBPATTERN:
                    out |= self.last(arg[3])
                elif op is sre.ATOMIC_GROUP:
                    out |= self.last(arg)
                elif op is sre.BRANCH:
                    for alternative in arg[1]:
                        out |= self.last(alternative)
                elif op is sre.GROUPREF_EXISTS or op is sre.GROUPREF:
                    out |= self.universe
                if not self.item(op, arg).nullable:
                    break
            self._lasts[key] = frozenset(out)
        return self._lasts[key]

    def warn(self, text: str) -> None:
        if text not in self.warnings:
            self.warnings.append(text)


def _literals(seq: Iterable[tuple[Any, Any]]) -> Iterator[int]:
    for op, arg in seq:
        if op in (sre.LITERAL, sre.NOT_LITERAL):
            yield arg
        elif op is sre.IN:
            for inner_op, inner_arg in arg:
                if inner_op is sre.LITERAL:
                    yield inner_arg
        elif op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            yield from _literals(arg[2])
        elif op is sre.SUBPATTERN:
            yield from _literals(arg[3])
        elif op is sre.ATOMIC_GROUP:
            yield from _literals(arg)
        elif op is sre.BRANCH:
            for alternative in arg[1]:
                yield from _literals(alternative)
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            yield from _literals(arg[1])
        elif op is sre.GROUPREF_EXISTS:
            yield from _literals(arg[1])
            if arg[2] is not None:
                yield from _literals(arg[2])


# -- rendering a construct back to (approximate) regex text, for the message -------------------

_CATEGORY_TEXT = {
    sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W", sre.CATEGORY_SPACE: r"\s", sre.CATEGORY_NOT_SPACE: r"\S",
}
_AT_TEXT = {
    sre.AT_BEGINNING: "^", sre.AT_BEGINNING_STRING: r"\A", sre.AT_END: "$",
    sre.AT_END_STRING: r"\z", sre.AT_BOUNDARY: r"\b", sre.AT_NON_BOUNDARY: r"\B",
}


def _char(code: int, in_class: bool = False) -> str:
    char = chr(code)
    if char.isalnum() or char == "_" or (char == " " and not in_class):
        return char
    if 0x20 < code < 0x7F:
        return "\\" + char
    return {"\n": r"\n", "\t": r"\t", "\r": r"\r", " ": " "}.get(char, f"\\x{{{code:x}}}")


def _render_class(items: Sequence[tuple[Any, Any]]) -> str:
    if len(items) == 1 and items[0][0] is sre.CATEGORY and items[0][1] in _CATEGORY_TEXT:
        return _CATEGORY_TEXT[items[0][1]]
    out = []
    for op, arg in items:
        if op is sre.NEGATE:
            out.append("^")
        elif op is sre.LITERAL:
            out.append(_char(arg, True))
        elif op is sre.RANGE:
            out.append(f"{_char(arg[0], True)}-{_char(arg[1], True)}")
        elif op is sre.CATEGORY:
            out.append(_CATEGORY_TEXT.get(arg, "?"))
    return "[" + "".join(out) + "]"


def _quantifier(low: int, high: Any) -> str:
    if (low, high) == (0, _MAXREPEAT):
        return "*"
    if (low, high) == (1, _MAXREPEAT):
        return "+"
    if (low, high) == (0, 1):
        return "?"
    if high == _MAXREPEAT:
        return f"{{{low},}}"
    return f"{{{low}}}" if low == high else f"{{{low},{high}}}"


def _single(seq: Sequence[tuple[Any, Any]]) -> bool:
    """True when `seq` renders as one atom (a quantifier may follow it without a group)."""
    if len(seq) != 1:
        return False
    op = seq[0][0]
    return op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN, sre.SUBPATTERN, sre.ATOMIC_GROUP)


def _render(seq: Sequence[tuple[Any, Any]], names: dict[int, str]) -> str:
    out: list[str] = []
    for op, arg in seq:
        if op is sre.LITERAL:
            out.append(_char(arg))
        elif op is sre.NOT_LITERAL:
            out.append(f"[^{_char(arg, True)}]")
        elif op is sre.ANY:
            out.append(".")
        elif op is sre.IN:
            out.append(_render_class(arg))
        elif op in _REPEATS or op is sre.POSSESSIVE_REPEAT:
            low, high, body = arg
            text = _render(body, names)
            if not _single(body):
                text = f"(?:{text})"
            suffix = {sre.MIN_REPEAT: "?", sre.POSSESSIVE_REPEAT: "+"}.get(op, "")
            out.append(text + _quantifier(low, high) + suffix)
        elif op is sre.SUBPATTERN:
            group = arg[0]
            inner = _render(arg[3], names)
            if group is None:
                out.append(f"(?:{inner})")
            elif group in names:
                out.append(f"(?<{names[group]}>{inner})")
            else:
                out.append(f"({inner})")
        elif op is sre.ATOMIC_GROUP:
            out.append(f"(?>{_render(arg, names)})")
        elif op is sre.BRANCH:
            out.append("(?:" + "|".join(_render(a, names) for a in arg[1]) + ")")
        elif op is sre.AT:
            out.append(_AT_TEXT.get(arg, ""))
        elif op in (sre.ASSERT, sre.ASSERT_NOT):
            direction = "<" if arg[0] < 0 else ""
            sign = "=" if op is sre.ASSERT else "!"
            out.append(f"(?{direction}{sign}{_render(arg[1], names)})")
        elif op is sre.GROUPREF:
            out.append(f"\\{arg}")
        else:
            out.append("…")
    text = "".join(out)
    return text if len(text) <= _RENDER_LIMIT else text[: _RENDER_LIMIT - 1] + "…"


def _possessive(repeat_text: str) -> str:
    return repeat_text[:-1] + repeat_text[-1] + "+" if repeat_text[-1:] in "*+?}" else repeat_text


def regex_warnings(pattern: str) -> list[str]:
    """Human-readable warnings about constructs in `pattern` (Java/RE2 syntax, as written in a rule)
    that can make a failing match take exponential or polynomial time. Empty when none is found or
    when the pattern does not compile (the compiler reports that).

    >>> regex_warnings(r"\\d+\\d+")[0].split(":")[0]
    'adjacent unbounded quantifiers \\\\d+ and \\\\d+ can match the same characters'
    """
    try:
        python = translate(pattern).python
        tree = sre_parse.parse(python, re.ASCII)
        analyzer = _Analyzer(tree, pattern)
        analyzer.walk(tree.data, _Info(frozenset(), True, ()), None, frozenset())
    except (RegexError, re.error, RecursionError, OverflowError, ValueError):
        # Not a valid pattern (the compiler says so), or nested too deep for the parser.
        return []
    return analyzer.warnings


def _regex_texts(node: Any) -> Iterator[str]:
    """Every regex in an AST: `parse regex`, `kv regex`, `/…/` literals (`matches`, `replace`)."""
    from fer import ast

    if isinstance(node, ast.RegexLit):
        yield node.pattern
        return
    if isinstance(node, ast.ParseRegex):
        for literal in node.regexes:
            yield literal.value
        return
    if isinstance(node, ast.KeyValue) and node.regex is not None:
        yield node.regex.value
        return
    if isinstance(node, (tuple, list)):
        for child in node:
            yield from _regex_texts(child)
    elif is_dataclass(node) and not isinstance(node, type):
        for f in fields(node):
            yield from _regex_texts(getattr(node, f.name))


def query_regex_warnings(query: Any) -> list[str]:
    """`regex_warnings` for every regex in a parsed expression (`fer.ast.Query`), each warning
    prefixed with the regex it is about."""
    found: list[str] = []
    for pattern in _regex_texts(query):
        for warning in regex_warnings(pattern):
            text = f"regex {pattern!r}: {warning}"
            if text not in found:
                found.append(text)
    return found
