// The decision threshold slider of a binary experiment: moving it redraws the confusion
// matrix and the metrics from per-threshold counts held in the slider's data attributes
// (no request, no inline script); "Use this threshold" saves it through htmx.
(function () {
  "use strict";

  const count = (n) => n.toLocaleString("en-US");
  const percent = (part, whole) => (whole ? `${Math.round((100 * part) / whole)} %` : "0 %");
  const significant = (v) => (v === null || !Number.isFinite(v) ? "–" : String(+v.toPrecision(3)));
  const ratio = (part, whole) => (whole ? part / whole : null);

  function setUp(slider) {
    if (slider.dataset.ready) return;
    slider.dataset.ready = "yes";
    const tp = JSON.parse(slider.dataset.tp), fp = JSON.parse(slider.dataset.fp);
    const positives = Number(slider.dataset.positives), negatives = Number(slider.dataset.negatives);
    const split = slider.dataset.split;
    const output = document.getElementById("threshold-value");
    const metrics = document.getElementById("threshold-metrics");
    const caption = document.getElementById("confusion-threshold");
    const save = document.getElementById("threshold-save");

    function update() {
      const t = Number(slider.value);
      const i = Math.min(tp.length - 1, Math.max(0, Math.round(t * 100) - 1));
      const truePositive = tp[i], falsePositive = fp[i];
      const matrix = [[negatives - falsePositive, falsePositive], [positives - truePositive, truePositive]];
      matrix.forEach((row, r) => {
        const total = row[0] + row[1];
        row.forEach((value, c) => {
          const cell = document.querySelector(`[data-cell="${r}-${c}"]`);
          if (!cell) return;
          cell.querySelector(".cell-count").textContent = count(value);
          cell.querySelector(".cell-share").textContent = ` ${percent(value, total)}`;
          if (r !== c) cell.classList.toggle("off-diagonal", value > 0);
        });
        const recallCell = document.querySelector(`[data-recall="${r}"]`);
        if (recallCell) recallCell.textContent = percent(row[r], total);
      });
      const trueNegative = negatives - falsePositive;
      const precision = ratio(truePositive, truePositive + falsePositive);
      const recall = ratio(truePositive, positives);
      const specificity = ratio(trueNegative, negatives);
      const f1 = precision !== null && recall !== null && precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : null;
      const balanced = recall !== null && specificity !== null ? (recall + specificity) / 2 : null;
      const shown = t.toFixed(2);
      output.textContent = shown;
      slider.setAttribute("aria-valuetext", shown);
      if (caption) caption.textContent = shown;
      metrics.textContent = `${split[0].toUpperCase()}${split.slice(1)} rows at ${shown}: accuracy ` +
        `${significant(ratio(truePositive + trueNegative, positives + negatives))} · balanced accuracy ${significant(balanced)} · ` +
        `“${slider.dataset.positive}”: precision ${significant(precision)}, recall ${significant(recall)}, F1 ${significant(f1)}`;
      if (save) save.disabled = Math.abs(t - Number(slider.dataset.saved)) < 1e-9;
    }

    slider.addEventListener("input", update);
    update();
  }

  htmx.onLoad(() => {
    const slider = document.getElementById("threshold-slider");
    if (slider) setUp(slider);
  });
})();
