// The live experiment page: epochs arrive through htmx's SSE extension and are
// appended to two line charts (loss, and accuracy or R²); status changes refresh
// the server-rendered panel. Training = solid accent line, validation = dashed.
(function () {
  "use strict";

  // Training = solid accent line, validation = dashed; the marker is the kept epoch.
  function makeChart(element, yLabel, getBest) {
    const data = { x: [], train: [], validation: [] };
    const spec = {
      label: element.getAttribute("aria-label"), xLabel: "epoch", yLabel, legend: false, marker: getBest, x: data.x,
      series: [{ label: "training", y: data.train }, { label: "validation", y: data.validation, dash: true }],
    };
    const draw = () => LayerLabCharts.line(element, spec);
    draw();
    return { data, draw };
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
    // The statuses a run never leaves, as the server names them (ExperimentStatus.FINISHED).
    const finishedStatuses = live.dataset.finishedStatuses.split(" ");
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
      loss.draw();
      metric.draw();
    }

    document.getElementById("epoch-feed").addEventListener("htmx:sseMessage", (event) => {
      const row = JSON.parse(event.detail.data);
      const x = row.epoch;
      const seen = loss.data.x;
      if (seen.length && x <= seen[seen.length - 1]) return; // never twice
      loss.data.x.push(x); loss.data.train.push(row.train_loss); loss.data.validation.push(row.val_loss);
      metric.data.x.push(x); metric.data.train.push(row.train_metric); metric.data.validation.push(row.val_metric);
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
      // Without early stopping the marker follows the latest epoch: the run keeps its last weights.
      if (state.best_epoch && restores) best = state.best_epoch;
      if (finishedStatuses.includes(state.status)) {
        finished = true;
        text.textContent = `${state.status[0].toUpperCase()}${state.status.slice(1)} after ${state.epochs_done} of ${total} epochs`;
        if (state.status === "completed") bar.value = bar.max;
      }
      window.LayerLabPanel.refresh(live.dataset.panelUrl, state);
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
