"""Corpora, hand-written baselines and peers shared by the benchmark files.

Every baseline is what a careful person would write by hand for one job, returning exactly the dicts
fer returns (each benchmark asserts that before timing anything). Peers (`pygrok`, `pyvrl`) are the
libraries a Python user might pick instead; they are optional (`pip install '.[bench]' from a checkout`), and a peer
that does not import is simply not parametrised, never skipped.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable, Iterable
from typing import Any

import orjson

from fer.bench import engine_corpus, flow_records, mixed_corpus

__all__ = [
    "ENGINE_CORPUS",
    "FIELDS",
    "MIXED",
    "PEERS",
    "RAW",
    "SEED_RULE",
    "SIZE",
    "WRAPPED",
    "hand_seed",
    "loop",
    "peer_function",
    "per_message",
]

# Messages per benchmark round: large enough that the loop, not the call into pytest-benchmark,
# dominates; small enough that `--benchmark-disable` (one round) stays quick.
SIZE = 4_000

SEED_RULE = """json "message" as _rawvpc nodrop
| if (_raw matches "{*", _rawvpc,_raw) as message
| parse field=message "* * * * * * * * * * * * * *" as version,accountID,interfaceID,src_ip,dest_ip,src_port,dest_port,Protocol,Packets,bytes,StartSample,EndSample,Action,status
| fields interfaceid,src_ip,dest_ip,src_port,dest_port,protocol,packets,bytes,action,status"""

FIELDS = ("interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol", "packets", "bytes",
          "action", "status")

MIXED: list[str] = mixed_corpus(SIZE)
RAW: list[str] = flow_records(SIZE)
WRAPPED: list[str] = [line for line in mixed_corpus(3 * SIZE) if line[:1] == "{"][:SIZE]
ENGINE_CORPUS: list[str] = engine_corpus(SIZE)

_loads = orjson.loads


def hand_seed(line: str) -> dict[str, str] | None:
    """The seed rule by hand: first-character check, orjson, `split(" ", 13)`, a dict literal."""
    if line[:1] == "{":
        try:
            document = _loads(line)
        except orjson.JSONDecodeError:
            return None
        message = document.get("message") if type(document) is dict else None
        if type(message) is not str:
            return None
    else:
        message = line
    parts = message.split(" ", 13)
    if len(parts) != 14:
        return None
    _v, _a, interface, src, dst, sport, dport, proto, packets, size, _s, _e, action, status = parts
    return {"interfaceid": interface, "src_ip": src, "dest_ip": dst, "src_port": sport,
            "dest_port": dport, "protocol": proto, "packets": packets, "bytes": size,
            "action": action, "status": status}


def _unwrap(line: str) -> str | None:
    if line[:1] != "{":
        return line
    message = _loads(line).get("message")
    return message if type(message) is str else None


# ---- peers: the seed rule's output from each (None when the record does not parse)

_NAMED = re.compile(
    r"(?P<version>[^ ]+) (?P<accountid>[^ ]+) (?P<interfaceid>[^ ]+) (?P<src_ip>[^ ]+) "
    r"(?P<dest_ip>[^ ]+) (?P<src_port>[^ ]+) (?P<dest_port>[^ ]+) (?P<protocol>[^ ]+) "
    r"(?P<packets>[^ ]+) (?P<bytes>[^ ]+) (?P<start>[^ ]+) (?P<end>[^ ]+) (?P<action>[^ ]+) "
    r"(?P<status>.*)"
)


def _peer_re() -> Callable[[str], dict[str, str] | None]:
    match = _NAMED.fullmatch

    def extract(line: str) -> dict[str, str] | None:
        message = _unwrap(line)
        found = match(message) if message is not None else None
        if found is None:
            return None
        groups = found.groupdict()
        return {name: groups[name] for name in FIELDS}

    return extract


def _peer_pygrok() -> Callable[[str], dict[str, str] | None]:
    from pygrok import Grok

    grok = Grok(" ".join(f"%{{NOTSPACE:{name}}}" for name in (
        "version", "accountid", "interfaceid", "src_ip", "dest_ip", "src_port", "dest_port", "protocol",
        "packets", "bytes", "start", "end", "action", "status")))

    def extract(line: str) -> dict[str, str] | None:
        message = _unwrap(line)
        found = grok.match(message) if message is not None else None
        if not found:
            return None
        return {name: found[name] for name in FIELDS}

    return extract


# pyvrl's names and typed values, back to the seed rule's names and text ("-" for what VRL nulls).
_VRL_NAMES = (("interface_id", "interfaceid"), ("srcaddr", "src_ip"), ("dstaddr", "dest_ip"),
              ("srcport", "src_port"), ("dstport", "dest_port"), ("protocol", "protocol"),
              ("packets", "packets"), ("bytes", "bytes"), ("action", "action"), ("log_status", "status"))
_VRL_PROGRAM = """
raw = string!(.message)
if starts_with(raw, "{") { raw = string!(parse_json!(raw).message) }
. = parse_aws_vpc_flow_log!(raw)
"""


def _peer_pyvrl() -> Callable[[str], dict[str, str] | None]:
    from pyvrl import Transform

    remap = Transform(_VRL_PROGRAM).remap

    def extract(line: str) -> dict[str, str] | None:
        try:
            found = remap({"message": line})
        except Exception:  # noqa: BLE001 - VRL reports a failed parse as an exception
            return None
        return {ours: "-" if found.get(theirs) is None else str(found[theirs]) for theirs, ours in _VRL_NAMES}

    return extract


_PEER_FACTORIES: dict[str, tuple[str | None, Callable[[], Callable[[str], dict[str, str] | None]]]] = {
    "re-named-groups": (None, _peer_re),
    "pygrok": ("pygrok", _peer_pygrok),
    "pyvrl": ("pyvrl", _peer_pyvrl),
}


def _importable(module: str | None) -> bool:
    if module is None:
        return True
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


# Only the peers installed here: the others are not parametrised at all (never reported as skipped).
PEERS: tuple[str, ...] = tuple(name for name, (module, _) in _PEER_FACTORIES.items() if _importable(module))


def peer_function(name: str) -> Callable[[str], dict[str, str] | None]:
    return _PEER_FACTORIES[name][1]()


def loop(function: Callable[[Any], Any], messages: Iterable[Any]) -> Callable[[], None]:
    """The timed body: `function` over every message (results discarded)."""
    items = list(messages)

    def run() -> None:
        for item in items:
            function(item)

    return run


def per_message(benchmark: Any, count: int, **info: Any) -> None:
    """Record how many messages one round handles (report.py divides by it)."""
    benchmark.extra_info["messages"] = count
    benchmark.extra_info.update(info)
