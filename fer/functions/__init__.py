"""The function library of the parse-expression language (language.md §4, §7), self-describing.

Every function is registered with its display name, arity, usage line, summary and examples
(`FunctionSpec`); `FUNCTIONS` maps lower-case names (aliases included) to specs. `if` and
`contains` are lowered by the back ends, so they are not in `FUNCTIONS`, but `lookup` knows them
for arity checks. `replace_regex`, `contains` and `in_list` are the runtime forms of
`replace(s, /re/, …)`, `a contains b` and `x in (…)`.

Modules by kind: `strings`, `numbers`, `network`, `encoding`, `predicates`; `registry` holds the
decorator and lookups.
"""

from __future__ import annotations

from fer.functions import encoding, network, numbers, predicates, strings  # noqa: F401  (registers)
from fer.functions.predicates import contains, in_list
from fer.functions.registry import FUNCTIONS, Example, FunctionSpec, function, lookup, suggest
from fer.functions.strings import check_replacement, replace_regex

__all__ = [
    "FUNCTIONS",
    "Example",
    "FunctionSpec",
    "function",
    "lookup",
    "suggest",
    "replace_regex",
    "check_replacement",
    "contains",
    "in_list",
]
