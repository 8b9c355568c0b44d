"""Per-message cost of each stage kind, each beside the hand-written Python doing the same job.

Stage kinds: anchor (the `str.split` path and the general scan), parse regex, json, kv, csv, where
and if. Every case asserts that fer and its baseline return the same dicts on the whole corpus.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import orjson
import pytest
from support import RAW, SIZE, WRAPPED, loop, per_message

import fer

NAMES14 = ("version", "account", "eni", "src", "dst", "sport", "dport", "proto", "packets", "bytes",
           "start", "end", "action", "status")


def _kv_lines(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    users = ("alice", "bob", "carol", "dave", "erin", "frank")
    actions = ("login", "logout", "sudo", "read", "write")
    return [
        f"user={rng.choice(users)} action={rng.choice(actions)} src=10.0.{rng.randrange(256)}."
        f"{rng.randrange(1, 255)} port={rng.randrange(1, 65536)} result={rng.choice(('ok', 'denied'))}"
        for _ in range(count)
    ]


def _csv_lines(count: int, seed: int = 11) -> list[str]:
    rng = random.Random(seed)
    return [
        f"2024-05-{rng.randrange(1, 29):02d}T10:{rng.randrange(60):02d}:00Z,web-{rng.randrange(9)},"
        f"user{rng.randrange(500)},GET,/api/v1/items/{rng.randrange(10000)},{rng.choice((200, 404, 500))},"
        f"{rng.randrange(100, 99999)}"
        for _ in range(count)
    ]


def _conn_lines(count: int, seed: int = 13) -> list[str]:
    rng = random.Random(seed)
    return [
        f"conn {rng.randrange(1, 100000)} 10.0.{rng.randrange(256)}.{rng.randrange(1, 255)} -> "
        f"172.31.{rng.randrange(256)}.{rng.randrange(1, 255)}:{rng.choice((22, 80, 443))} bytes={rng.randrange(999999)}"
        for _ in range(count)
    ]


KV = _kv_lines(SIZE)
CSV = _csv_lines(SIZE)
CONN = _conn_lines(SIZE)


# ---- hand-written baselines


def split14(line: str) -> dict[str, str] | None:
    parts = line.split(" ", 13)
    if len(parts) != 14:
        return None
    return dict(zip(NAMES14, parts))


def anchor_general(line: str) -> dict[str, str] | None:
    # "user=* action=* src=* port=*": each anchor found after the previous one, the last * the rest.
    a = line.find("user=")
    if a < 0:
        return None
    a += 5
    b = line.find(" action=", a)
    if b < 0:
        return None
    c = line.find(" src=", b + 8)
    if c < 0:
        return None
    d = line.find(" port=", c + 5)
    if d < 0:
        return None
    return {"user": line[a:b], "action": line[b + 8:c], "src": line[c + 5:d], "port": line[d + 6:]}


_CONN = re.compile(r"(?P<src>\d{1,3}(?:\.\d{1,3}){3}) -> (?P<dst>\d{1,3}(?:\.\d{1,3}){3}):(?P<port>\d+)")


def regex_named(line: str) -> dict[str, str] | None:
    found = _CONN.search(line)
    return None if found is None else found.groupdict()


def json_paths(line: str) -> dict[str, str] | None:
    document = orjson.loads(line)
    return {"message": document["message"], "stream": document["logStream"], "group": document["logGroup"]}


def kv_pairs(line: str) -> dict[str, str] | None:
    pairs = dict(item.split("=", 1) for item in line.split(" "))
    return {"user": pairs["user"], "action": pairs["action"], "src": pairs["src"]}


def csv_cells(line: str) -> dict[str, str] | None:
    cells = line.split(",")
    return {"time": cells[0], "user": cells[2], "status": cells[5]}


def where_reject(line: str) -> dict[str, str] | None:
    parts = line.split(" ", 13)
    if len(parts) != 14 or parts[12] != "REJECT":
        return None
    return {"src": parts[3], "dst": parts[4], "dport": parts[6]}


def if_verdict(line: str) -> dict[str, str] | None:
    parts = line.split(" ", 13)
    if len(parts) != 14:
        return None
    return {"src": parts[3], "verdict": "blocked" if parts[12] == "REJECT" else "allowed"}


@dataclass(frozen=True)
class Case:
    expression: str
    corpus: list[str]
    baseline: Callable[[str], dict[str, str] | None]


CASES: dict[str, Case] = {
    "anchor split": Case(
        'parse "* * * * * * * * * * * * * *" as ' + ",".join(NAMES14), RAW, split14),
    "anchor scan": Case('parse "user=* action=* src=* port=*" as user, action, src, port', KV,
                        anchor_general),
    "parse regex": Case(
        r'parse regex "(?<src>\d{1,3}(?:\.\d{1,3}){3}) -> (?<dst>\d{1,3}(?:\.\d{1,3}){3}):(?<port>\d+)"',
        CONN, regex_named),
    "json": Case('json "message", "logStream", "logGroup" as message, stream, group', WRAPPED, json_paths),
    "kv": Case('kv "user", "action", "src"', KV, kv_pairs),
    "csv": Case("csv _raw extract 1 as time, 3 as user, 6 as status", CSV, csv_cells),
    "where": Case(
        'parse "* * * * * * * * * * * * * *" as ' + ",".join(NAMES14)
        + ' | where action = "REJECT" | fields src, dst, dport', RAW, where_reject),
    "if": Case(
        'parse "* * * * * * * * * * * * * *" as ' + ",".join(NAMES14)
        + ' | if(action = "REJECT", "blocked", "allowed") as verdict | fields src, verdict', RAW, if_verdict),
}


@pytest.mark.parametrize("stage", list(CASES))
def test_fer_stage(benchmark, stage: str) -> None:
    case = CASES[stage]
    pipeline = fer.compile(case.expression)
    assert [pipeline.apply(m) for m in case.corpus] == [case.baseline(m) for m in case.corpus]
    benchmark.group = f"stage: {stage}"
    per_message(benchmark, len(case.corpus), kind="fer")
    benchmark(loop(pipeline.apply, case.corpus))


@pytest.mark.parametrize("stage", list(CASES))
def test_hand_written_stage(benchmark, stage: str) -> None:
    case = CASES[stage]
    benchmark.group = f"stage: {stage}"
    per_message(benchmark, len(case.corpus), kind="baseline")
    benchmark(loop(case.baseline, case.corpus))
