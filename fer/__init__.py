"""fer: ingest-time field extraction rules (the Sumo Logic parse-expression language) compiled to Python.

    >>> import fer
    >>> fer.compile('parse "user=*:" as user').apply("Aug 2 04:06:08: User=jsmith@demo.com: x")
    {'user': 'jsmith@demo.com'}
"""

from __future__ import annotations

from fer.errors import FerCompileError, FerError, FerRuleError, FerSyntaxError

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "compile",
    "Pipeline",
    "load_rules",
    "Rule",
    "RuleSet",
    "Engine",
    "FerError",
    "FerSyntaxError",
    "FerCompileError",
    "FerRuleError",
]


def __getattr__(name: str):
    # Imported lazily so that `import fer` stays cheap and helpers can import fer.errors without
    # pulling in the compiler (and Lark) first.
    if name in ("compile", "Pipeline"):
        from fer import pipeline

        return getattr(pipeline, name)
    if name in ("load_rules", "Rule", "RuleSet"):
        from fer import rules

        return getattr(rules, name)
    if name == "Engine":
        from fer.engine import Engine

        return Engine
    raise AttributeError(f"module 'fer' has no attribute {name!r}")
