"""Errors: one base class, structured positions, a caret under the problem.

Every error a user can cause by writing an expression or a rule file is one of these. Lark's own
exceptions are translated in the parser and never reach a caller.
"""

from __future__ import annotations

__all__ = [
    "FerError",
    "FerSyntaxError",
    "FerCompileError",
    "FerRuleError",
    "render_caret",
    "line_and_column",
]


def line_and_column(source: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset in `source` (clamped to its bounds)."""
    offset = max(0, min(offset, len(source)))
    line = source.count("\n", 0, offset) + 1
    line_start = source.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


def render_caret(source: str, line: int, column: int, width: int = 1) -> str:
    """The offending source line and a caret (or a run of carets) under `column`."""
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        return ""
    text = lines[line - 1].rstrip("\r")
    # Tabs are kept in the pad so the caret lines up whatever the terminal's tab width.
    pad = "".join("\t" if ch == "\t" else " " for ch in text[: column - 1])
    width = max(1, min(width, max(1, len(text) - column + 1)))
    return f"{text}\n{pad}{'^' * width}"


class FerError(ValueError):
    """Base class of every error fer raises for bad user input (expressions, rules, sources)."""


class _PositionedError(FerError):
    """An error at a place in an expression's source text."""

    kind = "error"

    def __init__(
        self,
        message: str,
        *,
        source: str = "",
        line: int = 1,
        column: int = 1,
        width: int = 1,
        expected: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.column = column
        self.width = width
        self.expected = expected
        self.hint = hint
        super().__init__(str(self))

    @classmethod
    def at(cls, message: str, source: str, offset: int, width: int = 1, **extra: str | None):
        """Build the error from a character offset instead of a line and column."""
        line, column = line_and_column(source, offset)
        return cls(message, source=source, line=line, column=column, width=width, **extra)

    def __str__(self) -> str:
        parts = [f"{self.line}:{self.column}: {self.message}"]
        caret = render_caret(self.source, self.line, self.column, self.width)
        if caret:
            parts.append(caret)
        if self.expected:
            parts.append(f"expected {self.expected}")
        if self.hint:
            parts.append(self.hint)
        return "\n".join(parts)

    def __reduce__(self):  # keep errors picklable (Dask workers send them back)
        return (
            _rebuild,
            (type(self), self.message, self.source, self.line, self.column, self.width,
             self.expected, self.hint),
        )


def _rebuild(cls, message, source, line, column, width, expected, hint):
    return cls(message, source=source, line=line, column=column, width=width,
               expected=expected, hint=hint)


class FerSyntaxError(_PositionedError):
    """The text is not a well-formed expression: a bad token or a grammar violation."""


class FerCompileError(_PositionedError):
    """The expression is well formed but breaks a rule of the language (counts, names, arity...)."""


class FerRuleError(FerError):
    """A rule file (or one rule in it) cannot be loaded. Names the file and the rule."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        rule: str | None = None,
        cause: FerError | None = None,
    ) -> None:
        self.message = message
        self.path = path
        self.rule = rule
        self.cause = cause
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.path or "<rules>"
        if self.rule is not None:
            where += f": rule {self.rule!r}"
        text = f"{where}: {self.message}"
        if self.cause is not None:
            text += "\n" + str(self.cause)
        return text

    def __reduce__(self):
        return (_rebuild_rule, (self.message, self.path, self.rule, self.cause))


def _rebuild_rule(message, path, rule, cause):
    return FerRuleError(message, path=path, rule=rule, cause=cause)
