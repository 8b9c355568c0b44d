"""fer from Python, on the VPC flow log samples bundled with the tests.

    python examples/vpc_flow_logs/library_example.py

1. `fer.compile` one expression and apply it (search-time semantics: a failed parse drops).
2. `fer.load_rules` + `fer.Engine`: the seed's rule file with its source settings (header lines
   excluded, `_messagetime` from the epoch locator), one record per message.
3. The same engine over a CloudWatch Logs subscription payload, read by `fer.inputs`.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import fer
from fer.inputs import iter_messages

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "tests" / "data" / "vpc"


def main() -> None:
    lines = (DATA / "default-v2.log").read_text().splitlines()

    # 1. One expression.
    pipeline = fer.compile('parse "* * * * * * * * * * * * * *" as v, account, eni, src, dst, '
                           "sport, dport, proto, packets, bytes, start, end, action, status "
                           "| fields src, dst, action")
    print("fields:", pipeline.fields)
    print("apply: ", pipeline.apply(lines[0]))
    print("no match:", pipeline.apply("Connection reset by peer"))

    # 2. A rule file and the engine (ingest-time semantics).
    rules = fer.load_rules(HERE / "rules.toml")
    engine = fer.Engine(rules)
    header = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
    for record in engine.process([header, *lines]):
        print(record["_messagetime"], record["_sourceCategory"], record.get("action"),
              record.get("src_ip"), "->", record.get("dest_ip"), record.get("status"))
    print("stats:", engine.stats.to_dict())

    # 3. A CloudWatch Logs subscription payload: _sourceName is the stream, _sourceHost the group.
    problems: list[tuple[str, str]] = []
    payload = DATA / "cloudwatch-vpc-event.json"
    messages = iter_messages([str(payload)], on_problem=lambda name, what: problems.append((name, what)))
    actions = Counter(record.get("action") for record in fer.Engine(rules).process(messages))
    print("CloudWatch actions:", dict(actions), "problems:", problems)


if __name__ == "__main__":
    main()
