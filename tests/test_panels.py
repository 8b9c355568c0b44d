"""Every panel of the six dashboards against an independent plain-Python computation.

The reference below reads the record dicts directly (no DuckDB, no fer.analytics code except the
outlier function, which tests/test_outlier.py checks on its own) and follows vpc-app.md §2/§3.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from fer.analytics import FilterError, OutlierError, ReportSettings, compute_panels, outlier, panel_index
from report_fixtures import DAY_MS, START_MS, flow_record, generate_records, write_ndjson

MB = 1024 * 1024
NAMES = {"1": "ICMP", "6": "TCP", "17": "UDP", "4": "IPv4", "41": "IPv6"}
FILTER_FIELD = {"DestinationIP": "dest_ip", "SourceIP": "src_ip", "security_grp_id": "security_grp_ids"}
NUMERIC = {"src_port", "dest_port", "protocol"}


# -- the reference ---------------------------------------------------------------------------------

def val(record: dict[str, Any], field: str) -> str | None:
    v = record.get(field)
    return None if v is None or v == "-" else str(v)


def num(record: dict[str, Any], field: str) -> int | None:
    v = record.get(field)
    return int(v) if isinstance(v, str) and re.fullmatch(r"[0-9]{1,30}", v) else None


def groups(record: dict[str, Any]) -> list[str]:
    text = record.get("security_grp_ids")
    try:
        parsed = json.loads(text) if isinstance(text, str) else None
    except ValueError:
        return []
    return sorted({str(g) for g in parsed if g not in (None, "-")}) if isinstance(parsed, list) else []


def matches(pattern: str, value: str | None) -> bool:
    if value is None:
        return False
    return re.fullmatch(".*".join(map(re.escape, pattern.split("*"))), value, re.S) is not None


def keep(record: dict[str, Any], filters: dict[str, str]) -> bool:
    for name, pattern in filters.items():
        if pattern == "*":
            continue
        field = FILTER_FIELD.get(name, name)
        if field == "security_grp_ids":
            if not any(matches(pattern, g) for g in groups(record)):
                return False
        elif not matches(pattern, None if record.get(field) is None else str(record[field])):
            return False
    return True


def key_order(key: str, numeric: bool) -> tuple[Any, ...]:
    if numeric and re.fullmatch(r"[0-9]{1,18}", key):
        return (0, int(key), key)
    return (1, 0, key) if numeric else (key,)


def ranked(totals: dict[str, int], numeric: bool, limit: int | None) -> list[tuple[str, int]]:
    items = sorted(totals.items(), key=lambda kv: (-kv[1], key_order(kv[0], numeric)))
    return items if limit is None else items[:limit]


def top(recs: Iterable[dict[str, Any]], field: str, measure: str = "records", limit: int | None = 10) -> list[tuple[str, int]]:
    totals: Counter[str] = Counter()
    for r in recs:
        k = val(r, field)
        if k is None:
            continue
        if measure == "records":
            totals[k] += 1
        else:
            n = num(r, measure)
            if n is not None:
                totals[k] += n
    return ranked(totals, field in NUMERIC, limit)


def per_bucket(recs: Iterable[dict[str, Any]], step: int, measure: str = "records") -> list[tuple[int, int]]:
    totals: dict[int, int] = {}
    for r in recs:
        ts = r.get("_messagetime")
        if ts is None:
            continue
        b = ts // step * step
        if measure == "records":
            totals[b] = totals.get(b, 0) + 1
        else:
            n = num(r, measure)
            if n is not None:
                totals[b] = totals.get(b, 0) + n
    return sorted(totals.items())


def split(recs: list[dict[str, Any]], field: str, step: int) -> list[tuple[str, list[tuple[int, int]]]]:
    by_key: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        if val(r, field) is not None and r.get("_messagetime") is not None:
            by_key[val(r, field)].append(r)  # type: ignore[index]
    order = ranked({k: len(v) for k, v in by_key.items()}, field in NUMERIC, None)
    return [(k, per_bucket(by_key[k], step)) for k, _ in order]


def bands(points: list[tuple[int, int]], s: ReportSettings) -> list[dict[str, Any]]:
    result = outlier(points, s.window, s.threshold, s.consecutive, s.direction, fill_missing=s.fill_missing, step=s.timeslice_ms)
    return [{f: getattr(p, f) for f in p.__slots__} for p in result]


def reference(records: list[dict[str, Any]], filters: dict[str, str], s: ReportSettings) -> dict[str, Any]:
    recs = [r for r in records if keep(r, filters)]
    step = s.timeslice_ms
    acc = [r for r in recs if r.get("action") == "ACCEPT"]
    rej = [r for r in recs if r.get("action") == "REJECT"]
    enriched = [r for r in recs if val(r, "vpc_id") is not None]
    exp: dict[str, Any] = {}
    exp["overview.records_by_action"] = top(recs, "action", limit=None)
    exp["overview.records_by_status"] = top(recs, "status", limit=None)
    exp["overview.top_sources_mb"] = top(recs, "src_ip", "bytes")
    exp["overview.top_destinations_mb"] = top(recs, "dest_ip", "bytes")
    exp["overview.top_dest_ports"] = top(recs, "dest_port")
    exp["overview.records_by_interface"] = top(recs, "interfaceid", limit=None)
    exp["overview.protocol_per_hour"] = [(NAMES.get(k, k), pts) for k, pts in split(recs, "protocol", 3_600_000)]
    exp["overview.rejections"] = per_bucket(rej, step)
    for name, subset in (("accepts", acc), ("rejects", rej)):
        exp[f"{name}.per_timeslice"] = bands(per_bucket(subset, step), s)
        for measure in ("bytes", "packets"):
            series = dict(per_bucket(subset, step, measure))
            exp[f"{name}.{measure}_compare"] = [
                (b, v, series.get(b - DAY_MS), series.get(b - 7 * DAY_MS)) for b, v in sorted(series.items())
            ]
        exp[f"{name}.top_interfaces"] = top(subset, "interfaceid")
        exp[f"{name}.top_protocols"] = top(subset, "protocol")
        exp[f"{name}.top_destinations"] = top(subset, "dest_ip")
    exp["rejects.top_sources"] = top(rej, "src_ip")
    exp["rejects.top_src_ports"] = top(rej, "src_port")
    exp["traffic.distinct"] = [len({val(r, "src_ip") for r in recs} - {None}), len({val(r, "dest_ip") for r in recs} - {None})]
    exp["traffic.accepted_vs_rejected"] = [
        [a, len(sub), sum(num(r, "bytes") or 0 for r in sub), sum(num(r, "bytes") or 0 for r in sub) / MB]
        for a, sub in (("ACCEPT", acc), ("REJECT", rej))
    ]
    exp["traffic.top_src_ports"] = top(recs, "src_port")
    exp["traffic.top_dest_ports"] = top(recs, "dest_port")
    for measure in ("records", "bytes", "packets"):
        exp[f"traffic.{measure}"] = bands(per_bucket(recs, step, measure), s)
    exp["outliers.bytes"] = exp["traffic.bytes"]
    exp["outliers.packets"] = exp["traffic.packets"]
    exp["outliers.accepts"] = exp["accepts.per_timeslice"]
    exp["outliers.rejects"] = exp["rejects.per_timeslice"]
    exp["enriched"] = bool(enriched)
    if enriched:
        exp["security_groups.top_vpcs_bytes"] = top(recs, "vpc_id", "bytes")
        exp["security_groups.top_subnets_bytes"] = top(recs, "subnet_id", "bytes")
        packets: Counter[str] = Counter()
        ports: dict[str, Counter[str]] = defaultdict(Counter)
        for r in recs:
            for g in groups(r):
                if num(r, "packets") is not None:
                    packets[g] += num(r, "packets")  # type: ignore[operator]
                if val(r, "dest_port") is not None:
                    ports[g][val(r, "dest_port")] += 1  # type: ignore[index]
        exp["security_groups.top_groups_packets"] = ranked(packets, False, 5)
        exp["security_groups.distinct"] = [
            len({val(r, "vpc_id") for r in recs} - {None}),
            len({val(r, "subnet_id") for r in recs} - {None}),
            len({g for r in recs for g in groups(r)}),
        ]
        exp["security_groups.dest_ports_by_group"] = [
            [g, p, n] for g in sorted(ports) for p, n in ranked(ports[g], True, 10)
        ]
        exp["security_groups.direction_per_timeslice"] = split(recs, "direction", step)
        for way in ("inbound", "outbound"):
            exp[f"outliers.{way}_bytes"] = bands(per_bucket([r for r in recs if r.get("direction") == way], step, "bytes"), s)
    exp["summary"] = {"records": len(records), "matched": len(recs), "enriched": len(enriched)}
    return exp


# -- comparing -------------------------------------------------------------------------------------

def pairs(panel: dict[str, Any]) -> list[tuple[str, Any]]:
    if panel["unit"] == "MB":
        for row in panel["rows"]:
            assert row["value"] == pytest.approx(row["bytes"] / MB)
        return [(row["key"], row["bytes"]) for row in panel["rows"]]
    return [(row["key"], row["value"]) for row in panel["rows"]]


def plain(panel: dict[str, Any]) -> list[tuple[str, list[tuple[int, int]]]]:
    return [(s["name"], [(p["bucket"], p["value"]) for p in s["points"]]) for s in panel["series"]]


def check_report(records: list[dict[str, Any]], got: dict[str, Any], filters: dict[str, str], s: ReportSettings) -> None:
    exp = reference(records, filters, s)
    panels = panel_index(got)
    assert {k: got["summary"][k] for k in exp["summary"]} == exp["summary"]
    assert [d["id"] for d in got["dashboards"]] == ["overview", "accepts", "rejects", "traffic", "security_groups", "outliers"]
    checked = set()
    for pid, expected in exp.items():
        if pid in ("summary", "enriched"):
            continue
        panel = panels[pid]
        checked.add(pid)
        kind = panel["kind"]
        if kind == "bars":
            actual: Any = pairs(panel)
        elif kind == "series" and panel.get("outlier"):
            actual = panel["series"][0]["points"] if panel["series"] else []
        elif kind == "series":
            actual = plain(panel)
            if pid == "overview.rejections":  # a single plain series
                actual = actual[0][1]
        elif kind == "comparison":
            actual = [(r["bucket"], r["value"], r["one_day_earlier"], r["seven_days_earlier"]) for r in panel["rows"]]
        elif kind == "stat":
            actual = [item["value"] for item in panel["items"]]
        elif kind == "table":
            actual = panel["rows"]
        else:  # pragma: no cover
            raise AssertionError(kind)
        assert actual == expected, pid
        assert (panel["note"] is None) == bool(expected) or kind in ("stat", "table"), pid
    sg = [p for p in panels.values() if p["id"].startswith("security_groups.")]
    assert len(sg) == 6
    if not exp["enriched"]:
        for panel in sg + [panels["outliers.inbound_bytes"], panels["outliers.outbound_bytes"]]:
            assert panel["note"] and "vpc_id" in panel["note"], panel["id"]
            assert panel.get("available") is False
    # Every panel of vpc-app.md §2 was compared (locations apart: tested with a GeoIP database).
    assert checked | {"overview.locations", "accepts.locations", "rejects.locations"} == set(panels) - (
        set() if exp["enriched"] else {p["id"] for p in sg} | {"outliers.inbound_bytes", "outliers.outbound_bytes"}
    )


# -- tests -----------------------------------------------------------------------------------------

RECORDS = generate_records()
PLAIN_RECORDS = generate_records(seed=11, count=300, enriched=False)


@pytest.fixture(scope="module")
def ndjson(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_ndjson(RECORDS, tmp_path_factory.mktemp("records") / "records.ndjson")


def test_defaults_in_memory() -> None:
    s = ReportSettings()
    check_report(RECORDS, compute_panels(RECORDS), {}, s)


def test_from_ndjson_file_same_as_in_memory(ndjson: Path) -> None:
    assert compute_panels(ndjson)["dashboards"] == compute_panels(RECORDS)["dashboards"]
    assert compute_panels([str(ndjson)])["inputs"] == [str(ndjson)]


def test_gzip_ndjson_and_several_files(tmp_path: Path) -> None:
    half = len(RECORDS) // 2
    first = write_ndjson(RECORDS[:half], tmp_path / "a.ndjson")
    second = tmp_path / "b.ndjson.gz"
    with gzip.open(second, "wb") as handle:
        for r in RECORDS[half:]:
            handle.write((json.dumps(r) + "\n").encode())
    check_report(RECORDS, compute_panels([first, second]), {}, ReportSettings())


def test_parquet(tmp_path: Path) -> None:
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    columns = sorted({k for r in RECORDS for k in r})
    table = pa.table({c: [r.get(c) for r in RECORDS] for c in columns})
    pq.write_table(table, tmp_path / "records.parquet")
    check_report(RECORDS, compute_panels(tmp_path / "records.parquet"), {}, ReportSettings())


def test_without_enrichment() -> None:
    got = compute_panels(PLAIN_RECORDS)
    assert got["summary"]["enriched"] == 0
    check_report(PLAIN_RECORDS, got, {}, ReportSettings())


@pytest.mark.parametrize(
    "filters",
    [
        {"SourceIP": "10.*"},
        {"DestinationIP": "*"},
        {"protocol": "6", "action": "ACCEPT"},
        {"dest_port": "70*", "action": "REJECT"},
        {"interfaceid": "*0002"},
        {"src_port": "4*"},
        {"security_grp_id": "sg-w*"},
        {"security_grp_id": "sg-db", "SourceIP": "*.*.*.*"},
        {"subnet_id": "subnet-0a0?"},
        {"vpc_id": "vpc-0bbb"},
        {"action": "accept"},
        {"SourceIP": "*:*"},
        {"SourceIP": "10_0*"},
    ],
)
def test_filters(filters: dict[str, str]) -> None:
    check_report(RECORDS, compute_panels(RECORDS, filters=filters), filters, ReportSettings())


def test_filter_without_enrichment_leaves_out_records_without_the_field() -> None:
    got = compute_panels(PLAIN_RECORDS, filters={"vpc_id": "*v*"})
    assert got["summary"]["matched"] == 0
    assert all(p["note"] for d in got["dashboards"] for p in d["panels"] if p["kind"] != "stat" and p["kind"] != "table")
    star = compute_panels(PLAIN_RECORDS, filters={"vpc_id": "*"})
    assert star["summary"]["matched"] == len(PLAIN_RECORDS)


@pytest.mark.parametrize(
    "settings",
    [
        ReportSettings(timeslice="5m"),
        ReportSettings(timeslice="30s", window=4, threshold=1.5, consecutive=2, direction="+"),
        ReportSettings(timeslice="2m", window=3, threshold=1, consecutive=3, direction="-"),
        ReportSettings(timeslice="1m", fill_missing=True, window=5, threshold=2),
        ReportSettings(timeslice="1h"),
    ],
)
def test_settings(settings: ReportSettings) -> None:
    check_report(RECORDS, compute_panels(RECORDS, settings=settings), {}, settings)


def test_top_ties_go_to_the_smaller_key() -> None:
    panels = panel_index(compute_panels(RECORDS, filters={"SourceIP": "198.51.100.*"}))
    assert pairs(panels["overview.top_dest_ports"]) == [("7000", 30), ("7001", 30)]
    assert pairs(panels["overview.top_sources_mb"]) == [("198.51.100.1", 30 * MB), ("198.51.100.2", 30 * MB)]
    assert panels["overview.top_sources_mb"]["rows"][0]["value"] == 30.0


def test_ports_rank_as_numbers() -> None:
    records = [
        flow_record(time_ms=START_MS, interface="eni-1", src="10.0.0.1", dst="10.0.0.2", src_port=p,
                    dest_port=p, protocol=proto, packets="1", size="1", action="ACCEPT")
        for p, proto in (("1000", "17"), ("22", "6"), ("9", "41"), ("abc", "4"))
    ]
    panels = panel_index(compute_panels(records))
    assert [k for k, _ in pairs(panels["overview.top_dest_ports"])] == ["9", "22", "1000", "abc"]
    assert [(r["key"], r["label"]) for r in panels["accepts.top_protocols"]["rows"]] == [
        ("4", "IPv4"), ("6", "TCP"), ("17", "UDP"), ("41", "IPv6")
    ]


def test_nodata_records_stay_out_of_keyed_panels_and_sums() -> None:
    nodata = [r for r in RECORDS if r["status"] in ("NODATA", "SKIPDATA")]
    panels = panel_index(compute_panels(nodata))
    assert pairs(panels["overview.records_by_status"]) == [("NODATA", 2), ("SKIPDATA", 1)]
    assert panels["overview.records_by_action"]["rows"] == []
    assert panels["overview.records_by_action"]["note"]
    assert panels["traffic.bytes"]["series"][0]["points"] == []
    assert [item["value"] for item in panels["traffic.distinct"]["items"]] == [0, 0]
    assert len(panels["traffic.records"]["series"][0]["points"]) == 3  # records do count


def test_bytes_per_vpc_count_each_flow_once() -> None:
    record = flow_record(time_ms=START_MS, interface="eni-0a1b2c3d4e5f60001", src="10.0.1.5", dst="8.8.8.8",
                         src_port="1", dest_port="443", protocol="6", packets="7", size="1000",
                         action="ACCEPT", enriched=True, direction="outbound")
    assert json.loads(record["security_grp_ids"]) == ["sg-web", "sg-ssh"]
    panels = panel_index(compute_panels([record]))
    assert pairs(panels["security_groups.top_vpcs_bytes"]) == [("vpc-0aaa", 1000)]
    assert pairs(panels["security_groups.top_subnets_bytes"]) == [("subnet-0a01", 1000)]
    assert pairs(panels["security_groups.top_groups_packets"]) == [("sg-ssh", 7), ("sg-web", 7)]


def test_comparisons_look_inside_the_records() -> None:
    panels = panel_index(compute_panels(RECORDS, filters={"SourceIP": "10.0.2.7", "dest_port": "53", "DestinationIP": "8.8.8.8"}))
    rows = {r["bucket"]: r for r in panels["accepts.bytes_compare"]["rows"]}
    today = START_MS + 2 * 60_000
    assert rows[today - 7 * DAY_MS]["one_day_earlier"] is None
    assert rows[today - DAY_MS]["seven_days_earlier"] is None


def test_outlier_series_flags_the_spike() -> None:
    panel = panel_index(compute_panels(RECORDS))["traffic.records"]
    points = panel["series"][0]["points"]
    spike = max(points, key=lambda p: p["value"])
    assert spike["bucket"] == START_MS + 12 * 60_000
    assert spike["indicator"] == 1 and spike["violation"] == 1
    assert points[-1]["indicator"] == 0


def test_record_without_messagetime_is_in_no_series() -> None:
    odd = [r for r in RECORDS if "_messagetime" not in r]
    assert len(odd) == 1
    panels = panel_index(compute_panels(odd))
    assert panels["traffic.records"]["series"][0]["points"] == []
    assert pairs(panels["overview.records_by_action"]) == [("ACCEPT", 1)]
    assert panels["traffic.accepted_vs_rejected"]["rows"][0][:3] == ["ACCEPT", 1, 0]  # "12x" bytes: no number


def test_settings_and_filters_are_reported() -> None:
    got = compute_panels(RECORDS, filters=["SourceIP=10.*", "dest_ip=*"], settings=ReportSettings(timeslice="5m", window=4))
    assert got["filters"] == {"SourceIP": "10.*", "DestinationIP": "*"}
    assert got["settings"]["timeslice_ms"] == 300_000 and got["settings"]["window"] == 4
    assert got["app"] == "vpc-flow-logs"
    json.dumps(got, allow_nan=False)


@pytest.mark.parametrize("bad", ["nope=1", "SourceIP", "=x"])
def test_bad_filters(bad: str) -> None:
    with pytest.raises(FilterError):
        compute_panels(RECORDS, filters=[bad])


@pytest.mark.parametrize("kwargs", [{"timeslice": "1x"}, {"timeslice": "0m"}, {"window": 0}, {"direction": "up"},
                                    {"consecutive": 0}, {"threshold": -2}])
def test_bad_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(OutlierError):
        ReportSettings(**kwargs)


def test_unreadable_records(tmp_path: Path) -> None:
    from fer.analytics.store import StoreError

    broken = tmp_path / "broken.ndjson"
    broken.write_text('{"action": "ACCEPT"}\n{"action": \n')
    with pytest.raises(StoreError):
        compute_panels(broken)
    with pytest.raises(StoreError, match="no such file"):
        compute_panels(tmp_path / "missing.ndjson")


def test_empty_input() -> None:
    got = compute_panels([])
    assert got["summary"]["records"] == 0
    assert all(p["note"] for d in got["dashboards"] for p in d["panels"] if p["kind"] not in ("stat", "table"))


def test_locations_with_geoip(tmp_path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    writer = MMDBWriter(ip_version=6, database_type="GeoIP2-City", ipv4_compatible=True)
    writer.insert_network(IPSet(["8.8.8.0/24"]), {
        "country": {"iso_code": "US", "names": {"en": "United States"}},
        "city": {"names": {"en": "Mountain View"}},
        "location": {"latitude": 37.386, "longitude": -122.0838},
    })
    writer.insert_network(IPSet(["2a02:cf40::/32"]), {"country": {"iso_code": "NO", "names": {"en": "Norway"}},
                                                       "location": {"latitude": 62.0, "longitude": 10.0}})
    # A private network in the database too: it must never be looked up.
    writer.insert_network(IPSet(["10.0.0.0/8"]), {"country": {"iso_code": "XX", "names": {"en": "Private"}}})
    path = tmp_path / "tiny.mmdb"
    writer.to_db_file(str(path))

    panels = panel_index(compute_panels(RECORDS, geoip=path))
    for pid, action in (("overview.locations", None), ("accepts.locations", "ACCEPT"), ("rejects.locations", "REJECT")):
        subset = [r for r in RECORDS if action is None or r.get("action") == action]
        us = sum(1 for r in subset if r.get("src_ip") == "8.8.8.8")
        no = sum(1 for r in subset if r.get("src_ip") == "2a02:cf40::1")
        public_unknown = sum(1 for r in subset if r.get("src_ip") in ("1.1.1.1", "81.2.69.160", "89.160.20.112",
                                                                      "216.160.83.56", "198.51.100.1", "198.51.100.2"))
        expected = sorted(
            [row for row in (
                {"country_code": "US", "country": "United States", "city": "Mountain View", "lat": 37.386, "lon": -122.0838, "records": us},
                {"country_code": "NO", "country": "Norway", "city": None, "lat": 62.0, "lon": 10.0, "records": no},
            ) if row["records"]],
            key=lambda r: (-r["records"], r["country"]),
        )
        panel = panels[pid]
        assert panel["rows"] == expected, pid
        # 198.51.100.0/24 is documentation space, not public: the generated sources 1.1.1.1 etc. are.
        assert panel["unlocated"] == public_unknown - sum(
            1 for r in subset if r.get("src_ip") in ("198.51.100.1", "198.51.100.2")), pid
        assert all(row["country"] != "Private" for row in panel["rows"])
        assert panel["note"] is None and panel["geoip"] == "tiny.mmdb"


def test_locations_without_geoip_say_how_to_add_one() -> None:
    panel = panel_index(compute_panels(RECORDS))["overview.locations"]
    assert panel["rows"] == [] and "--geoip" in panel["note"]


def test_bad_geoip_database(tmp_path: Path) -> None:
    from fer.analytics.geoip import GeoIPError

    bogus = tmp_path / "bogus.mmdb"
    bogus.write_bytes(b"not a database")
    with pytest.raises(GeoIPError):
        compute_panels(RECORDS, geoip=bogus)


def test_mb_values_are_bytes_over_1024_squared() -> None:
    for row in panel_index(compute_panels(RECORDS))["overview.top_destinations_mb"]["rows"]:
        assert math.isclose(row["value"], row["bytes"] / 1048576)


def test_in_memory_records_with_odd_text() -> None:
    # A lone surrogate (text read with surrogateescape) and a non-string key must not stop the report.
    record = {"_raw": "x\udc80", "src_ip": "10.0.0.1\udc80", "action": "ACCEPT", 1: 2, "_messagetime": START_MS}
    panels = panel_index(compute_panels([record]))
    assert pairs(panels["overview.records_by_action"]) == [("ACCEPT", 1)]
    assert [k for k, _ in pairs(panels["rejects.top_sources"])] == []
    assert panels["traffic.distinct"]["items"][0]["value"] == 1


def test_records_must_be_mappings() -> None:
    from fer.analytics.store import StoreError

    with pytest.raises(StoreError, match="mapping"):
        compute_panels([["not", "a", "record"]])  # type: ignore[list-item]
