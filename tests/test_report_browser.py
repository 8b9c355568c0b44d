"""The report opened in headless Chromium: scripts run without errors, every section and panel is
drawn, the screenshot is not blank, and the interactive touches (table sorting, tooltips) work.

Chromium is required (CI installs it): `apt-get update && apt-get install -y chromium`.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from fer.analytics import compute_panels, panel_index
from fer.report import render_html
from report_fixtures import generate_records

pytestmark = pytest.mark.browser

SECTIONS = ("overview", "accepts", "rejects", "traffic", "security_groups", "outliers")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    pytest.fail("headless Chromium is needed for the report tests: apt-get update && apt-get install -y chromium")


def run_chromium(page: Path, tmp_path: Path, *mode: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    command = [
        chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
        *mode, page.resolve().as_uri(),
    ]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result


def console_problems(stderr: str) -> list[str]:
    # Chromium logs every console message of the page as `INFO:CONSOLE…] "<text>", source: file://…`.
    # The renderer logs nothing, so any console line from the page (an uncaught error above all) is a bug.
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and rows of RGB(A) pixels of an 8-bit truecolour PNG (what Chromium writes)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, body = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, header
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = previous[x]
            c = previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r) for r in rows]


@pytest.fixture(scope="module")
def report_data() -> dict:
    return compute_panels(generate_records())


@pytest.fixture()
def report_page(tmp_path: Path, report_data: dict) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render_html(report_data), encoding="utf-8")
    return page


def test_harness_sees_uncaught_errors(tmp_path: Path) -> None:
    page = tmp_path / "boom.html"
    page.write_text("<html><body><script>throw new Error('boom')</script></body></html>")
    assert any("boom" in line for line in console_problems(run_chromium(page, tmp_path, "--dump-dom").stderr))


def test_scripts_run_and_draw_every_section(report_page: Path, tmp_path: Path, report_data: dict) -> None:
    result = run_chromium(report_page, tmp_path, "--dump-dom")
    assert console_problems(result.stderr) == []
    dom = result.stdout
    assert re.search(r'<body[^>]*data-rendered="true"', dom), dom[:2000]
    for section in SECTIONS:
        assert f'id="dash-{section}"' in dom, section
        assert f'href="#dash-{section}"' in dom, section
    for pid in panel_index(report_data):
        assert f'data-panel="{pid}"' in dom, pid
    assert dom.count("<svg") >= 25
    assert 'class="flag"' in dom  # the spike is drawn as a flagged point
    assert 'class="band"' in dom
    # Filters and outlier settings at the top.
    assert 'id="settings"' in dom and ">window<" in dom and ">threshold<" in dom
    # The hostile interface name is text, not markup.
    assert "<b>x</b>" not in dom
    assert "eni-&lt;/script&gt;&lt;b&gt;x&lt;/b&gt;" in dom


def test_panels_without_data_say_so(tmp_path: Path) -> None:
    page = tmp_path / "plain.html"
    page.write_text(render_html(compute_panels(generate_records(enriched=False))), encoding="utf-8")
    result = run_chromium(page, tmp_path, "--dump-dom")
    assert console_problems(result.stderr) == []
    dom = result.stdout
    section = dom.split('id="dash-security_groups"', 1)[1].split('id="dash-outliers"', 1)[0]
    assert section.count('data-empty="true"') == 6
    assert "VPC-JSON" in section
    assert "--geoip" in dom  # the locations panel says how to add a database


def test_screenshot_is_not_blank(report_page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "report.png"
    result = run_chromium(report_page, tmp_path, f"--screenshot={shot}", "--window-size=1280,2000",
                          "--hide-scrollbars")
    assert console_problems(result.stderr) == []
    width, height, rows = png_pixels(shot.read_bytes())
    assert (width, height) == (1280, 2000)
    bpp = len(rows[0]) // width
    colours = set()
    background = rows[-1][:3]
    different = 0
    for row in rows[::4]:
        for x in range(0, len(row), bpp * 4):
            pixel = row[x:x + 3]
            colours.add(pixel)
            different += pixel != background
    assert len(colours) > 50, len(colours)  # text, bars, lines, header: far from one flat colour
    assert different > 0.05 * (len(rows) // 4) * (width // 4)


def test_table_sorting_and_tooltips(report_page: Path, tmp_path: Path) -> None:
    # A copy of the report with a probe script that clicks and hovers after the renderer ran, then
    # writes what it saw into the DOM for --dump-dom.
    probe = """<script>
document.addEventListener("DOMContentLoaded", function () {
  var out = {};
  var table = document.querySelector('[data-panel="traffic.accepted_vs_rejected"] table');
  var th = table.querySelectorAll("th")[1];
  th.click();
  out.asc = Array.from(table.querySelectorAll("tbody tr td:first-child")).map(function (td) { return td.textContent; }).join(",");
  out.sortAttr = th.getAttribute("aria-sort");
  th.click();
  out.desc = Array.from(table.querySelectorAll("tbody tr td:first-child")).map(function (td) { return td.textContent; }).join(",");
  var bar = document.querySelector('[data-panel="overview.top_dest_ports"] rect.bar');
  bar.dispatchEvent(new MouseEvent("mousemove", {clientX: 100, clientY: 100, bubbles: true}));
  var tip = document.getElementById("tooltip");
  out.tip = tip.textContent; out.tipShown = tip.style.display;
  var hit = document.querySelector('[data-panel="traffic.records"] rect.hit');
  hit.dispatchEvent(new MouseEvent("mousemove", {clientX: 50, clientY: 50, bubbles: true}));
  out.seriesTip = tip.textContent;
  document.body.setAttribute("data-probe", JSON.stringify(out));
});
</script>"""
    page = tmp_path / "probe.html"
    page.write_text(report_page.read_text(encoding="utf-8").replace("</body>", probe + "</body>"), encoding="utf-8")
    result = run_chromium(page, tmp_path, "--dump-dom")
    assert console_problems(result.stderr) == []
    match = re.search(r'data-probe="([^"]*)"', result.stdout)
    assert match, result.stdout[:1000]
    import html
    import json

    seen = json.loads(html.unescape(match.group(1)))
    data = panel_index(compute_panels(generate_records()))
    rows = data["traffic.accepted_vs_rejected"]["rows"]
    by_records = sorted(rows, key=lambda r: r[1])
    assert seen["asc"] == ",".join(r[0] for r in by_records)
    assert seen["desc"] == ",".join(r[0] for r in reversed(by_records))
    assert seen["sortAttr"] == "ascending"
    first = data["overview.top_dest_ports"]["rows"][0]
    assert seen["tipShown"] == "block"
    assert seen["tip"].startswith(first["label"]) and f"{first['value']} records" in seen["tip"]
    assert "UTC" in seen["seriesTip"] and "records:" in seen["seriesTip"]
