"""The core command line: fer run, check, explain, test (api.md "Command line")."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

import fer
from fer.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "vpc_flow_logs" / "rules.toml"
EXAMPLE_JSON = ROOT / "examples" / "vpc_flow_logs" / "rules.sumo.json"
DATA = ROOT / "tests" / "data" / "vpc"
DEFAULT = DATA / "default-v2.log"


def records(text: str) -> list[dict]:
    return [orjson.loads(line) for line in text.splitlines()]


# ---- fer run


def test_run_writes_ndjson_and_a_summary(capsys):
    assert main(["run", "--rules", str(EXAMPLE), str(DEFAULT)]) == 0
    out, err = capsys.readouterr()
    rows = records(out)
    assert len(rows) == 7
    assert rows[0]["src_ip"] == "172.31.16.139" and rows[0]["_messagetime"] == 1418530010000
    assert rows[0]["_sourceCategory"] == "aws/vpc/flowlogs" and rows[0]["_raw"].startswith("2 1234")
    assert "messages in" in err and "records out" in err and "decode problems" in err
    line = next(line for line in err.splitlines() if line.startswith("VPCFlowLogFER"))
    assert line.split()[1:] == ["7", "7", "0"]


def test_run_s3_file_with_header_counts_exclusion(tmp_path, capsys):
    path = tmp_path / "flow.log.gz"
    header = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n"
    path.write_bytes(gzip.compress(header + DEFAULT.read_bytes()))
    assert main(["run", "--rules", str(EXAMPLE), str(path)]) == 0
    out, err = capsys.readouterr()
    assert len(records(out)) == 7
    assert any(line.split() == ["excluded", "1"] for line in err.splitlines())


def test_run_output_file_and_fields_only(tmp_path, capsys):
    target = tmp_path / "out.ndjson"
    code = main(["run", "--rules", str(EXAMPLE_JSON), "--category", "aws/vpc/flowlogs", "--fields-only",
                 "--output", str(target), str(DEFAULT)])
    assert code == 0
    assert capsys.readouterr().out == ""
    rows = records(target.read_text())
    assert len(rows) == 7 and all("_raw" not in row for row in rows)
    assert rows[3]["status"] == "SKIPDATA" and rows[3]["_sourceCategory"] == "aws/vpc/flowlogs"


def test_run_category_flag_overrides_source(capsys):
    assert main(["run", "--rules", str(EXAMPLE), "--category", "other", "--host", "h", "--name", "n",
                 str(DEFAULT)]) == 0
    row = records(capsys.readouterr().out)[0]
    assert row["_sourceCategory"] == "other" and row["_sourceHost"] == "h" and row["_sourceName"] == "n"
    assert "src_ip" not in row  # out of the rule's scope now


def test_run_directory_and_cloudwatch(tmp_path, capsys):
    folder = tmp_path / "AWSLogs" / "123456789010" / "vpcflowlogs" / "us-east-1" / "2024" / "03" / "14"
    folder.mkdir(parents=True)
    (folder / "a.log.gz").write_bytes(gzip.compress(DEFAULT.read_bytes()))
    assert main(["run", "--rules", str(EXAMPLE), str(tmp_path),
                 str(DATA / "cloudwatch-vpc-event.json")]) == 0
    rows = records(capsys.readouterr().out)
    assert len(rows) == 14
    assert rows[0]["_sourceName"] == "AWSLogs/123456789010/vpcflowlogs/us-east-1/2024/03/14/a.log.gz"
    assert rows[7]["_sourceName"] == "eni-1235b8ca123456789-all"
    assert rows[7]["_sourceHost"] == "VPCFlowLogs" and rows[7]["action"] == "ACCEPT"


def test_run_reads_stdin(monkeypatch, capsys):
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(DEFAULT.read_bytes())))
    assert main(["run", "--rules", str(EXAMPLE), "-"]) == 0
    assert len(records(capsys.readouterr().out)) == 7


def test_run_damaged_input_exits_1_and_keeps_the_rest(tmp_path, capsys):
    whole = gzip.compress(DEFAULT.read_bytes() * 200)
    cut = tmp_path / "cut.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    code = main(["run", "--rules", str(EXAMPLE), str(cut), str(tmp_path / "missing.log"), str(DEFAULT)])
    out, err = capsys.readouterr()
    assert code == 1
    assert f"{cut}: truncated" in err and "missing.log: cannot read" in err
    rows = records(out)
    assert 7 < len(rows) < 7 * 201 and rows[-1]["_raw"] == DEFAULT.read_text().splitlines()[-1]


def test_run_counts_decode_problems(tmp_path, capsys):
    path = tmp_path / "bad.log"
    path.write_bytes(b"caf\xe9\n")
    assert main(["run", "--rules", str(EXAMPLE), str(path)]) == 0
    out, err = capsys.readouterr()
    assert records(out)[0]["_raw"] == "caf\ufffd"
    assert any(line.split() == ["decode", "problems", "1"] for line in err.splitlines())


def test_run_bad_rule_file_exits_2(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nname = "B"\nparse = "parse (("\n')
    assert main(["run", "--rules", str(bad), str(DEFAULT)]) == 2
    err = capsys.readouterr().err
    assert str(bad) in err and "'B'" in err and "^" in err
    assert main(["run", "--rules", str(tmp_path / "none.toml"), str(DEFAULT)]) == 2


def test_run_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["run", "--rules", str(EXAMPLE), "--input-format", "xml"])
    assert caught.value.code == 2
    with pytest.raises(SystemExit) as caught:
        main(["run", str(DEFAULT)])  # --rules is required
    assert caught.value.code == 2


def test_run_unwritable_output_exits_2(tmp_path, capsys):
    assert main(["run", "--rules", str(EXAMPLE), "-o", str(tmp_path / "no" / "such" / "dir.json"),
                 str(DEFAULT)]) == 2


def test_python_dash_m_fer_run(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "fer", "run", "--rules", str(EXAMPLE), str(DEFAULT)],
        capture_output=True, cwd=tmp_path, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    rows = records(result.stdout.decode())
    assert [row["action"] for row in rows if "action" in row] == [
        "ACCEPT", "REJECT", "-", "-", "ACCEPT", "REJECT", "ACCEPT"]
    assert b"messages in" in result.stderr
    assert b"\r" not in result.stderr  # no progress line when stderr is not a terminal


# ---- fer check


def test_check_good_file(capsys):
    assert main(["check", str(EXAMPLE), str(EXAMPLE_JSON)]) == 0
    out = capsys.readouterr().out
    assert f"{EXAMPLE}: 2 rules OK" in out and f"{EXAMPLE_JSON}: 1 rule OK" in out


def test_check_lists_every_error(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[rule]]\nname = "One"\nparse = \'parse "a=* *" as a\'\n'
        '[[rule]]\nname = "Fine"\nparse = \'parse "a=*" as a\'\n'
        '[[rule]]\nname = "Two"\nscope = "x"\nparse = \'\'\'\njson "a"\n| where (\n\'\'\'\n'
    )
    assert main(["check", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "'One'" in out and "'Two'" in out and "'Fine'" not in out
    assert out.count("^") >= 2 and "1:" in out and "2:" in out
    assert f"{bad}: 2 errors" in out


def test_check_warnings(tmp_path, capsys):
    path = tmp_path / "w.toml"
    path.write_text('[[rule]]\nname = "A"\nparse = \'parse "a=*" as a\'\n'
                    '[[rule]]\nname = "B"\nparse = \'parse "a=*" as A\'\n')
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out
    assert "warning:" in out and "'A' is listed first and wins" in out


def test_check_missing_file(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nope.toml")]) == 2


# ---- fer explain


def test_explain_rule_file(capsys):
    assert main(["explain", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    rules = fer.load_rules(EXAMPLE)
    assert "VPCFlowLogFER" in out and "scope: _sourceCategory=aws/vpc/flowlogs" in out
    assert rules["VPCFlowLogFER"].pipeline.explain().strip() in out
    assert "timestamp: format epoch" in out


def test_explain_expression(capsys):
    expression = 'parse "user=*:" as user'
    assert main(["explain", expression]) == 0
    assert capsys.readouterr().out.strip() == fer.compile(expression).explain().strip()


def test_explain_bad_expression_exits_2(capsys):
    assert main(["explain", 'parse "a=*"']) == 2
    assert "^" in capsys.readouterr().err


# ---- fer test


def test_test_example_file_passes(capsys):
    assert main(["test", "-v", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    count = sum(len(rule.examples) for rule in fer.load_rules(EXAMPLE))
    assert f"{count} passed, 0 failed" in out
    assert "ok      VPCFlowLogFER example 1" in out


def test_test_failures_print_a_diff(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text("""
[source]
category = "c"

[[rule]]
name = "KV"
scope = "_sourceCategory=c"
parse = 'parse "a=* b=*;" as a, B'

[[rule.example]]
name = "right"
input = "a=1 b=2;"
fields = { a = "1", B = "2" }

[[rule.example]]
name = "wrong"
input = "a=1 b=2;"
fields = { a = "9", b = "2", c = "3" }

[[rule.example]]
name = "should drop"
input = "a=1 b=2;"
dropped = true

[[rule.example]]
name = "should match"
input = "nothing"
fields = { a = "1" }

[[rule.example]]
name = "out of scope"
input = { _raw = "a=1 b=2;", _sourceCategory = "d" }
dropped = true
""")
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out
    assert "2 passed, 3 failed" in out
    assert "different  a: expected '9', got '1'" in out
    assert "missing    b: expected '2' (the rule spells it 'B')" in out
    assert "missing    c: expected '3'" in out
    assert "unexpected B: '2'" in out
    assert "expected the rule to contribute nothing, but it matched" in out
    assert "its expression dropped the message" in out
    assert "KV example 2 (wrong)" in out


def test_test_runs_examples_of_disabled_rules(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('[[rule]]\nname = "Off"\nenabled = false\nparse = \'parse "a=*" as a\'\n'
                    '[[rule.example]]\ninput = "a=1"\nfields = { a = "1" }\n')
    assert main(["test", str(path)]) == 0
    assert "1 passed, 0 failed" in capsys.readouterr().out


def test_progress_counts_on_a_terminal_stream():
    from fer.cli._common import Progress, with_progress

    stream = io.StringIO()
    progress = Progress(stream)
    progress.INTERVAL = 0.0
    assert sum(1 for _ in with_progress(range(5000), progress)) == 5000
    text = stream.getvalue()
    assert "\r1,024 messages" in text and "5,000 messages" in text and text.endswith("\r\033[K")
    assert list(with_progress(iter("ab"), None)) == ["a", "b"]


def test_run_shows_progress_only_on_a_terminal(monkeypatch, capsys):
    monkeypatch.setattr("fer.cli.run._is_terminal", lambda stream: True)
    assert main(["run", "-q", "--rules", str(EXAMPLE), str(DEFAULT)]) == 0
    err = capsys.readouterr().err
    assert "7 messages" in err and "messages in" not in err  # -q: no summary
