// Every line, bar and scatter chart of LayerLab, drawn one way: uPlot with one set of
// axes, colours and legend, a role="img" label and a text summary for screen readers.
// Pages hand over data (arrays, or JSON the server rendered into a data- attribute), never
// coordinates. window.LayerLabCharts.line / bar / scatter (element, spec) draw or
// redraw; an element with data-chart="line|bar|scatter" and its spec as JSON in
// data-chart-spec is drawn when it appears (page load or htmx swap). Data travels in
// attributes, not <script type=application/json>, since htmx drops script tags it swaps in.
//
// spec: { label, xLabel, yLabel, x?: shared x values, categories?: x labels,
//         series: [{ label, x?, y, dash?, kind?: "line" | "points" | "both" }],
//         xRange?, yRange?, log?, diagonal?, marker?: () => x, height?, summary? }
// bar:  { edges? (histogram bin edges) | categories?, series: [{ label, values, texts? }],
//         horizontal? (categories down the side, for long names), overlap? (series share
//         a slot: one is null where another has the value), spark? (a tiny chart with no
//         axes, `width` wide) }; `texts` are shown at the bars' ends.
// data-chart-lazy: drawn once scrolled into view (a profile of thousands of columns).
(function () {
  "use strict";

  const FALLBACK = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#f08c00", "#c2255c", "#5c940d", "#495057", "#1864ab"];
  const css = () => getComputedStyle(document.documentElement);
  const token = (name, fallback) => css().getPropertyValue(name).trim() || fallback;
  const colourAt = (i) => (i === 0 ? token("--ll-accent", FALLBACK[0]) : i === 1 ? token("--ll-validation", FALLBACK[1]) : FALLBACK[i % FALLBACK.length]);
  const translucent = (colour, alpha) => (/^#[0-9a-f]{6}$/i.test(colour) ? colour + Math.round(alpha * 255).toString(16).padStart(2, "0") : colour);
  const short = (value, length = 14) => String(value ?? "").slice(0, length);
  const number = (v) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : +v.toPrecision(3) + "");

  // One x column for series that each bring their own x: rows sorted by x, each series
  // null where another series has the row. Ties keep their order (a ROC curve's steps).
  function table(spec) {
    const series = spec.series;
    if (spec.x) return [spec.x, ...series.map((s) => s.y)];
    const rows = [];
    series.forEach((s, k) => {
      const descending = s.x.length > 1 && s.x[0] > s.x[s.x.length - 1];
      const order = s.x.map((_, i) => (descending ? s.x.length - 1 - i : i));
      for (const i of order) if (Number.isFinite(s.x[i])) rows.push([s.x[i], k, s.y[i]]);
    });
    rows.sort((a, b) => a[0] - b[0]);
    const data = [rows.map((r) => r[0]), ...series.map(() => new Array(rows.length).fill(null))];
    rows.forEach(([, k, y], i) => { data[k + 1][i] = y; });
    return data;
  }

  function overlay(spec) {
    const draw = (u) => {
      const ctx = u.ctx;
      const { left, top, width, height } = u.bbox;
      ctx.save();
      ctx.strokeStyle = token("--ll-grey-5", "#6b7280");
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.setLineDash([3 * devicePixelRatio, 4 * devicePixelRatio]);
      ctx.beginPath();
      ctx.rect(left, top, width, height);
      ctx.clip();
      ctx.beginPath();
      if (spec.diagonal) {
        const lo = Math.max(u.scales.x.min, u.scales.y.min), hi = Math.min(u.scales.x.max, u.scales.y.max);
        ctx.moveTo(u.valToPos(lo, "x", true), u.valToPos(lo, "y", true));
        ctx.lineTo(u.valToPos(hi, "x", true), u.valToPos(hi, "y", true));
      }
      const at = typeof spec.marker === "function" ? spec.marker() : spec.marker;
      if (at !== null && at !== undefined) {
        const x = Math.round(u.valToPos(at, "x", true));
        ctx.moveTo(x, top);
        ctx.lineTo(x, top + height);
      }
      ctx.stroke();
      ctx.restore();
      if (spec.texts) barTexts(u, spec);
    };
    return { hooks: { draw: [draw] } };
  }

  // Each bar's text just past its end (its value, or what the server said to show).
  function barTexts(u, spec) {
    const ctx = u.ctx;
    ctx.save();
    ctx.fillStyle = token("--pico-muted-color", "#6b7280");
    ctx.font = `${12 * devicePixelRatio}px system-ui, sans-serif`;
    ctx.textBaseline = spec.horizontal ? "middle" : "bottom";
    ctx.textAlign = spec.horizontal ? "left" : "center";
    const gap = 4 * devicePixelRatio;
    spec.texts.forEach((texts, k) => texts.forEach((text, i) => {
      const value = u.data[k + 1][i];
      if (text === null || value === null || value === undefined) return;
      const at = u.valToPos(u.data[0][i], "x", true), end = u.valToPos(Math.max(0, value), "y", true);
      if (spec.horizontal) ctx.fillText(text, end + gap, at);
      else ctx.fillText(text, at, end - gap);
    }));
    ctx.restore();
  }

  function options(spec, width) {
    const axis = { stroke: token("--pico-muted-color", "#6b7280"), grid: { stroke: token("--ll-grey-2", "#e4e7ec"), width: 1 },
      ticks: { stroke: token("--ll-grey-2", "#e4e7ec"), width: 1 } };
    const x = { ...axis, label: spec.xLabel };
    const scales = { x: { time: false }, y: {} };
    if (spec.categories) {
      const n = spec.categories.length;
      x.splits = () => spec.categories.map((_, i) => i);
      x.values = (_, splits) => splits.map((i) => short(spec.categories[i], spec.horizontal ? 22 : 14));
      x.grid = { show: false };
      scales.x.range = () => [-0.5, n - 0.5];
    } else if (spec.xRange) {
      scales.x.range = () => spec.xRange;
    }
    if (spec.yRange) scales.y.range = () => spec.yRange;
    if (spec.log) scales.y.distr = 3;
    const y = { ...axis, label: spec.yLabel, size: 56 };
    if (spec.horizontal) {  // categories down the left side, values along the bottom
      Object.assign(scales.x, { ori: 1, dir: -1 });
      Object.assign(scales.y, { ori: 0, dir: 1 });
      Object.assign(x, { side: 3, size: spec.labelWidth || 150, label: undefined });
      Object.assign(y, { side: 2, size: 40, space: 70 });
      if (spec.valueAxis === false) Object.assign(y, { show: false });
    }
    const axes = spec.spark ? [{ show: false }, { show: false }] : [x, y];
    const series = [{ label: spec.xLabel || "x" }, ...spec.series.map((s, i) => {
      const colour = colourAt(s.colour ?? i);
      const kind = s.kind || "line";
      const base = { label: s.label || spec.yLabel || "value", stroke: colour, width: 2, spanGaps: true };
      if (s.dash) base.dash = [6, 4];
      if (kind === "bars") {
        return { ...base, width: spec.spark ? 0 : 1, fill: translucent(colour, 0.7), points: { show: false },
          paths: uPlot.paths.bars({ size: [spec.horizontal || (spec.spark && spec.categories) ? 0.7 : 0.9, Infinity], align: 0 }) };
      }
      const points = { show: kind !== "line", size: kind === "points" ? 6 : 5, fill: translucent(colour, 0.6), stroke: colour, width: 1 };
      return kind === "points" ? { ...base, paths: () => null, points } : { ...base, points: kind === "both" ? points : { show: false } };
    })];
    return {
      width, height: spec.height || 240,
      legend: { show: false },
      cursor: spec.spark ? { show: false } : { drag: { x: false, y: false } },
      padding: spec.spark ? [1, 0, 0, 0] : undefined,
      scales,
      axes,
      series,
      plugins: [overlay(spec)],
    };
  }

  function legend(el, spec) {
    let node = el.nextElementSibling;
    if (!node || !node.classList.contains("chart-legend")) {
      node = document.createElement("p");
      node.className = "chart-legend";
      el.after(node);
    }
    const shown = spec.series.filter((s) => s.label);
    node.hidden = spec.legend === false || shown.length < (spec.legend ? 1 : 2);
    node.replaceChildren(...spec.series.map((s, i) => {
      const item = document.createElement("span");
      item.className = "chart-legend-item";
      item.style.color = colourAt(s.colour ?? i);
      const swatch = document.createElement("span");
      swatch.className = `chart-swatch ${s.kind === "points" ? "dot" : s.kind === "bars" ? "block" : s.dash ? "dashed" : ""}`;
      item.append(swatch, document.createTextNode(s.label || ""));
      item.hidden = !s.label;
      return item;
    }));
    return node;
  }

  // The text a screen reader hears after the label: each series' size and range.
  function describe(el, spec, data, after) {
    let node = after.nextElementSibling;
    if (!node || !node.classList.contains("chart-summary")) {
      node = document.createElement("p");
      node.className = "chart-summary visually-hidden";
      node.id = `${el.id || "chart"}-summary-${Math.random().toString(36).slice(2, 8)}`;
      after.after(node);
    }
    const counts = data.slice(1).map((ys) => ys.filter((v) => v !== null && v !== undefined && Number.isFinite(v)).length);
    const parts = spec.series.map((s, i) => {
      const ys = data[i + 1].filter((v) => Number.isFinite(v));
      return `${s.label || spec.yLabel || "values"}: ${counts[i]} points${ys.length ? ` from ${number(Math.min(...ys))} to ${number(Math.max(...ys))}` : ""}`;
    });
    node.textContent = spec.summary || `${spec.yLabel || ""} by ${spec.xLabel || "x"}. ${parts.join("; ")}.`;
    el.setAttribute("aria-describedby", node.id);
    el.dataset.points = counts.join(" "); // per series, for a quick look (and the tests)
    el.dataset.series = String(spec.series.length);
  }

  function render(el, spec) {
    if (!el || typeof uPlot === "undefined") return null;
    el.setAttribute("role", "img");
    if (spec.label) el.setAttribute("aria-label", spec.label);
    const data = table(spec);
    const key = JSON.stringify([spec.series.map((s) => [s.label, s.kind, s.dash]), spec.xLabel, spec.yLabel, spec.categories, spec.xRange, spec.yRange, spec.log]);
    const width = () => spec.width || Math.max(240, el.clientWidth);
    let state = el.layerLabChart;
    if (state && state.key === key) {
      state.chart.setData(data);
    } else {
      if (state) state.chart.destroy();
      el.replaceChildren();
      state = { key, chart: new uPlot(options(spec, width()), data, el) };
      el.layerLabChart = state;
      if (!el.layerLabResize) {
        el.layerLabResize = new ResizeObserver(() => {
          const current = el.layerLabChart;
          if (current && Math.abs(current.chart.width - width()) > 1) current.chart.setSize({ width: width(), height: current.chart.height });
        });
        el.layerLabResize.observe(el);
      }
    }
    describe(el, spec, data, spec.spark ? el : legend(el, spec));
    return state.chart;
  }

  const withKind = (spec, kind) => ({ ...spec, series: spec.series.map((s) => ({ kind, ...s })) });

  function bar(el, spec) {
    const n = spec.series.length;
    const centres = spec.edges ? spec.edges.slice(0, -1).map((e, i) => (e + spec.edges[i + 1]) / 2)
      : spec.categories.map((_, i) => i);
    const bin = spec.edges ? (spec.edges[spec.edges.length - 1] - spec.edges[0]) / Math.max(1, centres.length) : 1;
    // Several series side by side within a bin: each shifted by its share of the bin.
    const shift = (k) => (n > 1 && !spec.overlap ? ((k + 0.5) / n - 0.5) * bin * 0.9 : 0);
    const shared = n === 1 || spec.overlap;  // one x column, so a bar's index is its category's
    const series = spec.series.map((s, k) => ({ label: s.label, kind: "bars", colour: s.colour,
      ...(shared ? {} : { x: centres.map((c) => c + shift(k)) }), y: s.values }));
    const xRange = spec.edges ? [spec.edges[0], spec.edges[spec.edges.length - 1]] : undefined;
    const values = spec.series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
    // Room past the longest bar for its text; negative bars (an importance below zero) reach left.
    const high = Math.max(spec.spark ? 0 : 1e-9, ...values) * (spec.texts || spec.series.some((s) => s.texts) ? 1.35 : 1.08);
    const low = Math.min(0, ...values) * 1.08;
    const texts = spec.series.some((s) => s.texts) ? spec.series.map((s) => s.texts || s.values.map(() => null)) : undefined;
    return render(el, { yRange: [low, spec.spark ? Math.max(...values, 0) || 1 : high], xRange, texts, ...spec,
      x: shared ? centres : undefined, series });
  }

  const api = {
    line: (el, spec) => render(el, withKind(spec, "line")),
    scatter: (el, spec) => render(el, withKind(spec, "points")),
    bar,
  };

  // Declarative charts: the element names its kind and carries its spec.
  const drawOne = (el) => {
    const draw = api[el.dataset.chart];
    if (el.dataset.chartSpec && draw) draw(el, JSON.parse(el.dataset.chartSpec));
  };
  const lazily = typeof IntersectionObserver === "undefined" ? null : new IntersectionObserver((entries, observer) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      observer.unobserve(entry.target);
      drawOne(entry.target);
    }
  }, { rootMargin: "200px" });

  function drawWithin(root) {
    const found = root.matches && root.matches("[data-chart]") ? [root] : [];
    for (const el of [...found, ...(root.querySelectorAll ? root.querySelectorAll("[data-chart]") : [])]) {
      if ("chartLazy" in el.dataset && lazily) lazily.observe(el);
      else drawOne(el);
    }
  }

  window.LayerLabCharts = api;
  if (window.htmx) htmx.onLoad(drawWithin);
  else document.addEventListener("DOMContentLoaded", () => drawWithin(document.body));
})();
