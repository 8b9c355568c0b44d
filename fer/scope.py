"""Scopes: the keyword search expression that decides which rules see a message (language.md §5, §7).

A scope is parsed once by a small recursive-descent parser into a tree of terms, folded, and compiled
into closures. `ScopeSelector` then answers "which of these N scopes match this message" with as little
work per message as possible:

- scopes that read only metadata are evaluated once per distinct tuple of the metadata values they read
  (a VPC source has one `_sourceCategory`, so that is one dict lookup per message);
- keyword terms of every scope go into ONE non-capturing regex alternation over the lower-cased message
  (performance.md: 50 `kw in line` tests cost 4572 ns, one alternation 864 ns; capture groups in a big
  alternation cost ~120,000 ns), and only the scopes whose keywords were seen are evaluated fully.

Case-insensitivity is done by lower-casing the message once (`str.lower`) and lower-casing every pattern,
rather than by `re.IGNORECASE`, so that the combined regex and the single-scope path agree exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from fer.errors import FerSyntaxError

__all__ = ["Scope", "ScopeSelector", "compile_scope", "scopes_may_overlap"]

# Term characters are ASCII letters, digits and `_` (§7); patterns run over lower-cased text.
_TERM = "[a-z0-9_]"
_TERM_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_CACHE_LIMIT = 4096  # distinct metadata tuples / hit texts kept before a cache is cleared


# --------------------------------------------------------------------------------------------------
# Tree
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Const:
    value: bool


@dataclass(frozen=True, slots=True)
class _Keyword:
    """A bare keyword or quoted phrase: `pattern` is a regex over the lower-cased message."""

    pattern: str
    single_term: bool  # matches exactly one term (no punctuation, no whitespace)
    core: str  # a necessary sub-pattern without lookarounds or edge wildcards (for pre-selection)


@dataclass(frozen=True, slots=True)
class _Meta:
    """`key=value`: `value` is lower-cased; `wildcard` means `*` is any run of characters."""

    key: str
    value: str
    wildcard: bool


@dataclass(frozen=True, slots=True)
class _Not:
    child: _Node


@dataclass(frozen=True, slots=True)
class _And:
    children: tuple[_Node, ...]


@dataclass(frozen=True, slots=True)
class _Or:
    children: tuple[_Node, ...]


_Node = _Const | _Keyword | _Meta | _Not | _And | _Or


# --------------------------------------------------------------------------------------------------
# Lexer
# --------------------------------------------------------------------------------------------------

_SPACE = re.compile(r"\s*")
_META = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(!?=)\s*")
_BARE_VALUE = re.compile(r"[^\s()]+")
_WORD = re.compile(r'[^\s()"]+')
_OPERATORS = {"and": "AND", "or": "OR", "not": "NOT"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # ( ) NOT AND OR TERM END
    offset: int
    node: _Node | None = None
    width: int = 1


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    """The content of the double-quoted string opening at `start` (`\\"` and `\\\\` unescaped)."""
    out: list[str] = []
    i = start + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\':
            out.append(text[i + 1])
            i += 2
        elif ch == '"':
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise FerSyntaxError.at("unterminated quoted string", text, start, expected='a closing "')


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = _SPACE.match(text, 0).end()  # type: ignore[union-attr]
    while pos < len(text):
        ch = text[pos]
        start = pos
        if ch in "()":
            tokens.append(_Token(ch, pos))
            pos += 1
        elif ch == "!":
            tokens.append(_Token("NOT", pos))
            pos += 1
        elif ch == '"':
            phrase, pos = _read_quoted(text, pos)
            tokens.append(_Token("TERM", start, _phrase(phrase, text, start), pos - start))
        elif meta := _META.match(text, pos):
            tokens.append(_meta_token(text, meta))
            pos = tokens[-1].offset + tokens[-1].width
        else:
            word = _WORD.match(text, pos)
            assert word is not None  # the characters excluded from _WORD are handled above
            pos = word.end()
            op = _OPERATORS.get(word.group().lower())
            if op:
                tokens.append(_Token(op, start, width=pos - start))
            else:
                tokens.append(_Token("TERM", start, _keyword(word.group()), pos - start))
        pos = _SPACE.match(text, pos).end()  # type: ignore[union-attr]
    tokens.append(_Token("END", len(text)))
    return tokens


def _meta_token(text: str, meta: re.Match[str]) -> _Token:
    key, op = meta.group(1).lower(), meta.group(2)
    pos = meta.end()
    if pos < len(text) and text[pos] == '"':
        value, end = _read_quoted(text, pos)
        node: _Node = _Meta(key, value.lower(), wildcard=False)
    else:
        bare = _BARE_VALUE.match(text, pos)
        if bare is None:
            raise FerSyntaxError.at(
                f"missing value after '{op}'", text, pos, expected="a value (quote it to include spaces)"
            )
        end = bare.end()
        value = bare.group().lower()
        node = _Meta(key, value, wildcard="*" in value)
    if op == "!=":
        node = _Not(node)
    return _Token("TERM", meta.start(), node, end - meta.start())


def _keyword(word: str) -> _Node:
    """A bare keyword: `*` matches any run of term characters within one term."""
    low = word.lower()
    if set(low) == {"*"}:
        return _Const(True)
    low = re.sub(r"\*+", "*", low)
    single = all(ch == "*" or ch in _TERM_CHARS for ch in low)
    return _Keyword(_bounded(_wildcard_body(low), low[0], low[-1]), single, _wildcard_body(low.strip("*")))


def _wildcard_body(low: str) -> str:
    return "".join(f"{_TERM}*" if ch == "*" else re.escape(ch) for ch in low)


def _phrase(phrase: str, text: str, offset: int) -> _Node:
    """A quoted phrase: literal, case-insensitive, whitespace runs match any whitespace run."""
    words = phrase.lower().split()
    if not words:
        raise FerSyntaxError.at(
            "empty quoted phrase", text, offset, width=len(phrase) + 2, expected="a word between the quotes"
        )
    body = r"\s+".join(re.escape(w) for w in words)
    single = len(words) == 1 and all(ch in _TERM_CHARS for ch in words[0])
    return _Keyword(_bounded(body, words[0][0], words[-1][-1]), single, body)


def _bounded(body: str, first: str, last: str) -> str:
    """Anchor a pattern on term boundaries where its edge is (or may be) a term character."""
    left = f"(?<!{_TERM})" if first == "*" or first in _TERM_CHARS else ""
    right = f"(?!{_TERM})" if last == "*" or last in _TERM_CHARS else ""
    return left + body + right


# --------------------------------------------------------------------------------------------------
# Parser: or := and (OR and)* ; and := not (AND? not)* ; not := (NOT|!) not | primary
# --------------------------------------------------------------------------------------------------

_TERM_START = frozenset({"TERM", "(", "NOT"})


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.index = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def error(self, message: str, expected: str) -> FerSyntaxError:
        tok = self.token
        return FerSyntaxError.at(message, self.text, tok.offset, width=tok.width, expected=expected)

    def parse(self) -> _Node:
        if self.token.kind == "END":
            return _Const(True)
        node = self.parse_or()
        if self.token.kind != "END":
            what = "unbalanced ')'" if self.token.kind == ")" else "unexpected token"
            raise self.error(what, expected="AND, OR or the end of the scope")
        return node

    def parse_or(self) -> _Node:
        children = [self.parse_and()]
        while self.token.kind == "OR":
            self.index += 1
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else _Or(tuple(children))

    def parse_and(self) -> _Node:
        children = [self.parse_not()]
        while True:
            if self.token.kind == "AND":
                self.index += 1
            elif self.token.kind not in _TERM_START:
                break
            children.append(self.parse_not())
        return children[0] if len(children) == 1 else _And(tuple(children))

    def parse_not(self) -> _Node:
        if self.token.kind == "NOT":
            self.index += 1
            return _Not(self.parse_not())
        return self.parse_primary()

    def parse_primary(self) -> _Node:
        tok = self.token
        if tok.kind == "TERM":
            self.index += 1
            assert tok.node is not None
            return tok.node
        if tok.kind == "(":
            self.index += 1
            node = self.parse_or()
            if self.token.kind != ")":
                raise FerSyntaxError.at(
                    "unclosed '('", self.text, tok.offset, expected="')' to close this parenthesis"
                )
            self.index += 1
            return node
        message = "missing term" if tok.kind in ("END", ")") else f"unexpected {tok.kind}"
        raise self.error(message, expected="a keyword, a quoted phrase, name=value or '('")


# --------------------------------------------------------------------------------------------------
# Folding and analysis
# --------------------------------------------------------------------------------------------------


def _fold(node: _Node) -> _Node:
    """Constant-fold `*` terms and flatten nested AND/OR so that analysis sees simple shapes."""
    if isinstance(node, _Not):
        child = _fold(node.child)
        if isinstance(child, _Const):
            return _Const(not child.value)
        if isinstance(child, _Not):
            return child.child
        return _Not(child)
    if isinstance(node, (_And, _Or)):
        is_and = isinstance(node, _And)
        out: list[_Node] = []
        for child in map(_fold, node.children):
            if isinstance(child, _Const):
                if child.value != is_and:  # False in AND, True in OR decides
                    return child
                continue
            if type(child) is type(node):
                out.extend(child.children)  # type: ignore[union-attr]
            elif child not in out:
                out.append(child)
        if not out:
            return _Const(is_and)
        if len(out) == 1:
            return out[0]
        return _And(tuple(out)) if is_and else _Or(tuple(out))
    return node


def _walk(node: _Node) -> Iterator[_Node]:
    """Every node of a tree, parents first."""
    yield node
    if isinstance(node, _Not):
        yield from _walk(node.child)
    elif isinstance(node, (_And, _Or)):
        for child in node.children:
            yield from _walk(child)


def _without_keywords(node: _Node) -> bool | None:
    """The scope's value when no keyword is present and metadata is unknown: True, False or None."""
    match node:
        case _Const(value):
            return value
        case _Keyword():
            return False
        case _Meta():
            return None
        case _Not(child):
            inner = _without_keywords(child)
            return None if inner is None else not inner
        case _And(children):
            values = [_without_keywords(c) for c in children]
            return False if False in values else (None if None in values else True)
        case _Or(children):
            values = [_without_keywords(c) for c in children]
            return True if True in values else (None if None in values else False)
    raise AssertionError(node)


# --------------------------------------------------------------------------------------------------
# Compilation to closures
# --------------------------------------------------------------------------------------------------

# A compiled scope takes an oracle `present(pattern) -> bool` and the metadata.
_Present = Callable[[str], bool]
_Eval = Callable[[_Present, Mapping[str, str]], bool]


def _meta_test(node: _Meta) -> Callable[[str], bool]:
    if not node.wildcard:
        return node.value.__eq__
    if node.value == "*":
        return lambda value: True
    regex = re.compile(".*".join(map(re.escape, node.value.split("*"))), re.DOTALL)
    return lambda value: regex.fullmatch(value) is not None


def _compile(node: _Node) -> _Eval:
    match node:
        case _Const(value):
            return lambda present, md: value
        case _Keyword(pattern):
            return lambda present, md: present(pattern)
        case _Meta(key):
            test = _meta_test(node)

            def meta(present: _Present, md: Mapping[str, str]) -> bool:
                value = md.get(key)
                return value is not None and test(value.lower())

            return meta
        case _Not(child):
            inner = _compile(child)
            return lambda present, md: not inner(present, md)
        case _And(children):
            parts = tuple(map(_compile, children))
            return lambda present, md: all(p(present, md) for p in parts)
        case _Or(children):
            parts = tuple(map(_compile, children))
            return lambda present, md: any(p(present, md) for p in parts)
    raise AssertionError(node)


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------


class Scope:
    """A compiled scope. `matches(raw, metadata)` takes metadata keyed by lower-case field names."""

    __slots__ = (
        "text", "matches_everything", "uses_raw", "uses_metadata",
        "_tree", "_eval", "_keywords", "_keyword_nodes", "_gated",
    )

    def __init__(self, text: str, tree: _Node) -> None:
        self.text = text
        self._tree = tree
        self._eval = _compile(tree)
        nodes = list(_walk(tree))
        keywords = {n.pattern: n for n in nodes if isinstance(n, _Keyword)}
        self._keyword_nodes: dict[str, _Keyword] = keywords
        self._keywords: dict[str, re.Pattern[str]] = {p: re.compile(p) for p in keywords}
        self.matches_everything: bool = tree == _Const(True)
        self.uses_raw: bool = bool(keywords)
        self.uses_metadata: frozenset[str] = frozenset(n.key for n in nodes if isinstance(n, _Meta))
        # Gated: false whenever none of its keywords is present, so the selector may skip it then.
        self._gated: bool = bool(keywords) and _without_keywords(tree) is False

    def matches(self, raw: str, metadata: Mapping[str, str]) -> bool:
        if not self.uses_raw:
            return self._eval(_never, metadata)
        low = raw.lower()
        keywords = self._keywords
        return self._eval(lambda p: keywords[p].search(low) is not None, metadata)

    def __repr__(self) -> str:
        return f"Scope({self.text!r})"


def _never(pattern: str) -> bool:
    return False


def compile_scope(text: str) -> Scope:
    """Parse and compile a scope; raises `FerSyntaxError` with a caret for a malformed one."""
    return Scope(text, _fold(_Parser(text).parse()))


class ScopeSelector:
    """Which of a fixed list of scopes match a message: `select(raw, metadata) -> indexes in order`.

    Keywords are pre-selected with one alternation of their *cores* (the keyword without its term
    boundary lookarounds and edge wildcards). Per-alternative lookbehinds make `re` give up its
    literal-prefix scan: 51 bounded keywords cost ~87,000 ns per VPC line, the same alternation of
    bare cores ~930 ns. No hit means no keyword occurs anywhere. Each hit is widened to the whole
    terms it touches and every keyword is searched in that small region (cached per region text).
    """

    def __init__(self, scopes: Sequence[Scope]) -> None:
        self.scopes = tuple(scopes)
        self.always: bool = all(s.matches_everything for s in self.scopes)
        self._all = tuple(range(len(self.scopes)))
        # Metadata-only scopes (and match-everything ones) share one cache keyed by their values.
        self._meta_scopes = [i for i, s in enumerate(self.scopes) if not s.uses_raw]
        self._meta_keys = tuple(sorted({k for i in self._meta_scopes for k in self.scopes[i].uses_metadata}))
        self._meta_cache: dict[object, tuple[int, ...]] = {}
        # Keyword scopes: gated ones run only when one of their keywords was seen.
        self._gated = [i for i, s in enumerate(self.scopes) if s.uses_raw and s._gated]
        self._ungated = [i for i, s in enumerate(self.scopes) if s.uses_raw and not s._gated]
        nodes: dict[str, _Keyword] = {}
        for scope in self.scopes:
            nodes.update(scope._keyword_nodes)
        self._patterns = {p: re.compile(p) for p in nodes}
        self._multi = frozenset(p for p, n in nodes.items() if not n.single_term)
        # A scope that is one single-term keyword is true exactly when the keyword was found: no
        # evaluation needed (saves ~1 µs per hit). Other gated scopes are evaluated when one of their
        # keywords was found.
        self._simple: dict[str, list[int]] = {}
        self._by_keyword: dict[str, list[int]] = {}
        for i in self._gated:
            tree = self.scopes[i]._tree
            if isinstance(tree, _Keyword) and tree.single_term:
                self._simple.setdefault(tree.pattern, []).append(i)
                continue
            for pattern in self.scopes[i]._keyword_nodes:
                self._by_keyword.setdefault(pattern, []).append(i)
        # Gated scopes with a multi-term keyword: such a keyword can straddle two hits.
        self._multi_gated = [i for i in self._gated if self._multi & self.scopes[i]._keyword_nodes.keys()]
        cores = sorted({n.core for n in nodes.values()}, key=len, reverse=True)
        self._prefilter = re.compile("|".join(cores)) if cores else None
        self._region_cache: dict[str, frozenset[str]] = {}

    @property
    def keyword_gate(self) -> Callable[[str], object] | None:
        """A search over the lower-cased message that finds nothing exactly when no keyword scope can
        match, or None when there is no such shortcut (no keyword scopes, or a scope such as
        `NOT error` that can match without any keyword). Callers use it to skip `select` when the
        metadata alone decides (the engine: ~0.2 µs instead of ~0.9 µs a VPC record)."""
        if self._prefilter is None or self._ungated:
            return None
        return self._prefilter.search

    def select(self, raw: str, metadata: Mapping[str, str]) -> tuple[int, ...]:
        if self.always:
            return self._all
        meta = self._select_meta(metadata) if self._meta_scopes else ()
        if self._prefilter is None:
            return meta
        low = raw.lower()
        first = self._prefilter.search(low)
        if first is None:
            # No keyword of any scope occurs: gated scopes are false, the others see all-absent.
            if not self._ungated:
                return meta
            scopes = self.scopes
            keyword = [i for i in self._ungated if scopes[i]._eval(_never, metadata)]
        else:
            keyword = self._select_keywords(low, first.start(), metadata)
        if not keyword:
            return meta
        if not meta:
            return tuple(keyword)
        return tuple(sorted((*meta, *keyword)))

    def _select_meta(self, metadata: Mapping[str, str]) -> tuple[int, ...]:
        keys = self._meta_keys
        # One key (typically `_sourcecategory`) is the common case: its value alone is the cache key,
        # which skips building a tuple (~415 -> ~250 ns for 51 category scopes).
        key: object = metadata.get(keys[0]) if len(keys) == 1 else tuple(map(metadata.get, keys))
        hit = self._meta_cache.get(key)
        if hit is None:
            scopes = self.scopes
            hit = tuple(i for i in self._meta_scopes if scopes[i]._eval(_never, metadata))
            if len(self._meta_cache) >= _CACHE_LIMIT:
                self._meta_cache.clear()
            self._meta_cache[key] = hit
        return hit

    def _select_keywords(self, low: str, start: int, metadata: Mapping[str, str]) -> list[int]:
        found = self._found(low, start)
        selected: list[int] = []
        complex_candidates: list[int] = []
        for pattern in found:
            selected.extend(self._simple.get(pattern, ()))
            complex_candidates.extend(self._by_keyword.get(pattern, ()))
        if complex_candidates or self._ungated or self._multi_gated:
            candidates = {*complex_candidates, *self._ungated, *self._multi_gated}
            present = self._oracle(low, found)
            scopes = self.scopes
            selected.extend(i for i in candidates if scopes[i]._eval(present, metadata))
        selected.sort()
        return selected

    def _found(self, low: str, start: int) -> set[str]:
        """Keywords found in the regions (whole terms) around the pre-filter's hits.

        A single-term keyword occurs iff it occurs in one of these regions: its core lies inside its
        term, and a left-to-right scan reports a hit overlapping every place a core matches.
        """
        found: set[str] = set()
        size, covered = len(low), 0
        for m in self._prefilter.finditer(low, start):  # type: ignore[union-attr]
            left, right = m.span()
            if right <= covered:
                continue  # inside the region of the previous hit
            while left and low[left - 1] in _TERM_CHARS:
                left -= 1
            while right < size and low[right] in _TERM_CHARS:
                right += 1
            found |= self._keywords_in(low[left:right])
            covered = right
        return found

    def _keywords_in(self, region: str) -> frozenset[str]:
        found = self._region_cache.get(region)
        if found is None:
            found = frozenset(p for p, rx in self._patterns.items() if rx.search(region))
            if len(self._region_cache) >= _CACHE_LIMIT:
                self._region_cache.clear()
            self._region_cache[region] = found
        return found

    def _oracle(self, low: str, found: set[str]) -> _Present:
        multi, patterns = self._multi, self._patterns
        checked: dict[str, bool] = {}

        def present(pattern: str) -> bool:
            if pattern in found:
                return True
            if pattern not in multi:
                return False
            if pattern not in checked:
                checked[pattern] = patterns[pattern].search(low) is not None
            return checked[pattern]

        return present


# --------------------------------------------------------------------------------------------------
# Overlap (for rule-collision warnings)
# --------------------------------------------------------------------------------------------------


def _requirements(tree: _Node) -> dict[str, list[tuple[_Meta, ...]]]:
    """Per metadata key, the conjuncts that require the key to match one of a few values."""
    conjuncts = tree.children if isinstance(tree, _And) else (tree,)
    out: dict[str, list[tuple[_Meta, ...]]] = {}
    for node in conjuncts:
        alternatives = node.children if isinstance(node, _Or) else (node,)
        if all(isinstance(a, _Meta) for a in alternatives):
            keys = {a.key for a in alternatives}  # type: ignore[union-attr]
            if len(keys) == 1:
                out.setdefault(keys.pop(), []).append(alternatives)  # type: ignore[arg-type]
    return out


def _values_may_intersect(a: _Meta, b: _Meta) -> bool:
    if not a.wildcard and not b.wildcard:
        return a.value == b.value
    if not b.wildcard:
        a, b = b, a
    if not a.wildcard:
        return _meta_test(b)(a.value)
    # Two wildcards: the literal heads (and tails) must agree as far as both go.
    head_a, head_b = a.value.split("*", 1)[0], b.value.split("*", 1)[0]
    tail_a, tail_b = a.value.rsplit("*", 1)[1], b.value.rsplit("*", 1)[1]
    heads = head_a.startswith(head_b) or head_b.startswith(head_a)
    tails = tail_a.endswith(tail_b) or tail_b.endswith(tail_a)
    return heads and tails


def scopes_may_overlap(a: Scope, b: Scope) -> bool:
    """False only when no message can match both (e.g. two different required `_sourceCategory`s)."""
    if a._tree == _Const(False) or b._tree == _Const(False):
        return False
    req_a, req_b = _requirements(a._tree), _requirements(b._tree)
    for key in req_a.keys() & req_b.keys():
        for alts_a in req_a[key]:
            for alts_b in req_b[key]:
                if not any(_values_may_intersect(x, y) for x in alts_a for y in alts_b):
                    return False
    return True
