// The experiment builder. The form in the page is the only state: a change posts it,
// and the server answers with the parts that depend on it (diagram, counts, hints,
// the sentence under a bad field), each swapped out of band by id. No answer ever
// carries an input, so nothing typed, its caret or its selection can be replaced.
// Requests go one at a time (hx-sync "queue last"); an answer that arrives after a
// newer change is dropped, since the request for that change is already queued.
// Layers and the label's row change here, in place, and then post like any change.
(function () {
  "use strict";

  const fire = (form) => form.dispatchEvent(new Event("change", { bubbles: true }));

  // Split sliders stay linked: they always add up to 100 %.
  function linkSplit(form) {
    const sliders = {
      train: form.querySelector("#split-train"),
      validation: form.querySelector("#split-validation"),
      test: form.querySelector("#split-test"),
    };
    const show = () => Object.entries(sliders).forEach(([key, slider]) => {
      form.querySelector(`#split-${key}-out`).textContent = `${slider.value} %`;
    });
    Object.entries(sliders).forEach(([key, slider]) => slider.addEventListener("input", () => {
      const value = (name) => Number(sliders[name].value);
      // The slider moved keeps its value; test absorbs the difference, then validation.
      const other = key === "test" ? "validation" : "test";
      const third = ["train", "validation", "test"].find((name) => name !== key && name !== other);
      let rest = 100 - value(key) - value(third);
      if (rest < 1) {
        sliders[third].value = Math.max(1, value(third) + rest - 1);
        rest = 100 - value(key) - value(third);
      }
      sliders[other].value = rest;
      show();
    }));
  }

  // A sentence under a field marks the field itself; Train says whether it waits.
  function syncMarks(form) {
    form.querySelectorAll(".field-error[data-for]").forEach((slot) => {
      const field = document.getElementById(slot.dataset.for);
      if (!field) return;
      if (slot.textContent.trim()) field.setAttribute("aria-invalid", "true");
      else field.removeAttribute("aria-invalid");
    });
    const status = document.getElementById("train-status");
    const train = document.getElementById("train-button");
    if (status && train) {
      if (status.dataset.ready === "no") train.setAttribute("aria-disabled", "true");
      else train.removeAttribute("aria-disabled");
    }
  }

  // Layers: add, move and remove rows in place; ids and names follow the new order.
  function renumber(form) {
    const rows = Array.from(form.querySelectorAll("#layers > .layer-row"));
    rows.forEach((row, i) => {
      const n = i + 1;
      row.querySelector(".layer-name").textContent = `Layer ${n}`;
      row.querySelectorAll("[data-field]").forEach((field) => {
        const name = field.dataset.field;
        if (name === "batchnorm") { field.value = String(i); return; }
        field.id = `layer-${i}-${name}`;
        field.setAttribute("aria-label", `Layer ${n} ${name}`);
        const slot = field.closest(".field")?.querySelector(".field-error");
        if (slot) {
          slot.id = `${field.id}-error`;
          slot.dataset.for = field.id;
          field.setAttribute("aria-describedby", slot.id);
        }
      });
      row.querySelectorAll("[data-layer-op]").forEach((button) => {
        const op = button.dataset.layerOp;
        button.value = `${op}-${i}`;
        const words = { up: "Move layer %n up", down: "Move layer %n down", remove: "Remove layer %n" };
        button.setAttribute("aria-label", words[op].replace("%n", n));
        button.disabled = (op === "up" && i === 0) || (op === "down" && i === rows.length - 1);
      });
    });
    const add = form.querySelector("#add-layer");
    add.disabled = rows.length >= Number(add.dataset.max);
  }

  function layerOperation(form, button) {
    const list = form.querySelector("#layers");
    const op = button.dataset.layerOp;
    const row = button.closest(".layer-row");
    if (op === "add") {
      const fresh = form.querySelector("#layer-template").content.firstElementChild.cloneNode(true);
      const last = list.lastElementChild;
      if (last) fresh.querySelector("[data-field=units]").value = last.querySelector("[data-field=units]").value;
      fresh.querySelectorAll(".field-error").forEach((slot) => { slot.textContent = ""; });
      list.append(fresh);
      renumber(form);
      fresh.querySelector("[data-field=units]").focus();
    } else if (op === "remove") {
      const neighbour = row.nextElementSibling || row.previousElementSibling;
      row.remove();
      renumber(form);
      (neighbour ? neighbour.querySelector("[data-field=units]") : form.querySelector("#add-layer")).focus();
    } else {
      // Move the neighbour rather than the row: the pressed button keeps focus.
      if (op === "up" && row.previousElementSibling) row.after(row.previousElementSibling);
      if (op === "down" && row.nextElementSibling) row.before(row.nextElementSibling);
      renumber(form);
      if (button.disabled) row.querySelector(`[data-layer-op=${op === "up" ? "down" : "up"}]`).focus();
    }
    fire(form);
  }

  // Features: the label's row is hidden; the previous label comes back ticked.
  function rowOf(form, name) {
    return Array.from(form.querySelectorAll("#features-table tr.feature-row")).find((row) => row.dataset.column === name);
  }

  function changeLabel(form, select) {
    const previous = form.querySelector("#previous-label");
    const old = rowOf(form, previous.value);
    const now = rowOf(form, select.value);
    if (old && old !== now) {
      old.hidden = false;
      const box = old.querySelector("input[type=checkbox]");
      const encoder = old.querySelector("select");
      box.disabled = box.hasAttribute("data-unusable");
      box.checked = old.dataset.defaultChecked === "yes";
      old.classList.toggle("unchecked", !box.checked);
      if (encoder) { encoder.disabled = false; encoder.value = encoder.dataset.default || encoder.value; }
    }
    if (now) {
      now.hidden = true;
      now.querySelectorAll("input, select").forEach((field) => { field.disabled = true; });
    }
    previous.value = select.value;
    countFeatures(form);
  }

  function countFeatures(form) {
    const rows = Array.from(form.querySelectorAll("#features-table tr.feature-row")).filter((row) => row.dataset.column !== form.querySelector("#previous-label").value);
    const chosen = rows.filter((row) => row.querySelector("input[type=checkbox]").checked).length;
    const shown = rows.filter((row) => !row.classList.contains("filtered-out")).length;
    const number = (value) => value.toLocaleString("en-US");
    const out = `${number(chosen)} of ${number(rows.length)} selected`;
    form.querySelector("#feature-count").textContent = shown === rows.length ? out : `${out} · ${number(shown)} shown`;
  }

  function visibleRows(form) {
    return Array.from(form.querySelectorAll("#features-table tr.feature-row"))
      .filter((row) => !row.hidden && !row.classList.contains("filtered-out"));
  }

  function setUpFeatures(form) {
    const filter = form.querySelector("#feature-filter");
    const kind = form.querySelector("#feature-kind");
    const tools = form.querySelector(".feature-tools");
    // The tools only choose what the boxes say; the boxes' own change is what posts.
    tools.addEventListener("change", (event) => event.stopPropagation());
    filter.addEventListener("input", () => {
      const words = filter.value.trim().toLowerCase();
      form.querySelectorAll("#features-table tr.feature-row").forEach((row) => {
        row.classList.toggle("filtered-out", Boolean(words) && !row.dataset.name.includes(words));
      });
      countFeatures(form);
    });
    filter.addEventListener("keydown", (event) => { if (event.key === "Enter") event.preventDefault(); });
    const select = (pick) => {
      let changed = false;
      visibleRows(form).forEach((row) => {
        const box = row.querySelector("input[type=checkbox]");
        const want = pick(row);
        if (box.disabled || want === null || box.checked === want) return;
        box.checked = want;
        row.classList.toggle("unchecked", !want);
        changed = true;
      });
      countFeatures(form);
      if (changed) fire(form);
    };
    tools.addEventListener("click", (event) => {
      const button = event.target.closest("[data-select]");
      if (!button) return;
      select(() => button.dataset.select === "all");
    });
    kind.addEventListener("change", () => {
      if (kind.value) select((row) => (row.dataset.kind === kind.value ? true : null));
      kind.value = "";
    });
    form.querySelector("#features-table").addEventListener("change", (event) => {
      if (event.target.matches("input[type=checkbox]")) {
        event.target.closest("tr").classList.toggle("unchecked", !event.target.checked);
        countFeatures(form);
      }
    });
  }

  function setUp(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "yes";
    linkSplit(form);
    setUpFeatures(form);
    form.querySelector("#label").addEventListener("change", (event) => changeLabel(form, event.target));
    form.addEventListener("click", (event) => {
      const button = event.target.closest("[data-layer-op]");
      if (!button) return;
      event.preventDefault();
      layerOperation(form, button);
    });
    // htmx adds the last focused button's op to every request; only a submit may carry one
    // (a queued change sent while Train has focus must not train).
    form.addEventListener("htmx:configRequest", (event) => {
      if (event.detail.triggeringEvent?.type !== "submit") event.detail.parameters.delete("op");
    });
    // Once Train succeeded the page is leaving: a change queued meanwhile is not sent
    // (the navigation would cut it off halfway).
    form.addEventListener("htmx:beforeOnLoad", (event) => {
      if (event.detail.xhr.getResponseHeader("HX-Redirect")) form.dataset.leaving = "yes";
    });
    form.addEventListener("htmx:beforeRequest", (event) => {
      if (form.dataset.leaving) event.preventDefault();
    });
    let changes = 0;
    form.addEventListener("change", (event) => {
      if (!event.target.closest(".feature-tools")) changes += 1;  // the tools post through the boxes
    }, true);
    form.addEventListener("htmx:beforeRequest", (event) => { event.detail.xhr.builderChanges = changes; });
    // Refused Train: its answer (422) still carries the marks; then focus the first bad field.
    form.addEventListener("htmx:beforeSwap", (event) => {
      if (event.detail.xhr.status === 422) { event.detail.shouldSwap = true; event.detail.isError = false; }
      if (event.detail.xhr.builderChanges !== changes) event.detail.shouldSwap = false;
    });
    form.addEventListener("htmx:afterRequest", (event) => {
      if (event.detail.xhr.status !== 422) return;
      const bad = form.querySelector("[aria-invalid=true]");
      (bad || document.getElementById("train-status")).focus?.();
    });
    document.body.addEventListener("htmx:afterSettle", () => syncMarks(form));
    document.body.addEventListener("htmx:oobAfterSwap", () => syncMarks(form));
    syncMarks(form);
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("#builder").forEach(setUp));
})();
