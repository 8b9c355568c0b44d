"""The VPC Flow Logs app as one self-contained, interactive HTML report.

    >>> from fer.analytics import compute_panels
    >>> from fer.report import write_report
    >>> write_report(compute_panels("records.ndjson"), "report.html")  # doctest: +SKIP
"""

from __future__ import annotations

from fer.report.html import embed_json, render_html, write_report

__all__ = ["render_html", "write_report", "embed_json"]
