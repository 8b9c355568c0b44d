"""Loading records into DuckDB: NDJSON or Parquet files read in place, or in-memory records.

Files are read by DuckDB itself (`read_json` / `read_parquet`), so a corpus of gigabytes never passes
through Python. Only the columns the panels need are read (never `_raw`), normalised once into a
table `t` with a `keep` flag for the filters; the panels query the view `f` (kept rows).

Normalised columns: `-` and absent become NULL for every keyed field; `nbytes`/`npackets` are the
numbers when the field is written as digits (else NULL: `-` is left out of sums); `ts` is
`_messagetime`; `groups` is the list of security groups parsed from the JSON array text.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Union

import orjson

from fer.analytics.filters import Filter, wildcard_to_like
from fer.errors import FerError

__all__ = ["RecordSource", "StoreError", "Store", "KEY_FIELDS"]

RecordSource = Union[str, os.PathLike, Sequence[Union[str, os.PathLike]], Iterable[Mapping[str, Any]]]

# Fields read from the records as text. `security_grp_ids` and `_messagetime` are read too, apart.
KEY_FIELDS: tuple[str, ...] = (
    "interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets", "bytes",
    "action", "status", "vpc_id", "subnet_id", "direction",
)
_READ_FIELDS: tuple[str, ...] = KEY_FIELDS + ("security_grp_ids", "_messagetime")

# Digits only (no sign, no blanks) and short enough for HUGEINT: anything else is "not a number".
NUMBER_PATTERN = "[0-9]{1,30}"


class StoreError(FerError):
    """Records that cannot be read (a missing file, malformed NDJSON, an unreadable Parquet file)."""


def _is_parquet(path: Path) -> bool:
    if path.suffix.lower() in (".parquet", ".pq"):
        return True
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"PAR1"
    except OSError:
        return False


def _as_paths(source: RecordSource) -> list[Path] | None:
    """The file paths when `source` names files, None when it is an iterable of records."""
    if isinstance(source, (str, os.PathLike)):
        return [Path(source)]
    if isinstance(source, Sequence) and source and all(isinstance(s, (str, os.PathLike)) for s in source):
        return [Path(s) for s in source]
    return None


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


class Store:
    """A DuckDB connection holding the normalised, filtered records of one report."""

    def __init__(self, source: RecordSource, filters: Sequence[Filter], timeslice_ms: int) -> None:
        import duckdb  # the `report` extra; imported here so `import fer.analytics` stays cheap

        self._duckdb = duckdb
        # An in-memory database whose spill files go to a private temporary directory: DuckDB keeps
        # the table within its memory limit (80% of RAM by default) and spills beyond it, so a corpus
        # of many gigabytes still fits (~1M records: ~370 MB resident). An on-disk database would
        # save ~25% memory but costs ~0.3 s of checkpointing per report, small ones included.
        self._tmpdir: tempfile.TemporaryDirectory[str] | None = tempfile.TemporaryDirectory(prefix="fer-report-")
        spill = Path(self._tmpdir.name) / "spill"
        self.con = duckdb.connect(config={"temp_directory": str(spill)})
        try:
            self._open(source, filters, timeslice_ms)
        except BaseException:
            self.close()  # the connection and the temporary directory, whatever went wrong
            raise

    def _open(self, source: RecordSource, filters: Sequence[Filter], timeslice_ms: int) -> None:
        paths = _as_paths(source)
        if paths is None:
            paths = [self._write_records(source)]  # type: ignore[arg-type]
            self.inputs = ["<records>"]
        else:
            self.inputs = [str(p) for p in paths]
        for path in paths:
            if not path.is_file():
                raise StoreError(f"{path}: no such file")
        try:
            self._load(paths, filters, timeslice_ms)
        except self._duckdb.Error as error:
            raise StoreError(f"cannot read the records: {error}") from None

    def _write_records(self, records: Iterable[Mapping[str, Any]]) -> Path:
        # Records given in memory go to a temporary NDJSON file so that one code path (DuckDB's
        # reader) serves both; orjson writes ~1M small records a second.
        assert self._tmpdir is not None
        path = Path(self._tmpdir.name) / "records.ndjson"
        with path.open("wb") as handle:
            for record in records:
                if not isinstance(record, Mapping):
                    raise StoreError(f"a record is a mapping of fields, not {type(record).__name__}")
                # Only the fields the panels read are written (never `_raw`: the bulk of a record).
                fields = {name: record[name] for name in _READ_FIELDS if name in record}
                try:
                    line = orjson.dumps(fields, default=str)
                except TypeError:
                    # A lone surrogate (text decoded with surrogateescape): DuckDB's JSON reader
                    # refuses those too, so it becomes U+FFFD as invalid UTF-8 does elsewhere.
                    line = orjson.dumps({k: _clean(v) for k, v in fields.items()}, default=str)
                handle.write(line)
                handle.write(b"\n")
        return path

    def _normalised_select(self, view: str, columns: Mapping[str, str]) -> str:
        """SELECT of raw text columns (and `groups`, `ts`) from one input view; NULL for absent ones."""
        parts = []
        for name in KEY_FIELDS:
            parts.append(f'CAST("{name}" AS VARCHAR) AS "{name}"' if name in columns else f'NULL::VARCHAR AS "{name}"')
        kind = columns.get("security_grp_ids")
        if kind is None:
            parts.append("NULL::VARCHAR[] AS groups")
        elif kind.endswith("[]"):
            parts.append("list_distinct(CAST(security_grp_ids AS VARCHAR[])) AS groups")
        else:
            text = "CAST(security_grp_ids AS VARCHAR)"
            parts.append(
                f"CASE WHEN json_valid({text}) AND json_type({text}) = 'ARRAY' "
                f"THEN list_distinct(from_json({text}, '[\"VARCHAR\"]')) END AS groups"
            )
        if "_messagetime" in columns:
            parts.append("TRY_CAST(CAST(_messagetime AS VARCHAR) AS BIGINT) AS ts")
        else:
            parts.append("NULL::BIGINT AS ts")
        return f"SELECT {', '.join(parts)} FROM {view}"

    def _load(self, paths: list[Path], filters: Sequence[Filter], timeslice_ms: int) -> None:
        selects: list[str] = []
        json_paths = [str(p) for p in paths if not _is_parquet(p)]
        parquet_paths = [str(p) for p in paths if _is_parquet(p)]
        if json_paths:
            relation = self.con.read_json(
                json_paths,
                format="newline_delimited",
                columns={name: "VARCHAR" for name in _READ_FIELDS},
            )
            relation.create_view("raw_json")
            selects.append(self._normalised_select("raw_json", {n: "VARCHAR" for n in _READ_FIELDS}))
        if parquet_paths:
            relation = self.con.read_parquet(parquet_paths, union_by_name=True)
            relation.create_view("raw_parquet")
            present = {name: str(kind) for name, kind in zip(relation.columns, relation.types)}
            selects.append(self._normalised_select("raw_parquet", present))
        union = " UNION ALL ".join(selects)

        conditions: list[str] = []
        params: list[str] = []
        for item in filters:
            if not item.active:
                continue
            if item.field == "security_grp_ids":
                conditions.append("EXISTS (SELECT 1 FROM unnest(groups) AS g(grp) WHERE grp LIKE ? ESCAPE '\\')")
            else:
                conditions.append(f'coalesce("{item.field}" LIKE ? ESCAPE \'\\\', false)')
            params.append(wildcard_to_like(item.pattern))
        keep = " AND ".join(conditions) if conditions else "true"

        def nullif(name: str) -> str:
            return f"NULLIF(\"{name}\", '-') AS \"{name}\""

        def number(name: str) -> str:
            return (f"CASE WHEN regexp_full_match(\"{name}\", '{NUMBER_PATTERN}') "
                    f"THEN CAST(\"{name}\" AS HUGEINT) END AS n{name}")

        slice_ms = int(timeslice_ms)
        # Floor division that stays right for negative epochs (DuckDB's % keeps the dividend's sign).
        bucket = f"ts - (((ts % {slice_ms}) + {slice_ms}) % {slice_ms})"
        hour = "ts - (((ts % 3600000) + 3600000) % 3600000)"
        columns = [nullif(n) for n in KEY_FIELDS if n not in ("packets", "bytes")]
        columns += [number("packets"), number("bytes")]
        columns += [
            "list_filter(groups, lambda g: g IS NOT NULL AND g <> '-') AS groups"
            if self._has_new_lambdas() else
            "list_filter(groups, g -> g IS NOT NULL AND g <> '-') AS groups",
            "ts", f"{bucket} AS bucket", f"{hour} AS hour", f"({keep}) AS keep",
        ]
        self.con.execute(f"CREATE TABLE t AS SELECT {', '.join(columns)} FROM ({union})", params)
        self.con.execute("CREATE VIEW f AS SELECT * FROM t WHERE keep")

    def _has_new_lambdas(self) -> bool:
        # DuckDB 1.3 introduced `lambda x: …` and 2.0 refuses the old `x -> …` arrow.
        major, minor = (int(part) for part in self._duckdb.__version__.split(".")[:2])
        return (major, minor) >= (1, 3)

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def close(self) -> None:
        try:
            self.con.close()
        except self._duckdb.Error:  # pragma: no cover - closing twice
            pass
        if self._tmpdir is not None:
            self._tmpdir.cleanup()
            self._tmpdir = None

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
