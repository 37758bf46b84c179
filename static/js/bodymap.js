// Body map: tapping a region fills the first empty area row, or adds a new row from the
// formset's template. The rows are an ordinary Django formset, so the form works without
// this script too.
(function () {
  const form = document.getElementById("note-form");
  if (!form) return;
  const rows = document.getElementById("area-rows");
  const template = document.getElementById("area-template");
  const total = form.querySelector('input[name="areas-TOTAL_FORMS"]');
  const maxForms = parseInt(form.querySelector('input[name="areas-MAX_NUM_FORMS"]').value, 10);

  function emptyRow() {
    return Array.from(rows.querySelectorAll(".area-row")).find(
      (row) => row.querySelector('select[name$="-region"]').value === ""
    );
  }

  function newRow() {
    const index = parseInt(total.value, 10);
    if (index >= maxForms) return null;
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    rows.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    return rows.lastElementChild;
  }

  function markChosen() {
    const chosen = new Set(
      Array.from(rows.querySelectorAll(".area-row")).map((row) => {
        const get = (name) => row.querySelector(`[name$="-${name}"]`).value;
        return `${get("region")}|${get("side")}|${get("aspect")}`;
      })
    );
    document.querySelectorAll(".body-figure").forEach((svg) => {
      svg.querySelectorAll("[data-region]").forEach((shape) => {
        const key = `${shape.dataset.region}|${shape.dataset.side}|${svg.dataset.aspect}`;
        shape.classList.toggle("chosen", chosen.has(key));
      });
    });
  }

  document.querySelectorAll(".body-figure [data-region]").forEach((shape) => {
    shape.addEventListener("click", () => {
      const row = emptyRow() || newRow();
      if (!row) return;
      const aspect = shape.closest("svg").dataset.aspect;
      const side = shape.dataset.side === "centre" ? "centre" : shape.dataset.side;
      row.querySelector('[name$="-region"]').value = shape.dataset.region;
      row.querySelector('[name$="-side"]').value = side;
      row.querySelector('[name$="-aspect"]').value = aspect;
      row.querySelector('[name$="-pressure"]').focus();
      markChosen();
    });
  });
  rows.addEventListener("change", markChosen);
  document.querySelectorAll(".js-only").forEach((el) => el.classList.remove("js-only"));
  markChosen();
})();
