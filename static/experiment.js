// The live experiment page: epochs arrive through htmx's SSE extension and are
// appended to two uPlot charts (loss, and accuracy or R²); status changes refresh
// the server-rendered panel. Training = solid accent line, validation = dashed.
(function () {
  "use strict";

  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => (css.getPropertyValue(name).trim() || fallback);

  function bestEpochMarker(getBest) {
    return {
      hooks: {
        draw: [(u) => {
          const best = getBest();
          if (!best) return;
          const x = Math.round(u.valToPos(best, "x", true));
          const { top, height } = u.bbox;
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = colour("--ll-grey-5", "#6b7280");
          ctx.lineWidth = 1.5 * devicePixelRatio;
          ctx.setLineDash([2 * devicePixelRatio, 3 * devicePixelRatio]);
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          ctx.restore();
        }],
      },
    };
  }

  function makeChart(element, yLabel, getBest) {
    const accent = colour("--ll-accent", "#3b5bdb");
    const validation = colour("--ll-validation", "#e8590c");
    const axis = { stroke: colour("--pico-muted-color", "#6b7280"), grid: { stroke: colour("--ll-grey-2", "#e4e7ec") } };
    const options = {
      width: Math.max(280, element.clientWidth),
      height: 240,
      legend: { show: false },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [{ ...axis, label: "epoch" }, { ...axis, label: yLabel }],
      series: [
        { label: "epoch" },
        { label: "training", stroke: accent, width: 2 },
        { label: "validation", stroke: validation, width: 2, dash: [6, 4] },
      ],
      plugins: [bestEpochMarker(getBest)],
    };
    const data = [[], [], []];
    const chart = new uPlot(options, data, element);
    new ResizeObserver(() => chart.setSize({ width: Math.max(280, element.clientWidth), height: 240 })).observe(element);
    return { chart, data };
  }

  function formatDuration(seconds) {
    if (!isFinite(seconds) || seconds < 0) return "";
    const s = Math.round(seconds);
    const m = Math.floor(s / 60);
    return m ? `${m}:${String(s % 60).padStart(2, "0")}` : `0:${String(s).padStart(2, "0")}`;
  }

  function setUp(live) {
    const total = Number(live.dataset.epochsTotal);
    const start = Number(live.dataset.epochsStart || 0); // a continued experiment numbers on from here
    const regression = live.dataset.task === "regression";
    // The marker shows the epoch whose weights are kept: the best one only when early
    // stopping restores it, the latest one otherwise; the finished run's own answer wins.
    const restores = live.dataset.restores !== "no";
    const kept = Number(live.dataset.keptEpoch) || null;
    let best = kept;
    const watchedName = live.dataset.watched || "loss";
    let bestLoss = Infinity;
    let seconds = 0;
    let finished = false;
    const loss = makeChart(document.getElementById("loss-chart"), "loss", () => best);
    const metric = makeChart(document.getElementById("metric-chart"), watchedName !== "loss" ? watchedName : regression ? "R²" : "accuracy", () => best);
    const bar = document.getElementById("epoch-progress");
    const text = document.getElementById("progress-text");
    let pending = false;

    function redraw() {
      pending = false;
      loss.chart.setData(loss.data);
      metric.chart.setData(metric.data);
    }

    document.getElementById("epoch-feed").addEventListener("htmx:sseMessage", (event) => {
      const row = JSON.parse(event.detail.data);
      const x = row.epoch;
      if (loss.data[0].length && x <= loss.data[0][loss.data[0].length - 1]) return; // never twice
      loss.data[0].push(x); loss.data[1].push(row.train_loss); loss.data[2].push(row.val_loss);
      metric.data[0].push(x); metric.data[1].push(row.train_metric); metric.data[2].push(row.val_metric);
      // The best epoch is the one early stopping keeps: lowest loss, or best chosen metric.
      const metricValue = row.val_metric ?? row.train_metric;
      const watched = watchedName === "loss" ? row.val_loss ?? row.train_loss
        : metricValue === null ? null : (watchedName === "mae" ? metricValue : -metricValue);
      if (kept) best = kept;
      else if (!restores) best = x;
      else if (watched !== null && watched < bestLoss) { bestLoss = watched; best = x; }
      seconds += row.seconds;
      bar.value = x;
      const eta = ((seconds / (x - start)) * (total - x));
      const left = eta < 1 ? "under a second left" : `about ${formatDuration(eta)} left at most`;
      text.textContent = finished ? `Epoch ${x} / ${total}` : `Epoch ${x} / ${total} · ${left}`;
      if (!pending) { pending = true; requestAnimationFrame(redraw); }
    });

    document.getElementById("status-feed").addEventListener("htmx:sseMessage", (event) => {
      const state = JSON.parse(event.detail.data);
      if (state.best_epoch) best = state.best_epoch;
      if (["completed", "failed", "cancelled", "interrupted"].includes(state.status)) {
        finished = true;
        text.textContent = `${state.status[0].toUpperCase()}${state.status.slice(1)} after ${state.epochs_done} of ${total} epochs`;
        if (state.status === "completed") bar.value = bar.max;
      }
      htmx.ajax("GET", live.dataset.panelUrl, { target: "#experiment-panel", swap: "outerHTML" });
      // Results rendered with the page stay: re-rendering them would undo a moved threshold slider.
      const shown = document.querySelector("#experiment-results .details-grid");
      if (finished && !shown) htmx.ajax("GET", live.dataset.resultsUrl, { target: "#experiment-results", swap: "outerHTML" });
      redraw();
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const live = document.getElementById("live");
    if (live) setUp(live);
  });
})();
