// Beside the what-if form: the prediction as one feature sweeps its training range,
// from the form's row (solid) and averaged over training rows (dashed), drawn by the chart module.
(function () {
  "use strict";

  function setUp(section) {
    const feature = document.getElementById("dependence-feature");
    const classLabel = document.getElementById("dependence-class-label");
    const classSelect = document.getElementById("dependence-class");
    const chartBox = document.getElementById("dependence-chart");
    const caption = document.getElementById("dependence-caption");
    const error = document.getElementById("dependence-error");
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
      LayerLabCharts.line(chartBox, {
        label: chartBox.getAttribute("aria-label"), xLabel: body.feature, yLabel, x: xs, height: 260,
        categories: categories ? body.values.map(String) : undefined, yRange: body.classes ? [0, 1] : undefined,
        series: [{ label: "this row", y: data[1], kind: categories ? "both" : "line" },
          { label: "average", y: data[2], dash: true, kind: categories ? "both" : "line" }],
      });
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
    refresh();
  }

  document.addEventListener("DOMContentLoaded", () => {
    const section = document.getElementById("dependence");
    if (section) setUp(section);
  });
})();
