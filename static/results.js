// Result charts (ROC, precision-recall, probabilities, predicted vs actual, residuals)
// as small SVG drawings built with DOM calls: no inline styles (CSP), colours from CSS.
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const W = 460, H = 300, M = { left: 52, right: 14, top: 12, bottom: 42 };

  function el(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function ticks(low, high, count) {
    const span = high - low || 1;
    const step = Math.pow(10, Math.floor(Math.log10(span / count)));
    const nice = [1, 2, 5, 10].map((f) => f * step).find((s) => span / s <= count) || step * 10;
    const out = [];
    for (let v = Math.ceil(low / nice) * nice; v <= high + nice * 1e-9; v += nice) out.push(+v.toPrecision(12));
    return out;
  }

  function format(v) {
    const a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) return v.toExponential(1);
    return +v.toPrecision(3) + "";
  }

  // chart(container, {x: [lo, hi], y: [lo, hi], xLabel, yLabel, series: [{name, kind, points}], diagonal, legend})
  function chart(container, spec) {
    container.replaceChildren();
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, class: "plot", role: "presentation" }, container);
    const [x0, x1] = spec.x, [y0, y1] = spec.y;
    const sx = (v) => M.left + ((v - x0) / (x1 - x0 || 1)) * (W - M.left - M.right);
    const sy = (v) => H - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
    ticks(x0, x1, 5).forEach((t) => {
      el("line", { x1: sx(t), x2: sx(t), y1: M.top, y2: H - M.bottom, class: "grid" }, svg);
      el("text", { x: sx(t), y: H - M.bottom + 16, "text-anchor": "middle", class: "tick" }, svg).textContent = format(t);
    });
    ticks(y0, y1, 5).forEach((t) => {
      el("line", { x1: M.left, x2: W - M.right, y1: sy(t), y2: sy(t), class: "grid" }, svg);
      el("text", { x: M.left - 6, y: sy(t) + 4, "text-anchor": "end", class: "tick" }, svg).textContent = format(t);
    });
    el("text", { x: (M.left + W - M.right) / 2, y: H - 6, "text-anchor": "middle", class: "axis-label" }, svg).textContent = spec.xLabel;
    el("text", { x: 14, y: (M.top + H - M.bottom) / 2, "text-anchor": "middle", class: "axis-label",
      transform: `rotate(-90 14 ${(M.top + H - M.bottom) / 2})` }, svg).textContent = spec.yLabel;
    if (spec.diagonal) {
      const lo = Math.max(x0, y0), hi = Math.min(x1, y1);
      el("line", { x1: sx(lo), y1: sy(lo), x2: sx(hi), y2: sy(hi), class: "diagonal" }, svg);
    }
    spec.series.forEach((series, index) => {
      const cls = `series series-${index % 6}`;
      if (series.kind === "line") {
        const d = series.points.map(([x, y], i) => `${i ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join("");
        el("path", { d, class: `${cls} line` }, svg);
      } else if (series.kind === "points") {
        series.points.forEach(([x, y]) => el("circle", { cx: sx(x).toFixed(1), cy: sy(y).toFixed(1), r: 2.2, class: `${cls} dot` }, svg));
      } else if (series.kind === "bars") {
        const count = spec.series.length;
        series.points.forEach(([lo, hi, value]) => {
          const width = (sx(hi) - sx(lo)) / count;
          el("rect", { x: sx(lo) + index * width + 0.5, y: sy(value), width: Math.max(width - 1, 1),
            height: Math.max(sy(y0) - sy(value), 0), class: `${cls} bar` }, svg);
        });
      }
    });
    if (spec.legend !== false && (spec.series.length > 1 || spec.series[0]?.name)) {
      const legend = document.createElement("p");
      legend.className = "plot-legend";
      spec.series.forEach((series, index) => {
        const item = document.createElement("span");
        item.className = `legend-item series-${index % 6}`;
        item.textContent = series.name;
        legend.appendChild(item);
      });
      container.appendChild(legend);
    }
  }

  function extent(values, pad) {
    const finite = values.filter((v) => Number.isFinite(v));
    let lo = Math.min(...finite), hi = Math.max(...finite);
    if (!finite.length) { lo = 0; hi = 1; }
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    const margin = (hi - lo) * (pad || 0);
    return [lo - margin, hi + margin];
  }

  function histogramSeries(edges, counts, name) {
    return { name, kind: "bars", points: counts.map((c, i) => [edges[i], edges[i + 1], c]) };
  }

  // The ROC and PR curves of the class picked in #curve-class (all of them without it).
  function drawCurves(details) {
    const byId = (id) => document.getElementById(id);
    const select = byId("curve-class");
    const pick = (curves) => {
      const chosen = select ? curves.filter((c) => String(c.class) === select.value) : curves;
      return chosen.length ? chosen : curves;
    };
    document.querySelectorAll(".curve-score").forEach((node) => { node.hidden = !!select && node.dataset.curve !== select.value; });
    if (byId("roc-chart") && details.roc) {
      chart(byId("roc-chart"), { x: [0, 1], y: [0, 1], xLabel: "false positive rate", yLabel: "true positive rate", diagonal: true,
        series: pick(details.roc).map((c) => ({ name: String(c.class), kind: "line", points: c.fpr.map((x, i) => [x, c.tpr[i]]) })) });
    }
    if (byId("pr-chart") && details.pr) {
      chart(byId("pr-chart"), { x: [0, 1], y: [0, 1.02], xLabel: "recall", yLabel: "precision",
        series: pick(details.pr).map((c) => ({ name: String(c.class), kind: "line", points: c.recall.map((x, i) => [x, c.precision[i]]) })) });
    }
  }

  function draw(details, plots, task) {
    const byId = (id) => document.getElementById(id);
    if (task === "regression") {
      const r = details.residuals;
      if (r && byId("scatter-chart")) {
        const all = extent(r.actual.concat(r.predicted), 0.05);
        chart(byId("scatter-chart"), { x: all, y: all, xLabel: "actual", yLabel: "predicted", diagonal: true,
          series: [{ name: "", kind: "points", points: r.actual.map((a, i) => [a, r.predicted[i]]) }] });
      }
      const h = plots.residual_histogram;
      if (h && h.counts.length && byId("residual-chart")) {
        chart(byId("residual-chart"), { x: [h.bin_edges[0], h.bin_edges[h.bin_edges.length - 1]], y: [0, Math.max(...h.counts) * 1.1],
          xLabel: "residual", yLabel: "rows", series: [histogramSeries(h.bin_edges, h.counts, "")] });
      }
      return;
    }
    drawCurves(details);
    const select = byId("curve-class");
    if (select && !select.dataset.ready) {
      select.dataset.ready = "yes";
      select.addEventListener("change", () => drawCurves(details));
    }
    const c = plots.calibration;
    if (c && byId("calibration-chart")) {
      const points = c.bins.map((b) => [b.mean_predicted, b.observed]);
      chart(byId("calibration-chart"), { x: [0, 1], y: [0, 1], xLabel: "predicted probability", yLabel: "observed frequency",
        diagonal: true, legend: false, series: [{ name: "", kind: "line", points }, { name: "", kind: "points", points }] });
    }
    const p = plots.probability_histogram;
    if (p && byId("probability-chart")) {
      const top = Math.max(1, ...p.series.flatMap((s) => s.counts));
      chart(byId("probability-chart"), { x: [0, 1], y: [0, top * 1.1], xLabel: p.value, yLabel: "rows",
        series: p.series.map((s) => histogramSeries(p.bin_edges, s.counts, `actual: ${s.name}`.replace("actual: correct", "correct").replace("actual: wrong", "wrong"))) });
    }
  }

  async function load(root) {
    const details = root.querySelector("#details") || (root.id === "details" ? root : null);
    if (!details) return;
    const response = await fetch(`/api/experiments/${details.dataset.experiment}`);
    if (!response.ok) return;
    const body = await response.json();
    const split = details.dataset.split;
    const summary = body.summary || {};
    draw((summary.details || {})[split] || {}, (summary.plots || {})[split] || {}, details.dataset.task);
  }

  htmx.onLoad((root) => { load(root); });
})();
