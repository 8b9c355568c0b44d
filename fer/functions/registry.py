"""The function registry: `FunctionSpec`, the `@function` decorator, lookup and suggestions.

Each library function describes itself (display name, arity, usage, summary, examples that run as
tests), so the checker validates calls once at compile time and error messages can quote the usage.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

from fer.values import Value

__all__ = ["Example", "FunctionSpec", "FUNCTIONS", "function", "lookup", "suggest", "register_special"]


@dataclass(frozen=True)
class Example:
    """One call and its result; every example runs in the test suite."""

    args: tuple[Value, ...]
    result: Value


@dataclass(frozen=True)
class FunctionSpec:
    """A library function: how it is spelled and called, what it does, and its implementation."""

    name: str
    min_args: int
    max_args: int
    usage: str
    summary: str
    examples: tuple[Example, ...]
    impl: Callable[..., Value]
    returns_number: bool


_REGISTRY: dict[str, FunctionSpec] = {}
# Forms the back ends lower themselves (`if`, `contains`): known for arity checks and suggestions,
# but not callable library functions, so they stay out of FUNCTIONS.
_SPECIAL: dict[str, FunctionSpec] = {}

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(_REGISTRY)

F = TypeVar("F", bound=Callable[..., Any])


def function(
    name: str,
    *,
    usage: str,
    summary: str,
    min_args: int,
    max_args: int | None = None,
    examples: tuple[tuple[tuple[Value, ...], Value], ...] = (),
    aliases: tuple[str, ...] = (),
    returns_number: bool = False,
) -> Callable[[F], F]:
    """Register the decorated implementation under `name` (and each alias, as its own spec)."""

    def register(impl: F) -> F:
        spec = FunctionSpec(
            name=name,
            min_args=min_args,
            max_args=min_args if max_args is None else max_args,
            usage=usage,
            summary=summary,
            examples=tuple(Example(args, result) for args, result in examples),
            impl=impl,
            returns_number=returns_number,
        )
        for spelling in (name, *aliases):
            key = spelling.lower()
            if key in _REGISTRY or key in _SPECIAL:
                raise ValueError(f"function {spelling!r} registered twice")
            alias_usage = usage.replace(name, spelling, 1)
            _REGISTRY[key] = dataclasses.replace(spec, name=spelling, usage=alias_usage)
        return impl

    return register


def register_special(spec: FunctionSpec) -> None:
    """Register a form that the back ends lower themselves (arity checking and suggestions only)."""
    _SPECIAL[spec.name.lower()] = spec


def lookup(name: str) -> FunctionSpec | None:
    """The spec for a function name, any case; `if` and `contains` included."""
    key = name.lower()
    return _REGISTRY.get(key) or _SPECIAL.get(key)


def suggest(name: str) -> str | None:
    """The closest known function's display name, for "did you mean …?" messages."""
    names = {**{k: s.name for k, s in _REGISTRY.items()}, **{k: s.name for k, s in _SPECIAL.items()}}
    close = difflib.get_close_matches(name.lower(), list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None
