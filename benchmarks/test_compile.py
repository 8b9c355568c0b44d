"""Compile time: the grammar built once per process (Lark's cache), then the seed's rule compiled
(parse, check, optimize, generate, `compile()`): the target is under 5 ms."""

from __future__ import annotations

from support import SEED_RULE

import fer
from fer import parser as fer_parser
from fer.parser import parse


def test_build_parser(benchmark) -> None:
    """Building the Lark parser (`cache=True`: the LALR tables come from Lark's cache file)."""
    benchmark.group = "compile"

    def build() -> None:
        fer_parser._PARSER = None
        fer_parser._parser()

    benchmark(build)
    assert fer_parser._PARSER is not None


def test_parse_seed_rule(benchmark) -> None:
    benchmark.group = "compile"
    parse(SEED_RULE)  # the grammar is loaded outside the timing
    query = benchmark(parse, SEED_RULE)
    assert len(query.stages) == 4


def test_compile_seed_rule(benchmark) -> None:
    benchmark.group = "compile"
    fer.compile(SEED_RULE)
    pipeline = benchmark(fer.compile, SEED_RULE)
    assert pipeline.fields[0] == "interfaceid"
