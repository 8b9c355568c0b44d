"""The seed's VPCFlowLogFER through `Pipeline.apply` on raw, wrapped and mixed records, beside the
hand-written function (the target: at most 1.3x its time on the mixed corpus) and the peers."""

from __future__ import annotations

import pytest
from support import (
    MIXED,
    PEERS,
    RAW,
    SEED_RULE,
    WRAPPED,
    hand_seed,
    loop,
    peer_function,
    per_message,
)

import fer

CORPORA = {"raw": RAW, "wrapped": WRAPPED, "mixed": MIXED}
PIPELINE = fer.compile(SEED_RULE)


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_fer_apply(benchmark, corpus: str) -> None:
    messages = CORPORA[corpus]
    assert [PIPELINE.apply(m) for m in messages] == [hand_seed(m) for m in messages]
    benchmark.group = f"seed rule: {corpus}"
    per_message(benchmark, len(messages), kind="fer")
    benchmark(loop(PIPELINE.apply, messages))


@pytest.mark.parametrize("corpus", list(CORPORA))
def test_hand_written(benchmark, corpus: str) -> None:
    messages = CORPORA[corpus]
    benchmark.group = f"seed rule: {corpus}"
    per_message(benchmark, len(messages), kind="baseline")
    benchmark(loop(hand_seed, messages))


@pytest.mark.parametrize("peer", PEERS)
def test_peer_mixed(benchmark, peer: str) -> None:
    extract = peer_function(peer)
    assert [extract(m) for m in MIXED] == [hand_seed(m) for m in MIXED]
    benchmark.group = "seed rule: mixed"
    per_message(benchmark, len(MIXED), kind="peer")
    benchmark(loop(extract, MIXED))
