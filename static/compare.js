// Overlay the validation curves of several experiments (fetched from the JSON API).
(function () {
  "use strict";
  function plot(element, ids, rows, key, label) {
    const longest = Math.max(1, ...rows.map((r) => r.length));
    const x = Array.from({ length: longest }, (_, i) => i + 1);
    LayerLabCharts.line(element, {
      label: element.getAttribute("aria-label"), xLabel: "epoch", yLabel: label, x,
      series: ids.map((id, i) => ({ label: `Experiment ${id}`, y: x.map((_, e) => (rows[i][e] ? rows[i][e][key] : null)) })),
    });
  }

  document.addEventListener("DOMContentLoaded", async () => {
    const root = document.getElementById("compare-charts");
    if (!root) return;
    const ids = root.dataset.ids.split(",");
    const rows = await Promise.all(ids.map((id) => fetch(`/api/experiments/${id}/epochs`).then((r) => (r.ok ? r.json() : []))));
    plot(document.getElementById("compare-loss"), ids, rows, "val_loss", "validation loss");
    plot(document.getElementById("compare-metric"), ids, rows, "val_metric", "validation metric");
  });
})();
