"""Reading the data-driven case files in tests/cases/*.toml.

Each file holds `[[case]]` tables:

    [[case]]
    name = "parse: anchors match case-insensitively"     # unique within the file
    expr = 'parse "user=*:" as user'
    input = "Aug 2 04:06:08: User=jsmith@demo.com: x"    # or a table: { _raw = "…", _sourceCategory = "…" }
    fields = { user = "jsmith@demo.com" }                 # the exact output of Pipeline.apply
    # or:  dropped = true                                 # apply returns None
    # or:  error = "FerCompileError"  (or FerSyntaxError) with optional
    #      message = "fragment of str(error)", line = 1, column = 7
    # optional: output_fields = ["user"]                  # Pipeline.fields, in order
    # optional: inputs = [ {input = …, fields = {…}}, {input = …, dropped = true} ]  # several messages
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CASES_DIR = Path(__file__).parent / "cases"


@dataclass(frozen=True)
class Expectation:
    message: Any
    fields: dict[str, str] | None  # None means dropped


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    expr: str
    expectations: tuple[Expectation, ...] = ()
    error: str | None = None
    error_message: str | None = None
    line: int | None = None
    column: int | None = None
    output_fields: tuple[str, ...] | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


def _expectation(table: dict[str, Any], where: str) -> Expectation:
    if "input" not in table:
        raise ValueError(f"{where}: missing 'input'")
    if table.get("dropped"):
        if "fields" in table:
            raise ValueError(f"{where}: both 'fields' and 'dropped'")
        return Expectation(table["input"], None)
    if "fields" not in table:
        raise ValueError(f"{where}: needs 'fields' or 'dropped = true'")
    return Expectation(table["input"], dict(table["fields"]))


def load_cases(directory: Path = CASES_DIR) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        names: set[str] = set()
        for number, table in enumerate(data.get("case", []), 1):
            name = table.get("name") or f"case {number}"
            where = f"{path.name}: {name}"
            if name in names:
                raise ValueError(f"{where}: duplicate case name")
            names.add(name)
            expectations: list[Expectation] = []
            if "input" in table:
                expectations.append(_expectation(table, where))
            for item in table.get("inputs", []):
                expectations.append(_expectation(item, where))
            if not expectations and "error" not in table:
                raise ValueError(f"{where}: a case needs an input or an error")
            output_fields = table.get("output_fields")
            cases.append(
                Case(
                    file=path.name,
                    name=name,
                    expr=table["expr"],
                    expectations=tuple(expectations),
                    error=table.get("error"),
                    error_message=table.get("message"),
                    line=table.get("line"),
                    column=table.get("column"),
                    output_fields=tuple(output_fields) if output_fields is not None else None,
                    raw=table,
                )
            )
    return cases
