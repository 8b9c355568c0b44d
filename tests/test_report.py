"""The HTML report (self-contained, safe embedding) and the `fer report` command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from fer.analytics import ReportSettings, compute_panels
from fer.cli import main
from fer.report import embed_json, render_html, write_report
from report_fixtures import generate_records, write_ndjson

RECORDS = generate_records()
SECTIONS = ("overview", "accepts", "rejects", "traffic", "security_groups", "outliers")
DATA_RE = re.compile(r'<script type="application/json" id="fer-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def records_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ndjson(RECORDS, tmp_path_factory.mktemp("report") / "records.ndjson")


@pytest.fixture(scope="module")
def page() -> str:
    return render_html(compute_panels(RECORDS))


def test_embedded_data_round_trips(page: str) -> None:
    match = DATA_RE.search(page)
    assert match is not None
    assert json.loads(match.group(1)) == json.loads(json.dumps(compute_panels(RECORDS)))


def test_record_text_cannot_break_out_of_the_script_tag(page: str) -> None:
    # The fixture holds an interface named `eni-</script><b>x</b>`.
    assert page.count("</script>") == 2  # the data element's and the renderer's own
    assert "<b>x</b>" not in page
    assert "eni-\\u003c/script\\u003e\\u003cb\\u003ex\\u003c/b\\u003e" in page


@pytest.mark.parametrize("text", ["</script>", "</SCRIPT >", "<!--", "<script>", "a & b", "\u2028", "]]>"])
def test_embed_json_escapes(text: str) -> None:
    embedded = embed_json({"k": [text]})
    assert "<" not in embedded and ">" not in embedded and "&" not in embedded and "\u2028" not in embedded
    assert json.loads(embedded) == {"k": [text]}


def test_everything_is_inline(page: str) -> None:
    assert "Content-Security-Policy" in page and "default-src 'none'" in page
    # No external resources of any kind: no src/href attributes pointing anywhere, no url(), no @import.
    assert not re.search(r"""\s(src|href)\s*=\s*["']?(https?:|//)""", page, re.I)
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", page, re.I)
    assert "url(" not in page and "@import" not in page
    assert "fetch(" not in page and "XMLHttpRequest" not in page


def test_title_is_escaped() -> None:
    html = render_html(compute_panels(RECORDS[:5]), title="<img src=x onerror=alert(1)>")
    assert "<title>&lt;img src=x onerror=alert(1)&gt;</title>" in html


def test_renderer_never_parses_data_as_html(page: str) -> None:
    script = page.split('<script>\n', 1)[1]
    assert "innerHTML" not in script and "insertAdjacentHTML" not in script and "document.write" not in script


def test_write_report(tmp_path: Path) -> None:
    target = write_report(compute_panels(RECORDS), tmp_path / "r.html", title="VPC")
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


# -- command line ----------------------------------------------------------------------------------

def test_cli_html(records_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "report.html"
    assert main(["report", "--app", "vpc-flow-logs", str(records_file), "--output", str(out)]) == 0
    html = out.read_text(encoding="utf-8")
    data = json.loads(DATA_RE.search(html).group(1))  # type: ignore[union-attr]
    assert [d["id"] for d in data["dashboards"]] == list(SECTIONS)
    assert data["summary"]["records"] == len(RECORDS)
    assert "records" in capsys.readouterr().err


def test_cli_json_with_settings_and_filters(records_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([
        "report", "--app", "vpc-flow-logs", str(records_file), "--json", "--timeslice", "5m", "--window", "4",
        "--threshold", "2.5", "--consecutive", "2", "--direction", "+", "--filter", "SourceIP=10.*",
        "--filter", "protocol=6",
    ])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    assert data["settings"] == {"timeslice": "5m", "timeslice_ms": 300000, "window": 4, "threshold": 2.5,
                                "consecutive": 2, "direction": "+", "fill_missing": False}
    assert data["filters"] == {"SourceIP": "10.*", "protocol": "6"}
    expected = compute_panels(records_file, filters={"SourceIP": "10.*", "protocol": "6"}, settings=ReportSettings(
        timeslice="5m", window=4, threshold=2.5, consecutive=2, direction="+"))
    assert data["dashboards"] == json.loads(json.dumps(expected["dashboards"]))


def test_cli_json_to_file(records_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "panels.json"
    assert main(["report", str(records_file), "--json", "--output", str(out)]) == 0
    assert json.loads(out.read_text())["app"] == "vpc-flow-logs"


@pytest.mark.parametrize(
    "extra",
    [
        ["--filter", "nosuch=1"],
        ["--filter", "SourceIP"],
        ["--timeslice", "1 minute"],
        ["--window", "0"],
        ["--consecutive", "0"],
        ["--threshold", "-1"],
        ["--input-format", "lines"],
        ["--geoip", "/nonexistent/geo.mmdb"],
    ],
)
def test_cli_bad_usage_exits_2(records_file: Path, extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(records_file), "--json", *extra]) == 2
    assert "fer report:" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [
    ["report", "--direction", "up", "x.ndjson", "--json"],
    ["report", "--app", "other", "x.ndjson", "--json"],
    ["report", "--json"],
    ["report", "--window", "ten", "x.ndjson", "--json"],
])
def test_cli_argparse_errors_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2


def test_cli_html_needs_output(records_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(records_file)]) == 2
    assert "--output" in capsys.readouterr().err


def test_cli_unreadable_records_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"action": \n')
    assert main(["report", str(broken), "--json"]) == 1
    assert main(["report", str(tmp_path / "missing.ndjson"), "--json"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_cli_bad_rule_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "--rules", str(tmp_path / "missing.toml"), "raw.log", "--json"]) == 2


def test_cli_rules_extract_and_report(capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parent.parent
    code = main(["report", "--rules", str(root / "examples/vpc_flow_logs/rules.toml"),
                 str(root / "tests/data/vpc/default-v2.log"), "--json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    panels = {p["id"]: p for d in data["dashboards"] for p in d["panels"]}
    assert data["summary"]["records"] == 7
    statuses = {r["key"]: r["value"] for r in panels["overview.records_by_status"]["rows"]}
    assert statuses == {"OK": 5, "NODATA": 1, "SKIPDATA": 1}
    actions = {r["key"]: r["value"] for r in panels["overview.records_by_action"]["rows"]}
    assert sum(actions.values()) == 5 and set(actions) == {"ACCEPT", "REJECT"}


def test_help_lists_report(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["report", "--help"])
    out = capsys.readouterr().out
    for option in ("--app", "--output", "--json", "--timeslice", "--window", "--threshold", "--consecutive",
                   "--direction", "--filter", "--geoip", "--rules"):
        assert option in out
