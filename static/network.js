// Inside the network: neurons by layer at the epoch the scrubber picks, per-layer
// numbers, norms by epoch (the chart module), and the decision surface. Snapshots come from
// /inspect, then live from the event stream (?inspection=true) while training.
(function () {
  "use strict";

  const SVG = "http://www.w3.org/2000/svg";
  const MAX_INPUTS = 24;
  const ROW = 20;
  const css = getComputedStyle(document.documentElement);
  const colour = (name, fallback) => (css.getPropertyValue(name).trim() || fallback);
  const POSITIVE = colour("--ll-accent", "#3b5bdb");
  const NEGATIVE = colour("--ll-validation", "#e8590c");
  const MUTED = colour("--ll-grey-5", "#6b7280");
  const PALETTE = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#f59f00", "#0c8599", "#c2255c", "#5c940d", "#495057", "#1864ab"];

  function el(name, attributes, parent) {
    const node = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes || {})) node.setAttribute(key, String(value));
    if (parent) parent.appendChild(node);
    return node;
  }

  function text(parent, x, y, content, attributes) {
    const node = el("text", { x, y, ...attributes }, parent);
    node.textContent = content;
    return node;
  }

  const fmt = (value, digits = 3) => (value === null || value === undefined ? "–" : Number(value).toPrecision(digits));
  const percent = (share) => (share === null || share === undefined ? "–" : `${Math.round(share * 100)} %`);
  const decoded = (name) => String(name).replace(/=/, " = ");

  function groupLabel(layer, group) {
    return group.first === group.last ? `${layer.name} · unit ${group.first + 1}` : `${layer.name} · units ${group.first + 1}–${group.last + 1}`;
  }

  function groupOf(layer, unit) {
    return layer.groups.findIndex((g) => g.first <= unit && unit <= g.last);
  }

  // Inputs worth drawing: all of them when few, else the ones layer 1 weighs most.
  function shownInputs(inputs, firstLayer) {
    const indices = inputs.map((_, i) => i);
    if (inputs.length <= MAX_INPUTS) return indices;
    const strength = new Map();
    for (const group of firstLayer.groups) {
      for (const [index, weight] of group.incoming) strength.set(index, Math.max(strength.get(index) || 0, Math.abs(weight || 0)));
    }
    return [...strength.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_INPUTS).map(([i]) => i).sort((a, b) => a - b);
  }

  function drawNetwork(svg, snapshot, inputs, detail) {
    svg.replaceChildren();
    const layers = snapshot.layers;
    const shown = shownInputs(inputs, layers[0]);
    const columns = [shown.length, ...layers.map((l) => l.groups.length)];
    const tallest = Math.max(...columns);
    const width = Math.max(640, svg.clientWidth || 900);
    const height = tallest * ROW + 110;
    svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
    svg.setAttribute("height", height);
    const left = 170;
    const step = (width - left - 110) / layers.length; // room for the output's title
    const xOf = (column) => left + column * step;
    const yOf = (column, index) => 50 + (tallest - columns[column]) * ROW / 2 + index * ROW;
    const edges = el("g", { class: "edges" }, svg);
    const nodes = el("g", { class: "nodes" }, svg);

    text(svg, xOf(0), 20, `input (${inputs.length})`, { "text-anchor": "middle", class: "layer-title" });
    const inputPosition = new Map();
    shown.forEach((inputIndex, row) => {
      const y = yOf(0, row);
      inputPosition.set(inputIndex, y);
      const g = el("g", { class: "neuron input", tabindex: 0, role: "button", "aria-label": `input ${decoded(inputs[inputIndex] ?? inputIndex + 1)}` }, nodes);
      el("circle", { cx: xOf(0), cy: y, r: 5 }, g);
      text(g, xOf(0) - 10, y + 4, decoded(inputs[inputIndex] ?? `input ${inputIndex + 1}`).slice(0, 24), { "text-anchor": "end", class: "node-label" });
      const show = () => detail(`<h3>${escapeHtml(decoded(inputs[inputIndex] ?? inputIndex + 1))}</h3><p class="muted">An input column after encoding.</p>`);
      g.addEventListener("mouseenter", show);
      g.addEventListener("focus", show);
    });
    if (shown.length < inputs.length) {
      text(svg, xOf(0), height - 40, `+ ${inputs.length - shown.length} more inputs`, { "text-anchor": "middle", class: "node-label" });
    }

    layers.forEach((layer, li) => {
      const column = li + 1;
      const maxWeight = Math.max(1e-12, ...layer.groups.flatMap((g) => g.incoming.map(([, w]) => Math.abs(w || 0))));
      const maxActivation = Math.max(1e-12, ...layer.groups.map((g) => Math.abs(g.mean_activation || 0)));
      const title = `${layer.name} (${layer.units} ${layer.activation})`;
      text(svg, xOf(column), 20, title, { "text-anchor": "middle", class: "layer-title" });
      text(svg, xOf(column), 36, `|w| ${fmt(layer.weight_norm, 2)} · grad ${fmt(layer.grad_norm, 2)}`, { "text-anchor": "middle", class: "node-label" });
      if (layer.dead_share) {
        text(svg, xOf(column), height - 22, `${percent(layer.dead_share)} never fire`, { "text-anchor": "middle", class: "node-label" });
      } else if (layer.saturated_share) {
        text(svg, xOf(column), height - 22, `${percent(layer.saturated_share)} saturated`, { "text-anchor": "middle", class: "node-label" });
      }
      layer.groups.forEach((group, gi) => {
        const y = yOf(column, gi);
        for (const [source, weight] of group.incoming) {
          const from = li === 0 ? inputPosition.get(source) : yOf(column - 1, groupOf(layers[li - 1], source));
          if (from === undefined || weight === null) continue;
          el("line", {
            x1: xOf(column - 1), y1: from, x2: xOf(column), y2: y,
            stroke: weight >= 0 ? POSITIVE : NEGATIVE,
            "stroke-width": (0.4 + 3 * Math.abs(weight) / maxWeight).toFixed(2),
            "stroke-opacity": 0.55,
            ...(weight < 0 ? { "stroke-dasharray": "4 3" } : {}),
          }, edges);
        }
        const label = groupLabel(layer, group);
        const g = el("g", { class: "neuron", tabindex: 0, role: "button", "aria-label": `${label}${group.dead ? ", never fires" : ""}${group.saturated ? ", saturated" : ""}` }, nodes);
        const strength = group.mean_activation === undefined ? 0.6 : 0.15 + 0.85 * Math.abs(group.mean_activation || 0) / maxActivation;
        el("circle", {
          cx: xOf(column), cy: y, r: 7,
          fill: group.dead ? "none" : POSITIVE, "fill-opacity": strength.toFixed(2),
          stroke: group.saturated ? NEGATIVE : group.dead ? MUTED : POSITIVE,
          "stroke-width": group.saturated ? 3 : 1.5,
          ...(group.dead ? { "stroke-dasharray": "2 2" } : {}),
        }, g);
        const show = () => detail(neuronDetail(layer, li, group, layers, inputs));
        g.addEventListener("mouseenter", show);
        g.addEventListener("focus", show);
      });
    });
  }

  function escapeHtml(value) {
    const span = document.createElement("span");
    span.textContent = String(value);
    return span.innerHTML;
  }

  function neuronDetail(layer, li, group, layers, inputs) {
    const sourceName = (index) => (li === 0 ? decoded(inputs[index] ?? `input ${index + 1}`) : `${layers[li - 1].name} · unit ${index + 1}`);
    const rows = group.incoming.map(([index, weight]) =>
      `<tr><td>${escapeHtml(sourceName(index))}</td><td class="num">${weight >= 0 ? "+" : ""}${fmt(weight)}</td></tr>`).join("");
    const facts = [];
    if (group.mean_activation !== undefined) facts.push(`mean activation ${fmt(group.mean_activation)}`);
    if (group.fire_share !== undefined) facts.push(group.dead ? "never fires on the probe rows" : `fires on ${percent(group.fire_share)} of the probe rows`);
    if (group.saturated) facts.push("sits saturated on most probe rows");
    const mean = group.first === group.last ? "" : " (mean over the group)";
    return `<h3>${escapeHtml(groupLabel(layer, group))} <small class="muted">${escapeHtml(layer.activation)}</small></h3>` +
      (facts.length ? `<p>${facts.join(" · ")}</p>` : "") +
      `<table class="incoming"><caption>Strongest incoming weights${mean}</caption><tbody>${rows}</tbody></table>`;
  }

  // A layer's weight histogram in its table cell, drawn by the one chart module.
  function histogram(layer, cell) {
    const holder = document.createElement("div");
    holder.className = "spark";
    cell.appendChild(holder);
    if (!window.LayerLabCharts) return;
    const { counts, edges } = layer.histogram;
    LayerLabCharts.bar(holder, { label: `histogram of ${layer.name}'s weights`, spark: true, width: 120, height: 28,
      edges, series: [{ label: "weights", values: counts }] });
  }

  function fillTable(tbody, snapshot) {
    tbody.replaceChildren();
    for (const layer of snapshot.layers) {
      const tr = document.createElement("tr");
      const cells = [`${layer.name}`, `${layer.units} ${layer.activation}`, fmt(layer.weight_norm), fmt(layer.grad_norm),
        layer.dead_share === undefined ? "–" : percent(layer.dead_share),
        layer.saturated_share === undefined ? "–" : percent(layer.saturated_share), fmt(layer.mean_activation)];
      cells.forEach((content, i) => {
        const td = document.createElement(i === 0 ? "th" : "td");
        if (i === 0) td.scope = "row";
        if (i >= 2) td.className = "num";
        td.textContent = content;
        tr.appendChild(td);
      });
      const chart = document.createElement("td");
      tr.appendChild(chart);
      tbody.appendChild(tr);
      histogram(layer, chart);
    }
  }

  function normChart(element, label, log) {
    return (snapshots) => {
      if (!snapshots.length || !window.LayerLabCharts) return;
      const names = snapshots[0].layers.map((l) => l.name);
      LayerLabCharts.line(element, {
        label: element.getAttribute("aria-label"), xLabel: "epoch", height: 220, log,
        yLabel: label === "grad_norm" ? "gradient norm" : "weight norm", x: snapshots.map((s) => s.epoch),
        series: names.map((name, li) => ({ label: name, dash: li % 2 === 1, y: snapshots.map((s) => {
          const value = s.layers[li] ? s.layers[li][label] : null;
          return log && !(value > 0) ? null : value;
        }) })),
      });
    };
  }

  function setUp(view) {
    const svg = document.getElementById("network-diagram");
    const scrubber = document.getElementById("epoch-scrubber");
    const label = document.getElementById("epoch-label");
    const detail = document.getElementById("neuron-detail");
    const tbody = document.querySelector("#layer-table tbody");
    const hints = document.getElementById("hints");
    const empty = document.getElementById("network-empty");
    const weights = normChart(document.getElementById("weight-chart"), "weight_norm", false);
    const gradients = normChart(document.getElementById("gradient-chart"), "grad_norm", true);
    const state = { snapshots: [], inputs: [], following: true };
    const showDetail = (html) => { detail.innerHTML = html; };

    function show(index) {
      const snapshot = state.snapshots[index];
      if (!snapshot) return;
      label.textContent = `epoch ${snapshot.epoch}`;
      scrubber.setAttribute("aria-valuetext", `epoch ${snapshot.epoch}`);
      drawNetwork(svg, snapshot, state.inputs, showDetail);
      fillTable(tbody, snapshot);
    }

    function refresh() {
      const last = state.snapshots.length - 1;
      empty.hidden = last >= 0;
      scrubber.disabled = last < 0;
      scrubber.max = String(Math.max(last, 0));
      if (state.following) scrubber.value = String(Math.max(last, 0));
      show(Number(scrubber.value));
      weights(state.snapshots);
      gradients(state.snapshots);
    }

    function setHints(list) {
      hints.replaceChildren();
      for (const sentence of list.length ? list : ["Nothing stands out."]) {
        const li = document.createElement("li");
        li.textContent = sentence;
        if (!list.length) li.className = "muted";
        hints.appendChild(li);
      }
    }

    async function load() {
      const response = await fetch(view.dataset.inspectUrl, { headers: { accept: "application/json" } });
      if (!response.ok) return null;
      const body = await response.json();
      state.inputs = body.inputs;
      state.snapshots = body.epochs;
      setHints(body.hints);
      refresh();
      return body;
    }

    scrubber.addEventListener("input", () => {
      state.following = Number(scrubber.value) === state.snapshots.length - 1;
      show(Number(scrubber.value));
    });

    load().then((body) => {
      if (!body || view.dataset.finished === "true") return;
      const source = new EventSource(view.dataset.eventsUrl);
      source.addEventListener("epoch", (event) => {
        const row = JSON.parse(event.data);
        const snapshot = row.inspection;
        const last = state.snapshots[state.snapshots.length - 1];
        if (!snapshot || (last && snapshot.epoch <= last.epoch)) return;
        if (snapshot.inputs) state.inputs = snapshot.inputs;
        state.snapshots.push(snapshot);
        refresh();
      });
      const onStatus = (event) => {
        window.LayerLabPanel.refresh(view.dataset.panelUrl, JSON.parse(event.data));
        load();
      };
      source.addEventListener("status", onStatus);
      source.addEventListener("done", (event) => { source.close(); onStatus(event); });
    });

    setUpSurface(view);
  }

  // The decision surface: a grid of cells coloured by the predicted class (opacity =
  // confidence) or value, with the training rows as dots on top.
  function setUpSurface(view) {
    const form = document.getElementById("surface-form");
    if (!form) return;
    const svg = document.getElementById("surface");
    const caption = document.getElementById("surface-caption");
    const error = document.getElementById("surface-error");

    let latest = 0;
    async function draw() {
      const ticket = ++latest; // an older answer never replaces a newer choice
      const params = new URLSearchParams(new FormData(form));
      const response = await fetch(`${view.dataset.surfaceUrl}?${params}`, { headers: { accept: "application/json" } });
      const body = await response.json();
      if (ticket !== latest) return;
      error.hidden = response.ok;
      if (!response.ok) { error.textContent = body.detail; return; }
      drawSurface(svg, body);
      const held = Object.entries(body.held_at).filter(([name]) => name !== body.x.feature && name !== body.y.feature)
        .map(([name, value]) => `${name} = ${value === "" ? "(missing)" : typeof value === "number" ? +value.toPrecision(4) : value}`);
      caption.textContent = (body.classes ? `Colour: the predicted class (${body.classes.join(", ")}); paler = less sure. ` : "Colour: the predicted value, dark = high. ") +
        (held.length ? `Others held at ${held.join(", ")}.` : "");
    }

    form.addEventListener("submit", (event) => { event.preventDefault(); draw(); });
    form.addEventListener("change", draw);
    draw();
  }

  function axis(spec, low, high) {
    const values = spec.values;
    if (spec.kind === "number") {
      const min = values[0];
      const max = values[values.length - 1];
      const span = max - min || 1;
      return {
        cell: (i) => [low + (high - low) * (i / values.length), (high - low) / values.length],
        point: (v) => (typeof v === "number" ? low + (high - low) * ((v - min) / span) * ((values.length - 1) / values.length) + (high - low) / values.length / 2 : null),
        ticks: [0, Math.floor(values.length / 2), values.length - 1].map((i) => [low + (high - low) * ((i + 0.5) / values.length), fmt(values[i])]),
      };
    }
    const band = (high - low) / values.length;
    return {
      cell: (i) => [low + band * i, band],
      point: (v, k) => {
        const i = values.indexOf(String(v));
        return i < 0 ? null : low + band * (i + 0.2 + 0.6 * ((k * 0.6180339) % 1));
      },
      ticks: values.map((v, i) => [low + band * (i + 0.5), String(v).slice(0, 12)]),
    };
  }

  function drawSurface(svg, body) {
    svg.replaceChildren();
    const size = 420;
    const margin = { left: 70, bottom: 50, top: 10, right: 150 };
    svg.setAttribute("viewBox", `0 0 ${size + margin.left + margin.right} ${size + margin.top + margin.bottom}`);
    const x = axis(body.x, margin.left, margin.left + size);
    const y = axis(body.y, margin.top + size, margin.top); // up
    const nx = body.x.values.length;
    const grid = body.grid;
    const values = grid.value || [];
    const vmin = Math.min(...values);
    const vmax = Math.max(...values);
    const k = body.classes ? body.classes.length : 0;
    const cells = el("g", { class: "cells" }, svg);
    const count = body.classes ? grid.class.length : values.length;
    for (let index = 0; index < count; index++) {
      const [cx, cw] = x.cell(index % nx);
      const [cy, ch] = y.cell(Math.floor(index / nx));
      const attributes = { x: cx.toFixed(1), y: (cy + ch).toFixed(1), width: (cw + 0.5).toFixed(1), height: (-ch + 0.5).toFixed(1) };
      if (body.classes) {
        const sure = k > 1 ? (grid.confidence[index] - 1 / k) / (1 - 1 / k) : 1;
        Object.assign(attributes, { fill: PALETTE[grid.class[index] % PALETTE.length], "fill-opacity": (0.12 + 0.55 * sure).toFixed(2) });
      } else {
        Object.assign(attributes, { fill: POSITIVE, "fill-opacity": (0.08 + 0.8 * (values[index] - vmin) / ((vmax - vmin) || 1)).toFixed(2) });
      }
      el("rect", attributes, cells);
    }
    const points = el("g", { class: "points" }, svg);
    body.points.x.forEach((px, i) => {
      const cx = x.point(px, i);
      const cy = y.point(body.points.y[i], i + 7);
      const actual = body.points.actual[i];
      if (cx === null || cy === null || actual === null) return;
      const fill = body.classes ? PALETTE[Math.max(0, body.classes.indexOf(String(actual))) % PALETTE.length] : POSITIVE;
      const opacity = body.classes ? 1 : 0.2 + 0.8 * (actual - vmin) / ((vmax - vmin) || 1);
      el("circle", { cx: cx.toFixed(1), cy: cy.toFixed(1), r: 3, fill, "fill-opacity": Math.min(1, Math.max(0.2, opacity)).toFixed(2), stroke: "#1f2328", "stroke-width": 0.7 }, points);
    });
    for (const [position, tick] of x.ticks) text(svg, position, margin.top + size + 18, tick, { "text-anchor": "middle", class: "node-label" });
    for (const [position, tick] of y.ticks) text(svg, margin.left - 6, position + 4, tick, { "text-anchor": "end", class: "node-label" });
    text(svg, margin.left + size / 2, margin.top + size + 40, body.x.feature, { "text-anchor": "middle", class: "layer-title" });
    text(svg, 12, margin.top + size / 2, body.y.feature, { "text-anchor": "middle", class: "layer-title", transform: `rotate(-90 12 ${margin.top + size / 2})` });
    const legend = el("g", { class: "legend" }, svg);
    const legendX = margin.left + size + 16;
    if (body.classes) {
      body.classes.slice(0, 12).forEach((name, i) => {
        el("rect", { x: legendX, y: margin.top + i * 20, width: 12, height: 12, fill: PALETTE[i % PALETTE.length] }, legend);
        text(legend, legendX + 18, margin.top + i * 20 + 11, String(name).slice(0, 16), { class: "node-label" });
      });
    } else {
      text(legend, legendX, margin.top + 12, `high ${fmt(vmax)}`, { class: "node-label" });
      text(legend, legendX, margin.top + 32, `low ${fmt(vmin)}`, { class: "node-label" });
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    const view = document.getElementById("network-view");
    if (view) setUp(view);
  });
})();
