// Result charts (ROC, precision-recall, calibration, probabilities, predicted against
// actual, residuals) from the data the server rendered with the results (#details'
// data-results attribute: htmx swaps keep it, and no second request is needed). Drawing is the chart module's; this file only picks the data.
(function () {
  "use strict";

  const byId = (id) => document.getElementById(id);
  const label = (id) => byId(id).getAttribute("aria-label");

  function extent(values) {
    const finite = values.filter((v) => Number.isFinite(v));
    if (!finite.length) return [0, 1];
    let lo = Math.min(...finite), hi = Math.max(...finite);
    if (lo === hi) { lo -= 0.5; hi += 0.5; }
    const margin = (hi - lo) * 0.05;
    return [lo - margin, hi + margin];
  }

  // The ROC and PR curves of the class picked in #curve-class (all of them without it).
  function drawCurves(details) {
    const select = byId("curve-class");
    const pick = (curves) => {
      const chosen = select ? curves.filter((c) => String(c.class) === select.value) : curves;
      return chosen.length ? chosen : curves;
    };
    document.querySelectorAll(".curve-score").forEach((node) => { node.hidden = !!select && node.dataset.curve !== select.value; });
    if (byId("roc-chart") && details.roc) {
      LayerLabCharts.line(byId("roc-chart"), { label: label("roc-chart"), xLabel: "false positive rate", yLabel: "true positive rate",
        xRange: [0, 1], yRange: [0, 1], diagonal: true, legend: true,
        series: pick(details.roc).map((c) => ({ label: String(c.class), x: c.fpr, y: c.tpr })) });
    }
    if (byId("pr-chart") && details.pr) {
      LayerLabCharts.line(byId("pr-chart"), { label: label("pr-chart"), xLabel: "recall", yLabel: "precision",
        xRange: [0, 1], yRange: [0, 1.02], legend: true,
        series: pick(details.pr).map((c) => ({ label: String(c.class), x: c.recall, y: c.precision })) });
    }
  }

  function drawRegression(details, plots) {
    const r = details.residuals;
    if (r && byId("scatter-chart")) {
      const range = extent(r.actual.concat(r.predicted));
      LayerLabCharts.scatter(byId("scatter-chart"), { label: label("scatter-chart"), xLabel: "actual", yLabel: "predicted",
        xRange: range, yRange: range, diagonal: true, series: [{ label: "rows", x: r.actual, y: r.predicted }] });
    }
    const h = plots.residual_histogram;
    if (h && h.counts.length && byId("residual-chart")) {
      LayerLabCharts.bar(byId("residual-chart"), { label: label("residual-chart"), xLabel: "residual", yLabel: "rows",
        edges: h.bin_edges, series: [{ label: "rows", values: h.counts }] });
    }
  }

  function drawClassification(details, plots) {
    drawCurves(details);
    const select = byId("curve-class");
    if (select && !select.dataset.ready) {
      select.dataset.ready = "yes";
      select.addEventListener("change", () => drawCurves(details));
    }
    const c = plots.calibration;
    if (c && byId("calibration-chart")) {
      LayerLabCharts.line(byId("calibration-chart"), { label: label("calibration-chart"), xLabel: "predicted probability",
        yLabel: "observed frequency", xRange: [0, 1], yRange: [0, 1], diagonal: true,
        series: [{ label: "observed", kind: "both", x: c.bins.map((b) => b.mean_predicted), y: c.bins.map((b) => b.observed) }] });
    }
    const p = plots.probability_histogram;
    if (p && byId("probability-chart")) {
      const name = (s) => (s.name === "correct" || s.name === "wrong" ? s.name : `actual: ${s.name}`);
      LayerLabCharts.bar(byId("probability-chart"), { label: label("probability-chart"), xLabel: p.value, yLabel: "rows",
        edges: p.bin_edges, legend: true, series: p.series.map((s) => ({ label: name(s), values: s.counts })) });
    }
  }

  function load(root) {
    const details = root.querySelector("#details") || (root.id === "details" ? root : null);
    if (!details || !details.dataset.results) return;
    const data = JSON.parse(details.dataset.results);
    if (details.dataset.task === "regression") drawRegression(data.details || {}, data.plots || {});
    else drawClassification(data.details || {}, data.plots || {});
  }

  htmx.onLoad(load);
})();
