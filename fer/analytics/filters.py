"""The VPC Flow Logs app's filters: names, wildcard patterns with `matches` semantics, SQL predicates.

A filter is `NAME=PATTERN`. The pattern matches a whole value, case-sensitively, `*` standing for any
run of characters (also none); every other character is literal. A pattern of exactly `*` is no
filter at all; any other pattern leaves out records that lack the field (vpc-app.md §3).
`security_grp_id` matches a record when any of its security groups matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fer.errors import FerError

__all__ = [
    "FILTER_FIELDS",
    "Filter",
    "FilterError",
    "parse_filter",
    "normalize_filters",
    "wildcard_match",
    "wildcard_to_like",
]

# The app's filter names and the record field each one reads. `src_ip`/`dest_ip` are accepted as
# aliases because they are the names the records themselves use.
FILTER_FIELDS: dict[str, str] = {
    "DestinationIP": "dest_ip",
    "SourceIP": "src_ip",
    "action": "action",
    "dest_port": "dest_port",
    "interfaceid": "interfaceid",
    "protocol": "protocol",
    "src_port": "src_port",
    "security_grp_id": "security_grp_ids",
    "subnet_id": "subnet_id",
    "vpc_id": "vpc_id",
}
_ALIASES: dict[str, str] = {"dest_ip": "DestinationIP", "src_ip": "SourceIP"}


class FilterError(FerError):
    """A filter with an unknown name or a malformed `NAME=PATTERN`."""


@dataclass(frozen=True, slots=True)
class Filter:
    """One of the app's filters: its name (as the app spells it) and a wildcard pattern."""

    name: str
    pattern: str

    @property
    def field(self) -> str:
        """The record field the filter reads."""
        return FILTER_FIELDS[self.name]

    @property
    def active(self) -> bool:
        """False for `*`, which keeps every record, even those without the field."""
        return self.pattern != "*"


def _canonical_name(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in FILTER_FIELDS:
        known = ", ".join(FILTER_FIELDS)
        raise FilterError(f"unknown filter {name!r}; the app's filters are {known}")
    return name


def parse_filter(text: str) -> Filter:
    """`NAME=PATTERN` (as given to `--filter`) → Filter. The pattern may itself contain `=`."""
    name, sep, pattern = text.partition("=")
    if not sep or not name.strip():
        raise FilterError(f"a filter is NAME=PATTERN, not {text!r}")
    return Filter(_canonical_name(name.strip()), pattern)


def normalize_filters(filters: Mapping[str, str] | Iterable[Filter | str] | None) -> list[Filter]:
    """Filters from a mapping, `Filter` objects or `NAME=PATTERN` strings; a later one replaces an
    earlier one of the same name (as setting a dashboard filter twice would)."""
    if filters is None:
        return []
    items: list[Filter] = []
    if isinstance(filters, Mapping):
        items = [Filter(_canonical_name(str(k)), str(v)) for k, v in filters.items()]
    else:
        for item in filters:
            if isinstance(item, Filter):
                items.append(Filter(_canonical_name(item.name), item.pattern))
            elif isinstance(item, str):
                items.append(parse_filter(item))
            else:
                raise FilterError(f"a filter is NAME=PATTERN or a Filter, not {item!r}")
    by_name: dict[str, Filter] = {}
    for item in items:
        by_name[item.name] = item
    return list(by_name.values())


def wildcard_to_like(pattern: str) -> str:
    """The pattern as a SQL LIKE pattern for `ESCAPE '\\'`: `*` → `%`, literal `%`, `_`, `\\` escaped."""
    out: list[str] = []
    for ch in pattern:
        if ch == "*":
            out.append("%")
        elif ch in "%_\\":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def wildcard_match(pattern: str, value: str | None) -> bool:
    """Plain-Python `matches`: whole value, case-sensitive, `*` any run. None never matches."""
    if value is None:
        return False
    regex = ".*".join(re.escape(piece) for piece in pattern.split("*"))
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None
