"""The self-contained HTML report: panel data, styles and the chart renderer inlined in one file.

Nothing is fetched when the file is opened: no CDN, no fonts, no images. A Content-Security-Policy
says so to the browser as well. The panel data is embedded as JSON in a
`<script type="application/json">` element with `<`, `>` and `&` written as `\\u003c`, `\\u003e`,
`\\u0026`, so that no record text (`</script>`, `<!--`) can end the element early.
"""

from __future__ import annotations

import html
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any, Mapping

__all__ = ["render_html", "write_report", "embed_json"]

_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"


def _asset(name: str) -> str:
    return resources.files("fer.report").joinpath("assets", name).read_text(encoding="utf-8")


def embed_json(data: Any) -> str:
    """JSON text safe inside a `<script>` element (and still valid JSON for `JSON.parse`)."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    # `<`, `>` and `&` only ever occur inside JSON strings, where a \\u escape means the same thing.
    # U+2028/2029 are escaped too: valid in JSON, but old JavaScript engines choke on them.
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def render_html(report: Mapping[str, Any], *, title: str = "Amazon VPC Flow Logs") -> str:
    """The whole report page for panel data computed by `fer.analytics.compute_panels`."""
    # The script and style assets are ours, but a `</script>` or `</style>` in them would still end
    # the element; refuse rather than emit a broken page.
    script, style = _asset("report.js"), _asset("report.css")
    if "</script" in script.lower() or "</style" in style.lower():  # pragma: no cover - asset bug
        raise ValueError("report assets must not contain closing script/style tags")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="fer report">\n'
        f"<title>{html.escape(title)}</title>\n<style>\n{style}</style>\n</head>\n<body>\n"
        "<noscript><p>This report draws its charts with JavaScript; please enable it.</p></noscript>\n"
        '<div id="app"></div>\n'
        f'<script type="application/json" id="fer-data">{embed_json(report)}</script>\n'
        f"<script>\n{script}</script>\n</body>\n</html>\n"
    )


def write_report(report: Mapping[str, Any], path: str | os.PathLike[str], *, title: str = "Amazon VPC Flow Logs") -> Path:
    """Write the report page to `path` (UTF-8) and return the path."""
    target = Path(path)
    target.write_text(render_html(report, title=title), encoding="utf-8")
    return target
