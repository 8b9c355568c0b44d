"""Records as NDJSON bytes: the one encoding `fer run`, its worker processes and Dask all write."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson

_NEWLINE = orjson.OPT_APPEND_NEWLINE


def encode_record(record: dict[str, Any], fields_only: bool = False) -> bytes:
    """One record as a JSON line (with its newline). `fields_only` leaves `_raw` out."""
    if fields_only:
        record.pop("_raw", None)
    try:
        return orjson.dumps(record, option=_NEWLINE)
    except TypeError:
        # orjson refuses lone surrogates and exotic metadata values; the stdlib escapes them.
        return (json.dumps(record, default=str, separators=(",", ":")) + "\n").encode()


def encode_records(records: Iterable[dict[str, Any]], fields_only: bool = False) -> bytes:
    """Many records as one block of NDJSON (what a worker sends back: one bytes object, no pickling
    of dicts — per 50,000-record file that pickling cost ~0.5 s of a ~1.1 s round trip)."""
    return b"".join([encode_record(record, fields_only) for record in records])
