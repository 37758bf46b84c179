// The practice's own questions that show only after an earlier answer ("Which
// trimester?" after "Pregnant: yes"): hidden until that answer is given, shown again as
// soon as it is. Without JavaScript every question shows, and the server keeps an answer
// only where its question was asked.
(function () {
  const form = document.querySelector("form.intake-form");
  if (!form) return;
  const dependants = Array.from(form.querySelectorAll("[data-show-if]"));
  if (!dependants.length) return;

  function answered(name) {
    const checkable = (input) => input.type === "radio" || input.type === "checkbox";
    return Array.from(form.querySelectorAll(`[name="${name}"]`))
      .filter((input) => (checkable(input) ? input.checked : input.value !== ""))
      .map((input) => input.value);
  }

  function shown(box) {
    const parent = form.querySelector(`[name="${box.dataset.showIf}"]`);
    const parentBox = parent && parent.closest("[data-show-if]");
    if (parentBox && parentBox.hidden) return false;
    return answered(box.dataset.showIf).includes(box.dataset.showAnswer);
  }

  function update() {
    dependants.forEach((box) => { box.hidden = !shown(box); });
  }

  form.addEventListener("change", update);
  update();
})();
