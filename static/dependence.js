// Beside the what-if form: the prediction as one feature sweeps its training range,
// from the form's row (solid) and averaged over training rows (dashed), drawn with uPlot.
(function () {
  "use strict";

  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => (css.getPropertyValue(name).trim() || fallback);

  function setUp(section) {
    const feature = document.getElementById("dependence-feature");
    const classLabel = document.getElementById("dependence-class-label");
    const classSelect = document.getElementById("dependence-class");
    const chartBox = document.getElementById("dependence-chart");
    const caption = document.getElementById("dependence-caption");
    const error = document.getElementById("dependence-error");
    let chart = null;
    let latest = 0;

    function rowParams() {
      const params = new URLSearchParams({ feature: feature.value });
      for (const input of document.querySelectorAll("#what-if-form [data-feature]")) {
        params.append(`at.${input.dataset.feature}`, input.value);
      }
      return params;
    }

    function fillClasses(classes) {
      classLabel.hidden = !classes;
      if (!classes) return;
      const current = classSelect.value;
      if ([...classSelect.options].map((o) => o.value).join("\u0000") !== classes.join("\u0000")) {
        classSelect.replaceChildren(...classes.map((name) => new Option(name, name)));
        classSelect.value = classes.includes(current) ? current : classes[classes.length - 1];
      }
    }

    function draw(body) {
      fillClasses(body.classes);
      const output = body.classes ? classSelect.value : "value";
      const categories = body.kind !== "number";
      const xs = categories ? body.values.map((_, i) => i) : body.values;
      const data = [xs, body.individual[output], body.average[output]];
      const yLabel = body.classes ? `probability of ${output}` : "predicted value";
      if (chart) chart.destroy();
      const axis = { stroke: colour("--pico-muted-color", "#6b7280"), grid: { stroke: colour("--ll-grey-2", "#e4e7ec") } };
      const xAxis = categories
        ? { ...axis, label: body.feature, splits: () => xs, values: (_, splits) => splits.map((i) => String(body.values[i] ?? "").slice(0, 12)) }
        : { ...axis, label: body.feature };
      chart = new uPlot({
        width: Math.max(280, chartBox.clientWidth), height: 260,
        legend: { show: false },
        scales: { x: { time: false }, y: body.classes ? { range: [0, 1] } : {} },
        axes: [xAxis, { ...axis, label: yLabel }],
        series: [{ label: body.feature },
          { label: "this row", stroke: colour("--ll-accent", "#3b5bdb"), width: 2, points: { show: categories } },
          { label: "average", stroke: colour("--ll-validation", "#e8590c"), width: 2, dash: [6, 4], points: { show: categories } }],
      }, data, chartBox);
      caption.textContent = `${yLabel} as ${body.feature} changes; average over ${body.averaged_rows} training rows.`;
    }

    let last = null;
    async function refresh() {
      const ticket = ++latest; // an older answer never replaces a newer change
      const response = await fetch(`${section.dataset.url}?${rowParams()}`, { headers: { accept: "application/json" } });
      const body = await response.json();
      if (ticket !== latest) return;
      error.hidden = response.ok;
      if (!response.ok) { error.textContent = body.detail; return; }
      last = body;
      draw(body);
    }

    feature.addEventListener("change", refresh);
    classSelect.addEventListener("change", () => { if (last) draw(last); });
    let timer = 0;
    const form = document.getElementById("what-if-form");
    const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 300); };
    form.addEventListener("input", soon);
    form.addEventListener("change", soon);
    new ResizeObserver(() => { if (chart) chart.setSize({ width: Math.max(280, chartBox.clientWidth), height: 260 }); }).observe(chartBox);
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("dependence");
    if (section) setUp(section);
  });
})();
