// The builder's split sliders stay linked: they always add up to 100 %.
(function () {
  "use strict";

  function link(form) {
    const sliders = {
      train: form.querySelector("#split-train"),
      validation: form.querySelector("#split-validation"),
      test: form.querySelector("#split-test"),
    };
    if (!sliders.train || form.dataset.linked) return;
    form.dataset.linked = "yes";
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

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("#builder").forEach(link));
  document.addEventListener("htmx:afterSwap", () => document.querySelectorAll("#builder").forEach(link));
})();
