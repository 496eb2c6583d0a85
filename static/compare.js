// Overlay the validation curves of several experiments (fetched from the JSON API).
(function () {
  "use strict";
  const palette = ["--ll-accent", "--ll-validation", "", "", "", ""];
  const fallback = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#f08c00"];

  function colour(index) {
    const name = palette[index % 6];
    const value = name ? getComputedStyle(document.documentElement).getPropertyValue(name).trim() : "";
    return value || fallback[index % 6];
  }

  function plot(element, ids, rows, key, label) {
    const longest = Math.max(1, ...rows.map((r) => r.length));
    const x = Array.from({ length: longest }, (_, i) => i + 1);
    const data = [x, ...rows.map((r) => x.map((_, i) => (r[i] ? r[i][key] : null)))];
    const series = [{ label: "epoch" }, ...ids.map((id, i) => ({ label: `Experiment ${id}`, stroke: colour(i), width: 2 }))];
    const chart = new uPlot({ width: Math.max(280, element.clientWidth), height: 240, legend: { show: false },
      scales: { x: { time: false } }, axes: [{ label: "epoch" }, { label }], series }, data, element);
    new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: 240 })).observe(element);
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
