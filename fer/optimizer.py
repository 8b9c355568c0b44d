"""Optimizer passes over a checked AST. Each pass is a pure function `Query -> Query`.

Passes only rewrite what cannot change a result, so the reference evaluator gives the same answer
on the optimized and the original tree (the back-end agreement tests run both).

    >>> from fer.parser import parse
    >>> from fer.printer import to_source
    >>> to_source(fold_constants(parse('1 + 2 * 3 as x')))
    '7 as x'
"""

from __future__ import annotations

import dataclasses

from fer import ast, values
from fer.evaluator import evaluate

_LITERALS = (ast.StringLit, ast.NumberLit, ast.BoolLit, ast.NullLit, ast.RegexLit)


def _has_field(node: object) -> bool:
    if isinstance(node, ast.FieldRef):
        return True
    if isinstance(node, tuple):
        return any(_has_field(item) for item in node)
    return any(
        _has_field(getattr(node, name))
        for name in getattr(node, "__dataclass_fields__", {})
        if name != "span"
    )


def _literal(value: values.Value, span: ast.Span) -> ast.Expr:
    if value is None:
        return ast.NullLit(span=span)
    if isinstance(value, bool):
        return ast.BoolLit(value, span=span)
    if isinstance(value, float):
        return ast.NumberLit(value, values.format_number(value), span=span)
    return ast.StringLit(value, span=span)


def fold_expression(node: ast.Expr) -> ast.Expr:
    """Replace every subexpression that reads no field by its value."""
    if isinstance(node, _LITERALS):
        return node
    if not _has_field(node):
        try:
            return _literal(evaluate(node, {}), node.span)
        except Exception:  # noqa: BLE001 - a value the runtime cannot compute stays for run time
            return node
    changes: dict[str, object] = {}
    for name in node.__dataclass_fields__:
        child = getattr(node, name)
        # Patterns of `matches` and regex arguments stay as written: they are not values.
        if isinstance(child, tuple) and child and all(hasattr(c, "span") for c in child):
            changes[name] = tuple(_fold_child(c) for c in child)
        elif name not in ("span", "pattern") and hasattr(child, "span") and not isinstance(child, ast.Name):
            changes[name] = _fold_child(child)
    return dataclasses.replace(node, **changes)  # type: ignore[arg-type]


def _fold_child(child: ast.Expr) -> ast.Expr:
    return child if isinstance(child, (ast.RegexLit, ast.FieldRef)) else fold_expression(child)


def fold_constants(query: ast.Query) -> ast.Query:
    """Constant folding for assignments and `where` conditions."""
    stages: list[ast.Stage] = []
    for stage in query.stages:
        if isinstance(stage, ast.Assign):
            stage = dataclasses.replace(stage, value=fold_expression(stage.value))
        elif isinstance(stage, ast.Where):
            stage = dataclasses.replace(stage, cond=fold_expression(stage.cond))
        stages.append(stage)
    return dataclasses.replace(query, stages=tuple(stages))


PASSES = (fold_constants,)


def optimize(query: ast.Query) -> ast.Query:
    for optimization in PASSES:
        query = optimization(query)
    return query
