"""Analytics over extracted records: exact outlier analysis and the VPC Flow Logs app's panels.

`outlier` and `OutlierPoint` are pure Python; `compute_panels` needs the `report` extra (DuckDB, and
maxminddb for GeoIP), imported only when it runs.
"""

from __future__ import annotations

from fer.analytics.filters import FILTER_FIELDS, Filter, FilterError, parse_filter, wildcard_match
from fer.analytics.outlier import OutlierError, OutlierPoint, outlier
from fer.analytics.panels import DASHBOARDS, compute_panels, panel_index, protocol_name
from fer.analytics.settings import ReportSettings, parse_timeslice

__all__ = [
    "outlier",
    "OutlierPoint",
    "OutlierError",
    "compute_panels",
    "panel_index",
    "protocol_name",
    "DASHBOARDS",
    "ReportSettings",
    "parse_timeslice",
    "Filter",
    "FilterError",
    "FILTER_FIELDS",
    "parse_filter",
    "wildcard_match",
]
