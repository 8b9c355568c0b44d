"""The six dashboards of the VPC Flow Logs app as data (vpc-app.md §2, with the rules of §3).

`compute_panels(records, filters=…, settings=…, geoip=…)` returns one JSON-ready dict:

    {"app": "vpc-flow-logs", "settings": {...}, "filters": {...}, "summary": {...},
     "dashboards": [{"id": "overview", "title": "Overview", "panels": [panel, ...]}, ...]}

Every panel has `id` (`dashboard.name`), `title`, `kind` and `note` (None, or why it is empty).
Kinds and their data:

- `bars`: `rows` of `{key, label, value}` (plus `bytes` for MB panels), ranked.
- `stat`: `items` of `{label, value}`.
- `table`: `columns` and `rows` (lists).
- `series`: `series` of `{name, points}`; with `outlier: true` every point carries the fields of
  `fer.analytics.OutlierPoint`, otherwise `{bucket, value}`. `step` is the bucket width in ms.
- `comparison`: `rows` of `{bucket, value, one_day_earlier, seven_days_earlier}`.
- `locations`: `rows` of `{country_code, country, city, lat, lon, records}` and `unlocated`.

Rules: `-` (and an absent field) is left out of panels keyed by the field and of sums over it; top
lists are ranked by their measure, ties going to the smaller key (ports and protocols compare as
numbers, other keys as text); MB = bytes / 1024²; buckets are `_messagetime` floored to the timeslice
(UTC epoch ms); records without `_messagetime` are in no time series. Decided here where the spec
is silent: "records by action/status/interface" list every key (no top cut); "destination ports by
security group" lists every group with its top 10 ports; a record's groups are counted once each
even if its list repeats one; `fill_missing` fills the empty buckets between a series' first and
last points; the one/seven-day lookups need the timeslice to divide a day (else they are null).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from fer.analytics.filters import Filter, normalize_filters
from fer.analytics.geoip import NO_GEOIP_NOTE, GeoLocator
from fer.analytics.outlier import outlier
from fer.analytics.settings import ReportSettings
from fer.analytics.store import RecordSource, Store

__all__ = ["compute_panels", "panel_index", "protocol_name", "PROTOCOL_NAMES", "DASHBOARDS", "MB", "DAY_MS"]

APP = "vpc-flow-logs"
MB = 1024 * 1024
DAY_MS = 86_400_000
HOUR_MS = 3_600_000
PROTOCOL_NAMES: dict[str, str] = {"1": "ICMP", "6": "TCP", "17": "UDP", "4": "IPv4", "41": "IPv6"}
DASHBOARDS: tuple[tuple[str, str], ...] = (
    ("overview", "Overview"),
    ("accepts", "Accepts"),
    ("rejects", "Rejects"),
    ("traffic", "Traffic"),
    ("security_groups", "Security Groups"),
    ("outliers", "Outliers"),
)
NUMERIC_KEYS = frozenset({"src_port", "dest_port", "protocol"})
NO_DATA_NOTE = "No records with data for this panel (after the filters)."
NO_ENRICHMENT_NOTE = (
    "Needs records enriched by VPC-JSON collection with security group information (vpc_id, "
    "subnet_id, security_grp_ids, direction); none of the records given (after the filters) carry vpc_id."
)


def protocol_name(number: str) -> str:
    """IANA protocol number → the name the app shows (1 ICMP, 6 TCP, 17 UDP, 4 IPv4, 41 IPv6)."""
    return PROTOCOL_NAMES.get(number, number)


def _key_order(column: str, numeric: bool) -> str:
    if numeric:
        return (f"CASE WHEN regexp_full_match({column}, '[0-9]{{1,18}}') THEN CAST({column} AS BIGINT) END "
                f"ASC NULLS LAST, {column} ASC")
    return f"{column} ASC"


_MEASURES = {
    "records": ("count(*)", "true"),
    "bytes": ("sum(nbytes)", "nbytes IS NOT NULL"),
    "packets": ("sum(npackets)", "npackets IS NOT NULL"),
}


def _panel(pid: str, title: str, kind: str, note: str | None = None, **data: Any) -> dict[str, Any]:
    return {"id": pid, "title": title, "kind": kind, "note": note, **data}


class _Builder:
    """Runs the panel queries against one Store."""

    def __init__(self, store: Store, settings: ReportSettings, geoip: GeoLocator | None) -> None:
        self.store = store
        self.settings = settings
        self.step = settings.timeslice_ms
        self.geoip = geoip

    # -- queries -------------------------------------------------------------------------------

    def top(self, key: str, measure: str = "records", where: str = "true",
            limit: int | None = 10) -> list[tuple[str, int]]:
        agg, present = _MEASURES[measure]
        order = _key_order("k", key in NUMERIC_KEYS)
        limit_sql = f" LIMIT {int(limit)}" if limit is not None else ""
        return self.store.query(
            f'SELECT "{key}" AS k, {agg} AS v FROM f WHERE "{key}" IS NOT NULL AND {present} AND ({where}) '
            f"GROUP BY k ORDER BY v DESC, {order}{limit_sql}"
        )

    def series(self, measure: str = "records", where: str = "true", column: str = "bucket") -> list[tuple[int, int]]:
        agg, present = _MEASURES[measure]
        return self.store.query(
            f"SELECT {column} AS b, {agg} AS v FROM f WHERE {column} IS NOT NULL AND {present} AND ({where}) "
            "GROUP BY b ORDER BY b"
        )

    def split_series(self, key: str, column: str = "bucket") -> list[dict[str, Any]]:
        """Records per bucket, one series per value of `key`; series ordered by total records."""
        rows = self.store.query(
            f'SELECT "{key}" AS k, {column} AS b, count(*) AS v FROM f '
            f'WHERE "{key}" IS NOT NULL AND {column} IS NOT NULL GROUP BY k, b ORDER BY b'
        )
        by_key: dict[str, list[dict[str, Any]]] = {}
        for k, b, v in rows:
            by_key.setdefault(k, []).append({"bucket": b, "value": v})
        # The same ranking as the top lists: most records first, ties to the smaller key.
        order = [k for k, _ in self.top(key, limit=None, where=f"{column} IS NOT NULL")]
        return [{"name": k, "points": by_key[k]} for k in order]

    # -- panel shapes --------------------------------------------------------------------------

    def bars(self, pid: str, title: str, key: str, measure: str = "records", where: str = "true",
             limit: int | None = 10, unit: str | None = None) -> dict[str, Any]:
        rows = []
        for k, v in self.top(key, measure, where, limit):
            label = protocol_name(k) if key == "protocol" else k
            if unit == "MB":
                rows.append({"key": k, "label": label, "value": v / MB, "bytes": v})
            else:
                rows.append({"key": k, "label": label, "value": v})
        return _panel(pid, title, "bars", None if rows else NO_DATA_NOTE, unit=unit or measure, rows=rows)

    def outlier_series(self, pid: str, title: str, measure: str = "records", where: str = "true",
                       unit: str | None = None) -> dict[str, Any]:
        s = self.settings
        points = outlier(
            self.series(measure, where), s.window, s.threshold, s.consecutive, s.direction,
            fill_missing=s.fill_missing, step=self.step,
        )
        data = [asdict(p) for p in points]
        return _panel(pid, title, "series", None if data else NO_DATA_NOTE, outlier=True, step=self.step,
                      unit=unit or measure, series=[{"name": unit or measure, "points": data}])

    def plain_series(self, pid: str, title: str, measure: str = "records", where: str = "true") -> dict[str, Any]:
        data = [{"bucket": b, "value": v} for b, v in self.series(measure, where)]
        return _panel(pid, title, "series", None if data else NO_DATA_NOTE, outlier=False, step=self.step,
                      unit=measure, series=[{"name": measure, "points": data}])

    def comparison(self, pid: str, title: str, measure: str, where: str) -> dict[str, Any]:
        values = dict(self.series(measure, where))
        # "One day / seven days earlier" looks inside the records given: the same series' bucket
        # shifted back, None when that bucket had no records (or is off the timeslice grid).
        rows = [
            {"bucket": b, "value": v, "one_day_earlier": values.get(b - DAY_MS),
             "seven_days_earlier": values.get(b - 7 * DAY_MS)}
            for b, v in values.items()
        ]
        return _panel(pid, title, "comparison", None if rows else NO_DATA_NOTE, unit=measure, step=self.step, rows=rows)

    def locations(self, pid: str, title: str, where: str = "true") -> dict[str, Any]:
        if self.geoip is None:
            return _panel(pid, title, "locations", NO_GEOIP_NOTE, rows=[], unlocated=0, geoip=None)
        counts = self.store.query(
            f"SELECT src_ip, count(*) FROM f WHERE src_ip IS NOT NULL AND ({where}) GROUP BY src_ip"
        )
        rows, unlocated = self.geoip.tally(counts)
        note = None if rows else "No public source addresses with a known location (after the filters)."
        return _panel(pid, title, "locations", note, rows=rows, unlocated=unlocated,
                      geoip=os.path.basename(self.geoip.path))

    # -- dashboards ----------------------------------------------------------------------------

    def overview(self) -> list[dict[str, Any]]:
        protocol_series = self.split_series("protocol", column="hour")
        for item in protocol_series:
            item["key"], item["name"] = item["name"], protocol_name(item["name"])
        return [
            self.bars("overview.records_by_action", "Records by action", "action", limit=None),
            self.bars("overview.records_by_status", "Records by log status", "status", limit=None),
            self.bars("overview.top_sources_mb", "Top 10 source addresses by MB", "src_ip", "bytes", unit="MB"),
            self.bars("overview.top_destinations_mb", "Top 10 destination addresses by MB", "dest_ip", "bytes", unit="MB"),
            self.bars("overview.top_dest_ports", "Top 10 destination ports", "dest_port"),
            self.bars("overview.records_by_interface", "Records by interface", "interfaceid", limit=None),
            _panel("overview.protocol_per_hour", "Records per protocol per hour", "series",
                   None if protocol_series else NO_DATA_NOTE, outlier=False, step=HOUR_MS, unit="records",
                   series=protocol_series),
            self.plain_series("overview.rejections", "Rejections per timeslice", where="action = 'REJECT'"),
            self.locations("overview.locations", "Source address locations"),
        ]

    def action_dashboard(self, name: str, action: str) -> list[dict[str, Any]]:
        where = f"action = '{action}'"  # a constant of this module, never user text
        noun = "accepts" if action == "ACCEPT" else "rejects"
        Noun = noun.capitalize()
        panels = [
            self.outlier_series(f"{name}.per_timeslice", f"{Noun} per timeslice (outlier)", where=where),
            self.comparison(f"{name}.bytes_compare", f"Bytes {action.lower()}ed per timeslice vs one and seven days earlier", "bytes", where),
            self.comparison(f"{name}.packets_compare", f"Packets {action.lower()}ed per timeslice vs one and seven days earlier", "packets", where),
            self.bars(f"{name}.top_interfaces", f"Top 10 {noun} by interface", "interfaceid", where=where),
            self.bars(f"{name}.top_protocols", f"Top 10 {noun} by protocol", "protocol", where=where),
            self.bars(f"{name}.top_destinations", f"Top 10 destination addresses of {noun}", "dest_ip", where=where),
        ]
        if action == "REJECT":
            panels += [
                self.bars(f"{name}.top_sources", "Top 10 rejected source addresses", "src_ip", where=where),
                self.bars(f"{name}.top_src_ports", "Top 10 rejected source ports", "src_port", where=where),
            ]
        panels.append(self.locations(f"{name}.locations", f"Locations of {action.lower()}ed sources", where))
        return panels

    def traffic(self) -> list[dict[str, Any]]:
        (sources, destinations), = self.store.query("SELECT count(DISTINCT src_ip), count(DISTINCT dest_ip) FROM f")
        rows = []
        for action in ("ACCEPT", "REJECT"):
            (records, total), = self.store.query(
                "SELECT count(*), coalesce(sum(nbytes), 0) FROM f WHERE action = ?", [action]
            )
            rows.append([action, records, total, total / MB])
        has_actions = any(row[1] for row in rows)
        return [
            _panel("traffic.distinct", "Distinct sources and destinations", "stat",
                   None if sources or destinations else NO_DATA_NOTE,
                   items=[{"label": "Distinct sources", "value": sources},
                          {"label": "Distinct destinations", "value": destinations}]),
            _panel("traffic.accepted_vs_rejected", "Accepted vs rejected", "table",
                   None if has_actions else NO_DATA_NOTE,
                   columns=["action", "records", "bytes", "MB"], rows=rows),
            self.bars("traffic.top_src_ports", "Top 10 source ports", "src_port"),
            self.bars("traffic.top_dest_ports", "Top 10 destination ports", "dest_port"),
            self.outlier_series("traffic.records", "Records per timeslice (outlier)"),
            self.outlier_series("traffic.bytes", "Bytes per timeslice (outlier)", "bytes"),
            self.outlier_series("traffic.packets", "Packets per timeslice (outlier)", "packets"),
        ]

    def security_groups(self, enriched: bool) -> list[dict[str, Any]]:
        titles = [
            ("security_groups.top_vpcs_bytes", "Top 10 VPCs by bytes", "bars"),
            ("security_groups.top_subnets_bytes", "Top 10 subnets by bytes", "bars"),
            ("security_groups.top_groups_packets", "Top 5 security groups by packets", "bars"),
            ("security_groups.distinct", "Distinct VPCs, subnets and security groups", "stat"),
            ("security_groups.dest_ports_by_group", "Destination ports by security group", "table"),
            ("security_groups.direction_per_timeslice", "Records per timeslice by direction", "series"),
        ]
        if not enriched:
            return [_panel(pid, title, kind, NO_ENRICHMENT_NOTE, available=False) for pid, title, kind in titles]
        groups = "(SELECT unnest(groups) AS grp, dest_port, npackets FROM f)"
        top_groups = self.store.query(
            f"SELECT grp, sum(npackets) AS v FROM {groups} WHERE npackets IS NOT NULL GROUP BY grp "
            "ORDER BY v DESC, grp LIMIT 5"
        )
        (vpcs, subnets), = self.store.query("SELECT count(DISTINCT vpc_id), count(DISTINCT subnet_id) FROM f")
        (group_count,), = self.store.query(f"SELECT count(DISTINCT grp) FROM {groups}")
        port_order = _key_order("dest_port", True)
        port_rows = self.store.query(
            f"SELECT grp, dest_port, n FROM (SELECT grp, dest_port, count(*) AS n, row_number() OVER "
            f"(PARTITION BY grp ORDER BY count(*) DESC, {port_order}) AS rn FROM {groups} "
            f"WHERE dest_port IS NOT NULL GROUP BY grp, dest_port) WHERE rn <= 10 ORDER BY grp, n DESC, {port_order}"
        )
        direction_series = self.split_series("direction")
        group_rows = [{"key": g, "label": g, "value": v} for g, v in top_groups]
        return [
            # Grouping by vpc_id/subnet_id reads each flow once, whatever number of groups it has.
            self.bars(titles[0][0], titles[0][1], "vpc_id", "bytes"),
            self.bars(titles[1][0], titles[1][1], "subnet_id", "bytes"),
            _panel(titles[2][0], titles[2][1], "bars", None if group_rows else NO_DATA_NOTE, unit="packets", rows=group_rows),
            _panel(titles[3][0], titles[3][1], "stat", None,
                   items=[{"label": "VPCs", "value": vpcs}, {"label": "Subnets", "value": subnets},
                          {"label": "Security groups", "value": group_count}]),
            _panel(titles[4][0], titles[4][1], "table", None if port_rows else NO_DATA_NOTE,
                   columns=["security group", "dest_port", "records"], rows=[list(r) for r in port_rows]),
            _panel(titles[5][0], titles[5][1], "series", None if direction_series else NO_DATA_NOTE,
                   outlier=False, step=self.step, unit="records", series=direction_series),
        ]

    def outliers(self, enriched: bool) -> list[dict[str, Any]]:
        panels = [
            self.outlier_series("outliers.bytes", "Bytes per timeslice (outlier)", "bytes"),
            self.outlier_series("outliers.packets", "Packets per timeslice (outlier)", "packets"),
            self.outlier_series("outliers.accepts", "Accepts per timeslice (outlier)", where="action = 'ACCEPT'", unit="accepts"),
            self.outlier_series("outliers.rejects", "Rejects per timeslice (outlier)", where="action = 'REJECT'", unit="rejects"),
        ]
        for way in ("inbound", "outbound"):
            pid, title = f"outliers.{way}_bytes", f"{way.capitalize()} bytes per timeslice (outlier)"
            if enriched:
                panels.append(self.outlier_series(pid, title, "bytes", where=f"direction = '{way}'"))
            else:
                panels.append(_panel(pid, title, "series", NO_ENRICHMENT_NOTE, available=False, outlier=True,
                                     step=self.step, unit="bytes", series=[]))
        return panels


def compute_panels(
    records: RecordSource,
    *,
    filters: Mapping[str, str] | Iterable[Filter | str] | None = None,
    settings: ReportSettings | None = None,
    geoip: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Every panel of the six dashboards for `records`.

    `records` is an NDJSON or Parquet file (or a list of them; `.gz` NDJSON too), read by DuckDB in
    place, or an iterable of record dicts. `filters` are the app's filters (`{"SourceIP": "10.*"}` or
    `["SourceIP=10.*"]`); `settings` the timeslice and outlier parameters; `geoip` a `.mmdb` file.
    """
    settings = settings or ReportSettings()
    chosen = normalize_filters(filters)
    locator = GeoLocator(geoip) if geoip is not None else None
    try:
        with Store(records, chosen, settings.timeslice_ms) as store:
            (total, kept, enriched_count, first, last), = store.query(
                "SELECT count(*), count(*) FILTER (WHERE keep), count(*) FILTER (WHERE keep AND vpc_id IS NOT NULL), "
                "min(ts) FILTER (WHERE keep), max(ts) FILTER (WHERE keep) FROM t"
            )
            enriched = enriched_count > 0
            builder = _Builder(store, settings, locator)
            panels = {
                "overview": builder.overview(),
                "accepts": builder.action_dashboard("accepts", "ACCEPT"),
                "rejects": builder.action_dashboard("rejects", "REJECT"),
                "traffic": builder.traffic(),
                "security_groups": builder.security_groups(enriched),
                "outliers": builder.outliers(enriched),
            }
            inputs = store.inputs
    finally:
        if locator is not None:
            locator.close()
    return {
        "app": APP,
        "inputs": inputs,
        "settings": settings.as_dict(),
        "filters": {f.name: f.pattern for f in chosen},
        "summary": {
            "records": total,
            "matched": kept,
            "enriched": enriched_count,
            "first": first,
            "last": last,
        },
        "dashboards": [{"id": d, "title": t, "panels": panels[d]} for d, t in DASHBOARDS],
    }


def panel_index(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Panels of a computed report by id (`"overview.top_dest_ports"` → panel)."""
    return {p["id"]: p for d in report["dashboards"] for p in d["panels"]}

