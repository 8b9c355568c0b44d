"""Java/RE2 regular expressions (`parse regex`, `matches /re/`, `kv regex`) translated to Python `re`.

language.md §3.2 and §7. Sumo's regexes are Java's dialect; Python's `re` differs in a few spellings
(`(?<name>…)`, `\\k<name>`, `\\Q…\\E`, `\\z`, `\\Z`) and refuses inline flags in mid-pattern, which Java
applies from that point to the end of the enclosing group. The translator walks the pattern once,
keeping a stack of open groups so that `(`, `)` and `|` are seen structurally (never inside `[…]`
or escapes), and rewrites only what needs rewriting; everything else is copied as written. The result
is compiled with `re.ASCII` because Java's `\\d \\w \\s \\b` and case-insensitivity are ASCII-only.

Every error, ours or `re`'s, is a `RegexError` whose offset points into the pattern as written.
"""

from __future__ import annotations

import bisect
import functools
import re
import warnings
from dataclasses import dataclass, field

__all__ = ["RegexError", "TranslatedRegex", "translate", "search_groups"]


class RegexError(Exception):
    """A pattern that cannot be translated or compiled; `offset` indexes the pattern as written."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(f"{message} (at offset {offset})")
        self.message = message
        self.offset = offset


@dataclass(frozen=True)
class TranslatedRegex:
    """A translated pattern: the source as written, Python's spelling, the compiled form, groups."""

    source: str
    python: str
    compiled: re.Pattern[str]
    names: tuple[str, ...]
    unnamed_groups: int


# Java's \h, \v (vertical whitespace since Java 8) and \R, as the members of a character class.
_HORIZONTAL = " \\t\\xa0\\u1680\\u180e\\u2000-\\u200a\\u202f\\u205f\\u3000"
_VERTICAL = "\\n\\x0b\\f\\r\\x85\\u2028\\u2029"
_CLASS_ESCAPES = {"h": _HORIZONTAL, "v": _VERTICAL}
_GROUP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_FLAGS = re.compile(r"([A-Za-z]*)(?:-([A-Za-z]*))?([:)])")
_OCTAL = re.compile(r"[0-7]{1,3}")
_HEX_BRACED = re.compile(r"\{([0-9A-Fa-f]{1,8})\}")
# Java flags: i m s x as in Python; d (UNIX_LINES) is Python's only behaviour anyway; u (Unicode case)
# and U (Unicode classes) both become Python's scoped `u`, the nearest equivalent.
_FLAG_MAP = {"i": "i", "m": "m", "s": "s", "x": "x", "d": "", "u": "u", "U": "u"}
_NEGATABLE = frozenset("imsx")


@dataclass
class _Frame:
    """An open group: the scoped flag groups opened inside it by mid-pattern `(?f)`, verbose mode."""

    source_offset: int
    verbose: bool
    active_flags: list[str] = field(default_factory=list)


class _Translator:
    """One pass over the pattern, appending Python text to `out` with a map back to source offsets."""

    def __init__(self, pattern: str, *, verbose: bool = False) -> None:
        self.p = pattern
        self.i = 0
        self.out: list[str] = []
        self.out_starts: list[int] = []  # output offset where each chunk starts
        self.src_starts: list[int] = []  # source offset the chunk came from
        self.out_len = 0
        self.names: list[str] = []
        self.unnamed = 0
        self.frames = [_Frame(0, verbose)]
        self.at_start = True  # only leading global flag groups emitted so far

    # -- output -------------------------------------------------------------------------------
    def emit(self, text: str, src: int) -> None:
        if not text:
            return
        self.out.append(text)
        self.out_starts.append(self.out_len)
        self.src_starts.append(src)
        self.out_len += len(text)

    def source_offset(self, out_pos: int) -> int:
        """The source offset of the chunk holding output position `out_pos`."""
        k = bisect.bisect_right(self.out_starts, out_pos) - 1
        if k < 0:
            return 0
        src = self.src_starts[k]
        # Within a chunk, count characters forward, but never past where the next chunk came from
        # (a rewritten chunk such as `(?P<n>` for `(?<n>` is close enough in length).
        limit = self.src_starts[k + 1] - 1 if k + 1 < len(self.src_starts) else len(self.p)
        return max(src, min(src + out_pos - self.out_starts[k], limit))

    # -- driver -------------------------------------------------------------------------------
    def run(self) -> str:
        p = self.p
        n = len(p)
        while self.i < n:
            c = p[self.i]
            start = self.i
            if c == "(":
                self.open_group()
                continue
            if c == "[":
                self.at_start = False
                self.char_class()
                continue
            self.at_start = False
            if c == "\\":
                self.emit(self.escape(in_class=False), start)
            elif c == ")":
                self.close_group()
            elif c == "|":
                self.alternation()
            elif c == "#" and self.frames[-1].verbose:
                end = p.find("\n", start)
                end = n if end < 0 else end + 1
                self.emit(p[start:end], start)
                self.i = end
            else:
                self.emit(c, start)
                self.i += 1
        if len(self.frames) > 1:
            raise RegexError("missing ), unterminated group", self.frames[-1].source_offset)
        self.emit(")" * len(self.frames[0].active_flags), n)
        return "".join(self.out)

    # -- groups -------------------------------------------------------------------------------
    def push(self, start: int, verbose: bool | None = None) -> None:
        top = self.frames[-1]
        self.frames.append(_Frame(start, top.verbose if verbose is None else verbose))

    def close_group(self) -> None:
        start = self.i
        if len(self.frames) == 1:
            raise RegexError("unbalanced parenthesis", start)
        frame = self.frames.pop()
        self.emit(")" * len(frame.active_flags) + ")", start)
        self.i += 1

    def alternation(self) -> None:
        # A mid-pattern flag group covers the later alternatives too: close the scoped groups before
        # the `|` and reopen them after it (`a(?i)b|c` -> `a(?i:b)|(?i:c)`).
        frame = self.frames[-1]
        closes = ")" * len(frame.active_flags)
        reopens = "".join(f"(?{f}:" for f in frame.active_flags)
        self.emit(closes + "|" + reopens, self.i)
        self.i += 1

    def open_group(self) -> None:
        p = self.p
        start = self.i
        if not p.startswith("(?", start):
            self.at_start = False
            self.unnamed += 1
            self.push(start)
            self.emit("(", start)
            self.i += 1
            return
        kind = p[start + 2 : start + 3]
        if kind in ("<", "P") and not p.startswith(("(?<=", "(?<!", "(?P="), start):
            self.at_start = False
            self.named_group(start)
            return
        if p.startswith(("(?<=", "(?<!"), start):
            self.at_start = False
            self.push(start)
            self.emit(p[start : start + 4], start)
            self.i = start + 4
            return
        if p.startswith("(?P=", start):
            self.at_start = False
            end = p.find(")", start)
            if end < 0:
                raise RegexError("missing ), unterminated name", start)
            self.emit(p[start : end + 1], start)
            self.i = end + 1
            return
        if kind in (":", "=", "!", ">"):
            self.at_start = False
            self.push(start)
            self.emit(p[start : start + 3], start)
            self.i = start + 3
            return
        if kind == "#":
            end = p.find(")", start)
            if end < 0:
                raise RegexError("missing ), unterminated comment", start)
            self.i = end + 1  # comments carry no meaning; dropping them keeps the leading-flag rule simple
            return
        self.flag_group(start)

    def named_group(self, start: int) -> None:
        p = self.p
        name_at = start + (3 if p[start + 2] == "<" else 4)
        if p[start + 2] == "P" and not p.startswith("(?P<", start):
            raise RegexError("unknown extension ?P", start + 1)
        m = _GROUP_NAME.match(p, name_at)
        if m is None or not p.startswith(">", m.end()):
            raise RegexError("bad group name: a name is letters, digits and _, in <…>", name_at)
        name = m.group()
        self.names.append(name)
        self.push(start)
        self.emit(f"(?P<{name}>", start)
        self.i = m.end() + 1

    def flag_group(self, start: int) -> None:
        p = self.p
        m = _FLAGS.match(p, start + 2)
        if m is None:
            raise RegexError("unknown group construct after (?", start + 1)
        on_raw, off_raw, end = m.group(1), m.group(2) or "", m.group(3)
        for j, letter in enumerate(on_raw + off_raw):
            if letter not in _FLAG_MAP:
                raise RegexError(f"unknown inline flag {letter!r}", start + 2 + j + (j >= len(on_raw)))
        on = "".join(dict.fromkeys(_FLAG_MAP[c] for c in on_raw))
        off = "".join(dict.fromkeys(c for c in off_raw if c in _NEGATABLE))
        flags = on + (f"-{off}" if off else "")
        top = self.frames[-1]
        verbose = ("x" in on or top.verbose) and "x" not in off
        self.i = m.end()
        if end == ":":
            self.at_start = False
            self.push(start, verbose)
            self.emit(f"(?{flags}:" if flags else "(?:", start)
            return
        if not flags:
            return  # only flags Python has no need for, such as Java's d
        top.verbose = verbose
        if self.at_start and not off and "u" not in on and len(self.frames) == 1:
            # Leading global flags stay global, as written (Python accepts them at the very start).
            self.emit(f"(?{on})", start)
            return
        self.at_start = False
        top.active_flags.append(flags)
        self.emit(f"(?{flags}:", start)

    # -- escapes ------------------------------------------------------------------------------
    def escape(self, *, in_class: bool) -> str:
        """Translate the escape at self.i (a backslash) and advance past it."""
        p = self.p
        start = self.i
        if start + 1 >= len(p):
            self.i = start + 1
            return "\\"  # `re` reports the trailing backslash at this offset
        c = p[start + 1]
        self.i = start + 2
        if c == "Q":
            end = p.find("\\E", start + 2)
            literal = p[start + 2 :] if end < 0 else p[start + 2 : end]
            self.i = len(p) if end < 0 else end + 2
            if in_class:
                return "".join("\\" + ch if not ch.isalnum() else ch for ch in literal)
            return re.escape(literal)
        if c == "E":
            return ""  # a stray \E without \Q is ignored, as in Java
        if c in "pP":
            raise RegexError(f"\\{c}{{…}} (Unicode property classes) is not supported", start)
        if c in "GX":
            raise RegexError(f"\\{c} is not supported", start)
        if c == "e":
            return "\\x1b"
        if c == "c" and start + 2 < len(p):
            self.i = start + 3
            return re.escape(chr(ord(p[start + 2]) ^ 64))
        if c == "x" and p.startswith("{", start + 2):
            m = _HEX_BRACED.match(p, start + 2)
            if m is None or int(m.group(1), 16) > 0x10FFFF:
                raise RegexError("bad \\x{…} escape", start)
            self.i = m.end()
            return f"\\U{int(m.group(1), 16):08x}"
        if c == "0":
            m = _OCTAL.match(p, start + 2)
            digits = m.group() if m else ""
            if digits and int(digits, 8) > 0o377:
                digits = digits[:2]
            if not digits:
                raise RegexError("illegal octal escape: \\0 needs octal digits", start)
            self.i = start + 2 + len(digits)
            return f"\\x{int(digits, 8):02x}"
        if c in "hv":
            return f"[{_CLASS_ESCAPES[c]}]" if not in_class else _CLASS_ESCAPES[c]
        if c in "HV":
            if in_class:
                raise RegexError(f"\\{c} inside a character class is not supported", start)
            return f"[^{_CLASS_ESCAPES[c.lower()]}]"
        if in_class:
            return "\\" + c
        if c == "z":
            return "\\Z"
        if c == "Z":
            return "(?=\\n?\\Z)"  # Java's \Z: end of input, or before a final line terminator
        if c == "R":
            return f"(?:\\r\\n|[{_VERTICAL}])"
        if c == "k":
            m = _GROUP_NAME.match(p, start + 3) if p.startswith("<", start + 2) else None
            if m is None or not p.startswith(">", m.end()):
                raise RegexError("bad \\k<name> back reference", start)
            self.i = m.end() + 1
            return f"(?P={m.group()})"
        return "\\" + c

    # -- character classes --------------------------------------------------------------------
    def char_class(self) -> None:
        """Copy `[…]` with escapes translated; Java's nested union `[a[b]]` is flattened."""
        p = self.p
        n = len(p)
        start = self.i
        parts = ["["]
        i = start + 1
        if i < n and p[i] == "^":
            parts.append("^")
            i += 1
        if i < n and p[i] == "]":
            parts.append("\\]")
            i += 1
        depth = 1
        while i < n:
            c = p[i]
            if c == "\\":
                self.i = i
                parts.append(self.escape(in_class=True))
                i = self.i
                continue
            if c == "]":
                depth -= 1
                i += 1
                if depth == 0:
                    parts.append("]")
                    self.emit("".join(parts), start)
                    self.i = i
                    return
                continue
            if c == "[":
                if p.startswith("[^", i):
                    raise RegexError("a negated class nested in a character class is not supported", i)
                depth += 1
                i += 1
                continue
            if c == "&" and p.startswith("&&", i):
                raise RegexError("character class intersection (&&) is not supported", i)
            # `re` warns about `||`, `~~`, `&&` in sets (reserved for set operations): escape them.
            parts.append("\\" + c if c in "|~&" else c)
            i += 1
        raise RegexError("unterminated character class", start)


@functools.lru_cache(maxsize=1024)
def translate(pattern: str) -> TranslatedRegex:
    """Translate a Java/RE2 pattern to Python `re` and compile it (cached: rules reuse regexes)."""
    translator = _Translator(pattern)
    python = translator.run()
    try:
        with warnings.catch_warnings():
            # Warnings (nested-set FutureWarnings) are about future Python versions, not this pattern.
            warnings.simplefilter("ignore")
            compiled = re.compile(python, re.ASCII)
    except re.error as exc:
        pos = exc.pos if exc.pos is not None else 0
        raise RegexError(exc.msg, translator.source_offset(pos)) from None
    except (OverflowError, RecursionError, ValueError) as exc:
        raise RegexError(f"pattern too large or too deep: {exc}", 0) from None
    return TranslatedRegex(
        source=pattern,
        python=python,
        compiled=compiled,
        names=tuple(translator.names),
        unnamed_groups=translator.unnamed,
    )


def search_groups(compiled: re.Pattern[str], text: str | None) -> dict[str, str | None] | None:
    """The named groups of the first match of `compiled` in `text` (None when it does not match)."""
    if text is None:
        return None
    m = compiled.search(text)
    return None if m is None else m.groupdict()
