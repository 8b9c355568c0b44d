/* fer report renderer: draws the panel data embedded in #fer-data as SVG charts and tables.
   Vanilla JS, no libraries, nothing fetched. Record text is only ever set with textContent or
   setAttribute, never parsed as HTML, so field values cannot inject markup. */
(function () {
  "use strict";
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#1f6feb", "#e16f24", "#1a7f37", "#8250df", "#bf3989", "#0a7ea4", "#9a6700", "#57606a"];
  var tooltip;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function sv(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "\u2013";
    if (typeof v !== "number") return String(v);
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    var a = Math.abs(v);
    return v.toLocaleString("en-US", { maximumFractionDigits: a >= 100 ? 1 : a >= 1 ? 2 : 4 });
  }
  function utc(ms) {
    if (ms === null || ms === undefined) return "\u2013";
    return new Date(ms).toISOString().replace("T", " ").slice(0, 16) + " UTC";
  }
  function shortTime(ms, span) {
    var s = new Date(ms).toISOString();
    return span > 2 * 86400000 ? s.slice(5, 10) + " " + s.slice(11, 16) : s.slice(11, 16);
  }
  function niceMax(v) {
    if (!(v > 0)) return 1;
    var p = Math.pow(10, Math.floor(Math.log10(v))), m = v / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }

  /* -- tooltip ------------------------------------------------------------------------------ */
  function tip(node, textFn) {
    node.addEventListener("mousemove", function (ev) {
      tooltip.textContent = textFn();
      tooltip.style.display = "block";
      var x = ev.clientX + 14, y = ev.clientY + 14;
      var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
      if (x + w > window.innerWidth - 4) x = ev.clientX - w - 10;
      if (y + h > window.innerHeight - 4) y = ev.clientY - h - 10;
      tooltip.style.left = x + "px";
      tooltip.style.top = y + "px";
    });
    node.addEventListener("mouseleave", function () { tooltip.style.display = "none"; });
  }

  /* -- sortable table ----------------------------------------------------------------------- */
  function table(columns, rows) {
    var wrap = el("div", { "class": "table-wrap" });
    var t = el("table", { "class": "data" });
    var thead = el("thead"), tr = el("tr"), tbody = el("tbody");
    var numeric = columns.map(function (_, i) {
      return rows.length > 0 && rows.every(function (r) { return r[i] === null || typeof r[i] === "number"; });
    });
    columns.forEach(function (c, i) {
      var th = el("th", numeric[i] ? { "class": "num", scope: "col" } : { scope: "col" }, c);
      th.addEventListener("click", function () { sortBy(i, th); });
      tr.appendChild(th);
    });
    thead.appendChild(tr);
    function fill(data) {
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      data.forEach(function (r) {
        var row = el("tr");
        r.forEach(function (v, i) {
          row.appendChild(el("td", numeric[i] ? { "class": "num" } : {}, numeric[i] ? fmt(v) : (v === null ? "\u2013" : v)));
        });
        tbody.appendChild(row);
      });
    }
    var current = rows.slice();
    function sortBy(i, th) {
      var asc = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(tr.children, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      current.sort(function (a, b) {
        var x = a[i], y = b[i];
        if (x === y) return 0;
        if (x === null) return 1;
        if (y === null) return -1;
        var c = numeric[i] ? x - y : String(x) < String(y) ? -1 : 1;
        return asc ? c : -c;
      });
      fill(current);
    }
    fill(current);
    t.appendChild(thead);
    t.appendChild(tbody);
    wrap.appendChild(t);
    return wrap;
  }

  /* -- horizontal bars ---------------------------------------------------------------------- */
  function bars(panel) {
    var rows = panel.rows, W = 560, rowH = 22, labelW = 190, valueW = 80;
    var H = rows.length * rowH + 6;
    var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": panel.title });
    var max = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([0])) || 1;
    rows.forEach(function (r, i) {
      var y = i * rowH + 3, w = Math.max(1, (W - labelW - valueW) * r.value / max);
      var label = String(r.label);
      if (label.length > 28) label = label.slice(0, 27) + "\u2026";
      svg.appendChild(sv("text", { x: labelW - 6, y: y + 14, "text-anchor": "end", "class": "label" }, label));
      var bar = sv("rect", { x: labelW, y: y + 2, width: w, height: rowH - 6, rx: 2, "class": "bar" });
      tip(bar, function () {
        var text = r.label + (String(r.label) !== String(r.key) ? " (" + r.key + ")" : "") + "\n" + fmt(r.value) + " " + panel.unit;
        if (r.bytes !== undefined) text += "\n" + fmt(r.bytes) + " bytes";
        return text;
      });
      svg.appendChild(bar);
      svg.appendChild(sv("text", { x: labelW + w + 6, y: y + 14 }, fmt(r.value)));
    });
    return svg;
  }

  /* -- time series (with optional outlier band) --------------------------------------------- */
  function lineChart(panel, seriesList, opts) {
    var W = 560, H = 220, L = 56, R = 12, T = 10, B = 26;
    var all = [];
    seriesList.forEach(function (s) { s.points.forEach(function (p) { all.push(p); }); });
    var xs = all.map(function (p) { return p.bucket; });
    var ys = [];
    all.forEach(function (p) {
      if (p.value !== null && p.value !== undefined) ys.push(p.value);
      if (opts.outlier && p.upper !== null && p.upper !== undefined) { ys.push(p.upper); ys.push(p.lower); }
    });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    if (x1 === x0) { x0 -= panel.step || 60000; x1 += panel.step || 60000; }
    var low = Math.min.apply(null, ys.concat([0]));
    // Bands can reach below zero; round that side too so the axis labels stay readable.
    var yMin = low < 0 ? -niceMax(-low) : 0, yMax = niceMax(Math.max.apply(null, ys.concat([0])));
    function X(b) { return L + (W - L - R) * (b - x0) / (x1 - x0); }
    function Y(v) { return T + (H - T - B) * (1 - (v - yMin) / (yMax - yMin)); }
    var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": panel.title });
    for (var g = 0; g <= 4; g++) {
      var v = yMin + (yMax - yMin) * g / 4, y = Y(v);
      svg.appendChild(sv("line", { x1: L, x2: W - R, y1: y, y2: y, "class": "grid-line" }));
      svg.appendChild(sv("text", { x: L - 6, y: y + 4, "text-anchor": "end" }, fmt(Math.round(v * 100) / 100)));
    }
    for (var k = 0; k <= 4; k++) {
      var b = x0 + (x1 - x0) * k / 4;
      svg.appendChild(sv("text", { x: X(b), y: H - 8, "text-anchor": k === 0 ? "start" : k === 4 ? "end" : "middle" }, shortTime(b, x1 - x0)));
    }
    svg.appendChild(sv("line", { x1: L, x2: W - R, y1: Y(yMin), y2: Y(yMin), "class": "axis" }));
    seriesList.forEach(function (s, si) {
      var color = opts.colors ? opts.colors[si] : COLORS[si % COLORS.length];
      if (opts.outlier) {
        // The band is drawn in runs of consecutive points that have bounds (warm-up points have none).
        var run = [];
        var flush = function () {
          if (run.length > 0) {
            var d = run.map(function (p, i) { return (i ? "L" : "M") + X(p.bucket) + "," + Y(p.upper); }).join("");
            d += run.slice().reverse().map(function (p) { return "L" + X(p.bucket) + "," + Y(p.lower); }).join("") + "Z";
            if (run.length === 1) d = "M" + (X(run[0].bucket) - 2) + "," + Y(run[0].upper) + "h4V" + Y(run[0].lower) + "h-4Z";
            svg.appendChild(sv("path", { d: d, "class": "band" }));
          }
          run = [];
        };
        s.points.forEach(function (p) { if (p.upper === null || p.upper === undefined) flush(); else run.push(p); });
        flush();
      }
      var d = "", pen = false;
      s.points.forEach(function (p) {
        if (p.value === null || p.value === undefined) { pen = false; return; }
        d += (pen ? "L" : "M") + X(p.bucket) + "," + Y(p.value);
        pen = true;
      });
      if (s.points.length === 1 || d.indexOf("L") < 0) {
        s.points.forEach(function (p) {
          if (p.value !== null) svg.appendChild(sv("circle", { cx: X(p.bucket), cy: Y(p.value), r: 2.5, fill: color }));
        });
      }
      svg.appendChild(sv("path", { d: d, "class": "line", stroke: color }));
      s.points.forEach(function (p) {
        if (opts.outlier && p.violation === 1) {
          svg.appendChild(sv("circle", { cx: X(p.bucket), cy: Y(p.value), r: 4.5, "class": "flag", "data-flag": "1" }));
        }
      });
    });
    // Invisible hover targets, one per bucket, reporting every series' value there.
    var buckets = Array.from(new Set(xs)).sort(function (a, b) { return a - b; });
    var slot = buckets.length > 1 ? (X(buckets[buckets.length - 1]) - X(buckets[0])) / (buckets.length - 1) : 20;
    buckets.forEach(function (b) {
      var hit = sv("rect", { x: X(b) - slot / 2, y: T, width: Math.max(slot, 2), height: H - T - B, "class": "hit" });
      tip(hit, function () {
        var lines = [utc(b)];
        seriesList.forEach(function (s) {
          var p = s.points.find(function (q) { return q.bucket === b; });
          if (!p) return;
          lines.push(s.name + ": " + fmt(p.value));
          if (opts.outlier) {
            if (p.upper === null || p.upper === undefined) lines.push("band: fewer than 2 baseline points");
            else lines.push("band: " + fmt(p.lower) + " \u2013 " + fmt(p.upper) + " (\u03c3 " + fmt(p.std) + ")");
            if (p.violation === 1) lines.push("OUTLIER");
          }
        });
        return lines.join("\n");
      });
      svg.appendChild(hit);
    });
    return svg;
  }

  function legend(names, colors) {
    var box = el("div", { "class": "legend" });
    names.forEach(function (n, i) {
      var item = el("span");
      var sw = el("i");
      sw.style.background = colors[i % colors.length];
      item.appendChild(sw);
      item.appendChild(document.createTextNode(n));
      box.appendChild(item);
    });
    return box;
  }

  function series(panel, body) {
    var list = panel.series.filter(function (s) { return s.points.length > 0; });
    if (list.length > 1 || !panel.outlier) body.appendChild(legend(list.map(function (s) { return s.name; }), COLORS));
    if (panel.outlier) {
      var flagged = (list.length ? list[0].points : []).filter(function (p) { return p.violation === 1; }).length;
      body.appendChild(legend(["value", "band (mean \u00b1 threshold\u00b7\u03c3)", flagged + " outlier" + (flagged === 1 ? "" : "s")],
        [COLORS[0], "rgba(31,111,235,.25)", "#d1242f"]));
    }
    body.appendChild(lineChart(panel, list, { outlier: panel.outlier }));
  }

  function comparison(panel, body) {
    var names = [panel.unit, "one day earlier", "seven days earlier"];
    var pick = ["value", "one_day_earlier", "seven_days_earlier"];
    var list = pick.map(function (field, i) {
      return { name: names[i], points: panel.rows.map(function (r) { return { bucket: r.bucket, value: r[field] }; }) };
    });
    body.appendChild(legend(names, COLORS));
    body.appendChild(lineChart(panel, list, { outlier: false }));
    body.appendChild(table(["time (UTC)", names[0], names[1], names[2]], panel.rows.map(function (r) {
      return [utc(r.bucket), r.value, r.one_day_earlier, r.seven_days_earlier];
    })));
  }

  function locations(panel, body) {
    var W = 560, H = 280;
    var svg = sv("svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": panel.title });
    svg.appendChild(sv("rect", { x: 0, y: 0, width: W, height: H, "class": "land" }));
    for (var lon = -180; lon <= 180; lon += 30) svg.appendChild(sv("line", { x1: (lon + 180) / 360 * W, x2: (lon + 180) / 360 * W, y1: 0, y2: H, "class": "grid-line" }));
    for (var lat = -90; lat <= 90; lat += 30) svg.appendChild(sv("line", { x1: 0, x2: W, y1: (90 - lat) / 180 * H, y2: (90 - lat) / 180 * H, "class": "grid-line" }));
    var max = Math.max.apply(null, panel.rows.map(function (r) { return r.records; }).concat([1]));
    panel.rows.forEach(function (r) {
      if (r.lat === null || r.lon === null) return;
      var c = sv("circle", { cx: (r.lon + 180) / 360 * W, cy: (90 - r.lat) / 180 * H, r: 3 + 9 * Math.sqrt(r.records / max), "class": "spot" });
      tip(c, function () { return [r.city, r.country].filter(Boolean).join(", ") + "\n" + fmt(r.records) + " records"; });
      svg.appendChild(c);
    });
    body.appendChild(svg);
    var rows = panel.rows.map(function (r) { return [r.country, r.city, r.lat, r.lon, r.records]; });
    body.appendChild(table(["country", "city", "lat", "lon", "records"], rows));
    if (panel.unlocated) body.appendChild(el("p", { "class": "legend" }, fmt(panel.unlocated) + " records from public addresses not in the database"));
  }

  function stat(panel, body) {
    var box = el("div", { "class": "stats" });
    panel.items.forEach(function (it) {
      var s = el("div", { "class": "stat" });
      s.appendChild(el("div", { "class": "v" }, fmt(it.value)));
      s.appendChild(el("div", { "class": "l" }, it.label));
      box.appendChild(s);
    });
    body.appendChild(box);
  }

  function renderPanel(panel) {
    var box = el("div", { "class": "panel", id: "panel-" + panel.id.replace(/\./g, "-"), "data-panel": panel.id, "data-kind": panel.kind });
    box.appendChild(el("h3", {}, panel.title));
    if (panel.note) {
      box.setAttribute("data-empty", "true");
      box.appendChild(el("p", { "class": "note" }, panel.note));
      return box;
    }
    if (panel.kind === "bars") {
      box.appendChild(bars(panel));
      if (panel.rows.length > 10) box.appendChild(table(["key", panel.unit], panel.rows.map(function (r) { return [r.label, r.value]; })));
    } else if (panel.kind === "series") series(panel, box);
    else if (panel.kind === "comparison") comparison(panel, box);
    else if (panel.kind === "table") box.appendChild(table(panel.columns, panel.rows));
    else if (panel.kind === "stat") stat(panel, box);
    else if (panel.kind === "locations") locations(panel, box);
    else box.appendChild(el("p", { "class": "note" }, "Unknown panel kind " + panel.kind));
    return box;
  }

  function definitions(title, pairs) {
    var box = el("div", { "class": "box" });
    box.appendChild(el("h2", {}, title));
    var dl = el("dl");
    pairs.forEach(function (p) { dl.appendChild(el("dt", {}, p[0])); dl.appendChild(el("dd", {}, p[1])); });
    box.appendChild(dl);
    return box;
  }

  function render(data) {
    var root = document.getElementById("app");
    var head = el("header", { "class": "top" });
    head.appendChild(el("h1", {}, document.title));
    var s = data.summary;
    head.appendChild(el("div", { "class": "summary" },
      fmt(s.matched) + " of " + fmt(s.records) + " records after the filters \u00b7 " + utc(s.first) + " \u2013 " + utc(s.last) +
      " \u00b7 " + (s.enriched ? fmt(s.enriched) + " enriched with security group information" : "no security group enrichment")));
    root.appendChild(head);

    var nav = el("nav", { "class": "sections", "aria-label": "dashboards" });
    data.dashboards.forEach(function (d) { nav.appendChild(el("a", { href: "#dash-" + d.id, "data-target": "dash-" + d.id }, d.title)); });
    root.appendChild(nav);

    var settings = el("div", { "class": "settings", id: "settings" });
    var filterPairs = Object.keys(data.filters).map(function (k) { return [k, data.filters[k]]; });
    if (filterPairs.length === 0) filterPairs = [["(none)", "all records"]];
    settings.appendChild(definitions("Filters", filterPairs));
    var st = data.settings;
    settings.appendChild(definitions("Outlier settings", [["timeslice", st.timeslice], ["window", String(st.window)],
      ["threshold", String(st.threshold)], ["consecutive", String(st.consecutive)], ["direction", st.direction],
      ["fill missing", st.fill_missing ? "yes" : "no"]]));
    settings.appendChild(definitions("Inputs", data.inputs.map(function (name, i) { return [String(i + 1), name]; })));
    root.appendChild(settings);

    data.dashboards.forEach(function (d) {
      var sec = el("section", { "class": "dashboard", id: "dash-" + d.id, "data-dashboard": d.id });
      sec.appendChild(el("h2", {}, "Amazon VPC Flow Logs \u2013 " + d.title));
      var grid = el("div", { "class": "grid" });
      d.panels.forEach(function (p) { grid.appendChild(renderPanel(p)); });
      sec.appendChild(grid);
      root.appendChild(sec);
    });

    // Highlight the section in view in the navigation bar.
    var links = nav.querySelectorAll("a");
    if ("IntersectionObserver" in window) {
      var seen = new IntersectionObserver(function (entries) {
        entries.forEach(function (e) {
          if (!e.isIntersecting) return;
          links.forEach(function (a) { a.classList.toggle("active", a.getAttribute("data-target") === e.target.id); });
        });
      }, { rootMargin: "-40% 0px -55% 0px" });
      document.querySelectorAll("section.dashboard").forEach(function (sec) { seen.observe(sec); });
    }
  }

  function start() {
    tooltip = el("div", { id: "tooltip", role: "tooltip" });
    document.body.appendChild(tooltip);
    try {
      render(JSON.parse(document.getElementById("fer-data").textContent));
      document.body.setAttribute("data-rendered", "true");
      // The sections exist only now, so a link to one (report.html#dash-rejects) is honoured here.
      var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
      if (target) target.scrollIntoView();
    } catch (error) {
      document.body.setAttribute("data-rendered", "error");
      document.body.insertBefore(el("div", { "class": "error-banner" }, "The report could not be drawn: " + error), document.body.firstChild);
      throw error;
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
