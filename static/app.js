// LayerLab's small behaviours: drag-and-drop upload and its progress bar.
// No inline scripts anywhere (the Content-Security-Policy forbids them).
(function () {
  "use strict";

  function setUpUpload(form) {
    const input = form.querySelector("input[type=file]");
    const progress = document.getElementById("upload-progress");
    const progressText = document.getElementById("upload-progress-text");
    const submit = () => { if (input.files.length) form.requestSubmit(); };

    input.addEventListener("change", submit);
    ["dragenter", "dragover"].forEach((type) => form.addEventListener(type, (event) => {
      event.preventDefault();
      form.classList.add("dragging");
    }));
    ["dragleave", "drop"].forEach((type) => form.addEventListener(type, () => form.classList.remove("dragging")));
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      input.files = event.dataTransfer.files;
      submit();
    });

    form.addEventListener("htmx:beforeRequest", () => {
      progress.removeAttribute("value");
      progressText.textContent = "Uploading…";
      document.getElementById("upload-status").replaceChildren();
    });
    form.addEventListener("htmx:xhr:progress", (event) => {
      const { loaded, total } = event.detail;
      if (!total) return;
      const share = Math.round((100 * loaded) / total);
      progress.value = share;
      progressText.textContent = share < 100 ? `Uploading… ${share} %` : "Reading and profiling the file…";
    });
    form.addEventListener("htmx:afterRequest", () => { input.value = ""; });
  }

  // Sortable tables: a header button sorts by its column; aria-sort tells which way.
  function setUpSorting(table) {
    const headers = Array.from(table.querySelectorAll("thead th"));
    headers.forEach((th, column) => {
      const button = th.querySelector("button.sort");
      if (!button) return;
      button.addEventListener("click", () => {
        const ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach((other) => other.removeAttribute("aria-sort"));
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        const numeric = button.dataset.type === "number";
        const key = (row) => {
          const cell = row.children[column];
          const raw = cell.dataset.value ?? cell.textContent.trim();
          if (!numeric) return raw.toLowerCase();
          return raw === "" ? -Infinity : Number(raw);
        };
        const body = table.tBodies[0];
        const rows = Array.from(body.rows).sort((a, b) => {
          const [x, y] = [key(a), key(b)];
          const order = x < y ? -1 : x > y ? 1 : 0;
          return ascending ? order : -order;
        });
        body.append(...rows);
      });
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    const form = document.getElementById("upload-form");
    if (form) setUpUpload(form);
    document.querySelectorAll("table.sortable").forEach(setUpSorting);
  });

  // An experiment's panel (status and buttons), fetched again when its run moves on. A state
  // the panel already shows, as an event stream's first message does, leaves it alone: the
  // epochs a person is typing there, and the focus, stay.
  window.LayerLabPanel = {
    refresh(url, state) {
      const panel = document.getElementById("experiment-panel");
      if (panel && state && state.panel_state !== undefined && panel.dataset.panelState === state.panel_state) return;
      htmx.ajax("GET", url, { target: "#experiment-panel", swap: "outerHTML" });
    },
  };
})();
