"""`Engine.process`: one scoped rule, 50 keyword-scoped rules, and the full VPC source
(examples/vpc_flow_logs/rules.toml: header exclusion, epoch locator, scopes, rules, records), each
beside a hand-written loop producing the same records (target for the full source: at most 1.5x)."""

from __future__ import annotations

import random
import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from support import ENGINE_CORPUS, MIXED, SEED_RULE, SIZE, hand_seed, per_message

import fer
from fer.aws.vpc import DEFAULT_HEADER
from fer.rules import Rule

RULES_FILE = Path(__file__).resolve().parent.parent / "examples" / "vpc_flow_logs" / "rules.toml"
CATEGORY = "aws/vpc/flowlogs"


def _drain(records: Any) -> None:
    for _ in records:
        pass


# ---- one rule, scoped on the source category

ONE_RULE = [Rule(name="VPCFlowLogFER", scope=f"_sourceCategory={CATEGORY}", expression=SEED_RULE)]


def hand_one_rule(lines: list[str], category: str = CATEGORY) -> Any:
    in_scope = category == CATEGORY
    for raw in lines:
        record = {"_raw": raw, "_sourceCategory": category}
        if in_scope:
            fields = hand_seed(raw)
            if fields is not None:
                record.update(fields)
        yield record


# ---- fifty rules, each scoped on its own service keyword

SERVICES = 50


def _service_lines(count: int, seed: int = 17) -> list[str]:
    rng = random.Random(seed)
    return [
        f"svc{rng.randrange(SERVICES)} user={rng.choice(('alice', 'bob', 'carol'))} "
        f"action={rng.choice(('login', 'read', 'write'))} took={rng.randrange(1, 900)}ms"
        for _ in range(count)
    ]


SERVICE_LINES = _service_lines(SIZE)
FIFTY_RULES = [
    Rule(name=f"service {n}", scope=f"svc{n}", expression=f'parse "user=* action=* " as user{n}, action{n}')
    for n in range(SERVICES)
]


def hand_fifty(lines: list[str]) -> Any:
    # Dispatch on the service word (the only place a service name occurs in this corpus).
    for raw in lines:
        record: dict[str, str] = {"_raw": raw}
        service = raw.split(" ", 1)[0]
        if service.startswith("svc"):
            n = service[3:]
            a = raw.find("user=")
            b = raw.find(" action=", a + 5) if a >= 0 else -1
            c = raw.find(" ", b + 8) if b >= 0 else -1
            if c >= 0:
                record[f"user{n}"] = raw[a + 5:b]
                record[f"action{n}"] = raw[b + 8:c]
        yield record


# ---- the full VPC source, by hand

_CUSTOM_HEADER = re.compile(r"[a-z][a-z0-9-]*(?: [a-z][a-z0-9-]*)+", re.ASCII)
_LOCATOR = re.compile(r"\s(\d{10,13})\s\d{10,13}", re.ASCII)
_VPC_ID = re.compile(r"(?<![a-z0-9_])vpc-id(?![a-z0-9_])")
_ENRICHMENT = (("security-group-ids", "security_grp_ids"), ("direction", "direction"), ("vpc-id", "vpc_id"),
               ("subnet-id", "subnet_id"), ("aws-region", "aws_region"))


def _epoch_ms(raw: str) -> int | None:
    found = _LOCATOR.search(raw)
    if found is None:
        return None
    digits = found.group(1)
    if len(digits) == 10:
        return int(digits) * 1000
    if len(digits) == 13:
        return int(digits)
    return None  # 11 or 12 digits are not an epoch


def hand_vpc_source(lines: list[str], receipt_ms: int = 0, category: str = CATEGORY) -> Any:
    """What rules.toml asks for, written out: exclude both header shapes, read the epoch with the
    locator, check the category, run the seed rule, run the enrichment rule where its keyword is."""
    in_scope = category == CATEGORY
    for raw in lines:
        if raw == DEFAULT_HEADER or _CUSTOM_HEADER.fullmatch(raw):
            continue
        when = _epoch_ms(raw)
        record: dict[str, Any] = {"_raw": raw, "_sourceCategory": category,
                                  "_messagetime": receipt_ms if when is None else when}
        if in_scope:
            fields = hand_seed(raw)
            if fields is not None:
                record.update(fields)
            low = raw.lower()
            if "vpc-id" in low and _VPC_ID.search(low) and raw[:1] == "{":
                document = orjson.loads(raw)
                for key, name in _ENRICHMENT:
                    if key in document:
                        value = document[key]
                        record[name] = value if type(value) is str else orjson.dumps(value).decode()
        yield record


@pytest.mark.parametrize("setup", ["1 rule", "50 rules", "VPC source"])
def test_engine(benchmark, setup: str) -> None:
    if setup == "1 rule":
        engine, lines, expected = fer.Engine(ONE_RULE, category=CATEGORY), MIXED, hand_one_rule(MIXED)
    elif setup == "50 rules":
        engine, lines, expected = fer.Engine(FIFTY_RULES), SERVICE_LINES, hand_fifty(SERVICE_LINES)
    else:
        engine = fer.Engine(fer.load_rules(RULES_FILE), clock=lambda: 0.0)
        lines, expected = ENGINE_CORPUS, hand_vpc_source(ENGINE_CORPUS)
    assert list(engine.process(lines)) == list(expected)
    benchmark.group = f"engine: {setup}"
    per_message(benchmark, len(lines), kind="fer")
    benchmark(lambda: _drain(engine.process(lines)))


@pytest.mark.parametrize("setup", ["1 rule", "50 rules", "VPC source"])
def test_hand_written_engine(benchmark, setup: str) -> None:
    if setup == "1 rule":
        lines, run = MIXED, hand_one_rule
    elif setup == "50 rules":
        lines, run = SERVICE_LINES, hand_fifty
    else:
        lines, run = ENGINE_CORPUS, hand_vpc_source
    benchmark.group = f"engine: {setup}"
    per_message(benchmark, len(lines), kind="baseline")
    benchmark(lambda: _drain(run(lines)))


def test_enrichment_baseline_matches() -> None:
    """The hand-written VPC loop also does the enrichment rule's work right (not just on this corpus)."""
    enriched = ('{"message":"2 123456789010 eni-1 10.0.0.1 10.0.0.2 1 2 6 3 4 1418530010 1418530070 '
                'ACCEPT OK","vpc-id":"vpc-1","direction":"inbound","security-group-ids":["sg-1"]}')
    engine = fer.Engine(fer.load_rules(RULES_FILE), clock=lambda: 0.0)
    assert list(engine.process([enriched])) == list(hand_vpc_source([enriched]))
